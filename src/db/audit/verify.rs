//! `audit verify` and `audit digest` (contract: "Audit", exit 8): walk the
//! chain in id order inside one read snapshot (memory does not grow with
//! the trail; how the rows are read: [`super::read`]), recompute every link
//! and stop at the first row that was altered, removed, inserted by another
//! program or reordered.
//!
//! Columns are read as stored (text as bytes: text that is not UTF-8 is
//! data, never a crash), so that whatever another program stored is
//! checked rather than failing to load.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::anchor::{Anchor, AnchorFile};
use super::chain::{self, Head, Link, GENESIS};
use super::read::{each_row, Pager, Row, Source};
use super::REDACTED_DETAILS;
use crate::db::DbConn;
use crate::error::{Error, Result};

/// A point the chain must pass through: the output of `audit digest`, or
/// an anchor line (which has a `run` too: [`super::anchor::Anchor`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DigestPoint {
    /// The id of the chain's newest row when the digest was taken.
    pub id: i64,
    /// Its `chain_hash` (64 hex digits).
    pub chain_hash: String,
    /// Its `occurred_at`, RFC 3339 UTC (informational: it is inside the hash).
    pub occurred_at: String,
    /// The run of the command that wrote the rows, when the line is an
    /// anchor (`audit digest` has none): it is part of the signed message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<String>,
    /// Ed25519 signature of the head (see [`super::signing`]), when
    /// `audit_signing_key` was set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

impl DigestPoint {
    /// The signed fields: the run is an anchor line's (`null` or absent for
    /// `audit digest`).
    pub fn signed(&self) -> super::signing::SignedHead<'_> {
        super::signing::SignedHead {
            id: self.id,
            chain_hash: &self.chain_hash,
            occurred_at: &self.occurred_at,
            run: self.run.as_deref(),
        }
    }
}

/// What one archive held (`audit verify --archive`).
#[derive(Debug, Clone, serde::Serialize)]
pub struct ArchiveChecked {
    /// The file, as shown.
    pub file: String,
    /// Chained rows in it.
    pub rows: u64,
    /// Rows from before the chain in it.
    pub prehistory: u64,
    /// Its last row (the cut it ends at).
    pub head: Option<DigestPoint>,
}

/// What an intact chain holds.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Verified {
    /// Chained rows checked (in the table; an archive's are in `archives`).
    pub rows: u64,
    /// Rows from before the chain existed (not covered by it).
    pub prehistory: u64,
    /// Digests the chain was found to pass through.
    pub digests_checked: usize,
    /// The head, when the chain has rows.
    pub head: Option<DigestPoint>,
    /// Anchors found on the chain (`--anchors`).
    pub anchors_checked: u64,
    /// Torn anchor lines (line numbers), reported as warnings.
    pub torn_anchor_lines: Vec<usize>,
    /// The cut the walk started from when the rows below it were not read
    /// (archived, and no archive given): anchors and digests below it were
    /// not checked.
    pub unchecked_below: Option<i64>,
    /// Anchors of rows below [`Verified::unchecked_below`] (not checked).
    pub anchors_archived: u64,
    /// Digests of rows below [`Verified::unchecked_below`] (not checked).
    pub digests_archived: usize,
    /// Anchors read from the file (`--anchors`; 0: an empty file).
    pub anchors_read: u64,
    /// Chained rows after the last anchor met, and that anchor's row
    /// (`--anchors`).
    pub unanchored: Option<(u64, Option<i64>)>,
    /// The archives walked before the table, oldest first.
    pub archives: Vec<ArchiveChecked>,
    /// The rows before the chain's start were read, the chain links to the
    /// genesis (started by an older custadm), and no `audit_prehistory` row
    /// seals them: they are checked by their count only.
    pub prehistory_unsealed: bool,
    /// `audit_prehistory` rows whose record of the prehistory was checked.
    pub seals_checked: u64,
}

fn hash_of(raw: &Option<Vec<u8>>) -> Option<[u8; 32]> {
    chain::hash_from_hex_bytes(raw.as_deref()?)
}

/// The link a row would have after `previous`, with `id` and time given
/// (to test a row at another position), or `None` without a time.
fn link_hash(
    previous: &[u8; 32],
    row: &Row,
    id: i64,
    time: Option<NaiveDateTime>,
    digest: &[u8; 32],
) -> Option<[u8; 32]> {
    Some(chain::chain_hash(
        previous,
        &Link {
            id,
            occurred_at: time?,
            operator: &row.operator,
            os_user: &row.os_user,
            action: &row.action,
            customer_id: row.customer_id,
            outcome: &row.outcome,
            run_id: row.run_id.as_deref(),
        },
        digest,
    ))
}

fn broken(id: i64, what: impl std::fmt::Display) -> Error {
    Error::Integrity(format!(
        "audit trail integrity check failed at row {id}: {what}"
    ))
}

/// Checks a chained row's own columns; returns its content digest, chain
/// hash and time.
pub(super) fn check_row_content(row: &Row) -> Result<([u8; 32], [u8; 32], NaiveDateTime)> {
    let digest = hash_of(&row.content_digest).ok_or_else(|| {
        broken(
            row.id,
            "its content_digest is missing or malformed (altered)",
        )
    })?;
    let stored = hash_of(&row.chain_hash)
        .ok_or_else(|| broken(row.id, "its chain_hash is malformed (altered)"))?;
    match &row.content_salt {
        Some(salt_hex) => {
            // custadm's salts are 16 bytes (decoded on the stack); another
            // length is read, and hashed, as it is.
            let mut small = [0u8; 32];
            let long: Option<Vec<u8>>;
            let salt = if salt_hex.len() <= 2 * small.len() {
                let buf = &mut small[..salt_hex.len() / 2];
                chain::decode_hex(salt_hex, buf).then_some(&*buf)
            } else {
                let mut v = vec![0; salt_hex.len() / 2];
                long = chain::decode_hex(salt_hex, &mut v).then_some(v);
                long.as_deref()
            }
            .ok_or_else(|| broken(row.id, "its content_salt is malformed (altered)"))?;
            if chain::content_digest(salt, row.reason.as_deref(), &row.details) != digest {
                return Err(broken(
                    row.id,
                    "altered: its reason or details no longer match its content_digest",
                ));
            }
        }
        // Redacted by purge: verified by the chain alone, and it must look redacted.
        None => {
            if row.reason.is_some() || row.details != REDACTED_DETAILS.as_bytes() {
                return Err(broken(
                    row.id,
                    "altered: it has no content_salt but is not a redacted row",
                ));
            }
        }
    }
    let time = row
        .occurred_at
        .instant()
        .ok_or_else(|| broken(row.id, "altered: its occurred_at is not a timestamp"))?;
    Ok((digest, stored, time))
}

/// Explains why `row` does not link to `previous` (stored hash of row
/// `previous_id`), looking at the row after it.
fn diagnose(
    previous: &[u8; 32],
    expected_id: i64,
    previous_id: Option<i64>,
    row: &Row,
    digest: &[u8; 32],
    stored: &[u8; 32],
    next: Option<&Row>,
) -> Error {
    let after = match previous_id {
        Some(p) => format!("row {p}"),
        None => "the start of the chain".to_string(),
    };
    if let Some(next) = next {
        if let (Some(next_digest), Some(next_stored)) =
            (hash_of(&next.content_digest), hash_of(&next.chain_hash))
        {
            // The two rows' ids were swapped: the next row fits here.
            let next_time = next.occurred_at.instant();
            if link_hash(previous, next, row.id, next_time, &next_digest) == Some(next_stored) {
                return broken(
                    row.id,
                    format!("reordered: rows {} and {} were swapped", row.id, next.id),
                );
            }
            // Their occurred_at values were swapped.
            if link_hash(previous, row, row.id, next_time, digest) == Some(*stored) {
                return broken(
                    row.id,
                    format!(
                        "reordered: rows {} and {} swapped their occurred_at",
                        row.id, next.id
                    ),
                );
            }
            if link_hash(stored, next, next.id, next_time, &next_digest) == Some(next_stored) {
                // The row's own hash is the original one: it was changed, or
                // rows before it were removed.
                if row.id > expected_id {
                    return broken(
                        row.id,
                        format!(
                            "rows were removed: it no longer links to {after} (ids {}–{} are missing)",
                            expected_id,
                            row.id - 1
                        ),
                    );
                }
                return broken(
                    row.id,
                    "altered: one of its chained columns (id, occurred_at, operator, os_user, action, customer_id, outcome, run_id) changed since it was written",
                );
            }
        }
    } else if row.id > expected_id {
        return broken(
            row.id,
            format!(
                "it does not link to {after}: rows were removed (ids {}–{} are missing) or it was altered",
                expected_id,
                row.id - 1
            ),
        );
    }
    broken(
        row.id,
        format!("altered or inserted by another program: its chain_hash does not link to {after}"),
    )
}

/// `--since D`: D's row (the first row read, `None` when there is none),
/// which must be on the chain with D's `chain_hash`.
fn since_row(
    row: Option<&Row>,
    head: &Head,
    d: &DigestPoint,
) -> Result<(i64, [u8; 32], Option<NaiveDateTime>)> {
    let row = row.filter(|row| row.id == d.id).ok_or_else(|| {
        Error::Integrity(format!(
            "audit trail integrity check failed: --since names row {} (digest of {}), which is not in this trail: the digest is from another database, or rows were removed",
            d.id, d.occurred_at
        ))
    })?;
    let on_chain = head.chain_start_id.is_some_and(|s| row.id >= s)
        && head.last_id.is_some_and(|l| row.id <= l);
    let stored = hash_of(&row.chain_hash).filter(|_| on_chain);
    if stored.is_none() || stored != chain::hash_from_hex(&d.chain_hash) {
        return Err(Error::Integrity(format!(
            "audit trail integrity check failed at row {}: --since's digest (of {}) records chain_hash {}…, and the row holds {}: the digest is from another database, or the history up to that row was rewritten",
            d.id,
            d.occurred_at,
            d.chain_hash.get(..12).unwrap_or(&d.chain_hash),
            match &stored {
                Some(h) => format!("{}…", chain::to_hex(&h[..6])),
                None => "no chain hash on the chain".to_string(),
            }
        )));
    }
    let (_, stored, time) = check_row_content(row)?;
    Ok((row.id, stored, Some(time)))
}

/// A row as the prehistory hash reads it (its time as stored text: rows
/// below the chain's start are read in pages, [`super::read`]).
fn old_row(row: &Row) -> Result<chain::OldRow<'_>> {
    Ok(chain::OldRow {
        id: row.id,
        occurred_at: row.occurred_at.text()?,
        operator: &row.operator,
        os_user: &row.os_user,
        action: &row.action,
        customer_id: row.customer_id,
        outcome: &row.outcome,
        run_id: row.run_id.as_deref(),
        reason: row.reason.as_deref(),
        details: &row.details,
    })
}

/// The count and hash of the rows below `first_id` (what a chain that
/// starts at `first_id` commits to: [`chain`], "The start"), read in pages.
pub fn prehistory_below(conn: &mut DbConn, first_id: i64) -> Result<(u64, [u8; 32])> {
    let mut pager = Pager::db(conn, i64::MIN);
    let mut hash = chain::Prehistory::default();
    while let Some(row) = pager.next()? {
        if row.id >= first_id {
            break;
        }
        hash.add(&old_row(&row)?);
    }
    Ok(hash.finish())
}

/// What the chain's first row (`first_id`) must link to, after checking the
/// rows below it against what the head recorded when the chain started
/// (contract: "Audit": a row added below the start, or one of them altered
/// or removed, is exit 8); and the count and hash of those rows (which an
/// `audit_prehistory` row seals for a chain that links to the genesis).
fn check_start(
    head: &Head,
    prehistory: chain::Prehistory,
    first_id: i64,
) -> Result<([u8; 32], u64, [u8; 32])> {
    let (rows, hash) = prehistory.finish();
    let recorded = head.prehistory_rows.map(|n| n.max(0) as u64);
    let count_changed = |recorded: u64| {
        Error::Integrity(format!(
            "audit trail integrity check failed before row {first_id} (the chain's start): {rows} {} below it, and {recorded} did when the chain started: rows were {} there by another program",
            if rows == 1 { "row lies" } else { "rows lie" },
            if rows > recorded { "inserted" } else { "removed" }
        ))
    };
    if let Some(recorded) = recorded.filter(|&r| r != rows) {
        return Err(count_changed(recorded));
    }
    match &head.prehistory_hash {
        // A chain started before the start was committed to: the genesis,
        // the count the migration recorded, and the `audit_prehistory` row
        // `db migrate` wrote (checked when the walk meets it).
        None => Ok((GENESIS, rows, hash)),
        Some(recorded_hash) => {
            if chain::hash_from_hex(recorded_hash) != Some(hash) {
                return Err(Error::Integrity(format!(
                    "audit trail integrity check failed before row {first_id} (the chain's start): one of the {rows} rows below it was altered since the chain started (their hash no longer matches)"
                )));
            }
            Ok((chain::start_link(rows, &hash), rows, hash))
        }
    }
}

/// `audit_log.action` of the row `db migrate` writes to seal the rows
/// before a chain that an older custadm started (linked to the genesis):
/// `details` = `{"chain_start_id":N,"prehistory_rows":N,"prehistory_hash":"<hex>"}`.
pub const SEAL_ACTION: &str = "audit_prehistory";

/// `audit_log.action` of the row `audit archive` writes with the cut it
/// made (`details.through`, `details.through_hash`).
pub const ARCHIVE_ACTION: &str = "audit_archive";

/// Walks the whole chain; `Ok` when intact and passing through every digest,
/// otherwise [`Error::Integrity`] naming the first bad row (exit 8).
///
/// With `since` (`audit verify --since D`), only the rows after D's row are
/// walked (keyset from D's id: the cost is what was written since), and D's
/// row must still hold D's `chain_hash` (exit 8 naming the mismatch: a
/// digest of another database, or a history rewritten up to it); anchors
/// and digests before D are not checked again.
///
/// With `archives` (`audit verify --archive FILE…`, oldest first), their
/// rows are walked first, each archive continuing the one before it, then
/// the table's from the last one's end, which must be the cut the head
/// records (id and hash). Anchors and digests of archived rows are checked
/// against the archives' rows; without the archive they are counted
/// ([`Verified::anchors_archived`]).
///
/// A cut (`audit_chain_head.archived_through`, `archived_hash`) counts only
/// when the newest `audit_archive` row on the chain records it (through id
/// and hash): rows deleted by another program with the cut moved to hide
/// them are exit 8.
pub fn verify(
    conn: &mut DbConn,
    digests: &[DigestPoint],
    anchors: Option<&mut AnchorFile<'_>>,
    since: Option<&DigestPoint>,
    archives: &[std::path::PathBuf],
) -> Result<Verified> {
    // Every header first: a file that is not an archive is named before
    // anything is walked.
    let mut readers = archives
        .iter()
        .map(|p| super::archive::Reader::open(p))
        .collect::<Result<Vec<_>>>()?;
    if let Some(first) = readers.first() {
        if since.is_some() {
            return Err(Error::Usage(
                "--since and --archive cannot be combined: --since skips the rows an archive holds"
                    .into(),
            ));
        }
        let floor = first.header().after_id.map_or(Floor::None, Floor::Cut);
        let mut walk = Walk::new(first.head(), digests, anchors, floor, false)?;
        // The archives outside the database's snapshot: no transaction
        // stays open while files are read.
        for reader in &mut readers {
            walk.archive_segment(reader)?;
        }
        return crate::db::read_snapshot(conn, |conn| {
            let head = chain::read_head(conn)?;
            walk.db_segment(conn, head, None)?;
            walk.finish()
        });
    }
    crate::db::read_snapshot(conn, |conn| {
        let head = chain::read_head(conn)?;
        let archived = archive_cut(&head)?;
        let since = since_after_cut(since, archived)?;
        let floor = match (since, archived) {
            (Some(d), _) => Floor::Since(d.id),
            (None, Some((a, _))) => Floor::Cut(a),
            (None, None) => Floor::None,
        };
        let mut walk = Walk::new(head.clone(), digests, anchors, floor, false)?;
        walk.db_segment(conn, head, since)?;
        walk.finish()
    })
}

/// `audit verify --archive-only FILE…` (and `audit archive` reading back
/// what it wrote): archives on their own, oldest first, each continuing
/// the one before it, as their headers and end lines describe the chain
/// they hold (exit 2 for a file that is not a complete archive, naming the
/// line; exit 8 naming the first bad row). No database row is read.
pub fn verify_archives(paths: &[std::path::PathBuf]) -> Result<Verified> {
    let mut readers = paths
        .iter()
        .map(|p| super::archive::Reader::open(p))
        .collect::<Result<Vec<_>>>()?;
    let Some(first) = readers.first() else {
        return Err(Error::Usage("--archive-only: no archive given".into()));
    };
    let floor = first.header().after_id.map_or(Floor::None, Floor::Cut);
    let mut walk = Walk::new(first.head(), &[], None, floor, true)?;
    for reader in &mut readers {
        walk.archive_segment(reader)?;
    }
    walk.finish()
}

/// [`verify_archives`] of one file.
pub fn verify_archive(path: &std::path::Path) -> Result<Verified> {
    verify_archives(&[path.to_path_buf()])
}

/// Where a walk starts when it does not start at the chain's start.
#[derive(Debug, Clone, Copy)]
enum Floor {
    /// At the start: every anchor and digest is checked.
    None,
    /// After `--since` D's row: anchors and digests before it are not
    /// checked again.
    Since(i64),
    /// After an archive cut whose rows are not read: anchors and digests
    /// below it are counted, not checked.
    Cut(i64),
}

impl Floor {
    fn id(self) -> i64 {
        match self {
            Floor::None => i64::MIN,
            Floor::Since(id) | Floor::Cut(id) => id,
        }
    }
}

/// `--anchors`: the anchors of a file, met in order as the walk passes
/// their rows (contract: each must lie on the chain and come after the one
/// before it).
struct AnchorCheck<'a, 'k> {
    file: &'a mut AnchorFile<'k>,
    /// The next anchor not yet met, with its line.
    next: Option<(usize, Anchor)>,
    /// The id of the anchor before it.
    last_id: Option<(usize, i64)>,
    checked: u64,
    /// Anchors read.
    read: u64,
    /// Anchors of rows below this are not checked.
    floor: Floor,
    /// Anchors below a [`Floor::Cut`] (archived rows not read).
    archived: u64,
}

impl AnchorCheck<'_, '_> {
    /// Reads the next anchor; exit 8 when it comes before the one before it.
    fn advance(&mut self) -> Result<()> {
        loop {
            self.next = self.file.next_anchor()?;
            if self.next.is_some() {
                self.read += 1;
            }
            if let (Some((line, a)), Some((prev_line, prev_id))) = (&self.next, self.last_id) {
                if a.id < prev_id {
                    return Err(Error::Integrity(format!(
                        "audit anchor check failed at {} line {line} (row {}): out of order: it comes after line {prev_line}, which anchors the later row {prev_id} (anchors were reordered or edited)",
                        self.file.name(),
                        a.id
                    )));
                }
            }
            match &self.next {
                Some((line, a)) if a.id < self.floor.id() => {
                    if let Floor::Cut(_) = self.floor {
                        self.archived += 1;
                    }
                    self.last_id = Some((*line, a.id));
                }
                _ => return Ok(()),
            }
        }
    }

    /// Checks every anchor of row `id` against its stored hash; exit 8 for
    /// an anchor of a row that is not on the chain (an id passed over).
    /// True when an anchor names this row.
    fn meet(&mut self, id: i64, stored: &[u8; 32]) -> Result<bool> {
        let mut met = false;
        while let Some((line, a)) = &self.next {
            if a.id > id {
                break;
            }
            if a.id < id {
                return Err(Error::Integrity(format!(
                    "audit anchor check failed at {} line {line}: it anchors row {}, which is not on the chain (the history was rewritten, or rows were removed)",
                    self.file.name(),
                    a.id
                )));
            }
            if chain::hash_from_hex(&a.chain_hash) != Some(*stored) {
                return Err(Error::Integrity(format!(
                    "audit anchor check failed at {} line {line}: row {id} no longer has the chain_hash anchored there: the chain was rewritten up to that row (hashes recomputed), or a backup was restored",
                    self.file.name(),
                )));
            }
            self.checked += 1;
            met = true;
            self.last_id = Some((*line, a.id));
            self.advance()?;
        }
        Ok(met)
    }

    /// After the last row: an anchor still unmet lies beyond the chain.
    fn finish(&mut self, last: Option<i64>) -> Result<()> {
        if let Some((line, a)) = &self.next {
            let end = last.map_or("it has no rows".to_string(), |l| {
                format!("it ends at row {l}")
            });
            return Err(Error::Integrity(format!(
                "audit anchor check failed at {} line {line}: it anchors row {}, beyond the chain ({end}): the newest rows were removed, or an older backup was restored",
                self.file.name(),
                a.id
            )));
        }
        Ok(())
    }
}

/// Rows up to `archived_through` were moved to an archive: the first row
/// left links to its hash (see super::archive). Exit 8 when the head
/// records half of it.
fn archive_cut(head: &Head) -> Result<Option<(i64, [u8; 32])>> {
    match (head.archived_through, head.archived_hash.as_deref()) {
        (Some(a), Some(h)) => Ok(Some((
            a,
            chain::hash_from_hex(h).ok_or_else(|| {
                Error::Integrity("audit trail integrity check failed: the chain head's archived_hash is malformed (altered)".into())
            })?,
        ))),
        (None, None) => Ok(None),
        _ => Err(Error::Integrity(
            "audit trail integrity check failed: the chain head records an archive cut without its hash (altered)".into(),
        )),
    }
}

/// `--since` at or below the archive's cut: from the cut (`None`) when it
/// names the cut itself, exit 2 when it names an archived row.
fn since_after_cut(
    since: Option<&DigestPoint>,
    archived: Option<(i64, [u8; 32])>,
) -> Result<Option<&DigestPoint>> {
    match (since, archived) {
        (Some(d), Some((a, h))) if d.id <= a => {
            if d.id == a && chain::hash_from_hex(&d.chain_hash) == Some(h) {
                Ok(None)
            } else {
                Err(Error::Usage(format!(
                    "--since names row {}, which was archived (the table starts after row {a}): check the archive with `custadm audit verify --archive FILE`, and use a newer digest",
                    d.id
                )))
            }
        }
        (since, _) => Ok(since),
    }
}

/// An `audit_archive` row's record of the cut it made.
#[derive(Debug, Clone)]
pub(super) struct CutRecord {
    /// The row that records it.
    row: i64,
    pub(super) through: i64,
    hash: Option<[u8; 32]>,
}

impl CutRecord {
    /// The record an `audit_archive` row holds (`None` for any other row).
    pub(super) fn of(row: &Row) -> Option<CutRecord> {
        if row.action != ARCHIVE_ACTION.as_bytes() || row.outcome != super::OK.as_bytes() {
            return None;
        }
        let details: serde_json::Value = serde_json::from_slice(&row.details).ok()?;
        Some(CutRecord {
            row: row.id,
            through: details.get("through")?.as_i64()?,
            hash: details
                .get("through_hash")
                .and_then(|h| h.as_str())
                .and_then(chain::hash_from_hex),
        })
    }
}

/// The head's cut must be the one the newest `audit_archive` row on the
/// chain records (`record`, a row above the cut); exit 8 naming it
/// otherwise.
fn check_cut_record(cut: Option<(i64, [u8; 32])>, record: Option<&CutRecord>) -> Result<()> {
    const NEXT: &str = "keep the database as it is (evidence), and compare it with your backups and the archive files (README, Troubleshooting: exit 8)";
    let record = record.filter(|r| cut.is_none_or(|(a, _)| r.row > a));
    match (cut, record) {
        (None, None) => Ok(()),
        (Some((a, h)), Some(r)) if r.through == a && r.hash == Some(h) => Ok(()),
        (Some((a, _)), None) => Err(Error::Integrity(format!(
            "audit trail integrity check failed: the chain head records an archive cut through row {a} (audit_chain_head.archived_through), but no `audit archive` row on the chain records it: rows up to {a} were deleted by another program and the cut was moved to hide it; {NEXT}"
        ))),
        (Some((a, _)), Some(r)) => Err(Error::Integrity(format!(
            "audit trail integrity check failed: the chain head records an archive cut through row {a}, and the newest `audit archive` row on the chain (row {}) records the cut through row {}{}: the cut was moved (rows deleted by another program); {NEXT}",
            r.row,
            r.through,
            if r.through == a { " with another chain_hash" } else { "" }
        ))),
        (None, Some(r)) => Err(Error::Integrity(format!(
            "audit trail integrity check failed: row {} records an archive cut through row {}, but the chain head records none (audit_chain_head.archived_through is NULL): the head was altered; {NEXT}",
            r.row, r.through
        ))),
    }
}

/// The newest `audit_archive` row in the table (`--since`, when the walk
/// did not pass one): its record, once its own columns check out.
fn newest_cut_record(conn: &mut DbConn, head: &Head) -> Result<Option<CutRecord>> {
    use crate::db::schema::audit_log;
    let id: Option<i64> = audit_log::table
        .filter(audit_log::action.eq(ARCHIVE_ACTION))
        .filter(audit_log::customer_id.is_null())
        .filter(audit_log::outcome.eq(super::OK))
        .select(diesel::dsl::max(audit_log::id))
        .first(conn)?;
    let Some(id) = id else {
        return Ok(None);
    };
    let mut pager = super::read::Pager::db_range(conn, id - 1, id);
    let Some(row) = pager.next()? else {
        return Ok(None);
    };
    let on_chain = head.chain_start_id.is_some_and(|s| row.id >= s)
        && head.last_id.is_some_and(|l| row.id <= l)
        && row.chain_hash.is_some();
    if !on_chain {
        return Err(broken(
            row.id,
            "an `audit archive` row that is not on the chain (inserted by another program)",
        ));
    }
    check_row_content(&row)?;
    Ok(CutRecord::of(&row))
}

/// One walk along the chain, through the archives given and the table:
/// what it has read so far.
struct Walk<'d, 'a, 'k> {
    /// The chain as the current source describes it (an archive's header
    /// and end line, or `audit_chain_head`).
    head: Head,
    /// The current source's cut (last archived id, its hash).
    archived: Option<(i64, [u8; 32])>,
    /// Archives alone (`--archive-only`, `audit archive`): an archive may
    /// end between a redaction and its purge, and no table follows.
    archive_alone: bool,
    anchors: Option<AnchorCheck<'a, 'k>>,
    floor: Floor,
    /// Digests not yet met, by row id.
    wanted: BTreeMap<i64, Vec<&'d DigestPoint>>,
    digests_archived: usize,
    /// The rows before the chain's start read so far.
    prehistory: chain::Prehistory,
    /// What the first chained row links to, once the prehistory is read.
    start_link: Option<[u8; 32]>,
    prehistory_count: u64,
    /// The prehistory as read (count, hash), for `audit_prehistory` rows,
    /// and whether the chain links to the genesis.
    prehistory_read: Option<(u64, [u8; 32], bool)>,
    seals_checked: u64,
    /// Chained rows of the current source.
    rows: u64,
    /// The last chained row read: id, chain hash, time.
    previous: Option<(i64, [u8; 32], Option<NaiveDateTime>)>,
    digests_checked: usize,
    /// Redacted rows (no salt) whose customer's purge has not been seen
    /// yet: customer id → first such row. Purge writes its own row after
    /// the redaction, in the same transaction, so every redaction must be
    /// followed by an `ok` purge of that customer; otherwise another
    /// program wiped the row's details and reason and made it look
    /// redacted.
    redacted_unpurged: BTreeMap<i64, i64>,
    /// The newest `audit_archive` row met.
    cut_record: Option<CutRecord>,
    /// Chained rows after the last anchor met, and its row.
    unanchored: (u64, Option<i64>),
    /// The archives walked.
    archives: Vec<ArchiveChecked>,
}

impl<'d, 'a, 'k> Walk<'d, 'a, 'k> {
    fn new(
        head: Head,
        digests: &'d [DigestPoint],
        anchors: Option<&'a mut AnchorFile<'k>>,
        floor: Floor,
        archive_alone: bool,
    ) -> Result<Self> {
        let anchors = match anchors {
            None => None,
            Some(file) => {
                let mut check = AnchorCheck {
                    file,
                    next: None,
                    last_id: None,
                    checked: 0,
                    read: 0,
                    floor,
                    archived: 0,
                };
                check.advance()?;
                Some(check)
            }
        };
        let mut wanted: BTreeMap<i64, Vec<&DigestPoint>> = BTreeMap::new();
        let mut digests_archived = 0;
        for d in digests {
            if d.id >= floor.id() {
                wanted.entry(d.id).or_default().push(d);
            } else if let Floor::Cut(_) = floor {
                digests_archived += 1;
            }
        }
        Ok(Walk {
            head,
            archived: None,
            archive_alone,
            anchors,
            floor,
            wanted,
            digests_archived,
            prehistory: chain::Prehistory::default(),
            start_link: None,
            prehistory_count: 0,
            prehistory_read: None,
            seals_checked: 0,
            rows: 0,
            previous: None,
            digests_checked: 0,
            redacted_unpurged: BTreeMap::new(),
            cut_record: None,
            unanchored: (0, None),
            archives: Vec::new(),
        })
    }

    /// Walks the rows of `source` above `after` (`since`: the first must be
    /// D's row).
    fn walk_rows(
        &mut self,
        source: Source<'_>,
        after: i64,
        stream_from: Option<i64>,
        since: Option<&DigestPoint>,
    ) -> Result<()> {
        let mut since = since;
        each_row(source, after, stream_from, |row, next| match since.take() {
            Some(d) => {
                let row = since_row(Some(row), &self.head, d)?;
                self.resume_at(row)
            }
            None => self.step(row, next),
        })?;
        if let Some(d) = since {
            since_row(None, &self.head, d)?;
        }
        Ok(())
    }

    /// The next archive: its header must continue where the one before it
    /// ended; its rows are walked to its end line, which must be its last
    /// row.
    fn archive_segment(&mut self, reader: &mut super::archive::Reader) -> Result<()> {
        let head = reader.head();
        let cut = archive_cut(&head).map_err(|_| {
            Error::Integrity(format!(
                "audit archive check failed: {}: its header records a cut without a valid hash (altered)",
                reader.name()
            ))
        })?;
        match self.archives.last() {
            // The first: from its header's cut, or from the chain's start.
            None => {
                if let Some((a, h)) = cut {
                    self.resume_at((a, h, None))?;
                }
            }
            Some(before) => {
                let ended = self.previous.map(|p| (p.0, p.1));
                if cut != ended {
                    return Err(Error::Usage(format!(
                        "--archive {}: it continues from row {}, and the archive before it ({}) ends at row {}: give the archives in order, oldest first, each continuing the one before",
                        reader.name(),
                        cut.map_or("– (the chain's start)".to_string(), |c| c.0.to_string()),
                        before.file,
                        ended.map_or("–".to_string(), |e| e.0.to_string())
                    )));
                }
                if head.chain_start_id != self.head.chain_start_id {
                    return Err(Error::Integrity(format!(
                        "audit archive check failed: {}: its header records another chain start than {}'s (altered)",
                        reader.name(),
                        before.file
                    )));
                }
            }
        }
        self.head = head;
        self.archived = cut;
        self.rows = 0;
        let prehistory_before = self.prehistory_count;
        self.walk_rows(Source::Archive(reader), i64::MIN, None, None)?;
        let (through, hash) = reader
            .end()
            .ok_or_else(|| Error::Internal("an archive was walked without its end line".into()))?;
        self.head.last_id = Some(through);
        self.head.last_hash = Some(hash.to_string());
        self.check_head(Some(reader.name()))?;
        self.archives.push(ArchiveChecked {
            file: reader.name().to_string(),
            rows: self.rows,
            prehistory: self.prehistory_count - prehistory_before,
            head: self.head_point(),
        });
        Ok(())
    }

    /// The table's rows (`head`: `audit_chain_head`), after the archives
    /// walked (whose last must end at the head's cut), or from the cut (or
    /// `since`'s row).
    fn db_segment(
        &mut self,
        conn: &mut DbConn,
        head: Head,
        since: Option<&DigestPoint>,
    ) -> Result<()> {
        let cut = archive_cut(&head)?;
        match self.archives.last() {
            Some(last) => {
                let ended = self.previous.map(|p| (p.0, p.1));
                match (cut, ended) {
                    (Some(c), Some(e)) if c == e => {}
                    (Some((a, h)), Some((e, eh))) if a == e => {
                        return Err(Error::Integrity(format!(
                            "audit archive check failed: {} ends at row {e} with chain_hash {}…, and the database's cut (audit_chain_head.archived_hash) records {}… for that row: the archive or the database was altered; keep both as they are (evidence) and compare with your backups (README, Troubleshooting: exit 8)",
                            last.file,
                            chain::to_hex(&eh[..6]),
                            chain::to_hex(&h[..6])
                        )));
                    }
                    (Some((a, _)), e) => {
                        return Err(Error::Usage(format!(
                            "--archive {} ends at row {}, and this database's trail continues after row {a} (its archive cut): {}; `custadm audit verify` without --archive checks the cut itself, and --archive-only checks archives alone",
                            last.file,
                            e.map_or("–".to_string(), |e| e.0.to_string()),
                            if e.is_some_and(|e| e.0 < a) {
                                "it is an earlier archive: give the later ones too, oldest first"
                            } else {
                                "it is not the archive this trail continues from"
                            }
                        )));
                    }
                    (None, _) => {
                        return Err(Error::Usage(format!(
                            "--archive {}: this database's head records no archive cut: the file is not an archive of this trail, or the `audit archive` that wrote it stopped before it deleted the rows (run it again to finish); `custadm audit verify` without --archive checks the trail, --archive-only checks archives alone",
                            last.file
                        )));
                    }
                }
                if (
                    head.chain_start_id,
                    head.prehistory_rows,
                    head.prehistory_hash.as_deref().map(str::to_ascii_lowercase),
                ) != (
                    self.head.chain_start_id,
                    self.head.prehistory_rows,
                    self.head
                        .prehistory_hash
                        .as_deref()
                        .map(str::to_ascii_lowercase),
                ) {
                    return Err(Error::Integrity(format!(
                        "audit trail integrity check failed: the chain's start as audit_chain_head records it (chain_start_id, prehistory_rows, prehistory_hash) differs from {}'s header: one of them was altered; keep both as they are (evidence) and compare with your backups (README, Troubleshooting: exit 8)",
                        last.file
                    )));
                }
            }
            None => {
                if let (None, Some((a, h))) = (since, cut) {
                    self.resume_at((a, h, None))?;
                }
            }
        }
        self.head = head;
        self.archived = cut;
        self.rows = 0;
        let walked_from_cut = since.is_none();
        // From the start when an archive cut is the floor: rows inserted
        // below it are caught.
        let after = since.map_or(i64::MIN, |d| d.id.saturating_sub(1));
        let stream_from = self.head.chain_start_id;
        self.walk_rows(Source::Db(&mut *conn), after, stream_from, since)?;
        // The cut must be one `audit archive` made.
        let record = match (&self.cut_record, walked_from_cut) {
            (Some(r), _) => Some(r.clone()),
            (None, true) => None,
            (None, false) => newest_cut_record(conn, &self.head)?,
        };
        check_cut_record(cut, record.as_ref())
    }

    /// Starts after a row already known good (`--since` D's row, or the
    /// archive's cut): the chain's start and prehistory are not read.
    fn resume_at(&mut self, row: (i64, [u8; 32], Option<NaiveDateTime>)) -> Result<()> {
        let met = match self.anchors.as_mut() {
            Some(check) => check.meet(row.0, &row.1)?,
            None => false,
        };
        self.meet_digests(row.0, &row.1)?;
        if met || self.unanchored.1.is_none() {
            self.unanchored = (0, Some(row.0));
        }
        self.previous = Some(row);
        self.start_link = Some(GENESIS);
        Ok(())
    }

    /// Checks the next row in id order; exit 8 naming it when it breaks
    /// the chain (`next`, the row after it, tells a removed row from an
    /// altered one).
    fn step(&mut self, row: &Row, next: Option<&Row>) -> Result<()> {
        if let Some((a, _)) = self.archived.filter(|(a, _)| row.id <= *a) {
            return Err(broken(
                row.id,
                format!("it lies in the archived part of the trail (rows up to {a} were moved to an archive): inserted by another program"),
            ));
        }
        let head = &self.head;
        let in_chain = head.chain_start_id.is_some_and(|start| row.id >= start);
        if row.chain_hash.is_none() {
            if !in_chain {
                self.prehistory.add(&old_row(row)?);
                return Ok(());
            }
            return Err(broken(
                row.id,
                "inserted by another program: it has no chain hash (or its hashes were removed)",
            ));
        }
        if !in_chain {
            return Err(broken(
                row.id,
                "it carries a chain hash but lies before the start of the chain recorded in audit_chain_head (inserted by another program, or the head was altered)",
            ));
        }
        if let Some(last) = head.last_id.filter(|last| row.id > *last) {
            return Err(broken(
                row.id,
                format!("inserted by another program after the chain's head (row {last})"),
            ));
        }
        let (digest, stored, time) = check_row_content(row)?;
        if self.previous.is_none() && self.start_link.is_none() {
            let (link, rows, hash) =
                check_start(head, std::mem::take(&mut self.prehistory), row.id)?;
            self.prehistory_count = rows;
            self.prehistory_read = Some((rows, hash, head.prehistory_hash.is_none()));
            self.start_link = Some(link);
        }
        let prev_hash = self
            .previous
            .as_ref()
            .map(|p| p.1)
            .or(self.start_link)
            .unwrap_or(GENESIS);
        let expected_id = match &self.previous {
            Some(p) => p.0 + 1,
            None => head.chain_start_id.unwrap_or(row.id),
        };
        if link_hash(&prev_hash, row, row.id, Some(time), &digest) != Some(stored) {
            let previous_id = self.previous.as_ref().map(|p| p.0);
            return Err(diagnose(
                &prev_hash,
                expected_id,
                previous_id,
                row,
                &digest,
                &stored,
                next,
            ));
        }
        let met = match self.anchors.as_mut() {
            Some(check) => check.meet(row.id, &stored)?,
            None => false,
        };
        if met {
            self.unanchored = (0, Some(row.id));
        } else {
            self.unanchored.0 += 1;
        }
        self.meet_digests(row.id, &stored)?;
        self.track_redaction(row)?;
        self.note_records(row)?;
        self.rows += 1;
        self.previous = Some((row.id, stored, Some(time)));
        Ok(())
    }

    /// The records custadm keeps on the chain itself: the cut an `audit
    /// archive` made (the newest must be the head's), and the seal of the
    /// rows before a chain that links to the genesis (`db migrate`), which
    /// must still match them.
    fn note_records(&mut self, row: &Row) -> Result<()> {
        if let Some(record) = CutRecord::of(row) {
            self.cut_record = Some(record);
            return Ok(());
        }
        if row.action != SEAL_ACTION.as_bytes() || row.outcome != super::OK.as_bytes() {
            return Ok(());
        }
        // Rows before the start not read (a walk from a cut or --since):
        // nothing to compare with.
        let Some((rows, hash, _)) = self.prehistory_read else {
            return Ok(());
        };
        let details: serde_json::Value = serde_json::from_slice(&row.details)
            .map_err(|_| broken(row.id, "its details are not the seal `db migrate` writes"))?;
        let sealed_rows = details.get("prehistory_rows").and_then(|v| v.as_u64());
        let sealed_hash = details
            .get("prehistory_hash")
            .and_then(|v| v.as_str())
            .and_then(chain::hash_from_hex);
        if sealed_rows != Some(rows) || sealed_hash != Some(hash) {
            let first = self.head.chain_start_id.unwrap_or(row.id);
            return Err(Error::Integrity(format!(
                "audit trail integrity check failed before row {first} (the chain's start): row {} (written by `custadm db migrate`) sealed {} {} below it, and {rows} {} there now{}: rows there were {} by another program since; keep the database as it is (evidence) and compare it with your backups (README, Troubleshooting: exit 8)",
                row.id,
                sealed_rows.map_or("?".to_string(), |n| n.to_string()),
                if sealed_rows == Some(1) { "row" } else { "rows" },
                if rows == 1 { "lies" } else { "lie" },
                if sealed_rows == Some(rows) { " whose hash no longer matches" } else { "" },
                match sealed_rows {
                    Some(n) if n < rows => "inserted",
                    Some(n) if n > rows => "removed",
                    _ => "altered, swapped or replaced",
                }
            )));
        }
        self.seals_checked += 1;
        Ok(())
    }

    /// Every digest of row `id` must record its stored hash.
    fn meet_digests(&mut self, id: i64, stored: &[u8; 32]) -> Result<()> {
        for point in self.wanted.remove(&id).unwrap_or_default() {
            if chain::hash_from_hex(&point.chain_hash) != Some(*stored) {
                return Err(Error::Integrity(format!(
                    "audit trail integrity check failed at row {id}: the digest of {} records another chain_hash there: the history up to that row was rewritten",
                    point.occurred_at
                )));
            }
            self.digests_checked += 1;
        }
        Ok(())
    }

    /// A redacted row must be about a customer whose purge follows.
    fn track_redaction(&mut self, row: &Row) -> Result<()> {
        if row.content_salt.is_none() {
            let Some(customer) = row.customer_id else {
                return Err(broken(
                    row.id,
                    "altered: it looks redacted, but only rows about a purged customer are redacted",
                ));
            };
            self.redacted_unpurged.entry(customer).or_insert(row.id);
        } else if row.action == b"purge" && row.outcome == b"ok" {
            if let Some(customer) = row.customer_id {
                self.redacted_unpurged.remove(&customer);
            }
        }
        Ok(())
    }

    /// The last row read must be the one the current source's head (or
    /// end line) records.
    fn check_head(&self, archive: Option<&str>) -> Result<()> {
        let last_id = self.previous.as_ref().map(|p| p.0);
        let last_hash = self.previous.as_ref().map(|p| chain::to_hex(&p.1));
        let recorded_hash = self.head.last_hash.as_deref().map(str::to_ascii_lowercase);
        if self.head.last_id == last_id && recorded_hash == last_hash {
            return Ok(());
        }
        if let Some(name) = archive {
            return Err(Error::Integrity(format!(
                "audit archive check failed: {name}: its end line records row {} and its rows end at row {}{}: the archive was altered",
                self.head.last_id.map_or("–".to_string(), |i| i.to_string()),
                last_id.map_or("–".to_string(), |i| i.to_string()),
                if self.head.last_id == last_id { " with another chain_hash" } else { "" }
            )));
        }
        Err(Error::Integrity(match (self.head.last_id, last_id) {
            (Some(h), Some(l)) if h > l => format!(
                "audit trail integrity check failed after row {l}: the newest rows were removed (the chain head records row {h})"
            ),
            (Some(h), None) => format!(
                "audit trail integrity check failed: every chained row was removed (the chain head records row {h})"
            ),
            _ => "audit trail integrity check failed: the chain head (table audit_chain_head) was altered".into(),
        }))
    }

    fn head_point(&self) -> Option<DigestPoint> {
        self.previous.map(|(id, hash, time)| DigestPoint {
            id,
            chain_hash: chain::to_hex(&hash),
            occurred_at: time.map(crate::output::rfc3339).unwrap_or_default(),
            run: None,
            signature: None,
        })
    }

    /// After the last row: the head, the anchors and digests not met, and
    /// redactions without their purge.
    fn finish(mut self) -> Result<Verified> {
        let last_id = self.previous.as_ref().map(|p| p.0);
        if let Some(check) = self.anchors.as_mut() {
            check.finish(last_id)?;
        }
        if !self.archive_alone {
            self.check_head(None)?;
        }
        if let Some((id, points)) = self.wanted.iter().next() {
            let end = last_id.map_or("it is empty".to_string(), |l| format!("it ends at row {l}"));
            return Err(Error::Integrity(format!(
                "audit trail integrity check failed: the chain no longer passes through row {id} of the digest taken at {}: the history was truncated or rewritten ({end})",
                points.first().map(|p| p.occurred_at.as_str()).unwrap_or("?")
            )));
        }
        if let Some((&customer, &id)) = self
            .redacted_unpurged
            .iter()
            .filter(|_| !self.archive_alone)
            .min_by_key(|(_, &row_id)| row_id)
        {
            return Err(broken(
                id,
                format!("altered: it looks redacted, but no purge of customer {customer} follows it in the chain (its details and reason were wiped by another program)"),
            ));
        }
        let head_point = self.head_point();
        // With no chained row, every row is prehistory (counted, not checked).
        let in_archives = self.archives.iter().map(|a| a.prehistory).sum::<u64>();
        let prehistory_rows = if self.archive_alone {
            in_archives
        } else if self.start_link.is_some() {
            self.prehistory_count - in_archives
        } else {
            self.prehistory.rows()
        };
        let prehistory_unsealed = !self.archive_alone
            && self.archives.is_empty()
            && self.seals_checked == 0
            && self.prehistory_read.is_some_and(|(_, _, genesis)| genesis);
        let unanchored = self
            .anchors
            .as_ref()
            .map(|_| self.unanchored)
            .filter(|_| last_id.is_some());
        let (anchors_checked, anchors_read, anchors_archived, torn_anchor_lines) =
            match self.anchors {
                Some(check) => (
                    check.checked,
                    check.read,
                    check.archived,
                    std::mem::take(&mut check.file.notes.torn),
                ),
                None => (0, 0, 0, Vec::new()),
            };
        let unchecked_below = match self.floor {
            Floor::Cut(a) => Some(a),
            _ => None,
        };
        Ok(Verified {
            rows: if self.archive_alone {
                self.archives.iter().map(|a| a.rows).sum()
            } else {
                self.rows
            },
            prehistory: prehistory_rows,
            digests_checked: self.digests_checked,
            head: head_point,
            anchors_checked,
            torn_anchor_lines,
            unchecked_below,
            anchors_archived,
            digests_archived: self.digests_archived,
            anchors_read,
            unanchored,
            archives: self.archives,
            prehistory_unsealed,
            seals_checked: self.seals_checked,
        })
    }
}

/// The chain's head (`audit digest`): the newest chained row, read without
/// walking the trail. `None` while no row is chained. Exit 8 when the head
/// table and the trail disagree.
pub fn head_digest(conn: &mut DbConn) -> Result<Option<DigestPoint>> {
    crate::db::read_snapshot(conn, |conn| {
        let head = chain::read_head(conn)?;
        let Some(last_id) = head.last_id else {
            return Ok(None);
        };
        use crate::db::schema::audit_log;
        let found: Option<(chrono::NaiveDateTime, Option<String>)> = audit_log::table
            .find(last_id)
            .select((audit_log::occurred_at, audit_log::chain_hash))
            .first(conn)
            .optional()?;
        match found {
            Some((time, Some(hash))) if Some(&hash) == head.last_hash.as_ref() => {
                Ok(Some(DigestPoint {
                    id: last_id,
                    chain_hash: hash,
                    occurred_at: crate::output::rfc3339(time),
                    run: None,
                    signature: None,
                }))
            }
            _ => Err(Error::Integrity(format!(
                "the chain head records row {last_id}, which is missing or differs: the trail was tampered with; run `custadm audit verify`"
            ))),
        }
    })
}

/// Parses `--digest` (or `--since`, named by `flag`): the JSON text of
/// `audit digest` (at most 4 KiB), or `@FILE` with one digest a line (lines
/// appended daily; text around the JSON object, such as a syslog prefix, is
/// ignored; blank lines are skipped). Read line by line, each at most
/// [`MAX_LINE`](super::anchor::MAX_LINE) bytes: a line that is longer, not
/// text, or not a digest is exit 2 naming it. With `key`, a digest that
/// carries a signature must carry a valid one (exit 8).
pub fn parse_digests(
    flag: &str,
    arg: &str,
    key: Option<&ed25519_dalek::VerifyingKey>,
) -> Result<Vec<DigestPoint>> {
    use super::anchor::MAX_LINE;
    use std::io::{BufRead, Read};
    let (mut reader, source): (Box<dyn BufRead>, String) = match arg.strip_prefix('@') {
        Some(path) => {
            use std::os::unix::fs::OpenOptionsExt;
            let shown = crate::text::sanitize(path);
            let file = std::fs::OpenOptions::new()
                .read(true)
                .custom_flags(libc::O_NONBLOCK)
                .open(path)
                .map_err(|e| Error::Usage(format!("{flag}: cannot read {shown}: {e}")))?;
            (Box::new(std::io::BufReader::new(file)), shown)
        }
        None => {
            if arg.len() > MAX_LINE {
                return Err(Error::Usage(format!(
                    "{flag}: longer than {MAX_LINE} bytes: not the output of `custadm audit digest`"
                )));
            }
            (
                Box::new(std::io::Cursor::new(arg.as_bytes().to_vec())),
                flag.to_string(),
            )
        }
    };
    let mut points = Vec::new();
    let mut buf = Vec::new();
    let mut n = 0usize;
    loop {
        buf.clear();
        n += 1;
        let read = (&mut reader)
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut buf)
            .map_err(|e| Error::Usage(format!("{source}: cannot read it: {e}")))?;
        if read == 0 {
            break;
        }
        if buf.last() != Some(&b'\n') && buf.len() > MAX_LINE {
            return Err(Error::Usage(format!(
                "{source} line {n}: longer than {MAX_LINE} bytes: not a digest"
            )));
        }
        let line = std::str::from_utf8(&buf).map_err(|_| {
            Error::Usage(format!(
                "{source} line {n}: not text (binary data): not a digest"
            ))
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let json = match (line.find('{'), line.rfind('}')) {
            (Some(a), Some(b)) if a < b => &line[a..=b],
            _ => "",
        };
        let point: DigestPoint = serde_json::from_str(json).map_err(|_| {
            Error::Usage(format!(
                "{source} line {n}: not the output of `custadm audit digest` ({{\"id\":…,\"chain_hash\":…,\"occurred_at\":…}})"
            ))
        })?;
        if chain::hash_from_hex(&point.chain_hash).is_none() {
            return Err(Error::Usage(format!(
                "{source} line {n}: chain_hash is not 64 hex digits"
            )));
        }
        if let (Some(key), Some(sig)) = (key, point.signature.as_deref()) {
            if !super::signing::verify(key, &point.signed(), sig) {
                return Err(Error::Integrity(format!(
                    "{source} line {n}: the digest's signature is not valid for audit_public_key (it was forged or edited, or the key is another one)"
                )));
            }
        }
        points.push(point);
    }
    if points.is_empty() {
        return Err(Error::Usage(format!("{source}: no digest in it")));
    }
    Ok(points)
}
