//! The one error type of custadm. Every failure becomes one of these variants,
//! and each variant knows the exit code the contract gives it, so `main` maps
//! errors to exit codes in exactly one place.

use std::fmt;

/// A failure, classified by the contract's exit codes.
#[derive(Debug)]
pub enum Error {
    /// Exit 1: a bug in custadm (something that should not happen).
    Internal(String),
    /// Exit 2: usage or invalid input; nothing was written.
    Usage(String),
    /// Exit 3: the customer or operator does not exist.
    NotFound(String),
    /// Exit 4: permission denied, unknown operator, wrong password, locked.
    Denied(String),
    /// Exit 5: refused by a business rule (unpaid invoices, email taken, state).
    Refused(String),
    /// Exit 6: database unreachable, misconfigured, busy, or schema mismatch.
    Database(String),
    /// Exit 7: a run over several customers where some did not succeed.
    Partial(String),
    /// Exit 8: integrity check failed: the audit trail was altered
    /// (contract: "Exit codes", `audit verify`).
    Integrity(String),
    /// Writing to stdout/stderr failed (a closed pipe is not an error).
    Io(std::io::Error),
}

/// custadm's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The process exit code the contract assigns to this failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Internal(_) | Error::Io(_) => 1,
            Error::Usage(_) => 2,
            Error::NotFound(_) => 3,
            Error::Denied(_) => 4,
            Error::Refused(_) => 5,
            Error::Database(_) => 6,
            Error::Partial(_) => 7,
            Error::Integrity(_) => 8,
        }
    }

    /// True when the error is only a reader that went away (`custadm list | head`).
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Io(e) if e.kind() == std::io::ErrorKind::BrokenPipe)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Internal(m) => write!(
                f,
                "internal error (a bug in custadm, please report it): {m}"
            ),
            Error::Usage(m)
            | Error::NotFound(m)
            | Error::Denied(m)
            | Error::Refused(m)
            | Error::Database(m)
            | Error::Partial(m)
            | Error::Integrity(m) => f.write_str(m),
            Error::Io(e) => write!(f, "cannot write output: {e}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(e)
    }
}

impl From<diesel::result::Error> for Error {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::Error as D;
        match e {
            D::DatabaseError(diesel::result::DatabaseErrorKind::ReadOnlyTransaction, info) => {
                Error::Database(format!(
                    "the PostgreSQL server accepts only reads ({}): it is a standby or has default_transaction_read_only on; point custadm at the primary; nothing was changed",
                    info.message().lines().next().unwrap_or("").trim()
                ))
            }
            D::DatabaseError(_, info) => Error::Database(describe_database_error(info.message())),
            D::NotFound => Error::Internal("a row the command relied on disappeared".into()),
            D::BrokenTransactionManager => {
                Error::Database("database connection lost in the middle of a transaction; nothing of that transaction was kept, run the command again".into())
            }
            // A value another program stored in a form custadm cannot read
            // (src/db/foreign.rs reads every form the contract lists): a data
            // problem to fix in the database, not a bug.
            D::DeserializationError(e) => Error::Database(format!(
                "the database holds a value custadm cannot read: {e}; correct that row with SQL"
            )),
            other => Error::Internal(other.to_string()),
        }
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error::Internal(format!("JSON: {e}"))
    }
}

/// Turns a database's own error text into one line that says what to do.
pub fn describe_database_error(message: &str) -> String {
    let first_line = message.lines().next().unwrap_or(message).trim();
    let lower = first_line.to_ascii_lowercase();
    if lower.contains("database is locked") || lower.contains("database is busy") {
        crate::db::sqlite_busy_message()
    } else if lower.contains("lock timeout") {
        // PostgreSQL 55P03 where no `lock_*` helper named what was locked.
        format!(
            "another transaction held a lock custadm needed for longer than the {} lock timeout (lock_timeout, CUSTADM_LOCK_TIMEOUT); nothing of this transaction was kept, try again",
            crate::db::lock_timeout_text()
        )
    } else if lower.contains("read-only transaction") || lower.contains("recovery is in progress") {
        // PostgreSQL (25006 not reported as such, or a hot standby).
        format!("the PostgreSQL server accepts only reads ({first_line}): it is a standby or has default_transaction_read_only on; point custadm at the primary; nothing was changed")
    } else if lower.contains("readonly database") {
        // SQLite: "attempt to write a readonly database".
        format!("database is read-only ({first_line}): check the permissions of the database file and its directory")
    } else if lower.contains("unable to open database") {
        format!("cannot open the database ({first_line}): check the path and its permissions")
    } else if lower.contains("terminating connection")
        || lower.contains("server closed the connection")
        || lower.contains("connection")
    {
        format!("database connection lost ({first_line}); what was committed before stays, run the command again to finish")
    } else {
        format!("database error: {first_line}")
    }
}
