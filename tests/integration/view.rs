//! `custadm view`: one customer's details, latest KYC record and billing;
//! deleted and inactive customers; unknown and malformed ids.

use serde_json::{json, Value};

use crate::db_test;
use crate::support::*;

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
