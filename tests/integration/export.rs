//! `custadm export`: the subject-access document holds everything stored about
//! a customer, rows inserted by plain SQL included, and streams its entries
//! across pages.

use crate::db_test;
use crate::support::*;

db_test!(export_holds_everything_inserted_by_plain_sql, |env| {
    env.init_db(0);
    let id = env.insert_customer("Export Person", "export@example.com");
    env.exec(&format!("UPDATE customers SET phone = '+442079460958', password_hash = 'SECRET-HASH' WHERE id = {id}"));
    for (n, status) in ["rejected", "pending", "verified"].iter().enumerate() {
        env.exec(&format!(
            "INSERT INTO kyc_records (customer_id, status, document_type, document_number, country, date_of_birth, verified_at, created_at) \
             VALUES ({id}, '{status}', 'passport', 'DOC-{n}', 'GB', '1980-02-03', NULL, '2025-01-0{} 00:00:00')",
            n + 1
        ));
    }
    for n in 0..25 {
        env.exec(&format!(
            "INSERT INTO account_entries (billing_account_id, entry_type, amount_usd_cents, description, created_at) \
             SELECT id, 'payment', {n}, 'entry {n}', '2025-03-01 00:00:00' FROM billing_accounts WHERE customer_id = {id}"
        ));
    }
    env.run(&["view", &id.to_string()]).ok();
    let other = env.insert_customer("Someone Else", "else@example.com");
    env.run(&["view", &other.to_string()]).ok();
    env.add_support();
    let r = env
        .cmd()
        .args(&["export", &id.to_string()])
        .env("CUSTADM_OPERATOR", "support")
        .run();
    r.ok();
    let doc = r.json();
    let c = &doc["customer"];
    assert_eq!(c["id"], id);
    assert_eq!(c["full_name"], "Export Person");
    assert_eq!(c["email"], "export@example.com");
    assert_eq!(c["phone"], "+442079460958");
    assert_eq!(c["created_at"], "2025-01-01T00:00:00Z");
    assert!(!r.stdout.contains("SECRET-HASH") && c.get("password_hash").is_none());
    let kyc = doc["kyc_records"].as_array().unwrap();
    assert_eq!(kyc.len(), 3);
    assert_eq!(kyc[0]["status"], "rejected");
    assert_eq!(kyc[2]["document_number"], "DOC-2");
    assert_eq!(kyc[1]["date_of_birth"], "1980-02-03");
    let entries = doc["billing_account"]["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 25);
    assert_eq!(entries[24]["amount_usd_cents"], 24);
    assert_eq!(entries[3]["description"], "entry 3");
    let audit = doc["audit"].as_array().unwrap();
    let actions: Vec<&str> = audit
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["view", "export"]);
    assert!(audit.iter().all(|a| a["customer_id"] == id));
    // Audited as export, by support, and the chain holds it.
    assert_eq!(
        env.count(
            "audit_log",
            &format!("action = 'export' AND customer_id = {id} AND operator = 'support'")
        ),
        1
    );
    intact(&env);
    // Not found is exit 3 and writes no export row.
    env.run(&["export", "99999"]).code(3);
    assert_eq!(env.count("audit_log", "action = 'export'"), 1);
});

db_test!(export_streams_entries_across_pages, |env| {
    env.init_db(0);
    let id = env.insert_customer("Many Entries", "many@example.com");
    let n = 20_001;
    let series = match env.backend {
        Backend::Sqlite => format!(
            "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {n}) SELECT n FROM s"
        ),
        Backend::Postgres => format!("SELECT generate_series(1, {n}) AS n"),
    };
    env.exec(&format!(
        "INSERT INTO account_entries (billing_account_id, entry_type, amount_usd_cents, description, created_at) \
         SELECT b.id, 'payment', s.n, 'e' || s.n, '2025-03-01 00:00:00' \
         FROM billing_accounts b, ({series}) s WHERE b.customer_id = {id}"
    ));
    let r = env.run(&["export", &id.to_string()]);
    r.ok();
    let doc = r.json();
    let entries = doc["billing_account"]["entries"].as_array().unwrap();
    assert_eq!(entries.len(), n);
    // In id order, each once, across the page boundaries.
    assert!(entries
        .windows(2)
        .all(|w| w[0]["id"].as_i64() < w[1]["id"].as_i64()));
    assert_eq!(entries[n - 1]["amount_usd_cents"], n);
});
