//! Passwords: Argon2id hashing at the contract's policy, verification with
//! upgrade of weaker hashes, temporary customer passwords from the OS CSPRNG,
//! and reading a password from a hidden prompt or one line of stdin. Secrets
//! live in `Zeroizing` buffers and never reach argv, env, logs or errors.

use std::io::BufRead;

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::terminal;

/// Argon2id memory cost in KiB (OWASP minimum).
pub const MEMORY_KIB: u32 = 19_456;
/// Argon2id iterations.
pub const ITERATIONS: u32 = 2;
/// Argon2id parallelism.
pub const PARALLELISM: u32 = 1;
/// Shortest operator password.
pub const MIN_OPERATOR_PASSWORD_CHARS: usize = 12;
/// Length of a generated temporary customer password.
pub const TEMPORARY_PASSWORD_CHARS: usize = 24;
/// The alphabet of temporary passwords: no look-alikes (0/O, 1/l/I).
/// 55 symbols × 24 characters ≈ 138 bits.
const TEMPORARY_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

/// A password held in memory that is wiped when dropped.
pub type Secret = Zeroizing<String>;

fn hasher() -> Result<Argon2<'static>> {
    let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None)
        .map_err(|e| Error::Internal(format!("argon2 parameters: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes a password as an Argon2id PHC string at the policy's parameters.
pub fn hash(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    hasher()?
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(format!("argon2 hashing failed: {e}")))
}

/// The result of checking a password against a stored hash.
#[derive(Debug, PartialEq, Eq)]
pub enum Verified {
    /// Wrong password (or an unreadable hash).
    No,
    /// Right password, hash meets the policy.
    Yes,
    /// Right password; the hash was below the policy and here is its replacement.
    YesRehashed(String),
}

/// Checks `password` against a PHC string, using the parameters stored in it.
pub fn verify(password: &str, stored: &str) -> Result<Verified> {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return Ok(Verified::No);
    };
    if Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_err()
    {
        return Ok(Verified::No);
    }
    if meets_policy(&parsed) {
        Ok(Verified::Yes)
    } else {
        Ok(Verified::YesRehashed(hash(password)?))
    }
}

fn meets_policy(parsed: &PasswordHash<'_>) -> bool {
    let Ok(params) = Params::try_from(parsed) else {
        return false;
    };
    parsed.algorithm.as_str() == "argon2id"
        && params.m_cost() >= MEMORY_KIB
        && params.t_cost() >= ITERATIONS
        && params.p_cost() == PARALLELISM
}

/// Refuses operator passwords shorter than the policy.
pub fn check_operator_password(password: &str) -> Result<()> {
    let chars = password.chars().count();
    if chars < MIN_OPERATOR_PASSWORD_CHARS {
        return Err(Error::Usage(format!(
            "password too short: operator passwords need at least {MIN_OPERATOR_PASSWORD_CHARS} characters"
        )));
    }
    Ok(())
}

/// A new temporary customer password from the OS CSPRNG.
pub fn generate_temporary() -> Secret {
    use rand::{Rng, TryRngCore};
    let mut rng = rand::rngs::OsRng.unwrap_err();
    let mut out = Zeroizing::new(String::with_capacity(TEMPORARY_PASSWORD_CHARS));
    for _ in 0..TEMPORARY_PASSWORD_CHARS {
        let i = rng.random_range(0..TEMPORARY_ALPHABET.len());
        out.push(TEMPORARY_ALPHABET[i] as char);
    }
    out
}

/// Where a password comes from: `--password-stdin`, or the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordSource {
    Stdin,
    Prompt,
}

impl PasswordSource {
    /// Decides the source up front, so a command without a terminal and
    /// without `--password-stdin` fails at once (exit 2) instead of waiting.
    pub fn choose(password_stdin: bool) -> Result<Self> {
        if password_stdin {
            Ok(PasswordSource::Stdin)
        } else if terminal::interactive() {
            Ok(PasswordSource::Prompt)
        } else {
            Err(Error::Usage(
                "a password is needed but there is no terminal to ask on: pass --password-stdin and give the password(s) on standard input, one a line".into(),
            ))
        }
    }

    /// Reads an existing password (asked once).
    pub fn read(self, prompt: &str) -> Result<Secret> {
        match self {
            PasswordSource::Stdin => read_stdin_line(),
            PasswordSource::Prompt => prompt_hidden(prompt),
        }
    }

    /// Reads a new password: asked twice on a terminal, checked against the
    /// operator policy.
    pub fn read_new(self, prompt: &str) -> Result<Secret> {
        let first = self.read(prompt)?;
        check_operator_password(&first)?;
        if self == PasswordSource::Prompt {
            let second = prompt_hidden("Repeat the password: ")?;
            if *first != *second {
                return Err(Error::Usage(
                    "the two passwords differ; nothing was changed".into(),
                ));
            }
        }
        Ok(first)
    }
}

fn prompt_hidden(prompt: &str) -> Result<Secret> {
    let password = rpassword::prompt_password(prompt)
        .map(Zeroizing::new)
        .map_err(|e| Error::Usage(format!("cannot read the password from the terminal: {e}")))?;
    if password.is_empty() {
        return Err(Error::Usage("empty password; nothing was changed".into()));
    }
    Ok(password)
}

/// Reads exactly one line of stdin as the password (the newline removed).
fn read_stdin_line() -> Result<Secret> {
    let mut line = Zeroizing::new(String::new());
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Error::Usage(format!("cannot read the password from standard input: {e}")))?;
    let trimmed = Zeroizing::new(line.trim_end_matches(['\n', '\r']).to_string());
    if trimmed.is_empty() {
        return Err(Error::Usage(
            "--password-stdin: standard input gave no password (one line expected)".into(),
        ));
    }
    Ok(trimmed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_passwords_are_long_and_unambiguous() {
        let p = generate_temporary();
        assert_eq!(p.chars().count(), TEMPORARY_PASSWORD_CHARS);
        assert!(!p.contains(['0', 'O', '1', 'l', 'I']));
        assert_ne!(*p, *generate_temporary());
    }

    #[test]
    fn weak_hash_is_upgraded() -> Result<()> {
        let weak = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(1024, 1, 1, None).map_err(|e| Error::Internal(e.to_string()))?,
        )
        .hash_password(b"correct horse battery", &SaltString::generate(&mut OsRng))
        .map_err(|e| Error::Internal(e.to_string()))?
        .to_string();
        assert_eq!(verify("wrong", &weak)?, Verified::No);
        let Verified::YesRehashed(new) = verify("correct horse battery", &weak)? else {
            panic!("weak hash not upgraded");
        };
        assert!(new.contains("m=19456,t=2,p=1"));
        assert_eq!(verify("correct horse battery", &new)?, Verified::Yes);
        Ok(())
    }
}
