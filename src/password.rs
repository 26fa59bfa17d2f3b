//! Passwords: Argon2id hashing at the contract's policy, verification with
//! upgrade of weaker hashes, temporary customer passwords from the OS CSPRNG,
//! and reading a password from a hidden prompt or one line of stdin. Secrets
//! live in `Zeroizing` buffers and never reach argv, env, logs or errors.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use zeroize::{Zeroize, Zeroizing};

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
    /// Wrong password.
    No,
    /// The stored hash is not one custadm can verify: not an Argon2 PHC
    /// string (bcrypt, MD5, plain text, written by another program).
    /// Contract "Operators and roles": exit 6 naming the operator and the
    /// fix, never counted as a wrong password.
    Unverifiable,
    /// Right password, hash meets the policy.
    Yes,
    /// Right password; the hash was below the policy and here is its replacement.
    YesRehashed(String),
}

/// Largest Argon2 memory cost custadm verifies, in KiB (256 MiB: 13 times
/// the policy's 19 MiB). A stored hash asking for more is refused before
/// anything is allocated (a hash written with m = 4 GiB would make every
/// verification allocate 4 GiB).
pub const MAX_VERIFY_MEMORY_KIB: u32 = 262_144;
/// Largest Argon2 time cost custadm verifies.
pub const MAX_VERIFY_ITERATIONS: u32 = 64;
/// Largest Argon2 parallelism custadm verifies.
pub const MAX_VERIFY_PARALLELISM: u32 = 16;

/// Refuses (exit 6) a stored hash whose Argon2 parameters are outside what
/// custadm verifies, before any memory is allocated for it.
fn check_verify_cost(parsed: &PasswordHash<'_>) -> Result<()> {
    let get = |name: &str| -> Option<u64> {
        parsed
            .params
            .get_str(name)
            .and_then(|v| v.parse::<u64>().ok())
    };
    let (m, t, p) = (get("m"), get("t"), get("p"));
    let within = |v: Option<u64>, max: u32| v.is_none_or(|v| v <= u64::from(max));
    if within(m, MAX_VERIFY_MEMORY_KIB)
        && within(t, MAX_VERIFY_ITERATIONS)
        && within(p, MAX_VERIFY_PARALLELISM)
    {
        return Ok(());
    }
    let show = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_else(|| "?".into());
    Err(Error::Setup(format!(
        "the stored password hash asks for Argon2 parameters outside what custadm verifies (m={} KiB, t={}, p={}; at most m={MAX_VERIFY_MEMORY_KIB}, t={MAX_VERIFY_ITERATIONS}, p={MAX_VERIFY_PARALLELISM}); it was not written by custadm: have an admin set a new password with `custadm operator passwd NAME`",
        show(m),
        show(t),
        show(p)
    )))
}

/// Checks `password` against a PHC string, using the parameters stored in it.
/// A hash whose parameters are outside the verifiable range is an error
/// (exit 6), checked before anything is allocated.
pub fn verify(password: &str, stored: &str) -> Result<Verified> {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return Ok(Verified::Unverifiable);
    };
    if !matches!(
        parsed.algorithm.as_str(),
        "argon2id" | "argon2i" | "argon2d"
    ) {
        return Ok(Verified::Unverifiable);
    }
    check_verify_cost(&parsed)?;
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
    /// operator policy. On a terminal a password that is too short or does
    /// not match its repetition is asked for again, up to
    /// [`PROMPT_ATTEMPTS`] times in all (as `passwd` does); the last failure
    /// is the error (exit 2).
    pub fn read_new(self, prompt: &str) -> Result<Secret> {
        if self == PasswordSource::Stdin {
            let first = self.read(prompt)?;
            check_operator_password(&first)?;
            return Ok(first);
        }
        let mut attempt = 1;
        loop {
            let outcome = (|| {
                let first = prompt_hidden(prompt)?;
                check_operator_password(&first)?;
                let second = prompt_hidden("Repeat the password: ")?;
                if *first != *second {
                    return Err(Error::Usage(
                        "the two passwords differ; nothing was changed".into(),
                    ));
                }
                Ok(first)
            })();
            match outcome {
                Err(Error::Usage(msg)) if attempt < PROMPT_ATTEMPTS && retryable(&msg) => {
                    attempt += 1;
                    tty_say(&format!(
                        "{msg}; try again ({attempt} of {PROMPT_ATTEMPTS})"
                    ));
                }
                other => return other,
            }
        }
    }
}

/// How many times a terminal asks for a new password before giving up.
pub const PROMPT_ATTEMPTS: u32 = 3;

fn retryable(msg: &str) -> bool {
    msg.starts_with("password too short")
        || msg.starts_with("the two passwords differ")
        || msg.starts_with("empty password")
}

/// A line for the person at the terminal (not part of stdout or stderr).
fn tty_say(text: &str) {
    use std::io::Write;
    if let Ok(mut tty) = std::fs::OpenOptions::new().write(true).open("/dev/tty") {
        let _ = writeln!(tty, "{}", crate::text::sanitize(text));
    }
}

fn prompt_hidden(prompt: &str) -> Result<Secret> {
    // The prompt names operators (and may be built from config text):
    // sanitised at the one place that writes it.
    let password = hidden::read_line(&crate::text::sanitize(prompt))?;
    if password.is_empty() {
        return Err(Error::Usage("empty password; nothing was changed".into()));
    }
    Ok(password)
}

/// Reading a line on the controlling terminal with echo off, and putting the
/// terminal back on every way out: a normal return, an error, end of input
/// (^D), and SIGINT (^C), SIGTERM, SIGHUP or SIGQUIT, whose handlers restore
/// the saved settings and then die of the same signal as before.
mod hidden {
    use std::os::fd::AsRawFd;
    use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

    use zeroize::Zeroizing;

    use crate::error::{Error, Result};

    const SIGNALS: [libc::c_int; 4] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT];

    /// Set while the terminal is changed; read by the signal handler.
    static ACTIVE: AtomicBool = AtomicBool::new(false);
    static TTY_FD: AtomicI32 = AtomicI32::new(-1);
    /// The terminal's settings before the prompt. Written only while ACTIVE
    /// is false (before the handlers are installed), read by the handler.
    static mut SAVED: std::mem::MaybeUninit<libc::termios> = std::mem::MaybeUninit::uninit();

    extern "C" fn restore_and_die(sig: libc::c_int) {
        // Only async-signal-safe calls: tcsetattr, write, signal, raise.
        if ACTIVE.swap(false, Ordering::SeqCst) {
            let fd = TTY_FD.load(Ordering::SeqCst);
            // SAFETY: SAVED was fully written before ACTIVE was set.
            unsafe {
                libc::tcsetattr(fd, libc::TCSANOW, std::ptr::addr_of!(SAVED).cast());
                libc::write(fd, b"\n".as_ptr().cast(), 1);
            }
        }
        // SAFETY: back to the default action, then die of the same signal.
        unsafe {
            libc::signal(sig, libc::SIG_DFL);
            libc::raise(sig);
        }
    }

    /// Restores the terminal and the previous signal handlers when dropped.
    struct Guard {
        fd: libc::c_int,
        previous: Vec<(libc::c_int, libc::sigaction)>,
    }

    impl Drop for Guard {
        fn drop(&mut self) {
            if ACTIVE.swap(false, Ordering::SeqCst) {
                // SAFETY: SAVED holds the settings read before ACTIVE was set.
                unsafe {
                    libc::tcsetattr(self.fd, libc::TCSANOW, std::ptr::addr_of!(SAVED).cast());
                }
            }
            for (sig, old) in &self.previous {
                // SAFETY: reinstates the handler sigaction gave us.
                unsafe {
                    libc::sigaction(*sig, old, std::ptr::null_mut());
                }
            }
        }
    }

    /// Shows `prompt` on the terminal and reads one line with echo off (the
    /// newline removed), through rpassword. Errors: no terminal. End of
    /// input (^D) gives an empty line.
    pub fn read_line(prompt: &str) -> Result<Zeroizing<String>> {
        let no_tty = |e: std::io::Error| {
            Error::Usage(format!("cannot read the password from the terminal: {e}"))
        };
        // Our own handle on the terminal, for saving and restoring its settings.
        let tty = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")
            .map_err(no_tty)?;
        let fd = tty.as_raw_fd();
        let mut termios = std::mem::MaybeUninit::<libc::termios>::uninit();
        // SAFETY: tcgetattr fills the struct when it returns 0.
        if unsafe { libc::tcgetattr(fd, termios.as_mut_ptr()) } != 0 {
            return Err(no_tty(std::io::Error::last_os_error()));
        }
        // SAFETY: initialised by tcgetattr above.
        let saved = unsafe { termios.assume_init() };
        // SAFETY: no handler is installed and ACTIVE is false, so nothing reads SAVED now.
        unsafe {
            std::ptr::addr_of_mut!(SAVED).write(std::mem::MaybeUninit::new(saved));
        }
        TTY_FD.store(fd, Ordering::SeqCst);
        let mut guard = Guard {
            fd,
            previous: Vec::new(),
        };
        for sig in SIGNALS {
            // SAFETY: installs our handler, keeping the old one to restore.
            unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = restore_and_die as *const () as libc::sighandler_t;
                libc::sigemptyset(&mut action.sa_mask);
                let mut old: libc::sigaction = std::mem::zeroed();
                if libc::sigaction(sig, &action, &mut old) == 0 {
                    guard.previous.push((sig, old));
                }
            }
        }
        ACTIVE.store(true, Ordering::SeqCst);
        // rpassword turns echo off and back on around the read, also when the
        // read fails; the handlers above cover the signals it does not.
        let read = rpassword::prompt_password(prompt).map(Zeroizing::new);
        drop(guard);
        let password = read.map_err(no_tty)?;
        Ok(password)
    }
}

/// Longest password line `--password-stdin` reads, in bytes (the newline
/// not counted). A longer line is refused at once (exit 2): custadm reads no
/// further, so 200 MB on stdin costs 4 KiB of memory, not 200 MB.
pub const MAX_PASSWORD_BYTES: usize = 4096;

/// Reads exactly one line of stdin as the password (the newline removed),
/// byte by byte up to [`MAX_PASSWORD_BYTES`], into a buffer wiped on drop.
fn read_stdin_line() -> Result<Secret> {
    use std::io::Read;
    let mut bytes = Zeroizing::new(Vec::with_capacity(MAX_PASSWORD_BYTES + 1));
    let stdin = std::io::stdin();
    let mut reader = stdin.lock();
    let mut byte = [0u8; 1];
    loop {
        match reader.read(&mut byte) {
            Ok(0) => break,
            Ok(_) if byte[0] == b'\n' => break,
            Ok(_) => {
                if bytes.len() == MAX_PASSWORD_BYTES {
                    byte.zeroize();
                    return Err(Error::Usage(format!(
                        "--password-stdin: the password line is longer than {MAX_PASSWORD_BYTES} bytes; nothing was changed"
                    )));
                }
                bytes.push(byte[0]);
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(Error::Usage(format!(
                    "cannot read the password from standard input: {e}"
                )))
            }
        }
    }
    byte.zeroize();
    if bytes.last() == Some(&b'\r') {
        bytes.pop();
    }
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| Error::Usage("--password-stdin: the password is not valid UTF-8".into()))?;
    if text.is_empty() {
        return Err(Error::Usage(
            "--password-stdin: standard input gave no password (one line expected)".into(),
        ));
    }
    Ok(Zeroizing::new(text.to_string()))
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
