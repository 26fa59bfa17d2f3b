//! The one error type of custadm. Every failure becomes one of these variants,
//! and each variant knows the exit code the contract gives it, so `main` maps
//! errors to exit codes in exactly one place.

use crate::db::error::DbError;

/// A failure, classified by the contract's exit codes ("Exit codes"): the
/// variant decides the code ([`Error::exit_code`]), the text is the one
/// `error:` line `main` prints.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Exit 1: a bug in custadm (something that should not happen).
    #[error("internal error (a bug in custadm, please report it): {0}")]
    Internal(String),
    /// Exit 2: usage or invalid input; nothing was written.
    #[error("{0}")]
    Usage(String),
    /// Exit 3: the customer or operator does not exist.
    #[error("{0}")]
    NotFound(String),
    /// Exit 4: permission denied, unknown operator, wrong password, locked.
    #[error("{0}")]
    Denied(String),
    /// Exit 5: refused by a business rule (unpaid invoices, email taken, state).
    #[error("{0}")]
    Refused(String),
    /// Exit 6: what custadm works with is unreachable or misconfigured, in
    /// custadm's words: the database (its URL, file, connection or schema
    /// version), the configuration (profiles, settings) or the mail server.
    /// A failure the database itself reports is [`Error::Db`].
    #[error("{0}")]
    Setup(String),
    /// Exit 6: a failure the database reported, typed once at the database
    /// boundary (`db::error`: its kind, and the line printed for it).
    #[error(transparent)]
    Db(#[from] DbError),
    /// Exit 7: a run over several customers where some did not succeed.
    #[error("{0}")]
    Partial(String),
    /// Exit 8: integrity check failed: the audit trail was altered
    /// (contract: "Exit codes", `audit verify`).
    #[error("{0}")]
    Integrity(String),
    /// Exit 9: the command did its work (a change is committed) but a
    /// record outside the database could not be written (contract: "Exit
    /// codes": an audit anchor sink).
    #[error("{0}")]
    Outside(String),
    /// Exit 9: standard output could not be written (a full disk, an I/O
    /// error) — after the command did its work, which stays done (contract
    /// "Exit codes": a record outside the database could not be written). A
    /// reader that went away is not an error ([`Error::is_broken_pipe`]).
    /// Made from any `io::Error` marked by [`crate::stdout`]. This text is
    /// for a command that may have committed a change; a read-only one's is
    /// [`Error::read_only_line`].
    #[error("cannot write to standard output ({0}): what the command did stays done (a change stays committed: `custadm audit` shows it); write the output where there is room")]
    Output(std::io::Error),
    /// Exit 1: an I/O failure custadm did not expect (a write to standard
    /// output is [`Error::Output`] instead).
    #[error("cannot write output: {0}")]
    Io(std::io::Error),
}

impl Error {
    /// The error line of a command that changes nothing (`list`, `version`,
    /// `--help`): for [`Error::Output`] only that the output could not be
    /// written; any other error's own text.
    pub fn read_only_line(&self) -> String {
        match self {
            Error::Output(e) => format!(
                "cannot write to standard output ({e}); write the output where there is room"
            ),
            other => other.to_string(),
        }
    }
}

/// An `io::Error` from writing standard output (marked by [`crate::stdout`])
/// is [`Error::Output`]; any other is [`Error::Io`].
impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        if crate::stdout::is_marked(&e) {
            Error::Output(e)
        } else {
            Error::Io(e)
        }
    }
}

/// custadm's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The process exit code the contract assigns to this failure: the one
    /// place failures map to exit codes ("Exit codes").
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Internal(_) | Error::Io(_) => 1,
            Error::Usage(_) => 2,
            Error::NotFound(_) => 3,
            Error::Denied(_) => 4,
            Error::Refused(_) => 5,
            // Every kind of database failure: the commands that give a kind
            // a meaning of its own (a unique clash in `edit` and `operator
            // add`, exit 5) turn it into that variant first.
            Error::Setup(_) | Error::Db(_) => 6,
            Error::Partial(_) => 7,
            Error::Integrity(_) => 8,
            Error::Output(_) | Error::Outside(_) => 9,
        }
    }

    /// True when the error is only a reader that went away (`custadm list | head`).
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Io(e) | Error::Output(e) if e.kind() == std::io::ErrorKind::BrokenPipe)
    }

    /// The typed database failure, when this is one.
    pub fn db(&self) -> Option<&DbError> {
        match self {
            Error::Db(e) => Some(e),
            _ => None,
        }
    }
}

/// Every Diesel error enters custadm through `db::error` ([`crate::db::error::classify`]):
/// the database's failures typed, anything else custadm's bug.
impl From<crate::db::error::DieselFailure> for Error {
    fn from(e: crate::db::error::DieselFailure) -> Self {
        match crate::db::error::classify(e) {
            Ok(db) => Error::Db(db),
            Err(bug) => Error::Internal(bug),
        }
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error::Internal(format!("JSON: {e}"))
    }
}
