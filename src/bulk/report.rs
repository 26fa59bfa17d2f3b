//! The result document every changing command prints (contract: "Output"):
//! one [`ItemResult`] per customer with its [`Outcome`], counted into a
//! summary, spooled to an unlinked file past [`SPOOL_AFTER`] results, printed
//! as JSON, a table or plain lines, and turned into the run's exit code.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::output::{self, Format};

/// Result documents longer than this print as plain lines, not a table.
const TABLE_MAX_ROWS: usize = 200;

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

    /// The outcome whose [`Outcome::as_str`] is `s`.
    fn parse(s: &str) -> Option<Outcome> {
        [
            Outcome::Changed,
            Outcome::Unchanged,
            Outcome::WouldChange,
            Outcome::NotFound,
            Outcome::Refused,
            Outcome::Failed,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
    }

    fn is_success(self) -> bool {
        matches!(
            self,
            Outcome::Changed | Outcome::Unchanged | Outcome::WouldChange
        )
    }
}

/// The `id` of a result for an email that names no customer (the result
/// holds the email; other programs may have made a real customer's id 0).
const NO_ID: i64 = 0;

/// One id's line in the result document.
#[derive(Debug, Clone)]
pub struct ItemResult {
    /// The customer id; `null` in JSON for an email that names no customer
    /// (a result with `email` set), any other id as it is, 0 included.
    pub id: i64,
    /// The email a customer was named by, when it names no customer.
    pub email: Option<String>,
    /// The line of a change file the result is about (`edit --from`).
    pub line: Option<u64>,
    pub outcome: Outcome,
    pub message: Option<String>,
    /// Shared: a run over 100,000 customers with the same change holds one copy.
    pub changes: Option<std::sync::Arc<serde_json::Value>>,
    /// Shown once; wiped from memory when the report is dropped.
    pub temporary_password: Option<zeroize::Zeroizing<String>>,
    /// `refused` for an invalid value (a change file's row): what `edit`
    /// refuses with exit 2 (see [`RunReport::exit_status`]). Not shown.
    pub invalid: bool,
}

/// An [`ItemResult`] as the document shows it.
#[derive(Serialize)]
struct ShownResult<'a> {
    id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<u64>,
    outcome: Outcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    changes: Option<&'a serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    temporary_password: Option<&'a str>,
}

impl Serialize for ItemResult {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        ShownResult {
            id: (self.email.is_none() || self.id != NO_ID).then_some(self.id),
            email: self.email.as_deref(),
            line: self.line,
            outcome: self.outcome,
            message: self.message.as_deref(),
            changes: self.changes.as_deref(),
            temporary_password: self.temporary_password.as_ref().map(|p| p.as_str()),
        }
        .serialize(s)
    }
}

impl ItemResult {
    /// A result with just an outcome.
    pub fn new(id: i64, outcome: Outcome) -> Self {
        ItemResult {
            id,
            email: None,
            line: None,
            outcome,
            message: None,
            changes: None,
            temporary_password: None,
            invalid: false,
        }
    }

    /// The id does not exist.
    pub fn not_found(id: i64) -> Self {
        Self::new(id, Outcome::NotFound).with_message(format!("customer {id} not found"))
    }

    /// No customer holds this email (`id` is null in the document).
    pub fn email_not_found(email: &str) -> Self {
        let mut r = Self::new(NO_ID, Outcome::NotFound)
            .with_message(format!("no customer with email {email}"));
        r.email = Some(email.to_string());
        r
    }

    /// A result about a customer named by an email that was not resolved
    /// to an id (a change file's row the run did not get to).
    pub fn by_email(email: &str, outcome: Outcome) -> Self {
        let mut r = Self::new(NO_ID, outcome);
        r.email = Some(email.to_string());
        r
    }

    /// Refused by a business rule, with the reason.
    pub fn refused(id: i64, why: impl Into<String>) -> Self {
        Self::new(id, Outcome::Refused).with_message(why)
    }

    /// Marks a `refused` result as refused for an invalid value.
    pub fn invalid_value(mut self) -> Self {
        self.invalid = self.outcome == Outcome::Refused;
        self
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

    /// Says which line of a change file the result is about.
    pub fn with_line(mut self, line: u64) -> Self {
        self.line = Some(line);
        self
    }

    /// Adds changes shared with other results.
    pub fn with_shared_changes(mut self, changes: &std::sync::Arc<serde_json::Value>) -> Self {
        self.changes = Some(changes.clone());
        self
    }
}

/// Results kept in memory before they go to the spool file: a run over a
/// million customers holds at most this many at a time.
const SPOOL_AFTER: usize = 10_000;

/// The contract's document for every changing command. Results are kept in
/// memory up to [`SPOOL_AFTER`]; beyond that they are written, as JSON lines,
/// to an unlinked temporary file and read back when the document is
/// printed, so a run's memory does not grow with its size. A result holding
/// a temporary password is never spooled (only single-customer runs show
/// one).
#[derive(Debug)]
pub struct RunReport {
    pub action: String,
    pub dry_run: bool,
    /// The results not spooled (the latest ones).
    results: Vec<ItemResult>,
    pub summary: BTreeMap<&'static str, usize>,
    pub interrupted: bool,
    /// Already on stdout (printed before its change committed).
    printed: bool,
    /// The run id (contract: every changing command run has one).
    pub run: Option<String>,
    spool: Option<std::io::BufWriter<std::fs::File>>,
    spooled: usize,
    /// The first result that is not a success, for the error line.
    first_failure: Option<ItemResult>,
    /// Why the run stopped before its end, if it did.
    stop: Option<Stop>,
    /// Results refused for an invalid value.
    invalid: usize,
    /// What to do about the failures, added to the error line (a change
    /// file that takes an address before a later row frees it).
    pub hint: Option<String>,
    /// What the results are counted as in the error line: customers, or
    /// a change file's rows (one customer may be named twice).
    pub unit: &'static str,
}

/// Why a run stopped half-way (or before its first change).
#[derive(Debug)]
pub enum Stop {
    /// `--max-changes`: exit 5, whatever committed before stays.
    Cap(String),
    /// An error (a lock wait past `lock_timeout`, a lost connection, a full
    /// disk, …): exit 7 when changes had committed, else the error's own.
    Error(Error),
}

impl From<Error> for Stop {
    fn from(e: Error) -> Self {
        Stop::Error(e)
    }
}

/// What a changing command's run has done, for its closing `run` audit row
/// and the metrics file (`bulk::close_run`): filled in by the engine and
/// [`RunReport::finish`].
#[derive(Debug, Default)]
pub struct RunRecord {
    /// The action, as in audit rows (`deactivate`, `reset_password`, …).
    pub action: Option<String>,
    pub dry_run: bool,
    /// How the customers were chosen: `{"ids": N}` or the filters.
    pub selection: Option<serde_json::Value>,
    /// Outcome → count, as in the document's summary.
    pub summary: BTreeMap<&'static str, usize>,
    /// The result document is on stdout.
    pub printed: bool,
}

impl RunRecord {
    /// A run of `action` begins over `selection`.
    pub fn begin(&mut self, action: &str, dry_run: bool, selection: serde_json::Value) {
        self.action = Some(action.to_string());
        self.dry_run = dry_run;
        self.selection = Some(selection);
    }
}

/// Opens an anonymous temporary file (created exclusively, then unlinked).
pub(crate) fn spool_file() -> Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    let path = std::env::temp_dir().join(format!(
        "custadm-results-{}-{}",
        std::process::id(),
        ulid::Ulid::new()
    ));
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .map_err(|e| {
            Error::Internal(format!(
                "cannot create a spool file in {}: {e}",
                path.display()
            ))
        })?;
    let _ = std::fs::remove_file(&path);
    Ok(file)
}

impl RunReport {
    /// An empty report for `action` of run `run` (the actor's run id). A
    /// dry run writes nothing, so it leaves no run that `runs` could list:
    /// its document says `"run": null` and its summary names no run.
    pub fn new(action: &str, dry_run: bool, run: Option<String>) -> Self {
        RunReport {
            action: action.to_string(),
            dry_run,
            results: Vec::new(),
            summary: BTreeMap::new(),
            interrupted: false,
            printed: false,
            run: run.filter(|_| !dry_run),
            spool: None,
            spooled: 0,
            first_failure: None,
            stop: None,
            invalid: 0,
            hint: None,
            unit: "customers",
        }
    }

    /// The run stopped here: [`RunReport::finish`] prints what it holds
    /// and turns the stop into the exit code.
    pub fn stop(&mut self, stop: Stop) {
        self.stop = Some(stop);
    }

    /// How many results have this outcome.
    pub fn count(&self, outcome: Outcome) -> usize {
        self.summary.get(outcome.as_str()).copied().unwrap_or(0)
    }

    /// How many results the report holds.
    pub fn len(&self) -> usize {
        self.spooled + self.results.len()
    }

    /// True before the first result.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds results and counts them.
    pub fn add(&mut self, results: Vec<ItemResult>) -> Result<()> {
        for r in &results {
            *self.summary.entry(r.outcome.as_str()).or_insert(0) += 1;
            self.invalid += usize::from(r.invalid);
            if self.first_failure.is_none() && !r.outcome.is_success() {
                self.first_failure = Some(r.clone());
            }
        }
        self.results.extend(results);
        if self.results.len() > SPOOL_AFTER
            && self.results.iter().all(|r| r.temporary_password.is_none())
        {
            use std::io::Write;
            if self.spool.is_none() {
                self.spool = Some(std::io::BufWriter::new(spool_file()?));
            }
            if let Some(w) = self.spool.as_mut() {
                for r in self.results.drain(..) {
                    serde_json::to_writer(&mut *w, &r)?;
                    w.write_all(b"\n")?;
                    self.spooled += 1;
                }
            }
        }
        Ok(())
    }

    /// Every result in order: the spooled ones (read back), then the rest.
    fn for_each(&mut self, mut f: impl FnMut(ResultView<'_>) -> Result<()>) -> Result<()> {
        if let Some(w) = self.spool.take() {
            use std::io::Seek;
            let mut file = w
                .into_inner()
                .map_err(|e| Error::Internal(format!("spool file: {}", e.error())))?;
            file.rewind()?;
            for line in BufReader::new(&file).lines() {
                let line = line?;
                let fields: SpooledFields<'_> = serde_json::from_str(&line)?;
                f(ResultView::Spooled {
                    line: &line,
                    fields,
                })?;
            }
            self.spool = Some(std::io::BufWriter::new(file));
        }
        for r in &self.results {
            f(ResultView::Held(r))?;
        }
        Ok(())
    }

    /// Drops the results after the first `len` (and their counts).
    fn truncate(&mut self, len: usize) {
        for r in self.results.drain(len.min(self.results.len())..) {
            self.invalid -= usize::from(r.invalid);
            if let Some(n) = self.summary.get_mut(r.outcome.as_str()) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    self.summary.remove(r.outcome.as_str());
                }
            }
        }
    }

    /// Adds a batch's results and prints the whole report before the batch
    /// commits ([`super::Commit::AfterPrinting`]): if stdout cannot take it,
    /// the results are taken back out (the batch rolls back, so they did not
    /// happen) and the error says the change was rolled back.
    pub(super) fn add_and_print(
        &mut self,
        results: Vec<ItemResult>,
        out: &output::Output,
    ) -> Result<()> {
        let before = self.results.len();
        let first_failure = self.first_failure.clone();
        self.add(results)?;
        if let Err(e) = self.print(out) {
            // Rolled back: these results did not happen.
            self.truncate(before);
            self.first_failure = first_failure;
            return Err(match e {
                Error::Io(e) | Error::Output(e) => Error::Setup(format!(
                    "cannot write to standard output ({}): the change was rolled back, nothing was changed",
                    e.kind()
                )),
                other => other,
            });
        }
        self.printed = true;
        Ok(())
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
    /// summary on stderr), then turns failures into the contract's exit
    /// code; records the summary for the run's `run` audit row.
    pub fn finish(mut self, ctx: &mut crate::context::Ctx) -> Result<()> {
        let out = &ctx.out;
        if ctx.run.action.is_none() {
            ctx.run.action = Some(self.action.clone());
            ctx.run.dry_run = self.dry_run;
        }
        ctx.run.summary = self.summary.clone();
        let printed = if self.printed {
            Ok(())
        } else {
            self.print(out)
        };
        ctx.run.printed = true;
        if let Some(stop) = self.stop.take() {
            // What stopped the run says more than a stdout that failed too.
            return Err(self.stopped(out, stop));
        }
        printed?;
        let prefix = if self.dry_run { "dry run: " } else { "" };
        let stop = if self.interrupted {
            " (interrupted: the rest were not attempted)"
        } else {
            ""
        };
        let run = self
            .run
            .as_deref()
            .map(|r| format!(" [run {r}]"))
            .unwrap_or_default();
        // No results: the table printed nothing, so say why here.
        let summary = if self.is_empty() && !self.interrupted {
            "no customer matched; nothing done".to_string()
        } else {
            self.summary_line()
        };
        out.note(&format!("{prefix}{}: {summary}{stop}{run}", self.action));
        self.exit_status()
    }

    /// Writes the document or table to stdout and flushes it; a write error
    /// is returned, not swallowed. `-q` hides the table but never a
    /// temporary password (SPEC.md: `-q` never hides what a command exists
    /// to hand over): quiet table output is then one password a line
    /// (results holding one are never spooled).
    fn print(&mut self, out: &output::Output) -> Result<()> {
        use std::io::Write;
        if out.format == Format::Json {
            self.write_json()?;
        } else if out.quiet {
            let mut w = crate::stdout::stdout().lock();
            for r in &self.results {
                if let Some(p) = &r.temporary_password {
                    writeln!(w, "{}", p.as_str())?;
                }
            }
        } else if self.len() <= TABLE_MAX_ROWS || out.stdout_is_tty {
            self.write_table(out)?;
        } else {
            self.write_plain_rows()?;
        }
        crate::stdout::stdout().flush()?;
        Ok(())
    }

    /// The one JSON document, written result by result.
    fn write_json(&mut self) -> Result<()> {
        use std::io::Write;
        let mut w = std::io::BufWriter::new(crate::stdout::stdout().lock());
        write!(
            w,
            "{{\n  \"action\": {},\n  \"dry_run\": {},\n  \"results\": [",
            output::json_text(&self.action)?,
            self.dry_run
        )?;
        let mut first = true;
        self.for_each(|r| {
            let text = match r {
                ResultView::Held(r) => output::json_text(r)?,
                // The line is the result as serialised when it was spooled.
                ResultView::Spooled { line, .. } => output::escape_json_text(line),
            };
            write!(w, "{}\n    {text}", if first { "" } else { "," })?;
            first = false;
            Ok(())
        })?;
        let close = if first { "]" } else { "\n  ]" };
        write!(
            w,
            "{close},\n  \"summary\": {},\n",
            output::json_text(&self.summary)?
        )?;
        if self.interrupted {
            writeln!(w, "  \"interrupted\": true,")?;
        }
        writeln!(w, "  \"run\": {}\n}}", output::json_text(&self.run)?)?;
        w.flush()?;
        Ok(())
    }

    /// The results as a table fitted to the terminal ([`output::StreamingTable`]:
    /// windows of rows, memory flat however many results are spooled), on a
    /// terminal whatever their number (finding of the issue-26 review: past
    /// 200 results the rows were plain lines 90-132 columns wide at 80).
    /// No results (an empty selection, a refused run): nothing on stdout;
    /// the summary on stderr says what happened.
    fn write_table(&mut self, out: &output::Output) -> Result<()> {
        use std::io::Write;
        // A temporary password is never cut: then the ID gives way.
        let columns = if self.results.iter().any(|r| r.temporary_password.is_some()) {
            [
                output::Column::cut("ID", ID_FLOOR),
                output::Column::keep("OUTCOME"),
                output::Column::keep("DETAILS"),
            ]
        } else {
            [
                output::Column::cut("ID", ID_FLOOR),
                output::Column::keep("OUTCOME"),
                output::Column::parts("DETAILS", "; ", 32),
            ]
        };
        let width = usize::from(crate::terminal::width());
        let mut table = output::StreamingTable::with_width(
            std::io::BufWriter::new(crate::stdout::stdout().lock()),
            &columns,
            out.stdout_is_tty,
            width,
        );
        let mut recent = RecentDetails::default();
        self.for_each(|r| {
            let (id, outcome, details) = match r {
                ResultView::Held(r) => (
                    shown_id(r),
                    std::borrow::Cow::Borrowed(r.outcome.as_str()),
                    describe(r).replace('\n', "; "),
                ),
                ResultView::Spooled { fields, .. } => spooled_cells(&fields, &mut recent)?,
            };
            table.push(&[&id, &outcome, &details])
        })?;
        let (mut w, elided) = table.finish()?;
        w.flush()?;
        if let Some(note) = elided.note() {
            out.note(&note);
        }
        Ok(())
    }

    /// Large runs: one plain line per id (a table layout over 100,000 rows
    /// would cost more than the run itself).
    fn write_plain_rows(&mut self) -> Result<()> {
        use std::io::Write;
        let mut w = std::io::BufWriter::new(crate::stdout::stdout().lock());
        writeln!(w, "{:<ID_WIDTH$}  {:<12}  DETAILS", "ID", "OUTCOME")?;
        let mut details = RecentDetails::default();
        self.for_each(|r| {
            match r {
                ResultView::Held(r) => writeln!(
                    w,
                    "{:<ID_WIDTH$}  {:<12}  {}",
                    shown_id(r),
                    r.outcome.as_str(),
                    plain_cell(&describe(r))
                )?,
                ResultView::Spooled { fields, .. } => {
                    write_spooled_row(&mut w, &fields, &mut details)?
                }
            }
            Ok(())
        })?;
        w.flush()?;
        Ok(())
    }

    /// A run that stopped before its end: the summary on stderr carries the
    /// run id and how many changes committed; the error is exit 5 for the
    /// cap, 7 when changes had committed, else the stop's own.
    fn stopped(&self, out: &output::Output, stop: Stop) -> Error {
        let changed = self.count(Outcome::Changed);
        let run = self.run.as_deref().unwrap_or("-");
        let named = self
            .run
            .as_deref()
            .map(|r| format!(" [run {r}]"))
            .unwrap_or_default();
        let prefix = if self.dry_run { "dry run: " } else { "" };
        let committed = if self.dry_run || changed == 0 {
            "nothing was changed".to_string()
        } else {
            format!("{changed} changed and committed; those stay")
        };
        // The outcomes so far, when there are any.
        let so_far = if self.is_empty() {
            String::new()
        } else {
            format!(" ({})", self.summary_line())
        };
        out.note(&format!(
            "{prefix}{}: stopped: {committed}{so_far}{named}",
            self.action
        ));
        match stop {
            Stop::Cap(why) if changed == 0 => Error::Refused(why),
            Stop::Cap(why) => Error::Refused(format!(
                "{why}; {changed} changes committed before it stay (run {run})"
            )),
            Stop::Error(e) if changed == 0 || self.dry_run => e,
            Stop::Error(e) => Error::Partial(format!(
                "{} stopped half-way: {changed} changes committed in earlier batches stay, the batch in progress was rolled back and the rest were not attempted; run the same command again to finish (run {run}). It stopped on: {e}",
                self.action
            )),
        }
    }

    /// The exit code of a run that was not stopped: 0 when every result is
    /// a success; 7 when some succeeded and some did not (or Ctrl-C left
    /// some out); when none succeeded, the code of what went wrong, as a
    /// single customer's would be, checked in the order a single `edit`
    /// meets them: 6 when any failed (a service, such as the mail server),
    /// else 2 when any was refused for an invalid value (what `edit`
    /// refuses before it looks the customer up; nothing was written), else
    /// 3 when any was not found, else 5 (refused by a business rule).
    fn exit_status(&self) -> Result<()> {
        let total = self.len();
        let count = |o: Outcome| self.summary.get(o.as_str()).copied().unwrap_or(0);
        let failed_kinds = [Outcome::NotFound, Outcome::Refused, Outcome::Failed];
        let failed: usize = failed_kinds.iter().map(|o| count(*o)).sum();
        let Some(first) = self.first_failure.as_ref().filter(|_| failed > 0) else {
            if self.interrupted {
                return Err(Error::Partial(format!(
                    "{}: interrupted; run the same command again to finish",
                    self.action
                )));
            }
            return Ok(());
        };
        let hint = self
            .hint
            .as_deref()
            .map(|h| format!(". {h}"))
            .unwrap_or_default();
        let (prefix, not_done, were) = if self.dry_run {
            ("dry run: ", "would not be done", "would be")
        } else {
            ("", "not done", "were")
        };
        let all_failed = failed == total && !self.interrupted;
        if !all_failed {
            let interrupted = if self.interrupted {
                "interrupted: "
            } else {
                ""
            };
            let again = if self.interrupted {
                "; run the same command again to finish"
            } else {
                ""
            };
            return Err(Error::Partial(format!(
                "{prefix}{}: {interrupted}{failed} of {total} {} {not_done} ({}){again}{hint}",
                self.action,
                self.unit,
                self.summary_line()
            )));
        }
        // Nothing succeeded. One failure: its own message.
        let message = |what: &str| {
            if failed == 1 {
                let single = first.message.clone().unwrap_or_else(|| {
                    format!("customer {}: {}", first.id, first.outcome.as_str())
                });
                format!("{single}{hint}")
            } else {
                format!(
                    "{prefix}{}: none of the {failed} {} {was} done ({}{what}); see the results{hint}",
                    self.action,
                    self.unit,
                    self.summary_line(),
                    was = if self.dry_run { "would be" } else { "was" },
                )
            }
        };
        if count(Outcome::Failed) > 0 {
            // A service (the SMTP server) failed.
            return Err(Error::Setup(message("")));
        }
        if self.invalid > 0 {
            let what = if self.invalid == failed {
                String::new()
            } else {
                format!("; {} refused for an invalid value", self.invalid)
            };
            return Err(Error::Usage(message(&what)));
        }
        if count(Outcome::NotFound) == failed && failed > 1 {
            let none = if self.unit == "customers" {
                format!("none of the {failed} customers exist")
            } else {
                format!(
                    "none of the {failed} {} names a customer that exists",
                    self.unit
                )
            };
            return Err(Error::NotFound(format!("{prefix}{none}{hint}")));
        }
        if count(Outcome::NotFound) > 0 {
            return Err(Error::NotFound(message("")));
        }
        if failed > 1 {
            return Err(Error::Refused(format!(
                "{prefix}all {failed} {} {were} refused; see the results{hint}",
                self.unit
            )));
        }
        Err(Error::Refused(message("")))
    }
}

/// A result as [`RunReport::for_each`] hands it over.
enum ResultView<'a> {
    Held(&'a ItemResult),
    /// A spooled result: its JSON line and the fields read from it.
    Spooled {
        line: &'a str,
        fields: SpooledFields<'a>,
    },
}

/// The fields of a spooled [`ItemResult`] line that the table needs,
/// borrowed from the line (`changes` left as JSON text).
#[derive(serde::Deserialize)]
struct SpooledFields<'a> {
    id: Option<i64>,
    #[serde(borrow)]
    email: Option<std::borrow::Cow<'a, str>>,
    line: Option<u64>,
    #[serde(borrow)]
    outcome: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    message: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    changes: Option<&'a serde_json::value::RawValue>,
}

/// The narrowest the ID column of a result table is cut to: an id has at
/// most 19 digits and is never cut; an email that named no one is cut
/// beyond this.
const ID_FLOOR: usize = 20;

/// Width of the ID column of plain rows. Ids are at most 19 digits; an
/// email that named no one is shown in full and pushes its line's other
/// columns to the right.
const ID_WIDTH: usize = 10;

/// One plain line for a spooled result (read back from its JSON line).
fn write_spooled_row(
    w: &mut impl std::io::Write,
    v: &SpooledFields<'_>,
    details: &mut RecentDetails,
) -> Result<()> {
    let (id, outcome, details) = spooled_cells(v, details)?;
    writeln!(w, "{id:<ID_WIDTH$}  {outcome:<12}  {details}")?;
    Ok(())
}

/// The ID, OUTCOME and DETAILS cells of a spooled result (read back from
/// its JSON line), terminal-safe.
fn spooled_cells<'a>(
    v: &SpooledFields<'a>,
    details: &mut RecentDetails,
) -> Result<(String, std::borrow::Cow<'static, str>, String)> {
    let cell = details.cell(v.message.as_deref(), v.changes.map(|c| c.get()))?;
    let details = with_line(v.line, cell.to_string());
    // The outcome is one of custadm's own words; sanitised all the same, as
    // everything read back from a file.
    let outcome = Outcome::parse(&v.outcome).map_or_else(
        || crate::text::sanitize(&v.outcome).into(),
        |o| std::borrow::Cow::Borrowed(o.as_str()),
    );
    let id = match (v.id, v.email.as_deref()) {
        (Some(n), _) => n.to_string(),
        (None, Some(e)) => crate::text::sanitize(e),
        _ => "-".to_string(),
    };
    Ok((id, outcome, details))
}

/// The DETAILS cells made last for spooled rows. A bulk run's results mostly
/// share a few messages and changes (changed rows between unchanged ones): a
/// cell is made once per distinct pair, not once per line. The newest
/// [`RecentDetails::KEPT`] are kept.
#[derive(Default)]
struct RecentDetails {
    /// (message, changes as JSON text, the cell), newest first.
    shown: std::collections::VecDeque<(Option<String>, Option<String>, String)>,
}

impl RecentDetails {
    const KEPT: usize = 8;

    /// The DETAILS cell for this message and changes (JSON text).
    fn cell(&mut self, message: Option<&str>, raw: Option<&str>) -> Result<&str> {
        let known = self
            .shown
            .iter()
            .position(|(m, c, _)| m.as_deref() == message && c.as_deref() == raw);
        let at = match known {
            Some(at) => at,
            None => {
                let changes: Option<serde_json::Value> =
                    raw.map(serde_json::from_str).transpose()?;
                if self.shown.len() == Self::KEPT {
                    self.shown.pop_back();
                }
                self.shown.push_front((
                    message.map(str::to_string),
                    raw.map(str::to_string),
                    plain_cell(&describe_parts(message, changes.as_ref(), None)),
                ));
                0
            }
        };
        Ok(self.shown.get(at).map_or("", |(_, _, cell)| cell.as_str()))
    }
}

/// The ID cell of a result row: the id, or the email that named no one.
fn shown_id(r: &ItemResult) -> String {
    match &r.email {
        Some(e) if r.id == NO_ID => crate::text::sanitize(e),
        _ => r.id.to_string(),
    }
}

/// The DETAILS cell of a result row.
fn describe(r: &ItemResult) -> String {
    let details = describe_parts(
        r.message.as_deref(),
        r.changes.as_deref(),
        r.temporary_password.as_ref().map(|p| p.as_str()),
    );
    with_line(r.line, details)
}

/// A DETAILS cell with the `--from` file's line in front of its first part
/// (`line 4: customer 6 is deleted: …`), not as a part of its own: a table
/// cut between parts then still shows the reason of a refused row or the
/// first change of a changed one, cut inside if need be, never `line 4; …`
/// alone (finding of the issue-26 review).
fn with_line(line: Option<u64>, details: String) -> String {
    match line {
        Some(line) if details.is_empty() => format!("line {line}"),
        Some(line) => format!("line {line}: {details}"),
        None => details,
    }
}

/// A DETAILS cell on one plain line: terminal-safe, line breaks as "; ".
fn plain_cell(details: &str) -> String {
    crate::text::sanitize_multiline(details).replace('\n', "; ")
}

/// The DETAILS cell from a result's parts (held or read back from the spool).
fn describe_parts(
    message: Option<&str>,
    changes: Option<&serde_json::Value>,
    temporary_password: Option<&str>,
) -> String {
    let mut parts = Vec::new();
    if let Some(msg) = message {
        parts.push(msg.to_string());
    }
    if let Some(serde_json::Value::Object(changes)) = changes {
        // As JSON values, as `audit` reads its details: a string quoted, so
        // `"A" → "B"`, `null → "+4930…"` and `true → false` tell a name
        // from a missing value or a flag (contract: "Audit", details as text).
        for (field, change) in changes {
            let show = |v: Option<&serde_json::Value>| {
                crate::text::json_value_text(v.unwrap_or(&serde_json::Value::Null))
            };
            parts.push(format!(
                "{field}: {} → {}",
                show(change.get("old")),
                show(change.get("new"))
            ));
        }
    }
    if let Some(p) = temporary_password {
        parts.push(format!("temporary password: {p}"));
    }
    parts.join("\n")
}
