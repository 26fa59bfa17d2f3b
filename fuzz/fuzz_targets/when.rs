//! `validate::when` (`--created-before` and friends): never panics, for any
//! `now` either; an age is never after `now`.
#![no_main]

use chrono::{NaiveDate, NaiveDateTime};
use custadm::validate::when;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|s: &str| {
    let now = NaiveDate::from_ymd_opt(2026, 11, 27)
        .and_then(|d| d.and_hms_opt(1, 2, 3))
        .expect("valid");
    let is_age = s.trim().ends_with(['m', 'h', 'd', 'w']);
    for at in [now, NaiveDateTime::MIN, NaiveDateTime::MAX] {
        match when(s, at) {
            Ok(ts) => assert!(!is_age || ts <= at, "{s:?} at {at} -> {ts}"),
            Err(e) => assert!(!e.chars().any(custadm::text::is_dangerous), "{e:?}"),
        }
    }
    if cfg!(feature = "strict") && !is_age {
        // Known product bug: years after 9999 (+10000-01-01) are accepted
        // and then compared as text by SQLite, in the wrong order.
        if let Ok(ts) = when(s, now) {
            let year = chrono::Datelike::year(&ts.date());
            assert!(year <= 9999, "{s:?} -> year {year}");
        }
    }
});
