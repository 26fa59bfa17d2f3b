//! What `custadm purge` needs besides the customer's own rows (contract:
//! "Commands", purge; README: what erasure means on each backend): the
//! retention selection (`--deleted-before`) and real erasure on SQLite.

use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;

use super::lenient::{Cmp, InstantCmp};
use super::schema::customers;
use super::{Backend, DbConn, MultiBackend};
use crate::error::Result;

/// The customers soft-deleted before `when`, as instants, not text: another
/// program's `…+02:00` or a Julian day number is compared as the time it
/// names (db::lenient). The one predicate of the selection
/// ([`deleted_before`]) and of its re-check ([`still_deleted_before`]).
fn deleted_before_query(
    backend: Backend,
    when: NaiveDateTime,
) -> customers::BoxedQuery<'static, MultiBackend, diesel::sql_types::BigInt> {
    customers::table
        .select(customers::id)
        .into_boxed()
        .filter(MultiBackend::instant_cmp::<customers::table>(
            backend,
            "customers.deleted_at",
            Cmp::Lt,
            when,
        ))
}

/// The ids of the customers soft-deleted before `when`, ascending.
pub(crate) fn deleted_before(conn: &mut DbConn, when: NaiveDateTime) -> Result<Vec<i64>> {
    Ok(deleted_before_query(conn.backend(), when)
        .order(customers::id.asc())
        .load(conn)?)
}

/// Whether customer `id` is still soft-deleted before `when`.
pub(crate) fn still_deleted_before(
    conn: &mut DbConn,
    id: i64,
    when: NaiveDateTime,
) -> Result<bool> {
    Ok(deleted_before_query(conn.backend(), when)
        .filter(customers::id.eq(id))
        .first::<i64>(conn)
        .optional()?
        .is_some())
}

/// Real erasure on SQLite: `secure_delete` overwrites every byte the purge
/// frees with zeros (including freelist pages), and afterwards a
/// `wal_checkpoint(TRUNCATE)` copies the zeroed pages into the database file
/// and empties the WAL, which still held older page images. It waits (busy
/// timeout) for readers of older snapshots. Nothing to do on PostgreSQL
/// (dead tuples stay until VACUUM: see the README).
pub(crate) struct SecureErase {
    sqlite: bool,
}

impl SecureErase {
    /// Turns erasure on for this connection, before the first purge
    /// transaction.
    pub(crate) fn start(conn: &mut DbConn) -> Result<Self> {
        match conn {
            DbConn::Sqlite(c) => start_sqlite(c),
            DbConn::Pg(_) => Ok(SecureErase { sqlite: false }),
        }
    }

    /// After the last purge transaction: `Err` with a warning when the WAL
    /// could not be emptied.
    pub(crate) fn finish(self, conn: &mut DbConn) -> std::result::Result<(), String> {
        match conn {
            DbConn::Sqlite(c) if self.sqlite => finish_sqlite(c),
            _ => Ok(()),
        }
    }
}

fn start_sqlite(conn: &mut SqliteConnection) -> Result<SecureErase> {
    conn.batch_execute("PRAGMA secure_delete = ON")?;
    Ok(SecureErase { sqlite: true })
}

fn finish_sqlite(conn: &mut SqliteConnection) -> std::result::Result<(), String> {
    // The search index (contentless FTS5, migration 2026-12-07-000001) keeps
    // a deleted row's trigrams in its older segments until they are merged:
    // merging every segment now drops them, and secure_delete (on since
    // `start`) zeroes the pages they leave. It rewrites the whole index, so
    // once per purge command, not per customer.
    if let Err(e) =
        conn.batch_execute("INSERT INTO customers_search(customers_search) VALUES ('optimize')")
    {
        return Err(format!(
            "could not merge the search index ({e}): the erased customers' name and email trigrams stay in it until its segments merge"
        ));
    }
    #[derive(QueryableByName)]
    struct Checkpoint {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        busy: i32,
    }
    let result =
        diesel::sql_query("PRAGMA wal_checkpoint(TRUNCATE)").get_result::<Checkpoint>(conn);
    match result {
        Ok(c) if c.busy == 0 => Ok(()),
        Ok(_) => Err("another connection kept reading an older snapshot, so the WAL could not be emptied: erased data stays in it until the next checkpoint (run `sqlite3 FILE 'PRAGMA wal_checkpoint(TRUNCATE)'` when custadm is idle)".into()),
        Err(e) => Err(format!("could not checkpoint the WAL ({e}): erased data stays in it until the next checkpoint")),
    }
}
