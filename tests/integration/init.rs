//! `custadm init`: the schema created or found current, the first admin
//! registered (password from stdin, or asked twice on a terminal without echo),
//! sample data, the default SQLite file under the XDG data directory, missing
//! directories and a missing PostgreSQL database created, private files and
//! folders whatever the umask.

use std::os::unix::process::CommandExt;
use std::process::Command;
use std::time::{Duration, Instant};

use diesel::prelude::*;

use crate::db_test;
use crate::support::*;

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

/// `^\+[1-9][0-9]{6,14}$`
fn is_e164(s: &str) -> bool {
    let Some(digits) = s.strip_prefix('+') else {
        return false;
    };
    (7..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
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
    let base = server_base(&server);
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

#[test]
fn init_creates_private_files_and_folders_whatever_the_umask() {
    let env = Env::sqlite();
    let nested = env.dir.path().join("new").join("nested");
    let db = nested.join("db.sqlite3");
    let default_dir = env.dir.path().join("data").join("custadm");
    for (url, dirs) in [
        (
            Some(db.clone()),
            vec![env.dir.path().join("new"), nested.clone()],
        ),
        (None, vec![env.dir.path().join("data"), default_dir.clone()]),
    ] {
        let mut c = env
            .cmd()
            .args(&["init", "--admin", "admin", "--password-stdin"]);
        c = match &url {
            Some(u) => c.env("CUSTADM_DATABASE_URL", u.to_str().unwrap()),
            None => c.env_remove("CUSTADM_DATABASE_URL"),
        };
        // SAFETY: umask(2) is async-signal-safe.
        unsafe {
            c.cmd.pre_exec(|| {
                libc::umask(0);
                Ok(())
            });
        }
        let run = c.stdin(&format!("{ADMIN_PASSWORD}\n")).run();
        run.ok();
        assert!(!run.stderr.contains("warning:"), "{}", run.stderr);
        let file = url.unwrap_or_else(|| default_dir.join("custadm.sqlite3"));
        assert_eq!(mode(&file), 0o600, "{}", file.display());
        for d in dirs {
            assert_eq!(mode(&d), 0o700, "{}", d.display());
        }
    }
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
    let mut seen = s
        .exp_string("New password for custadm admin 'admin': ")
        .expect("first prompt");
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
            s.exp_string("New password for custadm admin 'admin': ")
                .expect("first prompt");
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

/// A missing PostgreSQL database whose name is not plain is not created,
/// and the error says why and what to do (not "check that the server is
/// running"); nothing is created under the decoded name either.
#[test]
fn init_refuses_to_create_a_postgres_database_with_an_unusual_name() {
    let Some(server) = postgres_server_url() else {
        return;
    };
    let base = server_base(&server);
    let name = format!("custadm odd%20{:08x}\"x", rand::random::<u32>());
    let url = format!("{base}/{}", name.replace(' ', "%20"));
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
        .code(6)
        .error_line("creates only plainly named ones");
}

/// `postgres://user@host:port/db?x` → `postgres://user@host:port`: the
/// server of the test URL, to name other databases on it.
fn server_base(server: &str) -> String {
    let no_query = server.split('?').next().unwrap_or(server);
    let after_scheme = no_query.find("://").map(|i| i + 3).unwrap_or(0);
    match no_query[after_scheme..].find('/') {
        Some(i) => no_query[..after_scheme + i].to_string(),
        None => no_query.to_string(),
    }
}
