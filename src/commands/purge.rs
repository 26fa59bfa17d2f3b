//! `custadm purge ID`: erase a customer and everything they own, for good.
//! Admin only; shows what will be erased, then asks for the operator's own
//! password (the confirmation). Earlier audit rows about the customer keep
//! action, operator and time but lose every personal detail.

use std::io::Write;

use serde_json::json;

use crate::bulk::{ItemResult, Outcome, RunReport};
use crate::context::Ctx;
use crate::db::audit::{self, AuditEntry};
use crate::db::customer::Customer;
use crate::db::write_transaction;
use crate::error::{Error, Result};
use crate::output::sanitize;

/// Options of `custadm purge`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  custadm purge 42                        # shows what goes, asks your password\n  printf '%s\\n' \"$PW\" | custadm purge 42 --password-stdin --reason GDPR-77\n\nThere is no undo. Five wrong passwords in a row lock you for 15 minutes.\nExit codes: 0 purged, 2 no terminal and no --password-stdin, 3 not found, 4 not admin, wrong password or locked."
)]
pub struct PurgeArgs {
    /// Customer id
    #[arg(value_parser = crate::bulk::parse_customer_id)]
    pub id: i64,
    /// Read your password from one line of standard input
    #[arg(long)]
    pub password_stdin: bool,
}

/// Runs `custadm purge`.
pub fn run(ctx: &mut Ctx, args: PurgeArgs) -> Result<()> {
    let id = args.id;
    let source = ctx.require_admin_change("purge", Some(id), args.password_stdin)?;
    let customer = Customer::find(&mut ctx.conn, id)?.ok_or_else(|| {
        Error::NotFound(format!(
            "customer {id} not found: `custadm list --status all` shows the ids"
        ))
    })?;
    let counts = Customer::owned_row_counts(&mut ctx.conn, id)?;
    if let Some(prod) = &ctx.production {
        let _ = writeln!(
            std::io::stderr(),
            "Production profile '{}', {}.",
            sanitize(&prod.profile),
            sanitize(&prod.host)
        );
    }
    let _ = writeln!(
            std::io::stderr(),
        "About to erase customer {id} for good: {} <{}>, {} KYC record(s), {} billing account(s) with {} entr{}. This cannot be undone.",
        sanitize(&customer.full_name),
        sanitize(&customer.email),
        counts.kyc_records,
        counts.billing_accounts,
        counts.account_entries,
        if counts.account_entries == 1 { "y" } else { "ies" }
    );
    crate::commands::operator::confirm_admin_password(ctx, "purge", Some(id), source)?;

    let actor = ctx.actor.clone();
    let result = write_transaction(&mut ctx.conn, |conn| {
        // Counted again inside the transaction: the audit row tells what went.
        let counts = Customer::owned_row_counts(conn, id)?;
        let redacted = AuditEntry::redact_customer(conn, id)?;
        if Customer::delete_permanently(conn, id)? == 0 {
            return Ok(ItemResult::not_found(id));
        }
        actor
            .entry(
                "purge",
                Some(id),
                audit::OK,
                json!({"erased": counts, "audit_rows_redacted": redacted}),
            )
            .insert(conn)?;
        Ok(ItemResult::new(id, Outcome::Changed).with_message(format!(
            "erased with {} KYC record(s) and {} account entr{}",
            counts.kyc_records,
            counts.account_entries,
            if counts.account_entries == 1 {
                "y"
            } else {
                "ies"
            }
        )))
    })?;
    let mut report = RunReport::new("purge", false);
    report.add(vec![result]);
    report.finish(&ctx.out)
}
