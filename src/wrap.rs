//! Breaking text into lines of a terminal's width without splitting a word:
//! the values of a key/value view (`view`, `config show`), which also break
//! inside paths, emails and hyphenated names after a separator, and the
//! lines custadm writes to a terminal on stderr (notes, warnings, `error:`
//! lines), which break between words. Only a single token wider than the
//! whole line is broken, between grapheme clusters.
//!
//! Not `textwrap`: it measures a line as the sum of its characters' widths,
//! so `❤️` (U+2764 U+FE0F, two columns on a terminal) counts one and a line
//! of them overflows; it breaks an over-long word between code points, not
//! grapheme clusters (an emoji joined by ZWJs falls apart); and a break it
//! makes inside a word is meant for hyphenation. Measured against the
//! issue-26 names of the terminal tests (tests/integration/terminal.rs).
//! The widths here are those of the whole line (`unicode-width`), clusters
//! from `unicode-segmentation`, both already in the tree for the tables.

use unicode_segmentation::UnicodeSegmentation;

/// Display columns of `s` on a terminal, measured as a whole.
pub(crate) fn display_width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

/// Characters after which a value may break when it does not fit: the
/// separators of paths, emails, host names and hyphenated names.
const SEPARATORS: [char; 5] = ['/', '.', '-', '@', '_'];

fn is_separator(c: char) -> bool {
    SEPARATORS.contains(&c)
}

/// The pieces a value may be broken into: a piece ends after a separator
/// that ends a word (`ann/`, `example.`, `Cholmondeley-`, `custadm_`) or
/// before a run of blanks, which begins the next piece. A separator that
/// follows another one or a blank (the `.` of `/.config`, `-x`), or comes
/// twice (`--`, `..`), is no place to break.
fn value_pieces(s: &str) -> Vec<&str> {
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let mut pieces = Vec::new();
    let mut start = 0;
    for k in 0..chars.len() {
        let (at, c) = chars[k];
        let end = at + c.len_utf8();
        let Some(&(_, next)) = chars.get(k + 1) else {
            break;
        };
        let word_before = k > 0 && {
            let prev = chars[k - 1].1;
            !is_separator(prev) && !prev.is_whitespace()
        };
        let ends_word = is_separator(c) && word_before && next != c && !next.is_whitespace();
        let blank_follows = !c.is_whitespace() && next.is_whitespace();
        if ends_word || blank_follows {
            pieces.push(&s[start..end]);
            start = end;
        }
    }
    if start < s.len() {
        pieces.push(&s[start..]);
    }
    pieces
}

/// `s` broken into lines of at most `width` display columns between
/// grapheme clusters; joined again they are `s`. A cluster wider than
/// `width` stands on a line of its own.
pub(crate) fn break_graphemes(s: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for g in s.graphemes(true) {
        line.push_str(g);
        if display_width(&line) > width && line.len() > g.len() {
            line.truncate(line.len() - g.len());
            lines.push(std::mem::take(&mut line));
            line.push_str(g);
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// A value broken into lines of at most `width` display columns, at word
/// boundaries: between words (the blanks begin the next line, where they
/// show: a table trims a line's end) and after a separator inside a path,
/// an email or a hyphenated name (`custadm-` / `metrics.prom`,
/// `ana.johnson6@` / `example.org`). Only a piece wider than `width` is
/// broken, between grapheme clusters. Joined again the lines are `s`.
pub(crate) fn wrap_value(s: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for piece in value_pieces(s) {
        let joined = display_width(&format!("{line}{piece}"));
        if joined <= width {
            line.push_str(piece);
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if display_width(piece) <= width {
            line.push_str(piece);
            continue;
        }
        // A single token wider than the line: broken where it must be.
        let mut parts = break_graphemes(piece, width);
        line = parts.pop().unwrap_or_default();
        lines.extend(parts);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Terminals narrower than this get stderr lines as they are (broken
/// between words they would stand one word a line).
pub(crate) const PROSE_WRAP_MIN_WIDTH: usize = 20;

/// Text for people broken into lines of at most `width` display columns
/// between words (a blank where a line breaks is dropped, as in any
/// paragraph); a word wider than `width` (a long path) is broken between
/// grapheme clusters. Lines already in the text stay lines. Below
/// [`PROSE_WRAP_MIN_WIDTH`] the text is returned as it is.
pub(crate) fn wrap_prose(text: &str, width: usize) -> String {
    if width < PROSE_WRAP_MIN_WIDTH || text.lines().all(|l| display_width(l) <= width) {
        return text.to_string();
    }
    let mut out: Vec<String> = Vec::new();
    for source in text.split('\n') {
        if display_width(source) <= width {
            out.push(source.to_string());
            continue;
        }
        // Leading blanks (an indented line) stay with its first word.
        let body = source.trim_start_matches(' ');
        let indent = &source[..source.len() - body.len()];
        let mut line = indent.to_string();
        let mut has_word = false;
        for word in body.split(' ').filter(|w| !w.is_empty()) {
            let sep = if has_word { " " } else { "" };
            if display_width(&format!("{line}{sep}{word}")) <= width {
                line.push_str(sep);
                line.push_str(word);
                has_word = true;
                continue;
            }
            if has_word {
                out.push(std::mem::take(&mut line));
            }
            if display_width(word) <= width {
                line = word.to_string();
            } else {
                let mut parts = break_graphemes(word, width);
                line = parts.pop().unwrap_or_default();
                out.extend(parts);
            }
            has_word = true;
        }
        out.push(line);
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every line fits; joined the lines are the value; a line that ends
    /// where the next one continues a word ends in a separator, or is a
    /// piece of a token wider than the line.
    fn check_value(s: &str, width: usize) -> Vec<String> {
        let lines = wrap_value(s, width);
        assert_eq!(lines.concat(), s, "{width}: {lines:?}");
        for line in &lines {
            assert!(display_width(line) <= width, "{width}: {line:?}");
        }
        lines
    }

    #[test]
    fn values_break_between_words_and_after_separators() {
        assert_eq!(
            check_value("/home/ann/.config/custadm-metrics.prom", 16),
            vec!["/home/ann/", ".config/custadm-", "metrics.prom"]
        );
        assert_eq!(
            check_value("ana.johnson6@example.org", 19),
            vec!["ana.johnson6@", "example.org"]
        );
        assert_eq!(
            check_value("Zebedee Cholmondeley-Featherstonehaugh", 20),
            vec!["Zebedee", " Cholmondeley-", "Featherstonehaugh"]
        );
        assert_eq!(
            check_value("passport BR75270752 (BR)", 19),
            vec!["passport BR75270752", " (BR)"]
        );
        // A separator after a separator or a blank is no place to break.
        assert_eq!(value_pieces("/a/.b"), vec!["/a/", ".b"]);
        assert_eq!(value_pieces("x -y--z"), vec!["x", " -y--z"]);
        // Only a token wider than the line is broken.
        assert_eq!(
            check_value("abc Featherstonehaugh", 8),
            vec!["abc", " Feather", "stonehau", "gh"]
        );
        assert_eq!(check_value("short", 40), vec!["short"]);
        assert_eq!(check_value("", 10), vec![""]);
        let mixed = "Ze\u{301}\u{2764}\u{fe0f}ro \u{2764}\u{fe0f}".repeat(9);
        for w in 2..20 {
            for line in check_value(&mixed, w) {
                assert!(!line.starts_with(['\u{301}', '\u{fe0f}']), "{w}: {line:?}");
            }
        }
    }

    #[test]
    fn prose_breaks_between_words() {
        let text = "error: customer 6 is deleted: run `custadm restore 6` first, then try again";
        let wrapped = wrap_prose(text, 30);
        for line in wrapped.lines() {
            assert!(display_width(line) <= 30, "{line:?}");
        }
        assert_eq!(
            wrapped,
            "error: customer 6 is deleted:\nrun `custadm restore 6` first,\nthen try again"
        );
        assert_eq!(wrapped.replace('\n', " "), text);
        // Lines stay lines; narrow terminals get the text as it is.
        assert_eq!(wrap_prose("a b\nc d", 20), "a b\nc d");
        assert_eq!(wrap_prose(text, 19), text);
        // A word wider than the line is broken, nothing lost.
        let path = format!("warning: {}", "/x".repeat(30));
        let wrapped = wrap_prose(&path, 24);
        assert_eq!(wrapped.replace('\n', ""), path.replacen(' ', "", 1));
        for line in wrapped.lines() {
            assert!(display_width(line) <= 24, "{line:?}");
        }
    }
}
