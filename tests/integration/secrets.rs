//! Secrets stay secret: no password in any output, argv or core dump, no flag
//! that takes a password value, and no form of a database URL that prints its
//! password.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use clap::CommandFactory;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use proptest::prelude::*;

use crate::db_test;
use crate::support::*;

/// Every table's every column, as text, one string a row.
fn all_rows(env: &Env) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let tables: Vec<String> = match env.backend {
        Backend::Sqlite => env.texts(
            // The search index (a contentless FTS5 table and its shadow
            // tables of binary segments) holds only trigrams of names,
            // emails and phones, never a password: left out, as it cannot
            // be scanned as text.
            "SELECT name AS v FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             AND name NOT LIKE 'customers\\_search%' ESCAPE '\\' ORDER BY name",
        ),
        Backend::Postgres => env.texts(
            "SELECT CAST(table_name AS TEXT) AS v FROM information_schema.tables \
             WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name",
        ),
    }
    .into_iter()
    .flatten()
    .collect();
    assert!(
        tables.iter().any(|t| t == "audit_log"),
        "tables: {tables:?}"
    );
    for t in tables {
        let cols: Vec<String> = match env.backend {
            Backend::Sqlite => env.texts(&format!(
                "SELECT name AS v FROM pragma_table_info({})",
                quote(&t)
            )),
            Backend::Postgres => env.texts(&format!(
                "SELECT CAST(column_name AS TEXT) AS v FROM information_schema.columns \
                 WHERE table_schema = 'public' AND table_name = {} ORDER BY ordinal_position",
                quote(&t)
            )),
        }
        .into_iter()
        .flatten()
        .collect();
        let expr = match env.backend {
            Backend::Sqlite => cols
                .iter()
                .map(|c| format!("COALESCE(CAST(\"{c}\" AS TEXT), '')"))
                .collect::<Vec<_>>()
                .join(" || char(31) || "),
            Backend::Postgres => format!(
                "concat_ws(chr(31), {})",
                cols.iter()
                    .map(|c| format!("CAST(\"{c}\" AS TEXT)"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        for row in env.texts(&format!("SELECT {expr} AS v FROM \"{t}\"")) {
            out.push((t.clone(), row.unwrap_or_default()));
        }
    }
    out
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn contains_bytes(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// Asserts an Argon2id PHC string at the contract's policy.
#[track_caller]
fn assert_policy_hash(who: &str, hash: &str) {
    assert!(
        hash.starts_with("$argon2id$v=19$"),
        "{who}: not an Argon2id PHC string: {hash}"
    );
    let params = hash.split('$').nth(3).unwrap_or("");
    let get = |k: &str| -> u32 {
        params
            .split(',')
            .find_map(|p| p.strip_prefix(&format!("{k}=")))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    assert!(
        get("m") >= 19_456 && get("t") >= 2 && get("p") == 1,
        "{who}: below the policy: {hash}"
    );
}

fn clone_run(r: &Run) -> Run {
    Run {
        code: r.code,
        stdout: r.stdout.clone(),
        stderr: r.stderr.clone(),
    }
}

db_test!(secrets_never_leak, |env| {
    let admin_pw = "Init-Admin-Secret-4711-xyz";
    let support_pw = "Support-Initial-Secret-8812";
    let support_new = "Support-Rotated-Secret-9923";
    let second_pw = "Second-Support-Secret-7788";
    let assigned_pw = "Assigned'\"Back\\slash-3344";
    let wrong_pw = "Wrong-Guess-Secret-5566";
    let refused_new = "Refused-New-Secret-6677";
    let too_short = "Tiny-Pw-19";
    let mut runs: Vec<(String, Run)> = Vec::new();
    let mut go = |label: &str, args: &[&str], stdin: &str, code: i32| -> Run {
        let run = env.cmd().args(args).stdin(stdin).run();
        run.code(code);
        runs.push((label.to_string(), clone_run(&run)));
        run
    };

    go(
        "init",
        &[
            "init",
            "--admin",
            "admin",
            "--password-stdin",
            "--sample-data",
            "5",
        ],
        &format!("{admin_pw}\n"),
        0,
    );
    // Keep a connection open so SQLite keeps its -wal file for the scan.
    let keep = (env.backend == Backend::Sqlite).then(|| {
        use diesel::connection::SimpleConnection;
        let mut c = SqliteConnection::establish(&env.url).unwrap();
        c.batch_execute("SELECT COUNT(*) FROM operators").unwrap();
        c
    });
    go(
        "add support",
        &[
            "operator",
            "add",
            "support",
            "--role",
            "support",
            "--password-stdin",
        ],
        &format!("{admin_pw}\n{support_pw}\n"),
        0,
    );
    go(
        "add support2",
        &[
            "operator",
            "add",
            "support2",
            "--role",
            "support",
            "--password-stdin",
        ],
        &format!("{admin_pw}\n{second_pw}\n"),
        0,
    );
    go(
        "add too short",
        &[
            "operator",
            "add",
            "shorty",
            "--role",
            "support",
            "--password-stdin",
        ],
        &format!("{admin_pw}\n{too_short}\n"),
        2,
    );
    go(
        "own passwd",
        &[
            "--operator",
            "support",
            "operator",
            "passwd",
            "--password-stdin",
        ],
        &format!("{support_pw}\n{support_new}\n"),
        0,
    );
    go(
        "own passwd wrong",
        &[
            "--operator",
            "support",
            "operator",
            "passwd",
            "--password-stdin",
        ],
        &format!("{wrong_pw}\n{refused_new}\n"),
        4,
    );
    go(
        "admin sets passwd",
        &["operator", "passwd", "support2", "--password-stdin"],
        &format!("{admin_pw}\n{assigned_pw}\n"),
        0,
    );
    go(
        "add with a wrong admin password",
        &[
            "operator",
            "add",
            "eve",
            "--role",
            "admin",
            "--password-stdin",
        ],
        &format!("{wrong_pw}\n{refused_new}\n"),
        4,
    );
    let reset = go(
        "reset-password",
        &["reset-password", "1", "-o", "json"],
        "",
        0,
    );
    let temporary = reset.json()["results"][0]["temporary_password"]
        .as_str()
        .expect("temporary password in JSON")
        .to_string();
    assert!(temporary.chars().count() >= 20);
    go(
        "purge wrong",
        &["purge", "3", "--password-stdin"],
        &format!("{wrong_pw}\n"),
        4,
    );
    go(
        "purge by support",
        &["--operator", "support", "purge", "3", "--password-stdin"],
        &format!("{support_new}\n"),
        4,
    );
    go(
        "purge",
        &["purge", "3", "--password-stdin", "-o", "json"],
        &format!("{admin_pw}\n"),
        0,
    );
    go(
        "init again",
        &["init", "--password-stdin"],
        &format!("{admin_pw}\n"),
        0,
    );
    go("view", &["view", "1", "-o", "json"], "", 0);
    go("list", &["list", "--status", "all", "-o", "csv"], "", 0);
    go("audit", &["audit", "--limit", "1000", "-o", "json"], "", 0);
    go("audit table", &["audit", "--limit", "1000"], "", 0);
    go("operators", &["operator", "list", "-o", "json"], "", 0);
    go("config", &["config", "show"], "", 0);

    let secrets = [
        ("admin", admin_pw),
        ("support", support_pw),
        ("support new", support_new),
        ("support2", second_pw),
        ("assigned", assigned_pw),
        ("wrong", wrong_pw),
        ("refused new", refused_new),
        ("too short", too_short),
        ("temporary", temporary.as_str()),
    ];
    let mut scanned = 0usize;
    // Outputs: the temporary password appears once, on reset-password's stdout.
    for (label, run) in &runs {
        for (which, pw) in &secrets {
            let allowed = label == "reset-password" && *which == "temporary";
            if allowed {
                assert_eq!(run.stdout.matches(pw).count(), 1, "{label}: stdout");
            } else {
                assert!(
                    !run.stdout.contains(pw),
                    "{label}: the {which} password on stdout"
                );
            }
            assert!(
                !run.stderr.contains(pw),
                "{label}: the {which} password on stderr"
            );
            scanned += 2;
        }
    }
    // Every column of every table.
    let rows = all_rows(&env);
    assert!(rows.len() > 20, "too few rows to be a real scan");
    for (table, row) in &rows {
        for (which, pw) in &secrets {
            assert!(
                !row.contains(pw),
                "table {table}: the {which} password in {row}"
            );
            scanned += 1;
        }
        if table == "audit_log" {
            assert!(!row.contains("$argon2"), "audit_log holds a hash: {row}");
        }
    }
    for row in env.texts("SELECT username || ' ' || password_hash AS v FROM operators") {
        let row = row.unwrap();
        let (who, hash) = row.split_once(' ').unwrap();
        assert_policy_hash(who, hash);
    }
    let customer_hash = env.texts("SELECT password_hash AS v FROM customers WHERE id = 1")[0]
        .clone()
        .unwrap();
    assert_policy_hash("customer 1", &customer_hash);
    assert!(env.count("audit_log", "outcome = 'denied'") >= 3);
    // Every file under the test's directory, as bytes.
    let mut files = Vec::new();
    files_under(env.dir.path(), &mut files);
    if env.backend == Backend::Sqlite {
        let wal = PathBuf::from(format!("{}-wal", env.url));
        assert!(
            files.contains(&wal) && std::fs::metadata(&wal).unwrap().len() > 0,
            "the -wal file is not there to scan: {files:?}"
        );
    }
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        for (which, pw) in &secrets {
            assert!(
                !contains_bytes(&bytes, pw.as_bytes()),
                "file {}: holds the {which} password",
                f.display()
            );
            scanned += 1;
        }
    }
    // Positive controls: the scans do see what is stored (hashes are fine).
    assert!(rows
        .iter()
        .any(|(t, r)| t == "operators" && r.contains("$argon2id$")));
    if env.backend == Backend::Sqlite {
        assert!(files
            .iter()
            .any(|f| contains_bytes(&std::fs::read(f).unwrap(), b"$argon2id$")));
    }
    drop(keep);
    eprintln!(
        "secrets: {} passwords, {} runs, {} rows, {} files; {scanned} scans",
        secrets.len(),
        runs.len(),
        rows.len(),
        files.len()
    );
});

/// Arguments whose name says password and that take a value.
fn password_valued_args(root: &clap::Command) -> Vec<String> {
    let mut cmds = vec![("custadm".to_string(), root.clone())];
    all_commands(root, "", &mut cmds);
    let mut bad = Vec::new();
    for (path, cmd) in &cmds {
        for arg in cmd.get_arguments() {
            let mut names = vec![arg.get_id().as_str().to_string()];
            names.extend(arg.get_long().map(str::to_string));
            names.extend(
                arg.get_value_names()
                    .into_iter()
                    .flatten()
                    .map(|v| v.to_string()),
            );
            names.extend(
                arg.get_all_aliases()
                    .into_iter()
                    .flatten()
                    .map(str::to_string),
            );
            let says_password = names.iter().any(|n| {
                n.to_ascii_lowercase()
                    .replace(['-', '_'], "")
                    .contains("password")
            });
            if !says_password {
                continue;
            }
            let takes_value = arg.get_action().takes_values();
            if takes_value || arg.get_long() != Some("password-stdin") {
                bad.push(format!("{path}: {names:?} (takes a value: {takes_value})"));
            }
        }
    }
    bad
}

#[test]
fn secrets_no_flag_takes_a_password_value() {
    let bad = password_valued_args(&custadm::cli::Cli::command());
    assert!(bad.is_empty(), "password-valued arguments: {bad:?}");
    // The check itself catches one.
    let planted = custadm::cli::Cli::command().mut_subcommand("purge", |c| {
        c.arg(clap::Arg::new("password").long("password").value_name("PW"))
    });
    assert_eq!(password_valued_args(&planted).len(), 1);
}

#[test]
fn no_form_of_a_database_url_prints_its_password() {
    let env = Env::sqlite();
    for url in secret_urls() {
        let run = env
            .cmd()
            .env("CUSTADM_DATABASE_URL", &url)
            .args(&["list"])
            .run();
        run.code(6);
        assert_no_url_password(&format!("list with {url}"), &run);
        // init (which would create a missing database) against a port
        // where nothing listens.
        let unreachable = url.replace(":5432", ":1");
        let run = env
            .cmd()
            .env("CUSTADM_DATABASE_URL", &unreachable)
            .args(&["init", "--admin", "admin", "--password-stdin"])
            .stdin(&format!("{ADMIN_PASSWORD}\n"))
            .run();
        run.code(6);
        assert_no_url_password(&format!("init with {unreachable}"), &run);
        for args in [
            vec!["--database-url", url.as_str(), "config", "show"],
            vec![
                "--database-url",
                url.as_str(),
                "config",
                "show",
                "-o",
                "json",
            ],
        ] {
            let run = env.run(&args);
            run.ok();
            assert_no_url_password(&format!("config show with {url}"), &run);
        }
    }
}

/// The pid of the custadm this test thread started (rexpect forks from it).
fn custadm_child() -> Option<i32> {
    for _ in 0..200 {
        let children = std::fs::read_to_string("/proc/thread-self/children").unwrap_or_default();
        for pid in children
            .split_whitespace()
            .filter_map(|p| p.parse::<i32>().ok())
        {
            let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
            if comm.trim() == "custadm" {
                return Some(pid);
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

fn raise_core_limit() -> std::io::Result<()> {
    let unlimited = libc::rlimit {
        rlim_cur: libc::RLIM_INFINITY,
        rlim_max: libc::RLIM_INFINITY,
    };
    // SAFETY: setrlimit/umask on the child about to exec.
    unsafe {
        libc::setrlimit(libc::RLIMIT_CORE, &unlimited);
        libc::umask(0);
    }
    Ok(())
}

fn core_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("core"))
        .collect()
}

#[test]
fn a_purge_holding_a_password_while_waiting_for_a_lock_leaves_no_core() {
    let env = Env::sqlite();
    env.init_db(3);
    let work = env.dir.path().join("work");
    std::fs::create_dir_all(&work).unwrap();

    // This machine does write cores for a process that allows them (else
    // the test below could not fail).
    let mut probe = Command::new("sh");
    probe.args(["-c", "kill -ABRT $$"]).current_dir(&work);
    // SAFETY: see raise_core_limit.
    unsafe {
        probe.pre_exec(raise_core_limit);
    }
    let status = probe.status().unwrap();
    use std::os::unix::process::ExitStatusExt;
    if !status.core_dumped() {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("this machine writes no core files (core_pattern), so the core dump test cannot run");
        }
        record_skip(
            "core dumps",
            "this machine writes no core files (core_pattern)",
        );
        return;
    }
    for f in core_files(&work) {
        std::fs::remove_file(work.join(f)).unwrap();
    }

    // Another writer holds the lock: purge verifies the password, then waits.
    let mut holder = SqliteConnection::establish(&env.url).unwrap();
    holder.batch_execute("BEGIN IMMEDIATE").unwrap();
    let mut s = pty_with(
        &env,
        &["purge", "3"],
        &[("CUSTADM_DATABASE_URL", &env.url)],
        raise_core_limit,
        Some(&work),
    );
    let mut seen = s.exp_string("to confirm: ").expect("password prompt");
    let pid = custadm_child().expect("custadm's pid");
    s.send_line(ADMIN_PASSWORD).unwrap();
    std::thread::sleep(Duration::from_millis(800));

    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let core = limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .expect("core limit line");
    let fields: Vec<&str> = core.split_whitespace().collect();
    assert_eq!(&fields[4..6], &["0", "0"], "RLIMIT_CORE: {core}");
    // The WAL files (SQLite gives them the database file's mode) are private too.
    for suffix in ["-wal", "-shm"] {
        let f = format!("{}{suffix}", env.url);
        if Path::new(&f).exists() {
            assert_eq!(mode(Path::new(&f)), 0o600, "{f}");
        }
    }

    s.process_mut()
        .signal(rexpect::process::Signal::SIGABRT)
        .unwrap();
    seen.push_str(&s.exp_eof().unwrap_or_default());
    let status = s.process().wait().unwrap();
    match status {
        rexpect::process::WaitStatus::Signaled(_, sig, dumped) => {
            assert_eq!(sig, rexpect::process::Signal::SIGABRT);
            assert!(!dumped, "the kernel reports a core dump");
        }
        other => panic!("expected death by SIGABRT, got {other:?}"),
    }
    assert_eq!(core_files(&work), Vec::<String>::new(), "core file written");
    assert!(!seen.contains(ADMIN_PASSWORD), "password echoed: {seen:?}");
    drop(holder);
    // Nothing was purged.
    assert_eq!(env.count("customers", "id = 3"), 1);
}

fn password_chars() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            proptest::char::range('a', 'z'),
            proptest::char::range('A', 'Z'),
            proptest::char::range('0', '9'),
            proptest::sample::select(vec![
                '%', '@', '/', '?', '#', '&', '=', ':', ' ', '[', ']', '"', '\'', '+', '!', '$',
                'é', '\\'
            ]),
        ],
        10..24,
    )
    .prop_map(|v| v.into_iter().collect())
    .prop_filter("needs letters", |s: &String| {
        s.chars().filter(|c| c.is_ascii_alphanumeric()).count() >= 8
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

    /// Whatever the password and wherever it sits, no output of a failing
    /// command or of `config show` contains it.
    #[test]
    fn no_generated_password_appears_in_any_output(pw in password_chars(), form in 0usize..5) {
        let env = Env::sqlite();
        let enc = pw.replace('%', "%25").replace(' ', "%20");
        let url = match form {
            0 => format!("postgres://root:{pw}@127.0.0.1:5432/nosuchdb"),
            1 => format!("postgres://root:{enc}@127.0.0.1:5432/nosuchdb"),
            2 => format!("postgres://root@127.0.0.1:5432/nosuchdb?password={pw}"),
            3 => format!("postgres://root@127.0.0.1:5432/nosuchdb?sslmode=disable&sslpassword={pw}&x=1"),
            _ => format!("postgres://nosuchrole:{pw}@[::1/x"),
        };
        for run in [
            env.cmd().env("CUSTADM_DATABASE_URL", &url).args(&["list"]).run(),
            env.run(&["--database-url", &url, "config", "show"]),
            env.run(&["--database-url", &url, "config", "show", "-o", "json"]),
        ] {
            let json_pw = serde_json::to_string(&pw).unwrap();
            let json_pw = &json_pw[1..json_pw.len() - 1];
            for shown in [pw.as_str(), enc.as_str(), json_pw] {
                prop_assert!(
                    !run.stdout.contains(shown) && !run.stderr.contains(shown),
                    "{url} printed {shown}: {run:?}"
                );
            }
        }
    }
}
