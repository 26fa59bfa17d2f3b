//! The `audit_log` table: one row for every change (in the change's own
//! transaction), every `view`, and every refusal for permission or password.
//! Every row is written through [`chain::append`] (the hash chain); nothing
//! else inserts into `audit_log`.

pub mod anchor;
pub mod archive;
pub mod chain;
mod read;
pub mod signing;
pub mod verify;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::id_list::in_ids;
use super::lenient::StoredTime;
use super::schema::audit_log;
use super::DbConn;
use crate::error::Result;

/// `audit_log.outcome`: the change happened.
pub const OK: &str = "ok";
/// `audit_log.outcome`: attempted and failed (e.g. the mail could not be sent).
pub const FAILED: &str = "failed";
/// `audit_log.outcome`: refused for role, unknown operator, password or lock.
pub const DENIED: &str = "denied";

/// `audit_log.action` of the row that ends every changing command's run
/// (contract: "Audit").
pub const RUN_ACTION: &str = "run";

/// The actions of the rows a customer-changing run writes (an unfinished
/// run is found by them).
pub const RUN_ROW_ACTIONS: [&str; 8] = [
    "activate",
    "deactivate",
    "delete",
    "restore",
    "edit",
    "reset_password",
    "purge",
    "undo",
];

/// One run as `runs` lists it.
#[derive(Debug, Clone)]
pub struct RunListing {
    pub run: String,
    pub action: String,
    pub operator: String,
    pub os_user: String,
    /// The `occurred_at` of its first row.
    pub started_at: StoredTime,
    /// The `occurred_at` of its `run` row; `None`: unfinished.
    pub finished_at: Option<StoredTime>,
    /// Outcome → count (JSON object).
    pub summary: serde_json::Value,
    pub exit_code: Option<i64>,
}

/// `details` of a redacted row.
pub const REDACTED_DETAILS: &str = r#"{"redacted":true}"#;

/// Who does something, and why: stamped on every audit row a command writes.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The operator's username (as given, even when unknown).
    pub operator: String,
    /// The login name of the OS user who ran the command.
    pub os_user: String,
    /// The global `--reason` text.
    pub reason: Option<String>,
    /// The run id of a changing command's run (contract: "every changing
    /// command run has a run id"), stored on every row it writes; `None` for
    /// reads and refusals outside a run.
    pub run_id: Option<String>,
}

impl Actor {
    /// An audit row by this actor.
    pub fn entry(
        &self,
        action: &str,
        customer_id: Option<i64>,
        outcome: &str,
        details: serde_json::Value,
    ) -> NewAuditEntry {
        NewAuditEntry {
            occurred_at: super::now(),
            operator: self.operator.clone(),
            os_user: self.os_user.clone(),
            action: action.to_string(),
            customer_id,
            outcome: outcome.to_string(),
            reason: self.reason.clone(),
            details: details.to_string(),
            run_id: self.run_id.clone(),
        }
    }
}

/// A new row of `audit_log`, before the chain gives it an id, a salt and
/// its hashes ([`chain::append`]).
#[derive(Debug, Clone)]
pub struct NewAuditEntry {
    pub occurred_at: NaiveDateTime,
    pub operator: String,
    pub os_user: String,
    pub action: String,
    pub customer_id: Option<i64>,
    pub outcome: String,
    pub reason: Option<String>,
    pub details: String,
    pub run_id: Option<String>,
}

/// A row of `audit_log`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct AuditEntry {
    pub id: i64,
    pub occurred_at: StoredTime,
    #[diesel(deserialize_as = crate::db::lenient::LossyText)]
    pub operator: String,
    #[diesel(deserialize_as = crate::db::lenient::LossyText)]
    pub os_user: String,
    #[diesel(deserialize_as = crate::db::lenient::LossyText)]
    pub action: String,
    pub customer_id: Option<i64>,
    #[diesel(deserialize_as = crate::db::lenient::LossyText)]
    pub outcome: String,
    #[diesel(deserialize_as = crate::db::lenient::LossyOptText)]
    pub reason: Option<String>,
    #[diesel(deserialize_as = crate::db::lenient::LossyText)]
    pub details: String,
    #[diesel(deserialize_as = crate::db::lenient::LossyOptText)]
    pub run_id: Option<String>,
}

/// The actions whose `ok` rows change a customer's active/deleted status:
/// what `state_before_delete` looks back through.
const STATUS_ACTIONS: [&str; 5] = ["delete", "restore", "activate", "deactivate", "undo"];

/// Only rows on the chain (contract: "Audit": `undo` trusts only those): a
/// `chain_hash`, and an id between the chain's start and its head as
/// `audit_chain_head` records them. A row another program added — below the
/// start, after the head, or without hashes — is never read as custadm's own
/// (`audit verify` names it).
fn on_chain() -> diesel::expression::SqlLiteral<diesel::sql_types::Bool> {
    diesel::dsl::sql::<diesel::sql_types::Bool>(
        "(audit_log.chain_hash IS NOT NULL AND audit_log.id >= (SELECT chain_start_id FROM audit_chain_head WHERE id = 1) \
         AND audit_log.id <= (SELECT last_id FROM audit_chain_head WHERE id = 1))",
    )
}

/// A timestamp as the trail's details record it: `YYYY-MM-DD HH:MM:SS` (UTC).
pub fn timestamp_text(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// Filters for reading the trail.
#[derive(Debug, Default)]
pub struct AuditFilter {
    pub customer_id: Option<i64>,
    /// Only rows of this run (`audit_log.run_id`).
    pub run_id: Option<String>,
    pub operator: Option<String>,
    pub action: Option<String>,
    pub since: Option<NaiveDateTime>,
    /// Only rows with a lower id (the next page, newest first).
    pub before: Option<i64>,
    pub limit: i64,
}

impl NewAuditEntry {
    /// Appends one row to the chain (in the caller's transaction, if any:
    /// write audit rows last, see [`chain`]).
    pub fn insert(&self, conn: &mut DbConn) -> Result<()> {
        chain::append(conn, std::slice::from_ref(self))
    }

    /// Appends many rows to the chain, in this order.
    pub fn insert_all(conn: &mut DbConn, rows: &[NewAuditEntry]) -> Result<()> {
        chain::append(conn, rows)
    }

    /// Appends one `ok` row per customer id with the same action and details.
    pub fn insert_for_customers(
        conn: &mut DbConn,
        actor: &Actor,
        action: &str,
        customer_ids: &[i64],
        details: &serde_json::Value,
    ) -> Result<()> {
        let template = actor.entry(action, None, OK, details.clone());
        chain::append_for_customers(conn, &template, customer_ids)
    }
}

impl AuditEntry {
    /// The trail, newest first, filtered.
    pub fn search(conn: &mut DbConn, filter: &AuditFilter) -> Result<Vec<AuditEntry>> {
        let mut query = audit_log::table
            .select(AuditEntry::as_select())
            .into_boxed();
        if let Some(id) = filter.customer_id {
            query = query.filter(audit_log::customer_id.eq(id));
        }
        if let Some(run) = &filter.run_id {
            query = query.filter(audit_log::run_id.eq(run.clone()));
        }
        if let Some(op) = &filter.operator {
            query = query.filter(audit_log::operator.eq(op.clone()));
        }
        if let Some(action) = &filter.action {
            query = query.filter(audit_log::action.eq(action.clone()));
        }
        if let Some(before) = filter.before {
            query = query.filter(audit_log::id.lt(before));
        }
        if let Some(since) = filter.since {
            use super::lenient::{Cmp, InstantCmp};
            query = query.filter(super::MultiBackend::instant_cmp::<audit_log::table>(
                conn.backend(),
                "audit_log.occurred_at",
                Cmp::Ge,
                since,
            ));
        }
        Ok(query
            .order(audit_log::id.desc())
            .limit(filter.limit)
            .load(conn)?)
    }

    /// The distinct actions of the rows written by run `run` (empty: no such
    /// run), its closing `run` row left out.
    pub fn run_actions(conn: &mut DbConn, run: &str) -> Result<Vec<String>> {
        Ok(audit_log::table
            .filter(audit_log::run_id.eq(run))
            .filter(on_chain())
            .filter(audit_log::action.ne(RUN_ACTION))
            .select(audit_log::action)
            .distinct()
            .order(audit_log::action)
            .load(conn)?)
    }

    /// The command of run `run` as its closing `run` row on the chain
    /// names it (`details.command`; `?` when the details hold none), or
    /// `None` when there is no such row: what tells a run that changed
    /// nothing (every customer refused or unchanged, or refused before any
    /// change: only the `run` row) from a run id that names no run.
    pub fn run_command(conn: &mut DbConn, run: &str) -> Result<Option<String>> {
        let details: Option<String> = audit_log::table
            .filter(audit_log::run_id.eq(run))
            .filter(audit_log::action.eq(RUN_ACTION))
            .filter(on_chain())
            .select(audit_log::details)
            .order(audit_log::id.desc())
            .first(conn)
            .optional()?;
        Ok(details.map(|d| {
            serde_json::from_str::<serde_json::Value>(&d)
                .ok()
                .and_then(|v| v["command"].as_str().map(str::to_string))
                .unwrap_or_else(|| "?".into())
        }))
    }

    /// The customers run `run` changed (`ok` rows), the one it changed last
    /// first (by its latest row's id): an undo goes through them in the
    /// reverse order of the run, so an email the run passed along a chain
    /// of customers (41 took 40's old address, 43 took 41's) is given back
    /// in an order in which each address is free again when it is needed.
    pub fn run_customers(conn: &mut DbConn, run: &str) -> Result<Vec<i64>> {
        let last = diesel::dsl::max(audit_log::id);
        let ids: Vec<(Option<i64>, Option<i64>)> = audit_log::table
            .filter(audit_log::run_id.eq(run))
            .filter(audit_log::outcome.eq(OK))
            .filter(on_chain())
            .filter(audit_log::customer_id.is_not_null())
            .group_by(audit_log::customer_id)
            .select((audit_log::customer_id, last))
            .order(last.desc())
            .load(conn)?;
        Ok(ids.into_iter().filter_map(|(id, _)| id).collect())
    }

    /// customer id → (old, new) of the latest change of their email on the
    /// chain (an `edit` or an `undo` row whose `details.changes` hold an
    /// `email`), among `customer_ids`: how `edit --from` tells that an
    /// email-keyed row's move was already made (by an earlier run of the
    /// same file, say).
    pub fn latest_email_moves(
        conn: &mut DbConn,
        customer_ids: &[i64],
    ) -> Result<std::collections::HashMap<i64, (String, String)>> {
        let mut moves = std::collections::HashMap::new();
        if customer_ids.is_empty() {
            return Ok(moves);
        }
        let rows: Vec<(Option<i64>, String)> = audit_log::table
            .filter(audit_log::outcome.eq(OK))
            .filter(audit_log::action.eq_any(["edit", "undo"]))
            .filter(on_chain())
            .filter(in_ids(audit_log::customer_id, customer_ids))
            .filter(audit_log::details.like("%\"email\"%"))
            .order(audit_log::id.asc())
            .select((audit_log::customer_id, audit_log::details))
            .load(conn)?;
        for (id, details) in rows {
            let Some(id) = id else { continue };
            let Ok(details) = serde_json::from_str::<serde_json::Value>(&details) else {
                continue;
            };
            let Some(email) = details.pointer("/changes/email") else {
                continue;
            };
            if let (Some(old), Some(new)) = (
                email.get("old").and_then(serde_json::Value::as_str),
                email.get("new").and_then(serde_json::Value::as_str),
            ) {
                moves.insert(id, (old.to_string(), new.to_string()));
            }
        }
        Ok(moves)
    }

    /// customer id → (action, details) of run `run`'s `ok` row about them
    /// (the latest, should a run have written several).
    pub fn run_rows_for(
        conn: &mut DbConn,
        run: &str,
        customer_ids: &[i64],
    ) -> Result<std::collections::HashMap<i64, (String, String)>> {
        let rows: Vec<(Option<i64>, String, String)> = audit_log::table
            .filter(audit_log::run_id.eq(run))
            .filter(audit_log::outcome.eq(OK))
            .filter(on_chain())
            .filter(in_ids(audit_log::customer_id, customer_ids))
            .order(audit_log::id.asc())
            .select((
                audit_log::customer_id,
                audit_log::action,
                audit_log::details,
            ))
            .load(conn)?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, action, details)| id.map(|id| (id, (action, details))))
            .collect())
    }

    /// customer id → the first run that undid run `run` for that customer,
    /// for every customer an undo reached.
    pub fn undone(conn: &mut DbConn, run: &str) -> Result<std::collections::HashMap<i64, String>> {
        let mut by = std::collections::HashMap::new();
        for (id, undo) in Self::undo_rows(conn, run, None)? {
            if let Some(id) = id {
                by.entry(id).or_insert(undo);
            }
        }
        Ok(by)
    }

    /// customer id → the run that undid run `run` for that customer, among
    /// `customer_ids` (read under their locks: a second undo racing the
    /// first sees its rows).
    pub fn undone_for(
        conn: &mut DbConn,
        run: &str,
        customer_ids: &[i64],
    ) -> Result<std::collections::HashMap<i64, String>> {
        let mut by = std::collections::HashMap::new();
        for (id, undo) in Self::undo_rows(conn, run, Some(customer_ids))? {
            if let Some(id) = id {
                by.entry(id).or_insert(undo);
            }
        }
        Ok(by)
    }

    /// (customer id, undo run) of the `ok` `undo` rows that undid run `run`,
    /// oldest first. Their `details` are custadm's own JSON text
    /// (`{…,"undoes":"RUN",…}`, keys sorted), and a run id is 26 letters
    /// and digits: no LIKE wildcard can be in it.
    fn undo_rows(
        conn: &mut DbConn,
        run: &str,
        customer_ids: Option<&[i64]>,
    ) -> Result<Vec<(Option<i64>, String)>> {
        if !run.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Ok(Vec::new());
        }
        let mut q = audit_log::table
            .filter(audit_log::action.eq("undo"))
            .filter(audit_log::outcome.eq(OK))
            .filter(on_chain())
            .filter(audit_log::run_id.is_not_null())
            .filter(audit_log::details.like(format!("%\"undoes\":\"{run}\"%")))
            .select((audit_log::customer_id, audit_log::run_id))
            .order(audit_log::id.asc())
            .into_boxed();
        if let Some(ids) = customer_ids {
            q = q.filter(in_ids(audit_log::customer_id, ids));
        }
        let rows: Vec<(Option<i64>, Option<String>)> = q.load(conn)?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, undo)| undo.map(|u| (id, u)))
            .collect())
    }

    /// The runs of changing commands, newest first (contract: `runs`): the
    /// runs that ended with a `run` row, and the runs of customer-changing
    /// commands that wrote rows but none (killed, or their connection lost:
    /// `unfinished`; not `init`, whose sample data holds `delete` rows). `action`:
    /// only runs of that action; `since`: only runs started since.
    ///
    /// Only rows on the chain count ([`on_chain`]; contract "Audit": `runs`
    /// trusts only those): a `run` row or a change row another program
    /// inserted is never listed. The trail is walked newest first, a page of
    /// run rows at a time, and the walk stops at `limit` runs or at the first
    /// run that ended before `since`: it reads the rows of the runs it lists
    /// (and of the runs `action` leaves out), never the whole trail.
    pub fn runs(
        conn: &mut DbConn,
        action: Option<&str>,
        since: Option<NaiveDateTime>,
        limit: i64,
    ) -> Result<Vec<RunListing>> {
        /// Rows read per step of the walk.
        const PAGE: i64 = 2_000;
        if let Some(a) = action {
            // custadm's own JSON text, keys sorted; an action is a word.
            if !a.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                return Ok(Vec::new());
            }
        }
        let wanted = usize::try_from(limit).unwrap_or(usize::MAX);
        let mut runs: Vec<RunListing> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut before = i64::MAX;
        'walk: while runs.len() < wanted {
            // The rows that belong to runs: `run` rows, and the `ok` rows of
            // customer-changing runs (an unfinished run is found by them).
            let mut q = audit_log::table
                .filter(audit_log::id.lt(before))
                .filter(audit_log::run_id.is_not_null())
                .filter(on_chain())
                .select((audit_log::id, audit_log::run_id))
                .order(audit_log::id.desc())
                .limit(PAGE)
                .into_boxed();
            q = match action {
                None => q.filter(
                    audit_log::action.eq(RUN_ACTION).or(audit_log::action
                        .eq_any(RUN_ROW_ACTIONS)
                        .and(audit_log::outcome.eq(OK))),
                ),
                Some(a) => q.filter(
                    audit_log::action
                        .eq(RUN_ACTION)
                        .and(audit_log::details.like(format!("%\"command\":\"{a}\"%")))
                        .or(audit_log::action
                            .eq(a.to_string())
                            .and(audit_log::action.eq_any(RUN_ROW_ACTIONS))
                            .and(audit_log::outcome.eq(OK))),
                ),
            };
            let page: Vec<(i64, Option<String>)> = q.load(conn)?;
            let Some(&(oldest, _)) = page.last() else {
                break;
            };
            before = oldest;
            for (id, run) in page {
                let Some(run) = run else { continue };
                if !seen.insert(run.clone()) {
                    continue; // an older row of a run already seen
                }
                // The run's newest row: its `run` row when it finished.
                let newest: AuditEntry = audit_log::table
                    .filter(audit_log::id.eq(id))
                    .select(AuditEntry::as_select())
                    .first(conn)?;
                if let Some(s) = since {
                    match newest.occurred_at.instant() {
                        Some(t) if t < s => break 'walk, // this run and every older one ended before
                        Some(_) => {}
                        // Unreadable (another program's value): never selected.
                        None => continue,
                    }
                }
                let first = Self::first_chained_row_of(conn, &run)?;
                let started_at = first
                    .as_ref()
                    .map_or(&newest.occurred_at, |f| &f.occurred_at)
                    .clone();
                let listing = if newest.action == RUN_ACTION {
                    let details: serde_json::Value =
                        serde_json::from_str(&newest.details).unwrap_or_default();
                    RunListing {
                        started_at,
                        run,
                        action: details["command"].as_str().unwrap_or("?").to_string(),
                        operator: newest.operator.clone(),
                        os_user: newest.os_user.clone(),
                        finished_at: Some(newest.occurred_at.clone()),
                        summary: details["summary"].clone(),
                        exit_code: details["exit_code"].as_i64(),
                    }
                } else {
                    if since.is_some_and(|s| started_at.instant().is_none_or(|t| t < s)) {
                        continue;
                    }
                    // Only a customer-changing command's run is a run here:
                    // `init --sample-data` leaves the `delete` rows of its
                    // sample soft-deletes under its own run id, and is no
                    // more a run than `init` without them (finding of the
                    // issue-26 review: it was listed as unfinished forever).
                    let Some(first) =
                        first.filter(|f| RUN_ROW_ACTIONS.contains(&f.action.as_str()))
                    else {
                        continue;
                    };
                    let changed: i64 = audit_log::table
                        .filter(audit_log::run_id.eq(&run))
                        .filter(audit_log::action.eq_any(RUN_ROW_ACTIONS))
                        .filter(audit_log::outcome.eq(OK))
                        .filter(on_chain())
                        .count()
                        .get_result(conn)?;
                    RunListing {
                        run,
                        action: first.action.clone(),
                        operator: first.operator.clone(),
                        os_user: first.os_user.clone(),
                        started_at,
                        finished_at: None,
                        summary: serde_json::json!({ "changed": changed }),
                        exit_code: None,
                    }
                };
                runs.push(listing);
                if runs.len() >= wanted {
                    break 'walk;
                }
            }
        }
        Ok(runs)
    }

    /// The first row on the chain that run `run` wrote.
    fn first_chained_row_of(conn: &mut DbConn, run: &str) -> Result<Option<AuditEntry>> {
        Ok(audit_log::table
            .filter(audit_log::run_id.eq(run))
            .filter(on_chain())
            .select(AuditEntry::as_select())
            .order(audit_log::id.asc())
            .first(conn)
            .optional()?)
    }

    /// The first row run `run` wrote.
    fn first_row_of(conn: &mut DbConn, run: &str) -> Result<Option<AuditEntry>> {
        Ok(audit_log::table
            .filter(audit_log::run_id.eq(run))
            .select(AuditEntry::as_select())
            .order(audit_log::id.asc())
            .first(conn)
            .optional()?)
    }

    /// True when some row was written by run `run`.
    pub fn run_exists(conn: &mut DbConn, run: &str) -> Result<bool> {
        Ok(Self::first_row_of(conn, run)?.is_some())
    }

    /// True when some row is about customer `id`.
    pub fn customer_known(conn: &mut DbConn, id: i64) -> Result<bool> {
        Ok(audit_log::table
            .filter(audit_log::customer_id.eq(id))
            .select(audit_log::id)
            .first::<i64>(conn)
            .optional()?
            .is_some())
    }

    /// How many rows are about this customer: what a purge redacts.
    pub(crate) fn count_about(conn: &mut DbConn, customer_id: i64) -> Result<i64> {
        Ok(audit_log::table
            .filter(audit_log::customer_id.eq(customer_id))
            .count()
            .get_result(conn)?)
    }

    /// Redacts every row about this customer (contract: "Audit", `purge`):
    /// `details` becomes [`REDACTED_DETAILS`], `reason` and `content_salt`
    /// NULL; both hashes stay, so the chain still verifies while the removed
    /// text can no longer be confirmed by guessing. Returns the rows redacted.
    pub fn redact_customer(conn: &mut DbConn, customer_id: i64) -> Result<usize> {
        Ok(
            diesel::update(audit_log::table.filter(audit_log::customer_id.eq(customer_id)))
                .set((
                    audit_log::details.eq(REDACTED_DETAILS),
                    audit_log::reason.eq(None::<String>),
                    audit_log::content_salt.eq(None::<String>),
                ))
                .execute(conn)?,
        )
    }

    /// The active flag each soft-deleted customer had just before its
    /// *current* soft delete (contract: `restore`), read from the trail under
    /// the customer row locks `restore` holds. `deleted` maps each customer
    /// to its current `deleted_at`, as stored.
    ///
    /// The customer's latest `ok` audit row that changed its status decides:
    /// a custadm `delete` row whose recorded `deleted_at` is the current one
    /// (or, for rows written before custadm recorded it, any latest `delete`
    /// row) gives its `was_active`; anything else (a later restore, toggle or
    /// undo, a `deleted_at` that differs) means the current delete was not
    /// made by custadm, and the answer is inactive (`false`).
    pub fn state_before_delete(
        conn: &mut DbConn,
        deleted: &std::collections::HashMap<i64, StoredTime>,
    ) -> Result<std::collections::HashMap<i64, bool>> {
        let ids: Vec<i64> = deleted.keys().copied().collect();
        // Lossy: rows another program wrote may hold bytes that are not UTF-8.
        let rows: Vec<(
            Option<i64>,
            super::lenient::LossyText,
            super::lenient::LossyText,
        )> = audit_log::table
            .filter(audit_log::action.eq_any(STATUS_ACTIONS))
            .filter(audit_log::outcome.eq(OK))
            .filter(on_chain())
            .filter(in_ids(audit_log::customer_id, &ids))
            .order(audit_log::id.asc())
            .select((
                audit_log::customer_id,
                audit_log::action,
                audit_log::details,
            ))
            .load(conn)?;
        // The last row per customer wins (ascending ids).
        let mut latest = std::collections::HashMap::new();
        for (id, action, details) in rows {
            if let Some(id) = id {
                latest.insert(id, (action.0, details.0));
            }
        }
        Ok(deleted
            .iter()
            .map(|(&id, deleted_at)| {
                let was_active = latest.get(&id).is_some_and(|(action, details)| {
                    if action != "delete" {
                        return false;
                    }
                    let Ok(v) = serde_json::from_str::<serde_json::Value>(details) else {
                        return false;
                    };
                    let same_delete = match v.get("deleted_at").and_then(|d| d.as_str()) {
                        // custadm records only times it can read: an
                        // unreadable `deleted_at` is another program's.
                        Some(recorded) => deleted_at
                            .instant()
                            .is_some_and(|t| recorded == timestamp_text(t)),
                        None => true,
                    };
                    same_delete && v.get("was_active").and_then(|b| b.as_bool()) == Some(true)
                });
                (id, was_active)
            })
            .collect())
    }
}
