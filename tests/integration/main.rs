//! custadm's integration tests: one target, themed modules, each test running
//! the real binary against a fresh SQLite file and a fresh PostgreSQL database
//! (see `support`).

mod support;

mod actions;
mod audit_chain;
mod bulk;
mod docs;
mod error_kinds;
mod foreign;
mod foundation;
mod hardening;
mod mail;
mod operators;
mod pooler;
mod profiles;
mod properties;
mod races;
mod readme;
mod runs;
mod security;
mod skips;
mod smtp_server;
