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
/// first: what the run did (`changed`), then what went wrong (`failed`,
/// `refused`, `not found`), then what needed nothing; with the words it
/// uses. The table cuts from the end and says how many results it no
/// longer shows (`2 changed, +6`; [`RUNS_COLUMNS`]); EXIT says whether
/// anything went wrong (review of issue 26: `1 not found, +3` before the
/// changes).
const OUTCOME_ORDER: [(&str, &str); 6] = [
    ("changed", "changed"),
    ("would_change", "would change"),
    ("failed", "failed"),
    ("refused", "refused"),
    ("not_found", "not found"),
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

/// The runs table's columns, giving way in one order at every width (a
/// column left out at 60 columns stays out at 40): OS USER first, then
/// FINISHED and OPERATOR; then OUTCOMES is cut between outcomes, the most
/// important first (`2 changed, +6`, ending with how many results it no
/// longer shows); then STARTED, OUTCOMES, COMMAND and EXIT are left out;
/// the run id always stays. While FINISHED is left out an unfinished run
/// says so in front of its outcomes (`[unfinished] 4 changed`: a killed
/// run must not read as a `-` under EXIT alone). OUTCOMES is kept whole up
/// to 48 columns (every outcome of a run, up to four kinds) while OS USER,
/// FINISHED and OPERATOR can go. Nothing but the outcomes is ever cut: an
/// action (`reset_password`), a user name or a time is shown whole or not
/// at all. At 60 columns RUN, COMMAND, OUTCOMES and EXIT (review of issue
/// 26: it showed OPERATOR instead of COMMAND and OUTCOMES there).
const RUNS_COLUMNS: [Column; 8] = [
    Column::keep("RUN"),
    Column::keep("COMMAND").dropped(7),
    Column::keep("OPERATOR").dropped(3),
    Column::keep("OS USER").dropped(1),
    Column::keep("STARTED (UTC)").dropped(5),
    Column::keep("FINISHED (UTC)")
        .dropped(2)
        .folded_when("OUTCOMES", UNFINISHED),
    Column::counts("OUTCOMES", ", ", 48)
        .squeezed(4, 0)
        .dropped(6),
    Column::keep("EXIT").dropped(8),
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
