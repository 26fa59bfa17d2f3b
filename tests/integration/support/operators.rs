//! Operators: the OS login the tests run as, adding one, and admin changes
//! confirmed on stdin.

use std::process::Command;

use super::*;

/// The login name of the user running the tests (what `os_user` must hold).
pub fn os_user() -> String {
    let out = Command::new("id").arg("-un").output().expect("run id -un");
    String::from_utf8(out.stdout)
        .expect("utf-8 login name")
        .trim()
        .to_string()
}

pub fn add_operator(env: &Env, name: &str, role: &str, password: &str) {
    env.add_operator(name, role, password);
}

/// An admin change by `who` (whose password is `password`) with
/// `--password-stdin`: stdin is `password`, then the lines of `then`.
pub fn change_as(env: &Env, who: &str, password: &str, args: &[&str], then: &[&str]) -> Run {
    let mut argv = args.to_vec();
    argv.push("--password-stdin");
    let mut stdin = format!("{password}\n");
    for line in then {
        stdin.push_str(line);
        stdin.push('\n');
    }
    env.cmd()
        .env("CUSTADM_OPERATOR", who)
        .args(&argv)
        .stdin(&stdin)
        .run()
}
