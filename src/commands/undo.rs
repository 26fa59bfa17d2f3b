//! `custadm undo RUN`: reverse what an earlier `toggle`, `delete`, `restore`
//! or `edit` run changed, customer by customer, only where the customer still
//! holds what that run wrote (otherwise `refused`, "changed since"): an
//! edit's fields one by one (a field changed since is left as it is, the
//! others go back), the state of a toggle, delete or restore whole.
//! Customers go back in the reverse order of the run, so emails the run
//! passed along a chain are free again when they are given back. A run is
//! undone once per customer: a later undo acts on the customers no undo
//! reached (refused, or not reached by a stopped undo); once none is left
//! it is exit 5, "already undone by run X". The run's
//! audit rows are the record of what it wrote (their `details` hold old and
//! new values); each reversal is audited as `undo` with `{"undoes": RUN}` and
//! the undo's own run id. Runs over the engine in `bulk` (confirmation,
//! batches of one transaction each, Ctrl-C between batches, the report).

use std::collections::HashMap;

use chrono::NaiveDateTime;
use serde_json::{json, Map, Value};

use crate::bulk::{self, Batch, EmailMoves, ItemResult, Outcome, DEFAULT_BATCH_SIZE};
use crate::context::Ctx;
use crate::db::audit::{self, Actor, AuditEntry, NewAuditEntry};
use crate::db::customer::{ContactChanges, Customer};
use crate::db::lenient::{RawTime, StoredTime};
use crate::db::DbConn;
use crate::error::{Error, Result};
use crate::output::dollars;
use crate::text::sanitize;

/// Options of `custadm undo`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  # the RUN column names each run\n  custadm audit --action deactivate --limit 5\n  custadm undo 01JDQ5V7X1N3Z8G4M2K6P9R0ST --dry-run -o json\n  custadm undo 01JDQ5V7X1N3Z8G4M2K6P9R0ST --yes --reason INC-311\n\nCustomers go back in the reverse order of the run (newest change first). Only\nwhat a customer still holds of what the run wrote is changed back: an edit's\nfields one by one (a field changed since is left, and said so), a toggle,\ndelete or restore whole; the rest is refused (\"changed since\"). A run is\nundone once per customer: undo it again to retry the customers an earlier undo\nrefused or did not reach. Runs of reset-password, purge and undo cannot be\nundone.\nExit codes: 0 undone (or the run changed nothing: nothing to undo), 2 bad run\nid or not confirmed, 3 no such run, 4 unknown operator or not allowed, 5 run\nkind cannot be undone (or every customer changed since, or over\n--max-changes), 6 database unreachable or schema mismatch, 7 some undone and\nsome refused, 9 done, but stdout, the metrics file or an audit anchor could\nnot be written."
)]
pub struct UndoArgs {
    /// The run to reverse: the `run` of its result document, or the RUN column of `custadm audit`
    #[arg(value_name = "RUN")]
    pub run: String,
    /// Report what would be changed back (`would_change`) and write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Go ahead without asking (required when there is no terminal to ask on)
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Customers per transaction
    #[arg(long, value_name = "N", default_value_t = DEFAULT_BATCH_SIZE, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub batch_size: u32,
}

/// The actions whose runs can be reversed.
const REVERSIBLE: [&str; 5] = ["activate", "deactivate", "delete", "restore", "edit"];

/// Runs `custadm undo`.
pub fn run(ctx: &mut Ctx, args: UndoArgs) -> Result<()> {
    let run = ulid::Ulid::from_string(args.run.trim())
        .map_err(|_| {
            Error::Usage(format!(
                "{} is not a run id (26 characters, as in a result's \"run\" or the RUN column of `custadm audit`)",
                crate::text::quote_input(&args.run)
            ))
        })?
        .to_string();
    let actions = AuditEntry::run_actions(&mut ctx.conn, &run)?;
    if actions.is_empty() {
        let Some(command) = AuditEntry::run_command(&mut ctx.conn, &run)? else {
            return Err(Error::NotFound(format!(
                "no run {run} in the audit trail: `custadm audit` shows each row's run in its RUN column"
            )));
        };
        // A run that changed nothing (`runs` lists it): undoing it is an
        // empty selection, a success that changes nothing (contract
        // "Commands"), with its own run record like any other.
        ctx.out.note(&format!(
            "run {run} ({}) changed nothing, so there is nothing to undo",
            sanitize(&command)
        ));
        return undo_customers(ctx, &args, &run, &command, Vec::new());
    }
    if let Some(kind) = actions.iter().find(|a| !REVERSIBLE.contains(&a.as_str())) {
        return Err(Error::Refused(match kind.as_str() {
            "reset_password" => format!(
                "run {run} reset passwords: the old passwords are not kept anywhere, so they cannot be given back; nothing was changed"
            ),
            "purge" => format!(
                "run {run} purged customers: erased data cannot be brought back; nothing was changed"
            ),
            "undo" => format!(
                "run {run} is itself an undo, which cannot be undone; run the original command again instead; nothing was changed"
            ),
            other => format!(
                "run {run} was `{}`: only toggle, delete, restore and edit runs can be undone; nothing was changed",
                sanitize(other)
            ),
        }));
    }
    let kind = actions[0].clone();
    // Newest change first: the reverse order of the run.
    let mut ids = AuditEntry::run_customers(&mut ctx.conn, &run)?;
    // A run is undone once, customer by customer: an earlier undo that was
    // stopped (killed, a lost connection) or that refused some customers
    // leaves the others to a later one, as running any bulk command again
    // finishes its job; once every customer is undone, undoing again is
    // exit 5 (contract: "already undone by run X").
    let undone = AuditEntry::undone(&mut ctx.conn, &run)?;
    if !undone.is_empty() {
        let total = ids.len();
        let first_by = ids
            .iter()
            .filter_map(|id| undone.get(id))
            .min()
            .cloned()
            .unwrap_or_default();
        ids.retain(|id| !undone.contains_key(id));
        if ids.is_empty() {
            return Err(Error::Refused(format!(
                "run {run} was already undone by run {first_by}: a run is undone once; nothing was changed"
            )));
        }
        ctx.out.note(&format!(
            "run {run} was already undone by run {first_by} for {} of its {total} customers; this undo acts on the {} left",
            total - ids.len(),
            ids.len()
        ));
    }
    undo_customers(ctx, &args, &run, &kind, ids)
}

/// Runs the undo of run `run` (of action `kind`) over `ids` through the
/// bulk engine.
fn undo_customers(
    ctx: &mut Ctx,
    args: &UndoArgs,
    run: &str,
    kind: &str,
    ids: Vec<i64>,
) -> Result<()> {
    let database = sanitize(&ctx.database);
    let question = |n: i64| format!("Undo run {run} ({kind}) for {n} customer(s) in {database}?");
    // `max_changes` (the profile's) counts what would be changed back: a
    // dry pass, each batch's lock waits bounded as a real batch's are.
    let counted = ids.clone();
    let count = |conn: &mut DbConn, actor: &Actor, size: usize| {
        let mut emails = EmailMoves::default();
        let mut n = 0;
        for chunk in counted.chunks(size.max(1)) {
            let results = crate::db::bounded(conn, |conn| {
                undo_batch(conn, actor, run, &mut Batch::new(chunk), true, &mut emails)
            })?;
            n += results
                .iter()
                .filter(|r| r.outcome == Outcome::WouldChange)
                .count() as i64;
        }
        Ok(n)
    };
    let spec = bulk::RunSpec {
        action: "undo",
        // Undoing a restore soft-deletes: confirmed like a delete.
        always_confirm: kind == "restore",
        question: &question,
        changeable: None,
        at_most_one: None,
        commit: bulk::Commit::PerBatch,
        count_changes: Some(&count),
    };
    let options = bulk::RunOptions {
        dry_run: args.dry_run,
        yes: args.yes,
        batch_size: args.batch_size,
        max_changes: None,
    };
    let selection = bulk::Selection::Ids(ids);
    // A dry run writes nothing, so the database does not show the emails
    // its earlier customers would give back: they are kept here.
    let mut emails = EmailMoves::default();
    let report = bulk::execute(
        ctx,
        &spec,
        selection,
        &options,
        &mut |conn, actor, batch, dry| undo_batch(conn, actor, run, batch, dry, &mut emails),
    )?;
    report.finish(ctx)
}

/// How one customer is changed back.
enum Reversal {
    /// Set `is_active`.
    Active(bool),
    /// Bring a soft-deleted customer back, active or not.
    Undelete { active: bool },
    /// Soft-delete again, with the `deleted_at` the restore took away, as
    /// it was stored.
    Redelete { deleted_at: RecordedDeletedAt },
    /// Put name, email and phone back (only the fields the edit changed
    /// that still hold what it wrote); `left`: why each other field it
    /// changed is left as it is.
    Edit {
        full_name: Option<String>,
        email: Option<String>,
        phone: Option<Option<String>>,
        left: Vec<String>,
    },
}

/// A field the run wrote, and what the customer holds now.
fn changed_since(run: &str, field: &str, now: &Value, wrote: &Value) -> String {
    let show = |v: &Value| match v {
        Value::String(s) => sanitize(s),
        Value::Null => "-".into(),
        other => other.to_string(),
    };
    format!(
        "changed since run {run}: {field} is now {}, the run wrote {}",
        show(now),
        show(wrote)
    )
}

fn status_of(c: &Customer) -> Value {
    json!(c.status())
}

fn time_value(t: Option<&StoredTime>) -> Value {
    t.map(|t| json!(t.rfc3339())).unwrap_or(Value::Null)
}

fn parse_time(v: &Value) -> Option<NaiveDateTime> {
    v.as_str()
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .map(|d| d.naive_utc())
}

/// The `deleted_at` a restore recorded as it took it away.
#[derive(Debug, Clone)]
enum RecordedDeletedAt {
    /// Exactly as it was stored (`deleted_at_stored`): put back byte for
    /// byte, whatever it names; nothing here reads it as a time.
    Exact(RawTime),
    /// Only as text (audit rows from before restore recorded the stored
    /// value): the text is written back as it is (SQLite) or cast by the
    /// server (PostgreSQL, which may refuse it: that customer is refused).
    Text(String),
    /// Nothing (a restore's row without it): the time of the undo.
    Now,
}

/// Reads what a restore's audit `details` recorded of `deleted_at`, and
/// how it is shown (the restore's own `old` text). `None`: a
/// `deleted_at_stored` that is not what restore writes, which undo refuses
/// rather than write a value of its own making.
fn recorded_deleted_at(details: &Value) -> Option<(RecordedDeletedAt, Value)> {
    let shown = details.pointer("/changes/deleted_at/old").cloned();
    Some(match details.get("deleted_at_stored") {
        Some(raw) if !raw.is_null() => (
            RecordedDeletedAt::Exact(RawTime::from_json(raw)?),
            shown.unwrap_or(Value::Null),
        ),
        _ => match shown {
            Some(Value::String(text)) => {
                (RecordedDeletedAt::Text(text.clone()), Value::String(text))
            }
            _ => (
                RecordedDeletedAt::Now,
                json!(crate::output::rfc3339(crate::db::now())),
            ),
        },
    })
}

/// Decides one customer's reversal from the run's audit row, or the
/// result that says why not.
fn decide(
    run: &str,
    action: &str,
    details: &Value,
    c: &Customer,
) -> std::result::Result<(Reversal, Value), ItemResult> {
    let id = c.id;
    let refuse = |why: String| ItemResult::refused(id, why);
    let changes = details.get("changes").cloned().unwrap_or(Value::Null);
    match action {
        "activate" | "deactivate" => {
            let wrote = action == "activate";
            if c.deleted_at.is_some() || c.is_active != wrote {
                let wrote_status = if wrote { "active" } else { "inactive" };
                return Err(refuse(changed_since(
                    run,
                    "status",
                    &status_of(c),
                    &json!(wrote_status),
                )));
            }
            Ok((
                Reversal::Active(!wrote),
                json!({"is_active": {"old": wrote, "new": !wrote}}),
            ))
        }
        "delete" => {
            let wrote_at = changes.pointer("/deleted_at/new").and_then(parse_time);
            let still = c.deleted_at.is_some()
                && !c.is_active
                && wrote_at
                    .is_none_or(|t| Some(t) == c.deleted_at.as_ref().and_then(StoredTime::instant));
            if !still {
                return Err(refuse(changed_since(
                    run,
                    "status",
                    &status_of(c),
                    &json!("deleted"),
                )));
            }
            let active = details
                .get("was_active")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let back = if active { "active" } else { "inactive" };
            Ok((
                Reversal::Undelete { active },
                json!({
                    "status": {"old": "deleted", "new": back},
                    "deleted_at": {"old": time_value(c.deleted_at.as_ref()), "new": null}
                }),
            ))
        }
        "restore" => {
            let active = details
                .get("is_active")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let wrote = if active { "active" } else { "inactive" };
            if c.deleted_at.is_some() || c.is_active != active {
                return Err(refuse(changed_since(
                    run,
                    "status",
                    &status_of(c),
                    &json!(wrote),
                )));
            }
            let Some((deleted_at, shown)) = recorded_deleted_at(details) else {
                return Err(refuse(format!(
                    "the audit row of run {run} records customer {id}'s deleted_at in a form undo does not know, so it cannot be put back as it was"
                )));
            };
            let changes = json!({
                "status": {"old": wrote, "new": "deleted"},
                "deleted_at": {"old": null, "new": shown}
            });
            Ok((Reversal::Redelete { deleted_at }, changes))
        }
        "edit" => {
            if c.deleted_at.is_some() {
                return Err(refuse(format!(
                    "changed since run {run}: customer {id} is deleted now; restore them first"
                )));
            }
            let Some(fields) = changes.as_object() else {
                return Err(refuse(format!(
                    "the audit row of run {run} holds no old values for customer {id}"
                )));
            };
            // Field by field: a field that still holds what the run wrote
            // gets its old value back; one changed since is left as it is
            // (and said so). Refused only when no field can be put back.
            let mut undo = Map::new();
            let mut left = Vec::new();
            let (mut full_name, mut email, mut phone) = (None, None, None);
            for (field, change) in fields {
                let (old, new) = (
                    change.get("old").cloned().unwrap_or(Value::Null),
                    change.get("new").cloned().unwrap_or(Value::Null),
                );
                let now = match field.as_str() {
                    "full_name" => json!(c.full_name),
                    "email" => json!(c.email),
                    "phone" => json!(c.phone),
                    other => {
                        return Err(refuse(format!(
                            "run {run} changed {}, which undo does not know",
                            sanitize(other)
                        )))
                    }
                };
                if now != new {
                    left.push(changed_since(run, field, &now, &new));
                    continue;
                }
                match field.as_str() {
                    "full_name" => full_name = old.as_str().map(str::to_string),
                    "email" => email = old.as_str().map(str::to_string),
                    _ => phone = Some(old.as_str().map(str::to_string)),
                }
                undo.insert(field.clone(), json!({"old": new, "new": old}));
            }
            if undo.is_empty() {
                return Err(refuse(left.join("; ")));
            }
            Ok((
                Reversal::Edit {
                    full_name,
                    email,
                    phone,
                    left,
                },
                Value::Object(undo),
            ))
        }
        other => Err(refuse(format!(
            "run {run} was `{}`, which undo does not reverse",
            sanitize(other)
        ))),
    }
}

/// One batch: lock the customers, read the run's rows about them, change
/// back those that still hold what the run wrote, audit each reversal.
fn undo_batch(
    conn: &mut DbConn,
    actor: &Actor,
    run: &str,
    batch: &mut Batch<'_>,
    dry_run: bool,
    emails: &mut EmailMoves,
) -> Result<Vec<ItemResult>> {
    // Locks the rows (PostgreSQL FOR UPDATE, id order; SQLite holds the
    // write lock), so what is compared below stays so until commit.
    batch.lock_states(conn)?;
    let ids = batch.ids;
    let current = Customer::find_many(conn, ids)?;
    let rows = AuditEntry::run_rows_for(conn, run, ids)?;
    // Read under the locks: an undo of the same run that committed while
    // this one waited has written its rows.
    let undone = AuditEntry::undone_for(conn, run, ids)?;
    // A soft delete again (undoing a restore) keeps the unpaid-invoice rule:
    // billing accounts locked as `delete` does.
    let unpaid = if rows.values().any(|(a, _)| a == "restore") {
        Customer::lock_billing(conn, ids)?;
        Customer::unpaid_invoices(conn, ids)?
    } else {
        HashMap::new()
    };
    let mut results = Vec::with_capacity(ids.len());
    let mut audit_rows = Vec::new();
    for &id in ids {
        let Some(c) = current.get(&id) else {
            results.push(ItemResult::not_found(id));
            continue;
        };
        let Some((action, details)) = rows.get(&id) else {
            results.push(ItemResult::not_found(id));
            continue;
        };
        if let Some(by) = undone.get(&id) {
            results.push(ItemResult::refused(
                id,
                format!("run {run} was already undone by run {by} for customer {id}"),
            ));
            continue;
        }
        let details: Value = serde_json::from_str(details).unwrap_or(Value::Null);
        let (mut reversal, mut changes) = match decide(run, action, &details, c) {
            Ok(r) => r,
            Err(refused) => {
                results.push(refused);
                continue;
            }
        };
        if let Reversal::Redelete { .. } = reversal {
            if let Some(u) = unpaid.get(&id).filter(|u| u.unpaid_invoice_count > 0) {
                results.push(ItemResult::refused(
                    id,
                    format!(
                        "customer {id} has {} unpaid invoice(s) totalling {}: settle them before deleting again",
                        u.unpaid_invoice_count,
                        dollars(u.unpaid_invoice_total_cents)
                    ),
                ));
                continue;
            }
        }
        if let Reversal::Edit {
            email: email @ Some(_),
            left,
            ..
        } = &mut reversal
        {
            let old = email.as_deref().unwrap_or_default();
            if email_in_use(conn, emails, old, id, dry_run)? {
                left.push(format!(
                    "email {} is used by another customer now",
                    sanitize(old)
                ));
                *email = None;
                if let Value::Object(fields) = &mut changes {
                    fields.remove("email");
                }
            }
        }
        let note = match &reversal {
            Reversal::Edit { left, .. } if changes.as_object().is_some_and(Map::is_empty) => {
                results.push(ItemResult::refused(id, left.join("; ")));
                continue;
            }
            Reversal::Edit { left, .. } if !left.is_empty() => Some(format!(
                "undone in part, the rest left as it is: {}",
                left.join("; ")
            )),
            _ => None,
        };
        let done = |outcome: Outcome, changes: Value| {
            let r = ItemResult::new(id, outcome).with_changes(changes);
            match &note {
                Some(note) => r.with_message(note.clone()),
                None => r,
            }
        };
        if dry_run {
            if let Reversal::Edit {
                email: Some(old), ..
            } = &reversal
            {
                emails.free(&c.email, id);
                emails.give(&crate::bulk::normalised_email(old), id, 0);
            }
            results.push(done(Outcome::WouldChange, changes));
            continue;
        }
        if let Some(why) = apply(conn, id, &reversal)? {
            results.push(ItemResult::refused(id, why));
            continue;
        }
        audit_rows.push(actor.entry(
            "undo",
            Some(id),
            audit::OK,
            json!({"undoes": run, "undone_action": action, "changes": changes}),
        ));
        results.push(done(Outcome::Changed, changes));
    }
    NewAuditEntry::insert_all(conn, &audit_rows)?;
    Ok(results)
}

/// True when another customer holds `email`, which customer `id` would
/// take back. A dry run counts what its earlier customers would have done
/// (`emails`): an address one of them would give up is free (the
/// two-run swap of README's Tour undone), one it would take back is not.
fn email_in_use(
    conn: &mut DbConn,
    emails: &EmailMoves,
    email: &str,
    id: i64,
    dry_run: bool,
) -> Result<bool> {
    let email = crate::bulk::normalised_email(email);
    if dry_run {
        if let Some((holder, _)) = emails.given(&email) {
            return Ok(holder != id);
        }
    }
    let owner = Customer::email_owner(conn, &email, id)?;
    Ok(match owner {
        Some(owner) => !(dry_run && emails.freed_by(&email) == Some(owner)),
        None => false,
    })
}

/// Writes one reversal. `Ok(Some(why))`: the `deleted_at` the run recorded
/// cannot be put back as it was stored (recorded only as text that
/// PostgreSQL does not read as a timestamp, or read from the other
/// backend); nothing was written for this customer.
fn apply(conn: &mut DbConn, id: i64, reversal: &Reversal) -> Result<Option<String>> {
    let now = crate::db::now();
    match reversal {
        Reversal::Active(active) => {
            Customer::set_active(conn, &[id], *active, now)?;
        }
        Reversal::Undelete { active } => {
            Customer::undelete(conn, &[id], *active, now)?;
        }
        Reversal::Redelete { deleted_at } => match deleted_at {
            RecordedDeletedAt::Exact(raw) => {
                if !Customer::soft_delete_exact(conn, id, raw, now)? {
                    return Ok(Some(format!(
                        "the deleted_at recorded for customer {id} was read from a {} database, not this one, so it cannot be put back as it was",
                        match raw.backend() {
                            crate::db::Backend::Sqlite => "SQLite",
                            crate::db::Backend::Postgres => "PostgreSQL",
                        }
                    )));
                }
            }
            RecordedDeletedAt::Text(text) => {
                if !Customer::soft_delete_recorded_text(conn, id, text, now)? {
                    return Ok(Some(format!(
                        "the deleted_at recorded for customer {id} ({}) is not a timestamp PostgreSQL reads, so it cannot be put back as it was",
                        crate::text::quote_input(text)
                    )));
                }
            }
            RecordedDeletedAt::Now => {
                Customer::soft_delete(conn, &[id], now, now)?;
            }
        },
        Reversal::Edit {
            full_name,
            email,
            phone,
            ..
        } => {
            let back = ContactChanges {
                full_name: full_name.as_deref(),
                email: email.as_deref(),
                phone: phone.as_ref().map(|p| p.as_deref()),
                updated_at: now,
            };
            Customer::update_contact(conn, id, &back)?;
        }
    };
    Ok(None)
}
