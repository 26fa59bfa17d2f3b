//! A TCP relay on loopback between custadm and PostgreSQL that forwards
//! faithfully and then stops forwarding while keeping both connections open:
//! a stalled proxy or middlebox (the kernel still acknowledges what custadm
//! sends, so keepalives and `tcp_user_timeout` see nothing wrong). It stalls
//! a connection after a number of bytes from the server (in the middle of a
//! streamed result), or, once armed, just before custadm's next statement
//! (a `Parse` or `Query` message of the PostgreSQL protocol), so that
//! statement never reaches the server and what committed is exactly what
//! custadm was told committed.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The PostgreSQL 3.0 startup message's protocol code (untyped messages
/// before it: SSLRequest, GSSENCRequest).
const PROTOCOL_3: u32 = 196_608;

#[derive(Default)]
struct State {
    /// Stall every connection once it has forwarded this many bytes from
    /// the server (`u64::MAX`: never).
    stall_after_server_bytes: AtomicU64,
    /// Stall at custadm's next statement.
    armed: AtomicBool,
    /// How many connections stalled so far.
    stalled: AtomicUsize,
    /// The relay is being dropped.
    stop: AtomicBool,
    /// Every socket, so a stalled connection stays open until the end.
    sockets: Mutex<Vec<TcpStream>>,
}

/// A relay listening on `127.0.0.1:port`, forwarding to the test server.
pub struct Relay {
    pub port: u16,
    state: Arc<State>,
}

impl Relay {
    /// Starts a relay to the PostgreSQL server of `CUSTADM_TEST_POSTGRES_URL`
    /// (host and port of that URL, `127.0.0.1:5432` when it names none).
    pub fn to_test_server() -> Relay {
        let url = super::postgres_server_url().expect("PostgreSQL URL");
        let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(&url);
        let authority = rest.split(['/', '?']).next().unwrap_or("");
        let host_port = authority
            .rsplit_once('@')
            .map(|(_, h)| h)
            .unwrap_or(authority);
        let target = match host_port.rsplit_once(':') {
            Some((h, p)) if !h.is_empty() => format!("{h}:{p}"),
            _ if !host_port.is_empty() => format!("{host_port}:5432"),
            _ => "127.0.0.1:5432".to_string(),
        };
        Relay::to(&target)
    }

    /// Starts a relay to `target` (`host:port`).
    pub fn to(target: &str) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind relay");
        listener.set_nonblocking(true).expect("nonblocking");
        let port = listener.local_addr().expect("addr").port();
        let state = Arc::new(State {
            stall_after_server_bytes: AtomicU64::new(u64::MAX),
            ..State::default()
        });
        let s = Arc::clone(&state);
        let to = target.to_string();
        std::thread::spawn(move || {
            while !s.stop.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((client, _)) => {
                        let _ = client.set_nonblocking(false);
                        if let Ok(server) = TcpStream::connect(&to) {
                            start_pair(&s, client, server);
                        }
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Relay { port, state }
    }

    /// A custadm database URL for database `name` through this relay, with
    /// TLS and GSS encryption off so the relay can read the protocol.
    pub fn url(&self, user_url: &str) -> String {
        // user_url: postgres://user@host:port/db?…; host:port replaced.
        let (scheme, rest) = user_url.split_once("://").expect("scheme");
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let user = authority.rsplit_once('@').map(|(u, _)| format!("{u}@"));
        let sep = if path.contains('?') { '&' } else { '?' };
        format!(
            "{scheme}://{}127.0.0.1:{}/{path}{sep}sslmode=disable&gssencmode=disable",
            user.unwrap_or_default(),
            self.port
        )
    }

    /// Stall each connection after `n` bytes from the server.
    pub fn stall_after_server_bytes(&self, n: u64) {
        self.state
            .stall_after_server_bytes
            .store(n, Ordering::SeqCst);
    }

    /// Stall at custadm's next statement, on whichever connection sends it.
    pub fn arm(&self) {
        self.state.armed.store(true, Ordering::SeqCst);
    }

    /// How many connections have stalled.
    pub fn stalled(&self) -> usize {
        self.state.stalled.load(Ordering::SeqCst)
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.state.stop.store(true, Ordering::SeqCst);
        if let Ok(sockets) = self.state.sockets.lock() {
            for s in sockets.iter() {
                let _ = s.shutdown(Shutdown::Both);
            }
        }
    }
}

/// Forwards one client connection in both directions, each on its thread.
fn start_pair(state: &Arc<State>, client: TcpStream, server: TcpStream) {
    let (Ok(c2), Ok(s2), Ok(c3), Ok(s3)) = (
        client.try_clone(),
        server.try_clone(),
        client.try_clone(),
        server.try_clone(),
    ) else {
        return;
    };
    if let Ok(mut all) = state.sockets.lock() {
        all.push(c3);
        all.push(s3);
    }
    let stalled = Arc::new(AtomicBool::new(false));
    let (st, flag) = (Arc::clone(state), Arc::clone(&stalled));
    std::thread::spawn(move || client_to_server(&st, &flag, client, server));
    let (st, flag) = (Arc::clone(state), stalled);
    std::thread::spawn(move || server_to_client(&st, &flag, s2, c2));
}

/// Marks this connection stalled (once).
fn stall(state: &State, flag: &AtomicBool) {
    if !flag.swap(true, Ordering::SeqCst) {
        state.stalled.fetch_add(1, Ordering::SeqCst);
    }
}

/// custadm → server, message by message: once armed, the next `Parse` or
/// `Query` and everything after it is held back.
fn client_to_server(state: &State, flag: &AtomicBool, mut from: TcpStream, mut to: TcpStream) {
    let mut pending: Vec<u8> = Vec::new();
    let mut startup_done = false;
    let mut left_in_message = 0usize;
    let mut buf = [0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        if flag.load(Ordering::SeqCst) {
            return;
        }
        pending.extend_from_slice(&buf[..n]);
        let mut ready = 0usize;
        let mut hold = false;
        loop {
            if left_in_message > 0 {
                let take = left_in_message.min(pending.len() - ready);
                ready += take;
                left_in_message -= take;
                if left_in_message > 0 {
                    break;
                }
                continue;
            }
            let rest = &pending[ready..];
            if !startup_done {
                if rest.len() < 8 {
                    break;
                }
                let len = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
                let code = u32::from_be_bytes([rest[4], rest[5], rest[6], rest[7]]);
                startup_done = code == PROTOCOL_3;
                left_in_message = len.max(8);
                continue;
            }
            let Some(&kind) = rest.first() else { break };
            if state.armed.load(Ordering::SeqCst) && matches!(kind, b'P' | b'Q') {
                hold = true;
                break;
            }
            if rest.len() < 5 {
                break;
            }
            let len = u32::from_be_bytes([rest[1], rest[2], rest[3], rest[4]]) as usize;
            left_in_message = 1 + len.max(4);
        }
        if to.write_all(&pending[..ready]).is_err() {
            return;
        }
        pending.drain(..ready);
        if hold {
            stall(state, flag);
            return; // both sockets stay open (State::sockets)
        }
    }
}

/// server → custadm: after `stall_after_server_bytes` (or once this
/// connection stalled the other way), nothing more is forwarded.
fn server_to_client(state: &State, flag: &AtomicBool, mut from: TcpStream, mut to: TcpStream) {
    let mut sent: u64 = 0;
    let mut buf = [0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        if flag.load(Ordering::SeqCst) {
            return;
        }
        let limit = state.stall_after_server_bytes.load(Ordering::SeqCst);
        let allowed = limit.saturating_sub(sent).min(n as u64) as usize;
        if to.write_all(&buf[..allowed]).is_err() {
            return;
        }
        sent += allowed as u64;
        if allowed < n {
            stall(state, flag);
            return;
        }
    }
}
