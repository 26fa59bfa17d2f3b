//! custadm run other ways than `Env::run`: spawned and waited for, with
//! stdin left open, with a tweaked environment, on a pseudo-terminal, with its
//! memory and time bounded; and the clap command tree walked leaf by leaf.

use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::*;

/// The exit code of a finished PTY session.
pub fn exit_code(session: &rexpect::session::PtySession) -> i32 {
    match session.process().wait().expect("wait") {
        rexpect::process::WaitStatus::Exited(_, code) => code,
        other => panic!("custadm did not exit normally: {other:?}"),
    }
}

/// Spawns custadm with stdin left open (a pipe nobody writes to) and waits
/// at most `limit`; a command that would wait for input is killed and the
/// test fails.
pub fn run_with_open_stdin(mut cmd: Cmd, limit: Duration) -> (Run, Duration) {
    cmd.cmd.stdin(Stdio::piped());
    let started = Instant::now();
    let mut child = cmd.cmd.spawn().expect("spawn custadm");
    let stdin = child.stdin.take();
    loop {
        if child.try_wait().expect("try_wait").is_some() {
            break;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("custadm still waiting after {limit:?} with stdin open");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let elapsed = started.elapsed();
    drop(stdin);
    let out = child.wait_with_output().expect("output");
    (
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        },
        elapsed,
    )
}

/// What [`run_bounded`] saw: the run, its peak RSS (KiB) and whether it ended
/// by a signal.
pub struct Measured {
    pub run: Run,
    pub max_rss_kib: i64,
    pub signal: Option<i32>,
}

/// Spawns `cmd`, feeds `stdin`, reads stdout/stderr on threads, and reaps the
/// child itself with `wait4` to get that one child's peak memory. A child
/// still running after `timeout` is killed and the test fails.
#[allow(clippy::zombie_processes)] // reaped with wait4, which std's Child cannot see
pub fn run_bounded(cmd: Command, stdin: Option<Vec<u8>>, timeout: Duration) -> Measured {
    run_bounded_fed(
        cmd,
        move |mut child_in| {
            if let Some(bytes) = stdin {
                let _ = child_in.write_all(&bytes);
            }
        },
        timeout,
    )
}

/// [`run_bounded`] with stdin written by `feed` on its own thread (so a
/// test can stream 200 MB without holding them: the child's peak RSS
/// counts the pages it shared with this process before `exec`).
#[allow(clippy::zombie_processes)] // reaped with wait4, which std's Child cannot see
pub fn run_bounded_fed(
    mut cmd: Command,
    feed: impl FnOnce(std::process::ChildStdin) + Send + 'static,
    timeout: Duration,
) -> Measured {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn custadm");
    let pid = child.id() as libc::pid_t;
    let child_in = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || feed(child_in));
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_t = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = out.read_to_end(&mut b);
        b
    });
    let err_t = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = err.read_to_end(&mut b);
        b
    });
    let deadline = Instant::now() + timeout;
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain data; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let mut timed_out = false;
    loop {
        // SAFETY: pid is our child, not reaped by anyone else.
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        assert!(r >= 0, "wait4 failed: {}", std::io::Error::last_os_error());
        if r == pid {
            break;
        }
        if Instant::now() > deadline && !timed_out {
            timed_out = true;
            // SAFETY: killing our own, not yet reaped child.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = feeder.join();
    let stdout = String::from_utf8_lossy(&out_t.join().unwrap()).into_owned();
    let stderr = String::from_utf8_lossy(&err_t.join().unwrap()).into_owned();
    assert!(
        !timed_out,
        "custadm still ran after {timeout:?} and was killed; stderr:\n{}",
        &stderr[..stderr.len().min(2000)]
    );
    let (code, signal) = if libc::WIFEXITED(status) {
        (libc::WEXITSTATUS(status), None)
    } else {
        (-1, Some(libc::WTERMSIG(status)))
    };
    Measured {
        run: Run {
            code,
            stdout,
            stderr,
        },
        max_rss_kib: usage.ru_maxrss,
        signal,
    }
}

/// Every command of the tree, with its path (`operator add`).
pub fn all_commands(cmd: &clap::Command, prefix: &str, out: &mut Vec<(String, clap::Command)>) {
    for sub in cmd.get_subcommands() {
        if sub.get_name() == "help" {
            continue;
        }
        let path = if prefix.is_empty() {
            sub.get_name().to_string()
        } else {
            format!("{prefix} {}", sub.get_name())
        };
        out.push((path.clone(), sub.clone()));
        all_commands(sub, &path, out);
    }
}

/// A command with the env's world, optionally tweaked: `set` environment
/// variables, `unset` ones removed.
pub fn cmd_with(env: &Env, set: &[(&str, &str)], unset: &[&str]) -> Cmd {
    let mut c = env.cmd();
    for k in unset {
        c = c.env_remove(k);
    }
    for (k, v) in set {
        c = c.env(k, v);
    }
    c
}

/// Runs `args` in the env's world with environment changes.
pub fn run_with(env: &Env, set: &[(&str, &str)], unset: &[&str], args: &[&str]) -> Run {
    cmd_with(env, set, unset).args(args).run()
}

/// Runs a PTY session to its end; returns (everything it printed, exit code).
pub fn pty_finish(env: &Env, args: &[&str]) -> (String, i32) {
    let mut s = env.pty(args);
    let out = s
        .exp_eof()
        .unwrap_or_else(|e| panic!("custadm {args:?} on a terminal did not finish: {e}"));
    let code = exit_code(&s);
    (out, code)
}

/// A custadm session on a PTY with this env's HOME and extra variables
/// (no database variable unless given).
pub fn pty_with(
    env: &Env,
    args: &[&str],
    vars: &[(&str, &str)],
    setup: impl FnMut() -> std::io::Result<()> + Send + Sync + 'static,
    cwd: Option<&Path>,
) -> rexpect::session::PtySession {
    let mut cmd = Command::new(binary());
    cmd.args(args)
        .env("HOME", env.dir.path())
        .env("XDG_DATA_HOME", env.dir.path().join("data"))
        .env("XDG_CONFIG_HOME", env.dir.path().join("config"))
        .env("CUSTADM_OPERATOR", "admin")
        .env("NO_COLOR", "1")
        .env_remove("CUSTADM_PROFILE")
        .env_remove("CUSTADM_DATABASE_URL")
        .env_remove("DATABASE_URL");
    for (k, v) in vars {
        cmd.env(k, v);
    }
    if let Some(dir) = cwd {
        cmd.current_dir(dir);
    }
    // SAFETY: the closure only makes async-signal-safe system calls.
    unsafe {
        cmd.pre_exec(setup);
    }
    rexpect::session::spawn_command(cmd, Some(30_000)).expect("spawn custadm on a pty")
}

/// This process's resident memory (KiB): a child's peak RSS includes what it
/// shared with us between fork and exec, so bounds are relative to it.
pub fn own_rss_kib() -> i64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// Extra memory custadm may use beyond what it shared with the test.
pub const RSS_ALLOWANCE_KIB: i64 = 48 * 1024;

/// Waits for a spawned custadm.
pub fn finish(child: std::process::Child) -> Run {
    let out = child.wait_with_output().expect("wait for custadm");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}
