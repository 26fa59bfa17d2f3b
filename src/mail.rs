//! Password-reset mail over SMTP (lettre with rustls): configuration from
//! `CUSTADM_SMTP_URL` / `CUSTADM_MAIL_FROM` / `CUSTADM_SMTP_PASSWORD_FILE`
//! (or the profile), the message, and sending with timeouts. No secret (the
//! SMTP password, the temporary password) ever appears in an error.
//!
//! Contract (SPEC.md, after the command table): SMTP credentials travel only
//! over TLS — `smtps://`, or STARTTLS required on `smtp://` whenever a user is
//! configured, so a server that offers AUTH but no STARTTLS gets none; and
//! nothing the server answers reaches output or audit rows beyond its status
//! code (RFC 5321 reply code): every failure is described in custadm's own
//! words, from the kind of failure, never from the server's text.

use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::message::{header::ContentType, Mailbox};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{Address, Message, SmtpTransport, Transport};
use zeroize::Zeroizing;

use crate::config::Settings;
use crate::error::{Error, Result};

/// Connect and per-command timeout of the SMTP conversation.
pub const SMTP_TIMEOUT: Duration = Duration::from_secs(10);

/// Where sending failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// Before any contact with the server (an address that cannot be mailed).
    Local,
    /// The server answered with a failure reply code.
    Server,
    /// The server could not be reached or spoken to securely (connection
    /// refused or timed out, TLS failed, no STARTTLS for credentials, the
    /// conversation broke off): the next customer would most likely fail the
    /// same way.
    Connection,
}

/// Why a message could not be sent.
#[derive(Debug, Clone)]
pub struct SendFailure {
    pub kind: FailureKind,
    /// One line for the operator: `sending to HOST:PORT failed: WHAT`, in
    /// custadm's words plus at most the server's reply code; never a secret.
    pub message: String,
}

/// Whether a message carrying a temporary password may go to `host` without
/// TLS (contract "Commands", `reset-password --send-email`): only to a relay
/// on this machine — a loopback address (`127.0.0.0/8`, `::1`) or
/// `localhost` — or when the profile sets `smtp_allow_plaintext = true`.
/// A name is not resolved for this: a DNS answer is not proof of loopback.
pub fn plaintext_allowed(host: &str, allow_plaintext: bool) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    allow_plaintext
        || bare.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A ready SMTP sender.
pub struct Mailer {
    transport: SmtpTransport,
    from: Mailbox,
    /// `host:port`, for messages (never with credentials).
    pub server: String,
    /// The SMTP password, kept only to scrub it from any error text.
    secret: Option<Zeroizing<String>>,
}

/// The parts of an SMTP URL.
#[derive(Debug, PartialEq, Eq)]
struct SmtpUrl {
    implicit_tls: bool,
    host: String,
    port: u16,
    user: Option<String>,
    password: Option<Zeroizing<String>>,
}

fn decode(s: &str) -> Result<String> {
    percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| {
            Error::Setup(
                "CUSTADM_SMTP_URL: the user name or password is not valid UTF-8 once decoded"
                    .into(),
            )
        })
}

/// Parses `smtp://[user[:password]@]host[:port]` (STARTTLS when offered,
/// default port 587) or `smtps://…` (implicit TLS, default port 465) with
/// the `url` crate, the parser lettre's own `SmtpTransport::from_url` uses.
/// `from_url` itself is not used: it sends in clear text on port 25 unless
/// `?tls=` says otherwise, takes credentials only with a password (not from
/// `smtp_password_file`), reads a path as the HELO name and gives back a
/// builder whose host cannot be read, while custadm needs the host for its
/// TLS rules ([`plaintext_allowed`], `CUSTADM_SMTP_CA_FILE`) and messages.
/// Errors (exit 6) never repeat the URL, which may hold a password.
fn parse_smtp_url(url: &str) -> Result<SmtpUrl> {
    let bad = |why: &str| {
        Error::Setup(format!("CUSTADM_SMTP_URL is malformed: {why} (expected smtp://[user[:password]@]host[:port] or smtps://…)"))
    };
    let implicit_tls = if url.starts_with("smtps://") {
        true
    } else if url.starts_with("smtp://") {
        false
    } else {
        return Err(bad("the scheme must be smtp:// or smtps://"));
    };
    let parsed = url::Url::parse(url).map_err(|e| match e {
        url::ParseError::InvalidPort => bad("the port is not a number"),
        url::ParseError::EmptyHost => bad("the host is missing or invalid"),
        // The parser's own words name the rule, never the input.
        other => bad(&other.to_string()),
    })?;
    if !matches!(parsed.path(), "" | "/") || parsed.query().is_some() || parsed.fragment().is_some()
    {
        return Err(bad("no path or query is allowed"));
    }
    let host = match parsed.host() {
        Some(url::Host::Ipv6(ip)) => ip.to_string(),
        Some(url::Host::Ipv4(ip)) => ip.to_string(),
        Some(url::Host::Domain(name)) => name.to_string(),
        None => String::new(),
    };
    if host.is_empty() || host.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("the host is missing or invalid"));
    }
    let port = parsed
        .port()
        .unwrap_or(if implicit_tls { 465 } else { 587 });
    let user = match (parsed.username(), parsed.password()) {
        ("", None) => None,
        (user, _) => Some(decode(user)?),
    };
    let password = parsed
        .password()
        .map(|p| decode(p).map(Zeroizing::new))
        .transpose()?;
    Ok(SmtpUrl {
        implicit_tls,
        host,
        port,
        user,
        password,
    })
}

fn read_password_file(path: &Path) -> Result<Zeroizing<String>> {
    let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| {
        Error::Setup(format!(
            "cannot read the SMTP password file {}: {}",
            path.display(),
            e.kind()
        ))
    })?);
    let line = text.lines().next().unwrap_or("").to_string();
    if line.is_empty() {
        return Err(Error::Setup(format!(
            "the SMTP password file {} is empty",
            path.display()
        )));
    }
    Ok(Zeroizing::new(line))
}

impl Mailer {
    /// Builds the sender from the settings; missing or malformed
    /// configuration is exit 6, before anything changes.
    pub fn from_settings(settings: &Settings) -> Result<Mailer> {
        let url = settings.smtp_url.value.as_deref().ok_or_else(|| {
            Error::Setup("--send-email needs CUSTADM_SMTP_URL (smtp://host:port or smtps://host:port) and CUSTADM_MAIL_FROM".into())
        })?;
        let from = settings.mail_from.value.as_deref().ok_or_else(|| {
            Error::Setup("--send-email needs CUSTADM_MAIL_FROM (the sender address, like support@example.com)".into())
        })?;
        let from: Mailbox = from.parse().map_err(|_| {
            Error::Setup(format!(
                "CUSTADM_MAIL_FROM '{}' is not a valid email address",
                crate::text::sanitize(from)
            ))
        })?;
        let parsed = parse_smtp_url(url)?;
        let password = match (&parsed.password, &settings.smtp_password_file.value) {
            (Some(p), _) => Some(p.clone()),
            (None, Some(file)) => Some(read_password_file(file)?),
            (None, None) => None,
        };
        let ca = std::env::var_os("CUSTADM_SMTP_CA_FILE")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from);
        let mut tls = TlsParameters::builder(parsed.host.clone());
        if let Some(ca) = &ca {
            let pem = std::fs::read(ca).map_err(|e| {
                Error::Setup(format!(
                    "cannot read CUSTADM_SMTP_CA_FILE {}: {e}",
                    ca.display()
                ))
            })?;
            if !pem.windows(27).any(|w| w == b"-----BEGIN CERTIFICATE-----") {
                return Err(Error::Setup(format!(
                    "CUSTADM_SMTP_CA_FILE {} holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
                    ca.display()
                )));
            }
            let cert = Certificate::from_pem(&pem)
                .map_err(|e| Error::Setup(format!("CUSTADM_SMTP_CA_FILE {}: {e}", ca.display())))?;
            tls = tls.add_root_certificate(cert);
        }
        let tls = tls
            .build()
            .map_err(|e| Error::Setup(format!("SMTP TLS setup failed: {e}")))?;
        // Credentials only over TLS: with a user configured, STARTTLS is
        // required (lettre fails before AUTH when the server lacks it). And
        // every message custadm sends carries a temporary password, so it
        // needs TLS too, except to a relay on this machine (a loopback
        // address) or where the profile opts out (`smtp_allow_plaintext`);
        // lettre refuses before MAIL FROM, so nothing is sent and the
        // command changes nothing ([`plaintext_allowed`]).
        let mut builder = SmtpTransport::builder_dangerous(parsed.host.clone())
            .port(parsed.port)
            .timeout(Some(SMTP_TIMEOUT))
            .tls(if parsed.implicit_tls {
                Tls::Wrapper(tls)
            } else if parsed.user.is_some()
                || !plaintext_allowed(&parsed.host, settings.smtp_allow_plaintext)
            {
                Tls::Required(tls)
            } else {
                Tls::Opportunistic(tls)
            });
        if let Some(user) = &parsed.user {
            let secret = password.as_ref().map(|p| p.to_string()).unwrap_or_default();
            builder = builder.credentials(Credentials::new(user.clone(), secret));
        }
        Ok(Mailer {
            transport: builder.build(),
            from,
            server: format!("{}:{}", parsed.host, parsed.port),
            secret: password,
        })
    }

    /// Mails a customer their temporary password (one connection, one
    /// message). A failure names the server and what failed, never a secret
    /// and never the server's words beyond its reply code.
    pub fn send_temporary_password(
        &self,
        name: &str,
        email: &str,
        password: &str,
    ) -> std::result::Result<(), SendFailure> {
        let local = |message: String| SendFailure {
            kind: FailureKind::Local,
            message,
        };
        let address: Address = email
            .parse()
            .map_err(|_| local("the customer's email address cannot be mailed".to_string()))?;
        // Header-safe display name: no control characters at all.
        let display: String = name
            .chars()
            .map(|c| if crate::text::is_dangerous(c) { ' ' } else { c })
            .collect();
        let message = Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(Some(display.trim().to_string()), address))
            .subject("Your password has been reset")
            .header(ContentType::TEXT_PLAIN)
            .body(format!(
                "Hello {},\r\n\r\n\
                 your password has been reset by our support team.\r\n\
                 Your temporary password is:\r\n\r\n    {password}\r\n\r\n\
                 You will be asked to choose a new password when you next\r\n\
                 log in; the temporary one stops working then.\r\n\r\n\
                 If you did not ask for this, please contact support.\r\n",
                display.trim()
            ))
            .map_err(|e| local(format!("cannot build the message: {e}")))?;
        self.transport.send(&message).map(|_| ()).map_err(|e| {
            let (kind, what) = describe_send_error(&e);
            // Our own words only; scrub the password anyway.
            let text = format!("sending to {} failed: {what}", self.server);
            let text = match &self.secret {
                Some(p) if !p.is_empty() => text.replace(p.as_str(), "***"),
                _ => text,
            };
            SendFailure {
                kind,
                message: text,
            }
        })
    }
}

/// lettre's error as `(kind, what)` in custadm's own words: the
/// server's reply text, a certificate's names or an OS error number never
/// get through (SPEC.md: nothing the server answers beyond its status code).
fn describe_send_error(e: &lettre::transport::smtp::Error) -> (FailureKind, String) {
    use std::error::Error as _;
    use FailureKind::{Connection, Server};
    if let Some(code) = e.status() {
        let code = code.to_string();
        let what = match code.as_str() {
            "530" | "534" | "535" | "538" => {
                "authentication failed: check the SMTP user and password"
            }
            _ if e.is_transient() => "a temporary failure; try again later",
            _ => "refused",
        };
        return (Server, format!("the server answered {code} ({what})"));
    }
    // Walk the causes: a TLS failure shows up as an I/O error wrapping
    // rustls's error (the handshake runs on the first read or write).
    let mut source: Option<&(dyn std::error::Error + 'static)> = e.source();
    let mut io_kind = None;
    let mut io_text = None;
    while let Some(err) = source {
        if let Some(tls) = err.downcast_ref::<rustls::Error>() {
            return (Connection, describe_tls_error(tls));
        }
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            if let Some(tls) = io.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
                return (Connection, describe_tls_error(tls));
            }
            io_kind.get_or_insert(io.kind());
            io_text.get_or_insert_with(|| io.to_string());
        }
        source = err.source();
    }
    if e.is_tls() {
        return (Connection, "TLS failed".into());
    }
    if let Some(kind) = io_kind {
        use std::io::ErrorKind as K;
        let secs = SMTP_TIMEOUT.as_secs();
        let what = match kind {
            K::TimedOut | K::WouldBlock => format!("timed out after {secs} s without an answer"),
            K::ConnectionRefused => {
                "connection refused (is the server running on that port?)".into()
            }
            K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe | K::UnexpectedEof => {
                "the server closed the connection".into()
            }
            K::HostUnreachable | K::NetworkUnreachable | K::NetworkDown => {
                "the host is unreachable".into()
            }
            K::AddrNotAvailable => "the address is not available".into(),
            // Name resolution and the like: local text, without the errno.
            _ => strip_os_error(io_text.as_deref().unwrap_or("network error")),
        };
        return (Connection, what);
    }
    let client = e.source().map(|s| s.to_string()).unwrap_or_default();
    if e.is_client() && client.contains("STARTTLS is not supported") {
        return (
            Connection,
            "the server does not offer STARTTLS, and custadm sends SMTP credentials and temporary passwords only over TLS (use smtps://, a server that offers STARTTLS, a relay on this machine at 127.0.0.1, or smtp_allow_plaintext = true in the profile)".into(),
        );
    }
    if e.is_client() && client.contains("No compatible authentication mechanism") {
        return (
            Server,
            "the server offers no AUTH mechanism custadm speaks (PLAIN, LOGIN)".into(),
        );
    }
    if e.is_client() && client.contains("non-ascii") {
        return (
            Server,
            "the server does not accept non-ASCII mail (no SMTPUTF8/8BITMIME)".into(),
        );
    }
    if e.is_response() {
        return (Connection, "the server's answer is not SMTP".into());
    }
    (Connection, "the SMTP conversation failed".into())
}

/// A TLS failure in fixed words (a certificate's own text is the server's).
fn describe_tls_error(e: &rustls::Error) -> String {
    use rustls::{CertificateError as C, Error as E};
    match e {
        E::InvalidCertificate(C::UnknownIssuer) => "TLS failed: the server's certificate is not trusted (unknown issuer; for a private CA set CUSTADM_SMTP_CA_FILE)".into(),
        E::InvalidCertificate(C::NotValidForName | C::NotValidForNameContext { .. }) => {
            "TLS failed: the server's certificate is not valid for this host name".into()
        }
        E::InvalidCertificate(C::Expired | C::ExpiredContext { .. }) => {
            "TLS failed: the server's certificate has expired".into()
        }
        E::InvalidCertificate(_) => "TLS failed: the server's certificate was rejected".into(),
        E::AlertReceived(alert) => format!("TLS failed: the server sent the alert {alert:?}"),
        E::InvalidMessage(_) | E::InappropriateMessage { .. } | E::InappropriateHandshakeMessage { .. } => {
            "TLS failed: the server does not speak TLS here (smtps:// on a plain port?)".into()
        }
        _ => "TLS failed".into(),
    }
}

/// `Name or service not known (os error -2)` → `Name or service not known`.
fn strip_os_error(text: &str) -> String {
    let text = text.lines().next().unwrap_or("").trim();
    let text = match text.find(" (os error") {
        Some(i) => &text[..i],
        None => text,
    };
    crate::text::sanitize(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls() -> Result<()> {
        let u = parse_smtp_url("smtp://mailer:p%40ss@mail.example.com:2525")?;
        assert_eq!(
            (u.implicit_tls, u.host.as_str(), u.port),
            (false, "mail.example.com", 2525)
        );
        assert_eq!(u.user.as_deref(), Some("mailer"));
        assert_eq!(u.password.as_deref().map(|p| p.as_str()), Some("p@ss"));
        assert_eq!(parse_smtp_url("smtps://h")?.port, 465);
        for (host, allowed) in [
            ("127.0.0.1", true),
            ("127.8.9.10", true),
            ("[::1]", true),
            ("localhost", true),
            ("mail.example.com", false),
            ("192.0.2.2", false),
            ("localhost.example.com", false),
        ] {
            assert_eq!(plaintext_allowed(host, false), allowed, "{host}");
            assert!(plaintext_allowed(host, true), "{host}");
        }
        assert_eq!(parse_smtp_url("smtp://h")?.port, 587);
        for bad in [
            "http://h",
            "smtp://",
            "smtp://h:x",
            "smtp://u:secret@h/path",
        ] {
            match parse_smtp_url(bad) {
                Err(Error::Setup(m)) => assert!(!m.contains("secret"), "{m}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
        Ok(())
    }
}
