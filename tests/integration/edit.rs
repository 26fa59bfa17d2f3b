//! `custadm edit`: names, emails and phones validated and normalised (phones by
//! libphonenumber, invisible characters refused, emails folded so that two
//! differing only in case clash on both backends), the audit row with old and
//! new values, no-ops, and deleted customers refused.

use serde_json::json;

use crate::db_test;
use crate::support::*;

db_test!(edit_rejects_invalid_values_and_writes_nothing, |env| {
    env.init_db(0);
    let id = env.insert_customer("Ann Lee", "ann@example.com");
    env.run(&["edit", &id.to_string(), "--phone", "+14155550123"])
        .ok();
    let before = snapshot(&env, id);
    let audit_before = env.count("audit_log", "");
    let long_total = format!(
        "{}@{}.{}.{}",
        "a".repeat(64),
        "b".repeat(63),
        "c".repeat(63),
        "d".repeat(62)
    );
    assert_eq!(long_total.chars().count(), 255);
    let cases: Vec<(&str, String, &str)> = vec![
        ("--name", "".into(), "name:"),
        ("--name", "   ".into(), "name:"),
        ("--name", "a".repeat(151), "name:"),
        ("--name", "Bell\u{7}Name".into(), "name:"),
        ("--name", "Esc\u{1b}[2JName".into(), "name:"),
        ("--name", "Csi\u{9b}1mName".into(), "name:"),
        ("--name", "Bidi\u{202e}Name".into(), "name:"),
        ("--name", "Isolate\u{2066}Name".into(), "name:"),
        ("--name", "Del\u{7f}Name".into(), "name:"),
        ("--email", "no-at.example.com".into(), "email:"),
        ("--email", "two@at@example.com".into(), "email:"),
        ("--email", "ann@localhost".into(), "email:"),
        ("--email", "ann lee@example.com".into(), "email:"),
        ("--email", "ann@exa mple.com".into(), "email:"),
        ("--email", "\"ann\"@example.com".into(), "email:"),
        ("--email", "ann'o@example.com".into(), "email:"),
        (
            "--email",
            format!("{}@example.com", "a".repeat(65)),
            "email:",
        ),
        ("--email", long_total, "email:"),
        ("--email", "ann\u{1b}@example.com".into(), "email:"),
        ("--phone", "4155550123".into(), "phone:"),
        ("--phone", "+0123456789".into(), "phone:"),
        ("--phone", "+123456".into(), "phone:"),
        ("--phone", "+1234567890123456".into(), "phone:"),
        ("--phone", "+1 415 CALL NOW".into(), "phone:"),
        // Right shape, but no numbering plan has it (libphonenumber's metadata).
        ("--phone", "+1 555 010 1234".into(), "numbering plan"),
        ("--phone", "+1726468169".into(), "too short for US"),
        ("--phone", "+44 20 79".into(), "too short for GB"),
        ("--phone", "+999 1234 5678".into(), "calling code"),
        ("--phone", "+44 20 7946 0958 ext 12".into(), "phone:"),
    ];
    for (flag, value, field) in &cases {
        let r = env.run(&["edit", &id.to_string(), flag, value]);
        assert_eq!(
            r.code, 2,
            "{flag} {value:?} was accepted\nstdout: {}\nstderr: {}",
            r.stdout, r.stderr
        );
        r.error_line(field);
        assert!(r.stdout.is_empty(), "{flag} {value:?}: {}", r.stdout);
        assert_eq!(snapshot(&env, id), before, "{flag} {value:?} wrote");
    }
    // A valid field next to an invalid one is not written either.
    let r = env.run(&[
        "edit",
        &id.to_string(),
        "--name",
        "Perfectly Valid",
        "--email",
        "broken",
    ]);
    r.code(2).error_line("email:");
    // No field at all is a usage error.
    env.run(&["edit", &id.to_string()]).code(2);
    assert_eq!(snapshot(&env, id), before);
    assert_eq!(
        env.count("audit_log", ""),
        audit_before,
        "audit rows written"
    );
});

fn email(env: &Env, id: i64) -> String {
    text(
        env,
        &format!("SELECT email AS v FROM customers WHERE id = {id}"),
    )
    .expect("customer exists")
}

fn phone(env: &Env, id: i64) -> Option<String> {
    text(
        env,
        &format!("SELECT phone AS v FROM customers WHERE id = {id}"),
    )
}

db_test!(edit_normalises_and_audits_old_and_new, |env| {
    env.init_db(0);
    let id = env.insert_customer("Ann Lee", "ann@example.com");
    let r = env.run(&[
        "edit",
        &id.to_string(),
        "--name",
        "  Jose\u{301} Lee  ",
        "--email",
        "Ann.Lee@Example.COM",
        "--phone",
        "+1 (415) 555-0123",
        "-o",
        "json",
    ]);
    r.ok();
    let result = single_result(&r.json(), "edit", id, "changed");
    assert_eq!(full_name(&env, id), "Jos\u{e9} Lee");
    assert_eq!(email(&env, id), "ann.lee@example.com");
    assert_eq!(phone(&env, id).as_deref(), Some("+14155550123"));
    let expected = json!({
        "full_name": {"old": "Ann Lee", "new": "Jos\u{e9} Lee"},
        "email": {"old": "ann@example.com", "new": "ann.lee@example.com"},
        "phone": {"old": null, "new": "+14155550123"},
    });
    assert_eq!(result["changes"], expected);
    assert_eq!(
        audit_details(&env, id, "edit"),
        vec![json!({ "changes": expected })]
    );
    assert_ne!(
        snapshot(&env, id).unwrap_or_default().rsplit('|').next(),
        Some("2025-01-01 00:00:00"),
        "updated_at not bumped"
    );

    // Only what changed is recorded; the table shows old → new.
    let r = env.run(&[
        "edit",
        &id.to_string(),
        "--email",
        "ann.lee@example.com",
        "--phone",
        "+44 20 7946 0958",
    ]);
    r.ok();
    assert!(r.stdout.contains("+14155550123"), "{}", r.stdout);
    assert!(r.stdout.contains("+442079460958"), "{}", r.stdout);
    assert_eq!(
        audit_details(&env, id, "edit")[1],
        json!({"changes": {"phone": {"old": "+14155550123", "new": "+442079460958"}}})
    );

    // --clear-phone.
    env.run(&["edit", &id.to_string(), "--clear-phone"]).ok();
    assert_eq!(phone(&env, id), None);
    assert_eq!(
        audit_details(&env, id, "edit")[2],
        json!({"changes": {"phone": {"old": "+442079460958", "new": null}}})
    );

    // The limits themselves are accepted: 150 characters, 254-character email.
    let name150 = "N".repeat(150);
    env.run(&["edit", &id.to_string(), "--name", &name150]).ok();
    assert_eq!(full_name(&env, id), name150);
    let email254 = format!(
        "{}@{}.{}.{}",
        "a".repeat(64),
        "b".repeat(63),
        "c".repeat(63),
        "d".repeat(61)
    );
    env.run(&["edit", &id.to_string(), "--email", &email254])
        .ok();
    assert_eq!(email(&env, id), email254);
    // --reason is stored with the change.
    env.run(&[
        "edit",
        &id.to_string(),
        "--name",
        "Ann Lee",
        "--reason",
        "T-1",
    ])
    .ok();
    assert_eq!(
        text(
            &env,
            &format!(
                "SELECT reason AS v FROM audit_log WHERE customer_id = {id} AND action = 'edit' ORDER BY id DESC"
            )
        )
        .as_deref(),
        Some("T-1")
    );
    assert_eq!(audit_ok(&env, id, "edit"), 6);
});

db_test!(edit_noop_is_unchanged_without_audit_row, |env| {
    env.init_db(0);
    let id = env.insert_customer("Ann Lee", "ann@example.com");
    let before = snapshot(&env, id);
    let r = env.run(&[
        "edit",
        &id.to_string(),
        "--name",
        "  Ann Lee ",
        "--email",
        "ANN@example.com",
        "--clear-phone",
        "-o",
        "json",
    ]);
    r.ok();
    single_result(&r.json(), "edit", id, "unchanged");
    assert_eq!(snapshot(&env, id), before);
    assert_eq!(env.count("audit_log", "action = 'edit'"), 0);
});

db_test!(edit_refuses_email_of_another_customer, |env| {
    env.init_db(0);
    let id = env.insert_customer("Ann Lee", "ann@example.com");
    env.insert_customer("Secret Other", "taken@example.com");
    // Written by another program with capitals: still the same address.
    env.insert_customer("Hidden Person", "Mixed@Example.com");
    let before = snapshot(&env, id);
    for wanted in [
        "taken@example.com",
        "TAKEN@Example.com",
        "mixed@example.com",
    ] {
        let r = env.run(&["edit", &id.to_string(), "--email", wanted]);
        r.code(5);
        r.error_line("already used");
        assert!(
            !r.stderr.contains("Secret Other") && !r.stderr.contains("Hidden Person"),
            "clash message leaks the other customer: {}",
            r.stderr
        );
        assert_eq!(snapshot(&env, id), before, "{wanted}");
    }
    // In JSON the clash is a refused result; a name change in the same edit is not kept.
    let r = env.run(&[
        "edit",
        &id.to_string(),
        "--name",
        "New Name",
        "--email",
        "taken@example.com",
        "-o",
        "json",
    ]);
    r.code(5);
    single_result(&r.json(), "edit", id, "refused");
    assert_eq!(snapshot(&env, id), before);
    assert_eq!(env.count("audit_log", "action = 'edit'"), 0);
    assert_eq!(
        env.count("customers", "lower(email) = 'taken@example.com'"),
        1
    );
    // Unknown customer.
    env.run(&["edit", &(id + 100).to_string(), "--name", "X"])
        .code(3);
});

// "Unique case-insensitively" holds beyond ASCII and the same on both
// backends: a row written by another program as JOSÉ@… is the address
// josé@… that custadm would store.
db_test!(edit_refuses_email_differing_in_non_ascii_case, |env| {
    env.init_db(0);
    let id = env.insert_customer("Ann Lee", "ann@example.com");
    env.insert_customer("Jose Upper", "JOS\u{c9}@example.com");
    let before = snapshot(&env, id);
    let r = env.run(&["edit", &id.to_string(), "--email", "jos\u{e9}@example.com"]);
    r.code(5).error_line("already used");
    assert_eq!(snapshot(&env, id), before);
    assert_eq!(env.count("audit_log", "action = 'edit'"), 0);
});

db_test!(edit_refuses_deleted_customer, |env| {
    env.init_db(0);
    let id = env.insert_customer("Ann Lee", "ann@example.com");
    env.run(&["delete", &id.to_string(), "--yes"]).ok();
    let before = snapshot(&env, id);
    let r = env.run(&["edit", &id.to_string(), "--name", "Zombie"]);
    r.code(5).error_line("restore");
    assert_eq!(snapshot(&env, id), before);
    assert_eq!(env.count("audit_log", "action = 'edit'"), 0);
});

db_test!(phones_follow_libphonenumber_and_the_default_region, |env| {
    env.init_db(0);
    let id = env.insert_customer("Ann Lee", "ann@example.com");
    let edit = |region: Option<&str>, input: &str| {
        let mut cmd = env.cmd().args(&["edit", &id.to_string(), "--phone", input]);
        if let Some(r) = region {
            cmd = cmd.env("CUSTADM_DEFAULT_REGION", r);
        }
        cmd.run()
    };
    // International input in the forms people type, stored E.164; the
    // trunk zero in parentheses is not kept.
    for (input, stored) in [
        ("+44 (0)20 7946 0958", "+442079460958"),
        ("+1 202-555-0143", "+12025550143"),
        ("+49 151 12345678", "+4915112345678"),
    ] {
        edit(None, input).ok();
        assert_eq!(phone(&env, id).as_deref(), Some(stored), "{input}");
    }
    // National input needs a default region, from the environment ...
    edit(None, "030 901820")
        .code(2)
        .error_line("default_region");
    edit(Some("DE"), "030 901820").ok();
    assert_eq!(phone(&env, id).as_deref(), Some("+4930901820"));
    edit(Some("gb"), "020 7946 0958").ok();
    assert_eq!(phone(&env, id).as_deref(), Some("+442079460958"));
    // ... or from the profile; a region nobody has is a usage error.
    edit(Some("XX"), "020 7946 0958")
        .code(2)
        .error_line("ISO 3166");
    let config = env.dir.path().join("config/custadm");
    std::fs::create_dir_all(&config).expect("config dir");
    std::fs::write(
        config.join("config.toml"),
        "[profiles.uk]\ndefault_region = \"GB\"\n",
    )
    .expect("config");
    env.cmd()
        .args(&[
            "--profile",
            "uk",
            "edit",
            &id.to_string(),
            "--phone",
            "07400 123456",
        ])
        .run()
        .ok();
    assert_eq!(phone(&env, id).as_deref(), Some("+447400123456"));
    let show = env
        .cmd()
        .args(&["--profile", "uk", "config", "show", "-o", "json"])
        .run();
    show.ok();
    assert!(show.stdout.contains("default_region"), "{}", show.stdout);
    // A number stored before this validation keeps working, shown as stored
    // (view does not load libphonenumber's metadata: it costs ~0.2 s).
    env.exec(&format!(
        "UPDATE customers SET phone = '+1726468169' WHERE id = {id}"
    ));
    let view = env.run(&["view", &id.to_string()]);
    view.ok();
    assert!(view.stdout.contains("+1726468169"), "{}", view.stdout);
    let json = env.run(&["view", &id.to_string(), "-o", "json"]);
    assert_eq!(json.json()["phone"], "+1726468169");
    env.run(&["list"]).ok();
});

fn escaped(c: char) -> String {
    custadm::text::sanitize(&c.to_string())
}

db_test!(
    invisible_characters_are_refused_in_names_and_shown_in_output,
    |env| {
        env.init_db(0);
        let id = env.insert_customer("Plain Name", "plain@example.com");
        let sid = id.to_string();
        for c in INVISIBLE {
            for name in [
                format!("Ann{c}Lee"),
                format!("{c}Ann Lee"),
                format!("Ann Lee{c}"),
            ] {
                if !name.trim().contains(*c) {
                    continue; // U+2028/9 are white space: trimmed, not stored
                }
                let run = env.run(&["edit", &sid, "--name", &name]);
                run.code(2).error_line("name");
                assert!(
                    !run.stderr.contains(*c),
                    "raw U+{:04X} in the error",
                    *c as u32
                );
            }
        }
        for j in ['\u{200C}', '\u{200D}'] {
            for name in [
                format!("{j}Ann"),
                format!("Ann{j}"),
                format!("Ann {j}Lee"),
                format!("1{j}2"),
            ] {
                env.run(&["edit", &sid, "--name", &name]).code(2);
            }
        }
        assert_eq!(
            env.texts(&format!(
                "SELECT full_name AS v FROM customers WHERE id = {id}"
            )),
            vec![Some("Plain Name".to_string())]
        );
        // Between letters (Persian, Devanagari after a virama) they are allowed.
        for name in ["می\u{200C}خواهم", "क्\u{200D}ष", "Ann\u{200D}Lee"] {
            env.run(&["edit", &sid, "--name", name]).ok();
            let list = env.run(&["list"]);
            list.ok();
            assert!(
                list.stdout.contains(name),
                "{name:?} not shown as is: {}",
                list.stdout
            );
        }

        // Written by another program: shown visibly in every format.
        for c in INVISIBLE.iter().chain(&['\u{200D}']) {
            let name = format!("{c}Eve{c}");
            env.exec(&format!(
                "UPDATE customers SET full_name = {} WHERE id = {id}",
                quote(&name)
            ));
            let shown = escaped(*c);
            assert_ne!(shown, c.to_string());
            for args in [vec!["list"], vec!["view", sid.as_str()]] {
                let run = env.run(&args);
                run.ok();
                assert!(
                    !run.stdout.contains(*c),
                    "{args:?}: raw U+{:04X}",
                    *c as u32
                );
                assert!(
                    run.stdout.contains(&shown),
                    "{args:?}: {shown} missing:\n{}",
                    run.stdout
                );
            }
            let run = env.run(&["-o", "json", "view", &sid]);
            assert!(!run.stdout.contains(*c), "json: raw U+{:04X}", *c as u32);
            assert_eq!(run.json()["full_name"], serde_json::json!(name));
        }
    }
);

db_test!(
    emails_differing_only_in_case_clash_on_both_backends,
    |env| {
        env.init_db(0);
        let a = env.insert_customer("A", "a@example.com");
        let b = env.insert_customer("B", "b@example.com");
        let (sa, sb) = (a.to_string(), b.to_string());
        // (held by A, then tried by B): the same address in other case.
        let pairs = [
            ("ΟΔΥΣΣΕΥΣ@example.com", "οδυσσευς@example.com"),
            ("οδυσσευσ@example.com", "ΟΔΥΣΣΕΥΣ@example.com"),
            ("οδυσσευς@example.com", "οδυσσευσ@example.com"),
            ("\u{212A}ate@example.com", "kate@example.com"),
            ("STRA\u{1E9E}E@example.com", "straße@example.com"),
            ("İlker@example.com", "i\u{307}lker@example.com"),
            ("ſam@example.com", "SAM@example.com"),
            ("µ@example.com", "Μ@example.com"),
        ];
        for (held, tried) in pairs {
            env.run(&["edit", &sa, "--email", held]).ok();
            let run = env.run(&["edit", &sb, "--email", tried]);
            run.code(5);
            let run = env.run(&["edit", &sb, "--email", held]);
            run.code(5);
            assert_eq!(
                env.count("customers", "email = 'b@example.com'"),
                1,
                "{held} / {tried}"
            );
        }
        // Different letters stay different: dotless ı and i, ß and ss.
        for (held, tried) in [
            ("ılker@example.com", "ilker@example.com"),
            ("straße@example.com", "strasse@example.com"),
        ] {
            env.run(&["edit", &sa, "--email", held]).ok();
            env.run(&["edit", &sb, "--email", tried]).ok();
            env.run(&["edit", &sb, "--email", "b@example.com"]).ok();
        }
        // What is stored is the one fold, and it folds to itself.
        env.run(&["edit", &sa, "--email", "ΟΔΥΣΣΕΥΣ@Example.COM"])
            .ok();
        let stored = env.texts(&format!("SELECT email AS v FROM customers WHERE id = {a}"));
        assert_eq!(stored, vec![Some("οδυσσευσ@example.com".to_string())]);
    }
);

/// The DETAILS of the one result row of a changing command's plain table.
fn plain_details(run: &Run) -> String {
    let row = run
        .stdout
        .lines()
        .nth(1)
        .unwrap_or_else(|| panic!("no result row:\n{}", run.stdout));
    row.split_once(" changed ")
        .map(|(_, details)| details.trim().to_string())
        .unwrap_or_else(|| panic!("not a changed row: {row:?}"))
}

// Review of issue 26: a result's changes read as the audit trail reads
// them, values as JSON (a string quoted, a missing value `null`), so
// `"A" → "B"` is told from a flag or a missing phone; a delete names
// `deleted_at` once, in its result and in its audit row.
db_test!(result_details_read_as_json_values_like_audit, |env| {
    env.init_db(0);
    let id = env.insert_customer("Ann Lee", "ann@example.com");
    let ids = id.to_string();
    let r = env.run(&[
        "edit",
        &ids,
        "--name",
        "Ann B",
        "--phone",
        "+49 151 12345678",
    ]);
    r.ok();
    let edited = r#"full_name: "Ann Lee" → "Ann B"; phone: null → "+4915112345678""#;
    assert_eq!(plain_details(&r), edited, "{}", r.stdout);
    let audit = env.run(&["audit", "--customer", &ids, "--action", "edit"]);
    audit.ok();
    assert!(audit.stdout.contains(edited), "{}", audit.stdout);

    let r = env.run(&["toggle", &ids, "--deactivate"]);
    r.ok();
    assert_eq!(plain_details(&r), "is_active: true → false", "{}", r.stdout);

    let r = env.run(&["delete", &ids, "--yes"]);
    r.ok();
    let deleted = plain_details(&r);
    assert!(
        deleted.starts_with("deleted_at: null → \"20")
            && deleted.ends_with("status: \"inactive\" → \"deleted\""),
        "{deleted}"
    );
    assert_eq!(deleted.matches("deleted_at").count(), 1, "{deleted}");
    let audit = env.run(&["audit", "--customer", &ids, "--action", "delete"]);
    audit.ok();
    let row = audit.stdout.lines().nth(1).expect("the delete's row");
    assert_eq!(row.matches("deleted_at").count(), 1, "{row}");
    assert!(row.contains(&deleted), "{row}\n{deleted}");
    // The JSON document carries the same changes.
    let doc = env.run(&["restore", &ids, "--dry-run", "-o", "json"]);
    doc.ok();
    assert_eq!(
        doc.json()["results"][0]["changes"],
        json!({"status": {"old": "deleted", "new": "inactive"}})
    );
    let r = env.run(&["restore", &ids]);
    r.ok();
    assert_eq!(
        plain_details(&r),
        "status: \"deleted\" → \"inactive\"",
        "{}",
        r.stdout
    );
});

db_test!(
    edit_dry_run_writes_nothing_and_from_only_flags_need_from,
    |env| {
        env.init_db(0);
        let id = env.insert_customer("Ann Lee", "ann@example.com");
        env.insert_customer("Bo Tan", "bo@example.com");
        let ids = id.to_string();
        let before = snapshot_all(&env);
        let audit_before = audit_row_count(&env);
        let edits = || env.count("audit_log", "action = 'edit'");
        // A real dry run: the outcome and old → new, nothing stored.
        let r = env.run(&[
            "edit",
            &ids,
            "--name",
            "Ann New",
            "--phone",
            "+44 20 7946 0958",
            "--dry-run",
            "-o",
            "json",
        ]);
        r.ok();
        let doc = r.json();
        assert_eq!(doc["dry_run"], true);
        assert_eq!(doc["summary"], json!({"would_change": 1}), "{doc}");
        let result = &doc["results"][0];
        assert_eq!(result["id"], json!(id));
        assert_eq!(
            result["changes"]["full_name"],
            json!({"old": "Ann Lee", "new": "Ann New"})
        );
        assert_eq!(result["changes"]["phone"]["new"], "+442079460958");
        assert!(r.stderr.contains("dry run"), "{}", r.stderr);
        // Decided as the real edit decides: a taken email is refused, an
        // unknown customer not found, a value already so unchanged.
        env.run(&["edit", &ids, "--email", "BO@example.com", "--dry-run"])
            .code(5)
            .error_line("already used by another customer");
        env.run(&["edit", "nobody@example.com", "--name", "X", "--dry-run"])
            .code(3);
        let r = env.run(&["edit", &ids, "--name", "Ann Lee", "--dry-run", "-o", "json"]);
        r.ok();
        assert_eq!(r.json()["summary"], json!({"unchanged": 1}));
        assert_eq!(snapshot_all(&env), before);
        assert_eq!(edits(), 0);
        // The options of --from alone are refused with an ID (clap waived
        // `requires = "from"` because --from conflicts with ID): exit 2.
        for extra in [
            vec!["--max-changes", "1"],
            vec!["--format", "csv"],
            vec!["--batch-size", "5"],
        ] {
            let mut args = vec!["edit", ids.as_str(), "--name", "Ann Other"];
            args.extend(extra.iter().copied());
            let r = env.run(&args);
            r.code(2);
            assert!(r.stderr.contains(extra[0]), "{extra:?}: {}", r.stderr);
        }
        assert_eq!(snapshot_all(&env), before);
        assert_eq!(edits(), 0);
        // Dry runs and refusals leave only their `run` records.
        assert_eq!(
            audit_row_count(&env) - audit_before,
            env.count("audit_log", "action = 'run'")
        );
    }
);

db_test!(
    edit_by_email_follows_the_email_moved_while_it_waited,
    |env| {
        // Another program moves ann@ from customer A to customer B in a
        // transaction it holds open; custadm, started meanwhile, finds A by the
        // email, then waits for the lock. Once it has the lock, A no longer
        // holds the address: B is the customer the email names.
        env.init_db(0);
        let a = env.insert_customer("Ann Lee", "ann@example.com");
        let b = env.insert_customer("Bo Tan", "bo@example.com");
        let mut other = Other::open(&env);
        other.begin();
        other.exec(&format!(
            "UPDATE customers SET email = 'ann.old@example.com' WHERE id = {a}"
        ));
        other.exec(&format!(
            "UPDATE customers SET email = 'ann@example.com' WHERE id = {b}"
        ));
        let child = env
            .cmd()
            .args(&[
                "edit",
                "ANN@example.com",
                "--name",
                "Named By Email",
                "-o",
                "json",
            ])
            .cmd
            .spawn()
            .expect("spawn custadm");
        wait_for_a_lock_wait(&env, std::time::Duration::from_millis(1500));
        other.exec("COMMIT");
        let r = finish(child);
        r.ok();
        single_result(&r.json(), "edit", b, "changed");
        assert_eq!(full_name(&env, b), "Named By Email");
        assert_eq!(full_name(&env, a), "Ann Lee");
        assert_eq!(audit_per_customer(&env, "edit").get(&a), None);
    }
);
