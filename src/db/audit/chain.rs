//! The audit trail's hash chain (contract: "Audit"): every row custadm writes
//! carries a salted commitment to its free text and a link to the row before
//! it, so that altering, removing, inserting or reordering rows is detected
//! by `custadm audit verify`, while `purge` can still erase the free text.
//!
//! # Encoding (version 1)
//!
//! All hashes are SHA-256 (FIPS 180-4), stored as 64 lower-case hex digits.
//! Values are fed to the hash in a canonical, length-prefixed encoding, so
//! that no two different rows encode to the same bytes:
//!
//! - `str(s)`: the length of the UTF-8 bytes of `s` as 8 bytes big-endian,
//!   then the bytes;
//! - `int(n)`: a 64-bit integer as 8 bytes big-endian (two's complement);
//! - `opt(x)`: one byte `0x00` for NULL, or `0x01` followed by `x`;
//! - `time(t)`: the UTC instant as `int(seconds since 1970-01-01T00:00:00)`
//!   followed by the microseconds (0–999999) as 4 bytes big-endian
//!   (PostgreSQL keeps microseconds; custadm writes whole seconds);
//! - `hash(h)`: the 32 raw bytes of a stored hex hash.
//!
//! ```text
//! content_digest = SHA-256( str("custadm-audit-content-v1") ‖ str(salt bytes)
//!                           ‖ opt(str(reason)) ‖ str(details) )
//! chain_hash     = SHA-256( str("custadm-audit-chain-v1") ‖ hash(previous chain_hash)
//!                           ‖ int(id) ‖ time(occurred_at) ‖ str(operator) ‖ str(os_user)
//!                           ‖ str(action) ‖ opt(int(customer_id)) ‖ str(outcome)
//!                           ‖ opt(str(run_id)) ‖ hash(content_digest) )
//! ```
//!
//! `content_salt` is 16 bytes from the OS CSPRNG (stored as 32 hex digits).
//!
//! # The start
//!
//! Rows that existed before the chain (ids below
//! `audit_chain_head.chain_start_id`, NULL `chain_hash`) are its prehistory.
//! The chain's first row commits to them (contract: "Audit"): instead of a
//! previous row's hash it links to
//!
//! ```text
//! start       = SHA-256( str("custadm-audit-start-v2") ‖ int(prehistory rows)
//!                        ‖ hash(prehistory) )
//! prehistory  = SHA-256( str("custadm-audit-prehistory-v1") ‖ row₁ ‖ row₂ ‖ … )  (id order)
//! rowᵢ        = int(id) ‖ opt(str(occurred_at as stored)) ‖ str(operator) ‖ str(os_user)
//!               ‖ str(action) ‖ opt(int(customer_id)) ‖ str(outcome) ‖ opt(str(run_id))
//!               ‖ [customer_id NULL only: opt(str(reason)) ‖ str(details)]
//! ```
//!
//! `occurred_at as stored` is SQLite's text, or PostgreSQL's value as
//! `to_char(occurred_at, 'YYYY-MM-DD HH24:MI:SS.US')`. The `reason` and
//! `details` of a row about a customer are left out: a purge must be able to
//! erase them (and an unsalted hash of them would let the erased text be
//! confirmed by guessing). The count and the hash are also kept in
//! `audit_chain_head.prehistory_rows` / `prehistory_hash`, to name what
//! changed. A chain started by a custadm before this (NULL `prehistory_hash`)
//! links its first row to [`GENESIS`] (32 zero bytes) and stays valid; its
//! prehistory's count was recorded by the migration that added the columns,
//! and `db migrate` then seals the rows themselves with an `audit_prehistory`
//! row on the chain ([`seal_prehistory`]: their count and hash as above, in
//! its `details`), which `audit verify` compares with them. Rows altered
//! before the seal are sealed as they are: nothing can tell.
//!
//! A redacted row (`purge`) has `details` = `{"redacted":true}` and NULL
//! `reason` and `content_salt`; its `content_digest` is then taken as stored
//! and the row is verified by the chain alone.
//!
//! # Concurrency: what is locked, in which order
//!
//! The chain is the order of `audit_log.id`. Appending takes the one row of
//! `audit_chain_head` — on PostgreSQL with `SELECT … FOR UPDATE`, a row lock
//! held to the end of the transaction (no session state, so it works through
//! PgBouncer in transaction mode); on SQLite the write transaction's
//! `BEGIN IMMEDIATE` already serialises writers — then allocates the ids
//! after every id in the table, inserts, and moves the head, all in the
//! caller's transaction. Ids are therefore handed out in chain order and two
//! writers can never link to the same predecessor. The head lock is the last
//! lock a transaction takes: commands write their audit rows at the end of
//! their transaction (after their row locks), so the lock is held briefly and
//! can never be part of a lock cycle.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};
use sha2::{Digest, Sha256};

use super::NewAuditEntry;
use crate::db::schema::audit_chain_head;
use crate::db::{write_transaction, DbConn};
use crate::error::{Error, Result};

/// The predecessor of the first chained row: 32 zero bytes.
pub const GENESIS: [u8; 32] = [0; 32];

/// Bytes of random salt per row (128 bits: no guessing a redacted text).
pub const SALT_BYTES: usize = 16;

/// Rows per multi-row INSERT (13 binds a row: far below SQLite's 32,766).
const INSERT_CHUNK: usize = 100;

/// Rows per multi-row INSERT of what is left after the chunks of
/// [`INSERT_CHUNK`] (so a 1,000-customer batch's 880 changes are 8 + 8 + 0
/// statements, not 8 + 80).
const INSERT_CHUNK_SMALL: usize = 10;

/// The canonical encoding of one row's hashed values (see the module doc),
/// fed straight into SHA-256 as it is written (no buffer to grow).
struct Encoder(Sha256);

impl Default for Encoder {
    fn default() -> Self {
        Encoder(Sha256::new())
    }
}

impl Encoder {
    fn str(&mut self, s: &[u8]) -> &mut Self {
        self.0.update((s.len() as u64).to_be_bytes());
        self.0.update(s);
        self
    }
    fn int(&mut self, n: i64) -> &mut Self {
        self.0.update(n.to_be_bytes());
        self
    }
    fn opt_str(&mut self, s: Option<&[u8]>) -> &mut Self {
        match s {
            None => self.0.update([0]),
            Some(s) => {
                self.0.update([1]);
                self.str(s);
            }
        }
        self
    }
    fn opt_int(&mut self, n: Option<i64>) -> &mut Self {
        match n {
            None => self.0.update([0]),
            Some(n) => {
                self.0.update([1]);
                self.int(n);
            }
        }
        self
    }
    fn time(&mut self, t: chrono::NaiveDateTime) -> &mut Self {
        let utc = t.and_utc();
        self.int(utc.timestamp());
        self.0
            .update((utc.timestamp_subsec_micros() % 1_000_000).to_be_bytes());
        self
    }
    fn raw(&mut self, b: &[u8]) -> &mut Self {
        self.0.update(b);
        self
    }
    fn sha256(&mut self) -> [u8; 32] {
        self.0.finalize_reset().into()
    }
}

/// `content_digest` of a row: SHA-256 over its salt, reason and details.
pub fn content_digest(salt: &[u8], reason: Option<&[u8]>, details: &[u8]) -> [u8; 32] {
    Encoder::default()
        .str(b"custadm-audit-content-v1")
        .str(salt)
        .opt_str(reason)
        .str(details)
        .sha256()
}

/// The chained columns of one row, as stored.
#[derive(Debug, Clone)]
pub struct Link<'a> {
    pub id: i64,
    pub occurred_at: chrono::NaiveDateTime,
    pub operator: &'a [u8],
    pub os_user: &'a [u8],
    pub action: &'a [u8],
    pub customer_id: Option<i64>,
    pub outcome: &'a [u8],
    pub run_id: Option<&'a [u8]>,
}

/// `chain_hash` of a row: SHA-256 over the previous row's `chain_hash`, the
/// row's chained columns and its `content_digest`.
pub fn chain_hash(previous: &[u8; 32], link: &Link<'_>, digest: &[u8; 32]) -> [u8; 32] {
    Encoder::default()
        .str(b"custadm-audit-chain-v1")
        .raw(previous)
        .int(link.id)
        .time(link.occurred_at)
        .str(link.operator)
        .str(link.os_user)
        .str(link.action)
        .opt_int(link.customer_id)
        .str(link.outcome)
        .opt_str(link.run_id)
        .raw(digest)
        .sha256()
}

/// Lower-case hex of `bytes` (two ASCII digits a byte).
pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut hex = vec![0; bytes.len() * 2];
    for (pair, b) in hex.chunks_exact_mut(2).zip(bytes) {
        pair[0] = DIGITS[usize::from(b >> 4)];
        pair[1] = DIGITS[usize::from(b & 15)];
    }
    // Only ASCII digits were pushed: the check cannot fail.
    String::from_utf8(hex).unwrap_or_default()
}

/// Bytes of a hex string; `None` unless it is exactly hex (either case).
pub fn from_hex(s: &str) -> Option<Vec<u8>> {
    let mut out = vec![0; s.len() / 2];
    decode_hex(s.as_bytes(), &mut out).then_some(out)
}

/// A stored 32-byte hash from hex; `None` when it is not one.
pub fn hash_from_hex(s: &str) -> Option<[u8; 32]> {
    hash_from_hex_bytes(s.as_bytes())
}

/// [`hash_from_hex`] of bytes as stored (`None` for bytes that are not
/// ASCII hex, so also for text that is not UTF-8).
pub fn hash_from_hex_bytes(s: &[u8]) -> Option<[u8; 32]> {
    let mut out = [0; 32];
    decode_hex(s, &mut out).then_some(out)
}

/// Decodes hex (either case) into `out`; false unless `hex` is exactly
/// `2 × out.len()` hex digits. A table lookup per digit and one check at
/// the end (no branch per digit: `audit verify` decodes 160 digits a row).
pub fn decode_hex(hex: &[u8], out: &mut [u8]) -> bool {
    /// The value of each byte as a hex digit; 0x10 for a byte that is not one.
    const DIGITS: [u8; 256] = {
        let mut table = [0x10u8; 256];
        let mut c = 0;
        while c < 256 {
            table[c] = match c as u8 {
                b @ b'0'..=b'9' => b - b'0',
                b @ b'a'..=b'f' => b - b'a' + 10,
                b @ b'A'..=b'F' => b - b'A' + 10,
                _ => 0x10,
            };
            c += 1;
        }
        table
    };
    if hex.len() != out.len() * 2 {
        return false;
    }
    let mut bad = 0u8;
    for (byte, pair) in out.iter_mut().zip(hex.chunks_exact(2)) {
        let (high, low) = (DIGITS[usize::from(pair[0])], DIGITS[usize::from(pair[1])]);
        bad |= high | low;
        *byte = high << 4 | (low & 0x0f);
    }
    bad & 0x10 == 0
}

/// What a chain that starts now links its first row to (see "The start").
pub fn start_link(rows: u64, prehistory: &[u8; 32]) -> [u8; 32] {
    Encoder::default()
        .str(b"custadm-audit-start-v2")
        .int(rows as i64)
        .raw(prehistory)
        .sha256()
}

/// The hash over the rows before the chain's start (see "The start"), fed
/// one row at a time in id order.
pub struct Prehistory {
    rows: u64,
    enc: Encoder,
}

/// One prehistory row as stored.
pub struct OldRow<'a> {
    pub id: i64,
    pub occurred_at: Option<&'a [u8]>,
    pub operator: &'a [u8],
    pub os_user: &'a [u8],
    pub action: &'a [u8],
    pub customer_id: Option<i64>,
    pub outcome: &'a [u8],
    pub run_id: Option<&'a [u8]>,
    pub reason: Option<&'a [u8]>,
    pub details: &'a [u8],
}

impl Default for Prehistory {
    fn default() -> Self {
        let mut enc = Encoder::default();
        enc.str(b"custadm-audit-prehistory-v1");
        Prehistory { rows: 0, enc }
    }
}

impl Prehistory {
    /// Adds the next row (in id order).
    pub fn add(&mut self, row: &OldRow<'_>) {
        self.rows += 1;
        self.enc
            .int(row.id)
            .opt_str(row.occurred_at)
            .str(row.operator)
            .str(row.os_user)
            .str(row.action)
            .opt_int(row.customer_id)
            .str(row.outcome)
            .opt_str(row.run_id);
        if row.customer_id.is_none() {
            self.enc.opt_str(row.reason).str(row.details);
        }
    }

    /// The rows added so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// The count and the hash.
    pub fn finish(mut self) -> (u64, [u8; 32]) {
        (self.rows, self.enc.sha256())
    }
}

/// The head row of `audit_chain_head`.
#[derive(Debug, Clone, QueryableByName)]
pub struct Head {
    /// The first chained row (`None` until the first append).
    #[diesel(sql_type = Nullable<BigInt>)]
    pub chain_start_id: Option<i64>,
    /// The newest chained row.
    #[diesel(sql_type = Nullable<BigInt>)]
    pub last_id: Option<i64>,
    /// Its `chain_hash`.
    #[diesel(sql_type = Nullable<Text>)]
    pub last_hash: Option<String>,
    /// Rows below the chain's start when it started (see "The start").
    #[diesel(sql_type = Nullable<BigInt>)]
    pub prehistory_rows: Option<i64>,
    /// Their hash (hex); NULL for a chain started before custadm recorded it.
    #[diesel(sql_type = Nullable<Text>)]
    pub prehistory_hash: Option<String>,
    /// The last row `audit archive` moved out of the table (NULL: none).
    #[diesel(sql_type = Nullable<BigInt>)]
    pub archived_through: Option<i64>,
    /// Its `chain_hash`: what the first row left in the table links to.
    #[diesel(sql_type = Nullable<Text>)]
    pub archived_hash: Option<String>,
}

/// Reads the head without locking it. Exit 8 when its row is missing.
pub fn read_head(conn: &mut DbConn) -> Result<Head> {
    diesel::sql_query(
        "SELECT chain_start_id, last_id, last_hash, prehistory_rows, prehistory_hash, archived_through, archived_hash FROM audit_chain_head WHERE id = 1",
    )
    .get_result::<Head>(conn)
    .optional()?
    .ok_or_else(missing_head)
}

fn missing_head() -> Error {
    Error::Integrity("the audit chain head (the one row of table audit_chain_head) is missing: the trail was tampered with; run `custadm audit verify` and restore the table from a backup".into())
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

#[derive(QueryableByName)]
struct MaxId {
    #[diesel(sql_type = Nullable<BigInt>)]
    id: Option<i64>,
}

/// Locks the head until the end of the transaction and reserves `n` ids
/// after the head's, in ascending order (the chain's order); returns the
/// head and the ids. Nothing here adds to the highest id in the table: a
/// row another program inserted with id 2^63−1 must not stop custadm.
///
/// - PostgreSQL: `SELECT … FOR UPDATE` on the head, then `n` values of the
///   identity sequence (the database's own allocator, which another
///   program's plain INSERT uses too). A sequence set back below the head
///   is moved past it first.
/// - SQLite: the transaction's `BEGIN IMMEDIATE` holds the write lock
///   already. SQLite's own rowid choice (the highest plus one, random past
///   2^63−1) cannot keep the chain's ascending order, so the ids follow the
///   head and the rows other programs added after it (as SQLite would number
///   their successors), leaving out ids too close to the top of the range to
///   hold `n` more; a block that is not free then is exit 6.
fn lock_head_and_reserve(conn: &mut DbConn, n: i64) -> Result<(Head, Vec<i64>)> {
    match conn {
        DbConn::Pg(_) => {
            let head = diesel::sql_query(
                "SELECT chain_start_id, last_id, last_hash, prehistory_rows, prehistory_hash, archived_through, archived_hash FROM audit_chain_head WHERE id = 1 FOR UPDATE",
            )
            .get_result::<Head>(conn)
            .optional()?
            .ok_or_else(missing_head)?;
            let last = head.last_id.unwrap_or(i64::MIN);
            let mut ids = next_values(conn, n)?;
            if ids.first().is_some_and(|&first| first <= last) {
                diesel::sql_query(
                    "SELECT setval(pg_get_serial_sequence('audit_log', 'id')::regclass, $1) AS id",
                )
                .bind::<BigInt, _>(last)
                .get_result::<Id>(conn)?;
                ids = next_values(conn, n)?;
            }
            Ok((head, ids))
        }
        DbConn::Sqlite(_) => {
            let head = read_head(conn)?;
            let top = i64::MAX - n;
            // The highest id, by the table's own b-tree: a bare max() over
            // the rowid is one step from the end, whatever the planner's
            // statistics say. (A range condition — `WHERE id <= ?` — is
            // not: with statistics taken while the trail was small, SQLite
            // scanned the whole table for it, once a batch: measured, a
            // million-row `edit --from` spent most of its time there.)
            let highest = diesel::sql_query("SELECT max(id) AS id FROM audit_log NOT INDEXED")
                .get_result::<MaxId>(conn)?
                .id;
            let (after_head, free_above) = match highest {
                Some(h) if h > top => {
                    // Rare: another program took ids near the top of the
                    // range. The highest below that, and whether the block
                    // after it is free, need range reads.
                    let below = diesel::sql_query(
                        "SELECT max(id) AS id FROM audit_log NOT INDEXED WHERE id <= $1",
                    )
                    .bind::<BigInt, _>(top)
                    .get_result::<MaxId>(conn)?
                    .id;
                    (below, false)
                }
                // Nothing above the highest id: the block after it is free.
                other => (other, true),
            };
            let last = match (head.last_id, after_head) {
                (Some(a), Some(b)) => a.max(b),
                (a, b) => a.or(b).unwrap_or(0),
            };
            let first = last
                .checked_add(1)
                .filter(|&first| first <= top + 1)
                .ok_or_else(ids_exhausted)?;
            if !free_above {
                let taken = diesel::sql_query(
                    "SELECT max(id) AS id FROM audit_log NOT INDEXED WHERE id >= $1 AND id <= $2",
                )
                .bind::<BigInt, _>(first)
                .bind::<BigInt, _>(first + (n - 1))
                .get_result::<MaxId>(conn)?
                .id;
                if taken.is_some() {
                    return Err(ids_exhausted());
                }
            }
            Ok((head, (first..first + n).collect()))
        }
    }
}

/// PostgreSQL: `n` values of `audit_log`'s identity sequence, ascending.
fn next_values(conn: &mut DbConn, n: i64) -> Result<Vec<i64>> {
    let mut ids: Vec<i64> = diesel::sql_query(
        "SELECT nextval(pg_get_serial_sequence('audit_log', 'id')::regclass) AS id \
         FROM generate_series(1, $1)",
    )
    .bind::<BigInt, _>(n)
    .load::<Id>(conn)?
    .into_iter()
    .map(|r| r.id)
    .collect();
    ids.sort_unstable();
    Ok(ids)
}

fn ids_exhausted() -> Error {
    Error::Setup("no free audit row ids are left after the chain's head (rows another program inserted take the top of the range): ask the database owner to look at audit_log's highest ids".into())
}

/// Fresh salts for `n` rows, from one read of the OS CSPRNG.
fn salts(n: usize) -> Result<Vec<[u8; SALT_BYTES]>> {
    use rand::TryRngCore;
    let mut buf = vec![0u8; n * SALT_BYTES];
    rand::rngs::OsRng
        .try_fill_bytes(&mut buf)
        .map_err(|e| Error::Internal(format!("the OS random generator failed: {e}")))?;
    Ok(buf
        .chunks_exact(SALT_BYTES)
        .map(|c| {
            let mut s = [0u8; SALT_BYTES];
            s.copy_from_slice(c);
            s
        })
        .collect())
}

/// PostgreSQL keeps microseconds; what is hashed must be what is stored.
fn to_micros(t: chrono::NaiveDateTime) -> chrono::NaiveDateTime {
    use chrono::Timelike;
    let micros = t.nanosecond() / 1_000 * 1_000;
    t.with_nanosecond(micros).unwrap_or(t)
}

/// Appends `rows` to the chain: the one way custadm writes `audit_log`.
/// Inside a transaction the rows become part of it (and the head stays locked
/// until it ends: call this last); outside one, they are written in their own
/// write transaction.
pub fn append(conn: &mut DbConn, rows: &[NewAuditEntry]) -> Result<()> {
    let pending: Vec<Pending<'_>> = rows
        .iter()
        .map(|entry| Pending {
            entry,
            customer_id: entry.customer_id,
        })
        .collect();
    append_pending(conn, &pending)
}

/// Appends one row per customer id, each `template` with that customer id
/// (a bulk run's rows: the same action, outcome and details), in id order
/// as given. As [`append`].
pub fn append_for_customers(
    conn: &mut DbConn,
    template: &NewAuditEntry,
    customer_ids: &[i64],
) -> Result<()> {
    let pending: Vec<Pending<'_>> = customer_ids
        .iter()
        .map(|&id| Pending {
            entry: template,
            customer_id: Some(id),
        })
        .collect();
    append_pending(conn, &pending)
}

/// A row to append: its entry (borrowed; a bulk run's rows share one) and
/// its customer id.
struct Pending<'a> {
    entry: &'a NewAuditEntry,
    customer_id: Option<i64>,
}

fn append_pending(conn: &mut DbConn, rows: &[Pending<'_>]) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    if crate::db::in_transaction(conn)? {
        append_in_transaction(conn, rows)
    } else {
        write_transaction(conn, |conn| append_in_transaction(conn, rows))
    }
}

fn append_in_transaction(conn: &mut DbConn, rows: &[Pending<'_>]) -> Result<()> {
    // Everything that does not depend on the chain is done before the lock.
    let salts = salts(rows.len())?;
    // SQLite stores `occurred_at` as Diesel's text form of a timestamp; a
    // batch's rows share one instant, so it is formatted once per instant.
    let mut prepared: Vec<(chrono::NaiveDateTime, String, [u8; 32], String)> =
        Vec::with_capacity(rows.len());
    for (row, salt) in rows.iter().zip(&salts) {
        let digest = content_digest(
            salt,
            row.entry.reason.as_deref().map(str::as_bytes),
            row.entry.details.as_bytes(),
        );
        let occurred_at = to_micros(row.entry.occurred_at);
        let time_text = match prepared.last() {
            Some((t, _, _, text)) if *t == occurred_at => text.clone(),
            _ => insert::sqlite_time_text(occurred_at),
        };
        prepared.push((occurred_at, to_hex(salt), digest, time_text));
    }

    let (head, ids) = lock_head_and_reserve(conn, rows.len() as i64)?;
    let (Some(&first_id), Some(&last_id)) = (ids.first(), ids.last()) else {
        return Err(Error::Internal("audit rows: no ids reserved".into()));
    };
    // A chain that starts now commits to the rows before it.
    let mut start = None;
    let mut previous = match &head.last_hash {
        None => {
            let (rows, hash) = super::verify::prehistory_below(conn, first_id)?;
            start = Some((rows, hash));
            start_link(rows, &hash)
        }
        Some(hex) => hash_from_hex(hex).ok_or_else(|| {
            Error::Integrity("the audit chain head holds a malformed hash: the trail was tampered with; run `custadm audit verify`".into())
        })?,
    };
    let mut values = Vec::with_capacity(rows.len());
    for ((row, (occurred_at, salt, digest, occurred_at_text)), &id) in
        rows.iter().zip(&prepared).zip(&ids)
    {
        let e = row.entry;
        let link = Link {
            id,
            occurred_at: *occurred_at,
            operator: e.operator.as_bytes(),
            os_user: e.os_user.as_bytes(),
            action: e.action.as_bytes(),
            customer_id: row.customer_id,
            outcome: e.outcome.as_bytes(),
            run_id: e.run_id.as_deref().map(str::as_bytes),
        };
        previous = chain_hash(&previous, &link, digest);
        values.push(insert::Row {
            id,
            occurred_at: *occurred_at,
            occurred_at_text,
            entry: e,
            customer_id: row.customer_id,
            content_salt: salt,
            content_digest: to_hex(digest),
            chain_hash: to_hex(&previous),
        });
    }
    insert::rows(conn, &values)?;
    super::anchor::mark_written();
    let head_row = audit_chain_head::table.filter(audit_chain_head::id.eq(1));
    match start {
        None => diesel::update(head_row)
            .set((
                audit_chain_head::last_id.eq(last_id),
                audit_chain_head::last_hash.eq(to_hex(&previous)),
            ))
            .execute(conn)?,
        Some((rows, hash)) => diesel::update(head_row)
            .set((
                audit_chain_head::chain_start_id.eq(first_id),
                audit_chain_head::last_id.eq(last_id),
                audit_chain_head::last_hash.eq(to_hex(&previous)),
                audit_chain_head::prehistory_rows.eq(rows as i64),
                audit_chain_head::prehistory_hash.eq(to_hex(&hash)),
            ))
            .execute(conn)?,
    };
    Ok(())
}

/// `db migrate`, for a chain an older custadm started (its first row linked
/// to the genesis, no `prehistory_hash`, so the rows before its start were
/// covered by their count only): seals those rows with an
/// [`audit_prehistory`](super::verify::SEAL_ACTION) row on the chain (their
/// count and hash, "The start"), in one write transaction with the head
/// locked, so that altering, swapping or replacing one of them is exit 8
/// from then on. Rows altered before the seal cannot be told: they are
/// sealed as they are (the count the migration recorded must still hold).
/// Nothing for a chain that commits to them through its start link, one
/// not started yet, or one sealed already. `Some(rows)` when it sealed.
pub fn seal_prehistory(conn: &mut DbConn, actor: &super::Actor) -> Result<Option<u64>> {
    use crate::db::schema::audit_log;
    write_transaction(conn, |conn| {
        let head = match conn {
            DbConn::Pg(_) => diesel::sql_query(
                "SELECT chain_start_id, last_id, last_hash, prehistory_rows, prehistory_hash, archived_through, archived_hash FROM audit_chain_head WHERE id = 1 FOR UPDATE",
            )
            .get_result::<Head>(conn)
            .optional()?
            .ok_or_else(missing_head)?,
            DbConn::Sqlite(_) => read_head(conn)?,
        };
        let (Some(start), Some(_), None) =
            (head.chain_start_id, head.last_id, &head.prehistory_hash)
        else {
            return Ok(None);
        };
        // The rows before the start went with the first archive: the seal
        // would be of nothing.
        if head.archived_through.is_some() {
            return Ok(None);
        }
        let sealed: i64 = audit_log::table
            .filter(audit_log::action.eq(super::verify::SEAL_ACTION))
            .filter(audit_log::customer_id.is_null())
            .filter(audit_log::outcome.eq(super::OK))
            .filter(audit_log::chain_hash.is_not_null())
            .filter(audit_log::id.ge(start))
            .count()
            .get_result(conn)?;
        if sealed > 0 {
            return Ok(None);
        }
        let (rows, hash) = super::verify::prehistory_below(conn, start)?;
        if let Some(recorded) = head.prehistory_rows.filter(|&r| r != rows as i64) {
            return Err(Error::Integrity(format!(
                "the rows before the audit chain's start were not sealed: {rows} lie below row {start} now, and {recorded} did when they were counted (rows were {} there by another program); run `custadm audit verify`, keep the database as it is (evidence) and compare it with your backups (README, Troubleshooting: exit 8)",
                if rows as i64 > recorded { "inserted" } else { "removed" }
            )));
        }
        let entry = actor.entry(
            super::verify::SEAL_ACTION,
            None,
            super::OK,
            serde_json::json!({
                "chain_start_id": start,
                "prehistory_rows": rows,
                "prehistory_hash": to_hex(&hash),
            }),
        );
        append(conn, std::slice::from_ref(&entry))?;
        Ok(Some(rows))
    })
}

/// The INSERT of chained rows. Its statements have one SQL text per row
/// count ([`INSERT_CHUNK`], [`INSERT_CHUNK_SMALL`] or one row), fixed by their type, so Diesel's
/// statement cache prepares each once per connection (SQLite; PostgreSQL's
/// cache is off for poolers, see db::open_postgres) instead of parsing a new
/// multi-row INSERT for every batch; the values are bound from the entries
/// as they are, without copies.
mod insert {
    use diesel::backend::Backend;
    use diesel::query_builder::{AstPass, QueryFragment, QueryId};
    use diesel::serialize::ToSql;
    use diesel::sql_types::{BigInt, Nullable, Text, Timestamp};
    use diesel::{QueryResult, RunQueryDsl};

    use super::{NewAuditEntry, INSERT_CHUNK, INSERT_CHUNK_SMALL};
    use crate::db::DbConn;
    use crate::error::{Error, Result};

    /// One `audit_log` row as inserted.
    pub struct Row<'a> {
        pub id: i64,
        pub occurred_at: chrono::NaiveDateTime,
        /// `occurred_at` as SQLite stores it ([`sqlite_time_text`]).
        pub occurred_at_text: &'a str,
        pub entry: &'a NewAuditEntry,
        pub customer_id: Option<i64>,
        pub content_salt: &'a str,
        pub content_digest: String,
        pub chain_hash: String,
    }

    /// `INSERT INTO audit_log (…) VALUES (…), …` of `N` rows (the SQL text
    /// depends on `N` only).
    struct Insert<'a, 'r, const N: usize>(&'a [Row<'r>; N]);

    /// The statement cache's key: one per row count.
    struct InsertId<const N: usize>;

    impl<const N: usize> QueryId for Insert<'_, '_, N> {
        type QueryId = InsertId<N>;
        const HAS_STATIC_QUERY_ID: bool = true;
    }

    /// Diesel's text form of a SQLite `Timestamp` (`%F %T%.f`, as its
    /// `ToSql<Timestamp, Sqlite>` writes it): what SQLite stores.
    pub fn sqlite_time_text(t: chrono::NaiveDateTime) -> String {
        t.format("%F %T%.f").to_string()
    }

    /// How `occurred_at` is bound on each backend.
    pub trait BindTime: Backend + Sized {
        fn push_time<'b>(out: &mut AstPass<'_, 'b, Self>, row: &'b Row<'_>) -> QueryResult<()>;
    }

    impl BindTime for diesel::sqlite::Sqlite {
        /// The text SQLite would store for the `Timestamp`, formatted once.
        fn push_time<'b>(out: &mut AstPass<'_, 'b, Self>, row: &'b Row<'_>) -> QueryResult<()> {
            out.push_bind_param::<Text, _>(row.occurred_at_text)
        }
    }

    impl BindTime for diesel::pg::Pg {
        fn push_time<'b>(out: &mut AstPass<'_, 'b, Self>, row: &'b Row<'_>) -> QueryResult<()> {
            out.push_bind_param::<Timestamp, _>(&row.occurred_at)
        }
    }

    impl<DB, const N: usize> QueryFragment<DB> for Insert<'_, '_, N>
    where
        DB: BindTime,
        i64: ToSql<BigInt, DB>,
        str: ToSql<Text, DB>,
    {
        fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
            out.push_sql(
                "INSERT INTO audit_log (id, occurred_at, operator, os_user, action, customer_id, \
                 outcome, reason, details, run_id, content_salt, content_digest, chain_hash) VALUES ",
            );
            for (i, row) in self.0.iter().enumerate() {
                out.push_sql(if i == 0 { "(" } else { ", (" });
                let e = row.entry;
                out.push_bind_param::<BigInt, _>(&row.id)?;
                out.push_sql(", ");
                DB::push_time(&mut out, row)?;
                out.push_sql(", ");
                out.push_bind_param::<Text, _>(e.operator.as_str())?;
                out.push_sql(", ");
                out.push_bind_param::<Text, _>(e.os_user.as_str())?;
                out.push_sql(", ");
                out.push_bind_param::<Text, _>(e.action.as_str())?;
                out.push_sql(", ");
                out.push_bind_param::<Nullable<BigInt>, _>(&row.customer_id)?;
                out.push_sql(", ");
                out.push_bind_param::<Text, _>(e.outcome.as_str())?;
                out.push_sql(", ");
                out.push_bind_param::<Nullable<Text>, _>(&e.reason)?;
                out.push_sql(", ");
                out.push_bind_param::<Text, _>(e.details.as_str())?;
                out.push_sql(", ");
                out.push_bind_param::<Nullable<Text>, _>(&e.run_id)?;
                out.push_sql(", ");
                out.push_bind_param::<Text, _>(row.content_salt)?;
                out.push_sql(", ");
                out.push_bind_param::<Text, _>(row.content_digest.as_str())?;
                out.push_sql(", ");
                out.push_bind_param::<Text, _>(row.chain_hash.as_str())?;
                out.push_sql(")");
            }
            Ok(())
        }
    }

    impl<Conn, const N: usize> RunQueryDsl<Conn> for Insert<'_, '_, N> {}

    /// Inserts `rows`: chunks of [`INSERT_CHUNK`], then of
    /// [`INSERT_CHUNK_SMALL`], then one at a time (at most
    /// `len / 100 + 9 + 9` statements, of three shapes each prepared once
    /// per connection).
    pub fn rows(conn: &mut DbConn, rows: &[Row<'_>]) -> Result<()> {
        let rest = chunked::<INSERT_CHUNK>(conn, rows)?;
        let rest = chunked::<INSERT_CHUNK_SMALL>(conn, rest)?;
        chunked::<1>(conn, rest)?;
        Ok(())
    }

    /// Inserts the leading whole chunks of `N` rows; returns the rest.
    fn chunked<'s, 'r, const N: usize>(
        conn: &mut DbConn,
        rows: &'s [Row<'r>],
    ) -> Result<&'s [Row<'r>]> {
        let mut chunks = rows.chunks_exact(N);
        for chunk in &mut chunks {
            let chunk: &[Row<'_>; N] = chunk
                .try_into()
                .map_err(|_| Error::Internal("audit rows: a chunk of the wrong size".into()))?;
            crate::db::with_backend!(&mut *conn, c => Insert(chunk).execute(c))?;
        }
        Ok(chunks.remainder())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_is_length_prefixed() {
        // "ab" + "c" and "a" + "bc" must not collide.
        let a = content_digest(b"s", Some(b"ab"), b"c");
        let b = content_digest(b"s", Some(b"a"), b"bc");
        assert_ne!(a, b);
        assert_ne!(
            content_digest(b"s", None, b""),
            content_digest(b"s", Some(b""), b"")
        );
        assert_eq!(
            from_hex(&to_hex(&[0, 1, 254, 255])),
            Some(vec![0, 1, 254, 255])
        );
        assert_eq!(from_hex("0g"), None);
        assert_eq!(from_hex("0"), None);
        assert_eq!(from_hex("AbfF"), Some(vec![0xab, 0xff]));
        assert_eq!(from_hex("é0"), None);
        assert_eq!(from_hex(""), Some(vec![]));
        assert_eq!(hash_from_hex(&"0".repeat(62)), None);
        assert_eq!(hash_from_hex(&"0".repeat(66)), None);
        assert_eq!(hash_from_hex(&"a".repeat(64)), Some([0xaa; 32]));
        assert_eq!(
            hash_from_hex_bytes(
                &[b'a'; 63]
                    .iter()
                    .copied()
                    .chain([0xff])
                    .collect::<Vec<u8>>()
            ),
            None
        );
    }

    /// Known answers, computed outside Rust (Python's hashlib over the
    /// encoding the module doc describes): a change of the encoding would
    /// make every stored trail fail `audit verify`.
    #[test]
    fn hashes_match_the_documented_encoding() {
        let digest = content_digest(b"salt", Some(b"T-1"), br#"{"a":1}"#);
        assert_eq!(
            to_hex(&digest),
            "fa2813229483efc0bae4deb4095e5d65b5314591e9b2d6d2677d88ee0a8f4396"
        );
        let occurred_at = chrono::NaiveDate::from_ymd_opt(2026, 11, 30)
            .and_then(|d| d.and_hms_micro_opt(12, 34, 56, 789_012))
            .expect("a valid instant");
        let link = Link {
            id: 7,
            occurred_at,
            operator: b"adm",
            os_user: b"root",
            action: b"deactivate",
            customer_id: Some(42),
            outcome: b"ok",
            run_id: None,
        };
        assert_eq!(
            to_hex(&chain_hash(&GENESIS, &link, &digest)),
            "c238a5afd8669950074e1c171ae2a16dd984cb8131cf74e001cfe5af06e81ffd"
        );
    }
}
