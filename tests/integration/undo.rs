//! `custadm undo RUN`: reversing what a toggle, delete, restore or edit run did
//! while it still holds, edits put back to their old values, and runs that
//! cannot be undone.

use serde_json::{json, Value};

use crate::db_test;
use crate::support::*;

db_test!(undo_reverses_only_what_still_holds, |env| {
    env.init_db(0);
    let all: Vec<i64> = (0..5)
        .map(|i| customer(&env, "Dormant", &format!("u{i}@example.com"), 400))
        .collect();
    let run = env.run(&[
        "toggle",
        "--deactivate",
        "--last-login-before",
        "180d",
        "--yes",
        "-o",
        "json",
    ]);
    run.ok();
    let night = run_of(&run);
    // Changed since: one by custadm, one by plain SQL (as the application would).
    env.run(&["toggle", &all[1].to_string(), "--activate"]).ok();
    env.exec(&format!(
        "UPDATE customers SET is_active = {} WHERE id = {}",
        env.bool_sql(true),
        all[3]
    ));
    let before = audit_row_count(&env);
    let dry = env.run(&["undo", &night, "--dry-run", "-o", "json"]);
    dry.code(7);
    assert_eq!(audit_row_count(&env), before);
    assert!(!is_active(&env, all[0]));
    // Without a terminal, more than one customer needs --yes.
    env.run(&["undo", &night]).code(2);
    let undo = env.run(&["undo", &night, "--yes", "-o", "json"]);
    undo.code(7);
    let doc = undo.json();
    // The reverse order of the run (it deactivated them in id order).
    let expected: Vec<(i64, String)> = all
        .iter()
        .rev()
        .map(|&id| {
            let o = if id == all[1] || id == all[3] {
                "refused"
            } else {
                "changed"
            };
            (id, o.to_string())
        })
        .collect();
    assert_eq!(outcomes_in_order(&doc), expected);
    for r in doc["results"].as_array().unwrap() {
        if r["outcome"] == json!("refused") {
            assert!(
                r["message"].as_str().unwrap().contains("changed since"),
                "{r}"
            );
        }
    }
    assert!(all.iter().all(|&id| is_active(&env, id)));
    // Each reversal audited as `undo` with {"undoes": RUN} and its own run id.
    let undo_run = run_of(&undo);
    assert_ne!(undo_run, night);
    let details = env.texts(&format!(
        "SELECT details AS v FROM audit_log WHERE action = 'undo' AND run_id = {}",
        quote(&undo_run)
    ));
    assert_eq!(details.len(), 3);
    for d in details {
        let d: Value = serde_json::from_str(&d.unwrap()).unwrap();
        assert_eq!(d["undoes"], json!(night));
    }
    // Undoing again: everything changed since (exit 5, nothing written).
    let before = audit_row_count(&env);
    env.run(&["undo", &night, "--yes"]).code(5);
    assert_eq!(audit_row_count(&env), before);
});

db_test!(undo_of_an_edit_puts_the_old_values_back, |env| {
    env.init_db(0);
    let id = env.insert_customer("Ann Lee", "ann@example.com");
    env.exec(&format!(
        "UPDATE customers SET phone = '+442079460958' WHERE id = {id}"
    ));
    let edit = env.run(&[
        "edit",
        &id.to_string(),
        "--name",
        "Ann Smith",
        "--email",
        "ann.smith@example.com",
        "--clear-phone",
        "-o",
        "json",
    ]);
    edit.ok();
    let run = run_of(&edit);
    env.run(&["undo", &run, "-o", "json"]).ok();
    let row = env.texts(&format!(
        "SELECT full_name || '|' || email || '|' || COALESCE(phone, '-') AS v FROM customers WHERE id = {id}"
    ));
    assert_eq!(
        row,
        vec![Some("Ann Lee|ann@example.com|+442079460958".into())]
    );
    // Edited again since: refused.
    let edit = env.run(&["edit", &id.to_string(), "--name", "Ann B", "-o", "json"]);
    let run = run_of(&edit);
    env.run(&["edit", &id.to_string(), "--name", "Ann C"]).ok();
    env.run(&["undo", &run, "-o", "json"])
        .code(5)
        .error_line("changed since");
    // The old email taken meanwhile: refused, nothing changed.
    let edit = env.run(&[
        "edit",
        &id.to_string(),
        "--email",
        "ann.new@example.com",
        "-o",
        "json",
    ]);
    let run = run_of(&edit);
    env.insert_customer("Other Ann", "ann@example.com");
    env.run(&["undo", &run])
        .code(5)
        .error_line("used by another customer");
    assert_eq!(
        env.texts(&format!("SELECT email AS v FROM customers WHERE id = {id}")),
        vec![Some("ann.new@example.com".into())]
    );
});

db_test!(undo_of_delete_and_restore_runs, |env| {
    env.init_db(0);
    let a = customer(&env, "A", "a@example.com", 1);
    let b = customer(&env, "B", "b@example.com", 1);
    env.exec(&format!(
        "UPDATE customers SET is_active = {} WHERE id = {b}",
        env.bool_sql(false)
    ));
    let del = env.run(&[
        "delete",
        &a.to_string(),
        &b.to_string(),
        "--yes",
        "-o",
        "json",
    ]);
    del.ok();
    env.run(&["undo", &run_of(&del), "--yes"]).ok();
    assert!(!is_deleted(&env, a) && !is_deleted(&env, b));
    assert!(
        is_active(&env, a) && !is_active(&env, b),
        "back as they were"
    );
    // A restore run, undone: deleted again at the original time.
    env.exec(&format!(
        "UPDATE customers SET deleted_at = '2025-06-01 10:00:00', is_active = {} WHERE id IN ({a}, {b})",
        env.bool_sql(false)
    ));
    let restore = env.run(&[
        "restore",
        &a.to_string(),
        &b.to_string(),
        "--yes",
        "-o",
        "json",
    ]);
    restore.ok();
    // b has an unpaid invoice now: deleting it again is refused.
    env.add_invoice(b, 500);
    let undo = env.run(&["undo", &run_of(&restore), "--yes", "-o", "json"]);
    undo.code(7);
    // The reverse order of the run.
    assert_eq!(
        outcomes_in_order(&undo.json()),
        vec![(b, "refused".to_string()), (a, "changed".to_string())]
    );
    assert_eq!(
        env.texts(&format!(
            "SELECT CAST(deleted_at AS TEXT) AS v FROM customers WHERE id = {a}"
        )),
        vec![Some("2025-06-01 10:00:00".into())]
    );
    assert!(!is_deleted(&env, b));
});

db_test!(runs_that_cannot_be_undone, |env| {
    env.init_db(0);
    let a = customer(&env, "A", "a@example.com", 1);
    let b = customer(&env, "B", "b@example.com", 1);
    let reset = env.run(&["reset-password", &a.to_string(), "-o", "json"]);
    reset.ok();
    let before = audit_row_count(&env);
    env.run(&["undo", &run_of(&reset), "--yes"])
        .code(5)
        .error_line("reset passwords");
    assert_eq!(audit_row_count(&env), before);
    let purge = env
        .cmd()
        .args(&["purge", &b.to_string(), "--password-stdin", "-o", "json"])
        .stdin(&format!("{ADMIN_PASSWORD}\n"))
        .run();
    purge.ok();
    let before_purge_undo = audit_row_count(&env);
    env.run(&["undo", &run_of(&purge), "--yes"])
        .code(5)
        .error_line("purged");
    assert_eq!(audit_row_count(&env), before_purge_undo);
    let t = env.run(&["toggle", &a.to_string(), "--deactivate", "-o", "json"]);
    let u = env.run(&["undo", &run_of(&t), "-o", "json"]);
    u.ok();
    env.run(&["undo", &run_of(&u), "--yes"])
        .code(5)
        .error_line("itself an undo");
    env.run(&["undo", "01ARZ3NDEKTSV4RRFFQ69G5FAV"])
        .code(3)
        .error_line("no run");
    env.run(&["undo", "yesterday"]).code(2);
});

// Finding 11 of the item-9 review: `undo` of a run that changed nothing (an
// `edit --from` whose every row was refused; `runs` lists it) said "no run
// RUN in the audit trail" (exit 3). It names the run, says it changed
// nothing, and is a success that changes nothing (an empty selection,
// contract "Commands"), with its own run record. A run id that names no
// run is still exit 3.
db_test!(undo_of_a_run_that_changed_nothing_says_so, |env| {
    env.init_db(0);
    let a = env.insert_customer("Taken", "taken@example.com");
    let b = env.insert_customer("Other", "other@example.com");
    let path = write_text_file(
        &env,
        "edits.csv",
        &format!("id,new_email\n{a},other@example.com\n{b},taken@example.com\n"),
    );
    let edit = env.run(&["-o", "json", "edit", "--from", &path, "--yes"]);
    assert_eq!(
        summary(&edit.json()),
        counts(&[("refused", 2)]),
        "{}",
        edit.stdout
    );
    let run = run_of(&edit);
    let runs = env.run(&["-o", "json", "runs"]);
    runs.ok();
    assert!(runs.stdout.contains(&run), "{}", runs.stdout);
    let before = snapshot_all(&env).0;
    let undo = env.run(&["-o", "json", "undo", &run, "--yes"]);
    undo.ok();
    assert!(
        undo.stderr.contains(&format!(
            "run {run} (edit) changed nothing, so there is nothing to undo"
        )),
        "{}",
        undo.stderr
    );
    let doc = undo.json();
    assert_eq!(doc["action"], "undo");
    assert_eq!(doc["results"], json!([]));
    let own = doc["run"].as_str().expect("the undo's run id");
    assert_ne!(own, run);
    assert_eq!(snapshot_all(&env).0, before, "nothing changed");
    assert!(env.run(&["-o", "json", "runs"]).stdout.contains(own));
    // A run id no run has is still exit 3.
    env.run(&["undo", "01JDQ5V7X1N3Z8G4M2K6P9R0ST", "--yes"])
        .code(3)
        .error_line("no run 01JDQ5V7X1N3Z8G4M2K6P9R0ST in the audit trail");
});

db_test!(undo_dry_run_predicts_emails_passed_on_by_the_run, |env| {
    // README's two-run swap: run 2 gives a@ to Bo and b@ (which Bo gave
    // up on the line before) to Ann. Undoing run 2 (in id order: Ann
    // first) gives Ann tmp@ back, which frees b@ for Bo: the real undo
    // changes both, so the dry run must say so too.
    env.init_db(0);
    let a = env.insert_customer("Ann", "a@example.com");
    let b = env.insert_customer("Bo", "b@example.com");
    let file = |name: &str, text: String| write_text_file(&env, name, &text);
    let step1 = file("step1.csv", format!("id,new_email\n{a},tmp@example.com\n"));
    env.run(&["edit", "--from", &step1, "--yes"]).ok();
    let step2 = file(
        "step2.csv",
        format!("id,new_email\n{b},a@example.com\n{a},b@example.com\n"),
    );
    let r = env.run(&["edit", "--from", &step2, "--yes", "-o", "json"]);
    r.ok();
    let run = run_of(&r);
    let before = snapshot_all(&env);
    let outcomes = |r: &Run| -> Vec<(i64, String)> { outcomes_in_order(&r.json()) };
    for batch in ["1", "1000"] {
        let dry = env.run(&[
            "undo",
            &run,
            "--dry-run",
            "--batch-size",
            batch,
            "-o",
            "json",
        ]);
        dry.ok();
        assert_eq!(
            outcomes(&dry),
            vec![
                (a, "would_change".to_string()),
                (b, "would_change".to_string())
            ],
            "batch {batch}: {}",
            dry.stdout
        );
    }
    assert_eq!(snapshot_all(&env), before);
    let real = env.run(&["undo", &run, "--yes", "-o", "json"]);
    real.ok();
    assert_eq!(
        outcomes(&real),
        vec![(a, "changed".to_string()), (b, "changed".to_string())]
    );
    let email = |id: i64| {
        text(
            &env,
            &format!("SELECT email AS v FROM customers WHERE id = {id}"),
        )
    };
    assert_eq!(email(a).as_deref(), Some("tmp@example.com"));
    assert_eq!(email(b).as_deref(), Some("b@example.com"));
    // An address another customer took since is not free: refused, in the
    // dry run as in the real undo.
    let c = env.insert_customer("Cy", "c@example.com");
    let d = env.insert_customer("Di", "d@example.com");
    let edits = file("step3.csv", format!("id,new_email\n{c},c2@example.com\n"));
    let r = env.run(&["edit", "--from", &edits, "--yes", "-o", "json"]);
    let run_c = run_of(&r);
    env.run(&["edit", &d.to_string(), "--email", "c@example.com"])
        .ok();
    let dry = env.run(&["undo", &run_c, "--dry-run", "-o", "json"]);
    dry.code(5);
    assert_eq!(outcomes(&dry), vec![(c, "refused".to_string())]);
    let real = env.run(&["undo", &run_c, "--yes", "-o", "json"]);
    real.code(5);
    assert_eq!(outcomes(&real), outcomes(&dry));
});

db_test!(
    undo_gives_emails_back_in_the_reverse_order_of_the_run,
    |env| {
        // Review of issue 27: an edit run that passed emails along a chain
        // (41 took 40's old address, 43 took 41's) was undone in id order:
        // 40 and 41 were refused ("used by another customer now") and the run
        // could never be undone. In the reverse order of the run every address
        // is free again when it is given back, at any batch size.
        env.init_db(0);
        bulk_customers(&env, 45);
        let email = |id: i64| {
            text(
                &env,
                &format!("SELECT email AS v FROM customers WHERE id = {id}"),
            )
            .unwrap_or_default()
        };
        for batch in ["1", "2", "1000"] {
            env.run(&["edit", "40", "--email", "p40@chain.example"])
                .ok();
            env.run(&["edit", "41", "--email", "q41@chain.example"])
                .ok();
            env.run(&["edit", "43", "--email", "r43@chain.example"])
                .ok();
            let path = write_text_file(
                &env,
                "chain.csv",
                "id,new_email\n40,z40@chain.example\n41,p40@chain.example\n43,q41@chain.example\n",
            );
            let r = env.run(&["edit", "--from", &path, "--yes", "-o", "json"]);
            r.ok();
            let run = run_of(&r);
            let before = snapshot_all(&env);
            let dry = env.run(&[
                "undo",
                &run,
                "--dry-run",
                "--batch-size",
                batch,
                "-o",
                "json",
            ]);
            dry.ok();
            assert_eq!(
                outcomes_in_order(&dry.json()),
                vec![
                    (43, "would_change".to_string()),
                    (41, "would_change".to_string()),
                    (40, "would_change".to_string())
                ],
                "batch {batch}"
            );
            assert_eq!(snapshot_all(&env), before);
            let undo = env.run(&["undo", &run, "--yes", "--batch-size", batch, "-o", "json"]);
            undo.ok();
            assert_eq!(
                summary(&undo.json()),
                counts(&[("changed", 3)]),
                "batch {batch}"
            );
            assert_eq!(
                (email(40), email(41), email(43)),
                (
                    "p40@chain.example".to_string(),
                    "q41@chain.example".to_string(),
                    "r43@chain.example".to_string()
                )
            );
            // Undone once: again is exit 5, naming the undo.
            env.run(&["undo", &run, "--yes"])
                .code(5)
                .error_line(&format!("already undone by run {}", run_of(&undo)));
            env.exec(
                "UPDATE customers SET email = 'c' || id || '@example.com' WHERE id IN (40, 41, 43)",
            );
        }
        intact(&env);
    }
);

db_test!(a_second_undo_acts_on_what_the_first_left, |env| {
    // A run is undone once per customer (contract: "undo RUN undoes a run
    // once"); an undo that refused some customers, or was stopped, leaves
    // them to the next one, as running a bulk command again finishes it.
    env.init_db(0);
    bulk_customers(&env, 3);
    let r = env.run(&[
        "toggle",
        "1",
        "2",
        "3",
        "--deactivate",
        "--yes",
        "-o",
        "json",
    ]);
    r.ok();
    let night = run_of(&r);
    env.exec(&format!(
        "UPDATE customers SET is_active = {} WHERE id = 2",
        env.bool_sql(true)
    ));
    let first = env.run(&["undo", &night, "--yes", "-o", "json"]);
    first.code(7);
    assert_eq!(
        outcomes_in_order(&first.json()),
        vec![
            (3, "changed".to_string()),
            (2, "refused".to_string()),
            (1, "changed".to_string())
        ]
    );
    let first_run = run_of(&first);
    // Still changed since: refused again, nothing written (but the run's
    // closing `run` row).
    let audit_before = audit_row_count(&env);
    let again = env.run(&["undo", &night, "--yes", "-o", "json"]);
    again.code(5).error_line("changed since");
    assert_eq!(
        outcomes_in_order(&again.json()),
        vec![(2, "refused".to_string())]
    );
    assert!(
        again.stderr.contains(&format!(
            "was already undone by run {first_run} for 2 of its 3 customers; this undo acts on the 1 left"
        )),
        "{}",
        again.stderr
    );
    assert_eq!(audit_row_count(&env), audit_before);
    // Put back as the run left it: the next undo finishes the job.
    env.exec(&format!(
        "UPDATE customers SET is_active = {} WHERE id = 2",
        env.bool_sql(false)
    ));
    let last = env.run(&["undo", &night, "--yes", "-o", "json"]);
    last.ok();
    assert_eq!(
        outcomes_in_order(&last.json()),
        vec![(2, "changed".to_string())]
    );
    assert!((1..=3).all(|id| is_active(&env, id)));
    assert_eq!(env.count("audit_log", "action = 'undo'"), 3);
    // Every customer undone: exit 5, "already undone", nothing written.
    let audit_before = audit_row_count(&env);
    env.run(&["undo", &night, "--yes"])
        .code(5)
        .error_line(&format!(
            "run {night} was already undone by run {first_run}"
        ));
    assert_eq!(audit_row_count(&env), audit_before);
    intact(&env);
});

db_test!(undo_of_an_edit_restores_field_by_field, |env| {
    // "restores the old values where nobody changed them since" (issue
    // 27): a field changed since is left as it is and said so; the others
    // go back. Refused only when no field can.
    env.init_db(0);
    bulk_customers(&env, 36);
    let path = write_text_file(
        &env,
        "fix.jsonl",
        "{\"id\":33,\"full_name\":\"New 33\",\"phone\":\"+12025550143\"}\n\
         {\"id\":34,\"full_name\":\"New 34\",\"new_email\":\"n34@example.com\"}\n\
         {\"id\":35,\"full_name\":\"New 35\",\"phone\":\"+12025550143\"}\n",
    );
    let r = env.run(&["edit", "--from", &path, "--yes", "-o", "json"]);
    r.ok();
    let run = run_of(&r);
    // Since: 33's phone changed, 34's old address taken by another
    // customer, 35's name and phone both changed.
    env.run(&["edit", "33", "--phone", "+44 20 7946 0958"]).ok();
    env.run(&["edit", "36", "--email", "c34@example.com"]).ok();
    env.run(&[
        "edit",
        "35",
        "--name",
        "Other 35",
        "--phone",
        "+44 20 7946 0958",
    ])
    .ok();
    let before = snapshot_all(&env);
    let dry = env.run(&["undo", &run, "--dry-run", "-o", "json"]);
    assert_eq!(snapshot_all(&env), before);
    let undo = env.run(&["undo", &run, "--yes", "-o", "json"]);
    undo.code(7);
    for doc in [dry.json(), undo.json()] {
        let results = doc["results"].as_array().expect("results").clone();
        let by_id = |id: i64| {
            results
                .iter()
                .find(|r| r["id"] == id)
                .cloned()
                .unwrap_or_else(|| panic!("no result for {id}: {doc}"))
        };
        let r33 = by_id(33);
        assert_ne!(r33["outcome"], "refused", "{r33}");
        assert_eq!(
            keys(&r33["changes"]),
            vec!["full_name".to_string()],
            "{r33}"
        );
        let note = r33["message"].as_str().unwrap_or_default();
        assert!(
            note.contains("undone in part, the rest left as it is: changed since run")
                && note.contains("phone is now +442079460958, the run wrote +12025550143"),
            "{note}"
        );
        let r34 = by_id(34);
        assert_eq!(
            keys(&r34["changes"]),
            vec!["full_name".to_string()],
            "{r34}"
        );
        assert!(
            r34["message"]
                .as_str()
                .unwrap_or_default()
                .contains("email c34@example.com is used by another customer now"),
            "{r34}"
        );
        let r35 = by_id(35);
        assert_eq!(r35["outcome"], "refused", "{r35}");
        let why = r35["message"].as_str().unwrap_or_default();
        assert!(
            why.contains("full_name is now Other 35") && why.contains("phone is now"),
            "{why}"
        );
    }
    let row = |id: i64| {
        text(
            &env,
            &format!("SELECT full_name || '|' || email || '|' || COALESCE(phone, '-') AS v FROM customers WHERE id = {id}"),
        )
        .unwrap_or_default()
    };
    assert_eq!(row(33), "Customer 33|c33@example.com|+442079460958");
    assert_eq!(row(34), "Customer 34|n34@example.com|-");
    assert_eq!(row(35), "Other 35|c35@example.com|+442079460958");
    // The undo's audit rows hold what it put back, nothing else.
    let details = audit_details(&env, 33, "undo");
    assert_eq!(details.len(), 1);
    assert_eq!(keys(&details[0]["changes"]), vec!["full_name".to_string()]);
    intact(&env);
});
