//! Runs over several customers named one by one: ids from arguments, a file or
//! stdin (emails too), `--dry-run`, `--yes` when there is no terminal, mixed
//! outcomes with their exit codes and summary, 20,000 ids in batches, runs
//! killed or interrupted between batches and rerun, concurrent overlapping
//! runs, large runs printing every result once, and the README pipeline.

use std::collections::BTreeMap;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::db_test;
use crate::support::*;

// ---------------------------------------------------------------------------
// helpers

/// Outcome per id of a changing command's JSON document.
fn outcomes(doc: &serde_json::Value) -> BTreeMap<i64, String> {
    let results = doc["results"].as_array().expect("results array");
    let mut map = BTreeMap::new();
    for r in results {
        let id = r["id"].as_i64().expect("result id");
        let outcome = r["outcome"].as_str().expect("outcome").to_string();
        assert!(
            map.insert(id, outcome).is_none(),
            "id {id} reported twice: {doc}"
        );
    }
    map
}

/// Runs `sh -c SCRIPT` with this env's database, `$CUSTADM` set to the binary,
/// detached from any terminal.
fn run_sh(env: &Env, script: &str) -> Run {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(script)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", env.dir.path())
        .env("XDG_DATA_HOME", env.dir.path().join("data"))
        .env("XDG_CONFIG_HOME", env.dir.path().join("config"))
        .env("CUSTADM_DATABASE_URL", &env.url)
        .env("CUSTADM_OPERATOR", "admin")
        .env("CUSTADM", env!("CARGO_BIN_EXE_custadm"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // SAFETY: setsid is async-signal-safe; it only detaches the child from our terminal.
    unsafe {
        cmd.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
    let out = cmd.output().expect("run sh");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[track_caller]
fn assert_no_error_output(run: &Run) {
    assert!(
        !run.stderr.contains("error:"),
        "unexpected error:\n{}",
        run.stderr
    );
    assert!(
        run.stdout.is_empty() || !run.stdout.contains("error:"),
        "error on stdout:\n{}",
        run.stdout
    );
}

// ---------------------------------------------------------------------------
// many ids

db_test!(many_ids_from_args_file_and_stdin, |env| {
    env.init_db(0);
    bulk_customers(&env, 12);

    // Several ID arguments, one duplicated: processed once.
    let run = env.run(&[
        "toggle",
        "1",
        "2",
        "2",
        "3",
        "--deactivate",
        "--yes",
        "-o",
        "json",
    ]);
    run.ok();
    let doc = run.json();
    assert_eq!(doc["action"], "deactivate");
    assert_eq!(doc["dry_run"], false);
    assert_eq!(doc["results"].as_array().unwrap().len(), 3, "{doc}");
    assert_eq!(
        outcomes(&doc),
        BTreeMap::from([
            (1, "changed".into()),
            (2, "changed".into()),
            (3, "changed".into())
        ])
    );
    assert_eq!(summary(&doc), counts(&[("changed", 3)]));
    assert_eq!(inactive_ids(&env), vec![1, 2, 3]);

    // --ids-from FILE: comments, blank lines, surrounding spaces, duplicates.
    let file = write_text_file(
        &env,
        "ids.txt",
        "# customers to switch off\n4\n\n   5  \n# 6 is not in here\n7 # trailing comment\n4\n\n",
    );
    let run = env.run(&[
        "toggle",
        "--deactivate",
        "--ids-from",
        &file,
        "--yes",
        "-o",
        "json",
    ]);
    run.ok();
    let doc = run.json();
    assert_eq!(
        outcomes(&doc),
        BTreeMap::from([
            (4, "changed".into()),
            (5, "changed".into()),
            (7, "changed".into())
        ])
    );
    assert_eq!(inactive_ids(&env), vec![1, 2, 3, 4, 5, 7]);

    // --ids-from - (stdin), mixed with an argument.
    let run = env
        .cmd()
        .args(&[
            "toggle",
            "8",
            "--deactivate",
            "--ids-from",
            "-",
            "--yes",
            "-o",
            "json",
        ])
        .stdin("9\n# comment\n\n10\n8\n")
        .run();
    run.ok();
    let doc = run.json();
    assert_eq!(
        outcomes(&doc),
        BTreeMap::from([
            (8, "changed".into()),
            (9, "changed".into()),
            (10, "changed".into())
        ])
    );
    assert_eq!(inactive_ids(&env), vec![1, 2, 3, 4, 5, 7, 8, 9, 10]);
    let audit = audit_per_customer(&env, "deactivate");
    assert_eq!(audit.len(), 9);
    assert!(audit.values().all(|n| *n == 1), "{audit:?}");

    // Activate them back through stdin; already-active 6 is unchanged.
    let run = env
        .cmd()
        .args(&[
            "toggle",
            "--activate",
            "--ids-from",
            "-",
            "--yes",
            "-o",
            "json",
        ])
        .stdin(&id_lines(1..=10))
        .run();
    run.ok();
    let doc = run.json();
    assert_eq!(doc["action"], "activate");
    assert_eq!(summary(&doc), counts(&[("changed", 9), ("unchanged", 1)]));
    assert_eq!(outcomes(&doc)[&6], "unchanged");
    assert!(inactive_ids(&env).is_empty());
    assert_eq!(env.count("audit_log", "action = 'activate'"), 9);
    assert_eq!(
        env.count("audit_log", "action = 'activate' AND customer_id = 6"),
        0
    );

    // delete and restore take many ids the same way.
    let run = env
        .cmd()
        .args(&["delete", "--ids-from", "-", "--yes", "-o", "json"])
        .stdin("11\n12\n11\n")
        .run();
    run.ok();
    let doc = run.json();
    assert_eq!(doc["action"], "delete");
    assert_eq!(summary(&doc), counts(&[("changed", 2)]));
    assert_eq!(ids_where(&env, "deleted_at IS NOT NULL"), vec![11, 12]);
    let file = write_text_file(&env, "restore.txt", "11\n# back\n12\n");
    let run = env.run(&["restore", "--ids-from", &file, "--yes", "-o", "json"]);
    run.ok();
    let doc = run.json();
    assert_eq!(doc["action"], "restore");
    assert_eq!(summary(&doc), counts(&[("changed", 2)]));
    assert!(ids_where(&env, "deleted_at IS NOT NULL").is_empty());
    assert_eq!(active_ids(&env), (1..=12).collect::<Vec<_>>());
    assert_eq!(env.count("audit_log", "action = 'delete'"), 2);
    assert_eq!(env.count("audit_log", "action = 'restore'"), 2);
});

db_test!(dry_run_reports_and_writes_nothing, |env| {
    env.init_db(0);
    bulk_customers(&env, 4);
    let unpaid = env.insert_customer("Owes Money", "owes@example.com");
    env.add_invoice(unpaid, 4200);
    env.exec(&format!(
        "UPDATE customers SET is_active = {} WHERE id = 2",
        env.bool_sql(false)
    ));
    let before = snapshot_all(&env);

    // No --yes needed: nothing is written. 1 would change, 2 already inactive, 999 missing.
    let run = env.run(&[
        "toggle",
        "1",
        "2",
        "999",
        "3",
        "--deactivate",
        "--dry-run",
        "-o",
        "json",
    ]);
    run.code(7);
    let doc = run.json();
    assert_eq!(doc["dry_run"], true);
    assert_eq!(doc["action"], "deactivate");
    assert_eq!(
        outcomes(&doc),
        BTreeMap::from([
            (1, "would_change".into()),
            (2, "unchanged".into()),
            (3, "would_change".into()),
            (999, "not_found".into())
        ])
    );
    assert_eq!(
        summary(&doc),
        counts(&[("would_change", 2), ("unchanged", 1), ("not_found", 1)])
    );
    assert_eq!(snapshot_all(&env), before);

    // All valid: exit 0.
    let run = env.run(&[
        "toggle",
        "1",
        "3",
        "4",
        "--deactivate",
        "--dry-run",
        "-o",
        "json",
    ]);
    run.ok();
    assert_eq!(summary(&run.json()), counts(&[("would_change", 3)]));
    assert_eq!(snapshot_all(&env), before);

    // delete --dry-run: the unpaid customer is refused as it would be.
    let unpaid_s = unpaid.to_string();
    let run = env.run(&["delete", "1", &unpaid_s, "--dry-run", "-o", "json"]);
    run.code(7);
    let doc = run.json();
    assert_eq!(doc["dry_run"], true);
    assert_eq!(
        outcomes(&doc),
        BTreeMap::from([(1, "would_change".into()), (unpaid, "refused".into())])
    );
    assert_eq!(snapshot_all(&env), before);

    // restore --dry-run over a deleted customer.
    env.run(&["delete", "4", "--yes"]).ok();
    let before = snapshot_all(&env);
    let run = env.run(&["restore", "4", "--dry-run", "-o", "json"]);
    run.ok();
    let doc = run.json();
    assert_eq!(outcomes(&doc), BTreeMap::from([(4, "would_change".into())]));
    assert_eq!(snapshot_all(&env), before);

    // Table mode says it was a dry run.
    let run = env.run(&["toggle", "1", "3", "--deactivate", "--dry-run"]);
    run.ok();
    assert!(run.stdout.contains("would_change"), "{}", run.stdout);
    assert_eq!(snapshot_all(&env), before);
});

db_test!(
    no_terminal_needs_yes_for_several_ids_and_any_delete,
    |env| {
        env.init_db(0);
        bulk_customers(&env, 5);
        let before = snapshot_all(&env);

        for args in [
            vec!["toggle", "1", "2", "--deactivate"],
            vec!["toggle", "1", "1", "2", "--activate"],
            vec!["delete", "3"],
            vec!["delete", "3", "4"],
        ] {
            let run = env.run(&args);
            run.code(2);
            run.error_line("--yes");
            assert!(run.stdout.is_empty(), "{args:?}: {}", run.stdout);
            assert_eq!(snapshot_all(&env), before, "{args:?} changed something");
        }
        // Through --ids-from as well.
        let run = env
            .cmd()
            .args(&["toggle", "--deactivate", "--ids-from", "-"])
            .stdin("1\n2\n")
            .run();
        run.code(2);
        assert_eq!(snapshot_all(&env), before);

        // One id (not a delete) needs no --yes.
        env.run(&["toggle", "1", "--deactivate"]).ok();
        assert_eq!(inactive_ids(&env), vec![1]);
        // With --yes the rest runs.
        env.run(&["toggle", "2", "3", "--deactivate", "--yes"]).ok();
        assert_eq!(inactive_ids(&env), vec![1, 2, 3]);
        env.run(&["delete", "4", "--yes"]).ok();
        assert_eq!(ids_where(&env, "deleted_at IS NOT NULL"), vec![4]);

        // restore of several ids needs --yes too.
        env.run(&["delete", "5", "--yes"]).ok();
        let before = snapshot_all(&env);
        env.run(&["restore", "4", "5"]).code(2);
        assert_eq!(snapshot_all(&env), before);
        env.run(&["restore", "4", "5", "--yes"]).ok();
        assert!(ids_where(&env, "deleted_at IS NOT NULL").is_empty());
    }
);

db_test!(mixed_outcomes_exit_codes_and_summary, |env| {
    env.init_db(0);
    let a = env.insert_customer("Mixed A", "a@example.com");
    let b = env.insert_customer("Mixed B", "b@example.com");
    let owes = env.insert_customer("Mixed Owes", "owes@example.com");
    let owes2 = env.insert_customer("Mixed Owes Too", "owes2@example.com");
    env.add_invoice(owes, 1000);
    env.add_invoice(owes2, 1);
    let (sa, sb, so, so2) = (
        a.to_string(),
        b.to_string(),
        owes.to_string(),
        owes2.to_string(),
    );

    // delete: valid, missing, refused → exit 7 with every id accounted for.
    let run = env.run(&["delete", &sa, "424242", &so, &sb, "--yes", "-o", "json"]);
    run.code(7);
    let doc = run.json();
    assert_eq!(
        outcomes(&doc),
        BTreeMap::from([
            (a, "changed".into()),
            (b, "changed".into()),
            (owes, "refused".into()),
            (424242, "not_found".into())
        ])
    );
    assert_eq!(
        summary(&doc),
        counts(&[("changed", 2), ("refused", 1), ("not_found", 1)])
    );
    assert!(
        run.stderr
            .lines()
            .filter(|l| l.starts_with("error:"))
            .count()
            <= 1,
        "{}",
        run.stderr
    );
    assert_eq!(ids_where(&env, "deleted_at IS NOT NULL"), vec![a, b]);
    let audit = audit_per_customer(&env, "delete");
    assert_eq!(audit, BTreeMap::from([(a, 1), (b, 1)]));

    // All missing → exit 3.
    let run = env.run(&[
        "toggle",
        "777",
        "778",
        "--deactivate",
        "--yes",
        "-o",
        "json",
    ]);
    run.code(3);
    assert_eq!(summary(&run.json()), counts(&[("not_found", 2)]));
    env.run(&["toggle", "777", "--deactivate"]).code(3);
    env.run(&["delete", "777", "778", "--yes"]).code(3);

    // All refused → exit 5; nothing deleted.
    let run = env.run(&["delete", &so, &so2, "--yes", "-o", "json"]);
    run.code(5);
    assert_eq!(summary(&run.json()), counts(&[("refused", 2)]));
    assert_eq!(ids_where(&env, "deleted_at IS NOT NULL"), vec![a, b]);

    // Table mode: the summary line on stderr.
    let run = env.run(&["toggle", &so, "999", &so2, "--deactivate", "--yes"]);
    run.code(7);
    assert!(
        run.stderr.contains("deactivate: 2 changed, 1 not_found"),
        "stderr:\n{}",
        run.stderr
    );
    assert!(
        !run.stdout.contains("2 changed"),
        "summary belongs on stderr:\n{}",
        run.stdout
    );
    assert!(run.stdout.contains("not_found"), "{}", run.stdout);
    assert_eq!(
        audit_per_customer(&env, "deactivate"),
        BTreeMap::from([(owes, 1), (owes2, 1)])
    );

    // Unchanged and changed together is success (exit 0).
    let run = env.run(&["toggle", &so, &sa, "--deactivate", "--yes", "-o", "json"]);
    run.ok();
    let doc = run.json();
    assert_eq!(outcomes(&doc)[&owes], "unchanged");
    // A deleted customer is already inactive.
    assert_eq!(summary(&doc).values().sum::<i64>(), 2);
    assert_eq!(
        audit_per_customer(&env, "deactivate").get(&owes),
        Some(&1),
        "unchanged writes no audit row"
    );

    // A soft-deleted customer cannot be activated: refused, next to a change.
    let run = env.run(&["toggle", &sa, &so, "--activate", "--yes", "-o", "json"]);
    run.code(7);
    let doc = run.json();
    assert_eq!(
        outcomes(&doc),
        BTreeMap::from([(a, "refused".into()), (owes, "changed".into())])
    );
    assert_eq!(ids_where(&env, "deleted_at IS NOT NULL"), vec![a, b]);
    assert!(!active_ids(&env).contains(&a));
    assert!(active_ids(&env).contains(&owes));
});

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

// ---------------------------------------------------------------------------
// large runs

db_test!(deactivate_20000_ids_in_batches_then_rerun, |env| {
    env.init_db(0);
    const N: i64 = 20_000;
    bulk_customers(&env, N);
    let file = write_text_file(&env, "all.txt", &id_lines(1..=N));

    let started = Instant::now();
    let run = env.run(&[
        "toggle",
        "--deactivate",
        "--ids-from",
        &file,
        "--yes",
        "--batch-size",
        "500",
        "-o",
        "json",
    ]);
    run.ok();
    let doc = run.json();
    assert_eq!(doc["results"].as_array().unwrap().len(), N as usize);
    assert_eq!(summary(&doc), counts(&[("changed", N)]));
    eprintln!("20,000 deactivations took {:?}", started.elapsed());
    assert_eq!(
        env.count("customers", &format!("is_active = {}", env.bool_sql(true))),
        0
    );
    let audit = audit_per_customer(&env, "deactivate");
    assert_eq!(audit.len(), N as usize);
    assert!(audit.values().all(|n| *n == 1));
    assert_eq!(
        audit.keys().copied().collect::<Vec<_>>(),
        (1..=N).collect::<Vec<_>>()
    );
    let audit_total = env.count("audit_log", "action <> 'run'");

    // Again: all unchanged, no new audit rows.
    let run = env.run(&[
        "toggle",
        "--deactivate",
        "--ids-from",
        &file,
        "--yes",
        "--batch-size",
        "500",
        "-o",
        "json",
    ]);
    run.ok();
    assert_eq!(summary(&run.json()), counts(&[("unchanged", N)]));
    assert_eq!(env.count("audit_log", "action <> 'run'"), audit_total);

    // Table mode prints the summary on stderr.
    let run = env.run(&["toggle", "--deactivate", "--ids-from", &file, "--yes"]);
    run.ok();
    assert!(
        run.stderr.contains(&format!("deactivate: {N} unchanged")),
        "{}",
        run.stderr
    );
    assert_eq!(env.count("audit_log", "action <> 'run'"), audit_total);

    // Bad batch sizes are usage errors.
    env.run(&[
        "toggle",
        "--deactivate",
        "--ids-from",
        &file,
        "--yes",
        "--batch-size",
        "0",
    ])
    .code(2);
    env.run(&[
        "toggle",
        "--deactivate",
        "--ids-from",
        &file,
        "--yes",
        "--batch-size",
        "x",
    ])
    .code(2);
});

db_test!(killed_run_is_all_or_nothing_and_rerun_finishes, |env| {
    env.init_db(0);
    const N: i64 = 20_000;
    bulk_customers(&env, N);
    let file = write_text_file(&env, "all.txt", &id_lines(1..=N));
    let args = [
        "toggle",
        "--deactivate",
        "--ids-from",
        &file,
        "--yes",
        "--batch-size",
        "200",
    ];

    let mut cmd = env.cmd().args(&args).cmd;
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().expect("spawn custadm");
    let inactive_sql = format!("is_active = {}", env.bool_sql(false));
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if env.count("customers", &inactive_sql) > 0 {
            break;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the run ended ({status}) before any batch was seen committed");
        }
        assert!(Instant::now() < deadline, "no batch committed within 30 s");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().expect("SIGKILL");
    let status = child.wait().unwrap();
    assert!(
        status.code().is_none(),
        "the run finished before it could be killed ({status}); nothing to test"
    );

    let done = assert_all_or_nothing(&env);
    assert!(done > 0, "some batches committed before the kill");
    assert!(
        done < N as usize,
        "the run was killed mid-way, yet all {N} customers are inactive"
    );

    // Run it again: finishes the job, one audit row each.
    let run = env.run(&[
        "toggle",
        "--deactivate",
        "--ids-from",
        &file,
        "--yes",
        "--batch-size",
        "200",
        "-o",
        "json",
    ]);
    run.ok();
    let doc = run.json();
    assert_eq!(
        summary(&doc),
        counts(&[("changed", N - done as i64), ("unchanged", done as i64)])
    );
    assert_eq!(assert_all_or_nothing(&env), N as usize);
    assert!(active_ids(&env).is_empty());
});

db_test!(interrupted_run_stops_between_batches, |env| {
    env.init_db(0);
    const N: i64 = 20_000;
    bulk_customers(&env, N);
    let file = write_text_file(&env, "all.txt", &id_lines(1..=N));
    let mut cmd = env
        .cmd()
        .args(&[
            "toggle",
            "--deactivate",
            "--ids-from",
            &file,
            "--yes",
            "--batch-size",
            "200",
            "-o",
            "json",
        ])
        .cmd;
    cmd.stdin(Stdio::null());
    let child = cmd.spawn().expect("spawn custadm");
    let inactive_sql = format!("is_active = {}", env.bool_sql(false));
    let deadline = Instant::now() + Duration::from_secs(30);
    while env.count("customers", &inactive_sql) == 0 {
        assert!(Instant::now() < deadline, "no batch committed within 30 s");
        std::thread::sleep(Duration::from_millis(5));
    }
    // SAFETY: plain kill(2) on our own child's pid.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGINT);
    }
    let out = child.wait_with_output().unwrap();
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    let done = assert_all_or_nothing(&env);
    assert!(
        done < N as usize,
        "Ctrl-C did not stop the run: {}",
        run.stderr
    );
    assert_ne!(
        run.code, 0,
        "an interrupted run is not done:\n{}",
        run.stderr
    );
    // It stopped between batches and reported every customer: what it
    // did, and the rest `failed`, "not attempted" (as a stop on a lock
    // timeout reports them).
    run.code(7).error_line("interrupted");
    let doc = run.json();
    assert_eq!(doc["interrupted"], true);
    assert_eq!(
        summary(&doc),
        counts(&[("changed", done as i64), ("failed", N - done as i64)])
    );
    let results = doc["results"].as_array().expect("results");
    assert_eq!(results.len() as i64, N);
    let active = active_ids(&env);
    let failed: Vec<i64> = results
        .iter()
        .filter(|r| r["outcome"] == "failed")
        .map(|r| {
            assert!(
                r["message"]
                    .as_str()
                    .unwrap_or("")
                    .contains("not attempted"),
                "{r}"
            );
            r["id"].as_i64().expect("id")
        })
        .collect();
    assert_eq!(
        failed, active,
        "the customers not attempted are those still active"
    );
    env.run(&["toggle", "--deactivate", "--ids-from", &file, "--yes"])
        .ok();
    assert_eq!(assert_all_or_nothing(&env), N as usize);
});

db_test!(
    interrupted_filter_run_lists_the_matches_not_attempted,
    |env| {
        env.init_db(0);
        const N: i64 = 20_000;
        bulk_customers(&env, N);
        let args = [
            "toggle",
            "--deactivate",
            "--status",
            "active",
            "--yes",
            "--batch-size",
            "100",
            "-o",
            "json",
        ];
        let mut cmd = env.cmd().args(&args).cmd;
        cmd.stdin(Stdio::null());
        let child = cmd.spawn().expect("spawn custadm");
        let inactive_sql = format!("is_active = {}", env.bool_sql(false));
        let deadline = Instant::now() + Duration::from_secs(30);
        while env.count("customers", &inactive_sql) == 0 {
            assert!(Instant::now() < deadline, "no batch committed within 30 s");
            std::thread::sleep(Duration::from_millis(5));
        }
        // SAFETY: plain kill(2) on our own child's pid.
        unsafe {
            libc::kill(child.id() as libc::pid_t, libc::SIGINT);
        }
        let run = finish(child);
        run.code(7).error_line("interrupted");
        let done = assert_all_or_nothing(&env) as i64;
        assert!(done < N, "Ctrl-C did not stop the run");
        let doc = run.json();
        assert_eq!(
            summary(&doc),
            counts(&[("changed", done), ("failed", N - done)])
        );
        let failed: Vec<i64> = doc["results"]
            .as_array()
            .expect("results")
            .iter()
            .filter(|r| r["outcome"] == "failed")
            .map(|r| r["id"].as_i64().expect("id"))
            .collect();
        assert_eq!(failed, active_ids(&env));
    }
);

db_test!(concurrent_overlapping_runs_each_customer_once, |env| {
    env.init_db(0);
    const N: i64 = 12_000;
    bulk_customers(&env, N);
    let f1 = write_text_file(&env, "first.txt", &id_lines(1..=8_000));
    let f2 = write_text_file(&env, "second.txt", &id_lines(4_000..=12_000));
    let spawn = |file: &str| {
        let mut cmd = env
            .cmd()
            .args(&[
                "toggle",
                "--deactivate",
                "--ids-from",
                file,
                "--yes",
                "--batch-size",
                "500",
                "-o",
                "json",
            ])
            .cmd;
        cmd.stdin(Stdio::null());
        cmd.spawn().expect("spawn custadm")
    };
    let c1 = spawn(&f1);
    let c2 = spawn(&f2);
    let o1 = c1.wait_with_output().unwrap();
    let o2 = c2.wait_with_output().unwrap();
    let mut changed = 0;
    let mut unchanged = 0;
    for (i, out) in [o1, o2].into_iter().enumerate() {
        let run = Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        run.ok();
        let lower = run.stderr.to_lowercase();
        assert!(
            !lower.contains("locked") && !lower.contains("deadlock") && !lower.contains("busy"),
            "run {i} stderr:\n{}",
            run.stderr
        );
        assert_no_error_output(&run);
        let s = summary(&run.json());
        changed += s.get("changed").copied().unwrap_or(0);
        unchanged += s.get("unchanged").copied().unwrap_or(0);
        assert_eq!(
            s.keys()
                .filter(|k| *k != "changed" && *k != "unchanged")
                .count(),
            0,
            "run {i}: {s:?}"
        );
    }
    assert_eq!(changed, N, "each customer changed by exactly one run");
    assert_eq!(
        unchanged, 4_001,
        "the overlap 4000..=8000 was seen as unchanged once"
    );
    assert!(active_ids(&env).is_empty());
    assert_eq!(assert_all_or_nothing(&env), N as usize);
});

fn ids_count_active(env: &Env) -> usize {
    id_set_where(env, &format!("is_active = {}", env.bool_sql(true))).len()
}

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
    // Named, not filtered: a filter selects only what would change.
    let every = env.run(&["list", "--status", "all", "-o", "ids"]).stdout;
    let every_file = env.dir.path().join("every-id.txt");
    std::fs::write(&every_file, every).unwrap();
    let every_file = every_file.display().to_string();
    let args = [
        "toggle",
        "--activate",
        "--ids-from",
        &every_file,
        "--dry-run",
    ];
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

// ---------------------------------------------------------------------------
// the README pipeline

db_test!(readme_pipeline_deactivates_exactly_the_stale, |env| {
    env.init_db(0);
    bulk_customers(&env, 300);
    // Everyone logged in recently…
    env.exec(&format!(
        "UPDATE customers SET last_login_at = '{}'",
        ago(DAY)
    ));
    // …except: stale logins, never-logged-in old accounts, and edge cases.
    env.exec(&format!(
        "UPDATE customers SET last_login_at = '{}' WHERE id % 7 = 0",
        ago(400 * DAY)
    ));
    env.exec(&format!(
        "UPDATE customers SET last_login_at = NULL, created_at = '{}' WHERE id % 11 = 0",
        ago(500 * DAY)
    ));
    // Never logged in but created recently: not stale.
    env.exec(&format!(
        "UPDATE customers SET last_login_at = NULL, created_at = '{}' WHERE id % 13 = 0",
        ago(30 * DAY)
    ));
    // Logged in 364 days ago: not stale.
    env.exec(&format!(
        "UPDATE customers SET last_login_at = '{}' WHERE id % 17 = 0",
        ago(364 * DAY)
    ));
    // Old created, recent login: not stale.
    env.exec(&format!(
        "UPDATE customers SET created_at = '{}' WHERE id % 19 = 0",
        ago(900 * DAY)
    ));
    let expected: Vec<i64> = ids_where(
        &env,
        &format!("COALESCE(last_login_at, created_at) < '{}'", ago(365 * DAY)),
    );
    assert!(expected.len() > 40, "{expected:?}");
    assert!(expected.len() < 200, "{expected:?}");

    let run = run_sh(
        &env,
        "\"$CUSTADM\" list --last-login-before 365d -o ids | \"$CUSTADM\" toggle --deactivate --ids-from - --yes",
    );
    run.ok();
    assert!(
        run.stderr
            .contains(&format!("deactivate: {} changed", expected.len())),
        "stderr:\n{}",
        run.stderr
    );
    assert_eq!(inactive_ids(&env), expected);
    let audit = audit_per_customer(&env, "deactivate");
    assert_eq!(audit.keys().copied().collect::<Vec<_>>(), expected);
    assert!(audit.values().all(|n| *n == 1));

    // Again: nothing left to do.
    let run = run_sh(
        &env,
        "\"$CUSTADM\" list --last-login-before 365d -o ids | \"$CUSTADM\" toggle --deactivate --ids-from - --yes -o json",
    );
    run.ok();
    assert_eq!(
        summary(&run.json()),
        counts(&[("unchanged", expected.len() as i64)])
    );
    assert_eq!(audit_per_customer(&env, "deactivate"), audit);
});
