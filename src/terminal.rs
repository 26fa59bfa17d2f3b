//! The terminal and the OS: whether a person is there to answer, asking for
//! confirmation, and the login name that every audit row records.

use std::io::{BufRead, BufReader, IsTerminal, Read, Write};

use crate::error::{Error, Result};

/// True when a person can be asked: a controlling terminal exists and stdin
/// or stderr is attached to it. Cron, CI and pipes into scripts get `false`.
pub(crate) fn interactive() -> bool {
    (std::io::stdin().is_terminal() || std::io::stderr().is_terminal())
        && std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")
            .is_ok()
}

/// Longest answer read from the terminal; the rest of a longer line is ignored.
const MAX_ANSWER_BYTES: u64 = 1024;

/// Asks a yes/no question on the terminal; anything but `y`/`yes` is no.
/// The question is untrusted text (it names profiles, hosts, paths and
/// customers) and is sanitised here, at the one place that writes it.
pub(crate) fn confirm(question: &str) -> Result<bool> {
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(|e| {
            Error::Usage(format!(
                "cannot ask for confirmation on the terminal: {e}; pass --yes"
            ))
        })?;
    let mut writer = tty.try_clone()?;
    write!(writer, "{} [y/N] ", crate::text::sanitize(question))?;
    writer.flush()?;
    let mut answer = String::new();
    BufReader::new(tty.take(MAX_ANSWER_BYTES)).read_line(&mut answer)?;
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}

/// Guards a command that needs confirmation: `--yes` passes, a terminal asks
/// (no is exit 2), and without a terminal the command stops with exit 2
/// before touching anything.
pub(crate) fn require_confirmation(yes: bool, question: &str) -> Result<()> {
    if yes {
        return Ok(());
    }
    if !interactive() {
        return Err(Error::Usage(
            "this would change data and there is no terminal to confirm on: pass --yes to go ahead (or --dry-run to see what would change)".into(),
        ));
    }
    if confirm(question)? {
        Ok(())
    } else {
        Err(Error::Usage("not confirmed; nothing was changed".into()))
    }
}

/// The login name of the real user running this process: the real user id
/// (`getuid`, not the effective one) looked up in the password database,
/// or `uid<N>` when it has no entry there. Never `$USER` or `$LOGNAME`:
/// anyone can set those.
///
/// Outside the machine's initial user namespace ([`in_initial_user_namespace`]:
/// `unshare -Ur`, rootless containers) a uid names nobody the password
/// database knows: whoever made the namespace chose it (`unshare -Ur` makes
/// anyone uid 0, `--map-user` any uid at all). There the login is
/// `uid<N>@userns`, which is no login name (`@` is not allowed in one), so
/// it never matches an operator's binding (contract: "Operators and roles").
pub(crate) fn os_login_name() -> String {
    // SAFETY: getuid cannot fail.
    let uid = unsafe { libc::getuid() };
    if !in_initial_user_namespace() {
        return format!("uid{uid}@userns");
    }
    login_of_uid(uid).unwrap_or_else(|| format!("uid{uid}"))
}

/// True when this process runs in the machine's initial user namespace, the
/// only one where uid 0 is root and uids are the password database's.
///
/// The initial namespace maps every uid to itself: `/proc/self/uid_map` is
/// the one line `0 0 4294967295`. No other namespace can have that map (a
/// namespace maps only uids its parent has, and only the initial one has all
/// 2^32 − 1), so a namespace nested in one that maps `0 0 1` cannot pass for
/// it either. A kernel without user namespaces has no `uid_map` (then there
/// is only the initial one); when `/proc` is not there at all, nothing can be
/// told and the answer is no (fail closed: the process is nobody special).
pub fn in_initial_user_namespace() -> bool {
    match std::fs::read_to_string("/proc/self/uid_map") {
        Ok(map) => is_identity_uid_map(&map),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // No uid_map: user namespaces are not in this kernel, unless
            // /proc itself is missing.
            std::path::Path::new("/proc/self/status").exists()
        }
        Err(_) => false,
    }
}

/// True for the initial user namespace's uid map: exactly one line
/// `0 0 4294967295` (fields separated by blanks).
fn is_identity_uid_map(map: &str) -> bool {
    let lines: Vec<Vec<&str>> = map
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .filter(|fields| !fields.is_empty())
        .collect();
    matches!(lines.as_slice(), [only] if only.as_slice() == ["0", "0", "4294967295"])
}

/// The password database's name for `uid`, if it has one that is UTF-8.
fn login_of_uid(uid: libc::uid_t) -> Option<String> {
    let mut buf = vec![0 as libc::c_char; 4096];
    loop {
        // SAFETY: getpwuid_r writes into our buffer and `pwd`; we read
        // pw_name only when it reports success and a non-null result.
        unsafe {
            let mut pwd: libc::passwd = std::mem::zeroed();
            let mut result: *mut libc::passwd = std::ptr::null_mut();
            let rc = libc::getpwuid_r(uid, &mut pwd, buf.as_mut_ptr(), buf.len(), &mut result);
            if rc == libc::ERANGE && buf.len() < 1 << 20 {
                buf.resize(buf.len() * 4, 0);
                continue;
            }
            if rc != 0 || result.is_null() || pwd.pw_name.is_null() {
                return None;
            }
            return std::ffi::CStr::from_ptr(pwd.pw_name)
                .to_str()
                .ok()
                .map(str::to_string);
        }
    }
}

/// Who runs custadm, as far as this machine can vouch for it (contract:
/// "Operators and roles"): the real user's login name ([`os_login_name`]);
/// but when custadm runs under sudo (`SUDO_USER` set and not blank) and the
/// real user is root or the configured `service_user`, the user who ran sudo.
/// Anyone else can set `SUDO_USER` by hand, so for them it counts for nothing.
/// This is the login a bound operator is checked against and the `os_user`
/// of every audit row.
///
/// Inside a user namespace other than the initial one neither root nor the
/// service account exist ([`os_login_name`] is then no login), so
/// `SUDO_USER` is never believed there.
pub(crate) fn attributed_login(service_user: Option<&str>) -> String {
    let real = os_login_name();
    let initial = in_initial_user_namespace();
    // SAFETY: getuid cannot fail.
    let root = initial && unsafe { libc::getuid() } == 0;
    let trusted = initial && (root || service_user.is_some_and(|s| s == real));
    match std::env::var("SUDO_USER") {
        // sudo sets a login name; anything else (escapes, blanks) is not one.
        Ok(caller) if trusted && crate::validate::os_login(&caller).is_ok() => caller,
        _ => real,
    }
}

/// Width of a terminal that reports none (contract, "Output").
pub(crate) const DEFAULT_WIDTH: u16 = 80;

/// The width tables are fitted to: what the terminal on stdout reports; when
/// it reports no size or a zero width (`script`, some CI runners, serial
/// consoles), `COLUMNS` if that is a positive number, else 80.
pub(crate) fn width() -> u16 {
    let reported = terminal_size::terminal_size_of(std::io::stdout()).map(|(w, _)| w.0);
    width_from(reported, std::env::var("COLUMNS").ok().as_deref())
}

/// The width of the terminal on stderr, `None` when stderr is not a
/// terminal (a log, cron's mail, a pipe into `grep`); a terminal that
/// reports no size counts as [`width`]'s rule says.
pub(crate) fn stderr_width() -> Option<u16> {
    let stderr = std::io::stderr();
    if !stderr.is_terminal() {
        return None;
    }
    let reported = terminal_size::terminal_size_of(stderr).map(|(w, _)| w.0);
    Some(width_from(
        reported,
        std::env::var("COLUMNS").ok().as_deref(),
    ))
}

/// `text` as it goes to stderr: on a terminal broken into lines of its
/// width between words ([`crate::wrap::wrap_prose`]: summaries, notes,
/// `warning:` and `error:` lines); anywhere else as it is, one line that a
/// script can grep.
pub fn for_stderr(text: &str) -> String {
    match stderr_width() {
        Some(width) => crate::wrap::wrap_prose(text, usize::from(width)),
        None => text.to_string(),
    }
}

/// [`width`]'s rule on given inputs.
fn width_from(reported: Option<u16>, columns: Option<&str>) -> u16 {
    reported.filter(|w| *w > 0).unwrap_or_else(|| {
        columns
            .and_then(|c| c.trim().parse::<u16>().ok())
            .filter(|w| *w > 0)
            .unwrap_or(DEFAULT_WIDTH)
    })
}

/// Disables core dumps for this process: `RLIMIT_CORE` 0 (soft and hard, so
/// a child cannot raise it again) and `PR_SET_DUMPABLE` 0. Passwords are held
/// in memory between the prompt and the hash; a core file would keep them
/// (contract: passwords never travel in core dumps). Best effort: failure
/// (an unusual kernel) is not fatal, the passwords are wiped after use anyway.
pub fn forbid_core_dumps() {
    let none = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: plain system calls on this process with valid arguments.
    unsafe {
        libc::setrlimit(libc::RLIMIT_CORE, &none);
        libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_identity_map_is_the_initial_namespace() {
        assert!(is_identity_uid_map("         0          0 4294967295\n"));
        for other in [
            "         0       1000          1\n",
            "         0          0          1\n",
            "         0          0 4294967294\n",
            "0 0 4294967295\n1 1 1\n",
            "",
        ] {
            assert!(!is_identity_uid_map(other), "{other:?}");
        }
    }

    #[test]
    fn zero_or_unknown_width_falls_back_to_columns_then_80() {
        assert_eq!(width_from(Some(120), Some("150")), 120);
        assert_eq!(width_from(Some(0), Some("150")), 150);
        assert_eq!(width_from(None, Some("150")), 150);
        assert_eq!(width_from(Some(0), Some("0")), 80);
        assert_eq!(width_from(None, Some("wide")), 80);
        assert_eq!(width_from(None, None), 80);
    }
}
