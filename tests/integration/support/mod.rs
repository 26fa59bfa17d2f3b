//! Shared test support: a fresh database per test (a temp SQLite file, or a
//! PostgreSQL database with a random name, dropped afterwards), the real
//! custadm binary run against it, pseudo-terminal sessions, and direct SQL to
//! check what is stored. Every helper that more than one test file uses lives
//! here, once, and is re-exported at `crate::support::*`:
//!
//! - `rows`: the database seen directly (seeding rows, reading them back);
//! - `audit`: audit rows and `audit verify`;
//! - `output`: what custadm printed (result documents, `config show`, failures);
//! - `time`: timestamps relative to now;
//! - `files`: config files, ids files, file modes, the migrations folder;
//! - `processes`: custadm spawned, run with open stdin, a tweaked
//!   environment, on a PTY, or with its memory bounded; the clap command tree;
//! - `cluster`: a PostgreSQL primary and streaming standby the test starts;
//! - `relay`: a TCP relay to PostgreSQL that stalls like a stuck proxy;
//! - `operators`: the OS login, adding operators, admin changes;
//! - `other`: another program's connection, a transaction held open on it;
//! - `values`: hostile names and characters, secrets, the mail sender.

mod audit;
mod cluster;
mod files;
mod operators;
mod other;
mod output;
mod processes;
mod relay;
mod rows;
mod time;
mod values;

pub use audit::*;
pub use cluster::*;
pub use files::*;
pub use operators::*;
pub use other::*;
pub use output::*;
pub use processes::*;
pub use relay::*;
pub use rows::*;
pub use time::*;
pub use values::*;

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};

/// Password of the admin `init_db` registers.
pub const ADMIN_PASSWORD: &str = "admin-password-0123";
/// Password of the support operator `add_support` registers.
pub const SUPPORT_PASSWORD: &str = "support-password-0123";

/// Which backend a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// One test's world: a temp dir (HOME, XDG dirs) and a fresh database.
pub struct Env {
    pub dir: tempfile::TempDir,
    pub url: String,
    pub backend: Backend,
    pg: Option<(String, String)>, // (server URL without db, db name)
}

/// What a finished custadm run left.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Parses stdout as one JSON document.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not one JSON document ({e}):\n{}\nstderr: {}",
                self.stdout, self.stderr
            )
        })
    }

    /// Asserts the exit code, showing the output when it differs.
    #[track_caller]
    pub fn code(&self, expected: i32) -> &Self {
        assert_eq!(
            self.code, expected,
            "exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Asserts success.
    #[track_caller]
    pub fn ok(&self) -> &Self {
        self.code(0)
    }

    /// Asserts stderr has a `warning:` line containing `needle`.
    #[track_caller]
    pub fn warning_line(&self, needle: &str) -> &Self {
        assert!(
            self.stderr
                .lines()
                .any(|l| l.starts_with("warning:") && l.contains(needle)),
            "no warning line with {needle:?}, stderr:\n{}",
            self.stderr
        );
        self
    }

    /// Asserts stderr is exactly one `error:` line containing `needle`.
    #[track_caller]
    pub fn error_line(&self, needle: &str) -> &Self {
        let lines: Vec<&str> = self
            .stderr
            .lines()
            .filter(|l| l.starts_with("error:"))
            .collect();
        assert_eq!(
            lines.len(),
            1,
            "expected one error line, stderr:\n{}",
            self.stderr
        );
        assert!(
            lines[0].contains(needle),
            "error line lacks {needle:?}: {}",
            lines[0]
        );
        self
    }
}

pub fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_custadm"))
}

/// Reads `CUSTADM_TEST_POSTGRES_URL`; without it PostgreSQL tests are skipped,
/// counted, and the count is printed as the last lines of the test output
/// (see [`record_skip`]); under CI a missing server is a failure.
pub fn postgres_server_url() -> Option<String> {
    match std::env::var("CUSTADM_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("CI=true but CUSTADM_TEST_POSTGRES_URL is not set: PostgreSQL tests must not be skipped in CI");
            }
            eprintln!("SKIPPED: PostgreSQL test (set CUSTADM_TEST_POSTGRES_URL=postgres://root@127.0.0.1:5432/postgres to run it)");
            record_skip(
                "PostgreSQL",
                "CUSTADM_TEST_POSTGRES_URL is not set (run: CUSTADM_TEST_POSTGRES_URL=postgres://root@127.0.0.1:5432/postgres cargo test)",
            );
            None
        }
    }
}

/// What was skipped (a key: what and why) → the tests that skipped it.
type Skips =
    std::collections::BTreeMap<(&'static str, &'static str), std::collections::BTreeSet<String>>;
static SKIPPED: std::sync::Mutex<Skips> = std::sync::Mutex::new(std::collections::BTreeMap::new());

/// Counts the running test as having skipped `what` because `why`, and, once
/// per process, has every such count printed when the test binary exits.
/// libtest captures a passing test's output and closes with "test result:
/// ok. N passed", counting a skipped test as passed; an `atexit` handler runs
/// after that summary (also after a failing run's `process::exit`) and
/// writes straight to fd 1, so the last lines of `cargo test` say what was
/// not tested, by how many tests, and why.
pub fn record_skip(what: &'static str, why: &'static str) {
    static REGISTER: std::sync::Once = std::sync::Once::new();
    let name = std::thread::current()
        .name()
        .filter(|n| *n != "main")
        .map(str::to_string)
        .unwrap_or_else(|| format!("unnamed test {}", rand::random::<u64>()));
    SKIPPED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .entry((what, why))
        .or_default()
        .insert(name);
    REGISTER.call_once(|| {
        // SAFETY: registers a plain extern "C" function with no captures.
        unsafe {
            libc::atexit(report_skips);
        }
    });
}

extern "C" fn report_skips() {
    let skips = match SKIPPED.lock() {
        Ok(s) => s.clone(),
        Err(e) => e.into_inner().clone(),
    };
    let mut text = String::new();
    for ((what, why), tests) in &skips {
        text.push_str(&format!(
            "\nWARNING: NOT TESTED: {what}: {} test(s) skipped it and were counted as passed above, because {why}\n",
            tests.len()
        ));
    }
    // SAFETY: writes a valid buffer to fd 1; at exit, std's stdout may be gone.
    unsafe {
        libc::write(1, text.as_ptr().cast(), text.len());
    }
}

fn server_base(url: &str) -> String {
    // postgres://user@host:port/db?x → postgres://user@host:port
    let no_query = url.split('?').next().unwrap_or(url);
    let after_scheme = no_query.find("://").map(|i| i + 3).unwrap_or(0);
    match no_query[after_scheme..].find('/') {
        Some(i) => no_query[..after_scheme + i].to_string(),
        None => no_query.to_string(),
    }
}

impl Env {
    /// A fresh temp SQLite file (not created yet).
    pub fn sqlite() -> Env {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = dir.path().join("test.sqlite3").display().to_string();
        Env {
            dir,
            url,
            backend: Backend::Sqlite,
            pg: None,
        }
    }

    /// A fresh, empty PostgreSQL database with a random name; `None` (and a
    /// visible skip message) when no server is configured.
    pub fn postgres() -> Option<Env> {
        Env::postgres_with("")
    }

    /// Like [`Env::postgres`], with `options` after `CREATE DATABASE name`
    /// (e.g. `ENCODING 'SQL_ASCII' …`, a database that stores any bytes).
    pub fn postgres_with(options: &str) -> Option<Env> {
        let server = server_base(&postgres_server_url()?);
        let name = format!("custadm_test_{:016x}", rand::random::<u64>());
        let mut admin =
            PgConnection::establish(&format!("{server}/postgres")).expect("connect to PostgreSQL");
        diesel::sql_query(format!("CREATE DATABASE {name} {options}"))
            .execute(&mut admin)
            .expect("create test database");
        let dir = tempfile::tempdir().expect("temp dir");
        Some(Env {
            dir,
            url: format!("{server}/{name}"),
            backend: Backend::Postgres,
            pg: Some((server, name)),
        })
    }

    /// The PostgreSQL database at `url`, which the test manages itself (a
    /// server it started: [`Cluster`]); nothing is dropped afterwards.
    pub fn postgres_at(url: &str) -> Env {
        Env {
            dir: tempfile::tempdir().expect("temp dir"),
            url: url.to_string(),
            backend: Backend::Postgres,
            pg: None,
        }
    }

    /// A fresh PostgreSQL database reached through PgBouncer in transaction
    /// pooling mode (`CUSTADM_TEST_PGBOUNCER_URL`, started by `.ci/pgbouncer`;
    /// the database itself is created on the direct server). `None`, with a
    /// visible skip message, when no pooler is configured; under `CI=true`
    /// a missing pooler is a failure.
    pub fn pgbouncer() -> Option<Env> {
        let pooler = match std::env::var("CUSTADM_TEST_PGBOUNCER_URL") {
            Ok(url) if !url.is_empty() => url,
            _ => {
                if std::env::var("CI").as_deref() == Ok("true") {
                    panic!("CI=true but CUSTADM_TEST_PGBOUNCER_URL is not set: the PgBouncer tests must not be skipped in CI (.ci/run starts one)");
                }
                eprintln!("SKIPPED: PgBouncer test (run `export CUSTADM_TEST_PGBOUNCER_URL=$(.ci/pgbouncer)` to run it)");
                record_skip(
                    "PostgreSQL behind PgBouncer",
                    "CUSTADM_TEST_PGBOUNCER_URL is not set (run: export CUSTADM_TEST_PGBOUNCER_URL=$(.ci/pgbouncer))",
                );
                return None;
            }
        };
        let mut env = Env::postgres()?;
        let name = env.pg.as_ref().map(|(_, n)| n.clone()).expect("pg name");
        env.url = format!("{}/{name}", server_base(&pooler));
        Some(env)
    }

    /// custadm with this env's database and an isolated HOME; operator `admin`
    /// unless the test sets another. Detached from any controlling terminal,
    /// as under cron.
    pub fn cmd(&self) -> Cmd {
        let mut cmd = Command::new(binary());
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("XDG_DATA_HOME", self.dir.path().join("data"))
            .env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            .env("CUSTADM_DATABASE_URL", &self.url)
            .env("CUSTADM_OPERATOR", "admin")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // SAFETY: setsid is async-signal-safe; it only detaches the child from our terminal.
        unsafe {
            cmd.pre_exec(|| {
                libc::setsid();
                Ok(())
            });
        }
        Cmd { cmd, stdin: None }
    }

    /// Runs custadm with these arguments and no stdin.
    pub fn run(&self, args: &[&str]) -> Run {
        self.cmd().args(args).run()
    }

    /// A custadm session on a pseudo-terminal (its controlling terminal).
    pub fn pty(&self, args: &[&str]) -> rexpect::session::PtySession {
        self.pty_as("admin", args)
    }

    /// A custadm session on a pseudo-terminal, acting as `operator`.
    pub fn pty_as(&self, operator: &str, args: &[&str]) -> rexpect::session::PtySession {
        let mut cmd = Command::new(binary());
        cmd.args(args)
            .env("HOME", self.dir.path())
            .env("XDG_DATA_HOME", self.dir.path().join("data"))
            .env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            .env("CUSTADM_DATABASE_URL", &self.url)
            .env("CUSTADM_OPERATOR", operator)
            .env("NO_COLOR", "1")
            .env_remove("CUSTADM_PROFILE")
            .env_remove("SUDO_USER");
        rexpect::session::spawn_command(cmd, Some(30_000)).expect("spawn custadm on a pty")
    }

    /// `init` with admin `admin` (password [`ADMIN_PASSWORD`]) and `sample`
    /// sample customers (0 for none).
    pub fn init_db(&self, sample: u32) -> &Self {
        let mut args = vec!["init", "--admin", "admin", "--password-stdin"];
        let n = sample.to_string();
        if sample > 0 {
            args.extend(["--sample-data", &n]);
        }
        self.cmd()
            .args(&args)
            .stdin(&format!("{ADMIN_PASSWORD}\n"))
            .run()
            .ok();
        self
    }

    /// Registers operator `support` with the support role.
    pub fn add_support(&self) -> &Self {
        self.add_operator("support", "support", SUPPORT_PASSWORD);
        self
    }

    /// Registers an operator as `admin` (confirmed by [`ADMIN_PASSWORD`],
    /// the new operator's password on the second line of stdin).
    pub fn add_operator(&self, name: &str, role: &str, password: &str) {
        self.admin_change(&["operator", "add", name, "--role", role], &[password])
            .ok();
    }

    /// Runs an admin change as `admin` with `--password-stdin`: stdin is
    /// [`ADMIN_PASSWORD`] (the confirmation), then the lines of `then` (a new
    /// operator's password).
    pub fn admin_change(&self, args: &[&str], then: &[&str]) -> Run {
        let mut argv = args.to_vec();
        argv.push("--password-stdin");
        self.cmd().args(&argv).stdin(&admin_stdin(then)).run()
    }

    /// Inserts a customer directly (as the application would) and returns its id.
    pub fn insert_customer(&self, name: &str, email: &str) -> i64 {
        let sql = format!(
            "INSERT INTO customers (full_name, email, phone, password_hash, must_change_password, is_active, created_at, updated_at) \
             VALUES ({}, {}, NULL, 'x', {f}, {t}, '2025-01-01 00:00:00', '2025-01-01 00:00:00')",
            quote(name),
            quote(email),
            f = self.bool_sql(false),
            t = self.bool_sql(true),
        );
        self.exec(&sql);
        let id = self
            .scalar(&format!(
                "SELECT id AS v FROM customers WHERE email = {}",
                quote(email)
            ))
            .expect("inserted");
        self.exec(&format!("INSERT INTO billing_accounts (customer_id, created_at) VALUES ({id}, '2025-01-01 00:00:00')"));
        id
    }

    /// Adds an invoice of `cents` to a customer's billing account.
    pub fn add_invoice(&self, customer_id: i64, cents: i64) {
        self.exec(&format!(
            "INSERT INTO account_entries (billing_account_id, entry_type, amount_usd_cents, description, created_at) \
             SELECT id, 'invoice', {cents}, 'test invoice', '2025-02-01 00:00:00' FROM billing_accounts WHERE customer_id = {customer_id}"
        ));
    }

    /// A SQL boolean literal for this backend.
    pub fn bool_sql(&self, b: bool) -> &'static str {
        match (self.backend, b) {
            (Backend::Sqlite, true) => "1",
            (Backend::Sqlite, false) => "0",
            (Backend::Postgres, true) => "TRUE",
            (Backend::Postgres, false) => "FALSE",
        }
    }

    /// Executes SQL directly on the test database.
    pub fn exec(&self, sql: &str) {
        match self.backend {
            Backend::Sqlite => {
                let mut c = SqliteConnection::establish(&self.url).expect("open sqlite");
                diesel::connection::SimpleConnection::batch_execute(
                    &mut c,
                    "PRAGMA busy_timeout = 10000",
                )
                .ok();
                diesel::connection::SimpleConnection::batch_execute(&mut c, sql)
                    .unwrap_or_else(|e| panic!("{sql}: {e}"));
            }
            Backend::Postgres => {
                let mut c = PgConnection::establish(&self.url).expect("open postgres");
                diesel::connection::SimpleConnection::batch_execute(&mut c, sql)
                    .unwrap_or_else(|e| panic!("{sql}: {e}"));
            }
        }
    }

    /// The integer column `v` of the first row of `sql` (None for no row or NULL).
    pub fn scalar(&self, sql: &str) -> Option<i64> {
        #[derive(QueryableByName)]
        struct V {
            #[diesel(sql_type = Nullable<BigInt>)]
            v: Option<i64>,
        }
        let rows: Vec<V> = match self.backend {
            Backend::Sqlite => {
                let mut c = SqliteConnection::establish(&self.url).expect("open sqlite");
                diesel::sql_query(sql)
                    .load(&mut c)
                    .unwrap_or_else(|e| panic!("{sql}: {e}"))
            }
            Backend::Postgres => {
                let mut c = PgConnection::establish(&self.url).expect("open postgres");
                diesel::sql_query(sql)
                    .load(&mut c)
                    .unwrap_or_else(|e| panic!("{sql}: {e}"))
            }
        };
        rows.into_iter().next().and_then(|r| r.v)
    }

    /// The text column `v` of every row of `sql`.
    pub fn texts(&self, sql: &str) -> Vec<Option<String>> {
        #[derive(QueryableByName)]
        struct V {
            #[diesel(sql_type = Nullable<Text>)]
            v: Option<String>,
        }
        let rows: Vec<V> = match self.backend {
            Backend::Sqlite => {
                let mut c = SqliteConnection::establish(&self.url).expect("open sqlite");
                diesel::sql_query(sql)
                    .load(&mut c)
                    .unwrap_or_else(|e| panic!("{sql}: {e}"))
            }
            Backend::Postgres => {
                let mut c = PgConnection::establish(&self.url).expect("open postgres");
                diesel::sql_query(sql)
                    .load(&mut c)
                    .unwrap_or_else(|e| panic!("{sql}: {e}"))
            }
        };
        rows.into_iter().map(|r| r.v).collect()
    }

    /// Number of rows in `table` (optionally `WHERE cond`).
    pub fn count(&self, table: &str, cond: &str) -> i64 {
        let sql = if cond.is_empty() {
            format!("SELECT COUNT(*) AS v FROM {table}")
        } else {
            format!("SELECT COUNT(*) AS v FROM {table} WHERE {cond}")
        };
        self.scalar(&sql).unwrap_or(0)
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        if let Some((server, name)) = &self.pg {
            if let Ok(mut c) = PgConnection::establish(&format!("{server}/postgres")) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut c);
            }
        }
    }
}

/// Standard input for an admin change confirmed by `admin`: its password,
/// then each of `then`, one a line.
pub fn admin_stdin(then: &[&str]) -> String {
    let mut text = format!("{ADMIN_PASSWORD}\n");
    for line in then {
        text.push_str(line);
        text.push('\n');
    }
    text
}

/// A SQL string literal.
pub fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A custadm command being prepared.
pub struct Cmd {
    pub cmd: Command,
    stdin: Option<String>,
}

impl Cmd {
    pub fn args(mut self, args: &[&str]) -> Self {
        self.cmd.args(args);
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.cmd.env(key, value);
        self
    }

    pub fn env_remove(mut self, key: &str) -> Self {
        self.cmd.env_remove(key);
        self
    }

    /// Text to give on stdin.
    pub fn stdin(mut self, text: &str) -> Self {
        self.stdin = Some(text.to_string());
        self
    }

    /// Runs to completion (stdin closed after the given text).
    pub fn run(mut self) -> Run {
        let mut child = self.cmd.spawn().expect("spawn custadm");
        {
            use std::io::Write;
            let mut stdin = child.stdin.take().expect("stdin");
            if let Some(text) = &self.stdin {
                let _ = stdin.write_all(text.as_bytes());
            }
        }
        let out = child.wait_with_output().expect("wait for custadm");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// Defines one test per backend: `NAME::sqlite` and `NAME::postgres`.
#[macro_export]
macro_rules! db_test {
    ($name:ident, |$env:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[allow(unused_imports)]
            use $crate::support::*;

            #[test]
            fn sqlite() {
                let $env = Env::sqlite();
                $body
            }

            #[test]
            fn postgres() {
                let Some($env) = Env::postgres() else { return };
                $body
            }
        }
    };
}

/// customer_id → number of audit rows with `action`.
pub fn audit_per_customer(env: &Env, action: &str) -> std::collections::BTreeMap<i64, i64> {
    env.texts(&format!(
        "SELECT CAST(customer_id AS TEXT) || ':' || CAST(COUNT(*) AS TEXT) AS v \
         FROM audit_log WHERE action = {} GROUP BY customer_id",
        quote(action)
    ))
    .into_iter()
    .map(|v| {
        let v = v.expect("row");
        let (id, n) = v.split_once(':').expect("id:count");
        (id.parse().expect("id"), n.parse().expect("count"))
    })
    .collect()
}

/// Each customer is either inactive with exactly one `deactivate` audit row,
/// or active with none (a bulk run is all-or-nothing per customer). Returns
/// how many are inactive.
#[track_caller]
pub fn assert_all_or_nothing(env: &Env) -> usize {
    let ids = |active: bool| -> std::collections::BTreeSet<i64> {
        env.texts(&format!(
            "SELECT CAST(id AS TEXT) AS v FROM customers WHERE is_active = {} ORDER BY id",
            env.bool_sql(active)
        ))
        .into_iter()
        .map(|v| v.expect("id").parse().expect("id"))
        .collect()
    };
    let audit = audit_per_customer(env, "deactivate");
    let (inactive, active) = (ids(false), ids(true));
    for id in &inactive {
        assert_eq!(
            audit.get(id).copied().unwrap_or(0),
            1,
            "customer {id} is inactive but has {:?} deactivate audit rows",
            audit.get(id)
        );
    }
    for id in &active {
        assert_eq!(
            audit.get(id),
            None,
            "customer {id} is active but has deactivate audit rows"
        );
    }
    for id in audit.keys() {
        assert!(
            inactive.contains(id) || active.contains(id),
            "audit row for unknown customer {id}"
        );
    }
    inactive.len()
}

/// Inserts `n` customers `Customer k` / `c{k}@example.com` (k = 1..=n) in one
/// statement, all active, created 2025-01-01.
pub fn bulk_customers(env: &Env, n: i64) {
    let sql = match env.backend {
        Backend::Sqlite => format!(
            "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {n}) \
             INSERT INTO customers (full_name, email, phone, password_hash, must_change_password, is_active, created_at, updated_at) \
             SELECT 'Customer ' || n, 'c' || n || '@example.com', NULL, 'x', 0, 1, '2025-01-01 00:00:00', '2025-01-01 00:00:00' FROM s"
        ),
        Backend::Postgres => format!(
            "INSERT INTO customers (full_name, email, phone, password_hash, must_change_password, is_active, created_at, updated_at) \
             SELECT 'Customer ' || n, 'c' || n || '@example.com', NULL, 'x', FALSE, TRUE, '2025-01-01 00:00:00', '2025-01-01 00:00:00' \
             FROM generate_series(1, {n}) AS n"
        ),
    };
    env.exec(&sql);
    assert_eq!(env.count("customers", ""), n, "bulk insert");
}
