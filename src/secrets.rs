//! Secrets inside connection URLs: finding them, masking them, and keeping
//! them out of every message that quotes a URL or a library's error about it.
//!
//! A database or SMTP URL can carry a secret in two places (libpq, "Connection
//! URIs"): the password of the userinfo (`scheme://user:SECRET@host`) and any
//! query parameter whose (percent-decoded) name contains `password`
//! (`password=`, `sslpassword=`, anywhere in the string, `&password=` included).
//! Masking is deliberately generous: a character that might belong to a secret
//! is masked, because a URL that libpq would refuse still holds the real
//! password its user meant to type.

use percent_encoding::percent_decode_str;

/// What replaces a secret.
pub(crate) const MASK: &str = "***";

/// Byte ranges of `url` that hold secrets (sorted, non-overlapping).
fn secret_ranges(url: &str) -> Vec<(usize, usize)> {
    let bytes = url.as_bytes();
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    // 1. Parameters: `KEY=VALUE` where KEY (the text back to the previous
    //    delimiter, percent-decoded, any case) names a password; VALUE runs
    //    to the next '&' (libpq's separator) or the end.
    for (eq, _) in url.match_indices('=') {
        let key_start = url[..eq]
            .rfind(['?', '&', '/', '@', ':', '=', '#', ';', ' '])
            .map(|i| i + 1)
            .unwrap_or(0);
        let key = percent_decode_str(&url[key_start..eq])
            .decode_utf8_lossy()
            .to_ascii_lowercase();
        if key.contains("password") || key.contains("passwd") || key.contains("secret") {
            // The value runs to the next '&' that starts another
            // `key=value` (a '&' inside the intended password, followed by
            // no key, stays masked with it).
            let mut end = url.len();
            let mut from = eq + 1;
            while let Some(amp) = url[from..].find('&').map(|a| from + a) {
                let next = &url[amp + 1..];
                let segment = next.split('&').next().unwrap_or("");
                let starts_key = segment.split_once('=').is_some_and(|(k, _)| {
                    !k.is_empty()
                        && k.chars()
                            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '%'))
                });
                if starts_key {
                    end = amp;
                    break;
                }
                from = amp + 1;
            }
            if end > eq + 1 {
                ranges.push((eq + 1, end));
            }
        }
    }
    // 2. The userinfo's password: after "scheme://", up to the last '@' that
    //    is not inside a masked parameter, from the first ':' before it.
    if let Some(scheme_end) = url.find("://").map(|i| i + 3) {
        let inside = |i: usize| ranges.iter().any(|&(s, e)| s <= i && i < e);
        let at = (scheme_end..bytes.len())
            .rev()
            .find(|&i| bytes[i] == b'@' && !inside(i));
        if let Some(at) = at {
            if let Some(colon) = url[scheme_end..at].find(':').map(|c| scheme_end + c) {
                if at > colon + 1 {
                    ranges.push((colon + 1, at));
                }
            }
        }
    }
    ranges.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (s, e) in ranges {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
}

/// True when `url` carries a password (userinfo or a password parameter).
pub fn url_has_secret(url: &str) -> bool {
    !secret_ranges(url).is_empty()
}

/// The secrets of `url`, each as written and percent-decoded.
pub fn url_secrets(url: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (s, e) in secret_ranges(url) {
        let raw = &url[s..e];
        out.push(raw.to_string());
        let decoded = percent_decode_str(raw).decode_utf8_lossy().into_owned();
        if decoded != raw {
            out.push(decoded);
        }
        // A '+' may stand for a space in query strings.
        if raw.contains('+') {
            out.push(raw.replace('+', " "));
        }
    }
    out.retain(|s| !s.is_empty());
    out
}

/// `url` with every secret replaced by `***`:
/// `postgres://u:pw@h/db?sslpassword=x` → `postgres://u:***@h/db?sslpassword=***`.
pub(crate) fn redact_url(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    let mut copied = 0;
    for (s, e) in secret_ranges(url) {
        out.push_str(&url[copied..s]);
        out.push_str(MASK);
        copied = e;
    }
    out.push_str(&url[copied..]);
    out
}

/// Length in characters of the longest common substring of `a` and `b`.
fn longest_common_substring(a: &[char], b: &[char]) -> usize {
    let mut best = 0;
    let mut prev = vec![0usize; b.len() + 1];
    for &ca in a {
        let mut cur = vec![0usize; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            if ca == cb {
                cur[j + 1] = prev[j] + 1;
                best = best.max(cur[j + 1]);
            }
        }
        prev = cur;
    }
    best
}

/// Removes the secrets of `url` from `message`, a library's error text about
/// it (libpq quotes the token it could not parse, sometimes the whole URL):
/// the URL itself becomes its redacted form, every secret (as written or
/// decoded) becomes `***`, and every quoted span (`"…"`) that shares three
/// characters (or all of a shorter one) with a secret becomes `"***"`.
pub fn scrub(message: &str, url: &str) -> String {
    let secrets = url_secrets(url);
    if secrets.is_empty() {
        return message.to_string();
    }
    let mut text = message.replace(url, &redact_url(url));
    for secret in &secrets {
        text = text.replace(secret.as_str(), MASK);
    }
    let secret_chars: Vec<Vec<char>> = secrets.iter().map(|s| s.chars().collect()).collect();
    // A password holding a URL delimiter (`pw@rd`, `pw?rd`) is split by the
    // parser where the user did not mean it, so a quoted token may hold just
    // a piece of it (`"rd@host"`): every piece of two or more characters
    // between delimiters counts as a secret inside quotes.
    let pieces: Vec<&str> = secrets
        .iter()
        .flat_map(|s| s.split(['@', ':', '/', '?', '#', '&', '=', ' ', ',', '[', ']']))
        .filter(|p| p.chars().count() >= 2)
        .collect();
    let suspicious = |text: &str| {
        let span: Vec<char> = text.chars().collect();
        !span.is_empty()
            && (secret_chars.iter().any(|secret| {
                let need = 3.min(span.len()).min(secret.len());
                longest_common_substring(&span, secret) >= need
            }) || pieces.iter().any(|p| text.contains(p)))
    };
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(open) = rest.find('"') {
        out.push_str(&rest[..=open]);
        let after = &rest[open + 1..];
        match after.find('"') {
            Some(close) => {
                let span = &after[..close];
                out.push_str(if suspicious(span) { MASK } else { span });
                out.push('"');
                rest = &after[close + 1..];
            }
            None => {
                // An unterminated quote: the rest may be anything.
                out.push_str(if suspicious(after) { MASK } else { after });
                rest = "";
            }
        }
    }
    out.push_str(rest);
    // Last line of defence: a secret that survived in another shape.
    for secret in &secrets {
        if out.contains(secret.as_str()) {
            return "the connection failed (details withheld: they would quote the password)"
                .into();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_is_masked() {
        for (url, shown) in [
            ("postgres://u:pw@h:5/db", "postgres://u:***@h:5/db"),
            ("postgres://u@h/db", "postgres://u@h/db"),
            (
                "postgres://u@h/db?sslpassword=x&sslmode=require",
                "postgres://u@h/db?sslpassword=***&sslmode=require",
            ),
            (
                "postgres://u@h/db?pass%77ord=x",
                "postgres://u@h/db?pass%77ord=***",
            ),
            (
                "postgres://u@h/db&password=x",
                "postgres://u@h/db&password=***",
            ),
            ("postgres://u:p@ss@[::1/db", "postgres://u:***@[::1/db"),
            (
                "postgres://u@h/db?password=a@b:c",
                "postgres://u@h/db?password=***",
            ),
        ] {
            assert_eq!(redact_url(url), shown, "{url}");
        }
    }

    #[test]
    fn libpq_quotes_are_scrubbed() {
        let url = "postgres://root:S3cr%ZZetPW@h/x";
        let msg = scrub("invalid percent-encoded token: \"S3cr%ZZetPW\"", url);
        assert!(!msg.contains("S3cr"), "{msg}");
        let url = "postgres://root:S3cretPW@[::1/x";
        let msg = scrub(
            &format!("missing \"]\" in URI: \"{url}?connect_timeout=10\""),
            url,
        );
        assert!(!msg.contains("S3cretPW"), "{msg}");
    }
}
