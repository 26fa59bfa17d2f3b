//! Writing sample data (`init --sample-data`, see `crate::sample` for what
//! is generated): multi-row INSERTs of customers and what belongs to them,
//! in the caller's write transaction. Batch inserts and `RETURNING` are not
//! forwarded by Diesel's multi-connection enum, so each runs on the
//! concrete connection (`with_backend!`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::customer::{NewAccountEntry, NewCustomer, NewKycRecord};
use super::schema::{account_entries, billing_accounts, customers, kyc_records};
use super::DbConn;
use crate::error::Result;

/// Rows per INSERT (10 columns a row stays under every bind limit: SQLite
/// 32,766 parameters, PostgreSQL 65,535).
pub(crate) const ROWS_PER_INSERT: usize = 1_000;

/// Inserts at most [`ROWS_PER_INSERT`] customers in one statement; returns
/// their ids in the order given.
pub(crate) fn insert_customers(conn: &mut DbConn, rows: &[NewCustomer]) -> Result<Vec<i64>> {
    Ok(
        crate::db::with_backend!(conn, c => diesel::insert_into(customers::table)
        .values(rows)
        .returning(customers::id)
        .get_results(c))?,
    )
}

/// Inserts at most [`ROWS_PER_INSERT`] KYC records in one statement.
pub(crate) fn insert_kyc_records(conn: &mut DbConn, rows: &[NewKycRecord]) -> Result<()> {
    crate::db::with_backend!(conn, c => diesel::insert_into(kyc_records::table).values(rows).execute(c))?;
    Ok(())
}

/// Inserts one billing account per `(customer id, created_at)`, at most
/// [`ROWS_PER_INSERT`] in one statement; returns their ids in the order given.
pub(crate) fn insert_billing_accounts(
    conn: &mut DbConn,
    accounts: &[(i64, NaiveDateTime)],
) -> Result<Vec<i64>> {
    let rows: Vec<_> = accounts
        .iter()
        .map(|(customer_id, created_at)| {
            (
                billing_accounts::customer_id.eq(*customer_id),
                billing_accounts::created_at.eq(*created_at),
            )
        })
        .collect();
    Ok(
        crate::db::with_backend!(conn, c => diesel::insert_into(billing_accounts::table)
        .values(&rows)
        .returning(billing_accounts::id)
        .get_results(c))?,
    )
}

/// Inserts account entries, [`ROWS_PER_INSERT`] per statement (as tuples:
/// one multi-row INSERT on SQLite too, where a `Vec` of structs would be one
/// INSERT per row).
pub(crate) fn insert_account_entries(conn: &mut DbConn, entries: &[NewAccountEntry]) -> Result<()> {
    for chunk in entries.chunks(ROWS_PER_INSERT) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|e| {
                (
                    account_entries::billing_account_id.eq(e.billing_account_id),
                    account_entries::entry_type.eq(e.entry_type.clone()),
                    account_entries::amount_usd_cents.eq(e.amount_usd_cents),
                    account_entries::description.eq(e.description.clone()),
                    account_entries::created_at.eq(e.created_at),
                )
            })
            .collect();
        crate::db::with_backend!(&mut *conn, c => diesel::insert_into(account_entries::table).values(&rows).execute(c))?;
    }
    Ok(())
}
