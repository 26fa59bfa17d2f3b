//! PostgreSQL behind PgBouncer in transaction pooling mode (contract:
//! "Databases": works exactly like a direct connection): every changing
//! command and `audit verify`, bulk runs over 10,000 ids twice at once, a
//! 10,000-row list, the delete/invoice race and the bounded lock waits, all
//! through the pooler.
//! Needs `CUSTADM_TEST_PGBOUNCER_URL` (`.ci/pgbouncer` starts one; CI must
//! not skip these).

use crate::races;
use crate::support::*;

fn pooled() -> Option<Env> {
    Env::pgbouncer()
}

#[test]
fn every_command_works_through_the_pooler() {
    let Some(env) = pooled() else { return };
    env.init_db(0);
    let a = env.insert_customer("Ann Lee", "ann@example.com");
    let b = env.insert_customer("Bob Roe", "bob@example.com");
    let (sa, sb) = (a.to_string(), b.to_string());
    // Each command twice or more in one process's lifetime would already
    // have failed with "prepared statement __diesel_stmt_1 already exists".
    for args in [
        vec!["list"],
        vec!["view", &sa],
        vec![
            "edit",
            &sa,
            "--name",
            "Ann Pooled",
            "--email",
            "ann.pooled@example.com",
        ],
        vec!["edit", &sa, "--phone", "+442079460958"],
        vec!["toggle", &sa, &sb, "--deactivate", "--yes"],
        vec!["toggle", &sa, "--activate"],
        vec!["reset-password", &sb],
        vec!["delete", &sb, "--yes"],
        vec!["restore", &sb],
        vec!["audit", "--customer", &sa],
        // The chain streams in a COPY after a SET LOCAL (set_config).
        vec!["audit", "verify"],
        vec!["audit", "digest"],
        vec!["db", "status"],
        vec!["operator", "list"],
    ] {
        let run = env.run(&args);
        run.ok();
        assert!(
            !run.stderr.contains("prepared statement"),
            "{args:?}: {}",
            run.stderr
        );
    }
    assert_eq!(
        env.texts(&format!(
            "SELECT full_name || '|' || email || '|' || phone AS v FROM customers WHERE id = {a}"
        )),
        vec![Some(
            "Ann Pooled|ann.pooled@example.com|+442079460958".to_string()
        )]
    );
    assert_eq!(
        env.count(
            "customers",
            &format!("id = {b} AND is_active = FALSE AND deleted_at IS NULL")
        ),
        1
    );
    // Operator commands, the failed-attempt counter and purge.
    env.add_support();
    for args in [
        vec!["operator", "set-role", "support", "admin"],
        vec!["operator", "set-role", "support", "support"],
        vec!["operator", "deactivate", "support"],
        vec!["operator", "activate", "support"],
        vec!["operator", "unlock", "support"],
    ] {
        let run = env.admin_change(&args, &[]);
        run.ok();
        assert!(
            !run.stderr.contains("prepared statement"),
            "{args:?}: {}",
            run.stderr
        );
    }
    env.cmd()
        .args(&["purge", &sb, "--password-stdin"])
        .stdin("wrong-password-0000\n")
        .run()
        .code(4)
        .error_line("1 of 5");
    env.cmd()
        .args(&["purge", &sb, "--password-stdin"])
        .stdin(&format!("{ADMIN_PASSWORD}\n"))
        .run()
        .ok();
    assert_eq!(env.count("customers", &format!("id = {b}")), 0);
    env.cmd()
        .args(&["operator", "passwd", "support", "--password-stdin"])
        .stdin(&format!("{ADMIN_PASSWORD}\nanother-password-0123\n"))
        .run()
        .ok();
}

#[test]
fn bulk_runs_over_10000_ids_twice_at_once_and_a_10000_row_list() {
    let Some(env) = pooled() else { return };
    env.init_db(0);
    bulk_customers(&env, 10_000);
    let list = env.run(&["list", "-o", "ids"]);
    list.ok();
    assert_eq!(list.stdout.lines().count(), 10_000);
    let ids: String = races::customer_ids(&env)
        .iter()
        .map(|i| format!("{i}\n"))
        .collect();
    let run = || {
        env.cmd()
            .args(&[
                "-o",
                "json",
                "toggle",
                "--deactivate",
                "--ids-from",
                "-",
                "--yes",
            ])
            .stdin(&ids)
    };
    let runs = std::thread::scope(|s| {
        let one = s.spawn(|| run().run());
        let two = s.spawn(|| run().run());
        [one.join().unwrap(), two.join().unwrap()]
    });
    let mut changed = 0;
    for r in &runs {
        r.ok();
        changed += r.json()["summary"]["changed"].as_u64().unwrap_or(0);
    }
    assert_eq!(changed, 10_000, "each customer changed by exactly one run");
    assert_eq!(assert_all_or_nothing(&env), 10_000);
    let list = env.run(&["list", "--status", "inactive", "-o", "jsonl"]);
    list.ok();
    assert_eq!(list.stdout.lines().count(), 10_000);
}

#[test]
fn delete_invoice_race_through_the_pooler() {
    let Some(env) = pooled() else { return };
    races::delete_vs_invoice_update(&env, 20);
}

#[test]
fn lock_waits_are_bounded_through_the_pooler() {
    let Some(env) = pooled() else { return };
    races::lock_waits_are_bounded(&env);
}
