//! `validate::phone`: never panics; what it accepts is E.164 (`+`, no
//! leading 0, 7-15 digits) and normalises to itself.
#![no_main]

use custadm::validate::phone;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|s: &str| {
    let Ok(p) = phone(s) else { return };
    let digits = p.strip_prefix('+').expect("starts with +");
    assert!(digits.bytes().all(|b| b.is_ascii_digit()), "{s:?} -> {p:?}");
    assert!(!digits.starts_with('0'), "{s:?} -> {p:?}");
    assert!((7..=15).contains(&digits.len()), "{s:?} -> {p:?}");
    assert_eq!(phone(&p).as_ref(), Ok(&p), "not idempotent: {s:?}");
    // Only the documented separators (and surrounding blanks) were dropped.
    let kept: String = s
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '+')
        .collect();
    assert_eq!(kept, p, "{s:?} -> {p:?}");
});
