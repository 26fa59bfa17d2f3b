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
use crate::mail::Mailer;
use crate::password;

/// Options of `custadm reset-password`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  custadm reset-password 42              # prints the temporary password once\n  custadm reset-password 42 -o json | jq -r '.results[0].temporary_password'\n  custadm reset-password --ids-from breached.txt --send-email --yes --reason INC-204\n\nThe customer must change the password at the next login. A deleted customer is refused.\nWith --send-email (CUSTADM_SMTP_URL, CUSTADM_MAIL_FROM) the password is mailed, never shown;\nif sending fails the old password stays valid.\nExit codes: 0 done, 2 bad input, 3 not found, 5 customer deleted, 6 mail not configured or\nunreachable, 7 some failed."
)]
pub struct ResetPasswordArgs {
    /// Mail each customer their temporary password instead of showing it
    /// (CUSTADM_SMTP_URL, CUSTADM_MAIL_FROM, CUSTADM_SMTP_PASSWORD_FILE)
    #[arg(long)]
    pub send_email: bool,
    #[command(flatten)]
    pub targets: TargetArgs,
}

/// Runs `custadm reset-password`.
pub fn run(ctx: &mut Ctx, args: ResetPasswordArgs) -> Result<()> {
    // Configuration first: a missing or malformed one is exit 6 before anything.
    let mailer = if args.send_email {
        Some(Mailer::from_settings(&ctx.settings)?)
    } else {
        None
    };
    let ids = args.targets.collect_ids()?;
    if ids.len() > 1 && mailer.is_none() {
        return Err(Error::Usage(
            "more than one customer: pass --send-email so each password is mailed to its customer instead of filling the terminal".into(),
        ));
    }
    let mut targets = args.targets.clone();
    if mailer.is_some() {
        // Each mailed customer commits on its own right after the mail went
        // out, so a failure later in a batch never takes back a password
        // that was already mailed.
        targets.batch_size = 1;
    }
    let question = format!("Reset the password of {} customer(s)?", ids.len());
    let report = bulk::execute(
        ctx,
        "reset_password",
        &ids,
        &targets,
        false,
        &question,
        &mut |conn, actor, batch, dry_run| {
            reset_batch(conn, actor, batch, dry_run, mailer.as_ref())
        },
    )?;
    report.finish(&ctx.out)
}

/// One batch. With a mailer, the mail goes out first (inside the
/// transaction, row locked): if it fails, nothing is written but a `failed`
/// audit row, so the old password stays valid; if it succeeds, the new hash
/// and the audit row are committed.
fn reset_batch(
    conn: &mut DbConn,
    actor: &Actor,
    ids: &[i64],
    dry_run: bool,
    mailer: Option<&Mailer>,
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
                let mut sent_to = None;
                if let Some(mailer) = mailer {
                    let Some(customer) = Customer::find(conn, id)? else {
                        results.push(ItemResult::not_found(id));
                        continue;
                    };
                    if let Err(why) = mailer.send_temporary_password(
                        &customer.full_name,
                        &customer.email,
                        &temporary,
                    ) {
                        audit_rows.push(actor.entry(
                            "reset_password",
                            Some(id),
                            audit::FAILED,
                            json!({"email_to": customer.email, "error": why}),
                        ));
                        results.push(ItemResult::new(id, Outcome::Failed).with_message(why));
                        continue;
                    }
                    sent_to = Some(customer.email);
                }
                diesel::update(customers::table.find(id))
                    .set((
                        customers::password_hash.eq(&hash),
                        customers::must_change_password.eq(true),
                        customers::updated_at.eq(crate::db::now()),
                    ))
                    .execute(conn)?;
                let mut details = json!({"must_change_password": true});
                let mut r = ItemResult::new(id, Outcome::Changed);
                match sent_to {
                    Some(email) => {
                        r = r.with_message(format!(
                            "temporary password mailed to {email}; must be changed at the next login"
                        ));
                        details["email_sent_to"] = json!(email);
                    }
                    None => {
                        r = r.with_message("must change it at the next login");
                        r.temporary_password = Some(temporary);
                    }
                }
                audit_rows.push(actor.entry("reset_password", Some(id), audit::OK, details));
                r
            }
        };
        results.push(result);
    }
    NewAuditEntry::insert_all(conn, &audit_rows)?;
    Ok(results)
}
