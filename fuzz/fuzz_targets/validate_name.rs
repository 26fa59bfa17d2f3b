//! `validate::full_name`: never panics; what it accepts is trimmed, NFC,
//! 1-150 characters, free of controls and bidi overrides, and normalises to
//! itself.
#![no_main]

use custadm::text::is_dangerous;
use custadm::validate::full_name;
use libfuzzer_sys::fuzz_target;
use unicode_normalization::is_nfc;

fuzz_target!(|s: &str| {
    let Ok(n) = full_name(s) else {
        return;
    };
    assert!((1..=150).contains(&n.chars().count()), "{s:?} -> {n:?}");
    assert_eq!(n.trim(), n, "not trimmed: {s:?}");
    assert!(is_nfc(&n), "not NFC: {s:?} -> {n:?}");
    assert!(!n.chars().any(is_dangerous), "dangerous: {s:?} -> {n:?}");
    assert_eq!(full_name(&n).as_ref(), Ok(&n), "not idempotent: {s:?}");
});
