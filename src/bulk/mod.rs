//! Runs over one or many customers (contract: the paragraphs after the
//! command table), in five parts:
//! - `args`: the clap argument groups ([`TargetArgs`], [`FilterArgs`]) and
//!   where ids come from (arguments, `--ids-from FILE|-`), turned into a
//!   [`Selection`] and [`RunOptions`];
//! - `selection`: where a run's customers come from (named ids and emails,
//!   ids a command chose, or filters) and resolving them;
//! - `engine`: [`execute`]: `--max-changes`, confirmation, the batches,
//!   Ctrl-C between them, the note of a run stopped half-way;
//! - `changes`: a change file (`edit --from`): CSV or JSON lines checked
//!   in one streaming pass and spooled, read back a batch at a time;
//! - `matches`: a filter's matches spooled by one query (PostgreSQL), read
//!   back a batch at a time;
//! - `batch`: one batch in its transaction, a filter page checked again
//!   under its lock ([`Batch`], [`BatchFn`], [`Commit`]);
//! - `report`: the result document every changing command prints
//!   ([`RunReport`], [`ItemResult`], [`Outcome`]) and its exit code;
//! - `record` and `metrics`: the end of a run ([`close_run`]): its `run`
//!   audit row and the Prometheus textfile.
//!
//! What a filter means (its SQL) lives in `db::filter`.

mod args;
mod batch;
mod changes;
mod emails;
mod engine;
mod matches;
pub(crate) mod metrics;
mod record;
mod report;
mod scan;
mod selection;

pub use args::parse_limit;
pub use args::read_ids;
pub(crate) use args::{
    parse_customer_ref, FilterArgs, StatusFilter, TargetArgs, DEFAULT_BATCH_SIZE,
};
pub(crate) use batch::{Batch, Commit};
pub(crate) use changes::{ChangeFile, ChangeFormat, ChangeRow, IdSet, PhoneChange, RowKey};
pub(crate) use emails::{normalised as normalised_email, EmailMoves};
pub(crate) use engine::check_max_changes;
pub(crate) use engine::{execute, ChangeLimit, RunOptions, RunSpec};
pub(crate) use record::{close_run, record_unstarted};
pub(crate) use report::{spool_file, ItemResult, Outcome, RunRecord, RunReport};
pub(crate) use selection::Selection;

/// `--max-changes` is a setting (the profile's default): defined with the
/// settings, used here.
pub(crate) use crate::config::{parse_max_changes, MaxChanges};
