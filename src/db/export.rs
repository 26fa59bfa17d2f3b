//! What `custadm export` reads about one customer (contract: "Commands",
//! export): their KYC records, billing account, account entries and audit
//! rows, each in pages of ascending id, inside the caller's read snapshot
//! ([`super::read_snapshot`]). Values other programs wrote are read leniently
//! ([`super::lenient`]).

use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;

use super::audit::AuditEntry;
use super::lenient::{DbDate, LossyText, StoredTime};
use super::schema::{account_entries, audit_log, billing_accounts, kyc_records};
use super::DbConn;
use crate::error::Result;

/// A row of `kyc_records` as exported (every column but `customer_id`).
#[derive(Queryable)]
pub(crate) struct KycRow {
    pub id: i64,
    #[diesel(deserialize_as = LossyText)]
    pub status: String,
    #[diesel(deserialize_as = LossyText)]
    pub document_type: String,
    #[diesel(deserialize_as = LossyText)]
    pub document_number: String,
    #[diesel(deserialize_as = LossyText)]
    pub country: String,
    /// `YYYY-MM-DD`, or the stored text when it is not a date ([`DbDate`]).
    #[diesel(deserialize_as = DbDate)]
    pub date_of_birth: String,
    pub verified_at: Option<StoredTime>,
    pub created_at: StoredTime,
}

/// A row of `account_entries` as exported; amounts in US cents.
#[derive(Queryable, QueryableByName)]
pub(crate) struct EntryRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub id: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    #[diesel(deserialize_as = LossyText)]
    pub entry_type: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub amount_usd_cents: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    #[diesel(deserialize_as = LossyText)]
    pub description: String,
    #[diesel(sql_type = diesel::sql_types::Timestamp)]
    pub created_at: StoredTime,
}

/// The customer's KYC records with an id above `after`, ascending, at most
/// `limit` of them.
pub(crate) fn kyc_page(
    conn: &mut DbConn,
    customer_id: i64,
    after: i64,
    limit: i64,
) -> Result<Vec<KycRow>> {
    Ok(kyc_records::table
        .filter(kyc_records::customer_id.eq(customer_id))
        .filter(kyc_records::id.gt(after))
        .order(kyc_records::id.asc())
        .limit(limit)
        .select((
            kyc_records::id,
            kyc_records::status,
            kyc_records::document_type,
            kyc_records::document_number,
            kyc_records::country,
            kyc_records::date_of_birth,
            kyc_records::verified_at,
            kyc_records::created_at,
        ))
        .load(conn)?)
}

/// The customer's billing account (the oldest, should there be several):
/// its id and `created_at`.
pub(crate) fn billing_account(
    conn: &mut DbConn,
    customer_id: i64,
) -> Result<Option<(i64, StoredTime)>> {
    // Read as other programs may have written it (db::lenient).
    Ok(billing_accounts::table
        .filter(billing_accounts::customer_id.eq(customer_id))
        .order(billing_accounts::id.asc())
        .select((billing_accounts::id, billing_accounts::created_at))
        .first(conn)
        .optional()?)
}

/// The next page of at most `limit` entries of a billing account, ascending
/// by id, after the entry `after` (`i64::MIN` for the first page, which on
/// PostgreSQL declares the cursor the next pages read on). SQLite: keyset
/// pages (its index on `billing_account_id` is ordered by rowid within a
/// key, so each page is a range). PostgreSQL: a cursor in the export's
/// transaction (no session state, fine through PgBouncer), because keyset
/// pages there re-sort the account's entries for every page (measured: 7x
/// raw SQL for 1,000,000).
pub(crate) fn entry_page(
    conn: &mut DbConn,
    account_id: i64,
    after: i64,
    limit: i64,
) -> Result<Vec<EntryRow>> {
    match conn {
        DbConn::Pg(c) => entry_page_pg(c, account_id, after, limit),
        DbConn::Sqlite(c) => entry_page_sqlite(c, account_id, after, limit),
    }
}

fn entry_page_pg(
    conn: &mut PgConnection,
    account_id: i64,
    after: i64,
    limit: i64,
) -> Result<Vec<EntryRow>> {
    if after == i64::MIN {
        diesel::sql_query(format!(
            "DECLARE custadm_export_entries NO SCROLL CURSOR FOR \
             SELECT id, entry_type, amount_usd_cents, description, created_at \
             FROM account_entries WHERE billing_account_id = {account_id} ORDER BY id"
        ))
        .execute(conn)?;
    }
    Ok(diesel::sql_query(format!("FETCH {limit} FROM custadm_export_entries")).load(conn)?)
}

fn entry_page_sqlite(
    conn: &mut SqliteConnection,
    account_id: i64,
    after: i64,
    limit: i64,
) -> Result<Vec<EntryRow>> {
    Ok(account_entries::table
        .filter(account_entries::billing_account_id.eq(account_id))
        .filter(account_entries::id.gt(after))
        .order(account_entries::id.asc())
        .limit(limit)
        .select((
            account_entries::id,
            account_entries::entry_type,
            account_entries::amount_usd_cents,
            account_entries::description,
            account_entries::created_at,
        ))
        .load(conn)?)
}

/// The audit rows about the customer with an id above `after`, ascending,
/// at most `limit` of them (redacted rows as they are).
pub(crate) fn audit_page(
    conn: &mut DbConn,
    customer_id: i64,
    after: i64,
    limit: i64,
) -> Result<Vec<AuditEntry>> {
    Ok(audit_log::table
        .filter(audit_log::customer_id.eq(customer_id))
        .filter(audit_log::id.gt(after))
        .order(audit_log::id.asc())
        .limit(limit)
        .select(AuditEntry::as_select())
        .load(conn)?)
}
