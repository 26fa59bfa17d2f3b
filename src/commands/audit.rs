//! `custadm audit`: read the audit trail, newest first, filtered.

use crate::context::Ctx;
use crate::db::audit::{AuditEntry, AuditFilter};
use crate::error::{Error, Result};
use crate::output::rfc3339;

/// Options of `custadm audit`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  custadm audit --customer 42\n  custadm audit --operator alice --since 7d\n  custadm audit --action purge -o json | jq '.[].details'\n\nExit codes: 0 shown, 2 bad filter."
)]
pub struct AuditArgs {
    /// Only rows about this customer id
    #[arg(long, value_name = "ID", value_parser = crate::bulk::parse_customer_id)]
    pub customer: Option<i64>,
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
    /// At most N rows
    #[arg(long, value_name = "N", default_value_t = 100, value_parser = clap::value_parser!(i64).range(1..))]
    pub limit: i64,
}

#[derive(serde::Serialize)]
struct AuditRow {
    id: i64,
    occurred_at: String,
    operator: String,
    os_user: String,
    action: String,
    customer_id: Option<i64>,
    outcome: String,
    reason: Option<String>,
    details: serde_json::Value,
}

/// Runs `custadm audit`.
pub fn run(ctx: &mut Ctx, args: AuditArgs) -> Result<()> {
    let since = args
        .since
        .as_deref()
        .map(|w| crate::validate::when(w, crate::db::now()))
        .transpose()
        .map_err(|e| Error::Usage(format!("--since: {e}")))?;
    let filter = AuditFilter {
        customer_id: args.customer,
        operator: args.operator,
        action: args.action,
        since,
        limit: args.limit,
    };
    let entries = AuditEntry::search(&mut ctx.conn, &filter)?;
    if ctx.out.is_json() {
        let rows: Vec<AuditRow> = entries
            .into_iter()
            .map(|e| AuditRow {
                id: e.id,
                occurred_at: rfc3339(e.occurred_at),
                operator: e.operator,
                os_user: e.os_user,
                action: e.action,
                customer_id: e.customer_id,
                outcome: e.outcome,
                reason: e.reason,
                details: serde_json::from_str(&e.details)
                    .unwrap_or(serde_json::Value::String(e.details)),
            })
            .collect();
        return ctx.out.json(&rows);
    }
    let rows = entries
        .into_iter()
        .map(|e| {
            vec![
                e.id.to_string(),
                crate::output::human_time(Some(e.occurred_at)),
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
                e.details,
            ]
        })
        .collect();
    ctx.out.table(
        &[
            "ID",
            "TIME (UTC)",
            "OPERATOR",
            "OS USER",
            "ACTION",
            "CUSTOMER",
            "OUTCOME",
            "REASON",
            "DETAILS",
        ],
        rows,
    )
}
