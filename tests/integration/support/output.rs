//! What custadm printed: result documents, summaries and outcomes, `config
//! show` entries, and the contract's shape of a failure.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::*;

/// `YYYY-MM-DDTHH:MM:SSZ`.
pub fn is_rfc3339_utc(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 20
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            19 => *c == b'Z',
            _ => c.is_ascii_digit(),
        })
}

pub fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .cloned()
        .collect();
    k.sort();
    k
}

pub fn sorted(list: &[&str]) -> Vec<String> {
    let mut k: Vec<String> = list.iter().map(|s| s.to_string()).collect();
    k.sort();
    k
}

/// Asserts the contract's result document of a changing command and returns
/// its only result.
#[track_caller]
pub fn single_result(doc: &Value, action: &str, id: i64, outcome: &str) -> Value {
    assert_eq!(doc["action"], json!(action), "{doc}");
    assert_eq!(doc["dry_run"], json!(false), "{doc}");
    let results = doc["results"].as_array().expect("results array");
    assert_eq!(results.len(), 1, "{doc}");
    assert_eq!(results[0]["id"], json!(id), "{doc}");
    assert_eq!(results[0]["outcome"], json!(outcome), "{doc}");
    assert_eq!(doc["summary"], json!({ outcome: 1 }), "{doc}");
    results[0].clone()
}

/// The `summary` object as a map.
pub fn summary(doc: &serde_json::Value) -> BTreeMap<String, i64> {
    doc["summary"]
        .as_object()
        .expect("summary object")
        .iter()
        .filter(|(_, v)| v.as_i64() != Some(0))
        .map(|(k, v)| (k.clone(), v.as_i64().expect("count")))
        .collect()
}

pub fn counts(pairs: &[(&str, i64)]) -> BTreeMap<String, i64> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

/// The JSON array `list -o json` printed, as (id, object) pairs.
pub fn listed(run: &Run) -> Vec<serde_json::Value> {
    run.ok();
    run.json().as_array().expect("an array").clone()
}

/// What custadm prints as the database of this env (`db status` field).
pub fn display_url(env: &Env) -> String {
    env.url.clone()
}

/// Asserts a failure is the contract's kind: exit `code`, exactly one
/// `error:` line on stderr containing `needle`, no panic, no internal error,
/// nothing error-like on stdout.
#[track_caller]
pub fn assert_clean_failure(run: &Run, code: i32, needle: &str) {
    run.code(code);
    run.error_line(needle);
    for bad in [
        "panicked",
        "internal error",
        "stack backtrace",
        "RUST_BACKTRACE",
    ] {
        assert!(
            !run.stderr.contains(bad),
            "stderr contains {bad:?}:\n{}",
            run.stderr
        );
    }
    assert!(
        !run.stdout.contains("error:"),
        "error on stdout:\n{}",
        run.stdout
    );
}

/// `config show -o json` → the entry of `setting` as (value, source).
pub fn shown(run: &Run, setting: &str) -> (serde_json::Value, String) {
    let doc = run.json();
    let entry = &doc[setting];
    assert!(
        entry.is_object(),
        "config show -o json has no object for {setting}: {doc}"
    );
    (
        entry["value"].clone(),
        entry["source"]
            .as_str()
            .unwrap_or_else(|| panic!("{setting} has no source string: {doc}"))
            .to_string(),
    )
}

/// id → outcome of a result document.
pub fn outcomes_in_order(doc: &Value) -> Vec<(i64, String)> {
    doc["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            (
                r["id"].as_i64().unwrap_or(0),
                r["outcome"].as_str().expect("outcome").to_string(),
            )
        })
        .collect()
}

#[track_caller]
pub fn assert_no_url_password(what: &str, run: &Run) {
    for needle in [
        SECRET,
        "S3cret PW",
        "S3cr%ZZetPW",
        "S3cret%20PW",
        "S3cret+PW",
    ] {
        assert!(
            !run.stdout.contains(needle) && !run.stderr.contains(needle),
            "{what} prints the password:\nstdout: {}\nstderr: {}",
            run.stdout,
            run.stderr
        );
    }
}

/// The cells of a table as a terminal shows it, one `Vec` per row (the
/// header first), cells trimmed: box drawing ([`box_table_rows`]), or the
/// borderless table of a terminal too narrow for boxes. There a column
/// starts where its header does: `headers` are the command's, in order (the
/// first always shown; those left out are skipped), and rows run from the
/// header line to the first note (`left out …`, `cut with …`, `more rows
/// …`), blank or `EXIT=` line.
pub fn terminal_table_rows(text: &str, headers: &[&str]) -> Vec<Vec<String>> {
    if text.lines().any(|l| l.starts_with('│')) {
        return box_table_rows(text);
    }
    let mut lines = text.lines().skip_while(|l| !l.starts_with(headers[0]));
    let Some(header) = lines.next() else {
        return Vec::new();
    };
    let header: Vec<char> = header.chars().collect();
    let mut starts = Vec::new();
    let mut from = 0;
    for h in headers {
        let h: Vec<char> = h.chars().collect();
        let found = (from..header.len()).find(|&at| {
            header[at..].starts_with(&h)
                && (at == 0 || header[at - 1] == ' ')
                && header.get(at + h.len()).is_none_or(|c| *c == ' ')
        });
        if let Some(at) = found {
            starts.push(at);
            from = at + h.len();
        }
    }
    let cells = |line: &[char]| -> Vec<String> {
        starts
            .iter()
            .enumerate()
            .map(|(k, &at)| {
                let end = starts.get(k + 1).map_or(line.len(), |&e| e.min(line.len()));
                line.get(at.min(line.len())..end)
                    .map_or(String::new(), |c| {
                        c.iter().collect::<String>().trim().to_string()
                    })
            })
            .collect()
    };
    let mut rows = vec![cells(&header)];
    for line in lines {
        if line.trim().is_empty()
            || [
                "left out",
                "cut with",
                "longer than",
                "more rows",
                "more customers",
                "EXIT=",
            ]
            .iter()
            .any(|p| line.starts_with(p))
        {
            break;
        }
        rows.push(cells(&line.chars().collect::<Vec<_>>()));
    }
    rows
}

/// The cells of a box-drawn table as a terminal shows it: one `Vec` per line
/// that starts with `│` (the header first), cells trimmed.
pub fn box_table_rows(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .map(str::trim_end)
        .filter(|l| l.starts_with('│'))
        .map(|l| {
            l.trim_matches('│')
                .split('┆')
                .map(|c| c.trim().to_string())
                .collect()
        })
        .collect()
}

/// Display width of a line on a terminal (every character custadm draws
/// tables with, and every name the tests use, is one column wide).
pub fn line_width(line: &str) -> usize {
    line.trim_end().chars().count()
}

/// True for a full table timestamp `YYYY-MM-DD HH:MM:SS`.
pub fn is_table_time(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 19
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b' ',
            13 | 16 => *c == b':',
            _ => c.is_ascii_digit(),
        })
}
