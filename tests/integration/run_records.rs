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

fn active_set(env: &Env) -> BTreeSet<i64> {
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
    assert_eq!(active_set(&env), BTreeSet::from([recent]));
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
    assert_eq!(active_set(&env), BTreeSet::from([-7, 0, recent]));
    // `list` pages through them: the note's `--after -7` is accepted.
    let page = env.run(&["list", "--limit", "1", "-o", "ids"]);
    page.ok();
    assert_eq!(page.stdout.trim(), "-7");
    assert!(
        page.stderr.contains("continue with --after -7"),
        "{}",
        page.stderr
    );
    let next = env.run(&["list", "--after", "-7", "--limit", "1", "-o", "ids"]);
    next.ok();
    assert_eq!(next.stdout.trim(), "0", "{}", next.stderr);
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

// ---------------------------------------------------------------------------
// issue 26: every run leaves a record; `runs`; the metrics file

/// A customer who last logged in `days` days ago.
fn dormant(env: &Env, email: &str, days: i64) -> i64 {
    let id = env.insert_customer("Dormant", email);
    env.exec(&format!(
        "UPDATE customers SET last_login_at = '{}' WHERE id = {id}",
        days_ago(days)
    ));
    id
}

/// The `run` row of run `run`: its details.
fn run_row(env: &Env, run: &str) -> Value {
    let rows = env.texts(&format!(
        "SELECT details AS v FROM audit_log WHERE action = 'run' AND customer_id IS NULL AND run_id = {}",
        quote(run)
    ));
    assert_eq!(rows.len(), 1, "one run row for {run}");
    serde_json::from_str(rows[0].as_deref().expect("details")).expect("JSON details")
}

/// A Prometheus text file read as node_exporter's textfile collector reads
/// it: every sample's family has one `# TYPE` line before it, a family's
/// samples are together, no series twice; returns series → value.
fn parse_textfile(text: &str) -> std::collections::BTreeMap<String, f64> {
    let mut typed = BTreeSet::new();
    let mut finished = BTreeSet::new();
    let mut current: Option<String> = None;
    let mut series = std::collections::BTreeMap::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let mut parts = rest.split_whitespace();
            let name = parts.next().expect("family").to_string();
            assert!(
                matches!(parts.next(), Some("gauge" | "counter" | "untyped")),
                "{line}"
            );
            assert!(typed.insert(name.clone()), "two TYPE lines for {name}");
            if let Some(c) = current.replace(name) {
                finished.insert(c);
            }
            continue;
        }
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let name_end = line.find(['{', ' ']).expect("a sample line");
        let name = &line[..name_end];
        assert_eq!(
            current.as_deref(),
            Some(name),
            "sample outside its family: {line}"
        );
        assert!(!finished.contains(name), "family {name} split: {line}");
        let (key, value) = line.rsplit_once(' ').expect("a value");
        let value: f64 = value.parse().expect("a number");
        assert!(
            series.insert(key.to_string(), value).is_none(),
            "{key} twice"
        );
    }
    series
}

db_test!(
    every_run_leaves_a_run_row_runs_lists_them_and_metrics_follow,
    |env| {
        env.init_db(0);
        for i in 0..3 {
            dormant(&env, &format!("d{i}@example.com"), 400);
        }
        dormant(&env, "recent@example.com", 1);
        let metrics = env.dir.path().join("custadm.prom");
        let m = metrics.to_str().expect("path");
        let night = |extra: &[&str]| {
            let mut args = vec![
                "--metrics-file",
                m,
                "toggle",
                "--deactivate",
                "--last-login-before",
                "90d",
                "--yes",
                "-o",
                "json",
            ];
            args.extend(extra);
            env.run(&args)
        };
        // The first night changes three.
        let first = night(&[]);
        first.ok();
        let first_run = run_id(&first);
        let details = run_row(&env, &first_run);
        assert_eq!(details["command"], "deactivate");
        assert_eq!(details["summary"], serde_json::json!({"changed": 3}));
        assert_eq!(details["exit_code"], 0);
        assert_eq!(details["selection"]["--last-login-before"], "90d");
        // A quiet night lists nothing (only active customers match) and still
        // leaves its record.
        let quiet = night(&[]);
        quiet.ok();
        assert_eq!(quiet.json()["results"], serde_json::json!([]));
        let quiet_run = run_id(&quiet);
        assert_eq!(run_row(&env, &quiet_run)["exit_code"], 0);
        // A night refused by --max-changes prints its document and its run id.
        for i in 3..6 {
            dormant(&env, &format!("d{i}@example.com"), 400);
        }
        let refused = night(&["--max-changes", "2"]);
        refused.code(5);
        let doc = refused.json();
        assert_eq!(doc["results"], serde_json::json!([]));
        let refused_run = doc["run"].as_str().expect("run id").to_string();
        assert!(refused.stderr.contains(&refused_run), "{}", refused.stderr);
        assert_eq!(run_row(&env, &refused_run)["exit_code"], 5);
        // `runs`: newest first, with the refused and the empty night.
        let runs = env.run(&["runs", "-o", "json"]);
        runs.ok();
        let runs = runs.json();
        let listed: Vec<(&str, &str, i64)> = runs
            .as_array()
            .expect("array")
            .iter()
            .map(|r| {
                (
                    r["run"].as_str().expect("run"),
                    r["status"].as_str().expect("status"),
                    r["exit_code"].as_i64().expect("exit code"),
                )
            })
            .collect();
        assert_eq!(
            listed,
            vec![
                (refused_run.as_str(), "finished", 5),
                (quiet_run.as_str(), "finished", 0),
                (first_run.as_str(), "finished", 0)
            ]
        );
        let newest = &runs[0];
        for key in [
            "action",
            "operator",
            "os_user",
            "started_at",
            "finished_at",
            "summary",
        ] {
            assert!(!newest[key].is_null(), "{key}: {newest}");
        }
        assert_eq!(newest["action"], "deactivate");
        assert_eq!(
            env.run(&["runs", "--action", "delete", "-o", "json"])
                .json(),
            serde_json::json!([])
        );
        assert_eq!(
            env.run(&["runs", "--limit", "1", "-o", "json"])
                .json()
                .as_array()
                .map(Vec::len),
            Some(1)
        );
        let table = env.run(&["runs"]);
        table.ok();
        assert!(table.stdout.contains(&refused_run), "{}", table.stdout);
        // A run that wrote rows but never its `run` row is `unfinished`.
        env.exec(&format!(
            "DELETE FROM audit_log WHERE action = 'run' AND run_id = {}",
            quote(&first_run)
        ));
        let runs = env.run(&["runs", "-o", "json"]).json();
        let first = runs
            .as_array()
            .expect("array")
            .iter()
            .find(|r| r["run"] == first_run.as_str())
            .expect("the first run still listed");
        assert_eq!(first["status"], "unfinished");
        assert_eq!(first["finished_at"], Value::Null);
        assert_eq!(first["exit_code"], Value::Null);
        assert_eq!(first["summary"], serde_json::json!({"changed": 3}));
        // The metrics file: node_exporter's format, the last run's exit code,
        // the last success kept, the series of other actions kept.
        let text = std::fs::read_to_string(&metrics).expect("metrics file");
        let series = parse_textfile(&text);
        assert_eq!(
            series[r#"custadm_run_last_exit_code{action="deactivate"}"#],
            5.0
        );
        assert_eq!(
            series[r#"custadm_run_last_outcomes{action="deactivate",outcome="changed"}"#],
            0.0
        );
        let success = series[r#"custadm_run_last_success_timestamp_seconds{action="deactivate"}"#];
        let end = series[r#"custadm_run_last_end_timestamp_seconds{action="deactivate"}"#];
        assert!(success > 1.7e9 && success <= end, "{text}");
        let delete = env.run(&["--metrics-file", m, "delete", "d0@example.com", "--yes"]);
        delete.ok();
        let series = parse_textfile(&std::fs::read_to_string(&metrics).expect("metrics file"));
        assert_eq!(
            series[r#"custadm_run_last_exit_code{action="deactivate"}"#],
            5.0
        );
        assert_eq!(
            series[r#"custadm_run_last_exit_code{action="delete"}"#],
            0.0
        );
        assert_eq!(
            series[r#"custadm_run_last_outcomes{action="delete",outcome="changed"}"#],
            1.0
        );
        // A metrics file that cannot be written: the change stays, exit 9.
        let blocked = env.dir.path().join("no-such-dir").join("custadm.prom");
        let run = env.run(&[
            "--metrics-file",
            blocked.to_str().expect("path"),
            "toggle",
            "d1@example.com",
            "--activate",
        ]);
        run.code(9).error_line("metrics file");
        assert_eq!(run_row(&env, &run_id_from_stderr(&run))["exit_code"], 0);
    }
);

/// The run id named in a run's stderr summary (`[run ID]`).
fn run_id_from_stderr(run: &Run) -> String {
    let at = run.stderr.find("[run ").expect("a run id on stderr") + 5;
    run.stderr[at..at + 26].to_string()
}

db_test!(max_changes_in_percent_allows_at_least_one, |env| {
    env.init_db(0);
    for i in 0..3 {
        dormant(&env, &format!("p{i}@example.com"), 400);
    }
    let args = [
        "toggle",
        "--deactivate",
        "--last-login-before",
        "90d",
        "--max-changes",
        "2%",
        "--yes",
    ];
    env.run(&args).code(5).error_line("limit of 1");
    env.run(&[
        "toggle",
        "p0@example.com",
        "--deactivate",
        "--max-changes",
        "2%",
    ])
    .ok();
});

// ---------------------------------------------------------------------------
// 24.3: --max-changes is a hard cap on what the run changes

db_test!(
    max_changes_holds_when_other_writers_add_matches_during_the_run,
    |env| {
        const CAP: i64 = 5;
        env.init_db(0);
        let ids: Vec<i64> = (0..15)
            .map(|i| env.insert_customer("C", &format!("cap{i}@example.com")))
            .collect();
        let (first, late) = ids.split_at(5);
        let list = |v: &[i64]| v.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let mut orders = BTreeSet::new();
        for round in 0..6 {
            let commit_first = round % 2 == 0;
            // Five match; ten more will, once the other program commits.
            env.exec(&format!(
                "UPDATE customers SET is_active = {t}, last_login_at = '{recent}'",
                t = env.bool_sql(true),
                recent = days_ago(1)
            ));
            env.exec(&format!(
                "UPDATE customers SET last_login_at = '{}' WHERE id IN ({})",
                days_ago(400),
                list(first)
            ));
            let mut other = Other::open(&env);
            other.begin();
            other.exec(&format!(
                "UPDATE customers SET last_login_at = '{}' WHERE id IN ({})",
                days_ago(400),
                list(late)
            ));
            // Holds the first batch's first row too (PostgreSQL row locks).
            other.exec(&format!(
                "UPDATE customers SET full_name = 'C' WHERE id = {}",
                first[0]
            ));
            if commit_first {
                other.exec("COMMIT");
            }
            let child = env
                .cmd()
                .args(&[
                    "toggle",
                    "--deactivate",
                    "--last-login-before",
                    "90d",
                    "--max-changes",
                    &CAP.to_string(),
                    "--batch-size",
                    "3",
                    "--yes",
                    "-o",
                    "json",
                ])
                .cmd
                .spawn()
                .expect("spawn custadm");
            if !commit_first {
                wait_for_a_lock_wait(&env, std::time::Duration::from_millis(1500));
                other.exec("COMMIT");
            }
            let run = finish(child);
            // Invariant: never more changes than the cap, and the document
            // reports exactly what committed.
            run.code(5);
            let doc = run.json();
            let changed = outcomes(&doc)
                .iter()
                .filter(|(_, o)| o == "changed")
                .count() as i64;
            let inactive = inactive_count(&env);
            assert!(
                inactive <= CAP,
                "round {round}: {inactive} changed, cap {CAP}"
            );
            assert_eq!(changed, inactive, "round {round}: {doc}");
            assert_eq!(
                env.count(
                    "audit_log",
                    &format!(
                        "action = 'deactivate' AND run_id = {}",
                        quote(doc["run"].as_str().expect("run"))
                    )
                ),
                inactive,
                "round {round}: one audit row per change"
            );
            // Which order happened: refused on the count, or stopped in the run.
            orders.insert(if changed == 0 {
                "counted"
            } else {
                "stopped in the run"
            });
        }
        assert_eq!(orders.len(), 2, "both orders observed: {orders:?}");
    }
);

db_test!(a_profile_max_changes_applies_to_undo, |env| {
    env.init_db(0);
    let ids: Vec<String> = (0..3)
        .map(|i| {
            env.insert_customer("U", &format!("u{i}@example.com"))
                .to_string()
        })
        .collect();
    let mut args = vec!["toggle", "--deactivate", "--yes", "-o", "json"];
    args.extend(ids.iter().map(String::as_str));
    let night = env.run(&args);
    night.ok();
    let night = run_id(&night);
    write_config(
        &env,
        &format!(
            "[profiles.careful]\ndatabase_url = {}\nmax_changes = 2\n",
            toml_str(&env.url)
        ),
    );
    let undo = env.run(&[
        "--profile",
        "careful",
        "undo",
        &night,
        "--yes",
        "-o",
        "json",
    ]);
    undo.code(5).error_line("limit of 2");
    assert_eq!(undo.json()["results"], serde_json::json!([]));
    assert_eq!(inactive_count(&env), 3, "nothing undone");
});

// ---------------------------------------------------------------------------
// 24.4: a run that stops half-way still prints its document

/// Checks a stopped run's document against the database: every committed
/// change listed, the rest `failed` "not attempted", the run id on stderr
/// with how many committed, never "nothing was changed" when something was.
/// Returns how many changed.
fn check_stopped(env: &Env, run: &Run, total: usize) -> i64 {
    let doc = run.json();
    let results = outcomes(&doc);
    let changed = results.iter().filter(|(_, o)| o == "changed").count() as i64;
    let not_attempted = doc["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| {
            r["outcome"] == "failed"
                && r["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("not attempted"))
        })
        .count();
    assert_eq!(
        results.len(),
        total,
        "every customer in the document: {doc}"
    );
    assert_eq!(changed as usize + not_attempted, total, "{doc}");
    assert_eq!(
        inactive_count(env),
        changed,
        "the document is what committed"
    );
    let run_id = doc["run"].as_str().expect("run id");
    assert!(run.stderr.contains(run_id), "{}", run.stderr);
    if changed > 0 {
        assert!(
            run.stderr
                .contains(&format!("{changed} changed and committed")),
            "{}",
            run.stderr
        );
        assert!(
            !run.stderr.contains("nothing was changed"),
            "{}",
            run.stderr
        );
    }
    changed
}

/// Six customers named by id (batches of two); returns the ids as text.
fn six(env: &Env) -> Vec<String> {
    (0..6)
        .map(|i| {
            env.insert_customer("S", &format!("s{i}@example.com"))
                .to_string()
        })
        .collect()
}

/// `toggle --deactivate` of `ids` two to a batch, started in the background
/// (with a 1 s lock timeout).
fn deactivate_in_pairs(env: &Env, ids: &[String]) -> std::process::Child {
    deactivate_in_pairs_with(env, ids, "1")
}

fn deactivate_in_pairs_with(env: &Env, ids: &[String], lock_timeout: &str) -> std::process::Child {
    let mut args = vec![
        "toggle",
        "--deactivate",
        "--batch-size",
        "2",
        "--yes",
        "-o",
        "json",
    ];
    args.extend(ids.iter().map(String::as_str));
    env.cmd()
        .env("CUSTADM_LOCK_TIMEOUT", lock_timeout)
        .args(&args)
        .cmd
        .spawn()
        .expect("spawn custadm")
}

#[test]
fn postgres_lock_timeout_half_way_prints_the_document() {
    let Some(env) = Env::postgres() else { return };
    env.init_db(0);
    let ids = six(&env);
    let mut other = Other::open(&env);
    other.begin();
    other.exec(&format!(
        "UPDATE customers SET full_name = 'held' WHERE id = {}",
        ids[2]
    ));
    let run = finish(deactivate_in_pairs(&env, &ids));
    other.exec("ROLLBACK");
    run.code(7).error_line("stopped half-way");
    assert_eq!(check_stopped(&env, &run, 6), 2);
    // Its record: finished with exit 7 and what committed.
    let runs = env.run(&["runs", "--limit", "1", "-o", "json"]).json();
    assert_eq!(runs[0]["status"], "finished");
    assert_eq!(runs[0]["exit_code"], 7);
    assert_eq!(runs[0]["summary"]["changed"], 2);
}

#[test]
fn sqlite_lock_timeout_before_the_first_batch_prints_the_document() {
    let env = Env::sqlite();
    env.init_db(0);
    let ids = six(&env);
    let mut other = Other::open(&env);
    other.begin();
    let run = finish(deactivate_in_pairs(&env, &ids));
    other.exec("ROLLBACK");
    run.code(6);
    assert_eq!(check_stopped(&env, &run, 6), 0);
}

#[test]
fn postgres_lost_connection_half_way_prints_the_document() {
    let Some(env) = Env::postgres() else { return };
    env.init_db(0);
    let ids = six(&env);
    let mut other = Other::open(&env);
    other.begin();
    other.exec(&format!(
        "UPDATE customers SET full_name = 'held' WHERE id = {}",
        ids[2]
    ));
    // The default lock timeout (10 s): the wait is cut long before.
    let child = deactivate_in_pairs_with(&env, &ids, "10");
    wait_for_a_lock_wait(&env, std::time::Duration::ZERO);
    // The connection of the session that waits is cut, as a failover would.
    env.exec(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE wait_event_type = 'Lock' AND datname = current_database()",
    );
    let run = finish(child);
    other.exec("ROLLBACK");
    run.code(7).error_line("stopped half-way");
    assert_eq!(check_stopped(&env, &run, 6), 2);
    // Its `run` row could not be written: `runs` lists it as unfinished.
    let runs = env.run(&["runs", "--limit", "1", "-o", "json"]).json();
    assert_eq!(runs[0]["run"], run.json()["run"]);
    assert_eq!(runs[0]["status"], "unfinished");
    assert_eq!(runs[0]["summary"]["changed"], 2);
}

#[test]
fn sqlite_full_disk_half_way_prints_the_document() {
    let env = Env::sqlite();
    let mount = env.dir.path().join("small-disk");
    std::fs::create_dir_all(&mount).expect("dir");
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=8m", "tmpfs"])
        .arg(&mount)
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("CI=true but a tmpfs cannot be mounted: the full-disk test must not be skipped in CI");
        }
        eprintln!("SKIPPED: full-disk test (mounting a tmpfs needs root)");
        record_skip("a full disk", "mounting a tmpfs needs root");
        return;
    }
    struct Unmount(std::path::PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount").arg(&self.0).status();
        }
    }
    let _unmount = Unmount(mount.clone());
    let db = mount.join("custadm.sqlite3").display().to_string();
    let run = |args: &[&str]| env.cmd().env("CUSTADM_DATABASE_URL", &db).args(args).run();
    env.cmd()
        .env("CUSTADM_DATABASE_URL", &db)
        .args(&["init", "--admin", "admin", "--password-stdin"])
        .stdin(&format!("{ADMIN_PASSWORD}\n"))
        .run()
        .ok();
    {
        use diesel::connection::SimpleConnection;
        use diesel::Connection;
        let mut c = diesel::sqlite::SqliteConnection::establish(&db).expect("sqlite");
        c.batch_execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) \
             INSERT INTO customers (full_name, email, password_hash, must_change_password, is_active, created_at, updated_at) \
             SELECT 'Full Disk', 'fd' || i || '@example.com', 'x', 0, 1, '2025-01-01 00:00:00', '2025-01-01 00:00:00' FROM n; \
             PRAGMA wal_checkpoint(TRUNCATE);",
        )
        .expect("customers");
    }
    // Leave about 160 KB free: the first batches fit in the WAL, later ones do not.
    let avail = String::from_utf8(
        std::process::Command::new("df")
            .args(["--output=avail", "-B1"])
            .arg(&mount)
            .output()
            .expect("df")
            .stdout,
    )
    .expect("df output");
    let avail: u64 = avail
        .lines()
        .nth(1)
        .expect("a number")
        .trim()
        .parse()
        .expect("bytes");
    std::fs::write(
        mount.join("filler"),
        vec![0u8; (avail - 160 * 1024) as usize],
    )
    .expect("filler");
    let ids = run(&["list", "-o", "ids"]).stdout;
    let file = env.dir.path().join("ids.txt");
    std::fs::write(&file, &ids).expect("ids");
    let stopped = run(&[
        "toggle",
        "--deactivate",
        "--ids-from",
        file.to_str().expect("path"),
        "--batch-size",
        "50",
        "--yes",
        "-o",
        "json",
    ]);
    stopped.code(7).error_line("stopped half-way");
    let doc = stopped.json();
    let changed = doc["summary"]["changed"].as_i64().unwrap_or(0);
    assert!(changed > 0 && changed < 3000, "{}", doc["summary"]);
    assert_eq!(doc["results"].as_array().map(Vec::len), Some(3000));
    assert!(
        stopped
            .stderr
            .contains(&format!("{changed} changed and committed")),
        "{}",
        stopped.stderr
    );
    assert!(
        !stopped.stderr.contains("nothing was changed"),
        "{}",
        stopped.stderr
    );
    std::fs::remove_file(mount.join("filler")).expect("free the disk");
    let inactive = run(&["list", "--status", "inactive", "-o", "ids"])
        .stdout
        .lines()
        .count() as i64;
    assert_eq!(inactive, changed, "the document is what committed");
}

// ---------------------------------------------------------------------------
// issue 26: `audit` pages and says when --limit cuts

db_test!(audit_pages_with_before_and_says_when_limit_cuts, |env| {
    env.init_db(0);
    let id = env.insert_customer("Pat", "pat@example.com").to_string();
    for _ in 0..5 {
        env.run(&["view", &id]).ok();
    }
    let page = |before: Option<&str>| {
        let mut args = vec!["audit", "--customer", &id, "--limit", "2", "-o", "json"];
        if let Some(b) = before {
            args.extend(["--before", b]);
        }
        let run = env.run(&args);
        run.ok();
        run
    };
    let mut seen = Vec::new();
    let mut before: Option<String> = None;
    loop {
        let run = page(before.as_deref());
        let rows: Vec<i64> = run
            .json()
            .as_array()
            .expect("rows")
            .iter()
            .map(|r| r["id"].as_i64().expect("id"))
            .collect();
        seen.extend(rows.iter().copied());
        match run
            .stderr
            .split("more rows: continue with --before ")
            .nth(1)
        {
            Some(rest) => {
                let next = rest.split_whitespace().next().expect("an id").to_string();
                assert_eq!(Some(&next.parse::<i64>().expect("id")), rows.last());
                before = Some(next);
            }
            None => {
                assert!(rows.len() <= 2);
                break;
            }
        }
    }
    assert_eq!(seen.len(), 5, "every view row once: {seen:?}");
    assert!(
        seen.windows(2).all(|w| w[0] > w[1]),
        "newest first: {seen:?}"
    );
    // No cut, no note.
    let all = env.run(&["audit", "--customer", &id, "-o", "json"]);
    assert!(!all.stderr.contains("more rows"), "{}", all.stderr);
    // A run or customer the trail does not know is exit 3.
    env.run(&["audit", "--run", "01ARZ3NDEKTSV4RRFFQ69G5FAV"])
        .code(3)
        .error_line("no run");
    env.run(&["audit", "--customer", "987654"]).code(3);
    // With --run too.
    let toggled = env.run(&["toggle", &id, "--deactivate", "-o", "json"]);
    let run = run_id(&toggled);
    let cut = env.run(&["audit", "--run", &run, "--limit", "1", "-o", "json"]);
    cut.ok();
    assert!(
        cut.stderr.contains("more rows: continue with --before"),
        "{}",
        cut.stderr
    );
});

// Issue 25: `runs` trusts only rows on the chain. A `run` row another program
// inserted (no chain hash, after the chain's head) is not a finished run, and
// its change rows are not an unfinished one.
db_test!(runs_lists_only_rows_on_the_chain, |env| {
    env.init_db(0);
    let a = env.insert_customer("A", "a@example.com").to_string();
    let done = env.run(&["toggle", "--deactivate", &a, "-o", "json"]);
    done.ok();
    let real = done.json()["run"].as_str().expect("run id").to_string();
    env.exec(
        "INSERT INTO audit_log (occurred_at, operator, os_user, action, customer_id, outcome, details, run_id) \
         VALUES ('2030-01-01 00:00:00', 'admin', 'ops', 'run', NULL, 'ok', \
         '{\"command\":\"deactivate\",\"exit_code\":0,\"selection\":{\"ids\":5},\"summary\":{\"changed\":5}}', 'FORGED-RUN')",
    );
    env.exec(&format!(
        "INSERT INTO audit_log (occurred_at, operator, os_user, action, customer_id, outcome, details, run_id) \
         VALUES ('2030-01-01 00:00:00', 'admin', 'ops', 'deactivate', {a}, 'ok', '{{}}', 'FORGED-UNFINISHED')"
    ));
    for args in [
        vec!["runs", "-o", "json"],
        vec!["runs", "--limit", "1", "-o", "json"],
        vec!["runs", "--action", "deactivate", "-o", "json"],
    ] {
        let listed = env.run(&args);
        listed.ok();
        let runs: Vec<String> = listed
            .json()
            .as_array()
            .expect("array")
            .iter()
            .map(|r| r["run"].as_str().unwrap_or("").to_string())
            .collect();
        assert_eq!(runs, vec![real.clone()], "{args:?}");
    }
});

/// Review of issue 26, finding 1: the textfile directory may be writable by
/// others. Symlinks planted at the temporary names a run could use (the old
/// `.custadm.prom.PID.tmp` for the next few hundred PIDs) never lead custadm
/// to write through them: the file they point at keeps its bytes and mode,
/// and the metrics file is a regular file.
#[test]
fn metrics_file_never_writes_through_a_planted_symlink() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::sqlite();
    env.init_db(0);
    let id = env.insert_customer("Ann", "ann@example.com").to_string();
    let dir = env.dir.path().join("textfile");
    std::fs::create_dir(&dir).expect("textfile dir");
    let victim = env.dir.path().join("victim");
    std::fs::write(&victim, "only mine\n").expect("victim");
    std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o600)).expect("mode");
    let last_pid: u32 = std::fs::read_to_string("/proc/sys/kernel/ns_last_pid")
        .expect("ns_last_pid")
        .trim()
        .parse()
        .expect("a pid");
    for pid in last_pid + 1..last_pid + 500 {
        std::os::unix::fs::symlink(&victim, dir.join(format!(".custadm.prom.{pid}.tmp")))
            .expect("plant");
    }
    let metrics = dir.join("custadm.prom");
    for flag in ["--deactivate", "--activate"] {
        env.run(&[
            "--metrics-file",
            metrics.to_str().expect("path"),
            "toggle",
            &id,
            flag,
        ])
        .ok();
    }
    assert_eq!(
        std::fs::read_to_string(&victim).expect("victim"),
        "only mine\n"
    );
    let mode = std::fs::metadata(&victim)
        .expect("victim")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "the victim's mode");
    let meta = std::fs::symlink_metadata(&metrics).expect("metrics file");
    assert!(meta.file_type().is_file(), "{meta:?}");
    assert_eq!(meta.permissions().mode() & 0o777, 0o644);
    let text = std::fs::read_to_string(&metrics).expect("metrics file");
    assert!(
        text.contains(r#"custadm_run_last_exit_code{action="activate"} 0"#),
        "{text}"
    );
}

/// Review of issue 26, finding 8: runs of five different actions ending at
/// the same moment each keep the others' series (the file is read, changed
/// and renamed under a lock), round after round.
#[test]
fn concurrent_runs_keep_each_others_metrics() {
    let env = Env::sqlite();
    env.init_db(0);
    let metrics = env.dir.path().join("custadm.prom");
    let m = metrics.to_str().expect("path");
    let runs: [(&str, &[&str]); 5] = [
        ("activate", &["toggle", "9001", "--activate"]),
        ("deactivate", &["toggle", "9002", "--deactivate"]),
        ("edit", &["edit", "9003", "--name", "X"]),
        ("delete", &["delete", "9004", "--yes"]),
        ("restore", &["restore", "9005", "--yes"]),
    ];
    for round in 0..12 {
        let _ = std::fs::remove_file(&metrics);
        let children: Vec<_> = runs
            .iter()
            .map(|(_, args)| {
                let mut all = vec!["--metrics-file", m];
                all.extend(*args);
                env.cmd().args(&all).cmd.spawn().expect("spawn custadm")
            })
            .collect();
        for child in children {
            finish(child).code(3);
        }
        let text = std::fs::read_to_string(&metrics).expect("metrics file");
        for (action, _) in runs {
            assert!(
                text.contains(&format!(
                    "custadm_run_last_exit_code{{action=\"{action}\"}} 3"
                )),
                "round {round}: the {action} run's series is lost:\n{text}"
            );
        }
    }
}

/// Review of issue 26, finding 10: what the metrics file records of runs that
/// did not get going. A first night refused by --max-changes: its exit code,
/// and a last success of 0 (none yet) so that "too long since the last
/// success" fires. A run refused at the door (unknown operator, exit 4) or
/// that could not reach its database (exit 6): its exit code, the last
/// success kept. Bad input (exit 2) and dry runs are not runs: nothing.
#[test]
fn runs_that_did_not_get_going_are_in_the_metrics() {
    let env = Env::sqlite();
    env.init_db(0);
    for i in 0..3 {
        dormant(&env, &format!("d{i}@example.com"), 400);
    }
    let metrics = env.dir.path().join("custadm.prom");
    let m = metrics.to_str().expect("path");
    let night = [
        "toggle",
        "--deactivate",
        "--last-login-before",
        "90d",
        "--yes",
    ];
    let series = || parse_textfile(&std::fs::read_to_string(&metrics).expect("metrics file"));
    let key = |family: &str| format!("{family}{{action=\"deactivate\"}}");
    // The first night is refused: exit 5, no success yet.
    let mut args = vec!["--metrics-file", m];
    args.extend(night);
    args.extend(["--max-changes", "2"]);
    env.run(&args).code(5);
    let s = series();
    assert_eq!(s[&key("custadm_run_last_exit_code")], 5.0, "{s:?}");
    assert_eq!(s[&key("custadm_run_last_success_timestamp_seconds")], 0.0);
    let refused_end = s[&key("custadm_run_last_end_timestamp_seconds")];
    assert!(refused_end > 1.7e9, "{s:?}");
    // The next night succeeds.
    let mut args = vec!["--metrics-file", m];
    args.extend(night);
    env.run(&args).ok();
    let success = series()[&key("custadm_run_last_success_timestamp_seconds")];
    assert!(success >= refused_end, "{success}");
    // An unknown operator: exit 4, recorded, the last success kept.
    let mut args = vec!["--metrics-file", m, "--operator", "nobody"];
    args.extend(night);
    env.run(&args).code(4);
    let s = series();
    assert_eq!(s[&key("custadm_run_last_exit_code")], 4.0, "{s:?}");
    assert_eq!(
        s[&key("custadm_run_last_success_timestamp_seconds")],
        success
    );
    assert_eq!(
        s[r#"custadm_run_last_outcomes{action="deactivate",outcome="changed"}"#],
        0.0
    );
    // The database is not there: exit 6, recorded.
    let gone = env.dir.path().join("no-such-dir").join("gone.sqlite3");
    let mut args = vec!["--metrics-file", m];
    args.extend(night);
    run_with(
        &env,
        &[("CUSTADM_DATABASE_URL", gone.to_str().expect("path"))],
        &[],
        &args,
    )
    .code(6);
    let s = series();
    assert_eq!(s[&key("custadm_run_last_exit_code")], 6.0, "{s:?}");
    assert_eq!(
        s[&key("custadm_run_last_success_timestamp_seconds")],
        success
    );
    // Bad input and a dry run leave the file alone.
    let before = std::fs::read(&metrics).expect("metrics file");
    let mut args = vec!["--metrics-file", m];
    args.extend([
        "toggle",
        "--deactivate",
        "--last-login-before",
        "90x",
        "--yes",
    ]);
    env.run(&args).code(2);
    let mut args = vec!["--metrics-file", m];
    args.extend([
        "toggle",
        "--deactivate",
        "--last-login-before",
        "90d",
        "--dry-run",
    ]);
    env.run(&args).ok();
    let mut args = vec!["--metrics-file", m, "--operator", "nobody"];
    args.extend([
        "toggle",
        "--deactivate",
        "--last-login-before",
        "90d",
        "--dry-run",
    ]);
    env.run(&args).code(4);
    assert_eq!(std::fs::read(&metrics).expect("metrics file"), before);
}

// Review of issue 26, finding 5: `init` is not a run, with or without sample
// data (its sample soft-deletes leave `delete` rows under its run id, which
// `runs` listed as an unfinished `init` run forever); the runs after it are.
db_test!(init_is_not_a_run_with_or_without_sample_data, |env| {
    env.init_db(12);
    let deleted = env.count("customers", "deleted_at IS NOT NULL");
    assert!(deleted > 0, "the sample data soft-deletes some");
    let runs = env.run(&["runs", "-o", "json"]);
    runs.ok();
    assert_eq!(runs.json(), serde_json::json!([]), "{}", runs.stdout);
    let table = env.run(&["runs"]);
    table.ok();
    assert!(!table.stdout.contains("init"), "{}", table.stdout);
    env.run(&["toggle", "1", "--deactivate"]).ok();
    let runs = env.run(&["runs", "-o", "json"]).json();
    let listed: Vec<(&str, &str)> = runs
        .as_array()
        .expect("array")
        .iter()
        .map(|r| {
            (
                r["action"].as_str().expect("action"),
                r["status"].as_str().expect("status"),
            )
        })
        .collect();
    assert_eq!(listed, vec![("deactivate", "finished")]);
});

#[test]
fn init_without_sample_data_is_not_a_run_either() {
    let env = Env::sqlite();
    env.init_db(0);
    assert_eq!(
        env.run(&["runs", "-o", "json"]).json(),
        serde_json::json!([])
    );
}

// Review of issue 26: a dry run writes nothing, so it is no run: its
// document says `"run": null` (it named a run id that `runs` never listed),
// its summary line names no run, and `runs` and the trail stay as they were
// (contract departure: "every changing command run has a run id").
db_test!(a_dry_run_names_no_run_and_runs_lists_none, |env| {
    env.init_db(0);
    let a = env.insert_customer("Ann", "ann@example.com").to_string();
    let b = env.insert_customer("Bob", "bob@example.com").to_string();
    let night = env.run(&["toggle", &a, "--deactivate", "--yes", "-o", "json"]);
    night.ok();
    let night = run_id(&night);
    std::fs::write(
        env.dir.path().join("rename.csv"),
        format!("id,full_name\n{a},Ann New\n{b},Bob New\n"),
    )
    .expect("change file");
    let rename = env.dir.path().join("rename.csv").display().to_string();
    let runs_before = env.run(&["runs", "-o", "json"]);
    runs_before.ok();
    let rows_before = env.count("audit_log", "1 = 1");
    for args in [
        &["toggle", &b, "--deactivate", "--dry-run"][..],
        &["toggle", "--activate", "--status", "inactive", "--dry-run"],
        &["delete", &a, &b, "--dry-run"],
        &["restore", &a, "--dry-run"],
        &["reset-password", &b, "--dry-run"],
        &["edit", "--from", &rename, "--dry-run"],
        &["undo", &night, "--dry-run"],
        // Over the cap: refused, still no run.
        &["delete", &a, &b, "--max-changes", "1", "--dry-run"],
    ] {
        let mut json = args.to_vec();
        json.extend(["-o", "json"]);
        let run = env.run(&json);
        assert!(
            run.code == 0 || run.code == 5,
            "{args:?}: {} {}",
            run.code,
            run.stderr
        );
        let doc = run.json();
        assert_eq!(doc["dry_run"], serde_json::json!(true), "{args:?}: {doc}");
        assert_eq!(doc["run"], Value::Null, "{args:?}: {doc}");
        assert!(!run.stderr.contains("[run"), "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains("dry run"), "{args:?}: {}", run.stderr);
        // The table's summary line too.
        let table = env.run(args);
        assert_eq!(table.code, run.code, "{args:?}: {}", table.stderr);
        assert!(!table.stderr.contains("[run"), "{args:?}: {}", table.stderr);
    }
    let runs_after = env.run(&["runs", "-o", "json"]);
    runs_after.ok();
    assert_eq!(
        runs_after.json(),
        runs_before.json(),
        "runs lists no dry run"
    );
    assert_eq!(
        env.count("audit_log", "1 = 1"),
        rows_before,
        "a dry run writes no row"
    );
    assert!(is_active(&env, b.parse().expect("id")), "nothing changed");
});

/// The names in `dir`, sorted.
fn names_in(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("list the directory")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// `flock DIR sleep 60` started in a process group of its own (the sleep
/// inherits the locked descriptor), returned once it holds the lock.
fn hold_directory_lock(dir: &std::path::Path) -> std::process::Child {
    use std::os::unix::process::CommandExt;
    let holder = std::process::Command::new("flock")
        .arg(dir)
        .args(["sleep", "60"])
        .process_group(0)
        .spawn()
        .expect("flock (util-linux)");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let held = || {
        std::process::Command::new("flock")
            .args(["-n"])
            .arg(dir)
            .arg("true")
            .status()
            .is_ok_and(|free| !free.success())
    };
    while !held() {
        if std::time::Instant::now() > deadline {
            kill_group(holder);
            panic!("flock never took the lock");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    holder
}

/// SIGKILL to every process of `holder`'s group, then reaped.
fn kill_group(mut holder: std::process::Child) {
    // SAFETY: a plain kill(2) of a process group this test started.
    unsafe {
        libc::kill(-(holder.id() as libc::pid_t), libc::SIGKILL);
    }
    holder.wait().expect("reap the holder");
}

/// Review of issue 26 (re-review), finding 7: the metrics file is shared
/// with other programs' series (node_exporter reads every `*.prom` of its
/// directory, and scripts append to one another's files): a run replaces
/// only its own action's custadm series and keeps every other line; the
/// file stays valid for node_exporter (one `# TYPE` per family, families
/// whole, one sample per series). Nothing but the file is left in the
/// directory (no `custadm.prom.lock`), a holder of the lock that was killed
/// blocks nothing, and one that hangs costs the run its metrics (exit 9,
/// the change committed), never the night.
#[test]
fn metrics_file_keeps_other_programs_series_and_leaves_no_lock() {
    let env = Env::sqlite();
    env.init_db(0);
    let ids: Vec<String> = (0..3)
        .map(|i| {
            env.insert_customer(&format!("P{i}"), &format!("p{i}@example.com"))
                .to_string()
        })
        .collect();
    let dir = env.dir.path().join("textfile");
    std::fs::create_dir(&dir).expect("textfile dir");
    let metrics = dir.join("custadm.prom");
    let m = metrics.to_str().expect("path");
    let foreign = "# HELP backup_last_success_timestamp_seconds When the backup last succeeded.\n\
                   # TYPE backup_last_success_timestamp_seconds gauge\n\
                   backup_last_success_timestamp_seconds{job=\"db\"} 1.7e+09\n\
                   # TYPE custadm_wrapper_runs_total counter\n\
                   custadm_wrapper_runs_total 12\n";
    std::fs::write(&metrics, foreign).expect("another program's series");
    for (args, code) in [
        (vec!["toggle", ids[0].as_str(), "--deactivate"], 0),
        (vec!["delete", "9999", "--yes"], 3),
        (vec!["toggle", ids[0].as_str(), "--activate"], 0),
    ] {
        let mut all = vec!["--metrics-file", m];
        all.extend(args);
        env.run(&all).code(code);
        let text = std::fs::read_to_string(&metrics).expect("metrics file");
        assert!(
            text.starts_with(foreign),
            "the other lines are gone:\n{text}"
        );
        let series = parse_textfile(&text);
        assert_eq!(
            series.get("backup_last_success_timestamp_seconds{job=\"db\"}"),
            Some(&1.7e9),
            "{text}"
        );
        assert_eq!(series.get("custadm_wrapper_runs_total"), Some(&12.0));
        assert_eq!(names_in(&dir), vec!["custadm.prom"], "left behind");
    }
    let series = parse_textfile(&std::fs::read_to_string(&metrics).expect("metrics file"));
    assert_eq!(
        series.get("custadm_run_last_exit_code{action=\"delete\"}"),
        Some(&3.0)
    );
    assert_eq!(
        series.get("custadm_run_last_exit_code{action=\"activate\"}"),
        Some(&0.0)
    );

    // A holder killed while it held the lock: the next run is not blocked.
    kill_group(hold_directory_lock(&dir));
    let started = std::time::Instant::now();
    env.run(&["--metrics-file", m, "toggle", &ids[1], "--deactivate"])
        .ok();
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "waited {:?} for a dead holder",
        started.elapsed()
    );

    // A holder that hangs: the run gives up on the metrics after a bounded
    // wait (exit 9), its change committed.
    let hung = hold_directory_lock(&dir);
    let run = env.run(&["--metrics-file", m, "toggle", &ids[2], "--deactivate"]);
    kill_group(hung);
    run.code(9).error_line("metrics file");
    assert!(run.stderr.contains("lock"), "{}", run.stderr);
    let state = env
        .run(&["list", "--status", "all", "-o", "json"])
        .json()
        .as_array()
        .expect("customers")
        .iter()
        .find(|c| c["id"].as_i64().map(|id| id.to_string()).as_ref() == Some(&ids[2]))
        .map(|c| c["status"].clone());
    assert_eq!(state, Some(serde_json::json!("inactive")));
    assert_eq!(names_in(&dir), vec!["custadm.prom"], "left behind");
}
