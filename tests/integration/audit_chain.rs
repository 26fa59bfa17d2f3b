//! The audit trail's hash chain (contract: "Audit", exit 8): `audit verify`
//! and `audit digest` against every kind of tampering done by plain SQL;
//! redaction by purge keeps the chain; concurrent writers never fork it.

use crate::db_test;
use crate::support::*;

/// Asserts exit 8 with one error line naming row `id` and containing `what`.
#[track_caller]
fn broken_at(env: &Env, id: i64, what: &str) {
    let r = verify(env, &[]);
    r.code(8).error_line(&format!("row {id}"));
    assert!(r.stderr.contains(what), "expected {what:?}: {}", r.stderr);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
}

fn audit_ids_where(env: &Env, cond: &str) -> Vec<i64> {
    env.texts(&format!(
        "SELECT CAST(id AS TEXT) AS v FROM audit_log WHERE {cond} ORDER BY id"
    ))
    .into_iter()
    .map(|v| v.and_then(|s| s.parse().ok()).expect("id"))
    .collect()
}

/// The customer ids, in order (PostgreSQL's sequence need not start at 1).
fn customers(env: &Env) -> Vec<String> {
    env.texts("SELECT CAST(id AS TEXT) AS v FROM customers ORDER BY id")
        .into_iter()
        .map(|v| v.expect("id"))
        .collect()
}

/// A trail: init, sample customers, views and a bulk toggle with a reason.
/// Returns the customer ids; the views are of the first, second and third.
fn make_trail(env: &Env) -> Vec<String> {
    env.init_db(6);
    let c = customers(env);
    env.run(&["view", &c[0]]).ok();
    env.run(&["view", &c[1]]).ok();
    env.run(&[
        "--reason",
        "TICKET-7",
        "toggle",
        &c[2],
        &c[3],
        &c[4],
        "--deactivate",
        "--yes",
    ])
    .ok();
    env.run(&["view", &c[2]]).ok();
    c
}

db_test!(an_untouched_trail_verifies_and_digests, |env| {
    make_trail(&env);
    let total = env.count("audit_log", "");
    let v = intact(&env);
    assert_eq!(v["rows"], total, "{v}");
    assert_eq!(v["prehistory"], 0);
    // Every row custadm wrote is chained, with a salt, in id order.
    assert_eq!(
        env.count(
            "audit_log",
            "chain_hash IS NULL OR content_salt IS NULL OR content_digest IS NULL"
        ),
        0
    );
    let r = env.run(&["audit", "digest"]);
    r.ok();
    let d: serde_json::Value = serde_json::from_str(r.stdout.trim()).expect("digest JSON");
    assert_eq!(r.stdout.trim().lines().count(), 1);
    let last = env.scalar("SELECT max(id) AS v FROM audit_log").unwrap();
    assert_eq!(d["id"], last);
    assert_eq!(
        d["chain_hash"].as_str(),
        env.texts(&format!(
            "SELECT chain_hash AS v FROM audit_log WHERE id = {last}"
        ))[0]
            .as_deref()
    );
    assert!(d["occurred_at"].as_str().unwrap().ends_with('Z'));
    // The text form names the count.
    let r = verify(&env, &[]);
    r.ok();
    assert!(
        r.stdout.contains(&format!("{total} chained rows")),
        "{}",
        r.stdout
    );
    // verify and digest are reads: they write no audit row.
    assert_eq!(env.count("audit_log", ""), total);
});

db_test!(rows_from_before_the_chain_are_its_prehistory, |env| {
    env.init_db(2);
    let c = customers(&env);
    env.run(&["view", &c[1]]).ok();
    // A trail as an older custadm left it: no hashes, no head yet.
    env.exec("UPDATE audit_log SET content_salt = NULL, content_digest = NULL, chain_hash = NULL");
    env.exec("UPDATE audit_chain_head SET chain_start_id = NULL, last_id = NULL, last_hash = NULL");
    let old = env.count("audit_log", "");
    assert!(old > 0);
    let v = intact(&env);
    assert_eq!(
        (v["rows"].as_i64(), v["prehistory"].as_i64()),
        (Some(0), Some(old))
    );
    env.run(&["audit", "digest"]).code(5);
    env.run(&["view", &c[0]]).ok();
    let v = intact(&env);
    assert_eq!(
        (v["rows"].as_i64(), v["prehistory"].as_i64()),
        (Some(1), Some(old))
    );
    let r = verify(&env, &[]);
    assert!(
        r.stdout
            .contains(&format!("{old} rows from before the chain")),
        "{}",
        r.stdout
    );
    // Prehistory is not covered, but a chained row stripped of its hashes is caught.
    let first = audit_ids_where(&env, "chain_hash IS NOT NULL")[0];
    env.exec(&format!(
        "UPDATE audit_log SET chain_hash = NULL WHERE id = {first}"
    ));
    broken_at(&env, first, "inserted by another program");
});

db_test!(altering_any_chained_column_is_caught_at_that_row, |env| {
    let c = make_trail(&env);
    let k = audit_ids_where(&env, &format!("action = 'view' AND customer_id = {}", c[1]))[0];
    let toggled = audit_ids_where(&env, "action = 'deactivate'")[0];
    let cases: &[(i64, &str, String)] = &[
        (k, "occurred_at", "'2020-01-01 00:00:00'".into()),
        (k, "operator", "'mallory'".into()),
        (k, "os_user", "'mallory'".into()),
        (k, "action", "'edit'".into()),
        (k, "customer_id", "999".into()),
        (k, "customer_id", "NULL".into()),
        (k, "outcome", "'denied'".into()),
        (k, "run_id", "'01FORGEDRUN'".into()),
        (k, "details", "'{\"x\":1}'".into()),
        (toggled, "reason", "'TICKET-8'".into()),
        (toggled, "reason", "NULL".into()),
        (k, "reason", "'added later'".into()),
        (k, "content_salt", format!("'{}'", "00".repeat(16))),
        (k, "content_salt", "NULL".into()),
        (k, "content_digest", format!("'{}'", "ab".repeat(32))),
        (k, "chain_hash", format!("'{}'", "cd".repeat(32))),
        (k, "chain_hash", "NULL".into()),
    ];
    for (row, column, value) in cases {
        let original = env.texts(&format!(
            "SELECT CAST({column} AS TEXT) AS v FROM audit_log WHERE id = {row}"
        ))[0]
            .clone();
        env.exec(&format!(
            "UPDATE audit_log SET {column} = {value} WHERE id = {row}"
        ));
        let r = verify(&env, &[]);
        assert_eq!(r.code, 8, "{column} = {value}: {}", r.stderr);
        r.error_line(&format!("row {row}"));
        let back = original
            .as_deref()
            .map(quote)
            .unwrap_or_else(|| "NULL".into());
        env.exec(&format!(
            "UPDATE audit_log SET {column} = {back} WHERE id = {row}"
        ));
        intact(&env);
    }
});

db_test!(a_deleted_middle_row_is_named, |env| {
    let c = make_trail(&env);
    let k = audit_ids_where(&env, &format!("action = 'view' AND customer_id = {}", c[1]))[0];
    env.exec(&format!("DELETE FROM audit_log WHERE id = {k}"));
    broken_at(&env, k + 1, "removed");
});

db_test!(a_row_inserted_by_another_program_is_named, |env| {
    let c = make_trail(&env);
    env.exec(
        "INSERT INTO audit_log (occurred_at, operator, os_user, action, customer_id, outcome, details) \
         VALUES ('2026-01-01 00:00:00', 'admin', 'ops', 'view', 1, 'ok', '{}')",
    );
    let forged = env.scalar("SELECT max(id) AS v FROM audit_log").unwrap();
    broken_at(&env, forged, "inserted by another program");
    // custadm keeps writing after it (ids stay unique), and the report stays at the forged row.
    env.run(&["view", &c[0]]).ok();
    broken_at(&env, forged, "inserted by another program");
});

db_test!(reordering_rows_is_caught, |env| {
    env.init_db(3);
    let c = customers(&env);
    env.run(&["view", &c[0]]).ok();
    // Two rows a second apart, so that their times differ.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    env.run(&["view", &c[1]]).ok();
    env.run(&["view", &c[2]]).ok();
    let a = audit_ids_where(&env, &format!("action = 'view' AND customer_id = {}", c[0]))[0];
    let b = audit_ids_where(&env, &format!("action = 'view' AND customer_id = {}", c[1]))[0];
    assert_eq!(b, a + 1);
    let time = |id: i64| {
        env.texts(&format!(
            "SELECT CAST(occurred_at AS TEXT) AS v FROM audit_log WHERE id = {id}"
        ))[0]
            .clone()
            .unwrap()
    };
    let (ta, tb) = (time(a), time(b));
    assert_ne!(ta, tb);
    // Reordering by timestamp: the two rows swap their times.
    env.exec(&format!(
        "UPDATE audit_log SET occurred_at = {} WHERE id = {a}",
        quote(&tb)
    ));
    env.exec(&format!(
        "UPDATE audit_log SET occurred_at = {} WHERE id = {b}",
        quote(&ta)
    ));
    broken_at(&env, a, "reordered");
    env.exec(&format!(
        "UPDATE audit_log SET occurred_at = {} WHERE id = {a}",
        quote(&ta)
    ));
    env.exec(&format!(
        "UPDATE audit_log SET occurred_at = {} WHERE id = {b}",
        quote(&tb)
    ));
    intact(&env);
    // Reordering the chain: the two rows swap their ids.
    env.exec(&format!("UPDATE audit_log SET id = -1 WHERE id = {a}"));
    env.exec(&format!("UPDATE audit_log SET id = {a} WHERE id = {b}"));
    env.exec(&format!("UPDATE audit_log SET id = {b} WHERE id = -1"));
    broken_at(&env, a, "reordered");
});

db_test!(
    a_truncated_tail_is_caught_by_the_head_and_by_a_digest,
    |env| {
        let c = make_trail(&env);
        let digests = env.dir.path().join("digests");
        let append_digest = || {
            let r = env.run(&["audit", "digest"]);
            r.ok();
            use std::io::Write;
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&digests)
                .unwrap();
            // As syslog would keep it: a prefix before the JSON.
            write!(f, "Nov 30 03:00:01 host custadm-digest: {}", r.stdout).unwrap();
        };
        append_digest();
        env.run(&["view", &c[3]]).ok();
        env.run(&["view", &c[4]]).ok();
        append_digest();
        let at = format!("@{}", digests.display());
        let v = verify(&env, &["--digest", &at, "-o", "json"]);
        v.ok();
        assert_eq!(v.json()["digests_checked"], 2);
        // The JSON text itself is accepted as well.
        let head = env.run(&["audit", "digest"]).stdout;
        verify(&env, &["--digest", head.trim()]).ok();

        // Cutting the tail without a digest: the chain head still names the last row.
        let last = env.scalar("SELECT max(id) AS v FROM audit_log").unwrap();
        env.exec(&format!("DELETE FROM audit_log WHERE id >= {}", last - 1));
        let r = verify(&env, &[]);
        r.code(8).error_line("newest rows were removed");
        // A careful intruder moves the head back too: the chain alone looks intact...
        let new_last = last - 2;
        let hash = env.texts(&format!(
            "SELECT chain_hash AS v FROM audit_log WHERE id = {new_last}"
        ))[0]
            .clone()
            .unwrap();
        env.exec(&format!(
            "UPDATE audit_chain_head SET last_id = {new_last}, last_hash = {} WHERE id = 1",
            quote(&hash)
        ));
        intact(&env);
        // ...but not against the digests kept outside the database.
        let r = verify(&env, &["--digest", &at]);
        r.code(8).error_line("truncated or rewritten");
        // And when new rows take the removed ids, the history is "rewritten".
        env.run(&["view", &c[0]]).ok();
        env.run(&["view", &c[0]]).ok();
        intact(&env);
        let r = verify(&env, &["--digest", &at]);
        r.code(8).error_line("rewritten");
        // A bad --digest is a usage error.
        verify(&env, &["--digest", "{\"id\": 1}"]).code(2);
        verify(&env, &["--digest", "@/nonexistent/digests"]).code(2);
    }
);

db_test!(
    purge_redacts_the_trail_and_the_chain_still_verifies,
    |env| {
        env.init_db(0);
        let id = env.insert_customer("Ottilie Redactable", "ottilie@example.com");
        env.run(&[
            "--reason",
            "call from Ottilie",
            "edit",
            &id.to_string(),
            "--name",
            "Ottilie Renamed",
        ])
        .ok();
        env.run(&["view", &id.to_string()]).ok();
        let other = env.insert_customer("Other Person", "other@example.com");
        env.run(&["view", &other.to_string()]).ok();
        env.run(&["audit", "digest"]).ok();
        let before = env.run(&["audit", "digest"]).stdout;
        env.cmd()
            .args(&[
                "--reason",
                "GDPR-77",
                "purge",
                &id.to_string(),
                "--password-stdin",
            ])
            .stdin(&format!("{ADMIN_PASSWORD}\n"))
            .run()
            .ok();
        intact(&env);
        verify(&env, &["--digest", before.trim()]).ok();
        // Earlier rows: redacted, hashes kept; the purge row: counts only.
        let earlier = format!("customer_id = {id} AND action <> 'purge'");
        assert_eq!(env.count("audit_log", &earlier), 2);
        assert_eq!(
        env.count(
            "audit_log",
            &format!("{earlier} AND details = '{{\"redacted\":true}}' AND reason IS NULL AND content_salt IS NULL AND content_digest IS NOT NULL AND chain_hash IS NOT NULL")
        ),
        2
    );
        let purge = env.texts(&format!(
            "SELECT details AS v FROM audit_log WHERE customer_id = {id} AND action = 'purge'"
        ));
        let details: serde_json::Value =
            serde_json::from_str(purge[0].as_deref().unwrap()).unwrap();
        assert!(
            details["erased"].is_object() && details["audit_rows_redacted"] == 2,
            "{details}"
        );
        assert!(!purge[0].as_deref().unwrap().contains("Ottilie"));
        // Other customers' rows keep their content.
        assert_eq!(
            env.count(
                "audit_log",
                &format!("customer_id = {other} AND content_salt IS NOT NULL")
            ),
            1
        );
        // A redacted row whose details are later rewritten is caught (no salt, not redacted).
        let k = audit_ids_where(&env, &earlier)[0];
        env.exec(&format!(
            "UPDATE audit_log SET details = '{{\"name\":\"guess\"}}' WHERE id = {k}"
        ));
        broken_at(&env, k, "not a redacted row");
    }
);

db_test!(concurrent_runs_never_fork_the_chain, |env| {
    env.init_db(0);
    bulk_customers(&env, 600);
    let all = customers(&env);
    let (first, second) = all.split_at(300);
    let boundary: i64 = second[0].parse().unwrap();
    let files = [env.dir.path().join("a"), env.dir.path().join("b")];
    std::fs::write(&files[0], first.join("\n")).unwrap();
    std::fs::write(&files[1], second.join("\n")).unwrap();
    // Both orders must be seen: the runs interleave, or each comes first in some
    // round (SQLite hands its write lock to whoever asks first; spawn order alternates).
    let mut interleaved = 0;
    let mut first_writers = std::collections::BTreeSet::new();
    for round in 0..6 {
        let flag = if round % 2 == 0 {
            "--deactivate"
        } else {
            "--activate"
        };
        let before = env
            .scalar("SELECT max(id) AS v FROM audit_log")
            .unwrap_or(0);
        let order: Vec<&std::path::PathBuf> = if round % 2 == 0 {
            files.iter().collect()
        } else {
            files.iter().rev().collect()
        };
        let children: Vec<_> = order
            .into_iter()
            .map(|f| {
                let path = f.display().to_string();
                env.cmd()
                    .args(&[
                        "toggle",
                        "--ids-from",
                        &path,
                        flag,
                        "--yes",
                        "--batch-size",
                        "2",
                    ])
                    .cmd
                    .spawn()
                    .expect("spawn")
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        // The invariant after every round: one unforked chain holding every row.
        let v = intact(&env);
        assert_eq!(v["rows"], env.count("audit_log", ""));
        // 600 changes, and the two runs' closing `run` rows.
        assert_eq!(
            env.count("audit_log", &format!("id > {before} AND action <> 'run'")),
            600
        );
        assert_eq!(
            env.count("audit_log", &format!("id > {before} AND action = 'run'")),
            2
        );
        // Which run wrote each new row, in chain order.
        let owners: Vec<bool> = env
            .texts(&format!(
                "SELECT CAST(customer_id AS TEXT) AS v FROM audit_log WHERE id > {before} AND action <> 'run' ORDER BY id"
            ))
            .into_iter()
            .map(|v| v.unwrap().parse::<i64>().unwrap() >= boundary)
            .collect();
        first_writers.insert(owners[0]);
        if owners.windows(2).filter(|w| w[0] != w[1]).count() > 1 {
            interleaved += 1;
        }
    }
    assert!(
        interleaved > 0 || first_writers.len() == 2,
        "the two runs never raced: always the same order, never interleaved"
    );
});

db_test!(a_redaction_faked_by_another_program_is_caught, |env| {
    // Wiping a row's details and reason and dropping its salt makes it look
    // like purge redacted it; the chain hashes still match, but no purge of
    // that customer follows, so verify names the row. (Real purges followed
    // by verify: retention_purge_several_at_once and the purge tests.)
    let c = make_trail(&env);
    let k = audit_ids_where(&env, &format!("action = 'view' AND customer_id = {}", c[0]))[0];
    env.exec(&format!(
        "UPDATE audit_log SET details = '{{\"redacted\":true}}', reason = NULL, content_salt = NULL WHERE id = {k}"
    ));
    broken_at(&env, k, "no purge of customer");
});

/// Sets `occurred_at` of row `id` to `value` (SQL) and asserts exit 8
/// naming that row, then puts the stored value back and asserts intact.
#[track_caller]
fn altered_time_is_caught(env: &Env, id: i64, value: &str) {
    let original = env.texts(&format!(
        "SELECT CAST(occurred_at AS TEXT) AS v FROM audit_log WHERE id = {id}"
    ))[0]
        .clone()
        .expect("a time");
    env.exec(&format!(
        "UPDATE audit_log SET occurred_at = {value} WHERE id = {id}"
    ));
    let r = verify(env, &[]);
    assert_eq!(r.code, 8, "occurred_at = {value}: {}", r.stderr);
    r.error_line(&format!("row {id}"));
    env.exec(&format!(
        "UPDATE audit_log SET occurred_at = {} WHERE id = {id}",
        quote(&original)
    ));
    intact(env);
}

// What the walk reads is what was hashed, to the microsecond: PostgreSQL's
// rows arrive as the server's binary timestamp (contract "Performance"),
// SQLite's as their text; values no clock gives (PostgreSQL's infinities, a
// year before 1 or after 9999) are caught like any other change.
db_test!(occurred_at_moved_by_a_microsecond_is_caught, |env| {
    let c = make_trail(&env);
    let k = audit_ids_where(&env, &format!("action = 'view' AND customer_id = {}", c[1]))[0];
    let values: &[&str] = match env.backend {
        Backend::Postgres => &[
            "occurred_at + interval '1 microsecond'",
            "occurred_at - interval '1 microsecond'",
            "'infinity'",
            "'-infinity'",
            "occurred_at - interval '2026 years'",
            "occurred_at + interval '10000 years'",
        ],
        Backend::Sqlite => &[
            "occurred_at || '.000001'",
            "'infinity'",
            "'0000-01-01 00:00:00'",
            "'12026-01-01 00:00:00'",
            "1767225600",
        ],
    };
    for value in values {
        altered_time_is_caught(&env, k, value);
    }
});

/// Peak RSS (KiB) of an `audit verify` that finds the trail intact.
fn verify_peak_rss(env: &Env) -> i64 {
    let m = run_bounded(
        env.cmd().args(&["audit", "verify"]).cmd,
        None,
        std::time::Duration::from_secs(600),
    );
    m.run.ok();
    m.max_rss_kib
}

// More than one PostgreSQL COPY chunk (100,000 rows) and many SQLite pages:
// memory stays flat; a row altered, removed or reordered where one chunk
// ends and the next begins is named like anywhere else (the walk looks one
// row ahead across the chunk), and `--since` a row inside the second chunk
// checks only the rows after it.
db_test!(tampering_where_the_stream_s_chunks_meet_is_caught, |env| {
    env.init_db(0);
    let small = verify_peak_rss(&env);
    bulk_customers(&env, 100_010);
    env.run(&[
        "toggle",
        "--deactivate",
        "--status",
        "active",
        "--yes",
        "-q",
    ])
    .ok();
    let total = env.count("audit_log", "");
    assert!(total > 100_010, "{total} audit rows");
    let v = intact(&env);
    assert_eq!(v["rows"], total, "{v}");
    let large = verify_peak_rss(&env);
    assert!(
        large - small < 16 * 1024,
        "memory grew with the trail: {small} KiB for a few rows, {large} KiB for {total}"
    );
    // The 100,000th chained row ends the first chunk.
    let nth = |n: i64| -> i64 {
        env.texts(&format!(
            "SELECT CAST(id AS TEXT) AS v FROM audit_log ORDER BY id LIMIT 1 OFFSET {}",
            n - 1
        ))[0]
            .as_deref()
            .and_then(|s| s.parse().ok())
            .expect("an id")
    };
    let (last, first) = (nth(100_000), nth(100_001));
    assert_eq!(first, last + 1);
    // Altered details at the end of the first chunk.
    let details = env.texts(&format!(
        "SELECT details AS v FROM audit_log WHERE id = {last}"
    ))[0]
        .clone()
        .expect("details");
    env.exec(&format!(
        "UPDATE audit_log SET details = '{{\"forged\":true}}' WHERE id = {last}"
    ));
    broken_at(&env, last, "altered");
    env.exec(&format!(
        "UPDATE audit_log SET details = {} WHERE id = {last}",
        quote(&details)
    ));
    let v = intact(&env);
    assert_eq!(v["rows"], total, "{v}");
    // The first row of the second chunk, a microsecond later.
    let later = match env.backend {
        Backend::Postgres => "occurred_at + interval '1 microsecond'",
        Backend::Sqlite => "occurred_at || '.000001'",
    };
    altered_time_is_caught(&env, first, later);
    // The two rows swap their ids across the chunks' seam.
    env.exec(&format!("UPDATE audit_log SET id = -1 WHERE id = {last}"));
    env.exec(&format!(
        "UPDATE audit_log SET id = {last} WHERE id = {first}"
    ));
    env.exec(&format!("UPDATE audit_log SET id = {first} WHERE id = -1"));
    broken_at(&env, last, "reordered");
    env.exec(&format!("UPDATE audit_log SET id = -1 WHERE id = {last}"));
    env.exec(&format!(
        "UPDATE audit_log SET id = {last} WHERE id = {first}"
    ));
    env.exec(&format!("UPDATE audit_log SET id = {first} WHERE id = -1"));
    intact(&env);
    // `--since` the first chunk's last row: the rows after it.
    let digest = format!(
        "{{\"id\":{last},\"chain_hash\":\"{}\",\"occurred_at\":\"2026-01-01T00:00:00Z\"}}",
        env.texts(&format!(
            "SELECT chain_hash AS v FROM audit_log WHERE id = {last}"
        ))[0]
            .clone()
            .expect("a hash")
    );
    let r = verify(&env, &["--since", &digest, "-o", "json"]);
    r.ok();
    assert_eq!(r.json()["rows"], total - 100_000, "{}", r.stdout);
    // The row after it removed: the one after that is named.
    env.exec(&format!("DELETE FROM audit_log WHERE id = {first}"));
    broken_at(&env, first + 1, "removed");
    let r = verify(&env, &["--since", &digest]);
    r.code(8).error_line(&format!("row {}", first + 1));
});
