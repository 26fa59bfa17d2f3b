//! `custadm list`: order and soft-deleted rows, search (literal, case-folded),
//! time and unpaid-invoice filters, filter values out of range, `--limit` and
//! keyset paging, the output formats (table, json, jsonl, csv, ids) and the
//! list-only formats refused by other commands.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDateTime;

use crate::db_test;
use crate::support::*;

/// Inserts a customer with an explicit id.
fn insert_with_id(env: &Env, id: i64, name: &str, email: &str) {
    env.exec(&format!(
        "INSERT INTO customers (id, full_name, email, phone, password_hash, must_change_password, is_active, created_at, updated_at) \
         VALUES ({id}, {}, {}, NULL, 'x', {f}, {t}, '2025-01-01 00:00:00', '2025-01-01 00:00:00')",
        quote(name),
        quote(email),
        f = env.bool_sql(false),
        t = env.bool_sql(true),
    ));
}

/// The ids printed by `-o ids`.
fn parse_ids_output(run: &Run) -> Vec<i64> {
    run.stdout
        .lines()
        .map(|l| {
            l.parse()
                .unwrap_or_else(|e| panic!("-o ids line {l:?}: {e}\n{}", run.stdout))
        })
        .collect()
}

/// `list ARGS -o ids`, must succeed.
fn list_ids(env: &Env, args: &[&str]) -> Vec<i64> {
    let mut a = vec!["list"];
    a.extend_from_slice(args);
    a.extend(["-o", "ids"]);
    let run = env.run(&a);
    run.ok();
    parse_ids_output(&run)
}

/// The ids of a list JSON array.
fn json_ids(v: &serde_json::Value) -> Vec<i64> {
    v.as_array()
        .expect("JSON array")
        .iter()
        .map(|o| o["id"].as_i64().expect("id"))
        .collect()
}

// list: filters
db_test!(list_is_ordered_by_id_and_hides_soft_deleted, |env| {
    env.init_db(0);
    // Inserted out of id order, then one row rewritten (moves it on PostgreSQL's heap).
    insert_with_id(&env, 300, "Carol Third", "carol@example.com");
    insert_with_id(&env, 100, "Alice First", "alice@example.com");
    insert_with_id(&env, 200, "Bob Second", "bob@example.com");
    insert_with_id(&env, 400, "Dave Deleted", "dave@example.com");
    insert_with_id(&env, 500, "Erin Inactive", "erin@example.com");
    env.exec(&format!(
        "UPDATE customers SET full_name = 'Alice First' WHERE id = 100; \
         UPDATE customers SET is_active = {f}, deleted_at = '2025-03-01 00:00:00' WHERE id = 400; \
         UPDATE customers SET is_active = {f} WHERE id = 500",
        f = env.bool_sql(false)
    ));

    let run = env.run(&["list", "-o", "json"]);
    run.ok();
    let doc = run.json();
    assert_eq!(json_ids(&doc), vec![100, 200, 300, 500]);
    let statuses: Vec<&str> = doc
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, vec!["active", "active", "active", "inactive"]);

    assert_eq!(
        list_ids(&env, &["--status", "all"]),
        vec![100, 200, 300, 400, 500]
    );
    assert_eq!(list_ids(&env, &["--status", "deleted"]), vec![400]);
    assert_eq!(list_ids(&env, &["--status", "active"]), vec![100, 200, 300]);
    assert_eq!(list_ids(&env, &["--status", "inactive"]), vec![500]);

    let all = env.run(&["list", "--status", "all", "-o", "json"]);
    all.ok();
    let deleted = all.json().as_array().unwrap()[3].clone();
    assert_eq!(deleted["id"], 400);
    assert_eq!(deleted["status"], "deleted");

    // Table output (no TTY) names the visible customers only.
    let table = env.run(&["list"]);
    table.ok();
    assert!(
        table.stdout.contains("alice@example.com"),
        "{}",
        table.stdout
    );
    assert!(
        table.stdout.contains("erin@example.com"),
        "{}",
        table.stdout
    );
    assert!(
        !table.stdout.contains("dave@example.com"),
        "{}",
        table.stdout
    );

    // An unknown status is a usage error.
    env.run(&["list", "--status", "gone"]).code(2);
});

db_test!(list_search_is_case_insensitive_and_literal, |env| {
    env.init_db(0);
    let anna = env.insert_customer("Anna Smith", "anna.smith@example.com");
    let bob = env.insert_customer("Bob Jones", "bob@Widgets.example.org");
    let pct = env.insert_customer("Sure 100% Ltd", "pct@example.com");
    let plain = env.insert_customer("Sure 1000 Ltd", "plain@example.com");
    let under = env.insert_customer("a_b trading", "under@example.com");
    let axb = env.insert_customer("axb trading", "axb@example.com");
    let back = env.insert_customer("back\\slash", "back@example.com");
    env.exec(&format!(
        "UPDATE customers SET email = 'bob@widgets.example.org' WHERE id = {bob}"
    ));

    assert_eq!(list_ids(&env, &["--search", "SMITH"]), vec![anna]);
    assert_eq!(list_ids(&env, &["--search", "sMiTh"]), vec![anna]);
    // Email matches too, case-insensitively.
    assert_eq!(list_ids(&env, &["--search", "WIDGETS.EXAMPLE"]), vec![bob]);
    assert_eq!(list_ids(&env, &["--search", "anna.smith@"]), vec![anna]);
    // `%` and `_` are literal.
    assert_eq!(list_ids(&env, &["--search", "100%"]), vec![pct]);
    assert_eq!(list_ids(&env, &["--search", "%"]), vec![pct]);
    assert_eq!(list_ids(&env, &["--search", "a_b"]), vec![under]);
    assert_eq!(list_ids(&env, &["--search", "_"]), vec![under]);
    assert_eq!(list_ids(&env, &["--search", "\\"]), vec![back]);
    assert_eq!(
        list_ids(&env, &["--search", "sure 1"]),
        vec![pct, plain],
        "plain substring"
    );
    assert_eq!(list_ids(&env, &["--search", "trading"]), vec![under, axb]);
    // Nothing matches: exit 0, empty output.
    let none = env.run(&["list", "--search", "zzz-nobody", "-o", "json"]);
    none.ok();
    assert_eq!(none.json(), serde_json::json!([]));
});

db_test!(list_search_folds_non_ascii_case, |env| {
    env.init_db(0);
    let zoe = env.insert_customer("ZOË ÅSTRÖM", "zoe@example.com");
    let plain = env.insert_customer("Zoe Astrom", "plainzoe@example.com");
    let other = env.insert_customer("Åsa Berg", "asa@example.com");
    // Exactly as stored, in another case, and without the accents: the
    // contract ("list", --search) ignores case and accents alike, so the
    // accented and the plain spelling find each other.
    assert_eq!(list_ids(&env, &["--search", "ÅSTRÖM"]), vec![zoe, plain]);
    assert_eq!(list_ids(&env, &["--search", "åström"]), vec![zoe, plain]);
    assert_eq!(list_ids(&env, &["--search", "astrom"]), vec![zoe, plain]);
    assert_eq!(list_ids(&env, &["--search", "Zoë"]), vec![zoe, plain]);
    assert_eq!(list_ids(&env, &["--search", "ÅSA B"]), vec![other]);
});

fn parse_ts(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
}

db_test!(list_time_filters, |env| {
    env.init_db(0);
    struct Row {
        id: i64,
        created: String,
        last_login: Option<String>,
    }
    let mut rows = Vec::new();
    let mut add = |name: &str, created: String, last_login: Option<String>| {
        let id = env.insert_customer(name, &format!("{}@example.com", name.to_lowercase()));
        env.exec(&format!(
            "UPDATE customers SET created_at = '{created}', last_login_at = {} WHERE id = {id}",
            last_login
                .as_ref()
                .map(|t| format!("'{t}'"))
                .unwrap_or_else(|| "NULL".into())
        ));
        rows.push(Row {
            id,
            created,
            last_login,
        });
        id
    };
    let old_login = add("oldlogin", ago(800 * DAY), Some(ago(400 * DAY)));
    let recent_login = add("recentlogin", ago(800 * DAY), Some(ago(DAY)));
    let never_old = add("neverold", ago(400 * DAY), None);
    let never_new = add("nevernew", ago(10 * DAY), None);
    let mid = add("mid", ago(800 * DAY), Some(ago(100 * DAY)));
    let fresh = add("fresh", ago(3600), None);
    let jan30 = add("jan30", "2025-01-30 23:59:59".into(), Some(ago(DAY)));
    let jan31 = add("jan31", "2025-01-31 00:00:01".into(), Some(ago(DAY)));

    assert_eq!(
        list_ids(&env, &["--last-login-before", "365d"]),
        vec![old_login, never_old]
    );
    assert_eq!(
        list_ids(&env, &["--last-login-before", "90d"]),
        vec![old_login, never_old, mid]
    );
    assert_eq!(
        list_ids(&env, &["--last-login-before", "2w"]),
        vec![old_login, never_old, mid]
    );
    assert_eq!(
        list_ids(&env, &["--last-login-before", "1w"]),
        vec![old_login, never_old, never_new, mid]
    );
    assert_eq!(
        list_ids(&env, &["--last-login-before", "12h"]),
        vec![
            old_login,
            recent_login,
            never_old,
            never_new,
            mid,
            jan30,
            jan31
        ]
    );
    assert_eq!(list_ids(&env, &["--created-after", "12h"]), vec![fresh]);
    assert_eq!(
        list_ids(&env, &["--created-after", "2w"]),
        vec![never_new, fresh]
    );

    // Absolute dates mean midnight UTC of that day.
    let cutoff = parse_ts("2025-01-31 00:00:00");
    let before: Vec<i64> = rows
        .iter()
        .filter(|r| parse_ts(&r.created) < cutoff)
        .map(|r| r.id)
        .collect();
    let after: Vec<i64> = rows
        .iter()
        .filter(|r| parse_ts(&r.created) > cutoff)
        .map(|r| r.id)
        .collect();
    assert!(before.contains(&jan30) && !before.contains(&jan31));
    assert_eq!(list_ids(&env, &["--created-before", "2025-01-31"]), before);
    assert_eq!(list_ids(&env, &["--created-after", "2025-01-31"]), after);
    assert_eq!(
        list_ids(
            &env,
            &[
                "--created-after",
                "2025-01-30",
                "--created-before",
                "2025-01-31"
            ]
        ),
        vec![jan30]
    );
    // The never-logged-in rule uses created_at against an absolute date as well.
    let ll_cut = (now() - chrono::Duration::days(200))
        .date()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    let expected: Vec<i64> = rows
        .iter()
        .filter(|r| {
            let t = r.last_login.as_ref().unwrap_or(&r.created);
            parse_ts(t) < ll_cut
        })
        .map(|r| r.id)
        .collect();
    assert!(expected.contains(&never_old) && !expected.contains(&never_new));
    assert_eq!(
        list_ids(
            &env,
            &[
                "--last-login-before",
                &ll_cut.format("%Y-%m-%d").to_string()
            ]
        ),
        expected
    );

    // Bad WHEN values: exit 2, nothing on stdout, one error line naming the flag's value.
    for (flag, bad) in [
        ("--last-login-before", "yesterday"),
        ("--last-login-before", "90x"),
        ("--created-before", "2025-13-01"),
        ("--created-after", "d"),
        ("--created-after", "-5d"),
        ("--last-login-before", ""),
    ] {
        let run = env.run(&["list", flag, bad, "-o", "json"]);
        run.code(2);
        assert!(
            run.stdout.is_empty(),
            "{flag} {bad:?}: stdout {}",
            run.stdout
        );
        assert!(
            run.stderr.lines().any(|l| l.starts_with("error:")),
            "{flag} {bad:?}: stderr {}",
            run.stderr
        );
    }
});

db_test!(list_has_unpaid, |env| {
    env.init_db(0);
    let unpaid = env.insert_customer("Unpaid One", "unpaid@example.com");
    let two = env.insert_customer("Unpaid Two", "two@example.com");
    let zero = env.insert_customer("Zero Invoice", "zero@example.com");
    let credit = env.insert_customer("Negative Invoice", "neg@example.com");
    let paid = env.insert_customer("Payment Only", "payment@example.com");
    let nothing = env.insert_customer("No Entries", "none@example.com");
    let gone = env.insert_customer("Deleted Unpaid", "gone@example.com");
    env.add_invoice(unpaid, 1250);
    env.add_invoice(two, 100);
    env.add_invoice(two, 200);
    env.add_invoice(zero, 0);
    env.add_invoice(credit, -500);
    env.exec(&format!(
        "INSERT INTO account_entries (billing_account_id, entry_type, amount_usd_cents, description, created_at) \
         SELECT id, 'payment', 900, 'p', '2025-02-01 00:00:00' FROM billing_accounts WHERE customer_id = {paid}"
    ));
    env.add_invoice(gone, 300);
    env.exec(&format!(
        "UPDATE customers SET is_active = {}, deleted_at = '2025-03-01 00:00:00' WHERE id = {gone}",
        env.bool_sql(false)
    ));
    let _ = nothing;

    // Each customer once, even with two unpaid invoices.
    assert_eq!(list_ids(&env, &["--has-unpaid"]), vec![unpaid, two]);
    assert_eq!(
        list_ids(&env, &["--has-unpaid", "--status", "all"]),
        vec![unpaid, two, gone]
    );
    assert_eq!(
        list_ids(&env, &["--has-unpaid", "--search", "two"]),
        vec![two]
    );
    let run = env.run(&["list", "--has-unpaid", "-o", "json"]);
    run.ok();
    assert_eq!(json_ids(&run.json()), vec![unpaid, two]);
});

db_test!(list_limit_and_keyset_paging_cover_every_id_once, |env| {
    env.init_db(0);
    bulk_customers(&env, 2_500);
    // A few soft-deleted ones in the middle: hidden, and paging still has no gaps.
    env.exec(&format!(
        "UPDATE customers SET is_active = {}, deleted_at = '2025-03-01 00:00:00' WHERE id IN (5, 999, 1000, 1001, 2222)",
        env.bool_sql(false)
    ));
    let visible = ids_where(&env, "deleted_at IS NULL");
    assert_eq!(visible.len(), 2_495);

    assert_eq!(list_ids(&env, &["--limit", "3"]), vec![1, 2, 3]);
    assert_eq!(
        list_ids(&env, &["--limit", "3", "--after", "3"]),
        vec![4, 6, 7]
    );

    let mut seen = Vec::new();
    let mut after: i64 = 0;
    let mut pages = 0;
    loop {
        let after_s = after.to_string();
        let mut args = vec!["--limit", "1000"];
        if pages > 0 {
            args.extend(["--after", &after_s]);
        }
        let page = list_ids(&env, &args);
        pages += 1;
        assert!(page.len() <= 1000, "page {pages} has {} rows", page.len());
        assert!(
            page.windows(2).all(|w| w[0] < w[1]),
            "page {pages} not ordered by id"
        );
        if page.is_empty() {
            break;
        }
        assert!(page[0] > after, "page {pages} starts at or before --after");
        after = *page.last().unwrap();
        seen.extend(page);
        assert!(pages < 10, "paging does not end");
    }
    assert_eq!(pages, 4, "3 full/partial pages, then an empty one");
    assert_eq!(seen, visible, "every visible id exactly once, in order");

    // Paging the JSON output gives the same ids.
    let page = env.run(&["list", "--limit", "1000", "--after", "1000", "-o", "json"]);
    page.ok();
    let ids = json_ids(&page.json());
    assert_eq!(ids.len(), 1000);
    assert_eq!(ids[0], 1002);

    // --limit must be a positive number.
    env.run(&["list", "--limit", "0"]).code(2);
    env.run(&["list", "--limit", "ten"]).code(2);
    env.run(&["list", "--after", "x"]).code(2);
});

/// Parses RFC 4180 CSV (quoted fields with `""`, embedded commas and newlines).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut in_quotes = false;
    let mut at_field_start = true;
    while let Some(c) = chars.next() {
        if in_quotes {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    in_quotes = false;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            '"' if at_field_start => {
                in_quotes = true;
                at_field_start = false;
            }
            '"' => panic!("stray quote inside an unquoted CSV field: {text:?}"),
            ',' => {
                row.push(std::mem::take(&mut field));
                at_field_start = true;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
                at_field_start = true;
            }
            c => {
                field.push(c);
                at_field_start = false;
            }
        }
    }
    assert!(!in_quotes, "unterminated quoted CSV field: {text:?}");
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

// list: output formats
db_test!(list_output_formats, |env| {
    env.init_db(0);
    let tricky_name = "Smith, \"Jo\"\nSecond line";
    let a = env.insert_customer("Plain Person", "plain@example.com");
    let b = env.insert_customer("placeholder", "tricky@example.com");
    env.exec(&format!(
        "UPDATE customers SET full_name = {} WHERE id = {b}",
        quote(tricky_name)
    ));
    let c = env.insert_customer("=HYPERLINK(\"http://x\")", "formula@example.com");
    let d = env.insert_customer("+1+2", "plus@example.com");
    let e = env.insert_customer("@SUM(A1)", "at@example.com");
    let f = env.insert_customer("-2+3", "minus@example.com");
    env.exec(&format!(
        "UPDATE customers SET phone = '+14155550100', last_login_at = '2026-02-03 04:05:06' WHERE id = {a}"
    ));
    let all = vec![a, b, c, d, e, f];

    // json: one array, contract fields, RFC 3339 times.
    let run = env.run(&["list", "-o", "json"]);
    run.ok();
    let doc = run.json();
    assert_eq!(json_ids(&doc), all);
    let first = doc[0].as_object().unwrap();
    let keys: BTreeSet<&str> = first.keys().map(|k| k.as_str()).collect();
    assert_eq!(
        keys,
        BTreeSet::from([
            "id",
            "full_name",
            "email",
            "phone",
            "status",
            "created_at",
            "last_login_at"
        ])
    );
    assert_eq!(first["full_name"], "Plain Person");
    assert_eq!(first["email"], "plain@example.com");
    assert_eq!(first["phone"], "+14155550100");
    assert_eq!(first["status"], "active");
    assert_eq!(first["created_at"], "2025-01-01T00:00:00Z");
    assert_eq!(first["last_login_at"], "2026-02-03T04:05:06Z");
    assert_eq!(doc[1]["full_name"], tricky_name);
    assert_eq!(doc[1]["phone"], serde_json::Value::Null);
    assert_eq!(doc[1]["last_login_at"], serde_json::Value::Null);

    // jsonl: one object a line, the same objects.
    let run = env.run(&["list", "-o", "jsonl"]);
    run.ok();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), all.len(), "{}", run.stdout);
    for (i, line) in lines.iter().enumerate() {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("jsonl line {i} {line:?}: {e}"));
        assert_eq!(v, doc[i], "jsonl line {i}");
    }

    // csv: header, RFC 4180 quoting, formula guard, phone as is.
    let run = env.run(&["list", "-o", "csv"]);
    run.ok();
    let rows = parse_csv(&run.stdout);
    assert_eq!(
        rows[0],
        vec![
            "id",
            "full_name",
            "email",
            "phone",
            "status",
            "created_at",
            "last_login_at"
        ]
    );
    assert_eq!(rows.len(), 1 + all.len(), "{}", run.stdout);
    for r in &rows {
        assert_eq!(r.len(), 7, "row {r:?}");
    }
    let by_id: BTreeMap<i64, &Vec<String>> = rows[1..]
        .iter()
        .map(|r| (r[0].parse().unwrap(), r))
        .collect();
    assert_eq!(by_id.keys().copied().collect::<Vec<_>>(), all);
    assert_eq!(by_id[&a][1], "Plain Person");
    assert_eq!(by_id[&a][2], "plain@example.com");
    assert_eq!(
        by_id[&a][3], "+14155550100",
        "phones are written as they are"
    );
    assert_eq!(by_id[&a][4], "active");
    assert_eq!(by_id[&a][6], "2026-02-03T04:05:06Z");
    assert_eq!(by_id[&b][1], tricky_name, "quoted field parses back");
    assert_eq!(by_id[&b][3], "");
    assert_eq!(by_id[&c][1], "'=HYPERLINK(\"http://x\")");
    assert_eq!(by_id[&d][1], "'+1+2");
    assert_eq!(by_id[&e][1], "'@SUM(A1)");
    assert_eq!(by_id[&f][1], "'-2+3");
    assert!(
        run.stdout.contains("\"Smith, \"\"Jo\"\"\nSecond line\""),
        "RFC 4180 quoting of the tricky name:\n{}",
        run.stdout
    );

    // ids: one id a line.
    let run = env.run(&["list", "-o", "ids"]);
    run.ok();
    assert_eq!(parse_ids_output(&run), all);
    assert_eq!(run.stdout, id_lines(all.clone()));

    // Empty results in every format.
    let run = env.run(&["list", "--search", "nobody-at-all", "-o", "csv"]);
    run.ok();
    assert_eq!(parse_csv(&run.stdout).len(), 1, "header only");
    let run = env.run(&["list", "--search", "nobody-at-all", "-o", "jsonl"]);
    run.ok();
    assert_eq!(run.stdout.trim(), "");
    let run = env.run(&["list", "--search", "nobody-at-all", "-o", "ids"]);
    run.ok();
    assert_eq!(run.stdout.trim(), "");
});

db_test!(list_only_formats_are_refused_elsewhere, |env| {
    env.init_db(0);
    let id = env.insert_customer("Format Test", "format@example.com");
    let ids = id.to_string();
    for fmt in ["csv", "jsonl", "ids"] {
        let run = env.run(&["view", &ids, "-o", fmt]);
        run.code(2);
        assert!(run.stdout.is_empty(), "view -o {fmt}: {}", run.stdout);
        let run = env.run(&["toggle", &ids, "--deactivate", "--yes", "-o", fmt]);
        run.code(2);
        assert!(run.stdout.is_empty(), "toggle -o {fmt}: {}", run.stdout);
        let run = env.run(&["audit", "-o", fmt]);
        run.code(2);
    }
    assert_eq!(active_ids(&env), vec![id], "nothing was changed");
    assert_eq!(env.count("audit_log", "action = 'deactivate'"), 0);
    assert_eq!(env.count("audit_log", "action = 'view'"), 0);
    env.run(&["list", "-o", "xml"]).code(2);
});

db_test!(filter_values_out_of_range_are_usage_errors, |env| {
    env.init_db(0);
    env.insert_customer("Ann Lee", "ann@example.com");
    for args in [
        vec!["list", "--last-login-before", "3000000d"],
        vec!["list", "--created-before", "3000000d"],
        vec!["list", "--created-after", "99999999999w"],
        vec!["list", "--created-after", "999999999999999999999999d"],
        vec!["audit", "--since", "3000000d"],
    ] {
        let run = env.run(&args);
        run.code(2).error_line("out of range");
        assert!(
            run.stderr.contains("0001-01-01") && run.stderr.contains("9999-12-31"),
            "{args:?}: {}",
            run.stderr
        );
        assert!(run.stdout.is_empty(), "{args:?}: {}", run.stdout);
    }
    // The edges of the range are fine.
    env.run(&["list", "--created-after", "0001-01-01"]).ok();
    env.run(&["list", "--created-before", "9999-12-31"]).ok();
});

db_test!(csv_guards_phones_that_are_not_plain_e164, |env| {
    env.init_db(0);
    let phones = [
        (
            "=HYPERLINK(\"http://evil.example\")",
            "\"'=HYPERLINK(\"\"http://evil.example\"\")\"",
        ),
        ("-2+3", "'-2+3"),
        ("@SUM(1)", "'@SUM(1)"),
        ("+1 (202) 555", "'+1 (202) 555"),
        ("+442079460958", "+442079460958"),
    ];
    for (i, (phone, _)) in phones.iter().enumerate() {
        let id = env.insert_customer(&format!("Phone {i}"), &format!("p{i}@example.com"));
        foreign_sql(
            &env,
            &format!(
                "UPDATE customers SET phone = {} WHERE id = {id};",
                quote(phone)
            ),
        );
    }
    let name_id = env.insert_customer("Formula", "formula@example.com");
    foreign_sql(&env, &format!("UPDATE customers SET full_name = '+cmd|calc', email = '@x.example' WHERE id = {name_id};"));
    let csv = env.run(&["-o", "csv", "list"]);
    csv.ok();
    let lines: Vec<&str> = csv.stdout.lines().collect();
    for (i, (_, cell)) in phones.iter().enumerate() {
        let line = lines[i + 1];
        assert!(line.contains(&format!(",{cell},active,")), "{line}");
    }
    assert!(
        lines[phones.len() + 1].contains(",'+cmd|calc,'@x.example,"),
        "{}",
        lines[phones.len() + 1]
    );
});

db_test!(
    csv_guards_a_leading_tab_or_cr_and_keeps_the_character,
    |env| {
        env.init_db(0);
        // Written by another program: a name starting with a tab, an email
        // starting with a CR, a phone starting with a tab, and an escape inside.
        let id = env.insert_customer("Tab", "tab@example.com");
        foreign_sql(
            &env,
            &format!(
                "UPDATE customers SET full_name = {}, email = {}, phone = {} WHERE id = {id};",
                quote("\t=1+1 Tab\u{1b}[2J"),
                quote("\r@cr.example"),
                quote("\t+1555"),
            ),
        );
        let csv = env.run(&["-o", "csv", "list"]);
        csv.ok();
        assert!(
            !csv.stdout.contains("\\x09"),
            "tab escaped: {:?}",
            csv.stdout
        );
        assert!(!csv.stdout.contains('\u{1b}'), "raw ESC: {:?}", csv.stdout);
        let rows = parse_csv(&csv.stdout);
        let row = rows
            .iter()
            .find(|r| r[0] == id.to_string())
            .expect("the customer's row");
        // The guard, then the real character (OWASP's CSV injection advice).
        assert_eq!(row[1], "'\t=1+1 Tab\\x1b[2J");
        assert_eq!(row[2], "'\r@cr.example");
        assert_eq!(row[3], "'\t+1555");
        // A timestamp column holding such text (SQLite stores it; it is
        // shown as stored) gets the same rule: the review of item 9 found
        // its tab written as the text \x09 (finding 9).
        if env.backend == Backend::Sqlite {
            foreign_sql(
                &env,
                &format!(
                    "UPDATE customers SET created_at = {}, last_login_at = {} WHERE id = {id};",
                    quote("\t=1+1\u{1b}[2J"),
                    quote("\r@x 2026-01-01\t10:00"),
                ),
            );
            let csv = env.run(&["-o", "csv", "list"]);
            csv.ok();
            assert!(
                !csv.stdout.contains("\\x09"),
                "tab escaped: {:?}",
                csv.stdout
            );
            let rows = parse_csv(&csv.stdout);
            let row = rows
                .iter()
                .find(|r| r[0] == id.to_string())
                .expect("the customer's row");
            assert_eq!(row[5], "'\t=1+1\\x1b[2J");
            assert_eq!(row[6], "'\r@x 2026-01-01\t10:00");
        }
    }
);
