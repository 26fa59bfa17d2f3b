//! custadm: administer customer accounts from the terminal, on SQLite or
//! PostgreSQL, with roles, Argon2id passwords and an audit trail.
//!
//! `main` parses the command line and calls [`run`]; every failure comes back
//! as one [`error::Error`] that knows its exit code.

pub mod bulk;
pub mod cli;
pub mod commands;
pub mod config;
pub mod context;
pub mod db;
pub mod error;
pub mod mail;
pub mod output;
pub mod password;
pub mod progress;
pub mod sample;
pub mod secrets;
pub mod terminal;
pub mod text;
pub mod validate;

pub use commands::run;
