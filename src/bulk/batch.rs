//! One batch of a run: the command's batch function over a page of
//! customers, in one write transaction holding the changes and their audit
//! rows (or outside one: dry runs, [`Commit::ByBatchFn`]). A filter-selected
//! page is checked against the filters again under the batch's lock; who no
//! longer matches is `unchanged`, "no longer matches" (contract: the
//! paragraph after the command table).

use std::collections::HashMap;

use super::changes::ChangeRow;
use super::report::{ItemResult, Outcome, RunReport, Stop};
use crate::context::Ctx;
use crate::db::audit::Actor;
use crate::db::customer::{Customer, CustomerState};
use crate::db::filter::{self, Filters};
use crate::db::{write_transaction, DbConn};
use crate::error::{Error, Result};

/// One batch of a command: given the batch (inside a write transaction
/// unless `dry_run`), decide each outcome, write the changes and their
/// audit rows set-based, and return one result per id.
pub type BatchFn<'a> =
    dyn FnMut(&mut DbConn, &Actor, &mut Batch<'_>, bool) -> Result<Vec<ItemResult>> + 'a;

/// One batch as the engine hands it to a command's [`BatchFn`].
pub struct Batch<'a> {
    /// The batch's customers: ascending, each once (empty for a change
    /// file's batch, whose rows name them).
    pub ids: &'a [i64],
    /// A change file's rows, in file order (`edit --from`): the batch
    /// function resolves and locks their customers itself.
    pub rows: &'a [ChangeRow],
    /// Their states, when the engine has already read them under this
    /// batch's lock (a filter-selected batch: SQLite selects the page inside
    /// `BEGIN IMMEDIATE`; PostgreSQL locks the page `FOR UPDATE` before it
    /// checks the filter again). Taken by [`Batch::lock_states`].
    locked: Option<HashMap<i64, CustomerState>>,
}

impl<'a> Batch<'a> {
    /// A batch whose rows the batch function locks itself.
    pub fn new(ids: &'a [i64]) -> Self {
        Batch {
            ids,
            rows: &[],
            locked: None,
        }
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
    /// Rows of a change file, in file order.
    Rows(&'p [ChangeRow]),
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

/// `--max-changes` as a batch meets it: a hard cap on what the run really
/// changes (contract), also when other writers add matches while it runs.
pub(super) struct Cap<'a> {
    /// Changes the whole run may make.
    pub allowed: i64,
    /// Changes left for this and the following batches.
    pub left: i64,
    /// The limit as set, for the message.
    pub limit: Option<&'a super::engine::ChangeLimit>,
    pub action: &'a str,
}

impl Cap<'_> {
    /// The stop of a batch that would make `n` changes: `None` when they fit.
    fn check(&self, n: i64) -> Option<Stop> {
        (n > self.left).then(|| {
            let limit = self.limit.map(|l| format!(" ({})", l.named())).unwrap_or_default();
            Stop::Cap(format!(
                "{}: the next batch would change {n} more customer(s), past the limit of {}{limit}; it was not applied and the run stopped there (other writers may have added matches since the run was counted)",
                self.action, self.allowed
            ))
        })
    }
}

/// How many results of a batch are changes.
fn changes(results: &[ItemResult]) -> i64 {
    results
        .iter()
        .filter(|r| r.outcome == Outcome::Changed)
        .count() as i64
}

/// Runs one batch as `commit` says and adds its results to `report`;
/// returns how many results it added and the highest id among them (the
/// keyset of the next filter page). A batch that would pass `cap` is rolled
/// back (or, [`Commit::ByBatchFn`], not started once the cap is reached)
/// and the run stops ([`Stop::Cap`]).
pub(super) fn run_batch(
    ctx: &mut Ctx,
    report: &mut RunReport,
    batch: &mut BatchFn<'_>,
    commit: Commit,
    dry_run: bool,
    page: Page<'_>,
    cap: Option<&Cap<'_>>,
) -> std::result::Result<(usize, Option<i64>), Stop> {
    let actor = ctx.actor.clone();
    let mut work = Work {
        actor: &actor,
        batch,
        dry_run,
    };
    let mut capped = None;
    // Inside the transaction: a batch past the cap rolls back.
    let mut over_cap = |results: &[ItemResult]| -> Result<()> {
        match cap.and_then(|c| c.check(changes(results))) {
            Some(stop) => {
                capped = Some(stop);
                Err(Error::Refused("--max-changes".into()))
            }
            None => Ok(()),
        }
    };
    let results = if dry_run {
        work.results(&mut ctx.conn, page, false)?
    } else if commit == Commit::ByBatchFn {
        // The batch function commits as it goes (one customer a batch): it
        // is not started once the cap is reached.
        if let Some(stop) = cap.and_then(|c| c.check(if c.left > 0 { 0 } else { 1 })) {
            return Err(stop);
        }
        work.results(&mut ctx.conn, page, false)?
    } else if commit == Commit::AfterPrinting {
        let out = ctx.out;
        let mut added = (0, None);
        let done = write_transaction(&mut ctx.conn, |conn| {
            let results = work.results(conn, page, true)?;
            over_cap(&results)?;
            added = added_by(&results);
            report.add_and_print(results, &out)
        });
        return match (done, capped) {
            (_, Some(stop)) => Err(stop),
            (Err(e), None) => Err(Stop::Error(e)),
            (Ok(()), None) => Ok(added),
        };
    } else {
        let done = write_transaction(&mut ctx.conn, |conn| {
            let results = work.results(conn, page, true)?;
            over_cap(&results)?;
            Ok(results)
        });
        match (done, capped) {
            (_, Some(stop)) => return Err(stop),
            (Err(e), None) => return Err(Stop::Error(e)),
            (Ok(results), None) => results,
        }
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
            Page::Rows(rows) => self.call(
                conn,
                &mut Batch {
                    ids: &[],
                    rows,
                    locked: None,
                },
            ),
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
                rows: &[],
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
                rows: &[],
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

#[cfg(test)]
mod tests {
    use super::super::engine::ChangeLimit;
    use super::*;
    use crate::config::MaxChanges;

    #[test]
    fn the_cap_names_where_the_limit_was_set() {
        let message = |profile: Option<&str>| {
            let limit = ChangeLimit {
                value: MaxChanges::Count(3),
                profile: profile.map(str::to_string),
            };
            let cap = Cap {
                allowed: 3,
                left: 1,
                limit: Some(&limit),
                action: "edit",
            };
            assert!(cap.check(1).is_none());
            match cap.check(2) {
                Some(Stop::Cap(why)) => why,
                other => panic!("{other:?}"),
            }
        };
        assert!(message(None).contains("past the limit of 3 (--max-changes 3)"));
        let from_profile = message(Some("prod"));
        assert!(
            from_profile.contains("(max_changes = 3 of profile prod)"),
            "{from_profile}"
        );
        assert!(!from_profile.contains("--max-changes"), "{from_profile}");
    }
}
