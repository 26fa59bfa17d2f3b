//! `custadm reset-password ID…`: a new random temporary password (from the OS
//! CSPRNG, no look-alike characters), stored as Argon2id with
//! `must_change_password` set, shown once or mailed. The audit row records
//! that it happened, never the password or its hash.
//!
//! Shown: the result is printed and flushed before the change commits; if
//! stdout cannot take it, the change rolls back (SPEC.md: `-q` never hides a
//! temporary password). Mailed: one customer at a time, the mail sent with no
//! transaction open, then the change committed in a short write transaction
//! that checks the customer again; after [`STOP_AFTER_CONNECTION_FAILURES`]
//! connection-level failures in a row the rest are `failed`, "not attempted"
//! (SPEC.md, after the command table).

use serde_json::json;

use crate::bulk::{self, Batch, Commit, ItemResult, Outcome, TargetArgs};
use crate::context::Ctx;
use crate::db::audit::{self, Actor, NewAuditEntry};
use crate::db::customer::Customer;
use crate::db::filter::{self, Changeable, Filters};
use crate::db::{write_transaction, DbConn};
use crate::error::{Error, Result};
use crate::mail::{FailureKind, Mailer, SendFailure};
use crate::password;

/// Options of `custadm reset-password`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  custadm reset-password 42              # prints the temporary password once\n  custadm reset-password 42 -o json | jq -r '.results[0].temporary_password'\n  custadm reset-password --ids-from breached.txt --send-email --yes --reason \\\n      INC-204\n\nThe customer must change the password at the next login. A deleted customer is\nrefused. With --send-email (CUSTADM_SMTP_URL, CUSTADM_MAIL_FROM) the password\nis mailed, never shown; if sending fails the old password stays valid.\nExit codes: 0 done, 2 bad input, 3 not found, 4 unknown operator or not\nallowed, 5 customer deleted or over --max-changes, 6 database or mail server\nunreachable, or mail not configured, 7 some failed, 9 done, but stdout, the\nmetrics file or an audit anchor could not be written."
)]
pub struct ResetPasswordArgs {
    /// Mail each customer their temporary password instead of showing it
    /// (CUSTADM_SMTP_URL, CUSTADM_MAIL_FROM, CUSTADM_SMTP_PASSWORD_FILE)
    #[arg(long)]
    pub send_email: bool,
    #[command(flatten)]
    pub targets: TargetArgs,
}

/// Consecutive connection-level mail failures after which a run stops
/// trying (SPEC.md: "after 3 consecutive connection-level failures").
pub const STOP_AFTER_CONNECTION_FAILURES: u32 = 3;

/// Runs `custadm reset-password`.
pub fn run(ctx: &mut Ctx, args: ResetPasswordArgs) -> Result<()> {
    // Configuration first: a missing or malformed one is exit 6 before anything.
    let mailer = if args.send_email {
        Some(Mailer::from_settings(&ctx.settings)?)
    } else {
        None
    };
    if mailer.is_none() && args.targets.filters.any() {
        return Err(Error::Usage(
            "filters select any number of customers: pass --send-email so each password is mailed to its customer".into(),
        ));
    }

    let mut options = args.targets.options();
    let question = |n: i64| format!("Reset the password of {n} customer(s)?");
    let mut spec = bulk::RunSpec {
        action: "reset_password",
        always_confirm: false,
        question: &question,
        changeable: Some(Changeable::Live),
        at_most_one: mailer.is_none().then_some(
            "more than one customer: pass --send-email so each password is mailed to its customer instead of filling the terminal",
        ),
        commit: Commit::PerBatch,
        count_changes: None,
    };
    let report = match &mailer {
        Some(mailer) => {
            // One customer per batch: Ctrl-C stops between customers, and
            // each mailed customer commits on its own right after the mail
            // went out, with no transaction open while mailing.
            options.batch_size = 1;
            spec.commit = Commit::ByBatchFn;
            // The same parsed filters for the engine's selection and for
            // the re-check at each customer's commit.
            let selection = args.targets.selection(None)?;
            let filters = selection.filters().cloned();
            let mut outage = Outage::default();
            bulk::execute(
                ctx,
                &spec,
                selection,
                &options,
                &mut |conn, actor, batch, dry_run| {
                    batch
                        .ids
                        .iter()
                        .map(|&id| {
                            mail_one(
                                conn,
                                actor,
                                id,
                                dry_run,
                                mailer,
                                &mut outage,
                                filters.as_ref(),
                            )
                        })
                        .collect()
                },
            )?
        }
        None => {
            if !options.dry_run && crate::output::stdout_is_null() {
                return Err(Error::Usage(
                    "standard output is /dev/null (or closed): the temporary password would be lost; nothing was changed (redirect it to a file, or use --send-email)".into(),
                ));
            }
            spec.commit = Commit::AfterPrinting;
            bulk::execute(
                ctx,
                &spec,
                args.targets.selection(None)?,
                &options,
                &mut |conn, actor, batch, dry_run| reset_batch(conn, actor, batch, dry_run),
            )?
        }
    };
    report.finish(ctx)
}

/// One batch shown on stdout, inside its write transaction (rows locked).
fn reset_batch(
    conn: &mut DbConn,
    actor: &Actor,
    batch: &mut Batch<'_>,
    dry_run: bool,
) -> Result<Vec<ItemResult>> {
    let states = batch.lock_states(conn)?;
    let ids = batch.ids;
    let mut results = Vec::with_capacity(ids.len());
    let mut audit_rows = Vec::new();
    for &id in ids {
        let result = match states.get(&id) {
            None => ItemResult::not_found(id),
            Some(s) if s.is_deleted() => refused_deleted(id),
            Some(_) if dry_run => ItemResult::new(id, Outcome::WouldChange),
            Some(_) => {
                let temporary = password::generate_temporary();
                let hash = password::hash(&temporary)?;
                Customer::set_password(conn, id, &hash, crate::db::now())?;
                audit_rows.push(actor.entry(
                    "reset_password",
                    Some(id),
                    audit::OK,
                    json!({"must_change_password": true}),
                ));
                let mut r = ItemResult::new(id, Outcome::Changed)
                    .with_message("must change it at the next login");
                r.temporary_password = Some(temporary);
                r
            }
        };
        results.push(result);
    }
    NewAuditEntry::insert_all(conn, &audit_rows)?;
    Ok(results)
}

fn refused_deleted(id: i64) -> ItemResult {
    ItemResult::refused(
        id,
        format!("customer {id} is deleted: run `custadm restore {id}` first"),
    )
}

/// Connection-level mail failures in a row, and the last one.
#[derive(Default)]
struct Outage {
    in_a_row: u32,
    last: Option<String>,
}

impl Outage {
    /// Counts a send: a connection-level failure adds one, an answer from
    /// the server (success or refusal) ends the streak, and a failure before
    /// any contact (an address that cannot be mailed) leaves it as it is.
    fn record(&mut self, failure: Option<&SendFailure>) {
        match failure.map(|f| (f.kind, f)) {
            Some((FailureKind::Connection, f)) => {
                self.in_a_row += 1;
                self.last = Some(f.message.clone());
            }
            Some((FailureKind::Local, _)) => {}
            Some((FailureKind::Server, _)) | None => self.in_a_row = 0,
        }
    }

    fn stopped(&self) -> bool {
        self.in_a_row >= STOP_AFTER_CONNECTION_FAILURES
    }
}

/// One mailed customer. Order (SPEC.md: no write lock while talking to the
/// mail server; if sending fails the old password stays valid):
/// 1. read the customer, no transaction open;
/// 2. make the password and its hash, send the mail, still no transaction;
/// 3. a short write transaction locks the customer's row, checks it is still
///    there, not deleted and at the address mailed, then writes the hash and
///    the audit row. A failed send writes only a `failed` audit row.
fn mail_one(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    dry_run: bool,
    mailer: &Mailer,
    outage: &mut Outage,
    filters: Option<&Filters>,
) -> Result<ItemResult> {
    if outage.stopped() {
        return Ok(ItemResult::new(id, Outcome::Failed).with_message(format!(
            "not attempted: the mail server failed {} times in a row (last: {}); nothing was changed",
            outage.in_a_row,
            outage.last.as_deref().unwrap_or("unreachable")
        )));
    }
    let Some(customer) = Customer::find(conn, id)? else {
        return Ok(ItemResult::not_found(id));
    };
    if customer.deleted_at.is_some() {
        return Ok(refused_deleted(id));
    }
    if dry_run {
        return Ok(ItemResult::new(id, Outcome::WouldChange));
    }
    let temporary = password::generate_temporary();
    let hash = password::hash(&temporary)?;
    let sent = mailer.send_temporary_password(&customer.full_name, &customer.email, &temporary);
    drop(temporary);
    outage.record(sent.as_ref().err());
    if let Err(failure) = sent {
        write_transaction(conn, |conn| {
            NewAuditEntry::insert_all(
                conn,
                &[actor.entry(
                    "reset_password",
                    Some(id),
                    audit::FAILED,
                    json!({"email_to": customer.email, "error": failure.message}),
                )],
            )
        })?;
        return Ok(ItemResult::new(id, Outcome::Failed).with_message(failure.message));
    }
    let email = customer.email;
    write_transaction(conn, |conn| {
        // The customer as it is now, row locked (PostgreSQL; SQLite holds
        // the write lock): changed while the mail was out means the mailed
        // password is not set, and the old one stays valid.
        let state = Customer::lock_states(conn, &[id])?;
        let now = match state.get(&id) {
            Some(_) => Customer::find(conn, id)?,
            None => None,
        };
        // Selected by filters: still matching them, under the lock.
        let still_matches = match (filters, &now) {
            (Some(f), Some(_)) => filter::still_matching(conn, f, &[id])?.contains(&id),
            _ => true,
        };
        let (result, outcome, details) = match now {
            None => (
                ItemResult::not_found(id).with_message(format!(
                    "customer {id} was erased while the mail was being sent; the mailed password was not set"
                )),
                audit::FAILED,
                json!({"email_sent_to": email, "error": "erased while the mail was being sent"}),
            ),
            Some(c) if c.deleted_at.is_some() => (
                ItemResult::refused(id, format!(
                    "customer {id} was deleted while the mail was being sent; the mailed password was not set, the old one stays valid"
                )),
                audit::FAILED,
                json!({"email_sent_to": email, "error": "deleted while the mail was being sent"}),
            ),
            Some(_) if !still_matches => (
                ItemResult::new(id, Outcome::Unchanged).with_message(
                    "no longer matches (changed while the mail was being sent); the mailed password was not set, the old one stays valid",
                    ),
                audit::FAILED,
                json!({"email_sent_to": email, "error": "no longer matches the filters after the mail was sent"}),
            ),
            Some(c) if c.email != email => (
                ItemResult::refused(id, format!(
                    "customer {id}'s email changed while the mail was being sent; the mailed password was not set, the old one stays valid: run the reset again"
                )),
                audit::FAILED,
                json!({"email_sent_to": email, "error": "email changed while the mail was being sent"}),
            ),
            Some(_) => {
                Customer::set_password(conn, id, &hash, crate::db::now())?;
                (
                    ItemResult::new(id, Outcome::Changed).with_message(format!(
                        "temporary password mailed to {email}; must be changed at the next login"
                    )),
                    audit::OK,
                    json!({"must_change_password": true, "email_sent_to": email}),
                )
            }
        };
        NewAuditEntry::insert_all(
            conn,
            &[actor.entry("reset_password", Some(id), outcome, details)],
        )?;
        Ok(result)
    })
}
