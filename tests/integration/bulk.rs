//! Tests: bulk. `list` (filters, paging, output formats) and runs over many
//! customers (`toggle`, `delete`, `restore` with many ids, `--ids-from`,
//! `--dry-run`, `--yes`, outcomes and exit codes, batches that survive a
//! kill, concurrent runs, the README pipeline).

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;

use crate::db_test;
use crate::support::{assert_all_or_nothing, audit_per_customer, bulk_customers, quote, Env, Run};

// ---------------------------------------------------------------------------
// helpers

/// `YYYY-MM-DD HH:MM:SS` for a moment `secs` seconds before now (UTC).
fn ago(secs: i64) -> String {
    fmt_ts(now() - chrono::Duration::seconds(secs))
}

const DAY: i64 = 86_400;

fn now() -> NaiveDateTime {
    chrono::Utc::now().naive_utc()
}

fn fmt_ts(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

fn parse_ts(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
}

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

/// Ids of the customers matching `cond` (all when empty), ordered.
fn ids_where(env: &Env, cond: &str) -> Vec<i64> {
    let w = if cond.is_empty() {
        String::new()
    } else {
        format!("WHERE {cond}")
    };
    env.texts(&format!(
        "SELECT CAST(id AS TEXT) AS v FROM customers {w} ORDER BY id"
    ))
    .into_iter()
    .map(|v| v.unwrap().parse().unwrap())
    .collect()
}

fn inactive_ids(env: &Env) -> Vec<i64> {
    ids_where(env, &format!("is_active = {}", env.bool_sql(false)))
}

fn active_ids(env: &Env) -> Vec<i64> {
    ids_where(env, &format!("is_active = {}", env.bool_sql(true)))
}

/// A snapshot of every customer's mutable state and the audit trail size.
fn snapshot_all(env: &Env) -> (Vec<Option<String>>, i64) {
    let rows = env.texts(
        "SELECT CAST(id AS TEXT) || '|' || CAST(is_active AS TEXT) || '|' || COALESCE(CAST(deleted_at AS TEXT), '-') \
         || '|' || CAST(updated_at AS TEXT) AS v FROM customers ORDER BY id",
    );
    (rows, env.count("audit_log", ""))
}

/// Writes `text` to a file in the env's dir and returns its path.
fn write_text_file(env: &Env, name: &str, text: &str) -> String {
    let path: PathBuf = env.dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn id_lines(ids: impl IntoIterator<Item = i64>) -> String {
    let mut s = String::new();
    for id in ids {
        s.push_str(&id.to_string());
        s.push('\n');
    }
    s
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

/// Outcome per id of a changing command's JSON document.
fn outcomes(doc: &serde_json::Value) -> BTreeMap<i64, String> {
    let results = doc["results"].as_array().expect("results array");
    let mut map = BTreeMap::new();
    for r in results {
        let id = r["id"].as_i64().expect("result id");
        let outcome = r["outcome"].as_str().expect("outcome").to_string();
        assert!(
            map.insert(id, outcome).is_none(),
            "id {id} reported twice: {doc}"
        );
    }
    map
}

/// The `summary` object as a map.
fn summary(doc: &serde_json::Value) -> BTreeMap<String, i64> {
    doc["summary"]
        .as_object()
        .expect("summary object")
        .iter()
        .filter(|(_, v)| v.as_i64() != Some(0))
        .map(|(k, v)| (k.clone(), v.as_i64().expect("count")))
        .collect()
}

fn counts(pairs: &[(&str, i64)]) -> BTreeMap<String, i64> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

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

/// Runs `sh -c SCRIPT` with this env's database, `$CUSTADM` set to the binary,
/// detached from any terminal.
fn run_sh(env: &Env, script: &str) -> Run {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(script)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", env.dir.path())
        .env("XDG_DATA_HOME", env.dir.path().join("data"))
        .env("XDG_CONFIG_HOME", env.dir.path().join("config"))
        .env("CUSTADM_DATABASE_URL", &env.url)
        .env("CUSTADM_OPERATOR", "admin")
        .env("CUSTADM", env!("CARGO_BIN_EXE_custadm"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // SAFETY: setsid is async-signal-safe; it only detaches the child from our terminal.
    unsafe {
        cmd.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
    let out = cmd.output().expect("run sh");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[track_caller]
fn assert_no_error_output(run: &Run) {
    assert!(
        !run.stderr.contains("error:"),
        "unexpected error:\n{}",
        run.stderr
    );
    assert!(
        run.stdout.is_empty() || !run.stdout.contains("error:"),
        "error on stdout:\n{}",
        run.stdout
    );
}

// ---------------------------------------------------------------------------
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
    env.insert_customer("Zoe Astrom", "plainzoe@example.com");
    // Exactly as stored, then in another case.
    assert_eq!(list_ids(&env, &["--search", "ÅSTRÖM"]), vec![zoe]);
    assert_eq!(list_ids(&env, &["--search", "åström"]), vec![zoe]);
    assert_eq!(list_ids(&env, &["--search", "Zoë"]), vec![zoe]);
});

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

// ---------------------------------------------------------------------------
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

// ---------------------------------------------------------------------------
// many ids

db_test!(many_ids_from_args_file_and_stdin, |env| {
    env.init_db(0);
    bulk_customers(&env, 12);

    // Several ID arguments, one duplicated: processed once.
    let run = env.run(&[
        "toggle",
        "1",
        "2",
        "2",
        "3",
        "--deactivate",
        "--yes",
        "-o",
        "json",
    ]);
    run.ok();
    let doc = run.json();
    assert_eq!(doc["action"], "deactivate");
    assert_eq!(doc["dry_run"], false);
    assert_eq!(doc["results"].as_array().unwrap().len(), 3, "{doc}");
    assert_eq!(
        outcomes(&doc),
        BTreeMap::from([
            (1, "changed".into()),
            (2, "changed".into()),
            (3, "changed".into())
        ])
    );
    assert_eq!(summary(&doc), counts(&[("changed", 3)]));
    assert_eq!(inactive_ids(&env), vec![1, 2, 3]);

    // --ids-from FILE: comments, blank lines, surrounding spaces, duplicates.
    let file = write_text_file(
        &env,
        "ids.txt",
        "# customers to switch off\n4\n\n   5  \n# 6 is not in here\n7 # trailing comment\n4\n\n",
    );
    let run = env.run(&[
        "toggle",
        "--deactivate",
        "--ids-from",
        &file,
        "--yes",
        "-o",
        "json",
    ]);
    run.ok();
    let doc = run.json();
    assert_eq!(
        outcomes(&doc),
        BTreeMap::from([
            (4, "changed".into()),
            (5, "changed".into()),
            (7, "changed".into())
        ])
    );
    assert_eq!(inactive_ids(&env), vec![1, 2, 3, 4, 5, 7]);

    // --ids-from - (stdin), mixed with an argument.
    let run = env
        .cmd()
        .args(&[
            "toggle",
            "8",
            "--deactivate",
            "--ids-from",
            "-",
            "--yes",
            "-o",
            "json",
        ])
        .stdin("9\n# comment\n\n10\n8\n")
        .run();
    run.ok();
    let doc = run.json();
    assert_eq!(
        outcomes(&doc),
        BTreeMap::from([
            (8, "changed".into()),
            (9, "changed".into()),
            (10, "changed".into())
        ])
    );
    assert_eq!(inactive_ids(&env), vec![1, 2, 3, 4, 5, 7, 8, 9, 10]);
    let audit = audit_per_customer(&env, "deactivate");
    assert_eq!(audit.len(), 9);
    assert!(audit.values().all(|n| *n == 1), "{audit:?}");

    // Activate them back through stdin; already-active 6 is unchanged.
    let run = env
        .cmd()
        .args(&[
            "toggle",
            "--activate",
            "--ids-from",
            "-",
            "--yes",
            "-o",
            "json",
        ])
        .stdin(&id_lines(1..=10))
        .run();
    run.ok();
    let doc = run.json();
    assert_eq!(doc["action"], "activate");
    assert_eq!(summary(&doc), counts(&[("changed", 9), ("unchanged", 1)]));
    assert_eq!(outcomes(&doc)[&6], "unchanged");
    assert!(inactive_ids(&env).is_empty());
    assert_eq!(env.count("audit_log", "action = 'activate'"), 9);
    assert_eq!(
        env.count("audit_log", "action = 'activate' AND customer_id = 6"),
        0
    );

    // delete and restore take many ids the same way.
    let run = env
        .cmd()
        .args(&["delete", "--ids-from", "-", "--yes", "-o", "json"])
        .stdin("11\n12\n11\n")
        .run();
    run.ok();
    let doc = run.json();
    assert_eq!(doc["action"], "delete");
    assert_eq!(summary(&doc), counts(&[("changed", 2)]));
    assert_eq!(ids_where(&env, "deleted_at IS NOT NULL"), vec![11, 12]);
    let file = write_text_file(&env, "restore.txt", "11\n# back\n12\n");
    let run = env.run(&["restore", "--ids-from", &file, "--yes", "-o", "json"]);
    run.ok();
    let doc = run.json();
    assert_eq!(doc["action"], "restore");
    assert_eq!(summary(&doc), counts(&[("changed", 2)]));
    assert!(ids_where(&env, "deleted_at IS NOT NULL").is_empty());
    assert_eq!(active_ids(&env), (1..=12).collect::<Vec<_>>());
    assert_eq!(env.count("audit_log", "action = 'delete'"), 2);
    assert_eq!(env.count("audit_log", "action = 'restore'"), 2);
});

db_test!(restore_many_brings_each_back_as_it_was, |env| {
    env.init_db(0);
    bulk_customers(&env, 4);
    env.exec(&format!(
        "UPDATE customers SET is_active = {} WHERE id IN (2, 4)",
        env.bool_sql(false)
    ));
    env.run(&["delete", "1", "2", "3", "4", "--yes"]).ok();
    assert_eq!(ids_where(&env, "deleted_at IS NOT NULL"), vec![1, 2, 3, 4]);
    assert!(active_ids(&env).is_empty());
    let run = env.run(&["restore", "1", "2", "3", "4", "--yes", "-o", "json"]);
    run.ok();
    assert_eq!(summary(&run.json()), counts(&[("changed", 4)]));
    assert!(ids_where(&env, "deleted_at IS NOT NULL").is_empty());
    assert_eq!(active_ids(&env), vec![1, 3]);
    assert_eq!(inactive_ids(&env), vec![2, 4]);
});

db_test!(malformed_ids_line_changes_nothing, |env| {
    env.init_db(0);
    bulk_customers(&env, 5);
    env.exec(&format!(
        "UPDATE customers SET is_active = {}, deleted_at = '2025-03-01 00:00:00' WHERE id = 5",
        env.bool_sql(false)
    ));
    let before = snapshot_all(&env);

    for (text, line) in [
        ("1\n2\nabc\n3\n", 3),
        ("# header\n\n1\n2\n0\n", 5),
        ("1\n-4\n", 2),
        ("1\n2\n3\n4\n1.5\n", 5),
        ("1 2\n", 1),
        ("1\n99999999999999999999999\n", 2),
    ] {
        let file = write_text_file(&env, "bad.txt", text);
        for cmd in ["deactivate", "delete", "restore"] {
            let mut args: Vec<&str> = match cmd {
                "deactivate" => vec!["toggle", "--deactivate"],
                other => vec![other],
            };
            args.extend(["--ids-from", &file, "--yes"]);
            let run = env.run(&args);
            run.code(2);
            run.error_line(&format!("line {line}"));
            assert_eq!(
                snapshot_all(&env),
                before,
                "{cmd} with {text:?} changed something"
            );
        }
        // The same through stdin.
        let run = env
            .cmd()
            .args(&["toggle", "--deactivate", "--ids-from", "-", "--yes"])
            .stdin(text)
            .run();
        run.code(2);
        run.error_line(&format!("line {line}"));
        assert_eq!(
            snapshot_all(&env),
            before,
            "stdin {text:?} changed something"
        );
    }

    // A line that is not UTF-8 is malformed too.
    let path = env.dir.path().join("binary.txt");
    std::fs::write(&path, b"1\n2\n\xff\xfe\n3\n").unwrap();
    let run = env.run(&[
        "toggle",
        "--deactivate",
        "--ids-from",
        &path.display().to_string(),
        "--yes",
    ]);
    run.code(2);
    run.error_line("line 3");
    assert_eq!(snapshot_all(&env), before);

    // Malformed ID arguments and a missing file are usage errors too.
    env.run(&["toggle", "1", "x", "--deactivate", "--yes"])
        .code(2);
    env.run(&["toggle", "1", "0", "--deactivate", "--yes"])
        .code(2);
    env.run(&["delete", "1", "--ids-from", "/nonexistent/ids.txt", "--yes"])
        .code(2);
    // An ids file without ids is an empty selection: a success that
    // changes nothing (contract); no ids and no --ids-from at all is exit 2.
    env.cmd()
        .args(&["toggle", "--deactivate", "--ids-from", "-", "--yes"])
        .stdin("# nothing\n\n")
        .run()
        .code(0);
    env.run(&["toggle", "--deactivate", "--yes"]).code(2);
    assert_eq!(snapshot_all(&env), before);
});

db_test!(dry_run_reports_and_writes_nothing, |env| {
    env.init_db(0);
    bulk_customers(&env, 4);
    let unpaid = env.insert_customer("Owes Money", "owes@example.com");
    env.add_invoice(unpaid, 4200);
    env.exec(&format!(
        "UPDATE customers SET is_active = {} WHERE id = 2",
        env.bool_sql(false)
    ));
    let before = snapshot_all(&env);

    // No --yes needed: nothing is written. 1 would change, 2 already inactive, 999 missing.
    let run = env.run(&[
        "toggle",
        "1",
        "2",
        "999",
        "3",
        "--deactivate",
        "--dry-run",
        "-o",
        "json",
    ]);
    run.code(7);
    let doc = run.json();
    assert_eq!(doc["dry_run"], true);
    assert_eq!(doc["action"], "deactivate");
    assert_eq!(
        outcomes(&doc),
        BTreeMap::from([
            (1, "would_change".into()),
            (2, "unchanged".into()),
            (3, "would_change".into()),
            (999, "not_found".into())
        ])
    );
    assert_eq!(
        summary(&doc),
        counts(&[("would_change", 2), ("unchanged", 1), ("not_found", 1)])
    );
    assert_eq!(snapshot_all(&env), before);

    // All valid: exit 0.
    let run = env.run(&[
        "toggle",
        "1",
        "3",
        "4",
        "--deactivate",
        "--dry-run",
        "-o",
        "json",
    ]);
    run.ok();
    assert_eq!(summary(&run.json()), counts(&[("would_change", 3)]));
    assert_eq!(snapshot_all(&env), before);

    // delete --dry-run: the unpaid customer is refused as it would be.
    let unpaid_s = unpaid.to_string();
    let run = env.run(&["delete", "1", &unpaid_s, "--dry-run", "-o", "json"]);
    run.code(7);
    let doc = run.json();
    assert_eq!(doc["dry_run"], true);
    assert_eq!(
        outcomes(&doc),
        BTreeMap::from([(1, "would_change".into()), (unpaid, "refused".into())])
    );
    assert_eq!(snapshot_all(&env), before);

    // restore --dry-run over a deleted customer.
    env.run(&["delete", "4", "--yes"]).ok();
    let before = snapshot_all(&env);
    let run = env.run(&["restore", "4", "--dry-run", "-o", "json"]);
    run.ok();
    let doc = run.json();
    assert_eq!(outcomes(&doc), BTreeMap::from([(4, "would_change".into())]));
    assert_eq!(snapshot_all(&env), before);

    // Table mode says it was a dry run.
    let run = env.run(&["toggle", "1", "3", "--deactivate", "--dry-run"]);
    run.ok();
    assert!(run.stdout.contains("would_change"), "{}", run.stdout);
    assert_eq!(snapshot_all(&env), before);
});

db_test!(
    no_terminal_needs_yes_for_several_ids_and_any_delete,
    |env| {
        env.init_db(0);
        bulk_customers(&env, 5);
        let before = snapshot_all(&env);

        for args in [
            vec!["toggle", "1", "2", "--deactivate"],
            vec!["toggle", "1", "1", "2", "--activate"],
            vec!["delete", "3"],
            vec!["delete", "3", "4"],
        ] {
            let run = env.run(&args);
            run.code(2);
            run.error_line("--yes");
            assert!(run.stdout.is_empty(), "{args:?}: {}", run.stdout);
            assert_eq!(snapshot_all(&env), before, "{args:?} changed something");
        }
        // Through --ids-from as well.
        let run = env
            .cmd()
            .args(&["toggle", "--deactivate", "--ids-from", "-"])
            .stdin("1\n2\n")
            .run();
        run.code(2);
        assert_eq!(snapshot_all(&env), before);

        // One id (not a delete) needs no --yes.
        env.run(&["toggle", "1", "--deactivate"]).ok();
        assert_eq!(inactive_ids(&env), vec![1]);
        // With --yes the rest runs.
        env.run(&["toggle", "2", "3", "--deactivate", "--yes"]).ok();
        assert_eq!(inactive_ids(&env), vec![1, 2, 3]);
        env.run(&["delete", "4", "--yes"]).ok();
        assert_eq!(ids_where(&env, "deleted_at IS NOT NULL"), vec![4]);

        // restore of several ids needs --yes too.
        env.run(&["delete", "5", "--yes"]).ok();
        let before = snapshot_all(&env);
        env.run(&["restore", "4", "5"]).code(2);
        assert_eq!(snapshot_all(&env), before);
        env.run(&["restore", "4", "5", "--yes"]).ok();
        assert!(ids_where(&env, "deleted_at IS NOT NULL").is_empty());
    }
);

db_test!(mixed_outcomes_exit_codes_and_summary, |env| {
    env.init_db(0);
    let a = env.insert_customer("Mixed A", "a@example.com");
    let b = env.insert_customer("Mixed B", "b@example.com");
    let owes = env.insert_customer("Mixed Owes", "owes@example.com");
    let owes2 = env.insert_customer("Mixed Owes Too", "owes2@example.com");
    env.add_invoice(owes, 1000);
    env.add_invoice(owes2, 1);
    let (sa, sb, so, so2) = (
        a.to_string(),
        b.to_string(),
        owes.to_string(),
        owes2.to_string(),
    );

    // delete: valid, missing, refused → exit 7 with every id accounted for.
    let run = env.run(&["delete", &sa, "424242", &so, &sb, "--yes", "-o", "json"]);
    run.code(7);
    let doc = run.json();
    assert_eq!(
        outcomes(&doc),
        BTreeMap::from([
            (a, "changed".into()),
            (b, "changed".into()),
            (owes, "refused".into()),
            (424242, "not_found".into())
        ])
    );
    assert_eq!(
        summary(&doc),
        counts(&[("changed", 2), ("refused", 1), ("not_found", 1)])
    );
    assert!(
        run.stderr
            .lines()
            .filter(|l| l.starts_with("error:"))
            .count()
            <= 1,
        "{}",
        run.stderr
    );
    assert_eq!(ids_where(&env, "deleted_at IS NOT NULL"), vec![a, b]);
    let audit = audit_per_customer(&env, "delete");
    assert_eq!(audit, BTreeMap::from([(a, 1), (b, 1)]));

    // All missing → exit 3.
    let run = env.run(&[
        "toggle",
        "777",
        "778",
        "--deactivate",
        "--yes",
        "-o",
        "json",
    ]);
    run.code(3);
    assert_eq!(summary(&run.json()), counts(&[("not_found", 2)]));
    env.run(&["toggle", "777", "--deactivate"]).code(3);
    env.run(&["delete", "777", "778", "--yes"]).code(3);

    // All refused → exit 5; nothing deleted.
    let run = env.run(&["delete", &so, &so2, "--yes", "-o", "json"]);
    run.code(5);
    assert_eq!(summary(&run.json()), counts(&[("refused", 2)]));
    assert_eq!(ids_where(&env, "deleted_at IS NOT NULL"), vec![a, b]);

    // Table mode: the summary line on stderr.
    let run = env.run(&["toggle", &so, "999", &so2, "--deactivate", "--yes"]);
    run.code(7);
    assert!(
        run.stderr.contains("deactivate: 2 changed, 1 not_found"),
        "stderr:\n{}",
        run.stderr
    );
    assert!(
        !run.stdout.contains("2 changed"),
        "summary belongs on stderr:\n{}",
        run.stdout
    );
    assert!(run.stdout.contains("not_found"), "{}", run.stdout);
    assert_eq!(
        audit_per_customer(&env, "deactivate"),
        BTreeMap::from([(owes, 1), (owes2, 1)])
    );

    // Unchanged and changed together is success (exit 0).
    let run = env.run(&["toggle", &so, &sa, "--deactivate", "--yes", "-o", "json"]);
    run.ok();
    let doc = run.json();
    assert_eq!(outcomes(&doc)[&owes], "unchanged");
    // A deleted customer is already inactive.
    assert_eq!(summary(&doc).values().sum::<i64>(), 2);
    assert_eq!(
        audit_per_customer(&env, "deactivate").get(&owes),
        Some(&1),
        "unchanged writes no audit row"
    );

    // A soft-deleted customer cannot be activated: refused, next to a change.
    let run = env.run(&["toggle", &sa, &so, "--activate", "--yes", "-o", "json"]);
    run.code(7);
    let doc = run.json();
    assert_eq!(
        outcomes(&doc),
        BTreeMap::from([(a, "refused".into()), (owes, "changed".into())])
    );
    assert_eq!(ids_where(&env, "deleted_at IS NOT NULL"), vec![a, b]);
    assert!(!active_ids(&env).contains(&a));
    assert!(active_ids(&env).contains(&owes));
});

// ---------------------------------------------------------------------------
// large runs

db_test!(deactivate_20000_ids_in_batches_then_rerun, |env| {
    env.init_db(0);
    const N: i64 = 20_000;
    bulk_customers(&env, N);
    let file = write_text_file(&env, "all.txt", &id_lines(1..=N));

    let started = Instant::now();
    let run = env.run(&[
        "toggle",
        "--deactivate",
        "--ids-from",
        &file,
        "--yes",
        "--batch-size",
        "500",
        "-o",
        "json",
    ]);
    run.ok();
    let doc = run.json();
    assert_eq!(doc["results"].as_array().unwrap().len(), N as usize);
    assert_eq!(summary(&doc), counts(&[("changed", N)]));
    eprintln!("20,000 deactivations took {:?}", started.elapsed());
    assert_eq!(
        env.count("customers", &format!("is_active = {}", env.bool_sql(true))),
        0
    );
    let audit = audit_per_customer(&env, "deactivate");
    assert_eq!(audit.len(), N as usize);
    assert!(audit.values().all(|n| *n == 1));
    assert_eq!(
        audit.keys().copied().collect::<Vec<_>>(),
        (1..=N).collect::<Vec<_>>()
    );
    let audit_total = env.count("audit_log", "");

    // Again: all unchanged, no new audit rows.
    let run = env.run(&[
        "toggle",
        "--deactivate",
        "--ids-from",
        &file,
        "--yes",
        "--batch-size",
        "500",
        "-o",
        "json",
    ]);
    run.ok();
    assert_eq!(summary(&run.json()), counts(&[("unchanged", N)]));
    assert_eq!(env.count("audit_log", ""), audit_total);

    // Table mode prints the summary on stderr.
    let run = env.run(&["toggle", "--deactivate", "--ids-from", &file, "--yes"]);
    run.ok();
    assert!(
        run.stderr.contains(&format!("deactivate: {N} unchanged")),
        "{}",
        run.stderr
    );
    assert_eq!(env.count("audit_log", ""), audit_total);

    // Bad batch sizes are usage errors.
    env.run(&[
        "toggle",
        "--deactivate",
        "--ids-from",
        &file,
        "--yes",
        "--batch-size",
        "0",
    ])
    .code(2);
    env.run(&[
        "toggle",
        "--deactivate",
        "--ids-from",
        &file,
        "--yes",
        "--batch-size",
        "x",
    ])
    .code(2);
});

db_test!(killed_run_is_all_or_nothing_and_rerun_finishes, |env| {
    env.init_db(0);
    const N: i64 = 20_000;
    bulk_customers(&env, N);
    let file = write_text_file(&env, "all.txt", &id_lines(1..=N));
    let args = [
        "toggle",
        "--deactivate",
        "--ids-from",
        &file,
        "--yes",
        "--batch-size",
        "200",
    ];

    let mut cmd = env.cmd().args(&args).cmd;
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().expect("spawn custadm");
    let inactive_sql = format!("is_active = {}", env.bool_sql(false));
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if env.count("customers", &inactive_sql) > 0 {
            break;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the run ended ({status}) before any batch was seen committed");
        }
        assert!(Instant::now() < deadline, "no batch committed within 30 s");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().expect("SIGKILL");
    let status = child.wait().unwrap();
    assert!(
        status.code().is_none(),
        "the run finished before it could be killed ({status}); nothing to test"
    );

    let done = assert_all_or_nothing(&env);
    assert!(done > 0, "some batches committed before the kill");
    assert!(
        done < N as usize,
        "the run was killed mid-way, yet all {N} customers are inactive"
    );

    // Run it again: finishes the job, one audit row each.
    let run = env.run(&[
        "toggle",
        "--deactivate",
        "--ids-from",
        &file,
        "--yes",
        "--batch-size",
        "200",
        "-o",
        "json",
    ]);
    run.ok();
    let doc = run.json();
    assert_eq!(
        summary(&doc),
        counts(&[("changed", N - done as i64), ("unchanged", done as i64)])
    );
    assert_eq!(assert_all_or_nothing(&env), N as usize);
    assert!(active_ids(&env).is_empty());
});

db_test!(interrupted_run_stops_between_batches, |env| {
    env.init_db(0);
    const N: i64 = 20_000;
    bulk_customers(&env, N);
    let file = write_text_file(&env, "all.txt", &id_lines(1..=N));
    let mut cmd = env
        .cmd()
        .args(&[
            "toggle",
            "--deactivate",
            "--ids-from",
            &file,
            "--yes",
            "--batch-size",
            "200",
            "-o",
            "json",
        ])
        .cmd;
    cmd.stdin(Stdio::null());
    let child = cmd.spawn().expect("spawn custadm");
    let inactive_sql = format!("is_active = {}", env.bool_sql(false));
    let deadline = Instant::now() + Duration::from_secs(30);
    while env.count("customers", &inactive_sql) == 0 {
        assert!(Instant::now() < deadline, "no batch committed within 30 s");
        std::thread::sleep(Duration::from_millis(5));
    }
    // SAFETY: plain kill(2) on our own child's pid.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGINT);
    }
    let out = child.wait_with_output().unwrap();
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    let done = assert_all_or_nothing(&env);
    assert!(
        done < N as usize,
        "Ctrl-C did not stop the run: {}",
        run.stderr
    );
    assert_ne!(
        run.code, 0,
        "an interrupted run is not done:\n{}",
        run.stderr
    );
    if run.code == 7 {
        // It stopped between batches and reported what it did.
        let doc = run.json();
        assert_eq!(summary(&doc), counts(&[("changed", done as i64)]));
    }
    env.run(&["toggle", "--deactivate", "--ids-from", &file, "--yes"])
        .ok();
    assert_eq!(assert_all_or_nothing(&env), N as usize);
});

db_test!(concurrent_overlapping_runs_each_customer_once, |env| {
    env.init_db(0);
    const N: i64 = 12_000;
    bulk_customers(&env, N);
    let f1 = write_text_file(&env, "first.txt", &id_lines(1..=8_000));
    let f2 = write_text_file(&env, "second.txt", &id_lines(4_000..=12_000));
    let spawn = |file: &str| {
        let mut cmd = env
            .cmd()
            .args(&[
                "toggle",
                "--deactivate",
                "--ids-from",
                file,
                "--yes",
                "--batch-size",
                "500",
                "-o",
                "json",
            ])
            .cmd;
        cmd.stdin(Stdio::null());
        cmd.spawn().expect("spawn custadm")
    };
    let c1 = spawn(&f1);
    let c2 = spawn(&f2);
    let o1 = c1.wait_with_output().unwrap();
    let o2 = c2.wait_with_output().unwrap();
    let mut changed = 0;
    let mut unchanged = 0;
    for (i, out) in [o1, o2].into_iter().enumerate() {
        let run = Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        run.ok();
        let lower = run.stderr.to_lowercase();
        assert!(
            !lower.contains("locked") && !lower.contains("deadlock") && !lower.contains("busy"),
            "run {i} stderr:\n{}",
            run.stderr
        );
        assert_no_error_output(&run);
        let s = summary(&run.json());
        changed += s.get("changed").copied().unwrap_or(0);
        unchanged += s.get("unchanged").copied().unwrap_or(0);
        assert_eq!(
            s.keys()
                .filter(|k| *k != "changed" && *k != "unchanged")
                .count(),
            0,
            "run {i}: {s:?}"
        );
    }
    assert_eq!(changed, N, "each customer changed by exactly one run");
    assert_eq!(
        unchanged, 4_001,
        "the overlap 4000..=8000 was seen as unchanged once"
    );
    assert!(active_ids(&env).is_empty());
    assert_eq!(assert_all_or_nothing(&env), N as usize);
});

// ---------------------------------------------------------------------------
// the README pipeline

db_test!(readme_pipeline_deactivates_exactly_the_stale, |env| {
    env.init_db(0);
    bulk_customers(&env, 300);
    // Everyone logged in recently…
    env.exec(&format!(
        "UPDATE customers SET last_login_at = '{}'",
        ago(DAY)
    ));
    // …except: stale logins, never-logged-in old accounts, and edge cases.
    env.exec(&format!(
        "UPDATE customers SET last_login_at = '{}' WHERE id % 7 = 0",
        ago(400 * DAY)
    ));
    env.exec(&format!(
        "UPDATE customers SET last_login_at = NULL, created_at = '{}' WHERE id % 11 = 0",
        ago(500 * DAY)
    ));
    // Never logged in but created recently: not stale.
    env.exec(&format!(
        "UPDATE customers SET last_login_at = NULL, created_at = '{}' WHERE id % 13 = 0",
        ago(30 * DAY)
    ));
    // Logged in 364 days ago: not stale.
    env.exec(&format!(
        "UPDATE customers SET last_login_at = '{}' WHERE id % 17 = 0",
        ago(364 * DAY)
    ));
    // Old created, recent login: not stale.
    env.exec(&format!(
        "UPDATE customers SET created_at = '{}' WHERE id % 19 = 0",
        ago(900 * DAY)
    ));
    let expected: Vec<i64> = ids_where(
        &env,
        &format!("COALESCE(last_login_at, created_at) < '{}'", ago(365 * DAY)),
    );
    assert!(expected.len() > 40, "{expected:?}");
    assert!(expected.len() < 200, "{expected:?}");

    let run = run_sh(
        &env,
        "\"$CUSTADM\" list --last-login-before 365d -o ids | \"$CUSTADM\" toggle --deactivate --ids-from - --yes",
    );
    run.ok();
    assert!(
        run.stderr
            .contains(&format!("deactivate: {} changed", expected.len())),
        "stderr:\n{}",
        run.stderr
    );
    assert_eq!(inactive_ids(&env), expected);
    let audit = audit_per_customer(&env, "deactivate");
    assert_eq!(audit.keys().copied().collect::<Vec<_>>(), expected);
    assert!(audit.values().all(|n| *n == 1));

    // Again: nothing left to do.
    let run = run_sh(
        &env,
        "\"$CUSTADM\" list --last-login-before 365d -o ids | \"$CUSTADM\" toggle --deactivate --ids-from - --yes -o json",
    );
    run.ok();
    assert_eq!(
        summary(&run.json()),
        counts(&[("unchanged", expected.len() as i64)])
    );
    assert_eq!(audit_per_customer(&env, "deactivate"), audit);
});
