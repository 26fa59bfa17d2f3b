//! `custadm edit --from FILE`: `edit` for many customers, one row of a CSV
//! or JSON-lines file each (contract: SPEC.md "Commands", `edit --from`,
//! and the bulk paragraphs after the command table). The file is checked
//! whole first (`bulk::ChangeFile`: exit 2 naming the line), then run by the
//! bulk engine batch by batch, each batch one transaction with its audit
//! rows (`edit` rows with `{"changes", "line"}` and the run id, so `undo
//! RUN` reverses them).
//!
//! Each row is decided as `edit` decides: the customer's row is locked and
//! read again inside the batch's transaction, only the fields the row
//! changes are written (a concurrent change to another field survives), an
//! email is checked against every other customer. Rows apply in file
//! order, each against the database as the earlier rows left it:
//! - an email is free for a row only when no other customer holds it at
//!   that moment, so a file that swaps two customers' emails has both rows
//!   refused (the first finds the address still held by the other
//!   customer, the second likewise); a swap takes two runs, through a
//!   temporary address (README "Tour");
//! - a row naming its customer by email finds whoever holds the address as
//!   the earlier rows left it, whatever the batch size, dry run or not: the
//!   earlier batches of a real run committed, so the database shows their
//!   moves (and what other programs did since); the earlier rows of the
//!   same batch, and every earlier row of a dry run, which writes nothing,
//!   are in `EmailMoves` (one a row gave away names its new holder, one a
//!   row took away names nobody); the customer found must still hold it
//!   once locked (another transaction may move it meanwhile:
//!   `settle_emails`);
//! - the same customer named twice (by id or email): the later row is
//!   refused, "already changed by line N" (or "already named by line N"
//!   when that row changed nothing), whatever it asks, so running the same
//!   file again changes nothing (a done row is `unchanged`).
//!
//! Memory: the rows stream from the spool; customers seen are kept in a
//! compact id set (`bulk::IdSet`) and the first line of each in a spool
//! file (17 bytes a customer). The emails rows moved (gave or took away)
//! are kept in memory for the current batch only in a real run; a dry run
//! keeps those of the whole file (memory grows with the emails it moves).

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::os::unix::fs::FileExt;
use std::path::Path;

use serde_json::{json, Map, Value};

use crate::bulk::{
    self, ChangeFile, ChangeFormat, ChangeRow, EmailMoves, IdSet, ItemResult, Outcome, PhoneChange,
    RowKey, RunOptions,
};
use crate::context::Ctx;
use crate::db::audit::{self, Actor, AuditEntry, NewAuditEntry};
use crate::db::customer::{ContactChanges, Customer};
use crate::db::error::DbError;
use crate::db::DbConn;
use crate::error::{Error, Result};
use crate::text::sanitize;
use crate::validate;

/// Runs `custadm edit --from FILE` (`-`: standard input).
///
/// # Errors
/// Exit 2 for a malformed file (before anything changes) or a declined
/// confirmation; the run's own exit code otherwise (5 past
/// `--max-changes`, 7 when some rows were done and some not).
pub(super) fn run(
    ctx: &mut Ctx,
    path: &Path,
    format: Option<ChangeFormat>,
    options: &RunOptions,
) -> Result<()> {
    let region = ctx
        .settings
        .default_region
        .value
        .as_deref()
        .map(validate::phone_region)
        .transpose()
        .map_err(Error::Usage)?;
    let file = ChangeFile::read(path, format, region)?;
    let source = if path.as_os_str() == "-" {
        "standard input".to_string()
    } else {
        sanitize(&path.display().to_string())
    };
    let database = sanitize(&ctx.database);
    // `n`: the customers the file would change (the engine counts them by
    // a dry pass before it asks).
    let question = |n: i64| format!("Change {n} customer(s) as {source} says, in {database}?");
    let counted = file.clone();
    let count =
        |conn: &mut DbConn, actor: &Actor, size: usize| count_changes(conn, actor, &counted, size);
    let spec = bulk::RunSpec {
        action: "edit",
        always_confirm: false,
        question: &question,
        changeable: None,
        at_most_one: None,
        commit: bulk::Commit::PerBatch,
        count_changes: Some(&count),
    };
    let mut rows = Rows::new()?;
    let mut report = bulk::execute(
        ctx,
        &spec,
        bulk::Selection::File(file),
        options,
        &mut |conn, actor, batch, dry_run| rows.batch(conn, actor, batch.rows, dry_run),
    )?;
    if rows.order.found {
        report.hint = Some(Order::HINT.into());
    }
    report.unit = "rows";
    report.finish(ctx)
}

/// How many rows of `file` would change their customer (`--max-changes`
/// counts changes, not rows): a dry pass over the whole file, as a dry run
/// decides it, `size` rows a batch, each batch's lock waits bounded by
/// `lock_timeout` as a real batch's are (`db::bounded`).
fn count_changes(conn: &mut DbConn, actor: &Actor, file: &ChangeFile, size: usize) -> Result<i64> {
    let mut rows = Rows::new()?;
    let mut reader = file.reader()?;
    let mut n = 0;
    loop {
        let batch = reader.next_batch(size)?;
        if batch.is_empty() {
            return Ok(n);
        }
        let results = crate::db::bounded(conn, |conn| rows.batch(conn, actor, &batch, true))?;
        n += results
            .iter()
            .filter(|r| r.outcome == Outcome::WouldChange)
            .count() as i64;
    }
}

/// What the run remembers across batches.
struct Rows {
    /// Customers a row has named.
    seen: IdSet,
    /// The first row of each customer: line and outcome.
    firsts: Firsts,
    /// Emails the earlier rows gave to (or left with) a customer, and those
    /// they freed: in a real run this batch's rows only (the database holds
    /// what committed batches did), in a dry run the whole file's (what
    /// they would do).
    emails: EmailMoves,
    /// Rows refused for an address a later row's customer holds.
    order: Order,
}

/// Rows refused because another customer held the address they asked
/// for, when a later row asks that customer for a new address: the file
/// takes an address before it frees it (a swap, or a chain in the wrong
/// order). The error line then says how to do it (README "edit --from").
#[derive(Default)]
struct Order {
    /// The customers who held such an address (at most [`Order::KEPT`]).
    holders: HashSet<i64>,
    /// A later row asked one of them for a new address.
    found: bool,
}

impl Order {
    const KEPT: usize = 10_000;

    const HINT: &'static str = "An address is free for a row only once no customer holds it, so a row that takes an address a later row gives up is refused: put the row that gives it up first; a swap of two addresses takes two runs, through a temporary address (README: edit --from)";

    fn blocked_by(&mut self, holder: i64) {
        if self.holders.len() < Self::KEPT {
            self.holders.insert(holder);
        }
    }

    /// A row asks customer `id` for a new address.
    fn moves(&mut self, id: i64) {
        if !self.found && !self.holders.is_empty() && self.holders.contains(&id) {
            self.found = true;
        }
    }
}

impl Rows {
    fn new() -> Result<Self> {
        Ok(Rows {
            seen: IdSet::default(),
            firsts: Firsts::new()?,
            emails: EmailMoves::default(),
            order: Order::default(),
        })
    }

    /// One batch: resolve the emails that name customers, lock the
    /// customers (id order) and read them again, decide each row in file
    /// order, write the changes and their audit rows.
    fn batch(
        &mut self,
        conn: &mut DbConn,
        actor: &Actor,
        rows: &[ChangeRow],
        dry_run: bool,
    ) -> Result<Vec<ItemResult>> {
        if !dry_run {
            // The earlier batches committed: the database holds their moves
            // (and whatever other programs did since). Only this batch's
            // own moves are kept, so memory stays flat with the file.
            self.emails = EmailMoves::default();
        }
        let emails: Vec<String> = rows
            .iter()
            .filter_map(|r| match &r.key {
                // An address an earlier row moved is resolved by the file.
                RowKey::Email(e) if self.emails.holder(e).is_none() => Some(e.clone()),
                _ => None,
            })
            .collect();
        let mut by_email = Customer::ids_by_email(conn, &emails)?;
        let mut ids: Vec<i64> = rows
            .iter()
            .filter_map(|r| match &r.key {
                RowKey::Id(id) => Some(*id),
                RowKey::Email(e) => by_email.get(e).copied(),
            })
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let mut current = Customer::lock_for_edit_many(conn, &ids)?;
        let moving = settle_emails(conn, &mut by_email, &mut current)?;
        let moved = MovesDone::find(conn, rows, &self.emails, &by_email, &mut current)?;
        let mut results = Vec::with_capacity(rows.len());
        let mut writes = Writes::default();
        let mut dups: Vec<(usize, i64)> = Vec::new();
        let mut here: HashMap<i64, (u64, Outcome)> = HashMap::new();
        for row in rows {
            let done_move = moved.of(row, &self.emails, |r| self.target(r, &by_email).0);
            let (target, given) = match done_move {
                Some((id, from_run)) => (Some(id), from_run),
                None => self.target(row, &by_email),
            };
            let c = target.and_then(|id| current.get(&id));
            let Some(id) = target.filter(|_| c.is_some() || given) else {
                results.push(not_found(row, &moving));
                continue;
            };
            if !self.seen.insert(id) {
                dups.push((results.len(), id));
                results.push(ItemResult::refused(id, String::new()).with_line(row.line));
                continue;
            }
            let Some(c) = c else {
                results.push(not_found(row, &moving));
                continue;
            };
            if row.new_email.is_some() {
                self.order.moves(c.id);
            }
            let mut result = self.decide(conn, actor, row, c, dry_run, &mut writes)?;
            if done_move.is_some() {
                result = MovesDone::note(row, result);
            }
            if row.invalid.is_some() {
                result = result.invalid_value();
            }
            here.insert(c.id, (row.line, result.outcome));
            self.firsts.record(row.line, c.id, result.outcome)?;
            results.push(result);
        }
        if !dups.is_empty() {
            let wanted: HashSet<i64> = dups
                .iter()
                .map(|&(_, id)| id)
                .filter(|id| !here.contains_key(id))
                .collect();
            let earlier = self.firsts.find(&wanted)?;
            for (at, id) in dups {
                let first = here.get(&id).or_else(|| earlier.get(&id)).copied();
                let message = match first {
                    Some((line, Outcome::Changed)) => format!(
                        "customer {id} was already changed by line {line} of this file: one row per customer"
                    ),
                    Some((line, Outcome::WouldChange)) => format!(
                        "customer {id} would already be changed by line {line} of this file: one row per customer"
                    ),
                    Some((line, outcome)) => format!(
                        "customer {id} is already named by line {line} of this file ({}): one row per customer",
                        outcome.as_str()
                    ),
                    None => format!(
                        "customer {id} is already named by an earlier line of this file: one row per customer"
                    ),
                };
                if let Some(r) = results.get_mut(at) {
                    r.message = Some(message);
                }
            }
        }
        let now = crate::db::now();
        let changes: Vec<ContactChanges<'_>> = writes
            .rows
            .iter()
            .map(|w| ContactChanges {
                full_name: w.full_name.as_deref(),
                email: None,
                phone: w.phone.as_ref().map(|p| p.as_deref()),
                updated_at: now,
            })
            .collect();
        Customer::update_names_and_phones(conn, &changes, &writes.ids, now)?;
        NewAuditEntry::insert_all(conn, &writes.audit)?;
        Ok(results)
    }

    /// One row about customer `c` (locked, read again): its outcome, and,
    /// unless `dry_run`, its change written (an email at once, names and
    /// phones queued in `writes`) and its audit row queued.
    fn decide(
        &mut self,
        conn: &mut DbConn,
        actor: &Actor,
        row: &ChangeRow,
        c: &Customer,
        dry_run: bool,
        writes: &mut Writes,
    ) -> Result<ItemResult> {
        let id = c.id;
        let refused = |why: String| ItemResult::refused(id, why).with_line(row.line);
        if let Some(why) = &row.invalid {
            return Ok(refused(why.clone()));
        }
        if c.deleted_at.is_some() {
            return Ok(refused(format!(
                "customer {id} is deleted: run `custadm restore {id}` first"
            )));
        }
        let mut changes = Map::new();
        let mut record = |field: &str, old: Value, new: Value| {
            if old != new {
                changes.insert(field.to_string(), json!({"old": old, "new": new}));
            }
        };
        if let Some(n) = &row.full_name {
            record("full_name", json!(c.full_name), json!(n));
        }
        if let Some(e) = &row.new_email {
            record("email", json!(c.email), json!(e));
        }
        match &row.phone {
            PhoneChange::Keep => {}
            PhoneChange::Clear => record("phone", json!(c.phone), Value::Null),
            PhoneChange::Set(p) => record("phone", json!(c.phone), json!(p)),
        }
        if changes.is_empty() {
            if let Some(e) = &row.new_email {
                self.emails.give(e, id, row.line);
            }
            return Ok(ItemResult::new(id, Outcome::Unchanged)
                .with_message("nothing to change")
                .with_line(row.line));
        }
        let name = row
            .full_name
            .as_deref()
            .filter(|_| changes.contains_key("full_name"));
        let email = row
            .new_email
            .as_deref()
            .filter(|_| changes.contains_key("email"));
        let phone = match &row.phone {
            _ if !changes.contains_key("phone") => None,
            PhoneChange::Set(p) => Some(Some(p.as_str())),
            _ => Some(None),
        };
        if let Some(e) = email {
            if let Some(why) = self.email_taken(conn, actor, e, id, dry_run)? {
                return Ok(refused(why));
            }
        }
        let changes = Value::Object(changes);
        if dry_run {
            if let Some(e) = email {
                self.emails.free(&c.email, id);
                self.emails.give(e, id, row.line);
            }
            return Ok(ItemResult::new(id, Outcome::WouldChange)
                .with_changes(changes)
                .with_line(row.line));
        }
        if email.is_none() {
            // Names and phones: written together at the end of the batch.
            writes.ids.push(id);
            writes.rows.push(NamePhone {
                full_name: name.map(str::to_string),
                phone: phone.map(|p| p.map(str::to_string)),
            });
        } else {
            let update = ContactChanges {
                full_name: name,
                email,
                phone,
                updated_at: crate::db::now(),
            };
            // A new email in a savepoint: an address another program took
            // since the check refuses this row only.
            match crate::db::savepoint(conn, |conn| Customer::update_contact(conn, id, &update)) {
                Ok(_) => {}
                Err(e) if DbError::kind_of(&e).is_unique_violation() => {
                    return Ok(refused(
                        "that email is already used by another customer (differing only in letter case)"
                            .into(),
                    ));
                }
                Err(e) => return Err(e.into()),
            }
        }
        if let Some(e) = email {
            self.emails.free(&c.email, id);
            self.emails.give(e, id, row.line);
        }
        writes.audit.push(actor.entry(
            "edit",
            Some(id),
            audit::OK,
            json!({ "changes": changes, "line": row.line }),
        ));
        Ok(ItemResult::new(id, Outcome::Changed)
            .with_changes(changes)
            .with_line(row.line))
    }

    /// Why customer `id` cannot take email `e` now, if it cannot: another
    /// customer holds it (one an earlier row gave it to is named by that
    /// row's line: this batch's rows from `emails`, an earlier batch's from
    /// the audit row it committed). A dry run counts what the earlier rows
    /// would have done.
    fn email_taken(
        &mut self,
        conn: &mut DbConn,
        actor: &Actor,
        e: &str,
        id: i64,
        dry_run: bool,
    ) -> Result<Option<String>> {
        // The customer an earlier row named (and who holds the address as
        // it left them: given to them, or theirs already) is named here:
        // the file named them.
        let by_line = |owner: i64, line: u64| {
            format!(
                "email {e} is customer {owner}'s address (given to or left with them by line {line} of this file)"
            )
        };
        if dry_run {
            if let Some((owner, line)) = self.emails.given(e) {
                if owner != id {
                    return Ok(Some(by_line(owner, line)));
                }
            }
        }
        let Some(owner) = Customer::email_owner(conn, e, id)? else {
            return Ok(None);
        };
        if dry_run && self.emails.freed_by(e) == Some(owner) {
            return Ok(None);
        }
        let given = match self.emails.given(e) {
            Some((o, line)) if o == owner => Some(line),
            _ if dry_run => None,
            _ => given_by_earlier_batch(conn, actor, owner, e)?,
        };
        Ok(Some(match given {
            Some(line) => by_line(owner, line),
            None => {
                self.order.blocked_by(owner);
                format!("email {e} is already used by another customer")
            }
        }))
    }

    /// The customer a row names, as the file's earlier rows left the
    /// emails (rows apply in file order, each against the database as the
    /// earlier ones left it, whatever the batch size, dry run or not): an
    /// address an earlier row gave away (`emails`: this batch's rows, or
    /// in a dry run any earlier row) names the customer it went to (true:
    /// then that customer was named before), one it freed names nobody;
    /// any other through the database (`by_email`, read under this batch's
    /// lock), which holds what earlier batches committed.
    fn target(&self, row: &ChangeRow, by_email: &HashMap<String, i64>) -> (Option<i64>, bool) {
        match &row.key {
            RowKey::Id(id) => (Some(*id), false),
            RowKey::Email(e) => match self.emails.holder(e) {
                Some(holder) => (holder, holder.is_some()),
                None => (by_email.get(e).copied(), false),
            },
        }
    }
}

/// The line of this run that gave email `e` to customer `owner`, when an
/// earlier batch of a real run did (its committed `edit` audit row says
/// so): the database holds what earlier batches did, not memory.
fn given_by_earlier_batch(
    conn: &mut DbConn,
    actor: &Actor,
    owner: i64,
    e: &str,
) -> Result<Option<u64>> {
    let Some(run) = actor.run_id.as_deref() else {
        return Ok(None);
    };
    let rows = crate::db::audit::AuditEntry::run_rows_for(conn, run, &[owner])?;
    let Some((action, details)) = rows.get(&owner) else {
        return Ok(None);
    };
    if action != "edit" {
        return Ok(None);
    }
    let details: Value = serde_json::from_str(details).unwrap_or(Value::Null);
    let gave = details["changes"]["email"]["new"].as_str() == Some(e);
    Ok(details["line"].as_u64().filter(|_| gave))
}

/// Email-keyed rows whose move was already made: the same file run again
/// (after a kill, say) must reach what one uninterrupted run reaches, and a
/// row `old@,new@` whose customer already moved from old@ to new@ finds
/// nobody at old@. Such a row names the customer holding its `new_email`
/// (as the earlier rows left it) when that customer's move from the row's
/// address to it is on record: made by an earlier row of this run (the
/// email ledger: it freed the one and took the other), or the latest
/// change of their email on the audit chain. It also wins over whoever
/// holds the row's address now: in `b@,b2@` then `a@,b@` run again, b@ is
/// a@'s customer's now, and the first row's move is done. The row is then
/// `unchanged` when its other fields are so too (else they are applied),
/// and a second row for that customer is refused as for any customer named
/// twice. A move nobody recorded (another program's) is not taken for one:
/// the row stays `not_found`.
struct MovesDone {
    /// `new_email` → the customer holding it at the start of the batch,
    /// locked (a dry run: read), for the email-keyed rows whose address
    /// no earlier row moved.
    holders: HashMap<String, i64>,
    /// customer → (old, new) of the latest email change on the chain, for
    /// those holders that the row's address does not name.
    recorded: HashMap<i64, (String, String)>,
}

impl MovesDone {
    fn find(
        conn: &mut DbConn,
        rows: &[ChangeRow],
        emails: &EmailMoves,
        by_email: &HashMap<String, i64>,
        current: &mut HashMap<i64, Customer>,
    ) -> Result<MovesDone> {
        let wanted: Vec<String> = rows
            .iter()
            .filter_map(|r| match (&r.key, &r.new_email) {
                (RowKey::Email(e), Some(n)) if e != n && emails.holder(n).is_none() => {
                    Some(n.clone())
                }
                _ => None,
            })
            .collect();
        let mut holders = Customer::ids_by_email(conn, &wanted)?;
        let mut ids: Vec<i64> = holders
            .values()
            .copied()
            .filter(|id| !current.contains_key(id))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        current.extend(Customer::lock_for_edit_many(conn, &ids)?);
        // Moved on between the lookup and the lock: not this row's move.
        holders.retain(|n, id| current.get(id).is_some_and(|c| c.holds_email(n)));
        let mut ids: Vec<i64> = rows
            .iter()
            .filter_map(|r| match (&r.key, &r.new_email) {
                (RowKey::Email(e), Some(n)) => holders
                    .get(n)
                    .copied()
                    .filter(|&y| by_email.get(e) != Some(&y)),
                _ => None,
            })
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let recorded = AuditEntry::latest_email_moves(conn, &ids)?;
        Ok(MovesDone { holders, recorded })
    }

    /// The customer whose recorded move `row` asks for again, and whether
    /// an earlier row of this run made it (that customer was named then).
    fn of(
        &self,
        row: &ChangeRow,
        emails: &EmailMoves,
        named: impl Fn(&ChangeRow) -> Option<i64>,
    ) -> Option<(i64, bool)> {
        let (RowKey::Email(e), Some(n)) = (&row.key, &row.new_email) else {
            return None;
        };
        if e == n {
            return None;
        }
        let (holder, from_run) = match emails.holder(n) {
            Some(holder) => (holder?, true),
            None => (*self.holders.get(n)?, false),
        };
        if named(row) == Some(holder) {
            return None; // the usual way: the row's address names them
        }
        let recorded = emails.freed_by(e) == Some(holder)
            || self.recorded.get(&holder).is_some_and(|(old, new)| {
                bulk::normalised_email(old) == *e && bulk::normalised_email(new) == *n
            });
        recorded.then_some((holder, from_run))
    }

    /// The result of a row whose move was done: says so.
    fn note(row: &ChangeRow, result: ItemResult) -> ItemResult {
        let (RowKey::Email(e), Some(n)) = (&row.key, &row.new_email) else {
            return result;
        };
        let done = format!("email {e} was already moved to {n}");
        match result.outcome {
            Outcome::Unchanged => result.with_message(format!("{done}: nothing to change")),
            Outcome::Changed | Outcome::WouldChange if result.message.is_none() => {
                result.with_message(done)
            }
            _ => result,
        }
    }
}

/// The result of a row whose customer does not exist (now), or whose
/// email kept moving between customers while the batch locked them.
fn not_found(row: &ChangeRow, moving: &HashSet<String>) -> ItemResult {
    match &row.key {
        RowKey::Id(id) => ItemResult::not_found(*id),
        RowKey::Email(e) if moving.contains(e) => ItemResult::by_email(e, Outcome::Refused)
            .with_message(format!(
                "email {e} moved from customer to customer while this run waited for its lock; run the file again"
            )),
        RowKey::Email(e) => ItemResult::email_not_found(e),
    }
    .with_line(row.line)
}

/// After a batch's customers are locked (a dry run: read), each one an
/// email named must still hold it: another transaction may have moved the
/// address to someone else between the lookup and the lock. Such emails
/// are looked up again and their new customers locked (a few rounds at
/// most: PostgreSQL's READ COMMITTED shows each statement what committed
/// before it). Returns the emails still moving after that (their rows are
/// refused); the others are in `by_email`, their customers in `current`.
fn settle_emails(
    conn: &mut DbConn,
    by_email: &mut HashMap<String, i64>,
    current: &mut HashMap<i64, Customer>,
) -> Result<HashSet<String>> {
    let stale = |by_email: &HashMap<String, i64>, current: &HashMap<i64, Customer>| {
        by_email
            .iter()
            .filter(|(e, id)| !current.get(id).is_some_and(|c| c.holds_email(e)))
            .map(|(e, _)| e.clone())
            .collect::<Vec<String>>()
    };
    let mut moving = stale(by_email, current);
    for _ in 0..3 {
        if moving.is_empty() {
            break;
        }
        for e in &moving {
            by_email.remove(e);
        }
        let again = Customer::ids_by_email(conn, &moving)?;
        let mut ids: Vec<i64> = again
            .values()
            .copied()
            .filter(|id| !current.contains_key(id))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        current.extend(Customer::lock_for_edit_many(conn, &ids)?);
        moving = stale(&again, current);
        by_email.extend(again);
    }
    for e in &moving {
        by_email.remove(e);
    }
    Ok(moving.into_iter().collect())
}

/// What a batch writes at its end: names and phones in one statement on
/// PostgreSQL (`Customer::update_names_and_phones`), then the audit rows.
#[derive(Default)]
struct Writes {
    ids: Vec<i64>,
    rows: Vec<NamePhone>,
    audit: Vec<NewAuditEntry>,
}

/// One customer's new name and phone (`None`: left as it is).
struct NamePhone {
    full_name: Option<String>,
    phone: Option<Option<String>>,
}

/// The first row of each customer, spooled to an unlinked file: line
/// (u64), customer (i64) and outcome (u8), little-endian, 17 bytes a
/// customer. Read back only for a customer named twice.
struct Firsts {
    out: BufWriter<File>,
}

const FIRST_BYTES: usize = 17;

const OUTCOMES: [Outcome; 6] = [
    Outcome::Changed,
    Outcome::Unchanged,
    Outcome::WouldChange,
    Outcome::NotFound,
    Outcome::Refused,
    Outcome::Failed,
];

impl Firsts {
    fn new() -> Result<Self> {
        Ok(Firsts {
            out: BufWriter::new(crate::bulk::spool_file()?),
        })
    }

    fn record(&mut self, line: u64, id: i64, outcome: Outcome) -> Result<()> {
        let code = OUTCOMES.iter().position(|&o| o == outcome).unwrap_or(0) as u8;
        self.out.write_all(&line.to_le_bytes())?;
        self.out.write_all(&id.to_le_bytes())?;
        self.out.write_all(&[code])?;
        Ok(())
    }

    /// The first row (line, outcome) of each of `wanted`, read from the
    /// start until all are found.
    fn find(&mut self, wanted: &HashSet<i64>) -> Result<HashMap<i64, (u64, Outcome)>> {
        let mut found = HashMap::new();
        if wanted.is_empty() {
            return Ok(found);
        }
        self.out.flush()?;
        let file = self.out.get_ref();
        let mut chunk = vec![0u8; FIRST_BYTES * 4096];
        let mut offset = 0u64;
        while found.len() < wanted.len() {
            let n = file.read_at(&mut chunk, offset)?;
            let whole = n - n % FIRST_BYTES;
            if whole == 0 {
                break;
            }
            for rec in chunk[..whole].chunks_exact(FIRST_BYTES) {
                let mut word = [0u8; 8];
                word.copy_from_slice(&rec[8..16]);
                let id = i64::from_le_bytes(word);
                if wanted.contains(&id) && !found.contains_key(&id) {
                    word.copy_from_slice(&rec[..8]);
                    let outcome = OUTCOMES
                        .get(usize::from(rec[16]))
                        .copied()
                        .unwrap_or(Outcome::Changed);
                    found.insert(id, (u64::from_le_bytes(word), outcome));
                }
            }
            offset += whole as u64;
        }
        Ok(found)
    }
}
