//! The `customers` table and what belongs to a customer (KYC records, billing
//! account, account entries): the reads and writes the commands share.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::count_star;
use diesel::prelude::*;

use super::id_list::in_ids;
use super::lenient::{RawTime, StoredTime};
use super::schema::{account_entries, billing_accounts, customers, kyc_records};
use super::DbConn;
use crate::error::Result;

/// A row of `customers`, without its password hash.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = customers)]
pub struct Customer {
    pub id: i64,
    #[diesel(deserialize_as = crate::db::lenient::LossyText)]
    pub full_name: String,
    #[diesel(deserialize_as = crate::db::lenient::LossyText)]
    pub email: String,
    #[diesel(deserialize_as = crate::db::lenient::LossyOptText)]
    pub phone: Option<String>,
    pub must_change_password: bool,
    pub is_active: bool,
    pub deleted_at: Option<StoredTime>,
    pub last_login_at: Option<StoredTime>,
    pub created_at: StoredTime,
    pub updated_at: StoredTime,
}

/// A new row of `customers` (sample data; the tool never creates customers otherwise).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = customers, treat_none_as_default_value = false)]
pub struct NewCustomer {
    pub full_name: String,
    pub email: String,
    pub phone: Option<String>,
    pub password_hash: String,
    pub must_change_password: bool,
    pub is_active: bool,
    pub deleted_at: Option<NaiveDateTime>,
    pub last_login_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A row of `kyc_records`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = kyc_records)]
pub struct KycRecord {
    #[diesel(deserialize_as = crate::db::lenient::LossyText)]
    pub status: String,
    #[diesel(deserialize_as = crate::db::lenient::LossyText)]
    pub document_type: String,
    #[diesel(deserialize_as = crate::db::lenient::LossyText)]
    pub document_number: String,
    #[diesel(deserialize_as = crate::db::lenient::LossyText)]
    pub country: String,
    /// `YYYY-MM-DD`, or the stored text when it is not a date (db::lenient::DbDate).
    #[diesel(deserialize_as = crate::db::lenient::DbDate)]
    pub date_of_birth: String,
    pub verified_at: Option<StoredTime>,
}

/// A new row of `kyc_records`.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = kyc_records, treat_none_as_default_value = false)]
pub struct NewKycRecord {
    pub customer_id: i64,
    pub status: String,
    pub document_type: String,
    pub document_number: String,
    pub country: String,
    pub date_of_birth: NaiveDate,
    pub verified_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

/// A new row of `account_entries`.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = account_entries)]
pub struct NewAccountEntry {
    pub billing_account_id: i64,
    pub entry_type: String,
    pub amount_usd_cents: i64,
    pub description: String,
    pub created_at: NaiveDateTime,
}

/// The contact columns an edit writes; `None` leaves a column as it is
/// (`phone: Some(None)` clears it).
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = customers)]
pub(crate) struct ContactChanges<'a> {
    pub(crate) full_name: Option<&'a str>,
    pub(crate) email: Option<&'a str>,
    pub(crate) phone: Option<Option<&'a str>>,
    pub(crate) updated_at: NaiveDateTime,
}

/// The state that decides what a status change does to a customer.
#[derive(Debug, Clone, Queryable)]
pub struct CustomerState {
    pub id: i64,
    pub is_active: bool,
    pub deleted_at: Option<StoredTime>,
}

impl CustomerState {
    /// Soft-deleted?
    pub fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }
}

/// Unpaid invoices: `entry_type = 'invoice'` and `amount_usd_cents > 0`
/// ([`unpaid_invoice_entries`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct UnpaidInvoices {
    pub unpaid_invoice_count: i64,
    pub unpaid_invoice_total_cents: i64,
}

/// The unpaid-invoice rule, the one definition (contract: `delete` is
/// refused while the customer has unpaid invoices; `list --has-unpaid`): the
/// `account_entries` rows with `entry_type = 'invoice'` and
/// `amount_usd_cents > 0`, joined to their billing account, whose
/// `customer_id` names the customer. Callers add which customers
/// ([`Customer::unpaid_invoices`], `db::filter`'s `--has-unpaid`).
#[diesel::dsl::auto_type]
pub(crate) fn unpaid_invoice_entries() -> _ {
    let invoice: &'static str = "invoice";
    let nothing_owed: i64 = 0;
    account_entries::table
        .inner_join(billing_accounts::table)
        .filter(account_entries::entry_type.eq(invoice))
        .filter(account_entries::amount_usd_cents.gt(nothing_owed))
}

/// How many rows belong to a customer (what a purge erases).
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct OwnedRowCounts {
    pub kyc_records: i64,
    pub billing_accounts: i64,
    pub account_entries: i64,
}

/// `customer 7`, `one of customers 3, 5, 9`, `one of the 1000 customers 1–1000`:
/// what a lock-timeout message names.
pub fn customers_text(ids: &[i64]) -> String {
    match ids {
        [one] => format!("customer {one}"),
        few if few.len() <= 5 => format!(
            "one of customers {}",
            few.iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        many => format!(
            "one of the {} customers {}–{}",
            many.len(),
            many.iter().min().copied().unwrap_or(0),
            many.iter().max().copied().unwrap_or(0)
        ),
    }
}

/// `active`, `inactive` or `deleted`, as shown to users.
/// `deleted_at` is the column as stored: any value there, readable or not,
/// means deleted (as `list --status` selects by `deleted_at IS NULL`).
pub fn status_label(is_active: bool, deleted_at: Option<&StoredTime>) -> &'static str {
    if deleted_at.is_some() {
        "deleted"
    } else if is_active {
        "active"
    } else {
        "inactive"
    }
}

impl Customer {
    /// `active`, `inactive` or `deleted`.
    pub fn status(&self) -> &'static str {
        status_label(self.is_active, self.deleted_at.as_ref())
    }

    /// The customer with this id, soft-deleted or not.
    pub fn find(conn: &mut DbConn, id: i64) -> Result<Option<Customer>> {
        Ok(customers::table
            .find(id)
            .select(Customer::as_select())
            .first(conn)
            .optional()?)
    }

    /// The customers with these ids that exist, soft-deleted or not, by id.
    pub(crate) fn find_many(conn: &mut DbConn, ids: &[i64]) -> Result<HashMap<i64, Customer>> {
        Ok(customers::table
            .filter(in_ids(customers::id, ids))
            .select(Customer::as_select())
            .load::<Customer>(conn)?
            .into_iter()
            .map(|c| (c.id, c))
            .collect())
    }

    // Lock order of every customer write (contract: "Operators and roles",
    // invariants). Inside `write_transaction`:
    //   SQLite: `BEGIN IMMEDIATE` holds the database's one write lock from the
    //     first statement, so no other writer (custadm or another program) can
    //     change anything between a check and its write; the helpers below
    //     are plain reads there.
    //   PostgreSQL, always in this order, each level in ascending id:
    //     1. customers rows        (`lock_states`, `lock_for_edit`)  FOR UPDATE
    //        (a bulk batch's rows once: the engine's lock is handed to the
    //        batch as `bulk::Batch`, whose `lock_states` reuses it)
    //     2. billing_accounts rows (`lock_billing`)                  FOR UPDATE
    //     3. account_entries rows  (`lock_billing`)                  FOR SHARE
    //   Every wait is bounded by `SET LOCAL lock_timeout`; a timeout names the
    //   customers (`db::locking`). Other programs that follow the foreign keys
    //   (parent before child) cannot deadlock with this order.

    /// The state of each id that exists, rows locked until commit: on
    /// PostgreSQL `FOR UPDATE` in id order (so concurrent runs over
    /// overlapping ids queue instead of deadlocking; a wait past
    /// `lock_timeout` is exit 6 naming the customers); on SQLite the write
    /// lock of `BEGIN IMMEDIATE` already covers them. Protects every status
    /// change (toggle, delete, restore, reset-password) from acting on a
    /// state that changed after it was read.
    pub fn lock_states(conn: &mut DbConn, ids: &[i64]) -> Result<HashMap<i64, CustomerState>> {
        let query = customers::table
            .filter(in_ids(customers::id, ids))
            .order(customers::id)
            .select((customers::id, customers::is_active, customers::deleted_at));
        let rows: Vec<CustomerState> = match conn {
            DbConn::Pg(c) => query
                .for_update()
                .load(c)
                .map_err(super::locking(|| customers_text(ids)))?,
            DbConn::Sqlite(c) => query.load(c)?,
        };
        Ok(rows.into_iter().map(|s| (s.id, s)).collect())
    }

    /// The whole row of one customer, locked until commit (PostgreSQL `FOR
    /// UPDATE`; SQLite's write lock): what `edit` compares against, re-read
    /// under the lock, so another writer's committed change is seen and kept.
    pub fn lock_for_edit(conn: &mut DbConn, id: i64) -> Result<Option<Customer>> {
        let query = customers::table.find(id);
        Ok(match conn {
            DbConn::Pg(c) => query
                .select(Customer::as_select())
                .for_update()
                .first(c)
                .optional()
                .map_err(super::locking(|| format!("customer {id}")))?,
            DbConn::Sqlite(c) => query.select(Customer::as_select()).first(c).optional()?,
        })
    }

    /// The whole rows of these customers (those that exist), locked until
    /// commit as [`Customer::lock_for_edit`] locks one: PostgreSQL `FOR
    /// UPDATE` in id order (concurrent runs over overlapping customers
    /// queue instead of deadlocking; a wait past `lock_timeout` is exit 6
    /// naming them); SQLite's write lock. `edit --from`'s batches.
    pub fn lock_for_edit_many(conn: &mut DbConn, ids: &[i64]) -> Result<HashMap<i64, Customer>> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let query = customers::table
            .filter(in_ids(customers::id, ids))
            .order(customers::id);
        let rows: Vec<Customer> = match conn {
            DbConn::Pg(c) => query
                .select(Customer::as_select())
                .for_update()
                .load(c)
                .map_err(super::locking(|| customers_text(ids)))?,
            DbConn::Sqlite(c) => query.select(Customer::as_select()).load(c)?,
        };
        Ok(rows.into_iter().map(|c| (c.id, c)).collect())
    }

    /// Locks what decides "unpaid invoices" for these customers (PostgreSQL),
    /// so that no invoice can appear or grow between the check and a soft
    /// delete:
    /// - their billing accounts `FOR UPDATE`: an entry insert takes FOR KEY
    ///   SHARE on its billing account through the foreign key and waits;
    /// - their existing account entries `FOR SHARE`: an UPDATE of an entry
    ///   (a $0 invoice becoming $90) does not touch the parent, so the entry
    ///   itself is locked; the check that follows then reads the committed
    ///   amount (READ COMMITTED takes a new snapshot per statement).
    ///
    /// A no-op on SQLite (the write lock is held).
    pub fn lock_billing(conn: &mut DbConn, customer_ids: &[i64]) -> Result<()> {
        if let DbConn::Pg(c) = conn {
            let accounts: Vec<i64> = billing_accounts::table
                .filter(in_ids(billing_accounts::customer_id, customer_ids))
                .order(billing_accounts::id)
                .select(billing_accounts::id)
                .for_update()
                .load::<i64>(c)
                .map_err(super::locking(|| {
                    format!("the billing account of {}", customers_text(customer_ids))
                }))?;
            if !accounts.is_empty() {
                account_entries::table
                    .filter(in_ids(account_entries::billing_account_id, &accounts))
                    .order(account_entries::id)
                    .select(account_entries::id)
                    .for_share()
                    .load::<i64>(c)
                    .map_err(super::locking(|| {
                        format!("an account entry of {}", customers_text(customer_ids))
                    }))?;
            }
        }
        Ok(())
    }

    /// Unpaid invoices per customer, for those that have any.
    pub fn unpaid_invoices(
        conn: &mut DbConn,
        customer_ids: &[i64],
    ) -> Result<HashMap<i64, UnpaidInvoices>> {
        let rows: Vec<(i64, i64, Option<i64>)> = unpaid_invoice_entries()
            .filter(in_ids(billing_accounts::customer_id, customer_ids))
            .group_by(billing_accounts::customer_id)
            .select((
                billing_accounts::customer_id,
                count_star(),
                // SUM(bigint) is numeric on PostgreSQL; cast back to bigint.
                diesel::dsl::sql::<diesel::sql_types::Nullable<diesel::sql_types::BigInt>>(
                    "CAST(SUM(account_entries.amount_usd_cents) AS BIGINT)",
                ),
            ))
            .load(conn)?;
        Ok(rows
            .into_iter()
            .map(|(id, count, total)| {
                (
                    id,
                    UnpaidInvoices {
                        unpaid_invoice_count: count,
                        unpaid_invoice_total_cents: total.unwrap_or(0),
                    },
                )
            })
            .collect())
    }

    /// The newest KYC record of a customer.
    pub fn latest_kyc(conn: &mut DbConn, customer_id: i64) -> Result<Option<KycRecord>> {
        Ok(kyc_records::table
            .filter(kyc_records::customer_id.eq(customer_id))
            .order((kyc_records::created_at.desc(), kyc_records::id.desc()))
            .select(KycRecord::as_select())
            .first(conn)
            .optional()?)
    }

    /// Another customer's id holding this email: the stored text compared
    /// exactly with `email`, which is already folded (`validate::fold_case`,
    /// the one folding); besides, the unique index's own comparison (PostgreSQL
    /// `lower()`, SQLite NOCASE) and, on SQLite, the fold applied to rows that
    /// other programs wrote, so a clash is found before the index would fail.
    pub fn email_owner(conn: &mut DbConn, email: &str, except_id: i64) -> Result<Option<i64>> {
        let others = customers::table
            .filter(customers::id.ne(except_id))
            .select(customers::id);
        match conn {
            // Exactly what is stored first (custadm stores the fold); the
            // index's lower() only for rows other programs wrote in another case.
            // Both sides through the unique index's lower() (an index scan,
            // also at 10M): what the index would refuse, and what is stored
            // folded the way custadm folds.
            DbConn::Pg(c) => Ok(others
                .filter(
                    super::lower(customers::email)
                        .eq(super::lower(email))
                        .or(super::lower(customers::email).eq(email)),
                )
                .first(c)
                .optional()?),
            DbConn::Sqlite(c) => {
                let nocase = diesel::dsl::sql::<diesel::sql_types::Bool>("customers.email = ")
                    .bind::<diesel::sql_types::Text, _>(email)
                    .sql(" COLLATE NOCASE");
                if let Some(id) = others.filter(nocase).first(c).optional()? {
                    return Ok(Some(id));
                }
                if email.is_ascii() {
                    return Ok(None);
                }
                // Rare (non-ASCII address): the Unicode fold, on the rows
                // the search index finds for it (not a scan).
                Ok(others
                    .filter(in_search_index(email))
                    .filter(super::unicode_lower(customers::email).eq(email))
                    .first(c)
                    .optional()?)
            }
        }
    }

    /// True when this customer holds `email` (normalised as
    /// `validate::email` stores it): the stored address folded as
    /// [`Customer::ids_by_email`] folds it, so a customer that query found
    /// by an address still holds it when read again under its lock.
    pub(crate) fn holds_email(&self, email: &str) -> bool {
        use unicode_normalization::UnicodeNormalization;
        self.email == email || self.email.to_lowercase().nfc().eq(email.chars())
    }

    /// The ids of the customers holding these email addresses (each
    /// normalised as `validate::email` stores it), in one query: compared
    /// the way each backend's unique index folds case — PostgreSQL
    /// `lower(email)`, SQLite `email COLLATE NOCASE` — plus, on SQLite, one
    /// more query with custadm's Unicode folding for non-ASCII addresses
    /// left over (NOCASE folds only ASCII). Emails nobody holds are absent
    /// from the map. At most a few thousand emails per call (bind limits).
    pub fn ids_by_email(conn: &mut DbConn, emails: &[String]) -> Result<HashMap<String, i64>> {
        use unicode_normalization::UnicodeNormalization;
        let mut found = HashMap::new();
        if emails.is_empty() {
            return Ok(found);
        }
        let fold = |stored: &str| -> String { stored.to_lowercase().nfc().collect() };
        let wanted: std::collections::HashSet<&str> = emails.iter().map(String::as_str).collect();
        let keep = |rows: Vec<(i64, String)>, found: &mut HashMap<String, i64>| {
            for (id, stored) in rows {
                let key = fold(&stored);
                if wanted.contains(key.as_str()) {
                    // Two rows folding alike (possible only for rows written
                    // by other programs): the oldest customer wins.
                    let e = found.entry(key).or_insert(id);
                    *e = (*e).min(id);
                }
            }
        };
        let select = customers::table.select((customers::id, customers::email));
        match conn {
            DbConn::Pg(c) => {
                let rows = select
                    .filter(super::lower(customers::email).eq_any(emails))
                    .load(c)?;
                keep(rows, &mut found);
            }
            DbConn::Sqlite(c) => {
                let rows = select
                    .filter(
                        diesel::dsl::sql::<diesel::sql_types::Text>(
                            "customers.email COLLATE NOCASE",
                        )
                        .eq_any(emails),
                    )
                    .load(c)?;
                keep(rows, &mut found);
                let left: Vec<&String> = emails
                    .iter()
                    .filter(|e| !e.is_ascii() && !found.contains_key(*e))
                    .collect();
                if !left.is_empty() {
                    // Rare (non-ASCII addresses): the Unicode fold, on the
                    // rows the search index finds for each (not a scan).
                    for email in left {
                        let rows = select
                            .filter(in_search_index(email))
                            .filter(super::unicode_lower(customers::email).eq(email))
                            .load(c)?;
                        keep(rows, &mut found);
                    }
                }
            }
        }
        Ok(found)
    }

    /// The id of the customer a user named (id or email); `None` when no
    /// such customer exists.
    pub fn resolve(conn: &mut DbConn, named: &crate::validate::CustomerRef) -> Result<Option<i64>> {
        use crate::validate::CustomerRef;
        match named {
            CustomerRef::Id(id) => Ok(customers::table
                .find(*id)
                .select(customers::id)
                .first(conn)
                .optional()?),
            CustomerRef::Email(e) => {
                Ok(Self::ids_by_email(conn, std::slice::from_ref(e))?.remove(e))
            }
        }
    }

    /// What a purge would erase besides the customer row.
    pub fn owned_row_counts(conn: &mut DbConn, customer_id: i64) -> Result<OwnedRowCounts> {
        let kyc = kyc_records::table
            .filter(kyc_records::customer_id.eq(customer_id))
            .count()
            .get_result(conn)?;
        let accounts = billing_accounts::table
            .filter(billing_accounts::customer_id.eq(customer_id))
            .count()
            .get_result(conn)?;
        let entries = account_entries::table
            .inner_join(billing_accounts::table)
            .filter(billing_accounts::customer_id.eq(customer_id))
            .count()
            .get_result(conn)?;
        Ok(OwnedRowCounts {
            kyc_records: kyc,
            billing_accounts: accounts,
            account_entries: entries,
        })
    }

    // The writes of status and contact changes: each in the caller's write
    // transaction, on rows the caller locked first (`lock_states`,
    // `lock_for_edit`, `lock_billing`: the lock order above). `now` is the
    // `updated_at` they write.

    /// Sets the active flag of these customers (`toggle`; `undo` of one).
    pub(crate) fn set_active(
        conn: &mut DbConn,
        ids: &[i64],
        active: bool,
        now: NaiveDateTime,
    ) -> Result<usize> {
        Ok(
            diesel::update(customers::table.filter(in_ids(customers::id, ids)))
                .set((
                    customers::is_active.eq(active),
                    customers::updated_at.eq(now),
                ))
                .execute(conn)?,
        )
    }

    /// Soft-deletes these customers: inactive, `deleted_at` set (`delete`:
    /// now; `undo` of a restore: the time the restore took away).
    pub(crate) fn soft_delete(
        conn: &mut DbConn,
        ids: &[i64],
        deleted_at: NaiveDateTime,
        now: NaiveDateTime,
    ) -> Result<usize> {
        Ok(
            diesel::update(customers::table.filter(in_ids(customers::id, ids)))
                .set((
                    customers::is_active.eq(false),
                    customers::deleted_at.eq(deleted_at),
                    customers::updated_at.eq(now),
                ))
                .execute(conn)?,
        )
    }

    /// The `deleted_at` of each of these customers that has one, exactly as
    /// stored ([`RawTime`]): what `restore` records before it clears the
    /// column, so that `undo` can put it back. Read inside the caller's
    /// write transaction, under its row locks.
    pub(crate) fn stored_deleted_at(
        conn: &mut DbConn,
        ids: &[i64],
    ) -> Result<HashMap<i64, RawTime>> {
        let rows: Vec<(i64, Option<RawTime>)> = customers::table
            .filter(in_ids(customers::id, ids))
            .filter(customers::deleted_at.is_not_null())
            .select((
                customers::id,
                customers::deleted_at.assume_not_null().nullable(),
            ))
            .load(conn)?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, raw)| raw.map(|raw| (id, raw)))
            .collect())
    }

    /// Soft-deletes one customer again with the `deleted_at` a restore took
    /// away, exactly as it was stored (`undo` of that restore): SQLite gets
    /// the same storage class and bytes (text through `CAST(blob AS TEXT)`,
    /// so bytes that are not UTF-8 stay as they were), PostgreSQL the same
    /// binary value. A value read from the other backend (an audit row
    /// copied between databases) is `Ok(false)` and writes nothing.
    pub(crate) fn soft_delete_exact(
        conn: &mut DbConn,
        id: i64,
        stored: &RawTime,
        now: NaiveDateTime,
    ) -> Result<bool> {
        use diesel::dsl::sql;
        use diesel::sql_types::{BigInt, Binary, Double, Nullable, Timestamp};
        macro_rules! put {
            ($c:expr, $value:expr) => {{
                diesel::update(customers::table.find(id))
                    .set((
                        customers::is_active.eq(false),
                        customers::deleted_at.eq($value),
                        customers::updated_at.eq(now),
                    ))
                    .execute($c)?;
            }};
        }
        type Ts = Nullable<Timestamp>;
        match (conn, stored) {
            (DbConn::Pg(c), RawTime::PgMicros(micros)) => {
                put!(c, super::lenient::PgMicros(*micros))
            }
            (DbConn::Sqlite(c), RawTime::SqliteInteger(n)) => {
                put!(c, sql::<Ts>("").bind::<BigInt, _>(*n).sql(""))
            }
            (DbConn::Sqlite(c), RawTime::SqliteReal(x)) => {
                put!(c, sql::<Ts>("").bind::<Double, _>(*x).sql(""))
            }
            (DbConn::Sqlite(c), RawTime::SqliteText(bytes)) => put!(
                c,
                sql::<Ts>("CAST(")
                    .bind::<Binary, _>(bytes.clone())
                    .sql(" AS TEXT)")
            ),
            (DbConn::Sqlite(c), RawTime::SqliteBlob(bytes)) => {
                put!(c, sql::<Ts>("").bind::<Binary, _>(bytes.clone()).sql(""))
            }
            (_, _) => return Ok(false),
        };
        Ok(true)
    }

    /// Soft-deletes one customer again with a `deleted_at` a restore
    /// recorded only as text (audit rows written before restore recorded
    /// [`RawTime`]: an RFC 3339 time, or the text of a value custadm could
    /// not read): SQLite stores the text as given; PostgreSQL casts it to
    /// `timestamp` inside a savepoint, and a text it does not read is
    /// `Ok(false)` with nothing written (the caller refuses that customer),
    /// never the server's error for the whole batch.
    pub(crate) fn soft_delete_recorded_text(
        conn: &mut DbConn,
        id: i64,
        recorded: &str,
        now: NaiveDateTime,
    ) -> Result<bool> {
        use diesel::sql_types::{Nullable, Text, Timestamp};
        let value = match conn {
            DbConn::Sqlite(_) => diesel::dsl::sql::<Nullable<Timestamp>>("")
                .bind::<Text, _>(recorded.to_string())
                .sql(""),
            DbConn::Pg(_) => diesel::dsl::sql::<Nullable<Timestamp>>("CAST(")
                .bind::<Text, _>(recorded.to_string())
                .sql(" AS timestamp)"),
        };
        let update = diesel::update(customers::table.find(id)).set((
            customers::is_active.eq(false),
            customers::deleted_at.eq(value),
            customers::updated_at.eq(now),
        ));
        match super::savepoint(conn, |c| update.execute(c)) {
            Ok(_) => Ok(true),
            // SQLSTATE class 22 `data_exception` (22007
            // invalid_datetime_format, 22008 datetime_field_overflow): a
            // text the server does not read as a timestamp. Anything else (a
            // lost connection) stops the batch as any failure does.
            Err(diesel::result::Error::DatabaseError(_, info))
                if info.sqlstate().is_some_and(|s| s.class().as_str() == "22") =>
            {
                Ok(false)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Brings soft-deleted customers back, active or not (`restore`; `undo`
    /// of a delete).
    pub(crate) fn undelete(
        conn: &mut DbConn,
        ids: &[i64],
        active: bool,
        now: NaiveDateTime,
    ) -> Result<usize> {
        Ok(
            diesel::update(customers::table.filter(in_ids(customers::id, ids)))
                .set((
                    customers::deleted_at.eq(None::<NaiveDateTime>),
                    customers::is_active.eq(active),
                    customers::updated_at.eq(now),
                ))
                .execute(conn)?,
        )
    }

    /// Writes only the contact columns `changes` names (`edit`; `undo` of
    /// one): a value another program stored stays as it is unless replaced.
    /// The Diesel error as it is, so that the caller can tell a unique
    /// violation of the email index.
    pub(crate) fn update_contact(
        conn: &mut DbConn,
        id: i64,
        changes: &ContactChanges<'_>,
    ) -> diesel::QueryResult<usize> {
        diesel::update(customers::table.find(id))
            .set(changes)
            .execute(conn)
    }

    /// Writes many customers' names and phones in the caller's write
    /// transaction, on rows it locked (`lock_for_edit_many`): each of
    /// `rows` names the customer and the columns it sets (`None` leaves one
    /// as it is; `phone: Some(None)` clears it). Emails are not written here:
    /// a row that changes one goes through [`Customer::update_contact`] in
    /// a savepoint, so that a unique violation refuses that row only.
    ///
    /// One statement for all of them: PostgreSQL `UPDATE … FROM
    /// unnest(arrays)` (one round trip a batch, not one a customer), SQLite
    /// `UPDATE … FROM json_each(?)` (compiled once a batch: an UPDATE with
    /// optional columns is not cached, and compiling it, with the search
    /// index's triggers, cost more than the write).
    pub(crate) fn update_names_and_phones(
        conn: &mut DbConn,
        rows: &[ContactChanges<'_>],
        ids: &[i64],
        now: NaiveDateTime,
    ) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        // Written in id order, whatever the order of the file: the search
        // index (SQLite FTS5) keeps its pending changes in memory only while
        // rowids ascend, and writes them out as a new segment at every step
        // back. Measured: 20,000 phones written in random id order took 1.3 s,
        // in id order 0.8 s.
        let mut order: Vec<usize> = (0..rows.len().min(ids.len())).collect();
        order.sort_unstable_by_key(|&i| ids[i]);
        let rows: Vec<&ContactChanges<'_>> = order.iter().map(|&i| &rows[i]).collect();
        let ids: Vec<i64> = order.iter().map(|&i| ids[i]).collect();
        match conn {
            DbConn::Pg(c) => {
                use diesel::sql_types::{Array, Bool, Nullable, Timestamp};
                let set_name: Vec<bool> = rows.iter().map(|r| r.full_name.is_some()).collect();
                let names: Vec<Option<&str>> = rows.iter().map(|r| r.full_name).collect();
                let set_phone: Vec<bool> = rows.iter().map(|r| r.phone.is_some()).collect();
                let phones: Vec<Option<&str>> = rows.iter().map(|r| r.phone.flatten()).collect();
                diesel::sql_query(
                    "UPDATE customers AS c SET                        full_name = CASE WHEN v.set_name THEN v.full_name ELSE c.full_name END,                        phone = CASE WHEN v.set_phone THEN v.phone ELSE c.phone END,                        updated_at = $1                      FROM unnest($2, $3, $4, $5, $6) AS v(id, set_name, full_name, set_phone, phone)                      WHERE c.id = v.id",
                )
                .bind::<Timestamp, _>(now)
                .bind::<Array<diesel::sql_types::BigInt>, _>(&ids)
                .bind::<Array<Bool>, _>(&set_name)
                .bind::<Array<Nullable<diesel::sql_types::Text>>, _>(&names)
                .bind::<Array<Bool>, _>(&set_phone)
                .bind::<Array<Nullable<diesel::sql_types::Text>>, _>(&phones)
                .execute(c)?;
            }
            DbConn::Sqlite(c) => {
                // One UPDATE … FROM over the batch as one JSON array bound
                // once: the statement (and the search index's triggers in
                // it) is compiled once a batch, not once a customer.
                let batch: Vec<serde_json::Value> = rows
                    .iter()
                    .zip(&ids)
                    .map(|(r, id)| {
                        serde_json::json!([
                            id,
                            r.full_name.is_some(),
                            r.full_name,
                            r.phone.is_some(),
                            r.phone.flatten()
                        ])
                    })
                    .collect();
                diesel::sql_query(
                    "UPDATE customers SET \
                       full_name = CASE WHEN v.set_name THEN v.full_name ELSE customers.full_name END, \
                       phone = CASE WHEN v.set_phone THEN v.phone ELSE customers.phone END, \
                       updated_at = ? \
                     FROM (SELECT json_extract(value, '$[0]') AS id, json_extract(value, '$[1]') AS set_name, \
                                  json_extract(value, '$[2]') AS full_name, json_extract(value, '$[3]') AS set_phone, \
                                  json_extract(value, '$[4]') AS phone FROM json_each(?)) AS v \
                     WHERE customers.id = v.id",
                )
                .bind::<diesel::sql_types::Timestamp, _>(now)
                .bind::<diesel::sql_types::Text, _>(serde_json::Value::Array(batch).to_string())
                .execute(c)?;
            }
        }
        Ok(())
    }

    /// Stores a new password hash (Argon2id PHC string) and asks for a
    /// change at the next login (`reset-password`).
    pub(crate) fn set_password(
        conn: &mut DbConn,
        id: i64,
        hash: &str,
        now: NaiveDateTime,
    ) -> Result<usize> {
        Ok(diesel::update(customers::table.find(id))
            .set((
                customers::password_hash.eq(hash),
                customers::must_change_password.eq(true),
                customers::updated_at.eq(now),
            ))
            .execute(conn)?)
    }

    /// Erases the customer; the foreign keys cascade to everything they own.
    pub fn delete_permanently(conn: &mut DbConn, customer_id: i64) -> Result<usize> {
        Ok(diesel::delete(customers::table.find(customer_id)).execute(conn)?)
    }
}

/// The expression [`in_search_index`] builds.
type InSearchIndex = diesel::expression::SqlLiteral<
    diesel::sql_types::Bool,
    diesel::expression::UncheckedBind<
        diesel::expression::SqlLiteral<diesel::sql_types::Bool>,
        <String as diesel::expression::AsExpression<diesel::sql_types::Text>>::Expression,
    >,
>;

/// SQLite: `customers.id` among the rows whose folded email the search
/// index finds `email` in (db::search): what narrows an exact lookup of a
/// non-ASCII email from a scan to an index probe.
fn in_search_index(email: &str) -> InSearchIndex {
    diesel::dsl::sql::<diesel::sql_types::Bool>(
        "customers.id IN (SELECT rowid FROM customers_search WHERE customers_search MATCH ",
    )
    .bind::<diesel::sql_types::Text, _>(super::search::fts_email_query(email))
    .sql(")")
}
