//! `custadm reset-password ID…`: a new random temporary password (from the OS
//! CSPRNG, no look-alike characters), stored as Argon2id with
//! `must_change_password` set, shown once. The audit row records that it
//! happened, never the password or its hash.

use diesel::prelude::*;
use serde_json::json;

use crate::bulk::{self, ItemResult, Outcome, TargetArgs};
use crate::context::Ctx;
use crate::db::audit::{self, Actor, NewAuditEntry};
use crate::db::customer::Customer;
use crate::db::schema::customers;
use crate::db::DbConn;
use crate::error::{Error, Result};
use crate::password;

/// Options of `custadm reset-password`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  custadm reset-password 42              # prints the temporary password once\n  custadm reset-password 42 -o json | jq -r '.results[0].temporary_password'\n\nThe customer must change the password at the next login. A deleted customer is refused.\nExit codes: 0 done, 2 bad input, 3 not found, 5 customer deleted."
)]
pub struct ResetPasswordArgs {
    #[command(flatten)]
    pub targets: TargetArgs,
}

/// Runs `custadm reset-password`.
pub fn run(ctx: &mut Ctx, args: ResetPasswordArgs) -> Result<()> {
    let ids = args.targets.collect_ids()?;
    if ids.len() > 1 {
        return Err(Error::Usage(
            "more than one customer: temporary passwords are shown only one at a time, so give one id (mailing them with --send-email is not available yet)".into(),
        ));
    }
    let question = format!("Reset the password of {} customer(s)?", ids.len());
    let report = bulk::execute(
        ctx,
        "reset_password",
        &ids,
        &args.targets,
        false,
        &question,
        &mut reset_batch,
    )?;
    report.finish(&ctx.out)
}

fn reset_batch(
    conn: &mut DbConn,
    actor: &Actor,
    ids: &[i64],
    dry_run: bool,
) -> Result<Vec<ItemResult>> {
    let states = Customer::lock_states(conn, ids)?;
    let mut results = Vec::with_capacity(ids.len());
    let mut audit_rows = Vec::new();
    for &id in ids {
        let result = match states.get(&id) {
            None => ItemResult::not_found(id),
            Some(s) if s.is_deleted() => ItemResult::refused(
                id,
                format!("customer {id} is deleted: run `custadm restore {id}` first"),
            ),
            Some(_) if dry_run => ItemResult::new(id, Outcome::WouldChange),
            Some(_) => {
                let temporary = password::generate_temporary();
                let hash = password::hash(&temporary)?;
                diesel::update(customers::table.find(id))
                    .set((
                        customers::password_hash.eq(&hash),
                        customers::must_change_password.eq(true),
                        customers::updated_at.eq(crate::db::now()),
                    ))
                    .execute(conn)?;
                audit_rows.push(actor.entry(
                    "reset_password",
                    Some(id),
                    audit::OK,
                    json!({"must_change_password": true}),
                ));
                let mut r = ItemResult::new(id, Outcome::Changed)
                    .with_message("must change it at the next login");
                r.temporary_password = Some(temporary.to_string());
                r
            }
        };
        results.push(result);
    }
    NewAuditEntry::insert_all(conn, &audit_rows)?;
    Ok(results)
}
