//! init, db, configuration and the database URL forms.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::db_test;
use crate::support::*;

/// The login name of the user running the tests (what `os_user` must hold).
fn os_user() -> String {
    let out = Command::new("id").arg("-un").output().expect("run id -un");
    String::from_utf8(out.stdout)
        .expect("utf-8 login name")
        .trim()
        .to_string()
}

/// True when `table` exists in the env's database. Never creates a SQLite
/// file: a missing file has no tables.
fn has_table(env: &Env, table: &str) -> bool {
    match env.backend {
        Backend::Sqlite => {
            if !std::path::Path::new(&env.url).exists() {
                return false;
            }
            env.scalar(&format!(
                "SELECT COUNT(*) AS v FROM sqlite_master WHERE type = 'table' AND name = '{table}'"
            ))
            .unwrap_or(0)
                > 0
        }
        Backend::Postgres => {
            env.scalar(&format!(
                "SELECT COUNT(*) AS v FROM information_schema.tables WHERE table_schema = 'public' AND table_name = '{table}'"
            ))
            .unwrap_or(0)
                > 0
        }
    }
}

/// Asserts that nothing of custadm exists in the env's database: on SQLite no
/// file at all, on PostgreSQL (whose empty database the harness created) no
/// table.
#[track_caller]
fn assert_nothing_created(env: &Env) {
    match env.backend {
        Backend::Sqlite => assert!(
            !std::path::Path::new(&env.url).exists(),
            "a database file was created at {}",
            env.url
        ),
        Backend::Postgres => {
            for table in ["__diesel_schema_migrations", "operators", "customers"] {
                assert!(!has_table(env, table), "table {table} was created");
            }
        }
    }
}

/// What custadm prints as the database of this env (`db status` field).
fn display_url(env: &Env) -> String {
    env.url.clone()
}

/// Parses `$argon2id$v=19$m=…,t=…,p=…$salt$hash` into (m, t, p).
fn argon2id_params(phc: &str) -> (u32, u32, u32) {
    let parts: Vec<&str> = phc.split('$').collect();
    assert_eq!(parts.len(), 6, "not a PHC string: {phc}");
    assert_eq!(parts[1], "argon2id", "not Argon2id: {phc}");
    assert_eq!(parts[2], "v=19", "not Argon2 version 19: {phc}");
    let mut m = None;
    let mut t = None;
    let mut p = None;
    for kv in parts[3].split(',') {
        let (k, v) = kv.split_once('=').expect("k=v");
        let v: u32 = v.parse().expect("numeric parameter");
        match k {
            "m" => m = Some(v),
            "t" => t = Some(v),
            "p" => p = Some(v),
            other => panic!("unexpected parameter {other} in {phc}"),
        }
    }
    (m.expect("m"), t.expect("t"), p.expect("p"))
}

/// `^\+[1-9][0-9]{6,14}$`
fn is_e164(s: &str) -> bool {
    let Some(digits) = s.strip_prefix('+') else {
        return false;
    };
    (7..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
}

/// Spawns custadm with stdin left open (a pipe nobody writes to) and waits
/// at most `limit`; a command that would wait for input is killed and the
/// test fails.
fn run_with_open_stdin(mut cmd: Cmd, limit: Duration) -> (Run, Duration) {
    cmd.cmd.stdin(Stdio::piped());
    let started = Instant::now();
    let mut child = cmd.cmd.spawn().expect("spawn custadm");
    let stdin = child.stdin.take();
    loop {
        if child.try_wait().expect("try_wait").is_some() {
            break;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("custadm still waiting after {limit:?} with stdin open");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let elapsed = started.elapsed();
    drop(stdin);
    let out = child.wait_with_output().expect("output");
    (
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        },
        elapsed,
    )
}

// ---------------------------------------------------------------- init

db_test!(init_creates_schema_and_registers_admin, |env| {
    let run = env
        .cmd()
        .args(&["init", "--admin", "admin", "--password-stdin"])
        .stdin(&format!("{ADMIN_PASSWORD}\n"))
        .run();
    run.ok();
    assert!(run.stdout.contains("Created"), "stdout: {}", run.stdout);
    assert!(
        run.stdout.contains("registered admin 'admin'"),
        "stdout: {}",
        run.stdout
    );
    assert!(
        !run.stdout.contains(ADMIN_PASSWORD) && !run.stderr.contains(ADMIN_PASSWORD),
        "the password was printed"
    );
    // One admin, active, unlocked, with a policy-conform Argon2id hash.
    assert_eq!(env.count("operators", ""), 1);
    assert_eq!(
        env.count(
            "operators",
            &format!(
                "username = 'admin' AND role = 'admin' AND is_active = {} AND failed_attempts = 0 AND locked_until IS NULL",
                env.bool_sql(true)
            )
        ),
        1
    );
    let hash = env.texts("SELECT password_hash AS v FROM operators WHERE username = 'admin'")[0]
        .clone()
        .expect("hash");
    assert!(!hash.contains(ADMIN_PASSWORD));
    let (m, t, p) = argon2id_params(&hash);
    assert!(m >= 19456, "m={m} below policy: {hash}");
    assert!(t >= 2, "t={t} below policy: {hash}");
    assert_eq!(p, 1, "p={p}: {hash}");
    // The schema is recorded as migrated, and no customers were loaded.
    assert!(env.count("__diesel_schema_migrations", "") >= 1);
    assert_eq!(env.count("customers", ""), 0);
    // The init is audited, by the new admin, from this OS user; no secret in it.
    let me = os_user();
    assert_eq!(
        env.count(
            "audit_log",
            &format!(
                "action = 'init' AND outcome = 'ok' AND operator = 'admin' AND os_user = {}",
                quote(&me)
            )
        ),
        1
    );
    for details in env.texts("SELECT details AS v FROM audit_log") {
        let details = details.unwrap_or_default();
        assert!(!details.contains(ADMIN_PASSWORD) && !details.contains("$argon2"));
    }
    // The new database is usable at once.
    env.run(&["db", "status"]).ok();
});

db_test!(init_is_idempotent, |env| {
    env.init_db(5);
    assert_eq!(env.count("operators", ""), 1);
    assert_eq!(env.count("customers", ""), 5);
    let hash_before = env.texts("SELECT password_hash AS v FROM operators");
    // Again with --password-stdin and no stdin at all.
    let again = env.run(&["init", "--password-stdin"]);
    again.ok();
    assert!(
        again
            .stdout
            .contains("already initialised; nothing changed"),
        "{}",
        again.stdout
    );
    // Again without any password source and without a terminal: it must not
    // even ask (asking would be exit 2), and must not add a second admin.
    let third = env.run(&["init", "--admin", "someone-else", "--sample-data", "3"]);
    third.ok();
    assert!(
        third
            .stdout
            .contains("already initialised; nothing changed"),
        "{}",
        third.stdout
    );
    assert_eq!(env.count("operators", ""), 1);
    assert_eq!(env.count("operators", "username = 'someone-else'"), 0);
    assert_eq!(env.count("customers", ""), 5);
    assert_eq!(
        env.texts("SELECT password_hash AS v FROM operators"),
        hash_before
    );
    assert_eq!(env.count("audit_log", "action = 'init'"), 1);
});

db_test!(
    init_registers_an_admin_when_the_schema_has_no_operators,
    |env| {
        env.init_db(0);
        env.exec("DELETE FROM operators");
        let run = env
            .cmd()
            .args(&["init", "--admin", "boss", "--password-stdin"])
            .stdin("boss-password-0123\n")
            .run();
        run.ok();
        assert!(
            run.stdout.contains("registered admin 'boss'"),
            "{}",
            run.stdout
        );
        assert!(!run.stdout.contains("already initialised"));
        assert_eq!(env.count("operators", ""), 1);
        assert_eq!(
            env.count("operators", "username = 'boss' AND role = 'admin'"),
            1
        );
        // The schema was not migrated a second time.
        assert_eq!(
            env.count("__diesel_schema_migrations", ""),
            std::fs::read_dir(migrations_dir(&env))
                .expect("migrations")
                .count() as i64
        );
        env.run(&["--operator", "boss", "operator", "list"]).ok();
    }
);

db_test!(init_without_password_source_fails_at_once, |env| {
    // No terminal (setsid, piped stdin) and no --password-stdin: exit 2 at
    // once, even though stdin stays open; nothing is created.
    let (run, elapsed) = run_with_open_stdin(
        env.cmd().args(&["init", "--admin", "admin"]),
        Duration::from_secs(10),
    );
    run.code(2).error_line("--password-stdin");
    assert!(run.stdout.is_empty(), "stdout: {}", run.stdout);
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
    assert_nothing_created(&env);
});

db_test!(init_rejects_short_password, |env| {
    let run = env
        .cmd()
        .args(&["init", "--admin", "admin", "--password-stdin"])
        .stdin("eleven-char\n")
        .run();
    run.code(2).error_line("12");
    assert_nothing_created(&env);
    // Exactly 12 characters is enough.
    env.cmd()
        .args(&["init", "--admin", "admin", "--password-stdin"])
        .stdin("twelve-chars\n")
        .run()
        .ok();
    assert_eq!(env.count("operators", "username = 'admin'"), 1);
});

db_test!(init_rejects_empty_stdin_password, |env| {
    let run = env
        .cmd()
        .args(&["init", "--admin", "admin", "--password-stdin"])
        .stdin("")
        .run();
    run.code(2).error_line("password");
    assert_nothing_created(&env);
});

db_test!(init_loads_realistic_sample_data, |env| {
    let run = env
        .cmd()
        .args(&[
            "init",
            "--admin",
            "admin",
            "--password-stdin",
            "--sample-data",
            "30",
        ])
        .stdin(&format!("{ADMIN_PASSWORD}\n"))
        .run();
    run.ok();
    assert_eq!(env.count("customers", ""), 30);
    for status in ["pending", "verified", "rejected"] {
        assert!(
            env.count("kyc_records", &format!("status = '{status}'")) > 0,
            "no KYC record with status {status}"
        );
    }
    let f = env.bool_sql(false);
    assert!(
        env.count(
            "customers",
            &format!("is_active = {f} AND deleted_at IS NULL")
        ) > 0,
        "no inactive (not deleted) sample customer"
    );
    assert!(
        env.count("customers", "deleted_at IS NOT NULL") > 0,
        "no soft-deleted sample customer"
    );
    // A soft-deleted customer is never active.
    assert_eq!(
        env.count(
            "customers",
            &format!(
                "deleted_at IS NOT NULL AND is_active = {}",
                env.bool_sql(true)
            )
        ),
        0
    );
    let unpaid = env.count(
        "customers",
        "id IN (SELECT b.customer_id FROM billing_accounts b JOIN account_entries e ON e.billing_account_id = b.id \
         WHERE e.entry_type = 'invoice' AND e.amount_usd_cents > 0)",
    );
    assert!(unpaid > 0, "no sample customer with unpaid invoices");
    assert!(unpaid < 30, "every sample customer owes money");
    // Every customer has a billing account; phones are E.164; emails unique and lower-case.
    assert_eq!(env.count("billing_accounts", ""), 30);
    let phones: Vec<String> = env
        .texts("SELECT phone AS v FROM customers WHERE phone IS NOT NULL")
        .into_iter()
        .flatten()
        .collect();
    assert!(!phones.is_empty(), "no sample phone numbers");
    for phone in &phones {
        assert!(is_e164(phone), "not E.164: {phone:?}");
        // Valid for its country by libphonenumber's metadata, not just the right shape.
        assert_eq!(
            custadm::validate::phone(phone, None).as_deref(),
            Ok(phone.as_str()),
            "sample phone {phone} is no real number"
        );
    }
    let emails: Vec<String> = env
        .texts("SELECT email AS v FROM customers")
        .into_iter()
        .flatten()
        .collect();
    let mut unique = emails.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 30, "duplicate sample emails");
    for email in &emails {
        assert_eq!(email, &email.to_lowercase());
        assert_eq!(email.matches('@').count(), 1, "{email}");
    }
    // KYC countries are ISO alpha-2.
    for country in env
        .texts("SELECT country AS v FROM kyc_records")
        .into_iter()
        .flatten()
    {
        assert!(
            country.len() == 2 && country.bytes().all(|b| b.is_ascii_uppercase()),
            "{country:?}"
        );
    }
});

db_test!(init_sample_data_defaults_to_50, |env| {
    env.cmd()
        .args(&[
            "init",
            "--admin",
            "admin",
            "--password-stdin",
            "--sample-data",
        ])
        .stdin(&format!("{ADMIN_PASSWORD}\n"))
        .run()
        .ok();
    assert_eq!(env.count("customers", ""), 50);
});

#[test]
fn init_uses_the_default_sqlite_file_under_xdg_data_home() {
    let env = Env::sqlite();
    let expected = env.dir.path().join("data/custadm/custadm.sqlite3");
    assert!(!expected.parent().unwrap().exists());
    let run = env
        .cmd()
        .env_remove("CUSTADM_DATABASE_URL")
        .args(&["init", "--admin", "admin", "--password-stdin"])
        .stdin(&format!("{ADMIN_PASSWORD}\n"))
        .run();
    run.ok();
    assert!(expected.is_file(), "no database at {}", expected.display());
    assert!(
        run.stdout.contains(&expected.display().to_string()),
        "stdout does not name {}: {}",
        expected.display(),
        run.stdout
    );
    assert!(
        !std::path::Path::new(&env.url).exists(),
        "the env URL was used"
    );
    // Later commands find the same file without being told.
    let status = env
        .cmd()
        .env_remove("CUSTADM_DATABASE_URL")
        .args(&["db", "status", "-o", "json"])
        .run();
    status.ok();
    assert_eq!(
        status.json()["database"],
        expected.display().to_string().as_str()
    );
}

#[test]
fn init_default_file_falls_back_to_home_local_share() {
    let env = Env::sqlite();
    let expected = env.dir.path().join(".local/share/custadm/custadm.sqlite3");
    env.cmd()
        .env_remove("CUSTADM_DATABASE_URL")
        .env_remove("XDG_DATA_HOME")
        .args(&["init", "--admin", "admin", "--password-stdin"])
        .stdin(&format!("{ADMIN_PASSWORD}\n"))
        .run()
        .ok();
    assert!(expected.is_file(), "no database at {}", expected.display());
    assert!(!env.dir.path().join("data").exists());
}

#[test]
fn init_creates_missing_directories_of_a_sqlite_path() {
    let env = Env::sqlite();
    let path = env.dir.path().join("a/b/c/custadm.db");
    let url = path.display().to_string();
    env.cmd()
        .args(&[
            "--database-url",
            &url,
            "init",
            "--admin",
            "admin",
            "--password-stdin",
        ])
        .stdin(&format!("{ADMIN_PASSWORD}\n"))
        .run()
        .ok();
    assert!(path.is_file());
    env.cmd()
        .args(&["--database-url", &url, "db", "status"])
        .run()
        .ok();
}

#[test]
fn init_creates_a_missing_postgres_database() {
    let Some(server) = postgres_server_url() else {
        return;
    };
    use diesel::prelude::*;
    // postgres://user@host:port/db?x → postgres://user@host:port
    let no_query = server.split('?').next().unwrap_or(&server);
    let after_scheme = no_query.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match no_query[after_scheme..].find('/') {
        Some(i) => no_query[..after_scheme + i].to_string(),
        None => no_query.to_string(),
    };
    let name = format!("custadm_new_{:016x}", rand::random::<u64>());
    let url = format!("{base}/{name}");
    struct DropDatabase(String, String);
    impl Drop for DropDatabase {
        fn drop(&mut self) {
            if let Ok(mut c) = PgConnection::establish(&format!("{}/postgres", self.0)) {
                let _ =
                    diesel::sql_query(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.1))
                        .execute(&mut c);
            }
        }
    }
    let _cleanup = DropDatabase(base.clone(), name.clone());
    let env = Env::sqlite();
    env.cmd()
        .args(&[
            "--database-url",
            &url,
            "init",
            "--admin",
            "admin",
            "--password-stdin",
        ])
        .stdin(&format!("{ADMIN_PASSWORD}\n"))
        .run()
        .ok();
    let mut c = PgConnection::establish(&url).expect("the database was created");
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let n: Vec<N> = diesel::sql_query("SELECT COUNT(*) AS n FROM operators WHERE role = 'admin'")
        .load(&mut c)
        .expect("operators table");
    assert_eq!(n[0].n, 1);
}

// ---------------------------------------------------------------- init on a terminal

/// The master side of the session's pty: its termios are the terminal's.
fn pty_echo_is_on(session: &rexpect::session::PtySession) -> bool {
    use std::os::unix::io::AsRawFd;
    let file = session.process().get_file_handle().expect("pty handle");
    // SAFETY: tcgetattr fills the zeroed struct for a valid fd we own.
    unsafe {
        let mut t: libc::termios = std::mem::zeroed();
        assert_eq!(libc::tcgetattr(file.as_raw_fd(), &mut t), 0, "tcgetattr");
        t.c_lflag & libc::ECHO != 0
    }
}

/// Waits (bounded) until the program has switched terminal echo off, as a
/// hidden prompt does; a program that never does is then caught echoing.
fn wait_for_echo_off(session: &rexpect::session::PtySession) {
    let started = Instant::now();
    while pty_echo_is_on(session) && started.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn exit_code(session: &rexpect::session::PtySession) -> i32 {
    match session.process().wait().expect("wait") {
        rexpect::process::WaitStatus::Exited(_, code) => code,
        other => panic!("custadm did not exit normally: {other:?}"),
    }
}

/// custadm on a pty whose echo is ON when it starts, as a real terminal's is
/// (rexpect switches echo off by default, which would hide a bug).
fn pty_with_echo(env: &Env, args: &[&str]) -> rexpect::session::PtySession {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("stty echo && exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_custadm"))
        .args(args)
        .env("HOME", env.dir.path())
        .env("XDG_DATA_HOME", env.dir.path().join("data"))
        .env("XDG_CONFIG_HOME", env.dir.path().join("config"))
        .env("CUSTADM_DATABASE_URL", &env.url)
        .env("CUSTADM_OPERATOR", "admin")
        .env("NO_COLOR", "1")
        .env_remove("CUSTADM_PROFILE");
    rexpect::session::spawn_command(cmd, Some(30_000)).expect("spawn custadm on a pty")
}

db_test!(init_on_a_terminal_asks_twice_without_echo, |env| {
    let password = "typed-on-the-terminal-42";
    let mut s = pty_with_echo(&env, &["init", "--admin", "admin"]);
    let mut seen = s.exp_string("Password for admin: ").expect("first prompt");
    wait_for_echo_off(&s);
    s.send_line(password).expect("type");
    seen += &s
        .exp_string("Repeat the password: ")
        .expect("second prompt");
    wait_for_echo_off(&s);
    s.send_line(password).expect("type again");
    seen += &s.exp_eof().expect("custadm finishes");
    assert_eq!(exit_code(&s), 0, "session output:\n{seen}");
    assert!(
        !seen.contains(password),
        "the password was echoed on the terminal:\n{seen}"
    );
    assert!(seen.contains("registered admin 'admin'"), "{seen}");
    assert_eq!(env.count("operators", "username = 'admin'"), 1);
    // The typed password is the one stored: a password change with it succeeds.
    env.cmd()
        .args(&["operator", "passwd", "--password-stdin"])
        .stdin(&format!("{password}\nanother-password-123\n"))
        .run()
        .ok();
});

db_test!(
    init_on_a_terminal_with_mismatching_repeat_registers_nothing,
    |env| {
        let mut s = env.pty(&["init", "--admin", "admin"]);
        // Asked again after a mismatch, as passwd does; the third ends it.
        for attempt in 1..=3 {
            s.exp_string("Password for admin: ").expect("first prompt");
            s.send_line("first-password-1234").expect("type");
            s.exp_string("Repeat the password: ")
                .expect("second prompt");
            s.send_line("other-password-1234").expect("type again");
            if attempt < 3 {
                s.exp_string(&format!("try again ({} of 3)", attempt + 1))
                    .expect("asked again");
            }
        }
        let rest = s.exp_eof().expect("custadm finishes");
        assert_eq!(exit_code(&s), 2, "session output:\n{rest}");
        assert!(rest.contains("error:"), "{rest}");
        assert!(!rest.contains("first-password-1234") && !rest.contains("other-password-1234"));
        assert_nothing_created(&env);
    }
);

// ---------------------------------------------------------------- db status / migrate

db_test!(db_status_and_migrate_on_a_current_schema, |env| {
    env.init_db(0);
    let applied: Vec<String> = env
        .texts("SELECT version AS v FROM __diesel_schema_migrations ORDER BY version")
        .into_iter()
        .flatten()
        .collect();
    assert!(!applied.is_empty());

    let json = env.run(&["db", "status", "-o", "json"]);
    json.ok();
    let v = json.json();
    assert_eq!(v["state"], "current");
    assert_eq!(v["database"], display_url(&env).as_str());
    let migrations = v["migrations"].as_array().expect("migrations array");
    let versions: Vec<&str> = migrations
        .iter()
        .map(|m| m["version"].as_str().expect("version"))
        .collect();
    assert_eq!(versions, applied);
    assert!(migrations.iter().all(|m| m["applied"] == true));

    let table = env.run(&["db", "status"]);
    table.ok();
    assert!(table.stdout.contains("current"), "{}", table.stdout);
    assert!(table.stdout.contains(&applied[0]), "{}", table.stdout);
    assert!(table.stdout.contains("applied"), "{}", table.stdout);
    assert!(!table.stdout.contains("pending"), "{}", table.stdout);

    let migrate = env.run(&["db", "migrate"]);
    migrate.ok();
    assert!(
        migrate.stdout.contains("No pending migrations"),
        "{}",
        migrate.stdout
    );
    assert_eq!(
        env.count("__diesel_schema_migrations", ""),
        applied.len() as i64
    );
});

db_test!(schema_ahead_of_the_binary_stops_every_command, |env| {
    env.init_db(2);
    env.exec(
        "INSERT INTO __diesel_schema_migrations (version, run_on) VALUES ('29990101000000', CURRENT_TIMESTAMP)",
    );
    for args in [
        &["list"][..],
        &["view", "1"],
        &["operator", "list"],
        &["audit"],
        &["db", "status"],
        &["db", "migrate"],
    ] {
        let run = env.run(args);
        run.code(6).error_line("upgrade custadm");
        assert!(
            run.stderr.contains("29990101000000"),
            "{args:?}: {}",
            run.stderr
        );
    }
    // Nothing was applied or rolled back, and no audit row was written for
    // the refused commands.
    assert_eq!(
        env.count("__diesel_schema_migrations", "version = '29990101000000'"),
        1
    );
    assert_eq!(
        env.count("audit_log", "action <> 'init' AND action <> 'delete'"),
        0
    );
    // JSON mode: the error still goes to stderr only.
    let json = env.run(&["list", "-o", "json"]);
    json.code(6).error_line("upgrade custadm");
    assert!(json.stdout.is_empty(), "stdout: {}", json.stdout);
});

db_test!(schema_without_migration_records_says_run_init, |env| {
    env.init_db(0);
    env.exec("DELETE FROM __diesel_schema_migrations");
    for args in [&["list"][..], &["operator", "list"], &["db", "status"]] {
        env.run(args).code(6).error_line("custadm init");
    }
    assert_eq!(env.count("__diesel_schema_migrations", ""), 0);
});

db_test!(schema_behind_the_binary_says_run_db_migrate, |env| {
    env.init_db(0);
    // Forget the newest migration (its index too): the database is one
    // version behind this binary.
    env.exec("DROP INDEX audit_log_action_idx");
    env.exec("DELETE FROM __diesel_schema_migrations WHERE version = '20261127000002'");
    for args in [&["list"][..], &["operator", "list"], &["db", "status"]] {
        env.run(args).code(6).error_line("custadm db migrate");
    }
    let status = env.run(&["db", "status", "-o", "json"]);
    status.code(6);
    let doc = status.json();
    assert_eq!(doc["state"], "behind");
    assert_eq!(doc["migrations"][1]["applied"], false);
    let migrate = env.run(&["db", "migrate"]);
    migrate.ok();
    assert!(
        migrate.stdout.contains("20261127000002"),
        "{}",
        migrate.stdout
    );
    env.run(&["list"]).ok();
    assert_eq!(
        env.count("__diesel_schema_migrations", ""),
        std::fs::read_dir(migrations_dir(&env))
            .expect("migrations")
            .count() as i64
    );
});

/// The source folder of this backend's migrations.
fn migrations_dir(env: &Env) -> std::path::PathBuf {
    let backend = match env.backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend)
}

db_test!(
    upgrade_from_round_one_keeps_every_row_and_never_reuses_an_id,
    |env| {
        // A database as custadm 0.1 (round one) left it: its two migrations,
        // applied from their own SQL, with customers, children and the audit
        // trail of a purged customer 9 (ids 1..=3 remain).
        env.exec(
            "CREATE TABLE __diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY NOT NULL, \
         run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)",
        );
        for (dir, version) in [
            ("2026-11-27-000001_create_schema", "20261127000001"),
            ("2026-11-27-000002_audit_action_index", "20261127000002"),
        ] {
            let sql = std::fs::read_to_string(migrations_dir(&env).join(dir).join("up.sql"))
                .expect("round-one migration");
            env.exec(&sql);
            env.exec(&format!(
                "INSERT INTO __diesel_schema_migrations (version) VALUES ('{version}')"
            ));
        }
        let ids: Vec<i64> = (1..=3)
            .map(|i| env.insert_customer(&format!("Old {i}"), &format!("old{i}@example.com")))
            .collect();
        assert_eq!(ids, vec![1, 2, 3]);
        env.add_invoice(2, 500);
        env.exec(
        "INSERT INTO audit_log (occurred_at, operator, os_user, action, customer_id, outcome, details) \
         VALUES ('2026-01-01 00:00:00', 'admin', 'ops', 'purge', 9, 'ok', '{}')",
    );
        env.run(&["db", "status"])
            .code(6)
            .error_line("custadm db migrate");
        env.run(&["db", "migrate"]).ok();
        env.run(&["db", "status"]).ok();

        // Every row kept, children still attached and still cascading.
        assert_eq!(env.count("customers", ""), 3);
        assert_eq!(env.count("billing_accounts", ""), 3);
        assert_eq!(env.count("account_entries", ""), 1);
        assert_eq!(
            env.texts("SELECT full_name AS v FROM customers WHERE id = 2"),
            vec![Some("Old 2".to_string())]
        );
        // No id is handed out twice: not 3's successor 4 (9 was purged), and not
        // an id purged after the upgrade either.
        let new_id = env.insert_customer("New", "new@example.com");
        assert_eq!(
            new_id, 10,
            "the first new id is past every id the audit trail names"
        );
        env.exec(&format!("DELETE FROM customers WHERE id = {new_id}"));
        let next = env.insert_customer("Newer", "newer@example.com");
        assert!(next > new_id, "id {next} reused after {new_id} was deleted");
        env.exec("DELETE FROM customers WHERE id = 2");
        assert_eq!(env.count("billing_accounts", "customer_id = 2"), 0);
        assert_eq!(env.count("account_entries", ""), 0);
        // The new columns are there.
        env.exec("UPDATE operators SET os_user = NULL");
        env.exec(
        "UPDATE audit_log SET run_id = NULL, content_salt = NULL, content_digest = NULL, chain_hash = NULL",
    );
    }
);

// ---------------------------------------------------------------- database URLs

/// Inits the SQLite database that `url` names, then checks `db status` through
/// the same URL reports it current; returns the file that must exist.
fn init_and_status_via(env: &Env, url: &str) {
    env.cmd()
        .env_remove("CUSTADM_DATABASE_URL")
        .args(&[
            "--database-url",
            url,
            "init",
            "--admin",
            "admin",
            "--password-stdin",
        ])
        .stdin(&format!("{ADMIN_PASSWORD}\n"))
        .run()
        .ok();
    let status = env
        .cmd()
        .env_remove("CUSTADM_DATABASE_URL")
        .args(&["--database-url", url, "db", "status", "-o", "json"])
        .run();
    status.ok();
    assert_eq!(status.json()["state"], "current");
}

#[test]
fn sqlite_url_forms_all_work() {
    let env = Env::sqlite();
    let dir = env.dir.path();
    let a = dir.join("slashes.db");
    let b = dir.join("colon.db");
    let c = dir.join("plain.db");
    init_and_status_via(&env, &format!("sqlite://{}", a.display()));
    init_and_status_via(&env, &format!("sqlite:{}", b.display()));
    init_and_status_via(&env, &c.display().to_string());
    for p in [&a, &b, &c] {
        assert!(p.is_file(), "{} missing", p.display());
    }
    // No file named after the URL text itself.
    let names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().all(|n| !n.starts_with("sqlite")),
        "stray files: {names:?}"
    );
    // The same file through two forms is the same database.
    let run = env
        .cmd()
        .env_remove("CUSTADM_DATABASE_URL")
        .args(&[
            "--database-url",
            &format!("sqlite:{}", a.display()),
            "operator",
            "list",
            "-o",
            "json",
        ])
        .run();
    run.ok();
    assert_eq!(run.json()[0]["username"], "admin");
}

#[test]
fn unsupported_url_scheme_is_refused_without_creating_a_file() {
    let env = Env::sqlite();
    let work = env.dir.path().join("cwd");
    std::fs::create_dir(&work).unwrap();
    for args in [
        &["--database-url", "mysql://x/y", "list"][..],
        &["--database-url", "mysql://x/y", "db", "status"],
        &[
            "--database-url",
            "mysql://x/y",
            "init",
            "--admin",
            "admin",
            "--password-stdin",
        ],
    ] {
        let mut cmd = env.cmd().stdin(&format!("{ADMIN_PASSWORD}\n")).args(args);
        cmd.cmd.current_dir(&work);
        let run = cmd.run();
        run.code(6).error_line("mysql");
        assert!(run.stdout.is_empty(), "stdout: {}", run.stdout);
    }
    assert_eq!(
        std::fs::read_dir(&work).unwrap().count(),
        0,
        "a file was created for mysql://"
    );
    assert!(!env.dir.path().join("data").exists());
}

#[test]
fn missing_sqlite_file_is_not_created_by_other_commands() {
    let env = Env::sqlite();
    for args in [
        &["list"][..],
        &["operator", "list"],
        &["db", "status"],
        &["db", "migrate"],
        &["list", "-o", "json"],
    ] {
        let run = env.run(args);
        run.code(6).error_line("custadm init");
        assert!(run.stdout.is_empty(), "{args:?} stdout: {}", run.stdout);
        assert!(
            !std::path::Path::new(&env.url).exists(),
            "{args:?} created {}",
            env.url
        );
    }
    // Neither through the sqlite: forms.
    let url = format!("sqlite:{}", env.url);
    env.run(&["--database-url", &url, "list"])
        .code(6)
        .error_line("custadm init");
    assert!(!std::path::Path::new(&env.url).exists());
}

#[test]
fn postgres_connection_refused_is_exit_6_quickly() {
    let env = Env::sqlite();
    let started = Instant::now();
    let run = env.run(&["--database-url", "postgres://root@127.0.0.1:1/x", "list"]);
    run.code(6).error_line("127.0.0.1");
    assert!(run.stdout.is_empty());
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    // init too, and it creates nothing locally.
    env.cmd()
        .args(&[
            "--database-url",
            "postgres://root@127.0.0.1:1/x",
            "init",
            "--admin",
            "admin",
            "--password-stdin",
        ])
        .stdin(&format!("{ADMIN_PASSWORD}\n"))
        .run()
        .code(6);
    assert!(!env.dir.path().join("data").exists());
}

#[test]
fn postgres_server_that_never_answers_times_out() {
    let env = Env::sqlite();
    // Accepts TCP (the kernel completes the handshake) but never says a word.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().unwrap().port();
    let url = format!("postgres://root@127.0.0.1:{port}/x");
    let started = Instant::now();
    let cmd = env.cmd().args(&["--database-url", &url, "list"]);
    let (run, elapsed) = run_with_open_stdin(cmd, Duration::from_secs(30));
    run.code(6).error_line("PostgreSQL");
    assert!(run.stdout.is_empty());
    assert!(
        elapsed < Duration::from_secs(15),
        "took {elapsed:?} (connect timeout is 10 s)"
    );
    assert!(started.elapsed() < Duration::from_secs(16));
    drop(listener);
}

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

// ---------------------------------------------------------------- errors

db_test!(
    errors_are_one_line_on_stderr_and_never_json_on_stdout,
    |env| {
        env.init_db(0);
        for args in [
            &["-o", "json", "operator", "set-role", "ghost", "admin"][..],
            &["-o", "json", "--operator", "ghost", "list"],
            &["-o", "json", "view", "999999"],
        ] {
            let run = env.run(args);
            assert_ne!(run.code, 0, "{args:?}");
            assert!(
                run.stdout.trim().is_empty(),
                "{args:?} stdout: {}",
                run.stdout
            );
            run.error_line("");
        }
        // A usage error from the parser is exit 2 with an error line too.
        let bad = env.run(&["view", "not-a-number"]);
        bad.code(2).error_line("");
    }
);
