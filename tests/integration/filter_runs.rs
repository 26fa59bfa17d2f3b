//! Cron-grade runs over customers selected by `list`'s filters: toggle, delete,
//! restore and reset-password by filter (re-checked under each batch's lock,
//! raced for real), ids and filters together refused, `--max-changes` and the
//! profile's `max_changes`, and an empty selection as a success.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::db_test;
use crate::support::*;

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
    // No results, so no table: not even its header on stdout.
    assert_eq!(refused.stdout, "", "a refused run prints a table");
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
    // In a table: nothing on stdout (a header alone reads as a result), and
    // stderr says that nothing matched, with the run id.
    let table = env.run(&[
        "toggle",
        "--deactivate",
        "--last-login-before",
        "180d",
        "--yes",
    ]);
    table.ok();
    assert_eq!(table.stdout, "", "an empty run prints a table");
    assert!(
        table
            .stderr
            .contains("deactivate: no customer matched; nothing done [run "),
        "{}",
        table.stderr
    );
    assert!(is_active(&env, a));
    assert_eq!(audit_row_count(&env), before);
});
