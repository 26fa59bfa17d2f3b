//! The one door through which a database failure enters custadm: a Diesel
//! error becomes a [`DbError`] whose [`DbErrorKind`] is decided by codes, never
//! by the server's (translatable) message text, and the one table
//! ([`DbError`]'s `Display`) that gives each kind the line custadm prints.
//!
//! Sources of the codes:
//! - PostgreSQL: the SQLSTATE of the error (Diesel 2.4
//!   `DatabaseErrorInformation::sqlstate`), as listed in PostgreSQL's
//!   "PostgreSQL Error Codes" appendix (errcodes), and Diesel's
//!   `DatabaseErrorKind` where Diesel decides it itself (a connection that
//!   went bad).
//! - SQLite: Diesel's `DatabaseErrorKind` from the extended result code for
//!   constraint violations; for the other result codes Diesel 2.4 reports no
//!   code, only `sqlite3_errmsg`, which for them is `sqlite3_errstr(code)`: a
//!   fixed table compiled into SQLite (which has no translations; SQLite's
//!   "Result and Error Codes" page). Those exact strings are matched here and
//!   nowhere else: see [`sqlite_result_code`] (and its limit: a trigger
//!   another program wrote can `RAISE` the same text).
//!
//! Every kind is exit 6 ([`crate::error::Error::exit_code`]) unless a command
//! gives it a meaning of its own: `edit` and `operator add` turn
//! [`DbErrorKind::UniqueViolation`] into a refusal (exit 5), the `lock_*`
//! helpers turn [`DbErrorKind::LockTimeout`] into an error naming what was
//! locked ([`super::locking`]).

use std::fmt;

use diesel::result::{DatabaseErrorKind, Error as DieselError, SqlState};

/// What went wrong, as far as custadm acts on it. The PostgreSQL SQLSTATE or
/// SQLite result code each kind stands for is on the variant.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DbErrorKind {
    /// A unique constraint or index refused a row: PostgreSQL 23505
    /// `unique_violation`, SQLite `SQLITE_CONSTRAINT_UNIQUE` /
    /// `_PRIMARYKEY`. `constraint` is the constraint or index name where the
    /// backend reports it (PostgreSQL only).
    UniqueViolation { constraint: Option<String> },
    /// Another integrity constraint refused a row (foreign key, NOT NULL,
    /// CHECK, exclusion, restrict: PostgreSQL class 23).
    ConstraintViolation,
    /// A lock wait ran out: PostgreSQL 55P03 `lock_not_available` (our
    /// `SET LOCAL lock_timeout`), SQLite `SQLITE_BUSY` ("database is locked",
    /// after `busy_timeout`).
    LockTimeout,
    /// PostgreSQL 40P01 `deadlock_detected`: this transaction was chosen to
    /// be rolled back.
    Deadlock,
    /// PostgreSQL 40001 `serialization_failure` (also a query cancelled by a
    /// conflict with recovery on a standby).
    SerializationFailure,
    /// PostgreSQL 57014 `query_canceled`: the server cancelled the statement,
    /// because it ran past a `statement_timeout` a database administrator set
    /// for the role or database (custadm sets none), or on a cancel request.
    StatementCancelled,
    /// PostgreSQL 25006 `read_only_sql_transaction`: a hot standby, or
    /// `default_transaction_read_only` on.
    ReadOnly,
    /// SQLite `SQLITE_READONLY`: the file or its directory cannot be written.
    ReadOnlyFile,
    /// SQLite `SQLITE_CANTOPEN`: the file cannot be opened.
    CannotOpen,
    /// The connection died under the statement: Diesel's `ClosedConnection`
    /// (libpq found the connection bad) or `UnableToSendCommand` (libpq
    /// could not send the statement), PostgreSQL class 08
    /// `connection_exception`, 57P01 `admin_shutdown`, 57P02
    /// `crash_shutdown`, 57P03 `cannot_connect_now`, 57P05
    /// `idle_session_timeout`, 25P03 `idle_in_transaction_session_timeout`.
    ConnectionLost,
    /// Diesel's transaction manager is broken (the connection went away in
    /// the middle of a transaction); nothing of it was kept.
    TransactionLost,
    /// The PostgreSQL server sent nothing for `io_timeout` while custadm
    /// waited for its answer, and custadm shut the connection down
    /// ([`super::watchdog`]; contract "Databases"). Any lost connection
    /// (no SQLSTATE) after that cut is this kind.
    IoTimeout,
    /// No space left: PostgreSQL 53100 `disk_full`, SQLite `SQLITE_FULL`.
    DiskFull,
    /// The table does not exist: PostgreSQL 42P01 `undefined_table`, SQLite
    /// "no such table" (SQLite's own fixed text for `SQLITE_ERROR` there).
    UndefinedTable,
    /// PostgreSQL 42P04 `duplicate_database` (`CREATE DATABASE` of a name
    /// that exists).
    DuplicateDatabase,
    /// A value another program stored in a form custadm cannot read (Diesel's
    /// `DeserializationError`; `db::lenient` reads every form the contract
    /// lists): a data problem to fix in the database, not a bug.
    Unreadable,
    /// Anything else the database reported.
    Other,
}

/// A failure the database reported, classified once ([`DbError::from_diesel`]).
///
/// `Display` is the table of what custadm prints for each kind; the
/// database's own first line ([`DbError::server_message`], in the server's
/// language) is kept for the messages that quote it.
#[derive(Debug, Clone)]
pub struct DbError {
    kind: DbErrorKind,
    sqlstate: Option<SqlState>,
    message: String,
}

/// A SQLSTATE as a `match` pattern.
const fn code(text: &[u8; 5]) -> SqlState {
    match SqlState::new(*text) {
        Some(state) => state,
        None => panic!("invalid SQLSTATE"),
    }
}

// PostgreSQL SQLSTATEs (appendix "PostgreSQL Error Codes").
const UNIQUE_VIOLATION: SqlState = code(b"23505");
const LOCK_NOT_AVAILABLE: SqlState = code(b"55P03");
const DEADLOCK_DETECTED: SqlState = code(b"40P01");
const SERIALIZATION_FAILURE: SqlState = code(b"40001");
const READ_ONLY_SQL_TRANSACTION: SqlState = code(b"25006");
const IDLE_IN_TRANSACTION_TIMEOUT: SqlState = code(b"25P03");
const ADMIN_SHUTDOWN: SqlState = code(b"57P01");
const CRASH_SHUTDOWN: SqlState = code(b"57P02");
const CANNOT_CONNECT_NOW: SqlState = code(b"57P03");
const IDLE_SESSION_TIMEOUT: SqlState = code(b"57P05");
const DISK_FULL: SqlState = code(b"53100");
const QUERY_CANCELED: SqlState = code(b"57014");
const UNDEFINED_TABLE: SqlState = code(b"42P01");
const DUPLICATE_DATABASE: SqlState = code(b"42P04");

/// SQLite result codes custadm tells apart, by the message SQLite gives them.
///
/// Diesel 2.4 hands over a SQLite error as `sqlite3_errmsg` and no code. For
/// the result codes below that message is `sqlite3_errstr(code)`, a fixed,
/// untranslated table inside SQLite (sqlite3.c `sqlite3ErrStr`; "Result and
/// Error Codes" on sqlite.org), and "no such table: X" is SQLite's own fixed
/// text for that `SQLITE_ERROR`. So these exact strings stand for the code,
/// with one limit: a trigger another program put on a table can
/// `RAISE(ABORT, 'database is locked')` and be read as that code (its
/// message is its own; the exit code stays 6). This is the only place
/// custadm looks at a database's message text. PostgreSQL messages are never
/// matched: they follow the server's `lc_messages`.
fn sqlite_result_code(message: &str) -> Option<DbErrorKind> {
    Some(match message {
        "database is locked" => DbErrorKind::LockTimeout, // SQLITE_BUSY
        "attempt to write a readonly database" => DbErrorKind::ReadOnlyFile, // SQLITE_READONLY
        "unable to open database file" => DbErrorKind::CannotOpen, // SQLITE_CANTOPEN
        "database or disk is full" => DbErrorKind::DiskFull, // SQLITE_FULL
        m if m.starts_with("no such table: ") => DbErrorKind::UndefinedTable,
        _ => return None,
    })
}

impl DbErrorKind {
    /// True for a unique violation (with any constraint).
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, DbErrorKind::UniqueViolation { .. })
    }

    /// A connection lost without a SQLSTATE after the `io_timeout`
    /// watchdog cut one is that cut ([`DbErrorKind::IoTimeout`]).
    fn after_watchdog(self, sqlstate: Option<SqlState>) -> DbErrorKind {
        match self {
            DbErrorKind::ConnectionLost | DbErrorKind::TransactionLost | DbErrorKind::Other
                if sqlstate.is_none() && super::watchdog::fired() =>
            {
                DbErrorKind::IoTimeout
            }
            kind => kind,
        }
    }

    /// The kind of a database-reported error: by SQLSTATE when the backend
    /// gives one (PostgreSQL), else by Diesel's kind, else by SQLite's fixed
    /// result-code text.
    fn decide(
        diesel_kind: &DatabaseErrorKind,
        sqlstate: Option<SqlState>,
        constraint: Option<&str>,
        message: &str,
    ) -> DbErrorKind {
        if matches!(diesel_kind, DatabaseErrorKind::ClosedConnection) {
            // Diesel saw libpq's connection go bad, whatever the code.
            return DbErrorKind::ConnectionLost;
        }
        if let Some(state) = sqlstate {
            return match state {
                UNIQUE_VIOLATION => DbErrorKind::UniqueViolation {
                    constraint: constraint.map(str::to_string),
                },
                LOCK_NOT_AVAILABLE => DbErrorKind::LockTimeout,
                DEADLOCK_DETECTED => DbErrorKind::Deadlock,
                SERIALIZATION_FAILURE => DbErrorKind::SerializationFailure,
                READ_ONLY_SQL_TRANSACTION => DbErrorKind::ReadOnly,
                DISK_FULL => DbErrorKind::DiskFull,
                QUERY_CANCELED => DbErrorKind::StatementCancelled,
                UNDEFINED_TABLE => DbErrorKind::UndefinedTable,
                DUPLICATE_DATABASE => DbErrorKind::DuplicateDatabase,
                ADMIN_SHUTDOWN
                | CRASH_SHUTDOWN
                | CANNOT_CONNECT_NOW
                | IDLE_SESSION_TIMEOUT
                | IDLE_IN_TRANSACTION_TIMEOUT => DbErrorKind::ConnectionLost,
                s if s.class().as_str() == "08" => DbErrorKind::ConnectionLost,
                s if s.class().as_str() == "23" => DbErrorKind::ConstraintViolation,
                _ => DbErrorKind::Other,
            };
        }
        match diesel_kind {
            DatabaseErrorKind::UniqueViolation => DbErrorKind::UniqueViolation {
                constraint: constraint.map(str::to_string),
            },
            DatabaseErrorKind::ForeignKeyViolation
            | DatabaseErrorKind::NotNullViolation
            | DatabaseErrorKind::CheckViolation
            | DatabaseErrorKind::RestrictViolation
            | DatabaseErrorKind::ExclusionViolation => DbErrorKind::ConstraintViolation,
            DatabaseErrorKind::SerializationFailure => DbErrorKind::SerializationFailure,
            DatabaseErrorKind::ReadOnlyTransaction => DbErrorKind::ReadOnly,
            // libpq could not send the statement: the connection is gone
            // (Diesel's other use, SQLite's function registration, happens
            // only while a connection is set up).
            DatabaseErrorKind::UnableToSendCommand => DbErrorKind::ConnectionLost,
            _ => sqlite_result_code(message).unwrap_or(DbErrorKind::Other),
        }
    }
}

impl DbError {
    /// Classifies a Diesel error. `Err` gives back the errors that are not
    /// the database's: `NotFound` (an expected row is missing) and Diesel's
    /// own failures to build or run a query, which are custadm's bugs.
    pub fn from_diesel(e: DieselError) -> Result<DbError, DieselError> {
        match e {
            DieselError::DatabaseError(kind, info) => {
                let message = info.message();
                let first = message.lines().next().unwrap_or(message).trim();
                let sqlstate = info.sqlstate();
                Ok(DbError {
                    kind: DbErrorKind::decide(&kind, sqlstate, info.constraint_name(), first)
                        .after_watchdog(sqlstate),
                    sqlstate,
                    message: first.to_string(),
                })
            }
            DieselError::BrokenTransactionManager => Ok(DbError {
                kind: DbErrorKind::TransactionLost.after_watchdog(None),
                sqlstate: None,
                message: String::new(),
            }),
            DieselError::DeserializationError(e) => Ok(DbError {
                kind: DbErrorKind::Unreadable,
                sqlstate: None,
                message: e.to_string(),
            }),
            other => Err(other),
        }
    }

    /// The kind of any Diesel error ([`DbErrorKind::Other`] for the ones
    /// that are not the database's), for callers that only ask.
    pub fn kind_of(e: &DieselError) -> DbErrorKind {
        match e {
            DieselError::DatabaseError(kind, info) => {
                let message = info.message();
                let first = message.lines().next().unwrap_or(message).trim();
                DbErrorKind::decide(kind, info.sqlstate(), info.constraint_name(), first)
                    .after_watchdog(info.sqlstate())
            }
            DieselError::BrokenTransactionManager => {
                DbErrorKind::TransactionLost.after_watchdog(None)
            }
            DieselError::DeserializationError(_) => DbErrorKind::Unreadable,
            _ => DbErrorKind::Other,
        }
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> &DbErrorKind {
        &self.kind
    }

    /// The SQLSTATE, when the backend reported one (PostgreSQL).
    pub fn sqlstate(&self) -> Option<SqlState> {
        self.sqlstate
    }

    /// The database's own first line, in the server's language
    /// (PostgreSQL's `lc_messages`); for diagnosis, never for deciding.
    pub fn server_message(&self) -> &str {
        &self.message
    }

    /// True for a unique violation (with any constraint).
    pub fn is_unique_violation(&self) -> bool {
        self.kind.is_unique_violation()
    }
}

/// The line custadm prints for each kind (exit 6; see the module doc for
/// the kinds commands turn into something else). The PostgreSQL read-only
/// text is [`read_only_server_message`], shared with the connection checks.
impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let first_line = &self.message;
        match &self.kind {
            DbErrorKind::LockTimeout if self.sqlstate.is_none() => {
                f.write_str(&super::sqlite_busy_message())
            }
            DbErrorKind::LockTimeout => write!(
                f,
                "another transaction held a lock custadm needed for longer than the {} lock timeout (lock_timeout, CUSTADM_LOCK_TIMEOUT); nothing of this transaction was kept, try again",
                super::lock_timeout_text()
            ),
            DbErrorKind::Deadlock => write!(
                f,
                "deadlock with another transaction ({first_line}): the server rolled this one back; nothing of this transaction was kept, run the command again"
            ),
            DbErrorKind::SerializationFailure => write!(
                f,
                "the transaction conflicted with a concurrent one ({first_line}); nothing of this transaction was kept, run the command again"
            ),
            DbErrorKind::StatementCancelled => write!(
                f,
                "the PostgreSQL server cancelled the statement ({first_line}): a statement_timeout set for this role or database (custadm sets none; see `SHOW statement_timeout`) or a cancel request; nothing of this transaction was kept; ask the database administrator, or run smaller batches (--batch-size)"
            ),
            DbErrorKind::ReadOnly => f.write_str(&read_only_server_message(first_line)),
            DbErrorKind::ReadOnlyFile => write!(
                f,
                "database is read-only ({first_line}): check the permissions of the database file and its directory"
            ),
            DbErrorKind::CannotOpen => write!(
                f,
                "cannot open the database ({first_line}): check the path and its permissions"
            ),
            DbErrorKind::ConnectionLost => write!(
                f,
                "database connection lost ({first_line}); what was committed before stays, run the command again to finish"
            ),
            DbErrorKind::IoTimeout => write!(
                f,
                "the PostgreSQL server sent nothing for {} while custadm waited for its answer, so custadm closed the connection (io_timeout, CUSTADM_IO_TIMEOUT); check the network path to the server (a proxy, pooler, firewall or VPN that stopped forwarding) and whether the server is overloaded, or raise io_timeout for statements that take longer; nothing of the open transaction was kept, what was committed before stays, run the command again to finish",
                super::watchdog::io_timeout_text()
            ),
            DbErrorKind::TransactionLost => f.write_str(
                "database connection lost in the middle of a transaction; nothing of that transaction was kept, run the command again",
            ),
            DbErrorKind::Unreadable => write!(
                f,
                "the database holds a value custadm cannot read: {first_line}; correct that row with SQL"
            ),
            DbErrorKind::UniqueViolation { .. }
            | DbErrorKind::ConstraintViolation
            | DbErrorKind::DiskFull
            | DbErrorKind::UndefinedTable
            | DbErrorKind::DuplicateDatabase
            | DbErrorKind::Other => write!(f, "database error: {first_line}"),
        }
    }
}

/// A Diesel error as custadm meets it: the database's failure, typed, or a
/// bug of custadm's (a row that vanished, a query Diesel could not build),
/// described. `crate::error::Error` converts every Diesel error through this
/// ([`classify`]), so the data layer needs nothing from the error module.
pub(crate) type DieselFailure = DieselError;

/// Classifies a Diesel error once: `Ok` the database's failure, `Err` the
/// description of a bug (exit 1).
pub(crate) fn classify(e: DieselError) -> Result<DbError, String> {
    match DbError::from_diesel(e) {
        Ok(db) => Ok(db),
        Err(DieselError::NotFound) => Err("a row the command relied on disappeared".into()),
        Err(other) => Err(other.to_string()),
    }
}

impl std::error::Error for DbError {}

/// The hint for a PostgreSQL connection the server refused at startup: a
/// refusal for the connection limit (53300 `too_many_connections`: the
/// server's `max_connections`, or a role's or database's `CONNECTION LIMIT`)
/// says so instead of "check that the server is running".
///
/// A refusal during the startup handshake reaches the client as libpq's
/// text only (`PQconnectdb` keeps no SQLSTATE for it, and Diesel's
/// `ConnectionError::BadConnection` is a string), so this is the one place
/// that reads a PostgreSQL message: the server's English texts for 53300
/// (errcodes `too_many_connections`: "sorry, too many clients already",
/// "remaining connection slots are reserved …", "too many connections for
/// role/database …"). A server speaking another language gets the general
/// hint, as before.
pub fn connection_refusal_hint(libpq_text: &str) -> &'static str {
    const TOO_MANY: [&str; 3] = [
        "too many clients already",
        "remaining connection slots are reserved",
        "too many connections for",
    ];
    if TOO_MANY.iter().any(|t| libpq_text.contains(t)) {
        "the server refused the connection because it has reached its connection limit (53300 too_many_connections: max_connections, or the role's or database's CONNECTION LIMIT); try again when other sessions end, or connect through the pooler"
    } else {
        "check that the server is running and the URL is right"
    }
}

/// What a command that writes is told by a PostgreSQL server that accepts
/// only reads (a hot standby, `default_transaction_read_only`; contract:
/// "Databases": "the others say that they need the primary (exit 6)").
pub(crate) fn read_only_server_message(server_line: &str) -> String {
    format!("the PostgreSQL server accepts only reads ({server_line}): it is a standby or has default_transaction_read_only on; point custadm at the primary; nothing was changed")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pg(code: &[u8; 5]) -> DbErrorKind {
        DbErrorKind::decide(
            &DatabaseErrorKind::Unknown,
            Some(super::code(code)),
            Some("c"),
            "Meldung",
        )
    }

    #[test]
    fn postgres_codes_decide_whatever_the_text() {
        assert_eq!(pg(b"55P03"), DbErrorKind::LockTimeout);
        assert_eq!(pg(b"40P01"), DbErrorKind::Deadlock);
        assert_eq!(pg(b"40001"), DbErrorKind::SerializationFailure);
        assert_eq!(pg(b"25006"), DbErrorKind::ReadOnly);
        assert_eq!(pg(b"53100"), DbErrorKind::DiskFull);
        assert_eq!(pg(b"08006"), DbErrorKind::ConnectionLost);
        assert_eq!(pg(b"57P01"), DbErrorKind::ConnectionLost);
        assert_eq!(pg(b"42P04"), DbErrorKind::DuplicateDatabase);
        assert_eq!(pg(b"23503"), DbErrorKind::ConstraintViolation);
        assert_eq!(
            pg(b"23505"),
            DbErrorKind::UniqueViolation {
                constraint: Some("c".into())
            }
        );
        assert_eq!(pg(b"22012"), DbErrorKind::Other);
    }

    #[test]
    fn sqlite_result_code_texts() {
        let sqlite = |kind: DatabaseErrorKind, m: &str| DbErrorKind::decide(&kind, None, None, m);
        assert_eq!(
            sqlite(DatabaseErrorKind::Unknown, "database is locked"),
            DbErrorKind::LockTimeout
        );
        assert_eq!(
            sqlite(
                DatabaseErrorKind::Unknown,
                "attempt to write a readonly database"
            ),
            DbErrorKind::ReadOnlyFile
        );
        assert_eq!(
            sqlite(DatabaseErrorKind::Unknown, "database or disk is full"),
            DbErrorKind::DiskFull
        );
        assert_eq!(
            sqlite(DatabaseErrorKind::Unknown, "no such table: x"),
            DbErrorKind::UndefinedTable
        );
        assert_eq!(
            sqlite(
                DatabaseErrorKind::UniqueViolation,
                "UNIQUE constraint failed: customers.email"
            ),
            DbErrorKind::UniqueViolation { constraint: None }
        );
        assert_eq!(
            sqlite(DatabaseErrorKind::Unknown, "a lock timeout, in words"),
            DbErrorKind::Other
        );
    }
}
