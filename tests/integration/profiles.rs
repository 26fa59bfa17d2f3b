//! Profiles and settings resolution: the config file (`CUSTADM_CONFIG`,
//! unknown or hostile profile names, malformed files, files that are not small
//! regular ones), the order in which the database URL and the operator are
//! resolved (checked by which database a command actually changes), the 0600
//! rule for files holding a secret, `require_reason`, and `production`
//! profiles' confirmations.

use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};

use diesel::prelude::*;

use crate::db_test;
use crate::support::*;

// ---------------------------------------------------------------- helpers

/// Executes SQL on a SQLite file.
fn sqlite_exec(path: &str, sql: &str) {
    let mut c = SqliteConnection::establish(path).expect("open sqlite");
    diesel::connection::SimpleConnection::batch_execute(&mut c, "PRAGMA busy_timeout = 10000").ok();
    diesel::connection::SimpleConnection::batch_execute(&mut c, sql)
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// The integer column `v` of the first row of `sql` on a SQLite file.
fn sqlite_scalar(path: &str, sql: &str) -> Option<i64> {
    let mut c = SqliteConnection::establish(path).expect("open sqlite");
    let rows: Vec<V> = diesel::sql_query(sql)
        .load(&mut c)
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows.into_iter().next().and_then(|r| r.v)
}

/// Creates a SQLite database at `path` (admin `admin`) holding one active
/// customer, id 1.
fn init_sqlite_file(env: &Env, path: &str) {
    env.cmd()
        .env_remove("CUSTADM_DATABASE_URL")
        .args(&[
            "--database-url",
            path,
            "init",
            "--admin",
            "admin",
            "--password-stdin",
        ])
        .stdin(&format!("{ADMIN_PASSWORD}\n"))
        .run()
        .ok();
    sqlite_exec(
        path,
        "INSERT INTO customers (id, full_name, email, phone, password_hash, must_change_password, is_active, created_at, updated_at) \
         VALUES (1, 'Only Customer', 'only@example.com', NULL, 'x', 0, 1, '2025-01-01 00:00:00', '2025-01-01 00:00:00')",
    );
}

/// Runs a PTY session that must ask a yes/no question; answers `answer`.
/// Returns (the text up to and including the question, the rest, exit code).
fn pty_answer(env: &Env, args: &[&str], answer: &str) -> (String, String, i32) {
    let mut s = env.pty(args);
    let question = s
        .exp_string("[y/N]")
        .unwrap_or_else(|e| panic!("custadm {args:?} on a terminal did not ask [y/N]: {e}"));
    s.send_line(answer).expect("answer");
    let rest = s
        .exp_eof()
        .unwrap_or_else(|e| panic!("custadm {args:?} did not finish after the answer: {e}"));
    let code = exit_code(&s);
    (question, rest, code)
}

// ---------------------------------------------------------------- resolution order: database

/// The databases of the database-resolution tests, each with customer 1.
struct Dbs {
    all: Vec<(&'static str, String)>,
}

impl Dbs {
    fn path(&self, name: &str) -> &str {
        &self
            .all
            .iter()
            .find(|(n, _)| *n == name)
            .expect("db name")
            .1
    }

    /// The databases whose customer 1 is inactive.
    fn deactivated(&self) -> Vec<&'static str> {
        self.all
            .iter()
            .filter(|(_, p)| {
                sqlite_scalar(p, "SELECT is_active AS v FROM customers WHERE id = 1") == Some(0)
            })
            .map(|(n, _)| *n)
            .collect()
    }

    fn reactivate_all(&self) {
        for (_, p) in &self.all {
            sqlite_exec(p, "UPDATE customers SET is_active = 1 WHERE id = 1");
        }
    }
}

/// Builds profiles `a` and `b` (and `c`, which names no database) and six
/// SQLite databases: `flag`, `a`, `b`, `env` (CUSTADM_DATABASE_URL, the env's
/// own), `dburl` (DATABASE_URL) and `default` (the XDG data file).
fn resolution_world(env: &Env) -> Dbs {
    let p = |f: &str| env.dir.path().join(f).display().to_string();
    let all = vec![
        ("flag", p("flag.sqlite3")),
        ("a", p("a.sqlite3")),
        ("b", p("b.sqlite3")),
        ("env", env.url.clone()),
        ("dburl", p("dburl.sqlite3")),
        (
            "default",
            env.dir
                .path()
                .join("data")
                .join("custadm")
                .join("custadm.sqlite3")
                .display()
                .to_string(),
        ),
    ];
    for (_, path) in &all {
        init_sqlite_file(env, path);
    }
    let dbs = Dbs { all };
    write_config(
        env,
        &format!(
            "[profiles.a]\ndatabase_url = {}\n\n[profiles.b]\ndatabase_url = {}\n\n[profiles.c]\noperator = \"admin\"\n",
            toml_str(dbs.path("a")),
            toml_str(dbs.path("b")),
        ),
    );
    dbs
}

/// Checks one precedence case twice: what `config show` reports, and which
/// database a real `toggle 1 --deactivate` changes.
#[track_caller]
fn database_case(
    env: &Env,
    dbs: &Dbs,
    set: &[(&str, &str)],
    unset: &[&str],
    flags: &[&str],
    want_db: &str,
    want_source: &str,
) {
    let label = format!("env {set:?} without {unset:?}, flags {flags:?}");
    let mut show = flags.to_vec();
    show.extend(["config", "show", "-o", "json"]);
    let run = run_with(env, set, unset, &show);
    run.ok();
    let (value, source) = shown(&run, "database_url");
    assert_eq!(value, dbs.path(want_db), "database_url value, {label}");
    assert_eq!(source, want_source, "database_url source, {label}");

    let mut toggle = flags.to_vec();
    toggle.extend(["toggle", "1", "--deactivate"]);
    run_with(env, set, unset, &toggle).ok();
    assert_eq!(
        dbs.deactivated(),
        vec![want_db],
        "databases changed by toggle, {label}"
    );
    dbs.reactivate_all();
}

#[test]
fn database_url_is_resolved_in_the_contract_order() {
    let env = Env::sqlite();
    let dbs = resolution_world(&env);
    let flag = dbs.path("flag").to_string();
    let env_url = dbs.path("env").to_string();
    let dburl = dbs.path("dburl").to_string();
    let all_env = [
        ("CUSTADM_DATABASE_URL", env_url.as_str()),
        ("CUSTADM_PROFILE", "b"),
        ("DATABASE_URL", dburl.as_str()),
    ];

    // flag > --profile (everything else set too)
    database_case(
        &env,
        &dbs,
        &all_env,
        &[],
        &["--database-url", &flag, "--profile", "a"],
        "flag",
        "flag --database-url",
    );
    // --profile > CUSTADM_DATABASE_URL (and > CUSTADM_PROFILE, DATABASE_URL)
    database_case(
        &env,
        &dbs,
        &all_env,
        &[],
        &["--profile", "a"],
        "a",
        "profile a",
    );
    // CUSTADM_DATABASE_URL > CUSTADM_PROFILE's profile
    database_case(
        &env,
        &dbs,
        &all_env,
        &[],
        &[],
        "env",
        "environment CUSTADM_DATABASE_URL",
    );
    // CUSTADM_PROFILE's profile > DATABASE_URL
    database_case(
        &env,
        &dbs,
        &[("CUSTADM_PROFILE", "b"), ("DATABASE_URL", &dburl)],
        &["CUSTADM_DATABASE_URL"],
        &[],
        "b",
        "profile b",
    );
    // DATABASE_URL > default
    database_case(
        &env,
        &dbs,
        &[("DATABASE_URL", &dburl)],
        &["CUSTADM_DATABASE_URL"],
        &[],
        "dburl",
        "environment DATABASE_URL",
    );
    // the default file
    database_case(
        &env,
        &dbs,
        &[],
        &["CUSTADM_DATABASE_URL"],
        &[],
        "default",
        "default",
    );
    // A profile named by --profile that sets no database_url leaves the
    // database to the next source.
    database_case(
        &env,
        &dbs,
        &[("DATABASE_URL", &dburl)],
        &[],
        &["--profile", "c"],
        "env",
        "environment CUSTADM_DATABASE_URL",
    );
    // --profile beats CUSTADM_PROFILE when both name a profile.
    database_case(
        &env,
        &dbs,
        &[("CUSTADM_PROFILE", "b")],
        &["CUSTADM_DATABASE_URL"],
        &["--profile", "a"],
        "a",
        "profile a",
    );
}

// A profile can point at either backend: `--profile`'s database beats
// CUSTADM_DATABASE_URL, which here names a SQLite decoy.
db_test!(
    profile_database_beats_the_environment_on_each_backend,
    |env| {
        env.init_db(0);
        let id = env.insert_customer("Profiled Person", "profiled@example.com");
        let decoy = env.dir.path().join("decoy.sqlite3").display().to_string();
        init_sqlite_file(&env, &decoy);
        write_config(
            &env,
            &format!("[profiles.main]\ndatabase_url = {}\n", toml_str(&env.url)),
        );
        let set = [("CUSTADM_DATABASE_URL", decoy.as_str())];
        let show = run_with(
            &env,
            &set,
            &[],
            &["--profile", "main", "config", "show", "-o", "json"],
        );
        show.ok();
        assert_eq!(shown(&show, "database_url").1, "profile main");
        run_with(
            &env,
            &set,
            &[],
            &[
                "--profile",
                "main",
                "toggle",
                &id.to_string(),
                "--deactivate",
            ],
        )
        .ok();
        assert_eq!(
            env.scalar(&format!(
                "SELECT COUNT(*) AS v FROM customers WHERE id = {id} AND is_active = {}",
                env.bool_sql(false)
            )),
            Some(1),
            "the profile's database was not changed"
        );
        assert_eq!(
            sqlite_scalar(&decoy, "SELECT is_active AS v FROM customers WHERE id = 1"),
            Some(1),
            "CUSTADM_DATABASE_URL's database was changed although --profile names another"
        );
    }
);

db_test!(database_url_precedence_flag_env_database_url, |env| {
    env.init_db(0);
    let other = env.dir.path().join("other.sqlite3").display().to_string();
    env.cmd()
        .args(&[
            "--database-url",
            &other,
            "init",
            "--admin",
            "admin",
            "--password-stdin",
        ])
        .stdin(&format!("{ADMIN_PASSWORD}\n"))
        .run()
        .ok();
    let database_of = |run: Run| -> String {
        run.ok();
        run.json()["database"]
            .as_str()
            .expect("database")
            .to_string()
    };
    let mine = display_url(&env);
    // --database-url beats CUSTADM_DATABASE_URL (and DATABASE_URL).
    assert_eq!(
        database_of(
            env.cmd()
                .env("DATABASE_URL", &mine)
                .args(&["--database-url", &other, "db", "status", "-o", "json"])
                .run()
        ),
        other
    );
    // CUSTADM_DATABASE_URL beats DATABASE_URL.
    assert_eq!(
        database_of(
            env.cmd()
                .env("DATABASE_URL", &other)
                .args(&["db", "status", "-o", "json"])
                .run()
        ),
        mine
    );
    // DATABASE_URL alone is used.
    assert_eq!(
        database_of(
            env.cmd()
                .env_remove("CUSTADM_DATABASE_URL")
                .env("DATABASE_URL", &other)
                .args(&["db", "status", "-o", "json"])
                .run()
        ),
        other
    );
    // Nothing at all: the default file, which does not exist here.
    let none = env
        .cmd()
        .env_remove("CUSTADM_DATABASE_URL")
        .args(&["db", "status"])
        .run();
    none.code(6).error_line("custadm.sqlite3");
    // The choice matters for real commands too: an operator only in `other`.
    env.cmd()
        .args(&[
            "--database-url",
            &other,
            "operator",
            "add",
            "only-in-other",
            "--role",
            "support",
            "--password-stdin",
        ])
        .stdin(&admin_stdin(&["only-in-other-password"]))
        .run()
        .ok();
    assert_eq!(env.count("operators", "username = 'only-in-other'"), 0);
});

// ---------------------------------------------------------------- resolution order: operator

#[track_caller]
fn operator_case(
    env: &Env,
    id: i64,
    set: &[(&str, &str)],
    unset: &[&str],
    flags: &[&str],
    want: &str,
    want_source: &str,
) {
    let label = format!("env {set:?} without {unset:?}, flags {flags:?}");
    let mut show = flags.to_vec();
    show.extend(["config", "show", "-o", "json"]);
    let run = run_with(env, set, unset, &show);
    run.ok();
    let (value, source) = shown(&run, "operator");
    assert_eq!(value, want, "operator value, {label}");
    assert_eq!(source, want_source, "operator source, {label}");

    let before = env
        .scalar("SELECT MAX(id) AS v FROM audit_log")
        .unwrap_or(0);
    let id_s = id.to_string();
    let mut toggle = flags.to_vec();
    toggle.extend(["toggle", &id_s, "--deactivate"]);
    run_with(env, set, unset, &toggle).ok();
    let who = env.texts(&format!(
        "SELECT operator AS v FROM audit_log WHERE id > {before} AND action = 'deactivate'"
    ));
    assert_eq!(
        who,
        vec![Some(want.to_string())],
        "operator on the audit row, {label}"
    );
    env.exec(&format!(
        "UPDATE customers SET is_active = {} WHERE id = {id}",
        env.bool_sql(true)
    ));
}

db_test!(operator_is_resolved_in_the_contract_order, |env| {
    env.init_db(0);
    for name in ["alice", "bob", "carol", "dave"] {
        env.add_operator(name, "support", SUPPORT_PASSWORD);
    }
    let id = env.insert_customer("Operated On", "operated@example.com");
    write_config(
        &env,
        "[profiles.a]\noperator = \"alice\"\n\n[profiles.b]\noperator = \"bob\"\n",
    );
    let carol = [("CUSTADM_OPERATOR", "carol"), ("CUSTADM_PROFILE", "b")];

    // --operator > --profile's operator
    operator_case(
        &env,
        id,
        &carol,
        &[],
        &["--operator", "dave", "--profile", "a"],
        "dave",
        "flag --operator",
    );
    // --profile's operator > CUSTADM_OPERATOR
    operator_case(
        &env,
        id,
        &carol,
        &[],
        &["--profile", "a"],
        "alice",
        "profile a",
    );
    // CUSTADM_OPERATOR > CUSTADM_PROFILE's operator
    operator_case(
        &env,
        id,
        &carol,
        &[],
        &[],
        "carol",
        "environment CUSTADM_OPERATOR",
    );
    // CUSTADM_PROFILE's operator > the OS login name
    operator_case(
        &env,
        id,
        &[("CUSTADM_PROFILE", "b")],
        &["CUSTADM_OPERATOR"],
        &[],
        "bob",
        "profile b",
    );
    // Nothing set: the OS login name, and config show says so.
    let run = run_with(
        &env,
        &[],
        &["CUSTADM_OPERATOR"],
        &["config", "show", "-o", "json"],
    );
    run.ok();
    let (value, source) = shown(&run, "operator");
    assert!(
        value.as_str().is_some_and(|v| !v.is_empty()),
        "operator value: {value}"
    );
    assert!(
        source.contains("login") || source == "default",
        "operator source without flag, profile or environment: {source}"
    );
});

// ---------------------------------------------------------------- CUSTADM_CONFIG, unknown profiles

#[test]
fn custadm_config_names_another_config_file() {
    let env = Env::sqlite();
    let a = env.dir.path().join("a.sqlite3").display().to_string();
    let b = env.dir.path().join("b.sqlite3").display().to_string();
    init_sqlite_file(&env, &a);
    init_sqlite_file(&env, &b);
    // The default file says z is b; the named file says z is a.
    write_config(
        &env,
        &format!("[profiles.z]\ndatabase_url = {}\n", toml_str(&b)),
    );
    let other = env.dir.path().join("elsewhere").join("custom.toml");
    write_file_with_mode(
        &other,
        &format!(
            "[profiles.z]\ndatabase_url = {}\n\n[profiles.y]\n",
            toml_str(&a)
        ),
        0o600,
    );
    let other_s = other.display().to_string();
    let set = [("CUSTADM_CONFIG", other_s.as_str())];

    let run = run_with(
        &env,
        &set,
        &[],
        &["--profile", "z", "config", "show", "-o", "json"],
    );
    run.ok();
    let (file, source) = shown(&run, "config_file");
    assert_eq!(file, other_s.as_str());
    assert_eq!(source, "environment CUSTADM_CONFIG");
    assert_eq!(shown(&run, "database_url").0, a.as_str());

    run_with(
        &env,
        &set,
        &[],
        &["--profile", "z", "toggle", "1", "--deactivate"],
    )
    .ok();
    let active = |p: &str| sqlite_scalar(p, "SELECT is_active AS v FROM customers WHERE id = 1");
    assert_eq!(active(&a), Some(0), "CUSTADM_CONFIG's profile was not used");
    assert_eq!(active(&b), Some(1), "the default config file was used");

    // Without CUSTADM_CONFIG the default file is read again.
    let run = env.run(&["--profile", "z", "config", "show", "-o", "json"]);
    run.ok();
    assert_eq!(shown(&run, "database_url").0, b.as_str());
    assert_eq!(
        shown(&run, "config_file").0,
        config_path(&env).display().to_string().as_str()
    );

    // An unknown profile names that file's profiles.
    let run = run_with(&env, &set, &[], &["--profile", "x", "list"]);
    run.code(6).error_line("'x'");
    assert!(
        run.stderr.contains("y, z") && run.stderr.contains(&other_s),
        "the error should list the profiles of {other_s}: {}",
        run.stderr
    );
}

/// The config file is read bounded, like every other input (security round
/// 2, "unbounded reads"): a FIFO or device named by `CUSTADM_CONFIG` is
/// refused without waiting for a writer, and a file over 1 MiB is refused
/// without being read whole. Also for completion, which reads profile names.
#[test]
fn a_config_file_that_is_not_a_small_regular_file_is_refused() {
    let env = Env::sqlite();
    env.init_db(0);
    let fifo = env.dir.path().join("config.fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    // Unblocks a custadm that (wrongly) waits for a writer, so that the test
    // fails instead of hanging.
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_secs(3));
            let _ = std::fs::OpenOptions::new()
                .write(true)
                .custom_flags(libc::O_NONBLOCK)
                .open(&fifo);
        })
    };
    let fifo_s = fifo.display().to_string();
    let run = run_with(
        &env,
        &[("CUSTADM_CONFIG", fifo_s.as_str())],
        &[],
        &["--profile", "x", "list"],
    );
    run.code(6).error_line("not a regular file");
    writer.join().expect("writer");

    let big = env.dir.path().join("big.toml");
    write_file_with_mode(
        &big,
        &format!("[profiles.x]\n{}", "# padding\n".repeat(120_000)),
        0o600,
    );
    let big_s = big.display().to_string();
    run_with(
        &env,
        &[("CUSTADM_CONFIG", big_s.as_str())],
        &[],
        &["--profile", "x", "list"],
    )
    .code(6)
    .error_line("larger than 1 MiB");
}

#[test]
fn an_unknown_profile_is_exit_6_listing_the_existing_ones() {
    let env = Env::sqlite();
    env.init_db(0);
    let id = env.insert_customer("Kept Active", "kept@example.com");
    let id = id.to_string();
    write_config(
        &env,
        &format!(
            "[profiles.a]\ndatabase_url = {u}\n\n[profiles.b]\ndatabase_url = {u}\n",
            u = toml_str(&env.url)
        ),
    );
    for (set, flags) in [
        (vec![], vec!["--profile", "nope"]),
        (vec![("CUSTADM_PROFILE", "nope")], vec![]),
    ] {
        let mut args = flags.clone();
        args.extend(["toggle", &id, "--deactivate"]);
        let run = run_with(&env, &set, &[], &args);
        run.code(6).error_line("nope");
        let line = run
            .stderr
            .lines()
            .find(|l| l.starts_with("error:"))
            .unwrap();
        assert!(
            line.contains("a, b"),
            "the error should list the profiles a and b: {line}"
        );
        assert!(run.stdout.is_empty(), "stdout: {}", run.stdout);
        assert_eq!(
            env.count("customers", "is_active = 1"),
            1,
            "a run with an unknown profile changed something"
        );
    }
}

#[test]
fn hostile_profile_names_are_refused_when_the_config_is_loaded() {
    let env = Env::sqlite();
    for name in HOSTILE_PROFILES {
        write_config_with_mode(
            &env,
            &format!("[profiles.{}]\n[profiles.prod]\n", toml_str(name)),
            0o600,
        );
        let run = env.run(&["--profile", "prod", "config", "show"]);
        run.code(6).error_line("profile name");
        assert!(
            !run.stderr.contains('\u{1b}') && !run.stderr.contains('\u{7}'),
            "raw escape in {:?}",
            run.stderr
        );
        assert!(run.stdout.is_empty());
    }
}

// ---------------------------------------------------------------- the 0600 rule

#[track_caller]
fn assert_no_secret(run: &Run) {
    assert!(
        !run.stdout.contains("secret") && !run.stderr.contains("secret"),
        "the password was printed:\nstdout:\n{}\nstderr:\n{}",
        run.stdout,
        run.stderr
    );
}

#[test]
fn a_config_file_holding_a_database_password_must_be_0600() {
    let env = Env::sqlite();
    env.init_db(0);
    let text = format!(
        "[profiles.p]\ndatabase_url = \"postgres://u:secret@127.0.0.1:1/x\"\n\n[profiles.q]\ndatabase_url = {}\n",
        toml_str(&env.url)
    );
    let path = config_path(&env);
    for mode in [0o644, 0o640, 0o604] {
        write_file_with_mode(&path, &text, mode);
        // Not root's (root may let a service account's group read 0640).
        let _ = std::os::unix::fs::chown(&path, Some(65534), None);
        for args in [
            &["--profile", "p", "config", "show"][..],
            &["--profile", "p", "config", "show", "-o", "json"],
            &["--profile", "p", "list"],
            // The file is refused whichever profile is asked for.
            &["--profile", "q", "list"],
        ] {
            let run = env.run(args);
            run.code(6).error_line("chmod 600");
            assert!(
                run.stderr.contains(&path.display().to_string()),
                "the error should name the file: {}",
                run.stderr
            );
            assert_no_secret(&run);
            assert!(run.stdout.is_empty(), "stdout: {}", run.stdout);
        }
    }

    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let table = env.run(&["--profile", "p", "config", "show"]);
    table.ok();
    assert_no_secret(&table);
    let line = table
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("database_url"))
        .unwrap_or_else(|| panic!("no database_url row:\n{}", table.stdout));
    assert!(line.contains("***"), "password not masked: {line}");
    assert!(line.contains("127.0.0.1"), "host missing: {line}");

    let json = env.run(&["--profile", "p", "config", "show", "-o", "json"]);
    json.ok();
    assert_no_secret(&json);
    let (value, source) = shown(&json, "database_url");
    assert!(
        value.as_str().is_some_and(|v| v.contains("***")),
        "password not masked: {value}"
    );
    assert_eq!(source, "profile p");

    // Using it: the database is unreachable (exit 6), and the error does not
    // show the password either.
    let run = env.run(&["--profile", "p", "list"]);
    run.code(6);
    assert_no_secret(&run);
    env.run(&["--profile", "q", "list"]).ok();
}

#[test]
fn a_config_file_holding_an_smtp_password_must_be_0600() {
    let env = Env::sqlite();
    env.init_db(0);
    let text = "[profiles.s]\nsmtp_url = \"smtp://mailer:secret@mail.example.com:587\"\nmail_from = \"support@example.com\"\n";
    let path = config_path(&env);
    write_file_with_mode(&path, text, 0o644);
    for args in [
        &["--profile", "s", "config", "show"][..],
        &["--profile", "s", "list"],
    ] {
        let run = env.run(args);
        run.code(6).error_line("chmod 600");
        assert_no_secret(&run);
    }
    // CUSTADM_PROFILE reads the file as well.
    let run = run_with(&env, &[("CUSTADM_PROFILE", "s")], &[], &["list"]);
    run.code(6).error_line("chmod 600");
    assert_no_secret(&run);

    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let json = env.run(&["--profile", "s", "config", "show", "-o", "json"]);
    json.ok();
    assert_no_secret(&json);
    let (value, source) = shown(&json, "smtp_url");
    assert!(
        value
            .as_str()
            .is_some_and(|v| v.contains("***") && v.contains("mail.example.com")),
        "smtp_url not masked: {value}"
    );
    assert_eq!(source, "profile s");
    let table = env.run(&["--profile", "s", "config", "show"]);
    table.ok();
    assert_no_secret(&table);
    assert!(table.stdout.contains("***"), "{}", table.stdout);
    env.run(&["--profile", "s", "list"]).ok();
}

#[test]
fn a_config_file_without_secrets_may_be_world_readable() {
    let env = Env::sqlite();
    env.init_db(0);
    let path = config_path(&env);
    write_file_with_mode(
        &path,
        &format!(
            "[profiles.q]\ndatabase_url = {}\nsmtp_url = \"smtp://mailer@mail.example.com:587\"\n\n[profiles.pg]\ndatabase_url = \"postgres://ops@db.internal/customers\"\n",
            toml_str(&env.url)
        ),
        0o644,
    );
    env.run(&["--profile", "q", "list"]).ok();
    let run = env.run(&["--profile", "pg", "config", "show", "-o", "json"]);
    run.ok();
    assert_eq!(
        shown(&run, "database_url").0,
        "postgres://ops@db.internal/customers"
    );
}

#[test]
fn a_config_holding_any_secret_must_be_private() {
    let env = Env::sqlite();
    let mut fields: Vec<String> = secret_urls()
        .into_iter()
        .map(|u| format!("database_url = {}", toml_str(&u)))
        .collect();
    fields.push(format!(
        "smtp_url = {}",
        toml_str(&format!("smtps://mailer:{SECRET}@smtp.example.com:465"))
    ));
    fields.push(format!(
        "smtp_url = {}",
        toml_str(&format!("smtp://smtp.example.com?password={SECRET}"))
    ));
    for field in fields {
        let text = format!("[profiles.p]\n{field}\n");
        for m in [0o644, 0o640, 0o604, 0o660] {
            let path = write_config_with_mode(&env, &text, m);
            // Owned by someone other than root (0640 is allowed for root's
            // own files, read by a service account's group); as a non-root
            // tester the file is not root's anyway.
            let _ = std::os::unix::fs::chown(&path, Some(65534), None);
            let run = env.run(&["--profile", "p", "config", "show"]);
            run.code(6).error_line("chmod 600");
            assert!(run.stderr.contains(&path.display().to_string()));
            assert_no_url_password(&format!("{field} at {m:o}"), &run);
        }
        write_config_with_mode(&env, &text, 0o600);
        let run = env.run(&["--profile", "p", "config", "show", "-o", "json"]);
        run.ok();
        assert_no_url_password(&format!("{field} at 600"), &run);
        // Root's file, read by a group (the service-account set-up): 0640 is
        // fine, 0644 never.
        let path = write_config_with_mode(&env, &text, 0o640);
        if std::os::unix::fs::chown(&path, Some(0), Some(0)).is_ok() {
            env.run(&["--profile", "p", "config", "show"]).ok();
            write_config_with_mode(&env, &text, 0o644);
            env.run(&["--profile", "p", "config", "show"])
                .code(6)
                .error_line("chmod 600");
        }
    }
    // A secret in a value of the wrong type is not quoted by the parse error.
    write_config_with_mode(
        &env,
        &format!(
            "[profiles.p]\nproduction = {}\n",
            toml_str(&format!("postgres://u:{SECRET}@h/db"))
        ),
        0o644,
    );
    let run = env.run(&["--profile", "p", "config", "show"]);
    run.code(6);
    assert_no_url_password("a mistyped value", &run);
}

// ---------------------------------------------------------------- malformed files

#[test]
fn a_malformed_config_file_is_exit_6_with_file_line_and_problem() {
    let env = Env::sqlite();
    env.init_db(0);
    let path = config_path(&env);
    let file = path.display().to_string();

    // A syntax error on line 3: an unterminated string.
    write_config(
        &env,
        &format!(
            "[profiles.a]\ndatabase_url = {}\noperator = \"admin\n",
            toml_str(&env.url)
        ),
    );
    for args in [
        &["--profile", "a", "list"][..],
        &["--profile", "a", "config", "show"],
    ] {
        let run = env.run(args);
        run.code(6).error_line(&file).error_line("line 3");
        let line = run
            .stderr
            .lines()
            .find(|l| l.starts_with("error:"))
            .unwrap();
        assert!(line.contains("column"), "no column: {line}");
        assert!(line.contains("string"), "the problem is not named: {line}");
        assert!(run.stdout.is_empty(), "stdout: {}", run.stdout);
    }
    let run = run_with(&env, &[("CUSTADM_PROFILE", "a")], &[], &["list"]);
    run.code(6).error_line("line 3");

    // An unknown key is named.
    write_config(
        &env,
        &format!("[profiles.a]\ndatabse_url = {}\n", toml_str(&env.url)),
    );
    let run = env.run(&["--profile", "a", "list"]);
    run.code(6).error_line("databse_url").error_line(&file);

    // An unknown key at the top level too.
    write_config(&env, "[profile.a]\ndatabase_url = \"x\"\n");
    let run = env.run(&["--profile", "a", "list"]);
    run.code(6).error_line(&file);

    // A profile that is not a table.
    write_config(&env, "[profiles]\na = \"production\"\n");
    let run = env.run(&["--profile", "a", "list"]);
    run.code(6).error_line(&file);
    // A setting of the wrong type.
    write_config(&env, "[profiles.a]\nproduction = \"yes\"\n");
    let run = env.run(&["--profile", "a", "list"]);
    run.code(6).error_line(&file).error_line("line 2");
}

#[test]
fn a_malformed_config_file_is_ignored_when_no_profile_is_selected() {
    let env = Env::sqlite();
    env.init_db(0);
    let id = env.insert_customer("Still Working", "working@example.com");
    for text in [
        "[profiles.a]\ndatabase_url = \"x\"\noperator = \"admin\n",
        "[profiles.a]\ndatabse_url = \"x\"\n",
        "[profiles]\na = 1\n",
        "[profiles.a]\ndatabase_url = \"postgres://u:secret@h/x\"\n",
    ] {
        write_file_with_mode(&config_path(&env), text, 0o644);
        env.run(&["list"]).ok();
        env.run(&["config", "show"]).ok();
        // A blank CUSTADM_PROFILE selects nothing.
        run_with(&env, &[("CUSTADM_PROFILE", "")], &[], &["list"]).ok();
        env.run(&["toggle", &id.to_string(), "--deactivate"]).ok();
        env.run(&["toggle", &id.to_string(), "--activate"]).ok();
    }
}

// ---------------------------------------------------------------- require_reason

db_test!(
    require_reason_makes_changing_commands_need_a_reason,
    |env| {
        env.init_db(0);
        let c1 = env.insert_customer("Reason Needed", "reason@example.com");
        let c2 = env.insert_customer("To Restore", "restore@example.com");
        let c3 = env.insert_customer("To Purge", "purge@example.com");
        // c2 is soft-deleted by the product itself, before any profile applies.
        env.run(&["delete", &c2.to_string(), "--yes"]).ok();
        write_config(&env, "[profiles.r]\nrequire_reason = true\n");
        let (s1, s2, s3) = (c1.to_string(), c2.to_string(), c3.to_string());
        let pw = format!("{ADMIN_PASSWORD}\n");
        let sp = admin_stdin(&[SUPPORT_PASSWORD]);

        let snapshot = |env: &Env| {
            (
                env.count("audit_log", ""),
                env.texts(
                    "SELECT full_name || '|' || email || '|' || password_hash || '|' || \
                 CASE WHEN is_active THEN 't' ELSE 'f' END || '|' || \
                 CASE WHEN deleted_at IS NULL THEN 'live' ELSE 'deleted' END AS v \
                 FROM customers ORDER BY id",
                ),
                env.count("operators", ""),
            )
        };
        let before = snapshot(&env);

        let changing: Vec<(Vec<&str>, Option<&str>)> = vec![
            (vec!["edit", &s1, "--name", "Changed Name"], None),
            (vec!["toggle", &s1, "--deactivate"], None),
            (vec!["reset-password", &s1], None),
            (vec!["delete", &s1, "--yes"], None),
            (vec!["restore", &s2, "--yes"], None),
            (
                vec![
                    "operator",
                    "add",
                    "zed",
                    "--role",
                    "support",
                    "--password-stdin",
                ],
                Some(sp.as_str()),
            ),
            (vec!["purge", &s3, "--password-stdin"], Some(pw.as_str())),
        ];
        for (args, stdin) in &changing {
            for reason in [None, Some(""), Some("   ")] {
                let mut full = vec!["--profile", "r"];
                if let Some(r) = reason {
                    full.extend(["--reason", r]);
                }
                full.extend(args.iter().copied());
                let mut c = env.cmd().args(&full);
                if let Some(s) = stdin {
                    c = c.stdin(s);
                }
                let run = c.run();
                run.code(2).error_line("--reason");
                assert_eq!(
                    snapshot(&env),
                    before,
                    "{full:?} changed something without a reason"
                );
            }
        }
        // CUSTADM_PROFILE selects the rule as well.
        run_with(
            &env,
            &[("CUSTADM_PROFILE", "r")],
            &[],
            &["toggle", &s1, "--deactivate"],
        )
        .code(2);
        assert_eq!(snapshot(&env), before);

        // Read-only commands need no reason.
        for args in [
            &["list"][..],
            &["view", &s1],
            &["audit"],
            &["operator", "list"],
            &["config", "show"],
        ] {
            let mut full = vec!["--profile", "r"];
            full.extend(args.iter().copied());
            env.run(&full).ok();
        }

        // With a reason every one works, and the audit rows carry it.
        let mark = env
            .scalar("SELECT MAX(id) AS v FROM audit_log")
            .unwrap_or(0);
        let actions = [
            "edit",
            "deactivate",
            "reset_password",
            "delete",
            "restore",
            "operator_add",
            "purge",
        ];
        for ((args, stdin), action) in changing.iter().zip(actions) {
            let mut full = vec!["--profile", "r", "--reason", "T-1"];
            full.extend(args.iter().copied());
            let mut c = env.cmd().args(&full);
            if let Some(s) = stdin {
                c = c.stdin(s);
            }
            c.run().ok();
            let reasons = env.texts(&format!(
                "SELECT reason AS v FROM audit_log WHERE id > {mark} AND action = '{action}'"
            ));
            assert!(
                !reasons.is_empty(),
                "{full:?} wrote no audit row with action {action}"
            );
            assert!(
                reasons.iter().all(|r| r.as_deref() == Some("T-1")),
                "{full:?}: audit reasons {reasons:?}"
            );
        }
        assert_eq!(
            env.count(
                "audit_log",
                // A run's closing `run` row carries no reason (purge could not
                // erase one that names a customer from a row about none).
                &format!("id > {mark} AND action <> 'run' AND (reason IS NULL OR reason <> 'T-1')")
            ),
            0,
            "an audit row written with --reason T-1 lacks it"
        );
        assert_eq!(
            env.texts(&format!(
                "SELECT full_name AS v FROM customers WHERE id = {c1}"
            )),
            vec![Some("Changed Name".to_string())]
        );
        assert_eq!(env.count("customers", &format!("id = {c3}")), 0);
        assert_eq!(env.count("operators", "username = 'zed'"), 1);
        assert_eq!(
            env.count("customers", &format!("id = {c2} AND deleted_at IS NULL")),
            1
        );
    }
);

// ---------------------------------------------------------------- production profiles

/// What a production prompt must name as the database: the SQLite file, or
/// the PostgreSQL host.
fn expected_host(env: &Env) -> String {
    match env.backend {
        Backend::Sqlite => env.url.clone(),
        Backend::Postgres => {
            let rest = env.url.split_once("://").map(|(_, r)| r).unwrap();
            let authority = rest.split(['/', '?']).next().unwrap();
            let host = authority
                .rsplit_once('@')
                .map(|(_, h)| h)
                .unwrap_or(authority);
            host.split(':').next().unwrap().to_string()
        }
    }
}

fn production_world(env: &Env) -> [i64; 3] {
    env.init_db(0);
    let ids = [
        env.insert_customer("Prod One", "prod1@example.com"),
        env.insert_customer("Prod Two", "prod2@example.com"),
        env.insert_customer("Prod Three", "prod3@example.com"),
    ];
    write_config(
        env,
        &format!(
            "[profiles.prod]\ndatabase_url = {u}\nproduction = true\n\n[profiles.dev]\ndatabase_url = {u}\n",
            u = toml_str(&env.url)
        ),
    );
    ids
}

db_test!(production_without_a_terminal_needs_yes, |env| {
    let [c1, _, _] = production_world(&env);
    let s1 = c1.to_string();
    let audit_before = env.count("audit_log", "");
    let run = env.run(&["--profile", "prod", "toggle", &s1, "--deactivate"]);
    run.code(2).error_line("--yes");
    assert!(is_active(&env, c1), "changed without --yes");
    assert_eq!(env.count("audit_log", ""), audit_before);

    // Through CUSTADM_PROFILE just the same.
    run_with(
        &env,
        &[("CUSTADM_PROFILE", "prod")],
        &[],
        &["toggle", &s1, "--deactivate"],
    )
    .code(2);
    assert!(is_active(&env, c1), "changed without --yes");

    env.run(&["--profile", "prod", "toggle", &s1, "--deactivate", "--yes"])
        .ok();
    assert!(!is_active(&env, c1), "--yes did not go ahead");

    // A profile that is not production asks nothing for a single id.
    env.run(&["--profile", "dev", "toggle", &s1, "--activate"])
        .ok();
    assert!(is_active(&env, c1));
});

db_test!(production_bulk_runs_need_yes_even_on_a_terminal, |env| {
    let ids = production_world(&env);
    let s: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
    let mut args = vec!["--profile", "prod", "toggle"];
    args.extend(s.iter().map(String::as_str));
    args.push("--deactivate");
    let (out, code) = pty_finish(&env, &args);
    assert_eq!(code, 2, "session output:\n{out}");
    assert!(
        out.contains("error:") && out.contains("production") && out.contains("--yes"),
        "the error should say production runs need --yes:\n{out}"
    );
    assert!(
        !out.contains("[y/N]"),
        "it asked instead of refusing:\n{out}"
    );
    for id in ids {
        assert!(is_active(&env, id), "customer {id} changed");
    }

    args.push("--yes");
    let (out, code) = pty_finish(&env, &args);
    assert_eq!(code, 0, "session output:\n{out}");
    for id in ids {
        assert!(!is_active(&env, id), "customer {id} not changed with --yes");
    }
});

db_test!(production_prompts_name_the_profile_and_database, |env| {
    let [c1, c2, c3] = production_world(&env);
    let host = expected_host(&env);
    let (s1, s2, s3) = (c1.to_string(), c2.to_string(), c3.to_string());

    #[track_caller]
    fn check_question(question: &str, host: &str) {
        assert!(
            question.contains("production profile 'prod'"),
            "the question does not name the production profile:\n{question}"
        );
        assert!(
            question.contains(host),
            "the question does not name the database {host}:\n{question}"
        );
    }

    // toggle: n keeps, y changes.
    let toggle = ["--profile", "prod", "toggle", &s1, "--deactivate"];
    let (q, rest, code) = pty_answer(&env, &toggle, "n");
    check_question(&q, &host);
    assert_eq!(code, 2, "declined:\n{q}{rest}");
    assert!(is_active(&env, c1), "declined toggle changed the customer");
    let (q, rest, code) = pty_answer(&env, &toggle, "y");
    check_question(&q, &host);
    assert_eq!(code, 0, "confirmed:\n{q}{rest}");
    assert!(!is_active(&env, c1), "confirmed toggle did not change");

    // delete
    let delete = ["--profile", "prod", "delete", &s2];
    let deleted = |env: &Env| {
        env.count(
            "customers",
            &format!("id = {c2} AND deleted_at IS NOT NULL"),
        )
    };
    let (q, rest, code) = pty_answer(&env, &delete, "n");
    check_question(&q, &host);
    assert_eq!(code, 2, "declined:\n{q}{rest}");
    assert_eq!(deleted(&env), 0, "declined delete deleted");
    let (q, rest, code) = pty_answer(&env, &delete, "y");
    check_question(&q, &host);
    assert_eq!(code, 0, "confirmed:\n{q}{rest}");
    assert_eq!(deleted(&env), 1, "confirmed delete did not delete");

    // edit asks too in production
    let edit = ["--profile", "prod", "edit", &s3, "--name", "Renamed Three"];
    let name = |env: &Env| {
        env.texts(&format!(
            "SELECT full_name AS v FROM customers WHERE id = {c3}"
        ))
    };
    let (q, rest, code) = pty_answer(&env, &edit, "n");
    check_question(&q, &host);
    assert_eq!(code, 2, "declined:\n{q}{rest}");
    assert_eq!(name(&env), vec![Some("Prod Three".to_string())]);
    let (q, rest, code) = pty_answer(&env, &edit, "y");
    check_question(&q, &host);
    assert_eq!(code, 0, "confirmed:\n{q}{rest}");
    assert_eq!(name(&env), vec![Some("Renamed Three".to_string())]);
});

db_test!(
    a_non_production_profile_does_not_ask_for_one_customer,
    |env| {
        let [c1, _, c3] = production_world(&env);
        let (out, code) = pty_finish(
            &env,
            &[
                "--profile",
                "dev",
                "toggle",
                &c1.to_string(),
                "--deactivate",
            ],
        );
        assert_eq!(code, 0, "session output:\n{out}");
        assert!(!out.contains("[y/N]"), "it asked:\n{out}");
        assert!(!is_active(&env, c1));
        let (out, code) = pty_finish(
            &env,
            &[
                "--profile",
                "dev",
                "edit",
                &c3.to_string(),
                "--name",
                "Quietly Renamed",
            ],
        );
        assert_eq!(code, 0, "session output:\n{out}");
        assert!(!out.contains("[y/N]"), "it asked:\n{out}");
    }
);
