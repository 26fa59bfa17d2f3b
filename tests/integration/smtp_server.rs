//! A real SMTP server for the mail tests, inside the test process: `std::net`
//! and rustls, with a throw-away CA and a certificate for `127.0.0.1` and
//! `localhost` made by rcgen for each server (the CA's PEM is written for
//! `CUSTADM_SMTP_CA_FILE`). It speaks plain SMTP, STARTTLS (RFC 3207) and
//! implicit TLS (RFC 8314), AUTH PLAIN (RFC 4616) and LOGIN, and misbehaves on
//! request: it can offer AUTH without STARTTLS, echo every command back
//! (credentials included) with terminal escapes, say nothing at all after
//! accepting a connection, or hold its reply to a message until the test
//! releases it.
//!
//! Every line that crosses the wire, either way, is recorded with whether it
//! travelled encrypted, so a test can check what went out in clear text.
//! Bound to port 0: no race for a free port.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use base64::Engine as _;

/// How the server starts a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Clear text; no STARTTLS offered.
    Plain,
    /// Clear text, STARTTLS offered.
    StartTls,
    /// TLS from the first byte (smtps).
    Tls,
}

/// What the server does. `Options::new(mode)` is a well-behaved server.
#[derive(Debug, Clone)]
pub struct Options {
    pub mode: Mode,
    /// The accepted user and password; when set, MAIL needs a successful AUTH.
    pub auth: Option<(String, String)>,
    /// Offer AUTH on a connection that is not encrypted (a server a client
    /// must not send credentials to).
    pub auth_in_clear: bool,
    /// AUTH mechanisms offered, in order.
    pub mechanisms: Vec<&'static str>,
    /// Hostile: every reply repeats the command it answers (an AUTH line
    /// included) and carries terminal escapes; AUTH always fails.
    pub echo: bool,
    /// Accept connections, then say nothing (a client must time out).
    pub silent: bool,
    /// Hold the reply to each message until [`SmtpServer::release`].
    pub hold: bool,
    /// Stop listening after this many connections (later ones are refused).
    pub max_connections: Option<usize>,
    /// The address to listen on (default 127.0.0.1).
    pub ip: std::net::IpAddr,
}

impl Options {
    pub fn new(mode: Mode) -> Options {
        Options {
            mode,
            auth: None,
            auth_in_clear: false,
            mechanisms: vec!["PLAIN", "LOGIN"],
            echo: false,
            silent: false,
            hold: false,
            max_connections: None,
            ip: std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
        }
    }

    /// Requires AUTH with these credentials.
    pub fn auth(mut self, user: &str, password: &str) -> Options {
        self.auth = Some((user.to_string(), password.to_string()));
        self
    }
}

/// A terminal escape a hostile server puts in its replies (retitles the window).
pub const ESCAPE: &str = "\u{1b}]2;owned-by-smtp\u{7}";

/// One message as the server received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub mail_from: String,
    pub rcpt_tos: Vec<String>,
    /// The message (headers and body) as sent, dot-unstuffed, CRLF kept.
    pub data: String,
    /// Received over an encrypted connection.
    pub tls: bool,
    /// The client had authenticated.
    pub authenticated: bool,
}

/// One line on the wire.
#[derive(Debug, Clone)]
pub struct Line {
    /// Connection number, from 1 (read through `Debug` in failure messages).
    #[allow(dead_code)]
    pub conn: usize,
    /// Sent by the client (else by the server).
    pub from_client: bool,
    /// Travelled inside TLS.
    pub tls: bool,
    pub text: String,
}

#[derive(Default)]
struct Log {
    messages: Vec<Received>,
    transcript: Vec<Line>,
    connections: usize,
    /// Messages whose reply is being held.
    held: usize,
    /// Held messages allowed to proceed (a count; `usize::MAX` for all).
    released: usize,
    /// Successful AUTH exchanges.
    auth_ok: usize,
}

struct Shared {
    log: Mutex<Log>,
    changed: Condvar,
    stop: AtomicBool,
    options: Options,
    tls: Option<Arc<rustls::ServerConfig>>,
}

impl Shared {
    fn log(&self) -> MutexGuard<'_, Log> {
        self.log.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn record(&self, conn: usize, from_client: bool, tls: bool, text: &str) {
        self.log().transcript.push(Line {
            conn,
            from_client,
            tls,
            text: text.to_string(),
        });
        self.changed.notify_all();
    }
}

/// The running server; stopped when dropped.
pub struct SmtpServer {
    pub port: u16,
    /// The address it listens on.
    pub ip: std::net::IpAddr,
    pub mode: Mode,
    /// The CA certificate (PEM) for `CUSTADM_SMTP_CA_FILE`; `None` in plain mode.
    pub ca: Option<PathBuf>,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

/// The longest command or message line the server reads.
const MAX_LINE: usize = 64 * 1024;

/// How long a connection may sit idle before the server drops it.
const IDLE: Duration = Duration::from_secs(60);

impl SmtpServer {
    /// Starts a server; `dir` receives the CA file.
    pub fn start(dir: &std::path::Path, options: Options) -> SmtpServer {
        let ip = options.ip;
        let listener = TcpListener::bind((ip, 0)).expect("bind IP:0");
        let port = listener.local_addr().expect("local address").port();
        let (tls, ca) = if options.mode == Mode::Plain {
            (None, None)
        } else {
            let (config, ca_pem) = tls_config();
            let ca = dir.join(format!("smtp-ca-{port}.pem"));
            std::fs::write(&ca, ca_pem).expect("write the CA file");
            (Some(config), Some(ca))
        };
        let mode = options.mode;
        let shared = Arc::new(Shared {
            log: Mutex::new(Log::default()),
            changed: Condvar::new(),
            stop: AtomicBool::new(false),
            options,
            tls,
        });
        let s = shared.clone();
        let accept = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if s.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let n = {
                    let mut log = s.log();
                    log.connections += 1;
                    log.connections
                };
                let s2 = s.clone();
                std::thread::spawn(move || serve(stream, n, &s2));
                if s.options.max_connections.is_some_and(|max| n >= max) {
                    break; // the listener closes: later connections are refused
                }
            }
        });
        SmtpServer {
            port,
            ip,
            mode,
            ca,
            shared,
            accept: Some(accept),
        }
    }

    /// A well-behaved server in `mode`.
    pub fn simple(dir: &std::path::Path, mode: Mode) -> SmtpServer {
        SmtpServer::start(dir, Options::new(mode))
    }

    /// `127.0.0.1:PORT`, as custadm names the server in messages.
    pub fn server(&self) -> String {
        format!("{}:{}", self.ip, self.port)
    }

    /// The URL for this server (`smtps://` in TLS mode), with `userinfo`
    /// (`user:password@` or empty) before the host.
    pub fn url_with(&self, userinfo: &str) -> String {
        let scheme = if self.mode == Mode::Tls {
            "smtps"
        } else {
            "smtp"
        };
        format!("{scheme}://{userinfo}{}:{}", self.ip, self.port)
    }

    pub fn url(&self) -> String {
        self.url_with("")
    }

    /// Every message received so far, in order.
    pub fn messages(&self) -> Vec<Received> {
        self.shared.log().messages.clone()
    }

    /// Every line on the wire so far, in order.
    pub fn transcript(&self) -> Vec<Line> {
        self.shared.log().transcript.clone()
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.shared.log().connections
    }

    /// Successful AUTH exchanges so far.
    pub fn auth_successes(&self) -> usize {
        self.shared.log().auth_ok
    }

    /// Waits until `n` messages in all have been held (panics after `limit`).
    #[track_caller]
    pub fn wait_held(&self, n: usize, limit: Duration) {
        let deadline = Instant::now() + limit;
        let mut log = self.shared.log();
        while log.held < n {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "the SMTP server did not receive message {n} within {limit:?}"
            );
            log = self
                .shared
                .changed
                .wait_timeout(log, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// Lets one more held message get its reply.
    pub fn release(&self) {
        let mut log = self.shared.log();
        log.released = log.released.saturating_add(1);
        self.shared.changed.notify_all();
    }

    /// Lets every held message, now and later, get its reply.
    pub fn release_all(&self) {
        self.shared.log().released = usize::MAX;
        self.shared.changed.notify_all();
    }

    /// Lines the server saw or sent in clear text.
    pub fn cleartext(&self) -> String {
        self.transcript()
            .iter()
            .filter(|l| !l.tls)
            .map(|l| format!("{}\n", l.text))
            .collect()
    }

    /// Asserts that no secret derived from `user`/`password` (the password
    /// itself, an AUTH command, the base64 forms of PLAIN and LOGIN) travelled
    /// in clear text, either way.
    #[track_caller]
    pub fn assert_no_cleartext_credentials(&self, user: &str, password: &str) {
        let clear = self.cleartext();
        for secret in credential_forms(user, password) {
            assert!(
                !clear.contains(&secret),
                "credentials ({secret:?}) travelled in clear text:\n{clear}"
            );
        }
        for line in clear.lines() {
            assert!(
                !line.to_ascii_uppercase().starts_with("AUTH"),
                "an AUTH command travelled in clear text: {line:?}\n{clear}"
            );
        }
    }
}

/// Every form credentials take on the wire: the password, and the base64 of
/// PLAIN's `\0user\0password` (and with an authzid) and of LOGIN's password.
pub fn credential_forms(user: &str, password: &str) -> Vec<String> {
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    vec![
        password.to_string(),
        b64(&format!("\0{user}\0{password}")),
        b64(&format!("{user}\0{user}\0{password}")),
        b64(password),
    ]
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.shared.log().released = usize::MAX;
        self.shared.changed.notify_all();
        // Wake the accept loop.
        let _ = TcpStream::connect((self.ip, self.port));
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
    }
}

/// A server config holding a fresh certificate for 127.0.0.1 and localhost,
/// and the PEM of the CA that signed it.
fn tls_config() -> (Arc<rustls::ServerConfig>, String) {
    use rcgen::{
        BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair,
        KeyUsagePurpose,
    };
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "custadm test CA");
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().expect("CA key"))
        .expect("CA certificate");
    let key = KeyPair::generate().expect("server key");
    let mut params = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
        .expect("server params");
    params
        .distinguished_name
        .push(DnType::CommonName, "custadm test SMTP server");
    let cert = params.signed_by(&key, &ca).expect("server certificate");
    let key_der = rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into());
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("TLS versions")
    .with_no_client_auth()
    .with_single_cert(vec![cert.der().clone()], key_der)
    .expect("server TLS config");
    (Arc::new(config), ca.pem())
}

enum Stream {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ServerConnection, TcpStream>>),
    Closed,
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
            Stream::Closed => Ok(0),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
            Stream::Closed => Err(io::ErrorKind::NotConnected.into()),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
            Stream::Closed => Ok(()),
        }
    }
}

/// One connection: a line reader over a stream that may turn into TLS.
struct Conn<'a> {
    n: usize,
    stream: Stream,
    buf: Vec<u8>,
    shared: &'a Shared,
}

impl Conn<'_> {
    fn tls(&self) -> bool {
        matches!(self.stream, Stream::Tls(_))
    }

    /// The next line without its CRLF; `None` when the client is gone.
    fn read_line(&mut self) -> Option<String> {
        let started = Instant::now();
        loop {
            if let Some(i) = self.buf.iter().position(|&b| b == b'\n') {
                let mut line: Vec<u8> = self.buf.drain(..=i).collect();
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                let text = String::from_utf8_lossy(&line).into_owned();
                self.shared.record(self.n, true, self.tls(), &text);
                return Some(text);
            }
            if self.buf.len() > MAX_LINE || self.shared.stop.load(Ordering::SeqCst) {
                return None;
            }
            let mut chunk = [0u8; 4096];
            match self.stream.read(&mut chunk) {
                Ok(0) => return None,
                Ok(k) => self.buf.extend_from_slice(&chunk[..k]),
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    if started.elapsed() > IDLE {
                        return None;
                    }
                }
                Err(_) => return None,
            }
        }
    }

    /// Sends reply lines (`250-…` continuation added here).
    fn reply(&mut self, code: u16, lines: &[&str]) -> bool {
        let mut out = String::new();
        for (i, l) in lines.iter().enumerate() {
            let sep = if i + 1 == lines.len() { ' ' } else { '-' };
            let text = format!("{code}{sep}{l}");
            self.shared.record(self.n, false, self.tls(), &text);
            out.push_str(&text);
            out.push_str("\r\n");
        }
        self.stream.write_all(out.as_bytes()).is_ok() && self.stream.flush().is_ok()
    }

    fn upgrade(&mut self) -> bool {
        let Some(config) = self.shared.tls.clone() else {
            return false;
        };
        if !self.buf.is_empty() {
            // Commands pipelined behind STARTTLS must not survive the upgrade.
            return false;
        }
        let Stream::Plain(tcp) = std::mem::replace(&mut self.stream, Stream::Closed) else {
            return false;
        };
        let Ok(server) = rustls::ServerConnection::new(config) else {
            return false;
        };
        self.stream = Stream::Tls(Box::new(rustls::StreamOwned::new(server, tcp)));
        self.handshake()
    }

    /// Completes the TLS handshake, riding out the socket's short read
    /// timeout (a `write_all` would take its `WouldBlock` for a failure).
    fn handshake(&mut self) -> bool {
        let Stream::Tls(tls) = &mut self.stream else {
            return true;
        };
        let started = Instant::now();
        while tls.conn.is_handshaking() {
            match tls.conn.complete_io(&mut tls.sock) {
                Ok(_) => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    if started.elapsed() > IDLE || self.shared.stop.load(Ordering::SeqCst) {
                        return false;
                    }
                }
                Err(_) => return false,
            }
        }
        true
    }
}

fn b64_decode(s: &str) -> Option<String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .ok()?;
    String::from_utf8(bytes).ok()
}

/// `<addr>` of `MAIL FROM:<addr> …` / `RCPT TO:<addr>`.
fn angle_addr(arg: &str) -> String {
    let start = arg.find('<').map(|i| i + 1).unwrap_or(0);
    let end = arg[start..]
        .find('>')
        .map(|i| start + i)
        .unwrap_or(arg.len());
    arg[start..end].to_string()
}

fn serve(tcp: TcpStream, n: usize, shared: &Shared) {
    let _ = tcp.set_read_timeout(Some(Duration::from_millis(250)));
    let _ = tcp.set_write_timeout(Some(Duration::from_secs(30)));
    let opts = &shared.options;
    if opts.silent {
        // Accept and say nothing until the client gives up (or we stop).
        let started = Instant::now();
        let mut tcp = tcp;
        let mut buf = [0u8; 1024];
        while !shared.stop.load(Ordering::SeqCst) && started.elapsed() < IDLE {
            match tcp.read(&mut buf) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) => {}
                Err(_) => break,
            }
        }
        return;
    }
    let stream = match (opts.mode, &shared.tls) {
        (Mode::Tls, Some(config)) => match rustls::ServerConnection::new(config.clone()) {
            Ok(server) => Stream::Tls(Box::new(rustls::StreamOwned::new(
                server,
                tcp.try_clone().expect("clone"),
            ))),
            Err(_) => return,
        },
        _ => Stream::Plain(tcp.try_clone().expect("clone")),
    };
    let mut c = Conn {
        n,
        stream,
        buf: Vec::new(),
        shared,
    };
    if c.handshake() {
        session(&mut c, opts);
    }
    let _ = tcp.shutdown(Shutdown::Both);
}

fn session(c: &mut Conn<'_>, opts: &Options) {
    let echo = |line: &str| -> String {
        if opts.echo {
            format!(" {ESCAPE} you said: {line}")
        } else {
            String::new()
        }
    };
    if !c.reply(220, &[&format!("localhost custadm test SMTP{}", echo(""))]) {
        return;
    }
    let mut authenticated = false;
    let mut mail_from: Option<String> = None;
    let mut rcpt_tos: Vec<String> = Vec::new();
    while let Some(line) = c.read_line() {
        let (verb, arg) = match line.split_once(' ') {
            Some((v, a)) => (v.to_ascii_uppercase(), a.to_string()),
            None => (line.to_ascii_uppercase(), String::new()),
        };
        let ok = match verb.as_str() {
            "EHLO" | "HELO" => {
                mail_from = None;
                rcpt_tos.clear();
                let mut lines = vec![format!("localhost greets {arg}{}", echo(&line))];
                lines.push("8BITMIME".into());
                lines.push("SMTPUTF8".into());
                if opts.mode == Mode::StartTls && !c.tls() {
                    lines.push("STARTTLS".into());
                }
                if opts.auth.is_some() && (c.tls() || opts.auth_in_clear) {
                    lines.push(format!("AUTH {}", opts.mechanisms.join(" ")));
                }
                lines.push("HELP".into());
                let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
                c.reply(250, &refs)
            }
            "STARTTLS" if opts.mode == Mode::StartTls && !c.tls() => {
                if !c.reply(220, &["Ready to start TLS"]) || !c.upgrade() {
                    return;
                }
                authenticated = false;
                mail_from = None;
                rcpt_tos.clear();
                true
            }
            "AUTH" => {
                let allowed = opts.auth.is_some() && (c.tls() || opts.auth_in_clear);
                if !allowed {
                    c.reply(
                        530,
                        &[&format!(
                            "5.7.0 Must issue a STARTTLS command first{}",
                            echo(&line)
                        )],
                    )
                } else {
                    match auth_exchange(c, opts, &arg) {
                        None => return,
                        Some(true) if !opts.echo => {
                            authenticated = true;
                            c.shared.log().auth_ok += 1;
                            c.reply(235, &["2.7.0 Authentication successful"])
                        }
                        Some(_) => c.reply(
                            535,
                            &[&format!(
                                "5.7.8 Authentication credentials invalid{}",
                                echo(&line)
                            )],
                        ),
                    }
                }
            }
            "MAIL" => {
                if opts.auth.is_some() && !authenticated {
                    c.reply(
                        530,
                        &[&format!("5.7.0 Authentication required{}", echo(&line))],
                    )
                } else {
                    mail_from = Some(angle_addr(&arg));
                    rcpt_tos.clear();
                    c.reply(250, &[&format!("OK{}", echo(&line))])
                }
            }
            "RCPT" => {
                if mail_from.is_none() {
                    c.reply(503, &["5.5.1 Error: need MAIL command"])
                } else {
                    rcpt_tos.push(angle_addr(&arg));
                    c.reply(250, &[&format!("OK{}", echo(&line))])
                }
            }
            "DATA" => {
                if mail_from.is_none() || rcpt_tos.is_empty() {
                    c.reply(503, &["5.5.1 Error: need RCPT command"])
                } else {
                    if !c.reply(354, &["End data with <CR><LF>.<CR><LF>"]) {
                        return;
                    }
                    let mut data = String::new();
                    loop {
                        let Some(l) = c.read_line() else { return };
                        if l == "." {
                            break;
                        }
                        data.push_str(l.strip_prefix('.').unwrap_or(&l));
                        data.push_str("\r\n");
                    }
                    let ticket = {
                        let mut log = c.shared.log();
                        log.messages.push(Received {
                            mail_from: mail_from.take().unwrap_or_default(),
                            rcpt_tos: std::mem::take(&mut rcpt_tos),
                            data,
                            tls: c.tls(),
                            authenticated,
                        });
                        if opts.hold {
                            log.held += 1;
                            Some(log.held)
                        } else {
                            None
                        }
                    };
                    c.shared.changed.notify_all();
                    if let Some(ticket) = ticket {
                        let mut log = c.shared.log();
                        while log.released < ticket && !c.shared.stop.load(Ordering::SeqCst) {
                            log = c
                                .shared
                                .changed
                                .wait_timeout(log, Duration::from_millis(200))
                                .unwrap_or_else(|e| e.into_inner())
                                .0;
                        }
                    }
                    c.reply(250, &[&format!("Message accepted{}", echo(""))])
                }
            }
            "RSET" => {
                mail_from = None;
                rcpt_tos.clear();
                c.reply(250, &["OK"])
            }
            "NOOP" => c.reply(250, &["OK"]),
            "QUIT" => {
                c.reply(221, &["Bye"]);
                return;
            }
            _ => c.reply(
                500,
                &[&format!("5.5.2 Command not recognized{}", echo(&line))],
            ),
        };
        if !ok {
            return;
        }
    }
}

/// Runs one AUTH exchange; `Some(accepted)`, or `None` when the client left.
fn auth_exchange(c: &mut Conn<'_>, opts: &Options, arg: &str) -> Option<bool> {
    let (mechanism, initial) = match arg.split_once(' ') {
        Some((m, i)) => (m.to_ascii_uppercase(), Some(i.to_string())),
        None => (arg.to_ascii_uppercase(), None),
    };
    if !opts.mechanisms.contains(&mechanism.as_str()) {
        return Some(false);
    }
    let (user, password) = match mechanism.as_str() {
        "PLAIN" => {
            let response = match initial {
                Some(i) => i,
                None => {
                    c.reply(334, &[""]).then_some(())?;
                    c.read_line()?
                }
            };
            let decoded = b64_decode(&response).unwrap_or_default();
            let mut parts = decoded.split('\0');
            let _authzid = parts.next();
            (
                parts.next().unwrap_or("").to_string(),
                parts.next().unwrap_or("").to_string(),
            )
        }
        "LOGIN" => {
            let user = match initial {
                Some(i) => i,
                None => {
                    c.reply(334, &["VXNlcm5hbWU6"]).then_some(())?;
                    c.read_line()?
                }
            };
            c.reply(334, &["UGFzc3dvcmQ6"]).then_some(())?;
            let password = c.read_line()?;
            (
                b64_decode(&user).unwrap_or_default(),
                b64_decode(&password).unwrap_or_default(),
            )
        }
        _ => return Some(false),
    };
    Some(
        opts.auth
            .as_ref()
            .is_some_and(|(u, p)| *u == user && *p == password),
    )
}
