//! Everything custadm prints: tables (comfy-table on a terminal, plain aligned
//! text otherwise), JSON documents, CSV cells, and the sanitising that keeps
//! untrusted strings from driving the operator's terminal.

use std::borrow::Cow;
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

/// `-o/--output`'s parser: every [`Format`] parses, but only the formats a
/// command accepts are offered (help, completion, the error for an unknown
/// one): table and json everywhere, all five on `list` (contract,
/// "Commands"). A format a command does not accept is refused later, with
/// exit 2 naming the accepted ones.
#[derive(Debug, Clone, Copy)]
pub struct FormatParser {
    all: bool,
}

impl FormatParser {
    /// table and json.
    pub const fn common() -> Self {
        FormatParser { all: false }
    }

    /// Every format (`list`).
    pub const fn all() -> Self {
        FormatParser { all: true }
    }

    fn offered(&self) -> &'static [&'static str] {
        if self.all {
            &["table", "json", "jsonl", "csv", "ids"]
        } else {
            &["table", "json"]
        }
    }
}

impl clap::builder::TypedValueParser for FormatParser {
    type Value = Format;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> std::result::Result<Format, clap::Error> {
        use clap::ValueEnum;
        if let Some(format) = value.to_str().and_then(|v| {
            Format::value_variants()
                .iter()
                .find(|f| f.to_possible_value().is_some_and(|p| p.matches(v, false)))
        }) {
            return Ok(*format);
        }
        // The standard "invalid value" error, naming the offered formats.
        clap::builder::PossibleValuesParser::new(self.offered())
            .parse_ref(cmd, arg, value)
            .and_then(|_| Err(clap::Error::new(clap::error::ErrorKind::InvalidValue)))
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        use clap::ValueEnum;
        Some(Box::new(
            Format::value_variants()
                .iter()
                .filter_map(|f| f.to_possible_value())
                .map(|p| {
                    let offered = self.offered().contains(&p.get_name());
                    p.hide(!offered)
                }),
        ))
    }
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

    /// Prints a table of untrusted cells fitted to the terminal (see
    /// [`StreamingTable`]): one line per row, values cut with `…`, the least
    /// useful columns left out, and one note on stderr saying what was not
    /// shown whole ([`Elided::note`]). Without rows nothing
    /// goes to stdout (a header alone reads as a result), and `empty`, if
    /// given, to stderr as a note (as kubectl's "No resources found").
    pub fn fitted_table<R>(&self, columns: &[Column], rows: R, empty: Option<&str>) -> Result<()>
    where
        R: IntoIterator<Item = Vec<String>>,
    {
        let width = usize::from(crate::terminal::width());
        let mut table = StreamingTable::with_width(
            std::io::BufWriter::new(crate::stdout::stdout().lock()),
            columns,
            self.stdout_is_tty,
            width,
        );
        for row in rows {
            let cells: Vec<&str> = row.iter().map(String::as_str).collect();
            table.push(&cells)?;
        }
        if table.is_empty() {
            if let Some(empty) = empty {
                self.note(empty);
            }
            return Ok(());
        }
        let (mut out, elided) = table.finish()?;
        out.flush()?;
        if let Some(note) = elided.note() {
            self.note(&note);
        }
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
        let line = format!("warning: {}", sanitize(text));
        let _ = writeln!(std::io::stderr(), "{}", crate::terminal::for_stderr(&line));
    }

    /// A note for people on stderr (kept off stdout so scripts get clean
    /// data), sanitised like [`Output::line`], broken between words to
    /// the width of a terminal on stderr ([`crate::terminal::for_stderr`]).
    pub fn note(&self, text: &str) {
        if !self.quiet {
            let text = crate::terminal::for_stderr(&sanitize_multiline(text));
            let _ = writeln!(std::io::stderr(), "{text}");
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

/// Longest value of a key/value view ([`Column::wrap`]: `view`, `config
/// show`), in characters: wrapped whole over as many lines as it needs,
/// every value custadm validates (an email has at most 254 characters) and
/// any path (`PATH_MAX`) shown whole; only what another program stored
/// beyond it is cut with `…`.
pub(crate) const MAX_WRAPPED_CHARS: usize = 4096;

/// Cuts `s` to at most `max` characters, the last being `…`. Looks at no
/// more than that many characters, so a 200,000-character value costs no
/// more than a short one.
fn cut_chars(s: &str, max: usize) -> std::borrow::Cow<'_, str> {
    match s.char_indices().nth(max) {
        None => std::borrow::Cow::Borrowed(s),
        Some(_) => {
            let mut cut: String = s.chars().take(max.saturating_sub(1)).collect();
            cut.push('…');
            std::borrow::Cow::Owned(cut)
        }
    }
}

/// An untrusted value as a one-line table cell (newlines shown as `\x0a`)
/// of at most `max` characters (cut with `…`; made safe, then cut again, since escapes lengthen it),
/// and whether it was cut. Looks at no more than about `max` characters
/// of a long value.
fn limited_line(s: &str, max: usize) -> (String, bool) {
    let first = cut_chars(s, max);
    let mut cut = matches!(first, Cow::Owned(_));
    let clean = sanitize(&first);
    let line = match cut_chars(&clean, max) {
        Cow::Owned(line) => {
            cut = true;
            line
        }
        Cow::Borrowed(_) => clean,
    };
    (line, cut)
}

/// Rows held to fix the column widths of a streamed table.
pub(crate) const TABLE_WINDOW_ROWS: usize = 200;

/// One column of a table fitted to the terminal (contract, "Output": one line
/// per row, long values cut with `…`, the least useful columns left out with
/// a note). Widths are display columns (`unicode-width`).
///
/// A table gives way in one order, the same at every width: its steps
/// ([`Column::drop`], [`Column::squeeze`]) are taken in ascending order
/// until it fits, so a column left out at 60 columns stays out at 40 (review
/// of issue 26: `list` left PHONE out at 60 and cut it at 40). A column of
/// atomic values (an id, a timestamp, an action, a status, a phone, a user
/// name) is never cut: it is shown whole or left out; only free text
/// (names, emails, reasons, details) is cut with `…`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Column {
    /// The header, as printed.
    pub header: &'static str,
    /// The narrowest width this column is cut to with `…` before columns are
    /// left out (never narrower than its header); `None`: never cut (ids,
    /// timestamps, actions, codes, passwords). For a column of parts
    /// ([`Column::parts`]), the most its first part may claim.
    pub min: Option<usize>,
    /// The step (in ascending order with the other columns' steps) at which
    /// this column is left out; `None`: never (the row's key).
    pub drop: Option<u8>,
    /// `(step, width)`: at this step this column of text may be cut below
    /// its floor (`min`), down to `width`. Without it, a column of text goes
    /// below its floor only when every step is taken (a last resort: the
    /// email of `list`).
    pub squeeze: Option<(u8, usize)>,
    /// How a value is cut.
    pub cut: Cut,
    /// `(into, which)`: while this column is left out, its values that
    /// `which` picks are shown in front of column `into`'s cell as
    /// `[value] `, so leaving a column out never hides a failure (or an
    /// unfinished run).
    pub fold: Option<(&'static str, Fold)>,
}

/// Which values of a left-out column are shown in another column
/// ([`Column::fold`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fold {
    /// Every value but this usual one (`ok`).
    Unless(&'static str),
    /// This value only (`unfinished` among timestamps).
    Only(&'static str),
}

impl Fold {
    /// True when `value` is shown in the other column.
    fn picks(self, value: &str) -> bool {
        !value.is_empty()
            && match self {
                Fold::Unless(usual) => value != usual,
                Fold::Only(this) => value == this,
            }
    }
}

impl Column {
    /// A column whose values are never cut (a timestamp, an id, a code).
    pub const fn keep(header: &'static str) -> Self {
        Column {
            header,
            min: None,
            drop: None,
            squeeze: None,
            cut: Cut::End,
            fold: None,
        }
    }

    /// A column of free text, cut with `…` down to `min` display columns.
    pub const fn cut(header: &'static str, min: usize) -> Self {
        Column {
            min: Some(min),
            ..Column::keep(header)
        }
    }

    /// A column of parts joined by `sep`, the most important first
    /// (`2 failed, 1 refused, 3 changed`; `is_active: true → false; …`):
    /// cut between parts and ending in `sep…` (`2 failed, …`), its first
    /// part (with that ending) kept whole up to `first` display columns:
    /// columns are left out before that is cut.
    pub const fn parts(header: &'static str, sep: &'static str, first: usize) -> Self {
        Column {
            min: Some(first),
            cut: Cut::Parts(sep),
            ..Column::keep(header)
        }
    }

    /// A column of counts joined by `sep`, the most important first
    /// (`2 refused, 2 not found, 2 changed`): kept whole up to `whole`
    /// display columns — columns are left out before that is cut — then
    /// cut between parts as [`Column::parts`] cuts.
    pub const fn counts(header: &'static str, sep: &'static str, whole: usize) -> Self {
        Column {
            min: Some(whole),
            cut: Cut::Counts(sep),
            ..Column::keep(header)
        }
    }

    /// A column of values that are never cut: on a terminal too narrow for
    /// one, it continues on the lines below, within the column, broken
    /// between grapheme clusters (the VALUE of `view` and `config show`: an
    /// email, a name, a path must never lose a character). Made as narrow
    /// as `min` display columns before the others are cut; never left out.
    pub const fn wrap(header: &'static str, min: usize) -> Self {
        Column {
            min: Some(min),
            cut: Cut::Wrap,
            ..Column::keep(header)
        }
    }

    /// This column, left out at step `order` (1 first) when the table does
    /// not fit.
    pub const fn dropped(self, order: u8) -> Self {
        Column {
            drop: Some(order),
            ..self
        }
    }

    /// This column of text, cut below its floor down to `width` display
    /// columns at step `order` (see [`Column::squeeze`]); a column of
    /// counts goes down to its first count whatever `width` says.
    pub const fn squeezed(self, order: u8, width: usize) -> Self {
        Column {
            squeeze: Some((order, width)),
            ..self
        }
    }

    /// This column's unusual values (not `usual`) shown in front of column
    /// `into`'s cells while it is left out (see [`Column::fold`]).
    pub const fn folded_into(self, into: &'static str, usual: &'static str) -> Self {
        Column {
            fold: Some((into, Fold::Unless(usual))),
            ..self
        }
    }

    /// This column's value `value` (and no other) shown in front of column
    /// `into`'s cells while it is left out (see [`Column::fold`]).
    pub const fn folded_when(self, into: &'static str, value: &'static str) -> Self {
        Column {
            fold: Some((into, Fold::Only(value))),
            ..self
        }
    }

    /// `cell` cut to `width` display columns as this column cuts (a
    /// wrapped column's cell is not cut: see [`crate::wrap::wrap_value`]; a
    /// column of atomic values is never cut: a later value wider than its
    /// column overflows rather than lose a character).
    fn cut_to<'a>(&self, cell: &'a str, width: usize) -> Cow<'a, str> {
        if self.min.is_none() {
            return Cow::Borrowed(cell);
        }
        match self.cut {
            Cut::End => cut_to_width(cell, width),
            Cut::Parts(sep) => cut_parts(cell, sep, width),
            Cut::Counts(sep) => cut_counts(cell, sep, width),
            Cut::Wrap => Cow::Borrowed(cell),
        }
    }

    /// The narrowest this column may be made once squeezed
    /// ([`Column::squeeze`]) or as a last resort ([`fit`]), given its
    /// natural width `natural`, its floor `floor` and, for a column of
    /// parts, the width of its widest first part `first`: never narrower
    /// than its header, so a header is never cut, nor a count without its
    /// word (`1 …`).
    fn hard_min(&self, natural: usize, floor: usize, first: usize) -> usize {
        let header = display_width(self.header);
        match (self.min, self.cut) {
            (None, _) => natural,
            (Some(_), Cut::End) => {
                let least = self.squeeze.map_or(TEXT_MIN, |(_, w)| w);
                floor.min(header.max(least))
            }
            (Some(_), Cut::Parts(_)) => {
                let least = self.squeeze.map_or(PARTS_MIN, |(_, w)| w);
                floor.min(header.max(least))
            }
            (Some(_), Cut::Counts(_)) => natural.min(first.max(header)),
            (Some(_), Cut::Wrap) => floor.min(header.max(WRAP_MIN)),
        }
    }
}

/// The narrowest a column of free text is cut to (`Chloé…`) as a last
/// resort, unless its [`Column::squeeze`] says otherwise.
const TEXT_MIN: usize = 6;
/// The narrowest a column of parts (details) is cut to, likewise.
const PARTS_MIN: usize = 12;
/// The narrowest a wrapped column is made.
const WRAP_MIN: usize = 8;

/// Where a [`Column`]'s values lose characters when cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cut {
    /// At the end: `emma.pate…`.
    End,
    /// Between parts joined by this separator, the most important first
    /// ([`cut_parts`]).
    Parts(&'static str),
    /// Counts joined by this separator: the column's floor is the whole cell
    /// (up to its `min`), not its first part, and a cut one ends with how
    /// many it no longer shows (`2 refused, +6`; [`cut_counts`]).
    Counts(&'static str),
    /// Never: wrapped over lines below ([`Column::wrap`]).
    Wrap,
}

/// How a table is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    /// Box drawing (comfy-table), on a terminal wide enough for every
    /// column at its natural width.
    Boxed,
    /// On a terminal too narrow for that: no borders, one space between
    /// columns (as kubectl and gh print), so the width goes to content
    /// (finding of the issue-26 review: at 80 columns the boxes left `runs`
    /// 8 columns for its outcomes).
    Light,
    /// Not a terminal: every column whole, a space before the first and two
    /// between columns.
    Plain,
}

impl Style {
    /// Display columns spent on borders and gaps around `n` columns.
    fn overhead(self, n: usize) -> usize {
        match self {
            Style::Boxed => 3 * n + 1,
            Style::Light => n.saturating_sub(1),
            Style::Plain => (2 * n).saturating_sub(1),
        }
    }
}

/// How a table is drawn, which columns are shown and how wide (content,
/// without borders or gaps), and the narrowest each may be made.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Layout {
    style: Style,
    shown: Vec<usize>,
    widths: Vec<usize>,
    mins: Vec<usize>,
}

/// Fits columns of `natural` content widths into `available` display
/// columns. Boxes when every column fits whole with its borders; otherwise
/// the light style:
/// 1. the table's steps ([`Column::drop`], [`Column::squeeze`]) are taken
///    in ascending order until the columns left fit at their floors (or,
///    once squeezed, their minimums `mins`, [`Column::hard_min`]): one
///    order at every width, so what is left out on a wider terminal is
///    left out on a narrower one too;
/// 2. when every step is taken and the rest still does not fit (a very
///    narrow terminal), every column of text may go down to its minimum
///    (never a cut header, never a count without its word): the row's key
///    (`list`'s email) is cut only then;
/// 3. the widest cuttable column is cut one column at a time, down to the
///    floors, then to the minimums where steps 1 and 2 allow.
///
/// Each row stays one line (a wrapped column aside); only a terminal
/// narrower than the columns that are never left out overflows, rather
/// than splitting a timestamp or an id.
fn fit(
    columns: &[Column],
    natural: &[usize],
    floors: &[usize],
    mins: &[usize],
    available: usize,
) -> Layout {
    let all: Vec<usize> = (0..columns.len()).collect();
    if natural.iter().sum::<usize>() + Style::Boxed.overhead(columns.len()) <= available {
        return Layout {
            style: Style::Boxed,
            shown: all,
            widths: natural.to_vec(),
            mins: mins.to_vec(),
        };
    }
    let style = Style::Light;
    let need = |shown: &[usize], least: &[usize]| {
        shown.iter().map(|&i| least[i]).sum::<usize>() + style.overhead(shown.len())
    };
    // The steps in order: (step, squeeze before drop at the same step, column).
    let mut steps: Vec<(u8, bool, usize)> = Vec::new();
    for (i, c) in columns.iter().enumerate() {
        if let Some((order, _)) = c.squeeze {
            steps.push((order, false, i));
        }
        if let Some(order) = c.drop {
            steps.push((order, true, i));
        }
    }
    steps.sort_unstable();
    let mut shown = all;
    let mut least = floors.to_vec();
    let mut steps = steps.into_iter();
    // 1. Step by step until it fits.
    while need(&shown, &least) > available {
        match steps.next() {
            Some((_, true, i)) => shown.retain(|&s| s != i),
            Some((_, false, i)) => least[i] = mins[i],
            None => break,
        }
    }
    // 2. The last resort: every column of text down to its minimum.
    if need(&shown, &least) > available {
        for &i in &shown {
            if columns[i].min.is_some() {
                least[i] = mins[i];
            }
        }
    }
    let mut widths: Vec<usize> = shown.iter().map(|&i| natural[i]).collect();
    let budget = available.saturating_sub(style.overhead(shown.len()));
    // 3. Cut the widest down to each floor first, then to what 1 and 2 allow.
    for lowest in [floors, least.as_slice()] {
        while widths.iter().sum::<usize>() > budget {
            let widest = shown
                .iter()
                .zip(&widths)
                .enumerate()
                .filter(|(_, (&i, &w))| columns[i].min.is_some() && w > lowest[i].max(least[i]))
                .max_by_key(|(_, (_, &w))| w)
                .map(|(at, _)| at);
            match widest {
                Some(at) => widths[at] -= 1,
                None => break,
            }
        }
    }
    let mins = shown.iter().map(|&i| least[i]).collect();
    Layout {
        style,
        shown,
        widths,
        mins,
    }
}

/// `s` cut to at most `width` display columns, the last being `…`, between
/// grapheme clusters (`❤️`, `é` as `e` and its accent, a family emoji joined
/// by ZWJs stay whole or go whole).
pub(crate) fn cut_to_width(s: &str, width: usize) -> Cow<'_, str> {
    use unicode_segmentation::UnicodeSegmentation;
    if display_width(s) <= width {
        return Cow::Borrowed(s);
    }
    // The width of the text so far, not the sum of its clusters': the
    // terminal measures the text (finding of the issue-26 review: summed
    // per character, a row of `❤️` took twice its column and wrapped).
    let mut end = 0;
    for (at, g) in s.grapheme_indices(true) {
        if display_width(&s[..at + g.len()]) + 1 > width {
            break;
        }
        end = at + g.len();
    }
    let mut out = s[..end].to_string();
    if width > 0 {
        out.push('…');
    }
    Cow::Owned(out)
}

/// `s` cut as [`cut_to_width`] cuts, but not inside a short word: when the
/// cut leaves less than [`WORD_STUB`] columns of a word, before that word
/// (`customer 6 is …`, not `customer 6 is del…`), unless that keeps less
/// than half the width. A long token (an email, a path) is cut inside: its
/// start says more than nothing.
fn cut_words(s: &str, width: usize) -> Cow<'_, str> {
    let cut = cut_to_width(s, width);
    let Cow::Owned(text) = &cut else {
        return cut;
    };
    let kept = text.strip_suffix('…').unwrap_or(text);
    let next = s[kept.len()..].chars().next();
    let inside = kept.chars().next_back().is_some_and(char::is_alphanumeric)
        && next.is_some_and(char::is_alphanumeric);
    if !inside {
        return cut;
    }
    match kept.rfind(' ') {
        Some(at)
            if display_width(&kept[at + 1..]) < WORD_STUB
                && display_width(&kept[..=at]) * 2 >= width =>
        {
            Cow::Owned(format!("{}…", &kept[..=at]))
        }
        _ => cut,
    }
}

/// The shortest start of a word [`cut_words`] shows before its `…`.
const WORD_STUB: usize = 8;

/// `s`, parts joined by `sep` with the most important first, cut to at most
/// `width` display columns between parts: as many whole parts as fit, then
/// `sep…` (`2 failed, 1 refused, …`); when not even the first part fits so,
/// cut within it, between words where it can ([`cut_words`]).
pub(crate) fn cut_parts<'a>(s: &'a str, sep: &str, width: usize) -> Cow<'a, str> {
    if display_width(s) <= width {
        return Cow::Borrowed(s);
    }
    let mut parts = s.split(sep).peekable();
    let mut kept = String::new();
    let mut best = None;
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            break;
        }
        if !kept.is_empty() {
            kept.push_str(sep);
        }
        kept.push_str(part);
        let candidate = format!("{kept}{sep}…");
        if display_width(&candidate) > width {
            break;
        }
        best = Some(candidate);
    }
    match best {
        Some(cut) => Cow::Owned(cut),
        None => cut_words(s, width),
    }
}

/// The number a count part starts with (`2 refused` → 2).
fn count_of(part: &str) -> Option<u64> {
    part.split(' ').next()?.parse().ok()
}

/// `s`, counts joined by `sep` with the most important first
/// (`2 refused, 2 not found, 2 changed, 2 unchanged`), cut to at most
/// `width` display columns between counts, ending with the sum of those it
/// no longer shows: `2 refused, 2 not found, +4`, `2 refused, +6` — how
/// many results there were stays on screen. Text that is not counts is cut
/// as [`cut_parts`] cuts.
pub(crate) fn cut_counts<'a>(s: &'a str, sep: &str, width: usize) -> Cow<'a, str> {
    if display_width(s) <= width {
        return Cow::Borrowed(s);
    }
    let parts: Vec<&str> = s.split(sep).collect();
    let mut best = None;
    for kept in 1..parts.len() {
        let Some(rest) = parts[kept..]
            .iter()
            .map(|p| count_of(p))
            .sum::<Option<u64>>()
        else {
            break;
        };
        let candidate = format!("{}{sep}+{rest}", parts[..kept].join(sep));
        if display_width(&candidate) > width {
            break;
        }
        best = Some(candidate);
    }
    match best {
        Some(cut) => Cow::Owned(cut),
        None => cut_parts(s, sep, width),
    }
}

/// The width a cell of parts needs to show its first part whole: that part
/// and, when more follow, the `sep…` after it.
fn first_part_width(cell: &str, sep: &str) -> usize {
    match cell.split_once(sep) {
        Some((first, _)) => display_width(first) + display_width(sep) + 1,
        None => display_width(cell),
    }
}

/// The width a cell of counts needs to show its first count whole: that
/// count and, when more follow, `sep+N` ([`cut_counts`]).
fn first_count_width(cell: &str, sep: &str) -> usize {
    let parts: Vec<&str> = cell.split(sep).collect();
    match parts[1..].iter().map(|p| count_of(p)).sum::<Option<u64>>() {
        Some(rest) if parts.len() > 1 => {
            display_width(parts[0]) + display_width(sep) + 1 + rest.to_string().len()
        }
        _ => first_part_width(cell, sep),
    }
}

/// A table written as rows arrive, in memory independent of the row count
/// (contract, "Output": table output streams). The layout is fixed from the
/// header and the first [`TABLE_WINDOW_ROWS`] rows and fitted to the
/// terminal (see [`fit`]): one line per row, long values cut with `…`, the
/// least useful columns left out ([`StreamingTable::left_out`] names them for
/// the note). Each window of rows is then laid out with that layout and
/// written; a later value wider than its column is cut too, and a later
/// uncuttable one (a longer id) widens its column at the expense of the
/// cuttable ones. Without a terminal the output is plain columns, nothing
/// cut but cells over [`MAX_CELL_CHARS`]. A table without rows writes
/// nothing, not even its header.
pub(crate) struct StreamingTable<W: Write> {
    out: W,
    columns: Vec<Column>,
    tty: bool,
    width: usize,
    window: Vec<Vec<String>>,
    /// Fixed after the first window.
    layout: Option<Layout>,
    /// The terminal table's closing border, written at the end.
    bottom: Option<String>,
    /// Per column: a value was cut with `…` to fit the terminal.
    cut_to_fit: Vec<bool>,
    /// Per column: a value was cut with `…` at its character limit
    /// ([`MAX_CELL_CHARS`], [`MAX_WRAPPED_CHARS`]).
    cut_long: Vec<bool>,
}

/// What a table did not show whole, for the one note under it (stderr):
/// the columns left out, those with a value cut to fit the terminal, and
/// those with a value cut at the character limit (also without a
/// terminal). The note points to `-o json`, which carries everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Elided {
    /// The width the table was fitted to.
    pub width: usize,
    pub left_out: Vec<&'static str>,
    pub cut_to_fit: Vec<&'static str>,
    /// `(limit in characters, headers)`.
    pub cut_long: Vec<(usize, Vec<&'static str>)>,
}

impl Elided {
    /// The note (one paragraph; [`Output::note`] breaks it to the width of
    /// a terminal on stderr), `None` when everything was shown whole:
    /// `left out to fit 80 columns: CREATED, LAST LOGIN; cut with …: NAME;
    /// -o json or a wider terminal shows them whole`.
    pub fn note(&self) -> Option<String> {
        let width = self.width;
        let mut parts = Vec::new();
        if !self.left_out.is_empty() {
            parts.push(format!(
                "left out to fit {width} columns: {}",
                self.left_out.join(", ")
            ));
        }
        if !self.cut_to_fit.is_empty() {
            let fit = if self.left_out.is_empty() {
                format!(" to fit {width} columns")
            } else {
                String::new()
            };
            parts.push(format!("cut with …{fit}: {}", self.cut_to_fit.join(", ")));
        }
        for (limit, headers) in &self.cut_long {
            parts.push(format!(
                "longer than {limit} characters, cut with …: {}",
                headers.join(", ")
            ));
        }
        if parts.is_empty() {
            return None;
        }
        let by_width = !self.left_out.is_empty() || !self.cut_to_fit.is_empty();
        let whole = if self.cut_to_fit.is_empty() && self.cut_long.is_empty() {
            ""
        } else {
            " whole"
        };
        let shows = if by_width {
            format!("-o json or a wider terminal shows them{whole}")
        } else {
            format!("-o json shows them{whole}")
        };
        Some(format!("{}; {shows}", parts.join("; ")))
    }
}

use crate::wrap::display_width;

impl<W: Write> StreamingTable<W> {
    /// A table of these columns writing to `out`, fitted to
    /// [`crate::terminal::width`] when `tty`.
    pub fn new(out: W, columns: &[Column], tty: bool) -> Self {
        Self::with_width(out, columns, tty, usize::from(crate::terminal::width()))
    }

    /// [`StreamingTable::new`] for a terminal `width` columns wide.
    pub fn with_width(out: W, columns: &[Column], tty: bool, width: usize) -> Self {
        StreamingTable {
            out,
            columns: columns.to_vec(),
            tty,
            width,
            window: Vec::with_capacity(TABLE_WINDOW_ROWS),
            layout: None,
            bottom: None,
            cut_to_fit: vec![false; columns.len()],
            cut_long: vec![false; columns.len()],
        }
    }

    /// The writer, for taking what has been written so far.
    pub fn writer_mut(&mut self) -> &mut W {
        &mut self.out
    }

    /// True when no row has been added.
    pub fn is_empty(&self) -> bool {
        self.layout.is_none() && self.window.is_empty()
    }

    /// Adds a row of untrusted cells, one per column.
    pub fn push(&mut self, row: &[&str]) -> Result<()> {
        let mut cells = Vec::with_capacity(row.len());
        for (i, c) in row.iter().enumerate() {
            let (line, cut) = limited_line(c, self.limit(i));
            if cut {
                if let Some(flag) = self.cut_long.get_mut(i) {
                    *flag = true;
                }
            }
            cells.push(line);
        }
        self.window.push(cells);
        if self.window.len() >= TABLE_WINDOW_ROWS {
            self.flush_window()?;
        }
        Ok(())
    }

    /// The headers of the columns left out to fit the terminal (known once
    /// the first window is laid out, so after [`StreamingTable::finish`] at
    /// the latest).
    pub fn left_out(&self) -> Vec<&'static str> {
        match &self.layout {
            None => Vec::new(),
            Some(layout) => (0..self.columns.len())
                .filter(|i| !layout.shown.contains(i))
                .map(|i| self.columns[i].header)
                .collect(),
        }
    }

    /// The most characters a cell of column `i` keeps ([`MAX_CELL_CHARS`];
    /// a wrapped column's [`MAX_WRAPPED_CHARS`]).
    fn limit(&self, i: usize) -> usize {
        match self.columns.get(i).map(|c| c.cut) {
            Some(Cut::Wrap) => MAX_WRAPPED_CHARS,
            _ => MAX_CELL_CHARS,
        }
    }

    /// Writes what is left and the closing border; gives the writer back
    /// and what was not shown whole, for the note ([`Elided`]). Without any
    /// row nothing is written.
    pub fn finish(mut self) -> Result<(W, Elided)> {
        if !self.window.is_empty() {
            self.flush_window()?;
        }
        if let Some(bottom) = self.bottom.take() {
            writeln!(self.out, "{bottom}")?;
        }
        let left_out = self.left_out();
        let headers = |flags: &[bool], pick: &dyn Fn(usize) -> bool| -> Vec<&'static str> {
            flags
                .iter()
                .enumerate()
                .filter(|(i, cut)| **cut && pick(*i))
                .map(|(i, _)| self.columns[i].header)
                .collect()
        };
        let cut_to_fit = headers(&self.cut_to_fit, &|i| {
            !left_out.contains(&self.columns[i].header)
        });
        let mut cut_long = Vec::new();
        for limit in [MAX_CELL_CHARS, MAX_WRAPPED_CHARS] {
            let these = headers(&self.cut_long, &|i| {
                self.limit(i) == limit && !left_out.contains(&self.columns[i].header)
            });
            if !these.is_empty() {
                cut_long.push((limit, these));
            }
        }
        let elided = Elided {
            width: self.width,
            left_out,
            cut_to_fit,
            cut_long,
        };
        Ok((self.out, elided))
    }

    /// Column `i`'s text in `row` while the columns marked in `shown` are
    /// shown: the cell, after the unusual values of left-out columns folded
    /// into it ([`Column::fold`]).
    fn cell_text<'a>(&self, row: &'a [String], i: usize, shown: &[bool]) -> Cow<'a, str> {
        let cell = row.get(i).map_or("", String::as_str);
        let mut prefix = String::new();
        for (j, column) in self.columns.iter().enumerate() {
            let Some((into, which)) = column.fold else {
                continue;
            };
            if shown.get(j).copied().unwrap_or(true) || into != self.columns[i].header {
                continue;
            }
            match row.get(j) {
                Some(value) if which.picks(value) => {
                    prefix.push_str(&format!("[{value}] "));
                }
                _ => {}
            }
        }
        if prefix.is_empty() {
            Cow::Borrowed(cell)
        } else {
            Cow::Owned(prefix + cell)
        }
    }

    /// The natural width of each column (its widest cell or header) and its
    /// floor (the narrowest it is cut to before columns are left out), for
    /// the first window with the columns marked in `shown` shown.
    /// and its hard minimum ([`Column::hard_min`]).
    fn measure(&self, shown: &[bool]) -> (Vec<usize>, Vec<usize>, Vec<usize>) {
        let mut natural: Vec<usize> = self
            .columns
            .iter()
            .map(|c| display_width(c.header))
            .collect();
        let mut firsts = vec![0; self.columns.len()];
        for row in &self.window {
            for (i, column) in self.columns.iter().enumerate() {
                let cell = self.cell_text(row, i, shown);
                natural[i] = natural[i].max(display_width(&cell));
                let first = match column.cut {
                    Cut::Parts(sep) => first_part_width(&cell, sep),
                    // The counts themselves: a value folded in front
                    // (`[unfinished] `) may be cut to its `[unfinished]…`.
                    Cut::Counts(sep) => {
                        first_count_width(row.get(i).map_or("", String::as_str), sep)
                    }
                    Cut::End | Cut::Wrap => 0,
                };
                firsts[i] = firsts[i].max(first);
            }
        }
        let floors: Vec<usize> = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let header = display_width(c.header);
                match (c.min, c.cut) {
                    (None, _) => natural[i],
                    (Some(most), Cut::Parts(_)) => natural[i].min(firsts[i].min(most).max(header)),
                    (Some(min), _) => natural[i].min(min.max(header)),
                }
            })
            .collect();
        let mins = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| c.hard_min(natural[i], floors[i], firsts[i]).min(floors[i]))
            .collect();
        (natural, floors, mins)
    }

    /// The layout from the header and the first window.
    fn first_layout(&self) -> Layout {
        let all = vec![true; self.columns.len()];
        if !self.tty {
            let widths = self.measure(&all).0;
            return Layout {
                style: Style::Plain,
                shown: (0..self.columns.len()).collect(),
                mins: widths.clone(),
                widths,
            };
        }
        // Leaving out a column that folds into another widens that one, which
        // may leave out more: measured again until the shown columns stay
        // the same (they only ever shrink).
        let mut shown = all;
        for _ in 0..=self.columns.len() {
            let (natural, floors, mins) = self.measure(&shown);
            let layout = fit(&self.columns, &natural, &floors, &mins, self.width);
            let now: Vec<bool> = (0..self.columns.len())
                .map(|i| layout.shown.contains(&i))
                .collect();
            if now == shown {
                return layout;
            }
            shown = now;
        }
        let (natural, floors, mins) = self.measure(&shown);
        fit(&self.columns, &natural, &floors, &mins, self.width)
    }

    /// On a terminal, a later cell wider than its column widens it, taking
    /// the width from the widest other cuttable column: an uncuttable cell
    /// (a timestamp) always, a cuttable one up to the column's floor (an id
    /// of the 1,000th result after the 999th: `1000`, not `10…`). A column
    /// of parts keeps its width, a wrapped one its width too (its values
    /// take more lines), and no column gives below its hard minimum.
    fn widen_for(&self, layout: &mut Layout, rows: &[Vec<String>]) {
        for at in 0..layout.shown.len() {
            let i = layout.shown[at];
            let column = &self.columns[i];
            let cap = match (column.min, column.cut) {
                (None, _) => usize::MAX,
                (Some(min), Cut::End) => min.max(display_width(column.header)),
                (Some(_), Cut::Parts(_) | Cut::Counts(_) | Cut::Wrap) => continue,
            };
            let needed = rows
                .iter()
                .filter_map(|r| r.get(i))
                .map(|c| display_width(c))
                .max()
                .unwrap_or(0)
                .min(cap);
            while layout.widths[at] < needed {
                layout.widths[at] += 1;
                let budget = self
                    .width
                    .saturating_sub(layout.style.overhead(layout.shown.len()));
                if layout.widths.iter().sum::<usize>() <= budget {
                    continue;
                }
                let widest = (0..layout.shown.len())
                    .filter(|&k| {
                        k != at
                            && self.columns[layout.shown[k]].min.is_some()
                            && layout.widths[k] > layout.mins.get(k).copied().unwrap_or(2)
                    })
                    .max_by_key(|&k| layout.widths[k]);
                match widest {
                    Some(k) => layout.widths[k] -= 1,
                    // Nothing gives: an uncuttable cell overflows rather
                    // than being split; a cuttable one is cut.
                    None if column.min.is_some() => {
                        layout.widths[at] -= 1;
                        break;
                    }
                    None => {}
                }
            }
        }
    }

    fn flush_window(&mut self) -> Result<()> {
        let first = self.layout.is_none();
        let mut layout = match self.layout.take() {
            Some(layout) => layout,
            None => self.first_layout(),
        };
        let rows = std::mem::take(&mut self.window);
        if layout.style != Style::Plain && !first {
            self.widen_for(&mut layout, &rows);
        }
        let mask: Vec<bool> = (0..self.columns.len())
            .map(|i| layout.shown.contains(&i))
            .collect();
        let cut = layout.style != Style::Plain;
        // Each cell as its lines: one, but for a wrapped column's value
        // wider than its column on a terminal.
        let mut cut_to_fit = std::mem::take(&mut self.cut_to_fit);
        let cells: Vec<Vec<Vec<String>>> = rows
            .iter()
            .map(|row| {
                layout
                    .shown
                    .iter()
                    .zip(&layout.widths)
                    .map(|(&i, &w)| {
                        let text = self.cell_text(row, i, &mask);
                        match (cut, self.columns[i].cut) {
                            (false, _) => vec![text.into_owned()],
                            (true, Cut::Wrap) => crate::wrap::wrap_value(&text, w),
                            (true, _) => match self.columns[i].cut_to(&text, w) {
                                Cow::Borrowed(whole) => vec![whole.to_string()],
                                Cow::Owned(shorter) => {
                                    cut_to_fit[i] = true;
                                    vec![shorter]
                                }
                            },
                        }
                    })
                    .collect()
            })
            .collect();
        self.cut_to_fit = cut_to_fit;
        let headers: Vec<Vec<String>> = layout
            .shown
            .iter()
            .zip(&layout.widths)
            .map(|(&i, &w)| {
                let header = self.columns[i].header;
                vec![if cut {
                    cut_to_width(header, w).into_owned()
                } else {
                    header.to_string()
                }]
            })
            .collect();
        if layout.style != Style::Boxed {
            let (lead, gap) = if layout.style == Style::Plain {
                (" ", "  ")
            } else {
                ("", " ")
            };
            let mut line = String::new();
            let widths = layout.widths.clone();
            // A row is one line; a wrapped value continues on the lines
            // below it, within its column, the other columns blank there.
            let mut write_row = |out: &mut W, cells: &[Vec<String>]| -> Result<()> {
                let height = cells.iter().map(Vec::len).max().unwrap_or(1);
                for j in 0..height {
                    line.clear();
                    line.push_str(lead);
                    for (k, (cell, w)) in cells.iter().zip(&widths).enumerate() {
                        if k > 0 {
                            line.push_str(gap);
                        }
                        let text = cell.get(j).map_or("", String::as_str);
                        line.push_str(text);
                        let pad = w.saturating_sub(display_width(text));
                        line.extend(std::iter::repeat_n(' ', pad));
                    }
                    writeln!(out, "{}", line.trim_end())?;
                }
                Ok(())
            };
            if first {
                write_row(&mut self.out, &headers)?;
            }
            for row in &cells {
                write_row(&mut self.out, row)?;
            }
            self.layout = Some(layout);
            return Ok(());
        }
        let mut table = Table::new();
        table
            .load_preset(presets::UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Disabled);
        if first {
            table.set_header(headers.into_iter().map(|h| h.join("\n")));
        }
        table.set_constraints(layout.widths.iter().map(|w| {
            let w = u16::try_from(*w + 2).unwrap_or(u16::MAX);
            ColumnConstraint::Absolute(Width::Fixed(w))
        }));
        for row in cells {
            table.add_row(row.into_iter().map(|lines| lines.join("\n")));
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
        self.layout = Some(layout);
        Ok(())
    }
}

/// A timestamp as RFC 3339 UTC: `2026-11-27T01:02:03Z`.
pub(crate) fn rfc3339(ts: NaiveDateTime) -> String {
    ts.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A timestamp column's value for a table ([`StoredTime::human`]), or `-`
/// when absent (NULL).
///
/// [`StoredTime::human`]: crate::db::lenient::StoredTime::human
pub(crate) fn human_stored(ts: Option<&crate::db::lenient::StoredTime>) -> String {
    ts.map_or_else(|| "-".into(), crate::db::lenient::StoredTime::human)
}

/// Cents as dollars for people: `12345` → `$123.45`.
pub(crate) fn dollars(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}${}.{:02}", abs / 100, abs % 100)
}

/// A free-text CSV cell (name, email) that a spreadsheet would read as a
/// formula, because it starts with `=`, `+`, `-`, `@`, tab or CR, gets a
/// leading `'` (contract, "Output"); any other text is returned as it is.
/// Quoting is the CSV writer's ([`CsvRows`]).
pub(crate) fn csv_guard_text(s: &str) -> Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// A phone for a CSV cell: as it is when it is `+` followed by digits only
/// (what custadm validates), otherwise guarded like free text
/// ([`csv_guard_text`]), since another program may have stored anything
/// there (contract, "Output").
pub(crate) fn csv_guard_phone(s: &str) -> Cow<'_, str> {
    let e164 = s
        .strip_prefix('+')
        .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()));
    if e164 || s.is_empty() {
        Cow::Borrowed(s)
    } else {
        csv_guard_text(s)
    }
}

/// One free-text CSV cell as `list -o csv` writes it: guarded
/// ([`csv_guard_text`]) and quoted by the csv crate where needed
/// (`a,b` → `"a,b"`, `=1` → `'=1`).
pub fn csv_text_cell(s: &str) -> String {
    csv_cell(&csv_guard_text(s))
}

/// A phone as one CSV cell ([`csv_guard_phone`], then quoted where needed).
#[cfg(test)]
pub(crate) fn csv_phone_cell(s: &str) -> String {
    csv_cell(&csv_guard_phone(s))
}

/// One cell as the csv crate writes it inside a record (an empty cell is
/// empty: the crate quotes it only when it is a whole record).
fn csv_cell(s: &str) -> String {
    if s.is_empty() {
        return String::new();
    }
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::with_capacity(s.len() + 3));
    // Writing text to memory has no way to fail.
    writer
        .write_record([s])
        .expect("a CSV record written to memory");
    let bytes = writer.into_inner().expect("a CSV record written to memory");
    let text = String::from_utf8_lossy(&bytes);
    text.strip_suffix('\n').unwrap_or(&text).to_string()
}

/// CSV records written one at a time by the `csv` crate (RFC 4180 quoting:
/// a cell holding `,`, `"`, CR or LF is quoted, `"` doubled; records end in
/// `\n`) to `W` through a 64 KiB buffer: memory stays the same whatever the
/// number of rows. Call [`CsvRows::flush`] at the end.
pub(crate) struct CsvRows<W: Write> {
    writer: csv::Writer<W>,
}

impl<W: Write> CsvRows<W> {
    pub(crate) fn new(out: W) -> Self {
        CsvRows {
            writer: csv::WriterBuilder::new()
                .terminator(csv::Terminator::Any(b'\n'))
                .buffer_capacity(64 * 1024)
                .from_writer(out),
        }
    }

    /// Writes one record (cells already guarded, see [`csv_text_cell`]).
    /// Errors: writing to `W` (for standard output, exit 9).
    pub(crate) fn write<I, T>(&mut self, cells: I) -> Result<()>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        self.writer.write_record(cells).map_err(csv_error)
    }

    /// Writes out what is buffered. Errors: as [`CsvRows::write`].
    pub(crate) fn flush(&mut self) -> Result<()> {
        Ok(self.writer.flush()?)
    }
}

/// A csv writer's error: writing records of text can only fail in I/O.
fn csv_error(e: csv::Error) -> crate::error::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => io.into(),
        other => std::io::Error::other(format!("CSV: {other:?}")).into(),
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
    fn fitting_takes_one_order_of_steps_at_every_width() {
        let columns = [
            Column::keep("ID"),
            Column::cut("NAME", 12).squeezed(4, 8).dropped(5),
            Column::cut("EMAIL", 16),
            Column::keep("PHONE").dropped(3),
            Column::keep("CREATED").dropped(1),
            Column::keep("LAST LOGIN").dropped(2),
        ];
        let natural = [3, 40, 50, 13, 19, 19];
        let floors = [3, 12, 16, 13, 19, 19];
        let mins = [3, 8, 6, 13, 19, 19];
        let fit = |available| fit(&columns, &natural, &floors, &mins, available);
        let used = |layout: &Layout| {
            layout.widths.iter().sum::<usize>() + layout.style.overhead(layout.shown.len())
        };
        let wide = fit(200);
        assert_eq!(wide.style, Style::Boxed);
        assert_eq!(wide.shown, vec![0, 1, 2, 3, 4, 5]);
        assert_eq!(wide.widths, natural.to_vec());
        // Boxes only while they cost no content: 144 + 19 of borders.
        assert_eq!(fit(163).style, Style::Boxed);
        let light = fit(162);
        assert_eq!(light.style, Style::Light);
        assert_eq!(light.widths, natural.to_vec(), "whole with single gaps");
        // 80: CREATED goes; the widest text is cut, down to the floors.
        let narrow = fit(80);
        assert_eq!(narrow.shown, vec![0, 1, 2, 3, 5]);
        assert_eq!(used(&narrow), 80);
        assert!(
            narrow.widths[1] >= 12 && narrow.widths[2] >= 16,
            "{narrow:?}"
        );
        assert_eq!(fit(60).shown, vec![0, 1, 2, 3]);
        assert_eq!(fit(40).shown, vec![0, 1, 2]);
        // NAME is squeezed below its floor, then left out; the email (the
        // key) is cut below its floor only when nothing is left to take.
        let squeezed = fit(30);
        assert_eq!(squeezed.shown, vec![0, 1, 2]);
        assert_eq!(squeezed.widths, vec![3, 9, 16]);
        assert_eq!(fit(25).shown, vec![0, 2]);
        assert_eq!(fit(25).widths, vec![3, 21]);
        assert_eq!(fit(15).widths, vec![3, 11]);
        // Too narrow even so: the rest overflows rather than lose an id.
        assert_eq!(fit(5).widths, vec![3, 6]);
        // One order: what is left out at a width stays out when narrower.
        for width in 1..200 {
            let (here, wider) = (fit(width), fit(width + 1));
            for i in &here.shown {
                assert!(wider.shown.contains(i), "{width}: {here:?} {wider:?}");
            }
            if used(&wider) <= width + 1 && here.style == Style::Light {
                assert!(used(&here) <= width || here.shown == vec![0, 2], "{width}");
            }
        }
        // `runs`: OS USER, FINISHED, OPERATOR go, then the outcomes are cut,
        // then STARTED, OUTCOMES, COMMAND and EXIT go (review of issue 26:
        // at 60 it kept OPERATOR and dropped COMMAND and OUTCOMES).
        let runs = [
            Column::keep("RUN"),
            Column::keep("COMMAND").dropped(7),
            Column::keep("OPERATOR").dropped(3),
            Column::keep("OS USER").dropped(1),
            Column::keep("STARTED").dropped(5),
            Column::keep("FINISHED").dropped(2),
            Column::counts("OUTCOMES", ", ", 48)
                .squeezed(4, 0)
                .dropped(6),
            Column::keep("EXIT").dropped(8),
        ];
        let runs_at = |command: usize, available| {
            let natural = [26, command, 8, 7, 19, 19, 46, 4];
            let mut mins = natural;
            mins[6] = 13;
            let layout = super::fit(&runs, &natural, &natural, &mins, available);
            let width = used(&layout);
            (layout.shown, width)
        };
        assert_eq!(runs_at(14, 130), (vec![0, 1, 2, 4, 6, 7], 122));
        assert_eq!(runs_at(14, 80), (vec![0, 1, 4, 6, 7], 80));
        assert_eq!(runs_at(14, 60), (vec![0, 1, 6, 7], 60));
        assert_eq!(runs_at(7, 60), (vec![0, 1, 6, 7], 60));
        assert_eq!(runs_at(14, 40), (vec![0, 7], 31));
        assert_eq!(runs_at(7, 40), (vec![0, 1, 7], 39));
        assert_eq!(runs_at(14, 30), (vec![0], 26));
        assert_eq!(cut_to_width("emma.patel@example.com", 10), "emma.pate…");
        assert_eq!(cut_to_width("short", 10), "short");
        let hearts = "\u{2764}\u{fe0f}".repeat(30);
        for w in 1..20 {
            let cut = cut_to_width(&hearts, w);
            assert!(
                display_width(&cut) <= w,
                "{w}: {cut:?} is {} wide",
                display_width(&cut)
            );
        }
    }

    #[test]
    fn one_note_says_what_was_not_shown_whole() {
        let elided = |left_out: &[&'static str], cut: &[&'static str], long: &[&'static str]| {
            Elided {
                width: 80,
                left_out: left_out.to_vec(),
                cut_to_fit: cut.to_vec(),
                cut_long: if long.is_empty() {
                    Vec::new()
                } else {
                    vec![(MAX_CELL_CHARS, long.to_vec())]
                },
            }
            .note()
        };
        assert_eq!(elided(&[], &[], &[]), None);
        assert_eq!(
            elided(&["CREATED", "LAST LOGIN"], &[], &[]).as_deref(),
            Some("left out to fit 80 columns: CREATED, LAST LOGIN; -o json or a wider terminal shows them")
        );
        assert_eq!(
            elided(&["RUN"], &["DETAILS"], &[]).as_deref(),
            Some("left out to fit 80 columns: RUN; cut with …: DETAILS; -o json or a wider terminal shows them whole")
        );
        assert_eq!(
            elided(&[], &["DETAILS"], &[]).as_deref(),
            Some("cut with … to fit 80 columns: DETAILS; -o json or a wider terminal shows them whole")
        );
        assert_eq!(
            elided(&[], &[], &["NAME"]).as_deref(),
            Some("longer than 200 characters, cut with …: NAME; -o json shows them whole")
        );
    }

    #[test]
    fn parts_are_cut_between_parts_and_graphemes() {
        let outcomes = "2 failed, 1 refused, 3 changed";
        assert_eq!(cut_parts(outcomes, ", ", 40), outcomes);
        assert_eq!(cut_parts(outcomes, ", ", 29), "2 failed, 1 refused, …");
        assert_eq!(cut_parts(outcomes, ", ", 21), "2 failed, …");
        assert_eq!(cut_parts(outcomes, ", ", 11), "2 failed, …");
        // Not even the first part with its `, …`: cut as any text.
        assert_eq!(cut_parts(outcomes, ", ", 9), "2 failed…");
        assert_eq!(
            cut_parts("is_active: true → false; was: x", "; ", 26),
            "is_active: true → false; …"
        );
        assert_eq!(
            first_part_width("is_active: true → false; was: x", "; "),
            26
        );
        assert_eq!(first_part_width("1 changed", ", "), 9);
        // Counts say how many they no longer show.
        let four = "2 refused, 2 not found, 2 changed, 2 unchanged";
        assert_eq!(cut_counts(four, ", ", 46), four);
        assert_eq!(
            cut_counts(four, ", ", 45),
            "2 refused, 2 not found, 2 changed, +2"
        );
        assert_eq!(cut_counts(four, ", ", 26), "2 refused, 2 not found, +4");
        assert_eq!(cut_counts(four, ", ", 13), "2 refused, +6");
        assert_eq!(first_count_width(four, ", "), 13);
        assert_eq!(first_count_width("1 changed", ", "), 9);
        // Within a part, between words where the cut would split one.
        let why = "line 6: customer 6 is deleted: run `custadm restore 6` first";
        assert_eq!(
            cut_parts(why, "; ", 35),
            "line 6: customer 6 is deleted: run…"
        );
        assert_eq!(cut_parts(why, "; ", 28), "line 6: customer 6 is …");
        let hearts = "\u{2764}\u{fe0f}".repeat(30);
        for w in 1..20 {
            let cut = cut_to_width(&hearts, w);
            assert!(cut.trim_end_matches('…').len() % 6 == 0, "{w}: {cut:?}");
        }
    }

    /// `rows` through a [`StreamingTable`] on a terminal `width` wide.
    fn on_terminal(columns: &[Column], rows: &[&[&str]], width: usize) -> (String, Elided) {
        let mut table = StreamingTable::with_width(Vec::new(), columns, true, width);
        for row in rows {
            table.push(row).expect("in memory");
        }
        let (out, elided) = table.finish().expect("in memory");
        (String::from_utf8_lossy(&out).into_owned(), elided)
    }

    #[test]
    fn narrow_tables_are_light_keep_first_parts_and_fold_failures() {
        let columns = [
            Column::keep("ID"),
            Column::keep("WHO").dropped(2),
            Column::keep("OUTCOME")
                .dropped(1)
                .folded_into("DETAILS", "ok"),
            Column::parts("DETAILS", "; ", 32),
        ];
        let rows: [&[&str]; 2] = [
            &[
                "1",
                "admin",
                "ok",
                "is_active: true → false; note: long enough to cut",
            ],
            &[
                "2",
                "admin",
                "failed",
                "email_to: \"x\"; error: refused by the server",
            ],
        ];
        // Wide: boxes, nothing folded.
        let (wide, elided) = on_terminal(&columns, &rows, 120);
        assert!(
            wide.starts_with('┌') && wide.contains("│ 2  ┆ admin ┆ failed  ┆ email_to"),
            "{wide}"
        );
        assert_eq!(elided.note(), None);
        // Narrow: no borders, OUTCOME left out but a failure shown in DETAILS.
        let (narrow, elided) = on_terminal(&columns, &rows, 40);
        assert_eq!(elided.left_out, vec!["OUTCOME"]);
        assert_eq!(elided.cut_to_fit, vec!["DETAILS"]);
        assert_eq!(
            narrow,
            "ID WHO   DETAILS\n\
             1  admin is_active: true → false; …\n\
             2  admin [failed] email_to: \"x\"; …\n"
        );
        for line in narrow.lines() {
            assert!(display_width(line) <= 40, "{line:?}");
        }
        // No rows: nothing at all, not even the header.
        let (empty, _) = on_terminal(&columns, &[], 40);
        assert_eq!(empty, "");
        let mut plain = StreamingTable::with_width(Vec::new(), &columns, false, 40);
        let (out, _) = plain.finish().expect("in memory");
        assert!(out.is_empty());
        plain = StreamingTable::with_width(Vec::new(), &columns, false, 40);
        plain.push(rows[1]).expect("in memory");
        let (out, elided) = plain.finish().expect("in memory");
        assert_eq!(
            String::from_utf8_lossy(&out),
            " ID  WHO    OUTCOME  DETAILS\n 2   admin  failed   email_to: \"x\"; error: refused by the server\n"
        );
        assert_eq!(elided.note(), None);
        // Without a terminal only a value over 200 characters is cut, and
        // the note says so.
        let long = format!("{}; end", "x".repeat(300));
        plain = StreamingTable::with_width(Vec::new(), &columns, false, 40);
        plain.push(&["3", "admin", "ok", &long]).expect("in memory");
        let (out, elided) = plain.finish().expect("in memory");
        let out = String::from_utf8_lossy(&out);
        assert!(out.contains(&format!("{}…", "x".repeat(199))), "{out}");
        assert_eq!(
            elided.note().as_deref(),
            Some("longer than 200 characters, cut with …: DETAILS; -o json shows them whole")
        );
    }

    #[test]
    fn csv_guards_formulas() -> Result<()> {
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
        // A record as list writes it: the same cells, a bare newline at the end.
        let mut out = Vec::new();
        let mut rows = CsvRows::new(&mut out);
        rows.write(["1", &csv_guard_text("a,b"), "", &csv_guard_phone("=x")])?;
        rows.flush()?;
        drop(rows);
        assert_eq!(String::from_utf8_lossy(&out), "1,\"a,b\",,'=x\n");
        assert_eq!(dollars(12345), "$123.45");
        assert_eq!(dollars(-5), "-$0.05");
        Ok(())
    }
}
