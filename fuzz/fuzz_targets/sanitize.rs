//! The output guards: `sanitize` and `sanitize_multiline` never emit a
//! dangerous character and leave safe text alone; `escape_json_text` keeps
//! JSON parseable to the same value and terminal-safe; `csv_text_cell` is
//! never a formula and parses back.
#![no_main]

use custadm::output::{csv_text_cell, escape_json_text};
use custadm::text::{is_dangerous, sanitize, sanitize_multiline};
use libfuzzer_sys::fuzz_target;

fn parse_csv_field(cell: &str) -> Option<String> {
    match cell.strip_prefix('"') {
        Some(inner) => {
            let inner = inner.strip_suffix('"')?;
            let mut out = String::new();
            let mut chars = inner.chars();
            while let Some(c) = chars.next() {
                if c == '"' && chars.next() != Some('"') {
                    return None;
                }
                out.push(c);
            }
            Some(out)
        }
        None => (!cell.contains([',', '"', '\n', '\r'])).then(|| cell.to_string()),
    }
}

fuzz_target!(|s: &str| {
    let one = sanitize(s);
    assert!(!one.chars().any(is_dangerous), "{s:?} -> {one:?}");
    if !s.chars().any(is_dangerous) {
        assert_eq!(one, s);
    }

    let multi = sanitize_multiline(s);
    assert!(
        !multi.chars().any(|c| is_dangerous(c) && c != '\n'),
        "{s:?} -> {multi:?}"
    );
    assert_eq!(multi.matches('\n').count(), s.matches('\n').count());

    for json in [
        serde_json::to_string(s).expect("serialises"),
        serde_json::to_string_pretty(&serde_json::json!({ s: [s, 1] })).expect("serialises"),
    ] {
        let text = escape_json_text(&json);
        assert!(
            !text.chars().any(|c| is_dangerous(c) && c != '\n'),
            "{text:?}"
        );
        let a: serde_json::Value = serde_json::from_str(&json).expect("parses");
        let b: serde_json::Value = serde_json::from_str(&text).expect("escaped parses");
        assert_eq!(a, b);
    }

    let cell = csv_text_cell(s);
    let first = cell.strip_prefix('"').unwrap_or(&cell).chars().next();
    assert!(
        !matches!(first, Some('=' | '+' | '-' | '@' | '\t' | '\r')),
        "{s:?} -> {cell:?}"
    );
    let guarded = s.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let expected = if guarded {
        format!("'{s}")
    } else {
        s.to_string()
    };
    assert_eq!(parse_csv_field(&cell), Some(expected), "{cell:?}");
});
