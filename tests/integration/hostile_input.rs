//! Hostile input to any command: SQL metacharacters taken literally, invalid
//! UTF-8 in arguments, the environment, the database URL and ids files, NUL
//! bytes, malformed ids, very long values, huge, endless and million-line ids
//! files, and a huge password line, all failing cleanly with bounded memory.

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;
use std::process::Stdio;
use std::time::Duration;

use crate::db_test;
use crate::support::*;

db_test!(malformed_ids_change_nothing, |env| {
    env.init_db(3);
    let all_before = env.texts("SELECT CAST(is_active AS TEXT) || COALESCE(CAST(deleted_at AS TEXT), '-') AS v FROM customers ORDER BY id");
    let audit_before = env.count("audit_log", "");
    for args in [
        vec!["toggle", "abc", "--deactivate"],
        vec!["toggle", "0", "--deactivate"],
        vec!["toggle", "--deactivate", "--", "-1"],
        vec!["delete", "--", "-3", "--yes"],
        vec!["delete", "1x", "--yes"],
        vec!["restore", "0"],
        vec!["reset-password", "abc"],
        vec!["edit", "0", "--name", "X"],
        vec!["purge", "abc", "--password-stdin"],
        vec!["audit", "--customer", "0"],
    ] {
        let r = env
            .cmd()
            .args(&args)
            .stdin(&format!("{ADMIN_PASSWORD}\n"))
            .run();
        assert_eq!(
            r.code, 2,
            "{args:?}\nstdout: {}\nstderr: {}",
            r.stdout, r.stderr
        );
        assert!(r.stdout.is_empty(), "{args:?}: {}", r.stdout);
    }
    let all_after = env.texts("SELECT CAST(is_active AS TEXT) || COALESCE(CAST(deleted_at AS TEXT), '-') AS v FROM customers ORDER BY id");
    assert_eq!(all_before, all_after);
    assert_eq!(env.count("customers", ""), 3);
    assert_eq!(env.count("audit_log", ""), audit_before);
});

db_test!(malformed_ids_line_changes_nothing, |env| {
    env.init_db(0);
    bulk_customers(&env, 5);
    env.exec(&format!(
        "UPDATE customers SET is_active = {}, deleted_at = '2025-03-01 00:00:00' WHERE id = 5",
        env.bool_sql(false)
    ));
    let before = snapshot_all(&env);

    for (text, line) in [
        ("1\n2\nabc\n3\n", 3),
        ("# header\n\n1\n2\nzero\n", 5),
        ("1\n-4x\n", 2),
        ("1\n2\n3\n4\n1.5\n", 5),
        ("1 2\n", 1),
        ("1\n99999999999999999999999\n", 2),
    ] {
        let file = write_text_file(&env, "bad.txt", text);
        for cmd in ["deactivate", "delete", "restore"] {
            let mut args: Vec<&str> = match cmd {
                "deactivate" => vec!["toggle", "--deactivate"],
                other => vec![other],
            };
            args.extend(["--ids-from", &file, "--yes"]);
            let run = env.run(&args);
            run.code(2);
            run.error_line(&format!("line {line}"));
            assert_eq!(
                snapshot_all(&env),
                before,
                "{cmd} with {text:?} changed something"
            );
        }
        // The same through stdin.
        let run = env
            .cmd()
            .args(&["toggle", "--deactivate", "--ids-from", "-", "--yes"])
            .stdin(text)
            .run();
        run.code(2);
        run.error_line(&format!("line {line}"));
        assert_eq!(
            snapshot_all(&env),
            before,
            "stdin {text:?} changed something"
        );
    }

    // A line that is not UTF-8 is malformed too.
    let path = env.dir.path().join("binary.txt");
    std::fs::write(&path, b"1\n2\n\xff\xfe\n3\n").unwrap();
    let run = env.run(&[
        "toggle",
        "--deactivate",
        "--ids-from",
        &path.display().to_string(),
        "--yes",
    ]);
    run.code(2);
    run.error_line("line 3");
    assert_eq!(snapshot_all(&env), before);

    // Malformed ID arguments and a missing file are usage errors too.
    env.run(&["toggle", "1", "x", "--deactivate", "--yes"])
        .code(2);
    env.run(&["toggle", "1", "0", "--deactivate", "--yes"])
        .code(2);
    env.run(&["delete", "1", "--ids-from", "/nonexistent/ids.txt", "--yes"])
        .code(2);
    // An ids file without ids is an empty selection: a success that
    // changes nothing (contract); no ids and no --ids-from at all is exit 2.
    env.cmd()
        .args(&["toggle", "--deactivate", "--ids-from", "-", "--yes"])
        .stdin("# nothing\n\n")
        .run()
        .code(0);
    env.run(&["toggle", "--deactivate", "--yes"]).code(2);
    assert_eq!(snapshot_all(&env), before);
});

fn list_search(env: &Env, text: &str) -> BTreeSet<i64> {
    let run = env.run(&["list", "--status", "all", "--search", text, "-o", "json"]);
    run.ok();
    run.json()
        .as_array()
        .expect("array")
        .iter()
        .map(|o| o["id"].as_i64().unwrap())
        .collect()
}

db_test!(input_sql_metacharacters_are_literal, |env| {
    env.init_db(0);
    let c1 = env.insert_customer("Plain One", "plain1@example.com");
    let c2 = env.insert_customer("Plain Two", "plain2@example.com");
    let c3 = env.insert_customer("Plain Three", "plain3@example.com");
    let c4 = env.insert_customer("Plain Four", "plain4@example.com");
    let c5 = env.insert_customer("Plain Five", "plain5@example.com");

    let drop_name = "'; DROP TABLE customers; --";
    let pct_name = "100% _real_ O'Brien \"Q\"";
    let del_name = "Robert'); DELETE FROM audit_log; --";
    let bs_name = "back\\slash \\' \\\"";
    let s = |id: i64| id.to_string();
    env.run(&["edit", &s(c1), "--name", drop_name]).ok();
    env.run(&[
        "edit",
        &s(c2),
        "--name",
        pct_name,
        "--email",
        "100%_off@example.com",
    ])
    .ok();
    env.run(&[
        "edit",
        &s(c3),
        "--name",
        del_name,
        "--email",
        "x_y@example.com",
    ])
    .ok();
    env.run(&["edit", &s(c4), "--name", bs_name]).ok();

    // Stored literally; every table still there.
    for (id, name) in [
        (c1, drop_name),
        (c2, pct_name),
        (c3, del_name),
        (c4, bs_name),
    ] {
        let doc = env.run(&["view", &s(id), "-o", "json"]);
        doc.ok();
        assert_eq!(doc.json()["full_name"], name);
        assert_eq!(
            env.texts(&format!(
                "SELECT full_name AS v FROM customers WHERE id = {id}"
            ))[0]
                .as_deref(),
            Some(name)
        );
    }
    assert_eq!(env.count("customers", ""), 5);
    assert!(env.count("audit_log", "action = 'edit'") >= 4);
    assert_eq!(env.count("operators", ""), 1);

    // Search treats every metacharacter as itself.
    let set = |v: &[i64]| v.iter().copied().collect::<BTreeSet<i64>>();
    assert_eq!(list_search(&env, "%"), set(&[c2]));
    assert_eq!(list_search(&env, "_"), set(&[c2, c3]));
    assert_eq!(list_search(&env, "'"), set(&[c1, c2, c3, c4]));
    assert_eq!(list_search(&env, drop_name), set(&[c1]));
    assert_eq!(list_search(&env, "\\"), set(&[c4]));
    assert_eq!(list_search(&env, "\\'"), set(&[c4]));
    assert_eq!(list_search(&env, "\""), set(&[c2, c4]));
    assert_eq!(list_search(&env, "%%"), set(&[]));
    assert_eq!(list_search(&env, "' OR '1'='1"), set(&[]));
    assert_eq!(list_search(&env, "x' OR 1=1 --"), set(&[]));
    assert_eq!(list_search(&env, "plain"), set(&[c1, c4, c5]));
    assert_eq!(list_search(&env, "PLAIN5"), set(&[c5]));

    // Other text filters are literal too.
    let run = env.run(&["audit", "--action", "%", "-o", "json"]);
    run.ok();
    assert_eq!(run.json().as_array().unwrap().len(), 0);

    // A hostile operator name is refused before anything is written.
    let before = full_state(&env);
    let run = env
        .cmd()
        .args(&[
            "operator",
            "add",
            "x'; DROP TABLE operators; --",
            "--role",
            "support",
            "--password-stdin",
        ])
        .stdin("some-password-0123\n")
        .run();
    assert_clean_failure(&run, 2, "");
    // An email with a quote is invalid (exit 2), never stored.
    let run = env.run(&["edit", &s(c5), "--email", "o'brien@example.com"]);
    assert_clean_failure(&run, 2, "email:");
    assert_eq!(full_state(&env), before);
    assert_eq!(env.count("customers", ""), 5);
});

/// Runs custadm with raw (possibly non-UTF-8) arguments.
fn run_os(env: &Env, args: &[&[u8]]) -> Run {
    let mut c = env.cmd();
    for a in args {
        c.cmd.arg(OsStr::from_bytes(a));
    }
    c.run()
}

db_test!(input_invalid_utf8_arguments_are_refused, |env| {
    env.init_db(0);
    let id = env.insert_customer("Utf Eight", "utf8@example.com");
    let before = full_state(&env);
    let cases: Vec<Vec<&[u8]>> = vec![
        vec![b"edit", b"1", b"--name", b"ab\xffcd"],
        vec![b"edit", b"1", b"--email", b"a\xff@example.com"],
        vec![b"edit", b"1", b"--phone", b"+1415\xc3\x28555"],
        vec![b"toggle", b"1\xff", b"--deactivate"],
        vec![b"toggle", b"1", b"--deac\xfftivate"],
        vec![b"list", b"--search", b"\xff\xfe"],
        vec![
            b"--operator",
            b"adm\xffin",
            b"toggle",
            b"1",
            b"--deactivate",
        ],
        vec![b"--reason", b"\xc3\x28", b"toggle", b"1", b"--deactivate"],
        vec![
            b"operator",
            b"add",
            b"x\xff",
            b"--role",
            b"support",
            b"--password-stdin",
        ],
        vec![b"--database-url", b"/tmp/\xff.sqlite3", b"list"],
        vec![b"\xff"],
        vec![b"audit", b"--operator", b"\xff"],
        vec![b"-o", b"js\xffon", b"list"],
    ];
    for args in &cases {
        let run = run_os(&env, args);
        assert_clean_failure(&run, 2, "");
        assert_eq!(
            full_state(&env),
            before,
            "{:?} changed something",
            args.iter()
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect::<Vec<_>>()
        );
    }
    // A file path is not text: an ids file whose name is not UTF-8 works.
    let name = OsStr::from_bytes(b"ids-\xff.txt");
    let path = env.dir.path().join(name);
    std::fs::write(&path, format!("{id}\n")).unwrap();
    let mut c = env.cmd().args(&["toggle", "--deactivate", "--ids-from"]);
    c.cmd.arg(&path);
    c.run().ok();
    assert!(!is_active(&env, id));
});

db_test!(input_invalid_utf8_environment_is_not_ignored, |env| {
    env.init_db(0);
    let id = env.insert_customer("Env Var", "env.var@example.com");
    // The OS login name, as custadm sees it, registered as an operator: an
    // unusable CUSTADM_OPERATOR must not silently become this identity.
    let run = env
        .cmd()
        .env_remove("CUSTADM_OPERATOR")
        .args(&["config", "show", "-o", "json"])
        .run();
    run.ok();
    let login = run.json()["operator"]["value"]
        .as_str()
        .expect("operator value")
        .to_string();
    if login != "admin" {
        env.cmd()
            .args(&[
                "operator",
                "add",
                &login,
                "--role",
                "support",
                "--password-stdin",
            ])
            .stdin(&admin_stdin(&["login-password-0123"]))
            .run()
            .ok();
    }
    let before = full_state(&env);

    let mut c = env.cmd().args(&["toggle", &id.to_string(), "--deactivate"]);
    c.cmd
        .env("CUSTADM_OPERATOR", OsStr::from_bytes(b"adm\xffin"));
    let run = c.run();
    assert!(
        [2, 4, 6].contains(&run.code),
        "CUSTADM_OPERATOR is not UTF-8, yet exit {} (acted as {login:?}?)\nstderr:\n{}",
        run.code,
        run.stderr
    );
    assert_clean_failure(&run, run.code, "CUSTADM_OPERATOR");
    assert_eq!(full_state(&env), before, "acted under another identity");
});

db_test!(input_invalid_utf8_database_url_is_not_ignored, |env| {
    env.init_db(0);
    let id = env.insert_customer("Env Var", "env.var@example.com");
    let before = full_state(&env);
    // An unusable CUSTADM_DATABASE_URL must not fall through to DATABASE_URL.
    let mut c = env.cmd().args(&["toggle", &id.to_string(), "--deactivate"]);
    c.cmd
        .env(
            "CUSTADM_DATABASE_URL",
            OsStr::from_bytes(b"/nonexistent/\xff.sqlite3"),
        )
        .env("DATABASE_URL", &env.url);
    let run = c.run();
    assert!(
        [2, 6].contains(&run.code),
        "CUSTADM_DATABASE_URL is not UTF-8, yet exit {} (used DATABASE_URL?)\nstderr:\n{}",
        run.code,
        run.stderr
    );
    assert_clean_failure(&run, run.code, "CUSTADM_DATABASE_URL");
    assert_eq!(full_state(&env), before, "acted on another database");
});

db_test!(input_ids_file_with_invalid_utf8_or_nul, |env| {
    env.init_db(0);
    bulk_customers(&env, 5);
    let before = full_state(&env);
    let cases: &[(&[u8], usize)] = &[
        (b"1\n2\n\xff\n", 3),
        (b"1\n\xc3\x28\n3\n", 2),
        (b"1\n\x002\n", 2),
        (b"1\n2\x00\n", 2),
        (b"\x00\n", 1),
        (b"1\n2\n3\n4\n\n# fine\n5\x00# nul before a comment\n", 7),
        (b"1\r\n2\r\n\xfe\xff\r\n", 3),
    ];
    for (i, (bytes, line)) in cases.iter().enumerate() {
        let path = write_bytes_file(&env, &format!("bad{i}.txt"), bytes);
        let run = env.run(&[
            "toggle",
            "--deactivate",
            "--yes",
            "--ids-from",
            path.to_str().unwrap(),
        ]);
        assert_clean_failure(&run, 2, &format!("line {line}"));
        assert!(
            !run.stderr.contains('\0'),
            "raw NUL echoed: {:?}",
            run.stderr
        );
        assert_eq!(full_state(&env), before, "case {i} changed something");
    }
    // The same through standard input.
    let mut cmd = env
        .cmd()
        .args(&["toggle", "--deactivate", "--yes", "--ids-from", "-"])
        .cmd;
    cmd.stdin(Stdio::piped());
    let m = run_bounded(
        cmd,
        Some(b"1\n2\n3\xff\n".to_vec()),
        Duration::from_secs(20),
    );
    assert_clean_failure(&m.run, 2, "standard input line 3");
    assert_eq!(full_state(&env), before);
});

db_test!(input_million_line_ids_file_bad_last_line, |env| {
    env.init_db(0);
    bulk_customers(&env, 5);
    let before = full_state(&env);
    let mut text = String::with_capacity(8_000_000);
    for i in 1..1_000_000 {
        text.push_str(&(i % 5 + 1).to_string());
        text.push('\n');
    }
    text.push_str("1O\n"); // letter O: line 1,000,000 is bad
    let path = write_bytes_file(&env, "million.txt", text.as_bytes());
    drop(text);
    let cmd = env
        .cmd()
        .args(&[
            "toggle",
            "--deactivate",
            "--yes",
            "--ids-from",
            path.to_str().unwrap(),
        ])
        .cmd;
    let m = run_bounded(cmd, None, Duration::from_secs(25));
    assert_clean_failure(&m.run, 2, "line 1000000");
    assert_eq!(full_state(&env), before);
    eprintln!("peak RSS: {} KiB", m.max_rss_kib);
    assert!(m.max_rss_kib > 0, "no memory measurement");
    assert!(
        m.max_rss_kib < 200 * 1024,
        "peak memory {} KiB reading a million-line ids file",
        m.max_rss_kib
    );
});

db_test!(input_very_long_values, |env| {
    env.init_db(0);
    let id = env.insert_customer("Long Values", "long@example.com");
    let s = id.to_string();
    let before = full_state(&env);
    let long_name = "N".repeat(100_000);
    let long_email = format!("{}@example.com", "e".repeat(100_000));
    let long_phone = format!("+1{}", "5".repeat(100_000));
    let long_op = "o".repeat(100_000);
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["edit", &s, "--name", &long_name], "name:"),
        (vec!["edit", &s, "--email", &long_email], "email:"),
        (vec!["edit", &s, "--phone", &long_phone], "phone:"),
        (
            vec![
                "operator",
                "add",
                &long_op,
                "--role",
                "support",
                "--password-stdin",
            ],
            "",
        ),
        (vec!["toggle", &long_op, "--deactivate"], ""),
    ];
    let mut echoed = Vec::new();
    for (args, needle) in &cases {
        let run = env.cmd().args(args).stdin("long-password-0123\n").run();
        assert_clean_failure(&run, 2, needle);
        assert_eq!(full_state(&env), before, "{} wrote something", args[0]);
        if run.stderr.len() >= 4096 {
            let short: Vec<&str> = args.iter().map(|a| &a[..a.len().min(12)]).collect();
            echoed.push(format!("{short:?}: {} bytes", run.stderr.len()));
        }
    }
    // A long search is just text that matches nothing, or, if the product
    // caps it, a usage error (exit 2) with nothing on stdout, on both backends.
    let run = env.run(&["list", "--search", &long_name, "-o", "json"]);
    if run.code == 2 {
        assert_clean_failure(&run, 2, "search");
        assert_eq!(run.stdout, "", "a refused list printed a partial document");
    } else {
        assert_eq!(
            run.code, 0,
            "`list --search <100 KB>`: exit {}; stdout {:?}\nstderr: {}",
            run.code, run.stdout, run.stderr
        );
        assert_eq!(run.json().as_array().unwrap().len(), 0);
    }
    // An error names the bad value, it does not echo 100 KB of it.
    assert!(
        echoed.is_empty(),
        "error messages that echo the whole 100 KB input: {echoed:?}"
    );
});

db_test!(input_huge_ids_files_fail_cleanly, |env| {
    env.init_db(0);
    bulk_customers(&env, 3);
    let before = full_state(&env);
    // One 10 MB line of digits, one of random bytes without a newline.
    let digits = write_bytes_file(&env, "digits.txt", &vec![b'7'; 10 * 1024 * 1024]);
    let mut noise = vec![0u8; 10 * 1024 * 1024];
    for (i, b) in noise.iter_mut().enumerate() {
        *b = (i.wrapping_mul(2_654_435_761) >> 13) as u8;
        if *b == b'\n' {
            *b = b'x';
        }
    }
    let noise = write_bytes_file(&env, "noise.bin", &noise);
    let mut echoed = Vec::new();
    for path in [&digits, &noise] {
        let cmd = env
            .cmd()
            .args(&[
                "toggle",
                "--deactivate",
                "--yes",
                "--ids-from",
                path.to_str().unwrap(),
            ])
            .cmd;
        let m = run_bounded(cmd, None, Duration::from_secs(20));
        assert_clean_failure(&m.run, 2, "line 1");
        assert_eq!(full_state(&env), before);
        if m.run.stderr.len() >= 4096 {
            echoed.push(format!("{}: {} bytes", path.display(), m.run.stderr.len()));
        }
    }
    // A directory as the ids file.
    let dir = env.dir.path().to_str().unwrap().to_string();
    let run = env.run(&["toggle", "--deactivate", "--yes", "--ids-from", &dir]);
    assert_clean_failure(&run, 2, "");
    assert_eq!(full_state(&env), before);
    assert!(
        echoed.is_empty(),
        "error messages that echo the whole 10 MB line: {echoed:?}"
    );
});

db_test!(input_endless_ids_file_fails_cleanly, |env| {
    env.init_db(0);
    bulk_customers(&env, 3);
    let before = full_state(&env);
    let mut cmd = env
        .cmd()
        .args(&["toggle", "--deactivate", "--yes", "--ids-from", "/dev/zero"])
        .cmd;
    // SAFETY: setrlimit is async-signal-safe; it caps only the child, so a
    // reader that never stops cannot take the machine's memory.
    unsafe {
        cmd.pre_exec(|| {
            let lim = libc::rlimit {
                rlim_cur: 768 << 20,
                rlim_max: 768 << 20,
            };
            libc::setrlimit(libc::RLIMIT_AS, &lim);
            Ok(())
        });
    }
    let m = run_bounded(cmd, None, Duration::from_secs(20));
    assert_eq!(
        m.signal, None,
        "custadm died of signal {:?} reading /dev/zero as an ids file; stderr:\n{}",
        m.signal, m.run.stderr
    );
    assert_clean_failure(&m.run, 2, "line 1");
    assert_eq!(full_state(&env), before);
});

#[test]
fn a_huge_password_line_fails_fast_with_bounded_memory() {
    let env = Env::sqlite();
    env.init_db(0);
    let id = env.insert_customer("One", "one@example.com").to_string();
    for args in [
        vec!["purge", id.as_str(), "--password-stdin"],
        vec![
            "operator",
            "add",
            "bob",
            "--role",
            "support",
            "--password-stdin",
        ],
    ] {
        let cmd = env.cmd().args(&args).cmd;
        let base = own_rss_kib();
        // 200 MiB of 'x' and no newline, streamed in 1 MiB writes.
        let m = run_bounded_fed(
            cmd,
            |mut stdin| {
                use std::io::Write;
                let chunk = vec![b'x'; 1 << 20];
                for _ in 0..200 {
                    if stdin.write_all(&chunk).is_err() {
                        break;
                    }
                }
            },
            Duration::from_secs(60),
        );
        m.run.code(2).error_line("4096 bytes");
        assert!(
            m.max_rss_kib < base + RSS_ALLOWANCE_KIB,
            "{args:?}: peak RSS {} KiB (test process {base} KiB)",
            m.max_rss_kib
        );
    }
    assert_eq!(env.count("customers", &format!("id = {id}")), 1);
    assert_eq!(env.count("operators", "username = 'bob'"), 0);
    // Exactly 4096 bytes is a password (and a wrong one here).
    let line = format!("{}\n", "y".repeat(4096));
    env.cmd()
        .args(&["purge", &id, "--password-stdin"])
        .stdin(&line)
        .run()
        .code(4);
}
