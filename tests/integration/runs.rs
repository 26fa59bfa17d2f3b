//! Tests: cron-grade bulk runs. `list`'s filters as the targets of toggle,
//! delete, restore and reset-password (re-checked under each batch's lock,
//! raced for real), `--max-changes` and the profile's `max_changes`, empty
//! selections, run ids on every audit row and `audit --run`, `undo RUN`,
//! and customers named by email.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::db_test;
use crate::support::{quote, Backend, Env, Run, ADMIN_PASSWORD};

// ---------------------------------------------------------------------------
// helpers

/// `YYYY-MM-DD HH:MM:SS`, `days` days ago (UTC).
fn days_ago(days: i64) -> String {
    (chrono::Utc::now().naive_utc() - chrono::Duration::days(days))
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// A customer `name` / `email` who last logged in `days` days ago.
fn customer(env: &Env, name: &str, email: &str, days: i64) -> i64 {
    let id = env.insert_customer(name, email);
    env.exec(&format!(
        "UPDATE customers SET last_login_at = '{}' WHERE id = {id}",
        days_ago(days)
    ));
    id
}

/// Ids whose column `cond` holds, ordered.
fn id_set_where(env: &Env, cond: &str) -> BTreeSet<i64> {
    env.texts(&format!(
        "SELECT CAST(id AS TEXT) AS v FROM customers WHERE {cond} ORDER BY id"
    ))
    .into_iter()
    .map(|v| v.expect("id").parse().expect("id"))
    .collect()
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

/// id → outcome of a result document.
fn outcomes_in_order(doc: &Value) -> Vec<(i64, String)> {
    doc["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            (
                r["id"].as_i64().unwrap_or(0),
                r["outcome"].as_str().expect("outcome").to_string(),
            )
        })
        .collect()
}

fn run_of(run: &Run) -> String {
    run.json()["run"].as_str().expect("run id").to_string()
}

/// Audit rows whose `run_id` is `run`.
fn rows_of_run(env: &Env, run: &str) -> i64 {
    env.scalar(&format!(
        "SELECT COUNT(*) AS v FROM audit_log WHERE run_id = {}",
        quote(run)
    ))
    .unwrap_or(0)
}

fn audit_row_count(env: &Env) -> i64 {
    env.count("audit_log", "")
}

// ---------------------------------------------------------------------------
// filters as targets

db_test!(toggle_by_filter_changes_exactly_the_matches, |env| {
    env.init_db(0);
    let old = customer(&env, "Old One", "old1@example.com", 400);
    let old2 = customer(&env, "Old Two", "old2@example.com", 200);
    let recent = customer(&env, "Recent", "recent@example.com", 3);
    let never = env.insert_customer("Never Logged", "never@example.com"); // created 2025-01-01
    let run = env.run(&[
        "toggle",
        "--deactivate",
        "--last-login-before",
        "180d",
        "--yes",
        "-o",
        "json",
    ]);
    run.ok();
    let doc = run.json();
    let changed: BTreeSet<i64> = outcomes_in_order(&doc)
        .into_iter()
        .filter(|(_, o)| o == "changed")
        .map(|(id, _)| id)
        .collect();
    assert_eq!(changed, BTreeSet::from([old, old2, never]));
    assert!(is_active(&env, recent));
    assert_eq!(
        id_set_where(&env, &format!("is_active = {}", env.bool_sql(false))),
        changed
    );
    // The same as `list` selects.
    let listed = env.run(&[
        "list",
        "--last-login-before",
        "180d",
        "--status",
        "all",
        "-o",
        "ids",
    ]);
    let listed: BTreeSet<i64> = listed.stdout.lines().map(|l| l.parse().unwrap()).collect();
    assert_eq!(listed, changed);
    // A second night: already inactive is `unchanged`, nothing written.
    let before = audit_row_count(&env);
    let again = env.run(&[
        "toggle",
        "--deactivate",
        "--last-login-before",
        "180d",
        "--yes",
        "-o",
        "json",
    ]);
    again.ok();
    assert!(outcomes_in_order(&again.json())
        .iter()
        .all(|(_, o)| o == "unchanged"));
    assert_eq!(audit_row_count(&env), before);
});

db_test!(delete_and_restore_by_filter, |env| {
    env.init_db(0);
    let a = customer(&env, "Churned A", "churn-a@example.com", 500);
    let b = customer(&env, "Churned B", "churn-b@example.com", 500);
    let keep = customer(&env, "Staying", "stay@example.com", 500);
    env.add_invoice(b, 1_000);
    let run = env.run(&["delete", "--search", "churn", "--yes", "-o", "json"]);
    run.code(7);
    let doc = run.json();
    assert_eq!(
        outcomes_in_order(&doc),
        vec![(a, "changed".to_string()), (b, "refused".to_string())]
    );
    assert!(is_deleted(&env, a) && !is_deleted(&env, b) && !is_deleted(&env, keep));
    // restore's filters select among deleted customers unless --status says otherwise.
    let run = env.run(&["restore", "--search", "churn", "--yes", "-o", "json"]);
    run.ok();
    assert_eq!(
        outcomes_in_order(&run.json()),
        vec![(a, "changed".to_string())]
    );
    assert!(!is_deleted(&env, a));
});

db_test!(reset_password_by_filter_needs_send_email, |env| {
    env.init_db(0);
    let a = customer(&env, "Breached A", "breach-a@example.com", 1);
    customer(&env, "Other", "other@example.com", 1);
    let before = audit_row_count(&env);
    env.run(&["reset-password", "--search", "breach", "--yes"])
        .code(2)
        .error_line("--send-email");
    assert_eq!(audit_row_count(&env), before);
    // With --send-email the filters select the customers (a dry run sends nothing).
    let run = env
        .cmd()
        .args(&[
            "reset-password",
            "--send-email",
            "--search",
            "breach",
            "--dry-run",
            "-o",
            "json",
        ])
        .env("CUSTADM_SMTP_URL", "smtp://127.0.0.1:9")
        .env("CUSTADM_MAIL_FROM", "ops@example.com")
        .run();
    run.ok();
    assert_eq!(
        outcomes_in_order(&run.json()),
        vec![(a, "would_change".to_string())]
    );
    assert_eq!(audit_row_count(&env), before);
});

db_test!(ids_and_filters_together_or_nothing_at_all_is_usage, |env| {
    env.init_db(0);
    let a = customer(&env, "A", "a@example.com", 400);
    let before = audit_row_count(&env);
    env.run(&[
        "toggle",
        &a.to_string(),
        "--deactivate",
        "--status",
        "all",
        "--yes",
    ])
    .code(2)
    .error_line("not both");
    env.cmd()
        .args(&[
            "toggle",
            "--deactivate",
            "--ids-from",
            "-",
            "--search",
            "a",
            "--yes",
        ])
        .stdin(&format!("{a}\n"))
        .run()
        .code(2);
    env.run(&["toggle", "--deactivate", "--yes"])
        .code(2)
        .error_line("no customers given");
    env.run(&["delete", "--yes"]).code(2);
    env.run(&[
        "toggle",
        "--deactivate",
        "--last-login-before",
        "soon",
        "--yes",
    ])
    .code(2)
    .error_line("--last-login-before");
    assert!(is_active(&env, a));
    assert_eq!(audit_row_count(&env), before);
});

/// Starts `toggle --deactivate --last-login-before 30d` over the env while a
/// competing transaction (another connection) has already updated
/// `late`'s `last_login_at` to now and holds it uncommitted; commits that
/// transaction once custadm waits for the lock (PostgreSQL: seen in
/// pg_locks; SQLite: after `hold`), or before custadm starts when
/// `commit_first`. Returns the result document and how long custadm ran.
fn race_login(env: &Env, late: i64, commit_first: bool, hold: Duration) -> (Value, Duration) {
    let now = days_ago(0);
    let update = format!("UPDATE customers SET last_login_at = '{now}' WHERE id = {late}");
    macro_rules! race {
        ($c:expr, $begin:expr) => {{
            let mut c = $c;
            c.batch_execute($begin).expect("begin");
            c.batch_execute(&update).expect("update last login");
            if commit_first {
                c.batch_execute("COMMIT").expect("commit");
            }
            let mut cmd = env.cmd().args(&[
                "toggle",
                "--deactivate",
                "--last-login-before",
                "30d",
                "--yes",
                "-o",
                "json",
            ]);
            let started = Instant::now();
            let child = cmd.cmd.spawn().expect("spawn custadm");
            if !commit_first {
                wait_until_blocked(env, hold);
                c.batch_execute("COMMIT").expect("commit");
            }
            let out = child.wait_with_output().expect("wait");
            let took = started.elapsed();
            assert_eq!(
                out.status.code(),
                Some(0),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            (
                serde_json::from_slice::<Value>(&out.stdout).expect("one JSON document"),
                took,
            )
        }};
    }
    match env.backend {
        Backend::Sqlite => {
            let mut c = SqliteConnection::establish(&env.url).expect("open sqlite");
            c.batch_execute("PRAGMA busy_timeout = 10000")
                .expect("busy");
            race!(c, "BEGIN IMMEDIATE")
        }
        Backend::Postgres => race!(PgConnection::establish(&env.url).expect("open pg"), "BEGIN"),
    }
}

/// PostgreSQL: until a session waits for a lock (at most 20 s). SQLite has
/// no such view: waits `hold`.
fn wait_until_blocked(env: &Env, hold: Duration) {
    if env.backend == Backend::Sqlite {
        std::thread::sleep(hold);
        return;
    }
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(20) {
        let waiting = env
            .scalar("SELECT COUNT(*) AS v FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()")
            .unwrap_or(0);
        if waiting > 0 {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("custadm never waited for the row lock");
}

db_test!(a_customer_who_logs_in_during_the_run_stays_active, |env| {
    env.init_db(0);
    let mut saw_recheck = 0;
    let mut saw_before = 0;
    for round in 0..4 {
        env.exec("DELETE FROM customers");
        let dormant = customer(&env, "Dormant", &format!("d{round}@example.com"), 90);
        let late = customer(&env, "Late Login", &format!("l{round}@example.com"), 90);
        let commit_first = round % 2 == 1;
        let hold = Duration::from_millis(1500);
        let (doc, took) = race_login(&env, late, commit_first, hold);
        // The invariant, every round: who logged in is still active.
        assert!(is_active(&env, late), "round {round}: {doc}");
        assert!(!is_active(&env, dormant), "round {round}: {doc}");
        let late_result = doc["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == json!(late))
            .cloned();
        match late_result {
            // PostgreSQL: selected before the login committed, then
            // checked again once its row lock was granted.
            Some(r) => {
                assert_eq!(r["outcome"], json!("unchanged"), "{doc}");
                assert_eq!(r["message"], json!("no longer matches"), "{doc}");
                saw_recheck += 1;
            }
            // SQLite selects each page under the write lock it waited for
            // (BEGIN IMMEDIATE): it waited the whole hold, then did not
            // select the customer who had logged in.
            None if env.backend == Backend::Sqlite && !commit_first => {
                assert!(
                    took >= hold,
                    "round {round}: custadm did not wait ({took:?})"
                );
                saw_recheck += 1;
            }
            None => saw_before += 1,
        }
        let audit: i64 = env
            .scalar(&format!(
                "SELECT COUNT(*) AS v FROM audit_log WHERE customer_id = {late} AND action = 'deactivate'"
            ))
            .unwrap();
        assert_eq!(audit, 0);
    }
    // Both orders happened: the login committed while the run waited for
    // the lock (re-check), and before the run selected (not selected).
    assert!(
        saw_recheck >= 1,
        "the run never waited for the competing transaction"
    );
    assert!(saw_before >= 1);
});

// ---------------------------------------------------------------------------
// --max-changes

db_test!(max_changes_count_and_percent_stop_before_anything, |env| {
    env.init_db(0);
    crate::support::bulk_customers(&env, 100);
    // 10 of the 100 are dormant.
    let first = env.scalar("SELECT MIN(id) AS v FROM customers").unwrap();
    env.exec(&format!(
        "UPDATE customers SET last_login_at = '{}' WHERE id < {}",
        days_ago(400),
        first + 10
    ));
    env.exec(&format!(
        "UPDATE customers SET last_login_at = '{}' WHERE id >= {}",
        days_ago(1),
        first + 10
    ));
    let before = audit_row_count(&env);
    let args = |limit: &'static str| {
        vec![
            "toggle",
            "--deactivate",
            "--last-login-before",
            "180d",
            "--max-changes",
            limit,
            "--yes",
        ]
    };
    let refused = env.run(&args("9"));
    refused.code(5).error_line("would change 10 customers");
    assert!(refused.stderr.contains("limit of 9"), "{}", refused.stderr);
    env.run(&args("5%")).code(5).error_line("limit of 5");
    // Ids are counted the same way.
    let three: Vec<String> = (first..first + 3).map(|i| i.to_string()).collect();
    let mut ids_args: Vec<&str> = vec!["toggle"];
    ids_args.extend(three.iter().map(String::as_str));
    ids_args.extend(["--deactivate", "--max-changes", "2", "--yes"]);
    env.run(&ids_args).code(5);
    env.run(&args("0x")).code(2);
    assert_eq!(
        id_set_where(&env, &format!("is_active = {}", env.bool_sql(false))).len(),
        0
    );
    assert_eq!(audit_row_count(&env), before);
    // At the limit it runs.
    env.run(&args("10%")).ok();
    assert_eq!(
        id_set_where(&env, &format!("is_active = {}", env.bool_sql(false))).len(),
        10
    );
    // Only what would change counts: the ten are inactive now.
    env.run(&args("1")).ok();
});

db_test!(a_profile_sets_max_changes, |env| {
    env.init_db(0);
    for i in 0..5 {
        customer(&env, "Dormant", &format!("d{i}@example.com"), 400);
    }
    customer(&env, "Active", "a@example.com", 1);
    let config = env.dir.path().join("config/custadm");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("config.toml"),
        format!(
            "[profiles.production]\ndatabase_url = {}\nmax_changes = \"50%\"\n",
            quote(&env.url).replace('\'', "\"")
        ),
    )
    .unwrap();
    let show = env.run(&["--profile", "production", "config", "show", "-o", "json"]);
    show.ok();
    assert_eq!(show.json()["max_changes"]["value"], json!("50%"));
    assert_eq!(
        show.json()["max_changes"]["source"],
        json!("profile production")
    );
    let before = audit_row_count(&env);
    env.run(&[
        "--profile",
        "production",
        "toggle",
        "--deactivate",
        "--last-login-before",
        "180d",
        "--yes",
    ])
    .code(5)
    .error_line("limit of 3");
    assert_eq!(audit_row_count(&env), before);
    // The flag overrides the profile for one run.
    env.run(&[
        "--profile",
        "production",
        "toggle",
        "--deactivate",
        "--last-login-before",
        "180d",
        "--max-changes",
        "5",
        "--yes",
    ])
    .ok();
    // A malformed profile value is a configuration error.
    std::fs::write(
        config.join("config.toml"),
        "[profiles.production]\nmax_changes = \"lots\"\n",
    )
    .unwrap();
    env.run(&["--profile", "production", "config", "show"])
        .code(6)
        .error_line("max_changes");
});

// ---------------------------------------------------------------------------
// empty selections

db_test!(a_quiet_night_is_a_success, |env| {
    env.init_db(0);
    let a = customer(&env, "Recent", "recent@example.com", 1);
    let before = audit_row_count(&env);
    for cmd in ["toggle", "delete", "restore"] {
        let mut args = vec![cmd];
        if cmd == "toggle" {
            args.push("--deactivate");
        }
        args.extend(["--last-login-before", "180d", "--yes", "-o", "json"]);
        let run = env.run(&args);
        run.ok();
        let doc = run.json();
        assert_eq!(doc["results"], json!([]), "{cmd}");
        assert_eq!(doc["summary"], json!({}), "{cmd}");
        assert!(doc["run"].is_string(), "{cmd}");
    }
    // An --ids-from with only blanks and comments, as `list -o ids` prints
    // when nothing matches (no --yes needed: nothing to confirm).
    for input in ["", "\n\n# nothing tonight\n   \n"] {
        let run = env
            .cmd()
            .args(&["toggle", "--deactivate", "--ids-from", "-", "-o", "json"])
            .stdin(input)
            .run();
        run.ok();
        assert_eq!(run.json()["results"], json!([]));
    }
    let piped = env.run(&["list", "--last-login-before", "180d", "-o", "ids"]);
    assert_eq!(piped.stdout, "");
    assert!(is_active(&env, a));
    assert_eq!(audit_row_count(&env), before);
});

// ---------------------------------------------------------------------------
// run ids

db_test!(every_audit_row_of_a_run_carries_its_run_id, |env| {
    env.init_db(0);
    // init is a changing run too: its row carries one.
    let init_runs = env.texts("SELECT run_id AS v FROM audit_log WHERE action = 'init'");
    assert_eq!(init_runs.len(), 1);
    assert_eq!(
        init_runs[0].as_ref().map(String::len),
        Some(26),
        "{init_runs:?}"
    );
    let a = customer(&env, "A", "a@example.com", 400);
    let b = customer(&env, "B", "b@example.com", 400);
    let run = env.run(&[
        "toggle",
        &a.to_string(),
        &b.to_string(),
        "--deactivate",
        "--yes",
        "-o",
        "json",
    ]);
    run.ok();
    let id = run_of(&run);
    assert_eq!(id.len(), 26, "a ULID");
    assert_eq!(rows_of_run(&env, &id), 2);
    // The summary line on stderr names it.
    let table = env.run(&["toggle", &a.to_string(), "--activate"]);
    table.ok();
    assert!(table.stderr.contains("[run "), "{}", table.stderr);
    // `audit --run` lists exactly the run's rows, with run_id in JSON.
    let audit = env.run(&["audit", "--run", &id, "-o", "json"]);
    audit.ok();
    let rows = audit.json();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r["run_id"] == json!(id)));
    let customers: BTreeSet<i64> = rows
        .iter()
        .map(|r| r["customer_id"].as_i64().unwrap())
        .collect();
    assert_eq!(customers, BTreeSet::from([a, b]));
    // Single-customer commands and operator changes get run ids too; runs differ.
    let edit = env.run(&["edit", &a.to_string(), "--name", "Ann", "-o", "json"]);
    edit.ok();
    let edit_run = run_of(&edit);
    assert_ne!(edit_run, id);
    assert_eq!(rows_of_run(&env, &edit_run), 1);
    let del = env.run(&["delete", &b.to_string(), "--yes", "-o", "json"]);
    assert_eq!(rows_of_run(&env, &run_of(&del)), 1);
    env.cmd()
        .args(&[
            "operator",
            "add",
            "sam",
            "--role",
            "support",
            "--password-stdin",
        ])
        .stdin(&format!("{ADMIN_PASSWORD}\nsam-password-012345\n"))
        .run()
        .ok();
    let op_rows = env.scalar(
        "SELECT COUNT(*) AS v FROM audit_log WHERE action = 'operator_add' AND outcome = 'ok' AND run_id IS NOT NULL",
    );
    assert_eq!(op_rows, Some(1));
    // Reads have none.
    env.run(&["view", &a.to_string()]).ok();
    assert_eq!(
        env.scalar(
            "SELECT COUNT(*) AS v FROM audit_log WHERE action = 'view' AND run_id IS NOT NULL"
        ),
        Some(0)
    );
});

// ---------------------------------------------------------------------------
// undo

db_test!(undo_reverses_only_what_still_holds, |env| {
    env.init_db(0);
    let all: Vec<i64> = (0..5)
        .map(|i| customer(&env, "Dormant", &format!("u{i}@example.com"), 400))
        .collect();
    let run = env.run(&[
        "toggle",
        "--deactivate",
        "--last-login-before",
        "180d",
        "--yes",
        "-o",
        "json",
    ]);
    run.ok();
    let night = run_of(&run);
    // Changed since: one by custadm, one by plain SQL (as the application would).
    env.run(&["toggle", &all[1].to_string(), "--activate"]).ok();
    env.exec(&format!(
        "UPDATE customers SET is_active = {} WHERE id = {}",
        env.bool_sql(true),
        all[3]
    ));
    let before = audit_row_count(&env);
    let dry = env.run(&["undo", &night, "--dry-run", "-o", "json"]);
    dry.code(7);
    assert_eq!(audit_row_count(&env), before);
    assert!(!is_active(&env, all[0]));
    // Without a terminal, more than one customer needs --yes.
    env.run(&["undo", &night]).code(2);
    let undo = env.run(&["undo", &night, "--yes", "-o", "json"]);
    undo.code(7);
    let doc = undo.json();
    let expected: Vec<(i64, String)> = all
        .iter()
        .map(|&id| {
            let o = if id == all[1] || id == all[3] {
                "refused"
            } else {
                "changed"
            };
            (id, o.to_string())
        })
        .collect();
    assert_eq!(outcomes_in_order(&doc), expected);
    for r in doc["results"].as_array().unwrap() {
        if r["outcome"] == json!("refused") {
            assert!(
                r["message"].as_str().unwrap().contains("changed since"),
                "{r}"
            );
        }
    }
    assert!(all.iter().all(|&id| is_active(&env, id)));
    // Each reversal audited as `undo` with {"undoes": RUN} and its own run id.
    let undo_run = run_of(&undo);
    assert_ne!(undo_run, night);
    let details = env.texts(&format!(
        "SELECT details AS v FROM audit_log WHERE action = 'undo' AND run_id = {}",
        quote(&undo_run)
    ));
    assert_eq!(details.len(), 3);
    for d in details {
        let d: Value = serde_json::from_str(&d.unwrap()).unwrap();
        assert_eq!(d["undoes"], json!(night));
    }
    // Undoing again: everything changed since (exit 5, nothing written).
    let before = audit_row_count(&env);
    env.run(&["undo", &night, "--yes"]).code(5);
    assert_eq!(audit_row_count(&env), before);
});

db_test!(undo_of_an_edit_puts_the_old_values_back, |env| {
    env.init_db(0);
    let id = env.insert_customer("Ann Lee", "ann@example.com");
    env.exec(&format!(
        "UPDATE customers SET phone = '+442079460958' WHERE id = {id}"
    ));
    let edit = env.run(&[
        "edit",
        &id.to_string(),
        "--name",
        "Ann Smith",
        "--email",
        "ann.smith@example.com",
        "--clear-phone",
        "-o",
        "json",
    ]);
    edit.ok();
    let run = run_of(&edit);
    env.run(&["undo", &run, "-o", "json"]).ok();
    let row = env.texts(&format!(
        "SELECT full_name || '|' || email || '|' || COALESCE(phone, '-') AS v FROM customers WHERE id = {id}"
    ));
    assert_eq!(
        row,
        vec![Some("Ann Lee|ann@example.com|+442079460958".into())]
    );
    // Edited again since: refused.
    let edit = env.run(&["edit", &id.to_string(), "--name", "Ann B", "-o", "json"]);
    let run = run_of(&edit);
    env.run(&["edit", &id.to_string(), "--name", "Ann C"]).ok();
    env.run(&["undo", &run, "-o", "json"])
        .code(5)
        .error_line("changed since");
    // The old email taken meanwhile: refused, nothing changed.
    let edit = env.run(&[
        "edit",
        &id.to_string(),
        "--email",
        "ann.new@example.com",
        "-o",
        "json",
    ]);
    let run = run_of(&edit);
    env.insert_customer("Other Ann", "ann@example.com");
    env.run(&["undo", &run])
        .code(5)
        .error_line("used by another customer");
    assert_eq!(
        env.texts(&format!("SELECT email AS v FROM customers WHERE id = {id}")),
        vec![Some("ann.new@example.com".into())]
    );
});

db_test!(undo_of_delete_and_restore_runs, |env| {
    env.init_db(0);
    let a = customer(&env, "A", "a@example.com", 1);
    let b = customer(&env, "B", "b@example.com", 1);
    env.exec(&format!(
        "UPDATE customers SET is_active = {} WHERE id = {b}",
        env.bool_sql(false)
    ));
    let del = env.run(&[
        "delete",
        &a.to_string(),
        &b.to_string(),
        "--yes",
        "-o",
        "json",
    ]);
    del.ok();
    env.run(&["undo", &run_of(&del), "--yes"]).ok();
    assert!(!is_deleted(&env, a) && !is_deleted(&env, b));
    assert!(
        is_active(&env, a) && !is_active(&env, b),
        "back as they were"
    );
    // A restore run, undone: deleted again at the original time.
    env.exec(&format!(
        "UPDATE customers SET deleted_at = '2025-06-01 10:00:00', is_active = {} WHERE id IN ({a}, {b})",
        env.bool_sql(false)
    ));
    let restore = env.run(&[
        "restore",
        &a.to_string(),
        &b.to_string(),
        "--yes",
        "-o",
        "json",
    ]);
    restore.ok();
    // b has an unpaid invoice now: deleting it again is refused.
    env.add_invoice(b, 500);
    let undo = env.run(&["undo", &run_of(&restore), "--yes", "-o", "json"]);
    undo.code(7);
    assert_eq!(
        outcomes_in_order(&undo.json()),
        vec![(a, "changed".to_string()), (b, "refused".to_string())]
    );
    assert_eq!(
        env.texts(&format!(
            "SELECT CAST(deleted_at AS TEXT) AS v FROM customers WHERE id = {a}"
        )),
        vec![Some("2025-06-01 10:00:00".into())]
    );
    assert!(!is_deleted(&env, b));
});

db_test!(runs_that_cannot_be_undone, |env| {
    env.init_db(0);
    let a = customer(&env, "A", "a@example.com", 1);
    let b = customer(&env, "B", "b@example.com", 1);
    let reset = env.run(&["reset-password", &a.to_string(), "-o", "json"]);
    reset.ok();
    let before = audit_row_count(&env);
    env.run(&["undo", &run_of(&reset), "--yes"])
        .code(5)
        .error_line("reset passwords");
    assert_eq!(audit_row_count(&env), before);
    let purge = env
        .cmd()
        .args(&["purge", &b.to_string(), "--password-stdin", "-o", "json"])
        .stdin(&format!("{ADMIN_PASSWORD}\n"))
        .run();
    purge.ok();
    let before_purge_undo = audit_row_count(&env);
    env.run(&["undo", &run_of(&purge), "--yes"])
        .code(5)
        .error_line("purged");
    assert_eq!(audit_row_count(&env), before_purge_undo);
    let t = env.run(&["toggle", &a.to_string(), "--deactivate", "-o", "json"]);
    let u = env.run(&["undo", &run_of(&t), "-o", "json"]);
    u.ok();
    env.run(&["undo", &run_of(&u), "--yes"])
        .code(5)
        .error_line("itself an undo");
    env.run(&["undo", "01ARZ3NDEKTSV4RRFFQ69G5FAV"])
        .code(3)
        .error_line("no run");
    env.run(&["undo", "yesterday"]).code(2);
});

// ---------------------------------------------------------------------------
// customers named by email

db_test!(customers_named_by_email, |env| {
    env.init_db(0);
    let ann = env.insert_customer("Ann", "ann@example.com");
    let bob = env.insert_customer("Bob", "bob@example.com");
    // Written by another program in mixed case: found as the unique index folds.
    let cid = env.insert_customer("Cid", "Cid.Mixed@Example.COM");
    let view = env.run(&["view", "ANN@Example.com", "-o", "json"]);
    view.ok();
    assert_eq!(view.json()["id"], json!(ann));
    env.run(&["view", "cid.mixed@example.com", "-o", "json"])
        .ok();
    assert_eq!(
        env.run(&["view", "cid.mixed@example.com", "-o", "json"])
            .json()["id"],
        json!(cid)
    );
    env.run(&["view", "nobody@example.com"])
        .code(3)
        .error_line("no customer with email nobody@example.com");
    env.run(&["view", "not-an-id"]).code(2);
    // edit by email
    env.run(&["edit", "Bob@example.com", "--name", "Robert"])
        .ok();
    assert_eq!(
        env.texts(&format!(
            "SELECT full_name AS v FROM customers WHERE id = {bob}"
        )),
        vec![Some("Robert".into())]
    );
    let missing = env.run(&["edit", "x@example.com", "--name", "X", "-o", "json"]);
    missing.code(3);
    let doc = missing.json();
    assert_eq!(doc["results"][0]["id"], Value::Null);
    assert_eq!(doc["results"][0]["email"], json!("x@example.com"));
    // bulk: arguments and --ids-from lines, mixed with ids; duplicates once.
    let run = env
        .cmd()
        .args(&[
            "toggle",
            "ann@example.com",
            "--deactivate",
            "--ids-from",
            "-",
            "--yes",
            "-o",
            "json",
        ])
        .stdin(&format!(
            "{bob}\n# a comment\nCID.MIXED@EXAMPLE.COM\nann@example.com\nghost@example.com\n"
        ))
        .run();
    run.code(7);
    let doc = run.json();
    let mut got = outcomes_in_order(&doc);
    got.sort();
    assert_eq!(
        got,
        vec![
            (0, "not_found".to_string()),
            (ann, "changed".to_string()),
            (bob, "changed".to_string()),
            (cid, "changed".to_string())
        ]
    );
    assert!(!is_active(&env, ann) && !is_active(&env, bob) && !is_active(&env, cid));
    // audit --customer by email
    let audit = env.run(&["audit", "--customer", "ANN@example.com", "-o", "json"]);
    audit.ok();
    let rows = audit.json();
    assert!(!rows.as_array().unwrap().is_empty());
    assert!(rows
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["customer_id"] == json!(ann)));
    env.run(&["audit", "--customer", "ghost@example.com"])
        .code(3);
    // delete / restore / reset-password by email
    env.run(&["delete", "bob@example.com", "--yes"]).ok();
    assert!(is_deleted(&env, bob));
    env.run(&["restore", "BOB@example.com"]).ok();
    assert!(!is_deleted(&env, bob));
    env.run(&["reset-password", "bob@example.com"]).ok();
});

db_test!(emails_in_a_large_ids_file_resolve_in_batches, |env| {
    env.init_db(0);
    crate::support::bulk_customers(&env, 2_500);
    let mut input = String::new();
    for n in 1..=2_500 {
        input.push_str(&format!("C{n}@Example.com\n"));
    }
    let run = env
        .cmd()
        .args(&[
            "toggle",
            "--deactivate",
            "--ids-from",
            "-",
            "--yes",
            "--batch-size",
            "1000",
        ])
        .stdin(&input)
        .run();
    run.ok();
    assert_eq!(
        id_set_where(&env, &format!("is_active = {}", env.bool_sql(false))).len(),
        2_500
    );
});

db_test!(a_large_run_prints_every_result_once, |env| {
    // More results than the report keeps in memory (they go to a spool
    // file and come back in order).
    env.init_db(0);
    crate::support::bulk_customers(&env, 12_500);
    let run = env.run(&[
        "toggle",
        "--deactivate",
        "--status",
        "active",
        "--yes",
        "-o",
        "json",
    ]);
    run.ok();
    let doc = run.json();
    let results = doc["results"].as_array().unwrap();
    assert_eq!(results.len(), 12_500);
    let ids: Vec<i64> = results.iter().map(|r| r["id"].as_i64().unwrap()).collect();
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "in id order, each once"
    );
    assert!(results.iter().all(|r| r["outcome"] == json!("changed")));
    assert_eq!(doc["summary"], json!({"changed": 12_500}));
    // Spooled and held results are printed alike: the same text but the id.
    let texts: std::collections::BTreeSet<String> = run
        .stdout
        .lines()
        .filter(|l| l.trim_start().starts_with("{\"id\":"))
        .map(|l| {
            let l = l.trim().trim_end_matches(',');
            let rest = l.split_once(',').map(|(_, rest)| rest).unwrap_or(l);
            rest.to_string()
        })
        .collect();
    assert_eq!(
        texts.into_iter().collect::<Vec<_>>(),
        vec![
            r#""outcome":"changed","changes":{"is_active":{"new":false,"old":true}}}"#.to_string()
        ],
        "{}",
        &run.stdout[..run.stdout.len().min(2000)]
    );
    let table = env.run(&["toggle", "--activate", "--status", "inactive", "--yes"]);
    table.ok();
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert_eq!(lines.len(), 12_501, "a header and one line per customer");
    let cells: std::collections::BTreeSet<&str> = lines[1..]
        .iter()
        .map(|l| {
            l.split_once(' ')
                .map(|(_, rest)| rest.trim_start())
                .unwrap_or("")
        })
        .collect();
    assert_eq!(
        cells.into_iter().collect::<Vec<_>>(),
        vec!["changed       is_active: false → true"],
        "every line, spooled or held, shows the change"
    );
    assert_eq!(ids_count_active(&env), 12_500);

    // Mixed outcomes, alternating all through the spooled part: every line
    // shows its own result (a refusal names its own customer).
    env.exec(&format!(
        "UPDATE customers SET is_active = {} WHERE id % 3 = 0",
        env.bool_sql(false)
    ));
    env.exec("UPDATE customers SET deleted_at = CURRENT_TIMESTAMP WHERE id % 7 = 0");
    let args = ["toggle", "--activate", "--status", "all", "--dry-run"];
    let doc = env.run(&[&args[..], &["-o", "json"]].concat());
    let results: std::collections::BTreeMap<i64, (String, String)> = doc.json()["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let text = |k: &str| r[k].as_str().unwrap_or("").to_string();
            (
                r["id"].as_i64().unwrap(),
                (text("outcome"), text("message")),
            )
        })
        .collect();
    let table = env.run(&args);
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert_eq!(lines.len(), 12_501, "a header and one line per customer");
    let mut seen = std::collections::BTreeMap::<String, usize>::new();
    for line in &lines[1..] {
        let mut cells = line.split_whitespace();
        let id: i64 = cells.next().unwrap().parse().unwrap();
        let outcome = cells.next().unwrap();
        let details = cells.collect::<Vec<_>>().join(" ");
        let (json_outcome, message) = &results[&id];
        assert_eq!(outcome, json_outcome, "{line}");
        let expected = match outcome {
            "would_change" => "is_active: false → true".to_string(),
            "refused" => {
                assert!(
                    message.contains(&format!("customer {id} is deleted")),
                    "{message}"
                );
                message.clone()
            }
            _ => message.clone(),
        };
        assert_eq!(details, expected, "{line}");
        *seen.entry(outcome.to_string()).or_default() += 1;
    }
    assert_eq!(
        seen.keys().map(String::as_str).collect::<Vec<_>>(),
        vec!["refused", "unchanged", "would_change"],
        "all three outcomes shown"
    );
});

fn ids_count_active(env: &Env) -> usize {
    id_set_where(env, &format!("is_active = {}", env.bool_sql(true))).len()
}
