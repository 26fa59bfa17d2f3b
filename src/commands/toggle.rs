//! `custadm toggle ID… --activate|--deactivate`: set customers' active flag,
//! set-based in batches. Already in that state is `unchanged`; a
//! soft-deleted customer cannot be activated (restore it).

use serde_json::json;

use crate::bulk::{self, Batch, ItemResult, Outcome, TargetArgs};
use crate::context::Ctx;
use crate::db::audit::{Actor, NewAuditEntry};
use crate::db::customer::Customer;
use crate::db::filter::Changeable;
use crate::db::DbConn;
use crate::error::Result;

/// Options of `custadm toggle`.
#[derive(Debug, clap::Args)]
#[command(
    group = clap::ArgGroup::new("state").required(true).args(["activate", "deactivate"]),
    after_help = "Examples:\n  custadm toggle 42 --deactivate\n  custadm toggle 1 2 3 --activate --yes\n  custadm toggle ann@example.com --deactivate --reason T-77\n  custadm toggle --deactivate --last-login-before 180d --max-changes 2% \\\n      --yes -o json\n\nCustomers are named by id or email, listed with --ids-from, or selected by\nlist's filters; each filter-selected customer is checked again under the\nbatch's lock (who logged in meanwhile is left alone). Undo a run with `custadm\nundo RUN`.\nExit codes: 0 all done (or already so, or nothing matched), 2 bad input or not\nconfirmed, 3 not found, 4 unknown operator or not allowed, 5 refused (deleted,\nor over --max-changes), 6 database unreachable or schema mismatch, 7 some\nfailed, 9 done, but stdout, the metrics file or an audit anchor could not be\nwritten."
)]
pub struct ToggleArgs {
    /// Make the customers active
    #[arg(long)]
    pub activate: bool,
    /// Make the customers inactive
    #[arg(long)]
    pub deactivate: bool,
    #[command(flatten)]
    pub targets: TargetArgs,
}

impl ToggleArgs {
    /// `activate` or `deactivate`, as in the audit trail.
    pub fn action(&self) -> &'static str {
        if self.activate {
            "activate"
        } else {
            "deactivate"
        }
    }
}

/// Runs `custadm toggle`.
pub fn run(ctx: &mut Ctx, args: ToggleArgs) -> Result<()> {
    let activate = args.activate;
    let action = args.action();
    let database = crate::text::sanitize(&ctx.database);
    let question = |n: i64| format!("{action} {n} customer(s) in {database}?");
    let spec = bulk::RunSpec {
        action,
        always_confirm: false,
        question: &question,
        changeable: Some(if activate {
            Changeable::InactiveLive
        } else {
            Changeable::Active
        }),
        at_most_one: None,
        commit: bulk::Commit::PerBatch,
        count_changes: None,
    };
    let report = bulk::execute(
        ctx,
        &spec,
        args.targets.selection(None)?,
        &args.targets.options(),
        &mut |conn, actor, batch, dry_run| set_active(conn, actor, batch, activate, dry_run),
    )?;
    report.finish(ctx)
}

/// One batch: decide per id, then one UPDATE and one multi-row audit INSERT.
fn set_active(
    conn: &mut DbConn,
    actor: &Actor,
    batch: &mut Batch<'_>,
    activate: bool,
    dry_run: bool,
) -> Result<Vec<ItemResult>> {
    let action = if activate { "activate" } else { "deactivate" };
    let states = batch.lock_states(conn)?;
    let ids = batch.ids;
    let mut results = Vec::with_capacity(ids.len());
    let mut to_change = Vec::new();
    let change = std::sync::Arc::new(json!({"is_active": {"old": !activate, "new": activate}}));
    for &id in ids {
        let result = match states.get(&id) {
            None => ItemResult::not_found(id),
            Some(s) if activate && s.is_deleted() => ItemResult::refused(
                id,
                format!("customer {id} is deleted: run `custadm restore {id}` to bring them back"),
            ),
            Some(s) if s.is_active == activate => ItemResult::new(id, Outcome::Unchanged),
            Some(_) => {
                to_change.push(id);
                let outcome = if dry_run {
                    Outcome::WouldChange
                } else {
                    Outcome::Changed
                };
                ItemResult::new(id, outcome).with_shared_changes(&change)
            }
        };
        results.push(result);
    }
    if !dry_run && !to_change.is_empty() {
        Customer::set_active(conn, &to_change, activate, crate::db::now())?;
        NewAuditEntry::insert_for_customers(conn, actor, action, &to_change, &change)?;
    }
    Ok(results)
}
