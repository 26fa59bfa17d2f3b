//! Password-reset mail over SMTP (lettre with rustls): configuration from
//! `CUSTADM_SMTP_URL` / `CUSTADM_MAIL_FROM` / `CUSTADM_SMTP_PASSWORD_FILE`
//! (or the profile), the message, and sending with timeouts. No secret (the
//! SMTP password, the temporary password) ever appears in an error.

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
            Error::Database(
                "CUSTADM_SMTP_URL: the user name or password is not valid UTF-8 once decoded"
                    .into(),
            )
        })
}

/// Parses `smtp://[user[:password]@]host[:port]` (STARTTLS when offered,
/// default port 587) or `smtps://…` (implicit TLS, default port 465).
/// Errors never repeat the URL, which may hold a password.
fn parse_smtp_url(url: &str) -> Result<SmtpUrl> {
    let bad = |why: &str| {
        Error::Database(format!("CUSTADM_SMTP_URL is malformed: {why} (expected smtp://[user[:password]@]host[:port] or smtps://…)"))
    };
    let (implicit_tls, rest) = if let Some(r) = url.strip_prefix("smtps://") {
        (true, r)
    } else if let Some(r) = url.strip_prefix("smtp://") {
        (false, r)
    } else {
        return Err(bad("the scheme must be smtp:// or smtps://"));
    };
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if rest.contains(['/', '?', '#']) {
        return Err(bad("no path or query is allowed"));
    }
    let (userinfo, hostport) = match rest.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, rest),
    };
    let (user, password) = match userinfo {
        None => (None, None),
        Some(u) => match u.split_once(':') {
            Some((user, pw)) => (Some(decode(user)?), Some(Zeroizing::new(decode(pw)?))),
            None => (Some(decode(u)?), None),
        },
    };
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => (
            h.to_string(),
            p.parse::<u16>()
                .map_err(|_| bad("the port is not a number"))?,
        ),
        _ => (hostport.to_string(), if implicit_tls { 465 } else { 587 }),
    };
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    if host.is_empty() || host.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("the host is missing or invalid"));
    }
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
        Error::Database(format!(
            "cannot read the SMTP password file {}: {}",
            path.display(),
            e.kind()
        ))
    })?);
    let line = text.lines().next().unwrap_or("").to_string();
    if line.is_empty() {
        return Err(Error::Database(format!(
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
            Error::Database("--send-email needs CUSTADM_SMTP_URL (smtp://host:port or smtps://host:port) and CUSTADM_MAIL_FROM".into())
        })?;
        let from = settings.mail_from.value.as_deref().ok_or_else(|| {
            Error::Database("--send-email needs CUSTADM_MAIL_FROM (the sender address, like support@example.com)".into())
        })?;
        let from: Mailbox = from.parse().map_err(|_| {
            Error::Database(format!(
                "CUSTADM_MAIL_FROM '{}' is not a valid email address",
                crate::output::sanitize(from)
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
                Error::Database(format!(
                    "cannot read CUSTADM_SMTP_CA_FILE {}: {e}",
                    ca.display()
                ))
            })?;
            if !pem.windows(27).any(|w| w == b"-----BEGIN CERTIFICATE-----") {
                return Err(Error::Database(format!(
                    "CUSTADM_SMTP_CA_FILE {} holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
                    ca.display()
                )));
            }
            let cert = Certificate::from_pem(&pem).map_err(|e| {
                Error::Database(format!("CUSTADM_SMTP_CA_FILE {}: {e}", ca.display()))
            })?;
            tls = tls.add_root_certificate(cert);
        }
        let tls = tls
            .build()
            .map_err(|e| Error::Database(format!("SMTP TLS setup failed: {e}")))?;
        let mut builder = SmtpTransport::builder_dangerous(parsed.host.clone())
            .port(parsed.port)
            .timeout(Some(SMTP_TIMEOUT))
            .tls(if parsed.implicit_tls {
                Tls::Wrapper(tls)
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

    /// Mails a customer their temporary password. The error text names the
    /// server and the SMTP failure, never a secret.
    pub fn send_temporary_password(
        &self,
        name: &str,
        email: &str,
        password: &str,
    ) -> std::result::Result<(), String> {
        let address: Address = email
            .parse()
            .map_err(|_| "the customer's email address cannot be mailed".to_string())?;
        // Header-safe display name: no control characters at all.
        let display: String = name
            .chars()
            .map(|c| {
                if crate::output::is_dangerous(c) {
                    ' '
                } else {
                    c
                }
            })
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
            .map_err(|e| format!("cannot build the message: {e}"))?;
        self.transport.send(&message).map(|_| ()).map_err(|e| {
            let text = e.to_string();
            // lettre's errors hold server replies, never our credentials; be
            // sure anyway.
            let text = match &self.secret {
                Some(p) if !p.is_empty() => text.replace(p.as_str(), "***"),
                _ => text,
            };
            format!(
                "sending to {} failed: {}",
                self.server,
                text.lines().next().unwrap_or("").trim()
            )
        })
    }
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
        assert_eq!(parse_smtp_url("smtp://h")?.port, 587);
        for bad in [
            "http://h",
            "smtp://",
            "smtp://h:x",
            "smtp://u:secret@h/path",
        ] {
            match parse_smtp_url(bad) {
                Err(Error::Database(m)) => assert!(!m.contains("secret"), "{m}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
        Ok(())
    }
}
