//! `custadm runs`: the last runs of changing commands, newest first
//! (contract: the `runs` row of the command table), so "did last night's job
//! run?" has an answer in the database.

use serde::Serialize;

use crate::context::Ctx;
use crate::db::audit::{AuditEntry, RunListing};
use crate::db::lenient::StoredTime;
use crate::error::{Error, Result};
use crate::output::Column;

/// Options of `custadm runs`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  custadm runs\n  custadm runs --action deactivate --since 2d\n  custadm runs --limit 1 -o json | jq '.[0].exit_code'\n\nExit codes: 0 listed (even if none), 2 bad filter, 4 unknown operator or not\nallowed, 6 database unreachable or schema mismatch, 9 output could not be\nwritten."
)]
pub struct RunsArgs {
    /// Only runs of this action (deactivate, activate, delete, restore, edit, reset_password, purge, undo)
    #[arg(long, value_name = "A")]
    pub action: Option<String>,
    /// Only runs started since WHEN: a date (2026-01-31) or an age (90d, 12h, 2w)
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
    /// At most N runs
    #[arg(long, value_name = "N", default_value_t = 20, allow_negative_numbers = true, value_parser = parse_runs_limit)]
    pub limit: i64,
}

/// One run in `-o json`.
#[derive(Serialize)]
struct RunRow {
    run: String,
    action: String,
    operator: String,
    os_user: String,
    started_at: String,
    finished_at: Option<String>,
    status: &'static str,
    summary: serde_json::Value,
    exit_code: Option<i64>,
}

impl From<RunListing> for RunRow {
    fn from(r: RunListing) -> Self {
        RunRow {
            status: if r.finished_at.is_some() {
                "finished"
            } else {
                "unfinished"
            },
            run: r.run,
            action: r.action,
            operator: r.operator,
            os_user: r.os_user,
            started_at: r.started_at.rfc3339(),
            finished_at: r.finished_at.as_ref().map(StoredTime::rfc3339),
            summary: r.summary,
            exit_code: r.exit_code,
        }
    }
}

/// The outcomes in the order the runs table shows them, most important
/// first (what went wrong before what went right), with the words it uses:
/// the table cuts from the end ([`RUNS_COLUMNS`]), so a failure is never
/// what is cut (finding of the issue-26 review: at 80 columns `3 chang…`
/// hid a failed count).
const OUTCOME_ORDER: [(&str, &str); 6] = [
    ("failed", "failed"),
    ("refused", "refused"),
    ("not_found", "not found"),
    ("changed", "changed"),
    ("would_change", "would change"),
    ("unchanged", "unchanged"),
];

/// A run's summary `{"changed": 3, "failed": 1}` as the table's
/// `1 failed, 3 changed`: [`OUTCOME_ORDER`], then any other key as stored;
/// `-` when empty.
fn outcomes(summary: &serde_json::Value) -> String {
    let Some(m) = summary.as_object().filter(|m| !m.is_empty()) else {
        return "-".into();
    };
    let known = OUTCOME_ORDER
        .iter()
        .filter_map(|(key, word)| m.get(*key).map(|v| format!("{v} {word}")));
    let other = m
        .iter()
        .filter(|(k, _)| !OUTCOME_ORDER.iter().any(|(key, _)| key == k))
        .map(|(k, v)| format!("{v} {k}"));
    known.chain(other).collect::<Vec<_>>().join(", ")
}

/// Runs `custadm runs`.
pub fn run(ctx: &mut Ctx, args: RunsArgs) -> Result<()> {
    let since = args
        .since
        .as_deref()
        .map(|w| crate::validate::when(w, crate::db::now()))
        .transpose()
        .map_err(|e| Error::Usage(format!("--since: {e}")))?;
    let action = args.action.as_deref().map(str::trim);
    let runs = crate::db::bounded(&mut ctx.conn, |c| {
        AuditEntry::runs(c, action, since, args.limit)
    })?;
    if ctx.out.is_json() {
        let rows: Vec<RunRow> = runs.into_iter().map(RunRow::from).collect();
        return ctx.out.json(&rows);
    }
    let rows = runs.into_iter().map(|r| {
        vec![
            r.run,
            r.action,
            r.operator,
            r.os_user,
            r.started_at.human(),
            r.finished_at
                .map(|t| t.human())
                .unwrap_or_else(|| UNFINISHED.into()),
            outcomes(&r.summary),
            r.exit_code
                .map(|c| c.to_string())
                .unwrap_or_else(|| "-".into()),
        ]
    });
    ctx.out
        .fitted_table(&RUNS_COLUMNS, rows, Some("No runs match."))
}

/// The runs table's columns; at 80 columns OS USER goes first, then
/// FINISHED and OPERATOR (contract, "Output"). While FINISHED is left out an
/// unfinished run says so in front of its outcomes (`[unfinished] 4
/// changed`: a killed run must not read as a `-` under EXIT alone).
/// OUTCOMES is kept whole up to 48 columns (every outcome of a run, up to
/// four kinds) before OS USER, FINISHED and OPERATOR go, then cut between
/// outcomes, the failures first, ending with how many results it no longer
/// shows (`2 refused, +6`: at 80 columns RUN, COMMAND, STARTED and EXIT
/// leave it 13); COMMAND is never cut (`reset_password`, the longest action
/// a run has): the outcomes give way first. Narrower still (below 80
/// columns) OUTCOMES, COMMAND, EXIT and STARTED are left out in turn
/// rather than cut a header or a count (`runs` needed 51 columns), and what
/// fits again comes back, STARTED first (findings of the issue-26 review).
const RUNS_COLUMNS: [Column; 8] = [
    Column::keep("RUN"),
    Column::keep("COMMAND").dropped_last(2),
    Column::cut("OPERATOR", 6).dropped(3),
    Column::cut("OS USER", 6).dropped(1),
    Column::keep("STARTED (UTC)").dropped_last(4),
    Column::keep("FINISHED (UTC)")
        .dropped(2)
        .folded_when("OUTCOMES", UNFINISHED),
    Column::counts("OUTCOMES", ", ", 48).dropped_last(1),
    Column::keep("EXIT").dropped_last(3),
];

/// The FINISHED cell of a run without its `run` row.
const UNFINISHED: &str = "unfinished";

/// `runs --limit N`: 1 to 10,000 (the runs are gathered in memory).
fn parse_runs_limit(text: &str) -> std::result::Result<i64, String> {
    let n = crate::bulk::parse_limit(text)?;
    if n > 10_000 {
        return Err("at most 10000 runs are listed at once".into());
    }
    Ok(n)
}
