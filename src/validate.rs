//! Parsers and validators for everything a user types: customer ids, names,
//! emails, phones, operator names, and times (`2026-01-31`, `90d`). Each
//! returns the normalised value or an error saying which field and why.

use chrono::{NaiveDate, NaiveDateTime};
use unicode_normalization::UnicodeNormalization;

use crate::output::is_dangerous;

/// Longest `full_name`, in characters, after trimming.
pub const MAX_NAME_CHARS: usize = 150;
/// Longest email address.
pub const MAX_EMAIL_CHARS: usize = 254;

/// An untrusted value quoted in an error: sanitised and cut to 40 characters.
pub fn quote_input(s: &str) -> String {
    let mut shown: String = s.chars().take(40).collect();
    if s.chars().nth(40).is_some() {
        shown.push('…');
    }
    format!("'{}'", crate::output::sanitize(&shown))
}

/// A customer id: a positive integer.
pub fn customer_id(s: &str) -> Result<i64, String> {
    let t = s.trim();
    match t.parse::<i64>() {
        Ok(id) if id > 0 => Ok(id),
        _ => Err(format!(
            "{} is not a customer id (ids are positive integers)",
            quote_input(t)
        )),
    }
}

/// A full name: trimmed, 1–150 characters, NFC, no control characters or
/// bidirectional overrides.
pub fn full_name(s: &str) -> Result<String, String> {
    let name: String = s.trim().nfc().collect();
    if name.is_empty() {
        return Err("name: must not be empty".into());
    }
    let count = name.chars().count();
    if count > MAX_NAME_CHARS {
        return Err(format!(
            "name: {count} characters is too long (at most {MAX_NAME_CHARS})"
        ));
    }
    if let Some(c) = name.chars().find(|c| is_dangerous(*c)) {
        return Err(format!(
            "name: contains the control or bidirectional character U+{:04X}, which is not allowed",
            c as u32
        ));
    }
    Ok(name)
}

/// An email: at most 254 characters, one `@`, local part 1–64 characters, a
/// domain with a dot and valid labels, no whitespace, quotes or controls.
/// Returned lower-case and NFC, as stored.
pub fn email(s: &str) -> Result<String, String> {
    // Lower-case, then compose: lower-casing can decompose (İ → i + U+0307),
    // so the stored form is NFC and normalises to itself.
    let email: String = s.trim().to_lowercase().nfc().collect::<String>();
    if email.is_empty() {
        return Err("email: must not be empty".into());
    }
    if email.chars().count() > MAX_EMAIL_CHARS {
        return Err(format!("email: longer than {MAX_EMAIL_CHARS} characters"));
    }
    if email
        .chars()
        .any(|c| c.is_whitespace() || is_dangerous(c) || matches!(c, '"' | '\'' | '`'))
    {
        return Err("email: must not contain whitespace, quotes or control characters".into());
    }
    let mut parts = email.split('@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err("email: must contain exactly one '@'".into());
    };
    let local_len = local.chars().count();
    if local_len == 0 || local_len > 64 {
        return Err("email: the part before '@' must be 1 to 64 characters".into());
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err("email: the part before '@' has a misplaced dot".into());
    }
    if local.chars().any(|c| {
        matches!(
            c,
            '(' | ')' | ',' | ':' | ';' | '<' | '>' | '[' | ']' | '\\'
        )
    }) {
        return Err(
            "email: the part before '@' contains a character not allowed in an address".into(),
        );
    }
    if !domain.contains('.') {
        return Err("email: the domain must contain a dot (like example.com)".into());
    }
    for label in domain.split('.') {
        let len = label.chars().count();
        if len == 0 || len > 63 {
            return Err("email: the domain has an empty or over-long label".into());
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err("email: a domain label must not start or end with '-'".into());
        }
        if !label.chars().all(|c| c.is_alphanumeric() || c == '-') {
            return Err("email: the domain may contain only letters, digits, '-' and dots".into());
        }
    }
    Ok(email)
}

/// A phone number as E.164: `+`, a country code not starting with 0, 7–15
/// digits in all. Spaces, dots, dashes and parentheses are dropped.
pub fn phone(s: &str) -> Result<String, String> {
    let compact: String = s
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')'))
        .collect();
    let Some(digits) = compact.strip_prefix('+') else {
        return Err("phone: must be in international form, starting with '+' and the country code (like +14155550123)".into());
    };
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err("phone: may contain only digits after '+' (spaces, dots, dashes and parentheses are ignored)".into());
    }
    if digits.starts_with('0') {
        return Err("phone: the country code must not start with 0".into());
    }
    if !(7..=15).contains(&digits.len()) {
        return Err(format!(
            "phone: has {} digits; E.164 numbers have 7 to 15",
            digits.len()
        ));
    }
    Ok(compact)
}

/// An operator username: 1–64 characters of letters, digits, `.`, `_`, `-`.
pub fn operator_name(s: &str) -> Result<String, String> {
    let ok = !s.is_empty()
        && s.chars().count() <= 64
        && s.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if ok {
        Ok(s.to_string())
    } else {
        Err(format!(
            "{} is not a valid operator name (1-64 letters, digits, '.', '_', '-', '@')",
            quote_input(s)
        ))
    }
}

/// A point in time: a date (`2026-01-31`, midnight UTC), a date and time
/// (`2026-01-31T12:00:00`), or an age before `now` (`90d`, `12h`, `2w`, `30m`).
pub fn when(s: &str, now: NaiveDateTime) -> Result<NaiveDateTime, String> {
    let t = s.trim();
    let bad = || {
        format!(
            "{} is not a date (2026-01-31) or an age (90d, 12h, 2w, 30m)",
            quote_input(t)
        )
    };
    // Four-digit years only: chrono would take "+10000-01-01", which text
    // timestamps on SQLite compare in the wrong order.
    let four_digit_year = t.len() >= 10
        && t.as_bytes()[..4].iter().all(u8::is_ascii_digit)
        && t.as_bytes()[4] == b'-';
    if !four_digit_year && t.contains('-') {
        return Err(bad());
    }
    if t.starts_with("0000") {
        return Err(bad());
    }
    if let Ok(date) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return date.and_hms_opt(0, 0, 0).ok_or_else(bad);
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%SZ",
    ] {
        if let Ok(ts) = NaiveDateTime::parse_from_str(t, fmt) {
            return Ok(ts);
        }
    }
    let unit_at = t
        .len()
        .checked_sub(1)
        .filter(|_| t.is_ascii())
        .ok_or_else(bad)?;
    let (number, unit) = t.split_at(unit_at);
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let n: i64 = number.parse().map_err(|_| bad())?;
    let seconds = match unit {
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return Err(bad()),
    };
    n.checked_mul(seconds)
        .and_then(chrono::Duration::try_seconds)
        .and_then(|d| now.checked_sub_signed(d))
        .ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert_eq!(customer_id("42"), Ok(42));
        assert!(customer_id("0").is_err());
        assert!(customer_id("-3").is_err());
        assert!(customer_id("4x").is_err());
    }

    #[test]
    fn names() {
        assert_eq!(full_name("  Zoë  ").as_deref(), Ok("Zoë"));
        assert!(full_name("   ").is_err());
        assert!(full_name(&"a".repeat(151)).is_err());
        assert!(full_name("a\u{202e}b").is_err());
        assert!(full_name("a\u{9b}b").is_err());
    }

    #[test]
    fn emails() {
        assert_eq!(email("Ann@Example.COM").as_deref(), Ok("ann@example.com"));
        for bad in [
            "",
            "a",
            "a@b",
            "a@@b.c",
            "a b@c.d",
            "a@-b.c",
            "\"a\"@b.c",
            "a@b..c",
            &format!("{}@b.c", "a".repeat(65)),
        ] {
            assert!(email(bad).is_err(), "{bad}");
        }
        let e = email("José@Exámple.com").unwrap_or_default();
        assert_eq!(email(&e).as_deref(), Ok(e.as_str()));
    }

    #[test]
    fn phones() {
        assert_eq!(phone("+1 (415) 555-0123").as_deref(), Ok("+14155550123"));
        for bad in [
            "4155550123",
            "+0123456789",
            "+12345",
            "+1234567890123456",
            "+1 415 abc",
        ] {
            assert!(phone(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn times() {
        let now = NaiveDateTime::parse_from_str("2026-11-27 00:00:00", "%Y-%m-%d %H:%M:%S")
            .unwrap_or_default();
        assert_eq!(
            when("2w", now).map(|t| t.to_string()).as_deref(),
            Ok("2026-11-13 00:00:00")
        );
        assert_eq!(
            when("2026-01-31", now).map(|t| t.to_string()).as_deref(),
            Ok("2026-01-31 00:00:00")
        );
        assert!(when("12x", now).is_err());
        assert!(when("-1d", now).is_err());
        assert!(when("é", now).is_err());
    }
}
