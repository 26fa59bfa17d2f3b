//! The bytes of a change file (`edit --from`) as they are read, checked
//! before the CSV or JSON parser sees them (contract: a malformed file is
//! exit 2 naming the line, before anything changes):
//! - no line (JSON lines) or CSV record longer than [`MAX_LINE_BYTES`], so
//!   no row can exhaust memory;
//! - CSV quoting as RFC 4180 has it: the `csv` crate is lenient and reads
//!   `1,"Ann "Bee" Cee"` as `Ann Bee" Cee"`, `1,Ann "Bee"` with its quotes,
//!   and an unclosed quote as a field running to the end of the file; here
//!   a quote inside an unquoted field, text after a closing quote, and a
//!   quote never closed are errors naming their line;
//! - lines counted as the user's editor counts them: LF, CRLF, and in CSV a
//!   lone CR (old Mac line ends, which the `csv` crate reads as record ends);
//!   JSON lines end with LF only, so a lone CR there is refused with the way
//!   to convert the file. Blank lines count too: the `csv` crate skips them
//!   and places the next record where the blank lines begin, so each CSV
//!   record's line is taken from where its first byte is (`Scan::line_at`).
//!
//! An error is an `InvalidData` I/O error carrying a [`LineError`] (the
//! parsers pass I/O errors on without a position); it is returned after
//! the bytes before it, so a parser reports an earlier line's problem first.

use std::collections::VecDeque;
use std::io::Read;

/// Longest line (or CSV record) of a change file: a name is at most 150
/// characters and an email 254, so this is generous; a file without line
/// breaks (`/dev/zero`) cannot exhaust memory.
pub(super) const MAX_LINE_BYTES: usize = 64 * 1024;

/// A malformed file found while reading: its line and what is wrong.
#[derive(Debug)]
pub(super) struct LineError {
    pub line: u64,
    pub what: String,
}

impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.what)
    }
}

impl std::error::Error for LineError {}

impl LineError {
    /// The [`LineError`] an I/O error from [`Scan`] carries, if any.
    pub(super) fn of(e: &std::io::Error) -> Option<&LineError> {
        e.get_ref()
            .and_then(|inner| inner.downcast_ref::<LineError>())
    }
}

/// Where the CSV quoting stands after the bytes read so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quote {
    /// At the start of a field.
    FieldStart,
    /// Inside a field that did not start with a quote.
    Unquoted,
    /// Inside a quoted field.
    Quoted,
    /// A quote inside a quoted field: the closing one, or the first of `""`.
    Closing,
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// A reader of a change file's bytes that checks them as they pass (see
/// the module documentation) and keeps, for CSV, where each record begins
/// and on which line, so a record's byte offset gives its line
/// ([`Scan::line_at`]).
pub(super) struct Scan<R> {
    inner: R,
    /// CSV (quoting checked, a lone CR is a line break) or JSON lines.
    csv: bool,
    /// Bytes read so far.
    offset: u64,
    /// Line breaks read so far.
    breaks: u64,
    /// The byte before was a CR.
    after_cr: bool,
    /// Bytes since the last line break (JSON lines) or since the start of
    /// the CSV record, and the line that record starts on.
    run: usize,
    record_line: u64,
    quote: Quote,
    /// The line of the quote that opened the current quoted field.
    quote_line: u64,
    /// CSV: inside a record (its first byte read, its end not yet).
    in_record: bool,
    /// CSV: (offset of its first byte, line) of each record read but not
    /// yet handed out by [`Scan::line_at`] (bounded by the read-ahead).
    starts: VecDeque<(u64, u64)>,
    /// An error found in the bytes of the last read, returned by the next.
    failed: Option<LineError>,
}

impl<R> Scan<R> {
    pub(super) fn new(inner: R, csv: bool) -> Self {
        Scan {
            inner,
            csv,
            offset: 0,
            breaks: 0,
            after_cr: false,
            run: 0,
            record_line: 1,
            quote: Quote::FieldStart,
            quote_line: 1,
            in_record: false,
            starts: VecDeque::new(),
            failed: None,
        }
    }

    /// The line (1-based) of the CSV record the `csv` crate places at byte
    /// `at` of the input: that of the first record beginning at or after
    /// `at`. The crate places a record where the previous one's line break
    /// ends (after a CRLF at its LF, of which it read only the CR), so any
    /// blank lines it skipped lie between `at` and the record's first byte.
    /// Records are asked for in order; the ones before `at` are dropped.
    pub(super) fn line_at(&mut self, at: u64) -> u64 {
        while self.starts.front().is_some_and(|&(offset, _)| offset < at) {
            self.starts.pop_front();
        }
        match self.starts.pop_front() {
            Some((_, line)) => line,
            None => self.line(),
        }
    }

    /// The line the next byte is on.
    fn line(&self) -> u64 {
        self.breaks + 1
    }

    /// Looks at one byte (at offset `at`); an error names its line.
    fn byte(&mut self, at: u64, b: u8) -> Result<(), LineError> {
        let after_cr = std::mem::replace(&mut self.after_cr, b == b'\r');
        if !self.csv {
            return self.json_byte(after_cr, b);
        }
        if at < BOM.len() as u64 && self.bom_so_far(at, b) {
            return Ok(()); // the byte-order mark is no part of the header
        }
        let line = self.line();
        // A line break: LF (not the LF of a CRLF, counted at its CR) or CR.
        let is_break = b == b'\r' || (b == b'\n' && !after_cr);
        if is_break {
            self.breaks += 1;
        }
        let ends_record = b == b'\n' || b == b'\r';
        if !self.in_record && !ends_record {
            self.in_record = true;
            self.starts.push_back((at, line));
        }
        self.quote = match (self.quote, b) {
            (Quote::Quoted, b'"') => Quote::Closing,
            (Quote::Quoted, _) => Quote::Quoted,
            (Quote::FieldStart, b'"') => {
                self.quote_line = line;
                Quote::Quoted
            }
            (Quote::Closing, b'"') => Quote::Quoted,
            (Quote::Unquoted, b'"') => {
                return Err(LineError {
                    line,
                    what: "a quote inside a field that does not start with one: put the whole field in quotes and double each quote inside it (\"Ann \"\"Bee\"\" Lee\")".into(),
                })
            }
            (Quote::Closing, b',') | (Quote::FieldStart | Quote::Unquoted, b',') => {
                Quote::FieldStart
            }
            (_, _) if ends_record => Quote::FieldStart,
            (Quote::Closing, _) => {
                return Err(LineError {
                    line,
                    what: "text after the closing quote of a field: a quote inside a quoted field is written twice (\"Ann \"\"Bee\"\" Lee\")".into(),
                })
            }
            (Quote::FieldStart | Quote::Unquoted, _) => Quote::Unquoted,
        };
        if ends_record && self.quote == Quote::FieldStart {
            self.in_record = false;
            self.run = 0;
            self.record_line = self.line();
            return Ok(());
        }
        self.run += 1;
        if self.run > MAX_LINE_BYTES {
            let what = if self.record_line == line {
                format!("a line longer than {MAX_LINE_BYTES} bytes")
            } else {
                format!(
                    "a row longer than {MAX_LINE_BYTES} bytes starting on this line (a quote that is never closed?)"
                )
            };
            return Err(LineError {
                line: self.record_line,
                what,
            });
        }
        Ok(())
    }

    /// True while the first bytes are those of a byte-order mark.
    fn bom_so_far(&self, at: u64, b: u8) -> bool {
        BOM.get(at as usize) == Some(&b) && self.run == 0 && self.breaks == 0
    }

    /// One byte of a JSON-lines file: lines end with LF (or CRLF).
    fn json_byte(&mut self, after_cr: bool, b: u8) -> Result<(), LineError> {
        if after_cr && b != b'\n' {
            return Err(LineError {
                line: self.line(),
                what: "a carriage return (CR) without a line feed: lines end with LF or CRLF (old Mac line ends? convert with `tr '\\r' '\\n' < FILE > NEW`)".into(),
            });
        }
        if b == b'\n' {
            self.breaks += 1;
            self.run = 0;
            return Ok(());
        }
        self.run += 1;
        if self.run > MAX_LINE_BYTES {
            return Err(LineError {
                line: self.line(),
                what: format!("a line longer than {MAX_LINE_BYTES} bytes"),
            });
        }
        Ok(())
    }

    /// At the end of the input: a CSV quote still open is an error on the
    /// line it opened.
    fn end(&self) -> Result<(), LineError> {
        if self.csv && self.quote == Quote::Quoted {
            return Err(LineError {
                line: self.quote_line,
                what: "a quote that is never closed (the field runs to the end of the file)".into(),
            });
        }
        Ok(())
    }
}

fn invalid(e: LineError) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, e)
}

impl<R: Read> Read for Scan<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if let Some(e) = self.failed.take() {
            return Err(invalid(e));
        }
        let n = self.inner.read(buf)?;
        if n == 0 {
            self.end().map_err(invalid)?;
            return Ok(0);
        }
        for (i, &b) in buf.get(..n).unwrap_or_default().iter().enumerate() {
            let at = self.offset;
            if let Err(e) = self.byte(at, b) {
                if i == 0 {
                    return Err(invalid(e));
                }
                // The bytes before it first: an earlier line's problem is
                // reported before this one.
                self.failed = Some(e);
                return Ok(i);
            }
            self.offset += 1;
        }
        Ok(n)
    }
}
