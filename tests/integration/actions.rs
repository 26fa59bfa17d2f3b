//! The customer actions: view, edit, toggle, reset-password, delete (and its
//! race with a concurrent invoice), restore, purge, audit; who may run them;
//! and hostile strings that must never reach the operator's terminal raw.

use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use serde_json::{json, Value};

use crate::db_test;
use crate::support::*;

// ---------------------------------------------------------------- helpers

/// The first text value of `sql` (column `v`).
fn text(env: &Env, sql: &str) -> Option<String> {
    env.texts(sql).into_iter().next().flatten()
}

/// Every column of a customer row in one string: equal snapshots mean
/// nothing about the customer was written.
fn snapshot(env: &Env, id: i64) -> Option<String> {
    text(
        env,
        &format!(
            "SELECT full_name || '|' || email || '|' || COALESCE(phone, '-') || '|' || password_hash \
             || '|' || CAST(must_change_password AS TEXT) || '|' || CAST(is_active AS TEXT) \
             || '|' || COALESCE(CAST(deleted_at AS TEXT), '-') || '|' || CAST(updated_at AS TEXT) AS v \
             FROM customers WHERE id = {id}"
        ),
    )
}

fn full_name(env: &Env, id: i64) -> String {
    text(
        env,
        &format!("SELECT full_name AS v FROM customers WHERE id = {id}"),
    )
    .expect("customer exists")
}

fn email(env: &Env, id: i64) -> String {
    text(
        env,
        &format!("SELECT email AS v FROM customers WHERE id = {id}"),
    )
    .expect("customer exists")
}

fn phone(env: &Env, id: i64) -> Option<String> {
    text(
        env,
        &format!("SELECT phone AS v FROM customers WHERE id = {id}"),
    )
}

fn is_active(env: &Env, id: i64) -> bool {
    env.count(
        "customers",
        &format!("id = {id} AND is_active = {}", env.bool_sql(true)),
    ) == 1
}

fn is_deleted(env: &Env, id: i64) -> bool {
    env.count(
        "customers",
        &format!("id = {id} AND deleted_at IS NOT NULL"),
    ) == 1
}

fn exists(env: &Env, id: i64) -> bool {
    env.count("customers", &format!("id = {id}")) == 1
}

/// Audit rows about a customer with this action (and outcome `ok`).
fn audit_ok(env: &Env, id: i64, action: &str) -> i64 {
    env.count(
        "audit_log",
        &format!("customer_id = {id} AND action = '{action}' AND outcome = 'ok'"),
    )
}

/// The details of the audit rows about a customer with this action, oldest first.
fn audit_details(env: &Env, id: i64, action: &str) -> Vec<Value> {
    env.texts(&format!(
        "SELECT details AS v FROM audit_log WHERE customer_id = {id} AND action = '{action}' ORDER BY id"
    ))
    .into_iter()
    .map(|d| serde_json::from_str(&d.expect("details not null")).expect("details is JSON"))
    .collect()
}

fn billing_account(env: &Env, id: i64) -> i64 {
    env.scalar(&format!(
        "SELECT id AS v FROM billing_accounts WHERE customer_id = {id}"
    ))
    .expect("billing account")
}

/// Adds an account entry of any type.
fn add_entry(env: &Env, id: i64, entry_type: &str, cents: i64) {
    env.exec(&format!(
        "INSERT INTO account_entries (billing_account_id, entry_type, amount_usd_cents, description, created_at) \
         SELECT id, '{entry_type}', {cents}, 'test entry', '2025-02-01 00:00:00' FROM billing_accounts WHERE customer_id = {id}"
    ));
}

/// Adds a KYC record.
fn add_kyc(
    env: &Env,
    id: i64,
    status: &str,
    number: &str,
    created_at: &str,
    verified_at: Option<&str>,
) {
    env.exec(&format!(
        "INSERT INTO kyc_records (customer_id, status, document_type, document_number, country, date_of_birth, verified_at, created_at) \
         VALUES ({id}, '{status}', 'passport', '{number}', 'DE', '1980-05-17', {}, '{created_at}')",
        verified_at.map(|v| format!("'{v}'")).unwrap_or_else(|| "NULL".into())
    ));
}

/// `YYYY-MM-DDTHH:MM:SSZ`.
fn is_rfc3339_utc(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 20
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            19 => *c == b'Z',
            _ => c.is_ascii_digit(),
        })
}

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .cloned()
        .collect();
    k.sort();
    k
}

fn sorted(list: &[&str]) -> Vec<String> {
    let mut k: Vec<String> = list.iter().map(|s| s.to_string()).collect();
    k.sort();
    k
}

/// Asserts the contract's result document of a changing command and returns
/// its only result.
#[track_caller]
fn single_result(doc: &Value, action: &str, id: i64, outcome: &str) -> Value {
    assert_eq!(doc["action"], json!(action), "{doc}");
    assert_eq!(doc["dry_run"], json!(false), "{doc}");
    let results = doc["results"].as_array().expect("results array");
    assert_eq!(results.len(), 1, "{doc}");
    assert_eq!(results[0]["id"], json!(id), "{doc}");
    assert_eq!(results[0]["outcome"], json!(outcome), "{doc}");
    assert_eq!(doc["summary"], json!({ outcome: 1 }), "{doc}");
    results[0].clone()
}

/// A pseudo-terminal session of custadm with the terminal's echo switched
/// ON (rexpect turns it off on the pty it creates, which would make a
/// "password not echoed" check pass whatever custadm does). Prints
/// `ECHO_IS_ON` first when echo really is on.
fn pty_with_echo_announced(env: &Env, args: &[&str]) -> rexpect::session::PtySession {
    let mut cmd = std::process::Command::new("sh");
    cmd.arg("-c")
        .arg(
            r#"stty echo; if stty -a | grep -Eq '(^|[ ;])echo([ ;]|$)'; then echo ECHO_IS_ON; fi; exec "$0" "$@""#,
        )
        .arg(env!("CARGO_BIN_EXE_custadm"))
        .args(args)
        .env("HOME", env.dir.path())
        .env("XDG_DATA_HOME", env.dir.path().join("data"))
        .env("XDG_CONFIG_HOME", env.dir.path().join("config"))
        .env("CUSTADM_DATABASE_URL", &env.url)
        .env("CUSTADM_OPERATOR", "admin")
        .env("NO_COLOR", "1")
        .env_remove("CUSTADM_PROFILE");
    rexpect::session::spawn_command(cmd, Some(30_000)).expect("spawn custadm on a pty")
}

/// Waits for a pty session's process and returns its exit code.
fn pty_exit_code(p: &rexpect::session::PtySession) -> i32 {
    match p.process().wait().expect("wait for custadm") {
        rexpect::process::WaitStatus::Exited(_, code) => code,
        other => panic!("custadm did not exit normally: {other:?}"),
    }
}

// ---------------------------------------------------------------- view

db_test!(view_shows_details_kyc_and_billing, |env| {
    env.init_db(0);
    let id = env.insert_customer("Ann Lee", "ann@example.com");
    env.exec(&format!(
        "UPDATE customers SET phone = '+14155550123', last_login_at = '2025-03-04 05:06:07' WHERE id = {id}"
    ));
    // An older and a newer KYC record: the newer one is shown.
    add_kyc(&env, id, "pending", "OLD000", "2025-01-01 10:00:00", None);
    add_kyc(
        &env,
        id,
        "verified",
        "X1234567",
        "2025-01-02 03:04:05",
        Some("2025-01-02 03:04:05"),
    );
    // Two unpaid invoices; zero-amount invoices and payments are not unpaid.
    env.add_invoice(id, 1000);
    env.add_invoice(id, 250);
    env.add_invoice(id, 0);
    add_entry(&env, id, "payment", 700);
    // Another customer's invoice does not count.
    let other = env.insert_customer("Bob Other", "bob@example.com");
    env.add_invoice(other, 99_999);

    let table = env.run(&["view", &id.to_string()]);
    table.ok();
    let first = table.stdout.lines().next().unwrap_or("");
    assert!(
        first.contains("FIELD") && first.contains("VALUE"),
        "{}",
        table.stdout
    );
    for needle in [
        "Ann Lee",
        "ann@example.com",
        "+14155550123",
        "active",
        "verified",
        "X1234567",
        "1980-05-17",
        "$12.50",
    ] {
        assert!(
            table.stdout.contains(needle),
            "table lacks {needle:?}:\n{}",
            table.stdout
        );
    }
    assert!(!table.stdout.contains("OLD000"), "{}", table.stdout);
    assert_eq!(audit_ok(&env, id, "view"), 1);

    let run = env.run(&["view", &id.to_string(), "-o", "json"]);
    run.ok();
    let v = run.json();
    assert_eq!(
        keys(&v),
        sorted(&[
            "id",
            "full_name",
            "email",
            "phone",
            "status",
            "is_active",
            "must_change_password",
            "deleted_at",
            "last_login_at",
            "created_at",
            "updated_at",
            "kyc",
            "billing",
        ])
    );
    assert_eq!(v["id"], json!(id));
    assert_eq!(v["full_name"], json!("Ann Lee"));
    assert_eq!(v["email"], json!("ann@example.com"));
    assert_eq!(v["phone"], json!("+14155550123"));
    assert_eq!(v["status"], json!("active"));
    assert_eq!(v["is_active"], json!(true));
    assert_eq!(v["must_change_password"], json!(false));
    assert_eq!(v["deleted_at"], Value::Null);
    assert_eq!(v["last_login_at"], json!("2025-03-04T05:06:07Z"));
    assert_eq!(v["created_at"], json!("2025-01-01T00:00:00Z"));
    assert_eq!(v["updated_at"], json!("2025-01-01T00:00:00Z"));
    assert_eq!(
        keys(&v["kyc"]),
        sorted(&[
            "status",
            "document_type",
            "document_number",
            "country",
            "date_of_birth",
            "verified_at"
        ])
    );
    assert_eq!(v["kyc"]["status"], json!("verified"));
    assert_eq!(v["kyc"]["document_type"], json!("passport"));
    assert_eq!(v["kyc"]["document_number"], json!("X1234567"));
    assert_eq!(v["kyc"]["country"], json!("DE"));
    assert_eq!(v["kyc"]["date_of_birth"], json!("1980-05-17"));
    assert_eq!(v["kyc"]["verified_at"], json!("2025-01-02T03:04:05Z"));
    assert_eq!(
        v["billing"],
        json!({"unpaid_invoice_count": 2, "unpaid_invoice_total_cents": 1250})
    );
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    assert_eq!(audit_ok(&env, id, "view"), 2);
    let rows = env.texts(&format!(
        "SELECT operator || '/' || outcome AS v FROM audit_log WHERE customer_id = {id} AND action = 'view'"
    ));
    assert!(
        rows.iter().all(|r| r.as_deref() == Some("admin/ok")),
        "{rows:?}"
    );

    // Without KYC or billing entries: kyc null, zero billing.
    let run = env.run(&["view", &other.to_string(), "-o", "json"]);
    run.ok();
    let v = run.json();
    assert_eq!(v["kyc"], Value::Null);
    assert_eq!(v["phone"], Value::Null);
    assert_eq!(v["last_login_at"], Value::Null);
    assert_eq!(
        v["billing"],
        json!({"unpaid_invoice_count": 1, "unpaid_invoice_total_cents": 99_999})
    );
});

db_test!(view_deleted_and_inactive_customers, |env| {
    env.init_db(0);
    let id = env.insert_customer("Del Eted", "del@example.com");
    let inactive = env.insert_customer("In Active", "inactive@example.com");
    env.run(&["toggle", &inactive.to_string(), "--deactivate"])
        .ok();
    env.run(&["delete", &id.to_string(), "--yes"]).ok();

    let v = env
        .run(&["view", &id.to_string(), "-o", "json"])
        .ok()
        .json();
    assert_eq!(v["status"], json!("deleted"));
    assert_eq!(v["is_active"], json!(false));
    let deleted_at = v["deleted_at"].as_str().expect("deleted_at set");
    assert!(is_rfc3339_utc(deleted_at), "{deleted_at}");
    assert!(
        is_rfc3339_utc(v["updated_at"].as_str().unwrap_or("")),
        "{v}"
    );
    assert_ne!(v["updated_at"], json!("2025-01-01T00:00:00Z"));

    let v = env
        .run(&["view", &inactive.to_string(), "-o", "json"])
        .ok()
        .json();
    assert_eq!(v["status"], json!("inactive"));
    assert_eq!(v["is_active"], json!(false));
    assert_eq!(v["deleted_at"], Value::Null);

    let table = env.run(&["view", &id.to_string()]);
    table.ok();
    assert!(table.stdout.contains("deleted"), "{}", table.stdout);
});

db_test!(view_unknown_and_malformed_ids, |env| {
    env.init_db(0);
    let id = env.insert_customer("Ann Lee", "ann@example.com");
    let missing = (id + 1000).to_string();
    let r = env.run(&["view", &missing]);
    r.code(3).error_line("not found");
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    let r = env.run(&["view", &missing, "-o", "json"]);
    r.code(3);
    assert!(r.stdout.is_empty(), "errors never on stdout: {}", r.stdout);
    for bad in [
        vec!["view", "abc"],
        vec!["view", "0"],
        vec!["view", "--", "-5"],
        vec!["view", "1.5"],
    ] {
        let r = env.run(&bad);
        r.code(2);
        assert!(r.stdout.is_empty(), "{bad:?}: {}", r.stdout);
    }
    assert_eq!(
        env.count("audit_log", "action = 'view' AND outcome = 'ok'"),
        0
    );
});

// ---------------------------------------------------------------- edit

db_test!(edit_rejects_invalid_values_and_writes_nothing, |env| {
    env.init_db(0);
    let id = env.insert_customer("Ann Lee", "ann@example.com");
    env.run(&["edit", &id.to_string(), "--phone", "+14155550123"])
        .ok();
    let before = snapshot(&env, id);
    let audit_before = env.count("audit_log", "");
    let long_total = format!(
        "{}@{}.{}.{}",
        "a".repeat(64),
        "b".repeat(63),
        "c".repeat(63),
        "d".repeat(62)
    );
    assert_eq!(long_total.chars().count(), 255);
    let cases: Vec<(&str, String, &str)> = vec![
        ("--name", "".into(), "name:"),
        ("--name", "   ".into(), "name:"),
        ("--name", "a".repeat(151), "name:"),
        ("--name", "Bell\u{7}Name".into(), "name:"),
        ("--name", "Esc\u{1b}[2JName".into(), "name:"),
        ("--name", "Csi\u{9b}1mName".into(), "name:"),
        ("--name", "Bidi\u{202e}Name".into(), "name:"),
        ("--name", "Isolate\u{2066}Name".into(), "name:"),
        ("--name", "Del\u{7f}Name".into(), "name:"),
        ("--email", "no-at.example.com".into(), "email:"),
        ("--email", "two@at@example.com".into(), "email:"),
        ("--email", "ann@localhost".into(), "email:"),
        ("--email", "ann lee@example.com".into(), "email:"),
        ("--email", "ann@exa mple.com".into(), "email:"),
        ("--email", "\"ann\"@example.com".into(), "email:"),
        ("--email", "ann'o@example.com".into(), "email:"),
        (
            "--email",
            format!("{}@example.com", "a".repeat(65)),
            "email:",
        ),
        ("--email", long_total, "email:"),
        ("--email", "ann\u{1b}@example.com".into(), "email:"),
        ("--phone", "4155550123".into(), "phone:"),
        ("--phone", "+0123456789".into(), "phone:"),
        ("--phone", "+123456".into(), "phone:"),
        ("--phone", "+1234567890123456".into(), "phone:"),
        ("--phone", "+1 415 CALL NOW".into(), "phone:"),
        // Right shape, but no numbering plan has it (libphonenumber's metadata).
        ("--phone", "+1 555 010 1234".into(), "numbering plan"),
        ("--phone", "+1726468169".into(), "too short for US"),
        ("--phone", "+44 20 79".into(), "too short for GB"),
        ("--phone", "+999 1234 5678".into(), "calling code"),
        ("--phone", "+44 20 7946 0958 ext 12".into(), "phone:"),
    ];
    for (flag, value, field) in &cases {
        let r = env.run(&["edit", &id.to_string(), flag, value]);
        assert_eq!(
            r.code, 2,
            "{flag} {value:?} was accepted\nstdout: {}\nstderr: {}",
            r.stdout, r.stderr
        );
        r.error_line(field);
        assert!(r.stdout.is_empty(), "{flag} {value:?}: {}", r.stdout);
        assert_eq!(snapshot(&env, id), before, "{flag} {value:?} wrote");
    }
    // A valid field next to an invalid one is not written either.
    let r = env.run(&[
        "edit",
        &id.to_string(),
        "--name",
        "Perfectly Valid",
        "--email",
        "broken",
    ]);
    r.code(2).error_line("email:");
    // No field at all is a usage error.
    env.run(&["edit", &id.to_string()]).code(2);
    assert_eq!(snapshot(&env, id), before);
    assert_eq!(
        env.count("audit_log", ""),
        audit_before,
        "audit rows written"
    );
});

db_test!(edit_normalises_and_audits_old_and_new, |env| {
    env.init_db(0);
    let id = env.insert_customer("Ann Lee", "ann@example.com");
    let r = env.run(&[
        "edit",
        &id.to_string(),
        "--name",
        "  Jose\u{301} Lee  ",
        "--email",
        "Ann.Lee@Example.COM",
        "--phone",
        "+1 (415) 555-0123",
        "-o",
        "json",
    ]);
    r.ok();
    let result = single_result(&r.json(), "edit", id, "changed");
    assert_eq!(full_name(&env, id), "Jos\u{e9} Lee");
    assert_eq!(email(&env, id), "ann.lee@example.com");
    assert_eq!(phone(&env, id).as_deref(), Some("+14155550123"));
    let expected = json!({
        "full_name": {"old": "Ann Lee", "new": "Jos\u{e9} Lee"},
        "email": {"old": "ann@example.com", "new": "ann.lee@example.com"},
        "phone": {"old": null, "new": "+14155550123"},
    });
    assert_eq!(result["changes"], expected);
    assert_eq!(
        audit_details(&env, id, "edit"),
        vec![json!({ "changes": expected })]
    );
    assert_ne!(
        snapshot(&env, id).unwrap_or_default().rsplit('|').next(),
        Some("2025-01-01 00:00:00"),
        "updated_at not bumped"
    );

    // Only what changed is recorded; the table shows old → new.
    let r = env.run(&[
        "edit",
        &id.to_string(),
        "--email",
        "ann.lee@example.com",
        "--phone",
        "+44 20 7946 0958",
    ]);
    r.ok();
    assert!(r.stdout.contains("+14155550123"), "{}", r.stdout);
    assert!(r.stdout.contains("+442079460958"), "{}", r.stdout);
    assert_eq!(
        audit_details(&env, id, "edit")[1],
        json!({"changes": {"phone": {"old": "+14155550123", "new": "+442079460958"}}})
    );

    // --clear-phone.
    env.run(&["edit", &id.to_string(), "--clear-phone"]).ok();
    assert_eq!(phone(&env, id), None);
    assert_eq!(
        audit_details(&env, id, "edit")[2],
        json!({"changes": {"phone": {"old": "+442079460958", "new": null}}})
    );

    // The limits themselves are accepted: 150 characters, 254-character email.
    let name150 = "N".repeat(150);
    env.run(&["edit", &id.to_string(), "--name", &name150]).ok();
    assert_eq!(full_name(&env, id), name150);
    let email254 = format!(
        "{}@{}.{}.{}",
        "a".repeat(64),
        "b".repeat(63),
        "c".repeat(63),
        "d".repeat(61)
    );
    env.run(&["edit", &id.to_string(), "--email", &email254])
        .ok();
    assert_eq!(email(&env, id), email254);
    // --reason is stored with the change.
    env.run(&[
        "edit",
        &id.to_string(),
        "--name",
        "Ann Lee",
        "--reason",
        "T-1",
    ])
    .ok();
    assert_eq!(
        text(
            &env,
            &format!(
                "SELECT reason AS v FROM audit_log WHERE customer_id = {id} AND action = 'edit' ORDER BY id DESC"
            )
        )
        .as_deref(),
        Some("T-1")
    );
    assert_eq!(audit_ok(&env, id, "edit"), 6);
});

db_test!(edit_noop_is_unchanged_without_audit_row, |env| {
    env.init_db(0);
    let id = env.insert_customer("Ann Lee", "ann@example.com");
    let before = snapshot(&env, id);
    let r = env.run(&[
        "edit",
        &id.to_string(),
        "--name",
        "  Ann Lee ",
        "--email",
        "ANN@example.com",
        "--clear-phone",
        "-o",
        "json",
    ]);
    r.ok();
    single_result(&r.json(), "edit", id, "unchanged");
    assert_eq!(snapshot(&env, id), before);
    assert_eq!(env.count("audit_log", "action = 'edit'"), 0);
});

db_test!(edit_refuses_email_of_another_customer, |env| {
    env.init_db(0);
    let id = env.insert_customer("Ann Lee", "ann@example.com");
    env.insert_customer("Secret Other", "taken@example.com");
    // Written by another program with capitals: still the same address.
    env.insert_customer("Hidden Person", "Mixed@Example.com");
    let before = snapshot(&env, id);
    for wanted in [
        "taken@example.com",
        "TAKEN@Example.com",
        "mixed@example.com",
    ] {
        let r = env.run(&["edit", &id.to_string(), "--email", wanted]);
        r.code(5);
        r.error_line("already used");
        assert!(
            !r.stderr.contains("Secret Other") && !r.stderr.contains("Hidden Person"),
            "clash message leaks the other customer: {}",
            r.stderr
        );
        assert_eq!(snapshot(&env, id), before, "{wanted}");
    }
    // In JSON the clash is a refused result; a name change in the same edit is not kept.
    let r = env.run(&[
        "edit",
        &id.to_string(),
        "--name",
        "New Name",
        "--email",
        "taken@example.com",
        "-o",
        "json",
    ]);
    r.code(5);
    single_result(&r.json(), "edit", id, "refused");
    assert_eq!(snapshot(&env, id), before);
    assert_eq!(env.count("audit_log", "action = 'edit'"), 0);
    assert_eq!(
        env.count("customers", "lower(email) = 'taken@example.com'"),
        1
    );
    // Unknown customer.
    env.run(&["edit", &(id + 100).to_string(), "--name", "X"])
        .code(3);
});

// "Unique case-insensitively" holds beyond ASCII and the same on both
// backends: a row written by another program as JOSÉ@… is the address
// josé@… that custadm would store.
db_test!(edit_refuses_email_differing_in_non_ascii_case, |env| {
    env.init_db(0);
    let id = env.insert_customer("Ann Lee", "ann@example.com");
    env.insert_customer("Jose Upper", "JOS\u{c9}@example.com");
    let before = snapshot(&env, id);
    let r = env.run(&["edit", &id.to_string(), "--email", "jos\u{e9}@example.com"]);
    r.code(5).error_line("already used");
    assert_eq!(snapshot(&env, id), before);
    assert_eq!(env.count("audit_log", "action = 'edit'"), 0);
});

db_test!(edit_refuses_deleted_customer, |env| {
    env.init_db(0);
    let id = env.insert_customer("Ann Lee", "ann@example.com");
    env.run(&["delete", &id.to_string(), "--yes"]).ok();
    let before = snapshot(&env, id);
    let r = env.run(&["edit", &id.to_string(), "--name", "Zombie"]);
    r.code(5).error_line("restore");
    assert_eq!(snapshot(&env, id), before);
    assert_eq!(env.count("audit_log", "action = 'edit'"), 0);
});

// ---------------------------------------------------------------- toggle

db_test!(toggle_is_idempotent_and_audited_only_on_change, |env| {
    env.init_db(0);
    let id = env.insert_customer("Ann Lee", "ann@example.com");
    let ids = id.to_string();

    let r = env.run(&["toggle", &ids, "--deactivate", "-o", "json"]);
    r.ok();
    let res = single_result(&r.json(), "deactivate", id, "changed");
    assert_eq!(
        res["changes"],
        json!({"is_active": {"old": true, "new": false}})
    );
    assert!(!is_active(&env, id));
    assert_eq!(audit_ok(&env, id, "deactivate"), 1);

    let before = snapshot(&env, id);
    let r = env.run(&["toggle", &ids, "--deactivate", "-o", "json"]);
    r.ok();
    single_result(&r.json(), "deactivate", id, "unchanged");
    assert_eq!(snapshot(&env, id), before);
    assert_eq!(audit_ok(&env, id, "deactivate"), 1);

    env.run(&["toggle", &ids, "--activate"]).ok();
    assert!(is_active(&env, id));
    assert_eq!(audit_ok(&env, id, "activate"), 1);
    env.run(&["toggle", &ids, "--activate"]).ok();
    assert_eq!(audit_ok(&env, id, "activate"), 1);

    // Neither or both flags: usage errors.
    env.run(&["toggle", &ids]).code(2);
    env.run(&["toggle", &ids, "--activate", "--deactivate"])
        .code(2);
    // Unknown id.
    env.run(&["toggle", &(id + 50).to_string(), "--deactivate"])
        .code(3);

    // A deleted customer cannot be activated.
    env.run(&["delete", &ids, "--yes"]).ok();
    let before = snapshot(&env, id);
    let r = env.run(&["toggle", &ids, "--activate"]);
    r.code(5).error_line("restore");
    assert_eq!(snapshot(&env, id), before);
    assert!(is_deleted(&env, id) && !is_active(&env, id));
    assert_eq!(audit_ok(&env, id, "activate"), 1);
});

db_test!(malformed_ids_change_nothing, |env| {
    env.init_db(3);
    let all_before = env.texts("SELECT CAST(is_active AS TEXT) || COALESCE(CAST(deleted_at AS TEXT), '-') AS v FROM customers ORDER BY id");
    let audit_before = env.count("audit_log", "");
    for args in [
        vec!["toggle", "abc", "--deactivate"],
        vec!["toggle", "0", "--deactivate"],
        vec!["toggle", "--deactivate", "--", "-1"],
        vec!["delete", "--", "-3", "--yes"],
        vec!["delete", "1x", "--yes"],
        vec!["restore", "0"],
        vec!["reset-password", "abc"],
        vec!["edit", "0", "--name", "X"],
        vec!["purge", "abc", "--password-stdin"],
        vec!["audit", "--customer", "0"],
    ] {
        let r = env
            .cmd()
            .args(&args)
            .stdin(&format!("{ADMIN_PASSWORD}\n"))
            .run();
        assert_eq!(
            r.code, 2,
            "{args:?}\nstdout: {}\nstderr: {}",
            r.stdout, r.stderr
        );
        assert!(r.stdout.is_empty(), "{args:?}: {}", r.stdout);
    }
    let all_after = env.texts("SELECT CAST(is_active AS TEXT) || COALESCE(CAST(deleted_at AS TEXT), '-') AS v FROM customers ORDER BY id");
    assert_eq!(all_before, all_after);
    assert_eq!(env.count("customers", ""), 3);
    assert_eq!(env.count("audit_log", ""), audit_before);
});

// ---------------------------------------------------------------- reset-password

db_test!(
    reset_password_shows_a_strong_one_and_stores_argon2id,
    |env| {
        use argon2::{Argon2, PasswordHash, PasswordVerifier};

        env.init_db(0);
        let id = env.insert_customer("Ann Lee", "ann@example.com");
        let hash_of = |env: &Env| {
            text(
                env,
                &format!("SELECT password_hash AS v FROM customers WHERE id = {id}"),
            )
            .expect("hash")
        };
        let check = |env: &Env, password: &str| {
            assert!(password.chars().count() >= 20, "{password:?} too short");
            assert!(
                !password.contains(['0', 'O', '1', 'l', 'I']),
                "look-alike character in {password:?}"
            );
            assert!(
                password.chars().all(|c| c.is_ascii_graphic()),
                "{password:?}"
            );
            let hash = hash_of(env);
            assert_ne!(hash, password);
            assert!(hash.starts_with("$argon2id$"), "{hash}");
            let parsed = PasswordHash::new(&hash).expect("PHC string");
            assert!(
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok(),
                "stored hash does not verify the shown password"
            );
            assert_eq!(
                env.count(
                    "customers",
                    &format!(
                        "id = {id} AND must_change_password = {}",
                        env.bool_sql(true)
                    )
                ),
                1
            );
            for d in audit_details(env, id, "reset_password") {
                let d = d.to_string();
                assert!(!d.contains(password), "password in audit details: {d}");
                assert!(!d.contains("$argon2"), "hash in audit details: {d}");
            }
        };

        // Table output: the password is on stdout.
        let r = env.run(&["reset-password", &id.to_string()]);
        r.ok();
        let at = r
            .stdout
            .find("temporary password: ")
            .unwrap_or_else(|| panic!("no password shown:\n{}", r.stdout));
        let shown: String = r.stdout[at + "temporary password: ".len()..]
            .chars()
            .take_while(|c| !c.is_whitespace())
            .collect();
        check(&env, &shown);
        assert!(!r.stderr.contains(&shown), "password on stderr");
        assert_eq!(audit_ok(&env, id, "reset_password"), 1);

        // JSON output: results[0].temporary_password, a different one.
        let r = env.run(&["reset-password", &id.to_string(), "-o", "json"]);
        r.ok();
        let res = single_result(&r.json(), "reset_password", id, "changed");
        let second = res["temporary_password"]
            .as_str()
            .expect("temporary_password")
            .to_string();
        check(&env, &second);
        assert_ne!(second, shown);
        assert_eq!(audit_ok(&env, id, "reset_password"), 2);

        // Two ids without --send-email: usage error, nothing written.
        let other = env.insert_customer("Bob Other", "bob@example.com");
        let before = (snapshot(&env, id), snapshot(&env, other));
        env.run(&[
            "reset-password",
            &id.to_string(),
            &other.to_string(),
            "--yes",
        ])
        .code(2);
        assert_eq!((snapshot(&env, id), snapshot(&env, other)), before);

        // Deleted customer: refused.
        env.run(&["delete", &other.to_string(), "--yes"]).ok();
        let before = snapshot(&env, other);
        let r = env.run(&["reset-password", &other.to_string()]);
        r.code(5);
        assert_eq!(snapshot(&env, other), before);
        assert_eq!(audit_ok(&env, other, "reset_password"), 0);
        env.run(&["reset-password", &(other + 10).to_string()])
            .code(3);
    }
);

// ---------------------------------------------------------------- delete

db_test!(delete_soft_deletes_with_confirmation, |env| {
    env.init_db(0);
    let id = env.insert_customer("Ann Lee", "ann@example.com");
    let ids = id.to_string();
    // Paid up: zero invoices, payments and credits do not block.
    env.add_invoice(id, 0);
    add_entry(&env, id, "payment", 500);
    add_entry(&env, id, "credit", 300);
    add_entry(&env, id, "refund", 200);

    // No terminal and no --yes: exit 2, nothing changed.
    let before = snapshot(&env, id);
    let r = env.run(&["delete", &ids]);
    r.code(2).error_line("--yes");
    assert_eq!(snapshot(&env, id), before);
    assert_eq!(env.count("audit_log", "action = 'delete'"), 0);

    // --dry-run writes nothing.
    let r = env.run(&["delete", &ids, "--dry-run", "-o", "json"]);
    r.ok();
    let doc = r.json();
    assert_eq!(doc["dry_run"], json!(true));
    assert_eq!(doc["results"][0]["outcome"], json!("would_change"));
    assert_eq!(snapshot(&env, id), before);

    let r = env.run(&["delete", &ids, "--yes", "-o", "json"]);
    r.ok();
    single_result(&r.json(), "delete", id, "changed");
    assert!(is_deleted(&env, id));
    assert!(!is_active(&env, id));
    // The state before the delete, and which delete it was (what restore
    // compares with the customer's deleted_at).
    let details = audit_details(&env, id, "delete");
    assert_eq!(details.len(), 1);
    assert_eq!(details[0]["was_active"], json!(true));
    assert_eq!(
        details[0]["deleted_at"].as_str(),
        text(
            &env,
            &format!("SELECT CAST(deleted_at AS TEXT) AS v FROM customers WHERE id = {id}")
        )
        .as_deref()
    );
    // And what it wrote, for undo.
    assert_eq!(
        details[0]["changes"]["status"],
        json!({"old": "active", "new": "deleted"})
    );
    // The customer's rows are still there: a soft delete.
    assert_eq!(
        env.count(
            "account_entries",
            &format!("billing_account_id = {}", billing_account(&env, id))
        ),
        4
    );

    // Again: unchanged, exit 0, no second audit row.
    let before = snapshot(&env, id);
    let r = env.run(&["delete", &ids, "--yes", "-o", "json"]);
    r.ok();
    single_result(&r.json(), "delete", id, "unchanged");
    assert_eq!(snapshot(&env, id), before);
    assert_eq!(audit_ok(&env, id, "delete"), 1);

    // An inactive customer's delete records was_active false.
    let inactive = env.insert_customer("In Active", "inactive@example.com");
    env.run(&["toggle", &inactive.to_string(), "--deactivate"])
        .ok();
    env.run(&["delete", &inactive.to_string(), "--yes"]).ok();
    let details = audit_details(&env, inactive, "delete");
    assert_eq!(details.len(), 1);
    assert_eq!(details[0]["was_active"], json!(false));
    assert_eq!(details[0]["changes"]["status"]["old"], json!("inactive"));
    // Unknown id.
    env.run(&["delete", &(id + 100).to_string(), "--yes"])
        .code(3);
});

db_test!(delete_refused_with_unpaid_invoices, |env| {
    env.init_db(0);
    let id = env.insert_customer("Ann Lee", "ann@example.com");
    env.add_invoice(id, 1000);
    env.add_invoice(id, 250);
    env.add_invoice(id, 0);
    add_entry(&env, id, "payment", 100);
    let before = snapshot(&env, id);
    let r = env.run(&["delete", &id.to_string(), "--yes"]);
    r.code(5)
        .error_line("2 unpaid invoice(s) totalling $12.50 (1250 cents)");
    assert_eq!(snapshot(&env, id), before);
    let r = env.run(&["delete", &id.to_string(), "--yes", "-o", "json"]);
    r.code(5);
    let res = single_result(&r.json(), "delete", id, "refused");
    assert!(
        res["message"]
            .as_str()
            .unwrap_or("")
            .contains("2 unpaid invoice(s) totalling $12.50 (1250 cents)"),
        "{res}"
    );
    assert_eq!(snapshot(&env, id), before);
    assert_eq!(env.count("audit_log", "action = 'delete'"), 0);
});

db_test!(delete_asks_on_a_terminal, |env| {
    env.init_db(0);
    let id = env.insert_customer("Ann Lee", "ann@example.com");
    let before = snapshot(&env, id);

    let mut p = env.pty(&["delete", &id.to_string()]);
    p.exp_string("[y/N]").expect("confirmation question");
    p.send_line("n").expect("answer");
    p.exp_eof().expect("custadm ends");
    assert_eq!(pty_exit_code(&p), 2);
    assert_eq!(snapshot(&env, id), before, "declined but changed");
    assert_eq!(env.count("audit_log", "action = 'delete'"), 0);

    let mut p = env.pty(&["delete", &id.to_string()]);
    p.exp_string("[y/N]").expect("confirmation question");
    p.send_line("y").expect("answer");
    p.exp_eof().expect("custadm ends");
    assert_eq!(pty_exit_code(&p), 0);
    assert!(is_deleted(&env, id));
    assert_eq!(audit_ok(&env, id, "delete"), 1);
});

#[derive(QueryableByName)]
struct Flag {
    #[diesel(sql_type = BigInt)]
    v: i64,
}

/// One round of the race between `custadm delete` and another program
/// writing an invoice. The writer opens its own connection first; then both
/// start together: custadm at once, the writer after `writer_delay`. Returns
/// (whether the invoice writer saw the customer not deleted right after its
/// insert, custadm's run).
fn race_round(env: &Env, id: i64, writer_delay: Duration) -> (bool, Run) {
    let backend = env.backend;
    let url = env.url.clone();
    let account = billing_account(env, id);
    let hold = Duration::from_millis(rand::random_range(0..=30u64));
    let (ready_tx, ready_rx) = mpsc::channel::<()>();
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let writer = thread::spawn(move || {
        let insert = format!(
            "INSERT INTO account_entries (billing_account_id, entry_type, amount_usd_cents, description) \
             VALUES ({account}, 'invoice', 100, 'raced invoice')"
        );
        let look = format!(
            "SELECT CAST(CASE WHEN deleted_at IS NOT NULL THEN 1 ELSE 0 END AS BIGINT) AS v FROM customers WHERE id = {id}"
        );
        macro_rules! transaction {
            ($conn:expr, $begin:expr) => {{
                let mut c = $conn;
                ready_tx.send(()).expect("signal ready");
                go_rx.recv().expect("go");
                thread::sleep(writer_delay);
                c.batch_execute($begin).expect("begin");
                c.batch_execute(&insert).expect("insert invoice");
                let seen: Flag = diesel::sql_query(&look)
                    .get_result(&mut c)
                    .expect("look at the customer");
                thread::sleep(hold);
                c.batch_execute("COMMIT").expect("commit");
                seen.v == 0
            }};
        }
        match backend {
            Backend::Sqlite => {
                let mut c = SqliteConnection::establish(&url).expect("open sqlite");
                c.batch_execute("PRAGMA busy_timeout = 10000")
                    .expect("busy_timeout");
                transaction!(c, "BEGIN IMMEDIATE")
            }
            Backend::Postgres => {
                transaction!(
                    PgConnection::establish(&url).expect("open postgres"),
                    "BEGIN"
                )
            }
        }
    });
    if ready_rx.recv_timeout(Duration::from_secs(30)).is_err() {
        writer
            .join()
            .expect("invoice writer failed before starting");
        panic!("invoice writer never started");
    }
    go_tx.send(()).expect("start the writer");
    let run = env.run(&["delete", &id.to_string(), "--yes"]);
    let saw_not_deleted = writer.join().expect("invoice writer panicked");
    (saw_not_deleted, run)
}

// The invariant: NOT (the invoice writer saw the customer not deleted right
// after its insert AND the customer ends deleted). If the writer, inside its
// own transaction and after its insert, still saw the customer alive, the
// invoice existed (uncommitted) before any delete took effect; a correct
// delete must then either wait for it and refuse, or the writer would have
// had to wait for the delete and see it. A customer deleted while such an
// invoice exists is exactly the lost check-then-act the SPEC forbids. If the
// writer saw the customer already deleted, the delete committed first and
// the invoice is a later event written by another program onto a deleted
// customer: not a race custadm can or should prevent.
//
// Timing: a custadm run takes tens of milliseconds before its delete
// transaction starts (process start, connect, schema and operator checks).
// A writer that merely waits 0-30 ms after custadm starts therefore almost
// always commits before custadm looks, and the race is never exercised. So
// the test first measures how long a `delete` run takes here and starts the
// writer at a random moment across that whole run (it holds its transaction
// open a further 0-30 ms), so that rounds land before, inside and after
// custadm's transaction.
db_test!(delete_races_a_concurrent_invoice, |env| {
    env.init_db(0);
    const ROUNDS: usize = 40;
    // Calibrate: the duration of a full `delete` run that does the same work.
    let probe = env.insert_customer("Probe", "probe@example.com");
    let mut times: Vec<Duration> = (0..5)
        .map(|_| {
            let started = Instant::now();
            let r = env.run(&["delete", &probe.to_string(), "--yes"]);
            r.ok();
            let t = started.elapsed();
            env.run(&["restore", &probe.to_string()]).ok();
            t
        })
        .collect();
    times.sort();
    let spread_ms = (times[2].as_millis() as u64 + 10).clamp(20, 2_000);

    let (mut refused, mut deleted_first) = (0, 0);
    for round in 0..ROUNDS {
        let id = env.insert_customer(
            &format!("Racer {round}"),
            &format!("racer{round}@example.com"),
        );
        let delay = Duration::from_millis(rand::random_range(0..=spread_ms));
        let (saw_not_deleted, run) = race_round(&env, id, delay);
        let ended_deleted = is_deleted(&env, id);
        assert!(
            !(saw_not_deleted && ended_deleted),
            "round {round}: an invoice written before the delete took effect was missed; \
             customer {id} is deleted with an unpaid invoice\nstdout: {}\nstderr: {}",
            run.stdout,
            run.stderr
        );
        match run.code {
            0 => {
                assert!(ended_deleted, "round {round}: exit 0 but not deleted");
                deleted_first += 1;
            }
            5 => {
                assert!(!ended_deleted, "round {round}: exit 5 but deleted");
                run.error_line("1 unpaid invoice(s)");
                refused += 1;
            }
            other => panic!(
                "round {round}: unexpected exit {other}\nstdout: {}\nstderr: {}",
                run.stdout, run.stderr
            ),
        }
        // Every raced invoice was committed.
        assert_eq!(
            env.count(
                "account_entries",
                &format!(
                    "billing_account_id = {} AND description = 'raced invoice'",
                    billing_account(&env, id)
                )
            ),
            1
        );
    }
    eprintln!(
        "race ({:?}, writer start spread 0-{spread_ms} ms): {refused} refused, {deleted_first} deleted before the invoice",
        env.backend
    );
});

// ---------------------------------------------------------------- restore

db_test!(restore_brings_back_the_previous_state, |env| {
    env.init_db(0);
    let active = env.insert_customer("Was Active", "active@example.com");
    let inactive = env.insert_customer("Was Inactive", "inactive@example.com");
    env.run(&["toggle", &inactive.to_string(), "--deactivate"])
        .ok();
    for id in [active, inactive] {
        env.run(&["delete", &id.to_string(), "--yes"]).ok();
        assert!(is_deleted(&env, id) && !is_active(&env, id));
    }

    let r = env.run(&["restore", &active.to_string(), "-o", "json"]);
    r.ok();
    single_result(&r.json(), "restore", active, "changed");
    assert!(!is_deleted(&env, active));
    assert!(
        is_active(&env, active),
        "active customer came back inactive"
    );
    assert_eq!(audit_ok(&env, active, "restore"), 1);

    env.run(&["restore", &inactive.to_string()]).ok();
    assert!(!is_deleted(&env, inactive));
    assert!(
        !is_active(&env, inactive),
        "inactive customer came back active"
    );
    assert_eq!(audit_ok(&env, inactive, "restore"), 1);

    // Not deleted: unchanged, exit 0, nothing written.
    let before = snapshot(&env, active);
    let r = env.run(&["restore", &active.to_string(), "-o", "json"]);
    r.ok();
    single_result(&r.json(), "restore", active, "unchanged");
    assert_eq!(snapshot(&env, active), before);
    assert_eq!(audit_ok(&env, active, "restore"), 1);

    // Delete → restore twice more: the state still follows the latest delete.
    env.run(&["toggle", &active.to_string(), "--deactivate"])
        .ok();
    env.run(&["delete", &active.to_string(), "--yes"]).ok();
    env.run(&["restore", &active.to_string()]).ok();
    assert!(!is_deleted(&env, active) && !is_active(&env, active));
    env.run(&["restore", &(inactive + 10).to_string()]).code(3);
});

// ---------------------------------------------------------------- purge

/// A customer with KYC, billing entries and an audit trail holding personal data.
fn rich_customer(env: &Env, tag: &str) -> i64 {
    let id = env.insert_customer(&format!("{tag} Person"), &format!("{tag}@example.com"));
    add_kyc(
        env,
        id,
        "verified",
        &format!("DOC-{tag}"),
        "2025-01-02 00:00:00",
        Some("2025-01-03 00:00:00"),
    );
    env.add_invoice(id, 1500);
    add_entry(env, id, "payment", 1500);
    env.run(&[
        "edit",
        &id.to_string(),
        "--email",
        &format!("{tag}.new@example.com"),
        "--phone",
        "+14155550123",
        "--name",
        &format!("{tag} Renamed"),
    ])
    .ok();
    env.run(&["view", &id.to_string()]).ok();
    id
}

/// (action, operator, occurred_at) of a customer's audit rows, oldest first.
fn trail(env: &Env, id: i64) -> Vec<Option<String>> {
    env.texts(&format!(
        "SELECT action || '|' || operator || '|' || CAST(occurred_at AS TEXT) AS v FROM audit_log WHERE customer_id = {id} ORDER BY id"
    ))
}

fn purge_with(env: &Env, id: i64, password: &str) -> Run {
    env.cmd()
        .args(&["purge", &id.to_string(), "--password-stdin"])
        .stdin(&format!("{password}\n"))
        .run()
}

db_test!(purge_erases_everything_of_one_customer, |env| {
    env.init_db(0);
    let gone = rich_customer(&env, "zed");
    let kept = rich_customer(&env, "kim");
    let gone_account = billing_account(&env, gone);
    let kept_snapshot = snapshot(&env, kept);
    let kept_details = env.texts(&format!(
        "SELECT details AS v FROM audit_log WHERE customer_id = {kept} ORDER BY id"
    ));
    let trail_before = trail(&env, gone);
    assert!(trail_before.len() >= 2);

    let r = env
        .cmd()
        .args(&["purge", &gone.to_string(), "--password-stdin", "-o", "json"])
        .stdin(&format!("{ADMIN_PASSWORD}\n"))
        .run();
    r.ok();
    single_result(&r.json(), "purge", gone, "changed");
    assert!(
        r.stderr
            .contains(&format!("About to erase customer {gone}")),
        "{}",
        r.stderr
    );

    assert!(!exists(&env, gone));
    assert_eq!(
        env.count("kyc_records", &format!("customer_id = {gone}")),
        0
    );
    assert_eq!(
        env.count("billing_accounts", &format!("customer_id = {gone}")),
        0
    );
    assert_eq!(
        env.count(
            "account_entries",
            &format!("billing_account_id = {gone_account}")
        ),
        0
    );
    // The other customer is untouched.
    assert_eq!(snapshot(&env, kept), kept_snapshot);
    assert_eq!(
        env.count("kyc_records", &format!("customer_id = {kept}")),
        1
    );
    assert_eq!(
        env.count(
            "account_entries",
            &format!("billing_account_id = {}", billing_account(&env, kept))
        ),
        2
    );
    assert_eq!(
        env.texts(&format!(
            "SELECT details AS v FROM audit_log WHERE customer_id = {kept} ORDER BY id"
        )),
        kept_details
    );

    // The earlier trail keeps action, operator and time, loses personal data.
    let trail_after = trail(&env, gone);
    assert_eq!(&trail_after[..trail_before.len()], &trail_before[..]);
    let all_details = env.texts(&format!(
        "SELECT details AS v FROM audit_log WHERE customer_id = {gone} ORDER BY id"
    ));
    for d in &all_details[..trail_before.len()] {
        let v: Value = serde_json::from_str(d.as_deref().unwrap_or("")).expect("JSON");
        assert_eq!(v, json!({"redacted": true}));
    }
    for d in &all_details {
        let d = d.as_deref().unwrap_or("");
        for personal in [
            "zed",
            "Zed",
            "+14155550123",
            "4155550123",
            "DOC-zed",
            "example.com",
        ] {
            assert!(!d.contains(personal), "{personal:?} left in {d}");
        }
    }
    // The purge's own row: counts, no personal data.
    let purge_rows = audit_details(&env, gone, "purge");
    assert_eq!(purge_rows.len(), 1, "{purge_rows:?}");
    let text = purge_rows[0].to_string();
    assert!(text.contains("kyc_records"), "{text}");
    assert!(text.contains("account_entries"), "{text}");
    assert_eq!(
        env.count(
            "audit_log",
            &format!("customer_id = {gone} AND action = 'purge' AND outcome = 'ok' AND operator = 'admin'")
        ),
        1
    );
    // It is gone for view and purge alike.
    env.run(&["view", &gone.to_string()]).code(3);
    purge_with(&env, gone, ADMIN_PASSWORD).code(3);
});

db_test!(purge_is_for_admins_only, |env| {
    env.init_db(0);
    env.add_support();
    let id = env.insert_customer("Ann Lee", "ann@example.com");
    let before = snapshot(&env, id);
    let r = env
        .cmd()
        .env("CUSTADM_OPERATOR", "support")
        .args(&["purge", &id.to_string(), "--password-stdin"])
        .stdin(&format!("{SUPPORT_PASSWORD}\n"))
        .run();
    r.code(4).error_line("admin");
    assert_eq!(snapshot(&env, id), before);
    assert_eq!(
        env.count(
            "audit_log",
            &format!("customer_id = {id} AND action = 'purge' AND outcome = 'denied' AND operator = 'support'")
        ),
        1
    );
});

db_test!(purge_wrong_password_counts_and_locks, |env| {
    env.init_db(0);
    let id = env.insert_customer("Ann Lee", "ann@example.com");
    let before = snapshot(&env, id);
    let failed = |env: &Env| {
        env.scalar(
            "SELECT CAST(failed_attempts AS BIGINT) AS v FROM operators WHERE username = 'admin'",
        )
        .unwrap_or(-1)
    };
    let denied = |env: &Env| {
        env.count(
            "audit_log",
            &format!("customer_id = {id} AND action = 'purge' AND outcome = 'denied'"),
        )
    };
    for attempt in 1..=4 {
        let r = purge_with(&env, id, "not-the-password-at-all");
        r.code(4).error_line("wrong password");
        assert_eq!(failed(&env), attempt);
        assert_eq!(denied(&env), attempt);
        assert!(exists(&env, id));
    }
    let r = purge_with(&env, id, "still-not-the-password");
    r.code(4).error_line("locked");
    assert_eq!(denied(&env), 5);
    assert_eq!(
        env.count(
            "operators",
            "username = 'admin' AND locked_until IS NOT NULL"
        ),
        1
    );
    // Locked: even the right password is refused, nothing purged.
    let r = purge_with(&env, id, ADMIN_PASSWORD);
    r.code(4).error_line("locked");
    assert_eq!(snapshot(&env, id), before);
    assert_eq!(denied(&env), 6);
    assert_eq!(audit_ok(&env, id, "purge"), 0);
});

db_test!(purge_without_terminal_or_stdin_fails_at_once, |env| {
    env.init_db(0);
    let id = env.insert_customer("Ann Lee", "ann@example.com");
    let before = snapshot(&env, id);
    let started = Instant::now();
    let r = env.run(&["purge", &id.to_string()]);
    r.code(2).error_line("--password-stdin");
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_eq!(snapshot(&env, id), before);
    // A wrong-password count is not what happened.
    assert_eq!(
        env.scalar(
            "SELECT CAST(failed_attempts AS BIGINT) AS v FROM operators WHERE username = 'admin'"
        ),
        Some(0)
    );
});

db_test!(purge_on_a_terminal_hides_the_password, |env| {
    env.init_db(0);
    let id = env.insert_customer("Ann Lee", "ann@example.com");
    env.add_invoice(id, 100);
    let mut p = pty_with_echo_announced(&env, &["purge", &id.to_string()]);
    let mut seen = String::new();
    seen += &p.exp_string("ECHO_IS_ON").expect("echo switched on");
    seen += &p
        .exp_string(&format!("About to erase customer {id}"))
        .expect("preview");
    seen += &p
        .exp_string("Password of admin to confirm:")
        .expect("password prompt");
    // Give the prompt the moment it needs to switch echo off, as a person would.
    thread::sleep(Duration::from_millis(500));
    p.send_line(ADMIN_PASSWORD).expect("type the password");
    seen += &p.exp_eof().expect("custadm ends");
    assert_eq!(pty_exit_code(&p), 0, "{seen}");
    assert!(
        !seen.contains(ADMIN_PASSWORD),
        "the typed password was echoed:\n{seen}"
    );
    assert!(
        seen.contains("Ann Lee"),
        "preview lacks the customer: {seen}"
    );
    assert!(!exists(&env, id));
    assert_eq!(audit_ok(&env, id, "purge"), 1);
});

// ---------------------------------------------------------------- audit

db_test!(audit_filters_and_json, |env| {
    env.init_db(0);
    env.add_support();
    let a = env.insert_customer("Ann Lee", "ann@example.com");
    let b = env.insert_customer("Bob Roe", "bob@example.com");
    env.exec(&format!(
        "INSERT INTO audit_log (occurred_at, operator, os_user, action, customer_id, outcome, reason, details) \
         VALUES ('2020-01-01 00:00:00', 'olduser', 'root', 'edit', {a}, 'ok', NULL, '{{}}')"
    ));
    env.run(&[
        "edit",
        &a.to_string(),
        "--name",
        "Ann Roe",
        "--reason",
        "T-1",
    ])
    .ok();
    env.cmd()
        .env("CUSTADM_OPERATOR", "support")
        .args(&["toggle", &b.to_string(), "--deactivate"])
        .run()
        .ok();
    env.run(&["view", &a.to_string()]).ok();

    let rows = |args: &[&str]| -> Vec<Value> {
        let mut all = vec!["audit", "-o", "json"];
        all.extend_from_slice(args);
        let r = env.run(&all);
        r.ok();
        r.json().as_array().expect("array").clone()
    };
    let ids_of = |rows: &[Value]| -> Vec<i64> {
        rows.iter().map(|r| r["id"].as_i64().expect("id")).collect()
    };

    let all = rows(&[]);
    assert!(all.len() >= 4, "{all:?}");
    let ids = ids_of(&all);
    assert!(
        ids.windows(2).all(|w| w[0] > w[1]),
        "not newest first: {ids:?}"
    );
    for row in &all {
        assert_eq!(
            keys(row),
            sorted(&[
                "id",
                "occurred_at",
                "operator",
                "os_user",
                "action",
                "customer_id",
                "outcome",
                "reason",
                "details",
                "run_id"
            ])
        );
        assert!(row["details"].is_object(), "{row}");
        assert!(
            is_rfc3339_utc(row["occurred_at"].as_str().unwrap_or("")),
            "{row}"
        );
    }

    let for_a = rows(&["--customer", &a.to_string()]);
    let actions: Vec<&str> = for_a
        .iter()
        .map(|r| r["action"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(actions, vec!["view", "edit", "edit"], "{for_a:?}");
    assert!(for_a.iter().all(|r| r["customer_id"] == json!(a)));
    assert_eq!(for_a[1]["reason"], json!("T-1"));
    assert_eq!(for_a[1]["operator"], json!("admin"));
    assert_eq!(for_a[1]["outcome"], json!("ok"));
    assert_eq!(
        for_a[1]["details"],
        json!({"changes": {"full_name": {"old": "Ann Lee", "new": "Ann Roe"}}})
    );
    assert_eq!(for_a[0]["reason"], Value::Null);

    let by_support = rows(&["--operator", "support"]);
    assert_eq!(by_support.len(), 1, "{by_support:?}");
    assert_eq!(by_support[0]["action"], json!("deactivate"));
    assert_eq!(by_support[0]["customer_id"], json!(b));

    let edits = rows(&["--action", "edit"]);
    assert_eq!(edits.len(), 2, "{edits:?}");
    assert!(edits.iter().all(|r| r["action"] == json!("edit")));

    let recent = rows(&["--since", "1d"]);
    assert!(recent.iter().all(|r| r["operator"] != json!("olduser")));
    assert_eq!(recent.len(), all.len() - 1);
    let since_date = rows(&["--since", "2019-12-31", "--customer", &a.to_string()]);
    assert_eq!(since_date.len(), 3);
    let since_future = rows(&["--since", "2999-01-01"]);
    assert!(since_future.is_empty());

    let limited = rows(&["--limit", "1"]);
    assert_eq!(ids_of(&limited), vec![ids[0]]);
    let combined = rows(&[
        "--customer",
        &a.to_string(),
        "--action",
        "edit",
        "--limit",
        "1",
    ]);
    assert_eq!(combined.len(), 1);
    assert_eq!(combined[0]["reason"], json!("T-1"));

    // Table output and bad filters.
    let t = env.run(&["audit", "--customer", &a.to_string()]);
    t.ok();
    assert!(
        t.stdout.contains("ACTION") && t.stdout.contains("T-1"),
        "{}",
        t.stdout
    );
    env.run(&["audit", "--since", "yesterday"]).code(2);
    env.run(&["audit", "--limit", "0"]).code(2);
});

db_test!(reason_is_stored_on_every_change, |env| {
    env.init_db(0);
    let id = env.insert_customer("Ann Lee", "ann@example.com");
    let ids = id.to_string();
    for args in [
        vec!["toggle", ids.as_str(), "--deactivate"],
        vec!["reset-password", ids.as_str()],
        vec!["delete", ids.as_str(), "--yes"],
        vec!["restore", ids.as_str()],
    ] {
        let mut all = vec!["--reason", "T-42"];
        all.extend(args.iter().copied());
        env.run(&all).ok();
    }
    let reasons = env.texts(&format!(
        "SELECT reason AS v FROM audit_log WHERE customer_id = {id} ORDER BY id"
    ));
    assert_eq!(reasons.len(), 4);
    assert!(
        reasons.iter().all(|r| r.as_deref() == Some("T-42")),
        "{reasons:?}"
    );
});

// ---------------------------------------------------------------- permissions

/// One successful run of every support-level command on `id`.
fn support_level_commands(id: i64) -> Vec<Vec<String>> {
    let i = id.to_string();
    [
        vec!["list"],
        vec!["view", &i],
        vec!["edit", &i, "--name", "Renamed Person"],
        vec!["toggle", &i, "--deactivate"],
        vec!["reset-password", &i],
        vec!["delete", &i, "--yes"],
        vec!["restore", &i],
        vec!["audit"],
    ]
    .iter()
    .map(|v| v.iter().map(|s| s.to_string()).collect())
    .collect()
}

db_test!(permission_matrix, |env| {
    env.init_db(0);
    env.add_support();
    env.add_operator("clerk", "support", "clerk-password-0123");
    env.admin_change(&["operator", "deactivate", "clerk"], &[])
        .ok();

    for who in ["admin", "support"] {
        let id = env.insert_customer(
            &format!("{who} Target"),
            &format!("{who}-target@example.com"),
        );
        for args in support_level_commands(id) {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let r = env.cmd().env("CUSTADM_OPERATOR", who).args(&args).run();
            assert_eq!(
                r.code, 0,
                "{who} {args:?}\nstdout: {}\nstderr: {}",
                r.stdout, r.stderr
            );
        }
        assert_eq!(full_name(&env, id), "Renamed Person");
        assert!(!is_deleted(&env, id));
        assert_eq!(
            env.count(
                "audit_log",
                &format!("customer_id = {id} AND operator = '{who}' AND outcome = 'ok'")
            ),
            6,
            "view, edit, deactivate, reset_password, delete, restore by {who}"
        );
    }

    let id = env.insert_customer("Nobody Target", "nobody-target@example.com");
    let before = snapshot(&env, id);
    for (label, extra) in [
        ("ghost", vec!["--operator", "ghost"]),
        ("clerk", vec!["--operator", "clerk"]),
    ] {
        let denied_before = env.count(
            "audit_log",
            &format!("operator = '{label}' AND outcome = 'denied'"),
        );
        let mut commands = support_level_commands(id);
        commands.push(vec![
            "purge".into(),
            id.to_string(),
            "--password-stdin".into(),
        ]);
        for args in &commands {
            let mut all: Vec<&str> = extra.clone();
            all.extend(args.iter().map(String::as_str));
            let r = env.cmd().args(&all).stdin("clerk-password-0123\n").run();
            assert_eq!(
                r.code, 4,
                "{all:?}\nstdout: {}\nstderr: {}",
                r.stdout, r.stderr
            );
            r.error_line(label);
            assert!(r.stdout.is_empty(), "{all:?}: {}", r.stdout);
        }
        assert_eq!(snapshot(&env, id), before, "{label} changed the customer");
        assert_eq!(
            env.count(
                "audit_log",
                &format!("operator = '{label}' AND outcome = 'denied'")
            ),
            denied_before + commands.len() as i64,
            "every refusal of {label} is audited"
        );
        assert_eq!(
            env.count(
                "audit_log",
                &format!("operator = '{label}' AND outcome = 'ok'")
            ),
            0
        );
    }
    assert!(exists(&env, id));
});

// ---------------------------------------------------------------- hostile strings

db_test!(hostile_strings_never_reach_the_terminal_raw, |env| {
    env.init_db(0);
    let name = "Mallory\u{1b}[2J\u{1b}]0;owned\u{7}\u{9b}1m\u{202e}evil\u{2066}x\u{7f}";
    let mail = "mallory\u{1b}[31m\u{202e}@evil\u{9b}.example";
    let id = env.insert_customer(name, mail);
    let raw = [
        '\u{1b}', '\u{7}', '\u{9b}', '\u{202e}', '\u{2066}', '\u{7f}',
    ];
    let clean = |label: &str, s: &str| {
        for c in raw {
            assert!(
                !s.contains(c),
                "{label}: raw U+{:04X} on the terminal:\n{s:?}",
                c as u32
            );
        }
    };

    let r = env.run(&["view", &id.to_string()]);
    r.ok();
    clean("view table", &r.stdout);
    clean("view stderr", &r.stderr);
    assert!(
        r.stdout.contains("Mallory") && r.stdout.contains("evil"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("\\x1b"),
        "escapes not made visible: {}",
        r.stdout
    );

    let r = env.run(&["list"]);
    r.ok();
    clean("list table", &r.stdout);
    assert!(r.stdout.contains("Mallory"), "{}", r.stdout);

    let r = env.run(&["view", &id.to_string(), "-o", "json"]);
    r.ok();
    clean("view json", &r.stdout);
    let v = r.json();
    assert_eq!(v["full_name"], json!(name));
    assert_eq!(v["email"], json!(mail));

    // The changing commands' reports and the trail are safe too.
    let r = env.run(&["toggle", &id.to_string(), "--deactivate"]);
    r.ok();
    clean("toggle", &r.stdout);
    let r = env.run(&["audit", "--customer", &id.to_string()]);
    r.ok();
    clean("audit", &r.stdout);
    let r = env
        .cmd()
        .args(&["purge", &id.to_string(), "--password-stdin"])
        .stdin("wrong-password-here\n")
        .run();
    r.code(4);
    clean("purge preview", &r.stderr);
});

db_test!(phones_follow_libphonenumber_and_the_default_region, |env| {
    env.init_db(0);
    let id = env.insert_customer("Ann Lee", "ann@example.com");
    let edit = |region: Option<&str>, input: &str| {
        let mut cmd = env.cmd().args(&["edit", &id.to_string(), "--phone", input]);
        if let Some(r) = region {
            cmd = cmd.env("CUSTADM_DEFAULT_REGION", r);
        }
        cmd.run()
    };
    // International input in the forms people type, stored E.164; the
    // trunk zero in parentheses is not kept.
    for (input, stored) in [
        ("+44 (0)20 7946 0958", "+442079460958"),
        ("+1 202-555-0143", "+12025550143"),
        ("+49 151 12345678", "+4915112345678"),
    ] {
        edit(None, input).ok();
        assert_eq!(phone(&env, id).as_deref(), Some(stored), "{input}");
    }
    // National input needs a default region, from the environment ...
    edit(None, "030 901820")
        .code(2)
        .error_line("default_region");
    edit(Some("DE"), "030 901820").ok();
    assert_eq!(phone(&env, id).as_deref(), Some("+4930901820"));
    edit(Some("gb"), "020 7946 0958").ok();
    assert_eq!(phone(&env, id).as_deref(), Some("+442079460958"));
    // ... or from the profile; a region nobody has is a usage error.
    edit(Some("XX"), "020 7946 0958")
        .code(2)
        .error_line("ISO 3166");
    let config = env.dir.path().join("config/custadm");
    std::fs::create_dir_all(&config).expect("config dir");
    std::fs::write(
        config.join("config.toml"),
        "[profiles.uk]\ndefault_region = \"GB\"\n",
    )
    .expect("config");
    env.cmd()
        .args(&[
            "--profile",
            "uk",
            "edit",
            &id.to_string(),
            "--phone",
            "07400 123456",
        ])
        .run()
        .ok();
    assert_eq!(phone(&env, id).as_deref(), Some("+447400123456"));
    let show = env
        .cmd()
        .args(&["--profile", "uk", "config", "show", "-o", "json"])
        .run();
    show.ok();
    assert!(show.stdout.contains("default_region"), "{}", show.stdout);
    // A number stored before this validation keeps working, shown as stored
    // (view does not load libphonenumber's metadata: it costs ~0.2 s).
    env.exec(&format!(
        "UPDATE customers SET phone = '+1726468169' WHERE id = {id}"
    ));
    let view = env.run(&["view", &id.to_string()]);
    view.ok();
    assert!(view.stdout.contains("+1726468169"), "{}", view.stdout);
    let json = env.run(&["view", &id.to_string(), "-o", "json"]);
    assert_eq!(json.json()["phone"], "+1726468169");
    env.run(&["list"]).ok();
});

db_test!(
    a_locked_admin_is_refused_before_purge_shows_anything,
    |env| {
        env.init_db(0);
        let id = env.insert_customer("Hidden Person", "hidden.person@example.com");
        env.exec(&format!(
        "UPDATE customers SET deleted_at = '2025-06-01 00:00:00', is_active = {} WHERE id = {id}",
        env.bool_sql(false)
    ));
        env.exec(
        "UPDATE operators SET failed_attempts = 5, locked_until = '2999-01-01 00:00:00' WHERE username = 'admin'",
    );
        for args in [
            vec![
                "purge".to_string(),
                id.to_string(),
                "--password-stdin".into(),
            ],
            vec!["purge".into(), "9999".into(), "--password-stdin".into()],
            vec![
                "purge".into(),
                "--deleted-before".into(),
                "2026-01-01".into(),
                "--password-stdin".into(),
            ],
        ] {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let run = env
                .cmd()
                .args(&args)
                .stdin(&format!("{ADMIN_PASSWORD}\n"))
                .run();
            run.code(4).error_line("locked");
            for shown in [&run.stdout, &run.stderr] {
                assert!(
                    !shown.contains("Hidden"),
                    "{args:?} showed the customer: {shown}"
                );
                assert!(!shown.contains("hidden.person"), "{args:?}: {shown}");
            }
        }
        assert_eq!(env.count("customers", ""), 1);
    }
);
