//! The data layer: which database a command talks to, how the connection is
//! opened and configured, write transactions, and the schema version check.
//! Backend-specific SQL lives in this module tree and nowhere else.

pub mod audit;
pub mod customer;
pub mod foreign;
pub mod migrations;
pub mod operator;
pub mod schema;

use std::path::{Path, PathBuf};

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::sqlite::SqliteConnection;
use diesel::Connection;

use crate::error::{Error, Result};

/// One connection to either backend; commands receive `&mut DbConn` and stay
/// backend-agnostic except where a backend needs its own SQL.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    /// Production: PostgreSQL 13+.
    Pg(PgConnection),
    /// The embedded default: a SQLite file.
    Sqlite(SqliteConnection),
}

/// Runs `$body` with `$c` bound to the concrete connection, for the features
/// that Diesel's multi-connection enum does not forward (row locks, batch
/// inserts, row-by-row loading).
#[macro_export]
macro_rules! with_backend {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::db::DbConn::Sqlite($c) => $body,
            $crate::db::DbConn::Pg($c) => $body,
        }
    };
}

/// Which backend a connection or URL is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Where the database is, parsed from a URL in one of the contract's forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseTarget {
    /// A SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL (`postgres://…` or `postgresql://…`).
    Postgres(String),
}

/// How long a PostgreSQL connection attempt may take before exit 6.
pub const CONNECT_TIMEOUT_SECS: u32 = 10;
/// How long a SQLite writer waits for another writer's lock.
pub const SQLITE_BUSY_TIMEOUT_MS: u32 = 5_000;

impl DatabaseTarget {
    /// Parses `postgres://…`, `postgresql://…`, `sqlite://PATH`, `sqlite:PATH`
    /// or a plain file path. Any other `scheme://` is refused rather than
    /// silently becoming a file of that name.
    pub fn parse(url: &str) -> Result<Self> {
        let url = url.trim();
        if url.is_empty() {
            return Err(Error::Database(
                "the database URL is empty: give --database-url postgres://… or a SQLite file path"
                    .into(),
            ));
        }
        if url.contains('\0') {
            return Err(Error::Database(
                "the database URL contains a NUL byte".into(),
            ));
        }
        if url.split_whitespace().next().is_some_and(|word| {
            word.split_once('=').is_some_and(|(key, _)| {
                !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            })
        }) {
            // Never echoed: such a string usually holds `password=…`.
            return Err(Error::Database(
                "the database URL looks like a libpq key=value connection string, which custadm does not take: use postgres://USER@HOST:PORT/DB".into(),
            ));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DatabaseTarget::Postgres(url.to_string()));
        }
        if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            if path.is_empty() {
                return Err(Error::Database(
                    "sqlite: URL without a file path; use sqlite://PATH".into(),
                ));
            }
            return Ok(DatabaseTarget::Sqlite(PathBuf::from(path)));
        }
        if let Some((scheme, _)) = url.split_once("://") {
            return Err(Error::Database(format!(
                "unsupported database URL scheme '{scheme}': use postgres://…, postgresql://…, sqlite://PATH or a file path"
            )));
        }
        Ok(DatabaseTarget::Sqlite(PathBuf::from(url)))
    }

    /// The backend this target uses.
    pub fn backend(&self) -> Backend {
        match self {
            DatabaseTarget::Sqlite(_) => Backend::Sqlite,
            DatabaseTarget::Postgres(_) => Backend::Postgres,
        }
    }

    /// A description safe to print: the file path, or the URL without its password.
    pub fn display(&self) -> String {
        match self {
            DatabaseTarget::Sqlite(p) => p.display().to_string(),
            DatabaseTarget::Postgres(url) => redact_url_password(url),
        }
    }

    /// The host (PostgreSQL) or file (SQLite), for production prompts.
    pub fn host(&self) -> String {
        match self {
            DatabaseTarget::Sqlite(p) => format!("file {}", p.display()),
            DatabaseTarget::Postgres(url) => {
                let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
                // After the credentials (which end at the last '@').
                let after = rest.rfind('@').map(|at| &rest[at + 1..]).unwrap_or(rest);
                let host = after.split(['/', '?', '#']).next().unwrap_or(after);
                format!("host {host}")
            }
        }
    }

    /// Opens a connection. SQLite files are never created here (see
    /// [`DatabaseTarget::connect_creating`]): a mistyped path is an error,
    /// not a new empty database.
    pub fn connect(&self) -> Result<DbConn> {
        match self {
            DatabaseTarget::Sqlite(path) => {
                if !path.exists() {
                    return Err(Error::Database(format!(
                        "no database at {}: run `custadm init` to create it, or pass --database-url",
                        path.display()
                    )));
                }
                open_sqlite(path)
            }
            DatabaseTarget::Postgres(url) => open_postgres(url),
        }
    }

    /// Opens a connection, creating the SQLite file and its directory, or the
    /// PostgreSQL database, when missing. Only `init` does this.
    pub fn connect_creating(&self) -> Result<DbConn> {
        match self {
            DatabaseTarget::Sqlite(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|e| {
                        Error::Database(format!("cannot create directory {}: {e}", dir.display()))
                    })?;
                }
                open_sqlite(path)
            }
            DatabaseTarget::Postgres(url) => match open_postgres(url) {
                Err(Error::Database(msg)) if msg.contains("does not exist") => {
                    create_postgres_database(url)?;
                    open_postgres(url)
                }
                other => other,
            },
        }
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
pub fn redact_url_password(url: &str) -> String {
    // First the `password=` parameter (libpq reads it from the query too),
    // so that an '@' in its value is not taken for the end of the
    // credentials.
    let url = redact_password_parameter(url);
    let Some((scheme, rest)) = url.split_once("://") else {
        return url;
    };
    // The credentials end at the last '@': a password may hold a raw '/',
    // '?', '#' or '@' that a strict URL parser would reject.
    match rest.rfind('@') {
        Some(at) => match rest[..at].split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{}", &rest[at + 1..]),
            None => url.clone(),
        },
        None => url.clone(),
    }
}

/// `…?x=1&password=secret&y=2` → `…?x=1&password=***&y=2`.
fn redact_password_parameter(url: &str) -> String {
    let lower = url.to_ascii_lowercase();
    let mut out = String::with_capacity(url.len());
    let mut copied = 0;
    let mut search = 0;
    while let Some(found) = lower[search..].find("password=") {
        let start = search + found;
        let value = start + "password=".len();
        search = value;
        if start == 0 || !matches!(url.as_bytes()[start - 1], b'?' | b'&') {
            continue;
        }
        let end = url[value..]
            .find('&')
            .map(|e| value + e)
            .unwrap_or(url.len());
        out.push_str(&url[copied..value]);
        out.push_str("***");
        copied = end;
        search = end;
    }
    out.push_str(&url[copied..]);
    out
}

fn open_sqlite(path: &Path) -> Result<DbConn> {
    let path_str = path.to_str().ok_or_else(|| {
        Error::Database(format!(
            "the database path {} is not valid UTF-8",
            path.display()
        ))
    })?;
    let mut conn = SqliteConnection::establish(path_str).map_err(|e| {
        Error::Database(format!(
            "cannot open SQLite database {}: {e}",
            path.display()
        ))
    })?;
    // busy_timeout first, so the others wait for a lock instead of failing;
    // one statement each (see ENGINEERING-NOTES).
    for pragma in [
        format!("PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}"),
        "PRAGMA journal_mode = WAL".to_string(),
        "PRAGMA synchronous = FULL".to_string(),
        "PRAGMA foreign_keys = ON".to_string(),
    ] {
        conn.batch_execute(&pragma).map_err(|e| {
            Error::Database(format!(
                "cannot configure SQLite database {} ({pragma}): {}",
                path.display(),
                crate::error::describe_database_error(&e.to_string())
            ))
        })?;
    }
    // SQLite's own lower() folds only ASCII; searches use this one.
    // Lossy: a name another program wrote in Latin-1 must not fail the search.
    unicode_lower_utils::register_impl(&mut conn, |text: foreign::LossyText| text.0.to_lowercase())
        .map_err(|e| Error::Internal(format!("cannot register unicode_lower on SQLite: {e}")))?;
    Ok(DbConn::Sqlite(conn))
}

diesel::define_sql_function! {
    /// Unicode lower-casing for case-insensitive search: registered on every
    /// SQLite connection (Rust's `to_lowercase`); PostgreSQL uses `lower()`.
    fn unicode_lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

diesel::define_sql_function! {
    /// SQL `lower()`: PostgreSQL's case folding (its unique email index uses it).
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

fn with_connect_timeout(url: &str) -> String {
    if url.contains("connect_timeout=") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&connect_timeout={CONNECT_TIMEOUT_SECS}")
    } else {
        format!("{url}?connect_timeout={CONNECT_TIMEOUT_SECS}")
    }
}

fn open_postgres(url: &str) -> Result<DbConn> {
    let mut conn = PgConnection::establish(&with_connect_timeout(url)).map_err(|e| {
        let cause = e.to_string();
        let cause = cause.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" ");
        Error::Database(format!(
            "cannot connect to PostgreSQL at {}: {cause}; check that the server is running and the URL is right",
            redact_url_password(url)
        ))
    })?;
    // A `SQL_ASCII` database stores whatever bytes another program gave it,
    // and refuses to hand bytes that are not UTF-8 to a UTF8 client (Diesel
    // sets UTF8): there custadm takes the bytes as they are and reads them
    // lossily (db::foreign). Any other database converts to UTF8 itself.
    conn.batch_execute(
        "DO $$ BEGIN IF current_setting('server_encoding') = 'SQL_ASCII' \
         THEN SET client_encoding = 'SQL_ASCII'; END IF; END $$",
    )
    .map_err(|e| Error::Database(format!("cannot configure the PostgreSQL session: {e}")))?;
    Ok(DbConn::Pg(conn))
}

/// Creates the database named in `url` through the server's `postgres` database.
fn create_postgres_database(url: &str) -> Result<()> {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let (server, name) = base.rsplit_once('/').ok_or_else(|| {
        Error::Database(format!("no database name in {}", redact_url_password(url)))
    })?;
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(Error::Database(format!(
            "database '{name}' does not exist and custadm creates only plainly named ones (letters, digits, _ and -): create it with createdb"
        )));
    }
    let mut admin =
        PgConnection::establish(&with_connect_timeout(&format!("{server}/postgres{query}")))
            .map_err(|e| {
                Error::Database(format!(
                    "database '{name}' does not exist and cannot be created: {e}"
                ))
            })?;
    admin
        .batch_execute(&format!("CREATE DATABASE \"{name}\""))
        .map_err(|e| Error::Database(format!("cannot create database '{name}': {e}")))?;
    Ok(())
}

impl DbConn {
    /// Which backend this connection talks to.
    pub fn backend(&self) -> Backend {
        match self {
            DbConn::Sqlite(_) => Backend::Sqlite,
            DbConn::Pg(_) => Backend::Postgres,
        }
    }
}

/// Runs `f` in a write transaction: `BEGIN IMMEDIATE` on SQLite, so a second
/// writer waits for the lock up front instead of failing half-way; a plain
/// transaction on PostgreSQL (row locks are taken by the caller where a check
/// must hold until commit). Commits when `f` succeeds, rolls back otherwise.
pub fn write_transaction<T>(
    conn: &mut DbConn,
    f: impl FnOnce(&mut DbConn) -> Result<T>,
) -> Result<T> {
    match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?,
        DbConn::Pg(c) => AnsiTransactionManager::begin_transaction(c)?,
    }
    match f(conn) {
        Ok(value) => {
            with_backend!(conn, c => AnsiTransactionManager::commit_transaction(c))?;
            Ok(value)
        }
        Err(e) => {
            // The original error matters more than a failed rollback.
            let _ = with_backend!(conn, c => AnsiTransactionManager::rollback_transaction(c));
            Err(e)
        }
    }
}

/// The current time in UTC, whole seconds: what every timestamp column gets,
/// stored on SQLite as `YYYY-MM-DD HH:MM:SS`.
pub fn now() -> chrono::NaiveDateTime {
    use chrono::Timelike;
    let now = chrono::Utc::now().naive_utc();
    now.with_nanosecond(0).unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_forms() {
        assert_eq!(
            DatabaseTarget::parse("sqlite:///tmp/a.db").ok(),
            Some(DatabaseTarget::Sqlite("/tmp/a.db".into()))
        );
        assert_eq!(
            DatabaseTarget::parse("sqlite:a.db").ok(),
            Some(DatabaseTarget::Sqlite("a.db".into()))
        );
        assert_eq!(
            DatabaseTarget::parse("./a.db").ok(),
            Some(DatabaseTarget::Sqlite("./a.db".into()))
        );
        assert!(matches!(
            DatabaseTarget::parse("postgresql://h/db"),
            Ok(DatabaseTarget::Postgres(_))
        ));
        assert!(DatabaseTarget::parse("mysql://h/db").is_err());
        assert_eq!(
            redact_url_password("postgres://u:pw@h:5/db"),
            "postgres://u:***@h:5/db"
        );
    }
}
