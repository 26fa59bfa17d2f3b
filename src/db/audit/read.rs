//! Reading the trail in id order, every column as stored, for `audit
//! verify`, the chain's start ([`super::verify::prehistory_below`]) and
//! `audit archive`: memory stays flat in the trail's length.
//!
//! Two ways, one result (contract "Performance": `audit verify` of
//! 10,000,000 rows ≤ 60 s, see bench/RESULTS.md):
//!
//! - **Pages** ([`Pager`]): `WHERE id > $1 AND id <= $2 ORDER BY id LIMIT
//!   5000` in the caller's snapshot, every column as bytes (text that is not
//!   UTF-8 is data, never a crash) and `occurred_at` as text: SQLite's own,
//!   PostgreSQL's as `to_char(occurred_at, 'YYYY-MM-DD HH24:MI:SS.US')`.
//!   Used on SQLite, for archive files, for `audit archive` (which writes
//!   that text) and for the rows below the chain's start (whose hash covers
//!   that text, [`super::chain`] "The start").
//! - **One stream** ([`each_row`] on PostgreSQL, from the chain's start on):
//!   `COPY (SELECT … ORDER BY id LIMIT 100000) TO STDOUT (FORMAT binary)`,
//!   chunk after chunk in the same snapshot. The server reads and sends
//!   while custadm hashes, so on two cores both work at once (pages take
//!   turns: the server idles while a page is hashed, custadm while the next
//!   is fetched). Text columns arrive as their bytes (the server's
//!   `textsend` in the session's client encoding: the bytes
//!   `convert_to(col, 'UTF8')` gives, without a function call per column;
//!   on a `SQL_ASCII` database, where custadm reads in `SQL_ASCII`, the
//!   bytes as stored, so a row another program wrote in another encoding
//!   is checked, exit 8, where `convert_to` failed with a database error);
//!   `occurred_at` arrives as the server's value
//!   itself, microseconds since 2000-01-01 ([`Time::PgMicros`]), so nothing
//!   is formatted on the server and parsed back here, and what is hashed is
//!   exactly what is stored. A chunk's end costs one round trip; a walk that
//!   stops early (a broken row) reads out at most the rest of its chunk.
//!
//! Rows are handed on with one row of look-ahead (the walk tells a removed
//! row from an altered one by the row after it) and their buffers reused,
//! so a streamed row costs no allocation.

use std::collections::VecDeque;
use std::io::BufRead;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Binary, Nullable, Text};

use crate::db::DbConn;
use crate::error::{Error, Result};

/// Rows read per page.
const PAGE: i64 = 5_000;

/// Rows per `COPY` of the stream: a walk that stops early (a broken row)
/// still reads the rest of its chunk before the connection is free again.
const CHUNK: u64 = 100_000;

/// `occurred_at` as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Time {
    /// The text as stored (SQLite, an archive file, or PostgreSQL's value
    /// as `to_char(occurred_at, 'YYYY-MM-DD HH24:MI:SS.US')`); `None` for
    /// NULL.
    Text(Option<Vec<u8>>),
    /// PostgreSQL's `timestamp` value itself (its binary form):
    /// microseconds since 2000-01-01 00:00:00; `infinity` and `-infinity`
    /// are `i64::MAX` and `i64::MIN`.
    PgMicros(i64),
}

impl Time {
    /// The instant, or `None` when the value is not a timestamp
    /// ([`parse_time`] for text; PostgreSQL's infinities and instants
    /// outside chrono's range are not).
    pub(super) fn instant(&self) -> Option<NaiveDateTime> {
        match self {
            Time::Text(text) => parse_time(text.as_deref()?),
            Time::PgMicros(micros) => pg_instant(*micros),
        }
    }

    /// The stored text; `Err` for a value read in PostgreSQL's binary form,
    /// which only the walk from the chain's start on reads (see the module
    /// doc), never what is hashed or archived as text.
    pub(super) fn text(&self) -> Result<Option<&[u8]>> {
        match self {
            Time::Text(text) => Ok(text.as_deref()),
            Time::PgMicros(_) => Err(Error::Internal(
                "an audit row's occurred_at was read in binary where its text is needed".into(),
            )),
        }
    }
}

/// Seconds from 1970-01-01 to 2000-01-01 (PostgreSQL's epoch), in microseconds.
const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;

/// PostgreSQL's binary `timestamp` (microseconds since 2000-01-01) as an
/// instant; `None` for the infinities and beyond chrono's range.
pub(super) fn pg_instant(micros: i64) -> Option<NaiveDateTime> {
    if micros == i64::MAX || micros == i64::MIN {
        return None;
    }
    chrono::DateTime::from_timestamp_micros(micros.checked_add(PG_EPOCH_MICROS)?)
        .map(|t| t.naive_utc())
}

/// One row as stored, every column raw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Row {
    pub id: i64,
    pub occurred_at: Time,
    pub operator: Vec<u8>,
    pub os_user: Vec<u8>,
    pub action: Vec<u8>,
    pub customer_id: Option<i64>,
    pub outcome: Vec<u8>,
    pub reason: Option<Vec<u8>>,
    pub details: Vec<u8>,
    pub run_id: Option<Vec<u8>>,
    pub content_salt: Option<Vec<u8>>,
    pub content_digest: Option<Vec<u8>>,
    pub chain_hash: Option<Vec<u8>>,
}

impl Default for Row {
    fn default() -> Self {
        Row {
            id: 0,
            occurred_at: Time::Text(None),
            operator: Vec::new(),
            os_user: Vec::new(),
            action: Vec::new(),
            customer_id: None,
            outcome: Vec::new(),
            reason: None,
            details: Vec::new(),
            run_id: None,
            content_salt: None,
            content_digest: None,
            chain_hash: None,
        }
    }
}

/// A row of a page, by position ([`page_columns`]).
type PageRow = (
    i64,
    Option<Vec<u8>>,
    Vec<u8>,
    Vec<u8>,
    Vec<u8>,
    Option<i64>,
    Vec<u8>,
    Option<Vec<u8>>,
    Vec<u8>,
    Option<Vec<u8>>,
    Option<Vec<u8>>,
    Option<Vec<u8>>,
    Option<Vec<u8>>,
);

/// The SQL types of [`PageRow`].
type PageTypes = (
    BigInt,
    Nullable<Binary>,
    Binary,
    Binary,
    Binary,
    Nullable<BigInt>,
    Binary,
    Nullable<Binary>,
    Binary,
    Nullable<Binary>,
    Nullable<Binary>,
    Nullable<Binary>,
    Nullable<Binary>,
);

impl From<PageRow> for Row {
    fn from(r: PageRow) -> Row {
        let (
            id,
            occurred_at,
            operator,
            os_user,
            action,
            customer_id,
            outcome,
            reason,
            details,
            run_id,
            content_salt,
            content_digest,
            chain_hash,
        ) = r;
        Row {
            id,
            occurred_at: Time::Text(occurred_at),
            operator,
            os_user,
            action,
            customer_id,
            outcome,
            reason,
            details,
            run_id,
            content_salt,
            content_digest,
            chain_hash,
        }
    }
}

/// A page's columns, in [`PageRow`]'s order: each as bytes, `occurred_at`
/// as text (read by position: no column looked up by name per row).
fn page_columns(conn: &DbConn) -> &'static str {
    match conn {
        DbConn::Sqlite(_) => {
            "id, CAST(occurred_at AS BLOB), CAST(operator AS BLOB), CAST(os_user AS BLOB), \
             CAST(action AS BLOB), customer_id, CAST(outcome AS BLOB), CAST(reason AS BLOB), \
             CAST(details AS BLOB), CAST(run_id AS BLOB), CAST(content_salt AS BLOB), \
             CAST(content_digest AS BLOB), CAST(chain_hash AS BLOB) FROM audit_log"
        }
        DbConn::Pg(_) => {
            "id, convert_to(to_char(occurred_at, 'YYYY-MM-DD HH24:MI:SS.US'), 'UTF8'), \
             convert_to(operator, 'UTF8'), convert_to(os_user, 'UTF8'), convert_to(action, 'UTF8'), \
             customer_id, convert_to(outcome, 'UTF8'), convert_to(reason, 'UTF8'), \
             convert_to(details, 'UTF8'), convert_to(run_id, 'UTF8'), convert_to(content_salt, 'UTF8'), \
             convert_to(content_digest, 'UTF8'), convert_to(chain_hash, 'UTF8') FROM audit_log"
        }
    }
}

/// Where the rows come from: the table, or an archive file.
pub(super) enum Source<'c> {
    Db(&'c mut DbConn),
    Archive(&'c mut super::archive::Reader),
}

/// Reads the trail in id order in pages (see the module doc), with one row
/// of look-ahead.
pub(super) struct Pager<'c> {
    source: Source<'c>,
    after: i64,
    /// The last id read (inclusive); `i64::MAX` for all.
    upto: i64,
    page: VecDeque<Row>,
    done: bool,
}

impl<'c> Pager<'c> {
    /// The table's rows with ids above `after`.
    pub(super) fn db(conn: &'c mut DbConn, after: i64) -> Self {
        Pager::new(Source::Db(conn), after, i64::MAX)
    }

    /// The table's rows with ids above `after`, up to `upto` (inclusive).
    pub(super) fn db_range(conn: &'c mut DbConn, after: i64, upto: i64) -> Self {
        Pager::new(Source::Db(conn), after, upto)
    }

    fn new(source: Source<'c>, after: i64, upto: i64) -> Self {
        Pager {
            source,
            after,
            upto,
            page: VecDeque::new(),
            done: false,
        }
    }

    fn fill(&mut self) -> Result<()> {
        if self.page.is_empty() && !self.done {
            match &mut self.source {
                Source::Db(conn) => {
                    let page = diesel::dsl::sql::<PageTypes>(page_columns(conn))
                        .sql(" WHERE id > ")
                        .bind::<BigInt, _>(self.after)
                        .sql(" AND id <= ")
                        .bind::<BigInt, _>(self.upto)
                        .sql(" ORDER BY id LIMIT ")
                        .bind::<BigInt, _>(PAGE);
                    let rows: Vec<PageRow> = diesel::select(page).load(*conn)?;
                    self.done = (rows.len() as i64) < PAGE;
                    if let Some(last) = rows.last() {
                        self.after = last.0;
                    }
                    self.page.extend(rows.into_iter().map(Row::from));
                }
                Source::Archive(reader) => {
                    for _ in 0..PAGE {
                        match reader.next_row()? {
                            Some(row) => self.page.push_back(row),
                            None => {
                                self.done = true;
                                break;
                            }
                        }
                    }
                }
            }
        }
        Ok(())
    }

    pub(super) fn next(&mut self) -> Result<Option<Row>> {
        self.fill()?;
        Ok(self.page.pop_front())
    }
}

/// Calls `f(row, next)` for every row with an id above `after`, in id
/// order, `next` being the row after it (`None` for the last). On
/// PostgreSQL the rows from `stream_from` on (the chain's start) come in
/// one stream, the ones before it in pages (see the module doc); on SQLite
/// and from an archive, all in pages. Stops at the first error `f` returns.
pub(super) fn each_row(
    source: Source<'_>,
    after: i64,
    stream_from: Option<i64>,
    mut f: impl FnMut(&Row, Option<&Row>) -> Result<()>,
) -> Result<()> {
    let mut ahead = Lookahead::default();
    let stream = match (&source, stream_from) {
        (Source::Db(DbConn::Pg(_)), Some(start)) => Some(start),
        _ => None,
    };
    // Pages up to the stream's start (or to the end).
    let upto = match stream {
        Some(start) => start.checked_sub(1),
        None => Some(i64::MAX),
    };
    let mut after = after;
    let conn = match source {
        Source::Db(conn) => {
            if let Some(upto) = upto.filter(|&upto| after < upto) {
                let mut pager = Pager::new(Source::Db(&mut *conn), after, upto);
                while let Some(row) = pager.next()? {
                    after = row.id;
                    ahead.push(row, &mut f)?;
                }
            }
            conn
        }
        archive => {
            let mut pager = Pager::new(archive, after, i64::MAX);
            while let Some(row) = pager.next()? {
                ahead.push(row, &mut f)?;
            }
            return ahead.finish(&mut f);
        }
    };
    if let (Some(start), DbConn::Pg(pg)) = (stream, conn) {
        stream_pg(pg, after.max(start.saturating_sub(1)), &mut ahead, &mut f)?;
    }
    ahead.finish(&mut f)
}

/// One row held back until the row after it is known; spare rows whose
/// buffers are reused.
#[derive(Default)]
struct Lookahead {
    held: Option<Row>,
    spare: Vec<Row>,
}

impl Lookahead {
    /// A row to fill (a used one when there is one).
    fn spare(&mut self) -> Row {
        self.spare.pop().unwrap_or_default()
    }

    /// Hands the held row on with `row` after it, and holds `row`.
    fn push(
        &mut self,
        row: Row,
        f: &mut impl FnMut(&Row, Option<&Row>) -> Result<()>,
    ) -> Result<()> {
        if let Some(previous) = self.held.take() {
            f(&previous, Some(&row))?;
            // One spare is all the stream takes back (pages bring their own).
            if self.spare.is_empty() {
                self.spare.push(previous);
            }
        }
        self.held = Some(row);
        Ok(())
    }

    /// Hands the last row on.
    fn finish(mut self, f: &mut impl FnMut(&Row, Option<&Row>) -> Result<()>) -> Result<()> {
        match self.held.take() {
            Some(last) => f(&last, None),
            None => Ok(()),
        }
    }
}

/// The stream's `COPY` target: the chained columns in id order, after the
/// id in the transaction's setting `custadm.verify_after` (`COPY` takes no
/// bind parameters; the setting is `SET LOCAL`'s, so it lives as long as
/// the snapshot's transaction, also through a pooler in transaction mode).
/// Each column is cast to the type its binary form is read as.
///
/// Diesel implements `CopyTarget` for tables and column tuples; a query as
/// the target goes through its `walk_target`, which Diesel marks
/// `#[doc(hidden)]`: a Diesel upgrade that changes it fails to compile here
/// (Cargo.lock pins diesel 2.4.0).
struct ChainRows;

impl diesel::pg::CopyTarget for ChainRows {
    type Table = crate::db::schema::audit_log::table;
    type SqlType = BigInt;

    fn walk_target(
        mut pass: diesel::query_builder::AstPass<'_, '_, diesel::pg::Pg>,
    ) -> QueryResult<()> {
        pass.push_sql(
            "(SELECT id::bigint, occurred_at::timestamp, operator::text, os_user::text, \
             action::text, customer_id::bigint, outcome::text, reason::text, details::text, \
             run_id::text, content_salt::text, content_digest::text, chain_hash::text \
             FROM audit_log WHERE id > current_setting('custadm.verify_after')::bigint \
             ORDER BY id LIMIT ",
        );
        pass.push_sql(&CHUNK.to_string());
        pass.push_sql(")");
        Ok(())
    }
}

/// Streams the rows after `after` through `ahead` in chunks of [`CHUNK`].
fn stream_pg(
    conn: &mut diesel::PgConnection,
    mut after: i64,
    ahead: &mut Lookahead,
    f: &mut impl FnMut(&Row, Option<&Row>) -> Result<()>,
) -> Result<()> {
    loop {
        diesel::sql_query("SELECT set_config('custadm.verify_after', $1, true)")
            .bind::<Text, _>(after.to_string())
            .execute(conn)?;
        let watch = crate::db::watchdog::StreamWatch::of(conn);
        let raw = diesel::copy_to(ChainRows)
            .with_format(diesel::pg::CopyFormat::Binary)
            .load_raw(conn)?;
        let mut copy = CopyReader {
            raw,
            watch,
            carry: Vec::new(),
        };
        copy.header()?;
        let mut rows = 0u64;
        loop {
            let mut row = ahead.spare();
            if !copy.next_row(&mut row)? {
                ahead.spare.push(row);
                break;
            }
            after = row.id;
            rows += 1;
            ahead.push(row, f)?;
        }
        if rows < CHUNK {
            return Ok(());
        }
    }
}

/// The signature that opens PostgreSQL's binary `COPY` format.
const COPY_SIGNATURE: &[u8; 11] = b"PGCOPY\n\xff\r\n\0";

/// Reads PostgreSQL's binary `COPY` format ("COPY", "Binary Format" in the
/// PostgreSQL documentation): a header, then per row a 16-bit field count
/// and per field a 32-bit length (−1 for NULL) and its bytes, big-endian;
/// a count of −1 ends it.
struct CopyReader<R> {
    raw: R,
    watch: crate::db::watchdog::StreamWatch,
    /// Bytes of a row split across the stream's messages, gathered.
    carry: Vec<u8>,
}

/// Columns of a streamed row.
const COLUMNS: usize = 13;

/// The stream's next bytes (waiting for them counts for `io_timeout`).
fn fill<'a, R: BufRead>(
    raw: &'a mut R,
    watch: &crate::db::watchdog::StreamWatch,
) -> Result<&'a [u8]> {
    watch.wait(move || raw.fill_buf()).map_err(copy_error)
}

impl<R: BufRead> CopyReader<R> {
    fn header(&mut self) -> Result<()> {
        let mut head = [0u8; 19];
        self.read_exact(&mut head)?;
        let flags = u32::from_be_bytes([head[11], head[12], head[13], head[14]]);
        let extension = u32::from_be_bytes([head[15], head[16], head[17], head[18]]);
        if &head[..11] != COPY_SIGNATURE || flags & (1 << 16) != 0 {
            return Err(bad_copy("an unexpected header"));
        }
        let mut skip = vec![0u8; extension as usize];
        self.read_exact(&mut skip)
    }

    fn read_exact(&mut self, out: &mut [u8]) -> Result<()> {
        let mut done = 0;
        while done < out.len() {
            let buf = fill(&mut self.raw, &self.watch)?;
            if buf.is_empty() {
                return Err(bad_copy("an early end"));
            }
            let n = buf.len().min(out.len() - done);
            out[done..done + n].copy_from_slice(&buf[..n]);
            self.raw.consume(n);
            done += n;
        }
        Ok(())
    }

    /// Reads the next row into `row`; `false` at the end.
    fn next_row(&mut self, row: &mut Row) -> Result<bool> {
        loop {
            let used = if self.carry.is_empty() {
                let buf = fill(&mut self.raw, &self.watch)?;
                if buf.is_empty() {
                    return Err(bad_copy("an early end"));
                }
                match parse_tuple(buf, row)? {
                    Some(used) => {
                        self.raw.consume(used);
                        used
                    }
                    None => {
                        let n = buf.len();
                        self.carry.extend_from_slice(buf);
                        self.raw.consume(n);
                        continue;
                    }
                }
            } else {
                match parse_tuple(&self.carry, row)? {
                    Some(used) => {
                        self.carry.drain(..used);
                        used
                    }
                    None => {
                        let buf = fill(&mut self.raw, &self.watch)?;
                        if buf.is_empty() {
                            return Err(bad_copy("an early end"));
                        }
                        let n = buf.len();
                        self.carry.extend_from_slice(buf);
                        self.raw.consume(n);
                        continue;
                    }
                }
            };
            if used > 2 {
                return Ok(true);
            }
            // The end marker: nothing may follow it, and reading on lets
            // the server's final word (an error, with its SQLSTATE) arrive.
            if !self.carry.is_empty() || !fill(&mut self.raw, &self.watch)?.is_empty() {
                return Err(bad_copy("data after its end"));
            }
            return Ok(false);
        }
    }
}

/// Parses one row (or the end marker, 2 bytes) from the start of `buf`
/// into `row`: `Some(bytes used)`, or `None` when `buf` holds only part of it.
fn parse_tuple(buf: &[u8], row: &mut Row) -> Result<Option<usize>> {
    let mut at = 0usize;
    let Some(count) = take::<2>(buf, &mut at) else {
        return Ok(None);
    };
    match i16::from_be_bytes(count) {
        -1 => return Ok(Some(2)),
        n if n as usize == COLUMNS => {}
        _ => return Err(bad_copy("a row of another shape")),
    }
    let mut fields: [Option<&[u8]>; COLUMNS] = [None; COLUMNS];
    for field in &mut fields {
        let Some(len) = take::<4>(buf, &mut at) else {
            return Ok(None);
        };
        let len = i32::from_be_bytes(len);
        if len < 0 {
            continue;
        }
        let end = at + len as usize;
        if end > buf.len() {
            return Ok(None);
        }
        *field = Some(&buf[at..end]);
        at = end;
    }
    let [id, time, operator, os_user, action, customer_id, outcome, reason, details, run_id, salt, digest, hash] =
        fields;
    row.id = int8(id)?.ok_or_else(not_null)?;
    row.occurred_at = match time {
        Some(t) => Time::PgMicros(int8(Some(t))?.ok_or_else(not_null)?),
        None => Time::Text(None),
    };
    set(&mut row.operator, operator)?;
    set(&mut row.os_user, os_user)?;
    set(&mut row.action, action)?;
    row.customer_id = int8(customer_id)?;
    set(&mut row.outcome, outcome)?;
    set_opt(&mut row.reason, reason);
    set(&mut row.details, details)?;
    set_opt(&mut row.run_id, run_id);
    set_opt(&mut row.content_salt, salt);
    set_opt(&mut row.content_digest, digest);
    set_opt(&mut row.chain_hash, hash);
    Ok(Some(at))
}

/// The next `N` bytes of `buf` at `*at`, moving past them.
fn take<const N: usize>(buf: &[u8], at: &mut usize) -> Option<[u8; N]> {
    let bytes = buf.get(*at..*at + N)?.try_into().ok()?;
    *at += N;
    Some(bytes)
}

/// A `bigint` or `timestamp` field (8 bytes, big-endian).
fn int8(field: Option<&[u8]>) -> Result<Option<i64>> {
    field
        .map(|b| {
            <[u8; 8]>::try_from(b)
                .map(i64::from_be_bytes)
                .map_err(|_| bad_copy("a field of another size"))
        })
        .transpose()
}

/// A column that is `NOT NULL` in the schema held NULL (another program
/// changed the schema): unreadable, as Diesel reports it for a page.
fn not_null() -> Error {
    diesel::result::Error::DeserializationError(
        "Unexpected null for non-null column (audit_log)".into(),
    )
    .into()
}

fn set(slot: &mut Vec<u8>, field: Option<&[u8]>) -> Result<()> {
    slot.clear();
    slot.extend_from_slice(field.ok_or_else(not_null)?);
    Ok(())
}

fn set_opt(slot: &mut Option<Vec<u8>>, field: Option<&[u8]>) {
    match field {
        Some(bytes) => {
            let v = slot.get_or_insert_with(Vec::new);
            v.clear();
            v.extend_from_slice(bytes);
        }
        None => *slot = None,
    }
}

fn bad_copy(what: &str) -> Error {
    Error::Internal(format!(
        "the PostgreSQL server's COPY stream of audit_log had {what}"
    ))
}

/// A failure while the stream is read: the server's error (with its
/// SQLSTATE, as for any statement), or a connection that went away
/// (libpq's message: a lost connection, or the `io_timeout` cut).
fn copy_error(e: std::io::Error) -> Error {
    use diesel::result::{DatabaseErrorKind, Error as DieselError};
    let diesel = match e.into_inner() {
        Some(inner) => match inner.downcast::<DieselError>() {
            Ok(e) => match *e {
                // Diesel's word for a connection that is not OK any more.
                DieselError::DeserializationError(m) => DieselError::DatabaseError(
                    DatabaseErrorKind::ClosedConnection,
                    Box::new(m.to_string()),
                ),
                e => e,
            },
            Err(other) => DieselError::DatabaseError(
                DatabaseErrorKind::ClosedConnection,
                Box::new(other.to_string()),
            ),
        },
        None => DieselError::DatabaseError(
            DatabaseErrorKind::ClosedConnection,
            Box::new("the connection failed while reading".to_string()),
        ),
    };
    diesel.into()
}

/// Parses a stored timestamp as custadm and other programs write it:
/// `YYYY-MM-DD HH:MM:SS[.f]`, also with `T` and a trailing `Z`, and
/// surrounding whitespace (chrono's `%Y-%m-%d %H:%M:%S%.f` after the `Z`
/// is cut and the first `T` made a space). The forms custadm and
/// PostgreSQL's `to_char` write are read by hand ([`parse_canonical`]);
/// anything else by chrono, so what is accepted, and as what, is chrono's
/// answer either way (tested against chrono).
pub(super) fn parse_time(raw: &[u8]) -> Option<NaiveDateTime> {
    parse_canonical(raw).or_else(|| parse_time_chrono(raw))
}

/// The general reading (chrono's parser; about 1 µs).
fn parse_time_chrono(raw: &[u8]) -> Option<NaiveDateTime> {
    let text = std::str::from_utf8(raw).ok()?.trim();
    let text = text.strip_suffix('Z').unwrap_or(text).replacen('T', " ", 1);
    NaiveDateTime::parse_from_str(&text, "%Y-%m-%d %H:%M:%S%.f").ok()
}

/// Exactly `YYYY-MM-DD HH:MM:SS` (or `T` between), an optional `.` and 1–9
/// digits, an optional `Z`, seconds 00–59; `None` for anything else (then
/// [`parse_time_chrono`] decides) or an invalid date or time.
fn parse_canonical(raw: &[u8]) -> Option<NaiveDateTime> {
    let raw = raw.strip_suffix(b"Z").unwrap_or(raw);
    if raw.len() < 19 || (raw.len() > 19 && (raw.len() == 20 || raw.len() > 29 || raw[19] != b'.'))
    {
        return None;
    }
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        raw[range].iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    if raw[4] != b'-'
        || raw[7] != b'-'
        || !(raw[10] == b' ' || raw[10] == b'T')
        || raw[13] != b':'
        || raw[16] != b':'
    {
        return None;
    }
    let year = digits(0..4)?;
    let (month, day) = (digits(5..7)?, digits(8..10)?);
    let (hour, minute, second) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    if second > 59 {
        return None;
    }
    let nanos = if raw.len() > 19 {
        let fraction = &raw[20..];
        digits(20..raw.len())? * 10u32.pow(9 - fraction.len() as u32)
    } else {
        0
    };
    chrono::NaiveDate::from_ymd_opt(year as i32, month, day)?
        .and_hms_nano_opt(hour, minute, second, nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hand-made reading agrees with chrono's on every input: the
    /// canonical forms, each of their characters replaced, removed or
    /// doubled, and the edges of every field.
    #[test]
    fn the_fast_time_reading_is_chronos() {
        let seeds = [
            "2026-01-01 00:00:00",
            "2026-12-07 17:30:59.123456",
            "2024-02-29 23:59:59.999999999",
            "2023-02-29 12:00:00",
            "0000-01-01 00:00:00.5",
            "9999-12-31T23:59:59Z",
            "2026-01-01T00:00:00.000001Z",
            "2026-13-01 00:00:00",
            "2026-04-31 00:00:00",
            "2026-01-01 24:00:00",
            "2026-01-01 23:60:00",
            "2026-01-01 23:59:60",
            "2026-01-01 23:59:60.5",
            "2026-00-10 10:10:10",
            "2026-01-00 10:10:10",
            "2026-01-01 00:00:00.",
            "2026-01-01 00:00:00.1234567890",
            "2026-01-01 00:00:00.12345678901",
            " 2026-01-01 00:00:00 ",
            "2026-01-01 00:00:00ZZ",
            "+2026-01-01 00:00:00",
            "-0001-01-01 00:00:00",
            "12026-01-01 00:00:00",
            "2026-1-01 00:00:00",
            "2026-01-01  00:00:00",
            "2026-01-01 0:00:00",
        ];
        let alphabet: &[u8] = b"0123456789 -:.TZtz+\t\xff\xc3\xa9\x00";
        let mut inputs: Vec<Vec<u8>> = seeds.iter().map(|s| s.as_bytes().to_vec()).collect();
        for seed in seeds {
            let s = seed.as_bytes();
            for i in 0..=s.len() {
                if i < s.len() {
                    let mut removed = s.to_vec();
                    removed.remove(i);
                    inputs.push(removed);
                    let mut doubled = s.to_vec();
                    doubled.insert(i, s[i]);
                    inputs.push(doubled);
                }
                for &c in alphabet {
                    if i < s.len() {
                        let mut replaced = s.to_vec();
                        replaced[i] = c;
                        inputs.push(replaced);
                    }
                    let mut inserted = s.to_vec();
                    inserted.insert(i, c);
                    inputs.push(inserted);
                }
            }
        }
        // Every month's last days, every hour, minute and second edge.
        for year in [1900, 2000, 2023, 2024, 2100] {
            for month in 0..=13 {
                for day in [0, 1, 28, 29, 30, 31, 32] {
                    inputs.push(format!("{year}-{month:02}-{day:02} 12:00:00").into_bytes());
                }
            }
        }
        for (h, m, s) in [
            (0, 0, 0),
            (23, 59, 59),
            (24, 0, 0),
            (0, 60, 0),
            (0, 0, 61),
            (99, 99, 99),
        ] {
            inputs.push(format!("2026-05-05 {h:02}:{m:02}:{s:02}").into_bytes());
        }
        for digits in 0..=11 {
            inputs.push(format!("2026-05-05 05:05:05.{}", "7".repeat(digits)).into_bytes());
        }
        let mut fast = 0;
        for input in &inputs {
            assert_eq!(
                parse_time(input),
                parse_time_chrono(input),
                "{:?}",
                String::from_utf8_lossy(input)
            );
            fast += usize::from(parse_canonical(input).is_some());
        }
        // The canonical forms did take the fast way.
        assert!(fast > 100, "{fast} of {}", inputs.len());
        assert_eq!(
            parse_canonical(b"2026-12-07 17:30:59.123456"),
            chrono::NaiveDate::from_ymd_opt(2026, 12, 7)
                .and_then(|d| d.and_hms_micro_opt(17, 30, 59, 123_456))
        );
    }

    /// PostgreSQL's binary timestamps: the epoch, microseconds, the
    /// infinities.
    #[test]
    fn pg_binary_timestamps() {
        assert_eq!(
            pg_instant(0).map(|t| t.to_string()).as_deref(),
            Some("2000-01-01 00:00:00")
        );
        assert_eq!(
            pg_instant(-1).map(|t| t.to_string()).as_deref(),
            Some("1999-12-31 23:59:59.999999")
        );
        assert_eq!(
            pg_instant(838_829_859_123_456)
                .map(|t| t.to_string())
                .as_deref(),
            Some("2026-07-31 16:17:39.123456")
        );
        assert_eq!(pg_instant(i64::MAX), None);
        assert_eq!(pg_instant(i64::MIN), None);
    }

    /// A COPY row split anywhere is read whole once the rest arrives; the
    /// end marker ends it.
    #[test]
    fn copy_rows_split_anywhere() {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&(COLUMNS as i16).to_be_bytes());
        let field = |bytes: &mut Vec<u8>, v: Option<&[u8]>| match v {
            Some(v) => {
                bytes.extend_from_slice(&(v.len() as i32).to_be_bytes());
                bytes.extend_from_slice(v);
            }
            None => bytes.extend_from_slice(&(-1i32).to_be_bytes()),
        };
        field(&mut bytes, Some(&7i64.to_be_bytes()));
        field(&mut bytes, Some(&0i64.to_be_bytes()));
        for v in [
            Some(&b"adm"[..]),
            Some(b"root"),
            Some(b"view"),
            None,
            Some(b"ok"),
        ] {
            field(&mut bytes, v);
        }
        for v in [
            None,
            Some(&b"{}"[..]),
            None,
            Some(b"aa"),
            Some(b"bb"),
            Some(b"cc"),
        ] {
            field(&mut bytes, v);
        }
        let whole = bytes.len();
        bytes.extend_from_slice(&(-1i16).to_be_bytes());
        let mut row = Row::default();
        for cut in 0..whole {
            assert_eq!(
                parse_tuple(&bytes[..cut], &mut row).ok(),
                Some(None),
                "{cut}"
            );
        }
        assert_eq!(parse_tuple(&bytes, &mut row).ok(), Some(Some(whole)));
        assert_eq!((row.id, row.customer_id), (7, None));
        assert_eq!(row.occurred_at, Time::PgMicros(0));
        assert_eq!(row.details, b"{}");
        assert_eq!(row.chain_hash.as_deref(), Some(&b"cc"[..]));
        assert_eq!(row.reason, None);
        assert_eq!(parse_tuple(&bytes[whole..], &mut row).ok(), Some(Some(2)));
    }
}
