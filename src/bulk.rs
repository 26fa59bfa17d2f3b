//! Runs over one or many customers: where the ids come from (arguments,
//! `--ids-from FILE|-`), confirmation, batching (each batch one transaction
//! holding the changes and their audit rows), Ctrl-C between batches, and
//! the result document every changing command prints.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;

use crate::context::Ctx;
use crate::db::audit::Actor;
use crate::db::{write_transaction, DbConn};
use crate::error::{Error, Result};
use crate::output::{self, Format};

/// Result documents longer than this print as plain lines, not a table.
const TABLE_MAX_ROWS: usize = 200;

/// Ids per transaction unless `--batch-size` says otherwise.
pub const DEFAULT_BATCH_SIZE: u32 = 1_000;

/// The customers a command acts on, and how.
#[derive(Debug, Clone, clap::Args)]
pub struct TargetArgs {
    /// Customer ids (positive integers)
    #[arg(value_name = "ID", value_parser = parse_customer_id)]
    pub ids: Vec<i64>,

    /// Read ids from FILE, `-` for standard input: one id a line, blank lines and `#` comments skipped
    #[arg(long, value_name = "FILE")]
    pub ids_from: Option<PathBuf>,

    /// Report what would change (`would_change`) and write nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Go ahead without asking (required when there is no terminal to ask on)
    #[arg(short = 'y', long)]
    pub yes: bool,

    /// Ids per transaction
    #[arg(long, value_name = "N", default_value_t = DEFAULT_BATCH_SIZE, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub batch_size: u32,
}

/// clap's parser for a customer id argument.
pub fn parse_customer_id(s: &str) -> std::result::Result<i64, String> {
    crate::validate::customer_id(s)
}

impl TargetArgs {
    /// Every id from the arguments and `--ids-from`, duplicates dropped (first
    /// occurrence kept). A malformed line stops everything with exit 2 before
    /// any change, naming the line.
    pub fn collect_ids(&self) -> Result<Vec<i64>> {
        let mut ids = self.ids.clone();
        if let Some(path) = &self.ids_from {
            let (reader, name): (Box<dyn Read>, String) = if path.as_os_str() == "-" {
                (Box::new(std::io::stdin()), "standard input".into())
            } else {
                let file = std::fs::File::open(path).map_err(|e| {
                    Error::Usage(format!("cannot read ids from {}: {e}", path.display()))
                })?;
                (Box::new(file), path.display().to_string())
            };
            ids.extend(read_ids(reader, &name)?);
        }
        if ids.is_empty() {
            return Err(Error::Usage(
                "no customer ids given: pass IDs as arguments or --ids-from FILE (- for standard input)".into(),
            ));
        }
        let mut seen = std::collections::HashSet::with_capacity(ids.len());
        ids.retain(|id| seen.insert(*id));
        Ok(ids)
    }
}

/// Longest line of an ids file (an id with a comment fits easily).
const MAX_ID_LINE_BYTES: u64 = 4_096;

/// Reads one id a line; blank lines and `#` comments are skipped.
pub fn read_ids(reader: impl Read, source: &str) -> Result<Vec<i64>> {
    let mut ids = Vec::new();
    let mut reader = BufReader::new(reader);
    let mut raw = Vec::new();
    let mut number = 0usize;
    loop {
        raw.clear();
        // A line longer than any id is an error, and reading stops there:
        // `/dev/zero` or a 10 GB line cannot exhaust memory.
        let n = (&mut reader)
            .take(MAX_ID_LINE_BYTES + 1)
            .read_until(b'\n', &mut raw)
            .map_err(|e| Error::Usage(format!("cannot read ids from {source}: {e}")))?;
        if n == 0 {
            break;
        }
        if raw.len() as u64 > MAX_ID_LINE_BYTES && !raw.ends_with(b"\n") {
            return Err(Error::Usage(format!(
                "{source} line {}: longer than {MAX_ID_LINE_BYTES} bytes, not an id; nothing was changed",
                number + 1
            )));
        }
        number += 1;
        // A byte-order mark (files saved by some editors) is not part of the id.
        let bytes = if number == 1 {
            raw.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&raw)
        } else {
            &raw[..]
        };
        let line = std::str::from_utf8(bytes).map_err(|_| {
            Error::Usage(format!(
                "{source} line {number}: not valid UTF-8; nothing was changed"
            ))
        })?;
        let content = line.split('#').next().unwrap_or("").trim();
        if content.is_empty() {
            continue;
        }
        let id = crate::validate::customer_id(content).map_err(|e| {
            Error::Usage(format!("{source} line {number}: {e}; nothing was changed"))
        })?;
        ids.push(id);
    }
    Ok(ids)
}

/// `--max-changes N` or `--max-changes P%` (contract: "Commands"): the most
/// customers one run may change, as a count or as a percentage of the
/// customers not soft-deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaxChanges {
    /// At most this many customers.
    Count(u64),
    /// At most this percentage (0–100) of the customers not soft-deleted.
    Percent(u32),
}

/// clap's parser for `--max-changes`: `N` or `P%`.
pub fn parse_max_changes(s: &str) -> std::result::Result<MaxChanges, String> {
    let s = s.trim();
    let bad = || {
        format!(
            "{} is not a count (500) or a percentage (5%)",
            crate::validate::quote_input(s)
        )
    };
    match s.strip_suffix('%') {
        Some(p) => match p.trim().parse::<u32>() {
            Ok(p) if p <= 100 => Ok(MaxChanges::Percent(p)),
            _ => Err(bad()),
        },
        None => s.parse::<u64>().map(MaxChanges::Count).map_err(|_| bad()),
    }
}

/// Refuses (exit 5, before anything changes) a run of `action` whose
/// `targets` exceed `limit`.
pub fn check_max_changes(
    conn: &mut DbConn,
    action: &str,
    targets: usize,
    limit: Option<MaxChanges>,
) -> Result<()> {
    let Some(limit) = limit else {
        return Ok(());
    };
    let (allowed, how) = match limit {
        MaxChanges::Count(n) => (n, format!("{n}")),
        MaxChanges::Percent(p) => {
            use crate::db::schema::customers;
            use diesel::prelude::*;
            let live: i64 = customers::table
                .filter(customers::deleted_at.is_null())
                .count()
                .get_result(conn)?;
            let allowed = (live.max(0) as u64) * u64::from(p) / 100;
            (allowed, format!("{p}% of {live} customers = {allowed}"))
        }
    };
    if targets as u64 > allowed {
        return Err(Error::Refused(format!(
            "{action} would change {targets} customers, more than --max-changes allows ({how}); nothing was changed: narrow the selection or raise --max-changes"
        )));
    }
    Ok(())
}

/// What happened to one id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Changed,
    Unchanged,
    WouldChange,
    NotFound,
    Refused,
    Failed,
}

impl Outcome {
    /// The contract's name for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Changed => "changed",
            Outcome::Unchanged => "unchanged",
            Outcome::WouldChange => "would_change",
            Outcome::NotFound => "not_found",
            Outcome::Refused => "refused",
            Outcome::Failed => "failed",
        }
    }

    fn is_success(self) -> bool {
        matches!(
            self,
            Outcome::Changed | Outcome::Unchanged | Outcome::WouldChange
        )
    }
}

/// One id's line in the result document.
#[derive(Debug, Clone, Serialize)]
pub struct ItemResult {
    pub id: i64,
    pub outcome: Outcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Shared: a run over 100,000 customers with the same change holds one copy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes: Option<std::sync::Arc<serde_json::Value>>,
    /// Shown once; wiped from memory when the report is dropped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temporary_password: Option<zeroize::Zeroizing<String>>,
}

impl ItemResult {
    /// A result with just an outcome.
    pub fn new(id: i64, outcome: Outcome) -> Self {
        ItemResult {
            id,
            outcome,
            message: None,
            changes: None,
            temporary_password: None,
        }
    }

    /// The id does not exist.
    pub fn not_found(id: i64) -> Self {
        Self::new(id, Outcome::NotFound).with_message(format!("customer {id} not found"))
    }

    /// Refused by a business rule, with the reason.
    pub fn refused(id: i64, why: impl Into<String>) -> Self {
        Self::new(id, Outcome::Refused).with_message(why)
    }

    /// Adds a message.
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    /// Adds the changes (old → new).
    pub fn with_changes(mut self, changes: serde_json::Value) -> Self {
        self.changes = Some(std::sync::Arc::new(changes));
        self
    }

    /// Adds changes shared with other results.
    pub fn with_shared_changes(mut self, changes: &std::sync::Arc<serde_json::Value>) -> Self {
        self.changes = Some(changes.clone());
        self
    }
}

/// The contract's document for every changing command.
#[derive(Debug, Serialize)]
pub struct RunReport {
    pub action: String,
    pub dry_run: bool,
    pub results: Vec<ItemResult>,
    pub summary: BTreeMap<&'static str, usize>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub interrupted: bool,
    /// Already on stdout (printed before its change committed).
    #[serde(skip)]
    printed: bool,
}

impl RunReport {
    /// An empty report for `action`.
    pub fn new(action: &str, dry_run: bool) -> Self {
        RunReport {
            action: action.to_string(),
            dry_run,
            results: Vec::new(),
            summary: BTreeMap::new(),
            interrupted: false,
            printed: false,
        }
    }

    /// Adds results and counts them.
    pub fn add(&mut self, results: Vec<ItemResult>) {
        for r in &results {
            *self.summary.entry(r.outcome.as_str()).or_insert(0) += 1;
        }
        self.results.extend(results);
    }

    /// Drops the results after the first `len` (and their counts).
    fn truncate(&mut self, len: usize) {
        for r in self.results.drain(len.min(self.results.len())..) {
            if let Some(n) = self.summary.get_mut(r.outcome.as_str()) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    self.summary.remove(r.outcome.as_str());
                }
            }
        }
    }

    /// `3 changed, 1 not_found`.
    pub fn summary_line(&self) -> String {
        let parts: Vec<String> = self
            .summary
            .iter()
            .map(|(k, v)| format!("{v} {k}"))
            .collect();
        if parts.is_empty() {
            "nothing done".into()
        } else {
            parts.join(", ")
        }
    }

    /// Prints the report (JSON document, or a table on stdout and the
    /// summary on stderr), then turns failures into the contract's exit code.
    pub fn finish(self, out: &output::Output) -> Result<()> {
        if !self.printed {
            self.print(out)?;
        }
        if self.results.len() > 1 || self.interrupted {
            let prefix = if self.dry_run { "dry run: " } else { "" };
            let stop = if self.interrupted {
                " (interrupted: the remaining ids were not touched)"
            } else {
                ""
            };
            out.note(&format!(
                "{prefix}{}: {}{stop}",
                self.action,
                self.summary_line()
            ));
        }
        self.exit_status()
    }

    /// Writes the document or table to stdout and flushes it; a write error
    /// is returned, not swallowed. `-q` hides the table but never a
    /// temporary password (SPEC.md: `-q` never hides what a command exists
    /// to hand over): quiet table output is then one password a line.
    fn print(&self, out: &output::Output) -> Result<()> {
        use std::io::Write;
        if out.format == Format::Json {
            out.json(self)?;
        } else if out.quiet {
            let mut w = std::io::stdout().lock();
            for r in &self.results {
                if let Some(p) = &r.temporary_password {
                    writeln!(w, "{}", p.as_str())?;
                }
            }
        } else if self.results.len() <= TABLE_MAX_ROWS {
            let rows = self
                .results
                .iter()
                .map(|r| {
                    vec![
                        r.id.to_string(),
                        r.outcome.as_str().to_string(),
                        describe(r),
                    ]
                })
                .collect();
            out.table(&["ID", "OUTCOME", "DETAILS"], rows)?;
        } else {
            self.write_plain_rows()?;
        }
        std::io::stdout().flush()?;
        Ok(())
    }

    /// Large runs: one plain line per id, written as it goes (a table
    /// layout over 100,000 rows would cost more than the run itself).
    fn write_plain_rows(&self) -> Result<()> {
        use std::io::Write;
        let id_width = self
            .results
            .iter()
            .map(|r| r.id.to_string().len())
            .max()
            .unwrap_or(2)
            .max(2);
        let mut w = std::io::BufWriter::new(std::io::stdout().lock());
        writeln!(w, "{:<id_width$}  {:<12}  DETAILS", "ID", "OUTCOME")?;
        for r in &self.results {
            let details = output::sanitize_multiline(&describe(r)).replace('\n', "; ");
            writeln!(
                w,
                "{:<id_width$}  {:<12}  {details}",
                r.id,
                r.outcome.as_str()
            )?;
        }
        w.flush()?;
        Ok(())
    }

    fn exit_status(&self) -> Result<()> {
        let failed: Vec<&ItemResult> = self
            .results
            .iter()
            .filter(|r| !r.outcome.is_success())
            .collect();
        let Some(first) = failed.first() else {
            if self.interrupted {
                return Err(Error::Partial(format!(
                    "{}: interrupted; run the same command again to finish",
                    self.action
                )));
            }
            return Ok(());
        };
        let all_failed = failed.len() == self.results.len() && !self.interrupted;
        let single_message = || {
            first
                .message
                .clone()
                .unwrap_or_else(|| format!("customer {}: {}", first.id, first.outcome.as_str()))
        };
        if all_failed && failed.iter().all(|r| r.outcome == Outcome::NotFound) {
            return Err(Error::NotFound(if failed.len() == 1 {
                single_message()
            } else {
                format!("none of the {} customers exist", failed.len())
            }));
        }
        if all_failed && failed.iter().all(|r| r.outcome == Outcome::Failed) {
            // Nothing done because a service (the SMTP server) failed.
            return Err(Error::Database(if failed.len() == 1 {
                single_message()
            } else {
                format!(
                    "all {} customers failed: {}",
                    failed.len(),
                    single_message()
                )
            }));
        }
        if all_failed && failed.iter().all(|r| r.outcome == Outcome::Refused) {
            return Err(Error::Refused(if failed.len() == 1 {
                single_message()
            } else {
                format!(
                    "all {} customers were refused; see the results",
                    failed.len()
                )
            }));
        }
        Err(Error::Partial(format!(
            "{}: {} of {} customers not done ({})",
            self.action,
            failed.len(),
            self.results.len(),
            self.summary_line()
        )))
    }
}

/// The DETAILS cell of a result row.
fn describe(r: &ItemResult) -> String {
    let mut parts = Vec::new();
    if let Some(msg) = &r.message {
        parts.push(msg.clone());
    }
    if let Some(serde_json::Value::Object(changes)) = r.changes.as_deref() {
        for (field, change) in changes {
            let show = |v: Option<&serde_json::Value>| match v {
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(serde_json::Value::Null) | None => "-".into(),
                Some(other) => other.to_string(),
            };
            parts.push(format!(
                "{field}: {} → {}",
                show(change.get("old")),
                show(change.get("new"))
            ));
        }
    }
    if let Some(p) = &r.temporary_password {
        parts.push(format!("temporary password: {}", p.as_str()));
    }
    parts.join("\n")
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

/// One batch of a command: given the ids of the batch (inside a write
/// transaction unless `dry_run`), decide each outcome, write the changes
/// and their audit rows set-based, and return one result per id.
pub type BatchFn<'a> = dyn FnMut(&mut DbConn, &Actor, &[i64], bool) -> Result<Vec<ItemResult>> + 'a;

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

/// Runs `batch` over `ids` in batches. Asks for confirmation first when the
/// run would change more than one customer or `always_confirm` is set.
pub fn execute(
    ctx: &mut Ctx,
    action: &str,
    ids: &[i64],
    args: &TargetArgs,
    always_confirm: bool,
    question: &str,
    batch: &mut BatchFn<'_>,
) -> Result<RunReport> {
    execute_with(
        ctx,
        action,
        ids,
        args,
        always_confirm,
        question,
        Commit::PerBatch,
        batch,
    )
}

/// [`execute`] with the batches' transactions chosen by `commit`.
#[allow(clippy::too_many_arguments)]
pub fn execute_with(
    ctx: &mut Ctx,
    action: &str,
    ids: &[i64],
    args: &TargetArgs,
    always_confirm: bool,
    question: &str,
    commit: Commit,
    batch: &mut BatchFn<'_>,
) -> Result<RunReport> {
    if !args.dry_run {
        ctx.confirm_change(
            args.yes,
            always_confirm || ids.len() > 1,
            ids.len() > 1,
            question,
        )?;
    }
    let mut report = RunReport::new(action, args.dry_run);
    if ids.len() > args.batch_size as usize {
        stop_between_batches_on_ctrl_c();
    }
    let progress = crate::progress::Progress::new(ids.len(), action);
    for chunk in ids.chunks(args.batch_size as usize) {
        if INTERRUPTED.load(Ordering::SeqCst) {
            report.interrupted = true;
            break;
        }
        let results = if args.dry_run || commit == Commit::ByBatchFn {
            batch(&mut ctx.conn, &ctx.actor, chunk, args.dry_run)
        } else if commit == Commit::AfterPrinting {
            let out = ctx.out;
            let actor = &ctx.actor;
            let report = &mut report;
            write_transaction(&mut ctx.conn, |conn| {
                let before = report.results.len();
                report.add(batch(conn, actor, chunk, false)?);
                if let Err(e) = report.print(&out) {
                    // Rolled back: these results did not happen.
                    report.truncate(before);
                    return Err(match e {
                        Error::Io(e) => Error::Database(format!(
                            "cannot write to standard output ({}): the change was rolled back, nothing was changed",
                            e.kind()
                        )),
                        other => other,
                    });
                }
                report.printed = true;
                // Already counted in the report.
                Ok(Vec::new())
            })
        } else {
            write_transaction(&mut ctx.conn, |conn| batch(conn, &ctx.actor, chunk, false))
        };
        match results {
            Ok(results) => report.add(results),
            Err(e) => {
                progress.finish();
                if !report.results.is_empty() {
                    ctx.out.note(&format!(
                        "{action}: stopped by an error after {} customers ({}); those are committed, the remaining {} were not touched: run the same command again to finish",
                        report.results.len(),
                        report.summary_line(),
                        ids.len() - report.results.len()
                    ));
                }
                return Err(e);
            }
        }
        progress.advance(chunk.len());
    }
    progress.finish();
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_byte_order_mark_opens_a_file_only() {
        let ids = read_ids(&b"\xEF\xBB\xBF5\n# c\n\n7\n"[..], "f").map_err(|e| e.to_string());
        assert_eq!(ids, Ok(vec![5, 7]));
        assert!(read_ids(&b"5\n\xEF\xBB\xBF7\n"[..], "f").is_err());
    }
}
