//! A change file (`edit --from FILE`, contract: SPEC.md "Commands", `edit
//! --from`): CSV with a header or JSON lines, one customer a row, read once
//! in a streaming pass that checks the whole file (a malformed file is exit
//! 2 naming the line, before anything changes) and writes every row,
//! validated and normalised, to an unlinked spool file; the run then reads
//! the spool again, a batch at a time. Memory does not grow with the file:
//! the spool is on disk (standard input is read once, like a file).
//!
//! Values are validated here as `edit` validates them (NFC names, email
//! syntax, libphonenumber phones with `default_region`); a row with an
//! invalid value is not a malformed file: it becomes that row's `refused`
//! result. The key (`id` or `email`) must name a customer in a valid form,
//! else the file is malformed.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Seek, Write};
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::report::{ItemResult, Outcome};
use super::scan::{LineError, Scan};
use crate::error::{Error, Result};
use crate::text::sanitize;

/// The two formats of a change file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ChangeFormat {
    /// CSV with a header: `id` or `email`, and any of `full_name`, `new_email`, `phone`
    Csv,
    /// JSON lines: `{"id"|"email": …, "full_name"?, "new_email"?, "phone"? (null clears)}`
    Jsonl,
}

impl ChangeFormat {
    fn as_str(self) -> &'static str {
        match self {
            ChangeFormat::Csv => "csv",
            ChangeFormat::Jsonl => "jsonl",
        }
    }

    /// The format a file name's extension names, if any.
    fn of_path(path: &Path) -> Option<ChangeFormat> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(ChangeFormat::Csv),
            "jsonl" | "ndjson" => Some(ChangeFormat::Jsonl),
            _ => None,
        }
    }
}

/// How a row names its customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowKey {
    /// `customers.id` (any integer: other programs may have made it zero
    /// or negative).
    Id(i64),
    /// An email address, normalised as `edit` stores it.
    Email(String),
}

/// What a row does to the phone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhoneChange {
    /// Leave it as it is (an empty CSV cell, no `phone` key).
    Keep,
    /// Remove it (JSON `"phone": null`).
    Clear,
    /// Set it (E.164, validated).
    Set(String),
}

/// One row of a change file, validated and normalised.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChangeRow {
    /// The row's line in the file (1-based; a CSV header is line 1).
    pub line: u64,
    pub key: RowKey,
    /// NFC, trimmed.
    pub full_name: Option<String>,
    /// Lower-case, NFC.
    pub new_email: Option<String>,
    pub phone: PhoneChange,
    /// Why a value of the row is invalid (the row is `refused`).
    pub invalid: Option<String>,
}

impl ChangeRow {
    /// A result for this row before its customer is known: by id, or by
    /// the email it names.
    pub fn result(&self, outcome: Outcome) -> ItemResult {
        match &self.key {
            RowKey::Id(id) => ItemResult::new(*id, outcome),
            RowKey::Email(e) => ItemResult::by_email(e, outcome),
        }
        .with_line(self.line)
    }

    /// True when the row asks for a change and its values are valid.
    fn asks_for_change(&self) -> bool {
        self.invalid.is_none()
            && (self.full_name.is_some()
                || self.new_email.is_some()
                || self.phone != PhoneChange::Keep)
    }
}

/// A change file read, checked and spooled: what `Selection::File` runs
/// over. Cloning shares the spool.
#[derive(Debug, Clone)]
pub struct ChangeFile {
    spool: Arc<File>,
    /// Rows in the file.
    pub rows: u64,
    /// Rows that ask for a change with valid values: at most this many
    /// customers change (what `--max-changes` counts before the run).
    pub changing: u64,
    pub format: ChangeFormat,
}

impl ChangeFile {
    /// Reads `path` (`-`: standard input) in `format` (else the one its
    /// extension names: `.csv`, `.jsonl`, `.ndjson`), validating each row's
    /// values with `region` for national phone numbers.
    ///
    /// # Errors
    /// [`Error::Usage`] (exit 2) naming the line for a malformed file: no
    /// or a bad header, an unknown or repeated column, no key column, a
    /// line that is not a JSON object of the known keys, bad CSV quoting, a
    /// key that is not an id or an email address, text that is not UTF-8;
    /// also when the format is unknown or the file cannot be read.
    pub fn read(
        path: &Path,
        format: Option<ChangeFormat>,
        region: Option<phonenumber::country::Id>,
    ) -> Result<ChangeFile> {
        let stdin = path.as_os_str() == "-";
        let source = if stdin {
            "standard input".to_string()
        } else {
            sanitize(&path.display().to_string())
        };
        let by_name = if stdin {
            None
        } else {
            ChangeFormat::of_path(path)
        };
        let format = match (by_name, format) {
            (Some(a), Some(b)) if a != b => {
                return Err(Error::Usage(format!(
                    "--from {source}: the extension says {} but --format says {}; rename the file or drop --format",
                    a.as_str(),
                    b.as_str()
                )))
            }
            (Some(f), _) | (None, Some(f)) => f,
            (None, None) => {
                return Err(Error::Usage(format!(
                    "--from {source}: cannot tell the format from the name; add --format csv or --format jsonl"
                )))
            }
        };
        let reader: Box<dyn Read> =
            if stdin {
                Box::new(std::io::stdin())
            } else {
                Box::new(File::open(path).map_err(|e| {
                    Error::Usage(format!("--from {source}: cannot read the file: {e}"))
                })?)
            };
        let scan = Scan::new(reader, format == ChangeFormat::Csv);
        let mut reader = BufReader::with_capacity(64 * 1024, scan);
        // A byte-order mark (spreadsheets write one) is not part of the header.
        let mut skipped = 0;
        if reader
            .fill_buf()
            .map_err(|e| read_error(&source, e))?
            .starts_with(b"\xEF\xBB\xBF")
        {
            reader.consume(3);
            skipped = 3;
        }
        let spool = super::report::spool_file()?;
        let mut writer = Spool {
            out: BufWriter::new(spool),
            rows: 0,
            changing: 0,
        };
        match format {
            ChangeFormat::Csv => read_csv(reader, skipped, &source, region, &mut writer)?,
            ChangeFormat::Jsonl => read_jsonl(reader, &source, region, &mut writer)?,
        }
        let (rows, changing) = (writer.rows, writer.changing);
        let spool = writer
            .out
            .into_inner()
            .map_err(|e| Error::Internal(format!("spool file: {}", e.error())))?;
        Ok(ChangeFile {
            spool: Arc::new(spool),
            rows,
            changing,
            format,
        })
    }

    /// How the run's customers were chosen, for its `run` audit row.
    pub fn describe(&self) -> serde_json::Value {
        serde_json::json!({"file": self.format.as_str(), "rows": self.rows})
    }

    /// The rows from the first, a batch at a time.
    pub fn reader(&self) -> Result<RowReader> {
        let mut file = self.spool.try_clone()?;
        file.rewind()?;
        Ok(RowReader {
            lines: BufReader::new(file),
            buf: String::new(),
        })
    }
}

/// Reads a [`ChangeFile`]'s rows back, in file order.
pub struct RowReader {
    lines: BufReader<File>,
    buf: String,
}

impl RowReader {
    /// Up to `n` next rows; empty at the end.
    pub fn next_batch(&mut self, n: usize) -> Result<Vec<ChangeRow>> {
        let mut rows = Vec::with_capacity(n.min(10_000));
        while rows.len() < n {
            self.buf.clear();
            if self.lines.read_line(&mut self.buf)? == 0 {
                break;
            }
            rows.push(serde_json::from_str(self.buf.trim_end())?);
        }
        Ok(rows)
    }
}

/// The spool being written.
struct Spool {
    out: BufWriter<File>,
    rows: u64,
    changing: u64,
}

impl Spool {
    fn push(&mut self, row: &ChangeRow) -> Result<()> {
        serde_json::to_writer(&mut self.out, row)?;
        self.out.write_all(b"\n")?;
        self.rows += 1;
        if row.asks_for_change() {
            self.changing += 1;
        }
        Ok(())
    }
}

fn read_error(source: &str, e: std::io::Error) -> Error {
    Error::Usage(format!("--from {source}: cannot read: {e}"))
}

/// An error from reading through [`Scan`]: a malformed file naming its
/// line, else the file could not be read.
fn scan_error(source: &str, e: std::io::Error) -> Error {
    match LineError::of(&e) {
        Some(at) => malformed(source, at.line, &at.what),
        None => read_error(source, e),
    }
}

/// A malformed file: exit 2 naming the line.
fn malformed(source: &str, line: u64, what: &str) -> Error {
    Error::Usage(format!("{source} line {line}: {what}; nothing was changed"))
}

/// The values of a row as given (`None`: not given, or an empty CSV cell;
/// `Some(None)`: JSON `null`).
struct RawValues<'a> {
    full_name: Option<Option<&'a str>>,
    new_email: Option<Option<&'a str>>,
    phone: Option<Option<&'a str>>,
}

/// Validates a row's values as `edit` does; the first invalid one makes the
/// row `refused`.
fn validated(
    line: u64,
    key: RowKey,
    raw: RawValues<'_>,
    region: Option<phonenumber::country::Id>,
) -> ChangeRow {
    use crate::validate;
    let mut invalid = None;
    let mut note = |e: String| {
        if invalid.is_none() {
            invalid = Some(format!("invalid value: {e}"));
        }
    };
    let full_name = raw
        .full_name
        .and_then(|n| one_line("name", "full_name", n).map_err(&mut note).ok())
        .and_then(|n| validate::full_name(n).map_err(&mut note).ok());
    let new_email = raw
        .new_email
        .and_then(|e| one_line("email", "new_email", e).map_err(&mut note).ok())
        .and_then(|e| validate::email(e).map_err(&mut note).ok());
    let phone = match raw.phone {
        None => PhoneChange::Keep,
        Some(None) => PhoneChange::Clear,
        Some(Some(p)) if p.trim().is_empty() => {
            note(EMPTY_PHONE.into());
            PhoneChange::Keep
        }
        Some(Some(p)) if p.contains(['\n', '\r']) => {
            note(LINE_BREAK.replace("{}", "phone"));
            PhoneChange::Keep
        }
        Some(Some(p)) => match validate::phone(p, region) {
            Ok(p) => PhoneChange::Set(p),
            Err(e) => {
                note(e);
                PhoneChange::Keep
            }
        },
    };
    ChangeRow {
        line,
        key,
        full_name,
        new_email,
        phone,
        invalid,
    }
}

/// Why an empty phone is invalid in a file (`edit`'s own message names
/// `--clear-phone`, which a file does not have).
const EMPTY_PHONE: &str = "phone: is empty: leave it out (an empty CSV cell, no \"phone\" key) to keep the phone, or give JSON null to remove it";

/// Why a value with a line break is invalid (a quoted CSV field may hold
/// one; no name, email or phone does).
const LINE_BREAK: &str = "{}: contains a line break; a name, email or phone is one line";

/// A value given (`Some`), as one line; `None` (JSON `null`) is an error:
/// only a phone can be removed.
fn one_line<'a>(
    field: &str,
    key: &str,
    value: Option<&'a str>,
) -> std::result::Result<&'a str, String> {
    let Some(value) = value else {
        return Err(format!(
            "{key}: null, but only a phone can be removed (null clears a phone); leave \"{key}\" out to keep the {field}"
        ));
    };
    if value.contains(['\n', '\r']) {
        return Err(LINE_BREAK.replace("{}", field));
    }
    Ok(value)
}

/// The key of a row from the `id` or `email` cell.
fn key_of(source: &str, line: u64, column: Column, cell: &str) -> Result<RowKey> {
    if cell.contains(['\n', '\r']) {
        return Err(malformed(
            source,
            line,
            &format!("a line break inside the {} cell", column.name()),
        ));
    }
    let cell = cell.trim();
    if cell.is_empty() {
        return Err(malformed(
            source,
            line,
            &format!("no {} to name the customer", column.name()),
        ));
    }
    match column {
        Column::Id => cell.parse::<i64>().map(RowKey::Id).map_err(|_| {
            malformed(
                source,
                line,
                &format!(
                    "id {} is not a customer id (an integer)",
                    crate::text::quote_input(cell)
                ),
            )
        }),
        _ => crate::validate::email(cell)
            .map(RowKey::Email)
            .map_err(|e| {
                malformed(
                    source,
                    line,
                    &format!(
                        "{} is not a customer email address ({e})",
                        crate::text::quote_input(cell)
                    ),
                )
            }),
    }
}

/// A column of a CSV change file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Id,
    Email,
    FullName,
    NewEmail,
    Phone,
}

impl Column {
    const ALL: [Column; 5] = [
        Column::Id,
        Column::Email,
        Column::FullName,
        Column::NewEmail,
        Column::Phone,
    ];

    fn name(self) -> &'static str {
        match self {
            Column::Id => "id",
            Column::Email => "email",
            Column::FullName => "full_name",
            Column::NewEmail => "new_email",
            Column::Phone => "phone",
        }
    }
}

const COLUMNS_HINT: &str =
    "the header names the customer by id or email, and any of full_name, new_email, phone";

fn read_csv<R: Read>(
    reader: BufReader<Scan<R>>,
    skipped: u64,
    source: &str,
    region: Option<phonenumber::country::Id>,
    spool: &mut Spool,
) -> Result<()> {
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(reader);
    let mut record = csv::ByteRecord::new();
    let csv_error = |e: csv::Error| -> Error {
        let line = e.position().map(|p| p.line()).unwrap_or(1);
        match e.into_kind() {
            // The scan's errors name their line (csv's I/O errors carry no
            // position).
            csv::ErrorKind::Io(e) => scan_error(source, e),
            other => malformed(source, line, &format!("not CSV ({other:?})")),
        }
    };
    if !csv.read_byte_record(&mut record).map_err(csv_error)? {
        return Err(malformed(
            source,
            1,
            &format!("the file is empty: {COLUMNS_HINT}"),
        ));
    }
    let line_of = |csv: &mut csv::Reader<BufReader<Scan<R>>>, record: &csv::ByteRecord| {
        let at = record.position().map(|p| p.byte()).unwrap_or(0) + skipped;
        csv.get_mut().get_mut().line_at(at)
    };
    let header_line = line_of(&mut csv, &record);
    let mut columns = Vec::with_capacity(record.len());
    for cell in record.iter() {
        let name = std::str::from_utf8(cell)
            .map_err(|_| malformed(source, header_line, "the header is not UTF-8"))?
            .trim()
            .to_ascii_lowercase();
        let Some(column) = Column::ALL.into_iter().find(|c| c.name() == name) else {
            // `id;full_name` is one column to a CSV reader: say why.
            let separated = [(';', "semicolons"), ('\t', "tabs"), ('|', "vertical bars")]
                .into_iter()
                .find(|(c, _)| name.contains(*c))
                .map(|(_, what)| {
                    format!(
                        "; the file must be comma-separated, and this header seems separated by {what} (save it as CSV with commas)"
                    )
                })
                .unwrap_or_default();
            return Err(malformed(
                source,
                header_line,
                &format!(
                    "unknown column {} ({COLUMNS_HINT}){separated}",
                    crate::text::quote_input(&name)
                ),
            ));
        };
        if columns.contains(&column) {
            return Err(malformed(
                source,
                header_line,
                &format!("column {} appears twice", column.name()),
            ));
        }
        columns.push(column);
    }
    let key = match (
        columns.contains(&Column::Id),
        columns.contains(&Column::Email),
    ) {
        (true, true) => {
            return Err(malformed(
                source,
                header_line,
                "both id and email columns: name each customer one way (id, or email)",
            ))
        }
        (true, false) => Column::Id,
        (false, true) => Column::Email,
        (false, false) => {
            return Err(malformed(
                source,
                header_line,
                &format!("no id or email column ({COLUMNS_HINT})"),
            ))
        }
    };
    if columns.len() < 2 {
        return Err(malformed(
            source,
            header_line,
            &format!("no column to change ({COLUMNS_HINT})"),
        ));
    }
    let at = |c: Column| columns.iter().position(|&x| x == c);
    let (key_at, name_at, email_at, phone_at) = (
        at(key).unwrap_or(0),
        at(Column::FullName),
        at(Column::NewEmail),
        at(Column::Phone),
    );
    while csv.read_byte_record(&mut record).map_err(csv_error)? {
        let line = line_of(&mut csv, &record);
        if record.len() != columns.len() {
            return Err(malformed(
                source,
                line,
                &format!(
                    "{} field{}, the header has {} (a comma inside a value needs quotes)",
                    record.len(),
                    if record.len() == 1 { "" } else { "s" },
                    columns.len()
                ),
            ));
        }
        let mut cells: Vec<&str> = Vec::with_capacity(record.len());
        for cell in record.iter() {
            let text = std::str::from_utf8(cell)
                .map_err(|_| malformed(source, line, "not valid UTF-8"))?;
            cells.push(text);
        }
        // An empty cell, or one of spaces only, leaves its field as it is.
        let cell = |i: Option<usize>| {
            i.and_then(|i| cells.get(i).copied())
                .filter(|c| !c.trim().is_empty())
        };
        let key = key_of(source, line, key, cells.get(key_at).copied().unwrap_or(""))?;
        let raw = RawValues {
            full_name: cell(name_at).map(Some),
            new_email: cell(email_at).map(Some),
            phone: cell(phone_at).map(Some),
        };
        spool.push(&validated(line, key, raw, region))?;
    }
    Ok(())
}

/// A JSON line as given.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonRow {
    #[serde(default)]
    id: Option<i64>,
    #[serde(default)]
    email: Option<String>,
    /// Absent: unchanged; `null`: refused (only a phone can be removed).
    #[serde(default, deserialize_with = "present")]
    full_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    new_email: Option<Option<String>>,
    /// Absent: unchanged; `null`: clear.
    #[serde(default, deserialize_with = "present")]
    phone: Option<Option<String>>,
}

/// A key that is present (`null` included) is `Some`.
fn present<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

fn read_jsonl(
    mut reader: impl BufRead,
    source: &str,
    region: Option<phonenumber::country::Id>,
    spool: &mut Spool,
) -> Result<()> {
    let mut raw = Vec::new();
    let mut line = 0u64;
    loop {
        raw.clear();
        let n = reader
            .read_until(b'\n', &mut raw)
            .map_err(|e| scan_error(source, e))?;
        if n == 0 {
            break;
        }
        line += 1;
        let text = std::str::from_utf8(&raw)
            .map_err(|_| malformed(source, line, "not valid UTF-8"))?
            .trim();
        if text.is_empty() {
            continue;
        }
        if !text.starts_with('{') {
            if let Some(kind) = not_an_object(text) {
                return Err(malformed(
                    source,
                    line,
                    &format!(
                        "{kind}, not a JSON object: each line is one object of id or email and full_name, new_email, phone"
                    ),
                ));
            }
        }
        let row: JsonRow = serde_json::from_str(text).map_err(|e| {
            malformed(
                source,
                line,
                &format!(
                    "not a JSON object of id or email and full_name, new_email, phone ({})",
                    sanitize(&e.to_string().replace("struct JsonRow", "an object"))
                ),
            )
        })?;
        let key = match (row.id, row.email.as_deref()) {
            (Some(id), None) => RowKey::Id(id),
            (None, Some(e)) => key_of(source, line, Column::Email, e)?,
            (Some(_), Some(_)) => {
                return Err(malformed(
                    source,
                    line,
                    "both id and email: name the customer one way",
                ))
            }
            (None, None) => {
                return Err(malformed(
                    source,
                    line,
                    "no id or email to name the customer",
                ))
            }
        };
        let raw_values = RawValues {
            full_name: row.full_name.as_ref().map(|n| n.as_deref()),
            new_email: row.new_email.as_ref().map(|e| e.as_deref()),
            phone: row.phone.as_ref().map(|p| p.as_deref()),
        };
        spool.push(&validated(line, key, raw_values, region))?;
    }
    Ok(())
}

/// What a JSON line that is valid JSON but no object is (an array, a
/// string, …); `None` when it is not JSON at all (the parser says why).
fn not_an_object(text: &str) -> Option<&'static str> {
    use serde_json::Value;
    Some(match serde_json::from_str::<Value>(text).ok()? {
        Value::Array(_) => "an array",
        Value::String(_) => "a string",
        Value::Number(_) => "a number",
        Value::Bool(_) => "true or false",
        Value::Null => "null",
        Value::Object(_) => return None,
    })
}

/// A set of customer ids in little memory: ids grouped by their high bits,
/// each group a short sorted list until it is dense, then a bitmap (4,096
/// ids in 512 bytes). A million consecutive ids take about 130 KB.
#[derive(Default)]
pub struct IdSet {
    groups: HashMap<i64, Group>,
}

enum Group {
    Sparse(Vec<u16>),
    Dense(Box<[u64; 64]>),
}

const GROUP_BITS: u32 = 12;
const SPARSE_MAX: usize = 32;

impl IdSet {
    /// Adds `id`; false when it was there already.
    pub fn insert(&mut self, id: i64) -> bool {
        let (high, low) = (id >> GROUP_BITS, (id & ((1 << GROUP_BITS) - 1)) as u16);
        let group = self
            .groups
            .entry(high)
            .or_insert_with(|| Group::Sparse(Vec::new()));
        match group {
            Group::Sparse(list) => match list.binary_search(&low) {
                Ok(_) => false,
                Err(at) => {
                    list.insert(at, low);
                    if list.len() > SPARSE_MAX {
                        let mut bits = Box::new([0u64; 64]);
                        for &l in list.iter() {
                            bits[usize::from(l >> 6)] |= 1 << (l & 63);
                        }
                        *group = Group::Dense(bits);
                    }
                    true
                }
            },
            Group::Dense(bits) => {
                let (word, bit) = (usize::from(low >> 6), 1u64 << (low & 63));
                let fresh = bits[word] & bit == 0;
                bits[word] |= bit;
                fresh
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_set_finds_what_it_holds() {
        let mut set = IdSet::default();
        for id in (-5000..5000).step_by(3) {
            assert!(set.insert(id));
        }
        for id in -5000..5000 {
            let held = (id + 5000) % 3 == 0;
            assert_eq!(set.insert(id), !held, "{id}");
        }
        assert!(set.insert(i64::MAX) && !set.insert(i64::MAX));
        assert!(set.insert(i64::MIN) && !set.insert(i64::MIN));
    }
}
