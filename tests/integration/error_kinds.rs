//! Database errors are typed by code, not by the server's words (contract:
//! "Exit codes"; `src/db/error.rs`): a PostgreSQL database whose
//! `lc_messages` is German gives the same exit codes and the same hints as
//! in English for a lock timeout, a unique clash, a read-only server and a
//! deadlock. Each case runs in both languages and the two `error:` lines
//! are compared; the server's own text is checked to really be German, so
//! no case can pass because the server still spoke English.
//!
//! Needs the `de_DE.UTF-8` locale on the server's machine and PostgreSQL's
//! German message catalogue (`.ci/run` installs both). Outside CI a machine
//! without them skips these tests loudly (see `skips.rs`); under CI they fail.

use std::io::Write;
use std::process::Stdio;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use crate::support::*;

use custadm::db::error::{DbError, DbErrorKind};

const GERMAN: &str = "de_DE.UTF-8";

fn db_name(env: &Env) -> String {
    env.url.rsplit('/').next().expect("db name").to_string()
}

/// The server's own first line for an error `sql` raises on a new session.
fn server_error(env: &Env, sql: &str) -> String {
    let mut c = PgConnection::establish(&env.url).expect("connect");
    let e = c.batch_execute(sql).expect_err(sql);
    e.to_string().lines().next().unwrap_or("").to_string()
}

/// Sets the language of the test database's new sessions. `None` (with a
/// loud skip outside CI) when the server cannot speak German here.
fn speak(env: &Env, locale: &str) -> Option<()> {
    let mut c = PgConnection::establish(&env.url).expect("connect");
    let set = c.batch_execute(&format!(
        "ALTER DATABASE {} SET lc_messages = '{locale}'",
        db_name(env)
    ));
    let said = server_error(env, "SELECT 1/0");
    let missing = match set {
        Err(e) => Some(format!("lc_messages = '{locale}' refused: {e}")),
        Ok(()) if locale == GERMAN && said == "division by zero" => {
            Some("the server still says 'division by zero'".to_string())
        }
        Ok(()) => None,
    };
    if let Some(why) = missing {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("CI=true but PostgreSQL cannot speak German ({why}): .ci/run generates de_DE.UTF-8 and installs the catalogue");
        }
        eprintln!("SKIPPED: PostgreSQL in German ({why}); run .ci/run's locale step");
        record_skip(
            "PostgreSQL speaking German",
            "the de_DE.UTF-8 locale or PostgreSQL's German messages are missing (see the locale step of .ci/run)",
        );
        return None;
    }
    if locale == GERMAN {
        assert_eq!(
            said, "Division durch Null",
            "the server does not speak German"
        );
    } else {
        assert_eq!(said, "division by zero");
    }
    Some(())
}

/// The one `error:` line of a run.
fn error_line(run: &Run) -> String {
    let lines: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("error:"))
        .collect();
    assert_eq!(lines.len(), 1, "one error line:\n{}", run.stderr);
    lines[0].to_string()
}

/// `line` without its first parenthesised part (the server's own words,
/// which may hold parentheses themselves).
fn without_server_text(line: &str) -> String {
    let Some(start) = line.find('(') else {
        return line.to_string();
    };
    let mut depth = 0;
    for (i, ch) in line[start..].char_indices() {
        match ch {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return format!("{}(…){}", &line[..start], &line[start + i + 1..]);
                }
            }
            _ => {}
        }
    }
    line.to_string()
}

/// Starts custadm with `args` (stdin: `input`), a 30 s lock timeout unless
/// `lock_timeout` says otherwise.
fn spawn(env: &Env, args: &[&str], input: &str, lock_timeout: &str) -> std::process::Child {
    let mut child = env
        .cmd()
        .env("CUSTADM_LOCK_TIMEOUT", lock_timeout)
        .args(args)
        .cmd
        .stdin(Stdio::piped())
        .spawn()
        .expect("spawn custadm");
    let mut stdin = child.stdin.take().expect("stdin");
    let _ = stdin.write_all(input.as_bytes());
    drop(stdin);
    child
}

/// Waits until some session of the test database waits for a lock.
fn until_someone_waits(env: &Env, child: &mut std::process::Child) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let waiting = env.count(
            "pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid",
            "NOT l.granted AND a.datname = current_database()",
        );
        if waiting > 0 {
            return;
        }
        if let Some(status) = child.try_wait().expect("custadm") {
            panic!("custadm ended ({status}) before it waited for the lock");
        }
        assert!(
            Instant::now() < deadline,
            "custadm never waited for the lock"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Another program's transaction on its own connection.
fn other(env: &Env, statements: &str) -> PgConnection {
    let mut c = PgConnection::establish(&env.url).expect("connect");
    c.batch_execute(&format!("BEGIN; {statements}"))
        .unwrap_or_else(|e| panic!("{statements}: {e}"));
    c
}

/// A row lock held past lock_timeout, and a table lock behind which a read
/// waits: exit 6, the lock timeout named.
fn lock_timeouts(env: &Env, id: i64) -> Vec<String> {
    let mut lines = Vec::new();
    let mut holder = other(
        env,
        &format!("SELECT id FROM customers WHERE id = {id} FOR UPDATE"),
    );
    let s = id.to_string();
    let run = finish(spawn(env, &["toggle", &s, "--deactivate"], "", "1"));
    holder.batch_execute("ROLLBACK").unwrap();
    run.code(6).error_line(&format!(
        "customer {id} is locked by another transaction; waited 1 s; this transaction was rolled back"
    ));
    lines.push(error_line(&run));

    let mut holder = other(env, "LOCK TABLE customers IN ACCESS EXCLUSIVE MODE");
    let run = finish(spawn(env, &["list"], "", "1"));
    holder.batch_execute("ROLLBACK").unwrap();
    run.code(6).error_line("longer than the 1 s lock timeout");
    lines.push(error_line(&run));
    lines
}

/// An email or operator name taken by another transaction that commits
/// while custadm's write waits on the unique index: custadm's check before
/// the write did not see it, the database's unique violation (23505) is
/// what refuses it, exit 5.
fn unique_clashes(env: &Env, id: i64, round: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let email = format!("taken-{round}@example.com");
    let mut holder = other(
        env,
        &format!(
            "INSERT INTO customers (full_name, email, phone, password_hash, must_change_password, is_active, created_at, updated_at) \
             VALUES ('Other Program', {}, NULL, 'x', FALSE, TRUE, '2025-01-01 00:00:00', '2025-01-01 00:00:00')",
            quote(&email)
        ),
    );
    let s = id.to_string();
    let mut child = spawn(env, &["edit", &s, "--email", &email], "", "30");
    until_someone_waits(env, &mut child);
    holder.batch_execute("COMMIT").unwrap();
    let run = finish(child);
    run.code(5)
        .error_line("that email is already used by another customer");
    lines.push(error_line(&run));

    let name = format!("bob{round}");
    let mut holder = other(
        env,
        &format!(
            "INSERT INTO operators (username, role, password_hash, is_active, failed_attempts, created_at) \
             VALUES ('{name}', 'support', 'x', TRUE, 0, '2025-01-01 00:00:00')"
        ),
    );
    let mut child = spawn(
        env,
        &[
            "operator",
            "add",
            &name,
            "--role",
            "support",
            "--password-stdin",
        ],
        &admin_stdin(&["bobs-password-0123456"]),
        "30",
    );
    until_someone_waits(env, &mut child);
    holder.batch_execute("COMMIT").unwrap();
    let run = finish(child);
    run.code(5)
        .error_line(&format!("operator '{name}' already exists"));
    lines.push(error_line(&run));
    lines
}

/// `default_transaction_read_only` (what a hot standby gives every
/// session): the standby hint, exit 6.
fn read_only(env: &Env, id: i64) -> String {
    let name = db_name(env);
    env.exec(&format!(
        "ALTER DATABASE {name} SET default_transaction_read_only = on"
    ));
    let run = env.run(&["toggle", &id.to_string(), "--deactivate"]);
    env.exec(&format!(
        "BEGIN READ WRITE; ALTER DATABASE {name} RESET default_transaction_read_only; COMMIT"
    ));
    run.code(6).error_line("accepts only reads");
    error_line(&run)
}

/// A deadlock: another program locks the audit chain's head row, custadm
/// locks the customer and waits for the head, the other program then asks
/// for the customer. custadm's session (the only one whose deadlock check
/// runs in time: the other's deadlock_timeout is a minute) is rolled back
/// with 40P01, exit 6.
fn deadlock(env: &Env, id: i64) -> String {
    let mut holder = other(
        env,
        "SET LOCAL deadlock_timeout = '60s'; \
         SELECT last_id FROM audit_chain_head WHERE id = 1 FOR UPDATE",
    );
    let s = id.to_string();
    let mut child = spawn(env, &["toggle", &s, "--deactivate"], "", "30");
    until_someone_waits(env, &mut child);
    holder
        .batch_execute(&format!(
            "SELECT id FROM customers WHERE id = {id} FOR UPDATE"
        ))
        .expect("the other program gets the customer once custadm is rolled back");
    holder.batch_execute("ROLLBACK").unwrap();
    let run = finish(child);
    run.code(6).error_line("deadlock with another transaction");
    error_line(&run)
}

#[test]
fn postgres_in_german_gives_the_same_exit_codes_and_hints() {
    let Some(env) = Env::postgres() else { return };
    env.init_db(0);
    let id = env.insert_customer("Ann Lee", "ann@example.com");
    let mut seen = Vec::new();
    for (round, locale) in ["C", GERMAN].into_iter().enumerate() {
        if speak(&env, locale).is_none() {
            return;
        }
        let mut lines = lock_timeouts(&env, id);
        lines.extend(unique_clashes(&env, id, &round.to_string()));
        lines.push(read_only(&env, id));
        lines.push(deadlock(&env, id));
        seen.push(lines);
    }
    let (english, german) = (&seen[0], &seen[1]);
    eprintln!("in German:\n{}", german.join("\n"));
    // The server's own words, quoted by the read-only and deadlock hints,
    // are German; everything custadm says around them is the same.
    let (read_only_de, deadlock_de) = (&german[4], &german[5]);
    assert!(
        read_only_de.contains("Read-Only-Transaktion")
            && !read_only_de.contains("read-only transaction"),
        "{read_only_de}"
    );
    assert!(
        !deadlock_de.contains("deadlock detected") && deadlock_de.contains("Verklemmung"),
        "{deadlock_de}"
    );
    assert!(
        german.iter().all(|l| !l.contains("database error:")),
        "{german:#?}"
    );
    for (en, de) in english.iter().zip(german) {
        assert_eq!(
            without_server_text(en)
                .replace("bob0", "bob1")
                .replace("taken-0", "taken-1"),
            without_server_text(de),
            "English and German differ"
        );
    }
}

/// The boundary function itself, on errors a German-speaking server raised:
/// the kind (with the unique constraint's name) comes from the SQLSTATE
/// while the message is German.
#[test]
fn the_database_boundary_types_german_errors_by_code() {
    let Some(env) = Env::postgres() else { return };
    env.init_db(0);
    if speak(&env, GERMAN).is_none() {
        return;
    }
    env.insert_customer("Ann Lee", "ann@example.com");
    let classify = |sql: &str| -> DbError {
        let mut c = PgConnection::establish(&env.url).expect("connect");
        let e = diesel::sql_query(sql).execute(&mut c).expect_err(sql);
        DbError::from_diesel(e).expect("a database error")
    };
    let unique = classify(
        "INSERT INTO customers (full_name, email, password_hash, must_change_password, is_active, created_at, updated_at) \
         VALUES ('Twin', 'ann@example.com', 'x', FALSE, TRUE, '2025-01-01 00:00:00', '2025-01-01 00:00:00')",
    );
    assert!(unique.is_unique_violation(), "{unique:?}");
    assert!(
        matches!(unique.kind(), DbErrorKind::UniqueViolation { constraint: Some(c) } if !c.is_empty()),
        "{unique:?}"
    );
    assert!(
        unique.server_message().contains("Unique-Constraint"),
        "{}",
        unique.server_message()
    );
    let missing = classify("SELECT * FROM no_such_table");
    assert_eq!(missing.kind(), &DbErrorKind::UndefinedTable);
    assert!(
        !missing.server_message().contains("does not exist"),
        "{}",
        missing.server_message()
    );
}
