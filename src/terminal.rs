//! The terminal and the OS: whether a person is there to answer, asking for
//! confirmation, and the login name that every audit row records.

use std::io::{BufRead, BufReader, IsTerminal, Write};

use crate::error::{Error, Result};

/// True when a person can be asked: a controlling terminal exists and stdin
/// or stderr is attached to it. Cron, CI and pipes into scripts get `false`.
pub fn interactive() -> bool {
    (std::io::stdin().is_terminal() || std::io::stderr().is_terminal())
        && std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")
            .is_ok()
}

/// Asks a yes/no question on the terminal; anything but `y`/`yes` is no.
pub fn confirm(question: &str) -> Result<bool> {
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
    write!(writer, "{question} [y/N] ")?;
    writer.flush()?;
    let mut answer = String::new();
    BufReader::new(tty).read_line(&mut answer)?;
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}

/// Guards a command that needs confirmation: `--yes` passes, a terminal asks
/// (no is exit 2), and without a terminal the command stops with exit 2
/// before touching anything.
pub fn require_confirmation(yes: bool, question: &str) -> Result<()> {
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

/// The login name of the user running this process (from the password
/// database, falling back to `$USER`, then the numeric uid).
pub fn os_login_name() -> String {
    // SAFETY: getpwuid_r writes into our buffer and `pwd`; we read pw_name only
    // when it reports success and a non-null result.
    unsafe {
        let uid = libc::geteuid();
        let mut pwd: libc::passwd = std::mem::zeroed();
        let mut buf = vec![0 as libc::c_char; 4096];
        let mut result: *mut libc::passwd = std::ptr::null_mut();
        let rc = libc::getpwuid_r(uid, &mut pwd, buf.as_mut_ptr(), buf.len(), &mut result);
        if rc == 0 && !result.is_null() && !pwd.pw_name.is_null() {
            if let Ok(name) = std::ffi::CStr::from_ptr(pwd.pw_name).to_str() {
                return name.to_string();
            }
        }
        std::env::var("USER").unwrap_or_else(|_| format!("uid{uid}"))
    }
}
