//! The engine of every bulk command (contract: the paragraphs after the
//! command table): given a [`Selection`] and [`RunOptions`], it resolves the
//! customers, enforces `--max-changes` before anything changes, asks for
//! confirmation, runs the command's batch function batch by batch (Ctrl-C
//! stops between batches), and, when a run stops half-way, says what
//! committed. Filter-selected batches are paged by id outside the
//! transaction and checked again inside it, after their rows are locked
//! (`batch.rs`).

use std::sync::atomic::{AtomicBool, Ordering};

use super::batch::{run_batch, BatchFn, Cap, Commit, Page};
use super::changes::{ChangeFile, ChangeRow, RowReader};
use super::matches::MatchSpool;
use super::report::{ItemResult, Outcome, RunReport, Stop};
use super::selection::{Selection, Targets};
use crate::config::{MaxChanges, Settings};
use crate::context::Ctx;
use crate::db::audit::Actor;
use crate::db::filter::{self, Changeable, Filters};
use crate::db::DbConn;
use crate::error::{Error, Result};
use crate::progress::Progress;

/// What a bulk command tells the engine besides its batch function.
pub(crate) struct RunSpec<'a> {
    /// The action, as in the audit trail and the result document.
    pub action: &'a str,
    /// Confirm even a single customer (delete).
    pub always_confirm: bool,
    /// The confirmation question for this many customers.
    pub question: &'a dyn Fn(i64) -> String,
    /// Which targets the command would change (for `--max-changes` and the
    /// question); `None`: `--max-changes` does not apply (undo).
    pub changeable: Option<Changeable>,
    /// Set when the command takes one customer only (the usage error for more).
    pub at_most_one: Option<&'a str>,
    /// How the batches meet their transactions ([`Commit::PerBatch`] for
    /// most commands).
    pub commit: Commit,
    /// For a command that decides per customer (`changeable` is `None`):
    /// how many customers the run would change, counted by a dry pass over
    /// its targets (given the batch size). `--max-changes` caps what a run
    /// changes, so when the targets that ask for a change exceed it, this
    /// count decides (rows already so, refused or not found do not count).
    pub count_changes: Option<&'a CountChanges<'a>>,
}

/// A dry pass that counts what a run would change (see
/// [`RunSpec::count_changes`]).
pub(crate) type CountChanges<'a> = dyn Fn(&mut DbConn, &Actor, usize) -> Result<i64> + 'a;

/// `--max-changes` as a run meets it: the limit, and where it was set (for
/// the messages: the flag, or the profile's key).
#[derive(Debug, Clone)]
pub(crate) struct ChangeLimit {
    pub value: MaxChanges,
    /// Set by the profile's `max_changes` (its name), not the flag.
    pub profile: Option<String>,
}

impl ChangeLimit {
    /// The limit of a run: `--max-changes` (`flag`), else the selected
    /// profile's `max_changes`.
    pub(crate) fn of(flag: Option<MaxChanges>, settings: &Settings) -> Option<ChangeLimit> {
        match (flag, settings.max_changes) {
            (Some(value), _) => Some(ChangeLimit {
                value,
                profile: None,
            }),
            (None, Some(value)) => Some(ChangeLimit {
                value,
                profile: Some(
                    settings
                        .profile
                        .as_ref()
                        .map(|p| crate::text::sanitize(&p.value))
                        .unwrap_or_else(|| "?".into()),
                ),
            }),
            (None, None) => None,
        }
    }

    /// `--max-changes 500`, or `max_changes = 2% of profile prod`.
    pub(crate) fn named(&self) -> String {
        match &self.profile {
            None => format!("--max-changes {}", self.value),
            Some(p) => format!("max_changes = {} of profile {p}", self.value),
        }
    }

    /// How to let a bigger run through.
    fn raise(&self) -> &'static str {
        match self.profile {
            None => "raise --max-changes for this run",
            Some(_) => {
                "give this run a higher --max-changes (it overrides the profile's max_changes)"
            }
        }
    }
}

/// How a run goes, as the user asked (`TargetArgs::options`, or a command's
/// own flags: undo).
#[derive(Debug, Clone, Copy)]
pub(crate) struct RunOptions {
    /// Report what would change (`would_change`) and write nothing.
    pub dry_run: bool,
    /// Go ahead without asking.
    pub yes: bool,
    /// Customers per batch (one transaction each), at least 1.
    pub batch_size: u32,
    /// `--max-changes`; `None`: the profile's `max_changes`, if any.
    pub max_changes: Option<MaxChanges>,
}

/// Runs a bulk command over `selection`: resolves named customers, enforces
/// `--max-changes` (exit 5, nothing changed), asks for confirmation (more
/// than one customer, or `always_confirm`; exit 2 when declined or without a
/// terminal and `--yes`), then runs `batch` batch by batch, each batch one
/// write transaction as `spec.commit` says. An empty named selection (an
/// `--ids-from` without ids) is a success that changes nothing. On SQLite
/// (not a dry run) each filter page is selected inside its batch's `BEGIN
/// IMMEDIATE`, under the write lock ([`filter::page_states`]); elsewhere it
/// is read first and checked again under the batch's lock
/// ([`filter::still_matching`]). Either way the states read under the lock
/// are handed to `batch` (`Batch::lock_states`).
///
/// # Errors
/// Those of the steps above; an error after some batches committed is
/// returned after a note on stderr saying how many committed.
pub(crate) fn execute(
    ctx: &mut Ctx,
    spec: &RunSpec<'_>,
    selection: Selection,
    options: &RunOptions,
    batch: &mut BatchFn<'_>,
) -> Result<RunReport> {
    let batch_size = options.batch_size as usize;
    ctx.run
        .begin(spec.action, options.dry_run, selection.describe());
    let selection = selection.changeable(spec.changeable);
    let targets = selection.resolve(&mut ctx.conn, batch_size)?;
    let mut report = RunReport::new(spec.action, options.dry_run, ctx.actor.run_id.clone());
    check_at_most_one(spec, &targets)?;
    let (would_change, allowed) = match check_cap(ctx, spec, options, &targets) {
        Ok(cap) => cap,
        // Refused before anything changed: the document (no results, the
        // run id) is still printed.
        Err(Error::Refused(why)) => {
            report.stop(Stop::Cap(why));
            return Ok(report);
        }
        Err(e) => return Err(e),
    };
    if targets.named() == Some(0) {
        return Ok(report); // an empty --ids-from: nothing to do, a success
    }
    confirm(ctx, spec, options, &targets, would_change)?;

    let total = match &targets {
        Targets::Named { ids, .. } => ids.len(),
        Targets::Filter(_) => would_change.map(|n| n as usize).unwrap_or(0),
        Targets::File(file) => usize::try_from(file.rows).unwrap_or(usize::MAX),
    };
    if total > batch_size || matches!(targets, Targets::Filter(_)) {
        stop_between_batches_on_ctrl_c();
    }
    let mut run = Run {
        spec,
        options,
        batch,
        report,
        progress: Progress::new(total, spec.action),
        allowed,
        limit: ChangeLimit::of(options.max_changes, &ctx.settings),
        next: 0,
        done_through: None,
    };
    let outcome = match &targets {
        Targets::Named { ids, unknown } => run.named(ctx, ids, unknown),
        Targets::Filter(f) => run.filter_pages(ctx, f),
        Targets::File(file) => run.file_rows(ctx, file),
    };
    run.progress.finish();
    let stopped = outcome.err();
    if stopped.is_some() || run.report.interrupted {
        // Stopped half-way (an error, the cap, Ctrl-C): what committed
        // stays in the report, the rest is `failed`, "not attempted" (a
        // change file's rest is added as it is read: `Run::file_rows`);
        // `RunReport::finish` prints it all.
        match &targets {
            Targets::Named { ids, .. } => run.report.add(
                ids.get(run.next..)
                    .unwrap_or_default()
                    .iter()
                    .map(|&id| ItemResult::new(id, Outcome::Failed).with_message(NOT_ATTEMPTED))
                    .collect(),
            )?,
            Targets::Filter(filters) => run.matches_not_attempted(ctx, filters)?,
            Targets::File(_) => {}
        }
    }
    if let Some(stop) = stopped {
        run.report.stop(stop);
    }
    Ok(run.report)
}

/// The message of a change file's row a stopped run did not get to.
const NOT_ATTEMPTED_ROW: &str = "not attempted: the run stopped before this row";

/// The message of a customer a stopped run did not get to.
const NOT_ATTEMPTED: &str = "not attempted: the run stopped before this customer";

/// A command that takes one customer only: more is exit 2.
fn check_at_most_one(spec: &RunSpec<'_>, targets: &Targets) -> Result<()> {
    match (spec.at_most_one, targets.named()) {
        (Some(why), Some(n)) if n > 1 => Err(Error::Usage(why.into())),
        _ => Ok(()),
    }
}

/// Which targets count for `--max-changes` and the question.
fn changeable(spec: &RunSpec<'_>) -> Changeable {
    spec.changeable.unwrap_or(Changeable::Live)
}

/// `--max-changes` (or the profile's `max_changes`, undo included): counts
/// what would change and refuses before anything changes. Returns the count
/// and the number of changes allowed when a cap applies (`None`: no cap,
/// nothing counted). The count is read without locks: the batches hold the
/// run to the cap on what they really change.
fn check_cap(
    ctx: &mut Ctx,
    spec: &RunSpec<'_>,
    options: &RunOptions,
    targets: &Targets,
) -> Result<(Option<i64>, Option<i64>)> {
    let Some(limit) = ChangeLimit::of(options.max_changes, &ctx.settings) else {
        return Ok((None, None));
    };
    let batch_size = options.batch_size as usize;
    let n = match (spec.changeable, targets.named()) {
        (Some(which), _) => targets.count_changeable(&mut ctx.conn, which, batch_size)?,
        // A command that decides per customer (undo, edit --from): at most
        // every target that asks for a change.
        (None, _) => i64::try_from(targets.may_change()).unwrap_or(i64::MAX),
    };
    let check = |conn: &mut DbConn, n: i64| {
        check_max_changes(
            conn,
            spec.action,
            usize::try_from(n).unwrap_or(0),
            Some(&limit),
        )
    };
    match (check(&mut ctx.conn, n), spec.count_changes) {
        (Err(Error::Refused(_)), Some(count)) => {
            // More ask than the limit allows: what would really change
            // decides (a dry pass).
            let n = count(&mut ctx.conn, &ctx.actor, batch_size)?;
            Ok((Some(n), check(&mut ctx.conn, n)?))
        }
        // Not counted: at most `n` ask for a change, which is no count of
        // what would change.
        (allowed, Some(_)) => Ok((None, allowed?)),
        (allowed, None) => Ok((Some(n), allowed?)),
    }
}

/// Asks for confirmation (not for a dry run): the question names how many
/// customers would change; `would_change` is that count when the cap
/// already made it. A command that decides per customer (`edit --from`,
/// undo: [`RunSpec::count_changes`]) counts it by its dry pass when a
/// person is asked (so a file of 300,000 rows of which 200,000 name nobody
/// asks about the customers that would change, not its rows); no customer
/// to change asks nothing.
fn confirm(
    ctx: &mut Ctx,
    spec: &RunSpec<'_>,
    options: &RunOptions,
    targets: &Targets,
    would_change: Option<i64>,
) -> Result<()> {
    if options.dry_run {
        return Ok(());
    }
    let (several, n) = match targets.named() {
        Some(n) => (n > 1, n as i64),
        None => {
            // Filters: how many is known only by counting; skipped when
            // --yes makes the answer unneeded.
            let n = match would_change {
                Some(n) => n,
                None if options.yes => 2,
                None => targets.count_changeable(
                    &mut ctx.conn,
                    changeable(spec),
                    options.batch_size as usize,
                )?,
            };
            (n != 1, n)
        }
    };
    let asks = !options.yes
        && (spec.always_confirm || several)
        && (ctx.production.is_none() || !several)
        && crate::terminal::interactive();
    let n = match (spec.count_changes, would_change) {
        (Some(_), Some(counted)) => counted,
        (Some(count), None) if asks => {
            count(&mut ctx.conn, &ctx.actor, options.batch_size as usize)?
        }
        _ => n,
    };
    if n > 0 {
        ctx.confirm_change(
            options.yes,
            spec.always_confirm || several,
            several,
            &(spec.question)(n),
        )?;
    }
    Ok(())
}

/// A run under way: the command's batch function and what it has done.
struct Run<'r, 'f> {
    spec: &'r RunSpec<'r>,
    options: &'r RunOptions,
    batch: &'r mut BatchFn<'f>,
    report: RunReport,
    progress: Progress,
    /// `--max-changes` as a number of changes, when a cap applies.
    allowed: Option<i64>,
    /// The limit as set, for the messages.
    limit: Option<ChangeLimit>,
    /// Named runs: the index of the first id not yet done.
    next: usize,
    /// Filter runs: the highest id of the batches done (the pages go in
    /// id order), where the customers not attempted begin.
    done_through: Option<i64>,
}

impl Run<'_, '_> {
    /// Named customers: the unknown emails first (`not_found`), then the
    /// ids a batch at a time.
    fn named(&mut self, ctx: &mut Ctx, ids: &[i64], unknown: &[String]) -> Result<(), Stop> {
        self.report.add(
            unknown
                .iter()
                .map(|e| ItemResult::email_not_found(e))
                .collect(),
        )?;
        for chunk in ids.chunks(self.options.batch_size as usize) {
            if self.stop_requested() {
                break;
            }
            self.batch(ctx, Page::Named(chunk))?;
            self.next += chunk.len();
            self.progress.advance(chunk.len());
        }
        Ok(())
    }

    /// A change file's rows a batch at a time, in file order. When a batch
    /// stops the run, its rows and the rest of the file are `failed`, "not
    /// attempted" (read on from the spool, so memory stays flat).
    fn file_rows(&mut self, ctx: &mut Ctx, file: &ChangeFile) -> Result<(), Stop> {
        let size = self.options.batch_size as usize;
        let mut rows = file.reader()?;
        while !self.stop_requested() {
            let batch = rows.next_batch(size)?;
            if batch.is_empty() {
                break;
            }
            if let Err(stop) = self.batch(ctx, Page::Rows(&batch)) {
                self.rows_not_attempted(&mut rows, batch)?;
                return Err(stop);
            }
            self.progress.advance(batch.len());
        }
        if self.report.interrupted {
            self.rows_not_attempted(&mut rows, Vec::new())?;
        }
        Ok(())
    }

    /// `left` and the rest of the file as `failed`, "not attempted" (read
    /// on from the spool a batch at a time, so memory stays flat).
    fn rows_not_attempted(&mut self, rows: &mut RowReader, mut left: Vec<ChangeRow>) -> Result<()> {
        let size = self.options.batch_size as usize;
        if left.is_empty() {
            left = rows.next_batch(size)?;
        }
        while !left.is_empty() {
            self.report.add(
                left.iter()
                    .map(|r| r.result(Outcome::Failed).with_message(NOT_ATTEMPTED_ROW))
                    .collect(),
            )?;
            left = rows.next_batch(size)?;
        }
        Ok(())
    }

    /// A filter run stopped half-way: the customers that match now after
    /// the last batch done, as `failed`, "not attempted" (read page by
    /// page). When they cannot be read (the connection is lost), a note
    /// says so.
    fn matches_not_attempted(&mut self, ctx: &mut Ctx, filters: &Filters) -> Result<()> {
        let limit = i64::from(self.options.batch_size);
        let mut after = self.done_through.unwrap_or(i64::MIN);
        loop {
            let ids = match filter::page_ids(&mut ctx.conn, filters, after, limit) {
                Ok(ids) => ids,
                Err(e) => {
                    ctx.out.note(&format!(
                        "the customers not attempted could not be listed ({e})"
                    ));
                    return Ok(());
                }
            };
            let Some(&last) = ids.last() else {
                return Ok(());
            };
            after = last;
            self.report.add(
                ids.into_iter()
                    .map(|id| ItemResult::new(id, Outcome::Failed).with_message(NOT_ATTEMPTED))
                    .collect(),
            )?;
        }
    }

    /// Filter matches page by page, in id order (keyset: each page starts
    /// after the last id of the one before), until a page comes back empty.
    ///
    /// Where pages are not selected under the batch's lock (PostgreSQL),
    /// the matches are instead read by one query into a spool
    /// ([`MatchSpool`]) and run a batch at a time; then again after the
    /// last of them, for customers other writers made match meanwhile,
    /// until a spool comes back empty.
    fn filter_pages(&mut self, ctx: &mut Ctx, filters: &Filters) -> Result<(), Stop> {
        let limit = i64::from(self.options.batch_size);
        // Ids other programs made zero or negative are customers too.
        let mut after = i64::MIN;
        if !filter::pages_selected_under_lock(&ctx.conn) {
            while !self.stop_requested() {
                let mut spool = MatchSpool::collect(&mut ctx.conn, filters, after)?;
                let Some(last) = spool.last else { break };
                while !self.stop_requested() {
                    let ids = spool.next_page(self.options.batch_size as usize)?;
                    if ids.is_empty() {
                        break;
                    }
                    self.batch(ctx, Page::Matched { ids: &ids, filters })?;
                    self.progress.advance(ids.len());
                }
                after = last;
            }
            return Ok(());
        }
        while !self.stop_requested() {
            if !self.options.dry_run
                && self.spec.commit == Commit::PerBatch
                && filter::pages_selected_under_lock(&ctx.conn)
            {
                let page = Page::SelectAfter {
                    after,
                    limit,
                    filters,
                };
                let (n, last) = self.batch(ctx, page)?;
                let Some(last) = last else {
                    break;
                };
                after = last;
                self.progress.advance(n);
                continue;
            }
            let ids = filter::page_ids(&mut ctx.conn, filters, after, limit)?;
            let Some(&last) = ids.last() else { break };
            after = last;
            self.batch(ctx, Page::Matched { ids: &ids, filters })?;
            self.progress.advance(ids.len());
        }
        Ok(())
    }

    /// One batch into the report (see [`run_batch`]), held to what is
    /// left of `--max-changes`.
    fn batch(&mut self, ctx: &mut Ctx, page: Page<'_>) -> Result<(usize, Option<i64>), Stop> {
        let cap = self.allowed.map(|allowed| Cap {
            allowed,
            left: allowed - self.report.count(Outcome::Changed) as i64,
            limit: self.limit.as_ref(),
            action: self.spec.action,
        });
        let done = run_batch(
            ctx,
            &mut self.report,
            self.batch,
            self.spec.commit,
            self.options.dry_run,
            page,
            cap.as_ref(),
        )?;
        self.done_through = self.done_through.max(done.1);
        Ok(done)
    }

    /// True once Ctrl-C asked the run to stop (the report then says so).
    fn stop_requested(&mut self) -> bool {
        if INTERRUPTED.load(Ordering::SeqCst) {
            self.report.interrupted = true;
        }
        self.report.interrupted
    }
}

/// Refuses (exit 5, before anything changes) a run of `action` that would
/// change `targets` customers, more than `limit` allows (a percentage is of
/// the customers not soft-deleted). The one `--max-changes` check: the
/// engine's runs and `purge` (contract: the paragraph after the command
/// table).
///
/// Returns the number of changes allowed (`None`: no limit).
pub fn check_max_changes(
    conn: &mut DbConn,
    action: &str,
    targets: usize,
    limit: Option<&ChangeLimit>,
) -> Result<Option<i64>> {
    let Some(set) = limit else {
        return Ok(None);
    };
    let limit = set.value;
    let live = match limit {
        MaxChanges::Count(_) => 0,
        MaxChanges::Percent(_) => filter::count_changeable(conn, None, None, Changeable::Live)?,
    };
    let allowed = limit.allowed(live);
    let n = i64::try_from(targets).unwrap_or(i64::MAX);
    if n > allowed {
        let of = match limit {
            MaxChanges::Count(_) => String::new(),
            MaxChanges::Percent(_) => format!(" of {live} customers not deleted"),
        };
        return Err(Error::Refused(format!(
            "{action} would change {n} customers, more than the limit of {allowed} ({}{of}); nothing was changed. Check the selection, or {}",
            set.named(),
            set.raise()
        )));
    }
    Ok(Some(allowed))
}

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_sigint(_: libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// From now on Ctrl-C asks the run to stop after the current batch.
fn stop_between_batches_on_ctrl_c() {
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGINT, on_sigint as *const () as libc::sighandler_t);
    }
}
