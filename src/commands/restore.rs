//! `custadm restore ID…`: undo a soft delete. The customer comes back active
//! or inactive as they were before the delete (read from the delete's audit
//! row); a customer that is not deleted is `unchanged`.

use serde_json::json;

use crate::bulk::{self, Batch, ItemResult, Outcome, StatusFilter, TargetArgs};
use crate::context::Ctx;
use crate::db::filter::Changeable;
use std::sync::Arc;

use crate::db::audit::{Actor, AuditEntry, NewAuditEntry};
use crate::db::customer::Customer;
use crate::db::lenient::{RawTime, StoredTime};
use crate::db::DbConn;
use crate::error::Result;

/// Options of `custadm restore`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  custadm restore 42\n  # filters select among deleted customers\n  custadm restore --search @example.com --yes\n\nA customer deleted while inactive comes back inactive.\nExit codes: 0 done (or not deleted), 2 bad input or not confirmed, 3 not\nfound, 4 unknown operator or not allowed, 5 over --max-changes, 6 database\nunreachable or schema mismatch, 7 some failed, 9 done, but stdout, the metrics\nfile or an audit anchor could not be written."
)]
pub struct RestoreArgs {
    #[command(flatten)]
    pub targets: TargetArgs,
}

/// Runs `custadm restore`.
pub fn run(ctx: &mut Ctx, args: RestoreArgs) -> Result<()> {
    let database = crate::text::sanitize(&ctx.database);
    let question = |n: i64| format!("Restore {n} customer(s) in {database}?");
    let spec = bulk::RunSpec {
        action: "restore",
        always_confirm: false,
        question: &question,
        changeable: Some(Changeable::Deleted),
        at_most_one: None,
        commit: bulk::Commit::PerBatch,
        count_changes: None,
    };
    // Restoring is about deleted customers: filters select among them
    // unless --status says otherwise.
    let report = bulk::execute(
        ctx,
        &spec,
        args.targets.selection(Some(StatusFilter::Deleted))?,
        &args.targets.options(),
        &mut restore_batch,
    )?;
    report.finish(ctx)
}

fn restore_batch(
    conn: &mut DbConn,
    actor: &Actor,
    batch: &mut Batch<'_>,
    dry_run: bool,
) -> Result<Vec<ItemResult>> {
    let states = batch.lock_states(conn)?;
    let ids = batch.ids;
    let deleted: std::collections::HashMap<i64, StoredTime> = states
        .values()
        .filter_map(|s| s.deleted_at.clone().map(|at| (s.id, at)))
        .collect();
    let (before, stored) = if deleted.is_empty() {
        Default::default()
    } else {
        let ids: Vec<i64> = deleted.keys().copied().collect();
        (
            AuditEntry::state_before_delete(conn, &deleted)?,
            Customer::stored_deleted_at(conn, &ids)?,
        )
    };
    let mut results = Vec::with_capacity(ids.len());
    let (mut to_active, mut to_inactive) = (Vec::new(), Vec::new());
    let mut audit_rows = Vec::new();
    let back = |status: &str| Arc::new(json!({"status": {"old": "deleted", "new": status}}));
    let (back_active, back_inactive) = (back("active"), back("inactive"));
    for &id in ids {
        let result = match states.get(&id) {
            None => ItemResult::not_found(id),
            Some(s) if !s.is_deleted() => {
                ItemResult::new(id, Outcome::Unchanged).with_message("not deleted")
            }
            Some(_) => {
                // Deleted by something other than custadm: no trail of the
                // old state, so it comes back inactive (the safe side).
                let was_active = before.get(&id).copied().unwrap_or(false);
                // Old and new values, so that `undo` can delete them again
                // as they were: `deleted_at` as shown (RFC 3339, or the
                // stored text custadm cannot read), and exactly as stored
                // (`deleted_at_stored`, db::lenient::RawTime), which undo
                // writes back byte for byte (commands::undo).
                let deleted_at = states
                    .get(&id)
                    .and_then(|s| s.deleted_at.as_ref())
                    .map(StoredTime::rfc3339);
                audit_rows.push(actor.entry(
                    "restore",
                    Some(id),
                    crate::db::audit::OK,
                    json!({
                        "is_active": was_active,
                        "changes": {
                            "status": {
                                "old": "deleted",
                                "new": if was_active { "active" } else { "inactive" }
                            },
                            "deleted_at": {"old": deleted_at, "new": null}
                        },
                        "deleted_at_stored": stored.get(&id).map(RawTime::to_json),
                    }),
                ));
                if was_active {
                    to_active.push(id)
                } else {
                    to_inactive.push(id)
                }
                ItemResult::new(
                    id,
                    if dry_run {
                        Outcome::WouldChange
                    } else {
                        Outcome::Changed
                    },
                )
                .with_shared_changes(if was_active {
                    &back_active
                } else {
                    &back_inactive
                })
            }
        };
        results.push(result);
    }
    if !dry_run {
        let now = crate::db::now();
        let groups = [(&to_active, true), (&to_inactive, false)];
        for (group, active) in groups {
            if group.is_empty() {
                continue;
            }
            Customer::undelete(conn, group, active, now)?;
        }
        // Audit rows last: appending locks the chain head until commit.
        NewAuditEntry::insert_all(conn, &audit_rows)?;
    }
    Ok(results)
}
