//! `custadm export ID`: everything stored about one customer as one JSON
//! document, for subject-access and portability requests (GDPR Art. 15, 20;
//! contract: "Commands"). Audited as `export` before anything is shown.
//!
//! The document streams: one element at a time from keyset pages of
//! [`PAGE`] rows inside one read snapshot, so a customer with a million
//! account entries needs no more memory than one with ten.
//!
//! Shape: `{"customer": {…without password_hash…}, "kyc_records": […],
//! "billing_account": {"id", "created_at", "entries": […]} | null,
//! "audit": […], "exported_at"}`; timestamps RFC 3339 UTC, money in cents,
//! audit `details` as JSON objects (redacted rows as they are).

use std::io::Write;

use serde::Serialize;

use crate::commands::audit::AuditRow;
use crate::context::Ctx;
use crate::db::audit;
use crate::db::customer::Customer;
use crate::db::lenient::StoredTime;
use crate::db::{self, DbConn};
use crate::error::{Error, Result};
use crate::output::{escape_json_text, rfc3339};

/// Rows read per page.
const PAGE: i64 = 10_000;

/// Options of `custadm export`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  custadm export 42 > customer-42.json\n  custadm export ann.lee@example.com > ann.json\n  custadm export 42 | jq '.kyc_records | length'\n\nExit codes: 0 exported, 2 bad id, 3 not found, 4 unknown operator or not\nallowed, 6 database unreachable or schema mismatch, 9 done, but stdout or an\naudit anchor could not be written."
)]
pub struct ExportArgs {
    /// Customer id or email address
    #[arg(value_name = "ID", value_parser = crate::bulk::parse_customer_ref)]
    pub id: crate::validate::CustomerRef,
}

#[derive(Serialize)]
struct KycOut {
    id: i64,
    status: String,
    document_type: String,
    document_number: String,
    country: String,
    date_of_birth: String,
    verified_at: Option<String>,
    created_at: String,
}

#[derive(Serialize)]
struct EntryOut {
    id: i64,
    entry_type: String,
    amount_usd_cents: i64,
    description: String,
    created_at: String,
}

/// Writes JSON values one by one.
struct Doc<W: Write> {
    w: W,
}

impl<W: Write> Doc<W> {
    fn raw(&mut self, s: &str) -> Result<()> {
        self.w.write_all(s.as_bytes())?;
        Ok(())
    }
    fn value<T: Serialize>(&mut self, v: &T) -> Result<()> {
        let text = escape_json_text(&serde_json::to_string(v)?);
        self.raw(&text)
    }
    /// Streams an array of pages: `next(after)` returns the next page after a key.
    fn array<T: Serialize>(
        &mut self,
        conn: &mut DbConn,
        mut next: impl FnMut(&mut DbConn, i64) -> Result<(Vec<T>, Option<i64>)>,
    ) -> Result<()> {
        self.raw("[")?;
        let mut after = i64::MIN;
        let mut first = true;
        loop {
            let (page, last) = next(conn, after)?;
            let full = page.len() as i64 == PAGE;
            for item in &page {
                self.raw(if first { "\n" } else { ",\n" })?;
                first = false;
                self.value(item)?;
            }
            match last {
                Some(l) if full => after = l,
                _ => break,
            }
        }
        self.raw(if first { "]" } else { "\n]" })
    }
}

/// Runs `custadm export`.
pub fn run(ctx: &mut Ctx, args: ExportArgs) -> Result<()> {
    let Some(id) = crate::db::bounded(&mut ctx.conn, |c| Customer::resolve(c, &args.id))? else {
        return Err(crate::commands::view::not_found(&args.id));
    };
    // Audited first (its own transaction): nothing is shown unrecorded.
    ctx.actor
        .entry("export", Some(id), audit::OK, serde_json::json!({}))
        .insert(&mut ctx.conn)?;
    let stdout = crate::stdout::stdout();
    let mut doc = Doc {
        w: std::io::BufWriter::with_capacity(64 * 1024, stdout.lock()),
    };
    crate::db::read_snapshot(&mut ctx.conn, |conn| write_document(conn, &mut doc, id))?;
    doc.w.flush()?;
    Ok(())
}

fn write_document<W: Write>(conn: &mut DbConn, doc: &mut Doc<W>, id: i64) -> Result<()> {
    let Some(c) = Customer::find(conn, id)? else {
        return Err(Error::NotFound(format!(
            "customer {id} was purged while being exported"
        )));
    };
    doc.raw("{\"customer\": ")?;
    doc.value(&crate::commands::view::CustomerJson::from(&c))?;

    doc.raw(",\n\"kyc_records\": ")?;
    doc.array(conn, |conn, after| {
        let rows = db::export::kyc_page(conn, id, after, PAGE)?;
        let last = rows.last().map(|r| r.id);
        Ok((
            rows.into_iter()
                .map(|r| KycOut {
                    id: r.id,
                    status: r.status,
                    document_type: r.document_type,
                    document_number: r.document_number,
                    country: r.country,
                    date_of_birth: r.date_of_birth,
                    verified_at: r.verified_at.as_ref().map(StoredTime::rfc3339),
                    created_at: r.created_at.rfc3339(),
                })
                .collect(),
            last,
        ))
    })?;

    doc.raw(",\n\"billing_account\": ")?;
    let account = db::export::billing_account(conn, id)?;
    match account {
        None => doc.raw("null")?,
        Some((account_id, created_at)) => {
            doc.raw(&format!(
                "{{\"id\": {account_id}, \"created_at\": {}, \"entries\": ",
                escape_json_text(&serde_json::to_string(&created_at.rfc3339())?)
            ))?;
            doc.array(conn, |conn, after| {
                let rows = db::export::entry_page(conn, account_id, after, PAGE)?;
                let last = rows.last().map(|r| r.id);
                Ok((
                    rows.into_iter()
                        .map(|r| EntryOut {
                            id: r.id,
                            entry_type: r.entry_type,
                            amount_usd_cents: r.amount_usd_cents,
                            description: r.description,
                            created_at: r.created_at.rfc3339(),
                        })
                        .collect(),
                    last,
                ))
            })?;
            doc.raw("}")?;
        }
    }

    doc.raw(",\n\"audit\": ")?;
    doc.array(conn, |conn, after| {
        let rows = db::export::audit_page(conn, id, after, PAGE)?;
        let last = rows.last().map(|r| r.id);
        Ok((rows.into_iter().map(AuditRow::from).collect(), last))
    })?;
    doc.raw(&format!(
        ",\n\"exported_at\": {}}}\n",
        serde_json::to_string(&rfc3339(crate::db::now()))?
    ))
}
