//! `io_timeout` (contract "Databases"): a PostgreSQL server that stops
//! answering in the middle of a command (the connection stays open, nothing
//! arrives: a stalled proxy or middlebox) never hangs custadm.
//!
//! libpq waits for an answer in `poll(2)` without a time limit, and neither
//! TCP keepalives nor `tcp_user_timeout` end that wait when the peer still
//! acknowledges (ENGINEERING-NOTES "Connections"). So every PostgreSQL
//! connection custadm opens is watched:
//!
//! - its socket is found when it is opened ([`establish`]: the one socket
//!   descriptor that `PgConnection::establish` added to the process; Diesel
//!   does not hand out libpq's `PQsocket`);
//! - Diesel's instrumentation ([`IoWatch`]) marks the connection busy from
//!   the start of each statement until its result is in, and a streamed
//!   read ([`StreamWatch::wait`]) marks it busy while it waits for the next
//!   row;
//! - one watchdog thread looks at every busy connection a few times per
//!   `io_timeout`: silence is the time since the connection became busy or,
//!   on TCP, since the kernel last received data on it (`TCP_INFO`
//!   `tcpi_last_data_recv`), whichever is shorter; after `io_timeout` of
//!   silence it shuts the socket down (`shutdown(SHUT_RDWR)`), so libpq's
//!   wait ends with an error, which [`super::error`] reports as
//!   [`super::error::DbErrorKind::IoTimeout`] (exit 6, or 7 for a run that
//!   had committed batches).
//!
//! A statement that legitimately runs longer than `io_timeout` without the
//! server sending a byte is ended the same way: raise `io_timeout` for it.
//! Schema migrations are not watched ([`unwatched`]): building the search
//! indexes over 10M customers is minutes of silence by design.

use std::os::fd::RawFd;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

use diesel::connection::{Instrumentation, InstrumentationEvent};
use diesel::pg::PgConnection;
use diesel::Connection;

/// The contract's default `io_timeout` ("Databases"): 120 s.
pub(crate) const DEFAULT_IO_TIMEOUT: Duration = Duration::from_secs(120);

/// The process's `io_timeout` in milliseconds, set once from the settings
/// (config key `io_timeout`, `CUSTADM_IO_TIMEOUT`) before any connection opens.
static IO_TIMEOUT_MS: AtomicU64 = AtomicU64::new(DEFAULT_IO_TIMEOUT.as_millis() as u64);

/// Set once the watchdog has cut a connection: the connection errors that
/// follow are that cut ([`fired`]).
static FIRED: AtomicBool = AtomicBool::new(false);

/// Sets how long a PostgreSQL server may stay silent while custadm waits for
/// its answer (contract "Databases": `io_timeout`).
pub(crate) fn set_io_timeout(timeout: Duration) {
    IO_TIMEOUT_MS.store(timeout.as_millis().max(1) as u64, Ordering::Relaxed);
}

/// The effective `io_timeout`.
pub(crate) fn io_timeout() -> Duration {
    Duration::from_millis(IO_TIMEOUT_MS.load(Ordering::Relaxed))
}

/// `120 s`, `1.5 s`: the io timeout as messages state it.
pub(crate) fn io_timeout_text() -> String {
    let ms = IO_TIMEOUT_MS.load(Ordering::Relaxed);
    if ms % 1000 == 0 {
        format!("{} s", ms / 1000)
    } else {
        format!("{} s", ms as f64 / 1000.0)
    }
}

/// How many [`unwatched`] sections are running: while any is, nothing is cut.
static PAUSED: AtomicUsize = AtomicUsize::new(0);

/// Runs `f` with no connection cut for `io_timeout` (schema migrations:
/// `CREATE INDEX CONCURRENTLY` over a large table answers only when done).
pub(crate) fn unwatched<T>(f: impl FnOnce() -> T) -> T {
    struct Resume;
    impl Drop for Resume {
        fn drop(&mut self) {
            PAUSED.fetch_sub(1, Ordering::SeqCst);
        }
    }
    PAUSED.fetch_add(1, Ordering::SeqCst);
    let _resume = Resume;
    f()
}

/// True once the watchdog has shut a connection down for `io_timeout`: a
/// lost connection after that is reported as that
/// ([`super::error::DbErrorKind::IoTimeout`]).
pub(crate) fn fired() -> bool {
    FIRED.load(Ordering::SeqCst)
}

/// Milliseconds since the first use of the watchdog, plus one (0 is "idle").
fn now_mark() -> u64 {
    static START: OnceLock<Instant> = OnceLock::new();
    let start = *START.get_or_init(Instant::now);
    start.elapsed().as_millis() as u64 + 1
}

/// What the watchdog thread and a connection share.
struct Shared {
    /// libpq's socket.
    fd: RawFd,
    /// `(st_dev, st_ino)` of that socket when the connection opened: a
    /// descriptor number reused for something else is never shut down.
    identity: (u64, u64),
    /// [`now_mark`] when the connection became busy; 0 when idle.
    busy_since: AtomicU64,
    /// The connection is gone (its instrumentation was dropped).
    closed: AtomicBool,
    /// Already shut down once.
    cut: AtomicBool,
}

impl Shared {
    fn busy(&self) {
        self.busy_since.store(now_mark(), Ordering::SeqCst);
    }

    fn idle(&self) {
        self.busy_since.store(0, Ordering::SeqCst);
    }
}

/// Diesel instrumentation of a watched connection: busy from each
/// statement's start until its result is in. Dropped with the connection.
pub(crate) struct IoWatch {
    shared: Arc<Shared>,
}

impl Instrumentation for IoWatch {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartQuery { .. } => self.shared.busy(),
            InstrumentationEvent::FinishQuery { .. } => self.shared.idle(),
            _ => {}
        }
    }
}

impl Drop for IoWatch {
    fn drop(&mut self) {
        self.shared.idle();
        self.shared.closed.store(true, Ordering::SeqCst);
    }
}

/// A watched connection's busy mark for a streamed read (row by row),
/// taken before the stream borrows the connection.
pub(crate) struct StreamWatch {
    shared: Option<Arc<Shared>>,
}

impl StreamWatch {
    /// The watch of `conn` (none for a connection that is not watched: SQLite).
    pub(crate) fn of<C: Connection>(conn: &mut C) -> StreamWatch {
        StreamWatch {
            shared: conn
                .instrumentation()
                .downcast_mut::<IoWatch>()
                .map(|w| Arc::clone(&w.shared)),
        }
    }

    /// Runs `next` (the wait for the stream's next row) with the connection
    /// marked busy.
    pub(crate) fn wait<T>(&self, next: impl FnOnce() -> T) -> T {
        if let Some(s) = &self.shared {
            s.busy();
        }
        let value = next();
        if let Some(s) = &self.shared {
            s.idle();
        }
        value
    }
}

/// `PgConnection::establish` with the connection watched for `io_timeout`:
/// its socket is the one socket descriptor the call added to the process
/// (the descriptors are listed before and after). When it cannot be told
/// (no `/proc/self/fd`, or more than one new socket), the connection works
/// unwatched.
pub(crate) fn establish(url: &str) -> diesel::ConnectionResult<PgConnection> {
    let before = socket_fds();
    let mut conn = PgConnection::establish(url)?;
    let added: Vec<(RawFd, (u64, u64))> = socket_fds()
        .into_iter()
        .filter(|fd| !before.iter().any(|b| b == fd))
        .collect();
    if let [(fd, identity)] = added[..] {
        let shared = Arc::new(Shared {
            fd,
            identity,
            busy_since: AtomicU64::new(0),
            closed: AtomicBool::new(false),
            cut: AtomicBool::new(false),
        });
        watchdog().register(&shared);
        conn.set_instrumentation(IoWatch { shared });
    }
    Ok(conn)
}

/// The open socket descriptors of this process with their identity.
fn socket_fds() -> Vec<(RawFd, (u64, u64))> {
    let Ok(dir) = std::fs::read_dir("/proc/self/fd") else {
        return Vec::new();
    };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<RawFd>().ok())
        .filter_map(|fd| socket_identity(fd).map(|id| (fd, id)))
        .collect()
}

/// `(st_dev, st_ino)` of `fd` when it is a socket.
fn socket_identity(fd: RawFd) -> Option<(u64, u64)> {
    // SAFETY: fstat writes into a zeroed stat we own; a closed or foreign
    // descriptor only makes it fail.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    if unsafe { libc::fstat(fd, &mut st) } != 0 || st.st_mode & libc::S_IFMT != libc::S_IFSOCK {
        return None;
    }
    Some((st.st_dev, st.st_ino))
}

/// Milliseconds since the kernel last received data on TCP socket `fd`;
/// `None` for another kind of socket (a Unix socket).
fn since_last_data_received(fd: RawFd) -> Option<Duration> {
    // SAFETY: getsockopt writes at most `len` bytes into the zeroed struct
    // we own.
    let mut info: libc::tcp_info = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::tcp_info>() as libc::socklen_t;
    let rc = unsafe {
        libc::getsockopt(
            fd,
            libc::IPPROTO_TCP,
            libc::TCP_INFO,
            (&mut info as *mut libc::tcp_info).cast(),
            &mut len,
        )
    };
    (rc == 0).then(|| Duration::from_millis(u64::from(info.tcpi_last_data_recv)))
}

/// The one watchdog thread and the connections it watches.
struct Watchdog {
    watched: Mutex<Vec<Weak<Shared>>>,
}

fn watchdog() -> &'static Watchdog {
    static DOG: OnceLock<Watchdog> = OnceLock::new();
    DOG.get_or_init(|| {
        // A thread that cannot be started leaves connections unwatched, as
        // before; custadm still works.
        let _ = std::thread::Builder::new()
            .name("custadm-io-timeout".into())
            .spawn(|| loop {
                let timeout = io_timeout();
                std::thread::sleep(
                    (timeout / 8).clamp(Duration::from_millis(10), Duration::from_millis(500)),
                );
                watchdog().check(timeout);
            });
        Watchdog {
            watched: Mutex::new(Vec::new()),
        }
    })
}

impl Watchdog {
    fn register(&self, shared: &Arc<Shared>) {
        if let Ok(mut list) = self.watched.lock() {
            list.retain(|w| w.strong_count() > 0);
            list.push(Arc::downgrade(shared));
        }
    }

    /// Shuts down every busy connection that has been silent for `timeout`.
    fn check(&self, timeout: Duration) {
        if PAUSED.load(Ordering::SeqCst) > 0 {
            return;
        }
        let Ok(list) = self.watched.lock() else {
            return;
        };
        for shared in list.iter().filter_map(Weak::upgrade) {
            let since = shared.busy_since.load(Ordering::SeqCst);
            if since == 0
                || shared.closed.load(Ordering::SeqCst)
                || shared.cut.load(Ordering::SeqCst)
            {
                continue;
            }
            let busy_for = Duration::from_millis(now_mark().saturating_sub(since));
            let silent_for = match since_last_data_received(shared.fd) {
                Some(quiet) => quiet.min(busy_for),
                None => busy_for,
            };
            if silent_for < timeout || socket_identity(shared.fd) != Some(shared.identity) {
                continue;
            }
            FIRED.store(true, Ordering::SeqCst);
            shared.cut.store(true, Ordering::SeqCst);
            // SAFETY: shutdown on the connection's own socket (checked by
            // identity just above); libpq's pending wait then fails.
            unsafe {
                libc::shutdown(shared.fd, libc::SHUT_RDWR);
            }
        }
    }
}
