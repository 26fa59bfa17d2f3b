//! Text as custadm shows and compares it: making untrusted strings safe for
//! a terminal (contract: "Output": control characters, bidirectional
//! overrides and invisible characters made visible), quoting user input in
//! errors, and the one case folding of emails and searches. A leaf: it uses
//! nothing else of custadm, so every layer (validation, the database layer,
//! output, prompts, errors) may use it.

use unicode_normalization::UnicodeNormalization;

/// True for the invisible format characters (Unicode general category Cf,
/// Unicode 16's DerivedGeneralCategory.txt), the line and paragraph
/// separators (Zl, Zp: U+2028, U+2029), and the Hangul fillers (U+115F,
/// U+1160, U+3164, U+FFA0: letters that render as nothing). Contract:
/// "Validation" (`full_name`) and "Output".
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{0600}'..='\u{0605}'
            | '\u{061C}'
            | '\u{06DD}'
            | '\u{070F}'
            | '\u{0890}'..='\u{0891}'
            | '\u{08E2}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{110BD}'
            | '\u{110CD}'
            | '\u{13430}'..='\u{1343F}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0001}'
            | '\u{E0020}'..='\u{E007F}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{3164}'
            | '\u{FFA0}'
    )
}

/// True for characters that must never reach a terminal raw: C0 controls,
/// DEL, C1 controls (U+0080–U+009F, e.g. the CSI U+009B), the bidirectional
/// overrides and isolates (U+202A–U+202E, U+2066–U+2069), and every invisible
/// character of [`is_invisible`] (which would make two different values look
/// the same). ZWJ and ZWNJ are among them; [`sanitize`] lets them through
/// only between letters, where scripts need them.
pub fn is_dangerous(c: char) -> bool {
    c.is_control() || is_invisible(c)
}

/// True when ZWJ/ZWNJ at `i` of `chars` joins two letters (a letter or a
/// combining mark before it, a letter after it): the one place these
/// invisible characters are allowed (contract: "Validation").
pub(crate) fn joiner_between_letters(chars: &[char], i: usize) -> bool {
    matches!(chars.get(i), Some('\u{200C}' | '\u{200D}'))
        && i > 0
        && chars.get(i - 1).is_some_and(|p| {
            p.is_alphabetic() || unicode_normalization::char::is_combining_mark(*p)
        })
        && chars.get(i + 1).is_some_and(|n| n.is_alphabetic())
}

fn escape_into(out: &mut String, c: char) {
    let code = c as u32;
    if code < 0x100 {
        out.push_str(&format!("\\x{code:02x}"));
    } else {
        out.push_str(&format!("\\u{{{code:04x}}}"));
    }
}

/// Makes an untrusted string safe for one line of a terminal: every dangerous
/// character (including newline) becomes a visible escape like `\x1b`.
pub fn sanitize(s: &str) -> String {
    if !s.chars().any(is_dangerous) {
        return s.to_string();
    }
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        if is_dangerous(c) && !joiner_between_letters(&chars, i) {
            escape_into(&mut out, c);
        } else {
            out.push(c);
        }
    }
    out
}

/// Like [`sanitize`] but keeps newlines, for multi-line table cells.
pub fn sanitize_multiline(s: &str) -> String {
    s.split('\n').map(sanitize).collect::<Vec<_>>().join("\n")
}

/// Like [`sanitize`] but keeps newlines and tabs as they are, and carriage
/// returns when `keep_cr`: the characters a CSV cell holds as data (the CSV
/// writer quotes the cell; one that starts with a tab or CR gets the
/// formula guard's `'`, contract "Output"). Escaped as `\x09` a leading tab
/// was text, and the guard never saw it (finding of the issue-26 review). A
/// carriage return stays `\x0d` for a terminal, where it would move the
/// cursor back over what the cell showed.
pub fn sanitize_csv(s: &str, keep_cr: bool) -> String {
    let kept: &[char] = if keep_cr {
        &['\n', '\t', '\r']
    } else {
        &['\n', '\t']
    };
    let mut out = String::with_capacity(s.len());
    for piece in s.split_inclusive(kept) {
        match piece.strip_suffix(kept) {
            Some(text) => {
                out.push_str(&sanitize(text));
                out.push_str(&piece[text.len()..]);
            }
            None => out.push_str(&sanitize(piece)),
        }
    }
    out
}

/// A JSON value as text for a terminal (an audit row's details, a
/// result's changes: `"Ann" → "Bo"`, `null`, `true`): strings in double
/// quotes, `"` and `\` escaped with a backslash, and every dangerous
/// character escaped as [`sanitize`] escapes it (`\x1b`, `\x9b`,
/// `\u{202e}`), never JSON's `\u001b`: one style everywhere.
pub fn json_value_text(v: &serde_json::Value) -> String {
    use serde_json::Value;
    match v {
        Value::String(s) => {
            let escaped = s.replace('\\', "\\\\").replace('"', "\\\"");
            format!("\"{}\"", sanitize(&escaped))
        }
        Value::Array(items) => format!(
            "[{}]",
            items
                .iter()
                .map(json_value_text)
                .collect::<Vec<_>>()
                .join(",")
        ),
        Value::Object(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!(
                    "{}:{}",
                    json_value_text(&Value::String(k.clone())),
                    json_value_text(v)
                ))
                .collect::<Vec<_>>()
                .join(",")
        ),
        other => other.to_string(),
    }
}

/// An untrusted value quoted in an error: sanitised and cut to 40 characters.
pub(crate) fn quote_input(s: &str) -> String {
    let mut shown: String = s.chars().take(40).collect();
    if s.chars().nth(40).is_some() {
        shown.push('…');
    }
    format!("'{}'", sanitize(&shown))
}

/// Unicode simple case folding (CaseFolding.txt, status C and S) as custadm
/// applies it to emails: each character lower-cased on its own (never the
/// context-dependent final sigma of `str::to_lowercase`), then the letters
/// whose fold differs from their lower case mapped to the fold, then NFC.
/// The one folding custadm uses for email uniqueness and lookups: two
/// addresses that differ only in case (`ΟΔΥΣΣΕΥΣ`, `οδυσσευς`, `οδυσσευσ`;
/// `K` and the Kelvin sign; `ẞ` and `ß`) fold to the same stored text, which
/// the database compares exactly (contract: "Validation").
pub(crate) fn fold_case(s: &str) -> String {
    s.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            '\u{00B5}' => '\u{03BC}',
            '\u{017F}' => 's',
            '\u{0345}' | '\u{1FBE}' => '\u{03B9}',
            '\u{03C2}' => '\u{03C3}',
            '\u{03D0}' => '\u{03B2}',
            '\u{03D1}' => '\u{03B8}',
            '\u{03D5}' => '\u{03C6}',
            '\u{03D6}' => '\u{03C0}',
            '\u{03F0}' => '\u{03BA}',
            '\u{03F1}' => '\u{03C1}',
            '\u{03F5}' => '\u{03B5}',
            '\u{1E9B}' => '\u{1E61}',
            '\u{1C80}' => '\u{0432}',
            '\u{1C81}' => '\u{0434}',
            '\u{1C82}' => '\u{043E}',
            '\u{1C83}' => '\u{0441}',
            '\u{1C84}' | '\u{1C85}' => '\u{0442}',
            '\u{1C86}' => '\u{044A}',
            '\u{1C87}' => '\u{0463}',
            '\u{1C88}' => '\u{A64B}',
            '\u{1FD3}' => '\u{0390}',
            '\u{1FE3}' => '\u{03B0}',
            '\u{FB05}' => '\u{FB06}',
            // Cherokee folds to its upper case.
            '\u{AB70}'..='\u{ABBF}' => char::from_u32(c as u32 - 0xAB70 + 0x13A0).unwrap_or(c),
            '\u{13F8}'..='\u{13FD}' => char::from_u32(c as u32 - 8).unwrap_or(c),
            other => other,
        })
        .nfc()
        .collect()
}
