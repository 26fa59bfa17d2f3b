//! The data layer: which database a command talks to, how the connection is
//! opened and configured, write transactions, and the schema version check.
//! Backend-specific SQL lives in this module tree and nowhere else: commands
//! call the functions of its modules, and a function whose SQL differs per
//! backend matches [`DbConn`] once and hands each backend to its own
//! function (`export::entry_page`, `init::initialise`), or runs one body on
//! each concrete connection ([`with_backend!`]).

pub(crate) mod audit;
pub(crate) mod customer;
pub mod error;
pub(crate) mod export;
pub(crate) mod filter;
pub(crate) mod id_list;
pub(crate) mod init;
pub(crate) mod lenient;
pub(crate) mod migrations;
pub(crate) mod operator;
pub(crate) mod purge;
pub(crate) mod sample;
pub(crate) mod schema;
pub mod search;
pub(crate) mod watchdog;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, QueryResult, RunQueryDsl};

use crate::error::{Error, Result};

/// One connection to either backend; commands receive `&mut DbConn` and
/// stay backend-agnostic: what differs per backend is decided in this module
/// tree.
#[derive(diesel::MultiConnection)]
pub(crate) enum DbConn {
    /// Production: PostgreSQL 13+.
    Pg(PgConnection),
    /// The embedded default: a SQLite file.
    Sqlite(SqliteConnection),
}

/// Runs `$body` with `$c` bound to the concrete connection, for the features
/// that Diesel's multi-connection enum does not forward (row locks, batch
/// inserts, row-by-row loading).
macro_rules! with_backend {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::db::DbConn::Sqlite($c) => $body,
            $crate::db::DbConn::Pg($c) => $body,
        }
    };
}
/// Only the data layer matches on the backend (`src/db/`, README "Layout").
pub(in crate::db) use with_backend;

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
    /// A SQLite file opened read-only: `sqlite://PATH?mode=ro`, or a file
    /// (or its directory) this process cannot write, for a command that
    /// only reads (contract "Databases": `list`, `audit` and its `verify`
    /// and `digest`, `db status`, `config show`). Writing commands refuse it
    /// before they start ([`DatabaseTarget::is_read_only`]).
    SqliteReadOnly(PathBuf),
    /// A PostgreSQL connection URL (`postgres://…` or `postgresql://…`).
    Postgres(String),
}

/// How long a PostgreSQL connection attempt may take before exit 6.
pub(crate) const CONNECT_TIMEOUT_SECS: u32 = 10;
pub(crate) use watchdog::DEFAULT_IO_TIMEOUT;

/// The contract's default `lock_timeout` ("Databases"): 10 s.
pub(crate) const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(10);

/// The process's `lock_timeout` in milliseconds: resolved once from the
/// settings (config key `lock_timeout`, `CUSTADM_LOCK_TIMEOUT`) before any
/// connection opens, and read by every connection and write transaction.
static LOCK_TIMEOUT_MS: AtomicU64 = AtomicU64::new(DEFAULT_LOCK_TIMEOUT.as_millis() as u64);

/// Sets how long any lock wait may last (contract: "Databases"): SQLite's
/// `busy_timeout` on connections opened afterwards, and PostgreSQL's
/// `SET LOCAL lock_timeout` in every write transaction.
pub(crate) fn set_lock_timeout(timeout: Duration) {
    LOCK_TIMEOUT_MS.store(timeout.as_millis().max(1) as u64, Ordering::Relaxed);
}

/// The effective `lock_timeout`.
pub(crate) fn lock_timeout() -> Duration {
    Duration::from_millis(LOCK_TIMEOUT_MS.load(Ordering::Relaxed))
}

/// `10 s`, `1.5 s`: the lock timeout as messages state it.
pub(crate) fn lock_timeout_text() -> String {
    let ms = LOCK_TIMEOUT_MS.load(Ordering::Relaxed);
    if ms % 1000 == 0 {
        format!("{} s", ms / 1000)
    } else {
        format!("{} s", ms as f64 / 1000.0)
    }
}

/// True when a database error is a lock wait that ran out (PostgreSQL
/// 55P03, SQLite `SQLITE_BUSY`): asks [`error::DbError::kind_of`].
pub(crate) fn is_lock_timeout(e: &diesel::result::Error) -> bool {
    error::DbError::kind_of(e) == error::DbErrorKind::LockTimeout
}

/// The exit-6 error for a lock wait that ran out while locking `what`
/// ("customer 7"): names it, the time waited, and that the transaction was
/// rolled back.
pub(crate) fn lock_wait_error(what: &str) -> Error {
    Error::Setup(format!(
        "{what} is locked by another transaction; waited {}; this transaction was rolled back (lock_timeout; try again when that transaction has finished)",
        lock_timeout_text()
    ))
}

/// Maps a Diesel error of a statement that takes row locks on `what`:
/// a lock timeout becomes [`lock_wait_error`], anything else the usual error.
pub(crate) fn locking(
    what: impl FnOnce() -> String,
) -> impl FnOnce(diesel::result::Error) -> Error {
    move |e| {
        if is_lock_timeout(&e) {
            lock_wait_error(&what())
        } else {
            e.into()
        }
    }
}

impl DatabaseTarget {
    /// Parses `postgres://…`, `postgresql://…`, `sqlite://PATH`, `sqlite:PATH`
    /// or a plain file path. Any other `scheme://` is refused rather than
    /// silently becoming a file of that name.
    pub fn parse(url: &str) -> Result<Self> {
        let url = url.trim();
        if url.is_empty() {
            return Err(Error::Setup(
                "the database URL is empty: give --database-url postgres://… or a SQLite file path"
                    .into(),
            ));
        }
        if url.contains('\0') {
            return Err(Error::Setup("the database URL contains a NUL byte".into()));
        }
        if url.split_whitespace().next().is_some_and(|word| {
            word.split_once('=').is_some_and(|(key, _)| {
                !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            })
        }) {
            // Never echoed: such a string usually holds `password=…`.
            return Err(Error::Setup(
                "the database URL looks like a libpq key=value connection string, which custadm does not take: use postgres://USER@HOST:PORT/DB".into(),
            ));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DatabaseTarget::Postgres(url.to_string()));
        }
        if url.to_ascii_lowercase().starts_with("file:") {
            check_plain_sqlite_path(url)?;
        }
        if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            if path.is_empty() {
                return Err(Error::Setup(
                    "sqlite: URL without a file path; use sqlite://PATH".into(),
                ));
            }
            // SQLite URL parameters: only `mode=ro` (contract "Databases");
            // any other is exit 2, never part of a file name.
            let (path, params) = match path.split_once('?') {
                Some((p, q)) => (p, Some(q)),
                None => (path, None),
            };
            check_plain_sqlite_path(path)?;
            let path = PathBuf::from(crate::paths::expand_home(path)?);
            return match params {
                None => Ok(DatabaseTarget::Sqlite(path)),
                Some("mode=ro") => Ok(DatabaseTarget::SqliteReadOnly(path)),
                Some(other) => Err(Error::Usage(format!(
                    "the SQLite URL parameter {} is not supported: the only one is ?mode=ro (read-only)",
                    crate::text::quote_input(other)
                ))),
            };
        }
        if let Some((scheme, _)) = url.split_once("://") {
            // The scheme is quoted only when it is one: "u:pw@h://" is not.
            let shown = if !scheme.is_empty()
                && scheme.len() <= 20
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
            {
                format!(" '{scheme}'")
            } else {
                String::new()
            };
            return Err(Error::Setup(format!(
                "unsupported database URL scheme{shown}: use postgres://…, postgresql://…, sqlite://PATH or a file path"
            )));
        }
        check_plain_sqlite_path(url)?;
        Ok(DatabaseTarget::Sqlite(PathBuf::from(
            crate::paths::expand_home(url)?,
        )))
    }

    /// The target when no database URL is given: the embedded database, a
    /// SQLite file at `path` (contract: "Databases", the embedded default).
    pub(crate) fn default_file(path: PathBuf) -> Self {
        DatabaseTarget::Sqlite(path)
    }

    /// True for a SQLite file opened read-only ([`DatabaseTarget::SqliteReadOnly`]).
    pub fn is_read_only(&self) -> bool {
        matches!(self, DatabaseTarget::SqliteReadOnly(_))
    }

    /// The same file opened read-only when this process cannot write it or
    /// its directory (a read-only copy, an auditor's mount): for commands
    /// that only read. Any other target is returned as it is.
    pub(crate) fn read_only_if_unwritable(self) -> Self {
        match self {
            DatabaseTarget::Sqlite(path) if path.exists() && !writable(&path) => {
                DatabaseTarget::SqliteReadOnly(path)
            }
            other => other,
        }
    }

    /// This target for a command that writes: a read-only one (`?mode=ro`,
    /// or a SQLite file this user cannot write) is exit 6 naming `action`
    /// (contract "Databases": commands that write stop and say so).
    pub(crate) fn for_writing(self, action: &str) -> Result<Self> {
        match self.read_only_if_unwritable() {
            DatabaseTarget::SqliteReadOnly(path) => Err(read_only_refusal(&path, action)),
            other => Ok(other),
        }
    }

    /// The backend this target uses.
    pub fn backend(&self) -> Backend {
        match self {
            DatabaseTarget::Sqlite(_) | DatabaseTarget::SqliteReadOnly(_) => Backend::Sqlite,
            DatabaseTarget::Postgres(_) => Backend::Postgres,
        }
    }

    /// A description safe to print: the file path, or the URL without its password.
    pub fn display(&self) -> String {
        match self {
            DatabaseTarget::Sqlite(p) => p.display().to_string(),
            DatabaseTarget::SqliteReadOnly(p) => format!("{} (read-only)", p.display()),
            DatabaseTarget::Postgres(url) => redact_url_password(url),
        }
    }

    /// The host (PostgreSQL) or file (SQLite), for production prompts.
    pub fn host(&self) -> String {
        match self {
            DatabaseTarget::Sqlite(p) | DatabaseTarget::SqliteReadOnly(p) => {
                format!("file {}", p.display())
            }
            DatabaseTarget::Postgres(url) => {
                let url = &redact_url_password(url);
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
    pub(crate) fn connect(&self) -> Result<DbConn> {
        match self {
            DatabaseTarget::Sqlite(path) => {
                if !path.exists() {
                    return Err(Error::Setup(format!(
                        "no database at {}: run `custadm init` to create it, or pass --database-url",
                        path.display()
                    )));
                }
                open_sqlite(path)
            }
            DatabaseTarget::SqliteReadOnly(path) => {
                if !path.exists() {
                    return Err(Error::Setup(format!(
                        "no database at {} (opened read-only, ?mode=ro)",
                        path.display()
                    )));
                }
                open_sqlite_read_only(path)
            }
            DatabaseTarget::Postgres(url) => {
                // A URL libpq cannot parse names no database to look for.
                check_postgres_url(url)?;
                let started = std::time::Instant::now();
                open_postgres(url).map_err(|e| {
                    // A missing database: say so, and that init makes it
                    // (asked of the server, whatever language libpq used).
                    if started.elapsed() < Duration::from_secs(CONNECT_TIMEOUT_SECS.into())
                        && postgres_database_exists(url) == Some(false)
                    {
                        Error::Setup(format!(
                            "no database at {}: the server is there but the database is not; `custadm init` creates it (with the schema and the first admin)",
                            redact_url_password(url)
                        ))
                    } else {
                        e
                    }
                })
            }
        }
    }

    /// Opens a connection, creating the SQLite file and its directory, or the
    /// PostgreSQL database, when missing. Only `init` does this.
    pub(crate) fn connect_creating(&self) -> Result<DbConn> {
        match self {
            DatabaseTarget::Sqlite(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    create_private_dirs(dir)?;
                }
                create_private_file(path)?;
                open_sqlite(path)
            }
            DatabaseTarget::SqliteReadOnly(path) => Err(read_only_refusal(path, "init")),
            DatabaseTarget::Postgres(url) => match self.connect_if_exists()? {
                Some(conn) => Ok(conn),
                None => {
                    create_postgres_database(url)?;
                    open_postgres(url)
                }
            },
        }
    }

    /// Opens a connection, or `None` when there is no database there yet:
    /// no SQLite file, or no PostgreSQL database of that name. `init` looks
    /// with it before it creates anything.
    ///
    /// A PostgreSQL server refuses a connection to a missing database before
    /// the session exists, so the client gets libpq's text in the server's
    /// language and no SQLSTATE; whether the database exists is asked of the
    /// server's `postgres` database instead ([`postgres_database_exists`]).
    pub(crate) fn connect_if_exists(&self) -> Result<Option<DbConn>> {
        match self {
            DatabaseTarget::Sqlite(path) | DatabaseTarget::SqliteReadOnly(path)
                if !path.exists() =>
            {
                Ok(None)
            }
            DatabaseTarget::Sqlite(_) | DatabaseTarget::SqliteReadOnly(_) => {
                self.connect().map(Some)
            }
            DatabaseTarget::Postgres(url) => {
                check_postgres_url(url)?;
                let started = std::time::Instant::now();
                match open_postgres(url) {
                    Ok(conn) => Ok(Some(conn)),
                    // A server that never answered is not asked again (that
                    // would double the wait).
                    Err(_)
                        if started.elapsed() < Duration::from_secs(CONNECT_TIMEOUT_SECS.into())
                            && postgres_database_exists(url) == Some(false) =>
                    {
                        Ok(None)
                    }
                    Err(e) => Err(e),
                }
            }
        }
    }
}

/// `postgres://user:secret@host/db?sslpassword=x` →
/// `postgres://user:***@host/db?sslpassword=***`: every secret a database URL
/// can carry (see [`crate::secrets`]).
pub fn redact_url_password(url: &str) -> String {
    crate::secrets::redact_url(url)
}

/// Creates `dir` and its missing parents as mode 0700 whatever the umask
/// (contract: "a directory it creates 0700"); existing ones are left alone.
fn create_private_dirs(dir: &Path) -> Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    let mut missing = Vec::new();
    let mut cur = Some(dir);
    while let Some(d) = cur.filter(|d| !d.as_os_str().is_empty() && !d.exists()) {
        missing.push(d.to_path_buf());
        cur = d.parent();
    }
    for d in missing.iter().rev() {
        let made = std::fs::DirBuilder::new().mode(0o700).create(d);
        match made {
            Ok(()) => std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o700)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
            Err(e) => Err(e),
        }
        .map_err(|e| Error::Setup(format!("cannot create directory {}: {e}", d.display())))?;
    }
    Ok(())
}

/// Creates the SQLite file as mode 0600 whatever the umask, before SQLite
/// opens it (SQLite gives its -wal and -shm files the database file's mode).
/// An existing file is left as it is.
fn create_private_file(path: &Path) -> Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(file) => file
            .set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(|e| Error::Setup(format!("cannot set the mode of {}: {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(Error::Setup(format!(
            "cannot create the database file {}: {e}",
            path.display()
        ))),
    }
}

/// Warns once per process (stderr) when an existing database file can be
/// read or written by its group or others: it holds every Argon2 hash,
/// email and KYC document number.
fn warn_if_shared(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    use std::sync::atomic::{AtomicBool, Ordering};
    static WARNED: AtomicBool = AtomicBool::new(false);
    let Ok(meta) = std::fs::metadata(path) else {
        return;
    };
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 && !WARNED.swap(true, Ordering::SeqCst) {
        use std::io::Write;
        let shown = crate::text::sanitize(&path.display().to_string());
        let line = format!("warning: the database file {shown} can be read by other users (mode {mode:04o}); it holds password hashes and personal data: run `chmod 600 {shown}`");
        let _ = writeln!(std::io::stderr(), "{}", crate::terminal::for_stderr(&line));
    }
}

/// Refuses what SQLite would read as something other than a plain file:
/// URI filenames (`file:…`, which SQLite opens with `mode=memory` and other
/// parameters, and which would otherwise create folders named `file:`) and
/// the in-memory names (`:memory:`, an empty name), which vanish when the
/// command ends. Exit 6 with the plain form to use.
fn check_plain_sqlite_path(path: &str) -> Result<()> {
    let lower = path.to_ascii_lowercase();
    if lower.starts_with("file:") {
        let rest = &path["file:".len()..];
        let plain = rest.split(['?', '#']).next().unwrap_or(rest);
        let plain = plain.strip_prefix("//localhost").unwrap_or(plain);
        let plain = if plain.starts_with("///") {
            &plain[2..]
        } else {
            plain
        };
        return Err(Error::Setup(format!(
            "SQLite URI filenames (file:…) are not supported, because their parameters (mode=memory, immutable, vfs) can make a database that does not persist or that others share: give the plain file path instead{}",
            if plain.is_empty() || plain.contains('%') {
                String::new()
            } else {
                format!(" (--database-url {})", crate::text::sanitize(plain))
            }
        )));
    }
    if path == ":memory:" || path.starts_with(":memory:") {
        return Err(Error::Setup(
            "an in-memory SQLite database (:memory:) is gone when the command ends: give a file path".into(),
        ));
    }
    Ok(())
}

fn open_sqlite(path: &Path) -> Result<DbConn> {
    let path_str = path.to_str().ok_or_else(|| {
        Error::Setup(format!(
            "the database path {} is not valid UTF-8",
            path.display()
        ))
    })?;
    warn_if_shared(path);
    let mut conn = SqliteConnection::establish(path_str).map_err(|e| {
        Error::Setup(format!(
            "cannot open SQLite database {}: {e}",
            path.display()
        ))
    })?;
    // busy_timeout first, so the others wait for a lock instead of failing;
    // one statement each (see ENGINEERING-NOTES).
    let deadline = std::time::Instant::now() + lock_timeout();
    for pragma in [
        format!("PRAGMA busy_timeout = {}", lock_timeout().as_millis()),
        "PRAGMA journal_mode = WAL".to_string(),
        "PRAGMA synchronous = FULL".to_string(),
        "PRAGMA foreign_keys = ON".to_string(),
        // Bytes freed inside a page (an edited name, a redacted audit row) are
        // zeroed at no extra I/O, so no earlier version of personal data lingers
        // in the file after a purge (which turns secure_delete fully on).
        "PRAGMA secure_delete = FAST".to_string(),
    ] {
        // `journal_mode = WAL` on a file not yet in WAL mode (a new, empty
        // file) reads page 1, then upgrades to a write transaction; SQLite
        // never waits in the busy handler for such an upgrade (two upgraders
        // would deadlock), so while another process writes the file, as
        // concurrent `init`s do, it fails at once with "database is locked".
        // Waited for here instead, up to the same lock_timeout.
        loop {
            match conn.batch_execute(&pragma) {
                Ok(()) => break,
                Err(e) if is_lock_timeout(&e) && std::time::Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(e) => {
                    return Err(Error::Setup(format!(
                        "cannot configure SQLite database {} ({pragma}): {}",
                        path.display(),
                        Error::from(e)
                    )))
                }
            }
        }
    }
    register_sqlite_functions(&mut conn)?;
    Ok(DbConn::Sqlite(conn))
}

/// The SQL functions custadm's own queries use on SQLite (never the schema:
/// other programs write without them, contract "Performance"). Lossy: a
/// name another program wrote in Latin-1 must not fail a search.
fn register_sqlite_functions(conn: &mut SqliteConnection) -> Result<()> {
    // SQLite's own lower() folds only ASCII; email lookups use this one.
    unicode_lower_utils::register_impl(conn, |text: lenient::LossyText| {
        crate::text::fold_case(&text.0)
    })
    .map_err(|e| Error::Internal(format!("cannot register unicode_lower on SQLite: {e}")))?;
    // A short search's scan of non-ASCII rows (db::search): the index's
    // fold, then case, in one call instead of SQL rebuilding the text one
    // character at a time.
    search_fold_utils::register_impl(conn, |text: lenient::LossyText| {
        crate::text::fold_case(&search::fold(&text.0))
    })
    .map_err(|e| Error::Internal(format!("cannot register search_fold on SQLite: {e}")))?;
    Ok(())
}

/// The exit-6 refusal of a command that writes (`view` and `export` write
/// their audit rows) on a database opened read-only (contract "Databases").
pub(crate) fn read_only_refusal(path: &Path, command: &str) -> Error {
    Error::Setup(format!(
        "the database {} is opened read-only (?mode=ro, or a file this user cannot write): `{command}` writes to it (changes and views are audited), so it needs the database opened for writing; nothing was changed",
        crate::text::sanitize(&path.display().to_string())
    ))
}

/// True when this process may write `path` and create files next to it
/// (SQLite's `-wal` and `-shm`): `access(2)` with the real ids, which also
/// sees an immutable file (`chattr +i`) and a read-only mount.
fn writable(path: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let ok = |p: &Path| {
        std::ffi::CString::new(p.as_os_str().as_bytes())
            // SAFETY: access reads a NUL-terminated path we own.
            .is_ok_and(|c| unsafe { libc::access(c.as_ptr(), libc::W_OK) } == 0)
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    ok(path) && ok(dir)
}

/// Opens a SQLite file read-only: a `file:` URI with `mode=ro` (Diesel opens
/// with `SQLITE_OPEN_URI`), `query_only` on as a second guard, and none of
/// the pragmas that write (`journal_mode`, `synchronous`, `secure_delete`).
/// A WAL database needs its `-shm` file to be read; where it is missing and
/// cannot be made (a read-only directory), the file is opened `immutable=1`:
/// no other process can be writing it in WAL mode then, since a writer needs
/// that file too. SQLite's "URI filenames" page: `mode`, `immutable`.
fn open_sqlite_read_only(path: &Path) -> Result<DbConn> {
    let path_str = path.to_str().ok_or_else(|| {
        Error::Setup(format!(
            "the database path {} is not valid UTF-8",
            path.display()
        ))
    })?;
    // The path inside a URI: '%', '?' and '#' escaped (absolute or not).
    let escaped: String = path_str
        .chars()
        .map(|c| match c {
            '%' => "%25".to_string(),
            '?' => "%3f".to_string(),
            '#' => "%23".to_string(),
            c => c.to_string(),
        })
        .collect();
    let shm = PathBuf::from(format!("{path_str}-shm"));
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let immutable = !shm.exists() && !writable(&dir.join("."));
    let uri = format!(
        "file:{escaped}?mode=ro{}",
        if immutable { "&immutable=1" } else { "" }
    );
    let mut conn = SqliteConnection::establish(&uri).map_err(|e| {
        Error::Setup(format!(
            "cannot open SQLite database {} read-only: {e}",
            path.display()
        ))
    })?;
    for pragma in [
        format!("PRAGMA busy_timeout = {}", lock_timeout().as_millis()),
        "PRAGMA foreign_keys = ON".to_string(),
        "PRAGMA query_only = ON".to_string(),
    ] {
        conn.batch_execute(&pragma).map_err(|e| {
            Error::Setup(format!(
                "cannot configure SQLite database {} ({pragma}): {}",
                path.display(),
                Error::from(e)
            ))
        })?;
    }
    register_sqlite_functions(&mut conn)?;
    Ok(DbConn::Sqlite(conn))
}

diesel::define_sql_function! {
    /// Unicode case folding for case-insensitive search and email lookups:
    /// registered on every SQLite connection (`validate::fold_case`, the fold
    /// emails are stored in); PostgreSQL uses `lower()`.
    fn unicode_lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

diesel::define_sql_function! {
    /// A short `--search`'s fold of a non-ASCII name or email on SQLite:
    /// [`search::fold`] then [`crate::text::fold_case`], registered on every
    /// SQLite connection, used by custadm's own scan only.
    fn search_fold(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

diesel::define_sql_function! {
    /// SQL `lower()`: PostgreSQL's case folding (its unique email index uses it).
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// Where Debian's PostgreSQL server listens and where its `psql` looks
/// when a URL names no host (ENGINEERING-NOTES "Connections": the libpq
/// custadm links may default to `/tmp` instead).
pub const DEBIAN_SOCKET_DIR: &str = "/var/run/postgresql";

/// True when a PostgreSQL URL names no host: `postgres:///db`,
/// `postgres://user@/db`, `postgres://:5433/db`, and no `host=` parameter.
fn url_has_no_host(url: &str) -> bool {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority
        .rsplit_once('@')
        .map(|(_, h)| h)
        .unwrap_or(authority);
    let host_param = url.split_once('?').is_some_and(|(_, q)| {
        q.split('&')
            .any(|kv| kv.starts_with("host=") || kv.starts_with("hostaddr="))
    });
    (host.is_empty() || host.starts_with(':')) && !host_param
}

/// The URL handed to libpq: `connect_timeout` added unless given, and for a
/// URL without a host (and no `PGHOST`) `host=/var/run/postgresql`, where
/// Debian's server and `psql` are ([`DEBIAN_SOCKET_DIR`]).
fn with_connect_timeout(url: &str) -> String {
    fn add(url: &mut String, param: &str) {
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(param);
    }
    let mut out = url.to_string();
    if !out.contains("connect_timeout=") {
        add(&mut out, &format!("connect_timeout={CONNECT_TIMEOUT_SECS}"));
    }
    if url_has_no_host(url) && std::env::var_os("PGHOST").is_none_or(|h| h.is_empty()) {
        add(&mut out, &format!("host={DEBIAN_SOCKET_DIR}"));
    }
    out
}

/// libpq's objection to a PostgreSQL URL as a URL, found without asking
/// any server: its URI syntax as `PQconninfoParse` (libpq's own parser)
/// reads it — a `[` never closed, a `%` not followed by two hex digits, an
/// unknown parameter, a `?` in an unencoded password — with libpq's
/// message. `None` when libpq parses it.
fn postgres_url_syntax_error(url: &str) -> Option<String> {
    let text = std::ffi::CString::new(url).ok()?;
    let mut message: *mut std::os::raw::c_char = std::ptr::null_mut();
    // SAFETY: `text` is a NUL-terminated string that outlives the call;
    // libpq returns options (freed with PQconninfoFree) or NULL and, unless
    // out of memory, a message it allocated (freed with PQfreemem).
    let options = unsafe { pq_sys::PQconninfoParse(text.as_ptr(), &mut message) };
    let said = (!message.is_null()).then(|| {
        // SAFETY: a NUL-terminated string libpq allocated, read before it is freed.
        let said = unsafe { std::ffi::CStr::from_ptr(message) }
            .to_string_lossy()
            .into_owned();
        unsafe { pq_sys::PQfreemem(message.cast()) };
        said
    });
    if !options.is_null() {
        // SAFETY: the options PQconninfoParse returned, freed once.
        unsafe { pq_sys::PQconninfoFree(options) };
        return None;
    }
    Some(said.map_or_else(
        || "libpq could not parse it".to_string(),
        |s| join_libpq_lines(&s),
    ))
}

/// True for libpq's own objections to a connection parameter's value,
/// made before any server is contacted (libpq's `pqConnectOptions2` and
/// its port check: "invalid port number", "invalid integer value … for
/// connection option", "invalid sslmode value", "could not match 2 port
/// numbers to 3 hosts"). The libpq custadm links is built without
/// translations (pq-sys `bundled`), so these texts are always English;
/// anything a server said, or a failed connection, starts otherwise
/// ("connection to server at …").
fn is_libpq_parameter_error(cause: &str) -> bool {
    cause.starts_with("invalid ") || cause.starts_with("could not match ")
}

/// What to fix in a PostgreSQL URL libpq rejected as a URL.
const URL_FORM_HINT: &str = "fix the URL: postgres://USER@HOST:PORT/DB?PARAM=VALUE (a port from 1 to 65535, an IPv6 address in [ ], libpq's parameter names and values, and special characters in the user, password and database name percent-encoded, e.g. %40 for @)";

/// A PostgreSQL URL libpq cannot parse as a URL is exit 6 (contract "Exit
/// codes": misconfigured, as every other database URL custadm cannot use,
/// e.g. an unsupported scheme) with a hint about the URL only: no server
/// was asked, so "check that the server is running" would mislead.
/// libpq's message is scrubbed of every secret the URL carries.
fn check_postgres_url(url: &str) -> Result<()> {
    match postgres_url_syntax_error(url) {
        None => Ok(()),
        Some(cause) => Err(url_rejected(url, &cause)),
    }
}

fn url_rejected(url: &str, cause: &str) -> Error {
    let cause = crate::secrets::scrub(
        &crate::secrets::scrub(cause, &with_connect_timeout(url)),
        url,
    );
    Error::Setup(format!(
        "the database URL {} is not valid: {}; {URL_FORM_HINT}",
        redact_url_password(url),
        cause.trim_end_matches('.')
    ))
}

fn open_postgres(url: &str) -> Result<DbConn> {
    check_postgres_url(url)?;
    let mut conn = watchdog::establish(&with_connect_timeout(url)).map_err(|e| {
        let cause = join_libpq_lines(&e.to_string());
        if is_libpq_parameter_error(&cause) {
            return url_rejected(url, &cause);
        }
        // libpq quotes what it could not parse, sometimes the whole URL
        // (with the connect_timeout custadm added).
        let cause = crate::secrets::scrub(
            &crate::secrets::scrub(&cause, &with_connect_timeout(url)),
            url,
        );
        let hint = error::connection_refusal_hint(&cause);
        // After libpq's own question ("…connections?") the hint is a new
        // sentence, not "?; check".
        let hint = if cause.ends_with(['?', '.', '!']) {
            let mut chars = hint.chars();
            chars.next().map_or(String::new(), |c| {
                format!(" {}{}.", c.to_uppercase(), chars.as_str())
            })
        } else {
            format!("; {hint}")
        };
        Error::Setup(format!(
            "cannot connect to PostgreSQL at {}: {cause}{hint}",
            redact_url_password(url),
        ))
    })?;
    // No named prepared statements: a pooler in transaction mode (PgBouncer
    // before 1.21) hands each transaction whichever server connection is free,
    // so a cached `__diesel_stmt_N` is either missing there or already taken.
    // Uncached, Diesel sends each statement with PQsendQueryParams: parse,
    // bind and execute in one message sequence that the pooler keeps on one
    // server connection (diesel PR #4539). Contract: "Databases".
    conn.set_prepared_statement_cache_size(diesel::connection::CacheSize::Disabled);
    // A `SQL_ASCII` database stores whatever bytes another program gave it,
    // and refuses to hand bytes that are not UTF-8 to a UTF8 client (Diesel
    // sets UTF8): there custadm takes the bytes as they are and reads them
    // lossily (db::lenient). Any other database converts to UTF8 itself.
    // A plain query, not a `DO` block: a block loads and compiles PL/pgSQL
    // in every new server process, 1-2 ms of each command (server log,
    // bench/RESULTS.md, fourth session).
    let configure = |conn: &mut PgConnection| -> QueryResult<()> {
        let ascii = diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(
            "current_setting('server_encoding') = 'SQL_ASCII'",
        ))
        .get_result::<bool>(conn)?;
        if ascii {
            conn.batch_execute("SET client_encoding = 'SQL_ASCII'")?;
        }
        Ok(())
    };
    configure(&mut conn)
        .map_err(|e| Error::Setup(format!("cannot configure the PostgreSQL session: {e}")))?;
    Ok(DbConn::Pg(conn))
}

/// libpq's message of several lines as one error line. A line libpq
/// indents continues the one before it as a sentence of its own
/// (`Connection refused` + `\tIs the server running …?` → `Connection
/// refused. Is the server running …?`); lines of their own (one per host
/// tried) are joined with `; ` (finding of the issue-26 review: joined
/// with `; ` alone it read "refused; Is the server…").
fn join_libpq_lines(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let continues = line.starts_with([' ', '\t']);
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push_str(match (continues, out.ends_with(['.', '?', '!', ':'])) {
                (true, true) => " ",
                (true, false) => ". ",
                (false, _) => "; ",
            });
        }
        out.push_str(line);
    }
    out
}

/// `postgres://u@h:5432/db?x=y` → (`postgres://u@h:5432`, `db`, `?x=y`).
fn split_postgres_url(url: &str) -> Option<(&str, &str, String)> {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let (server, name) = base.rsplit_once('/')?;
    Some((server, name, query))
}

/// A database name custadm creates (and looks up) itself: letters, digits,
/// `_` and `-`, so it needs no quoting or URL decoding.
fn is_plain_database_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Opens the server's `postgres` database, to create or look up another.
fn open_maintenance_database(server: &str, query: &str) -> diesel::ConnectionResult<PgConnection> {
    watchdog::establish(&with_connect_timeout(&format!("{server}/postgres{query}")))
}

/// Whether the database named in `url` exists, by its name in
/// `pg_database` (asked in the server's `postgres` database, so the answer
/// does not depend on the server's language). `None` when that cannot be
/// asked: the server is unreachable, or the name is not plain.
fn postgres_database_exists(url: &str) -> Option<bool> {
    #[derive(diesel::QueryableByName)]
    struct Found {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        found: bool,
    }
    let (server, name, query) = split_postgres_url(url)?;
    // Looked up as libpq reads it (percent-decoded), bound as a value: any
    // name may be asked about; only creating one is limited to plain names.
    let name = percent_encoding::percent_decode_str(name)
        .decode_utf8()
        .ok()?
        .into_owned();
    let mut admin = open_maintenance_database(server, &query).ok()?;
    diesel::sql_query("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS found")
        .bind::<diesel::sql_types::Text, _>(&name)
        .get_result::<Found>(&mut admin)
        .ok()
        .map(|f| f.found)
}

/// Creates the database named in `url` through the server's `postgres` database.
fn create_postgres_database(url: &str) -> Result<()> {
    let (server, name, query) = split_postgres_url(url)
        .ok_or_else(|| Error::Setup(format!("no database name in {}", redact_url_password(url))))?;
    if !is_plain_database_name(name) {
        return Err(Error::Setup(format!(
            "database '{name}' does not exist and custadm creates only plainly named ones (letters, digits, _ and -): create it with createdb"
        )));
    }
    let mut admin = open_maintenance_database(server, &query).map_err(|e| {
        Error::Setup(format!(
            "database '{name}' does not exist and cannot be created: {}",
            crate::secrets::scrub(&e.to_string(), url)
        ))
    })?;
    match admin.batch_execute(&format!("CREATE DATABASE \"{name}\"")) {
        Ok(()) => Ok(()),
        // Another `init` created it a moment ago: use it. 42P04, or, when
        // both reached the catalog at once, a unique violation of its index.
        Err(e)
            if match error::DbError::kind_of(&e) {
                error::DbErrorKind::DuplicateDatabase => true,
                error::DbErrorKind::UniqueViolation { constraint } => {
                    constraint.as_deref() == Some("pg_database_datname_index")
                }
                _ => false,
            } =>
        {
            Ok(())
        }
        Err(e) => Err(Error::Setup(format!(
            "cannot create database '{name}': {}",
            crate::secrets::scrub(&e.to_string(), url)
        ))),
    }
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
/// writer waits for the lock up front (at most `busy_timeout`, which follows
/// `lock_timeout`) instead of failing half-way; on PostgreSQL a plain
/// transaction with `SET LOCAL lock_timeout`, so every row lock the caller
/// takes (the `lock_*` helpers next to the queries) waits at most
/// [`lock_timeout`]. `SET LOCAL` because a session `SET` does not survive a
/// pooler in transaction mode. Commits when `f` succeeds, rolls back
/// otherwise.
pub(crate) fn write_transaction<T>(
    conn: &mut DbConn,
    f: impl FnOnce(&mut DbConn) -> Result<T>,
) -> Result<T> {
    match conn {
        // A write lock still taken after busy_timeout: sqlite_busy_message
        // (db::error's table).
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?,
        DbConn::Pg(c) => {
            // One round trip for both. No statement_timeout: a legitimate
            // statement (a 1,000-row batch, a purge of a long history) may
            // take longer than a lock wait, and every wait for another
            // writer is a lock wait.
            let begin = format!(
                "BEGIN; SET LOCAL lock_timeout = '{}ms'",
                lock_timeout().as_millis()
            );
            AnsiTransactionManager::begin_transaction_sql(c, &begin)?
        }
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

/// What a SQLite writer is told when the write lock stayed taken past
/// `busy_timeout` (= `lock_timeout`).
pub(crate) fn sqlite_busy_message() -> String {
    format!(
        "database is busy: another process held its write lock for longer than the {} lock timeout (lock_timeout, CUSTADM_LOCK_TIMEOUT); this transaction was rolled back, try again when it has finished",
        lock_timeout_text()
    )
}

/// True when `conn` is inside a transaction (a caller's write transaction,
/// read snapshot or [`bounded`] block).
/// Runs `f` inside a savepoint of the open write transaction: when `f`
/// fails, what it did is rolled back and the transaction goes on (on
/// PostgreSQL a failed statement would otherwise abort the whole
/// transaction). `edit --from` writes a row's new email this way, so that
/// an address another program took a moment ago refuses that row only.
///
/// # Errors
/// `f`'s error (after the rollback to the savepoint), or the savepoint's.
pub(crate) fn savepoint<T, E: From<diesel::result::Error>>(
    conn: &mut DbConn,
    f: impl FnOnce(&mut DbConn) -> std::result::Result<T, E>,
) -> std::result::Result<T, E> {
    with_backend!(&mut *conn, c => AnsiTransactionManager::begin_transaction(c))?;
    match f(conn) {
        Ok(value) => {
            with_backend!(conn, c => AnsiTransactionManager::commit_transaction(c))?;
            Ok(value)
        }
        Err(e) => {
            with_backend!(conn, c => AnsiTransactionManager::rollback_transaction(c))?;
            Err(e)
        }
    }
}

pub(crate) fn in_transaction(conn: &mut DbConn) -> Result<bool> {
    Ok(with_backend!(conn, c => {
        <AnsiTransactionManager as TransactionManager<_>>::transaction_manager_status_mut(c)
            .transaction_depth()
            .map(|d| d.is_some())
    })?)
}

/// Starts the transaction of a [`bounded`] block on PostgreSQL (`BEGIN; SET
/// LOCAL lock_timeout`), unless one is open already (its `SET LOCAL`
/// applies); on SQLite nothing (`busy_timeout` bounds every wait). Returns
/// whether it began one, for [`end_bounded`].
pub(crate) fn begin_bounded(conn: &mut DbConn) -> Result<bool> {
    if conn.backend() == Backend::Sqlite || in_transaction(conn)? {
        return Ok(false);
    }
    match conn {
        DbConn::Sqlite(_) => Ok(false),
        DbConn::Pg(c) => {
            let begin = format!(
                "BEGIN; SET LOCAL lock_timeout = '{}ms'",
                lock_timeout().as_millis()
            );
            AnsiTransactionManager::begin_transaction_sql(c, &begin)?;
            Ok(true)
        }
    }
}

/// Ends what [`begin_bounded`] began: commit when `ok`, else roll back.
pub(crate) fn end_bounded(conn: &mut DbConn, began: bool, ok: bool) -> Result<()> {
    if !began {
        return Ok(());
    }
    if ok {
        with_backend!(conn, c => AnsiTransactionManager::commit_transaction(c))?;
    } else {
        let _ = with_backend!(conn, c => AnsiTransactionManager::rollback_transaction(c));
    }
    Ok(())
}

/// Runs `f` with every lock wait bounded by [`lock_timeout`] (contract:
/// "Databases"), also for statements outside a write transaction: reads
/// and the `view` audit row wait at most that long behind another
/// transaction's table lock (a migration, `VACUUM FULL`) instead of hanging a
/// cron job. PostgreSQL: in a transaction that starts with `SET LOCAL
/// lock_timeout` (a session `SET` would leak to other clients through a
/// pooler), or the caller's open one; SQLite: as is (`busy_timeout`).
pub(crate) fn bounded<T>(conn: &mut DbConn, f: impl FnOnce(&mut DbConn) -> Result<T>) -> Result<T> {
    let began = begin_bounded(conn)?;
    let result = f(conn);
    end_bounded(conn, began, result.is_ok())?;
    result
}

/// Runs `f` in a read-only transaction that sees one consistent snapshot for
/// all its statements: a deferred transaction on SQLite (its snapshot starts
/// at the first read and blocks no writer in WAL mode), `REPEATABLE READ READ
/// ONLY` on PostgreSQL (no session state: fine through PgBouncer). Used by
/// readers that page through large tables (`audit verify`, `export`).
pub(crate) fn read_snapshot<T>(
    conn: &mut DbConn,
    f: impl FnOnce(&mut DbConn) -> Result<T>,
) -> Result<T> {
    match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN DEFERRED")?,
        DbConn::Pg(c) => AnsiTransactionManager::begin_transaction_sql(
            c,
            &format!(
                "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL lock_timeout = '{}ms'",
                lock_timeout().as_millis()
            ),
        )?,
    }
    match f(conn) {
        Ok(value) => {
            with_backend!(conn, c => AnsiTransactionManager::commit_transaction(c))?;
            Ok(value)
        }
        Err(e) => {
            let _ = with_backend!(conn, c => AnsiTransactionManager::rollback_transaction(c));
            Err(e)
        }
    }
}

/// The current time in UTC, whole seconds: what every timestamp column gets,
/// stored on SQLite as `YYYY-MM-DD HH:MM:SS`.
pub(crate) fn now() -> chrono::NaiveDateTime {
    use chrono::Timelike;
    let now = chrono::Utc::now().naive_utc();
    now.with_nanosecond(0).unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libpq_lines_join_as_sentences() {
        assert_eq!(
            join_libpq_lines(
                "connection to server at \"127.0.0.1\", port 1 failed: Connection refused\n\tIs the server running on that host and accepting TCP/IP connections?\n"
            ),
            "connection to server at \"127.0.0.1\", port 1 failed: Connection refused. Is the server running on that host and accepting TCP/IP connections?"
        );
        // One line per host tried; a continuation after a full stop.
        assert_eq!(
            join_libpq_lines("a failed: refused\n\tIs it up?\nb failed: timeout.\n  Retry later\n"),
            "a failed: refused. Is it up?; b failed: timeout. Retry later"
        );
        assert_eq!(
            join_libpq_lines("FATAL:  role \"x\" does not exist\n"),
            "FATAL:  role \"x\" does not exist"
        );
    }

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
