//! `custadm delete`: the soft delete with its confirmation, refused while the
//! customer has unpaid invoices, and the question asked on a terminal. (Its race
//! with a concurrent invoice: see `races`.)

use serde_json::json;

use crate::db_test;
use crate::support::*;

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
    assert_eq!(exit_code(&p), 2);
    assert_eq!(snapshot(&env, id), before, "declined but changed");
    assert_eq!(env.count("audit_log", "action = 'delete'"), 0);

    let mut p = env.pty(&["delete", &id.to_string()]);
    p.exp_string("[y/N]").expect("confirmation question");
    p.send_line("y").expect("answer");
    p.exp_eof().expect("custadm ends");
    assert_eq!(exit_code(&p), 0);
    assert!(is_deleted(&env, id));
    assert_eq!(audit_ok(&env, id, "delete"), 1);
});
