//! Signed chain heads (contract: "Audit": `audit keygen`, `audit_signing_key`,
//! `audit_public_key`): Ed25519 as RFC 8032 defines it (pure Ed25519, no
//! pre-hash), by `ed25519-dalek`. A leaf module: no SQL, no backend.
//!
//! # The signed message (version 1)
//!
//! The signature covers one head — the fields of an anchor line or of `audit
//! digest` — in the chain's own length-prefixed encoding (see
//! [`super::chain`]: `str(s)` = the byte length of `s` as 8 bytes big-endian,
//! then the bytes; `int(n)` = 8 bytes big-endian two's complement; `opt(x)` =
//! `0x00` for null, else `0x01` then `x`; `hash(h)` = the 32 raw bytes of a
//! 64-hex-digit hash):
//!
//! ```text
//! message = str("custadm-audit-head-v1") ‖ int(id) ‖ hash(chain_hash)
//!           ‖ str(occurred_at) ‖ opt(str(run))
//! ```
//!
//! `occurred_at` is the text of the JSON field as written (RFC 3339 UTC,
//! `2026-11-30T12:34:56Z`), `run` the run id of the command that wrote the
//! rows (null for `view`, refusals and `audit digest`). The signature is
//! stored as 128 lower-case hex digits (the 64 bytes R ‖ S of RFC 8032
//! §5.1.6); keys as `ed25519:` and 64 hex digits (the 32-byte public key of
//! §5.1.5).
//!
//! # Key file
//!
//! `audit keygen FILE` writes one line, `ed25519-secret:` and the 32-byte
//! secret seed of RFC 8032 §5.1.5 as 64 hex digits, to a new file of mode
//! 0600. Every OS account that runs changing commands (or `view`, `export`,
//! `audit digest`) with the profile signs, so must read it: one account
//! (0600), or a group of them (0640, e.g. owner root, group `custadm`,
//! like a shared config file). A key file others can read, or its group
//! can write, is refused (exit 6). Commands that write no audit row never
//! read it.

use std::io::{Read, Write};
use std::path::Path;

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

use super::chain::{from_hex, hash_from_hex, to_hex};
use crate::error::{Error, Result};

/// Prefix of a public key in the config (`audit_public_key = "ed25519:…"`).
pub const PUBLIC_PREFIX: &str = "ed25519:";
/// Prefix of the secret line of a key file.
const SECRET_PREFIX: &str = "ed25519-secret:";
/// Largest key file read (the line is 80 bytes).
const MAX_KEY_FILE: u64 = 4096;

/// The fields a signature covers (see the module doc).
#[derive(Debug, Clone, Copy)]
pub struct SignedHead<'a> {
    pub id: i64,
    /// 64 hex digits.
    pub chain_hash: &'a str,
    /// RFC 3339 text as written.
    pub occurred_at: &'a str,
    pub run: Option<&'a str>,
}

/// The message of [`SignedHead`] in the documented encoding; `None` when the
/// chain hash is not 64 hex digits.
pub fn message(head: &SignedHead<'_>) -> Option<Vec<u8>> {
    fn str(out: &mut Vec<u8>, s: &[u8]) {
        out.extend_from_slice(&(s.len() as u64).to_be_bytes());
        out.extend_from_slice(s);
    }
    let hash = hash_from_hex(head.chain_hash)?;
    let mut out = Vec::with_capacity(128);
    str(&mut out, b"custadm-audit-head-v1");
    out.extend_from_slice(&head.id.to_be_bytes());
    out.extend_from_slice(&hash);
    str(&mut out, head.occurred_at.as_bytes());
    match head.run {
        None => out.push(0),
        Some(run) => {
            out.push(1);
            str(&mut out, run.as_bytes());
        }
    }
    Some(out)
}

/// A loaded signing key (zeroed when dropped).
pub struct Key(SigningKey);

impl Key {
    /// Signs `head`: 128 hex digits.
    pub fn sign(&self, head: &SignedHead<'_>) -> Result<String> {
        let msg = message(head)
            .ok_or_else(|| Error::Internal("signing a head whose hash is not hex".into()))?;
        Ok(to_hex(&self.0.sign(&msg).to_bytes()))
    }

    /// The config line verifiers need: `ed25519:` and 64 hex digits.
    pub fn public_key(&self) -> String {
        public_key_text(&self.0.verifying_key())
    }

    /// The public half.
    pub fn verifying_key(&self) -> VerifyingKey {
        self.0.verifying_key()
    }

    /// Reads a key file made by `audit keygen`. Exit 6 when it cannot be
    /// read, is not one, or can be read by others or written by its group
    /// (checked on the open file, so a link cannot be swapped in between;
    /// 0640 shares it with a group, see the module doc).
    pub fn load(path: &Path) -> Result<Key> {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let shown = crate::text::sanitize(&path.display().to_string());
        let bad = |why: String| Error::Setup(format!("audit_signing_key {shown}: {why}"));
        let file = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(path)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::PermissionDenied => bad(format!(
                    "cannot read it: {e}: the OS account {} signs the audit anchors of its changes, so it must be able to read the key (for several accounts: owner root, a group such as `custadm` with every operator's account in it, mode 0640); commands that write no audit row do not need it",
                    crate::text::sanitize(&crate::terminal::os_login_name())
                )),
                _ => bad(format!("cannot read it: {e}")),
            })?;
        let meta = file
            .metadata()
            .map_err(|e| bad(format!("cannot read it: {e}")))?;
        if !meta.is_file() {
            return Err(bad("not a regular file".into()));
        }
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o027 != 0 {
            return Err(bad(format!(
                "{} (mode {mode:04o}): run `chmod 600 {shown}`, or `chmod 640 {shown}` to share it with its group only",
                if mode & 0o007 != 0 {
                    "every user can read or write it"
                } else {
                    "its group can write it"
                }
            )));
        }
        let mut text = zeroize::Zeroizing::new(String::new());
        file.take(MAX_KEY_FILE)
            .read_to_string(&mut text)
            .map_err(|_| bad("not a key file made by `custadm audit keygen`".into()))?;
        let seed = text
            .trim()
            .strip_prefix(SECRET_PREFIX)
            .and_then(from_hex)
            .map(zeroize::Zeroizing::new)
            .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok())
            .ok_or_else(|| bad("not a key file made by `custadm audit keygen`".into()))?;
        Ok(Key(SigningKey::from_bytes(&seed)))
    }

    /// `audit keygen FILE`: a new key from the OS CSPRNG written to a new
    /// file of mode 0600 (never over an existing one: exit 2), synced.
    pub fn generate(path: &Path) -> Result<Key> {
        use rand::TryRngCore;
        use std::os::unix::fs::OpenOptionsExt;
        let shown = crate::text::sanitize(&path.display().to_string());
        let mut seed = zeroize::Zeroizing::new([0u8; 32]);
        rand::rngs::OsRng
            .try_fill_bytes(seed.as_mut())
            .map_err(|e| Error::Internal(format!("the OS random generator failed: {e}")))?;
        let key = Key(SigningKey::from_bytes(&seed));
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::AlreadyExists => Error::Usage(format!(
                    "{shown} exists: `audit keygen` never overwrites a key; choose another file"
                )),
                _ => Error::Usage(format!("cannot create {shown}: {e}")),
            })?;
        let line = zeroize::Zeroizing::new(format!("{SECRET_PREFIX}{}\n", to_hex(seed.as_ref())));
        file.write_all(line.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|e| {
                let _ = std::fs::remove_file(path);
                Error::Usage(format!("cannot write {shown}: {e}"))
            })?;
        Ok(key)
    }
}

/// A public key as the config writes it: `ed25519:` and 64 hex digits.
pub fn public_key_text(key: &VerifyingKey) -> String {
    format!("{PUBLIC_PREFIX}{}", to_hex(key.as_bytes()))
}

/// A public key from the config (`ed25519:` and 64 hex digits). Exit 6 when
/// it is not one (a config error).
pub fn parse_public_key(text: &str) -> Result<VerifyingKey> {
    text.trim()
        .strip_prefix(PUBLIC_PREFIX)
        .and_then(from_hex)
        .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok())
        .and_then(|b| VerifyingKey::from_bytes(&b).ok())
        .ok_or_else(|| {
            Error::Setup(
                "audit_public_key is not a key printed by `custadm audit keygen` (ed25519: and 64 hex digits)".into(),
            )
        })
}

/// True when `signature` (128 hex digits) is `key`'s signature of `head`
/// (RFC 8032 §5.1.7, strict: no malleable or small-order forms). Anything
/// malformed is simply not a valid signature.
pub fn verify(key: &VerifyingKey, head: &SignedHead<'_>, signature: &str) -> bool {
    let Some(msg) = message(head) else {
        return false;
    };
    let Some(sig) = from_hex(signature).and_then(|b| <[u8; 64]>::try_from(b.as_slice()).ok())
    else {
        return false;
    };
    key.verify_strict(&msg, &Signature::from_bytes(&sig))
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A known answer computed outside Rust, with Python's `cryptography`
    /// 48.0 (OpenSSL's Ed25519) over the message encoding documented above
    /// (Ed25519 is deterministic: RFC 8032 §5.1.6).
    #[test]
    fn signature_matches_a_known_answer() {
        let seed: [u8; 32] = core::array::from_fn(|i| i as u8);
        let key = Key(SigningKey::from_bytes(&seed));
        let head = SignedHead {
            id: 42,
            chain_hash: "c238a5afd8669950074e1c171ae2a16dd984cb8131cf74e001cfe5af06e81ffd",
            occurred_at: "2026-11-30T12:34:56Z",
            run: Some("01JDQ5V7X1N3Z8G4M2K6P9R0ST"),
        };
        assert_eq!(to_hex(&message(&head).expect("hex")), KNOWN_MESSAGE);
        assert_eq!(key.public_key(), KNOWN_PUBLIC);
        let sig = key.sign(&head).expect("sign");
        assert_eq!(sig, KNOWN_SIGNATURE);
        let public = parse_public_key(KNOWN_PUBLIC).expect("public key");
        assert!(verify(&public, &head, &sig));
        // Any other field, or no run, is another message.
        assert!(!verify(&public, &SignedHead { id: 43, ..head }, &sig));
        assert!(!verify(&public, &SignedHead { run: None, ..head }, &sig));
        assert!(!verify(&public, &head, "00"));
    }

    const KNOWN_MESSAGE: &str = "00000000000000156375737461646d2d61756469742d686561642d7631000000000000002ac238a5afd8669950074e1c171ae2a16dd984cb8131cf74e001cfe5af06e81ffd0000000000000014323032362d31312d33305431323a33343a35365a01000000000000001a30314a445135563758314e335a3847344d324b36503952305354";
    const KNOWN_PUBLIC: &str =
        "ed25519:03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8";
    const KNOWN_SIGNATURE: &str = "6bfc7e56bafdaf6e39d5beb1da21441a8ebc23f2942e11083b6f2ce24d49eae60ed8a889263a92c2cb998e75638fb94a03cc3dcf11c486b76896ac8a83afd400";
}
