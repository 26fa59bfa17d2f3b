//! One batch of a run: the command's batch function over a page of
//! customers, in one write transaction holding the changes and their audit
//! rows (or outside one: dry runs, [`Commit::ByBatchFn`]). A filter-selected
//! page is checked against the filters again under the batch's lock; who no
//! longer matches is `unchanged`, "no longer matches" (contract: the
//! paragraph after the command table).

use std::collections::HashMap;

use super::report::{ItemResult, Outcome, RunReport};
use crate::context::Ctx;
use crate::db::audit::Actor;
use crate::db::customer::{Customer, CustomerState};
use crate::db::filter::{self, Filters};
use crate::db::{write_transaction, DbConn};
use crate::error::Result;

/// One batch of a command: given the batch (inside a write transaction
/// unless `dry_run`), decide each outcome, write the changes and their
/// audit rows set-based, and return one result per id.
pub type BatchFn<'a> =
    dyn FnMut(&mut DbConn, &Actor, &mut Batch<'_>, bool) -> Result<Vec<ItemResult>> + 'a;

/// One batch as the engine hands it to a command's [`BatchFn`].
pub struct Batch<'a> {
    /// The batch's customers: ascending, each once.
    pub ids: &'a [i64],
    /// Their states, when the engine has already read them under this
    /// batch's lock (a filter-selected batch: SQLite selects the page inside
    /// `BEGIN IMMEDIATE`; PostgreSQL locks the page `FOR UPDATE` before it
    /// checks the filter again). Taken by [`Batch::lock_states`].
    locked: Option<HashMap<i64, CustomerState>>,
}

impl<'a> Batch<'a> {
    /// A batch whose rows the batch function locks itself.
    pub fn new(ids: &'a [i64]) -> Self {
        Batch { ids, locked: None }
    }

    /// The state of each of the batch's customers that exists, rows locked
    /// until commit: what [`Customer::lock_states`] returns, without a
    /// second read when the engine already read them under this batch's
    /// lock (the rows stay locked: the lock is the transaction's).
    ///
    /// # Errors
    /// As [`Customer::lock_states`] (a lock wait past `lock_timeout`: exit 6).
    pub fn lock_states(&mut self, conn: &mut DbConn) -> Result<HashMap<i64, CustomerState>> {
        match self.locked.take() {
            Some(states) => Ok(states),
            None => Customer::lock_states(conn, self.ids),
        }
    }
}

/// How a run's batches meet their transactions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Commit {
    /// Each batch is one write transaction, its changes and audit rows
    /// together (the default).
    PerBatch,
    /// As `PerBatch`, and the report is printed and flushed before the batch
    /// commits: if stdout cannot take it (closed pipe, full disk) the batch
    /// rolls back. For what a command exists to hand over, a temporary
    /// password (SPEC.md: printed and flushed before its change commits, else
    /// rolled back). Meant for single-batch runs: the report is printed once.
    AfterPrinting,
    /// The batch function gets the connection outside any transaction and
    /// opens its own short write transactions: for work that waits on another
    /// service and must not hold a lock meanwhile (SPEC.md:
    /// `reset-password --send-email` never holds the SQLite write lock while
    /// talking to the mail server).
    ByBatchFn,
}

/// What one batch works on.
#[derive(Clone, Copy)]
pub(super) enum Page<'p> {
    /// Named customers: the batch function decides every outcome.
    Named(&'p [i64]),
    /// A page of filter matches read outside the batch's transaction
    /// ([`filter::page_ids`]): checked again after its rows are locked.
    Matched {
        ids: &'p [i64],
        filters: &'p Filters,
    },
    /// The next page of filter matches, ids after `after`, at most `limit`,
    /// selected inside the batch's transaction (see
    /// [`filter::pages_selected_under_lock`]).
    SelectAfter {
        after: i64,
        limit: i64,
        filters: &'p Filters,
    },
}

/// Runs one batch as `commit` says and adds its results to `report`;
/// returns how many results it added and the highest id among them (the
/// keyset of the next filter page).
pub(super) fn run_batch(
    ctx: &mut Ctx,
    report: &mut RunReport,
    batch: &mut BatchFn<'_>,
    commit: Commit,
    dry_run: bool,
    page: Page<'_>,
) -> Result<(usize, Option<i64>)> {
    let actor = ctx.actor.clone();
    let mut work = Work {
        actor: &actor,
        batch,
        dry_run,
    };
    let results = if dry_run || commit == Commit::ByBatchFn {
        work.results(&mut ctx.conn, page, false)?
    } else if commit == Commit::AfterPrinting {
        let out = ctx.out;
        let mut added = (0, None);
        write_transaction(&mut ctx.conn, |conn| {
            let results = work.results(conn, page, true)?;
            added = added_by(&results);
            report.add_and_print(results, &out)
        })?;
        return Ok(added);
    } else {
        write_transaction(&mut ctx.conn, |conn| work.results(conn, page, true))?
    };
    let added = added_by(&results);
    report.add(results)?;
    Ok(added)
}

/// How many results, and the highest id among them.
fn added_by(results: &[ItemResult]) -> (usize, Option<i64>) {
    (results.len(), results.iter().map(|r| r.id).max())
}

/// A command's batch function with what it is called with.
struct Work<'w, 'f> {
    actor: &'w Actor,
    batch: &'w mut BatchFn<'f>,
    dry_run: bool,
}

impl Work<'_, '_> {
    /// The batch function's results for `page`. `locked`: inside the
    /// batch's write transaction (rows locked then).
    fn results(
        &mut self,
        conn: &mut DbConn,
        page: Page<'_>,
        locked: bool,
    ) -> Result<Vec<ItemResult>> {
        match page {
            Page::Named(ids) => self.call(conn, &mut Batch::new(ids)),
            Page::SelectAfter {
                after,
                limit,
                filters,
            } => self.select_under_lock(conn, filters, after, limit),
            Page::Matched { ids, filters } => self.check_again(conn, ids, filters, locked),
        }
    }

    fn call(&mut self, conn: &mut DbConn, batch: &mut Batch<'_>) -> Result<Vec<ItemResult>> {
        (self.batch)(conn, self.actor, batch, self.dry_run)
    }

    /// SQLite: the page is selected inside BEGIN IMMEDIATE, under the
    /// database's write lock, so no writer can change a customer between
    /// this selection and the change: the filter is checked under the
    /// batch's lock by construction (and no second query is needed, for the
    /// filter or for the states).
    fn select_under_lock(
        &mut self,
        conn: &mut DbConn,
        filters: &Filters,
        after: i64,
        limit: i64,
    ) -> Result<Vec<ItemResult>> {
        let states = filter::page_states(conn, filters, after, limit)?;
        if states.is_empty() {
            return Ok(Vec::new());
        }
        let page: Vec<i64> = states.iter().map(|s| s.id).collect();
        let locked = states.into_iter().map(|s| (s.id, s)).collect();
        self.call(
            conn,
            &mut Batch {
                ids: &page,
                locked: Some(locked),
            },
        )
    }

    /// The batch's rows are locked first (PostgreSQL FOR UPDATE, in id
    /// order; SQLite holds the write lock), then the filter is evaluated
    /// again: what a competing transaction committed before the lock was
    /// granted is seen. Outside a transaction (`locked` false: dry runs,
    /// Commit::ByBatchFn) it is a check just before the batch function
    /// runs; a ByBatchFn batch checks again at its own commit.
    fn check_again(
        &mut self,
        conn: &mut DbConn,
        ids: &[i64],
        filters: &Filters,
        locked: bool,
    ) -> Result<Vec<ItemResult>> {
        let states = if locked {
            Some(Customer::lock_states(conn, ids)?)
        } else {
            None
        };
        let matching = filter::still_matching(conn, filters, ids)?;
        let (live, gone): (Vec<i64>, Vec<i64>) = ids.iter().partition(|id| matching.contains(id));
        let mut results = if live.is_empty() {
            Vec::new()
        } else {
            let mut live_batch = Batch {
                ids: &live,
                locked: states.map(|mut states| {
                    states.retain(|id, _| matching.contains(id));
                    states
                }),
            };
            self.call(conn, &mut live_batch)?
        };
        results.extend(
            gone.into_iter().map(|id| {
                ItemResult::new(id, Outcome::Unchanged).with_message("no longer matches")
            }),
        );
        results.sort_by_key(|r| r.id);
        Ok(results)
    }
}
