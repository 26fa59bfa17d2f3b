//! `custadm db status` and `db migrate`, and a schema that is not the
//! binary's: ahead of it, behind it, without migration records, and the upgrade
//! from the first round's schema (every row kept, no id given twice).

use crate::db_test;
use crate::support::*;

db_test!(db_status_and_migrate_on_a_current_schema, |env| {
    env.init_db(0);
    let applied: Vec<String> = env
        .texts("SELECT version AS v FROM __diesel_schema_migrations ORDER BY version")
        .into_iter()
        .flatten()
        .collect();
    assert!(!applied.is_empty());

    let json = env.run(&["db", "status", "-o", "json"]);
    json.ok();
    let v = json.json();
    assert_eq!(v["state"], "current");
    assert_eq!(v["database"], display_url(&env).as_str());
    let migrations = v["migrations"].as_array().expect("migrations array");
    let versions: Vec<&str> = migrations
        .iter()
        .map(|m| m["version"].as_str().expect("version"))
        .collect();
    assert_eq!(versions, applied);
    assert!(migrations.iter().all(|m| m["applied"] == true));

    let table = env.run(&["db", "status"]);
    table.ok();
    assert!(table.stdout.contains("current"), "{}", table.stdout);
    assert!(table.stdout.contains(&applied[0]), "{}", table.stdout);
    assert!(table.stdout.contains("applied"), "{}", table.stdout);
    assert!(!table.stdout.contains("pending"), "{}", table.stdout);

    let migrate = env.run(&["db", "migrate"]);
    migrate.ok();
    assert!(
        migrate.stdout.contains("No pending migrations"),
        "{}",
        migrate.stdout
    );
    assert_eq!(
        env.count("__diesel_schema_migrations", ""),
        applied.len() as i64
    );
});

db_test!(schema_ahead_of_the_binary_stops_every_command, |env| {
    env.init_db(2);
    env.exec(
        "INSERT INTO __diesel_schema_migrations (version, run_on) VALUES ('29990101000000', CURRENT_TIMESTAMP)",
    );
    for args in [
        &["list"][..],
        &["view", "1"],
        &["operator", "list"],
        &["audit"],
        &["db", "status"],
        &["db", "migrate"],
    ] {
        let run = env.run(args);
        run.code(6).error_line("upgrade custadm");
        assert!(
            run.stderr.contains("29990101000000"),
            "{args:?}: {}",
            run.stderr
        );
    }
    // Nothing was applied or rolled back, and no audit row was written for
    // the refused commands.
    assert_eq!(
        env.count("__diesel_schema_migrations", "version = '29990101000000'"),
        1
    );
    assert_eq!(
        env.count("audit_log", "action <> 'init' AND action <> 'delete'"),
        0
    );
    // JSON mode: the error still goes to stderr only.
    let json = env.run(&["list", "-o", "json"]);
    json.code(6).error_line("upgrade custadm");
    assert!(json.stdout.is_empty(), "stdout: {}", json.stdout);
});

db_test!(schema_without_migration_records_says_run_init, |env| {
    env.init_db(0);
    env.exec("DELETE FROM __diesel_schema_migrations");
    for args in [&["list"][..], &["operator", "list"], &["db", "status"]] {
        env.run(args).code(6).error_line("custadm init");
    }
    assert_eq!(env.count("__diesel_schema_migrations", ""), 0);
});

db_test!(schema_behind_the_binary_says_run_db_migrate, |env| {
    env.init_db(0);
    // Forget the newest migration (its index too): the database is one
    // version behind this binary.
    env.exec("DROP INDEX audit_log_action_idx");
    env.exec("DELETE FROM __diesel_schema_migrations WHERE version = '20261127000002'");
    for args in [&["list"][..], &["operator", "list"], &["db", "status"]] {
        env.run(args).code(6).error_line("custadm db migrate");
    }
    let status = env.run(&["db", "status", "-o", "json"]);
    status.code(6);
    let doc = status.json();
    assert_eq!(doc["state"], "behind");
    assert_eq!(doc["migrations"][1]["applied"], false);
    let migrate = env.run(&["db", "migrate"]);
    migrate.ok();
    assert!(
        migrate.stdout.contains("20261127000002"),
        "{}",
        migrate.stdout
    );
    env.run(&["list"]).ok();
    assert_eq!(
        env.count("__diesel_schema_migrations", ""),
        std::fs::read_dir(migrations_dir(&env))
            .expect("migrations")
            .count() as i64
    );
});

db_test!(
    upgrade_from_round_one_keeps_every_row_and_never_reuses_an_id,
    |env| {
        // A database as custadm 0.1 (round one) left it: its two migrations,
        // applied from their own SQL, with customers, children and the audit
        // trail of a purged customer 9 (ids 1..=3 remain).
        env.exec(
            "CREATE TABLE __diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY NOT NULL, \
         run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)",
        );
        for (dir, version) in [
            ("2026-11-27-000001_create_schema", "20261127000001"),
            ("2026-11-27-000002_audit_action_index", "20261127000002"),
        ] {
            let sql = std::fs::read_to_string(migrations_dir(&env).join(dir).join("up.sql"))
                .expect("round-one migration");
            env.exec(&sql);
            env.exec(&format!(
                "INSERT INTO __diesel_schema_migrations (version) VALUES ('{version}')"
            ));
        }
        let ids: Vec<i64> = (1..=3)
            .map(|i| env.insert_customer(&format!("Old {i}"), &format!("old{i}@example.com")))
            .collect();
        assert_eq!(ids, vec![1, 2, 3]);
        env.add_invoice(2, 500);
        env.exec(
        "INSERT INTO audit_log (occurred_at, operator, os_user, action, customer_id, outcome, details) \
         VALUES ('2026-01-01 00:00:00', 'admin', 'ops', 'purge', 9, 'ok', '{}')",
    );
        env.run(&["db", "status"])
            .code(6)
            .error_line("custadm db migrate");
        env.run(&["db", "migrate"]).ok();
        env.run(&["db", "status"]).ok();

        // Every row kept, children still attached and still cascading.
        assert_eq!(env.count("customers", ""), 3);
        assert_eq!(env.count("billing_accounts", ""), 3);
        assert_eq!(env.count("account_entries", ""), 1);
        assert_eq!(
            env.texts("SELECT full_name AS v FROM customers WHERE id = 2"),
            vec![Some("Old 2".to_string())]
        );
        // No id is handed out twice: not 3's successor 4 (9 was purged), and not
        // an id purged after the upgrade either.
        let new_id = env.insert_customer("New", "new@example.com");
        assert_eq!(
            new_id, 10,
            "the first new id is past every id the audit trail names"
        );
        env.exec(&format!("DELETE FROM customers WHERE id = {new_id}"));
        let next = env.insert_customer("Newer", "newer@example.com");
        assert!(next > new_id, "id {next} reused after {new_id} was deleted");
        env.exec("DELETE FROM customers WHERE id = 2");
        assert_eq!(env.count("billing_accounts", "customer_id = 2"), 0);
        assert_eq!(env.count("account_entries", ""), 0);
        // The new columns are there.
        env.exec("UPDATE operators SET os_user = NULL");
        env.exec(
        "UPDATE audit_log SET run_id = NULL, content_salt = NULL, content_digest = NULL, chain_hash = NULL",
    );
    }
);
