//! `custadm operator`: adding and listing operators, roles and the last admin,
//! activation, passwords (never from argv, upgraded when weak, absurd Argon2
//! parameters refused), wrong passwords counted and locking, admin changes
//! confirmed by the admin's password (on stdin or a terminal), operator-name
//! rules, and hostile operator names rendered harmless.

use std::time::Duration;

use crate::db_test;
use crate::support::*;

fn hash_of(env: &Env, name: &str) -> String {
    env.texts(&format!(
        "SELECT password_hash AS v FROM operators WHERE username = {}",
        quote(name)
    ))
    .into_iter()
    .next()
    .flatten()
    .expect("operator exists")
}

fn failed_attempts(env: &Env, name: &str) -> i64 {
    env.scalar(&format!(
        "SELECT CAST(failed_attempts AS BIGINT) AS v FROM operators WHERE username = {}",
        quote(name)
    ))
    .expect("operator exists")
}

fn is_locked(env: &Env, name: &str) -> bool {
    env.count(
        "operators",
        &format!("username = {} AND locked_until IS NOT NULL", quote(name)),
    ) == 1
}

// ---------------------------------------------------------------- add / list

db_test!(add_and_list_operators_with_audit, |env| {
    env.init_db(0);
    let run = env
        .cmd()
        .args(&[
            "--reason",
            "TICKET-1234",
            "operator",
            "add",
            "alice",
            "--role",
            "support",
            "--password-stdin",
        ])
        .stdin(&admin_stdin(&[SUPPORT_PASSWORD]))
        .run();
    run.ok();
    assert!(run.stdout.contains("alice"), "{}", run.stdout);
    assert!(!run.stdout.contains(SUPPORT_PASSWORD) && !run.stderr.contains(SUPPORT_PASSWORD));

    // Stored: role, active, no failures, no lock, policy-conform Argon2id.
    assert_eq!(
        env.count(
            "operators",
            &format!(
                "username = 'alice' AND role = 'support' AND is_active = {} AND failed_attempts = 0 AND locked_until IS NULL",
                env.bool_sql(true)
            )
        ),
        1
    );
    for name in ["admin", "alice"] {
        let hash = hash_of(&env, name);
        assert!(!hash.contains(SUPPORT_PASSWORD) && !hash.contains(ADMIN_PASSWORD));
        let (m, t, p) = argon2id_params(&hash);
        assert!(m >= 19456 && t >= 2 && p == 1, "{name}: {hash}");
    }
    // Two operators with the same password get different salts.
    add_operator(&env, "bob", "support", SUPPORT_PASSWORD);
    assert_ne!(hash_of(&env, "alice"), hash_of(&env, "bob"));

    // Audited: acting operator, OS user, --reason; no secret in details.
    let cond = format!(
        "action = 'operator_add' AND outcome = 'ok' AND operator = 'admin' AND os_user = {} AND reason = 'TICKET-1234'",
        quote(&os_user())
    );
    assert_eq!(env.count("audit_log", &cond), 1);
    let details = env.texts(&format!("SELECT details AS v FROM audit_log WHERE {cond}"))[0]
        .clone()
        .unwrap();
    let details: serde_json::Value = serde_json::from_str(&details).expect("details is JSON");
    assert!(details.to_string().contains("alice"), "{details}");
    for d in env
        .texts("SELECT details AS v FROM audit_log")
        .into_iter()
        .flatten()
    {
        assert!(
            !d.contains(SUPPORT_PASSWORD) && !d.contains("$argon2"),
            "{d}"
        );
    }
    // Without --reason the reason is NULL.
    assert_eq!(
        env.count(
            "audit_log",
            "action = 'operator_add' AND reason IS NULL AND details LIKE '%bob%'"
        ),
        1
    );

    // JSON list.
    let list = env.run(&["operator", "list", "-o", "json"]);
    list.ok();
    let rows = list.json();
    let rows = rows.as_array().expect("array");
    assert_eq!(rows.len(), 3);
    let alice = rows
        .iter()
        .find(|r| r["username"] == "alice")
        .expect("alice listed");
    assert_eq!(alice["role"], "support");
    assert_eq!(alice["is_active"], true);
    assert_eq!(alice["failed_attempts"], 0);
    assert!(alice["locked_until"].is_null());
    assert!(alice["os_user"].is_null(), "{alice}");
    assert!(alice["id"].as_i64().unwrap() > 0);
    assert!(
        is_rfc3339_utc(alice["created_at"].as_str().unwrap()),
        "{}",
        alice["created_at"]
    );
    for key in [
        "id",
        "username",
        "role",
        "is_active",
        "failed_attempts",
        "locked_until",
        "os_user",
        "created_at",
    ] {
        assert!(alice.get(key).is_some(), "missing {key}: {alice}");
    }
    assert!(
        !list.stdout.contains("argon2") && !list.stdout.contains("password_hash"),
        "hashes listed"
    );
    let admin = rows.iter().find(|r| r["username"] == "admin").unwrap();
    assert_eq!(admin["role"], "admin");

    // Table list.
    let table = env.run(&["operator", "list"]);
    table.ok();
    assert!(table.stdout.contains("USERNAME"), "{}", table.stdout);
    let alice_line = table
        .stdout
        .lines()
        .find(|l| l.contains("alice"))
        .expect("alice in table");
    assert!(alice_line.contains("support"), "{alice_line}");
    assert!(table
        .stdout
        .lines()
        .any(|l| l.contains("admin") && l.contains("active")));
    assert!(!table.stdout.contains("argon2"));
});

db_test!(add_duplicate_or_invalid_operator_is_refused, |env| {
    env.init_db(0).add_support();
    let before = operators_snapshot(&env);
    let audit_before = env.count("audit_log", "");
    let dup = env
        .cmd()
        .args(&[
            "operator",
            "add",
            "support",
            "--role",
            "admin",
            "--password-stdin",
        ])
        .stdin(&admin_stdin(&["another-password-0123"]))
        .run();
    dup.code(5).error_line("support");
    let dup_admin = env
        .cmd()
        .args(&[
            "operator",
            "add",
            "admin",
            "--role",
            "support",
            "--password-stdin",
        ])
        .stdin(&admin_stdin(&["another-password-0123"]))
        .run();
    dup_admin.code(5).error_line("already exists");
    // Too short a password: exit 2, nothing written.
    env.cmd()
        .args(&[
            "operator",
            "add",
            "carol",
            "--role",
            "support",
            "--password-stdin",
        ])
        .stdin(&admin_stdin(&["short-pw"]))
        .run()
        .code(2)
        .error_line("12");
    // No password source and no terminal: exit 2 at once.
    env.run(&["operator", "add", "carol", "--role", "support"])
        .code(2)
        .error_line("--password-stdin");
    // An invalid role or name is a usage error.
    env.cmd()
        .args(&[
            "operator",
            "add",
            "carol",
            "--role",
            "root",
            "--password-stdin",
        ])
        .stdin(&admin_stdin(&["another-password-0123"]))
        .run()
        .code(2)
        .error_line("");
    env.cmd()
        .args(&[
            "operator",
            "add",
            "bad name",
            "--role",
            "support",
            "--password-stdin",
        ])
        .stdin(&admin_stdin(&["another-password-0123"]))
        .run()
        .code(2)
        .error_line("");
    assert_eq!(operators_snapshot(&env), before);
    assert_eq!(env.count("audit_log", ""), audit_before);
});

#[test]
fn operator_passwords_are_never_taken_from_argv() {
    let env = Env::sqlite();
    for cmd in [
        &["operator", "add", "--help"][..],
        &["operator", "passwd", "--help"],
        &["init", "--help"],
        &["purge", "--help"],
    ] {
        let help = env.run(cmd);
        help.ok();
        for line in help.stdout.lines() {
            let line = line.trim_start();
            if let Some(rest) = line.strip_prefix("--password") {
                assert!(
                    rest.starts_with("-stdin"),
                    "{cmd:?} offers a password option: {line}"
                );
                assert!(
                    !rest["-stdin".len()..].trim_start().starts_with('<'),
                    "--password-stdin takes a value: {line}"
                );
            }
            assert!(!line.contains("--pass "), "{line}");
        }
    }
    // Trying anyway is a usage error and writes nothing.
    env.init_db(0);
    let before = operators_snapshot(&env);
    for args in [
        &[
            "operator",
            "add",
            "eve",
            "--role",
            "support",
            "--password",
            "eve-password-0123",
        ][..],
        &[
            "operator",
            "add",
            "eve",
            "--role",
            "support",
            "--password=eve-password-0123",
        ],
        &["operator", "passwd", "--password", "eve-password-0123"],
    ] {
        env.run(args).code(2).error_line("");
    }
    assert_eq!(operators_snapshot(&env), before);
}

// ---------------------------------------------------------------- set-role / activate

db_test!(set_role_changes_role_and_protects_the_last_admin, |env| {
    env.init_db(0).add_support();
    // Promote.
    let run = env
        .cmd()
        .args(&[
            "--reason",
            "INC-7",
            "operator",
            "set-role",
            "support",
            "admin",
            "--password-stdin",
        ])
        .stdin(&admin_stdin(&[]))
        .run();
    run.ok();
    assert_eq!(
        env.count("operators", "username = 'support' AND role = 'admin'"),
        1
    );
    assert_eq!(
        env.count(
            "audit_log",
            &format!(
                "action = 'operator_set_role' AND outcome = 'ok' AND operator = 'admin' AND reason = 'INC-7' AND os_user = {}",
                quote(&os_user())
            )
        ),
        1
    );
    // Same role again: nothing changes, nothing audited.
    env.admin_change(&["operator", "set-role", "support", "admin"], &[])
        .ok();
    assert_eq!(env.count("audit_log", "action = 'operator_set_role'"), 1);
    // Demote the original admin while another admin exists: fine, and the
    // new admin (acting by --operator) is recorded.
    change_as(
        &env,
        "support",
        SUPPORT_PASSWORD,
        &["operator", "set-role", "admin", "support"],
        &[],
    )
    .ok();
    assert_eq!(
        env.count("operators", "username = 'admin' AND role = 'support'"),
        1
    );
    assert_eq!(audit_rows(&env, "operator_set_role", "ok", "support"), 1);
    // Now `support` is the last admin: demoting it is refused.
    let before = operators_snapshot(&env);
    let last = change_as(
        &env,
        "support",
        SUPPORT_PASSWORD,
        &["operator", "set-role", "support", "support"],
        &[],
    );
    last.code(5).error_line("last");
    assert_eq!(operators_snapshot(&env), before);
    assert_eq!(
        env.count(
            "audit_log",
            "action = 'operator_set_role' AND outcome = 'ok'"
        ),
        2
    );
    // Unknown target.
    change_as(
        &env,
        "support",
        SUPPORT_PASSWORD,
        &["operator", "set-role", "ghost", "admin"],
        &[],
    )
    .code(3)
    .error_line("ghost");
    // Invalid role.
    change_as(
        &env,
        "support",
        SUPPORT_PASSWORD,
        &["operator", "set-role", "admin", "root"],
        &[],
    )
    .code(2);
});

db_test!(an_inactive_admin_does_not_count_as_the_other_admin, |env| {
    env.init_db(0);
    add_operator(&env, "admin2", "admin", "admin2-password-0123");
    env.admin_change(&["operator", "deactivate", "admin2"], &[])
        .ok();
    let before = operators_snapshot(&env);
    env.admin_change(&["operator", "set-role", "admin", "support"], &[])
        .code(5)
        .error_line("last");
    env.admin_change(&["operator", "deactivate", "admin"], &[])
        .code(5)
        .error_line("last");
    assert_eq!(operators_snapshot(&env), before);
});

db_test!(deactivate_and_activate_operators, |env| {
    env.init_db(0).add_support();
    // The support operator can work.
    env.cmd()
        .env("CUSTADM_OPERATOR", "support")
        .args(&["list"])
        .run()
        .ok();
    env.cmd()
        .args(&[
            "--reason",
            "left the team",
            "operator",
            "deactivate",
            "support",
            "--password-stdin",
        ])
        .stdin(&admin_stdin(&[]))
        .run()
        .ok();
    assert_eq!(
        env.count(
            "operators",
            &format!(
                "username = 'support' AND is_active = {}",
                env.bool_sql(false)
            )
        ),
        1
    );
    assert_eq!(
        env.count(
            "audit_log",
            "action = 'operator_deactivate' AND outcome = 'ok' AND operator = 'admin' AND reason = 'left the team'"
        ),
        1
    );
    // A deactivated operator is refused everything, with a denied row.
    let refused = env
        .cmd()
        .env("CUSTADM_OPERATOR", "support")
        .args(&["list"])
        .run();
    refused.code(4).error_line("support");
    assert_eq!(audit_rows(&env, "list", "denied", "support"), 1);
    let hash_before = hash_of(&env, "support");
    let own = env
        .cmd()
        .env("CUSTADM_OPERATOR", "support")
        .args(&["operator", "passwd", "--password-stdin"])
        .stdin(&format!("{SUPPORT_PASSWORD}\n{NEW_PASSWORD}\n"))
        .run();
    own.code(4).error_line("deactivated");
    assert_eq!(hash_of(&env, "support"), hash_before);
    // Listed as inactive.
    let list = env.run(&["operator", "list", "-o", "json"]).json();
    let support = list
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["username"] == "support")
        .unwrap()
        .clone();
    assert_eq!(support["is_active"], false);
    let table = env.run(&["operator", "list"]);
    assert!(
        table
            .stdout
            .lines()
            .any(|l| l.contains("support") && l.contains("inactive")),
        "{}",
        table.stdout
    );
    // Deactivating again: already so, exit 0, no new audit row.
    env.admin_change(&["operator", "deactivate", "support"], &[])
        .ok();
    assert_eq!(env.count("audit_log", "action = 'operator_deactivate'"), 1);
    // Reactivate: works again.
    env.admin_change(&["operator", "activate", "support"], &[])
        .ok();
    assert_eq!(audit_rows(&env, "operator_activate", "ok", "admin"), 1);
    env.cmd()
        .env("CUSTADM_OPERATOR", "support")
        .args(&["list"])
        .run()
        .ok();
    env.admin_change(&["operator", "activate", "support"], &[])
        .ok();
    assert_eq!(env.count("audit_log", "action = 'operator_activate'"), 1);
    // Unknown targets.
    env.admin_change(&["operator", "deactivate", "ghost"], &[])
        .code(3)
        .error_line("ghost");
    env.admin_change(&["operator", "activate", "ghost"], &[])
        .code(3);
    env.admin_change(&["operator", "unlock", "ghost"], &[])
        .code(3);
    env.cmd()
        .args(&["operator", "passwd", "ghost", "--password-stdin"])
        .stdin(&admin_stdin(&[NEW_PASSWORD]))
        .run()
        .code(3);
    // The last active admin cannot deactivate itself.
    let before = operators_snapshot(&env);
    env.admin_change(&["operator", "deactivate", "admin"], &[])
        .code(5)
        .error_line("last");
    assert_eq!(operators_snapshot(&env), before);
});

// ---------------------------------------------------------------- passwords

db_test!(own_and_others_password_changes, |env| {
    env.init_db(0).add_support();
    // Support changes its own password: two lines, current then new.
    let old_hash = hash_of(&env, "support");
    let run = env
        .cmd()
        .env("CUSTADM_OPERATOR", "support")
        .args(&[
            "--reason",
            "rotation",
            "operator",
            "passwd",
            "--password-stdin",
        ])
        .stdin(&format!("{SUPPORT_PASSWORD}\n{NEW_PASSWORD}\n"))
        .run();
    run.ok();
    assert!(!run.stdout.contains(NEW_PASSWORD) && !run.stderr.contains(NEW_PASSWORD));
    let new_hash = hash_of(&env, "support");
    assert_ne!(new_hash, old_hash);
    let (m, t, p) = argon2id_params(&new_hash);
    assert!(m >= 19456 && t >= 2 && p == 1);
    assert_eq!(
        env.count(
            "audit_log",
            &format!(
                "action = 'operator_passwd' AND outcome = 'ok' AND operator = 'support' AND reason = 'rotation' AND os_user = {}",
                quote(&os_user())
            )
        ),
        1
    );
    // Naming oneself is the same as no name: the old password no longer works, the new one does.
    env.cmd()
        .env("CUSTADM_OPERATOR", "support")
        .args(&["operator", "passwd", "support", "--password-stdin"])
        .stdin(&format!("{SUPPORT_PASSWORD}\nyet-another-password-1\n"))
        .run()
        .code(4);
    assert_eq!(hash_of(&env, "support"), new_hash);
    env.cmd()
        .env("CUSTADM_OPERATOR", "support")
        .args(&["operator", "passwd", "support", "--password-stdin"])
        .stdin(&format!("{NEW_PASSWORD}\nyet-another-password-1\n"))
        .run()
        .ok();
    let third_hash = hash_of(&env, "support");
    assert_ne!(third_hash, new_hash);
    // A too short new password: exit 2, nothing changed.
    env.cmd()
        .env("CUSTADM_OPERATOR", "support")
        .args(&["operator", "passwd", "--password-stdin"])
        .stdin("yet-another-password-1\nshort\n")
        .run()
        .code(2);
    assert_eq!(hash_of(&env, "support"), third_hash);
    // No terminal and no --password-stdin: exit 2 at once.
    env.cmd()
        .env("CUSTADM_OPERATOR", "support")
        .args(&["operator", "passwd"])
        .run()
        .code(2)
        .error_line("--password-stdin");

    // Admin sets another operator's password: one line, no current password.
    let admin_hash = hash_of(&env, "admin");
    env.cmd()
        .args(&["operator", "passwd", "support", "--password-stdin"])
        .stdin(&admin_stdin(&["set-by-the-admin-0001"]))
        .run()
        .ok();
    assert_ne!(hash_of(&env, "support"), third_hash);
    assert_eq!(hash_of(&env, "admin"), admin_hash);
    assert_eq!(audit_rows(&env, "operator_passwd", "ok", "admin"), 1);
    // … which support can now use as its current password.
    env.cmd()
        .env("CUSTADM_OPERATOR", "support")
        .args(&["operator", "passwd", "--password-stdin"])
        .stdin(&format!("set-by-the-admin-0001\n{NEW_PASSWORD}\n"))
        .run()
        .ok();
    // Admin's own change needs its current password.
    env.cmd()
        .args(&["operator", "passwd", "--password-stdin"])
        .stdin(&format!("{ADMIN_PASSWORD}\n{NEW_PASSWORD}\n"))
        .run()
        .ok();
    assert_ne!(hash_of(&env, "admin"), admin_hash);
    for d in env
        .texts("SELECT details AS v FROM audit_log")
        .into_iter()
        .flatten()
    {
        assert!(
            !d.contains(NEW_PASSWORD) && !d.contains(SUPPORT_PASSWORD) && !d.contains("$argon2"),
            "{d}"
        );
    }
});

db_test!(wrong_passwords_count_lock_and_unlock, |env| {
    env.init_db(0).add_support();
    let attempt = |current: &str| {
        env.cmd()
            .env("CUSTADM_OPERATOR", "support")
            .args(&["operator", "passwd", "--password-stdin"])
            .stdin(&format!("{current}\n{NEW_PASSWORD}\n"))
            .run()
    };
    let original = hash_of(&env, "support");
    // One wrong password: exit 4, denied row, counted.
    attempt("wrong-password-0000")
        .code(4)
        .error_line("wrong password");
    assert_eq!(failed_attempts(&env, "support"), 1);
    assert_eq!(audit_rows(&env, "operator_passwd", "denied", "support"), 1);
    assert!(!is_locked(&env, "support"));
    // A success resets the count (and changes the password).
    attempt(SUPPORT_PASSWORD).ok();
    assert_eq!(failed_attempts(&env, "support"), 0);
    let current = hash_of(&env, "support");
    assert_ne!(current, original);
    // Five wrong in a row lock.
    for i in 1..=4 {
        attempt("wrong-password-0000").code(4).error_line("");
        assert_eq!(failed_attempts(&env, "support"), i);
        assert!(!is_locked(&env, "support"), "locked after {i}");
    }
    let fifth = attempt("wrong-password-0000");
    fifth.code(4).error_line("locked");
    assert!(is_locked(&env, "support"));
    assert_eq!(audit_rows(&env, "operator_passwd", "denied", "support"), 6);
    // Locked: even the right password is refused, and audited.
    let locked = attempt(NEW_PASSWORD);
    locked.code(4).error_line("locked");
    assert_eq!(hash_of(&env, "support"), current);
    assert_eq!(audit_rows(&env, "operator_passwd", "denied", "support"), 7);
    // The lock is about 15 minutes and shows in the list.
    let list = env.run(&["operator", "list", "-o", "json"]).json();
    let row = list
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["username"] == "support")
        .unwrap()
        .clone();
    let until = row["locked_until"].as_str().expect("locked_until set");
    assert!(is_rfc3339_utc(until), "{until}");
    let minutes = env
        .scalar(match env.backend {
            Backend::Sqlite => {
                "SELECT CAST((julianday(locked_until) - julianday('now')) * 1440 AS BIGINT) AS v FROM operators WHERE username = 'support'"
            }
            Backend::Postgres => {
                "SELECT CAST(EXTRACT(EPOCH FROM (locked_until - (now() AT TIME ZONE 'UTC'))) / 60 AS BIGINT) AS v FROM operators WHERE username = 'support'"
            }
        })
        .unwrap();
    assert!((13..=15).contains(&minutes), "locked for {minutes} minutes");
    // An admin unlocks.
    env.cmd()
        .args(&[
            "--reason",
            "verified by phone",
            "operator",
            "unlock",
            "support",
            "--password-stdin",
        ])
        .stdin(&admin_stdin(&[]))
        .run()
        .ok();
    assert!(!is_locked(&env, "support"));
    assert_eq!(failed_attempts(&env, "support"), 0);
    assert_eq!(
        env.count(
            "audit_log",
            "action = 'operator_unlock' AND outcome = 'ok' AND operator = 'admin' AND reason = 'verified by phone'"
        ),
        1
    );
    let list = env.run(&["operator", "list", "-o", "json"]).json();
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["username"] == "support")
        .unwrap()["locked_until"]
        .is_null());
    // And the right password works again.
    attempt(NEW_PASSWORD).ok();
    assert_ne!(hash_of(&env, "support"), current);
});

// ---------------------------------------------------------------- hostile names

const HOSTILE: &str = "evil\u{1b}]0;pwned\u{7}\u{9b}31m\u{202e}x";

db_test!(hostile_operator_names_are_rendered_harmless, |env| {
    env.init_db(0);
    env.exec(&format!(
        "INSERT INTO operators (username, role, password_hash, is_active, failed_attempts, created_at) \
         VALUES ({}, 'support', 'x', {}, 0, '2025-01-01 00:00:00')",
        quote(HOSTILE),
        env.bool_sql(true)
    ));
    let raw = ['\u{1b}', '\u{7}', '\u{9b}', '\u{202e}'];

    let table = env.run(&["operator", "list"]);
    table.ok();
    for c in raw {
        assert!(
            !table.stdout.contains(c),
            "raw U+{:04X} in the table: {:?}",
            c as u32,
            table.stdout
        );
    }
    // Still recognisable: the visible parts are there.
    assert!(table.stdout.contains("evil"), "{}", table.stdout);
    assert!(table.stdout.contains("pwned"), "{}", table.stdout);

    let json = env.run(&["operator", "list", "-o", "json"]);
    json.ok();
    for c in raw {
        assert!(
            !json.stdout.contains(c),
            "raw U+{:04X} in the JSON: {:?}",
            c as u32,
            json.stdout
        );
    }
    let names: Vec<String> = json
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["username"].as_str().unwrap().to_string())
        .collect();
    assert!(names.contains(&HOSTILE.to_string()), "{names:?}");

    // The same name given as the acting operator: the error is escaped too.
    let unknown = format!("{HOSTILE}-ghost");
    let run = env.run(&["--operator", &unknown, "list"]);
    run.code(4).error_line("evil");
    for c in raw {
        assert!(!run.stderr.contains(c), "raw U+{:04X} on stderr", c as u32);
    }
    assert_eq!(
        env.count(
            "operators",
            &format!(
                "username = {} AND is_active = {}",
                quote(HOSTILE),
                env.bool_sql(true)
            )
        ),
        1
    );
});

db_test!(hostile_operator_name_in_argv_is_not_echoed_raw, |env| {
    env.init_db(0);
    let raw = ['\u{1b}', '\u{7}', '\u{9b}', '\u{202e}'];
    // An invalid target name is refused (exit 2) before anything is looked
    // up; the refusal must not replay its control characters on stderr.
    for args in [
        &["operator", "deactivate", HOSTILE][..],
        &[
            "operator",
            "add",
            HOSTILE,
            "--role",
            "support",
            "--password-stdin",
        ],
        &["operator", "set-role", HOSTILE, "admin"],
    ] {
        let run = env.run(args);
        run.code(2).error_line("evil");
        for c in raw {
            assert!(
                !run.stderr.contains(c),
                "{:?}: raw U+{:04X} on stderr: {:?}",
                args[1],
                c as u32,
                run.stderr
            );
        }
    }
    assert_eq!(env.count("operators", ""), 1);
});

db_test!(
    weak_hash_is_upgraded_on_the_next_successful_verification,
    |env| {
        use argon2::password_hash::{
            rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
        };
        env.init_db(0);
        // An Argon2id hash below the policy (m=1024, t=1), as an older tool might have left.
        let weak_params = argon2::Params::new(1024, 1, 1, None).expect("params");
        let weak = argon2::Argon2::new(
            argon2::Algorithm::Argon2id,
            argon2::Version::V0x13,
            weak_params,
        )
        .hash_password(ADMIN_PASSWORD.as_bytes(), &SaltString::generate(&mut OsRng))
        .expect("hash")
        .to_string();
        env.exec(&format!(
            "UPDATE operators SET password_hash = {} WHERE username = 'admin'",
            quote(&weak)
        ));
        let id = env.insert_customer("Ann Lee", "ann@example.com");
        env.cmd()
            .args(&["purge", &id.to_string(), "--password-stdin"])
            .stdin(&format!("{ADMIN_PASSWORD}\n"))
            .run()
            .ok();
        let stored = env.texts("SELECT password_hash AS v FROM operators WHERE username = 'admin'");
        let stored = stored[0].clone().expect("hash");
        assert_ne!(stored, weak, "the weak hash was kept");
        assert!(
            stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{stored}"
        );
        let parsed = PasswordHash::new(&stored).expect("PHC string");
        assert!(argon2::Argon2::default()
            .verify_password(ADMIN_PASSWORD.as_bytes(), &parsed)
            .is_ok());
    }
);

db_test!(
    absurd_argon2_parameters_are_refused_before_verifying,
    |env| {
        env.init_db(0);
        let real = env.texts("SELECT password_hash AS v FROM operators WHERE username = 'admin'")
            [0]
        .clone()
        .unwrap();
        let tail = real.rsplit_once('$').unwrap().1.to_string();
        let salt = real.split('$').nth(4).unwrap().to_string();
        let id = env.insert_customer("One", "one@example.com").to_string();
        for params in [
            "m=4194304,t=2,p=1",
            "m=19456,t=4294967295,p=1",
            "m=19456,t=2,p=16777215",
            "m=262145,t=2,p=1",
        ] {
            let hash = format!("$argon2id$v=19${params}${salt}${tail}");
            env.exec(&format!(
                "UPDATE operators SET password_hash = {} WHERE username = 'admin'",
                quote(&hash)
            ));
            let cmd = env.cmd().args(&["purge", &id, "--password-stdin"]).cmd;
            let base = own_rss_kib();
            let m = run_bounded(
                cmd,
                Some(format!("{ADMIN_PASSWORD}\n").into_bytes()),
                Duration::from_secs(30),
            );
            m.run.code(6).error_line("Argon2 parameters");
            assert!(
                m.max_rss_kib < base + RSS_ALLOWANCE_KIB,
                "{params}: peak RSS {} KiB (test process {base} KiB)",
                m.max_rss_kib
            );
            assert_eq!(env.count("customers", &format!("id = {id}")), 1);
            assert_eq!(
            env.scalar("SELECT CAST(failed_attempts AS BIGINT) AS v FROM operators WHERE username = 'admin'"),
            Some(0),
            "{params}: counted as a wrong password"
        );
        }
    }
);

// ---------------------------------------------------------------- admin changes confirm the admin's password

/// Every admin change but `list` and one's own `passwd`, as (args without
/// `--password-stdin`, further stdin lines after the admin's password,
/// audit action). `target` is a support operator, not locked, unbound.
fn admin_changes() -> Vec<(Vec<&'static str>, Vec<&'static str>, &'static str)> {
    vec![
        (
            vec!["operator", "add", "newbie", "--role", "support"],
            vec!["newbie-password-0123"],
            "operator_add",
        ),
        (
            vec!["operator", "unlock", "target"],
            vec![],
            "operator_unlock",
        ),
        (
            vec!["operator", "set-role", "target", "admin"],
            vec![],
            "operator_set_role",
        ),
        (
            vec!["operator", "passwd", "target"],
            vec!["target-password-4567"],
            "operator_passwd",
        ),
        (
            vec!["operator", "deactivate", "target"],
            vec![],
            "operator_deactivate",
        ),
        (
            vec!["operator", "activate", "target"],
            vec![],
            "operator_activate",
        ),
        (
            vec!["operator", "bind", "target", "target-login"],
            vec![],
            "operator_bind",
        ),
        (
            vec!["operator", "unbind", "target"],
            vec![],
            "operator_unbind",
        ),
    ]
}

db_test!(every_admin_change_confirms_the_admins_password, |env| {
    env.init_db(0);
    add_operator(&env, "target", "support", "target-password-0123");
    let wrong = "wrong-admin-password-9";
    // Without --password-stdin and without a terminal: exit 2 at once, for
    // every one of them, nothing written.
    let before = operators_snapshot(&env);
    let audit_before = env.count("audit_log", "");
    for (args, _, _) in admin_changes() {
        env.run(&args).code(2).error_line("--password-stdin");
    }
    assert_eq!(operators_snapshot(&env), before);
    assert_eq!(env.count("audit_log", ""), audit_before);

    // A wrong password: exit 4, a denied row, the count goes up, nothing changes.
    for (i, (args, then, action)) in admin_changes().into_iter().enumerate() {
        // Four at most in a row: the fifth would lock (tested below).
        if i % 4 == 0 {
            env.exec("UPDATE operators SET failed_attempts = 0 WHERE username = 'admin'");
        }
        let before = operators_snapshot(&env);
        let denied = audit_rows(&env, action, "denied", "admin");
        let run = change_as(&env, "admin", wrong, &args, &then);
        run.code(4).error_line("wrong password");
        assert!(run.stdout.is_empty(), "{args:?}: {}", run.stdout);
        assert_eq!(
            audit_rows(&env, action, "denied", "admin"),
            denied + 1,
            "{args:?}"
        );
        let after = operators_snapshot(&env);
        // Only the admin's failed-attempt count moved.
        assert_eq!(
            failed_attempts(&env, "admin"),
            (i % 4 + 1) as i64,
            "{args:?}"
        );
        assert_eq!(after.len(), before.len(), "{args:?}");
        assert_eq!(after[1..], before[1..], "{args:?} changed another operator");
        assert_eq!(env.count("operators", "username = 'newbie'"), 0);
        for d in env
            .texts("SELECT details AS v FROM audit_log")
            .into_iter()
            .flatten()
        {
            assert!(!d.contains(wrong), "{d}");
        }
    }
    // The right password: each one does its change (one ok row each), and
    // resets the count.
    env.exec("UPDATE operators SET failed_attempts = 2 WHERE username = 'target'");
    for (args, then, action) in admin_changes() {
        let ok_rows = audit_rows(&env, action, "ok", "admin");
        let run = change_as(&env, "admin", ADMIN_PASSWORD, &args, &then);
        run.ok();
        assert_eq!(failed_attempts(&env, "admin"), 0);
        assert_eq!(
            audit_rows(&env, action, "ok", "admin"),
            ok_rows + 1,
            "{args:?}"
        );
    }
    assert_eq!(
        env.count("operators", "username = 'newbie' AND role = 'support'"),
        1
    );
    // The two-line forms stored the second line as the new password: both
    // now confirm their own password changes with it.
    for (who, pw) in [
        ("newbie", "newbie-password-0123"),
        ("target", "target-password-4567"),
    ] {
        env.cmd()
            .env("CUSTADM_OPERATOR", who)
            .args(&["operator", "passwd", "--password-stdin"])
            .stdin(&format!("{pw}\n{NEW_PASSWORD}\n"))
            .run()
            .ok();
    }
    assert_eq!(
        env.count(
            "operators",
            "username = 'target' AND role = 'admin' AND os_user IS NULL AND failed_attempts = 0"
        ),
        1
    );
});

db_test!(
    five_wrong_admin_confirmations_lock_every_admin_change,
    |env| {
        env.init_db(0);
        add_operator(&env, "admin2", "admin", "admin2-password-0123");
        add_operator(&env, "target", "support", "target-password-0123");
        let changes = admin_changes();
        for i in 0..5 {
            let (args, then, _) = &changes[i % changes.len()];
            change_as(&env, "admin", "wrong-admin-password-9", args, then).code(4);
        }
        assert!(is_locked(&env, "admin"));
        // Locked: the right password is refused too, for every admin change and
        // for purge, each with a denied row.
        let id = env.insert_customer("Kept Safe", "kept@example.com");
        let before = operators_snapshot(&env);
        for (args, then, action) in admin_changes() {
            let denied = audit_rows(&env, action, "denied", "admin");
            change_as(&env, "admin", ADMIN_PASSWORD, &args, &then)
                .code(4)
                .error_line("locked");
            assert_eq!(audit_rows(&env, action, "denied", "admin"), denied + 1);
        }
        change_as(
            &env,
            "admin",
            ADMIN_PASSWORD,
            &["purge", &id.to_string()],
            &[],
        )
        .code(4)
        .error_line("locked");
        assert_eq!(env.count("customers", &format!("id = {id}")), 1);
        assert_eq!(operators_snapshot(&env), before);
        // It cannot unlock itself (exit 4, denied, before any password is asked) …
        let denied = audit_rows(&env, "operator_unlock", "denied", "admin");
        let own = env.run(&["operator", "unlock", "admin"]);
        own.code(4).error_line("cannot unlock itself");
        assert_eq!(
            audit_rows(&env, "operator_unlock", "denied", "admin"),
            denied + 1
        );
        assert!(is_locked(&env, "admin"));
        // … another admin can.
        change_as(
            &env,
            "admin2",
            "admin2-password-0123",
            &["operator", "unlock", "admin"],
            &[],
        )
        .ok();
        assert!(!is_locked(&env, "admin"));
        change_as(
            &env,
            "admin",
            ADMIN_PASSWORD,
            &["purge", &id.to_string()],
            &[],
        )
        .ok();
    }
);

db_test!(an_unlocked_admin_cannot_unlock_itself_either, |env| {
    env.init_db(0);
    // One wrong password: counted, not locked. Clearing one's own count is
    // unlocking oneself too.
    change_as(
        &env,
        "admin",
        "wrong-admin-password-9",
        &["operator", "deactivate", "admin"],
        &[],
    )
    .code(4);
    assert_eq!(failed_attempts(&env, "admin"), 1);
    change_as(
        &env,
        "admin",
        ADMIN_PASSWORD,
        &["operator", "unlock", "admin"],
        &[],
    )
    .code(4)
    .error_line("cannot unlock itself");
    assert_eq!(failed_attempts(&env, "admin"), 1);
    assert_eq!(audit_rows(&env, "operator_unlock", "ok", "admin"), 0);
});

// ---------------------------------------------------------------- prompts on a terminal

#[test]
fn admin_changes_ask_the_admins_password_on_the_terminal() {
    let env = Env::sqlite();
    env.init_db(0);
    // add: the admin's password, then the new operator's twice.
    let mut s = env.pty(&[
        "operator",
        "add",
        "alice",
        "--role",
        "support",
        "--os-user",
        "alice",
    ]);
    let mut seen = s
        .exp_string("Password of admin to confirm: ")
        .expect("the admin's prompt");
    s.send_line(ADMIN_PASSWORD).expect("type");
    seen += &s
        .exp_string("Password for alice: ")
        .expect("alice's prompt");
    s.send_line(SUPPORT_PASSWORD).expect("type");
    seen += &s.exp_string("Repeat the password: ").expect("repeat");
    s.send_line(SUPPORT_PASSWORD).expect("type");
    seen += &s.exp_eof().expect("custadm finishes");
    assert_eq!(exit_code(&s), 0, "{seen}");
    assert!(
        !seen.contains(ADMIN_PASSWORD) && !seen.contains(SUPPORT_PASSWORD),
        "{seen}"
    );
    assert!(seen.contains("Added operator 'alice'"), "{seen}");
    assert_eq!(
        env.count("operators", "username = 'alice' AND os_user = 'alice'"),
        1
    );
    // set-role: the admin's password once.
    let mut s = env.pty(&["operator", "set-role", "alice", "admin"]);
    s.exp_string("Password of admin to confirm: ")
        .expect("prompt");
    s.send_line(ADMIN_PASSWORD).expect("type");
    let rest = s.exp_eof().expect("custadm finishes");
    assert_eq!(exit_code(&s), 0, "{rest}");
    assert_eq!(
        env.count("operators", "username = 'alice' AND role = 'admin'"),
        1
    );
    // passwd NAME: the admin's password, then alice's new one twice.
    let before = hash_of(&env, "alice");
    let mut s = env.pty(&["operator", "passwd", "alice"]);
    s.exp_string("Password of admin to confirm: ")
        .expect("prompt");
    s.send_line(ADMIN_PASSWORD).expect("type");
    s.exp_string("New password for alice: ").expect("new");
    s.send_line(NEW_PASSWORD).expect("type");
    s.exp_string("Repeat the password: ").expect("repeat");
    s.send_line(NEW_PASSWORD).expect("type");
    let rest = s.exp_eof().expect("custadm finishes");
    assert_eq!(exit_code(&s), 0, "{rest}");
    assert_ne!(hash_of(&env, "alice"), before);
    // A wrong admin password: exit 4, and the new operator's password is never asked.
    let mut s = env.pty(&["operator", "add", "bob", "--role", "admin"]);
    s.exp_string("Password of admin to confirm: ")
        .expect("prompt");
    s.send_line("wrong-admin-password-9").expect("type");
    let rest = s.exp_eof().expect("custadm finishes");
    assert_eq!(exit_code(&s), 4, "{rest}");
    assert!(rest.contains("wrong password"), "{rest}");
    assert!(!rest.contains("Password for bob"), "{rest}");
    assert_eq!(env.count("operators", "username = 'bob'"), 0);
    assert_eq!(failed_attempts(&env, "admin"), 1);
}

#[test]
fn support_is_refused_on_the_terminal_without_being_asked() {
    let env = Env::sqlite();
    env.init_db(0).add_support();
    add_operator(&env, "carol", "support", "carol-password-0123");
    for args in [
        &["operator", "deactivate", "carol"][..],
        &["operator", "add", "mallory", "--role", "admin"],
        &["operator", "bind", "carol", "carol"],
        &["purge", "1"],
    ] {
        let mut s = env.pty_as("support", args);
        let out = s.exp_eof().expect("custadm finishes without input");
        assert_eq!(exit_code(&s), 4, "{args:?}: {out}");
        assert!(!out.contains("Password"), "{args:?} asked: {out}");
        assert!(out.contains("needs the admin role"), "{args:?}: {out}");
    }
}

// ---------------------------------------------------------------- names

db_test!(
    new_operator_names_follow_the_rule_old_ones_keep_working,
    |env| {
        env.init_db(0);
        let sixty_four = format!("a{}", "b".repeat(63));
        for good in ["alice", "a", "0ps", "j.doe_2-x", sixty_four.as_str()] {
            env.add_operator(good, "support", SUPPORT_PASSWORD);
        }
        let before = operators_snapshot(&env);
        let sixty_five = format!("a{}", "b".repeat(64));
        for bad in [
            "\u{0430}lice", // Cyrillic а
            "Alice",
            "al ice",
            ".alice",
            "-alice",
            "_alice",
            "alice@corp",
            "ali\u{301}ce",
            sixty_five.as_str(),
        ] {
            let run = env.admin_change(
                &["operator", "add", bad, "--role", "support"],
                &[NEW_PASSWORD],
            );
            // A leading '-' is taken for a flag by the parser: exit 2 all the same.
            let needle = if bad.starts_with('-') {
                ""
            } else {
                "operator name"
            };
            run.code(2).error_line(needle);
        }
        // init --admin follows the same rule (on a fresh database).
        let fresh = Env::sqlite();
        fresh
            .cmd()
            .args(&["init", "--admin", "\u{0430}dmin", "--password-stdin"])
            .stdin(&format!("{ADMIN_PASSWORD}\n"))
            .run()
            .code(2)
            .error_line("operator name");
        assert!(!std::path::Path::new(&fresh.url).exists());
        assert_eq!(operators_snapshot(&env), before);
        // A name from before the rule, written by an older version: it acts, and
        // it can be managed.
        env.exec(&format!(
        "INSERT INTO operators (username, role, password_hash, is_active, failed_attempts, created_at) \
         VALUES ('Legacy.Admin@corp', 'admin', {}, {}, 0, '2025-01-01 00:00:00')",
        quote(&hash_of(&env, "admin")),
        env.bool_sql(true)
    ));
        change_as(
            &env,
            "Legacy.Admin@corp",
            ADMIN_PASSWORD,
            &["operator", "set-role", "alice", "admin"],
            &[],
        )
        .ok();
        env.admin_change(
            &["operator", "set-role", "Legacy.Admin@corp", "support"],
            &[],
        )
        .ok();
        env.admin_change(&["operator", "bind", "Legacy.Admin@corp", "legacy"], &[])
            .ok();
        assert_eq!(
            env.count(
                "operators",
                "username = 'Legacy.Admin@corp' AND role = 'support' AND os_user = 'legacy'"
            ),
            1
        );
    }
);
