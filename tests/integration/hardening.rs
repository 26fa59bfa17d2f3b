//! Tests: hardening. Attacks on custadm through the real binary: faults
//! (a PostgreSQL connection killed mid-run, a read-only SQLite file or
//! directory, a SQLite write lock held past the busy timeout), hostile input
//! (SQL metacharacters, invalid UTF-8, NUL bytes, huge id files and values),
//! secrets (no password anywhere it should not be, no password-valued flag),
//! the authorisation matrix generated from the clap tree, and audit integrity
//! (one `ok` row per real change, none for a no-op).

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::io::{Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use clap::CommandFactory;
use diesel::prelude::*;

use crate::db_test;
use crate::support::{
    admin_stdin, assert_all_or_nothing, audit_per_customer, bulk_customers, quote, Backend, Env,
    Run, ADMIN_PASSWORD, SUPPORT_PASSWORD,
};

// ---------------------------------------------------------------------------
// helpers

/// Asserts a failure is the contract's kind: exit `code`, exactly one
/// `error:` line on stderr containing `needle`, no panic, no internal error,
/// nothing error-like on stdout.
#[track_caller]
fn assert_clean_failure(run: &Run, code: i32, needle: &str) {
    run.code(code);
    run.error_line(needle);
    for bad in [
        "panicked",
        "internal error",
        "stack backtrace",
        "RUST_BACKTRACE",
    ] {
        assert!(
            !run.stderr.contains(bad),
            "stderr contains {bad:?}:\n{}",
            run.stderr
        );
    }
    assert!(
        !run.stdout.contains("error:"),
        "error on stdout:\n{}",
        run.stdout
    );
}

fn write_bytes_file(env: &Env, name: &str, bytes: &[u8]) -> PathBuf {
    let path = env.dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn id_lines(ids: impl IntoIterator<Item = i64>) -> String {
    let mut s = String::new();
    for id in ids {
        s.push_str(&id.to_string());
        s.push('\n');
    }
    s
}

/// One connection to the test database kept open across many queries (a
/// new PostgreSQL connection per query is what makes a matrix slow).
enum Probe {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

#[derive(QueryableByName)]
struct TextRow {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    v: Option<String>,
}

impl Probe {
    fn new(env: &Env) -> Probe {
        match env.backend {
            Backend::Sqlite => {
                use diesel::connection::SimpleConnection;
                let mut c = SqliteConnection::establish(&env.url).expect("open sqlite");
                c.batch_execute("PRAGMA busy_timeout = 10000").unwrap();
                Probe::Sqlite(c)
            }
            Backend::Postgres => Probe::Pg(PgConnection::establish(&env.url).expect("connect")),
        }
    }

    fn texts(&mut self, sql: &str) -> Vec<Option<String>> {
        let rows: Vec<TextRow> = match self {
            Probe::Pg(c) => diesel::sql_query(sql).load(c),
            Probe::Sqlite(c) => diesel::sql_query(sql).load(c),
        }
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
        rows.into_iter().map(|r| r.v).collect()
    }

    fn count(&mut self, table: &str, cond: &str) -> i64 {
        let w = if cond.is_empty() {
            String::new()
        } else {
            format!(" WHERE {cond}")
        };
        self.texts(&format!(
            "SELECT CAST(COUNT(*) AS TEXT) AS v FROM {table}{w}"
        ))[0]
            .as_deref()
            .unwrap()
            .parse()
            .unwrap()
    }
}

/// Everything a command could change: every customer and operator row, and
/// the audit trail (each row's id, outcome, action and details).
fn full_state(env: &Env) -> Vec<Option<String>> {
    state_with(&mut Probe::new(env))
}

fn state_with(p: &mut Probe) -> Vec<Option<String>> {
    let mut v = p.texts(
        "SELECT CAST(id AS TEXT) || '|' || full_name || '|' || email || '|' || COALESCE(phone, '-') \
         || '|' || CAST(is_active AS TEXT) || '|' || CAST(must_change_password AS TEXT) \
         || '|' || COALESCE(CAST(deleted_at AS TEXT), '-') || '|' || CAST(updated_at AS TEXT) \
         || '|' || password_hash AS v FROM customers ORDER BY id",
    );
    v.extend(p.texts(
        "SELECT username || '|' || role || '|' || CAST(is_active AS TEXT) || '|' || CAST(failed_attempts AS TEXT) \
         || '|' || COALESCE(CAST(locked_until AS TEXT), '-') || '|' || password_hash AS v FROM operators ORDER BY id",
    ));
    v.extend(p.texts(
        "SELECT CAST(id AS TEXT) || '|' || outcome || '|' || action || '|' || details AS v FROM audit_log ORDER BY id",
    ));
    v
}

fn is_active(env: &Env, id: i64) -> bool {
    env.count(
        "customers",
        &format!("id = {id} AND is_active = {}", env.bool_sql(true)),
    ) == 1
}

/// Runs custadm with raw (possibly non-UTF-8) arguments.
fn run_os(env: &Env, args: &[&[u8]]) -> Run {
    let mut c = env.cmd();
    for a in args {
        c.cmd.arg(OsStr::from_bytes(a));
    }
    c.run()
}

/// What [`run_bounded`] saw: the run, its peak RSS (KiB) and whether it ended
/// by a signal.
pub(crate) struct Measured {
    pub(crate) run: Run,
    pub(crate) max_rss_kib: i64,
    pub(crate) signal: Option<i32>,
}

/// Spawns `cmd`, feeds `stdin`, reads stdout/stderr on threads, and reaps the
/// child itself with `wait4` to get that one child's peak memory. A child
/// still running after `timeout` is killed and the test fails.
#[allow(clippy::zombie_processes)] // reaped with wait4, which std's Child cannot see
pub(crate) fn run_bounded(cmd: Command, stdin: Option<Vec<u8>>, timeout: Duration) -> Measured {
    run_bounded_fed(
        cmd,
        move |mut child_in| {
            if let Some(bytes) = stdin {
                let _ = child_in.write_all(&bytes);
            }
        },
        timeout,
    )
}

/// [`run_bounded`] with stdin written by `feed` on its own thread (so a
/// test can stream 200 MB without holding them: the child's peak RSS
/// counts the pages it shared with this process before `exec`).
#[allow(clippy::zombie_processes)] // reaped with wait4, which std's Child cannot see
pub(crate) fn run_bounded_fed(
    mut cmd: Command,
    feed: impl FnOnce(std::process::ChildStdin) + Send + 'static,
    timeout: Duration,
) -> Measured {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn custadm");
    let pid = child.id() as libc::pid_t;
    let child_in = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || feed(child_in));
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_t = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = out.read_to_end(&mut b);
        b
    });
    let err_t = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = err.read_to_end(&mut b);
        b
    });
    let deadline = Instant::now() + timeout;
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain data; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let mut timed_out = false;
    loop {
        // SAFETY: pid is our child, not reaped by anyone else.
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        assert!(r >= 0, "wait4 failed: {}", std::io::Error::last_os_error());
        if r == pid {
            break;
        }
        if Instant::now() > deadline && !timed_out {
            timed_out = true;
            // SAFETY: killing our own, not yet reaped child.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = feeder.join();
    let stdout = String::from_utf8_lossy(&out_t.join().unwrap()).into_owned();
    let stderr = String::from_utf8_lossy(&err_t.join().unwrap()).into_owned();
    assert!(
        !timed_out,
        "custadm still ran after {timeout:?} and was killed; stderr:\n{}",
        &stderr[..stderr.len().min(2000)]
    );
    let (code, signal) = if libc::WIFEXITED(status) {
        (libc::WEXITSTATUS(status), None)
    } else {
        (-1, Some(libc::WTERMSIG(status)))
    };
    Measured {
        run: Run {
            code,
            stdout,
            stderr,
        },
        max_rss_kib: usage.ru_maxrss,
        signal,
    }
}

/// Makes a path read-only for real: chmod, and where chmod does not stop us
/// (root), `chattr +i`, undone on drop. `None` (and a visible message) when
/// neither works.
struct ReadOnly {
    path: PathBuf,
    mode: u32,
    immutable: bool,
}

impl ReadOnly {
    fn new(path: &Path) -> Option<ReadOnly> {
        let meta = std::fs::metadata(path).unwrap();
        let mode = meta.permissions().mode() & 0o7777;
        let ro_mode = if meta.is_dir() { 0o555 } else { 0o444 };
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(ro_mode)).unwrap();
        let mut guard = ReadOnly {
            path: path.to_path_buf(),
            mode,
            immutable: false,
        };
        if !guard.writable() {
            return Some(guard);
        }
        // Root ignores the mode bits: make it immutable instead.
        let ok = Command::new("chattr")
            .arg("+i")
            .arg(path)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            guard.immutable = true;
            if !guard.writable() {
                return Some(guard);
            }
        }
        eprintln!(
            "SKIPPED: cannot make {} read-only (running as root and chattr +i is unavailable)",
            path.display()
        );
        crate::support::record_skip(
            "read-only files and folders",
            "running as root, chattr +i is unavailable here",
        );
        None
    }

    fn writable(&self) -> bool {
        if self.path.is_dir() {
            let probe = self.path.join(".write-probe");
            let ok = std::fs::File::create(&probe).is_ok();
            let _ = std::fs::remove_file(&probe);
            ok
        } else {
            std::fs::OpenOptions::new()
                .write(true)
                .open(&self.path)
                .is_ok()
        }
    }
}

impl Drop for ReadOnly {
    fn drop(&mut self) {
        if self.immutable {
            let _ = Command::new("chattr").arg("-i").arg(&self.path).status();
        }
        let _ = std::fs::set_permissions(&self.path, std::fs::Permissions::from_mode(self.mode));
    }
}

// ---------------------------------------------------------------------------
// 1. faults

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    v: i64,
}

fn pg_count(conn: &mut PgConnection, sql: &str) -> i64 {
    diesel::sql_query(sql)
        .load::<Count>(conn)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))[0]
        .v
}

/// PostgreSQL: the run's connection is terminated by the server mid-run.
#[test]
fn fault_postgres_connection_killed_mid_run() {
    let Some(env) = Env::postgres() else { return };
    env.init_db(0);
    const N: i64 = 20_000;
    bulk_customers(&env, N);
    let file = write_bytes_file(&env, "all.txt", id_lines(1..=N).as_bytes());
    let file = file.to_str().unwrap();
    let args = [
        "toggle",
        "--deactivate",
        "--ids-from",
        file,
        "--yes",
        "--batch-size",
        "200",
        "-q",
    ];
    let mut watcher = PgConnection::establish(&env.url).expect("connect");
    let inactive_sql = "SELECT COUNT(*) AS v FROM customers WHERE is_active = FALSE";
    let terminate_sql =
        "SELECT COUNT(*) AS v FROM (SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()) t WHERE t.ok";

    // The run must still be going when its connection is killed; on a machine
    // fast enough to finish first, start over (at most three times).
    let mut killed = None;
    for attempt in 1..=3 {
        let mut child = env
            .cmd()
            .args(&args)
            .cmd
            .stdin(Stdio::null())
            .spawn()
            .expect("spawn");
        let deadline = Instant::now() + Duration::from_secs(20);
        let terminated = loop {
            if pg_count(&mut watcher, inactive_sql) > 0 {
                break pg_count(&mut watcher, terminate_sql);
            }
            assert!(
                child.try_wait().unwrap().is_none(),
                "the run ended before any batch was seen committed"
            );
            assert!(Instant::now() < deadline, "no batch committed within 20 s");
            std::thread::sleep(Duration::from_millis(2));
        };
        let out = child.wait_with_output().unwrap();
        let run = Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        if terminated > 0 && run.code != 0 {
            killed = Some(run);
            break;
        }
        eprintln!("attempt {attempt}: the run finished before its connection was killed; again");
        env.exec("UPDATE customers SET is_active = TRUE; DELETE FROM audit_log WHERE action = 'deactivate'");
    }
    let run = killed.expect("could not kill the run's connection while it was running");
    eprintln!("killed run: exit {}, {}", run.code, run.stderr.trim());
    assert_clean_failure(&run, 6, "connection");

    let done = assert_all_or_nothing(&env);
    assert!(done > 0, "some batches committed before the kill");
    assert!(
        done < N as usize,
        "the connection was killed mid-run, yet all {N} customers are inactive"
    );

    // Rerun: finishes the job, exactly one audit row each.
    let mut rerun: Vec<&str> = args.to_vec();
    rerun.retain(|a| *a != "-q");
    rerun.extend(["-o", "json"]);
    let run = env.run(&rerun);
    run.ok();
    let doc = run.json();
    assert_eq!(doc["summary"]["changed"].as_i64(), Some(N - done as i64));
    assert_eq!(doc["summary"]["unchanged"].as_i64(), Some(done as i64));
    assert_eq!(assert_all_or_nothing(&env), N as usize);
}

/// The changing commands tried against a database that cannot be written.
fn write_attempts(id: i64) -> Vec<(Vec<String>, Option<String>)> {
    let id = id.to_string();
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    vec![
        (s(&["toggle", &id, "--deactivate"]), None),
        (s(&["edit", &id, "--name", "Never Written"]), None),
        (s(&["delete", &id, "--yes"]), None),
        (s(&["reset-password", &id]), None),
        (
            s(&[
                "operator",
                "add",
                "neverwritten",
                "--role",
                "support",
                "--password-stdin",
            ]),
            Some(admin_stdin(&["never-written-password-0123"])),
        ),
        // `view` must write its audit row; without it, no personal data.
        (s(&["view", &id]), None),
    ]
}

/// SQLite: a read-only file, then a read-only directory.
#[test]
fn fault_sqlite_read_only_file_and_directory() {
    let env = Env::sqlite();
    env.init_db(0);
    let id = env.insert_customer("Read Only", "read.only@example.com");
    let db = PathBuf::from(&env.url);
    let before = full_state(&env);
    let mut cells = 0;

    // The directory first: once SQLite has left -wal/-shm files behind, a
    // read-only directory no longer stops writes to them.
    for (what, path) in [
        ("directory", env.dir.path().to_path_buf()),
        ("file", db.clone()),
    ] {
        assert!(
            !PathBuf::from(format!("{}-wal", env.url)).exists() || what == "file",
            "a -wal file is left over before the read-only directory case"
        );
        let Some(guard) = ReadOnly::new(&path) else {
            continue;
        };
        for (args, stdin) in write_attempts(id) {
            cells += 1;
            let argv: Vec<&str> = args.iter().map(String::as_str).collect();
            let mut cmd = env.cmd().args(&argv);
            if let Some(s) = &stdin {
                cmd = cmd.stdin(s);
            }
            let run = cmd.run();
            assert_clean_failure(&run, 6, "");
            let line = run
                .stderr
                .lines()
                .find(|l| l.starts_with("error:"))
                .unwrap();
            assert!(
                line.contains("read-only") || line.contains("permission"),
                "read-only {what}, {argv:?}: the error does not say what is wrong: {line}"
            );
            assert!(
                !run.stdout.contains("read.only@example.com"),
                "read-only {what}, {argv:?}: personal data shown without its audit row:\n{}",
                run.stdout
            );
        }
        drop(guard);
        assert_eq!(
            full_state(&env),
            before,
            "read-only {what}: something was written"
        );
        assert_eq!(
            env.texts("SELECT integrity_check AS v FROM pragma_integrity_check()")[0].as_deref(),
            Some("ok"),
            "read-only {what}: database damaged"
        );
    }
    eprintln!("read-only database: {cells} commands refused cleanly");
    assert!(cells > 0 || !Path::new("/usr/bin/chattr").exists());
    // Writable again: the same command works.
    env.run(&["toggle", &id.to_string(), "--deactivate"]).ok();
    assert!(!is_active(&env, id));
}

/// Holds SQLite's write lock (`BEGIN IMMEDIATE`) from another connection for
/// `hold`, returning once the lock is taken.
fn hold_write_lock(url: &str, hold: Duration) -> std::thread::JoinHandle<()> {
    let url = url.to_string();
    let (tx, rx) = std::sync::mpsc::channel();
    let t = std::thread::spawn(move || {
        use diesel::connection::SimpleConnection;
        let mut c = SqliteConnection::establish(&url).expect("open sqlite");
        c.batch_execute("BEGIN IMMEDIATE")
            .expect("take the write lock");
        c.batch_execute("UPDATE customers SET updated_at = updated_at WHERE id = -1")
            .unwrap();
        tx.send(()).unwrap();
        std::thread::sleep(hold);
        c.batch_execute("COMMIT").unwrap();
    });
    rx.recv_timeout(Duration::from_secs(10))
        .expect("lock holder started");
    t
}

#[test]
fn fault_sqlite_write_lock_held_past_busy_timeout() {
    let env = Env::sqlite();
    env.init_db(0);
    let id = env.insert_customer("Busy Wait", "busy@example.com");
    let before = full_state(&env);

    // Held for longer than the busy timeout (= lock_timeout, here 2 s):
    // exit 6, "busy" with the timeout it waited, no change.
    let holder = hold_write_lock(&env.url, Duration::from_secs(4));
    let started = Instant::now();
    let run = env
        .cmd()
        .env("CUSTADM_LOCK_TIMEOUT", "2")
        .args(&["toggle", &id.to_string(), "--deactivate"])
        .run();
    let waited = started.elapsed();
    holder.join().unwrap();
    assert_clean_failure(&run, 6, "busy");
    run.error_line("longer than the 2 s lock timeout");
    assert!(
        waited >= Duration::from_millis(1_800),
        "gave up after {waited:?}, before the 2 s busy timeout"
    );
    assert_eq!(full_state(&env), before, "a busy failure wrote something");

    // Held for 1 s: the command waits (default lock_timeout, 10 s) and succeeds.
    let holder = hold_write_lock(&env.url, Duration::from_secs(1));
    let started = Instant::now();
    let run = env.run(&["toggle", &id.to_string(), "--deactivate"]);
    let waited = started.elapsed();
    holder.join().unwrap();
    run.ok();
    assert!(
        waited >= Duration::from_millis(800),
        "finished in {waited:?}: it did not wait for the lock?"
    );
    assert!(!is_active(&env, id));
    assert_eq!(audit_per_customer(&env, "deactivate").get(&id), Some(&1));
}

// ---------------------------------------------------------------------------
// 2. hostile input

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

// ---------------------------------------------------------------------------
// 3. secrets

/// Every table's every column, as text, one string a row.
fn all_rows(env: &Env) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let tables: Vec<String> = match env.backend {
        Backend::Sqlite => env.texts(
            "SELECT name AS v FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
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

fn clone_run(r: &Run) -> Run {
    Run {
        code: r.code,
        stdout: r.stdout.clone(),
        stderr: r.stderr.clone(),
    }
}

/// Every command of the tree, with its path (`operator add`).
fn all_commands(cmd: &clap::Command, prefix: &str, out: &mut Vec<(String, clap::Command)>) {
    for sub in cmd.get_subcommands() {
        if sub.get_name() == "help" {
            continue;
        }
        let path = if prefix.is_empty() {
            sub.get_name().to_string()
        } else {
            format!("{prefix} {}", sub.get_name())
        };
        out.push((path.clone(), sub.clone()));
        all_commands(sub, &path, out);
    }
}

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

// ---------------------------------------------------------------------------
// 4. authorisation matrix

/// Who may run a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    /// Needs no operator at all (init, db, config, completions).
    Everyone,
    /// Any active operator (support or admin, locked or not).
    Support,
    /// Any active admin, locked or not (no password asked: `operator list`).
    Admin,
    /// An active, unlocked admin: the action is password-confirmed.
    AdminConfirmed,
    /// Any active, unlocked operator, for themselves, password-confirmed.
    SelfConfirmed,
}

/// One row of the matrix. `args` follow the path; placeholders: `{c1}`,
/// `{c2}`, `{c3}` (fixed customers), `{fresh}` (a new customer per cell),
/// `{n}` (a number unique per cell), `{dir}` (a new directory per cell);
/// `{pw}` in `stdin` is the actor's own password.
struct Row {
    path: &'static str,
    args: &'static [&'static str],
    stdin: &'static str,
    who: Who,
    needs_db: bool,
}

const MATRIX: &[Row] = &[
    Row {
        path: "init",
        args: &["--password-stdin"],
        stdin: "{pw}\n",
        who: Who::Everyone,
        needs_db: true,
    },
    Row {
        path: "db migrate",
        args: &[],
        stdin: "",
        who: Who::Everyone,
        needs_db: true,
    },
    Row {
        path: "db status",
        args: &[],
        stdin: "",
        who: Who::Everyone,
        needs_db: true,
    },
    Row {
        path: "list",
        args: &["--limit", "5"],
        stdin: "",
        who: Who::Support,
        needs_db: true,
    },
    Row {
        path: "view",
        args: &["{c1}"],
        stdin: "",
        who: Who::Support,
        needs_db: true,
    },
    Row {
        path: "edit",
        args: &["{c1}", "--name", "Matrix Name"],
        stdin: "",
        who: Who::Support,
        needs_db: true,
    },
    Row {
        path: "toggle",
        args: &["{c1}", "--deactivate"],
        stdin: "",
        who: Who::Support,
        needs_db: true,
    },
    Row {
        path: "reset-password",
        args: &["{c1}"],
        stdin: "",
        who: Who::Support,
        needs_db: true,
    },
    Row {
        path: "delete",
        args: &["{c2}", "--yes"],
        stdin: "",
        who: Who::Support,
        needs_db: true,
    },
    Row {
        path: "restore",
        args: &["{c3}"],
        stdin: "",
        who: Who::Support,
        needs_db: true,
    },
    Row {
        path: "undo",
        args: &["{run}", "--dry-run"],
        stdin: "",
        who: Who::Support,
        needs_db: true,
    },
    Row {
        path: "purge",
        args: &["{fresh}", "--password-stdin"],
        stdin: "{pw}\n",
        who: Who::AdminConfirmed,
        needs_db: true,
    },
    Row {
        path: "audit",
        args: &["--limit", "5"],
        stdin: "",
        who: Who::Support,
        needs_db: true,
    },
    Row {
        path: "audit verify",
        args: &[],
        stdin: "",
        who: Who::Support,
        needs_db: true,
    },
    Row {
        path: "audit digest",
        args: &[],
        stdin: "",
        who: Who::Support,
        needs_db: true,
    },
    Row {
        path: "export",
        args: &["{c1}"],
        stdin: "",
        who: Who::Support,
        needs_db: true,
    },
    Row {
        path: "operator add",
        args: &["matrix{n}", "--role", "support", "--password-stdin"],
        stdin: "{pw}\nmatrix-password-0123\n",
        who: Who::AdminConfirmed,
        needs_db: true,
    },
    Row {
        path: "operator list",
        args: &[],
        stdin: "",
        who: Who::Admin,
        needs_db: true,
    },
    Row {
        path: "operator set-role",
        args: &["target", "admin", "--password-stdin"],
        stdin: "{pw}\n",
        who: Who::AdminConfirmed,
        needs_db: true,
    },
    Row {
        path: "operator passwd",
        args: &["--password-stdin"],
        stdin: "{pw}\n{pw}\n",
        who: Who::SelfConfirmed,
        needs_db: true,
    },
    Row {
        path: "operator passwd",
        args: &["target", "--password-stdin"],
        stdin: "{pw}\ntarget-password-0123\n",
        who: Who::AdminConfirmed,
        needs_db: true,
    },
    Row {
        path: "operator deactivate",
        args: &["target", "--password-stdin"],
        stdin: "{pw}\n",
        who: Who::AdminConfirmed,
        needs_db: true,
    },
    Row {
        path: "operator activate",
        args: &["target", "--password-stdin"],
        stdin: "{pw}\n",
        who: Who::AdminConfirmed,
        needs_db: true,
    },
    Row {
        path: "operator unlock",
        args: &["target", "--password-stdin"],
        stdin: "{pw}\n",
        who: Who::AdminConfirmed,
        needs_db: true,
    },
    Row {
        path: "operator bind",
        args: &["target", "target-login", "--password-stdin"],
        stdin: "{pw}\n",
        who: Who::AdminConfirmed,
        needs_db: true,
    },
    Row {
        path: "operator unbind",
        args: &["target", "--password-stdin"],
        stdin: "{pw}\n",
        who: Who::AdminConfirmed,
        needs_db: true,
    },
    Row {
        path: "config show",
        args: &[],
        stdin: "",
        who: Who::Everyone,
        needs_db: false,
    },
    Row {
        path: "config profiles",
        args: &[],
        stdin: "",
        who: Who::Everyone,
        needs_db: false,
    },
    Row {
        path: "completions",
        args: &["bash"],
        stdin: "",
        who: Who::Everyone,
        needs_db: false,
    },
    Row {
        path: "generate-docs",
        args: &["{dir}"],
        stdin: "",
        who: Who::Everyone,
        needs_db: false,
    },
];

/// The runnable commands of a clap tree (hidden ones included): leaves, and
/// commands that also run without a subcommand (`audit` besides `audit verify`).
fn leaves(root: &clap::Command) -> BTreeSet<String> {
    let mut all = Vec::new();
    all_commands(root, "", &mut all);
    all.into_iter()
        .filter(|(_, c)| c.get_subcommands().next().is_none() || !c.is_subcommand_required_set())
        .map(|(p, _)| p)
        .collect()
}

/// Leaves without a row, and rows without a leaf.
fn matrix_gaps(root: &clap::Command) -> (Vec<String>, Vec<String>) {
    let leaves = leaves(root);
    let listed: BTreeSet<String> = MATRIX.iter().map(|r| r.path.to_string()).collect();
    (
        leaves.difference(&listed).cloned().collect(),
        listed.difference(&leaves).cloned().collect(),
    )
}

#[track_caller]
fn assert_matrix_covers_the_tree() {
    let (missing, stale) = matrix_gaps(&custadm::cli::Cli::command());
    assert!(
        missing.is_empty(),
        "subcommands without a row in the authorisation matrix: {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "matrix rows for commands that do not exist: {stale:?}"
    );
}

#[test]
fn matrix_lists_every_leaf_command() {
    assert_matrix_covers_the_tree();
    assert!(leaves(&custadm::cli::Cli::command()).len() >= 20);
    // A new subcommand without a row is caught.
    let grown = custadm::cli::Cli::command().subcommand(clap::Command::new("brand-new"));
    assert_eq!(matrix_gaps(&grown).0, vec!["brand-new".to_string()]);
}

/// Fills a row's placeholders.
fn fill(text: &str, vars: &BTreeMap<&str, String>) -> String {
    let mut s = text.to_string();
    for (k, v) in vars {
        s = s.replace(&format!("{{{k}}}"), v);
    }
    s
}

fn row_argv(row: &Row, vars: &BTreeMap<&str, String>) -> Vec<String> {
    let mut argv: Vec<String> = row.path.split(' ').map(str::to_string).collect();
    argv.extend(row.args.iter().map(|a| fill(a, vars)));
    argv
}

#[test]
fn matrix_needs_database_column_is_true() {
    let env = Env::sqlite();
    let mut cells = 0;
    for (i, row) in MATRIX.iter().enumerate() {
        let vars: BTreeMap<&str, String> = [
            ("c1", "1".to_string()),
            ("c2", "2".to_string()),
            ("c3", "3".to_string()),
            ("fresh", "4".to_string()),
            ("run", "01ARZ3NDEKTSV4RRFFQ69G5FAV".to_string()),
            ("n", i.to_string()),
            (
                "dir",
                env.dir
                    .path()
                    .join(format!("docs{i}"))
                    .display()
                    .to_string(),
            ),
            ("pw", ADMIN_PASSWORD.to_string()),
        ]
        .into_iter()
        .collect();
        let argv = row_argv(row, &vars);
        let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
        let run = env
            .cmd()
            .env(
                "CUSTADM_DATABASE_URL",
                "postgres://root@127.0.0.1:1/custadm_unreachable",
            )
            .args(&argv)
            .stdin(&fill(row.stdin, &vars))
            .run();
        if row.needs_db {
            assert_clean_failure(&run, 6, "");
        } else {
            run.ok();
        }
        cells += 1;
    }
    eprintln!("needs-database column: {cells} commands checked");
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Admin,
    Support,
    Inactive,
    Unknown,
    LockedAdmin,
    /// An active admin bound to another OS login than the one running the tests.
    BoundElsewhere,
}

fn allowed(who: Who, kind: Kind) -> bool {
    use Kind::*;
    match who {
        Who::Everyone => true,
        Who::Support => matches!(kind, Admin | Support | LockedAdmin),
        Who::Admin => matches!(kind, Admin | LockedAdmin),
        Who::AdminConfirmed => kind == Admin,
        Who::SelfConfirmed => matches!(kind, Admin | Support),
    }
}

fn add_operator(env: &Env, name: &str, role: &str, password: &str) {
    env.add_operator(name, role, password);
}

db_test!(authorisation_matrix, |env| {
    assert_matrix_covers_the_tree();
    let started = Instant::now();
    env.init_db(0).add_support();
    add_operator(&env, "target", "support", "target-password-0123");
    add_operator(&env, "retired", "support", "retired-password-0123");
    env.admin_change(&["operator", "deactivate", "retired"], &[])
        .ok();
    add_operator(&env, "admin2", "admin", "admin2-password-0123");
    env.exec("UPDATE operators SET locked_until = '2099-01-01 00:00:00' WHERE username = 'admin2'");
    add_operator(&env, "bound", "admin", "bound-password-0123");
    env.admin_change(&["operator", "bind", "bound", "someone-else"], &[])
        .ok();
    let c1 = env.insert_customer("Matrix One", "m1@example.com");
    let c2 = env.insert_customer("Matrix Two", "m2@example.com");
    let c3 = env.insert_customer("Matrix Three", "m3@example.com");
    env.run(&["delete", &c3.to_string(), "--yes"]).ok();
    // A run that `undo --dry-run` can reverse in every allowed cell.
    let c4 = env.insert_customer("Matrix Four", "m4@example.com");
    let toggled = env.run(&["toggle", &c4.to_string(), "--deactivate", "-o", "json"]);
    toggled.ok();
    let run_id = toggled.json()["run"].as_str().expect("run").to_string();

    let actors = [
        ("admin", ADMIN_PASSWORD, Kind::Admin),
        ("support", SUPPORT_PASSWORD, Kind::Support),
        ("retired", "retired-password-0123", Kind::Inactive),
        ("ghost", "ghost-password-0123", Kind::Unknown),
        ("admin2", "admin2-password-0123", Kind::LockedAdmin),
        ("bound", "bound-password-0123", Kind::BoundElsewhere),
    ];
    let mut probe = Probe::new(&env);
    let denied_rows = |p: &mut Probe, name: &str| {
        p.count(
            "audit_log",
            &format!("outcome = 'denied' AND operator = {}", quote(name)),
        )
    };
    let mut cells = 0;
    let mut refusals = 0;
    for (r, row) in MATRIX.iter().enumerate() {
        for (a, (name, password, kind)) in actors.iter().enumerate() {
            let n = r * 10 + a;
            let fresh = if row.args.contains(&"{fresh}") {
                env.insert_customer(&format!("Fresh {n}"), &format!("fresh{n}@example.com"))
            } else {
                0
            };
            let vars: BTreeMap<&str, String> = [
                ("c1", c1.to_string()),
                ("c2", c2.to_string()),
                ("c3", c3.to_string()),
                ("fresh", fresh.to_string()),
                ("run", run_id.clone()),
                ("n", n.to_string()),
                (
                    "dir",
                    env.dir
                        .path()
                        .join(format!("docs{n}"))
                        .display()
                        .to_string(),
                ),
                ("pw", password.to_string()),
            ]
            .into_iter()
            .collect();
            // The actor comes from CUSTADM_OPERATOR: in `audit`, `--operator`
            // is the trail filter, not the actor.
            let argv = row_argv(row, &vars);
            let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
            let before = state_with(&mut probe);
            let audit_before = probe.count("audit_log", "");
            let denied_before = denied_rows(&mut probe, name);
            let run = env
                .cmd()
                .env("CUSTADM_OPERATOR", name)
                .args(&argv)
                .stdin(&fill(row.stdin, &vars))
                .run();
            let cell = format!("{:?} as {name} ({kind:?})", row_argv(row, &vars));
            if allowed(row.who, *kind) {
                assert_eq!(
                    run.code, 0,
                    "{cell}: allowed, yet exit {}\n{}",
                    run.code, run.stderr
                );
                assert_eq!(
                    denied_rows(&mut probe, name),
                    denied_before,
                    "{cell}: allowed, yet a denied row"
                );
                if row.who == Who::Everyone {
                    assert_eq!(
                        probe.count("audit_log", ""),
                        audit_before,
                        "{cell}: a command that needs no operator wrote audit rows"
                    );
                }
                if row.path == "purge" {
                    assert_eq!(probe.count("customers", &format!("id = {fresh}")), 0);
                }
            } else {
                refusals += 1;
                assert_eq!(
                    run.code, 4,
                    "{cell}: must be refused with exit 4\nstdout:\n{}\nstderr:\n{}",
                    run.stdout, run.stderr
                );
                assert_clean_failure(&run, 4, "");
                assert_eq!(
                    denied_rows(&mut probe, name),
                    denied_before + 1,
                    "{cell}: refused without exactly one denied audit row"
                );
                let mut after = state_with(&mut probe);
                // The refusal's own audit row is the only difference.
                assert_eq!(after.len(), before.len() + 1, "{cell}: rows changed");
                after.pop();
                assert_eq!(after, before, "{cell}: a refusal changed something");
            }
            cells += 1;
        }
    }
    eprintln!(
        "authorisation matrix: {} rows x {} actors = {cells} cells ({refusals} refusals) in {:?}",
        MATRIX.len(),
        actors.len(),
        started.elapsed()
    );
});

// ---------------------------------------------------------------------------
// 5. audit integrity

/// `ok` audit rows per action.
fn ok_rows(p: &mut Probe) -> BTreeMap<String, i64> {
    p.texts(
        "SELECT action || ':' || CAST(COUNT(*) AS TEXT) AS v FROM audit_log WHERE outcome = 'ok' GROUP BY action",
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
        let total_before = probe.count("audit_log", "");
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
                probe.count("audit_log", "") - total_before,
                added,
                "{args:?}: audit rows of other outcomes written"
            );
        }
        assert_eq!(
            probe.count(
                "audit_log",
                &format!(
                    "id > {max_id} AND outcome = 'ok' AND reason = {} AND operator = 'admin'",
                    quote(reason)
                )
            ),
            added,
            "{args:?}: new rows lack the reason or the operator"
        );
        if !customers.is_empty() {
            let got: BTreeSet<i64> = probe
                .texts(&format!(
                    "SELECT CAST(customer_id AS TEXT) AS v FROM audit_log WHERE id > {max_id} AND outcome = 'ok'"
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
