//! How `custadm init` finds and creates a database (contract: "Commands",
//! init; "Operators and roles"): the look before anything is created, and
//! the creation of the schema and the first admin, serialised against other
//! `init`s on the same database.
//!
//! Of several `init`s started at once on a new database, exactly one creates
//! the schema and registers the first admin; the others find an operator
//! under the init lock and change nothing. SQLite: an exclusive lock on the
//! file for the whole init (its migrations manage their own transactions,
//! [`migrations::lock_init_file`]); PostgreSQL: an advisory lock held by the
//! transaction that migrates and registers ([`migrations::lock_init`]).

use std::path::Path;

use super::migrations::{self, SchemaState};
use super::operator::Operator;
use super::{write_transaction, DatabaseTarget, DbConn};
use crate::error::Result;

/// What `init` found before creating anything.
#[derive(Debug)]
pub(crate) struct Found {
    /// Where the schema stands (`Uninitialised` when the file or database
    /// does not exist).
    pub(crate) state: SchemaState,
    /// Whether an operator exists (looked for only in a current schema).
    pub(crate) has_operators: bool,
}

/// Looks at the database without creating anything: a missing file or
/// database is not initialised. On SQLite a schema found behind or ahead is
/// looked at again under the init lock: another `init` may be halfway
/// through creating it (its migrations commit one by one under that lock).
/// The lock is let go before this returns (before the password is read);
/// [`initialise`] takes it again.
pub(crate) fn look(target: &DatabaseTarget) -> Result<Found> {
    let found = match target.connect_if_exists()? {
        None => uninitialised(),
        Some(mut conn) => look_at(&mut conn)?,
    };
    match target {
        DatabaseTarget::Sqlite(path) => look_again_sqlite(target, path, found),
        DatabaseTarget::SqliteReadOnly(path) => Err(super::read_only_refusal(path, "init")),
        DatabaseTarget::Postgres(_) => Ok(found),
    }
}

/// SQLite: a schema behind or ahead, looked at again under the file lock
/// (PostgreSQL migrates inside the transaction that holds the init lock, so
/// a half-made schema is never seen there).
fn look_again_sqlite(target: &DatabaseTarget, path: &Path, found: Found) -> Result<Found> {
    if let SchemaState::Behind(_) | SchemaState::Ahead(_) = found.state {
        let _file_lock = migrations::lock_init_file(path)?;
        let mut conn = target.connect()?;
        let again = look_at(&mut conn);
        drop(conn);
        return again;
    }
    Ok(found)
}

fn uninitialised() -> Found {
    Found {
        state: SchemaState::Uninitialised,
        has_operators: false,
    }
}

fn look_at(conn: &mut DbConn) -> Result<Found> {
    let state = migrations::schema_state(conn)?;
    let has_operators = state == SchemaState::Current && Operator::count(conn)? > 0;
    Ok(Found {
        state,
        has_operators,
    })
}

/// Creates the database if it is missing and, when `migrate`, its schema;
/// then runs `register` (the first admin, its audit row, sample data) in the
/// write transaction that holds the init lock, unless an operator exists by
/// then. Returns whether this call created the schema, or `None` when
/// another `init` registered the first admin in the meantime (`register` not
/// run).
pub(crate) fn initialise(
    target: &DatabaseTarget,
    migrate: bool,
    register: impl FnOnce(&mut DbConn) -> Result<()>,
) -> Result<Option<bool>> {
    let mut conn = target.connect_creating()?;
    match target {
        DatabaseTarget::Sqlite(path) => initialise_sqlite(&mut conn, path, migrate, register),
        DatabaseTarget::SqliteReadOnly(path) => Err(super::read_only_refusal(path, "init")),
        DatabaseTarget::Postgres(_) => initialise_postgres(&mut conn, migrate, register),
    }
}

fn initialise_sqlite(
    conn: &mut DbConn,
    path: &Path,
    migrate: bool,
    register: impl FnOnce(&mut DbConn) -> Result<()>,
) -> Result<Option<bool>> {
    // The file lock for the whole init; the migrations outside the write
    // transaction (each manages its own).
    let _file_lock = migrations::lock_init_file(path)?;
    let created_schema = migrate && !migrations::run_pending(conn)?.is_empty();
    let registered = write_transaction(conn, |conn| register_first(conn, register))?;
    Ok(registered.then_some(created_schema))
}

fn initialise_postgres(
    conn: &mut DbConn,
    migrate: bool,
    register: impl FnOnce(&mut DbConn) -> Result<()>,
) -> Result<Option<bool>> {
    write_transaction(conn, |conn| {
        // The advisory lock first: the migrations and the registration
        // commit together under it.
        migrations::lock_init(conn)?;
        let created_schema =
            migrate && !migrations::run_pending_in_init_transaction(conn)?.is_empty();
        let registered = register_first(conn, register)?;
        Ok(registered.then_some(created_schema))
    })
}

/// Under the init lock: `register`, unless an operator exists already
/// (`false`: not run).
fn register_first(
    conn: &mut DbConn,
    register: impl FnOnce(&mut DbConn) -> Result<()>,
) -> Result<bool> {
    if Operator::count(conn)? > 0 {
        return Ok(false);
    }
    register(conn)?;
    Ok(true)
}
