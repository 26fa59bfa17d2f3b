//! Runs over one or many customers: where the ids come from (arguments,
//! `--ids-from FILE|-`), confirmation, batching (each batch one transaction
//! holding the changes and their audit rows), Ctrl-C between batches, and
//! the result document every changing command prints.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;

use chrono::NaiveDateTime;

use crate::context::Ctx;
use crate::db::audit::Actor;
use crate::db::customer::{Customer, CustomerState};
use crate::db::filter::{self, Changeable, Filters};
use crate::db::{write_transaction, DbConn};
use crate::error::{Error, Result};
use crate::output::{self, Format};
use crate::validate::CustomerRef;

/// `--max-changes` is a setting (the profile's default): defined with the
/// settings, used here.
pub use crate::config::{parse_max_changes, MaxChanges};

/// Result documents longer than this print as plain lines, not a table.
const TABLE_MAX_ROWS: usize = 200;

/// Ids per transaction unless `--batch-size` says otherwise.
pub const DEFAULT_BATCH_SIZE: u32 = 1_000;

/// The customers a command acts on, and how.
#[derive(Debug, Clone, clap::Args)]
pub struct TargetArgs {
    /// Customers: ids (positive integers) or email addresses (matched case-insensitively)
    #[arg(value_name = "ID", value_parser = parse_customer_ref)]
    pub ids: Vec<CustomerRef>,

    /// Read customers from FILE, `-` for standard input: one id or email a line, blank lines and `#` comments skipped
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

    /// Refuse the run (exit 5, nothing changed) when it would change more than N customers,
    /// or more than P% of the customers not soft-deleted [default: the profile's max_changes]
    #[arg(long, value_name = "N|P%", value_parser = parse_max_changes)]
    pub max_changes: Option<MaxChanges>,

    /// Select the customers by `list`'s filters instead of ids (each batch checks them again
    /// under its lock: a customer who no longer matches is `unchanged`)
    #[command(flatten, next_help_heading = "Filters (instead of ids)")]
    pub filters: FilterArgs,
}

/// Longest `--search` text: longer than any name or email can match.
const MAX_SEARCH_CHARS: usize = 300;

/// `--status`: which customers by state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StatusFilter {
    Active,
    Inactive,
    Deleted,
    All,
}

impl From<StatusFilter> for filter::Status {
    fn from(s: StatusFilter) -> Self {
        match s {
            StatusFilter::Active => filter::Status::Active,
            StatusFilter::Inactive => filter::Status::Inactive,
            StatusFilter::Deleted => filter::Status::Deleted,
            StatusFilter::All => filter::Status::All,
        }
    }
}

/// `list`'s filters, shared with the commands that take them instead of ids
/// (`toggle`, `delete`, `restore`, `reset-password --send-email`; contract:
/// the paragraph after the command table).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct FilterArgs {
    /// active, inactive, deleted or all [default: active and inactive; for restore: deleted]
    #[arg(long, value_enum)]
    pub status: Option<StatusFilter>,
    /// Name or email contains TEXT (case-insensitive)
    #[arg(long, value_name = "TEXT")]
    pub search: Option<String>,
    /// Last login (or, never logged in, creation) before WHEN: a date (2026-01-31) or an age (90d, 12h, 2w)
    #[arg(long, value_name = "WHEN")]
    pub last_login_before: Option<String>,
    /// Created before WHEN
    #[arg(long, value_name = "WHEN")]
    pub created_before: Option<String>,
    /// Created after WHEN
    #[arg(long, value_name = "WHEN")]
    pub created_after: Option<String>,
    /// Only customers with unpaid invoices
    #[arg(long)]
    pub has_unpaid: bool,
}

impl FilterArgs {
    /// True when at least one filter is given.
    pub fn any(&self) -> bool {
        self.status.is_some()
            || self.search.is_some()
            || self.last_login_before.is_some()
            || self.created_before.is_some()
            || self.created_after.is_some()
            || self.has_unpaid
    }

    /// The filters parsed against `now` (ages such as `90d` count back from
    /// it), the search text as a LIKE pattern; a bad value is exit 2 naming
    /// the flag. Without `--status`, `default_status` applies (`None`: not
    /// soft-deleted).
    pub(crate) fn parse(
        &self,
        default_status: Option<StatusFilter>,
        now: NaiveDateTime,
    ) -> Result<Filters> {
        if let Some(text) = &self.search {
            if text.chars().count() > MAX_SEARCH_CHARS {
                return Err(Error::Usage(format!(
                    "--search: at most {MAX_SEARCH_CHARS} characters (names are at most 150, emails 254)"
                )));
            }
        }
        Ok(Filters {
            status: self.status.or(default_status).map(Into::into),
            search: self.search.as_deref().map(filter::like_pattern),
            last_login_before: parse_when(
                "--last-login-before",
                self.last_login_before.as_deref(),
                now,
            )?,
            created_before: parse_when("--created-before", self.created_before.as_deref(), now)?,
            created_after: parse_when("--created-after", self.created_after.as_deref(), now)?,
            has_unpaid: self.has_unpaid,
        })
    }
}

fn parse_when(
    flag: &str,
    value: Option<&str>,
    now: NaiveDateTime,
) -> Result<Option<NaiveDateTime>> {
    value
        .map(|v| crate::validate::when(v, now))
        .transpose()
        .map_err(|e| Error::Usage(format!("{flag}: {e}")))
}

/// clap's parser for a customer id argument (id only).
pub fn parse_customer_id(s: &str) -> std::result::Result<i64, String> {
    crate::validate::customer_id(s)
}

/// clap's parser for a customer named by id or email.
pub fn parse_customer_ref(s: &str) -> std::result::Result<CustomerRef, String> {
    crate::validate::customer_ref(s)
}

impl TargetArgs {
    /// Every customer named in the arguments and `--ids-from`, in order. A
    /// malformed line stops everything with exit 2 before any change, naming
    /// the line. An `--ids-from` without any id is an empty selection (a
    /// quiet night), not an error; no ids, no `--ids-from` and no filter is.
    pub fn collect_refs(&self) -> Result<Vec<CustomerRef>> {
        let mut refs = self.ids.clone();
        if let Some(path) = &self.ids_from {
            let (reader, name): (Box<dyn Read>, String) = if path.as_os_str() == "-" {
                (Box::new(std::io::stdin()), "standard input".into())
            } else {
                let file = std::fs::File::open(path).map_err(|e| {
                    Error::Usage(format!("cannot read ids from {}: {e}", path.display()))
                })?;
                (Box::new(file), path.display().to_string())
            };
            refs.extend(read_ids(reader, &name)?);
        } else if refs.is_empty() {
            return Err(Error::Usage(
                "no customers given: pass IDs or emails as arguments, --ids-from FILE (- for standard input), or list's filters (--status, --search, --last-login-before, --created-before, --created-after, --has-unpaid)".into(),
            ));
        }
        Ok(refs)
    }
}

/// Longest line of an ids file (an id with a comment fits easily).
const MAX_ID_LINE_BYTES: u64 = 4_096;

/// Reads one customer (id or email) a line; blank lines and `#` comments
/// are skipped.
pub fn read_ids(reader: impl Read, source: &str) -> Result<Vec<CustomerRef>> {
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
        let id = crate::validate::customer_ref(content).map_err(|e| {
            Error::Usage(format!("{source} line {number}: {e}; nothing was changed"))
        })?;
        ids.push(id);
    }
    Ok(ids)
}

/// Refuses (exit 5, before anything changes) a run of `action` that would
/// change `targets` customers, more than `limit` allows (a percentage is of
/// the customers not soft-deleted). The one `--max-changes` check: the
/// engine's runs and `purge` (contract: the paragraph after the command
/// table).
pub fn check_max_changes(
    conn: &mut DbConn,
    action: &str,
    targets: usize,
    limit: Option<MaxChanges>,
) -> Result<()> {
    let Some(limit) = limit else {
        return Ok(());
    };
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
            "{action} would change {n} customers, more than the limit of {allowed} (--max-changes {limit}{of}); nothing was changed. Check the selection, or raise --max-changes for this run"
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

/// The `id` of a result for an email that names no customer (ids are positive).
const NO_ID: i64 = 0;

fn id_or_null<S: serde::Serializer>(id: &i64, s: S) -> std::result::Result<S::Ok, S::Error> {
    if *id == NO_ID {
        s.serialize_none()
    } else {
        s.serialize_i64(*id)
    }
}

/// One id's line in the result document.
#[derive(Debug, Clone, Serialize)]
pub struct ItemResult {
    /// The customer id; `null` in JSON for an email that names no customer.
    #[serde(serialize_with = "id_or_null")]
    pub id: i64,
    /// The email a customer was named by, when it names no customer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
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
            email: None,
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

    /// No customer holds this email (`id` is null in the document).
    pub fn email_not_found(email: &str) -> Self {
        let mut r = Self::new(NO_ID, Outcome::NotFound)
            .with_message(format!("no customer with email {email}"));
        r.email = Some(email.to_string());
        r
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
}

/// Opens an anonymous temporary file (created exclusively, then unlinked).
fn spool_file() -> Result<std::fs::File> {
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
    /// An empty report for `action` of run `run` (the actor's run id).
    pub fn new(action: &str, dry_run: bool, run: Option<String>) -> Self {
        RunReport {
            action: action.to_string(),
            dry_run,
            results: Vec::new(),
            summary: BTreeMap::new(),
            interrupted: false,
            printed: false,
            run,
            spool: None,
            spooled: 0,
            first_failure: None,
        }
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
    pub fn finish(mut self, out: &output::Output) -> Result<()> {
        if !self.printed {
            self.print(out)?;
        }
        let prefix = if self.dry_run { "dry run: " } else { "" };
        let stop = if self.interrupted {
            " (interrupted: the remaining ids were not touched)"
        } else {
            ""
        };
        let run = self
            .run
            .as_deref()
            .map(|r| format!(" [run {r}]"))
            .unwrap_or_default();
        out.note(&format!(
            "{prefix}{}: {}{stop}{run}",
            self.action,
            self.summary_line()
        ));
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
            let mut w = std::io::stdout().lock();
            for r in &self.results {
                if let Some(p) = &r.temporary_password {
                    writeln!(w, "{}", p.as_str())?;
                }
            }
        } else if self.len() <= TABLE_MAX_ROWS {
            let rows = self
                .results
                .iter()
                .map(|r| vec![shown_id(r), r.outcome.as_str().to_string(), describe(r)])
                .collect();
            out.table(&["ID", "OUTCOME", "DETAILS"], rows)?;
        } else {
            self.write_plain_rows()?;
        }
        std::io::stdout().flush()?;
        Ok(())
    }

    /// The one JSON document, written result by result.
    fn write_json(&mut self) -> Result<()> {
        use std::io::Write;
        let mut w = std::io::BufWriter::new(std::io::stdout().lock());
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

    /// Large runs: one plain line per id (a table layout over 100,000 rows
    /// would cost more than the run itself).
    fn write_plain_rows(&mut self) -> Result<()> {
        use std::io::Write;
        // Ids are at most 19 digits; an email that named no one is shown in
        // full and pushes its line's other columns to the right.
        let id_width = 10;
        let mut w = std::io::BufWriter::new(std::io::stdout().lock());
        writeln!(w, "{:<id_width$}  {:<12}  DETAILS", "ID", "OUTCOME")?;
        // A bulk run's results mostly share a few messages and changes
        // (changed rows between unchanged ones): a DETAILS cell is made once
        // per distinct pair, not once per line. The newest few are kept.
        const KEPT: usize = 8;
        type Shown = (Option<String>, Option<String>, String);
        let mut shown: std::collections::VecDeque<Shown> = std::collections::VecDeque::new();
        self.for_each(|r| {
            match r {
                ResultView::Held(r) => writeln!(
                    w,
                    "{:<id_width$}  {:<12}  {}",
                    shown_id(r),
                    r.outcome.as_str(),
                    plain_cell(&describe(r))
                )?,
                ResultView::Spooled { fields: v, .. } => {
                    let message = v.message.as_deref();
                    let raw = v.changes.map(|c| c.get());
                    let known = shown
                        .iter()
                        .position(|(m, c, _)| m.as_deref() == message && c.as_deref() == raw);
                    let at = match known {
                        Some(at) => at,
                        None => {
                            let changes: Option<serde_json::Value> =
                                raw.map(serde_json::from_str).transpose()?;
                            if shown.len() == KEPT {
                                shown.pop_back();
                            }
                            shown.push_front((
                                message.map(str::to_string),
                                raw.map(str::to_string),
                                plain_cell(&describe_parts(message, changes.as_ref(), None)),
                            ));
                            0
                        }
                    };
                    let details = shown.get(at).map_or("", |(_, _, cell)| cell.as_str());
                    // The outcome is one of custadm's own words; sanitised
                    // all the same, as everything read back from a file.
                    let outcome = Outcome::parse(&v.outcome).map_or_else(
                        || output::sanitize(&v.outcome).into(),
                        |o| std::borrow::Cow::Borrowed(o.as_str()),
                    );
                    match (v.id, v.email.as_deref()) {
                        (Some(n), _) => writeln!(w, "{n:<id_width$}  {outcome:<12}  {details}")?,
                        (None, Some(e)) => writeln!(
                            w,
                            "{:<id_width$}  {outcome:<12}  {details}",
                            output::sanitize(e)
                        )?,
                        _ => writeln!(w, "{:<id_width$}  {outcome:<12}  {details}", "-")?,
                    }
                }
            }
            Ok(())
        })?;
        w.flush()?;
        Ok(())
    }

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
        let all_failed = failed == total && !self.interrupted;
        let single_message = || {
            first
                .message
                .clone()
                .unwrap_or_else(|| format!("customer {}: {}", first.id, first.outcome.as_str()))
        };
        if all_failed && count(Outcome::NotFound) == failed {
            return Err(Error::NotFound(if failed == 1 {
                single_message()
            } else {
                format!("none of the {failed} customers exist")
            }));
        }
        if all_failed && count(Outcome::Failed) == failed {
            // Nothing done because a service (the SMTP server) failed.
            return Err(Error::Database(if failed == 1 {
                single_message()
            } else {
                format!("all {failed} customers failed: {}", single_message())
            }));
        }
        if all_failed && count(Outcome::Refused) == failed {
            return Err(Error::Refused(if failed == 1 {
                single_message()
            } else {
                format!("all {failed} customers were refused; see the results")
            }));
        }
        Err(Error::Partial(format!(
            "{}: {failed} of {total} customers not done ({})",
            self.action,
            self.summary_line()
        )))
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
    #[serde(borrow)]
    outcome: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    message: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    changes: Option<&'a serde_json::value::RawValue>,
}

/// The ID cell of a result row: the id, or the email that named no one.
fn shown_id(r: &ItemResult) -> String {
    match &r.email {
        Some(e) if r.id == NO_ID => output::sanitize(e),
        _ => r.id.to_string(),
    }
}

/// The DETAILS cell of a result row.
fn describe(r: &ItemResult) -> String {
    describe_parts(
        r.message.as_deref(),
        r.changes.as_deref(),
        r.temporary_password.as_ref().map(|p| p.as_str()),
    )
}

/// A DETAILS cell on one plain line: terminal-safe, line breaks as "; ".
fn plain_cell(details: &str) -> String {
    output::sanitize_multiline(details).replace('\n', "; ")
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
    if let Some(p) = temporary_password {
        parts.push(format!("temporary password: {p}"));
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
    /// `--status` when filters are given without it (restore: deleted).
    pub default_status: Option<StatusFilter>,
    /// Set when the command takes one customer only (the usage error for more).
    pub at_most_one: Option<&'a str>,
    /// How the batches meet their transactions ([`Commit::PerBatch`] for
    /// most commands).
    pub commit: Commit,
}

/// Where a run's customers come from.
enum Selection {
    /// Named customers, resolved to ids (duplicates dropped, first kept),
    /// and the emails that name no customer.
    Named { ids: Vec<i64>, unknown: Vec<String> },
    /// Customers matching `list`'s filters, read page by page.
    Filter(Filters),
}

/// Resolves the named customers: emails one query per `batch` names.
fn resolve_named(
    conn: &mut DbConn,
    refs: Vec<CustomerRef>,
    batch: usize,
) -> Result<(Vec<i64>, Vec<String>)> {
    let mut ids = Vec::with_capacity(refs.len());
    let mut unknown = Vec::new();
    for chunk in refs.chunks(batch) {
        let emails: Vec<String> = chunk
            .iter()
            .filter_map(|r| match r {
                CustomerRef::Email(e) => Some(e.clone()),
                CustomerRef::Id(_) => None,
            })
            .collect();
        let found = Customer::ids_by_email(conn, &emails)?;
        for r in chunk {
            match r {
                CustomerRef::Id(id) => ids.push(*id),
                CustomerRef::Email(e) => match found.get(e) {
                    Some(id) => ids.push(*id),
                    None if !unknown.contains(e) => unknown.push(e.clone()),
                    None => {}
                },
            }
        }
    }
    let mut seen = std::collections::HashSet::with_capacity(ids.len());
    ids.retain(|id| seen.insert(*id));
    Ok((ids, unknown))
}

/// Runs a bulk command: selects its customers (ids, emails, `--ids-from`,
/// or `list`'s filters — not both), enforces `--max-changes` before
/// anything changes, asks for confirmation (more than one customer, or
/// `always_confirm`), then runs `batch` batch by batch, each batch one write
/// transaction. Filter-selected batches are paged by id outside the
/// transaction and checked again inside it, after their rows are locked
/// (see [`filter::still_matching`]): who no longer matches is `unchanged`.
/// On SQLite (not a dry run) each page is selected inside its batch's
/// `BEGIN IMMEDIATE` instead, under the write lock, so selection and check
/// are one query ([`filter::page_states`]). Either way the states read under
/// the lock are handed to `batch` ([`Batch::lock_states`]).
pub(crate) fn execute(
    ctx: &mut Ctx,
    spec: &RunSpec<'_>,
    args: &TargetArgs,
    batch: &mut BatchFn<'_>,
) -> Result<RunReport> {
    let filters = parse_filters(spec, args)?;
    execute_filtered(ctx, spec, args, filters, batch)
}

/// The run's filters, parsed against one `now` (`None`: customers are
/// named). Exit 2 when both customers and filters are given. A command
/// whose batch function checks the filters again itself (a
/// [`Commit::ByBatchFn`] batch re-checking at its commit) parses them here
/// and hands the same value to [`execute_filtered`].
pub(crate) fn parse_filters(spec: &RunSpec<'_>, args: &TargetArgs) -> Result<Option<Filters>> {
    if !args.filters.any() {
        return Ok(None);
    }
    if !args.ids.is_empty() || args.ids_from.is_some() {
        return Err(Error::Usage(
            "give customers (IDs, emails or --ids-from) or filters, not both".into(),
        ));
    }
    Ok(Some(
        args.filters.parse(spec.default_status, crate::db::now())?,
    ))
}

/// [`execute`] with the filters already parsed by [`parse_filters`].
pub(crate) fn execute_filtered(
    ctx: &mut Ctx,
    spec: &RunSpec<'_>,
    args: &TargetArgs,
    filters: Option<Filters>,
    batch: &mut BatchFn<'_>,
) -> Result<RunReport> {
    let batch_size = args.batch_size as usize;
    let selection = if let Some(f) = filters {
        Selection::Filter(f)
    } else {
        let refs = args.collect_refs()?;
        let (ids, unknown) = resolve_named(&mut ctx.conn, refs, batch_size)?;
        Selection::Named { ids, unknown }
    };
    run_selection(ctx, spec, selection, args, batch)
}

/// Runs a command over customers it chose itself (undo: the customers of
/// a run), with the engine's confirmation, batches and report.
pub(crate) fn execute_ids(
    ctx: &mut Ctx,
    spec: &RunSpec<'_>,
    ids: Vec<i64>,
    args: &TargetArgs,
    batch: &mut BatchFn<'_>,
) -> Result<RunReport> {
    let selection = Selection::Named {
        ids,
        unknown: Vec::new(),
    };
    run_selection(ctx, spec, selection, args, batch)
}

fn run_selection(
    ctx: &mut Ctx,
    spec: &RunSpec<'_>,
    selection: Selection,
    args: &TargetArgs,
    batch: &mut BatchFn<'_>,
) -> Result<RunReport> {
    let action = spec.action;
    let batch_size = args.batch_size as usize;
    let mut report = RunReport::new(action, args.dry_run, ctx.actor.run_id.clone());
    if let (Some(why), Selection::Named { ids, unknown }) = (spec.at_most_one, &selection) {
        if ids.len() + unknown.len() > 1 {
            return Err(Error::Usage(why.into()));
        }
    }

    // --max-changes: count what would change first, refuse before anything.
    let limit = spec
        .changeable
        .and(args.max_changes.or(ctx.settings.max_changes));
    let mut would_change: Option<i64> = None;
    let changeable = spec.changeable.unwrap_or(Changeable::Live);
    let count = |conn: &mut DbConn| -> Result<i64> {
        match &selection {
            Selection::Named { ids, .. } => {
                let mut n = 0;
                for chunk in ids.chunks(batch_size) {
                    n += filter::count_changeable(conn, None, Some(chunk), changeable)?;
                }
                Ok(n)
            }
            Selection::Filter(f) => filter::count_changeable(conn, Some(f), None, changeable),
        }
    };
    if let Some(limit) = limit {
        let n = count(&mut ctx.conn)?;
        would_change = Some(n);
        check_max_changes(
            &mut ctx.conn,
            action,
            usize::try_from(n).unwrap_or(0),
            Some(limit),
        )?;
    }

    // Confirmation.
    let named = match &selection {
        Selection::Named { ids, unknown } => Some(ids.len() + unknown.len()),
        Selection::Filter(_) => None,
    };

    if named == Some(0) {
        return Ok(report); // an empty --ids-from: nothing to do, a success
    }
    if !args.dry_run {
        let (several, n) = match named {
            Some(n) => (n > 1, n as i64),
            None => {
                // Filters: how many is known only by counting; skipped when
                // --yes makes the answer unneeded.
                let n = if args.yes {
                    would_change.unwrap_or(2)
                } else {
                    match would_change {
                        Some(n) => n,
                        None => count(&mut ctx.conn)?,
                    }
                };
                (n != 1, n)
            }
        };
        if n > 0 {
            ctx.confirm_change(
                args.yes,
                spec.always_confirm || several,
                several,
                &(spec.question)(n),
            )?;
        }
    }

    let total = match &selection {
        Selection::Named { ids, .. } => ids.len(),
        Selection::Filter(_) => would_change.map(|n| n as usize).unwrap_or(0),
    };
    if total > batch_size || matches!(selection, Selection::Filter(_)) {
        stop_between_batches_on_ctrl_c();
    }
    let progress = crate::progress::Progress::new(total, action);
    let commit = spec.commit;
    // One batch: its results go into `report`; returns how many results it
    // added and the highest id among them (the keyset for the next page).
    // `select_after`: select the page itself inside the transaction, after id N.
    let mut run_batch = |ctx: &mut Ctx,
                         report: &mut RunReport,
                         ids: &[i64],
                         filter: Option<&Filters>,
                         select_after: Option<i64>|
     -> Result<(usize, Option<i64>)> {
        let actor = ctx.actor.clone();
        // `locked`: inside the batch's write transaction (rows locked then).
        let mut step = |conn: &mut DbConn, locked: bool| -> Result<Vec<ItemResult>> {
            let Some(f) = filter else {
                return batch(conn, &actor, &mut Batch::new(ids), args.dry_run);
            };
            if let Some(after) = select_after {
                // SQLite: the page is selected inside BEGIN IMMEDIATE,
                // under the database's write lock, so no writer can
                // change a customer between this selection and the
                // change: the filter is checked under the batch's lock
                // by construction (and no second query is needed, for
                // the filter or for the states).
                let states = filter::page_states(conn, f, after, batch_size as i64)?;
                if states.is_empty() {
                    return Ok(Vec::new());
                }
                let page: Vec<i64> = states.iter().map(|s| s.id).collect();
                let locked = states.into_iter().map(|s| (s.id, s)).collect();
                return batch(
                    conn,
                    &actor,
                    &mut Batch {
                        ids: &page,
                        locked: Some(locked),
                    },
                    args.dry_run,
                );
            }
            // The batch's rows are locked first (PostgreSQL FOR UPDATE, in id
            // order; SQLite holds the write lock), then the filter is
            // evaluated again: what a competing transaction committed
            // before the lock was granted is seen. Outside a transaction
            // (dry runs, Commit::ByBatchFn) it is a check just before the
            // batch function runs; a ByBatchFn batch checks again at its
            // own commit.
            let states = if locked {
                Some(Customer::lock_states(conn, ids)?)
            } else {
                None
            };
            let matching = filter::still_matching(conn, f, ids)?;
            let (live, gone): (Vec<i64>, Vec<i64>) =
                ids.iter().partition(|id| matching.contains(id));
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
                batch(conn, &actor, &mut live_batch, args.dry_run)?
            };
            results.extend(gone.into_iter().map(|id| {
                ItemResult::new(id, Outcome::Unchanged).with_message("no longer matches")
            }));
            results.sort_by_key(|r| r.id);
            Ok(results)
        };
        let results = if args.dry_run || commit == Commit::ByBatchFn {
            step(&mut ctx.conn, false)?
        } else if commit == Commit::AfterPrinting {
            let out = ctx.out;
            let mut added = (0, None);
            write_transaction(&mut ctx.conn, |conn| {
                let before = report.results.len();
                let first_failure = report.first_failure.clone();
                let results = step(conn, true)?;
                added = (results.len(), results.iter().map(|r| r.id).max());
                report.add(results)?;
                if let Err(e) = report.print(&out) {
                    // Rolled back: these results did not happen.
                    report.truncate(before);
                    report.first_failure = first_failure;
                    return Err(match e {
                        Error::Io(e) => Error::Database(format!(
                            "cannot write to standard output ({}): the change was rolled back, nothing was changed",
                            e.kind()
                        )),
                        other => other,
                    });
                }
                report.printed = true;
                Ok(())
            })?;
            return Ok(added);
        } else {
            write_transaction(&mut ctx.conn, |conn| step(conn, true))?
        };
        let added = (results.len(), results.iter().map(|r| r.id).max());
        report.add(results)?;
        Ok(added)
    };
    let outcome: Result<()> = (|| {
        match &selection {
            Selection::Named { ids, unknown } => {
                report.add(
                    unknown
                        .iter()
                        .map(|e| ItemResult::email_not_found(e))
                        .collect(),
                )?;
                for chunk in ids.chunks(batch_size) {
                    if INTERRUPTED.load(Ordering::SeqCst) {
                        report.interrupted = true;
                        break;
                    }
                    run_batch(ctx, &mut report, chunk, None, None)?;
                    progress.advance(chunk.len());
                }
            }
            Selection::Filter(f) => {
                let mut after = 0;
                loop {
                    if INTERRUPTED.load(Ordering::SeqCst) {
                        report.interrupted = true;
                        break;
                    }
                    if !args.dry_run
                        && commit == Commit::PerBatch
                        && filter::pages_selected_under_lock(&ctx.conn)
                    {
                        let (n, last) = run_batch(ctx, &mut report, &[], Some(f), Some(after))?;
                        let Some(last) = last else {
                            break;
                        };
                        after = last;
                        progress.advance(n);
                        continue;
                    }
                    let page = filter::page_ids(&mut ctx.conn, f, after, batch_size as i64)?;
                    let Some(&last) = page.last() else { break };
                    after = last;
                    run_batch(ctx, &mut report, &page, Some(f), None)?;
                    progress.advance(page.len());
                }
            }
        }
        Ok(())
    })();
    progress.finish();
    if let Err(e) = outcome {
        if !report.is_empty() {
            let remaining = match &selection {
                Selection::Named { ids, unknown } => format!(
                    "the remaining {}",
                    (ids.len() + unknown.len()).saturating_sub(report.len())
                ),
                Selection::Filter(_) => "the remaining matching customers".into(),
            };
            ctx.out.note(&format!(
                "{action}: stopped by an error after {} customers ({}); those are committed, {remaining} were not touched: run the same command again to finish",
                report.len(),
                report.summary_line()
            ));
        }
        return Err(e);
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_byte_order_mark_opens_a_file_only() {
        let ids = read_ids(&b"\xEF\xBB\xBF5\n# c\n\n7\n"[..], "f").map_err(|e| e.to_string());
        assert_eq!(ids, Ok(vec![CustomerRef::Id(5), CustomerRef::Id(7)]));
        assert!(read_ids(&b"5\n\xEF\xBB\xBF7\n"[..], "f").is_err());
    }
}
