//! `custadm view ID`: one customer's details, latest KYC record and unpaid
//! invoices. It reveals personal data, so it writes a `view` audit row.

use serde::Serialize;

use crate::context::Ctx;
use crate::db::audit;
use crate::db::customer::{Customer, KycRecord, UnpaidInvoices};
use crate::db::lenient::StoredTime;
use crate::error::{Error, Result};
use crate::output::{dollars, human_stored, Column};

/// Options of `custadm view`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  custadm view 42\n  custadm view ann.lee@example.com\n  custadm view 42 -o json | jq .billing.unpaid_invoice_total_cents\n\nExit codes: 0 shown, 2 bad id, 3 no such customer, 4 unknown operator or not\nallowed, 6 database unreachable or schema mismatch, 9 done, but stdout or an\naudit anchor could not be written."
)]
pub struct ViewArgs {
    /// Customer id or email address
    #[arg(value_name = "ID", value_parser = crate::bulk::parse_customer_ref)]
    pub id: crate::validate::CustomerRef,
}

#[derive(Serialize)]
struct KycView {
    status: String,
    document_type: String,
    document_number: String,
    country: String,
    date_of_birth: String,
    verified_at: Option<String>,
}

/// A customer row in JSON (`view -o json`, `export`), without its password hash.
#[derive(Serialize)]
pub struct CustomerJson {
    id: i64,
    full_name: String,
    email: String,
    phone: Option<String>,
    status: &'static str,
    is_active: bool,
    must_change_password: bool,
    deleted_at: Option<String>,
    last_login_at: Option<String>,
    created_at: String,
    updated_at: String,
}

impl From<&Customer> for CustomerJson {
    fn from(c: &Customer) -> Self {
        CustomerJson {
            id: c.id,
            full_name: c.full_name.clone(),
            email: c.email.clone(),
            phone: c.phone.clone(),
            status: c.status(),
            is_active: c.is_active,
            must_change_password: c.must_change_password,
            deleted_at: c.deleted_at.as_ref().map(StoredTime::rfc3339),
            last_login_at: c.last_login_at.as_ref().map(StoredTime::rfc3339),
            created_at: c.created_at.rfc3339(),
            updated_at: c.updated_at.rfc3339(),
        }
    }
}

#[derive(Serialize)]
struct CustomerView {
    #[serde(flatten)]
    customer: CustomerJson,
    kyc: Option<KycView>,
    billing: UnpaidInvoices,
}

/// Runs `custadm view`.
pub fn run(ctx: &mut Ctx, args: ViewArgs) -> Result<()> {
    let id = match &args.id {
        crate::validate::CustomerRef::Id(id) => Some(*id),
        named => Customer::resolve(&mut ctx.conn, named)?,
    };
    let customer = match id {
        Some(id) => Customer::find(&mut ctx.conn, id)?,
        None => None,
    }
    .ok_or_else(|| not_found(&args.id))?;
    let id = customer.id;
    let kyc = Customer::latest_kyc(&mut ctx.conn, id)?;
    let billing = Customer::unpaid_invoices(&mut ctx.conn, &[id])?
        .remove(&id)
        .unwrap_or_default();
    ctx.actor
        .entry("view", Some(id), audit::OK, serde_json::json!({}))
        .insert(&mut ctx.conn)?;

    if ctx.out.is_json() {
        return ctx.out.json(&to_view(&customer, kyc.as_ref(), billing));
    }
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    let mut rows = vec![
        vec!["id".into(), customer.id.to_string()],
        vec!["name".into(), customer.full_name.clone()],
        vec!["email".into(), customer.email.clone()],
        vec!["phone".into(), opt(&customer.phone)],
        vec!["status".into(), customer.status().into()],
        vec![
            "must change password".into(),
            yes_no(customer.must_change_password),
        ],
        vec![
            "deleted at".into(),
            human_stored(customer.deleted_at.as_ref()),
        ],
        vec![
            "last login".into(),
            human_stored(customer.last_login_at.as_ref()),
        ],
        vec!["created".into(), customer.created_at.human()],
        vec!["updated".into(), customer.updated_at.human()],
    ];
    match &kyc {
        Some(k) => {
            rows.push(vec!["kyc status".into(), k.status.clone()]);
            rows.push(vec![
                "kyc document".into(),
                format!("{} {} ({})", k.document_type, k.document_number, k.country),
            ]);
            rows.push(vec!["date of birth".into(), k.date_of_birth.clone()]);
            rows.push(vec![
                "kyc verified at".into(),
                human_stored(k.verified_at.as_ref()),
            ]);
        }
        None => rows.push(vec!["kyc status".into(), "no KYC record".into()]),
    }
    rows.push(vec![
        "unpaid invoices".into(),
        format!(
            "{} totalling {}",
            billing.unpaid_invoice_count,
            dollars(billing.unpaid_invoice_total_cents)
        ),
    ]);
    ctx.out.fitted_table(
        &[Column::keep("FIELD"), Column::wrap("VALUE", 16)],
        rows,
        None,
    )
}

/// Exit 3 for a customer named by id or email that does not exist.
pub fn not_found(named: &crate::validate::CustomerRef) -> Error {
    use crate::validate::CustomerRef;
    Error::NotFound(match named {
        CustomerRef::Id(id) => {
            format!("customer {id} not found: `custadm list --status all` shows the ids")
        }
        CustomerRef::Email(e) => format!(
            "no customer with email {}: `custadm list --status all --search` finds near matches",
            crate::text::sanitize(e)
        ),
    })
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.into()
}

fn to_view(c: &Customer, kyc: Option<&KycRecord>, billing: UnpaidInvoices) -> CustomerView {
    CustomerView {
        customer: CustomerJson::from(c),
        kyc: kyc.map(|k| KycView {
            status: k.status.clone(),
            document_type: k.document_type.clone(),
            document_number: k.document_number.clone(),
            country: k.country.clone(),
            date_of_birth: k.date_of_birth.clone(),
            verified_at: k.verified_at.as_ref().map(StoredTime::rfc3339),
        }),
        billing,
    }
}
