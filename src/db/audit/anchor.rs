//! Anchors: the chain's head kept outside the database (contract: "Audit",
//! profile key `audit_anchor`; exit 9), so that a rewritten chain (every hash
//! recomputed by a superuser) or a cut tail (a restored backup) no longer
//! meets what was written out, `audit verify --anchors`.
//!
//! After every command that wrote audit rows (see [`wrote_rows`]), the new
//! head is appended, once per command (not per row), to every sink:
//!
//! - `file:PATH` (`~/` is `$HOME`; PATH absolute, never a symbolic link:
//!   exit 6 before the command begins, and `O_NOFOLLOW` at the open): one JSON line
//!   `{"id":N,"chain_hash":"<64 hex>","occurred_at":"<RFC 3339>","run":RUN|null}`
//!   plus `"signature":"<128 hex>"` when `audit_signing_key` is set (see
//!   [`super::signing`] for the signed message). The file is created 0600,
//!   locked (`flock`) while the head is read and the line appended, so that
//!   concurrent commands append heads in chain order; then `fdatasync`ed, once
//!   per command, while the command closes its database connection. A file
//!   whose last line was torn by a crash gets a newline first, so the torn
//!   line stays one line.
//! - `syslog` (the local socket `/dev/log`) or `syslog:SOCKET` (another
//!   socket the daemon listens on, e.g. a chroot's): one datagram in the
//!   local RFC 3164 form `<85>Mmm dd hh:mm:ss custadm[PID]: JSON` (facility
//!   authpriv, severity notice; tag `custadm`).
//!
//! A sink that fails does not undo the committed change: the command says
//! so and exits 9.

use std::io::{BufRead, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use super::signing::{self, Key, SignedHead};
use crate::db::DbConn;
use crate::error::{Error, Result};

/// Set by every append to the chain in this process ([`mark_written`]).
static WROTE: AtomicBool = AtomicBool::new(false);

/// Records that this process appended audit rows (called by the chain).
pub fn mark_written() {
    WROTE.store(true, Ordering::Relaxed);
}

/// True once this process appended audit rows (a rolled-back append counts
/// too: anchoring the head then is harmless).
pub fn wrote_rows() -> bool {
    WROTE.load(Ordering::Relaxed)
}

/// Longest anchor (or digest) line read: 4 KiB (a signed anchor is ~330 bytes).
pub const MAX_LINE: usize = 4096;

/// One anchor line: the chain's head after a command.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Anchor {
    /// The head row's id.
    pub id: i64,
    /// Its `chain_hash` (64 hex digits).
    pub chain_hash: String,
    /// Its `occurred_at`, RFC 3339 UTC.
    pub occurred_at: String,
    /// The run id of the command that wrote the rows (null outside a run).
    pub run: Option<String>,
    /// Ed25519 signature (128 hex digits), when a signing key is configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

impl Anchor {
    /// The signed fields.
    pub fn signed(&self) -> SignedHead<'_> {
        SignedHead {
            id: self.id,
            chain_hash: &self.chain_hash,
            occurred_at: &self.occurred_at,
            run: self.run.as_deref(),
        }
    }
}

/// Where anchors go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sink {
    /// `file:PATH`.
    File(PathBuf),
    /// `syslog` (`/dev/log`) or `syslog:SOCKET`.
    Syslog(PathBuf),
}

impl std::fmt::Display for Sink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Sink::File(p) => write!(
                f,
                "file:{}",
                crate::text::sanitize(&p.display().to_string())
            ),
            Sink::Syslog(p) if p == Path::new(DEV_LOG) => f.write_str("syslog"),
            Sink::Syslog(p) => write!(
                f,
                "syslog:{}",
                crate::text::sanitize(&p.display().to_string())
            ),
        }
    }
}

/// The local syslog socket.
pub const DEV_LOG: &str = "/dev/log";

/// Parses one `audit_anchor` entry; exit 6 (a config error) otherwise.
pub fn parse_sink(text: &str) -> Result<Sink> {
    let bad = |why: &str| {
        Error::Setup(format!(
            "audit_anchor entry {}: {why} (use \"file:PATH\", \"syslog\" or \"syslog:SOCKET\")",
            crate::text::quote_input(text)
        ))
    };
    if text == "syslog" {
        return Ok(Sink::Syslog(PathBuf::from(DEV_LOG)));
    }
    let (kind, path) = text.split_once(':').ok_or_else(|| bad("unknown sink"))?;
    if path.is_empty() {
        return Err(bad("no path"));
    }
    // `~user/` and `~/` without HOME stay exit 2 (contract "Databases").
    let path = crate::paths::expand_home_of(
        &format!("audit_anchor entry {}", crate::text::quote_input(text)),
        path,
    )
    .map(PathBuf::from)?;
    if !matches!(kind, "file" | "syslog") {
        return Err(bad("unknown sink"));
    }
    // Relative to the working directory, cron and an interactive shell
    // would write different files.
    if !path.is_absolute() {
        return Err(bad(
            "the path must be absolute (relative to the working directory, cron and an interactive shell would write different files): use /… or ~/…",
        ));
    }
    match kind {
        "file" => Ok(Sink::File(path)),
        _ => Ok(Sink::Syslog(path)),
    }
}

/// Refuses a `file:` sink that is a symbolic link (exit 6, before any
/// change): custadm appends to the file itself, never through a link that
/// someone could point elsewhere (the open itself refuses one too:
/// `O_NOFOLLOW`).
pub fn check_sink(sink: &Sink) -> Result<()> {
    if let Sink::File(path) = sink {
        if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(Error::Setup(format!(
                "audit_anchor entry {sink}: it is a symbolic link; custadm appends to the file itself: name the real path"
            )));
        }
    }
    Ok(())
}

/// The anchoring set-up of a profile: its sinks and signing key.
pub struct Anchoring {
    pub sinks: Vec<Sink>,
    pub key: Option<Key>,
}

impl Anchoring {
    /// Appends the chain's current head to every sink: the head is read
    /// with `conn` under the locks of every `file:` sink (so concurrent
    /// commands append heads in chain order, and the head read is at or
    /// after every row this command committed), signed, and written; the
    /// files' `fdatasync` runs on a thread of its own, their locks held
    /// until it is done. The caller closes its connection meanwhile (on
    /// SQLite the close checkpoints the WAL: two disk flushes overlap), then
    /// [`Pending::wait`]s. `Err`: the head could not be read or signed
    /// (nothing was written).
    pub fn append(&self, conn: &mut DbConn, run: Option<&str>) -> Result<Pending> {
        let mut pending = Pending {
            id: None,
            failures: Vec::new(),
            sync: None,
        };
        if self.sinks.is_empty() {
            return Ok(pending);
        }
        // Lock every file first: the head read under the locks is the newest
        // any of these files will have been given.
        let mut files = Vec::new();
        for sink in &self.sinks {
            if let Sink::File(path) = sink {
                match open_locked(path) {
                    Ok(f) => files.push((sink.to_string(), f)),
                    Err(e) => pending.failures.push(format!("{sink}: {e}")),
                }
            }
        }
        let head = head_now(conn).map_err(|e| {
            Error::Outside(format!(
                "the change is committed, but the audit chain's head could not be read for audit_anchor: {e}"
            ))
        })?;
        let Some(head) = head else {
            // An empty chain (the rows this process appended were rolled
            // back): nothing to anchor.
            pending.failures.clear();
            return Ok(pending);
        };
        let mut anchor = Anchor {
            id: head.id,
            chain_hash: head.chain_hash,
            occurred_at: head.occurred_at,
            run: run.map(str::to_string),
            signature: None,
        };
        if let Some(key) = &self.key {
            anchor.signature = Some(key.sign(&anchor.signed())?);
        }
        pending.id = Some(anchor.id);
        let line = serde_json::to_string(&anchor)?;
        let mut written = Vec::with_capacity(files.len());
        for (sink, mut file) in files {
            match write_line(&mut file, &line) {
                Ok(()) => written.push((sink, file)),
                Err(e) => pending.failures.push(format!("{sink}: {e}")),
            }
        }
        if !written.is_empty() {
            // One sync per file and command, off this thread; the locks go
            // with the files when it is done.
            let sync = move || -> Vec<String> {
                written
                    .into_iter()
                    .filter_map(|(sink, file)| {
                        file.sync_data().err().map(|e| format!("{sink}: {e}"))
                    })
                    .collect()
            };
            match std::thread::Builder::new()
                .name("anchor-sync".into())
                .spawn(sync)
            {
                Ok(handle) => pending.sync = Some(handle),
                Err(e) => pending.failures.push(format!(
                    "the anchor file could not be synced (no thread: {e})"
                )),
            }
        }
        for sink in &self.sinks {
            if let Sink::Syslog(socket) = sink {
                if let Err(e) = send_syslog(socket, &line) {
                    pending.failures.push(format!("{sink}: {e}"));
                }
            }
        }
        Ok(pending)
    }
}

/// An anchor appended whose files are being synced ([`Anchoring::append`]).
#[must_use = "wait for the anchor's sync: its failure is exit 9"]
pub struct Pending {
    /// The head row anchored (`None`: nothing to anchor, or no sink).
    id: Option<i64>,
    /// Sinks that failed already.
    failures: Vec<String>,
    /// The files' sync; its sinks that failed.
    sync: Option<std::thread::JoinHandle<Vec<String>>>,
}

impl Pending {
    /// Waits for the sync: `Err` (exit 9) names each sink that failed.
    pub fn wait(mut self) -> Result<()> {
        if let Some(sync) = self.sync.take() {
            match sync.join() {
                Ok(failed) => self.failures.extend(failed),
                Err(_) => self
                    .failures
                    .push("the anchor file's sync stopped (a panic)".into()),
            }
        }
        if self.failures.is_empty() {
            return Ok(());
        }
        Err(Error::Outside(format!(
            "the change is committed, but the audit anchor{} could not be written to {}; append `custadm audit digest` there by hand once the sink works",
            self.id
                .map(|id| format!(" (head row {id})"))
                .unwrap_or_default(),
            self.failures.join("; ")
        )))
    }
}

/// The head as one statement reads it (no transaction of its own: one
/// round trip): the head row and, by primary key, the row it names; `None`
/// while the chain is empty. A head that names a missing row or another
/// hash is exit 8.
///
/// The row is read by correlated subqueries, not a `LEFT JOIN`: with
/// statistics gathered while `audit_log` was small (an `ANALYZE` or `PRAGMA
/// optimize` soon after `init`), SQLite planned the join as a scan of the
/// whole trail (`SCAN a LEFT-JOIN`), one per anchored command — at 660,000
/// rows it added 0.1–1 s to every anchored command (bench/RESULTS.md,
/// issue 25 item 7). A rowid lookup in a scalar subquery is planned as a
/// search whatever the statistics say.
fn head_now(conn: &mut DbConn) -> Result<Option<super::verify::DigestPoint>> {
    use diesel::prelude::*;
    use diesel::sql_types::{BigInt, Nullable, Text, Timestamp};
    #[derive(QueryableByName)]
    struct HeadRow {
        #[diesel(sql_type = Nullable<BigInt>)]
        last_id: Option<i64>,
        #[diesel(sql_type = Nullable<Text>)]
        last_hash: Option<String>,
        #[diesel(sql_type = Nullable<Text>)]
        row_hash: Option<String>,
        #[diesel(sql_type = Nullable<Timestamp>)]
        occurred_at: Option<chrono::NaiveDateTime>,
    }
    let row = diesel::sql_query(
        "SELECT h.last_id, h.last_hash, \
         (SELECT a.chain_hash FROM audit_log a WHERE a.id = h.last_id) AS row_hash, \
         (SELECT a.occurred_at FROM audit_log a WHERE a.id = h.last_id) AS occurred_at \
         FROM audit_chain_head h WHERE h.id = 1",
    )
    .get_result::<HeadRow>(conn)
    .optional()?;
    let Some(row) = row else {
        return Err(Error::Integrity(
            "the audit chain head (table audit_chain_head) is missing: run `custadm audit verify`"
                .into(),
        ));
    };
    let Some(last_id) = row.last_id else {
        return Ok(None);
    };
    match (row.last_hash, row.row_hash, row.occurred_at) {
        (Some(h), Some(r), Some(t)) if h == r => Ok(Some(super::verify::DigestPoint {
            id: last_id,
            chain_hash: h,
            occurred_at: crate::output::rfc3339(t),
            run: None,
            signature: None,
        })),
        _ => Err(Error::Integrity(format!(
            "the chain head records row {last_id}, which is missing or differs: run `custadm audit verify`"
        ))),
    }
}

/// Opens (creating, mode 0600) and locks an anchor file for appending.
fn open_locked(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    use std::os::unix::io::AsRawFd;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .mode(0o600)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW)
        .open(path)
        .map_err(|e| match e.raw_os_error() {
            Some(libc::ELOOP) => std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "it is a symbolic link (custadm appends to the file itself: name the real path)",
            ),
            _ => e,
        })?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    // SAFETY: flock on a descriptor this function owns; no memory is shared.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(file)
}

/// Appends `line` and a newline (after a newline of its own when the file's
/// last line is torn); the caller syncs (`fdatasync`: the data and the size
/// it needs, one sync per command).
fn write_line(file: &mut std::fs::File, line: &str) -> std::io::Result<()> {
    let len = file.metadata()?.len();
    let mut text = Vec::with_capacity(line.len() + 2);
    if len > 0 {
        let mut last = [0u8; 1];
        file.seek(std::io::SeekFrom::Start(len - 1))?;
        file.read_exact(&mut last)?;
        if last[0] != b'\n' {
            text.push(b'\n');
        }
    }
    text.extend_from_slice(line.as_bytes());
    text.push(b'\n');
    file.write_all(&text)
}

/// Sends `line` to a syslog socket in the local RFC 3164 form.
fn send_syslog(socket: &Path, line: &str) -> std::io::Result<()> {
    use std::os::unix::net::{UnixDatagram, UnixStream};
    // authpriv (10) * 8 + notice (5).
    const PRI: u8 = 85;
    let stamp = chrono::Local::now().format("%b %e %H:%M:%S");
    let message = format!("<{PRI}>{stamp} custadm[{}]: {line}", std::process::id());
    let sock = UnixDatagram::unbound()?;
    match sock.send_to(message.as_bytes(), socket) {
        Ok(_) => Ok(()),
        // A daemon listening on a stream socket: one message, newline-framed.
        Err(e) if e.raw_os_error() == Some(libc::EPROTOTYPE) => {
            let mut stream = UnixStream::connect(socket)?;
            stream.write_all(format!("{message}\n").as_bytes())
        }
        Err(e) => Err(e),
    }
}

/// What reading an anchor file found besides anchors.
#[derive(Debug, Default)]
pub struct ReadNotes {
    /// Lines torn by a crash in the middle of an append (`warning:` lines).
    pub torn: Vec<usize>,
}

/// Reads an anchor file line by line, in bounded memory: every line longer
/// than [`MAX_LINE`], not UTF-8, or not an anchor is exit 2 naming it; a
/// line cut short (a JSON object that ends early: a crash during an append)
/// is noted as torn. With `key`, every anchor must carry a valid signature
/// (exit 8 naming the line).
pub struct AnchorFile<'k> {
    reader: std::io::BufReader<std::fs::File>,
    shown: String,
    line_no: usize,
    key: Option<&'k ed25519_dalek::VerifyingKey>,
    pub notes: ReadNotes,
    buf: Vec<u8>,
}

impl<'k> AnchorFile<'k> {
    /// Opens FILE; exit 2 when it cannot be read.
    pub fn open(path: &Path, key: Option<&'k ed25519_dalek::VerifyingKey>) -> Result<Self> {
        use std::os::unix::fs::OpenOptionsExt;
        let shown = crate::text::sanitize(&path.display().to_string());
        let file = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(path)
            .map_err(|e| Error::Usage(format!("--anchors: cannot read {shown}: {e}")))?;
        // Opened without blocking (a FIFO with no writer must not hang the
        // open), then read blocking: a pipe (`--anchors <(ssh host cat …)`)
        // is read to its end, and a FIFO no one writes is empty (a warning).
        clear_nonblocking(&file);
        Ok(AnchorFile {
            reader: std::io::BufReader::new(file),
            shown,
            line_no: 0,
            key,
            notes: ReadNotes::default(),
            buf: Vec::new(),
        })
    }

    /// The file, for messages.
    pub fn name(&self) -> &str {
        &self.shown
    }

    /// The next anchor and its line number; `None` at the end.
    pub fn next_anchor(&mut self) -> Result<Option<(usize, Anchor)>> {
        loop {
            self.buf.clear();
            self.line_no += 1;
            let n = (&mut self.reader)
                .take(MAX_LINE as u64 + 1)
                .read_until(b'\n', &mut self.buf)
                .map_err(|e| Error::Usage(format!("{}: cannot read it: {e}", self.shown)))?;
            if n == 0 {
                return Ok(None);
            }
            let line_no = self.line_no;
            let complete = self.buf.last() == Some(&b'\n');
            if !complete && self.buf.len() > MAX_LINE {
                return Err(Error::Usage(format!(
                    "{} line {line_no}: longer than {MAX_LINE} bytes: not an anchor",
                    self.shown
                )));
            }
            let text = std::str::from_utf8(&self.buf).map_err(|_| {
                Error::Usage(format!(
                    "{} line {line_no}: not text (binary data): not an anchor",
                    self.shown
                ))
            })?;
            let text = text.trim();
            if text.is_empty() {
                continue;
            }
            match serde_json::from_str::<Anchor>(text) {
                Ok(anchor) => {
                    if super::chain::hash_from_hex(&anchor.chain_hash).is_none() {
                        return Err(Error::Usage(format!(
                            "{} line {line_no}: chain_hash is not 64 hex digits: not an anchor",
                            self.shown
                        )));
                    }
                    if let Some(key) = self.key {
                        let valid = anchor
                            .signature
                            .as_deref()
                            .is_some_and(|s| signing::verify(key, &anchor.signed(), s));
                        if !valid {
                            return Err(Error::Integrity(format!(
                                "audit anchor check failed at {} line {line_no} (row {}): {}",
                                self.shown,
                                anchor.id,
                                if anchor.signature.is_none() {
                                    "it carries no signature, and audit_public_key is set (an anchor line was forged or edited)"
                                } else {
                                    "its signature is not valid for audit_public_key (the anchor line was forged or edited, or the key is another one)"
                                }
                            )));
                        }
                    }
                    return Ok(Some((line_no, anchor)));
                }
                // Cut short by a crash in the middle of an append.
                Err(e) if e.is_eof() => {
                    self.notes.torn.push(line_no);
                }
                Err(_) => {
                    return Err(Error::Usage(format!(
                        "{} line {line_no}: not an anchor ({{\"id\":…,\"chain_hash\":…,\"occurred_at\":…,\"run\":…}})",
                        self.shown
                    )))
                }
            }
        }
    }
}

/// Clears `O_NONBLOCK` on a descriptor opened with it (reads then wait for
/// data, as a pipe's reader expects).
fn clear_nonblocking(file: &std::fs::File) {
    use std::os::unix::io::AsRawFd;
    let fd = file.as_raw_fd();
    // SAFETY: fcntl on a descriptor `file` owns; no memory is shared.
    unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        if flags >= 0 {
            libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK);
        }
    }
}
