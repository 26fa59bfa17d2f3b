//! Correct among other writers (contract: "Databases", "Operators and roles"
//! invariants): each invariant raced for real on both backends — custadm
//! against a transaction held open from another connection (as the web
//! application would), or against a second custadm process — over tens of
//! rounds, the invariant asserted after every round and both orders seen.
//! Also concurrent inits, and the bounded lock waits (`lock_timeout`, a SQLite
//! write lock held past the busy timeout).

use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use serde_json::Value;

use crate::db_test;
use crate::support::*;

/// What the other program does in its one transaction.
pub struct Competitor {
    /// Statements run right after `BEGIN`.
    pub statements: Vec<String>,
    /// A query of one integer column `v`, read after the statements, inside
    /// the transaction (what the other program saw).
    pub look: String,
}

/// Runs `cmd` while another connection runs `competitor` in one transaction.
/// The competitor connects first; then both start together: custadm at
/// once, the competitor's `BEGIN` after `delay`; it holds its transaction
/// open for `hold` after its statements. Returns what the competitor's look
/// saw, and custadm's run.
pub fn race(
    env: &Env,
    cmd: Cmd,
    competitor: Competitor,
    delay: Duration,
    hold: Duration,
) -> (Option<i64>, Run) {
    let backend = env.backend;
    let url = env.url.clone();
    let (ready_tx, ready_rx) = mpsc::channel::<()>();
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let other = thread::spawn(move || {
        macro_rules! transaction {
            ($conn:expr, $begin:expr) => {{
                let mut c = $conn;
                ready_tx.send(()).expect("signal ready");
                go_rx.recv().expect("go");
                thread::sleep(delay);
                c.batch_execute($begin).expect("begin");
                for sql in &competitor.statements {
                    c.batch_execute(sql)
                        .unwrap_or_else(|e| panic!("{sql}: {e}"));
                }
                let seen: V = diesel::sql_query(&competitor.look)
                    .get_result(&mut c)
                    .expect("look");
                thread::sleep(hold);
                c.batch_execute("COMMIT").expect("commit");
                seen.v
            }};
        }
        match backend {
            Backend::Sqlite => {
                let mut c = SqliteConnection::establish(&url).expect("open sqlite");
                c.batch_execute("PRAGMA busy_timeout = 20000")
                    .expect("busy_timeout");
                transaction!(c, "BEGIN IMMEDIATE")
            }
            Backend::Postgres => {
                transaction!(
                    PgConnection::establish(&url).expect("open postgres"),
                    "BEGIN"
                )
            }
        }
    });
    if ready_rx.recv_timeout(Duration::from_secs(30)).is_err() {
        other.join().expect("competitor failed before starting");
        panic!("competitor never started");
    }
    go_tx.send(()).expect("start the competitor");
    let run = cmd.run();
    let seen = other.join().expect("competitor panicked");
    (seen, run)
}

/// How long a custadm run like `probe` takes here (median of three, plus
/// 10 ms): competitors start at a random moment across it, so that rounds
/// land before, inside and after custadm's transaction.
pub fn spread(probe: impl Fn() -> Run) -> u64 {
    let mut times: Vec<u128> = (0..3)
        .map(|_| {
            let started = Instant::now();
            probe();
            started.elapsed().as_millis()
        })
        .collect();
    times.sort();
    (times[1] as u64 + 10).clamp(20, 2_000)
}

fn random_ms(max: u64) -> Duration {
    Duration::from_millis(rand::random_range(0..=max))
}

/// When the competitor starts in round `round`: every third round at once
/// (it is connected already, so it nearly always wins), the others at a
/// random moment across custadm's run, so both orders occur even on a
/// loaded machine.
fn start_delay(round: usize, spread_ms: u64) -> Duration {
    if round % 3 == 0 {
        Duration::ZERO
    } else {
        random_ms(spread_ms)
    }
}

/// Every customer id, ascending (ids do not start at 1 on every backend).
pub fn customer_ids(env: &Env) -> Vec<i64> {
    env.texts("SELECT CAST(id AS TEXT) AS v FROM customers ORDER BY id")
        .into_iter()
        .map(|v| v.expect("id").parse().expect("id"))
        .collect()
}

fn active_admins(env: &Env) -> i64 {
    env.count(
        "operators",
        &format!("role = 'admin' AND is_active = {}", env.bool_sql(true)),
    )
}

/// Runs several custadm commands at the same moment (each on its own thread,
/// started within a few ms of each other); returns their runs in order.
fn at_once(cmds: Vec<Cmd>, jitter_ms: u64) -> Vec<Run> {
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(cmds.len()));
    let threads: Vec<_> = cmds
        .into_iter()
        .map(|cmd| {
            let barrier = barrier.clone();
            thread::spawn(move || {
                barrier.wait();
                thread::sleep(random_ms(jitter_ms));
                cmd.run()
            })
        })
        .collect();
    threads
        .into_iter()
        .map(|t| t.join().expect("custadm thread"))
        .collect()
}

// ------------------------------------------------------------------ edit

// Another program updates the email while custadm edits the name: both
// changes survive, custadm's audit row records exactly what it replaced.
db_test!(edit_keeps_another_writers_column, |env| {
    env.init_db(0);
    let id = env.insert_customer("Name 0", "app0@example.com");
    let spread_ms = spread(|| env.run(&["edit", &id.to_string(), "--name", "Name 0"]));
    let (mut custadm_first, mut app_first) = (0, 0);
    for round in 1..=25 {
        let name = format!("Name {round}");
        let email = format!("app{round}@example.com");
        let (seen, run) = race(
            &env,
            env.cmd().args(&["edit", &id.to_string(), "--name", &name]),
            Competitor {
                statements: vec![format!(
                    "UPDATE customers SET email = '{email}' WHERE id = {id}"
                )],
                look: format!(
                    "SELECT CAST(CASE WHEN full_name = '{name}' THEN 1 ELSE 0 END AS BIGINT) AS v FROM customers WHERE id = {id}"
                ),
            },
            start_delay(round as usize, spread_ms),
            random_ms(20),
        );
        run.ok();
        assert_eq!(
            text(
                &env,
                &format!("SELECT full_name AS v FROM customers WHERE id = {id}")
            )
            .as_deref(),
            Some(name.as_str()),
            "round {round}: custadm's name was lost"
        );
        assert_eq!(
            text(
                &env,
                &format!("SELECT email AS v FROM customers WHERE id = {id}")
            )
            .as_deref(),
            Some(email.as_str()),
            "round {round}: the other program's email was reverted"
        );
        // The audit row holds only the name, old → new as replaced.
        let details: Value = serde_json::from_str(
            &text(
                &env,
                &format!("SELECT details AS v FROM audit_log WHERE action = 'edit' AND customer_id = {id} ORDER BY id DESC LIMIT 1"),
            )
            .expect("edit audit row"),
        )
        .expect("details JSON");
        let changes = details["changes"].as_object().expect("changes");
        assert_eq!(changes.len(), 1, "round {round}: {details}");
        assert_eq!(changes["full_name"]["old"], format!("Name {}", round - 1));
        assert_eq!(changes["full_name"]["new"], name.as_str());
        if seen == Some(1) {
            custadm_first += 1
        } else {
            app_first += 1
        }
    }
    eprintln!(
        "edit vs app ({:?}): custadm first {custadm_first}, app first {app_first}",
        env.backend
    );
    assert!(
        custadm_first > 0 && app_first > 0,
        "only one order occurred: custadm first {custadm_first}, app first {app_first}"
    );
});

// Two operators edit different fields of one customer at once: both survive.
db_test!(two_edits_of_different_fields_both_survive, |env| {
    env.init_db(0);
    let id = env.insert_customer("Name 0", "e0@example.com");
    let (mut name_first, mut email_first) = (0, 0);
    for round in 1..=20 {
        let name = format!("Name {round}");
        let email = format!("e{round}@example.com");
        let runs = at_once(
            vec![
                env.cmd().args(&["edit", &id.to_string(), "--name", &name]),
                env.cmd()
                    .args(&["edit", &id.to_string(), "--email", &email]),
            ],
            15,
        );
        for r in &runs {
            r.ok();
        }
        assert_eq!(
            text(
                &env,
                &format!("SELECT full_name || '|' || email AS v FROM customers WHERE id = {id}")
            ),
            Some(format!("{name}|{email}")),
            "round {round}: an edit was lost"
        );
        let order = env.texts(&format!(
            "SELECT details AS v FROM audit_log WHERE action = 'edit' AND customer_id = {id} ORDER BY id DESC LIMIT 2"
        ));
        assert_eq!(order.len(), 2);
        if order[0].as_deref().unwrap_or("").contains("email") {
            name_first += 1
        } else {
            email_first += 1
        }
    }
    eprintln!(
        "edit vs edit ({:?}): name first {name_first}, email first {email_first}",
        env.backend
    );
    assert!(name_first > 0 && email_first > 0, "only one order occurred");
});

// ------------------------------------------------------------- last admin

// Two admins demote (or deactivate) each other at the same moment: at
// least one active admin always remains.
db_test!(at_least_one_active_admin_remains, |env| {
    env.init_db(0);
    env.add_operator("bea", "admin", SUPPORT_PASSWORD);
    let (mut admin_won, mut bea_won) = (0, 0);
    for round in 0..20 {
        env.exec(&format!(
            "UPDATE operators SET role = 'admin', is_active = {} WHERE username IN ('admin', 'bea')",
            env.bool_sql(true)
        ));
        // Half the rounds demote, half deactivate, the other one.
        let verb: &[&str] = if round % 2 == 0 {
            &["operator", "set-role"]
        } else {
            &["operator", "deactivate"]
        };
        // Each confirms with its own password (--password-stdin).
        let command = |actor: &str, target: &str| {
            let mut args = verb.to_vec();
            args.push(target);
            if round % 2 == 0 {
                args.push("support");
            }
            args.push("--password-stdin");
            let own = if actor == "admin" {
                ADMIN_PASSWORD
            } else {
                SUPPORT_PASSWORD
            };
            env.cmd()
                .env("CUSTADM_OPERATOR", actor)
                .args(&args)
                .stdin(&format!("{own}\n"))
        };
        let runs = at_once(vec![command("admin", "bea"), command("bea", "admin")], 15);
        assert!(
            active_admins(&env) >= 1,
            "round {round}: no active admin left\n{runs:?}"
        );
        for r in &runs {
            assert!(
                [0, 4, 5].contains(&r.code),
                "round {round}: unexpected exit {}: {}",
                r.code,
                r.stderr
            );
        }
        match (runs[0].code, runs[1].code) {
            (0, 0) => panic!("round {round}: both succeeded\n{runs:?}"),
            (0, _) => admin_won += 1,
            (_, 0) => bea_won += 1,
            _ => panic!("round {round}: neither succeeded\n{runs:?}"),
        }
    }
    eprintln!(
        "admins ({:?}): admin won {admin_won}, bea won {bea_won}",
        env.backend
    );
    assert!(admin_won > 0 && bea_won > 0, "only one order occurred");
});

// --------------------------------------------------------- delete vs debt

// Another program turns the customer's existing $0 invoice into $90 while
// custadm deletes: the customer never ends deleted while owing, unless the
// delete committed before the program looked (then the program wrote onto
// an already deleted customer, which custadm cannot prevent).
pub fn delete_vs_invoice_update(env: &Env, rounds: usize) {
    env.init_db(0);
    let probe = env.insert_customer("Probe", "probe@example.com");
    let spread_ms = spread(|| {
        let r = env.run(&["delete", &probe.to_string(), "--yes"]);
        env.run(&["restore", &probe.to_string()]);
        r
    });
    let (mut refused, mut deleted_first) = (0, 0);
    for round in 0..rounds {
        let id = env.insert_customer(
            &format!("Racer {round}"),
            &format!("racer{round}@example.com"),
        );
        env.add_invoice(id, 0);
        let entry = env
            .scalar(&format!(
                "SELECT e.id AS v FROM account_entries e JOIN billing_accounts b ON b.id = e.billing_account_id WHERE b.customer_id = {id}"
            ))
            .expect("the $0 invoice");
        let (seen, run) = race(
            env,
            env.cmd().args(&["delete", &id.to_string(), "--yes"]),
            Competitor {
                statements: vec![format!(
                    "UPDATE account_entries SET amount_usd_cents = 9000 WHERE id = {entry}"
                )],
                look: format!(
                    "SELECT CAST(CASE WHEN deleted_at IS NULL THEN 0 ELSE 1 END AS BIGINT) AS v FROM customers WHERE id = {id}"
                ),
            },
            start_delay(round, spread_ms),
            random_ms(30),
        );
        let saw_not_deleted = seen == Some(0);
        let ended_deleted = is_deleted(env, id);
        assert!(
            !(saw_not_deleted && ended_deleted),
            "round {round}: customer {id} was deleted while its invoice became unpaid\nstdout: {}\nstderr: {}",
            run.stdout,
            run.stderr
        );
        match run.code {
            0 => {
                assert!(ended_deleted, "round {round}: exit 0 but not deleted");
                deleted_first += 1;
            }
            5 => {
                assert!(!ended_deleted, "round {round}: exit 5 but deleted");
                run.error_line("1 unpaid invoice(s) totalling $90.00");
                refused += 1;
            }
            other => panic!("round {round}: exit {other}\n{}", run.stderr),
        }
    }
    eprintln!(
        "delete vs invoice update ({:?}, spread {spread_ms} ms): {refused} refused, {deleted_first} deleted first",
        env.backend
    );
    assert!(
        refused > 0 && deleted_first > 0,
        "only one order occurred: {refused} refused, {deleted_first} deleted first"
    );
}

db_test!(delete_waits_for_an_invoice_update, |env| {
    delete_vs_invoice_update(&env, 30);
});

#[derive(QueryableByName)]
struct Flag {
    #[diesel(sql_type = BigInt)]
    v: i64,
}

/// One round of the race between `custadm delete` and another program
/// writing an invoice. The writer opens its own connection first; then both
/// start together: custadm at once, the writer after `writer_delay`. Returns
/// (whether the invoice writer saw the customer not deleted right after its
/// insert, custadm's run).
fn race_round(env: &Env, id: i64, writer_delay: Duration) -> (bool, Run) {
    let backend = env.backend;
    let url = env.url.clone();
    let account = billing_account(env, id);
    let hold = Duration::from_millis(rand::random_range(0..=30u64));
    let (ready_tx, ready_rx) = mpsc::channel::<()>();
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let writer = thread::spawn(move || {
        let insert = format!(
            "INSERT INTO account_entries (billing_account_id, entry_type, amount_usd_cents, description) \
             VALUES ({account}, 'invoice', 100, 'raced invoice')"
        );
        let look = format!(
            "SELECT CAST(CASE WHEN deleted_at IS NOT NULL THEN 1 ELSE 0 END AS BIGINT) AS v FROM customers WHERE id = {id}"
        );
        macro_rules! transaction {
            ($conn:expr, $begin:expr) => {{
                let mut c = $conn;
                ready_tx.send(()).expect("signal ready");
                go_rx.recv().expect("go");
                thread::sleep(writer_delay);
                c.batch_execute($begin).expect("begin");
                c.batch_execute(&insert).expect("insert invoice");
                let seen: Flag = diesel::sql_query(&look)
                    .get_result(&mut c)
                    .expect("look at the customer");
                thread::sleep(hold);
                c.batch_execute("COMMIT").expect("commit");
                seen.v == 0
            }};
        }
        match backend {
            Backend::Sqlite => {
                let mut c = SqliteConnection::establish(&url).expect("open sqlite");
                c.batch_execute("PRAGMA busy_timeout = 10000")
                    .expect("busy_timeout");
                transaction!(c, "BEGIN IMMEDIATE")
            }
            Backend::Postgres => {
                transaction!(
                    PgConnection::establish(&url).expect("open postgres"),
                    "BEGIN"
                )
            }
        }
    });
    if ready_rx.recv_timeout(Duration::from_secs(30)).is_err() {
        writer
            .join()
            .expect("invoice writer failed before starting");
        panic!("invoice writer never started");
    }
    go_tx.send(()).expect("start the writer");
    let run = env.run(&["delete", &id.to_string(), "--yes"]);
    let saw_not_deleted = writer.join().expect("invoice writer panicked");
    (saw_not_deleted, run)
}

// The invariant: NOT (the invoice writer saw the customer not deleted right
// after its insert AND the customer ends deleted). If the writer, inside its
// own transaction and after its insert, still saw the customer alive, the
// invoice existed (uncommitted) before any delete took effect; a correct
// delete must then either wait for it and refuse, or the writer would have
// had to wait for the delete and see it. A customer deleted while such an
// invoice exists is exactly the lost check-then-act the SPEC forbids. If the
// writer saw the customer already deleted, the delete committed first and
// the invoice is a later event written by another program onto a deleted
// customer: not a race custadm can or should prevent.
//
// Timing: a custadm run takes tens of milliseconds before its delete
// transaction starts (process start, connect, schema and operator checks).
// A writer that merely waits 0-30 ms after custadm starts therefore almost
// always commits before custadm looks, and the race is never exercised. So
// the test first measures how long a `delete` run takes here and starts the
// writer at a random moment across that whole run (it holds its transaction
// open a further 0-30 ms), so that rounds land before, inside and after
// custadm's transaction.
db_test!(delete_races_a_concurrent_invoice, |env| {
    env.init_db(0);
    const ROUNDS: usize = 40;
    // Calibrate: the duration of a full `delete` run that does the same work.
    let probe = env.insert_customer("Probe", "probe@example.com");
    let mut times: Vec<Duration> = (0..5)
        .map(|_| {
            let started = Instant::now();
            let r = env.run(&["delete", &probe.to_string(), "--yes"]);
            r.ok();
            let t = started.elapsed();
            env.run(&["restore", &probe.to_string()]).ok();
            t
        })
        .collect();
    times.sort();
    let spread_ms = (times[2].as_millis() as u64 + 10).clamp(20, 2_000);

    let (mut refused, mut deleted_first) = (0, 0);
    for round in 0..ROUNDS {
        let id = env.insert_customer(
            &format!("Racer {round}"),
            &format!("racer{round}@example.com"),
        );
        let delay = Duration::from_millis(rand::random_range(0..=spread_ms));
        let (saw_not_deleted, run) = race_round(&env, id, delay);
        let ended_deleted = is_deleted(&env, id);
        assert!(
            !(saw_not_deleted && ended_deleted),
            "round {round}: an invoice written before the delete took effect was missed; \
             customer {id} is deleted with an unpaid invoice\nstdout: {}\nstderr: {}",
            run.stdout,
            run.stderr
        );
        match run.code {
            0 => {
                assert!(ended_deleted, "round {round}: exit 0 but not deleted");
                deleted_first += 1;
            }
            5 => {
                assert!(!ended_deleted, "round {round}: exit 5 but deleted");
                run.error_line("1 unpaid invoice(s)");
                refused += 1;
            }
            other => panic!(
                "round {round}: unexpected exit {other}\nstdout: {}\nstderr: {}",
                run.stdout, run.stderr
            ),
        }
        // Every raced invoice was committed.
        assert_eq!(
            env.count(
                "account_entries",
                &format!(
                    "billing_account_id = {} AND description = 'raced invoice'",
                    billing_account(&env, id)
                )
            ),
            1
        );
    }
    eprintln!(
        "race ({:?}, writer start spread 0-{spread_ms} ms): {refused} refused, {deleted_first} deleted before the invoice",
        env.backend
    );
});

// ------------------------------------------------------- failed attempts

// 15 wrong `purge --password-stdin` at once: every one that was checked
// counts, each with its own number; the operator ends locked.
db_test!(wrong_passwords_at_once_all_count, |env| {
    env.init_db(0);
    let id = env.insert_customer("Ann Lee", "ann@example.com");
    let denied = |reason: &str| {
        env.count(
            "audit_log",
            &format!("action = 'purge' AND outcome = 'denied' AND details LIKE '%{reason}%'"),
        )
    };
    for round in 0..3 {
        env.exec("UPDATE operators SET failed_attempts = 0, locked_until = NULL WHERE username = 'admin'");
        let (wrong_before, locked_before) = (denied("wrong password"), denied("operator locked"));
        let runs = at_once(
            (0..15)
                .map(|_| {
                    env.cmd()
                        .args(&["purge", &id.to_string(), "--password-stdin"])
                        .stdin("not-the-password-at-all\n")
                })
                .collect(),
            5,
        );
        let mut numbers = Vec::new();
        for r in &runs {
            r.code(4);
            let line = r
                .stderr
                .lines()
                .find(|l| l.starts_with("error:"))
                .expect("error line");
            if line.contains("attempts before") {
                let n = line
                    .split(" (")
                    .nth(1)
                    .and_then(|rest| rest.split(' ').next())
                    .and_then(|n| n.parse::<i64>().ok())
                    .unwrap_or_else(|| panic!("no attempt number: {line}"));
                numbers.push(n);
            } else {
                assert!(line.contains("is locked"), "{line}");
            }
        }
        let counted = env
            .scalar("SELECT CAST(failed_attempts AS BIGINT) AS v FROM operators WHERE username = 'admin'")
            .unwrap();
        let wrong = denied("wrong password") - wrong_before;
        let refused_locked = denied("operator locked") - locked_before;
        // Every attempt audited once; every checked one counted, exactly.
        assert_eq!(wrong + refused_locked, 15, "round {round}");
        assert_eq!(
            counted, wrong,
            "round {round}: {wrong} wrong passwords, {counted} counted"
        );
        // Attempts 1-4 were each reported once; the fifth and later locked.
        numbers.sort();
        assert_eq!(numbers, vec![1, 2, 3, 4], "round {round}: attempt numbers");
        assert_eq!(
            env.count(
                "operators",
                "username = 'admin' AND locked_until IS NOT NULL"
            ),
            1,
            "round {round}: not locked after {counted} wrong passwords"
        );
        eprintln!("round {round}: {counted} counted, {refused_locked} refused as already locked");
        assert_eq!(env.count("customers", &format!("id = {id}")), 1);
    }
});

// ----------------------------------------------------------------- restore

// Deleted → restored → deactivated → soft-deleted by another program:
// restore brings the customer back inactive (the state before the latest
// delete), not active from the first delete's record.
db_test!(restore_uses_the_latest_delete, |env| {
    env.init_db(0);
    let id = env.insert_customer("Ann Lee", "ann@example.com");
    let s = id.to_string();
    env.run(&["delete", &s, "--yes"]).ok();
    env.run(&["restore", &s]).ok();
    assert!(is_active(&env, id));
    env.run(&["toggle", &s, "--deactivate"]).ok();
    env.exec(&format!(
        "UPDATE customers SET deleted_at = '2026-01-02 03:04:05' WHERE id = {id}"
    ));
    env.run(&["restore", &s]).ok();
    assert!(
        !is_deleted(&env, id) && !is_active(&env, id),
        "restored active from a stale record"
    );

    // custadm deleted it active; another program restored and deleted it
    // again (a new deleted_at): not custadm's delete, so inactive.
    env.run(&["toggle", &s, "--activate"]).ok();
    env.run(&["delete", &s, "--yes"]).ok();
    env.exec(&format!(
        "UPDATE customers SET deleted_at = NULL, is_active = {} WHERE id = {id}",
        env.bool_sql(true)
    ));
    env.exec(&format!(
        "UPDATE customers SET deleted_at = '2026-05-06 07:08:09', is_active = {} WHERE id = {id}",
        env.bool_sql(false)
    ));
    env.run(&["restore", &s]).ok();
    assert!(!is_deleted(&env, id) && !is_active(&env, id));

    // custadm's own latest delete of an active customer: back active.
    env.run(&["toggle", &s, "--activate"]).ok();
    env.run(&["delete", &s, "--yes"]).ok();
    env.run(&["restore", &s]).ok();
    assert!(!is_deleted(&env, id) && is_active(&env, id));
});

// Another program deactivates the customer while custadm deletes it: the
// later restore lands on the state the customer had just before the delete.
db_test!(restore_lands_on_the_state_before_a_raced_delete, |env| {
    env.init_db(0);
    let id = env.insert_customer("Ann Lee", "ann@example.com");
    let s = id.to_string();
    let spread_ms = spread(|| {
        let r = env.run(&["delete", &s, "--yes"]);
        env.run(&["restore", &s]);
        r
    });
    let (mut app_first, mut delete_first) = (0, 0);
    for round in 0..25 {
        env.exec(&format!(
            "UPDATE customers SET is_active = {}, deleted_at = NULL WHERE id = {id}",
            env.bool_sql(true)
        ));
        let (seen, run) = race(
            &env,
            env.cmd().args(&["delete", &s, "--yes"]),
            Competitor {
                statements: vec![format!(
                    "UPDATE customers SET is_active = {} WHERE id = {id} AND deleted_at IS NULL",
                    env.bool_sql(false)
                )],
                look: format!(
                    "SELECT CAST(CASE WHEN deleted_at IS NULL THEN 0 ELSE 1 END AS BIGINT) AS v FROM customers WHERE id = {id}"
                ),
            },
            start_delay(round as usize, spread_ms),
            random_ms(20),
        );
        run.ok();
        let before_delete_active = seen != Some(0);
        env.run(&["restore", &s]).ok();
        assert!(!is_deleted(&env, id));
        assert_eq!(
            is_active(&env, id),
            before_delete_active,
            "round {round}: restore did not land on the state before the delete"
        );
        if before_delete_active {
            delete_first += 1
        } else {
            app_first += 1
        }
    }
    eprintln!(
        "restore ({:?}): app first {app_first}, delete first {delete_first}",
        env.backend
    );
    assert!(app_first > 0 && delete_first > 0, "only one order occurred");
});

// -------------------------------------------------------------------- init

fn concurrent_inits(fresh: impl Fn() -> Env, rounds: usize) {
    let mut winners = std::collections::BTreeSet::new();
    for round in 0..rounds {
        let env = fresh();
        let runs = at_once(
            (0..3)
                .map(|i| {
                    let name = format!("first{i}");
                    env.cmd()
                        .args(&["-o", "json", "init", "--admin", &name, "--password-stdin"])
                        .stdin(&format!("{ADMIN_PASSWORD}\n"))
                })
                .collect(),
            10,
        );
        for r in &runs {
            r.ok();
        }
        let changed: Vec<usize> = runs
            .iter()
            .enumerate()
            .filter(|(_, r)| r.json()["changed"] == true)
            .map(|(i, _)| i)
            .collect();
        assert_eq!(changed.len(), 1, "round {round}: {runs:?}");
        assert_eq!(
            env.count("operators", ""),
            1,
            "round {round}: more than one first admin"
        );
        assert_eq!(
            env.count(
                "operators",
                &format!("username = 'first{}' AND role = 'admin'", changed[0])
            ),
            1
        );
        assert_eq!(env.count("audit_log", "action = 'init'"), 1);
        winners.insert(changed[0]);
    }
    eprintln!("init winners: {winners:?}");
    assert!(winners.len() >= 2, "always the same init won: {winners:?}");
}

#[test]
fn one_first_admin_under_concurrent_init_sqlite() {
    concurrent_inits(Env::sqlite, 12);
}

/// A new, empty file that another process is writing (holding SQLite's
/// RESERVED lock, as a concurrent `init` does while it creates the schema):
/// converting it to WAL is an upgrade from a read to a write transaction,
/// which SQLite never waits for in its busy handler. custadm waits for it
/// itself, up to lock_timeout, instead of failing at once with a "held for
/// longer than 10 s" that is not true.
#[test]
fn a_new_file_another_process_writes_is_waited_for_sqlite() {
    let init = |env: &Env, timeout: &str| {
        env.cmd()
            .env("CUSTADM_LOCK_TIMEOUT", timeout)
            .args(&["init", "--admin", "first", "--password-stdin"])
            .stdin(&format!("{ADMIN_PASSWORD}\n"))
            .run()
    };
    // Released in time: init waits, then creates the schema and the admin.
    let env = Env::sqlite();
    let (stop, holder) = hold(&env, vec![]);
    let releaser = thread::spawn(move || {
        thread::sleep(Duration::from_millis(700));
        drop(stop);
    });
    let started = Instant::now();
    let run = init(&env, "10");
    let waited = started.elapsed();
    releaser.join().unwrap();
    holder.join().unwrap();
    run.ok();
    assert!(
        waited >= Duration::from_millis(600),
        "init did not wait for the other writer: {waited:?}"
    );
    assert_eq!(env.count("operators", "username = 'first'"), 1);

    // Held past lock_timeout: exit 6 once it has waited that long, and saying so.
    let env = Env::sqlite();
    let (stop, holder) = hold(&env, vec![]);
    let started = Instant::now();
    let run = init(&env, "1");
    let waited = started.elapsed();
    drop(stop);
    holder.join().unwrap();
    run.code(6).error_line("1 s lock timeout");
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(9),
        "waited {waited:?} with a 1 s lock_timeout"
    );
}

/// An `init` that starts while another is halfway through creating a new
/// SQLite file's schema (its migrations commit one by one under the init
/// lock) finds the schema behind: it waits for that lock and looks again,
/// and says "already initialised" instead of exit 6 "schema is behind".
#[test]
fn an_init_that_finds_another_halfway_waits_for_it_sqlite() {
    // The other init registers its admin.
    let run = halfway_init(true);
    run.ok();
    assert!(run.stdout.contains("already initialised"), "{}", run.stdout);
    // The other init dies after its migrations, before its admin: the
    // waiting one registers its own (never a silent exit 0 with no admin).
    let run = halfway_init(false);
    run.ok();
    assert!(
        run.stdout.contains("registered admin 'second'"),
        "{}",
        run.stdout
    );
}

/// Runs `init --admin second` while "another init" holds the init lock with
/// the newest migration not applied yet, then finishes that migration
/// (with its admin registered, or not) and lets the lock go.
fn halfway_init(other_registers: bool) -> Run {
    use std::os::fd::AsRawFd;
    let env = Env::sqlite();
    env.init_db(0);
    if !other_registers {
        env.exec("PRAGMA foreign_keys = OFF; DELETE FROM operators");
    }
    let last = env
        .texts("SELECT max(version) AS v FROM __diesel_schema_migrations")
        .pop()
        .flatten()
        .expect("a migration version");
    // The other init, as it looks halfway: the init lock taken, the last
    // migration not applied yet.
    let file = std::fs::File::open(&env.url).expect("open the database file");
    // SAFETY: flock on a descriptor this test owns.
    assert_eq!(unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) }, 0);
    env.exec(&format!(
        "DELETE FROM __diesel_schema_migrations WHERE version = '{last}'"
    ));
    let second = env
        .cmd()
        .args(&["init", "--admin", "second", "--password-stdin"])
        .stdin(&format!("{ADMIN_PASSWORD}\n"));
    let started = Instant::now();
    let runner = thread::spawn(move || second.run());
    thread::sleep(Duration::from_millis(700));
    // The other init finishes: the last migration applied, the lock released.
    env.exec(&format!(
        "INSERT INTO __diesel_schema_migrations (version) VALUES ('{last}')"
    ));
    drop(file);
    let run = runner.join().unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(600),
        "did not wait"
    );
    assert_eq!(env.count("operators", ""), 1, "{run:?}");
    run
}

#[test]
fn one_first_admin_under_concurrent_init_postgres() {
    if Env::postgres().is_none() {
        return;
    }
    concurrent_inits(|| Env::postgres().expect("postgres"), 10);
}

// ----------------------------------------------------- bounded lock waits

/// Holds a transaction from another connection (`statements` after BEGIN)
/// until the returned sender is dropped or sent to.
fn hold(env: &Env, statements: Vec<String>) -> (mpsc::Sender<()>, thread::JoinHandle<()>) {
    let (backend, url) = (env.backend, env.url.clone());
    let (ready_tx, ready_rx) = mpsc::channel();
    let (stop_tx, stop_rx) = mpsc::channel::<()>();
    let t = thread::spawn(move || {
        macro_rules! held {
            ($c:expr, $begin:expr) => {{
                let mut c = $c;
                c.batch_execute($begin).expect("begin");
                for sql in &statements {
                    c.batch_execute(sql)
                        .unwrap_or_else(|e| panic!("{sql}: {e}"));
                }
                ready_tx.send(()).unwrap();
                let _ = stop_rx.recv_timeout(Duration::from_secs(60));
                c.batch_execute("ROLLBACK").expect("rollback");
            }};
        }
        match backend {
            Backend::Sqlite => held!(
                SqliteConnection::establish(&url).unwrap(),
                "BEGIN IMMEDIATE"
            ),
            Backend::Postgres => held!(PgConnection::establish(&url).unwrap(), "BEGIN"),
        }
    });
    ready_rx
        .recv_timeout(Duration::from_secs(20))
        .expect("holder started");
    (stop_tx, t)
}

fn state(env: &Env) -> Vec<Option<String>> {
    env.texts(
        "SELECT CAST(id AS TEXT) || '|' || full_name || '|' || email || '|' || CAST(is_active AS TEXT) || '|' || COALESCE(CAST(deleted_at AS TEXT), '-') AS v FROM customers ORDER BY id",
    )
    .into_iter()
    .chain(env.texts("SELECT CAST(COUNT(*) AS TEXT) AS v FROM audit_log WHERE outcome = 'ok'"))
    .collect()
}

/// A row locked by another transaction: every changing command waits at
/// most lock_timeout, then exit 6 naming the customer, nothing changed.
pub fn lock_waits_are_bounded(env: &Env) {
    env.init_db(0);
    let id = env.insert_customer("Locked Customer", "locked@example.com");
    env.add_invoice(id, 0);
    let s = id.to_string();
    let lock_row = match env.backend {
        Backend::Postgres => format!("SELECT id FROM customers WHERE id = {id} FOR UPDATE"),
        Backend::Sqlite => "UPDATE customers SET updated_at = updated_at WHERE id = -1".into(),
    };
    let before = state(env);
    let commands: Vec<Vec<&str>> = vec![
        vec!["toggle", &s, "--deactivate"],
        vec!["edit", &s, "--name", "Changed"],
        vec!["delete", &s, "--yes"],
        vec!["reset-password", &s],
    ];
    for args in &commands {
        let (stop, holder) = hold(env, vec![lock_row.clone()]);
        let started = Instant::now();
        let run = env.cmd().env("CUSTADM_LOCK_TIMEOUT", "1").args(args).run();
        let waited = started.elapsed();
        drop(stop);
        holder.join().unwrap();
        run.code(6);
        match env.backend {
            Backend::Postgres => {
                run.error_line(&format!(
                    "customer {id} is locked by another transaction; waited 1 s; this transaction was rolled back"
                ));
            }
            Backend::Sqlite => {
                run.error_line("database is busy");
                run.error_line("1 s lock timeout");
            }
        }
        assert!(
            waited >= Duration::from_millis(900) && waited < Duration::from_secs(9),
            "{args:?}: waited {waited:?} with a 1 s lock_timeout"
        );
        assert_eq!(state(env), before, "{args:?} changed something");
    }
    // Released in time: the command waits and succeeds.
    let (stop, holder) = hold(env, vec![lock_row]);
    let releaser = thread::spawn(move || {
        thread::sleep(Duration::from_millis(500));
        drop(stop);
    });
    env.cmd()
        .env("CUSTADM_LOCK_TIMEOUT", "5")
        .args(&["toggle", &s, "--deactivate"])
        .run()
        .ok();
    releaser.join().unwrap();
    holder.join().unwrap();
    assert!(!is_active(env, id));
}

db_test!(lock_waits_end_after_lock_timeout, |env| {
    lock_waits_are_bounded(&env);
});

/// A whole table locked by another transaction (a migration, `VACUUM FULL`,
/// `REINDEX`): reads and the view audit row wait at most lock_timeout too,
/// then exit 6 — a cron job never hangs for as long as the lock lives.
#[test]
fn reads_behind_a_table_lock_end_after_lock_timeout() {
    let Some(env) = Env::postgres() else { return };
    env.init_db(0);
    env.add_support();
    let id = env.insert_customer("Read Behind Lock", "reader@example.com");
    let s = id.to_string();
    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("customers", vec!["list"]),
        ("customers", vec!["view", &s]),
        ("customers", vec!["export", &s]),
        ("operators", vec!["list"]),
        ("operators", vec!["operator", "list"]),
        ("audit_log", vec!["view", &s]),
        ("audit_log", vec!["audit"]),
        ("audit_log", vec!["audit", "verify"]),
    ];
    for (table, args) in &cases {
        let (stop, holder) = hold(
            &env,
            vec![format!("LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")],
        );
        let run = env.cmd().env("CUSTADM_LOCK_TIMEOUT", "1").args(args).run();
        drop(stop);
        holder.join().unwrap();
        assert_eq!(
            run.code, 6,
            "{args:?} behind a lock on {table}\nstdout: {}\nstderr: {}",
            run.stdout, run.stderr
        );
        run.error_line("lock");
        assert!(
            !run.stdout.contains('['),
            "{args:?}: half a document on stdout: {}",
            run.stdout
        );
    }
    // Without the lock every one of them works.
    for (_, args) in &cases {
        env.run(args).ok();
    }
}

// A bulk run that meets a locked customer keeps its committed batches and
// says how many; running it again finishes the job.
#[test]
fn bulk_run_keeps_committed_batches_on_lock_timeout() {
    let Some(env) = Env::postgres() else { return };
    env.init_db(0);
    bulk_customers(&env, 30);
    let all = customer_ids(&env);
    let ids: String = all.iter().map(|i| format!("{i}\n")).collect();
    let (stop, holder) = hold(
        &env,
        vec![format!(
            "SELECT id FROM customers WHERE id = {} FOR UPDATE",
            all[24]
        )],
    );
    let run = env
        .cmd()
        .env("CUSTADM_LOCK_TIMEOUT", "1")
        .args(&[
            "toggle",
            "--deactivate",
            "--ids-from",
            "-",
            "--yes",
            "--batch-size",
            "10",
        ])
        .stdin(&ids)
        .run();
    drop(stop);
    holder.join().unwrap();
    // Stopped half-way after committing batches: exit 7 (contract).
    run.code(7).error_line(&format!(
        "one of the 10 customers {}–{} is locked by another transaction; waited 1 s",
        all[20], all[29]
    ));
    assert!(
        run.stderr.contains("20 changed and committed")
            && run.stderr.contains("the rest were not attempted"),
        "{}",
        run.stderr
    );
    assert_eq!(assert_all_or_nothing(&env), 20);
    env.cmd()
        .args(&[
            "toggle",
            "--deactivate",
            "--ids-from",
            "-",
            "--yes",
            "--batch-size",
            "10",
        ])
        .stdin(&ids)
        .run()
        .ok();
    assert_eq!(assert_all_or_nothing(&env), 30);
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
