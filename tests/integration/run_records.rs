//! Tests: runs that leave a record and stop honestly (issue 24, items 3–7;
//! issue 26, "Cron leaves no trace" and "`audit` cuts silently"): ids other
//! programs made zero or negative, audit ids another program pushed to the
//! top of the range, undo once only, `--max-changes` as a hard cap, runs
//! stopped half-way, the `run` audit row, `runs`, the metrics file and
//! `audit --before`.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::db_test;
use crate::support::*;

/// `YYYY-MM-DD HH:MM:SS`, `days` days ago (UTC).
fn days_ago(days: i64) -> String {
    (chrono::Utc::now().naive_utc() - chrono::Duration::days(days))
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// A customer with id `id` (any integer), written as another program would.
fn foreign_customer(env: &Env, id: i64, email: &str, last_login_days: i64) {
    env.exec(&format!(
        "INSERT INTO customers (id, full_name, email, password_hash, must_change_password, is_active, created_at, updated_at, last_login_at) \
         VALUES ({id}, 'Foreign {id}', '{email}', 'x', {f}, {t}, '2025-01-01 00:00:00', '2025-01-01 00:00:00', '{login}')",
        f = env.bool_sql(false),
        t = env.bool_sql(true),
        login = days_ago(last_login_days),
    ));
}

/// id → outcome of a result document (ids as JSON values: null stays null).
fn outcomes(doc: &Value) -> Vec<(Value, String)> {
    doc["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            (
                r["id"].clone(),
                r["outcome"].as_str().expect("outcome").to_string(),
            )
        })
        .collect()
}

fn active_ids(env: &Env) -> BTreeSet<i64> {
    env.texts(&format!(
        "SELECT CAST(id AS TEXT) AS v FROM customers WHERE is_active = {} ORDER BY id",
        env.bool_sql(true)
    ))
    .into_iter()
    .map(|v| v.expect("id").parse().expect("id"))
    .collect()
}

// ---------------------------------------------------------------------------
// 24.6: ids other programs made zero or negative

db_test!(filters_and_id_lists_reach_ids_zero_and_below, |env| {
    env.init_db(0);
    foreign_customer(&env, 0, "zero@example.com", 400);
    foreign_customer(&env, -7, "minus7@example.com", 400);
    let recent = env.insert_customer("Recent", "recent@example.com");
    env.exec(&format!(
        "UPDATE customers SET last_login_at = '{}' WHERE id = {recent}",
        days_ago(1)
    ));
    let run = env.run(&[
        "toggle",
        "--deactivate",
        "--last-login-before",
        "90d",
        "--yes",
        "-o",
        "json",
    ]);
    run.ok();
    let doc = run.json();
    assert_eq!(
        outcomes(&doc),
        vec![
            (Value::from(-7), "changed".to_string()),
            (Value::from(0), "changed".to_string())
        ],
        "{doc}"
    );
    assert_eq!(active_ids(&env), BTreeSet::from([recent]));
    // An id list (`list -o ids` prints them) reaches them too.
    let file = env.dir.path().join("ids.txt");
    std::fs::write(&file, "0\n-7\n").expect("ids file");
    let run = env.run(&[
        "toggle",
        "--activate",
        "--ids-from",
        file.to_str().expect("path"),
        "--yes",
        "-o",
        "json",
    ]);
    run.ok();
    assert_eq!(
        outcomes(&run.json()),
        vec![
            (Value::from(0), "changed".to_string()),
            (Value::from(-7), "changed".to_string())
        ]
    );
    assert_eq!(active_ids(&env), BTreeSet::from([-7, 0, recent]));
    // An email that names no one is still `"id": null`.
    let run = env.run(&["toggle", "nobody@example.com", "--activate", "-o", "json"]);
    run.code(3);
    assert_eq!(run.json()["results"][0]["id"], Value::Null);
});

// ---------------------------------------------------------------------------
// 24.7: an audit row another program inserted at the top of the id range

db_test!(
    a_foreign_audit_row_at_the_top_of_the_id_range_stops_nothing,
    |env| {
        env.init_db(0);
        let id = env.insert_customer("Ann Lee", "ann@example.com");
        env.run(&["view", &id.to_string()]).ok();
        env.exec(
            "INSERT INTO audit_log (id, occurred_at, operator, os_user, action, outcome, details) \
         VALUES (9223372036854775807, '2026-01-01 00:00:00', 'app', 'app', 'login', 'ok', '{}')",
        );
        // A plain INSERT of that program after it (SQLite then picks a rowid of its own).
        env.exec(
            "INSERT INTO audit_log (occurred_at, operator, os_user, action, outcome, details) \
         VALUES ('2026-01-01 00:00:01', 'app', 'app', 'login', 'ok', '{}')",
        );
        let foreign: Vec<i64> = env
            .texts(
                "SELECT CAST(id AS TEXT) AS v FROM audit_log WHERE chain_hash IS NULL ORDER BY id",
            )
            .into_iter()
            .map(|v| v.expect("id").parse().expect("id"))
            .collect();
        env.run(&["view", &id.to_string()]).ok();
        env.run(&["toggle", &id.to_string(), "--deactivate", "--yes"])
            .ok();
        env.run(&["edit", &id.to_string(), "--name", "Ann Leigh", "--yes"])
            .ok();
        let customer_rows = env.count("audit_log", &format!("customer_id = {id}"));
        assert_eq!(customer_rows, 4, "two views, a toggle and an edit");
        // Without the other program's rows, custadm's chain verifies.
        for f in foreign {
            env.exec(&format!("DELETE FROM audit_log WHERE id = {f}"));
        }
        env.run(&["audit", "verify"]).ok();
    }
);

// ---------------------------------------------------------------------------
// 24.5: a run is undone once

fn run_id(run: &Run) -> String {
    run.json()["run"].as_str().expect("run id").to_string()
}

fn inactive_count(env: &Env) -> i64 {
    env.count("customers", &format!("is_active = {}", env.bool_sql(false)))
}

db_test!(
    a_second_undo_of_a_run_is_refused_even_when_a_later_run_wrote_the_same,
    |env| {
        env.init_db(0);
        let a = env.insert_customer("Ann", "ann@example.com").to_string();
        let b = env.insert_customer("Bob", "bob@example.com").to_string();
        let night = env.run(&["toggle", &a, &b, "--deactivate", "--yes", "-o", "json"]);
        night.ok();
        let night = run_id(&night);
        let undo = env.run(&["undo", &night, "--yes", "-o", "json"]);
        undo.ok();
        let undo = run_id(&undo);
        assert_eq!(inactive_count(&env), 0);
        // A later run writes what the first one wrote.
        env.run(&["toggle", &a, &b, "--deactivate", "--yes"]).ok();
        let again = env.run(&["undo", &night, "--yes", "-o", "json"]);
        again
            .code(5)
            .error_line(&format!("already undone by run {undo}"));
        assert_eq!(inactive_count(&env), 2, "the later run's change stays");
        assert_eq!(
            env.count("audit_log", "action = 'undo'"),
            2,
            "one undo row per customer, from the first undo only"
        );
    }
);

db_test!(two_undos_of_one_run_at_once_undo_it_once, |env| {
    env.init_db(0);
    let ids: Vec<String> = (0..4)
        .map(|i| {
            env.insert_customer("C", &format!("c{i}@example.com"))
                .to_string()
        })
        .collect();
    for round in 0..4 {
        let mut args = vec!["toggle", "--deactivate", "--yes", "-o", "json"];
        args.extend(ids.iter().map(String::as_str));
        let night = env.run(&args);
        night.ok();
        let night = run_id(&night);
        let codes: Vec<i32> = std::thread::scope(|s| {
            let runs: Vec<_> = (0..2)
                .map(|_| s.spawn(|| env.run(&["undo", &night, "--yes", "-o", "json"])))
                .collect();
            runs.into_iter()
                .map(|r| r.join().expect("undo thread").code)
                .collect()
        });
        let undone = env.count(
            "audit_log",
            &format!("action = 'undo' AND details LIKE '%{night}%'"),
        );
        assert_eq!(
            undone, 4,
            "round {round}: each customer undone once ({codes:?})"
        );
        assert!(codes.contains(&0), "round {round}: {codes:?}");
        assert_eq!(inactive_count(&env), 0, "round {round}");
    }
});
