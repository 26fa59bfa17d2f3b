//! Realistic sample customers for `init --sample-data`: names, emails, E.164
//! phones, KYC records in every status, billing accounts with invoices,
//! payments and credits; some with unpaid invoices, some inactive, some
//! soft-deleted (with the audit row a real delete would have left).

use chrono::{Duration, NaiveDate, NaiveDateTime};
use rand::prelude::*;

use crate::db::audit::{self, Actor, NewAuditEntry};
use crate::db::customer::{NewAccountEntry, NewCustomer, NewKycRecord};
use crate::db::{self, DbConn};
use crate::error::Result;

const FIRST_NAMES: &[&str] = &[
    "Olivia", "Liam", "Emma", "Noah", "Amelia", "Oliver", "Sophia", "Elijah", "Mia", "Lucas",
    "Zoë", "Mateo", "Aaliyah", "Hiroshi", "Priya", "Chloé", "Søren", "Fatima", "Diego", "Ana",
    "Kwame", "Ingrid", "Wei", "Nadia",
];
const LAST_NAMES: &[&str] = &[
    "Smith",
    "Johnson",
    "García",
    "Müller",
    "Rossi",
    "Nakamura",
    "Okafor",
    "Kowalski",
    "Dubois",
    "Silva",
    "Patel",
    "Nguyen",
    "O'Brien",
    "Andersson",
    "Haddad",
    "Ivanova",
    "Kim",
    "Moreau",
    "Jensen",
    "Costa",
];
const DOMAINS: &[&str] = &[
    "example.com",
    "example.org",
    "example.net",
    "mail.example.com",
];
/// Regions of sample customers (KYC country and phone numbering plan).
const COUNTRIES: &[&str] = &["US", "GB", "DE", "FR", "BR", "JP"];
const DOCUMENTS: &[&str] = &["passport", "national_id", "driving_licence"];
const KYC_STATUSES: &[&str] = &["verified", "pending", "rejected"];

/// Customers generated and inserted at a time (one INSERT each).
const CHUNK: usize = db::sample::ROWS_PER_INSERT;

/// Inserts `count` sample customers and what belongs to them.
pub fn load(conn: &mut DbConn, actor: &Actor, count: u32) -> Result<()> {
    let mut rng = rand::rng();
    let now = crate::db::now();
    // One hash for all: nobody knows the password, and hashing per customer
    // would cost ~20 ms each.
    let hash = crate::password::hash(&crate::password::generate_temporary())?;
    let mut made = 0u32;
    while made < count {
        let n = (count - made).min(CHUNK as u32);
        let batch: Vec<NewCustomer> = (made..made + n)
            .map(|i| customer(&mut rng, i, now, &hash))
            .collect();
        let ids = db::sample::insert_customers(conn, &batch)?;
        let mut kyc = Vec::new();
        let mut deletes = Vec::new();
        for (i, (id, new)) in (made..).zip(ids.iter().zip(&batch)) {
            // Most customers have a KYC record, in each status in turn.
            if i % 7 != 6 {
                kyc.push(kyc_record(
                    &mut rng,
                    *id,
                    KYC_STATUSES[i as usize % 3],
                    new.created_at,
                ));
            }
            if new.deleted_at.is_some() {
                deletes.push(NewAuditEntry {
                    occurred_at: new.deleted_at.unwrap_or(now),
                    ..actor.entry(
                        "delete",
                        Some(*id),
                        audit::OK,
                        serde_json::json!({"was_active": true, "sample_data": true}),
                    )
                });
            }
        }
        db::sample::insert_kyc_records(conn, &kyc)?;
        NewAuditEntry::insert_all(conn, &deletes)?;
        let accounts: Vec<(i64, NaiveDateTime)> = ids
            .iter()
            .zip(&batch)
            .map(|(id, new)| (*id, new.created_at))
            .collect();
        let account_ids = db::sample::insert_billing_accounts(conn, &accounts)?;
        let mut entries = Vec::new();
        for (i, (account, new)) in (made..).zip(account_ids.iter().zip(&batch)) {
            // One living customer in five owes an invoice.
            let owes = new.deleted_at.is_none() && i % 5 == 1;
            entries.extend(account_history(
                &mut rng,
                *account,
                new.created_at,
                now,
                owes,
            ));
        }
        db::sample::insert_account_entries(conn, &entries)?;
        made += n;
    }
    Ok(())
}

/// A phone number that is valid in `region` by libphonenumber's metadata:
/// the region's example mobile (else fixed-line) number with random last
/// four digits, kept only when it is still valid (else the example itself).
fn sample_phone(rng: &mut impl Rng, region: &str) -> Option<String> {
    let meta = phonenumber::metadata::DATABASE.by_id(region)?;
    let descriptors = meta.descriptors();
    let example = descriptors
        .mobile()
        .and_then(|d| d.example())
        .or_else(|| descriptors.fixed_line().and_then(|d| d.example()))?;
    let code = meta.country_code();
    let keep = example.len().saturating_sub(4);
    for _ in 0..8 {
        let tail: String = (0..example.len() - keep)
            .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
            .collect();
        let candidate = format!("+{code}{}{tail}", &example[..keep]);
        if let Ok(e164) = crate::validate::phone(&candidate, None) {
            return Some(e164);
        }
    }
    crate::validate::phone(&format!("+{code}{example}"), None).ok()
}

fn customer(rng: &mut impl Rng, i: u32, now: NaiveDateTime, hash: &str) -> NewCustomer {
    let first = FIRST_NAMES[rng.random_range(0..FIRST_NAMES.len())];
    let last = LAST_NAMES[rng.random_range(0..LAST_NAMES.len())];
    let region = COUNTRIES[rng.random_range(0..COUNTRIES.len())];
    let ascii = |s: &str| -> String {
        s.chars()
            .filter_map(|c| match c {
                'ë' => Some('e'),
                'é' => Some('e'),
                'í' => Some('i'),
                'ü' => Some('u'),
                'ø' => Some('o'),
                c if c.is_ascii_alphabetic() => Some(c.to_ascii_lowercase()),
                _ => None,
            })
            .collect()
    };
    let created_at = now
        - Duration::days(rng.random_range(30..1_100))
        - Duration::seconds(rng.random_range(0..86_400));
    let last_login_at = (!rng.random_bool(0.1)).then(|| {
        let since = (now - created_at).num_seconds().max(1);
        created_at + Duration::seconds(rng.random_range(0..since))
    });
    // A fixed mix, so even a small sample shows every state: 1 in 12
    // soft-deleted, 1 in 8 inactive.
    let deleted_at = (i % 12 == 5).then(|| now - Duration::days(rng.random_range(1..60)));
    NewCustomer {
        full_name: format!("{first} {last}"),
        email: format!(
            "{}.{}{}@{}",
            ascii(first),
            ascii(last),
            i + 1,
            DOMAINS[i as usize % DOMAINS.len()]
        ),
        phone: if rng.random_bool(0.15) {
            None
        } else {
            sample_phone(rng, region)
        },
        password_hash: hash.to_string(),
        must_change_password: rng.random_bool(0.05),
        is_active: i % 8 != 3 && deleted_at.is_none(),
        deleted_at,
        last_login_at,
        created_at,
        updated_at: created_at,
    }
}

fn kyc_record(
    rng: &mut impl Rng,
    customer_id: i64,
    status: &str,
    created_at: NaiveDateTime,
) -> NewKycRecord {
    let country = COUNTRIES[rng.random_range(0..COUNTRIES.len())];
    NewKycRecord {
        customer_id,
        status: status.to_string(),
        document_type: DOCUMENTS[rng.random_range(0..DOCUMENTS.len())].to_string(),
        document_number: format!("{}{:08}", country, rng.random_range(0..100_000_000u32)),
        country: country.to_string(),
        date_of_birth: NaiveDate::from_ymd_opt(
            rng.random_range(1940..2006),
            rng.random_range(1..=12),
            rng.random_range(1..=28),
        )
        .unwrap_or_default(),
        verified_at: (status == "verified")
            .then(|| created_at + Duration::days(rng.random_range(0..5))),
        created_at,
    }
}

/// Monthly invoices, each paid, some with a credit or refund; when `owes`,
/// the latest invoice is still unpaid.
fn account_history(
    rng: &mut impl Rng,
    billing_account_id: i64,
    created_at: NaiveDateTime,
    now: NaiveDateTime,
    owes: bool,
) -> Vec<NewAccountEntry> {
    let mut out = Vec::new();
    let months = rng.random_range(1..5);
    for m in 0..months {
        let at = (created_at + Duration::days(30 * (m + 1))).min(now);
        let amount = rng.random_range(5..400) * 100 - 1;
        let unpaid = owes && m == months - 1;
        let entry = |kind: &str, cents: i64, description: String| NewAccountEntry {
            billing_account_id,
            entry_type: kind.to_string(),
            amount_usd_cents: cents,
            description,
            created_at: at,
        };
        // An invoice counts as unpaid while its amount is positive; a
        // settled invoice is brought to zero when its payment is booked.
        out.push(entry(
            "invoice",
            if unpaid { amount } else { 0 },
            format!("Invoice {} (${}.{:02})", m + 1, amount / 100, amount % 100),
        ));
        if !unpaid {
            out.push(entry(
                "payment",
                amount,
                format!("Card payment for invoice {}", m + 1),
            ));
            if rng.random_bool(0.15) {
                out.push(entry("credit", 500, "Goodwill credit".into()));
            }
            if rng.random_bool(0.05) {
                out.push(entry("refund", 500, "Refund of goodwill credit".into()));
            }
        }
    }
    out
}
