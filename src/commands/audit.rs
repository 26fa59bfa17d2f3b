//! `custadm audit`: read the audit trail, newest first, filtered;
//! `audit verify` checks its hash chain and `audit digest` prints its head
//! (contract: "Audit", exit 8; the chain itself is `db::audit::chain`).

use crate::context::Ctx;
use crate::db::audit::anchor::{AnchorFile, Sink};
use crate::db::audit::verify;
use crate::db::audit::{AuditEntry, AuditFilter};
use crate::error::{Error, Result};
use crate::output::{rfc3339, Column};

/// Options of `custadm audit`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  custadm audit --customer 42\n  custadm audit --operator alice --since 7d\n  custadm audit --customer ann.lee@example.com\n  custadm audit --run 01JDQ5V7X1N3Z8G4M2K6P9R0ST     # every row of one run\n  custadm audit --limit 50 --before 1200             # the next page\n  custadm audit --action purge -o json | jq '.[].details'\n  custadm audit verify --digest @/var/lib/custadm/digests\n  custadm audit digest >> /var/lib/custadm/digests\n  custadm audit keygen /etc/custadm/audit-signing.key   # then audit_signing_key\n  custadm --profile production audit verify --anchors   # the audit_anchor file\n  custadm audit archive --before 365d --to /srv/audit/custadm-2025.jsonl\n  custadm audit verify --archive /srv/audit/custadm-2025.jsonl --anchors\n\nExit codes: 0 shown, 2 bad filter, 3 a --run or --customer the trail does not\nknow, 4 unknown operator or not allowed, 6 database unreachable or schema\nmismatch, 9 output could not be written; verify: 0 intact, 8 the trail was\naltered.",
    args_conflicts_with_subcommands = true
)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub command: Option<AuditCommand>,
    /// Only rows about this customer (id, or the email of an existing customer)
    #[arg(long, value_name = "ID", value_parser = crate::bulk::parse_customer_ref)]
    pub customer: Option<crate::validate::CustomerRef>,
    /// Only rows written by this run (the `run` of a changing command's result)
    #[arg(long, value_name = "RUN")]
    pub run: Option<String>,
    /// Only rows by this operator (after `audit`, `--operator` filters; before it, as in
    /// `custadm --operator ann audit`, it names who runs the command)
    #[arg(long, value_name = "NAME")]
    pub operator: Option<String>,
    /// Only this action (view, edit, activate, deactivate, reset_password, delete, restore, purge, operator_add, …)
    #[arg(long, value_name = "A")]
    pub action: Option<String>,
    /// Only rows since WHEN: a date (2026-01-31) or an age (90d, 12h, 2w)
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
    /// Only rows older than row ID (the next page: stderr names ID when --limit cuts the list)
    #[arg(long, value_name = "ID")]
    pub before: Option<i64>,
    /// At most N rows
    #[arg(long, value_name = "N", default_value_t = 100, allow_negative_numbers = true, value_parser = crate::bulk::parse_limit)]
    pub limit: i64,
}

impl AuditArgs {
    /// True for `audit archive` (an admin change: a run id, an audit row).
    pub fn is_archive(&self) -> bool {
        matches!(self.command, Some(AuditCommand::Archive { .. }))
    }
}

/// `audit verify` and `audit digest`.
#[derive(Debug, clap::Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain of every audit row (exit 8 naming the first bad row)
    ///
    /// Walks the whole trail in id order (streaming: memory does not grow with it) and
    /// recomputes every row's content digest and chain link. Exit 0 with the number of
    /// rows when intact; exit 8 naming the first row that was altered, removed, inserted by
    /// another program or reordered. Rows from before the chain existed are counted apart.
    /// With --digest, the chain must also still pass through every digest given; with
    /// --anchors, every anchor of the file (see `audit_anchor`), in order, validly signed
    /// when audit_public_key is set; `warning:` lines name rows no anchor covers. With
    /// --archive, the archive's rows are walked first and the table's continue from its
    /// last row (the cut `audit archive` recorded); anchors and digests of archived rows
    /// are then checked too (without it they are counted, with a `warning:`).
    #[command(
        after_help = "Examples:\n  custadm audit verify\n  custadm audit verify --digest \"$(cat head.json)\"\n  # one digest a line, appended daily (anchor lines and syslog extracts too)\n  custadm audit verify --digest @/var/lib/custadm/digests\n  # the profile's file: anchor sink\n  custadm --profile production audit verify --anchors\n  custadm audit verify --anchors /var/lib/custadm/anchors.jsonl\n  # the archive, then the table from its last row, anchors checked across both\n  custadm audit verify --archive /srv/audit/custadm-2025.jsonl --anchors\n  # an archive on its own (no database is opened)\n  custadm audit verify --archive-only --archive /srv/audit/custadm-2025.jsonl\n\nExit codes: 0 intact (warnings name anchors or digests in the archived range\nthat were not checked, and rows after the last anchor), 2 unreadable --digest,\n--anchors or --archive file, or an archive that is not the one the trail\ncontinues from, 4 unknown operator or not allowed, 6 bad audit_public_key,\ndatabase unreachable or schema mismatch, 8 the trail or an archive was altered,\nthe archive cut was moved, or an anchor is not on it (named by its line), 9\noutput could not be written."
    )]
    Verify {
        /// The output of `audit digest` as JSON text, or @FILE with one digest a line
        /// (anchor lines and syslog extracts of them work too)
        #[arg(long, value_name = "D")]
        digest: Option<String>,
        /// Also check every anchor in FILE (default: the profile's `file:` anchor sink):
        /// each must lie on the chain, after the one before it, validly signed when
        /// audit_public_key is set
        #[arg(long, value_name = "FILE", num_args = 0..=1)]
        anchors: Option<Option<std::path::PathBuf>>,
        /// An archive made by `audit archive`, walked before the table: the table's rows
        /// must continue from its last row. Repeat for several, oldest first
        #[arg(long, value_name = "FILE", action = clap::ArgAction::Append, conflicts_with = "since")]
        archive: Vec<std::path::PathBuf>,
        /// Check the --archive files on their own: no database is opened
        #[arg(long, requires = "archive", conflicts_with_all = ["digest", "anchors", "since"])]
        archive_only: bool,
        /// Check only the rows after this digest's row (which must still match): JSON text or
        /// @FILE (its last digest); the nightly check then costs what the night wrote
        #[arg(long, value_name = "D")]
        since: Option<String>,
    },
    /// Print the chain's head (id, chain_hash, occurred_at) as one line of JSON
    ///
    /// Keep it outside the database (a file, syslog, a ticket): `audit verify --digest`
    /// then detects a history that was truncated or rewritten up to that point.
    #[command(
        after_help = "Examples:\n  custadm audit digest >> /var/lib/custadm/digests\n  custadm audit digest | logger -t custadm-digest\n\nExit codes: 0 printed, 2 bad usage, 4 unknown operator or not allowed, 6\ndatabase unreachable or schema mismatch, 8 the chain head does not match the\ntrail, 9 output could not be written."
    )]
    Digest,
    /// Move the audit rows older than WHEN into an archive file (admin, password-confirmed)
    ///
    /// Writes the oldest rows (every row before the first one at or after WHEN) with their
    /// chain fields to FILE as JSON lines, syncs it, reads it back and verifies it, and only
    /// then deletes them from the table, in one transaction; the rows left still verify
    /// from the archive's last row on. Killed half-way, nothing is lost: the same command
    /// again finishes the job. `audit verify --archive FILE` checks an archive on its own.
    /// Archives are yours to keep or destroy: a later purge redacts only the rows left in
    /// the database.
    #[command(
        after_help = "Examples:\n  custadm audit archive --before 365d --to /srv/audit/custadm-2025.jsonl\n  custadm audit verify --archive /srv/audit/custadm-2025.jsonl\n\nExit codes: 0 archived (or nothing older than WHEN, or FILE holds it already:\nan earlier run finished), 2 bad WHEN, FILE exists (and is not that), or no\nterminal and no --password-stdin, 4 unknown operator, not admin, wrong\npassword or locked, 6 database unreachable or schema mismatch, 8 the trail\ndoes not verify, 9 FILE could not be written (nothing deleted), or done but\nstdout or an audit anchor could not be written."
    )]
    Archive {
        /// Archive the rows older than WHEN: a date (2026-01-31) or an age (365d, 12h, 2w)
        #[arg(long, value_name = "WHEN")]
        before: String,
        /// The archive file to write (never overwritten)
        #[arg(long, value_name = "FILE")]
        to: std::path::PathBuf,
        /// Read your password from one line of standard input
        #[arg(long)]
        password_stdin: bool,
    },
    /// Make an Ed25519 signing key for audit anchors and digests
    ///
    /// Writes a new key to FILE (mode 0600; an existing file is never overwritten) and
    /// prints the line verifiers put in their profile: `audit_public_key = "ed25519:…"`.
    /// Point the profile's `audit_signing_key` at FILE to sign every anchor and digest.
    #[command(
        after_help = "Examples:\n  custadm audit keygen /etc/custadm/audit-signing.key\n\nExit codes: 0 made, 2 FILE exists or cannot be written, 9 output could not be\nwritten."
    )]
    Keygen {
        /// The new key file
        #[arg(value_name = "FILE")]
        file: std::path::PathBuf,
    },
}

/// One audit row in JSON (`audit -o json`, `export`): `details` as the JSON
/// it holds (or as a string when another program wrote something else).
#[derive(serde::Serialize)]
pub struct AuditRow {
    id: i64,
    occurred_at: String,
    operator: String,
    os_user: String,
    action: String,
    customer_id: Option<i64>,
    outcome: String,
    reason: Option<String>,
    details: serde_json::Value,
    run_id: Option<String>,
}

impl From<AuditEntry> for AuditRow {
    fn from(e: AuditEntry) -> Self {
        AuditRow {
            id: e.id,
            occurred_at: e.occurred_at.rfc3339(),
            operator: e.operator,
            os_user: e.os_user,
            action: e.action,
            customer_id: e.customer_id,
            outcome: e.outcome,
            reason: e.reason,
            details: serde_json::from_str(&e.details)
                .unwrap_or(serde_json::Value::String(e.details)),
            run_id: e.run_id,
        }
    }
}

/// Runs `custadm audit`.
pub fn run(ctx: &mut Ctx, args: AuditArgs) -> Result<()> {
    match args.command {
        Some(AuditCommand::Verify {
            archive_only: true, ..
        }) => {
            return Err(Error::Internal(
                "audit verify --archive-only dispatched late".into(),
            ))
        }
        Some(AuditCommand::Verify {
            digest,
            anchors,
            since,
            archive,
            archive_only: false,
        }) => {
            return verify(ctx, digest.as_deref(), anchors, since.as_deref(), &archive)
                .map_err(next_step)
        }
        Some(AuditCommand::Archive {
            before,
            to,
            password_stdin,
        }) => return archive(ctx, &before, &to, password_stdin),
        Some(AuditCommand::Digest) => return digest(ctx),
        Some(AuditCommand::Keygen { .. }) => {
            return Err(Error::Internal("audit keygen dispatched late".into()))
        }
        None => {}
    }
    let since = args
        .since
        .as_deref()
        .map(|w| crate::validate::when(w, crate::db::now()))
        .transpose()
        .map_err(|e| Error::Usage(format!("--since: {e}")))?;
    let customer_id = match &args.customer {
        None => None,
        // An id is taken as given: rows outlive a purged customer.
        Some(crate::validate::CustomerRef::Id(id)) => Some(*id),
        Some(named) => Some(
            crate::db::customer::Customer::resolve(&mut ctx.conn, named)?
                .ok_or_else(|| crate::commands::view::not_found(named))?,
        ),
    };
    let filter = AuditFilter {
        customer_id,
        run_id: args.run,
        operator: args.operator,
        action: args.action,
        since,
        before: args.before,
        // One more than shown: whether --limit cut the list.
        limit: args.limit.saturating_add(1),
    };
    let mut entries = crate::db::bounded(&mut ctx.conn, |c| AuditEntry::search(c, &filter))?;
    if entries.is_empty() {
        // A run or customer the trail does not know is not an empty page.
        if let Some(run) = &filter.run_id {
            if !crate::db::bounded(&mut ctx.conn, |c| AuditEntry::run_exists(c, run))? {
                return Err(Error::NotFound(format!(
                    "no run {} in the audit trail: `custadm runs` lists the runs",
                    crate::text::sanitize(run)
                )));
            }
        }
        if let Some(id) = filter.customer_id {
            // Known: rows about them (a purged customer's stay), or the
            // customer exists (and has no history yet).
            let known = crate::db::bounded(&mut ctx.conn, |c| {
                Ok(AuditEntry::customer_known(c, id)?
                    || !crate::db::customer::Customer::find_many(c, &[id])?.is_empty())
            })?;
            if !known {
                return Err(Error::NotFound(format!(
                    "customer {id} not found, and no audit row is about a customer {id}"
                )));
            }
        }
    }
    let cut = entries.len() as i64 > args.limit;
    let mut more = None;
    if cut {
        entries.truncate(usize::try_from(args.limit).unwrap_or(usize::MAX));
        more = entries
            .last()
            .map(|last| format!("more rows: continue with --before {}", last.id));
    }
    if ctx.out.is_json() {
        if let Some(more) = &more {
            ctx.out.note(more);
        }
        let rows: Vec<AuditRow> = entries.into_iter().map(AuditRow::from).collect();
        return ctx.out.json(&rows);
    }
    let rows = entries.into_iter().map(|e| {
        vec![
            e.id.to_string(),
            e.occurred_at.human(),
            e.operator,
            e.os_user,
            e.action,
            e.customer_id
                .map(|c| c.to_string())
                .unwrap_or_else(|| "-".into()),
            e.outcome,
            // Quoted, so that a reason of "-" or blanks is not read as none.
            e.reason
                .map(|r| format!("\"{r}\""))
                .unwrap_or_else(|| "-".into()),
            details_text(&e.details),
            e.run_id.unwrap_or_else(|| "-".into()),
        ]
    });
    ctx.out
        .fitted_table(&AUDIT_COLUMNS, rows, Some("No audit rows match."))?;
    // After the table, where the reader of the last row looks.
    if let Some(more) = &more {
        ctx.out.note(more);
    }
    Ok(())
}

/// The audit table's columns, giving way in one order at every width: RUN
/// first, then OS USER, REASON, OUTCOME, OPERATOR; then DETAILS is cut
/// below its first part, then CUSTOMER, DETAILS and TIME are left out; the
/// row's id and ACTION always stay. Atomic values (ids, the time, the
/// action, operator and OS user names, the outcome, the run id) are never
/// cut, only left out (review of issue 26: `2026-12-0…` at 80 columns,
/// `activa…` at 40); free text (REASON, DETAILS) is cut with `…`. A
/// left-out OUTCOME other than `ok` shows in DETAILS (`[failed] email_to:
/// …`); DETAILS is cut between its parts, the first (a change,
/// `is_active: true → false`) kept whole up to 32 columns while other
/// columns can go.
const AUDIT_COLUMNS: [Column; 10] = [
    Column::keep("ID"),
    Column::keep("TIME (UTC)").dropped(9),
    Column::keep("OPERATOR").dropped(5),
    Column::keep("OS USER").dropped(2),
    Column::keep("ACTION"),
    Column::keep("CUSTOMER").dropped(7),
    Column::keep("OUTCOME")
        .dropped(4)
        .folded_into("DETAILS", "ok"),
    Column::cut("REASON", 8).dropped(3),
    Column::parts("DETAILS", "; ", 32)
        .squeezed(6, 12)
        .dropped(8),
    Column::keep("RUN").dropped(1),
];

/// An audit row's `details` (JSON text) as a table reads it (contract,
/// "Audit"): `is_active: true → false`, `full_name: "A" → "B"`, other keys
/// as `key: value`, separated by `; `; `changes` objects are read through,
/// and a key they change is not shown again as a plain value; `{}` is `-`.
/// Text that is not a JSON object is shown as it is.
pub(crate) fn details_text(details: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(details) {
        Ok(serde_json::Value::Object(mut map)) => {
            // A key shown as a change is not shown again as a plain value
            // (a delete keeps `deleted_at` as stored beside its change).
            if let Some(serde_json::Value::Object(changes)) = map.get("changes") {
                let changed: Vec<String> = changes.keys().cloned().collect();
                map.retain(|k, _| !changed.contains(k));
            }
            let mut parts = Vec::new();
            describe_object(&map, &mut parts);
            if parts.is_empty() {
                "-".into()
            } else {
                parts.join("; ")
            }
        }
        _ => details.to_string(),
    }
}

fn describe_object(map: &serde_json::Map<String, serde_json::Value>, parts: &mut Vec<String>) {
    use crate::text::json_value_text;
    use serde_json::Value;
    for (key, value) in map {
        match value {
            Value::Object(change)
                if change.len() == 2
                    && change.contains_key("old")
                    && change.contains_key("new") =>
            {
                parts.push(format!(
                    "{key}: {} → {}",
                    json_value_text(change.get("old").unwrap_or(&Value::Null)),
                    json_value_text(change.get("new").unwrap_or(&Value::Null))
                ));
            }
            Value::Object(inner) if key == "changes" => describe_object(inner, parts),
            Value::Object(inner) => {
                let mut nested = Vec::new();
                describe_object(inner, &mut nested);
                parts.push(format!("{key}: {{{}}}", nested.join(", ")));
            }
            other => parts.push(format!("{key}: {}", json_value_text(other))),
        }
    }
}

/// What to do after an exit 8 (README, Troubleshooting): added to every
/// integrity failure of `audit verify` that does not name a step of its own.
fn next_step(e: Error) -> Error {
    match e {
        Error::Integrity(msg) if !msg.contains("Troubleshooting") => Error::Integrity(format!(
            "{msg}; keep the database and the anchor and archive files as they are (evidence) and compare with your backups and archives (README, Troubleshooting: exit 8)"
        )),
        other => other,
    }
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `audit verify`: exit 0 with the counts, or [`Error::Integrity`] (exit 8).
fn verify(
    ctx: &mut Ctx,
    digest: Option<&str>,
    anchors: Option<Option<std::path::PathBuf>>,
    since: Option<&str>,
    archives: &[std::path::PathBuf],
) -> Result<()> {
    let public_key = ctx.settings.public_key()?;
    let points = digest
        .map(|d| verify::parse_digests("--digest", d, public_key.as_ref()))
        .transpose()?;
    // The newest digest given (the last line of a file appended daily).
    let since = since
        .map(|d| verify::parse_digests("--since", d, public_key.as_ref()))
        .transpose()?
        .and_then(|mut all| all.pop());
    let anchor_path = match anchors {
        None => None,
        Some(Some(path)) => Some(path),
        Some(None) => Some(default_anchor_file(ctx)?),
    };
    let mut anchor_file = anchor_path
        .as_deref()
        .map(|p| AnchorFile::open(p, public_key.as_ref()))
        .transpose()?;
    let result = verify::verify(
        &mut ctx.conn,
        points.as_deref().unwrap_or_default(),
        anchor_file.as_mut(),
        since.as_ref(),
        archives,
    )?;
    if !ctx.out.is_json() {
        for archive in &result.archives {
            archive_line(ctx, archive, archives.len() > 1)?;
        }
    }
    let anchor_name = anchor_file.as_ref().map(|f| f.name().to_string());
    if let Some(name) = &anchor_name {
        for line in &result.torn_anchor_lines {
            ctx.out.note(&format!(
                "warning: {name} line {line}: a torn anchor (cut short, as by a crash in the middle of an append): skipped"
            ));
        }
    }
    // Below an archive cut whose archive was not given: counted, not
    // checked (the rows are legitimately archived: the cut is the one
    // `audit archive` recorded on the chain). Exit 0, with a warning.
    let given = if archives.is_empty() {
        "--archive FILE"
    } else {
        "the earlier archives too (--archive, oldest first)"
    };
    if let (Some(cut), Some(name)) = (result.unchecked_below, &anchor_name) {
        if result.anchors_archived > 0 {
            ctx.out.note(&format!(
                "warning: {} of {name} {} in the archived range (rows up to {cut}) and {} not checked: check {} with {given}",
                plural(result.anchors_archived, "anchor", "anchors"),
                if result.anchors_archived == 1 { "lies" } else { "lie" },
                if result.anchors_archived == 1 { "was" } else { "were" },
                if result.anchors_archived == 1 { "it" } else { "them" }
            ));
        }
    }
    if let Some(cut) = result.unchecked_below {
        if result.digests_archived > 0 {
            ctx.out.note(&format!(
                "warning: {} {} in the archived range (rows up to {cut}) and {} not checked: check {} with {given}",
                plural(result.digests_archived as u64, "digest", "digests"),
                if result.digests_archived == 1 { "lies" } else { "lie" },
                if result.digests_archived == 1 { "was" } else { "were" },
                if result.digests_archived == 1 { "it" } else { "them" }
            ));
        }
    }
    // Rows no anchor covers: written after the last anchor (a command
    // whose sink failed, a crash, or another program).
    if let (Some(name), Some((rows, after))) = (&anchor_name, result.unanchored) {
        if result.anchors_read == 0 {
            ctx.out.warn(&format!(
                "{name} holds no anchor (empty, or cut short): none of the {} checked is covered by an anchor; custadm appends one after every command that writes audit rows",
                plural(result.rows, "chained row", "chained rows")
            ));
        } else if rows > 0 {
            ctx.out.warn(&format!(
                "the newest {}{} {} covered by no anchor in {name}: written by a command whose anchor could not be written (exit 9), or by another program; look at them with `custadm audit --limit {rows}`, then append `custadm audit digest` to {name}",
                plural(rows, "chained row", "chained rows"),
                after.map(|a| format!(" (after row {a})")).unwrap_or_default(),
                if rows == 1 { "is" } else { "are" }
            ));
        }
    }
    if result.prehistory_unsealed {
        ctx.out.warn(&format!(
            "the {} before the chain's start {} checked by {} count only (the chain was started by an older custadm): run `custadm db migrate` once to seal them on the chain",
            plural(result.prehistory, "row", "rows"),
            if result.prehistory == 1 { "is" } else { "are" },
            if result.prehistory == 1 { "its" } else { "their" }
        ));
    }
    if ctx.out.is_json() {
        return ctx.out.json(&serde_json::json!({
            "intact": true,
            "rows": result.rows,
            "prehistory": result.prehistory,
            "digests_checked": result.digests_checked,
            "anchors_checked": result.anchors_checked,
            "since": since.as_ref().map(|d| d.id),
            "head": result.head,
            "archived_through": result.unchecked_below,
            "anchors_archived": result.anchors_archived,
            "digests_archived": result.digests_archived,
            "unanchored_rows": result.unanchored.map(|u| u.0),
            "archives": result.archives,
            "prehistory_unsealed": result.prehistory_unsealed,
        }));
    }
    let mut line = match &since {
        None => format!(
            "audit trail intact: {}",
            plural(result.rows, "chained row", "chained rows")
        ),
        Some(d) => format!(
            "audit trail intact since row {}: {} after it",
            d.id,
            plural(result.rows, "chained row", "chained rows")
        ),
    };
    if result.prehistory > 0 {
        line.push_str(&format!(
            ", {} from before the chain (not covered)",
            plural(result.prehistory, "row", "rows")
        ));
    }
    if let (Some(a), true) = (result.unchecked_below, since.is_none()) {
        line.push_str(&format!(" after the archive cut at row {a}"));
    } else if let Some(last) = result.archives.last().and_then(|a| a.head.as_ref()) {
        line.push_str(&format!(" after the archive's last row {}", last.id));
    }
    if anchor_file.is_some() {
        line.push_str(&format!(
            "; {} on the chain",
            plural(result.anchors_checked, "anchor", "anchors")
        ));
    }
    if result.digests_checked > 0 {
        line.push_str(&format!(
            "; passes through all {}",
            plural(result.digests_checked as u64, "digest", "digests")
        ));
    }
    ctx.out.line(&line)
}

/// One archive's line: `archive intact: …` (with its file when several
/// were given).
fn archive_line(ctx: &Ctx, archive: &verify::ArchiveChecked, named: bool) -> Result<()> {
    ctx.out.line(&archive_text(archive, named))
}

fn archive_text(archive: &verify::ArchiveChecked, named: bool) -> String {
    let mut line = if named {
        format!("archive {} intact: ", archive.file)
    } else {
        "archive intact: ".to_string()
    };
    line.push_str(&plural(archive.rows, "chained row", "chained rows"));
    if let Some(head) = &archive.head {
        line.push_str(&format!(
            ", ending at row {} ({})",
            head.id, head.chain_hash
        ));
    }
    if archive.prehistory > 0 {
        line.push_str(&format!(
            ", {} row(s) from before the chain",
            archive.prehistory
        ));
    }
    line
}

/// `audit digest`: the head as one line of JSON (whatever `-o` says: it is
/// meant to be appended to a file, one digest a line).
fn digest(ctx: &mut Ctx) -> Result<()> {
    use std::io::Write;
    let key = ctx.settings.signing_key_checked()?;
    let mut head = verify::head_digest(&mut ctx.conn)?.ok_or_else(|| {
        Error::Refused(
            "the audit chain has no rows yet: nothing to digest (any change or view starts it)"
                .into(),
        )
    })?;
    if let Some(key) = &key {
        head.signature = Some(key.sign(&head.signed())?);
    }
    let mut out = crate::stdout::stdout().lock();
    writeln!(out, "{}", serde_json::to_string(&head)?)?;
    out.flush()?;
    Ok(())
}

/// `--anchors` without FILE: the profile's first `file:` sink (exit 2 when
/// it has none).
fn default_anchor_file(ctx: &Ctx) -> Result<std::path::PathBuf> {
    for entry in &ctx.settings.audit_anchor {
        if let Sink::File(path) = crate::db::audit::anchor::parse_sink(entry)? {
            return Ok(path);
        }
    }
    Err(Error::Usage(
        "--anchors without FILE reads the profile's `file:` anchor sink, and audit_anchor names none: give --anchors FILE".into(),
    ))
}

/// `audit keygen FILE` (no database): the key, and the config line.
/// The line is what the command exists to hand over: `-q` does not hide it.
/// When it cannot be printed, the new key file is removed (a key whose
/// public half no one saw is of no use): exit 9, nothing left behind.
pub fn keygen(file: &std::path::Path, _out: &crate::output::Output) -> Result<()> {
    use std::io::Write;
    let key = crate::db::audit::signing::Key::generate(file)?;
    let printed = {
        let mut out = crate::stdout::stdout().lock();
        writeln!(out, "audit_public_key = \"{}\"", key.public_key()).and_then(|()| out.flush())
    };
    if let Err(e) = printed {
        let shown = crate::text::sanitize(&file.display().to_string());
        return Err(match std::fs::remove_file(file) {
            Ok(()) => Error::Output(std::io::Error::new(
                e.kind(),
                format!("{e}; the public key could not be printed, so the new key file {shown} was removed: run `custadm audit keygen` again where its output can be written"),
            )),
            Err(rm) => Error::Output(std::io::Error::new(
                e.kind(),
                format!("{e}; the public key could not be printed, and the new key file {shown} could not be removed ({rm}): delete it and run `custadm audit keygen` again"),
            )),
        });
    }
    Ok(())
}

/// `audit verify --archive-only --archive FILE…` (no database, no config):
/// the archives on their own, oldest first.
pub fn verify_archives_only(
    files: &[std::path::PathBuf],
    out: &crate::output::Output,
) -> Result<()> {
    let result = verify::verify_archives(files).map_err(next_step)?;
    if out.is_json() {
        if let [one] = result.archives.as_slice() {
            // As before several archives could be given.
            return out.json(&serde_json::json!({
                "intact": true,
                "rows": one.rows,
                "prehistory": one.prehistory,
                "head": one.head,
            }));
        }
        return out.json(&serde_json::json!({
            "intact": true,
            "rows": result.rows,
            "archives": result.archives,
            "head": result.head,
        }));
    }
    for archive in &result.archives {
        out.line(&archive_text(archive, files.len() > 1))?;
    }
    Ok(())
}

/// `audit archive --before WHEN --to FILE` (admin, password-confirmed).
fn archive(ctx: &mut Ctx, before: &str, to: &std::path::Path, password_stdin: bool) -> Result<()> {
    const ACTION: &str = "audit_archive";
    let before = crate::validate::when(before, crate::db::now())
        .map_err(|e| Error::Usage(format!("--before: {e}")))?;
    let source = ctx.require_admin_change(ACTION, None, password_stdin)?;
    crate::context::confirm::confirm_admin_password(ctx, ACTION, None, source)?;
    let entry = ctx
        .actor
        .entry(ACTION, None, crate::db::audit::OK, serde_json::json!({}));
    let done = crate::db::audit::archive::run(&mut ctx.conn, before, to, &entry)?;
    if ctx.out.is_json() {
        return ctx.out.json(&serde_json::json!({
            "action": ACTION,
            "archived": done.rows,
            "first_id": done.first_id,
            "through": done.through,
            "file": to.display().to_string(),
            "resumed": done.resumed,
            "already_archived": done.already_archived,
            "run": ctx.actor.run_id,
        }));
    }
    if done.already_archived {
        return ctx.out.line(&format!(
            "{} holds the audit rows {}–{} archived already (an earlier run of this command finished), and no row older than {} is left after them: nothing to do",
            crate::text::sanitize(&to.display().to_string()),
            done.first_id.map(|i| i.to_string()).unwrap_or_default(),
            done.through.map(|i| i.to_string()).unwrap_or_default(),
            rfc3339(before)
        ));
    }
    match done.through {
        None => ctx.out.line(&format!(
            "no audit row is older than {}: nothing archived",
            rfc3339(before)
        )),
        Some(through) => ctx.out.line(&format!(
            "archived {} audit row{} (ids {}–{through}) to {}{}; the trail now verifies from row {through} on",
            done.rows,
            if done.rows == 1 { "" } else { "s" },
            done.first_id.map(|i| i.to_string()).unwrap_or_default(),
            to.display(),
            if done.resumed { " (finished an interrupted run)" } else { "" }
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::details_text;

    #[test]
    fn details_read_as_text() {
        assert_eq!(
            details_text(r#"{"is_active":{"old":true,"new":false}}"#),
            "is_active: true → false"
        );
        assert_eq!(
            details_text(
                r#"{"changes":{"full_name":{"old":"A","new":"B"},"phone":{"old":null,"new":"+1"}}}"#
            ),
            r#"full_name: "A" → "B"; phone: null → "+1""#
        );
        assert_eq!(details_text("{}"), "-");
        // A delete's row: `deleted_at` once, as its change.
        assert_eq!(
            details_text(
                r#"{"changes":{"deleted_at":{"new":"2026-12-07T20:50:19Z","old":null},"status":{"new":"deleted","old":"active"}},"deleted_at":"2026-12-07 20:50:19","was_active":true}"#
            ),
            r#"deleted_at: null → "2026-12-07T20:50:19Z"; status: "active" → "deleted"; was_active: true"#
        );
        assert_eq!(details_text("not json"), "not json");
        assert_eq!(
            details_text(r#"{"summary":{"changed":2}}"#),
            "summary: {changed: 2}"
        );
        // One escape style for every dangerous character (the sanitising
        // module's), never JSON's \u001b beside it; quotes and
        // backslashes escaped, so `\x1b` typed as text reads `\\x1b`.
        assert_eq!(
            details_text(
                r#"{"changes":{"full_name":{"old":"Esc\u001b[2J \"Q\" \\x1b","new":"Bidi\u202eC1\u009b"}}}"#
            ),
            r#"full_name: "Esc\x1b[2J \"Q\" \\x1b" → "Bidi\u{202e}C1\x9b""#
        );
    }
}
