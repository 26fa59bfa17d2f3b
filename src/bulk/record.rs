//! The end of every changing command's run (contract: "Audit", "Output"):
//! one audit row of action `run` (`customer_id` null; `details`:
//! `{"command", "selection", "summary", "exit_code"}`), written also when the
//! run changed nothing or was refused before any change (then its document,
//! with no results, is printed here), and the metrics file. One row and one
//! small file per run: nothing per customer.

use std::path::Path;

use serde_json::json;

use super::metrics;
use crate::context::Ctx;
use crate::db::audit::{self, RUN_ACTION};
use crate::error::{Error, Result};

/// Closes the run of a changing command that ended with `result`: prints
/// the empty document of a run refused before it printed one, appends the
/// `run` row, rewrites the metrics file (`metrics_file` from the flag, else
/// the profile). Exit 2 (bad input: nothing written) and dry runs leave no
/// record, nor does a setup failure before the run began. A `run` row that cannot be written (the connection is gone, the
/// disk is full) is a warning: `custadm runs` then lists the run as
/// `unfinished`. A metrics file that cannot be written is exit 9 when the
/// run itself succeeded.
pub(crate) fn close_run(
    ctx: &mut Ctx,
    command: &str,
    metrics_file: Option<&Path>,
    result: Result<()>,
) -> Result<()> {
    let code = match &result {
        Ok(()) => 0,
        Err(e) if e.is_broken_pipe() => 0,
        Err(e) => e.exit_code(),
    };
    // A run that began (the engine took its selection, or a report was
    // printed) or was refused (exit 3, 4, 5) is recorded; bad input (exit
    // 2, nothing written), a setup failure before the run began (exit 6:
    // database, configuration, mail server) and dry runs are not. A run
    // whose document is printed is recorded whatever its code (its rows
    // all refused for invalid values is exit 2: the document names the
    // run, so `runs` lists it).
    let began = ctx.run.action.is_some();
    let bad_input = code == 2 && !ctx.run.printed;
    if bad_input || ctx.run.dry_run || !(began || matches!(code, 3..=5)) {
        return result;
    }
    let action = ctx
        .run
        .action
        .clone()
        .unwrap_or_else(|| command.to_string());
    let run = ctx.actor.run_id.clone();
    if !ctx.run.printed {
        // Refused before any change: the document with no results and the
        // run id (JSON); the summary line names the run.
        if ctx.out.is_json() {
            let _ = ctx.out.json(&json!({
                "action": action,
                "dry_run": false,
                "results": [],
                "summary": {},
                "run": run,
            }));
        }
        ctx.out.note(&format!(
            "{action}: nothing was changed [run {}]",
            run.as_deref().unwrap_or("-")
        ));
    }
    let details = json!({
        "command": action,
        "selection": ctx.run.selection.clone().unwrap_or(serde_json::Value::Null),
        "summary": ctx.run.summary,
        "exit_code": code,
    });
    let outcome = if code == 0 { audit::OK } else { audit::FAILED };
    let mut row = ctx.actor.entry(RUN_ACTION, None, outcome, details);
    // No --reason here: it stays on the rows about customers, which `purge`
    // redacts; a `run` row is about no customer, so nothing could erase a
    // reason that names one ("Zebulon called") from it.
    row.reason = None;
    if let Err(e) = row.insert(&mut ctx.conn) {
        ctx.out.note(&format!(
            "warning: the run's closing audit row could not be written ({e}); `custadm runs` lists run {} as unfinished",
            run.as_deref().unwrap_or("-")
        ));
    }
    let path = metrics_file.or(ctx.settings.metrics_file.as_deref());
    if let Some(path) = path {
        let end = chrono::Utc::now();
        if let Err(e) = metrics::update(path, &action, end, code, &ctx.run.summary) {
            let why = format!(
                "the run is done, but the metrics file {} could not be written: {e}",
                crate::text::sanitize(&path.display().to_string())
            );
            return match result {
                Ok(()) => Err(Error::Outside(why)),
                Err(original) => {
                    ctx.out.note(&format!("warning: {why}"));
                    Err(original)
                }
            };
        }
    }
    result
}

/// Records in the metrics file a customer-changing run that failed before
/// it began (contract: "Output", `metrics_file`: monitoring sees a nightly
/// job that stopped running): exit 4 (unknown operator, locked, not bound
/// to this login) or 6 (database unreachable or misconfigured, schema not at
/// this version) is written as the action's last run — its end, exit code
/// and no outcomes, the last success kept — so an alert on the exit code
/// fires that night, with the reason. Bad input (exit 2) is not a run and is
/// not recorded, nor a dry run (the caller passes no path then). A metrics
/// file that cannot be written is a `warning:` line: the run's own error
/// keeps its exit code. Returns `error`.
pub(crate) fn record_unstarted(
    metrics_file: Option<&Path>,
    action: &str,
    error: Error,
    out: &crate::output::Output,
) -> Error {
    let code = error.exit_code();
    if let (Some(path), 4 | 6) = (metrics_file, code) {
        let end = chrono::Utc::now();
        if let Err(e) = metrics::update(path, action, end, code, &Default::default()) {
            out.warn(&format!(
                "the metrics file {} could not be written: {e}",
                path.display()
            ));
        }
    }
    error
}
