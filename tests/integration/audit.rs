//! The audit trail as `custadm audit` shows it: filters and JSON, one `ok` row
//! per real change and none for a no-op, `--operator` filtering on the acting
//! operator, the reason stored on every change (capped, free of control
//! characters, `-` shown quoted), and a run id on every row of a run. (The hash
//! chain: see `audit_chain`.)

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

use crate::db_test;
use crate::support::*;

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

    // Its toggle and the `run` row that closes its run.
    let by_support: Vec<Value> = rows(&["--operator", "support"])
        .into_iter()
        .filter(|r| r["action"] != json!("run"))
        .collect();
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

/// `ok` audit rows per action.
fn ok_rows(p: &mut Probe) -> BTreeMap<String, i64> {
    p.texts(
        "SELECT action || ':' || CAST(COUNT(*) AS TEXT) AS v FROM audit_log WHERE outcome = 'ok' AND action <> 'run' GROUP BY action",
    )
    .into_iter()
    .map(|v| {
        let v = v.unwrap();
        let (a, n) = v.rsplit_once(':').unwrap();
        (a.to_string(), n.parse().unwrap())
    })
    .collect()
}

db_test!(audit_one_ok_row_per_change_none_for_noops, |env| {
    env.init_db(0).add_support();
    let c1 = env.insert_customer("Audit One", "a1@example.com");
    let c2 = env.insert_customer("Audit Two", "a2@example.com");
    let c3 = env.insert_customer("Audit Three", "a3@example.com");
    let c4 = env.insert_customer("Audit Four", "a4@example.com");
    let c5 = env.insert_customer("Audit Five", "a5@example.com");
    let c6 = env.insert_customer("Audit Six", "a6@example.com");
    let unpaid = env.insert_customer("Audit Unpaid", "unpaid@example.com");
    env.add_invoice(unpaid, 1_000);
    env.exec(&format!(
        "UPDATE customers SET is_active = {} WHERE id = {c5}",
        env.bool_sql(false)
    ));
    let reason = "AUD-42";
    let mut probe = Probe::new(&env);
    let mut steps = 0;
    let mut step = |args: &[&str],
                    stdin: &str,
                    code: i32,
                    expect: &[(&str, i64)],
                    customers: &[i64]| {
        let before = ok_rows(&mut probe);
        // The `run` row that closes each run is counted apart.
        let total_before = probe.count("audit_log", "action <> 'run'");
        let max_id: i64 = probe.texts("SELECT CAST(MAX(id) AS TEXT) AS v FROM audit_log")[0]
            .as_deref()
            .map_or(0, |v| v.parse().unwrap());
        let mut argv = vec!["--reason", reason];
        argv.extend_from_slice(args);
        let run = env.cmd().args(&argv).stdin(stdin).run();
        run.code(code);
        let after = ok_rows(&mut probe);
        let mut delta: BTreeMap<String, i64> = BTreeMap::new();
        for (k, v) in &after {
            let d = v - before.get(k).copied().unwrap_or(0);
            if d != 0 {
                delta.insert(k.clone(), d);
            }
        }
        let expected: BTreeMap<String, i64> =
            expect.iter().map(|(k, v)| (k.to_string(), *v)).collect();
        assert_eq!(delta, expected, "{args:?}: ok audit rows gained");
        let added: i64 = expect.iter().map(|(_, v)| v).sum();
        if code == 0 {
            assert_eq!(
                probe.count("audit_log", "action <> 'run'") - total_before,
                added,
                "{args:?}: audit rows of other outcomes written"
            );
        }
        assert_eq!(
            probe.count(
                "audit_log",
                &format!(
                    "id > {max_id} AND outcome = 'ok' AND action <> 'run' AND reason = {} AND operator = 'admin'",
                    quote(reason)
                )
            ),
            added,
            "{args:?}: new rows lack the reason or the operator"
        );
        if !customers.is_empty() {
            let got: BTreeSet<i64> = probe
                .texts(&format!(
                    "SELECT CAST(customer_id AS TEXT) AS v FROM audit_log WHERE id > {max_id} AND outcome = 'ok' AND action <> 'run'"
                ))
                .into_iter()
                .map(|v| v.expect("customer_id set").parse().unwrap())
                .collect();
            assert_eq!(
                got,
                customers.iter().copied().collect::<BTreeSet<i64>>(),
                "{args:?}: audit rows name the wrong customers"
            );
        }
        steps += 1;
        run
    };
    let s = |id: i64| id.to_string();
    let (s1, s2, s3) = (s(c1), s(c2), s(c3));

    // Customers.
    step(
        &[
            "edit",
            &s1,
            "--name",
            "Audit Changed",
            "--email",
            "changed@example.com",
        ],
        "",
        0,
        &[("edit", 1)],
        &[c1],
    );
    step(
        &[
            "edit",
            &s1,
            "--name",
            "Audit Changed",
            "--email",
            "CHANGED@example.com",
        ],
        "",
        0,
        &[],
        &[],
    );
    step(
        &["edit", &s1, "--phone", "+1 415 555 0123"],
        "",
        0,
        &[("edit", 1)],
        &[c1],
    );
    step(&["edit", &s1, "--phone", "+14155550123"], "", 0, &[], &[]);
    step(
        &["edit", &s1, "--clear-phone"],
        "",
        0,
        &[("edit", 1)],
        &[c1],
    );
    step(&["edit", &s1, "--clear-phone"], "", 0, &[], &[]);
    step(
        &["toggle", &s1, "--deactivate", "--dry-run"],
        "",
        0,
        &[],
        &[],
    );
    step(
        &["toggle", &s1, "--deactivate"],
        "",
        0,
        &[("deactivate", 1)],
        &[c1],
    );
    step(&["toggle", &s1, "--deactivate"], "", 0, &[], &[]);
    step(
        &["toggle", &s1, "--activate"],
        "",
        0,
        &[("activate", 1)],
        &[c1],
    );
    step(&["toggle", &s1, "--activate"], "", 0, &[], &[]);
    step(
        &["toggle", &s(c4), &s(c5), &s(c6), "--deactivate", "--yes"],
        "",
        0,
        &[("deactivate", 2)],
        &[c4, c6],
    );
    step(&["reset-password", &s1, "--dry-run"], "", 0, &[], &[]);
    step(
        &["reset-password", &s1],
        "",
        0,
        &[("reset_password", 1)],
        &[c1],
    );
    step(&["delete", &s(unpaid), "--yes"], "", 5, &[], &[]);
    step(&["delete", &s2, "--yes", "--dry-run"], "", 0, &[], &[]);
    step(&["delete", &s2, "--yes"], "", 0, &[("delete", 1)], &[c2]);
    step(&["delete", &s2, "--yes"], "", 0, &[], &[]);
    step(&["restore", &s2, "--dry-run"], "", 0, &[], &[]);
    step(&["restore", &s2], "", 0, &[("restore", 1)], &[c2]);
    step(&["restore", &s2], "", 0, &[], &[]);
    step(
        &["purge", &s3, "--password-stdin"],
        &format!("{ADMIN_PASSWORD}\n"),
        0,
        &[("purge", 1)],
        &[c3],
    );
    step(
        &["purge", &s3, "--password-stdin"],
        &format!("{ADMIN_PASSWORD}\n"),
        3,
        &[],
        &[],
    );

    // Operators.
    step(
        &[
            "operator",
            "add",
            "auditee",
            "--role",
            "support",
            "--password-stdin",
        ],
        &admin_stdin(&["auditee-password-0123"]),
        0,
        &[("operator_add", 1)],
        &[],
    );
    step(
        &[
            "operator",
            "add",
            "auditee",
            "--role",
            "support",
            "--password-stdin",
        ],
        &admin_stdin(&["auditee-password-0123"]),
        5,
        &[],
        &[],
    );
    step(
        &[
            "operator",
            "set-role",
            "auditee",
            "admin",
            "--password-stdin",
        ],
        &admin_stdin(&[]),
        0,
        &[("operator_set_role", 1)],
        &[],
    );
    step(
        &[
            "operator",
            "set-role",
            "auditee",
            "admin",
            "--password-stdin",
        ],
        &admin_stdin(&[]),
        0,
        &[],
        &[],
    );
    step(
        &["operator", "passwd", "auditee", "--password-stdin"],
        &admin_stdin(&["auditee-password-4567"]),
        0,
        &[("operator_passwd", 1)],
        &[],
    );
    step(
        &["operator", "passwd", "--password-stdin"],
        &format!("{ADMIN_PASSWORD}\n{ADMIN_PASSWORD}\n"),
        0,
        &[("operator_passwd", 1)],
        &[],
    );
    step(
        &["operator", "deactivate", "auditee", "--password-stdin"],
        &admin_stdin(&[]),
        0,
        &[("operator_deactivate", 1)],
        &[],
    );
    step(
        &["operator", "deactivate", "auditee", "--password-stdin"],
        &admin_stdin(&[]),
        0,
        &[],
        &[],
    );
    step(
        &["operator", "activate", "auditee", "--password-stdin"],
        &admin_stdin(&[]),
        0,
        &[("operator_activate", 1)],
        &[],
    );
    step(
        &["operator", "activate", "auditee", "--password-stdin"],
        &admin_stdin(&[]),
        0,
        &[],
        &[],
    );
    env.exec(
        "UPDATE operators SET failed_attempts = 0, locked_until = '2099-01-01 00:00:00' WHERE username = 'auditee'",
    );
    step(
        &["operator", "unlock", "auditee", "--password-stdin"],
        &admin_stdin(&[]),
        0,
        &[("operator_unlock", 1)],
        &[],
    );
    assert_eq!(
        env.count(
            "operators",
            "username = 'auditee' AND locked_until IS NULL AND failed_attempts = 0"
        ),
        1
    );
    step(
        &["operator", "unlock", "auditee", "--password-stdin"],
        &admin_stdin(&[]),
        0,
        &[],
        &[],
    );
    eprintln!("audit integrity: {steps} command runs checked");
});

db_test!(audit_operator_filter_is_not_the_acting_operator, |env| {
    env.init_db(0).add_support();
    add_operator(&env, "retired", "support", "retired-password-0123");
    let id = env.insert_customer("Filter Me", "filter@example.com");
    env.cmd()
        .args(&[
            "--operator",
            "retired",
            "toggle",
            &id.to_string(),
            "--deactivate",
        ])
        .run()
        .ok();
    env.admin_change(&["operator", "deactivate", "retired"], &[])
        .ok();
    let before = full_state(&env);
    // `support` reads the rows of `admin`, of a deactivated operator, and of
    // a name nobody has (literally, metacharacters and all): the filter
    // filters; it does not change who is acting.
    for (filter, expect_rows) in [
        ("admin", true),
        ("retired", true),
        ("nobody", false),
        ("' OR 1=1 --", false),
    ] {
        let run = env
            .cmd()
            .env("CUSTADM_OPERATOR", "support")
            .args(&["audit", "--operator", filter, "-o", "json"])
            .run();
        assert_eq!(
            run.code, 0,
            "`CUSTADM_OPERATOR=support custadm audit --operator {filter}`: exit {}\n{}",
            run.code, run.stderr
        );
        let rows = run.json();
        let rows = rows.as_array().unwrap();
        assert_eq!(
            !rows.is_empty(),
            expect_rows,
            "--operator {filter}: {rows:?}"
        );
        assert!(rows.iter().all(|r| r["operator"] == filter));
        assert_eq!(
            full_state(&env),
            before,
            "--operator {filter} wrote something"
        );
    }
    // And a denied `audit` (inactive acting operator) is recorded under the
    // acting operator, not under the filter's name.
    let run = env
        .cmd()
        .env("CUSTADM_OPERATOR", "retired")
        .args(&["audit", "--operator", "admin"])
        .run();
    assert_clean_failure(&run, 4, "retired");
});

#[test]
fn reasons_are_capped_and_free_of_control_characters() {
    let env = Env::sqlite();
    env.init_db(0);
    let id = env.insert_customer("One", "one@example.com").to_string();
    let audit = env.count("audit_log", "");
    for reason in [
        "r".repeat(501),
        "x".repeat(120_000),
        "T-1\nforged line".to_string(),
        format!("T-1{OSC_TITLE}"),
        "T-1\u{202e}".to_string(),
        "T-1\u{9b}2J".to_string(),
        "T-1\u{7f}".to_string(),
    ] {
        let run = env.run(&["--reason", &reason, "toggle", &id, "--deactivate"]);
        run.code(2).error_line("--reason");
        assert!(run.stderr.len() < 1_000, "error echoes the reason");
        assert_eq!(
            env.count("audit_log", ""),
            audit,
            "written despite a bad reason"
        );
    }
    let ok = "é".repeat(500);
    env.run(&["--reason", &ok, "toggle", &id, "--deactivate"])
        .ok();
    let stored = env.texts(&format!(
        "SELECT reason AS v FROM audit_log WHERE action = 'deactivate' AND customer_id = {id}"
    ));
    assert_eq!(stored, vec![Some(ok)]);
}

db_test!(a_dash_reason_is_shown_quoted, |env| {
    env.init_db(0);
    let id = env.insert_customer("Ann Lee", "ann@example.com");
    env.run(&["--reason", "-", "view", &id.to_string()]).ok();
    env.run(&["view", &id.to_string()]).ok();
    let audit = env.run(&["audit", "--action", "view"]);
    audit.ok();
    let lines: Vec<&str> = audit.stdout.lines().skip(1).collect();
    assert_eq!(lines.len(), 2, "{}", audit.stdout);
    assert!(
        lines[1].contains("\"-\""),
        "the reason '-' quoted: {}",
        lines[1]
    );
    assert!(
        !lines[0].contains('"'),
        "no reason is a bare -: {}",
        lines[0]
    );
});

/// Audit rows whose `run_id` is `run`, its closing `run` row left out.
fn rows_of_run(env: &Env, run: &str) -> i64 {
    env.scalar(&format!(
        "SELECT COUNT(*) AS v FROM audit_log WHERE action <> 'run' AND run_id = {}",
        quote(run)
    ))
    .unwrap_or(0)
}

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
    assert_eq!(rows.len(), 3, "two changes and the run's closing `run` row");
    assert!(rows.iter().all(|r| r["run_id"] == json!(id)));
    assert_eq!(
        rows[0]["action"],
        json!("run"),
        "the newest row closes the run"
    );
    let customers: BTreeSet<i64> = rows[1..]
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
