//! `custadm edit --from FILE` (issue 27): CSV and JSON lines applied row by
//! row as `edit` applies one change, every refusal class, malformed files
//! refused whole before anything changes, the email swap rule, a race with
//! another writer of the same customers, kill -9 and a re-run, undo of the
//! run, a 3,000,000-line file in flat memory, hostile cells.

use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::db_test;
use crate::support::*;

/// One column of the customers table (text, NULL as None).
fn column(env: &Env, id: i64, col: &str) -> Option<String> {
    env.texts(&format!("SELECT {col} AS v FROM customers WHERE id = {id}"))
        .into_iter()
        .next()
        .flatten()
}

/// (line, outcome, message) of each result, in order.
fn rows_of(doc: &Value) -> Vec<(i64, String, String)> {
    doc["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            (
                r["line"].as_i64().expect("line"),
                r["outcome"].as_str().expect("outcome").to_string(),
                r["message"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// Customers c1..c{n}@example.com with ids 1..n.
fn customers(env: &Env, n: i64) {
    env.init_db(0);
    bulk_customers(env, n);
}

db_test!(csv_and_jsonl_change_each_row_once, |env| {
    customers(&env, 4);
    // BOM, CRLF, a quoted name with a comma, an empty cell (unchanged), a
    // customer named by email in another case.
    let csv = "\u{feff}id,full_name,phone,new_email\r\n\
               1,\"Lee, Ann\",+44 20 7946 0958,\r\n\
               2,,+1 202-555-0143,Two@Example.COM\r\n";
    let path = write_text_file(&env, "fix.csv", csv);
    let r = env.run(&["edit", "--from", &path, "--yes", "-o", "json"]);
    r.ok();
    let doc = r.json();
    assert_eq!(doc["action"], "edit");
    assert_eq!(
        rows_of(&doc)
            .iter()
            .map(|(l, o, _)| (*l, o.as_str()))
            .collect::<Vec<_>>(),
        vec![(2, "changed"), (3, "changed")]
    );
    assert_eq!(
        doc["results"][0]["changes"]["full_name"],
        serde_json::json!({"old": "Customer 1", "new": "Lee, Ann"})
    );
    assert_eq!(column(&env, 1, "full_name").as_deref(), Some("Lee, Ann"));
    assert_eq!(column(&env, 1, "phone").as_deref(), Some("+442079460958"));
    assert_eq!(column(&env, 1, "email").as_deref(), Some("c1@example.com"));
    assert_eq!(column(&env, 2, "full_name").as_deref(), Some("Customer 2"));
    assert_eq!(column(&env, 2, "phone").as_deref(), Some("+12025550143"));
    assert_eq!(column(&env, 2, "email").as_deref(), Some("two@example.com"));
    let run = run_of(&r);
    assert_eq!(
        env.count(
            "audit_log",
            &format!("action = 'edit' AND run_id = '{run}'")
        ),
        2
    );
    let details = audit_details(&env, 1, "edit");
    assert_eq!(details[0]["line"], 2);
    assert_eq!(details[0]["changes"]["phone"]["new"], "+442079460958");
    // The same file again: every row is already so.
    let r = env.run(&["edit", "--from", &path, "--yes", "-o", "json"]);
    r.ok();
    assert_eq!(summary(&r.json()), counts(&[("unchanged", 2)]));

    // JSON lines, from standard input: by email, a phone cleared with null.
    let jsonl = "{\"email\": \"TWO@example.com\", \"phone\": null}\n\n{\"id\": 3, \"full_name\": \"  Zoë  Q \", \"new_email\": \"Zoe.Q@Example.com\"}\n";
    let r = env
        .cmd()
        .args(&[
            "edit", "--from", "-", "--format", "jsonl", "--yes", "-o", "json",
        ])
        .stdin(jsonl)
        .run();
    r.ok();
    assert_eq!(
        rows_of(&r.json())
            .iter()
            .map(|(l, o, _)| (*l, o.as_str()))
            .collect::<Vec<_>>(),
        vec![(1, "changed"), (3, "changed")]
    );
    assert_eq!(column(&env, 2, "phone"), None);
    assert_eq!(column(&env, 3, "full_name").as_deref(), Some("Zoë  Q"));
    assert_eq!(
        column(&env, 3, "email").as_deref(),
        Some("zoe.q@example.com")
    );

    assert_eq!(env.count("audit_log", "action = 'edit'"), 4);
    intact(&env);
});

db_test!(every_refusal_class_is_one_result_per_row, |env| {
    customers(&env, 8);
    env.exec(&format!(
        "UPDATE customers SET deleted_at = '2025-02-01 00:00:00', is_active = {} WHERE id = 5",
        env.bool_sql(false)
    ));
    let csv = "id,full_name,new_email,phone\n\
               1,,,+1 555 010 1234\n\
               2,Bell\u{7}Name,,\n\
               3,,not-an-email,\n\
               4,,c6@example.com,\n\
               5,New Name,,\n\
               99,Nobody,,\n\
               1,Again,,\n\
               7,,moved@example.com,\n\
               8,,moved@example.com,\n\
               6,Same Customer 6,,\n";
    let path = write_text_file(&env, "mixed.csv", csv);
    let before = env.count("audit_log", "action = 'edit'");
    let r = env.run(&["edit", "--from", &path, "--yes", "-o", "json"]);
    r.code(7);
    let rows = rows_of(&r.json());
    let expect: Vec<(i64, &str, &str)> = vec![
        (2, "refused", "invalid value: phone"),
        (3, "refused", "invalid value: name"),
        (4, "refused", "invalid value: email"),
        (
            5,
            "refused",
            "email c6@example.com is already used by another customer",
        ),
        (6, "refused", "is deleted"),
        (7, "not_found", "customer 99 not found"),
        (8, "refused", "already named by line 2"),
        (9, "changed", ""),
        (
            10,
            "refused",
            "email moved@example.com is customer 7's address (given to or left with them by line 9 of this file)",
        ),
        (11, "changed", ""),
    ];
    assert_eq!(rows.len(), expect.len(), "{rows:?}");
    for ((line, outcome, message), (l, o, m)) in rows.iter().zip(&expect) {
        assert_eq!((line, outcome.as_str()), (l, *o), "{rows:?}");
        assert!(message.contains(m), "line {line}: {message:?} lacks {m:?}");
    }
    assert_eq!(
        column(&env, 7, "email").as_deref(),
        Some("moved@example.com")
    );
    assert_eq!(column(&env, 8, "email").as_deref(), Some("c8@example.com"));
    assert_eq!(column(&env, 5, "full_name").as_deref(), Some("Customer 5"));
    assert_eq!(env.count("audit_log", "action = 'edit'"), before + 2);
    r.error_line("of 10");

    // By email: a customer named twice, once by id and once by email.
    let jsonl = "{\"id\": 4, \"full_name\": \"Four\"}\n{\"email\": \"C4@example.com\", \"full_name\": \"Four Again\"}\n{\"email\": \"nobody@example.com\", \"full_name\": \"X\"}\n";
    let path = write_text_file(&env, "twice.jsonl", jsonl);
    let r = env.run(&["edit", "--from", &path, "--yes", "-o", "json"]);
    r.code(7);
    let doc = r.json();
    let rows = rows_of(&doc);
    assert_eq!(rows[0].1, "changed");
    assert_eq!(rows[1].1, "refused");
    assert!(
        rows[1].2.contains("already changed by line 1"),
        "{:?}",
        rows[1]
    );
    assert_eq!(rows[2].1, "not_found");
    assert_eq!(doc["results"][2]["email"], "nobody@example.com");
    assert_eq!(column(&env, 4, "full_name").as_deref(), Some("Four"));
});

db_test!(malformed_files_are_refused_whole_naming_the_line, |env| {
    customers(&env, 3);
    let before = snapshot_all(&env);
    let audit_before = audit_row_count(&env);
    let cases: Vec<(&str, &str, &str)> = vec![
        (
            "unknown.csv",
            "id,phone,nickname\n1,+12025550143,x\n",
            "line 1: unknown column",
        ),
        (
            "nokey.csv",
            "full_name,phone\nAnn,+12025550143\n",
            "line 1: no id or email column",
        ),
        ("nochange.csv", "id\n1\n", "line 1: no column to change"),
        (
            "twice.csv",
            "id,phone,phone\n1,+1,+1\n",
            "line 1: column phone appears twice",
        ),
        ("empty.csv", "", "line 1: the file is empty"),
        // A good row first: nothing of it is written either.
        (
            "quote.csv",
            "id,full_name\n1,Good Name\n2,\"never closed\n3,x\n",
            "line 3: a quote that is never closed",
        ),
        (
            "fields.csv",
            "id,full_name\n1,Good Name\n2,a,b\n",
            "line 3: 3 fields",
        ),
        (
            "badid.csv",
            "id,full_name\n1,Good Name\nx1,Bad\n",
            "line 3: id 'x1' is not a customer id",
        ),
        (
            "badkey.csv",
            "email,full_name\nnot-an-email,Bad\n",
            "line 2: 'not-an-email' is not a customer email",
        ),
        (
            "json.jsonl",
            "{\"id\":1,\"full_name\":\"Good\"}\n{\"id\":2,\"full_name\":\n",
            "line 2: not a JSON object",
        ),
        (
            "field.jsonl",
            "{\"id\":1,\"nickname\":\"x\"}\n",
            "line 1: not a JSON object",
        ),
        (
            "type.jsonl",
            "{\"id\":\"1\",\"full_name\":\"x\"}\n",
            "line 1: not a JSON object",
        ),
        (
            "both.jsonl",
            "{\"id\":1,\"email\":\"c1@example.com\",\"full_name\":\"x\"}\n",
            "line 1: both id and email",
        ),
        (
            "none.jsonl",
            "{\"full_name\":\"x\"}\n",
            "line 1: no id or email",
        ),
    ];
    for (name, text, needle) in &cases {
        let path = write_text_file(&env, name, text);
        let r = env.run(&["edit", "--from", &path, "--yes", "-o", "json"]);
        r.code(2).error_line(needle);
        assert!(r.stdout.is_empty(), "{name}: {}", r.stdout);
    }
    // Format: from the extension, else --format; neither is exit 2.
    let path = write_text_file(&env, "fixes.txt", "id,full_name\n1,X\n");
    env.run(&["edit", "--from", &path, "--yes"])
        .code(2)
        .error_line("--format");
    assert_eq!(snapshot_all(&env), before);
    assert_eq!(audit_row_count(&env), audit_before);
    // Usage: --from with a single edit's flags.
    env.run(&["edit", "--from", &path, "--name", "X"]).code(2);
    env.run(&["edit", "1"])
        .code(2)
        .error_line("nothing to change");
});

db_test!(a_swap_of_two_emails_is_refused_and_takes_two_runs, |env| {
    customers(&env, 2);
    let swap = write_text_file(
        &env,
        "swap.csv",
        "id,new_email\n1,c2@example.com\n2,c1@example.com\n",
    );
    // The dry run says what the run does.
    let dry = env.run(&["edit", "--from", &swap, "--dry-run", "-o", "json"]);
    dry.code(5);
    let r = env.run(&["edit", "--from", &swap, "--yes", "-o", "json"]);
    r.code(5);
    assert_eq!(rows_of(&dry.json()), rows_of(&r.json()));
    for (line, outcome, message) in rows_of(&r.json()) {
        assert_eq!(outcome, "refused", "line {line}");
        assert!(
            message.contains("already used by another customer"),
            "{message}"
        );
    }
    assert_eq!(column(&env, 1, "email").as_deref(), Some("c1@example.com"));
    assert_eq!(column(&env, 2, "email").as_deref(), Some("c2@example.com"));
    // Through a temporary address: the second run frees c2 on its line 2
    // before line 3 takes it.
    let first = write_text_file(&env, "step1.csv", "id,new_email\n1,swap-tmp@example.com\n");
    env.run(&["edit", "--from", &first, "--yes"]).ok();
    let second = write_text_file(
        &env,
        "step2.csv",
        "id,new_email\n2,c1@example.com\n1,c2@example.com\n",
    );
    let r = env.run(&["edit", "--from", &second, "--dry-run", "-o", "json"]);
    r.ok();
    assert_eq!(summary(&r.json()), counts(&[("would_change", 2)]));
    env.run(&["edit", "--from", &second, "--yes"]).ok();
    assert_eq!(column(&env, 1, "email").as_deref(), Some("c2@example.com"));
    assert_eq!(column(&env, 2, "email").as_deref(), Some("c1@example.com"));
});

db_test!(dry_run_confirmation_and_max_changes, |env| {
    customers(&env, 5);
    let path = write_text_file(
        &env,
        "names.csv",
        "id,full_name\n1,A One\n2,B Two\n3,C Three\n4,Customer 4\n",
    );
    let before = snapshot_all(&env);
    let r = env.run(&["edit", "--from", &path, "--dry-run", "-o", "json"]);
    r.ok();
    let doc = r.json();
    assert_eq!(doc["dry_run"], true);
    assert_eq!(
        summary(&doc),
        counts(&[("would_change", 3), ("unchanged", 1)])
    );
    // No terminal, no --yes: exit 2, nothing written.
    env.run(&["edit", "--from", &path]).code(2);
    // --max-changes counts the customers that would change (row 4 is
    // already so).
    let r = env.run(&[
        "edit",
        "--from",
        &path,
        "--yes",
        "--max-changes",
        "2",
        "-o",
        "json",
    ]);
    r.code(5)
        .error_line("would change 3 customers, more than the limit of 2");
    assert_eq!(snapshot_all(&env), before);
    write_config(&env, "[profiles.p]\nmax_changes = 2\n");
    env.run(&["--profile", "p", "edit", "--from", &path, "--yes"])
        .code(5);
    assert_eq!(snapshot_all(&env), before);
    env.run(&["edit", "--from", &path, "--yes", "--max-changes", "3"])
        .ok();
    assert_eq!(column(&env, 3, "full_name").as_deref(), Some("C Three"));
    // The run is listed by `runs`.
    let runs = env.run(&["runs", "-o", "json"]);
    runs.ok();
    assert!(runs.stdout.contains("\"edit\""), "{}", runs.stdout);
});

db_test!(undo_restores_what_nobody_changed_since, |env| {
    customers(&env, 3);
    env.exec("UPDATE customers SET phone = '+33612345678' WHERE id = 2");
    let path = write_text_file(
        &env,
        "fix.jsonl",
        "{\"id\":1,\"full_name\":\"Ann New\",\"phone\":\"+12025550143\"}\n{\"id\":2,\"phone\":null}\n{\"id\":3,\"new_email\":\"three@example.com\"}\n",
    );
    let r = env.run(&["edit", "--from", &path, "--yes", "-o", "json"]);
    r.ok();
    let run = run_of(&r);
    // Someone changes customer 3's email again afterwards.
    env.run(&["edit", "3", "--email", "later@example.com"]).ok();
    let r = env.run(&["undo", &run, "--yes", "-o", "json"]);
    r.code(7);
    let doc = r.json();
    // The reverse order of the run.
    assert_eq!(
        outcomes_in_order(&doc),
        vec![
            (3, "refused".to_string()),
            (2, "changed".to_string()),
            (1, "changed".to_string())
        ]
    );
    assert_eq!(column(&env, 1, "full_name").as_deref(), Some("Customer 1"));
    assert_eq!(column(&env, 1, "phone"), None);
    assert_eq!(column(&env, 2, "phone").as_deref(), Some("+33612345678"));
    assert_eq!(
        column(&env, 3, "email").as_deref(),
        Some("later@example.com")
    );
    // Again: only customer 3 is left to undo, and it is still changed since.
    env.run(&["undo", &run, "--yes"])
        .code(5)
        .error_line("changed since");
    assert_eq!(
        column(&env, 3, "email").as_deref(),
        Some("later@example.com")
    );
    intact(&env);
});

db_test!(hostile_cells_never_reach_the_terminal_raw, |env| {
    customers(&env, 3);
    let csv = "id,full_name\n\
               1,\"=HYPERLINK(\"\"http://x\"\")\"\n\
               2,Esc\u{1b}[2JName\n\
               3,Bidi\u{202e}evil\n\
               99\u{1b}]0;title\u{7},x\n";
    let path = write_text_file(&env, "hostile.csv", csv);
    // A key that is no id: exit 2, the key quoted safely.
    let r = env.run(&["edit", "--from", &path, "--yes"]);
    r.code(2);
    for s in [&r.stdout, &r.stderr] {
        assert!(!s.contains('\u{1b}') && !s.contains('\u{7}'), "{s:?}");
    }
    let csv = "id,full_name\n\
               1,\"=HYPERLINK(\"\"http://x\"\")\"\n\
               2,Esc\u{1b}[2JName\n\
               3,Bidi\u{202e}evil\n";
    let path = write_text_file(&env, "hostile2.csv", csv);
    for args in [vec!["-o", "table"], vec!["-o", "json"]] {
        let mut argv = vec!["edit", "--from", &path, "--yes", "--dry-run"];
        argv.extend(args);
        let r = env.run(&argv);
        r.code(7);
        for s in [&r.stdout, &r.stderr] {
            assert!(
                !s.contains('\u{1b}') && !s.contains('\u{202e}') && !s.contains('\u{7}'),
                "raw control or bidi in output: {s:?}"
            );
        }
    }
    // On a terminal too.
    let (out, code) = pty_finish(&env, &["edit", "--from", &path, "--yes"]);
    assert_eq!(code, 7, "{out}");
    assert!(!out.contains("\u{1b}[2J"), "{out:?}");
    assert!(!out.contains('\u{202e}'), "{out:?}");
    // The formula is a valid name, stored as given, and guarded in CSV output.
    assert_eq!(
        column(&env, 1, "full_name").as_deref(),
        Some("=HYPERLINK(\"http://x\")")
    );
    let list = env.run(&["list", "-o", "csv"]);
    assert!(list.stdout.contains("'=HYPERLINK"), "{}", list.stdout);
});

db_test!(a_race_with_another_writer_loses_no_field, |env| {
    // Each round: the file renames 20 customers (batches of 5) while
    // another program, in one transaction held open from another
    // connection, sets the phones of the same customers; it starts at a
    // random moment across custadm's run. Whoever waits for whom, both
    // fields survive.
    const PER_ROUND: i64 = 20;
    customers(&env, PER_ROUND * 30);
    let file_for = |round: i64| {
        let mut csv = String::from("id,full_name\n");
        for id in round * PER_ROUND + 1..=round * PER_ROUND + PER_ROUND {
            csv.push_str(&format!("{id},File {id}\n"));
        }
        write_text_file(&env, &format!("round{round}.csv"), &csv)
    };
    let args = |path: &str| -> Vec<String> {
        ["edit", "--from", path, "--yes", "--batch-size", "5"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    };
    let probe = file_for(29);
    let spread_ms = crate::races::spread(|| {
        env.exec("UPDATE customers SET full_name = 'x' WHERE id > 580");
        let a = args(&probe);
        env.run(&a.iter().map(String::as_str).collect::<Vec<_>>())
    });
    let (mut file_first, mut other_first) = (0, 0);
    for round in 0..28i64 {
        let (lo, hi) = (round * PER_ROUND + 1, round * PER_ROUND + PER_ROUND);
        let path = file_for(round);
        let a = args(&path);
        let cmd = env
            .cmd()
            .args(&a.iter().map(String::as_str).collect::<Vec<_>>());
        let delay = if round % 3 == 0 {
            Duration::ZERO
        } else {
            Duration::from_millis(rand::random_range(0..=spread_ms))
        };
        let competitor = crate::races::Competitor {
            statements: vec![format!(
                "UPDATE customers SET phone = '+12025550143' WHERE id BETWEEN {lo} AND {hi}"
            )],
            look: format!(
                "SELECT COUNT(*) AS v FROM customers WHERE id BETWEEN {lo} AND {hi} AND full_name LIKE 'File %'"
            ),
        };
        let (seen, run) =
            crate::races::race(&env, cmd, competitor, delay, Duration::from_millis(30));
        run.ok();
        match seen {
            Some(0) => other_first += 1,
            _ => file_first += 1,
        }
        for id in lo..=hi {
            assert_eq!(
                text(
                    &env,
                    &format!(
                        "SELECT full_name || '|' || phone AS v FROM customers WHERE id = {id}"
                    )
                ),
                Some(format!("File {id}|+12025550143")),
                "round {round}: customer {id} lost a field"
            );
        }
        if file_first >= 2 && other_first >= 2 {
            break;
        }
    }
    eprintln!(
        "edit --from vs another writer ({:?}): file first {file_first}, other first {other_first}",
        env.backend
    );
    assert!(
        file_first > 0 && other_first > 0,
        "both orders: file first {file_first}, other first {other_first}"
    );
    intact(&env);
});

db_test!(killed_runs_then_a_rerun_apply_each_row_once, |env| {
    const N: i64 = 6_000;
    customers(&env, N);
    let mut csv = String::from("id,phone\n");
    for id in 1..=N {
        csv.push_str(&format!("{id},+1 202 555 0143\n"));
    }
    let path = write_text_file(&env, "all.csv", &csv);
    let args = ["edit", "--from", &path, "--yes", "--batch-size", "100"];
    let changed_sql = "phone IS NOT NULL";
    for kill in 0..2 {
        let mut cmd = env.cmd().args(&args).cmd;
        cmd.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let before = env.count("customers", changed_sql);
        let mut child = cmd.spawn().expect("spawn custadm");
        let deadline = Instant::now() + Duration::from_secs(60);
        while env.count("customers", changed_sql) == before {
            if let Some(status) = child.try_wait().unwrap() {
                panic!("run {kill} ended ({status}) before a batch was seen");
            }
            assert!(Instant::now() < deadline, "no batch committed within 60 s");
            std::thread::sleep(Duration::from_millis(2));
        }
        // A random point after the first batch of this run.
        std::thread::sleep(Duration::from_millis(rand::random::<u64>() % 150));
        child.kill().expect("SIGKILL");
        let status = child.wait().unwrap();
        if status.code().is_some() {
            break; // finished before the kill: the checks below still hold
        }
        let done = env.count("customers", changed_sql);
        assert_eq!(
            env.count("audit_log", "action = 'edit'"),
            done,
            "after kill {kill}: every changed customer has one audit row, no other"
        );
    }
    let r = env.run(&[
        "edit",
        "--from",
        &path,
        "--yes",
        "--batch-size",
        "100",
        "-q",
    ]);
    r.ok();
    assert_eq!(env.count("customers", changed_sql), N);
    assert_eq!(env.count("audit_log", "action = 'edit'"), N);
    let per = audit_per_customer(&env, "edit");
    assert_eq!(per.len() as i64, N);
    assert!(per.values().all(|&n| n == 1), "a customer changed twice");
    // Once more: all unchanged.
    let r = env.run(&["edit", "--from", &path, "--yes", "-o", "json"]);
    r.ok();
    assert_eq!(summary(&r.json()), counts(&[("unchanged", N)]));
    intact(&env);
});

/// Peak RSS (KiB) of a dry run over `lines` rows naming no customer.
fn peak_rss_of_rows(env: &Env, lines: u64) -> i64 {
    let path = env.dir.path().join(format!("rows{lines}.csv"));
    {
        use std::io::Write;
        let mut w = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        writeln!(w, "id,full_name").unwrap();
        for i in 0..lines {
            writeln!(w, "{},Name {i}", 1_000_000 + i).unwrap();
        }
    }
    let path = path.display().to_string();
    let cmd = env
        .cmd()
        .args(&[
            "edit",
            "--from",
            &path,
            "--dry-run",
            "-q",
            "--batch-size",
            "5000",
        ])
        .cmd;
    let m = run_bounded(cmd, None, Duration::from_secs(900));
    assert_eq!(m.signal, None, "{}", m.run.stderr);
    m.run.code(3);
    let _ = std::fs::remove_file(&path);
    m.max_rss_kib
}

db_test!(a_three_million_line_file_in_flat_memory, |env| {
    customers(&env, 10);
    let small = peak_rss_of_rows(&env, 100_000);
    let large = peak_rss_of_rows(&env, 3_000_000);
    eprintln!("peak RSS: 100,000 rows {small} KiB, 3,000,000 rows {large} KiB");
    assert!(
        large - small < 16 * 1024,
        "memory grew with the file: {small} KiB for 100,000 rows, {large} KiB for 3,000,000"
    );
});

#[test]
fn through_pgbouncer() {
    let Some(env) = Env::pgbouncer() else { return };
    customers(&env, 30);
    let mut csv = String::from("id,phone,full_name\n");
    for id in 1..=30 {
        csv.push_str(&format!("{id},+44 20 7946 0958,Pooled {id}\n"));
    }
    let path = write_text_file(&env, "pooled.csv", &csv);
    let r = env.run(&[
        "edit",
        "--from",
        &path,
        "--yes",
        "--batch-size",
        "7",
        "-o",
        "json",
    ]);
    r.ok();
    assert_eq!(summary(&r.json()), counts(&[("changed", 30)]));
    let run = run_of(&r);
    env.run(&["undo", &run, "--yes"]).ok();
    assert_eq!(
        column(&env, 30, "full_name").as_deref(),
        Some("Customer 30")
    );
}

db_test!(
    csv_quoting_line_ends_and_long_lines_name_the_right_line,
    |env| {
        customers(&env, 3);
        let before = snapshot_all(&env);
        let audit_before = audit_row_count(&env);
        let long = "x".repeat(70_000);
        let cases: Vec<(&str, String, &str)> = vec![
            // The csv crate read this as `Ann Bee" Cee"`.
            (
                "after.csv",
                "id,full_name\n1,Good\n2,\"Ann \"Bee\" Cee\"\n".into(),
                "line 3: text after the closing quote of a field",
            ),
            (
                "inside.csv",
                "id,full_name\n1,Good\n2,Good\n3,Ann \"Bee\" Cee\n".into(),
                "line 4: a quote inside a field that does not start with one",
            ),
            (
                "unclosed.csv",
                "id,full_name\n1,Good\n2,\"never closed\n3,x\n4,y\n".into(),
                "line 3: a quote that is never closed",
            ),
            // csv's I/O errors carry no position: the line is counted here.
            (
                "longline.csv",
                format!("id,full_name\n1,Good\n2,{long}\n"),
                "line 3: a line longer than 65536 bytes",
            ),
            (
                "longrow.csv",
                format!("id,full_name\n1,Good\n2,\"{}\"\n", "x\n".repeat(40_000)),
                "line 3: a row longer than 65536 bytes",
            ),
            (
                "longline.jsonl",
                format!("{{\"id\":1}}\n{{\"id\":2,\"full_name\":\"{long}\"}}\n"),
                "line 2: a line longer than 65536 bytes",
            ),
            (
                "keybreak.csv",
                "id,full_name\n1,Good\n\"2\n\",x\n".into(),
                "line 3: a line break inside the id cell",
            ),
            // Old Mac line ends: JSON lines end with LF.
            (
                "mac.jsonl",
                "{\"id\":1,\"full_name\":\"A\"}\n{\"id\":2,\"full_name\":\"B\"}\r{\"id\":3}\r"
                    .into(),
                "line 2: a carriage return (CR) without a line feed",
            ),
            // Past a bad line, an earlier line's problem is reported first.
            (
                "first.csv",
                format!("id,full_name\nx1,Bad Id\n2,{long}\n"),
                "line 2: id 'x1' is not a customer id",
            ),
        ];
        for (name, text, needle) in &cases {
            let path = write_text_file(&env, name, text);
            let r = env.run(&["edit", "--from", &path, "--yes", "-o", "json"]);
            r.code(2).error_line(needle);
            assert!(r.stdout.is_empty(), "{name}: {}", r.stdout);
        }
        assert_eq!(snapshot_all(&env), before);
        assert_eq!(audit_row_count(&env), audit_before);

        // CSV with old Mac line ends (CR only) is read, each line counted,
        // also past 64 KiB; a quoted "" is a quote, a quoted CRLF a line.
        let mut csv = String::from("id,full_name\r");
        csv.push_str("1,\"Ann \"\"Bee\"\" Lee\"\r2,\"Two\r\nLines\"\r3,Three\r");
        for id in 10..9_000 {
            csv.push_str(&format!("{id},Nobody {id}\r"));
        }
        let path = write_text_file(&env, "mac.csv", &csv);
        let r = env.run(&["edit", "--from", &path, "--yes", "-o", "json"]);
        r.code(7);
        let rows = rows_of(&r.json());
        assert_eq!(rows[0].0, 2);
        assert_eq!(rows[0].1, "changed");
        assert_eq!((rows[1].0, rows[1].1.as_str()), (3, "refused"));
        assert_eq!((rows[2].0, rows[2].1.as_str()), (5, "changed"));
        assert_eq!(rows.last().map(|r| r.0), Some(8_995));
        assert_eq!(
            column(&env, 1, "full_name").as_deref(),
            Some("Ann \"Bee\" Lee")
        );
        assert_eq!(column(&env, 3, "full_name").as_deref(), Some("Three"));
    }
);

db_test!(a_line_break_in_a_quoted_cell_refuses_that_row_only, |env| {
    customers(&env, 4);
    let csv = "id,full_name,new_email\n\
               1,\"Ann\nLee\",\n\
               2,Two,\"two@example.com\r\n\"\n\
               3,\"\nThree\",\n\
               4,Four,\n";
    let path = write_text_file(&env, "breaks.csv", csv);
    let r = env.run(&["edit", "--from", &path, "--yes", "-o", "json"]);
    r.code(7);
    let rows = rows_of(&r.json());
    let expect = [
        (2, "refused", "name: contains a line break"),
        (4, "refused", "email: contains a line break"),
        (6, "refused", "name: contains a line break"),
        (8, "changed", ""),
    ];
    assert_eq!(rows.len(), expect.len(), "{rows:?}");
    for ((line, outcome, message), (l, o, m)) in rows.iter().zip(expect) {
        assert_eq!((*line, outcome.as_str()), (l, o), "{rows:?}");
        assert!(message.contains(m), "line {line}: {message:?}");
    }
    assert_eq!(column(&env, 1, "full_name").as_deref(), Some("Customer 1"));
    assert_eq!(column(&env, 2, "full_name").as_deref(), Some("Customer 2"));
    assert_eq!(column(&env, 4, "full_name").as_deref(), Some("Four"));
});

db_test!(
    blank_cells_keep_nulls_and_empty_values_say_what_to_do,
    |env| {
        customers(&env, 6);
        env.exec("UPDATE customers SET phone = '+33612345678'");
        // A cell of spaces is empty: it leaves its field as it is.
        let csv = "id,full_name,new_email,phone\n1,  ,\t, \n2, New Two ,   ,\n";
        let path = write_text_file(&env, "blank.csv", csv);
        let r = env.run(&["edit", "--from", &path, "--yes", "-o", "json"]);
        r.ok();
        assert_eq!(
            rows_of(&r.json())
                .iter()
                .map(|(l, o, _)| (*l, o.clone()))
                .collect::<Vec<_>>(),
            vec![(2, "unchanged".to_string()), (3, "changed".to_string())]
        );
        assert_eq!(column(&env, 1, "full_name").as_deref(), Some("Customer 1"));
        assert_eq!(column(&env, 1, "phone").as_deref(), Some("+33612345678"));
        assert_eq!(column(&env, 2, "full_name").as_deref(), Some("New Two"));
        assert_eq!(column(&env, 2, "email").as_deref(), Some("c2@example.com"));
        // JSON: null clears a phone only; an empty phone says how to keep or
        // clear it (a file has no --clear-phone).
        let jsonl = "{\"id\":3,\"full_name\":null}\n\
                 {\"id\":4,\"new_email\":null}\n\
                 {\"id\":5,\"phone\":\"\"}\n\
                 {\"id\":6,\"phone\":null}\n";
        let path = write_text_file(&env, "nulls.jsonl", jsonl);
        let r = env.run(&["edit", "--from", &path, "--yes", "-o", "json"]);
        r.code(7);
        let rows = rows_of(&r.json());
        let expect = [
            (
                1,
                "refused",
                "full_name: null, but only a phone can be removed",
            ),
            (
                2,
                "refused",
                "new_email: null, but only a phone can be removed",
            ),
            (3, "refused", "or give JSON null to remove it"),
            (4, "changed", ""),
        ];
        for ((line, outcome, message), (l, o, m)) in rows.iter().zip(expect) {
            assert_eq!((*line, outcome.as_str()), (l, o), "{rows:?}");
            assert!(message.contains(m), "line {line}: {message:?}");
            assert!(
                !message.contains("--clear-phone"),
                "line {line}: {message:?}"
            );
        }
        assert_eq!(column(&env, 5, "phone").as_deref(), Some("+33612345678"));
        assert_eq!(column(&env, 6, "phone"), None);
        assert_eq!(column(&env, 3, "full_name").as_deref(), Some("Customer 3"));
    }
);

/// Puts customers 1..=n back as `customers` made them.
fn reset_customers(env: &Env) {
    // Through addresses no row uses: the unique index is checked row by row.
    env.exec("UPDATE customers SET email = 'reset' || id || '@example.com'");
    env.exec(
        "UPDATE customers SET email = 'c' || id || '@example.com', full_name = 'Customer ' || id, phone = NULL",
    );
}

db_test!(
    email_keyed_rows_follow_the_earlier_rows_whatever_the_batch,
    |env| {
        // Rows apply in file order, each against the database as the earlier
        // rows left it: an email-keyed row's outcome is the same at any batch
        // size, dry run or not.
        customers(&env, 3);
        // (file, text, each row's (outcome, part of its message))
        type Case<'a> = (&'a str, &'a str, Vec<(&'a str, &'a str)>);
        let files: Vec<Case<'_>> = vec![
        (
            // The new address names the customer line 1 gave it to.
            "new.jsonl",
            "{\"id\":2,\"new_email\":\"n@example.com\"}\n{\"email\":\"N@example.com\",\"phone\":\"+12025550143\"}\n",
            vec![("changed", ""), ("refused", "changed by line 1")],
        ),
        (
            // The old address names nobody once line 1 took it away.
            "old.jsonl",
            "{\"id\":2,\"new_email\":\"n@example.com\"}\n{\"email\":\"c2@example.com\",\"full_name\":\"Old Two\"}\n",
            vec![("changed", ""), ("not_found", "no customer with email c2@example.com")],
        ),
        (
            // The other order: the email-keyed row first, then the same
            // customer by id, then by its new address.
            "first.csv",
            "email,new_email,full_name\nc3@example.com,m@example.com,\nc1@example.com,,One\nm@example.com,,Three\n",
            vec![("changed", ""), ("changed", ""), ("refused", "changed by line 2")],
        ),
        (
            // An address line 1 freed is free for line 2, which then is
            // named by it (line 3).
            "pass.jsonl",
            "{\"id\":1,\"new_email\":\"p@example.com\"}\n{\"id\":3,\"new_email\":\"c1@example.com\"}\n{\"email\":\"c1@example.com\",\"full_name\":\"Three\"}\n",
            vec![("changed", ""), ("changed", ""), ("refused", "changed by line 2")],
        ),
        (
            // A swap: each address is still held when its row comes, by a
            // batch committed before it or by the same batch.
            "swap.jsonl",
            "{\"id\":1,\"new_email\":\"c2@example.com\"}\n{\"id\":2,\"new_email\":\"c1@example.com\"}\n",
            vec![
                ("refused", "email c2@example.com is already used by another customer"),
                ("refused", "email c1@example.com is already used by another customer"),
            ],
        ),
        (
            // An address line 1 gave away is refused naming line 1, also when
            // line 1's batch committed before (then the database says so).
            "given.jsonl",
            "{\"id\":1,\"new_email\":\"g@example.com\"}\n{\"id\":3,\"phone\":\"+12025550143\"}\n{\"id\":2,\"new_email\":\"G@example.com\"}\n",
            vec![
                ("changed", ""),
                ("changed", ""),
                ("refused", "email g@example.com is customer 1's address (given to or left with them by line 1 of this file)"),
            ],
        ),
    ];
        for (name, text, expect) in &files {
            let path = write_text_file(&env, name, text);
            for batch in ["1", "1000"] {
                for dry in [true, false] {
                    let mut args = vec!["edit", "--from", &path, "--yes", "--batch-size", batch];
                    args.extend(["-o", "json"]);
                    if dry {
                        args.push("--dry-run");
                    }
                    let r = env.run(&args);
                    let rows = rows_of(&r.json());
                    assert_eq!(rows.len(), expect.len(), "{name} {batch} {dry}: {rows:?}");
                    for ((line, outcome, message), (o, m)) in rows.iter().zip(expect) {
                        let o = if dry && *o == "changed" {
                            "would_change"
                        } else {
                            o
                        };
                        assert_eq!(
                            outcome, o,
                            "{name} batch {batch} dry {dry} line {line}: {rows:?}"
                        );
                        assert!(
                            message.contains(m),
                            "{name} batch {batch} dry {dry} line {line}: {message:?} lacks {m:?}"
                        );
                    }
                    reset_customers(&env);
                }
            }
        }
    }
);

db_test!(
    emails_moved_before_a_batch_are_read_from_the_database,
    |env| {
        // In a real run the earlier batches have committed: a later row is
        // decided against the database as it is then, which holds their
        // moves and whatever other programs did since (not a record of the
        // whole file's moves, which grew with the file and went stale).
        // Line 1 frees c1@, line 2 gives g@ to customer 2; as soon as line 2
        // has committed, another program gives c1@ to customer 3 and moves
        // g@ from customer 2 to customer 4. The last two lines name c1@ and
        // g@: when the other program committed before their batches began
        // (FILLERS one-row batches between), they change customers 3 and 4.
        // The rounds also race the other program against the last batches
        // (it waits for the fillers): whichever came first, the outcome
        // matches what the database held.
        const FILLERS: i64 = 300;
        customers(&env, 10 + FILLERS);
        let mut text = String::from(
            "{\"id\":1,\"new_email\":\"one.new@example.com\"}\n{\"id\":2,\"new_email\":\"g@example.com\"}\n",
        );
        for id in 11..11 + FILLERS {
            text.push_str(&format!("{{\"id\":{id},\"phone\":\"+1 202 555 0143\"}}\n"));
        }
        text.push_str("{\"email\":\"c1@example.com\",\"full_name\":\"Took C1\"}\n");
        text.push_str("{\"email\":\"g@example.com\",\"full_name\":\"Took G\"}\n");
        let path = write_text_file(&env, "between.jsonl", &text);
        let fillers_done = || env.count("customers", "phone IS NOT NULL AND id > 10");
        let (c1_line, g_line) = (FILLERS + 3, FILLERS + 4);
        let mut early = 0;
        for round in 0..6 {
            reset_customers(&env);
            let child = env
                .cmd()
                .args(&[
                    "edit",
                    "--from",
                    &path,
                    "--yes",
                    "--batch-size",
                    "1",
                    "-o",
                    "json",
                ])
                .cmd
                .spawn()
                .expect("spawn custadm");
            let deadline = Instant::now() + Duration::from_secs(60);
            let ready = |done: &dyn Fn() -> bool| {
                while !done() {
                    assert!(Instant::now() < deadline, "line 2 never committed");
                    std::thread::sleep(Duration::from_millis(1));
                }
            };
            ready(&|| column(&env, 2, "email").as_deref() == Some("g@example.com"));
            if round % 2 == 1 {
                // Race the last batches.
                ready(&|| fillers_done() >= FILLERS - 1);
            }
            let mut other = Other::open(&env);
            other.begin();
            other.exec("UPDATE customers SET email = 'c1@example.com' WHERE id = 3");
            other.exec("UPDATE customers SET email = 'two.moved@example.com' WHERE id = 2");
            other.exec("UPDATE customers SET email = 'g@example.com' WHERE id = 4");
            other.exec("COMMIT");
            // The last filler not committed yet: the last two batches begin
            // after the other program's commit.
            let before_last = fillers_done() < FILLERS;
            let r = finish(child);
            let rows = rows_of(&r.json());
            assert_eq!(rows.len() as i64, FILLERS + 4, "{}", r.stderr);
            let (_, c1, c1_message) = &rows[(c1_line - 1) as usize];
            let (_, g, g_message) = &rows[(g_line - 1) as usize];
            let took_c1 = column(&env, 3, "full_name");
            let took_g = column(&env, 4, "full_name");
            if before_last {
                early += 1;
                assert_eq!(c1, "changed", "round {round}: {c1_message}");
                assert_eq!(g, "changed", "round {round}: {g_message}");
            }
            // Whichever came first, the row matched the database.
            match c1.as_str() {
                "changed" => assert_eq!(took_c1.as_deref(), Some("Took C1")),
                "not_found" => assert_eq!(took_c1.as_deref(), Some("Customer 3")),
                other => panic!("round {round}: line {c1_line} {other}: {c1_message}"),
            }
            match g.as_str() {
                "changed" => assert_eq!(took_g.as_deref(), Some("Took G")),
                "refused" => {
                    // Customer 2 still held g@: named twice.
                    assert!(g_message.contains("changed by line 2"), "{g_message}");
                    assert_eq!(took_g.as_deref(), Some("Customer 4"));
                }
                other => panic!("round {round}: line {g_line} {other}: {g_message}"),
            }
            // Customer 2 gave g@ away before the row naming it: never changed by it.
            assert_eq!(column(&env, 2, "full_name").as_deref(), Some("Customer 2"));
            assert_eq!(column(&env, 1, "full_name").as_deref(), Some("Customer 1"));
            intact(&env);
        }
        assert!(
            early > 0,
            "the other program never committed before the last batches"
        );
    }
);

db_test!(
    an_email_moved_while_the_batch_waited_names_its_new_customer,
    |env| {
        // Another program moves c1@ from customer 1 to customer 2 in a
        // transaction it holds open; the run, started meanwhile, finds
        // customer 1 by c1@ and waits for the lock. Once locked, customer 1 no
        // longer holds the address: the row changes customer 2. (On SQLite a
        // batch looks its emails up inside BEGIN IMMEDIATE, under the write
        // lock, so it cannot find a stale holder: the same outcome, checked.)
        customers(&env, 3);
        let path = write_text_file(
            &env,
            "byemail.csv",
            "email,full_name\nC1@example.com,Named By Email\nc3@example.com,Three\n",
        );
        let mut other = Other::open(&env);
        other.begin();
        other.exec("UPDATE customers SET email = 'c1.old@example.com' WHERE id = 1");
        other.exec("UPDATE customers SET email = 'c1@example.com' WHERE id = 2");
        let child = env
            .cmd()
            .args(&["edit", "--from", &path, "--yes", "-o", "json"])
            .cmd
            .spawn()
            .expect("spawn custadm");
        wait_for_a_lock_wait(&env, Duration::from_millis(1500));
        other.exec("COMMIT");
        let r = finish(child);
        r.ok();
        assert_eq!(
            outcomes_in_order(&r.json()),
            vec![(2, "changed".to_string()), (3, "changed".to_string())]
        );
        assert_eq!(
            column(&env, 2, "full_name").as_deref(),
            Some("Named By Email")
        );
        assert_eq!(column(&env, 1, "full_name").as_deref(), Some("Customer 1"));
    }
);

db_test!(
    max_changes_counts_changes_and_names_where_it_was_set,
    |env| {
        customers(&env, 6);
        // Two rows already so, one invalid, two that change, one unknown.
        let path = write_text_file(
        &env,
        "mixed.csv",
        "id,full_name\n1,Customer 1\n2,Customer 2\n3,Bad\u{7}Name\n4,New Four\n5,New Five\n99,Nobody\n",
    );
        let before = snapshot_all(&env);
        let r = env.run(&["edit", "--from", &path, "--yes", "--max-changes", "1"]);
        r.code(5)
            .error_line("would change 2 customers, more than the limit of 1 (--max-changes 1)");
        assert_eq!(snapshot_all(&env), before);
        // From a profile: the message names its key, not a flag never given.
        write_config(&env, "[profiles.p]\nmax_changes = 1\n");
        let r = env.run(&["--profile", "p", "edit", "--from", &path, "--yes"]);
        r.code(5).error_line("(max_changes = 1 of profile p)");
        assert!(!r.stderr.contains("(--max-changes"), "{}", r.stderr);
        assert_eq!(snapshot_all(&env), before);
        // The other bulk commands say the same.
        let r = env.run(&[
            "--profile",
            "p",
            "toggle",
            "--deactivate",
            "1",
            "2",
            "--yes",
        ]);
        r.code(5).error_line("(max_changes = 1 of profile p)");
        assert_eq!(snapshot_all(&env), before);
        // Two changes fit a limit of 3 (five rows ask for one).
        let r = env.run(&[
            "edit",
            "--from",
            &path,
            "--yes",
            "--max-changes",
            "3",
            "-o",
            "json",
        ]);
        r.code(7);
        assert_eq!(
            summary(&r.json()),
            counts(&[
                ("changed", 2),
                ("unchanged", 2),
                ("refused", 1),
                ("not_found", 1)
            ])
        );
        let run = run_of(&r);
        // Undo counts what it would change back: two, over a profile limit of 1.
        env.run(&["--profile", "p", "undo", &run, "--yes"])
        .code(5)
        .error_line("undo would change 2 customers, more than the limit of 1 (max_changes = 1 of profile p)");
        env.exec("UPDATE customers SET full_name = 'Someone Else' WHERE id = 5");
        // Now only customer 4 still holds what the run wrote: one change.
        let r = env.run(&["--profile", "p", "undo", &run, "--yes", "-o", "json"]);
        r.code(7);
        assert_eq!(
            summary(&r.json()),
            counts(&[("changed", 1), ("refused", 1)])
        );
        assert_eq!(column(&env, 4, "full_name").as_deref(), Some("Customer 4"));
    }
);

db_test!(ctrl_c_lists_the_rows_not_attempted, |env| {
    const N: i64 = 6_000;
    customers(&env, N);
    let mut csv = String::from("id,phone\n");
    for id in 1..=N {
        csv.push_str(&format!("{id},+1 202 555 0143\n"));
    }
    let path = write_text_file(&env, "all.csv", &csv);
    let mut cmd = env
        .cmd()
        .args(&[
            "edit",
            "--from",
            &path,
            "--yes",
            "--batch-size",
            "20",
            "-o",
            "json",
        ])
        .cmd;
    cmd.stdin(Stdio::null());
    let child = cmd.spawn().expect("spawn custadm");
    let changed_sql = "phone IS NOT NULL";
    let deadline = Instant::now() + Duration::from_secs(60);
    while env.count("customers", changed_sql) == 0 {
        assert!(Instant::now() < deadline, "no batch committed within 60 s");
        std::thread::sleep(Duration::from_millis(2));
    }
    // SAFETY: plain kill(2) on our own child's pid.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGINT);
    }
    let r = finish(child);
    r.code(7).error_line("interrupted");
    let done = env.count("customers", changed_sql);
    assert!(done < N, "Ctrl-C did not stop the run");
    let doc = r.json();
    assert_eq!(doc["interrupted"], true);
    assert_eq!(
        summary(&doc),
        counts(&[("changed", done), ("failed", N - done)])
    );
    // Every row once, in file order; the rest `failed`, "not attempted".
    let rows = rows_of(&doc);
    assert_eq!(rows.len() as i64, N);
    for (i, (line, outcome, message)) in rows.iter().enumerate() {
        assert_eq!(*line, i as i64 + 2);
        if (i as i64) < done {
            assert_eq!(outcome, "changed");
        } else {
            assert_eq!(outcome, "failed", "line {line}");
            assert!(message.contains("not attempted"), "{message}");
        }
    }
});

db_test!(
    the_max_changes_count_waits_no_longer_than_lock_timeout,
    |env| {
        // The count before a capped run reads the customers as a dry run does.
        // PostgreSQL: another transaction holding one of the rows makes it
        // wait at most lock_timeout, then exit 6 with nothing changed, as a
        // batch would (it used to wait as long as that transaction lasted).
        // SQLite: the count only reads, so it is not held up; the cap refuses.
        customers(&env, 4);
        let path = write_text_file(
            &env,
            "names.csv",
            "id,full_name\n1,One\n2,Two\n3,Three\n4,Four\n",
        );
        let before = snapshot_all(&env);
        let mut other = Other::open(&env);
        other.begin();
        other.exec("UPDATE customers SET phone = '+12025550143' WHERE id = 3");
        let cmd = env
            .cmd()
            .env("CUSTADM_LOCK_TIMEOUT", "1")
            .args(&["edit", "--from", &path, "--yes", "--max-changes", "3"])
            .cmd;
        let m = run_bounded(cmd, None, Duration::from_secs(30));
        other.exec("ROLLBACK");
        assert_eq!(m.signal, None, "still waiting after 30 s: {}", m.run.stderr);
        match env.backend {
            Backend::Postgres => m.run.code(6).error_line("locked by another transaction"),
            Backend::Sqlite => m.run.code(5).error_line("would change 4 customers"),
        };
        assert_eq!(snapshot_all(&env), before);
    }
);

db_test!(blank_lines_never_shift_the_line_numbers, |env| {
    // Review of issue 27: the csv crate places a record after skipped blank
    // lines where they begin; results and errors named the wrong line for
    // CRLF files with any blank line and LF files with two in a row.
    customers(&env, 3);
    let lines_of = |csv: &str| -> Vec<(i64, i64)> {
        let r = env
            .cmd()
            .args(&[
                "edit",
                "--from",
                "-",
                "--format",
                "csv",
                "--dry-run",
                "-o",
                "json",
            ])
            .stdin(csv)
            .run();
        r.json()["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|r| {
                (
                    r["id"].as_i64().expect("id"),
                    r["line"].as_i64().expect("line"),
                )
            })
            .collect()
    };
    assert_eq!(
        lines_of("id,full_name\r\n1,A\r\n\r\n2,B\r\n"),
        vec![(1, 2), (2, 4)]
    );
    assert_eq!(
        lines_of("id,full_name\n1,A\n\n2,B\n\n\n3,C\n"),
        vec![(1, 2), (2, 4), (3, 7)]
    );
    // A byte-order mark, a blank first line, CR-only line ends, a CR before
    // a CRLF, a quoted line break inside a row (refused: a name is one line).
    assert_eq!(
        lines_of("\u{feff}id,full_name\r\n\r\n1,A\r\r\n2,B\r\r3,\"C\r\nC\"\r\n\n\n"),
        vec![(1, 3), (2, 5), (3, 7)]
    );
    // Errors name the same lines, in CSV and JSON lines.
    let before = snapshot_all(&env);
    let cases: [(&str, &str, &str); 4] = [
        (
            "csv",
            "id,full_name\n\n\n\nx,A\n",
            "standard input line 5: id 'x' is not a customer id",
        ),
        (
            "csv",
            "id,full_name\r\n1,A\r\n\r\n2\r\n",
            "standard input line 4: 1 field, the header has 2",
        ),
        (
            "csv",
            "id,full_name\r\n\r\n\r\n1,A\r\n2,\"B\"x\r\n",
            "standard input line 5: text after the closing quote",
        ),
        (
            "jsonl",
            "{\"id\":1,\"full_name\":\"A\"}\n\n\r\n[1]\n",
            "standard input line 4: an array, not a JSON object",
        ),
    ];
    for (format, text, needle) in cases {
        let r = env
            .cmd()
            .args(&["edit", "--from", "-", "--format", format, "--yes"])
            .stdin(text)
            .run();
        r.code(2).error_line(needle);
    }
    assert_eq!(snapshot_all(&env), before);
});

db_test!(
    a_file_keyed_by_email_run_again_reports_its_done_rows_unchanged,
    |env| {
        // Review of issue 27: a row `old@,new@` whose move was done finds
        // nobody at old@ when the file runs again; it names the customer
        // whose move from old@ to new@ is on record, so the second run
        // reaches what the first reached (the same file twice, as after a
        // kill) in a dry run as in the real one.
        customers(&env, 40);
        env.run(&["edit", "26", "--email", "mig26@old.example"])
            .ok();
        let path = write_text_file(
            &env,
            "mig.csv",
            "email,new_email,full_name\nmig26@old.example,mig26@new.example,\nmig26@new.example,,Should Not Apply\n",
        );
        let run = |dry: bool| {
            let mut args = vec!["edit", "--from", &path, "--yes", "-o", "json"];
            if dry {
                args.push("--dry-run");
            }
            env.run(&args)
        };
        let first = run(false);
        first.code(7);
        let rows = rows_of(&first.json());
        assert_eq!(
            (rows[0].1.as_str(), rows[1].1.as_str()),
            ("changed", "refused")
        );
        assert!(rows[1].2.contains("already changed by line 2"), "{rows:?}");
        for dry in [true, false] {
            let again = run(dry);
            again.code(7);
            let doc = again.json();
            let rows = rows_of(&doc);
            assert_eq!(rows[0].1, "unchanged", "dry {dry}: {rows:?}");
            assert!(
                rows[0]
                    .2
                    .contains("email mig26@old.example was already moved to mig26@new.example"),
                "{rows:?}"
            );
            assert_eq!(doc["results"][0]["id"], 26);
            assert_eq!(rows[1].1, "refused", "dry {dry}: {rows:?}");
            assert!(
                rows[1].2.contains("customer 26 is already named by line 2"),
                "{rows:?}"
            );
        }
        assert_eq!(
            column(&env, 26, "full_name").as_deref(),
            Some("Customer 26")
        );
        assert_eq!(
            env.count("audit_log", "action = 'edit' AND customer_id = 26"),
            2
        );

        // A chain: line 2 moves b@ on, line 3 gives b@ to another customer.
        // Run again, b@ names line 3's customer, yet line 2's move is done.
        env.run(&["edit", "10", "--email", "b@x.example"]).ok();
        env.run(&["edit", "11", "--email", "a@x.example"]).ok();
        let chain = write_text_file(
            &env,
            "chain.csv",
            "email,new_email,phone\nb@x.example,b2@x.example,\na@x.example,b@x.example,+1 202 555 0143\n",
        );
        let dry = env.run(&["edit", "--from", &chain, "--dry-run", "-o", "json"]);
        dry.ok();
        assert_eq!(summary(&dry.json()), counts(&[("would_change", 2)]));
        env.run(&["edit", "--from", &chain, "--yes"]).ok();
        assert_eq!(column(&env, 10, "email").as_deref(), Some("b2@x.example"));
        assert_eq!(column(&env, 11, "email").as_deref(), Some("b@x.example"));
        let audit_before = audit_row_count(&env);
        for dry in [true, false] {
            let mut args = vec!["edit", "--from", &chain, "--yes", "-o", "json"];
            if dry {
                args.push("--dry-run");
            }
            let r = env.run(&args);
            r.ok();
            assert_eq!(
                outcomes_in_order(&r.json()),
                vec![(10, "unchanged".to_string()), (11, "unchanged".to_string())],
                "dry {dry}"
            );
        }
        // Nothing changed: no audit row but the closing `run` rows.
        assert_eq!(audit_row_count(&env), audit_before);

        // Done rows whose other fields differ get those applied.
        let more = write_text_file(
            &env,
            "more.csv",
            "email,new_email,full_name\nb@x.example,b2@x.example,Ten Renamed\n",
        );
        let r = env.run(&["edit", "--from", &more, "--yes", "-o", "json"]);
        r.ok();
        assert_eq!(
            outcomes_in_order(&r.json()),
            vec![(10, "changed".to_string())]
        );
        assert_eq!(
            column(&env, 10, "full_name").as_deref(),
            Some("Ten Renamed")
        );
        assert_eq!(
            column(&env, 11, "full_name").as_deref(),
            Some("Customer 11")
        );

        // No recorded move, no match: an address nobody holds stays
        // not_found even when its new_email is someone's (a typo, another
        // program's change).
        env.exec("UPDATE customers SET email = 'plain@x.example' WHERE id = 12");
        let typo = write_text_file(
            &env,
            "typo.csv",
            "email,new_email,full_name\nnobody@x.example,plain@x.example,Wrong\nc1@example.com,b2@x.example,Wrong Too\n",
        );
        let r = env.run(&["edit", "--from", &typo, "--yes", "-o", "json"]);
        r.code(3);
        let doc = r.json();
        let rows = rows_of(&doc);
        assert_eq!(rows[0].1, "not_found", "{rows:?}");
        assert_eq!(doc["results"][0]["id"], Value::Null);
        assert_eq!(doc["results"][0]["email"], "nobody@x.example");
        // Customer 1 holds c1@, and b2@ is customer 10's (moved from b@):
        // refused as taken, never taken for customer 10.
        assert_eq!(rows[1].1, "refused", "{rows:?}");
        assert!(
            rows[1].2.contains("already used by another customer"),
            "{rows:?}"
        );
        assert_eq!(
            column(&env, 12, "full_name").as_deref(),
            Some("Customer 12")
        );
        assert_eq!(
            column(&env, 10, "full_name").as_deref(),
            Some("Ten Renamed")
        );

        // A file that names a move twice: the second row names the customer
        // the first moved, on the first run as on the second.
        let twice = write_text_file(
            &env,
            "twice.jsonl",
            "{\"id\":3,\"new_email\":\"n3@x.example\"}\n{\"email\":\"c3@example.com\",\"new_email\":\"n3@x.example\"}\n",
        );
        for (run, first) in [(1, "changed"), (2, "unchanged")] {
            let r = env.run(&["edit", "--from", &twice, "--yes", "-o", "json"]);
            let rows = rows_of(&r.json());
            assert_eq!(rows[0].1, first, "run {run}: {rows:?}");
            assert_eq!(rows[1].1, "refused", "run {run}: {rows:?}");
            assert!(rows[1].2.contains("customer 3 "), "run {run}: {rows:?}");
        }
        intact(&env);
    }
);

db_test!(a_killed_email_migration_run_again_finishes_it, |env| {
    // A domain migration keyed by email, killed (SIGKILL) after some
    // batches committed, then run again: the done rows are `unchanged`, the
    // rest change, exit 0; every customer moved once.
    const N: i64 = 6_000;
    customers(&env, N);
    let mut csv = String::from("email,new_email\n");
    for id in 1..=N {
        csv.push_str(&format!("c{id}@example.com,c{id}@new.example\n"));
    }
    let path = write_text_file(&env, "migrate.csv", &csv);
    let moved_sql = "email LIKE '%@new.example'";
    let mut cmd = env
        .cmd()
        .args(&["edit", "--from", &path, "--yes", "--batch-size", "100"])
        .cmd;
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().expect("spawn custadm");
    let deadline = Instant::now() + Duration::from_secs(60);
    while env.count("customers", moved_sql) == 0 {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the run ended ({status}) before a batch was seen");
        }
        assert!(Instant::now() < deadline, "no batch committed within 60 s");
        std::thread::sleep(Duration::from_millis(2));
    }
    std::thread::sleep(Duration::from_millis(rand::random::<u64>() % 150));
    child.kill().expect("SIGKILL");
    child.wait().unwrap();
    let done = env.count("customers", moved_sql);
    assert_eq!(env.count("audit_log", "action = 'edit'"), done);
    let r = env.run(&["edit", "--from", &path, "--yes", "-o", "json"]);
    r.ok();
    let expect = if done == N {
        counts(&[("unchanged", N)])
    } else {
        counts(&[("unchanged", done), ("changed", N - done)])
    };
    assert_eq!(
        summary(&r.json()),
        expect,
        "{done} were done before the kill"
    );
    assert_eq!(env.count("customers", moved_sql), N);
    let per = audit_per_customer(&env, "edit");
    assert_eq!(per.len() as i64, N);
    assert!(per.values().all(|&n| n == 1), "a customer moved twice");
    // Once more, dry and real: all unchanged.
    for dry in [true, false] {
        let mut args = vec!["edit", "--from", &path, "--yes", "-o", "json"];
        if dry {
            args.push("--dry-run");
        }
        let r = env.run(&args);
        r.ok();
        assert_eq!(summary(&r.json()), counts(&[("unchanged", N)]), "dry {dry}");
    }
    intact(&env);
});

db_test!(exit_codes_of_a_file_of_which_no_row_is_done, |env| {
    // Contract, exit codes: 7 is a run where some succeeded and some did
    // not. When none did, the code is that of what went wrong, in the
    // order `edit` meets it: an invalid value 2 (as `edit 7 --name ''`),
    // a customer not found 3, a business rule 5.
    customers(&env, 8);
    let before = snapshot_all(&env);
    let file = |name: &str, text: &str| write_text_file(&env, name, text);
    let cases: Vec<(String, i32, &str)> =
        vec![
        (
            file("empty_name.jsonl", "{\"id\":7,\"full_name\":\"\"}\n"),
            2,
            "invalid value: name",
        ),
        (
            file("invalid_and_missing.csv", "id,full_name\n7,Bad\u{7}\n99,X\n"),
            2,
            "none of the 2 rows was done (1 not_found, 1 refused; 1 refused for an invalid value)",
        ),
        (
            file("invalid_and_taken.csv", "id,new_email\n7,bad\n8,c1@example.com\n"),
            2,
            "none of the 2 rows was done",
        ),
        (
            file("taken_and_missing.csv", "id,new_email\n7,c1@example.com\n99,x@example.com\n"),
            3,
            "none of the 2 rows was done (1 not_found, 1 refused)",
        ),
        (
            file("missing.csv", "id,full_name\n98,X\n99,Y\n"),
            3,
            "none of the 2 rows names a customer that exists",
        ),
        (
            file("taken.csv", "id,new_email\n7,c1@example.com\n8,c2@example.com\n"),
            5,
            "all 2 rows were refused",
        ),
    ];
    for (path, code, needle) in &cases {
        let r = env.run(&["edit", "--from", path, "--yes", "-o", "json"]);
        r.code(*code).error_line(needle);
        // The document is printed all the same, and names the run, which
        // `runs` lists with its exit code.
        let run = run_of(&r);
        assert_eq!(
            env.texts(&format!(
                "SELECT details AS v FROM audit_log WHERE action = 'run' AND run_id = '{run}'"
            ))
            .len(),
            1,
            "{path}"
        );
        let runs = env.run(&["runs", "-o", "json"]);
        let listed = runs.json();
        let this = listed
            .as_array()
            .expect("runs")
            .iter()
            .find(|r| r["run"] == run.as_str())
            .unwrap_or_else(|| panic!("{path}: run {run} not listed: {listed}"))
            .clone();
        assert_eq!(this["exit_code"], *code, "{path}: {this}");
    }
    assert_eq!(snapshot_all(&env), before);
    // The same as `edit` itself, whose help says so.
    env.run(&["edit", "7", "--name", ""]).code(2);
    let help = env.run(&["edit", "--help"]);
    help.ok();
    let help = help.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        help.contains("with --from, a row with an invalid value is refused, and the run exits 2 only when no row was done"),
        "{help}"
    );
});

db_test!(messages_say_what_happened_and_what_to_do, |env| {
    customers(&env, 60);
    // A row asking for its customer's own address changes nothing; the
    // next row asking for it is told whose it is.
    let own = write_text_file(
        &env,
        "own.csv",
        "id,new_email\n49,c49@example.com\n50,c49@example.com\n",
    );
    for dry in [true, false] {
        let mut args = vec!["edit", "--from", &own, "--yes", "-o", "json"];
        if dry {
            args.push("--dry-run");
        }
        let r = env.run(&args);
        r.code(7);
        let rows = rows_of(&r.json());
        assert_eq!(rows[0].1, "unchanged");
        assert!(
            rows[1].2.contains(
                "email c49@example.com is customer 49's address (given to or left with them by line 2 of this file)"
            ),
            "dry {dry}: {rows:?}"
        );
        // A dry run did nothing: it says what would not be done.
        if dry {
            r.error_line("dry run: edit: 1 of 2 rows would not be done (1 refused, 1 unchanged)");
        } else {
            r.error_line("edit: 1 of 2 rows not done (1 refused, 1 unchanged)");
        }
    }
    // A capped dry run says it once.
    let names = write_text_file(&env, "names.csv", "id,full_name\n1,A\n2,B\n3,C\n");
    let r = env.run(&["edit", "--from", &names, "--dry-run", "--max-changes", "2"]);
    r.code(5);
    assert!(
        r.stderr
            .contains("dry run: edit: stopped: nothing was changed\n"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("(nothing done)"), "{}", r.stderr);
    assert_eq!(r.stderr.matches("dry run").count(), 1, "{}", r.stderr);
    // A swap: the error line says how to make it (two runs).
    let swap = write_text_file(
        &env,
        "swap.csv",
        "id,new_email\n1,c2@example.com\n2,c1@example.com\n",
    );
    for dry in [true, false] {
        let mut args = vec!["edit", "--from", &swap, "--yes"];
        if dry {
            args.push("--dry-run");
        }
        let were = if dry {
            "dry run: all 2 rows would be"
        } else {
            "all 2 rows were"
        };
        env.run(&args)
            .code(5)
            .error_line(&format!("{were} refused; see the results. An address is free for a row only once no customer holds it"))
            .error_line("a swap of two addresses takes two runs, through a temporary address");
    }
    // A chain in the wrong order: the hint says to reorder it.
    let chain = write_text_file(
        &env,
        "order.csv",
        "id,new_email\n1,c2@example.com\n2,c2.new@example.com\n",
    );
    env.run(&["edit", "--from", &chain, "--yes"])
        .code(7)
        .error_line("put the row that gives it up first");
    // A refusal of an address held outside the file gives no such hint.
    let taken = write_text_file(
        &env,
        "taken.csv",
        "id,new_email\n3,c4@example.com\n5,c5.new@example.com\n",
    );
    let r = env.run(&["edit", "--from", &taken, "--yes"]);
    r.code(7);
    assert!(!r.stderr.contains("two runs"), "{}", r.stderr);
    // Files that are not comma-separated, a short row, a JSON array.
    let cases: [(&str, &str, &str); 5] = [
        (
            "csv",
            "id;full_name\n1;A\n",
            "unknown column 'id;full_name' (the header names the customer by id or email, and any of full_name, new_email, phone); the file must be comma-separated, and this header seems separated by semicolons",
        ),
        (
            "csv",
            "id\tfull_name\n1\tA\n",
            "the file must be comma-separated, and this header seems separated by tabs",
        ),
        ("csv", "id,full_name\n1\n", "line 2: 1 field, the header has 2"),
        ("jsonl", "[7,\"x\"]\n", "line 1: an array, not a JSON object"),
        ("jsonl", "\"x\"\n", "line 1: a string, not a JSON object"),
    ];
    for (format, text, needle) in cases {
        let r = env
            .cmd()
            .args(&["edit", "--from", "-", "--format", format, "--yes"])
            .stdin(text)
            .run();
        r.code(2).error_line(needle);
        assert!(!r.stderr.contains("JsonRow"), "{}", r.stderr);
    }
    // A JSON line of the wrong shape inside: "an object", never the
    // struct's name.
    let r = env
        .cmd()
        .args(&["edit", "--from", "-", "--format", "jsonl", "--yes"])
        .stdin("{\"id\":1,\"full_name\":[1]}\n")
        .run();
    r.code(2);
    assert!(!r.stderr.contains("JsonRow"), "{}", r.stderr);
});

db_test!(hostile_values_in_details_are_escaped_one_way, |env| {
    // Values other programs stored with escapes, bidi and C1 controls:
    // the result table and `audit` show every one in the sanitising
    // module's style (\x1b, \u{202e}, \x9b), never JSON's \u001b.
    customers(&env, 1);
    env.exec("UPDATE customers SET full_name = 'Esc' || char(27) || '[2J Bidi' || char(8238) || ' C1' || char(155) WHERE id = 1"
            .replace("char(", if env.backend == Backend::Postgres { "chr(" } else { "char(" })
            .as_str());
    let path = write_text_file(&env, "name.csv", "id,full_name\n1,Clean Name\n");
    let r = env.run(&["edit", "--from", &path, "--yes"]);
    r.ok();
    let audit = env.run(&["audit", "--action", "edit"]);
    audit.ok();
    for out in [&r.stdout, &audit.stdout] {
        assert!(out.contains("Esc\\x1b[2J Bidi\\u{202e} C1\\x9b"), "{out}");
        assert!(!out.contains("\\u001b"), "{out}");
        assert!(!out.contains('\u{1b}') && !out.contains('\u{202e}') && !out.contains('\u{9b}'));
    }
});

db_test!(the_question_counts_the_customers_that_would_change, |env| {
    // A file of 6 rows of which 2 change a customer (the rest name nobody,
    // are already so, or are invalid): the question names 2 customers.
    customers(&env, 4);
    let path = write_text_file(
        &env,
        "some.csv",
        "id,full_name\n1,New One\n2,New Two\n3,Customer 3\n98,X\n99,Y\n4,Bad\u{7}\n",
    );
    let before = snapshot_all(&env);
    let mut p = env.pty(&["edit", "--from", &path]);
    p.exp_string("Change 2 customer(s) as ")
        .expect("the question names 2 customers");
    p.exp_string("[y/N]").expect("confirmation question");
    p.send_line("n").expect("answer");
    p.exp_eof().expect("custadm ends");
    assert_eq!(exit_code(&p), 2);
    assert_eq!(snapshot_all(&env), before);
    let mut p = env.pty(&["edit", "--from", &path]);
    p.exp_string("Change 2 customer(s) as ")
        .expect("the question names 2 customers");
    p.send_line("y").expect("answer");
    p.exp_eof().expect("custadm ends");
    assert_eq!(exit_code(&p), 7);
    assert_eq!(column(&env, 2, "full_name").as_deref(), Some("New Two"));
    // Nothing left to change: no question, the run reports it.
    let (out, code) = pty_finish(&env, &["edit", "--from", &path]);
    assert!(!out.contains("[y/N]"), "{out}");
    assert_eq!(code, 7, "{out}");
    // undo asks about what it would change back.
    let run = text(
        &env,
        "SELECT run_id AS v FROM audit_log WHERE action = 'edit' ORDER BY id DESC LIMIT 1",
    )
    .expect("the run");
    env.exec("UPDATE customers SET full_name = 'Someone Else' WHERE id = 1");
    let mut p = env.pty(&["undo", &run]);
    p.exp_string("for 1 customer(s)")
        .expect("undo names what it would change back");
    p.send_line("n").expect("answer");
    p.exp_eof().expect("custadm ends");
    assert_eq!(exit_code(&p), 2);
});
