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
    let expected: Vec<(i64, String)> = all
        .iter()
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
    assert_eq!(
        outcomes_in_order(&undo.json()),
        vec![(a, "changed".to_string()), (b, "refused".to_string())]
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
