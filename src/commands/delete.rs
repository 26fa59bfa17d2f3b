//! `custadm delete ID…`: soft delete (inactive, `deleted_at` set), refused
//! while the customer has unpaid invoices. The check and the change are one
//! atomic step: SQLite holds the write lock (`BEGIN IMMEDIATE`), PostgreSQL
//! locks the customers, their billing accounts and their existing entries
//! (`Customer::lock_billing`), so neither a new invoice nor an update of an
//! existing one can slip between the check and the delete.

use serde_json::json;

use crate::bulk::{self, Batch, ItemResult, Outcome, TargetArgs};
use crate::context::Ctx;
use crate::db::audit::{Actor, NewAuditEntry};
use crate::db::customer::Customer;
use crate::db::filter::Changeable;
use crate::db::DbConn;
use crate::error::Result;
use crate::output::dollars;

/// Options of `custadm delete`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  custadm delete 42                       # asks for confirmation\n  custadm delete 42 --yes --reason T-981\n  custadm delete --ids-from churned.txt --dry-run -o json\n  custadm delete --status inactive --created-before 2020-01-01 --max-changes \\\n      100 --yes\n\nRefused while the customer has unpaid invoices; undo with `custadm restore`.\nExit codes: 0 done (or already deleted), 2 bad input or not confirmed, 3 not\nfound, 4 unknown operator or not allowed, 5 unpaid invoices or over\n--max-changes, 6 database unreachable or schema mismatch, 7 some failed, 9\ndone, but stdout, the metrics file or an audit anchor could not be written."
)]
pub struct DeleteArgs {
    #[command(flatten)]
    pub targets: TargetArgs,
}

/// Runs `custadm delete`.
pub fn run(ctx: &mut Ctx, args: DeleteArgs) -> Result<()> {
    let database = crate::text::sanitize(&ctx.database);
    let question = |n: i64| format!("Soft-delete {n} customer(s) in {database}?");
    let spec = bulk::RunSpec {
        action: "delete",
        always_confirm: true,
        question: &question,
        changeable: Some(Changeable::Live),
        at_most_one: None,
        commit: bulk::Commit::PerBatch,
        count_changes: None,
    };
    let report = bulk::execute(
        ctx,
        &spec,
        args.targets.selection(None)?,
        &args.targets.options(),
        &mut soft_delete,
    )?;
    report.finish(ctx)
}

/// One batch: lock, check unpaid invoices, soft-delete the rest set-based.
fn soft_delete(
    conn: &mut DbConn,
    actor: &Actor,
    batch: &mut Batch<'_>,
    dry_run: bool,
) -> Result<Vec<ItemResult>> {
    let states = batch.lock_states(conn)?;
    let ids = batch.ids;
    Customer::lock_billing(conn, ids)?;
    let unpaid = Customer::unpaid_invoices(conn, ids)?;
    let now = crate::db::now();
    // What each result shows (old → new), as the audit row keeps it; a dry
    // run sets no time, so it shows the state alone.
    let shown = |was_active: bool| {
        let status = json!({
            "old": if was_active { "active" } else { "inactive" },
            "new": "deleted"
        });
        std::sync::Arc::new(if dry_run {
            json!({ "status": status })
        } else {
            json!({
                "status": status,
                "deleted_at": {"old": null, "new": crate::output::rfc3339(now)}
            })
        })
    };
    let (from_active, from_inactive) = (shown(true), shown(false));
    let mut results = Vec::with_capacity(ids.len());
    let mut to_delete = Vec::new();
    for &id in ids {
        let result = match states.get(&id) {
            None => ItemResult::not_found(id),
            Some(s) if s.is_deleted() => ItemResult::new(id, Outcome::Unchanged).with_message("already deleted"),
            Some(s) => match unpaid.get(&id) {
                Some(u) if u.unpaid_invoice_count > 0 => ItemResult::refused(
                    id,
                    format!(
                        "customer {id} has {} unpaid invoice(s) totalling {} ({} cents): settle them before deleting",
                        u.unpaid_invoice_count,
                        dollars(u.unpaid_invoice_total_cents),
                        u.unpaid_invoice_total_cents
                    ),
                ),
                _ => {
                    to_delete.push((id, s.is_active));
                    ItemResult::new(id, if dry_run { Outcome::WouldChange } else { Outcome::Changed })
                        .with_shared_changes(if s.is_active { &from_active } else { &from_inactive })
                }
            },
        };
        results.push(result);
    }
    if !dry_run && !to_delete.is_empty() {
        let delete_ids: Vec<i64> = to_delete.iter().map(|(id, _)| *id).collect();
        Customer::soft_delete(conn, &delete_ids, now, now)?;
        // `was_active` lets `restore` bring the customer back as they were;
        // `deleted_at` lets it tell this delete from a later one made by
        // another program (see `AuditEntry::state_before_delete`).
        let deleted_at = crate::db::audit::timestamp_text(now);
        // The old and new values let `undo` check the customer still holds
        // what this run wrote.
        for was_active in [true, false] {
            let group: Vec<i64> = to_delete
                .iter()
                .filter(|(_, a)| *a == was_active)
                .map(|(id, _)| *id)
                .collect();
            NewAuditEntry::insert_for_customers(
                conn,
                actor,
                "delete",
                &group,
                &json!({
                    "was_active": was_active,
                    "deleted_at": deleted_at,
                    "changes": {
                        "status": {
                            "old": if was_active { "active" } else { "inactive" },
                            "new": "deleted"
                        },
                        "deleted_at": {"old": null, "new": crate::output::rfc3339(now)}
                    }
                }),
            )?;
        }
    }
    Ok(results)
}
