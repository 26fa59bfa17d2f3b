//! custadm's integration tests: one target, each test running the real binary
//! against a fresh SQLite file and a fresh PostgreSQL database (see `support`).
//! One module per command, then one per area that cuts across commands; a
//! test lives where its subject does.

// Support: shared helpers, the in-process SMTP server, the skip report.
mod skips;
mod smtp_server;
mod support;

// One module per command.
mod audit;
mod completions;
mod config;
mod db;
mod delete;
mod edit;
mod edit_from;
mod export;
mod init;
mod list;
mod operator;
mod purge;
mod reset_password;
mod restore;
mod toggle;
mod undo;
mod version;
mod view;

// Areas across commands.
mod acting_operator;
mod audit_anchors;
mod audit_archive_kills;
mod audit_chain;
mod audit_cut;
mod bulk;
mod cli;
mod connection;
mod error_kinds;
mod failover;
mod filter_runs;
mod hostile_input;
mod identity;
mod mail;
mod permissions;
mod pooler;
mod profiles;
mod properties;
mod races;
mod readme;
mod run_records;
mod search;
mod secrets;
mod stalled_server;
mod terminal;
mod write_errors;
mod written_by_other_programs;
