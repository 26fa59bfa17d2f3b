//! `custadm edit ID`: change a customer's name, email or phone, validated and
//! normalised; shows old → new and audits both.

use serde_json::{json, Map, Value};

use crate::bulk::{ItemResult, Outcome, RunReport};
use crate::context::Ctx;
use crate::db::audit::{self, Actor};
use crate::db::customer::{ContactChanges, Customer};
use crate::db::error::DbError;
use crate::db::{write_transaction, DbConn};
use crate::error::{Error, Result};
use crate::validate::{self, CustomerRef};

/// Options of `custadm edit`.
#[derive(Debug, clap::Args)]
#[command(
    // clap's own usage line is 99 columns wide; this one fits 80.
    override_usage = "custadm edit [OPTIONS] <ID> <--name <NAME>|--email <EMAIL>|\n                                    --phone <PHONE>|--clear-phone>...\n       custadm edit [OPTIONS] --from <FILE> [--format <FORMAT>]",
    group = clap::ArgGroup::new("change").multiple(true).args(["name", "email", "phone", "clear_phone"]),
    after_help = "Examples:\n  # stored as ann.lee@example.com\n  custadm edit 42 --email Ann.Lee@Example.com\n  custadm edit 42 --phone '+44 20 7946 0958' --reason T-123\n  custadm edit 42 --clear-phone -o json\n  custadm edit ann.lee@example.com --name \"Ann Lee-Smith\"\n  # id,phone columns: every row's outcome, nothing written\n  custadm edit --from phones.csv --dry-run\n  custadm edit --from - --format jsonl --yes < fixes.jsonl\n\nA soft-deleted customer must be restored first. An edit that changes nothing\nis `unchanged`. With --from, each row is one result (changed, unchanged,\nrefused, not_found), in file order, against the database as the earlier rows\nleft it; the same customer twice: the later row is refused.\nExit codes: 0 done or unchanged, 2 invalid value or malformed file (nothing\nwritten), 3 no such customer, 4 unknown operator or not allowed, 5 email\ntaken, customer deleted or --max-changes exceeded, 6 database unreachable or\nschema mismatch, 7 some rows done and some not, 9 done, but stdout, the\nmetrics file or an audit anchor could not be written. A malformed file stops\neverything; with --from, a row with an invalid value is refused, and the run\nexits 2 only when no row was done (when none was, the code is that of its\nfirst kind of failure in this order: 2 invalid value, 3 not found, 5 refused)."
)]
pub struct EditArgs {
    /// Customer id or email address
    #[arg(value_name = "ID", value_parser = crate::bulk::parse_customer_ref, required_unless_present = "from", conflicts_with = "from")]
    pub id: Option<crate::validate::CustomerRef>,
    /// New full name (1-150 characters)
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// New email (stored lower-case, unique)
    #[arg(long, value_name = "EMAIL")]
    pub email: Option<String>,
    /// New phone: international (+44 20 7946 0958) or, with default_region set, national form; stored E.164
    #[arg(long, value_name = "PHONE", conflicts_with = "clear_phone")]
    pub phone: Option<String>,
    /// Remove the phone number
    #[arg(long)]
    pub clear_phone: bool,
    /// Go ahead without asking (required for --from when there is no terminal to ask on)
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Changes for many customers from FILE (`-`: standard input): CSV with a header naming id or email and any of full_name, new_email, phone (an empty cell leaves the field), or JSON lines {"id"|"email", "full_name"?, "new_email"?, "phone"? (null clears)}
    #[arg(long, value_name = "FILE", conflicts_with_all = ["name", "email", "phone", "clear_phone"])]
    pub from: Option<std::path::PathBuf>,
    // The --from-only options conflict with ID: `requires = "from"` alone is
    // not enforced here, because clap waives a requirement on an argument
    // that conflicts with one given (--from conflicts with ID), so
    // `edit 7 --name X --max-changes 1` passed silently.
    /// Format of --from: csv or jsonl [default: from the file's extension]
    #[arg(long, value_enum, requires = "from", conflicts_with = "id")]
    pub format: Option<crate::bulk::ChangeFormat>,
    /// Report what would change (`would_change`; with --from every row's outcome) and write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// With --from: rows per transaction
    #[arg(long, value_name = "N", requires = "from", conflicts_with = "id", default_value_t = crate::bulk::DEFAULT_BATCH_SIZE, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub batch_size: u32,
    /// With --from: refuse the run (exit 5, nothing changed) when it would change more than N
    /// customers (or P% of the customers not soft-deleted) [default: the profile's max_changes]
    #[arg(long, value_name = "N|P%", requires = "from", conflicts_with = "id", value_parser = crate::bulk::parse_max_changes)]
    pub max_changes: Option<crate::bulk::MaxChanges>,
}

/// Runs `custadm edit`.
pub fn run(ctx: &mut Ctx, args: EditArgs) -> Result<()> {
    if let Some(path) = &args.from {
        let options = crate::bulk::RunOptions {
            dry_run: args.dry_run,
            yes: args.yes,
            batch_size: args.batch_size,
            max_changes: args.max_changes,
        };
        return super::edit_from::run(ctx, path, args.format, &options);
    }
    let Some(named) = args.id.as_ref() else {
        return Err(Error::Usage(
            "give a customer (ID or email) and a change, or --from FILE".into(),
        ));
    };
    if args.name.is_none() && args.email.is_none() && args.phone.is_none() && !args.clear_phone {
        return Err(Error::Usage(
            "nothing to change: give --name, --email, --phone or --clear-phone (or --from FILE for many customers)".into(),
        ));
    }
    // Validate everything before touching the database.
    let name = args
        .name
        .as_deref()
        .map(validate::full_name)
        .transpose()
        .map_err(Error::Usage)?;
    let email = args
        .email
        .as_deref()
        .map(validate::email)
        .transpose()
        .map_err(Error::Usage)?;
    let phone = match (&args.phone, args.clear_phone) {
        (Some(p), _) => {
            let region = ctx
                .settings
                .default_region
                .value
                .as_deref()
                .map(validate::phone_region)
                .transpose()
                .map_err(Error::Usage)?;
            Some(Some(validate::phone(p, region).map_err(Error::Usage)?))
        }
        (None, true) => Some(None),
        (None, false) => None,
    };
    let mut report = RunReport::new("edit", args.dry_run, ctx.actor.run_id.clone());
    let Some(id) = Customer::resolve(&mut ctx.conn, named)? else {
        report.add(vec![match named {
            crate::validate::CustomerRef::Id(id) => ItemResult::not_found(*id),
            crate::validate::CustomerRef::Email(e) => ItemResult::email_not_found(e),
        }])?;
        return report.finish(ctx);
    };
    let change = Change {
        name: name.as_deref(),
        email: email.as_deref(),
        phone: phone.as_ref().map(|p| p.as_deref()),
    };
    let actor = ctx.actor.clone();
    let result = if args.dry_run {
        // Read, decided as the real edit decides, nothing written.
        edit_one(&mut ctx.conn, &actor, named, id, &change, true)
    } else {
        ctx.confirm_change(args.yes, false, false, &format!("Edit customer {id}?"))?;
        write_transaction(&mut ctx.conn, |conn| {
            edit_one(conn, &actor, named, id, &change, false)
        })
    };
    report.add(vec![result?])?;
    report.finish(ctx)
}

/// What one `edit` changes (`None`: left as it is; `phone: Some(None)`
/// clears it).
struct Change<'a> {
    name: Option<&'a str>,
    email: Option<&'a str>,
    phone: Option<Option<&'a str>>,
}

/// The customer `named` names, locked and read again (a dry run: read),
/// starting from `id`, the one it named a moment ago. A customer named by
/// email must still hold that email once locked: another transaction may
/// have moved the address to someone else while this one waited for the
/// lock, and then the email is resolved again (a few times at most; after
/// that the edit is refused rather than change the wrong customer).
/// `Err(result)`: not found, or refused.
fn lock_named(
    conn: &mut DbConn,
    named: &CustomerRef,
    mut id: i64,
    dry_run: bool,
) -> Result<std::result::Result<Customer, ItemResult>> {
    for _ in 0..3 {
        let current = if dry_run {
            Customer::find(conn, id)?
        } else {
            Customer::lock_for_edit(conn, id)?
        };
        let CustomerRef::Email(e) = named else {
            return Ok(current.ok_or_else(|| ItemResult::not_found(id)));
        };
        if let Some(c) = current.filter(|c| c.holds_email(e)) {
            return Ok(Ok(c));
        }
        match Customer::resolve(conn, named)? {
            Some(now) => id = now,
            None => return Ok(Err(ItemResult::email_not_found(e))),
        }
    }
    Ok(Err(ItemResult::refused(
        id,
        "the email moved from customer to customer while this edit waited for its lock; run it again",
    )))
}

/// One edit of the customer `named` (found as `id`), inside the write
/// transaction (locked and read again: the old values shown and audited are
/// the ones this edit replaces), or, `dry_run`, read and decided the same
/// way with nothing written (`would_change`).
fn edit_one(
    conn: &mut DbConn,
    actor: &Actor,
    named: &CustomerRef,
    id: i64,
    change: &Change<'_>,
    dry_run: bool,
) -> Result<ItemResult> {
    let current = match lock_named(conn, named, id, dry_run)? {
        Ok(c) => c,
        Err(result) => return Ok(result),
    };
    let id = current.id;
    if current.deleted_at.is_some() {
        return Ok(ItemResult::refused(
            id,
            format!("customer {id} is deleted: run `custadm restore {id}` first"),
        ));
    }
    let mut changes = Map::new();
    let mut record = |field: &str, old: Value, new: Value| {
        if old != new {
            changes.insert(field.to_string(), json!({"old": old, "new": new}));
        }
    };
    if let Some(n) = change.name {
        record("full_name", json!(current.full_name), json!(n));
    }
    if let Some(e) = change.email {
        record("email", json!(current.email), json!(e));
    }
    if let Some(p) = change.phone {
        record("phone", json!(current.phone), json!(p));
    }
    if changes.is_empty() {
        return Ok(ItemResult::new(id, Outcome::Unchanged).with_message("nothing to change"));
    }
    if let Some(e) = change.email.filter(|_| changes.contains_key("email")) {
        if Customer::email_owner(conn, e, id)?.is_some() {
            return Ok(ItemResult::refused(
                id,
                format!("email {e} is already used by another customer"),
            ));
        }
    }
    let changes = Value::Object(changes);
    if dry_run {
        return Ok(ItemResult::new(id, Outcome::WouldChange).with_changes(changes));
    }
    // Only the fields that change are written: a value another program
    // stored (even undecodable bytes, read here with U+FFFD) stays as it
    // is unless the operator replaces it.
    let update = ContactChanges {
        full_name: change.name.filter(|_| changes.get("full_name").is_some()),
        email: change.email.filter(|_| changes.get("email").is_some()),
        phone: change.phone.filter(|_| changes.get("phone").is_some()),
        updated_at: crate::db::now(),
    };
    match Customer::update_contact(conn, id, &update) {
        Ok(_) => {}
        Err(e) if DbError::kind_of(&e).is_unique_violation() => {
            return Ok(ItemResult::refused(
                id,
                "that email is already used by another customer (differing only in letter case)",
            ));
        }
        Err(e) => return Err(e.into()),
    }
    actor
        .entry("edit", Some(id), audit::OK, json!({ "changes": changes }))
        .insert(conn)?;
    Ok(ItemResult::new(id, Outcome::Changed).with_changes(changes))
}
