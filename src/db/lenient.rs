//! Lenient readers for what other programs wrote: the one place that decides how custadm
//! reads text and timestamps it did not write itself, and how it compares
//! instants in filters (contract, "Output": data written by other programs).
//!
//! - Text that is not valid UTF-8 (SQLite stores whatever bytes it is given; a
//!   PostgreSQL database in `SQL_ASCII` does too) is read with U+FFFD in place
//!   of each undecodable sequence ([`LossyText`], [`LossyOptText`]), never an
//!   error, so `list`, `view` and `edit` work on the row and can repair it.
//! - On SQLite a timestamp column may hold `YYYY-MM-DD HH:MM[:SS[.f]]`, the
//!   same with `T`, followed by `Z` or `±HH:MM`, or a bare date; each is read
//!   as the UTC instant it names. PostgreSQL's `timestamp` columns are
//!   typed, so they are read as they are. On both, a value that names no
//!   instant, or one before 1900, is read as the text stored, with a warning
//!   ([`StoredTime`]).
//! - Filters compare instants, not text: on SQLite through the normalised
//!   expression [`SQLITE_INSTANT`], which the expression indexes of migration
//!   `2026-11-30-000016_instant_julianday` hold ([`instant_cmp`]).
//!
//! Text model fields stay `String`; they name these types with
//! `#[diesel(deserialize_as = …)]`. Timestamp fields are [`StoredTime`]
//! (`Option<StoredTime>` when nullable).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::deserialize::{self, FromSql};
use diesel::expression::BoxableExpression;
use diesel::pg::Pg;
use diesel::sql_types::{Bool, Date, Nullable, Text, Timestamp};
use diesel::sqlite::Sqlite;

use super::{Backend, MultiBackend, MultiRawValue};

/// Text read lossily: invalid UTF-8 becomes U+FFFD.
#[derive(Debug, Clone, PartialEq, Eq, diesel::deserialize::FromSqlRow)]
pub struct LossyText(pub String);

/// Nullable text read lossily.
#[derive(Debug, Clone, PartialEq, Eq, diesel::deserialize::FromSqlRow)]
pub struct LossyOptText(pub Option<String>);

/// A date of birth as shown: `YYYY-MM-DD`, the date stored, when it is a
/// valid date from 1900-01-01 to 9999-12-31 (on SQLite written `YYYY-MM-DD`,
/// alone or followed by a time of day, whose zone is not applied, or a
/// Julian day number); anything else (SQLite's number 0, a day past the
/// month's end, PostgreSQL's `0044-03-15 BC` or `infinity`) shown as stored
/// (made terminal-safe where it is printed), with one warning: a
/// subject-access export must not invent a date of birth, nor shift one.
/// The rule is the contract's for timestamps ("Output": a value that names
/// no instant, or one before 1900, is unreadable), for a calendar date.
#[derive(Debug, Clone, PartialEq, Eq, diesel::deserialize::FromSqlRow)]
pub struct DbDate(pub String);

impl From<LossyText> for String {
    fn from(v: LossyText) -> String {
        v.0
    }
}
impl From<LossyOptText> for Option<String> {
    fn from(v: LossyOptText) -> Option<String> {
        v.0
    }
}
impl From<DbDate> for String {
    fn from(v: DbDate) -> String {
        v.0
    }
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

// --- text -----------------------------------------------------------------

impl FromSql<Text, Sqlite> for LossyText {
    fn from_sql(mut value: diesel::sqlite::SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        // `read_blob` gives the stored bytes whatever their encoding.
        Ok(LossyText(lossy(value.read_blob())))
    }
}

impl FromSql<Text, Pg> for LossyText {
    fn from_sql(value: diesel::pg::PgValue<'_>) -> deserialize::Result<Self> {
        Ok(LossyText(lossy(value.as_bytes())))
    }
}

impl FromSql<Nullable<Text>, Sqlite> for LossyOptText {
    fn from_sql(value: diesel::sqlite::SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        let text = <LossyText as FromSql<Text, Sqlite>>::from_sql(value)?;
        Ok(LossyOptText(Some(text.0)))
    }
    fn from_nullable_sql(
        value: Option<diesel::sqlite::SqliteValue<'_, '_, '_>>,
    ) -> deserialize::Result<Self> {
        value.map_or(Ok(LossyOptText(None)), |v| {
            <Self as FromSql<Nullable<Text>, Sqlite>>::from_sql(v)
        })
    }
}

impl FromSql<Nullable<Text>, Pg> for LossyOptText {
    fn from_sql(value: diesel::pg::PgValue<'_>) -> deserialize::Result<Self> {
        let text = <LossyText as FromSql<Text, Pg>>::from_sql(value)?;
        Ok(LossyOptText(Some(text.0)))
    }
    fn from_nullable_sql(value: Option<diesel::pg::PgValue<'_>>) -> deserialize::Result<Self> {
        value.map_or(Ok(LossyOptText(None)), |v| {
            <Self as FromSql<Nullable<Text>, Pg>>::from_sql(v)
        })
    }
}

// --- timestamps -----------------------------------------------------------

/// Parses a SQLite timestamp text as the UTC instant SQLite's own date
/// functions read in it (sqlite.org/lang_datefunc.html, "Time Values"), so
/// that what custadm shows and what its filters (`strftime`) match agree:
///
/// - `YYYY-MM-DD`, then optionally spaces or `T`s and `HH:MM[:SS[.f…]]`,
///   then optionally spaces and `Z`/`z` or `±HH:MM` (at most 14:00; the
///   offset is applied), then optionally spaces. As in SQLite, a day up to
///   31 and an hour of 24 roll over (`2026-02-31` is March 3rd);
/// - `HH:MM[:SS[.f…]]` alone, on 2000-01-01, with the same zone forms;
/// - a number: a Julian day number (from 0 to 5373484.5, years up to 9999).
///
/// Anything else (leading spaces, a lowercase `t`, other formats, an
/// instant past 9999) is `None`: SQLite's functions do not read it either,
/// so no filter matches it. Like them, it stops at a NUL. Two forms SQLite
/// reads are not shown: `now` (a different instant at every read) and
/// negative years; filters compare them as SQLite reads them.
pub fn parse_sqlite_timestamp(text: &str) -> Option<NaiveDateTime> {
    // SQLite's functions read a text up to its first NUL.
    let text = text.split('\0').next().unwrap_or("");
    let b = text.as_bytes();
    let number = |from: usize, len: usize, max: u32| -> Option<u32> {
        let digits = b.get(from..from + len)?;
        if !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let n = digits.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0'));
        (n <= max).then_some(n)
    };
    // The date, or 2000-01-01 for a time alone.
    let (day, mut i) = if b.len() >= 10 && b[4] == b'-' && b[7] == b'-' {
        let year = number(0, 4, 9999)?;
        let month = number(5, 2, 12).filter(|m| *m >= 1)?;
        let day = number(8, 2, 31).filter(|d| *d >= 1)?;
        let first = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, 1)?;
        let mut i = 10;
        while i < b.len() && (is_sqlite_space(b[i]) || b[i] == b'T') {
            i += 1;
        }
        (
            first.checked_add_days(chrono::Days::new(u64::from(day) - 1))?,
            i,
        )
    } else if b.len() >= 5 && b[2] == b':' {
        (NaiveDate::from_ymd_opt(2000, 1, 1)?, 0)
    } else {
        let t = text.trim_matches(|c: char| u8::try_from(c).is_ok_and(is_sqlite_space));
        if t.is_empty()
            || !t
                .bytes()
                .all(|c| c.is_ascii_digit() || b"+-.eE".contains(&c))
        {
            return None;
        }
        return from_julian_day(t.parse().ok()?);
    };
    let midnight = day.and_hms_opt(0, 0, 0)?;
    if i == b.len() {
        return Some(midnight);
    }
    // HH:MM[:SS[.f…]]
    let hour = number(i, 2, 24)?;
    if b.get(i + 2) != Some(&b':') {
        return None;
    }
    let minute = number(i + 3, 2, 59)?;
    i += 5;
    let (mut second, mut nanos) = (0, 0u32);
    if b.get(i) == Some(&b':') {
        second = number(i + 1, 2, 59)?;
        i += 3;
        if b.get(i) == Some(&b'.') && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
            i += 1;
            let mut scale = 100_000_000;
            while let Some(d) = b.get(i).filter(|d| d.is_ascii_digit()) {
                nanos += u32::from(d - b'0') * scale;
                scale /= 10;
                i += 1;
            }
        }
    }
    // The zone.
    while i < b.len() && is_sqlite_space(b[i]) {
        i += 1;
    }
    let mut offset_minutes = 0i64;
    match b.get(i) {
        None => {}
        Some(b'Z' | b'z') => i += 1,
        Some(sign @ (b'+' | b'-')) => {
            let h = number(i + 1, 2, 14)?;
            if b.get(i + 3) != Some(&b':') {
                return None;
            }
            let m = number(i + 4, 2, 59)?;
            offset_minutes = i64::from(h * 60 + m) * if *sign == b'-' { -1 } else { 1 };
            i += 6;
        }
        Some(_) => return None,
    }
    while i < b.len() && is_sqlite_space(b[i]) {
        i += 1;
    }
    if i != b.len() {
        return None;
    }
    let seconds = i64::from(hour * 3600 + minute * 60 + second) - offset_minutes * 60;
    midnight
        .checked_add_signed(chrono::Duration::seconds(seconds))?
        .checked_add_signed(chrono::Duration::nanoseconds(i64::from(nanos)))
        // Past the end of 9999 SQLite reads nothing.
        .filter(|t| chrono::Datelike::year(t) <= 9999)
}

/// White space as SQLite's date functions skip it (`sqlite3Isspace`).
fn is_sqlite_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// SQLite's numeric timestamps are Julian day numbers (as in its date
/// functions), valid from 0 (4714 BC) to 5373484.5 (the end of 9999); as
/// SQLite does, the day is first rounded to the nearest millisecond.
fn from_julian_day(days: f64) -> Option<NaiveDateTime> {
    /// 1970-01-01T00:00:00Z as a Julian day, in milliseconds.
    const UNIX_EPOCH_JULIAN_MS: i64 = 210_866_760_000_000;
    if !(0.0..5_373_484.5).contains(&days) {
        return None;
    }
    let julian_ms = (days * 86_400_000.0 + 0.5) as i64;
    chrono::DateTime::from_timestamp_millis(julian_ms - UNIX_EPOCH_JULIAN_MS).map(|d| d.naive_utc())
}

/// The first instant custadm reads as one: 1900-01-01T00:00:00Z (contract
/// "Output": a value before 1900 is unreadable — a number 0 another program
/// wrote reads as a Julian day, the year −4713, and no customer logged in
/// then). Earlier values are shown with a warning and never selected by a
/// filter ([`instant_cmp`](InstantCmp::instant_cmp) bounds every comparison).
pub fn readable_from() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(1900, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap_or(NaiveDateTime::MIN)
}

/// [`readable_from`] as SQLite's `julianday()` gives it.
const READABLE_FROM_JULIAN_DAY: &str = "2415020.5";

/// A timestamp column's value as custadm reads it (contract, "Output": data
/// written by other programs): the UTC instant it names, or, when it names
/// none custadm reads, the value as stored.
///
/// - [`StoredTime::At`]: on SQLite a value in a form
///   [`parse_sqlite_timestamp`] reads or a Julian day number; on PostgreSQL
///   a `timestamp`; in both cases at or after [`readable_from`] (1900).
/// - [`StoredTime::Unreadable`]: anything else — text that is no timestamp
///   (`garbage`), an instant before 1900 (SQLite's number `0` is a Julian day
///   in 4714 BC; `1899-12-31`; PostgreSQL's `0001-01-01`), PostgreSQL's
///   `-infinity` and `infinity`. It holds the stored text: SQLite's own text
///   of the value (a number as SQLite prints it: `0`, `1721425.5`; bytes
///   that are not UTF-8 with U+FFFD), or the `timestamp` as PostgreSQL prints it
///   (`-infinity`, `0001-01-01 00:00:00`, `4713-01-01 00:00:00 BC`). Reading
///   one writes one warning to stderr; output shows the text as stored
///   ([`StoredTime::rfc3339`], [`StoredTime::human`]); filters never select
///   it ([`InstantCmp`]).
///
/// A NULL is no `StoredTime`: nullable columns read as `Option<StoredTime>`.
/// What a command writes to a timestamp column is the time of its change
/// (`updated_at`, `deleted_at`) or NULL (`restore`), never a value it read
/// and so never the epoch or NULL for an `Unreadable` one; the columns no
/// command writes (`created_at`, `last_login_at`) stay as stored. The one
/// value put back is a `deleted_at` a restore recorded: `undo` of that
/// restore writes it byte for byte as it was stored ([`RawTime`],
/// [`Customer::soft_delete_exact`](crate::db::customer::Customer::soft_delete_exact)).
#[derive(Debug, Clone, PartialEq, Eq, diesel::deserialize::FromSqlRow)]
pub enum StoredTime {
    /// The instant (UTC) the value names, 1900 or later.
    At(NaiveDateTime),
    /// The value as stored, which names no instant custadm reads.
    Unreadable(String),
}

impl StoredTime {
    /// The instant, or `None` for a value custadm cannot read.
    pub fn instant(&self) -> Option<NaiveDateTime> {
        match self {
            StoredTime::At(t) => Some(*t),
            StoredTime::Unreadable(_) => None,
        }
    }

    /// For JSON and CSV: the instant in RFC 3339 UTC
    /// (`2026-11-27T01:02:03Z`), or the stored text exactly as stored
    /// (untrusted: JSON escaping, CSV's formula guard and a terminal's
    /// sanitising are the caller's).
    pub fn rfc3339(&self) -> String {
        match self {
            StoredTime::At(t) => crate::output::rfc3339(*t),
            StoredTime::Unreadable(stored) => stored.clone(),
        }
    }

    /// For a table: `2026-11-27 01:02:03`, or the stored text on one line
    /// made terminal-safe ([`crate::text::sanitize`]).
    pub fn human(&self) -> String {
        match self {
            StoredTime::At(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
            StoredTime::Unreadable(stored) => crate::text::sanitize(stored),
        }
    }
}

/// An unreadable value: warns once ([`unreadable_timestamp`]) and keeps the
/// stored text. `why` is untrusted until sanitised here.
fn unreadable(why: &str, stored: String, find: &str) -> StoredTime {
    unreadable_timestamp(why, find);
    StoredTime::Unreadable(stored)
}

/// Up to 40 characters of an untrusted stored value, quoted and made
/// terminal-safe, for a warning.
fn quoted(stored: &str) -> String {
    let shown: String = stored.chars().take(40).collect();
    crate::text::sanitize(&format!("{shown:?}"))
}

/// How to find the rows a warning is about, per backend.
const FIND_SQLITE: &str = "on SQLite find them with `WHERE column IS NOT NULL AND coalesce(julianday(column), 0) < 2415020.5`";
const FIND_PG: &str =
    "on PostgreSQL find them with `WHERE column < '1900-01-01' OR column = 'infinity'`";

/// A SQLite value: numbers are Julian days (as in SQLite's date
/// functions), text is read by [`parse_sqlite_timestamp`].
fn sqlite_stored(mut value: diesel::sqlite::SqliteValue<'_, '_, '_>) -> StoredTime {
    use diesel::sqlite::SqliteType;
    let number = matches!(
        value.value_type(),
        Some(SqliteType::Double | SqliteType::Integer | SqliteType::Long)
    );
    let julian = number.then(|| from_julian_day(value.read_double()));
    // SQLite's own text of the value: a number as SQLite prints it.
    let stored = lossy(value.read_blob());
    let read = match julian {
        Some(read) => read,
        None => parse_sqlite_timestamp(&stored),
    };
    if let Some(t) = read.filter(|&t| t >= readable_from()) {
        return StoredTime::At(t);
    }
    // Only for the warning: a readable value (every row of a bulk run)
    // does not pay for it.
    let what = match julian {
        Some(_) => format!("the number {stored}"),
        None => quoted(&stored),
    };
    match read {
        Some(t) => unreadable(
            &format!(
                "{what} (read as {}) is before 1900, which custadm does not read as an instant{}",
                t.format("%Y-%m-%d %H:%M:%S"),
                if number {
                    " (a number 0 is a Julian day in 4714 BC)"
                } else {
                    ""
                }
            ),
            stored,
            FIND_SQLITE,
        ),
        None if number => unreadable(
            &format!("{what} is not a timestamp (Julian day)"),
            stored,
            FIND_SQLITE,
        ),
        None => unreadable(
            &format!("{what} is not a timestamp in a form custadm reads (YYYY-MM-DD[ HH:MM[:SS[.f]]][Z|±HH:MM])"),
            stored,
            FIND_SQLITE,
        ),
    }
}

/// A PostgreSQL `timestamp`, which holds instants before 1900 (another
/// program's `0001-01-01`) and `-infinity`/`infinity`: the same rule as on
/// SQLite.
fn pg_stored(value: diesel::pg::PgValue<'_>) -> StoredTime {
    // The binary form: microseconds since 2000-01-01, the extremes meaning
    // the infinities.
    let micros = <[u8; 8]>::try_from(value.as_bytes())
        .ok()
        .map(i64::from_be_bytes);
    if let Some(infinity @ (i64::MIN | i64::MAX)) = micros {
        let stored = if infinity == i64::MIN {
            "-infinity"
        } else {
            "infinity"
        };
        return unreadable(
            &format!("{stored} names no calendar date, which custadm does not read as an instant"),
            stored.to_string(),
            FIND_PG,
        );
    }
    match <NaiveDateTime as FromSql<Timestamp, Pg>>::from_sql(value) {
        Ok(t) if t >= readable_from() => StoredTime::At(t),
        // Before 1900, or past the years chrono holds (262,143; PostgreSQL
        // goes to 294,276): shown as PostgreSQL prints the value.
        read => {
            let stored = micros.map_or_else(|| "?".to_string(), pg_timestamp_text);
            let why = if read.is_ok() {
                "is before 1900"
            } else {
                "is past the years custadm reads"
            };
            unreadable(
                &format!("{stored} {why}, which custadm does not read as an instant"),
                stored,
                FIND_PG,
            )
        }
    }
}

/// 2000-01-01, PostgreSQL's epoch, in days after 1970-01-01.
const PG_EPOCH_DAYS: i64 = 10_957;

/// The proleptic Gregorian (year, month, day) of a day number counted from
/// 1970-01-01, for any `i64` day PostgreSQL can hold (H. Hinnant,
/// "chrono-Compatible Low-Level Date Algorithms", `civil_from_days`): years
/// before 1 are astronomical (0 is 1 BC).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// A date as PostgreSQL prints it (`DateStyle` ISO, as `psql` shows it):
/// at least four year digits, ` BC` for years before 1.
fn pg_date_part(days_since_2000: i64) -> (String, &'static str) {
    let (year, month, day) = civil_from_days(days_since_2000 + PG_EPOCH_DAYS);
    let (year, era) = if year <= 0 {
        (1 - year, " BC")
    } else {
        (year, "")
    };
    (format!("{year:04}-{month:02}-{day:02}"), era)
}

/// A `timestamp` as PostgreSQL prints it from its binary value (microseconds
/// since 2000-01-01, `i64::MIN`/`MAX` the infinities), for every value it
/// holds, chrono's range or not: `0001-01-01 00:00:00`, a fraction without
/// trailing zeros, ` BC` for years before 1, `294276-12-31 23:59:59.999999`,
/// `-infinity`.
pub(crate) fn pg_timestamp_text(micros: i64) -> String {
    const DAY: i64 = 86_400_000_000;
    match micros {
        i64::MIN => return "-infinity".into(),
        i64::MAX => return "infinity".into(),
        _ => {}
    }
    let (date, era) = pg_date_part(micros.div_euclid(DAY));
    let time = micros.rem_euclid(DAY);
    let seconds = time / 1_000_000;
    let mut fraction = format!(".{:06}", time % 1_000_000);
    while fraction.ends_with('0') || fraction.ends_with('.') {
        fraction.pop();
    }
    format!(
        "{date} {:02}:{:02}:{:02}{fraction}{era}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}

/// A `date` as PostgreSQL prints it from its binary value (days since
/// 2000-01-01, `i32::MIN`/`MAX` the infinities).
pub(crate) fn pg_date_text(days: i32) -> String {
    match days {
        i32::MIN => "-infinity".into(),
        i32::MAX => "infinity".into(),
        _ => {
            let (date, era) = pg_date_part(i64::from(days));
            format!("{date}{era}")
        }
    }
}

/// Says on stderr that the database holds a value custadm cannot read
/// (`why`, sanitised here) and that it is shown as stored: once per value,
/// a few values at most, with how to find the rows to fix (`find`). Never
/// an error, so one bad row another program wrote does not stop a listing.
fn unreadable_timestamp(why: &str, find: &str) {
    warn_once(
        &format!(
            "the database holds a timestamp custadm cannot read: {why}; shown as stored, and never selected by a filter"
        ),
        find,
    );
}

/// Distinct values warned about one by one; past them one closing line.
const WARNED_VALUES: usize = 5;

/// One `warning:` line on stderr (`text` sanitised here, then how to find
/// the rows, `find`), once per text, for [`WARNED_VALUES`] texts; the next
/// distinct one gets one closing line instead (that more such values were
/// found, and how to find them), and later ones nothing, so that a table
/// full of them does not bury the output in warnings.
fn warn_once(text: &str, find: &str) {
    use std::collections::BTreeSet;
    use std::sync::Mutex;
    /// The texts warned about, and whether the closing line was written.
    static WARNED: Mutex<(BTreeSet<String>, bool)> = Mutex::new((BTreeSet::new(), false));
    let message = crate::text::sanitize(text);
    let Ok(mut warned) = WARNED.lock() else {
        return;
    };
    let (seen, closed) = &mut *warned;
    let line = if seen.contains(&message) || *closed {
        return;
    } else if seen.len() < WARNED_VALUES {
        let line = format!("warning: {message}. Fix the row with SQL ({find})\n");
        seen.insert(message);
        line
    } else {
        *closed = true;
        format!(
            "warning: the database holds more values custadm cannot read than the {WARNED_VALUES} above; they are shown as stored too. Find them with SQL ({find})\n"
        )
    };
    let line = crate::terminal::for_stderr(&line);
    let _ = std::io::Write::write_all(&mut std::io::stderr(), line.as_bytes());
}

impl FromSql<Timestamp, Sqlite> for StoredTime {
    fn from_sql(value: diesel::sqlite::SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        Ok(sqlite_stored(value))
    }
}

impl FromSql<Timestamp, Pg> for StoredTime {
    fn from_sql(value: diesel::pg::PgValue<'_>) -> deserialize::Result<Self> {
        Ok(pg_stored(value))
    }
}

/// The first and last dates of birth custadm reads as dates: 1900-01-01
/// (as for timestamps, [`readable_from`]) to 9999-12-31 (the last date
/// `YYYY-MM-DD` writes, so both backends read the same range).
fn readable_dates() -> std::ops::RangeInclusive<NaiveDate> {
    readable_from().date()..=NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(NaiveDate::MAX)
}

/// The date a SQLite text names as written: `YYYY-MM-DD`, a day that
/// month has, alone or followed by a time of day (and zone) in a form
/// [`parse_sqlite_timestamp`] reads — a program that stores dates as
/// timestamps. The zone is not applied: a date of birth is a calendar
/// date, not an instant (`1950-01-01 23:30:00-02:00` is 1950-01-01), and
/// a day past the month's end is no date (`1950-02-30`), where SQLite's
/// functions roll it over.
fn sqlite_text_date(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    let number = |from: usize, len: usize| -> Option<u32> {
        let digits = b.get(from..from + len)?;
        digits
            .iter()
            .all(u8::is_ascii_digit)
            .then(|| digits.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
    };
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(
        i32::try_from(number(0, 4)?).ok()?,
        number(5, 2)?,
        number(8, 2)?,
    )?;
    (b.len() == 10 || parse_sqlite_timestamp(text).is_some()).then_some(date)
}

/// Says that a date of birth is shown as stored, with the rule it broke.
fn unreadable_date(stored: String, why: &str, find: &str) -> DbDate {
    warn_once(
        &format!(
            "the database holds a date of birth custadm cannot read: {} {why}, and a date of birth is a valid date from 1900-01-01 to 9999-12-31; shown as stored",
            quoted(&stored)
        ),
        find,
    );
    DbDate(stored)
}

/// Where SQLite's unreadable dates of birth are.
const FIND_SQLITE_DATE: &str = "on SQLite find them with `SELECT id FROM kyc_records WHERE typeof(date_of_birth) <> 'text' OR date(substr(date_of_birth, 1, 10)) IS NOT substr(date_of_birth, 1, 10) OR date_of_birth < '1900'`";
/// Where PostgreSQL's are.
const FIND_PG_DATE: &str = "on PostgreSQL find them with `SELECT id FROM kyc_records WHERE NOT isfinite(date_of_birth) OR date_of_birth NOT BETWEEN '1900-01-01' AND '9999-12-31'`";

impl FromSql<Date, Sqlite> for DbDate {
    /// Text: the date as written ([`sqlite_text_date`]). A number: a Julian
    /// day, as SQLite's functions read one, its date in UTC (a number 0 is
    /// 4714 BC). Either read only within [`readable_dates`]; anything else
    /// is shown as stored (a number as SQLite prints it, bytes that are not
    /// UTF-8 with U+FFFD) with a warning.
    fn from_sql(mut value: diesel::sqlite::SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        use diesel::sqlite::SqliteType;
        let number = matches!(
            value.value_type(),
            Some(SqliteType::Double | SqliteType::Integer | SqliteType::Long)
        );
        let julian = number.then(|| from_julian_day(value.read_double()));
        // SQLite's own text of the value: a number as SQLite prints it.
        let stored = lossy(value.read_blob());
        let read = match julian {
            Some(t) => t.map(|t| t.date()),
            None => sqlite_text_date(&stored),
        };
        Ok(match read {
            Some(d) if readable_dates().contains(&d) => DbDate(d.format("%Y-%m-%d").to_string()),
            Some(d) => unreadable_date(
                stored,
                &format!(
                    "(read as {}) is outside the dates custadm reads{}",
                    d.format("%Y-%m-%d"),
                    if number {
                        " (a number is a Julian day: 0 is in 4714 BC)"
                    } else {
                        ""
                    }
                ),
                FIND_SQLITE_DATE,
            ),
            None => unreadable_date(
                stored,
                if number {
                    "is no Julian day"
                } else {
                    "is not a date in the form YYYY-MM-DD"
                },
                FIND_SQLITE_DATE,
            ),
        })
    }
}

impl FromSql<Date, Pg> for DbDate {
    /// From the binary form (days since 2000-01-01, the extremes the
    /// infinities), so every date PostgreSQL holds is shown as it prints
    /// it (`0044-03-15 BC`, `5874897-12-31`, `infinity`); read as a date
    /// only within [`readable_dates`], else shown so with a warning.
    fn from_sql(value: diesel::pg::PgValue<'_>) -> deserialize::Result<Self> {
        let days = i32::from_be_bytes(
            <[u8; 4]>::try_from(value.as_bytes()).map_err(|_| "a date of other than 4 bytes")?,
        );
        let stored = pg_date_text(days);
        let epoch = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default();
        let read = match days {
            i32::MIN | i32::MAX => None,
            _ => epoch.checked_add_signed(chrono::Duration::days(i64::from(days))),
        };
        Ok(match read {
            Some(d) if readable_dates().contains(&d) => DbDate(stored),
            Some(_) => unreadable_date(stored, "is outside the dates custadm reads", FIND_PG_DATE),
            None => unreadable_date(stored, "names no calendar date", FIND_PG_DATE),
        })
    }
}

/// Forwards the multi-connection backend to the concrete backend's impl.
macro_rules! multi_from_sql {
    ($($ty:ty => $st:ty),* $(,)?) => {$(
        impl FromSql<$st, MultiBackend> for $ty {
            fn from_sql(value: MultiRawValue<'_>) -> deserialize::Result<Self> {
                value.from_sql::<Self, $st>()
            }
            fn from_nullable_sql(value: Option<MultiRawValue<'_>>) -> deserialize::Result<Self> {
                match value {
                    Some(v) => <Self as FromSql<$st, MultiBackend>>::from_sql(v),
                    None => <Self as FromSql<$st, Sqlite>>::from_nullable_sql(None),
                }
            }
        }
    )*};
}

multi_from_sql!(
    LossyText => Text,
    LossyOptText => Nullable<Text>,
    StoredTime => Timestamp,
    DbDate => Date,
    RawTime => Timestamp,
);

// --- values put back as stored ----------------------------------------------

/// A timestamp column's value exactly as stored, whatever it names, for
/// putting back what a command took away: `restore` records the
/// `deleted_at` it clears this way and `undo` of that restore writes it
/// back byte for byte (contract "Output": a value is shown as stored;
/// what custadm writes never turns another program's value into another).
///
/// - SQLite: the storage class and the value (`typeof()` and `quote()`
///   tell them apart): an integer, a real (its 64 bits), text (its bytes,
///   UTF-8 or not, NUL included) or a blob.
/// - PostgreSQL: the `timestamp`'s binary value, microseconds since
///   2000-01-01 (`i64::MIN`/`MAX` the infinities), which holds every value
///   PostgreSQL does, also past chrono's years.
///
/// No parsing decides anything here: what was read is what is written.
#[derive(Debug, Clone, PartialEq, diesel::deserialize::FromSqlRow)]
pub enum RawTime {
    SqliteInteger(i64),
    SqliteReal(f64),
    SqliteText(Vec<u8>),
    SqliteBlob(Vec<u8>),
    PgMicros(i64),
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

impl RawTime {
    /// As JSON, losslessly (an audit row's `details`):
    /// `{"sqlite": "integer", "value": 0}`, `{"sqlite": "real", "bits":
    /// "4142C47C80000000"}` (the IEEE 754 bits in hex: infinities too),
    /// `{"sqlite": "text", "text": "…"}` (valid UTF-8) or `{"sqlite":
    /// "text", "hex": "…"}` (bytes that are not), `{"sqlite": "blob",
    /// "hex": "…"}`, `{"postgres": "timestamp", "micros": N}`.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::json;
        match self {
            RawTime::SqliteInteger(n) => json!({"sqlite": "integer", "value": n}),
            RawTime::SqliteReal(x) => {
                json!({"sqlite": "real", "bits": format!("{:016X}", x.to_bits())})
            }
            RawTime::SqliteText(bytes) => match std::str::from_utf8(bytes) {
                Ok(text) => json!({"sqlite": "text", "text": text}),
                Err(_) => json!({"sqlite": "text", "hex": hex(bytes)}),
            },
            RawTime::SqliteBlob(bytes) => json!({"sqlite": "blob", "hex": hex(bytes)}),
            RawTime::PgMicros(n) => json!({"postgres": "timestamp", "micros": n}),
        }
    }

    /// The value [`RawTime::to_json`] wrote, or `None` for anything else.
    pub fn from_json(v: &serde_json::Value) -> Option<RawTime> {
        let field = |k: &str| v.get(k).and_then(serde_json::Value::as_str);
        if v.get("postgres").and_then(serde_json::Value::as_str) == Some("timestamp") {
            return v.get("micros")?.as_i64().map(RawTime::PgMicros);
        }
        match v.get("sqlite")?.as_str()? {
            "integer" => v.get("value")?.as_i64().map(RawTime::SqliteInteger),
            "real" => u64::from_str_radix(field("bits")?, 16)
                .ok()
                .map(|bits| RawTime::SqliteReal(f64::from_bits(bits))),
            "text" => match (field("text"), field("hex")) {
                (Some(text), None) => Some(RawTime::SqliteText(text.as_bytes().to_vec())),
                (None, Some(h)) => unhex(h).map(RawTime::SqliteText),
                _ => None,
            },
            "blob" => unhex(field("hex")?).map(RawTime::SqliteBlob),
            _ => None,
        }
    }

    /// The backend this value was read from.
    pub fn backend(&self) -> Backend {
        match self {
            RawTime::PgMicros(_) => Backend::Postgres,
            _ => Backend::Sqlite,
        }
    }
}

impl FromSql<Timestamp, Sqlite> for RawTime {
    fn from_sql(mut value: diesel::sqlite::SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        use diesel::sqlite::SqliteType;
        Ok(match value.value_type() {
            Some(SqliteType::Long | SqliteType::Integer | SqliteType::SmallInt) => {
                RawTime::SqliteInteger(value.read_long())
            }
            Some(SqliteType::Double | SqliteType::Float) => {
                RawTime::SqliteReal(value.read_double())
            }
            Some(SqliteType::Binary) => RawTime::SqliteBlob(value.read_blob().to_vec()),
            // Text: its bytes as stored (`read_blob` converts nothing).
            _ => RawTime::SqliteText(value.read_blob().to_vec()),
        })
    }
}

impl FromSql<Timestamp, Pg> for RawTime {
    fn from_sql(value: diesel::pg::PgValue<'_>) -> deserialize::Result<Self> {
        let bytes = <[u8; 8]>::try_from(value.as_bytes())
            .map_err(|_| "a timestamp of other than 8 bytes")?;
        Ok(RawTime::PgMicros(i64::from_be_bytes(bytes)))
    }
}

/// A PostgreSQL `timestamp` bound by its binary value (microseconds since
/// 2000-01-01): writes back exactly what [`RawTime::PgMicros`] read, also
/// values chrono cannot hold and the infinities.
#[derive(Debug, Clone, Copy, diesel::expression::AsExpression)]
#[diesel(sql_type = Timestamp)]
pub struct PgMicros(pub i64);

impl diesel::serialize::ToSql<Timestamp, Pg> for PgMicros {
    fn to_sql<'b>(
        &'b self,
        out: &mut diesel::serialize::Output<'b, '_, Pg>,
    ) -> diesel::serialize::Result {
        std::io::Write::write_all(out, &self.0.to_be_bytes())?;
        Ok(diesel::serialize::IsNull::No)
    }
}

// --- filters --------------------------------------------------------------

/// The normalised form of a SQLite timestamp column, `{}` standing for the
/// column: the UTC instant as a Julian day number (a REAL, computed by
/// SQLite from whole milliseconds, so distinct milliseconds stay distinct
/// and in order), NULL for what is not a time. It reads every form
/// [`parse_sqlite_timestamp`] does, and the same instant: a day past the
/// month's end or an hour of 24 rolls over (`strftime()` rolls the date but
/// prints the hour as 24). Migration `2026-11-30-000016_instant_julianday`
/// indexes exactly this expression. `julianday()` rather than a formatted
/// `strftime()`: the same parse without the formatting, a quarter of the
/// cost per row in a filtered scan (bench/RESULTS.md).
///
/// An index entry is computed by the SQLite that writes the row. SQLite
/// 3.40 (Debian's) rounds a fraction of a second to the nearest millisecond
/// where the bundled 3.53 truncates it, in `julianday()` and `strftime()`
/// alike: a row another program writes with more than three fraction digits
/// (`…:58.9996`) may sit 1 ms apart in the index (`REINDEX` recomputes it).
/// At the 1900 bound that would make an unreadable value selectable:
/// [`InstantCmp`] checks an entry exactly there again.
pub const SQLITE_INSTANT: &str = "julianday({})";

/// How a filter compares a column with an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    fn sql(self) -> &'static str {
        match self {
            Cmp::Lt => " < ",
            Cmp::Le => " <= ",
            Cmp::Gt => " > ",
            Cmp::Ge => " >= ",
        }
    }
}

/// `column OP t` comparing instants (and only readable ones: the column at
/// or after [`readable_from`], and on PostgreSQL no `infinity`), for the backends a query can be built
/// for (SQLite, PostgreSQL, and the multi-connection enum).
pub trait InstantCmp: diesel::backend::Backend + Sized {
    /// `column OP t`: on PostgreSQL the typed column itself; on SQLite the
    /// column through [`SQLITE_INSTANT`] against `julianday(t)` (number
    /// order is time order there). `column` is a trusted, qualified column
    /// name (`"customers.created_at"`); a NULL or unreadable value never
    /// matches. `backend` must be the backend this query runs on.
    fn instant_cmp<QS: 'static>(
        backend: Backend,
        column: &'static str,
        cmp: Cmp,
        t: NaiveDateTime,
    ) -> Box<dyn BoxableExpression<QS, Self, SqlType = Bool>>;
}

macro_rules! instant_cmp_for {
    ($($db:ty),*) => {$(
        impl InstantCmp for $db {
            fn instant_cmp<QS: 'static>(
                backend: Backend,
                column: &'static str,
                cmp: Cmp,
                t: NaiveDateTime,
            ) -> Box<dyn BoxableExpression<QS, Self, SqlType = Bool>> {
                // Both bounded below by the first readable instant, in the
                // indexed form itself (an index range scan still serves it).
                match backend {
                    // On SQLite the index entry may have been computed by
                    // another program's SQLite 3.40, which rounds to the
                    // nearest millisecond ('1899-12-31 23:59:59.9996' is
                    // 1900-01-01 there), and SQLite ≥ 3.41 takes the
                    // indexed value for `julianday(column)` from the index.
                    // So an entry exactly at the bound is checked again by
                    // an expression no index holds (`'+0 days'` changes
                    // nothing but makes this SQLite compute it); every
                    // other row is decided by the index alone.
                    Backend::Sqlite => {
                        let instant = SQLITE_INSTANT.replace("{}", column);
                        let bound = READABLE_FROM_JULIAN_DAY;
                        Box::new(
                            diesel::dsl::sql::<Bool>(&format!(
                                "({instant} >= {bound} AND ({instant} > {bound} OR julianday({column}, '+0 days') >= {bound}) AND {instant}{}julianday(",
                                cmp.sql()
                            ))
                            .bind::<Text, _>(t.format("%Y-%m-%d %H:%M:%S%.3f").to_string())
                            .sql("))"),
                        )
                    }
                    // And from above by the last instant chrono holds,
                    // which leaves out `infinity` (unreadable, as SQLite's
                    // values past 9999 are NULL to `julianday()`).
                    Backend::Postgres => Box::new(
                        diesel::dsl::sql::<Bool>(&format!("({column} >= "))
                            .bind::<Timestamp, _>(readable_from())
                            .sql(&format!(" AND {column} <= "))
                            .bind::<Timestamp, _>(NaiveDateTime::MAX)
                            .sql(&format!(" AND {column}{}", cmp.sql()))
                            .bind::<Timestamp, _>(t)
                            .sql(")"),
                    ),
                }
            }
        }
    )*};
}

instant_cmp_for!(Sqlite, Pg, MultiBackend);

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Option<String> {
        parse_sqlite_timestamp(s).map(|t| t.format("%Y-%m-%d %H:%M:%S%.3f").to_string())
    }

    #[test]
    fn postgres_timestamps_are_shown_as_postgres_prints_them() {
        let epoch = NaiveDate::from_ymd_opt(2000, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .expect("epoch");
        let t = |y, m, d, micros| {
            NaiveDate::from_ymd_opt(y, m, d)
                .and_then(|d| d.and_hms_micro_opt(1, 2, 3, micros))
                .and_then(|t| (t - epoch).num_microseconds())
                .map(pg_timestamp_text)
        };
        assert_eq!(t(1, 1, 1, 0).as_deref(), Some("0001-01-01 01:02:03"));
        assert_eq!(
            t(1899, 12, 31, 500_000).as_deref(),
            Some("1899-12-31 01:02:03.5")
        );
        assert_eq!(
            t(-4712, 1, 1, 120).as_deref(),
            Some("4713-01-01 01:02:03.00012 BC")
        );
        assert_eq!(t(0, 3, 4, 0).as_deref(), Some("0001-03-04 01:02:03 BC"));
        assert_eq!(
            t(2000, 2, 29, 1).as_deref(),
            Some("2000-02-29 01:02:03.000001")
        );
        assert_eq!(t(1999, 12, 31, 0).as_deref(), Some("1999-12-31 01:02:03"));
        // Beyond chrono: PostgreSQL's last timestamp and its last date, as
        // `psql` prints them (their binary values read from PostgreSQL 15).
        assert_eq!(
            pg_timestamp_text(9_223_371_331_199_999_999),
            "294276-12-31 23:59:59.999999"
        );
        assert_eq!(pg_timestamp_text(i64::MIN), "-infinity");
        assert_eq!(pg_timestamp_text(i64::MAX), "infinity");
        assert_eq!(pg_date_text(2_145_031_948), "5874897-12-31");
        assert_eq!(pg_date_text(-2_451_507), "4713-01-01 BC");
        assert_eq!(pg_date_text(0), "2000-01-01");
        assert_eq!(pg_date_text(-1), "1999-12-31");
        assert_eq!(pg_date_text(i32::MAX), "infinity");
    }

    #[test]
    fn unreadable_values_keep_their_text() {
        let garbage = StoredTime::Unreadable("-x\u{1b}[2J".into());
        assert_eq!(garbage.instant(), None);
        assert_eq!(garbage.rfc3339(), "-x\u{1b}[2J");
        assert_eq!(garbage.human(), "-x\\x1b[2J");
        let at = StoredTime::At(readable_from());
        assert_eq!(at.rfc3339(), "1900-01-01T00:00:00Z");
        assert_eq!(at.human(), "1900-01-01 00:00:00");
    }

    #[test]
    fn every_contract_form_is_the_instant_it_names() {
        assert_eq!(
            at("2026-01-02 03:04:05").as_deref(),
            Some("2026-01-02 03:04:05.000")
        );
        assert_eq!(
            at("2026-01-02T03:04:05Z").as_deref(),
            Some("2026-01-02 03:04:05.000")
        );
        assert_eq!(
            at("2026-01-02T05:04:05+02:00").as_deref(),
            Some("2026-01-02 03:04:05.000")
        );
        assert_eq!(
            at("2026-01-01 23:04:05-04:00").as_deref(),
            Some("2026-01-02 03:04:05.000")
        );
        assert_eq!(
            at("2026-01-02 03:04:05.123").as_deref(),
            Some("2026-01-02 03:04:05.123")
        );
        assert_eq!(
            at("2026-01-02 03:04").as_deref(),
            Some("2026-01-02 03:04:00.000")
        );
        assert_eq!(at("2026-01-02").as_deref(), Some("2026-01-02 00:00:00.000"));
        assert_eq!(
            at("2026-01-02T03:04Z").as_deref(),
            Some("2026-01-02 03:04:00.000")
        );
        for bad in [
            "",
            "yesterday",
            "2026-13-01",
            "2026-01-02x03:04",
            "2026-01-02 25:00",
            "2026-01-02 03:04:05+2",
        ] {
            assert_eq!(at(bad), None, "{bad}");
        }
        assert_eq!(
            from_julian_day(2_440_587.5)
                .map(|t| t.to_string())
                .as_deref(),
            Some("1970-01-01 00:00:00")
        );
    }
}
