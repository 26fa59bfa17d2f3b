//! custadm: administer customer accounts from the terminal, on SQLite or
//! PostgreSQL, with roles, Argon2id passwords and an audit trail.
//!
//! `main` parses the command line and calls [`run`]; every failure comes back
//! as one [`error::Error`] that knows its exit code.

pub mod bulk;
pub mod cli;
pub(crate) mod commands;
pub mod config;
pub(crate) mod context;
pub mod db;
pub mod error;
pub(crate) mod mail;
pub mod output;
pub(crate) mod password;
pub(crate) mod paths;
pub(crate) mod progress;
pub(crate) mod sample;
pub mod secrets;
pub mod stdout;
pub mod terminal;
pub mod text;
pub mod validate;
pub(crate) mod wrap;

pub use commands::completions::generate_docs;
pub use commands::run;
