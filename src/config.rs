//! The configuration file and its profiles, and the one place that decides
//! every effective setting and where it came from.
//!
//! Order, highest first (the contract's): a flag; the profile named by
//! `--profile`; the setting's own environment variable; the profile named by
//! `CUSTADM_PROFILE`; `DATABASE_URL` (database only); the built-in default.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};

/// One named profile of `config.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Database URL (a password in it makes the file secret-holding).
    pub database_url: Option<String>,
    /// Operator name.
    pub operator: Option<String>,
    /// SMTP server URL for `reset-password --send-email`.
    pub smtp_url: Option<String>,
    /// Sender address of password-reset mail.
    pub mail_from: Option<String>,
    /// File holding the SMTP password.
    pub smtp_password_file: Option<PathBuf>,
    /// ISO 3166 alpha-2 region for phone numbers given in national form
    /// (contract: "Validation").
    pub default_region: Option<String>,
    /// Changing commands name the profile and host when confirming, and
    /// bulk runs need `--yes` even on a terminal.
    #[serde(default)]
    pub production: bool,
    /// Changing commands need `--reason`.
    #[serde(default)]
    pub require_reason: bool,
    /// The service account engineers run custadm as through sudo
    /// (`sudo -u SVC custadm …`): when the real user is this account and
    /// `SUDO_USER` is set, the sudo caller is who acts (contract: "Operators
    /// and roles"). Profile only: no environment variable, since whoever runs
    /// custadm controls its environment.
    pub service_user: Option<String>,
    /// Seconds a lock wait may last (contract "Databases"; default 10).
    pub lock_timeout: Option<Seconds>,
    /// Seconds a PostgreSQL server may stay silent while custadm waits for
    /// its answer (contract "Databases"; default 120).
    pub io_timeout: Option<Seconds>,
    /// Mail carrying a temporary password may go out without TLS to a
    /// server that is not on this machine (default false: TLS required,
    /// except to a loopback relay). Profile only.
    #[serde(default)]
    pub smtp_allow_plaintext: bool,
    /// Default `--max-changes` of bulk runs: a number (`500`) or a
    /// percentage of the customers not soft-deleted (`"2%"`).
    pub max_changes: Option<MaxChangesValue>,
    /// Where the audit chain's head is appended after every command that
    /// wrote audit rows (contract: "Audit"): `"file:PATH"` (`~/` allowed),
    /// `"syslog"`, `"syslog:SOCKET"`. Profile only.
    #[serde(default)]
    pub audit_anchor: Vec<String>,
    /// Key file of `audit keygen`: signs every anchor and `audit digest`.
    pub audit_signing_key: Option<String>,
    /// `ed25519:…` as `audit keygen` prints it: `audit verify` checks
    /// the signatures of anchors (and of digests that carry one) with it.
    pub audit_public_key: Option<String>,
    /// Prometheus textfile rewritten after every changing run (contract:
    /// "Output", `metrics_file`); `--metrics-file` overrides it.
    pub metrics_file: Option<PathBuf>,
}

/// `max_changes` as TOML has it: `500` or `"2%"` (or `"500"`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum MaxChangesValue {
    Count(u64),
    Text(String),
}

/// `--max-changes` / the profile key `max_changes` (contract: the paragraph
/// after the command table): a count, or a percentage of the customers
/// that are not soft-deleted. A setting: the profile gives the default, the
/// flag of a bulk run (`bulk::TargetArgs`, `purge`) overrides it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MaxChanges {
    /// At most this many customers.
    Count(u64),
    /// At most this percentage (0 < P ≤ 100) of the customers not soft-deleted, rounded down, at least 1.
    Percent(f64),
}

impl std::fmt::Display for MaxChanges {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MaxChanges::Count(n) => write!(f, "{n}"),
            MaxChanges::Percent(p) => write!(f, "{p}%"),
        }
    }
}

/// Parses `N` (a whole number ≥ 0) or `P%` (0 < P ≤ 100, decimals allowed);
/// the error text names the value and the two forms.
pub(crate) fn parse_max_changes(s: &str) -> std::result::Result<MaxChanges, String> {
    let t = s.trim();
    if let Some(p) = t.strip_suffix('%') {
        return match p.trim().parse::<f64>() {
            Ok(v) if v > 0.0 && v <= 100.0 => Ok(MaxChanges::Percent(v)),
            _ => Err(format!(
                "{} is not a percentage between 0 and 100 (e.g. 2%)",
                crate::text::quote_input(t)
            )),
        };
    }
    t.parse::<u64>().map(MaxChanges::Count).map_err(|_| {
        format!(
            "{} is neither a number of customers (e.g. 500) nor a percentage (e.g. 2%)",
            crate::text::quote_input(t)
        )
    })
}

impl MaxChanges {
    /// The largest number of changes allowed, given how many customers are
    /// not soft-deleted.
    pub fn allowed(self, live_customers: i64) -> i64 {
        match self {
            MaxChanges::Count(n) => i64::try_from(n).unwrap_or(i64::MAX),
            // At least 1: `2%` of a small base must not refuse every run.
            MaxChanges::Percent(p) => {
                (((live_customers.max(0) as f64) * p / 100.0).floor() as i64).max(1)
            }
        }
    }
}

/// A number of seconds in the config file: `10` or `2.5`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(untagged)]
pub enum Seconds {
    Whole(i64),
    Fraction(f64),
}

impl Seconds {
    fn as_text(self) -> String {
        match self {
            Seconds::Whole(n) => n.to_string(),
            Seconds::Fraction(f) => f.to_string(),
        }
    }
}

/// Longest `lock_timeout` accepted: an hour (a cron job should not hang longer).
const MAX_LOCK_TIMEOUT_SECS: f64 = 3_600.0;

/// Longest `io_timeout` accepted: a day (a statement that legitimately runs
/// longer without a byte from the server is not one custadm sends).
const MAX_IO_TIMEOUT_SECS: f64 = 86_400.0;

/// Parses a `lock_timeout` value: seconds, a positive number up to 3600
/// (`10`, `0.5`); at least 1 ms. Contract: "Databases".
pub(crate) fn parse_lock_timeout(text: &str) -> std::result::Result<std::time::Duration, String> {
    parse_seconds("lock_timeout", text, MAX_LOCK_TIMEOUT_SECS)
}

/// Parses an `io_timeout` value: seconds, a positive number up to 86400
/// (`120`, `2.5`); at least 1 ms. Contract: "Databases".
pub(crate) fn parse_io_timeout(text: &str) -> std::result::Result<std::time::Duration, String> {
    parse_seconds("io_timeout", text, MAX_IO_TIMEOUT_SECS)
}

/// Seconds as a setting writes them (`10`, `2.5`, `3s`), between 1 ms and
/// `max`; the error names the setting `name` and the value.
fn parse_seconds(
    name: &str,
    text: &str,
    max: f64,
) -> std::result::Result<std::time::Duration, String> {
    let text = text.trim();
    let secs: f64 = text
        .strip_suffix('s')
        .unwrap_or(text)
        .trim()
        .parse()
        .map_err(|_| {
            format!(
                "{name} {} is not a number of seconds (e.g. 10 or 2.5)",
                crate::text::quote_input(text)
            )
        })?;
    if !secs.is_finite() || !(0.001..=max).contains(&secs) {
        return Err(format!(
            "{name} {} is out of range: give seconds between 0.001 and {max}",
            crate::text::quote_input(text)
        ));
    }
    Ok(std::time::Duration::from_millis(
        (secs * 1000.0).round() as u64
    ))
}

/// The whole file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
    /// Who owns the file that was read and its mode, from `fstat` on the
    /// descriptor it was read through (`None`: no file, or not read yet).
    #[serde(skip)]
    pub file: Option<FileFacts>,
}

/// The ownership facts of the configuration file custadm read, taken with
/// `fstat` on the very descriptor the text came from: the file whose owner
/// decides trust (`service_user`, contract "Operators and roles") is the
/// file whose text is used, with no window for a link to be swapped between
/// a check by name and a read by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileFacts {
    /// Owner uid.
    pub uid: u32,
    /// Permission bits (`mode & 0o7777`).
    pub mode: u32,
    /// The path's last component was a symbolic link: the file is read, but
    /// its ownership proves nothing (the link's owner chose where it points,
    /// and could point it elsewhere for the next run).
    pub via_link: bool,
}

/// Where a setting's value came from, for `config show`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Source {
    Flag(&'static str),
    Env(&'static str),
    Profile(String),
    Default,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Flag(flag) => write!(f, "flag {flag}"),
            Source::Env(var) => write!(f, "environment {var}"),
            Source::Profile(name) => write!(f, "profile {name}"),
            Source::Default => f.write_str("default"),
        }
    }
}

/// A setting's value and origin.
#[derive(Debug, Clone)]
pub(crate) struct Setting<T> {
    pub value: T,
    pub source: Source,
}

/// The path of the configuration file: `CUSTADM_CONFIG`, else
/// `$XDG_CONFIG_HOME/custadm/config.toml`, else `~/.config/custadm/config.toml`.
pub(crate) fn config_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CUSTADM_CONFIG").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(p));
    }
    std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".config"))
        })
        .map(|dir| dir.join("custadm").join("config.toml"))
}

/// True when a profile name is safe to offer to a shell and to print:
/// 1–64 characters of `A-Z a-z 0-9 . _ -`, starting with a letter or digit.
/// Completion scripts hand these names to bash, zsh and fish; a name such as
/// `$(touch owned)` must never get that far.
pub fn valid_profile_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// A parse error of the config file, without the values it may quote (serde
/// quotes a mistyped string value, which may be a URL with its password).
fn config_error_message(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(open) = rest.find(['"', '`']) {
        let quote = rest[open..].chars().next().unwrap_or('"');
        out.push_str(&rest[..=open]);
        let after = &rest[open + 1..];
        let close = after.find(quote).unwrap_or(after.len());
        let span = &after[..close];
        // Field names and short words stay; anything else is withheld.
        let plain = span.len() <= 40
            && span
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ' '));
        out.push_str(if plain { span } else { "…" });
        if close < after.len() {
            out.push(quote);
            rest = &after[close + 1..];
        } else {
            rest = "";
        }
    }
    out.push_str(rest);
    out
}

/// Parses the configuration file without the checks of [`load`]; a missing
/// file is an empty one. The ownership facts come from the descriptor the
/// text was read through ([`FileFacts`]).
fn parse(path: &Path) -> Result<ConfigFile> {
    let (text, facts) = match read_bounded(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(ConfigFile::default()),
        Err(e) => {
            return Err(Error::Setup(format!(
                "cannot read config file {}: {e}",
                path.display()
            )))
        }
    };
    let mut config = parse_text(&text, &path.display().to_string())?;
    config.file = Some(facts);
    Ok(config)
}

/// Largest configuration file read: 1 MiB (a few profiles take a few KiB).
const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// Reads a regular file of at most [`MAX_CONFIG_BYTES`]: a FIFO, a device
/// (`CUSTADM_CONFIG=/dev/zero`) or a huge file is refused instead of blocking
/// or exhausting memory (the bounded-reads rule of security round 2).
///
/// The file is opened once; its owner and mode are taken with `fstat` on
/// that descriptor and the text is read from it, so both describe the same
/// file. The last component is opened with `O_NOFOLLOW` first: a symbolic
/// link is still read (a dotfiles set-up), but marked
/// ([`FileFacts::via_link`]) so that its target's ownership decides nothing.
fn read_bounded(path: &Path) -> std::io::Result<(String, FileFacts)> {
    use std::io::{Error as IoError, ErrorKind, Read};
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
    // O_NONBLOCK: opening a FIFO must not wait for a writer.
    let open = |flags: i32| {
        std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK | flags)
            .open(path)
    };
    let (file, via_link) = match open(libc::O_NOFOLLOW) {
        Ok(file) => (file, false),
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => (open(0)?, true),
        Err(e) => return Err(e),
    };
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(IoError::new(ErrorKind::InvalidInput, "not a regular file"));
    }
    let facts = FileFacts {
        uid: meta.uid(),
        mode: meta.mode() & 0o7777,
        via_link,
    };
    let mut text = String::new();
    file.take(MAX_CONFIG_BYTES + 1).read_to_string(&mut text)?;
    if text.len() as u64 > MAX_CONFIG_BYTES {
        return Err(IoError::new(ErrorKind::InvalidData, "larger than 1 MiB"));
    }
    Ok((text, facts))
}

/// Parses the text of a configuration file; `origin` names it in errors.
/// An error says where (line, column) and what, but never quotes a value
/// (serde quotes a mistyped string, which may be a URL with its password).
pub fn parse_text(text: &str, origin: &str) -> Result<ConfigFile> {
    toml::from_str(text).map_err(|e| {
        let (line, col) = e
            .span()
            .map(|span| {
                let before = text.get(..span.start.min(text.len())).unwrap_or("");
                (
                    before.matches('\n').count() + 1,
                    before.len() - before.rfind('\n').map(|i| i + 1).unwrap_or(0) + 1,
                )
            })
            .unwrap_or((0, 0));
        Error::Setup(format!(
            "config file {origin} line {line}, column {col}: {}",
            config_error_message(e.message().trim())
        ))
    })
}

/// The settings of a profile that hold a secret, by field name: a database or
/// SMTP URL with a password in its userinfo or a password parameter (see
/// [`crate::secrets`]).
fn secret_fields(name: &str, p: &Profile) -> Vec<String> {
    let mut out = Vec::new();
    for (field, value) in [("database_url", &p.database_url), ("smtp_url", &p.smtp_url)] {
        if value.as_deref().is_some_and(crate::secrets::url_has_secret) {
            out.push(format!("profiles.{name}.{field}"));
        }
    }
    out
}

/// Reads and checks the configuration file; a missing file is an empty one.
/// Refused (exit 6): a profile name outside [`valid_profile_name`], and a
/// file holding any secret that its group or others can read (contract:
/// secret-bearing config needs mode 0600).
pub(crate) fn load(path: &Path) -> Result<ConfigFile> {
    let config = parse(path)?;
    if let Some((n, bad)) = config
        .profiles
        .keys()
        .enumerate()
        .find(|(_, n)| !valid_profile_name(n))
    {
        // Quoted (sanitised) unless it may hold a URL with its password.
        let shown = if bad.chars().count() <= 40 && !bad.contains(['@', ':', '%']) {
            crate::text::quote_input(bad)
        } else {
            format!("number {} (in sorted order)", n + 1)
        };
        return Err(Error::Setup(format!(
            "config file {}: profile name {shown} is not allowed: profile names are 1-64 characters of A-Z a-z 0-9 . _ - starting with a letter or digit; rename it",
            path.display()
        )));
    }
    let secret = config
        .profiles
        .iter()
        .flat_map(|(name, p)| secret_fields(name, p))
        .next();
    if let Some(field) = secret {
        // The facts of the file whose text was read (fstat on its descriptor).
        let (mode, owner) = config
            .file
            .map(|f| (f.mode & 0o777, f.uid))
            .unwrap_or((0o777, u32::MAX));
        // 0600; or, owned by root, 0640: the shared set-up where root owns
        // the file and only the service account's group reads it (so the
        // service account cannot rewrite its own `service_user`). Root only
        // in the initial user namespace: in `unshare -Ur` one's own files
        // show as owned by uid 0.
        let group_read_of_root =
            owner == 0 && mode & 0o037 == 0 && crate::terminal::in_initial_user_namespace();
        if mode & 0o077 != 0 && !group_read_of_root {
            return Err(Error::Setup(format!(
                "config file {} holds a password ({field}) but others can read it (mode {mode:04o}): run `chmod 600 {}`",
                path.display(),
                path.display()
            )));
        }
    }
    Ok(config)
}

/// The profile names to offer for completion: only names that pass
/// [`valid_profile_name`], whatever else the file holds (nothing is printed
/// for a file that does not parse).
pub(crate) fn profile_names(path: &Path) -> Vec<String> {
    parse(path)
        .map(|c| {
            c.profiles
                .into_keys()
                .filter(|n| valid_profile_name(n))
                .collect()
        })
        .unwrap_or_default()
}

/// The flags that take part in resolving settings.
#[derive(Debug, Default, Clone)]
pub(crate) struct Overrides {
    pub database_url: Option<String>,
    pub operator: Option<String>,
    pub profile: Option<String>,
}

/// Every effective setting, resolved once per process.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub config_path: Option<PathBuf>,
    /// The ownership facts of the config file read (when a profile was
    /// named and the file exists): what [`Settings::trusted_service_user`]
    /// decides on.
    pub config_file: Option<FileFacts>,
    /// The selected profile's name and where it was named.
    pub profile: Option<Setting<String>>,
    pub database_url: Setting<Option<String>>,
    pub operator: Setting<Option<String>>,
    pub smtp_url: Setting<Option<String>>,
    pub mail_from: Setting<Option<String>>,
    pub smtp_password_file: Setting<Option<PathBuf>>,
    /// Region for national-form phone numbers: profile key `default_region`,
    /// environment `CUSTADM_DEFAULT_REGION`; `None` means international form only.
    pub default_region: Setting<Option<String>>,
    pub production: bool,
    pub require_reason: bool,
    /// The selected profile's `smtp_allow_plaintext` (see
    /// [`Profile::smtp_allow_plaintext`]).
    pub smtp_allow_plaintext: bool,
    /// The selected profile's `service_user` (see [`Profile::service_user`]).
    pub service_user: Setting<Option<String>>,
    /// How long any lock wait may last.
    pub lock_timeout: Setting<std::time::Duration>,
    /// How long a PostgreSQL server may stay silent while custadm waits for
    /// its answer (config key `io_timeout`, `CUSTADM_IO_TIMEOUT`; 120 s).
    pub io_timeout: Setting<std::time::Duration>,
    /// The selected profile's `max_changes` (a flag overrides it per run).
    pub max_changes: Option<MaxChanges>,
    /// The selected profile's `audit_anchor` sinks, as written.
    pub audit_anchor: Vec<String>,
    /// The selected profile's `audit_signing_key` (`~/` expanded).
    pub audit_signing_key: Option<PathBuf>,
    /// The selected profile's `audit_public_key`, as written.
    pub audit_public_key: Option<String>,
    /// The selected profile's `metrics_file` (`~/` expanded; `--metrics-file`
    /// overrides it).
    pub metrics_file: Option<PathBuf>,
}

/// An environment variable: unset or blank is `None`; a value that is not
/// UTF-8 is an error, never silently "unset" (that would fall through to
/// the next source, e.g. another database).
fn env(name: &str) -> Result<Option<String>> {
    match std::env::var(name) {
        Ok(v) if v.trim().is_empty() => Ok(None),
        Ok(v) => Ok(Some(v)),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(Error::Usage(format!(
            "the environment variable {name} is not valid UTF-8: fix or unset it"
        ))),
    }
}

impl Settings {
    /// The profile's anchoring set-up (`audit_anchor`, `audit_signing_key`),
    /// checked: exit 6 for an unknown sink, a relative path, or a `file:`
    /// sink that is a symbolic link. With `load_key` (a command that writes
    /// audit rows, checked before it changes anything) the signing key is
    /// loaded and checked too ([`Settings::signing_key_checked`]); without,
    /// it is left for [`Settings::signing_key_checked`] when an anchor is
    /// signed. `None` when no sink is configured.
    pub fn anchoring(&self, load_key: bool) -> Result<Option<crate::db::audit::anchor::Anchoring>> {
        if self.audit_anchor.is_empty() {
            return Ok(None);
        }
        let sinks = self
            .audit_anchor
            .iter()
            .map(|s| crate::db::audit::anchor::parse_sink(s))
            .collect::<Result<Vec<_>>>()?;
        for sink in &sinks {
            crate::db::audit::anchor::check_sink(sink)?;
        }
        Ok(Some(crate::db::audit::anchor::Anchoring {
            sinks,
            key: if load_key {
                self.signing_key_checked()?
            } else {
                None
            },
        }))
    }

    /// The loaded `audit_signing_key`, when one is set (exit 6 when unusable).
    pub fn signing_key(&self) -> Result<Option<crate::db::audit::signing::Key>> {
        self.audit_signing_key
            .as_deref()
            .map(crate::db::audit::signing::Key::load)
            .transpose()
    }

    /// [`Settings::signing_key`], refused (exit 6) when `audit_public_key`
    /// is set and is not its public half: every anchor it signed would fail
    /// `audit verify --anchors` (found at the next nightly check, not now).
    pub fn signing_key_checked(&self) -> Result<Option<crate::db::audit::signing::Key>> {
        let Some(key) = self.signing_key()? else {
            return Ok(None);
        };
        if let Some(public) = self.public_key()? {
            if public != key.verifying_key() {
                let shown = self
                    .audit_signing_key
                    .as_deref()
                    .map(|p| crate::text::sanitize(&p.display().to_string()))
                    .unwrap_or_default();
                return Err(Error::Setup(format!(
                    "audit_signing_key {shown} does not match audit_public_key: the key file's public key is {}, and audit_public_key is {}; every anchor it signed would fail `custadm audit verify --anchors`; point audit_signing_key at the key whose public key is in audit_public_key, or set audit_public_key to the key file's (nothing was changed)",
                    key.public_key(),
                    crate::db::audit::signing::public_key_text(&public)
                )));
            }
        }
        Ok(Some(key))
    }

    /// The parsed `audit_public_key`, when one is set (exit 6 when malformed).
    pub fn public_key(&self) -> Result<Option<ed25519_dalek::VerifyingKey>> {
        self.audit_public_key
            .as_deref()
            .map(crate::db::audit::signing::parse_public_key)
            .transpose()
    }

    /// The configured `service_user` when it can be trusted (contract:
    /// "Operators and roles"): named in a config file owned by root that no
    /// one else may write. Otherwise anyone could write a config of their own
    /// naming themselves the service account and set `SUDO_USER` to whom they
    /// like. `Ok(None)` when none is set; `Err` says why one is ignored.
    ///
    /// The ownership is that of the file whose text was read (`fstat` on its
    /// descriptor, [`FileFacts`]), never looked up again by name; a config
    /// reached through a symbolic link, or read inside a user namespace other
    /// than the initial one (where one's own files show as owned by uid 0),
    /// proves nothing.
    pub fn trusted_service_user(&self) -> std::result::Result<Option<&str>, String> {
        let Some(name) = self.service_user.value.as_deref() else {
            return Ok(None);
        };
        let Some(path) = self.config_path.as_deref() else {
            return Ok(None);
        };
        let shown = crate::text::sanitize(&path.display().to_string());
        match self.config_file {
            Some(f) if f.via_link => Err(format!(
                "service_user is ignored: {shown} is a symbolic link; name the file itself (CUSTADM_CONFIG=its real path), owned by root and writable by no one else"
            )),
            Some(f)
                if f.uid == 0
                    && f.mode & 0o022 == 0
                    && crate::terminal::in_initial_user_namespace() =>
            {
                Ok(Some(name))
            }
            _ => Err(format!(
                "service_user is ignored: {shown} must be owned by root and writable by no one else (chown root {shown}; chmod go-w {shown})"
            )),
        }
    }

    /// The one warning for secrets other users can read (contract
    /// "Operators and roles"): a database URL with a password on the command
    /// line (`--database-url`, visible in `ps`), and database or SMTP URLs
    /// with one in the environment (`/proc/PID/environ`, every child
    /// process). They still work; the warning names where they came from and
    /// where to put the password instead. `None` when there is nothing to say.
    pub fn exposed_secrets_warning(&self) -> Option<String> {
        let mut exposed = Vec::new();
        for setting in [&self.database_url, &self.smtp_url] {
            let has_secret = setting
                .value
                .as_deref()
                .is_some_and(crate::secrets::url_has_secret);
            match &setting.source {
                Source::Flag(flag) if has_secret => exposed.push(format!("{flag} (visible in ps)")),
                Source::Env(var) if has_secret => {
                    exposed.push(format!("{var} (visible in the process environment)"))
                }
                _ => {}
            }
        }
        // DATABASE_URL and the like are not chosen when a flag wins, but
        // still sit in the environment of this process.
        (!exposed.is_empty()).then(|| {
            format!(
                "a password is given in {}, where other users or programs can read it: put the URL in a profile of the config file (mode 0600), or the PostgreSQL password in ~/.pgpass (libpq's passfile) and the SMTP password in smtp_password_file",
                exposed.join(" and ")
            )
        })
    }

    /// Resolves the settings in the contract's order. The file is read only
    /// when a profile is named.
    pub fn resolve(flags: &Overrides) -> Result<Settings> {
        let config_path = config_path();
        let flag_profile = flags.profile.clone();
        let env_profile = env("CUSTADM_PROFILE")?;
        let mut config_file = None;
        let (flag_p, env_p, profile) = if flag_profile.is_some() || env_profile.is_some() {
            let path = config_path.clone().ok_or_else(|| {
                Error::Setup("a profile is named but there is no config file path (set CUSTADM_CONFIG or HOME)".into())
            })?;
            let file = load(&path)?;
            config_file = file.file;
            let pick = |name: &Option<String>, how: &str| -> Result<Option<(String, Profile)>> {
                match name {
                    None => Ok(None),
                    Some(n) => match file.profiles.get(n) {
                        Some(p) => Ok(Some((n.clone(), p.clone()))),
                        None if file.file.is_none() => Err(Error::Setup(format!(
                            "profile '{n}' ({how}) cannot be found: the config file {} does not exist; make it (mode 0600) with a section [profiles.{n}] and a line database_url = \"…\" (README: Configuration, Profiles), or set CUSTADM_CONFIG to the file that has it",
                            path.display()
                        ))),
                        None => Err(Error::Setup(format!(
                            "profile '{n}' ({how}) is not in {}; profiles there: {}",
                            path.display(),
                            if file.profiles.is_empty() {
                                "none".to_string()
                            } else {
                                file.profiles.keys().cloned().collect::<Vec<_>>().join(", ")
                            }
                        ))),
                    },
                }
            };
            let flag_p = pick(&flag_profile, "--profile")?;
            let env_p = if flag_p.is_some() {
                None
            } else {
                pick(&env_profile, "CUSTADM_PROFILE")?
            };
            let profile = flag_p
                .as_ref()
                .map(|(n, _)| Setting {
                    value: n.clone(),
                    source: Source::Flag("--profile"),
                })
                .or_else(|| {
                    env_p.as_ref().map(|(n, _)| Setting {
                        value: n.clone(),
                        source: Source::Env("CUSTADM_PROFILE"),
                    })
                });
            (flag_p, env_p, profile)
        } else {
            (None, None, None)
        };

        // flag > --profile > own env var > CUSTADM_PROFILE > fallback env > default
        fn pick<T: Clone>(
            flag: Option<(T, &'static str)>,
            flag_profile: Option<(&str, Option<T>)>,
            env_var: Option<(T, &'static str)>,
            env_profile: Option<(&str, Option<T>)>,
            fallback_env: Option<(T, &'static str)>,
        ) -> Setting<Option<T>> {
            if let Some((v, f)) = flag {
                return Setting {
                    value: Some(v),
                    source: Source::Flag(f),
                };
            }
            if let Some((name, Some(v))) = flag_profile {
                return Setting {
                    value: Some(v),
                    source: Source::Profile(name.to_string()),
                };
            }
            if let Some((v, e)) = env_var {
                return Setting {
                    value: Some(v),
                    source: Source::Env(e),
                };
            }
            if let Some((name, Some(v))) = env_profile {
                return Setting {
                    value: Some(v),
                    source: Source::Profile(name.to_string()),
                };
            }
            if let Some((v, e)) = fallback_env {
                return Setting {
                    value: Some(v),
                    source: Source::Env(e),
                };
            }
            Setting {
                value: None,
                source: Source::Default,
            }
        }
        let fp = |get: fn(&Profile) -> Option<String>| {
            flag_p.as_ref().map(|(n, p)| (n.as_str(), get(p)))
        };
        let ep =
            |get: fn(&Profile) -> Option<String>| env_p.as_ref().map(|(n, p)| (n.as_str(), get(p)));
        let database_url = pick(
            flags.database_url.clone().map(|v| (v, "--database-url")),
            fp(|p| p.database_url.clone()),
            env("CUSTADM_DATABASE_URL")?.map(|v| (v, "CUSTADM_DATABASE_URL")),
            ep(|p| p.database_url.clone()),
            env("DATABASE_URL")?.map(|v| (v, "DATABASE_URL")),
        );
        let operator = pick(
            flags.operator.clone().map(|v| (v, "--operator")),
            fp(|p| p.operator.clone()),
            env("CUSTADM_OPERATOR")?.map(|v| (v, "CUSTADM_OPERATOR")),
            ep(|p| p.operator.clone()),
            None,
        );
        let smtp_url = pick(
            None,
            fp(|p| p.smtp_url.clone()),
            env("CUSTADM_SMTP_URL")?.map(|v| (v, "CUSTADM_SMTP_URL")),
            ep(|p| p.smtp_url.clone()),
            None,
        );
        let mail_from = pick(
            None,
            fp(|p| p.mail_from.clone()),
            env("CUSTADM_MAIL_FROM")?.map(|v| (v, "CUSTADM_MAIL_FROM")),
            ep(|p| p.mail_from.clone()),
            None,
        );
        let password_file = pick(
            None,
            fp(|p| {
                p.smtp_password_file
                    .as_ref()
                    .map(|f| f.display().to_string())
            }),
            env("CUSTADM_SMTP_PASSWORD_FILE")?.map(|v| (v, "CUSTADM_SMTP_PASSWORD_FILE")),
            ep(|p| {
                p.smtp_password_file
                    .as_ref()
                    .map(|f| f.display().to_string())
            }),
            None,
        );
        let default_region = pick(
            None,
            fp(|p| p.default_region.clone()),
            env("CUSTADM_DEFAULT_REGION")?.map(|v| (v, "CUSTADM_DEFAULT_REGION")),
            ep(|p| p.default_region.clone()),
            None,
        );
        if let Some(region) = &default_region.value {
            crate::validate::phone_region(region).map_err(|e| {
                Error::Usage(format!(
                    "default_region (from {}): {e}",
                    default_region.source
                ))
            })?;
        }
        let service_user = pick(
            None,
            fp(|p| p.service_user.clone()),
            None,
            ep(|p| p.service_user.clone()),
            None,
        );
        let timeout_setting =
            |var: &'static str,
             get: fn(&Profile) -> Option<Seconds>,
             parse: fn(&str) -> std::result::Result<std::time::Duration, String>,
             default: std::time::Duration|
             -> Result<Setting<std::time::Duration>> {
                let text = pick(
                    None,
                    flag_p
                        .as_ref()
                        .map(|(n, p)| (n.as_str(), get(p).map(Seconds::as_text))),
                    env(var)?.map(|v| (v, var)),
                    env_p
                        .as_ref()
                        .map(|(n, p)| (n.as_str(), get(p).map(Seconds::as_text))),
                    None,
                );
                Ok(Setting {
                    value: match &text.value {
                        None => default,
                        Some(t) => parse(t).map_err(|why| match &text.source {
                            Source::Profile(name) => {
                                Error::Setup(format!("config file, profile {name}: {why}"))
                            }
                            _ => Error::Usage(format!("{var}: {why}")),
                        })?,
                    },
                    source: text.source,
                })
            };
        let lock_timeout = timeout_setting(
            "CUSTADM_LOCK_TIMEOUT",
            |p| p.lock_timeout,
            parse_lock_timeout,
            crate::db::DEFAULT_LOCK_TIMEOUT,
        )?;
        let io_timeout = timeout_setting(
            "CUSTADM_IO_TIMEOUT",
            |p| p.io_timeout,
            parse_io_timeout,
            crate::db::DEFAULT_IO_TIMEOUT,
        )?;
        let chosen = flag_p
            .as_ref()
            .or(env_p.as_ref())
            .map(|(_, p)| p.clone())
            .unwrap_or_default();
        let max_changes = match &chosen.max_changes {
            None => None,
            Some(v) => {
                let text = match v {
                    MaxChangesValue::Count(n) => n.to_string(),
                    MaxChangesValue::Text(t) => t.clone(),
                };
                let name = profile.as_ref().map(|p| p.value.as_str()).unwrap_or("?");
                Some(parse_max_changes(&text).map_err(|e| {
                    Error::Setup(format!(
                        "config file: profiles.{}.max_changes: {e}",
                        crate::text::sanitize(name)
                    ))
                })?)
            }
        };
        Ok(Settings {
            config_path,
            config_file,
            profile,
            database_url,
            operator,
            smtp_url,
            mail_from,
            smtp_password_file: Setting {
                value: password_file
                    .value
                    .as_deref()
                    .map(crate::paths::expand_home)
                    .transpose()?
                    .map(PathBuf::from),
                source: password_file.source,
            },
            default_region,
            production: chosen.production,
            require_reason: chosen.require_reason,
            smtp_allow_plaintext: chosen.smtp_allow_plaintext,
            service_user,
            lock_timeout,
            io_timeout,
            max_changes,
            audit_signing_key: chosen
                .audit_signing_key
                .as_deref()
                .map(|p| {
                    crate::paths::expand_home_of("config file: audit_signing_key", p)
                        .map(PathBuf::from)
                })
                .transpose()?,
            audit_anchor: chosen.audit_anchor,
            audit_public_key: chosen.audit_public_key,
            metrics_file: chosen
                .metrics_file
                .as_deref()
                .map(|p| {
                    crate::paths::expand_home_of("config file: metrics_file", &p.to_string_lossy())
                        .map(PathBuf::from)
                })
                .transpose()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_names_are_inert() {
        for good in ["prod", "eu-west.1", "a_b", "9"] {
            assert!(valid_profile_name(good), "{good}");
        }
        for bad in [
            "",
            "$(touch${IFS}owned)",
            "`id`",
            "a;b",
            "a'b",
            "a\nb",
            "-x",
            ".x",
            "é",
        ] {
            assert!(!valid_profile_name(bad), "{bad}");
        }
    }

    #[test]
    fn lock_timeouts() {
        use std::time::Duration;
        assert_eq!(parse_lock_timeout("10"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_lock_timeout("2.5"), Ok(Duration::from_millis(2_500)));
        assert_eq!(parse_lock_timeout(" 3s "), Ok(Duration::from_secs(3)));
        for bad in ["0", "-1", "abc", "NaN", "inf", "3601", ""] {
            assert!(parse_lock_timeout(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_io_timeout("120"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_io_timeout("86400"), Ok(Duration::from_secs(86_400)));
        for bad in ["0", "-1", "x", "86401"] {
            assert!(parse_io_timeout(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn max_changes_forms() {
        assert_eq!(parse_max_changes("500"), Ok(MaxChanges::Count(500)));
        assert_eq!(parse_max_changes("2%"), Ok(MaxChanges::Percent(2.0)));
        assert_eq!(parse_max_changes("0.5%").map(|m| m.allowed(1_000)), Ok(5));
        assert_eq!(MaxChanges::Percent(2.0).allowed(1_049), 20);
        for bad in ["", "-1", "2 %x", "0%", "101%", "x%", "1.5"] {
            assert!(parse_max_changes(bad).is_err(), "{bad}");
        }
    }
}
