//! Embedded migrations and the schema version check that every command but
//! `init` and `db` runs before touching data (one cheap query).

use diesel::migration::MigrationSource;
use diesel::prelude::*;
use diesel::sql_types::Text;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use super::{Backend, DbConn};
use crate::error::{Error, Result};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Where a database's schema stands relative to this binary.
#[derive(Debug, PartialEq, Eq)]
pub enum SchemaState {
    /// No migrations table: `custadm init` has never run here.
    Uninitialised,
    /// Every embedded migration applied, nothing unknown.
    Current,
    /// Migrations of this binary not yet applied (oldest first).
    Behind(Vec<String>),
    /// Migrations applied that this binary does not know (a newer custadm ran).
    Ahead(Vec<String>),
}

fn versions_of<DB: diesel::backend::Backend>(source: &EmbeddedMigrations) -> Vec<String> {
    MigrationSource::<DB>::migrations(source)
        .map(|list| {
            list.iter()
                .map(|m| m.name().version().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// The migration versions this binary carries, oldest first.
pub fn embedded_versions(backend: Backend) -> Vec<String> {
    match backend {
        Backend::Sqlite => versions_of::<diesel::sqlite::Sqlite>(&SQLITE_MIGRATIONS),
        Backend::Postgres => versions_of::<diesel::pg::Pg>(&POSTGRES_MIGRATIONS),
    }
}

#[derive(QueryableByName)]
struct VersionRow {
    #[diesel(sql_type = Text)]
    version: String,
}

/// Reads the applied versions; `None` when the migrations table is missing.
/// Reads only, so it works on a read-only database.
fn applied_versions(conn: &mut DbConn) -> Result<Option<Vec<String>>> {
    match diesel::sql_query("SELECT version FROM __diesel_schema_migrations ORDER BY version")
        .load::<VersionRow>(conn)
    {
        Ok(rows) => Ok(Some(rows.into_iter().map(|r| r.version).collect())),
        Err(e)
            if super::error::DbError::kind_of(&e) == super::error::DbErrorKind::UndefinedTable =>
        {
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

/// Compares the database's applied migrations with this binary's.
pub fn schema_state(conn: &mut DbConn) -> Result<SchemaState> {
    let Some(applied) = applied_versions(conn)? else {
        return Ok(SchemaState::Uninitialised);
    };
    if applied.is_empty() {
        return Ok(SchemaState::Uninitialised);
    }
    let embedded = embedded_versions(conn.backend());
    let unknown: Vec<String> = applied
        .iter()
        .filter(|v| !embedded.contains(v))
        .cloned()
        .collect();
    if !unknown.is_empty() {
        return Ok(SchemaState::Ahead(unknown));
    }
    let pending: Vec<String> = embedded
        .iter()
        .filter(|v| !applied.contains(v))
        .cloned()
        .collect();
    if pending.is_empty() {
        Ok(SchemaState::Current)
    } else {
        Ok(SchemaState::Behind(pending))
    }
}

/// Stops with exit 6 unless the schema is exactly this binary's.
pub fn require_current(conn: &mut DbConn, database: &str) -> Result<()> {
    match schema_state(conn)? {
        SchemaState::Current => Ok(()),
        SchemaState::Uninitialised => Err(Error::Setup(format!(
            "database {database} is not initialised: run `custadm init`"
        ))),
        SchemaState::Behind(pending) => Err(Error::Setup(format!(
            "the schema of {database} is behind this custadm ({} migration(s) pending, first {}): run `custadm db migrate`",
            pending.len(),
            pending.first().map(String::as_str).unwrap_or("?")
        ))),
        SchemaState::Ahead(unknown) => Err(Error::Setup(format!(
            "the schema of {database} is newer than this custadm (unknown migration {}): upgrade custadm before using this database",
            unknown.first().map(String::as_str).unwrap_or("?")
        ))),
    }
}

/// Key of the PostgreSQL advisory lock that serialises `init` ("custad").
const INIT_LOCK_KEY: i64 = 0x63_7573_7461_6400;

/// Serialises `init` on one database, inside its write transaction: on
/// PostgreSQL a transaction-level advisory lock (released at commit, so it
/// works through a pooler in transaction mode; its wait is bounded by
/// `lock_timeout`); a no-op on SQLite, where [`lock_init_file`] does it.
pub fn lock_init(conn: &mut DbConn) -> Result<()> {
    if let DbConn::Pg(c) = conn {
        diesel::sql_query(format!("SELECT pg_advisory_xact_lock({INIT_LOCK_KEY})"))
            .execute(c)
            .map_err(super::locking(|| {
                "the database (another `init`)".to_string()
            }))?;
    }
    Ok(())
}

/// Serialises `init` on a SQLite file: an exclusive `flock` on the file
/// itself, held until the returned handle is dropped. SQLite's own locks are
/// POSIX record locks, which `flock` does not touch, so readers and writers
/// of the database are not affected; only another `init` waits, at most
/// `lock_timeout`.
pub fn lock_init_file(path: &std::path::Path) -> Result<std::fs::File> {
    use std::os::fd::AsRawFd;
    let file = std::fs::File::open(path)
        .map_err(|e| Error::Setup(format!("cannot open {}: {e}", path.display())))?;
    let deadline = std::time::Instant::now() + super::lock_timeout();
    loop {
        // SAFETY: flock on a descriptor this function owns; no memory involved.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
            return Ok(file);
        }
        let err = std::io::Error::last_os_error();
        if err.raw_os_error() != Some(libc::EWOULDBLOCK) {
            return Err(Error::Setup(format!(
                "cannot lock {} for init: {err}",
                path.display()
            )));
        }
        if std::time::Instant::now() >= deadline {
            return Err(super::lock_wait_error(&format!(
                "the database file {} (another `init`)",
                path.display()
            )));
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Applies every pending migration; returns the versions applied.
pub fn run_pending(conn: &mut DbConn) -> Result<Vec<String>> {
    let applied = crate::db::with_backend!(conn, c => {
        let source = match c.backend_marker() {
            Backend::Sqlite => SQLITE_MIGRATIONS,
            Backend::Postgres => POSTGRES_MIGRATIONS,
        };
        c.run_pending_migrations(source)
            .map(|versions| versions.iter().map(|v| v.to_string()).collect::<Vec<_>>())
    });
    applied.map_err(|e| Error::Setup(format!("migration failed: {e}")))
}

/// Lets the migration code pick its source on a concrete connection.
trait BackendMarker {
    fn backend_marker(&self) -> Backend;
}
impl BackendMarker for diesel::sqlite::SqliteConnection {
    fn backend_marker(&self) -> Backend {
        Backend::Sqlite
    }
}
impl BackendMarker for diesel::pg::PgConnection {
    fn backend_marker(&self) -> Backend {
        Backend::Postgres
    }
}
