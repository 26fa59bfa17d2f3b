//! Timestamps as the database stores them, relative to now.

use chrono::NaiveDateTime;

/// `YYYY-MM-DD HH:MM:SS` for a moment `secs` seconds before now (UTC).
pub fn ago(secs: i64) -> String {
    fmt_ts(now() - chrono::Duration::seconds(secs))
}

pub const DAY: i64 = 86_400;

pub fn now() -> NaiveDateTime {
    chrono::Utc::now().naive_utc()
}

pub fn fmt_ts(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// `YYYY-MM-DD HH:MM:SS`, `days` days ago (UTC).
pub fn days_ago(days: i64) -> String {
    (chrono::Utc::now().naive_utc() - chrono::Duration::days(days))
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}
