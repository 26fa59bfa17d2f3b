//! Everything custadm prints: tables (comfy-table on a terminal, plain aligned
//! text otherwise), JSON documents, CSV cells, and the sanitising that keeps
//! untrusted strings from driving the operator's terminal.

use std::io::{IsTerminal, Write};

use chrono::NaiveDateTime;
use comfy_table::{presets, ColumnConstraint, ContentArrangement, Table, Width};
use serde::Serialize;

use crate::error::Result;
use crate::text::{is_dangerous, sanitize, sanitize_multiline};

/// `-o/--output`: how results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A table for people (plain aligned text when stdout is not a terminal).
    Table,
    /// One JSON document.
    Json,
    /// One JSON object per line (list only).
    Jsonl,
    /// CSV with a header (list only).
    Csv,
    /// One id per line (list only), for `--ids-from -`.
    Ids,
}

/// True when stdout is `/dev/null` — also when it was closed, since Rust's
/// runtime reopens a closed standard descriptor on `/dev/null` before `main`.
/// Whatever is written there is lost.
pub(crate) fn stdout_is_null() -> bool {
    use std::os::unix::fs::MetadataExt;
    let Ok(null) = std::fs::metadata("/dev/null") else {
        return false;
    };
    // SAFETY: fstat fills the zeroed struct; fd 1 is only inspected.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    if unsafe { libc::fstat(1, &mut st) } != 0 {
        return true;
    }
    (st.st_mode & libc::S_IFMT) == libc::S_IFCHR && st.st_rdev == null.rdev()
}

/// The output settings every command prints through.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Output {
    pub format: Format,
    pub quiet: bool,
    pub stdout_is_tty: bool,
}

impl Output {
    /// Settings for this process.
    pub fn new(format: Format, quiet: bool) -> Self {
        Output {
            format,
            quiet,
            stdout_is_tty: std::io::stdout().is_terminal(),
        }
    }

    /// True for `-o json`.
    pub fn is_json(&self) -> bool {
        self.format == Format::Json
    }

    /// Prints a value as the one JSON document on stdout.
    pub fn json<T: Serialize>(&self, value: &T) -> Result<()> {
        let text = escape_json_text(&serde_json::to_string_pretty(value)?);
        writeln!(crate::stdout::stdout().lock(), "{text}")?;
        Ok(())
    }

    /// Prints a table whose cells are untrusted text.
    pub fn table(&self, headers: &[&str], rows: Vec<Vec<String>>) -> Result<()> {
        let text = render_table(headers, rows, self.stdout_is_tty);
        let mut out = crate::stdout::stdout().lock();
        writeln!(out, "{text}")?;
        Ok(())
    }

    /// Prints a line of text for people on stdout (never in JSON mode). The
    /// text is sanitised here, at the sink, whatever the caller did (sanitising
    /// twice changes nothing): it may quote profile names, paths or data.
    pub fn line(&self, text: &str) -> Result<()> {
        if !self.quiet {
            writeln!(
                crate::stdout::stdout().lock(),
                "{}",
                sanitize_multiline(text)
            )?;
        }
        Ok(())
    }

    /// A `warning:` line on stderr, shown even with `-q` (a warning is about
    /// safety, not chatter), sanitised like [`Output::line`].
    pub fn warn(&self, text: &str) {
        let _ = writeln!(std::io::stderr(), "warning: {}", sanitize(text));
    }

    /// A note for people on stderr (kept off stdout so scripts get clean
    /// data), sanitised like [`Output::line`].
    pub fn note(&self, text: &str) {
        if !self.quiet {
            let _ = writeln!(std::io::stderr(), "{}", sanitize_multiline(text));
        }
    }
}

/// One compact JSON text, safe for a terminal (see [`escape_json_text`]).
pub(crate) fn json_text<T: Serialize>(value: &T) -> Result<String> {
    Ok(escape_json_text(&serde_json::to_string(value)?))
}

/// serde_json escapes C0 controls but writes C1 controls and bidirectional
/// overrides raw; inside JSON strings (the only place non-ASCII can be)
/// they become `\uXXXX` escapes: the same value, harmless on a terminal.
pub fn escape_json_text(json: &str) -> String {
    if !json.chars().any(is_dangerous) {
        return json.to_string();
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if is_dangerous(c) && c as u32 >= 0x7f {
            // JSON escapes are UTF-16: a character beyond the BMP (the tag
            // characters U+E0000…) is a surrogate pair.
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Longest table cell, in characters; longer ones are cut with `…` (contract,
/// "Output"). JSON and CSV carry the whole value.
pub(crate) const MAX_CELL_CHARS: usize = 200;

/// Cuts `s` to at most [`MAX_CELL_CHARS`] characters, the last being `…`.
/// Looks at no more than that many characters, so a 200,000-character value
/// costs no more than a short one.
pub(crate) fn cut_cell(s: &str) -> std::borrow::Cow<'_, str> {
    match s.char_indices().nth(MAX_CELL_CHARS) {
        None => std::borrow::Cow::Borrowed(s),
        Some(_) => {
            let mut cut: String = s.chars().take(MAX_CELL_CHARS - 1).collect();
            cut.push('…');
            std::borrow::Cow::Owned(cut)
        }
    }
}

/// An untrusted value as a multi-line table cell: cut, then sanitised, then
/// cut again (escapes make it longer).
pub(crate) fn table_cell(s: &str) -> String {
    cut_cell(&sanitize_multiline(&cut_cell(s))).into_owned()
}

/// An untrusted value as a one-line table cell (newlines shown as `\x0a`).
pub(crate) fn table_cell_line(s: &str) -> String {
    cut_cell(&sanitize(&cut_cell(s))).into_owned()
}

fn new_table(tty: bool) -> Table {
    let mut table = Table::new();
    if tty {
        table
            .load_preset(presets::UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(crate::terminal::width());
    } else {
        table
            .load_preset(presets::NOTHING)
            .set_content_arrangement(ContentArrangement::Disabled);
    }
    table
}

/// Builds a table: box drawing fitted to the terminal (see
/// [`crate::terminal::width`]), or plain columns separated by spaces when
/// the output goes to a file or pipe. Cells are untrusted text.
pub(crate) fn render_table(headers: &[&str], rows: Vec<Vec<String>>, tty: bool) -> String {
    let mut table = new_table(tty);
    table.set_header(headers.iter().copied());
    for row in rows {
        table.add_row(row.iter().map(|cell| table_cell(cell)));
    }
    if !tty {
        // comfy-table pads every cell with one space each side; plain output
        // keeps the column alignment but drops the trailing blanks.
        return table
            .lines()
            .map(|l| l.trim_end().to_string())
            .collect::<Vec<_>>()
            .join("\n");
    }
    table.to_string()
}

/// Rows held to fix the column widths of a streamed table.
pub(crate) const TABLE_WINDOW_ROWS: usize = 200;

/// A table written as rows arrive, in memory independent of the row count
/// (contract, "Output": table output streams). The column widths are fixed
/// from the header and the first [`TABLE_WINDOW_ROWS`] rows (fitted to the
/// terminal); then each window of rows is laid out with those widths and
/// written. Cells are one line each, cut at [`MAX_CELL_CHARS`]; a later cell
/// wider than its column wraps (terminal) or overflows (plain text).
pub(crate) struct StreamingTable<W: Write> {
    out: W,
    headers: Vec<String>,
    tty: bool,
    window: Vec<Vec<String>>,
    /// Content widths, fixed after the first window.
    widths: Option<Vec<usize>>,
    /// The terminal table's closing border, written at the end.
    bottom: Option<String>,
}

fn display_width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

impl<W: Write> StreamingTable<W> {
    /// A table with these column headers writing to `out`.
    pub fn new(out: W, headers: &[&str], tty: bool) -> Self {
        StreamingTable {
            out,
            headers: headers.iter().map(|h| h.to_string()).collect(),
            tty,
            window: Vec::with_capacity(TABLE_WINDOW_ROWS),
            widths: None,
            bottom: None,
        }
    }

    /// The writer, for taking what has been written so far.
    pub fn writer_mut(&mut self) -> &mut W {
        &mut self.out
    }

    /// True when no row has been added.
    pub fn is_empty(&self) -> bool {
        self.widths.is_none() && self.window.is_empty()
    }

    /// Adds a row of untrusted cells.
    pub fn push(&mut self, row: &[&str]) -> Result<()> {
        self.window
            .push(row.iter().map(|c| table_cell_line(c)).collect());
        if self.window.len() >= TABLE_WINDOW_ROWS {
            self.flush_window()?;
        }
        Ok(())
    }

    /// Writes what is left and the closing border; gives the writer back.
    pub fn finish(mut self) -> Result<W> {
        if !self.window.is_empty() {
            self.flush_window()?;
        }
        if let Some(bottom) = self.bottom.take() {
            writeln!(self.out, "{bottom}")?;
        }
        Ok(self.out)
    }

    /// Column content widths from the header and the first window, fitted to
    /// the terminal: the widest column gives way first.
    fn fix_widths(&self) -> Vec<usize> {
        let mut widths: Vec<usize> = self.headers.iter().map(|h| display_width(h)).collect();
        for row in &self.window {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(display_width(cell));
            }
        }
        if self.tty {
            // Each column: its content, one space of padding each side and a
            // border; plus the closing border.
            let available = usize::from(crate::terminal::width());
            let overhead = 3 * widths.len() + 1;
            let floor: Vec<usize> = self
                .headers
                .iter()
                .map(|h| display_width(h).clamp(1, 6))
                .collect();
            while widths.iter().sum::<usize>() + overhead > available {
                let Some((i, _)) = widths
                    .iter()
                    .enumerate()
                    .filter(|(i, w)| **w > floor[*i])
                    .max_by_key(|(_, w)| **w)
                else {
                    break;
                };
                widths[i] -= 1;
            }
        }
        widths
    }

    fn flush_window(&mut self) -> Result<()> {
        let first = self.widths.is_none();
        if first {
            self.widths = Some(self.fix_widths());
        }
        let widths = self.widths.clone().unwrap_or_default();
        let rows = std::mem::take(&mut self.window);
        if !self.tty {
            let mut line = String::new();
            let mut write_row = |out: &mut W, cells: &[String]| -> Result<()> {
                line.clear();
                for (cell, w) in cells.iter().zip(&widths) {
                    line.push(' ');
                    line.push_str(cell);
                    let pad = w.saturating_sub(display_width(cell)) + 1;
                    line.extend(std::iter::repeat_n(' ', pad));
                }
                writeln!(out, "{}", line.trim_end())?;
                Ok(())
            };
            if first {
                write_row(&mut self.out, &self.headers.clone())?;
            }
            for row in &rows {
                write_row(&mut self.out, row)?;
            }
            return Ok(());
        }
        let mut table = new_table(true);
        if first {
            table.set_header(self.headers.iter().map(String::as_str));
        }
        table.set_constraints(widths.iter().map(|w| {
            let w = u16::try_from(*w + 2).unwrap_or(u16::MAX);
            ColumnConstraint::Absolute(Width::Fixed(w))
        }));
        for row in rows {
            table.add_row(row);
        }
        let mut lines = table.lines();
        // Windows after the first continue the previous one: no top border.
        let skip = usize::from(!first);
        let mut previous: Option<String> = None;
        for line in lines.by_ref().skip(skip) {
            if let Some(p) = previous.replace(line) {
                writeln!(self.out, "{p}")?;
            }
        }
        self.bottom = previous;
        Ok(())
    }
}

/// A timestamp as RFC 3339 UTC: `2026-11-27T01:02:03Z`.
pub(crate) fn rfc3339(ts: NaiveDateTime) -> String {
    ts.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A timestamp for a table: `2026-11-27 01:02:03`, or `-` when absent.
pub(crate) fn human_time(ts: Option<NaiveDateTime>) -> String {
    ts.map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_else(|| "-".into())
}

/// Cents as dollars for people: `12345` → `$123.45`.
pub(crate) fn dollars(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}${}.{:02}", abs / 100, abs % 100)
}

/// One CSV cell: quoted when needed, and a free-text cell that a spreadsheet
/// would read as a formula gets a leading `'`.
pub fn csv_text_cell(s: &str) -> String {
    let guarded = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    csv_cell(&guarded)
}

/// A phone as a CSV cell: written as it is when it is `+` followed by digits
/// only (what custadm validates), otherwise guarded like free text, since
/// another program may have stored anything there (contract, "Output").
pub(crate) fn csv_phone_cell(s: &str) -> String {
    let e164 = s
        .strip_prefix('+')
        .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()));
    if e164 || s.is_empty() {
        csv_cell(s)
    } else {
        csv_text_cell(s)
    }
}

/// One CSV cell of trusted, validated data (numbers, E.164 phones, times).
pub(crate) fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_makes_controls_visible() {
        assert_eq!(sanitize("a\x1b[2Jb"), "a\\x1b[2Jb");
        assert_eq!(sanitize("x\u{9b}y"), "x\\x9by");
        assert_eq!(sanitize("\u{202e}abc"), "\\u{202e}abc");
        assert_eq!(sanitize("Zoë"), "Zoë");
        assert_eq!(sanitize_multiline("a\nb\x07"), "a\nb\\x07");
    }

    #[test]
    fn csv_guards_formulas() {
        assert_eq!(csv_text_cell("=1+1"), "'=1+1");
        assert_eq!(csv_text_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_text_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_phone_cell("+442079460958"), "+442079460958");
        assert_eq!(
            csv_phone_cell("=HYPERLINK(\"x\")"),
            "\"'=HYPERLINK(\"\"x\"\")\""
        );
        assert_eq!(csv_phone_cell("-2+3"), "'-2+3");
        assert_eq!(csv_phone_cell("@SUM(1)"), "'@SUM(1)");
        assert_eq!(csv_phone_cell("+1 555"), "'+1 555");
        assert_eq!(csv_phone_cell(""), "");
        assert_eq!(dollars(12345), "$123.45");
        assert_eq!(dollars(-5), "-$0.05");
    }
}
