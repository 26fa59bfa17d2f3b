//! `custadm purge`: erasing one customer and everything they own, for admins
//! only and confirmed by the admin's password (wrong ones counted, locked
//! admins refused before anything is shown, a hidden prompt on a terminal);
//! retention purges of several at once; nothing of the customer left in the
//! SQLite file or its WAL; a purged highest id never given again.

use std::thread;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::db_test;
use crate::support::*;

/// A customer with KYC, billing entries and an audit trail holding personal data.
fn rich_customer(env: &Env, tag: &str) -> i64 {
    let id = env.insert_customer(&format!("{tag} Person"), &format!("{tag}@example.com"));
    add_kyc(
        env,
        id,
        "verified",
        &format!("DOC-{tag}"),
        "2025-01-02 00:00:00",
        Some("2025-01-03 00:00:00"),
    );
    env.add_invoice(id, 1500);
    add_entry(env, id, "payment", 1500);
    env.run(&[
        "edit",
        &id.to_string(),
        "--email",
        &format!("{tag}.new@example.com"),
        "--phone",
        "+14155550123",
        "--name",
        &format!("{tag} Renamed"),
    ])
    .ok();
    env.run(&["view", &id.to_string()]).ok();
    id
}

/// (action, operator, occurred_at) of a customer's audit rows, oldest first.
fn trail(env: &Env, id: i64) -> Vec<Option<String>> {
    env.texts(&format!(
        "SELECT action || '|' || operator || '|' || CAST(occurred_at AS TEXT) AS v FROM audit_log WHERE customer_id = {id} ORDER BY id"
    ))
}

fn purge_with(env: &Env, id: i64, password: &str) -> Run {
    env.cmd()
        .args(&["purge", &id.to_string(), "--password-stdin"])
        .stdin(&format!("{password}\n"))
        .run()
}

db_test!(purge_erases_everything_of_one_customer, |env| {
    env.init_db(0);
    let gone = rich_customer(&env, "zed");
    let kept = rich_customer(&env, "kim");
    let gone_account = billing_account(&env, gone);
    let kept_snapshot = snapshot(&env, kept);
    let kept_details = env.texts(&format!(
        "SELECT details AS v FROM audit_log WHERE customer_id = {kept} ORDER BY id"
    ));
    let trail_before = trail(&env, gone);
    assert!(trail_before.len() >= 2);

    let r = env
        .cmd()
        .args(&["purge", &gone.to_string(), "--password-stdin", "-o", "json"])
        .stdin(&format!("{ADMIN_PASSWORD}\n"))
        .run();
    r.ok();
    single_result(&r.json(), "purge", gone, "changed");
    assert!(
        r.stderr
            .contains(&format!("About to erase customer {gone}")),
        "{}",
        r.stderr
    );

    assert!(!exists(&env, gone));
    assert_eq!(
        env.count("kyc_records", &format!("customer_id = {gone}")),
        0
    );
    assert_eq!(
        env.count("billing_accounts", &format!("customer_id = {gone}")),
        0
    );
    assert_eq!(
        env.count(
            "account_entries",
            &format!("billing_account_id = {gone_account}")
        ),
        0
    );
    // The other customer is untouched.
    assert_eq!(snapshot(&env, kept), kept_snapshot);
    assert_eq!(
        env.count("kyc_records", &format!("customer_id = {kept}")),
        1
    );
    assert_eq!(
        env.count(
            "account_entries",
            &format!("billing_account_id = {}", billing_account(&env, kept))
        ),
        2
    );
    assert_eq!(
        env.texts(&format!(
            "SELECT details AS v FROM audit_log WHERE customer_id = {kept} ORDER BY id"
        )),
        kept_details
    );

    // The earlier trail keeps action, operator and time, loses personal data.
    let trail_after = trail(&env, gone);
    assert_eq!(&trail_after[..trail_before.len()], &trail_before[..]);
    let all_details = env.texts(&format!(
        "SELECT details AS v FROM audit_log WHERE customer_id = {gone} ORDER BY id"
    ));
    for d in &all_details[..trail_before.len()] {
        let v: Value = serde_json::from_str(d.as_deref().unwrap_or("")).expect("JSON");
        assert_eq!(v, json!({"redacted": true}));
    }
    for d in &all_details {
        let d = d.as_deref().unwrap_or("");
        for personal in [
            "zed",
            "Zed",
            "+14155550123",
            "4155550123",
            "DOC-zed",
            "example.com",
        ] {
            assert!(!d.contains(personal), "{personal:?} left in {d}");
        }
    }
    // The purge's own row: counts, no personal data.
    let purge_rows = audit_details(&env, gone, "purge");
    assert_eq!(purge_rows.len(), 1, "{purge_rows:?}");
    let text = purge_rows[0].to_string();
    assert!(text.contains("kyc_records"), "{text}");
    assert!(text.contains("account_entries"), "{text}");
    assert_eq!(
        env.count(
            "audit_log",
            &format!("customer_id = {gone} AND action = 'purge' AND outcome = 'ok' AND operator = 'admin'")
        ),
        1
    );
    // It is gone for view and purge alike.
    env.run(&["view", &gone.to_string()]).code(3);
    purge_with(&env, gone, ADMIN_PASSWORD).code(3);
});

db_test!(purge_is_for_admins_only, |env| {
    env.init_db(0);
    env.add_support();
    let id = env.insert_customer("Ann Lee", "ann@example.com");
    let before = snapshot(&env, id);
    let r = env
        .cmd()
        .env("CUSTADM_OPERATOR", "support")
        .args(&["purge", &id.to_string(), "--password-stdin"])
        .stdin(&format!("{SUPPORT_PASSWORD}\n"))
        .run();
    r.code(4).error_line("admin");
    assert_eq!(snapshot(&env, id), before);
    assert_eq!(
        env.count(
            "audit_log",
            &format!("customer_id = {id} AND action = 'purge' AND outcome = 'denied' AND operator = 'support'")
        ),
        1
    );
});

db_test!(purge_wrong_password_counts_and_locks, |env| {
    env.init_db(0);
    let id = env.insert_customer("Ann Lee", "ann@example.com");
    let before = snapshot(&env, id);
    let failed = |env: &Env| {
        env.scalar(
            "SELECT CAST(failed_attempts AS BIGINT) AS v FROM operators WHERE username = 'admin'",
        )
        .unwrap_or(-1)
    };
    let denied = |env: &Env| {
        env.count(
            "audit_log",
            &format!("customer_id = {id} AND action = 'purge' AND outcome = 'denied'"),
        )
    };
    for attempt in 1..=4 {
        let r = purge_with(&env, id, "not-the-password-at-all");
        r.code(4).error_line("wrong password");
        assert_eq!(failed(&env), attempt);
        assert_eq!(denied(&env), attempt);
        assert!(exists(&env, id));
    }
    let r = purge_with(&env, id, "still-not-the-password");
    r.code(4).error_line("locked");
    assert_eq!(denied(&env), 5);
    assert_eq!(
        env.count(
            "operators",
            "username = 'admin' AND locked_until IS NOT NULL"
        ),
        1
    );
    // Locked: even the right password is refused, nothing purged.
    let r = purge_with(&env, id, ADMIN_PASSWORD);
    r.code(4).error_line("locked");
    assert_eq!(snapshot(&env, id), before);
    assert_eq!(denied(&env), 6);
    assert_eq!(audit_ok(&env, id, "purge"), 0);
});

db_test!(purge_without_terminal_or_stdin_fails_at_once, |env| {
    env.init_db(0);
    let id = env.insert_customer("Ann Lee", "ann@example.com");
    let before = snapshot(&env, id);
    let started = Instant::now();
    let r = env.run(&["purge", &id.to_string()]);
    r.code(2).error_line("--password-stdin");
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_eq!(snapshot(&env, id), before);
    // A wrong-password count is not what happened.
    assert_eq!(
        env.scalar(
            "SELECT CAST(failed_attempts AS BIGINT) AS v FROM operators WHERE username = 'admin'"
        ),
        Some(0)
    );
});

/// A pseudo-terminal session of custadm with the terminal's echo switched
/// ON (rexpect turns it off on the pty it creates, which would make a
/// "password not echoed" check pass whatever custadm does). Prints
/// `ECHO_IS_ON` first when echo really is on.
fn pty_with_echo_announced(env: &Env, args: &[&str]) -> rexpect::session::PtySession {
    let mut cmd = std::process::Command::new("sh");
    cmd.arg("-c")
        .arg(
            r#"stty echo; if stty -a | grep -Eq '(^|[ ;])echo([ ;]|$)'; then echo ECHO_IS_ON; fi; exec "$0" "$@""#,
        )
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

db_test!(purge_on_a_terminal_hides_the_password, |env| {
    env.init_db(0);
    let id = env.insert_customer("Ann Lee", "ann@example.com");
    env.add_invoice(id, 100);
    let mut p = pty_with_echo_announced(&env, &["purge", &id.to_string()]);
    let mut seen = String::new();
    seen += &p.exp_string("ECHO_IS_ON").expect("echo switched on");
    seen += &p
        .exp_string(&format!("About to erase customer {id}"))
        .expect("preview");
    seen += &p
        .exp_string("Password of admin to confirm:")
        .expect("password prompt");
    // Give the prompt the moment it needs to switch echo off, as a person would.
    thread::sleep(Duration::from_millis(500));
    p.send_line(ADMIN_PASSWORD).expect("type the password");
    seen += &p.exp_eof().expect("custadm ends");
    assert_eq!(exit_code(&p), 0, "{seen}");
    assert!(
        !seen.contains(ADMIN_PASSWORD),
        "the typed password was echoed:\n{seen}"
    );
    assert!(
        seen.contains("Ann Lee"),
        "preview lacks the customer: {seen}"
    );
    assert!(!exists(&env, id));
    assert_eq!(audit_ok(&env, id, "purge"), 1);
});

db_test!(
    a_locked_admin_is_refused_before_purge_shows_anything,
    |env| {
        env.init_db(0);
        let id = env.insert_customer("Hidden Person", "hidden.person@example.com");
        env.exec(&format!(
        "UPDATE customers SET deleted_at = '2025-06-01 00:00:00', is_active = {} WHERE id = {id}",
        env.bool_sql(false)
    ));
        env.exec(
        "UPDATE operators SET failed_attempts = 5, locked_until = '2999-01-01 00:00:00' WHERE username = 'admin'",
    );
        for args in [
            vec![
                "purge".to_string(),
                id.to_string(),
                "--password-stdin".into(),
            ],
            vec!["purge".into(), "9999".into(), "--password-stdin".into()],
            vec![
                "purge".into(),
                "--deleted-before".into(),
                "2026-01-01".into(),
                "--password-stdin".into(),
            ],
        ] {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let run = env
                .cmd()
                .args(&args)
                .stdin(&format!("{ADMIN_PASSWORD}\n"))
                .run();
            run.code(4).error_line("locked");
            for shown in [&run.stdout, &run.stderr] {
                assert!(
                    !shown.contains("Hidden"),
                    "{args:?} showed the customer: {shown}"
                );
                assert!(!shown.contains("hidden.person"), "{args:?}: {shown}");
            }
        }
        assert_eq!(env.count("customers", ""), 1);
    }
);

#[test]
fn purge_leaves_no_byte_of_the_customer_in_the_sqlite_file_or_wal() {
    use diesel::connection::SimpleConnection;
    use diesel::Connection;
    let env = Env::sqlite();
    env.init_db(3);
    // "ⱶxq": a trigram of the search index (contentless FTS5) whose first
    // character no other term starts with, so the index stores it whole
    // (its terms are prefix-compressed) and a byte scan can see it.
    let id = env.insert_customer("Zebulon ⱶxq Quartzfield", "zebulon.quartz@example.org");
    env.exec(&format!(
        "UPDATE customers SET phone = '+442071838750', password_hash = '$argon2id$v=19$m=19456,t=2,p=1$UniqueSaltQzx$HashBytesQzx' WHERE id = {id}"
    ));
    env.exec(&format!(
        "INSERT INTO kyc_records (customer_id, status, document_type, document_number, country, date_of_birth, created_at) \
         VALUES ({id}, 'verified', 'passport', 'XQ99887766', 'GB', '1980-01-01', '2025-01-01 00:00:00')"
    ));
    env.add_invoice(id, 0);
    // Earlier versions of the data (an edit keeps old and new values in the trail).
    env.run(&[
        "--reason",
        "Zebulon called",
        "edit",
        &id.to_string(),
        "--name",
        "Zebulon Quartzfield-Smythe",
        "--email",
        "zq2@example.org",
    ])
    .ok();
    env.run(&["view", &id.to_string()]).ok();
    // Another connection stays open, so the WAL file outlives custadm's connection.
    let mut holder = diesel::sqlite::SqliteConnection::establish(&env.url).unwrap();
    holder
        .batch_execute("SELECT count(*) FROM customers")
        .unwrap();
    let secrets = [
        "Zebulon",
        "Quartzfield",
        "zebulon.quartz@example.org",
        "zq2@example.org",
        "442071838750",
        "UniqueSaltQzx",
        "HashBytesQzx",
        "XQ99887766",
        "ⱶxq",
    ];
    let scan = |label: &str| -> Vec<String> {
        let mut found = Vec::new();
        for suffix in ["", "-wal"] {
            let path = format!("{}{suffix}", env.url);
            let bytes = std::fs::read(&path).unwrap_or_default();
            for s in secrets {
                if bytes.windows(s.len()).any(|w| w == s.as_bytes()) {
                    found.push(format!("{label}: {s} in {path}"));
                }
            }
        }
        found
    };
    assert!(
        !scan("before").is_empty(),
        "the test must see the data before the purge"
    );
    env.cmd()
        .args(&["purge", &id.to_string(), "--password-stdin"])
        .stdin(&format!("{ADMIN_PASSWORD}\n"))
        .run()
        .ok();
    let left = scan("after");
    assert!(left.is_empty(), "{left:?}");
    drop(holder);
    intact(&env);
}

db_test!(retention_purge_several_at_once, |env| {
    env.init_db(0);
    let old = env.insert_customer("Old Deleted", "old@example.com");
    let older = env.insert_customer("Older Deleted", "older@example.com");
    let recent = env.insert_customer("Recent Deleted", "recent@example.com");
    let live = env.insert_customer("Live Person", "live@example.com");
    env.exec(&format!("UPDATE customers SET deleted_at = '2024-01-01 00:00:00', is_active = {} WHERE id IN ({old}, {older})", env.bool_sql(false)));
    env.exec(&format!("UPDATE customers SET deleted_at = '2026-11-01 00:00:00', is_active = {} WHERE id = {recent}", env.bool_sql(false)));
    // --max-changes refuses before anything is erased (and before the password).
    let r = env
        .cmd()
        .args(&[
            "purge",
            "--deleted-before",
            "2025-01-01",
            "--max-changes",
            "1",
            "--password-stdin",
        ])
        .stdin(&format!("{ADMIN_PASSWORD}\n"))
        .run();
    r.code(5).error_line("max-changes");
    assert_eq!(env.count("customers", ""), 4);
    let r = env
        .cmd()
        .args(&[
            "purge",
            "--deleted-before",
            "2025-01-01",
            "--max-changes",
            "2",
            "--password-stdin",
            "-o",
            "json",
        ])
        .stdin(&format!("{ADMIN_PASSWORD}\n"))
        .run();
    r.ok();
    assert!(
        r.stderr.contains("About to erase 2 customers"),
        "{}",
        r.stderr
    );
    assert_eq!(r.json()["summary"]["changed"], 2);
    assert_eq!(env.count("customers", ""), 2);
    assert_eq!(
        env.count("customers", &format!("id IN ({recent}, {live})")),
        2
    );
    // Nothing left to purge: success, nothing asked.
    env.run(&[
        "purge",
        "--deleted-before",
        "2025-01-01",
        "--password-stdin",
    ])
    .ok();
    // Several ids with one missing: one password, per-customer outcomes, exit 7.
    let r = env
        .cmd()
        .args(&[
            "purge",
            &recent.to_string(),
            "424242",
            "--password-stdin",
            "-o",
            "json",
        ])
        .stdin(&format!("{ADMIN_PASSWORD}\n"))
        .run();
    r.code(7);
    let doc = r.json();
    assert_eq!(doc["summary"]["changed"], 1);
    assert_eq!(doc["summary"]["not_found"], 1);
    assert_eq!(
        env.count("audit_log", "action = 'purge' AND outcome = 'ok'"),
        3
    );
    intact(&env);
});

#[test]
fn a_purged_highest_id_is_never_given_again() {
    let env = Env::sqlite();
    env.init_db(0);
    let a = env.insert_customer("A", "a@example.com");
    let b = env.insert_customer("B", "b@example.com");
    assert!(b > a);
    env.cmd()
        .args(&["purge", &b.to_string(), "--password-stdin"])
        .stdin(&format!("{ADMIN_PASSWORD}\n"))
        .run()
        .ok();
    let c = env.insert_customer("C", "c@example.com");
    assert!(c > b, "id {b} was purged and {c} given again");
    let run = env.run(&["-o", "json", "audit", "--customer", &c.to_string()]);
    run.ok();
    assert_eq!(
        run.json(),
        serde_json::json!([]),
        "C inherited B's audit trail"
    );
}
