//! `custadm reset-password` shown on the terminal: a strong temporary password,
//! stored as Argon2id. (Sent by mail: see `mail`; by filter: see `filter_runs`.)

use crate::db_test;
use crate::support::*;

db_test!(
    reset_password_shows_a_strong_one_and_stores_argon2id,
    |env| {
        use argon2::{Argon2, PasswordHash, PasswordVerifier};

        env.init_db(0);
        let id = env.insert_customer("Ann Lee", "ann@example.com");
        let hash_of = |env: &Env| {
            text(
                env,
                &format!("SELECT password_hash AS v FROM customers WHERE id = {id}"),
            )
            .expect("hash")
        };
        let check = |env: &Env, password: &str| {
            assert!(password.chars().count() >= 20, "{password:?} too short");
            assert!(
                !password.contains(['0', 'O', '1', 'l', 'I']),
                "look-alike character in {password:?}"
            );
            assert!(
                password.chars().all(|c| c.is_ascii_graphic()),
                "{password:?}"
            );
            let hash = hash_of(env);
            assert_ne!(hash, password);
            assert!(hash.starts_with("$argon2id$"), "{hash}");
            let parsed = PasswordHash::new(&hash).expect("PHC string");
            assert!(
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok(),
                "stored hash does not verify the shown password"
            );
            assert_eq!(
                env.count(
                    "customers",
                    &format!(
                        "id = {id} AND must_change_password = {}",
                        env.bool_sql(true)
                    )
                ),
                1
            );
            for d in audit_details(env, id, "reset_password") {
                let d = d.to_string();
                assert!(!d.contains(password), "password in audit details: {d}");
                assert!(!d.contains("$argon2"), "hash in audit details: {d}");
            }
        };

        // Table output: the password is on stdout.
        let r = env.run(&["reset-password", &id.to_string()]);
        r.ok();
        let at = r
            .stdout
            .find("temporary password: ")
            .unwrap_or_else(|| panic!("no password shown:\n{}", r.stdout));
        let shown: String = r.stdout[at + "temporary password: ".len()..]
            .chars()
            .take_while(|c| !c.is_whitespace())
            .collect();
        check(&env, &shown);
        assert!(!r.stderr.contains(&shown), "password on stderr");
        assert_eq!(audit_ok(&env, id, "reset_password"), 1);

        // JSON output: results[0].temporary_password, a different one.
        let r = env.run(&["reset-password", &id.to_string(), "-o", "json"]);
        r.ok();
        let res = single_result(&r.json(), "reset_password", id, "changed");
        let second = res["temporary_password"]
            .as_str()
            .expect("temporary_password")
            .to_string();
        check(&env, &second);
        assert_ne!(second, shown);
        assert_eq!(audit_ok(&env, id, "reset_password"), 2);

        // Two ids without --send-email: usage error, nothing written.
        let other = env.insert_customer("Bob Other", "bob@example.com");
        let before = (snapshot(&env, id), snapshot(&env, other));
        env.run(&[
            "reset-password",
            &id.to_string(),
            &other.to_string(),
            "--yes",
        ])
        .code(2);
        assert_eq!((snapshot(&env, id), snapshot(&env, other)), before);

        // Deleted customer: refused.
        env.run(&["delete", &other.to_string(), "--yes"]).ok();
        let before = snapshot(&env, other);
        let r = env.run(&["reset-password", &other.to_string()]);
        r.code(5);
        assert_eq!(snapshot(&env, other), before);
        assert_eq!(audit_ok(&env, other, "reset_password"), 0);
        env.run(&["reset-password", &(other + 10).to_string()])
            .code(3);
    }
);
