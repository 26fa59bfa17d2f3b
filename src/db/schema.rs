//! Diesel's view of the contract's schema (the same on SQLite and PostgreSQL;
//! the migrations under `migrations/` create it).

diesel::table! {
    operators (id) {
        id -> BigInt,
        username -> Text,
        role -> Text,
        password_hash -> Text,
        is_active -> Bool,
        failed_attempts -> Integer,
        locked_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        os_user -> Nullable<Text>,
    }
}

diesel::table! {
    customers (id) {
        id -> BigInt,
        full_name -> Text,
        email -> Text,
        phone -> Nullable<Text>,
        password_hash -> Text,
        must_change_password -> Bool,
        is_active -> Bool,
        deleted_at -> Nullable<Timestamp>,
        last_login_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    kyc_records (id) {
        id -> BigInt,
        customer_id -> BigInt,
        status -> Text,
        document_type -> Text,
        document_number -> Text,
        country -> Text,
        date_of_birth -> Date,
        verified_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    billing_accounts (id) {
        id -> BigInt,
        customer_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    account_entries (id) {
        id -> BigInt,
        billing_account_id -> BigInt,
        entry_type -> Text,
        amount_usd_cents -> BigInt,
        description -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        occurred_at -> Timestamp,
        operator -> Text,
        os_user -> Text,
        action -> Text,
        customer_id -> Nullable<BigInt>,
        outcome -> Text,
        reason -> Nullable<Text>,
        details -> Text,
        run_id -> Nullable<Text>,
        content_salt -> Nullable<Text>,
        content_digest -> Nullable<Text>,
        chain_hash -> Nullable<Text>,
    }
}

diesel::joinable!(kyc_records -> customers (customer_id));
diesel::joinable!(billing_accounts -> customers (customer_id));
diesel::joinable!(account_entries -> billing_accounts (billing_account_id));

diesel::allow_tables_to_appear_in_same_query!(
    operators,
    customers,
    kyc_records,
    billing_accounts,
    account_entries,
    audit_log,
);

diesel::table! {
    audit_chain_head (id) {
        id -> Integer,
        chain_start_id -> Nullable<BigInt>,
        last_id -> Nullable<BigInt>,
        last_hash -> Nullable<Text>,
        prehistory_rows -> Nullable<BigInt>,
        prehistory_hash -> Nullable<Text>,
        archived_through -> Nullable<BigInt>,
        archived_hash -> Nullable<Text>,
    }
}
