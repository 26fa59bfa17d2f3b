//! `custadm purge ID…` and `purge --deleted-before WHEN` (retention): erase
//! customers and everything they own, for good (contract: "Commands",
//! "Audit"). Admin only; shows what will be erased, then asks for the
//! operator's own password once for all of them (the confirmation). Each
//! customer is one transaction: their rows go, every earlier audit row about
//! them is redacted (the chain keeps both hashes), and the purge's own audit
//! row holds counts only. On SQLite the erased bytes are overwritten
//! (`secure_delete`) and the WAL is checkpointed and truncated afterwards, so
//! none of them stays in the database file or its WAL.

use std::io::Write;

use chrono::NaiveDateTime;
use serde_json::json;

use crate::bulk::{ItemResult, MaxChanges, Outcome, RunReport};
use crate::context::Ctx;
use crate::db::audit::{self, AuditEntry};
use crate::db::customer::{Customer, OwnedRowCounts};
use crate::db::purge::SecureErase;
use crate::db::{self, write_transaction, DbConn};
use crate::error::{Error, Result};
use crate::text::sanitize;

/// Options of `custadm purge`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  # shows what goes, asks your password\n  custadm purge 42\n  printf '%s\\n' \"$PW\" | custadm purge 42 43 --password-stdin --reason GDPR-77\n  # retention\n  custadm purge --deleted-before 365d --max-changes 500 --password-stdin < pw\n\nThere is no undo. Five wrong passwords in a row lock you for 15 minutes.\nExit codes: 0 purged (or nothing to purge), 2 no terminal and no\n--password-stdin, 3 not found, 4 unknown operator, not admin, wrong password\nor locked, 5 more than --max-changes, 6 database unreachable or schema\nmismatch, 7 some purged and some not, 9 done, but stdout, the metrics file or\nan audit anchor could not be written."
)]
pub struct PurgeArgs {
    /// Customer ids or email addresses
    #[arg(value_name = "ID", value_parser = crate::bulk::parse_customer_ref, required_unless_present = "deleted_before", conflicts_with = "deleted_before")]
    pub ids: Vec<crate::validate::CustomerRef>,
    /// Purge the customers soft-deleted before WHEN: a date (2026-01-31) or an age (90d, 12h, 2w)
    #[arg(long, value_name = "WHEN")]
    pub deleted_before: Option<String>,
    /// Refuse (exit 5, nothing erased) when more customers than N (or P% of the customers not soft-deleted) would be purged [default: the profile's max_changes]
    #[arg(long, value_name = "N|P%", value_parser = crate::bulk::parse_max_changes)]
    pub max_changes: Option<MaxChanges>,
    /// Read your password from one line of standard input
    #[arg(long)]
    pub password_stdin: bool,
}

/// What is about to go.
struct Target {
    id: i64,
    name: String,
    email: String,
    counts: OwnedRowCounts,
    audit_rows: i64,
}

/// Runs `custadm purge`.
pub fn run(ctx: &mut Ctx, args: PurgeArgs) -> Result<()> {
    let deleted_before = args
        .deleted_before
        .as_deref()
        .map(|w| crate::validate::when(w, crate::db::now()))
        .transpose()
        .map_err(|e| Error::Usage(format!("--deleted-before: {e}")))?;
    use crate::validate::CustomerRef;
    let named_one = match args.ids.as_slice() {
        [CustomerRef::Id(id)] => Some(*id),
        _ => None,
    };
    let source = ctx.require_admin_change("purge", named_one, args.password_stdin)?;
    // Customers named by id or email: emails resolved; one that names no
    // customer is `not_found` in the results, like a missing id.
    let mut ids = Vec::with_capacity(args.ids.len());
    let mut unknown_emails: Vec<String> = Vec::new();
    for named in &args.ids {
        match named {
            CustomerRef::Id(id) => ids.push(*id),
            CustomerRef::Email(e) => match Customer::resolve(&mut ctx.conn, named)? {
                Some(id) => ids.push(id),
                None => unknown_emails.push(e.clone()),
            },
        }
    }
    let mut missing = unknown_emails.clone();
    let mut seen = std::collections::HashSet::new();
    ids.retain(|id| seen.insert(*id));
    if let Some(when) = deleted_before {
        ids = db::purge::deleted_before(&mut ctx.conn, when)?;
        if ids.is_empty() {
            ctx.out.note(&format!(
                "no customer was soft-deleted before {}: nothing to purge",
                crate::output::rfc3339(when)
            ));
            let report = RunReport::new("purge", false, ctx.actor.run_id.clone());
            return report.finish(ctx);
        }
    }

    let mut targets = Vec::new();
    for &id in &ids {
        match Customer::find(&mut ctx.conn, id)? {
            Some(c) => targets.push(Target {
                id,
                name: c.full_name,
                email: c.email,
                counts: Customer::owned_row_counts(&mut ctx.conn, id)?,
                audit_rows: AuditEntry::count_about(&mut ctx.conn, id)?,
            }),
            None => missing.push(id.to_string()),
        }
    }
    if targets.is_empty() {
        return Err(Error::NotFound(match missing.as_slice() {
            [one] => format!("customer {one} not found: `custadm list --status all` shows the ids"),
            _ => format!("none of the {} customers exist", missing.len()),
        }));
    }
    crate::bulk::check_max_changes(
        &mut ctx.conn,
        "purge",
        targets.len(),
        crate::bulk::ChangeLimit::of(args.max_changes, &ctx.settings).as_ref(),
    )?;
    preview(ctx, &targets, &missing);

    // One confirmation for the whole run.
    crate::context::confirm::confirm_admin_password(
        ctx,
        "purge",
        if ids.len() == 1 { Some(ids[0]) } else { None },
        source,
    )?;

    let mut report = RunReport::new("purge", false, ctx.actor.run_id.clone());
    report.add(
        unknown_emails
            .iter()
            .map(|e| ItemResult::email_not_found(e))
            .collect(),
    )?;
    let erasing = SecureErase::start(&mut ctx.conn)?;
    let actor = ctx.actor.clone();
    let mut outcome = Ok(());
    for &id in &ids {
        let result = write_transaction(&mut ctx.conn, |conn| {
            purge_one(conn, &actor, id, deleted_before)
        });
        match result.and_then(|r| report.add(vec![r])) {
            Ok(()) => {}
            Err(e) => {
                if !report.is_empty() {
                    ctx.out.note(&format!(
                        "purge: stopped by an error after {} customers ({}); those are erased",
                        report.len(),
                        report.summary_line()
                    ));
                }
                outcome = Err(e);
                break;
            }
        }
    }
    let finished = erasing.finish(&mut ctx.conn);
    outcome?;
    if let Err(why) = finished {
        ctx.out.note(&format!("warning: {why}"));
    }
    report.finish(ctx)
}

/// Prints what will be erased on stderr.
fn preview(ctx: &Ctx, targets: &[Target], missing: &[String]) {
    let mut err = std::io::stderr().lock();
    // Broken between words on a terminal ([`crate::terminal::for_stderr`]).
    let say = |err: &mut std::io::StderrLock<'_>, text: String| {
        writeln!(err, "{}", crate::terminal::for_stderr(&text))
    };
    if let Some(prod) = &ctx.production {
        let _ = say(
            &mut err,
            format!(
                "Production profile '{}', {}.",
                sanitize(&prod.profile),
                sanitize(&prod.host)
            ),
        );
    }
    let entries = |n: i64| if n == 1 { "y" } else { "ies" };
    if let [t] = targets {
        let _ = say(
            &mut err,
        format!(
            "About to erase customer {} for good: {} <{}>, {} KYC record(s), {} billing account(s) with {} entr{}; {} audit row(s) about them lose their details. This cannot be undone.",
            t.id,
            sanitize(&t.name),
            sanitize(&t.email),
            t.counts.kyc_records,
            t.counts.billing_accounts,
            t.counts.account_entries,
            entries(t.counts.account_entries),
            t.audit_rows,)
        );
    } else {
        let sum = |f: fn(&Target) -> i64| targets.iter().map(f).sum::<i64>();
        let entry_count = sum(|t| t.counts.account_entries);
        let _ = say(
            &mut err,
        format!(
            "About to erase {} customers for good: {} KYC record(s), {} billing account(s) with {} entr{}; {} audit row(s) about them lose their details. This cannot be undone.",
            targets.len(),
            sum(|t| t.counts.kyc_records),
            sum(|t| t.counts.billing_accounts),
            entry_count,
            entries(entry_count),
            sum(|t| t.audit_rows),)
        );
        const LISTED: usize = 20;
        for t in targets.iter().take(LISTED) {
            let _ = say(
                &mut err,
                format!("  {}: {} <{}>", t.id, sanitize(&t.name), sanitize(&t.email)),
            );
        }
        if targets.len() > LISTED {
            let _ = say(&mut err, format!("  … and {} more", targets.len() - LISTED));
        }
    }
    if !missing.is_empty() {
        let shown: Vec<String> = missing.iter().take(20).map(|i| sanitize(i)).collect();
        let _ = say(
            &mut err,
            format!(
                "Not found (skipped): {}{}",
                shown.join(", "),
                if missing.len() > 20 { ", …" } else { "" }
            ),
        );
    }
}

/// One customer, inside its own write transaction: erase, redact, audit.
fn purge_one(
    conn: &mut DbConn,
    actor: &audit::Actor,
    id: i64,
    deleted_before: Option<NaiveDateTime>,
) -> Result<ItemResult> {
    if Customer::find(conn, id)?.is_none() {
        return Ok(ItemResult::not_found(id));
    }
    if let Some(when) = deleted_before {
        // Checked again in the transaction, by the same predicate as the
        // selection (so what the preview named is what is judged): a
        // customer restored (or deleted again) since is left alone.
        if !db::purge::still_deleted_before(conn, id, when)? {
            return Ok(ItemResult::new(id, Outcome::Unchanged)
                .with_message("no longer matches: restored or deleted again since"));
        }
    }
    // Counted again inside the transaction: the audit row tells what went.
    let counts = Customer::owned_row_counts(conn, id)?;
    let redacted = AuditEntry::redact_customer(conn, id)?;
    if Customer::delete_permanently(conn, id)? == 0 {
        return Ok(ItemResult::not_found(id));
    }
    // Last: appending locks the chain head until commit.
    actor
        .entry(
            "purge",
            Some(id),
            audit::OK,
            json!({"erased": counts, "audit_rows_redacted": redacted}),
        )
        .insert(conn)?;
    Ok(ItemResult::new(id, Outcome::Changed).with_message(format!(
        "erased with {} KYC record(s) and {} account entr{}; {} audit row(s) redacted",
        counts.kyc_records,
        counts.account_entries,
        if counts.account_entries == 1 {
            "y"
        } else {
            "ies"
        },
        redacted
    )))
}
