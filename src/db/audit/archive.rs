//! `audit archive --before WHEN --to FILE` (contract: "Audit"): the oldest
//! rows of the trail move to a JSON-lines file with their chain fields, and
//! the rows left in the table still verify, from the archive's last row on.
//!
//! # File format (version 1)
//!
//! - line 1, the header: `{"custadm_audit_archive":1, "before":"<RFC 3339>",
//!   "after_id":N|null, "after_hash":"<hex>"|null, "chain_start_id":N|null,
//!   "prehistory_rows":N|null, "prehistory_hash":"<hex>"|null}` — the cut of
//!   an earlier archive this one continues (`after_*`, the hash its first
//!   row links to) and the chain's start as `audit_chain_head` records it;
//! - one line per row, in id order, every column as stored:
//!   `{"id", "occurred_at" (SQLite's text, PostgreSQL's as
//!   YYYY-MM-DD HH24:MI:SS.US), "operator", "os_user", "action",
//!   "customer_id", "outcome", "reason", "details", "run_id", "content_salt",
//!   "content_digest", "chain_hash"}`;
//! - the last line: `{"end":{"through":N, "chain_hash":"<hex>", "rows":N}}`
//!   (`rows`: the row lines above it), after which only blank lines may come.
//!
//! A file is read line by line, the header first (at most 4 KiB), every
//! other line at most 16 MiB: what is not an archive is named at its first
//! bad line, without reading the rest.
//!
//! The rows go from the first row left in the table (or the start) up to the
//! last row before the first chained row at or after WHEN (a prefix in id
//! order, so what is left is a whole chain). Prehistory rows (before the
//! chain's start) go with the first archive.
//!
//! # Order: nothing is lost
//!
//! 1. The rows are written to `FILE.partial`, synced, renamed to FILE, and the
//!    directory synced;
//! 2. FILE is read back and verified on its own (as `audit verify
//!    --archive-only`);
//! 3. one write transaction deletes the rows and moves the head's cut
//!    (`archived_through`, `archived_hash`), and appends the `audit_archive`
//!    row, whose `details` record the cut (`through`, `through_hash`): on the
//!    chain, so `audit verify` accepts the head's cut only when the newest
//!    such row records it (rows deleted with the cut moved by hand are exit 8).
//!
//! Killed before 3 commits, the table is as it was and FILE holds the rows;
//! running the same command again finds FILE complete and finishes with 3.
//! Killed after 3 committed (or its output lost), the same command again
//! finds FILE ending at the head's cut (id and hash) and no row older than
//! WHEN after it: it checks FILE again and reports `already_archived`,
//! exit 0, changing nothing. A FILE whose rows lie below the cut (an older
//! archive), or a cut followed by rows older than WHEN (a new archive is
//! asked for), is never overwritten: exit 2.
//! Archives are the operator's to keep or destroy: a later `purge` redacts
//! the rows left in the table, not an archive's.

use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};

use super::chain::{self, Head};
use super::read::{Pager, Row, Time};
use super::verify;
use crate::db::DbConn;
use crate::error::{Error, Result};

/// The header line.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    pub custadm_audit_archive: u32,
    pub before: String,
    pub after_id: Option<i64>,
    pub after_hash: Option<String>,
    pub chain_start_id: Option<i64>,
    pub prehistory_rows: Option<i64>,
    pub prehistory_hash: Option<String>,
}

/// The end line.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct End {
    end: EndFields,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct EndFields {
    through: i64,
    chain_hash: String,
    rows: u64,
}

/// One row line.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ArchiveRow {
    id: i64,
    occurred_at: Option<String>,
    operator: String,
    os_user: String,
    action: String,
    customer_id: Option<i64>,
    outcome: String,
    reason: Option<String>,
    details: String,
    run_id: Option<String>,
    content_salt: Option<String>,
    content_digest: Option<String>,
    chain_hash: Option<String>,
}

impl ArchiveRow {
    fn from_row(row: &Row) -> Result<ArchiveRow> {
        let text = |b: &[u8]| {
            String::from_utf8(b.to_vec()).map_err(|_| {
                Error::Refused(format!(
                    "audit row {} holds text that is not UTF-8 (written by another program): it cannot be archived as JSON; archive up to an earlier date",
                    row.id
                ))
            })
        };
        let opt = |b: &Option<Vec<u8>>| b.as_deref().map(text).transpose();
        Ok(ArchiveRow {
            id: row.id,
            occurred_at: row.occurred_at.text()?.map(text).transpose()?,
            operator: text(&row.operator)?,
            os_user: text(&row.os_user)?,
            action: text(&row.action)?,
            customer_id: row.customer_id,
            outcome: text(&row.outcome)?,
            reason: opt(&row.reason)?,
            details: text(&row.details)?,
            run_id: opt(&row.run_id)?,
            content_salt: opt(&row.content_salt)?,
            content_digest: opt(&row.content_digest)?,
            chain_hash: opt(&row.chain_hash)?,
        })
    }

    fn into_row(self) -> Row {
        let opt = |s: Option<String>| s.map(String::into_bytes);
        Row {
            id: self.id,
            occurred_at: Time::Text(opt(self.occurred_at)),
            operator: self.operator.into_bytes(),
            os_user: self.os_user.into_bytes(),
            action: self.action.into_bytes(),
            customer_id: self.customer_id,
            outcome: self.outcome.into_bytes(),
            reason: opt(self.reason),
            details: self.details.into_bytes(),
            run_id: opt(self.run_id),
            content_salt: opt(self.content_salt),
            content_digest: opt(self.content_digest),
            chain_hash: opt(self.chain_hash),
        }
    }
}

/// Longest archive line read: 16 MiB (a row's details may be long).
pub const MAX_ROW_LINE: usize = 16 << 20;

/// Longest header line read: 4 KiB (a header is about 400 bytes). The
/// header is read and checked before anything else, so a file that is not
/// an archive (binary, one huge line, `/dev/zero`) is named at line 1 at
/// once.
const MAX_HEADER_LINE: usize = 4096;

/// Reads an archive line by line, in bounded memory (no line longer than
/// [`MAX_ROW_LINE`] is held): its header first, then its rows, then its
/// end line, after which only blank lines may follow.
pub struct Reader {
    reader: std::io::BufReader<std::fs::File>,
    shown: String,
    line_no: usize,
    buf: Vec<u8>,
    header: Header,
    /// The end line, once read.
    end: Option<EndFields>,
    /// Row lines read so far.
    rows_read: u64,
}

impl Reader {
    /// Opens an archive and reads its header (exit 2 naming line 1 when it
    /// is not one). Its end line is read when the rows are.
    pub fn open(path: &Path) -> Result<Reader> {
        use std::os::unix::fs::OpenOptionsExt;
        let shown = crate::text::sanitize(&path.display().to_string());
        let file = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(path)
            .map_err(|e| Error::Usage(format!("--archive: cannot read {shown}: {e}")))?;
        let meta = file
            .metadata()
            .map_err(|e| Error::Usage(format!("--archive: cannot read {shown}: {e}")))?;
        if !meta.is_file() {
            return Err(Error::Usage(format!(
                "--archive: {shown} is not a regular file: an archive is a file written by `custadm audit archive`"
            )));
        }
        let mut reader = Reader {
            reader: std::io::BufReader::new(file),
            shown,
            line_no: 0,
            buf: Vec::new(),
            header: Header {
                custadm_audit_archive: 0,
                before: String::new(),
                after_id: None,
                after_hash: None,
                chain_start_id: None,
                prehistory_rows: None,
                prehistory_hash: None,
            },
            end: None,
            rows_read: 0,
        };
        let not_header = |reader: &Reader| {
            Error::Usage(format!(
                "{} line 1: not the header of a custadm audit archive (a file written by `custadm audit archive` begins with {{\"custadm_audit_archive\":1,…}})",
                reader.shown
            ))
        };
        let header_line = match reader.line(MAX_HEADER_LINE) {
            Ok(Some(line)) => line,
            Ok(None) => {
                return Err(Error::Usage(format!(
                    "{} line 1: empty: not an archive",
                    reader.shown
                )))
            }
            Err(_) => return Err(not_header(&reader)),
        };
        reader.header = serde_json::from_slice(&header_line)
            .ok()
            .filter(|h: &Header| h.custadm_audit_archive == 1)
            .ok_or_else(|| not_header(&reader))?;
        Ok(reader)
    }

    /// The file, for messages.
    pub fn name(&self) -> &str {
        &self.shown
    }

    /// The header line.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The chain the archive holds as far as its header tells (its end is
    /// known once its rows are read: [`Reader::end`]).
    pub fn head(&self) -> Head {
        let h = &self.header;
        Head {
            chain_start_id: h.chain_start_id,
            last_id: None,
            last_hash: None,
            prehistory_rows: h.prehistory_rows,
            prehistory_hash: h.prehistory_hash.clone(),
            archived_through: h.after_id,
            archived_hash: h.after_hash.clone(),
        }
    }

    /// The end line (`through`, `chain_hash`), once the rows are read.
    pub fn end(&self) -> Option<(i64, &str)> {
        self.end
            .as_ref()
            .map(|e| (e.through, e.chain_hash.as_str()))
    }

    /// The next raw line (without its newline), at most `max` bytes; exit 2
    /// past it.
    fn line(&mut self, max: usize) -> Result<Option<Vec<u8>>> {
        self.buf.clear();
        self.line_no += 1;
        let n = (&mut self.reader)
            .take(max as u64 + 1)
            .read_until(b'\n', &mut self.buf)
            .map_err(|e| Error::Usage(format!("{}: cannot read it: {e}", self.shown)))?;
        if n == 0 {
            return Ok(None);
        }
        if self.buf.last() != Some(&b'\n') && self.buf.len() > max {
            return Err(Error::Usage(format!(
                "{} line {}: longer than {max} bytes: not {}",
                self.shown,
                self.line_no,
                if self.line_no == 1 {
                    "an archive header"
                } else {
                    "an archived row"
                }
            )));
        }
        if self.buf.last() == Some(&b'\n') {
            self.buf.pop();
        }
        Ok(Some(std::mem::take(&mut self.buf)))
    }

    /// The next row; `None` after the end line. Exit 2 for a line that is
    /// not a row or the end line, for a file that ends without its end line
    /// (cut short), and for anything but blank lines after it; exit 8 when
    /// the end line counts other rows than the file holds.
    pub(super) fn next_row(&mut self) -> Result<Option<Row>> {
        if self.end.is_some() {
            return Ok(None);
        }
        let Some(line) = self.line(MAX_ROW_LINE)? else {
            return Err(Error::Usage(format!(
                "{} line {}: the file ends here without its end line ({{\"end\":{{…}}}}): not a complete archive (cut short?)",
                self.shown,
                self.line_no.saturating_sub(1).max(1)
            )));
        };
        if let Ok(row) = serde_json::from_slice::<ArchiveRow>(&line) {
            self.rows_read += 1;
            return Ok(Some(row.into_row()));
        }
        let Ok(end) = serde_json::from_slice::<End>(&line) else {
            return Err(Error::Usage(format!(
                "{} line {}: not an archived audit row",
                self.shown, self.line_no
            )));
        };
        let end_line = self.line_no;
        if end.end.rows != self.rows_read {
            return Err(Error::Integrity(format!(
                "audit archive check failed: {} line {end_line}: the end line counts {} rows, and the archive holds {}: rows were added or removed",
                self.shown, end.end.rows, self.rows_read
            )));
        }
        self.end = Some(end.end);
        // Only blank lines may follow the end.
        while let Some(rest) = self.line(MAX_ROW_LINE)? {
            if !rest.iter().all(u8::is_ascii_whitespace) {
                return Err(Error::Usage(format!(
                    "{} line {}: text after the end line (line {end_line}): not a complete archive",
                    self.shown, self.line_no
                )));
            }
        }
        Ok(None)
    }

    /// Reads the rows to the end line (`audit archive`, finding an earlier
    /// run's file complete): the last archived id.
    fn read_to_end(&mut self) -> Result<i64> {
        while self.next_row()?.is_some() {}
        self.end
            .as_ref()
            .map(|e| e.through)
            .ok_or_else(|| Error::Internal("an archive read to its end has no end line".into()))
    }
}

/// What `audit archive` did.
#[derive(Debug, serde::Serialize)]
pub struct Archived {
    /// Rows moved out of the table by this run.
    pub rows: u64,
    /// The first and last of them.
    pub first_id: Option<i64>,
    pub through: Option<i64>,
    /// True when an earlier, interrupted run's file was finished.
    pub resumed: bool,
    /// True when FILE is the archive of the trail's current cut and no row
    /// older than WHEN is left after it: an earlier run of the same command
    /// committed (and was killed before it said so, or its output was
    /// lost). Nothing was done; `first_id` and `through` are FILE's.
    pub already_archived: bool,
}

/// The rows a new archive would take: written to `path` (see the module
/// doc, steps 1–2). `Ok(None)` when no chained row is older than `before`.
fn write_archive(
    conn: &mut DbConn,
    before: chrono::NaiveDateTime,
    path: &Path,
) -> Result<Option<()>> {
    use std::os::unix::fs::OpenOptionsExt;
    let shown = crate::text::sanitize(&path.display().to_string());
    let partial = partial_path(path);
    let written = crate::db::read_snapshot(conn, |conn| -> Result<Option<u64>> {
        let head = chain::read_head(conn)?;
        let (Some(start), Some(last)) = (head.chain_start_id, head.last_id) else {
            return Ok(None);
        };
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&partial)
            .map_err(|e| Error::Usage(format!("--to: cannot write {shown}.partial: {e}")))?;
        let io = |e: std::io::Error| {
            Error::Outside(format!(
                "--to: cannot write {shown}.partial: {e}; nothing was deleted"
            ))
        };
        let mut out = std::io::BufWriter::new(&mut file);
        let header = Header {
            custadm_audit_archive: 1,
            before: crate::output::rfc3339(before),
            after_id: head.archived_through,
            after_hash: head.archived_hash.clone(),
            chain_start_id: head.chain_start_id,
            prehistory_rows: head.prehistory_rows,
            prehistory_hash: head.prehistory_hash.clone(),
        };
        writeln!(out, "{}", serde_json::to_string(&header)?).map_err(io)?;
        let mut pager = Pager::db(conn, head.archived_through.unwrap_or(i64::MIN));
        let mut rows = 0u64;
        let mut end: Option<(i64, String)> = None;
        while let Some(row) = pager.next()? {
            if row.id > last {
                break;
            }
            let chained = row.id >= start && row.chain_hash.is_some();
            if chained {
                let time = row.occurred_at.instant();
                if time.is_some_and(|t| t >= before) {
                    break;
                }
            }
            writeln!(
                out,
                "{}",
                serde_json::to_string(&ArchiveRow::from_row(&row)?)?
            )
            .map_err(io)?;
            rows += 1;
            if chained {
                let hash = String::from_utf8_lossy(row.chain_hash.as_deref().unwrap_or_default())
                    .into_owned();
                end = Some((row.id, hash));
            }
        }
        // Only a cut after a chained row leaves a chain to continue from.
        let Some((through, chain_hash)) = end else {
            return Ok(None);
        };
        // Rows after the last chained row older than WHEN (none: they are in id order)
        // are not written past it.
        let end = End {
            end: EndFields {
                through,
                chain_hash,
                rows,
            },
        };
        writeln!(out, "{}", serde_json::to_string(&end)?).map_err(io)?;
        out.flush().map_err(io)?;
        drop(out);
        file.sync_all().map_err(io)?;
        Ok(Some(rows))
    })?;
    if written.is_none() {
        let _ = std::fs::remove_file(&partial);
        return Ok(None);
    }
    std::fs::rename(&partial, path)
        .and_then(|()| sync_dir(path))
        .map_err(|e| {
            Error::Outside(format!(
                "--to: cannot move {shown}.partial to {shown}: {e}; nothing was deleted"
            ))
        })?;
    Ok(Some(()))
}

fn partial_path(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".partial");
    PathBuf::from(p)
}

/// Syncs the directory holding `path` (so the rename is durable).
fn sync_dir(path: &Path) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::File::open(dir)?.sync_all()
}

/// `audit archive` once the admin's password is confirmed: writes FILE
/// (unless an interrupted run left it complete), verifies it, then deletes
/// its rows and moves the head's cut in one transaction with the
/// `audit_archive` audit row (`entry`, its details completed here).
pub fn run(
    conn: &mut DbConn,
    before: chrono::NaiveDateTime,
    path: &Path,
    entry: &super::NewAuditEntry,
) -> Result<Archived> {
    let shown = crate::text::sanitize(&path.display().to_string());
    let head = crate::db::bounded(conn, chain::read_head)?;
    let mut resumed = false;
    if path.exists() {
        // An interrupted run's file: finish it; anything else is not overwritten.
        let not_complete = |_| {
            Error::Usage(format!(
                "{shown} exists and is not a complete archive: choose another file"
            ))
        };
        let mut reader = Reader::open(path).map_err(not_complete)?;
        let through = reader.read_to_end().map_err(not_complete)?;
        let end_hash = reader.end().map(|(_, hash)| hash.to_string());
        if head.archived_through == Some(through)
            && head.archived_hash.is_some()
            && head.archived_hash == end_hash
            && !crate::db::read_snapshot(conn, |conn| older_rows_after_cut(conn, &head, before))?
        {
            // FILE holds the rows up to the trail's cut, and nothing older
            // than WHEN is left: the same command ran to its commit before
            // (killed after it, or its output lost). FILE is checked again
            // (it must still be what was archived), nothing else is done.
            let checked = verify::verify_archive(path)?;
            let first_id = Reader::open(path)?.next_row()?.map(|r| r.id);
            debug_assert!(checked.head.as_ref().is_some_and(|h| h.id == through));
            return Ok(Archived {
                rows: 0,
                first_id,
                through: Some(through),
                resumed: false,
                already_archived: true,
            });
        }
        if head.archived_through.is_some_and(|a| a >= through) {
            return Err(Error::Usage(format!(
                "{shown} exists, and its rows (up to {through}) are archived already: choose another file for a new archive"
            )));
        }
        if reader.header().after_id != head.archived_through {
            return Err(Error::Usage(format!(
                "{shown} exists and continues another cut than this trail's: choose another file"
            )));
        }
        resumed = true;
    } else if write_archive(conn, before, path)?.is_none() {
        return Ok(Archived {
            rows: 0,
            first_id: None,
            through: None,
            resumed: false,
            already_archived: false,
        });
    }
    // Read back and checked on its own before anything is deleted.
    let checked = verify::verify_archive(path)?;
    let Some(end) = checked.head.as_ref() else {
        return Err(Error::Internal(
            "an archive without rows was written".into(),
        ));
    };
    let through = end.id;
    let through_hash = end.chain_hash.clone();
    let first_id = {
        let mut reader = Reader::open(path)?;
        reader.next_row()?.map(|r| r.id)
    };
    let rows = checked.rows + checked.prehistory;
    let mut entry = entry.clone();
    entry.details = serde_json::json!({
        "before": crate::output::rfc3339(before),
        "file": path.display().to_string(),
        "rows": rows,
        "first_id": first_id,
        "through": through,
        "through_hash": through_hash,
        "resumed": resumed,
    })
    .to_string();
    crate::db::write_transaction(conn, |conn| {
        // The head, locked: the cut must still be where the archive starts.
        let now = match conn {
            DbConn::Pg(_) => diesel::sql_query(
                "SELECT chain_start_id, last_id, last_hash, prehistory_rows, prehistory_hash, archived_through, archived_hash FROM audit_chain_head WHERE id = 1 FOR UPDATE",
            )
            .get_result::<Head>(conn)?,
            DbConn::Sqlite(_) => chain::read_head(conn)?,
        };
        if now.archived_through != head.archived_through {
            return Err(Error::Refused(
                "another `audit archive` moved the trail's cut meanwhile: nothing was deleted; run it again".into(),
            ));
        }
        use crate::db::schema::{audit_chain_head, audit_log};
        use diesel::prelude::*;
        let stored: Option<Option<String>> = audit_log::table
            .find(through)
            .select(audit_log::chain_hash)
            .first(conn)
            .optional()?;
        if stored.flatten().as_deref() != Some(through_hash.as_str()) {
            return Err(Error::Integrity(format!(
                "row {through} no longer holds the chain_hash archived in {shown}: the trail changed since it was written; nothing was deleted; run `custadm audit verify`"
            )));
        }
        let low = head.archived_through.unwrap_or(i64::MIN);
        diesel::delete(
            audit_log::table
                .filter(audit_log::id.gt(low))
                .filter(audit_log::id.le(through)),
        )
        .execute(conn)?;
        diesel::update(audit_chain_head::table.filter(audit_chain_head::id.eq(1)))
            .set((
                audit_chain_head::archived_through.eq(through),
                audit_chain_head::archived_hash.eq(&through_hash),
            ))
            .execute(conn)?;
        entry.insert(conn)
    })?;
    Ok(Archived {
        rows,
        first_id,
        through: Some(through),
        resumed,
        already_archived: false,
    })
}

/// True when the first chained row after the head's cut is older than
/// `before`, and is not the `audit_archive` row that made the cut: an
/// archive asked for now would take rows that the run which made the cut
/// did not (see [`write_archive`]: it stops at the first chained row at or
/// after `before`). The run's own row is written with the cut, after the
/// rows it archived: with a WHEN in the future it is older than WHEN, and
/// is not a reason to archive again.
fn older_rows_after_cut(
    conn: &mut DbConn,
    head: &Head,
    before: chrono::NaiveDateTime,
) -> Result<bool> {
    let (Some(start), Some(last), Some(cut)) =
        (head.chain_start_id, head.last_id, head.archived_through)
    else {
        return Ok(false);
    };
    let mut pager = Pager::db_range(conn, cut, last);
    while let Some(row) = pager.next()? {
        if row.id >= start && row.chain_hash.is_some() {
            if verify::CutRecord::of(&row).is_some_and(|r| r.through == cut) {
                return Ok(false);
            }
            return Ok(row.occurred_at.instant().is_some_and(|t| t < before));
        }
    }
    Ok(false)
}
