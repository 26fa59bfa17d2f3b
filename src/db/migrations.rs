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
    run_pending_noting(conn, &mut |_| {})
}

/// The migrations that build the search indexes (issue 23): SQLite's one,
/// PostgreSQL's function and three indexes.
const SEARCH_INDEX_VERSIONS: [&str; 4] = [
    "20261207000001",
    "20261207000002",
    "20261207000003",
    "20261207000004",
];

/// Rows per second the search indexes were built at, measured at 10M
/// customers on this project's 2-core machines (bench/RESULTS.md): SQLite's
/// FTS5 table, PostgreSQL's three GIN indexes together.
/// (SQLite: 10M in 721 s with the machine loaded, bench/RESULTS.md issue 23;
/// PostgreSQL: the same order, its three concurrent builds took longer than
/// 20 minutes there, so the estimate errs long.)
const SEARCH_BUILD_RATE: [(Backend, u64); 2] =
    [(Backend::Sqlite, 14_000), (Backend::Postgres, 8_000)];

/// [`run_pending`], telling the operator through `note` what takes long:
/// building the search indexes over the customers already there (what, over
/// how many, about how long). On PostgreSQL it first creates `pg_trgm`
/// (exit 6 naming the fix when that is not allowed) and drops the INVALID
/// index a `CREATE INDEX CONCURRENTLY` interrupted half-way leaves, so that
/// the migration builds it again.
pub fn run_pending_noting(conn: &mut DbConn, note: &mut dyn FnMut(&str)) -> Result<Vec<String>> {
    // An index build over millions of customers is minutes of silence.
    crate::db::watchdog::unwatched(|| run_pending_unwatched(conn, note))
}

fn run_pending_unwatched(conn: &mut DbConn, note: &mut dyn FnMut(&str)) -> Result<Vec<String>> {
    let pending = match schema_state(conn)? {
        SchemaState::Behind(p) => p,
        SchemaState::Uninitialised => embedded_versions(conn.backend()),
        _ => vec![],
    };
    if pending
        .iter()
        .any(|v| SEARCH_INDEX_VERSIONS.contains(&v.as_str()))
    {
        prepare_search_indexes(conn, note)?;
    }
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

/// PostgreSQL's search index migrations (`CREATE INDEX CONCURRENTLY`, which
/// cannot run inside a transaction) by version, with their SQL.
const PG_CONCURRENT: [(&str, &str); 3] = [
    (
        "20261207000002",
        include_str!("../../migrations/postgres/2026-12-07-000002_search_name_index/up.sql"),
    ),
    (
        "20261207000003",
        include_str!("../../migrations/postgres/2026-12-07-000003_search_email_index/up.sql"),
    ),
    (
        "20261207000004",
        include_str!("../../migrations/postgres/2026-12-07-000004_search_phone_index/up.sql"),
    ),
];

/// `init`'s migrations on a new PostgreSQL database, inside its
/// transaction (which holds the init lock, so that one of several `init`s
/// started at once creates the schema): as [`run_pending`], but the index
/// migrations that must run outside a transaction build their index without
/// `CONCURRENTLY` (the table is new and empty: nothing to block) and are
/// recorded as applied in the same transaction. SQLite: [`run_pending`].
pub fn run_pending_in_init_transaction(conn: &mut DbConn) -> Result<Vec<String>> {
    let DbConn::Pg(c) = conn else {
        return run_pending(conn);
    };
    let failed = |e: Box<dyn std::error::Error + Send + Sync>| {
        Error::Setup(format!("migration failed: {e}"))
    };
    create_pg_trgm(c)?;
    let mut applied = Vec::new();
    for m in c.pending_migrations(POSTGRES_MIGRATIONS).map_err(failed)? {
        let version = m.name().version().to_string();
        match PG_CONCURRENT.iter().find(|(v, _)| *v == version) {
            Some((_, sql)) => {
                diesel::sql_query(sql.replacen("CONCURRENTLY ", "", 1)).execute(c)?;
                diesel::sql_query("INSERT INTO __diesel_schema_migrations (version) VALUES ($1)")
                    .bind::<Text, _>(&version)
                    .execute(c)?;
            }
            None => {
                c.run_migration(&*m).map_err(failed)?;
            }
        }
        applied.push(version);
    }
    Ok(applied)
}

/// Creates `pg_trgm` unless it exists; exit 6 naming the fix when this
/// role may not.
fn create_pg_trgm(c: &mut diesel::pg::PgConnection) -> Result<()> {
    match diesel::sql_query("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute(c) {
        Ok(_) => Ok(()),
        Err(e) if super::error::DbError::kind_of(&e) == super::error::DbErrorKind::ConnectionLost => {
            Err(e.into())
        }
        Err(e) => Err(Error::Setup(format!(
            "cannot create the PostgreSQL extension pg_trgm, which search needs ({}): ask a superuser or the database's owner to run `CREATE EXTENSION pg_trgm;` in this database (it ships with PostgreSQL, Debian package postgresql-15 or postgresql-contrib), then run custadm again",
            e.to_string().lines().next().unwrap_or("").trim()
        ))),
    }
}

#[derive(QueryableByName)]
struct CountRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct NameRow {
    #[diesel(sql_type = Text)]
    name: String,
}

/// Before the search migrations: the PostgreSQL extension and leftovers of
/// an interrupted build, then the note of what is built and how long.
fn prepare_search_indexes(conn: &mut DbConn, note: &mut dyn FnMut(&str)) -> Result<()> {
    let backend = conn.backend();
    let customers = match conn {
        DbConn::Pg(c) => {
            create_pg_trgm(c)?;
            let invalid = diesel::sql_query(
                "SELECT c.relname::text AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
                 WHERE NOT i.indisvalid AND c.relname IN ('customers_search_name_idx', 'customers_search_email_idx', 'customers_search_phone_idx')",
            )
            .load::<NameRow>(c)?;
            for index in invalid {
                note(&format!(
                    "dropping the index {} that an interrupted migration left unfinished (INVALID); it is built again",
                    index.name
                ));
                diesel::sql_query(format!("DROP INDEX CONCURRENTLY IF EXISTS {}", index.name))
                    .execute(c)?;
            }
            diesel::sql_query(
                "SELECT coalesce((SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass('customers')), 0) AS n",
            )
            .get_result::<CountRow>(c)
            .map(|r| r.n.max(0))
            .unwrap_or(0)
        }
        DbConn::Sqlite(c) => diesel::sql_query("SELECT count(*) AS n FROM customers")
            .get_result::<CountRow>(c)
            .map(|r| r.n)
            .unwrap_or(0),
    };
    if customers < 100_000 {
        return Ok(());
    }
    let rate = SEARCH_BUILD_RATE
        .iter()
        .find(|(b, _)| *b == backend)
        .map_or(50_000, |(_, r)| *r);
    let minutes = (customers as u64 / rate.max(1)).div_ceil(60).max(1);
    note(&match backend {
        Backend::Sqlite => format!(
            "building the search index (FTS5 trigram table customers_search) over about {customers} customers: roughly {minutes} minute(s) on a 2-core machine; other writers wait until it commits, and an interrupted build leaves nothing behind"
        ),
        Backend::Postgres => format!(
            "building the search indexes (pg_trgm GIN, CREATE INDEX CONCURRENTLY: customers_search_name_idx, _email_idx, _phone_idx) over about {customers} customers: roughly {minutes} minute(s) on a 2-core machine; the application's writes go on meanwhile, and an interrupted build is started again by the next `custadm db migrate`"
        ),
    });
    Ok(())
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
