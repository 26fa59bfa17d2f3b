//! Security round two (issue 12): the config, the environment, the terminal
//! and the files as attack surface. Each class of hole has its instance from
//! the issue and its siblings as tests, through the real binary (and, for
//! completions, the real shells; for prompts and core dumps, a real PTY).

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use proptest::prelude::*;

use crate::db_test;
use crate::support::*;

fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_custadm"))
}

/// A TOML basic string (controls escaped).
fn toml_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn config_path(env: &Env) -> PathBuf {
    env.dir
        .path()
        .join("config")
        .join("custadm")
        .join("config.toml")
}

fn write_config_with_mode(env: &Env, text: &str, mode: u32) -> PathBuf {
    let path = config_path(env);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    path
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// A program the test needs: missing is a visible skip, except under CI.
fn installed(program: &str) -> bool {
    let ok = Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("CI=true but {program} is not installed (.ci/run installs it): this test must not skip in CI");
        }
        record_skip(
            if program == "zsh" {
                "zsh completion"
            } else {
                "fish completion"
            },
            "the shell is not installed (.ci/run installs it)",
        );
    }
    ok
}

// ------------------------------------------------ 1. shell completion

/// Profile names that run `touch owned` wherever a shell evaluates them.
const HOSTILE_PROFILES: &[&str] = &[
    "$(touch${IFS}owned)",
    "`touch owned`",
    "x;touch owned",
    "x'$(touch owned)'",
    "x\"$(touch owned)\"",
    "x\n$(touch owned)",
    "x|touch owned",
    "x&&touch owned",
    "${IFS}$(touch${IFS}owned)",
    "$((1))$(touch owned)",
    "(touch owned)",
    "-x",
    "x\u{1b}]2;owned\u{7}",
];
const SAFE_PROFILES: &[&str] = &["prod", "prod-eu.1", "staging_2"];

/// A config with every hostile and safe name, a `bin` with `custadm` for
/// PATH, and an empty working directory where `touch owned` would land.
fn completion_world(env: &Env) -> (PathBuf, PathBuf) {
    let mut text = String::new();
    for name in HOSTILE_PROFILES.iter().chain(SAFE_PROFILES) {
        text.push_str(&format!("[profiles.{}]\n", toml_str(name)));
    }
    write_config_with_mode(env, &text, 0o600);
    let bin = env.dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(binary(), bin.join("custadm")).unwrap();
    let work = env.dir.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    (bin, work)
}

fn run_shell(env: &Env, bin: &Path, work: &Path, program: &str, args: &[&str]) -> Run {
    let out = Command::new(program)
        .args(args)
        .current_dir(work)
        .env_clear()
        .env(
            "PATH",
            format!(
                "{}:{}",
                bin.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .env("HOME", env.dir.path())
        .env("XDG_CONFIG_HOME", env.dir.path().join("config"))
        .env("XDG_DATA_HOME", env.dir.path().join("data"))
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[track_caller]
fn assert_nothing_ran(env: &Env, work: &Path) {
    let left: Vec<_> = std::fs::read_dir(work)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        left.is_empty(),
        "a profile name ran as a command: {left:?} appeared"
    );
    assert!(!env.dir.path().join("owned").exists());
}

fn sorted_strings(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn names(v: &[&str]) -> Vec<String> {
    sorted_strings(v.iter().map(|s| s.to_string()).collect())
}

fn script(env: &Env, shell: &str, file: &str) -> PathBuf {
    let run = env.run(&["completions", shell]);
    run.ok();
    let path = env.dir.path().join(file);
    std::fs::write(&path, &run.stdout).unwrap();
    path
}

#[test]
fn completion_bash_offers_profile_names_as_inert_words() {
    let env = Env::sqlite();
    let (bin, work) = completion_world(&env);
    let script = script(&env, "bash", "custadm.bash");
    // The function `complete -p custadm` names, called the way bash calls
    // it on TAB, with COMP_WORDS/COMP_CWORD set.
    let driver = r#"source "$1"; shift
f=$(complete -p custadm | sed -n 's/.*-F \([^ ]*\).*/\1/p')
[ -n "$f" ] || { echo "no completion function registered" >&2; exit 3; }
COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
"$f" custadm "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\n' "${COMPREPLY[@]}""#;
    let cases: Vec<(Vec<&str>, Vec<&str>)> = vec![
        (vec!["custadm", "--profile", ""], SAFE_PROFILES.to_vec()),
        (
            vec!["custadm", "--profile", "prod"],
            vec!["prod", "prod-eu.1"],
        ),
        (
            vec!["custadm", "list", "--profile", ""],
            SAFE_PROFILES.to_vec(),
        ),
        (vec!["custadm", "--profile", "$("], vec![]),
        (vec!["custadm", "--profile", "`"], vec![]),
        (vec!["custadm", "--profile", "x"], vec![]),
    ];
    for (words, expected) in cases {
        let mut args = vec![
            "--norc",
            "--noprofile",
            "-c",
            driver,
            "bash",
            script.to_str().unwrap(),
        ];
        args.extend(words.iter().copied());
        let run = run_shell(&env, &bin, &work, "bash", &args);
        run.ok();
        let got = sorted_strings(
            run.stdout
                .lines()
                .filter(|l| !l.is_empty())
                .map(String::from)
                .collect(),
        );
        assert_eq!(got, names(&expected), "words {words:?}");
        assert_nothing_ran(&env, &work);
    }
}

#[test]
fn completion_zsh_offers_profile_names_as_inert_words() {
    if !installed("zsh") {
        return;
    }
    let env = Env::sqlite();
    let (bin, work) = completion_world(&env);
    let script = script(&env, "zsh", "_custadm");
    // The script loads in a real zsh with the completion system.
    let load = run_shell(
        &env,
        &bin,
        &work,
        "zsh",
        &[
            "-f",
            "-c",
            "autoload -U compinit && compinit -u -D && source \"$1\" && print loaded",
            "zsh",
            script.to_str().unwrap(),
        ],
    );
    load.ok();
    assert!(load.stdout.contains("loaded"), "{load:?}");
    // Each `--profile` action, evaluated as _arguments evaluates it, with
    // compadd reporting the words it was given.
    let text = std::fs::read_to_string(&script).unwrap();
    let mut actions: Vec<String> = text
        .lines()
        .filter(|l| l.starts_with("'--profile="))
        .filter_map(|l| {
            let start = l.find(":NAME:{")? + ":NAME:{".len();
            let end = l.rfind("}'")?;
            Some(l[start..end].to_string())
        })
        .collect();
    actions.dedup();
    assert!(
        !actions.is_empty(),
        "no dynamic --profile action in _custadm"
    );
    let driver = r#"compadd() { while [[ $1 == -* ]]; do if [[ $1 == -- ]]; then shift; break; fi; shift; done; printf '%s\n' "$@"; }
eval "$1""#;
    for action in &actions {
        let run = run_shell(
            &env,
            &bin,
            &work,
            "zsh",
            &["-f", "-c", driver, "zsh", action],
        );
        run.ok();
        let got = sorted_strings(run.stdout.lines().map(String::from).collect());
        assert_eq!(got, names(SAFE_PROFILES), "action {action}");
        assert_nothing_ran(&env, &work);
    }
}

#[test]
fn completion_fish_offers_profile_names_as_inert_words() {
    if !installed("fish") {
        return;
    }
    let env = Env::sqlite();
    let (bin, work) = completion_world(&env);
    let script = script(&env, "fish", "custadm.fish");
    for (line, expected) in [
        ("custadm --profile=", SAFE_PROFILES.to_vec()),
        ("custadm list --profile ", SAFE_PROFILES.to_vec()),
        ("custadm --profile=prod", vec!["prod", "prod-eu.1"]),
    ] {
        let run = run_shell(
            &env,
            &bin,
            &work,
            "fish",
            &[
                "--no-config",
                "-c",
                "source $argv[1]; complete -C $argv[2]",
                script.to_str().unwrap(),
                line,
            ],
        );
        run.ok();
        let got = sorted_strings(
            run.stdout
                .lines()
                .map(|l| l.split('\t').next().unwrap_or(""))
                .map(|w| w.trim_start_matches("--profile=").to_string())
                .collect(),
        );
        assert_eq!(got, names(&expected), "line {line:?}");
        assert_nothing_ran(&env, &work);
    }
}

#[test]
fn completion_scripts_of_other_shells_run_nothing_from_the_config() {
    let env = Env::sqlite();
    for shell in ["elvish", "powershell"] {
        let run = env.run(&["completions", shell]);
        run.ok();
        assert!(
            !run.stdout.contains("config profiles"),
            "{shell} completes profiles dynamically: that needs an inertness test"
        );
    }
}

#[test]
fn hostile_profile_names_are_refused_when_the_config_is_loaded() {
    let env = Env::sqlite();
    for name in HOSTILE_PROFILES {
        write_config_with_mode(
            &env,
            &format!("[profiles.{}]\n[profiles.prod]\n", toml_str(name)),
            0o600,
        );
        let run = env.run(&["--profile", "prod", "config", "show"]);
        run.code(6).error_line("profile name");
        assert!(
            !run.stderr.contains('\u{1b}') && !run.stderr.contains('\u{7}'),
            "raw escape in {:?}",
            run.stderr
        );
        assert!(run.stdout.is_empty());
    }
}

// ------------------------------------------------ 2. prompts and escapes

const OSC_TITLE: &str = "\u{1b}]2;owned\u{7}";

/// A custadm session on a PTY with this env's HOME and extra variables
/// (no database variable unless given).
fn pty_with(
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

#[track_caller]
fn assert_no_raw_escape(what: &str, text: &str) {
    assert!(
        !text.contains(OSC_TITLE) && !text.contains("\u{1b}]") && !text.contains('\u{7}'),
        "{what}: a raw OSC sequence reached the terminal:\n{text:?}"
    );
}

#[test]
fn prompts_never_carry_escapes_from_the_config_or_the_environment() {
    let mut env = Env::sqlite();
    // The production profile's database path retitles the terminal if printed raw.
    let dir = env.dir.path().join(format!("db{OSC_TITLE}"));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("x.sqlite3").display().to_string();
    env.url = db.clone();
    env.init_db(0);
    let c1 = env.insert_customer("One", "one@example.com");
    let c2 = env.insert_customer("Two", "two@example.com");
    let (s1, s2) = (c1.to_string(), c2.to_string());
    write_config_with_mode(
        &env,
        &format!(
            "[profiles.prod]\ndatabase_url = {}\nproduction = true\n",
            toml_str(&db)
        ),
        0o600,
    );

    // The production confirmation (toggle) names profile and path.
    let mut s = pty_with(
        &env,
        &["--profile", "prod", "toggle", &s1, "--deactivate"],
        &[],
        || Ok(()),
        None,
    );
    let question = s.exp_string("[y/N]").expect("the production question");
    assert!(
        question.contains("production profile 'prod'"),
        "{question:?}"
    );
    assert!(question.contains("\\x1b]2;owned\\x07"), "{question:?}");
    s.send_line("n").unwrap();
    let rest = s.exp_eof().expect("finishes");
    assert_no_raw_escape("toggle confirmation", &format!("{question}{rest}"));

    // purge: the production banner and the password prompt.
    let mut s = pty_with(
        &env,
        &["--profile", "prod", "purge", &s2],
        &[],
        || Ok(()),
        None,
    );
    let before = s.exp_string("to confirm: ").expect("the password prompt");
    assert!(before.contains("\\x1b]2;owned\\x07"), "{before:?}");
    s.send_line(ADMIN_PASSWORD).unwrap();
    let rest = s.exp_eof().expect("finishes");
    assert_no_raw_escape("purge prompts", &format!("{before}{rest}"));

    // CUSTADM_PROFILE and --profile holding the sequence: the errors show it escaped.
    for (args, vars) in [
        (vec!["list"], vec![("CUSTADM_PROFILE", OSC_TITLE)]),
        (vec!["--profile", OSC_TITLE, "list"], vec![]),
        (
            vec!["list"],
            vec![(
                "CUSTADM_DATABASE_URL",
                &*format!("/nonexistent/{OSC_TITLE}"),
            )],
        ),
    ] {
        let mut s = pty_with(&env, &args, &vars, || Ok(()), None);
        let out = s.exp_eof().expect("finishes");
        assert!(out.contains("error:"), "{out:?}");
        assert!(out.contains("\\x1b]2;owned\\x07"), "{out:?}");
        assert_no_raw_escape("environment error", &out);
    }
}

// ------------------------------------------------ 3. file modes

#[test]
fn init_creates_private_files_and_folders_whatever_the_umask() {
    let env = Env::sqlite();
    let nested = env.dir.path().join("new").join("nested");
    let db = nested.join("db.sqlite3");
    let default_dir = env.dir.path().join("data").join("custadm");
    for (url, dirs) in [
        (
            Some(db.clone()),
            vec![env.dir.path().join("new"), nested.clone()],
        ),
        (None, vec![env.dir.path().join("data"), default_dir.clone()]),
    ] {
        let mut c = env
            .cmd()
            .args(&["init", "--admin", "admin", "--password-stdin"]);
        c = match &url {
            Some(u) => c.env("CUSTADM_DATABASE_URL", u.to_str().unwrap()),
            None => c.env_remove("CUSTADM_DATABASE_URL"),
        };
        // SAFETY: umask(2) is async-signal-safe.
        unsafe {
            c.cmd.pre_exec(|| {
                libc::umask(0);
                Ok(())
            });
        }
        let run = c.stdin(&format!("{ADMIN_PASSWORD}\n")).run();
        run.ok();
        assert!(!run.stderr.contains("warning:"), "{}", run.stderr);
        let file = url.unwrap_or_else(|| default_dir.join("custadm.sqlite3"));
        assert_eq!(mode(&file), 0o600, "{}", file.display());
        for d in dirs {
            assert_eq!(mode(&d), 0o700, "{}", d.display());
        }
    }
}

#[test]
fn a_database_readable_by_others_gets_one_warning() {
    let env = Env::sqlite();
    env.init_db(2);
    let path = Path::new(&env.url);
    let run = env.run(&["list"]);
    run.ok();
    assert!(!run.stderr.contains("warning:"), "{}", run.stderr);
    for m in [0o644, 0o640, 0o604, 0o660] {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(m)).unwrap();
        let run = env.run(&["list"]);
        run.ok();
        let warnings: Vec<&str> = run
            .stderr
            .lines()
            .filter(|l| l.starts_with("warning:"))
            .collect();
        assert_eq!(warnings.len(), 1, "mode {m:o}: {}", run.stderr);
        assert!(warnings[0].contains("chmod 600"), "{}", warnings[0]);
        assert!(run.stdout.contains("Customer") || !run.stdout.is_empty());
    }
}

// ------------------------------------------------ 6. core dumps, with 3. WAL modes

/// The pid of the custadm this test thread started (rexpect forks from it).
fn custadm_child() -> Option<i32> {
    for _ in 0..200 {
        let children = std::fs::read_to_string("/proc/thread-self/children").unwrap_or_default();
        for pid in children
            .split_whitespace()
            .filter_map(|p| p.parse::<i32>().ok())
        {
            let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
            if comm.trim() == "custadm" {
                return Some(pid);
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

fn raise_core_limit() -> std::io::Result<()> {
    let unlimited = libc::rlimit {
        rlim_cur: libc::RLIM_INFINITY,
        rlim_max: libc::RLIM_INFINITY,
    };
    // SAFETY: setrlimit/umask on the child about to exec.
    unsafe {
        libc::setrlimit(libc::RLIMIT_CORE, &unlimited);
        libc::umask(0);
    }
    Ok(())
}

fn core_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("core"))
        .collect()
}

#[test]
fn a_purge_holding_a_password_while_waiting_for_a_lock_leaves_no_core() {
    let env = Env::sqlite();
    env.init_db(3);
    let work = env.dir.path().join("work");
    std::fs::create_dir_all(&work).unwrap();

    // This machine does write cores for a process that allows them (else
    // the test below could not fail).
    let mut probe = Command::new("sh");
    probe.args(["-c", "kill -ABRT $$"]).current_dir(&work);
    // SAFETY: see raise_core_limit.
    unsafe {
        probe.pre_exec(raise_core_limit);
    }
    let status = probe.status().unwrap();
    use std::os::unix::process::ExitStatusExt;
    if !status.core_dumped() {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("this machine writes no core files (core_pattern), so the core dump test cannot run");
        }
        record_skip(
            "core dumps",
            "this machine writes no core files (core_pattern)",
        );
        return;
    }
    for f in core_files(&work) {
        std::fs::remove_file(work.join(f)).unwrap();
    }

    // Another writer holds the lock: purge verifies the password, then waits.
    let mut holder = SqliteConnection::establish(&env.url).unwrap();
    holder.batch_execute("BEGIN IMMEDIATE").unwrap();
    let mut s = pty_with(
        &env,
        &["purge", "3"],
        &[("CUSTADM_DATABASE_URL", &env.url)],
        raise_core_limit,
        Some(&work),
    );
    let mut seen = s.exp_string("to confirm: ").expect("password prompt");
    let pid = custadm_child().expect("custadm's pid");
    s.send_line(ADMIN_PASSWORD).unwrap();
    std::thread::sleep(Duration::from_millis(800));

    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let core = limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .expect("core limit line");
    let fields: Vec<&str> = core.split_whitespace().collect();
    assert_eq!(&fields[4..6], &["0", "0"], "RLIMIT_CORE: {core}");
    // The WAL files (SQLite gives them the database file's mode) are private too.
    for suffix in ["-wal", "-shm"] {
        let f = format!("{}{suffix}", env.url);
        if Path::new(&f).exists() {
            assert_eq!(mode(Path::new(&f)), 0o600, "{f}");
        }
    }

    s.process_mut()
        .signal(rexpect::process::Signal::SIGABRT)
        .unwrap();
    seen.push_str(&s.exp_eof().unwrap_or_default());
    let status = s.process().wait().unwrap();
    match status {
        rexpect::process::WaitStatus::Signaled(_, sig, dumped) => {
            assert_eq!(sig, rexpect::process::Signal::SIGABRT);
            assert!(!dumped, "the kernel reports a core dump");
        }
        other => panic!("expected death by SIGABRT, got {other:?}"),
    }
    assert_eq!(core_files(&work), Vec::<String>::new(), "core file written");
    assert!(!seen.contains(ADMIN_PASSWORD), "password echoed: {seen:?}");
    drop(holder);
    // Nothing was purged.
    assert_eq!(env.count("customers", "id = 3"), 1);
}

// ------------------------------------------------ 4. secrets in URLs

const SECRET: &str = "S3cretPW";

/// Database URLs of every form, each holding SECRET somewhere.
fn secret_urls() -> Vec<String> {
    let host = "127.0.0.1:5432";
    [
        format!("postgres://root:S3cr%ZZetPW@{host}/x"),
        format!("postgres://root:S3cret PW@{host}/x"),
        format!("postgres://root:{SECRET}@[::1/x"),
        format!("postgres://root:{SECRET}@{host}:99999/x"),
        format!("postgres://root:{SECRET}@{host}/nosuchdb_custadm"),
        format!("postgres://nosuchrole:{SECRET}@{host}/postgres"),
        format!("postgres://root:pa/{SECRET}@{host}/x"),
        format!("postgres://root:{SECRET}@{host}/x?sslmode=bogus"),
        format!("postgresql://root@{host}/x?password={SECRET}"),
        format!("postgres://root@{host}/x?sslpassword={SECRET}&sslmode=require"),
        format!("postgres://root@{host}/x?sslmode=disable&password={SECRET}&bogus=1"),
        format!("postgres://root@{host}/x&password={SECRET}"),
        format!("postgres://root@{host}/x?pass%77ord={SECRET}&bogus=1"),
        format!("postgres://root@{host}/x?PASSWORD={SECRET}"),
        format!("postgres://root@{host}/x?password=S3cr%ZZetPW"),
        format!("postgres://root@{host}/x?password={SECRET}@[::1"),
        format!("postgres://root:{SECRET}@{host}/x?password={SECRET}2"),
    ]
    .into()
}

#[track_caller]
fn assert_no_url_password(what: &str, run: &Run) {
    for needle in [
        SECRET,
        "S3cret PW",
        "S3cr%ZZetPW",
        "S3cret%20PW",
        "S3cret+PW",
    ] {
        assert!(
            !run.stdout.contains(needle) && !run.stderr.contains(needle),
            "{what} prints the password:\nstdout: {}\nstderr: {}",
            run.stdout,
            run.stderr
        );
    }
}

#[test]
fn no_form_of_a_database_url_prints_its_password() {
    let env = Env::sqlite();
    for url in secret_urls() {
        let run = env
            .cmd()
            .env("CUSTADM_DATABASE_URL", &url)
            .args(&["list"])
            .run();
        run.code(6);
        assert_no_url_password(&format!("list with {url}"), &run);
        // init (which would create a missing database) against a port
        // where nothing listens.
        let unreachable = url.replace(":5432", ":1");
        let run = env
            .cmd()
            .env("CUSTADM_DATABASE_URL", &unreachable)
            .args(&["init", "--admin", "admin", "--password-stdin"])
            .stdin(&format!("{ADMIN_PASSWORD}\n"))
            .run();
        run.code(6);
        assert_no_url_password(&format!("init with {unreachable}"), &run);
        for args in [
            vec!["--database-url", url.as_str(), "config", "show"],
            vec![
                "--database-url",
                url.as_str(),
                "config",
                "show",
                "-o",
                "json",
            ],
        ] {
            let run = env.run(&args);
            run.ok();
            assert_no_url_password(&format!("config show with {url}"), &run);
        }
    }
}

#[test]
fn a_config_holding_any_secret_must_be_private() {
    let env = Env::sqlite();
    let mut fields: Vec<String> = secret_urls()
        .into_iter()
        .map(|u| format!("database_url = {}", toml_str(&u)))
        .collect();
    fields.push(format!(
        "smtp_url = {}",
        toml_str(&format!("smtps://mailer:{SECRET}@smtp.example.com:465"))
    ));
    fields.push(format!(
        "smtp_url = {}",
        toml_str(&format!("smtp://smtp.example.com?password={SECRET}"))
    ));
    for field in fields {
        let text = format!("[profiles.p]\n{field}\n");
        for m in [0o644, 0o640, 0o604, 0o660] {
            let path = write_config_with_mode(&env, &text, m);
            // Owned by someone other than root (0640 is allowed for root's
            // own files, read by a service account's group); as a non-root
            // tester the file is not root's anyway.
            let _ = std::os::unix::fs::chown(&path, Some(65534), None);
            let run = env.run(&["--profile", "p", "config", "show"]);
            run.code(6).error_line("chmod 600");
            assert!(run.stderr.contains(&path.display().to_string()));
            assert_no_url_password(&format!("{field} at {m:o}"), &run);
        }
        write_config_with_mode(&env, &text, 0o600);
        let run = env.run(&["--profile", "p", "config", "show", "-o", "json"]);
        run.ok();
        assert_no_url_password(&format!("{field} at 600"), &run);
        // Root's file, read by a group (the service-account set-up): 0640 is
        // fine, 0644 never.
        let path = write_config_with_mode(&env, &text, 0o640);
        if std::os::unix::fs::chown(&path, Some(0), Some(0)).is_ok() {
            env.run(&["--profile", "p", "config", "show"]).ok();
            write_config_with_mode(&env, &text, 0o644);
            env.run(&["--profile", "p", "config", "show"])
                .code(6)
                .error_line("chmod 600");
        }
    }
    // A secret in a value of the wrong type is not quoted by the parse error.
    write_config_with_mode(
        &env,
        &format!(
            "[profiles.p]\nproduction = {}\n",
            toml_str(&format!("postgres://u:{SECRET}@h/db"))
        ),
        0o644,
    );
    let run = env.run(&["--profile", "p", "config", "show"]);
    run.code(6);
    assert_no_url_password("a mistyped value", &run);
}

fn password_chars() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            proptest::char::range('a', 'z'),
            proptest::char::range('A', 'Z'),
            proptest::char::range('0', '9'),
            proptest::sample::select(vec![
                '%', '@', '/', '?', '#', '&', '=', ':', ' ', '[', ']', '"', '\'', '+', '!', '$',
                'é', '\\'
            ]),
        ],
        10..24,
    )
    .prop_map(|v| v.into_iter().collect())
    .prop_filter("needs letters", |s: &String| {
        s.chars().filter(|c| c.is_ascii_alphanumeric()).count() >= 8
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

    /// Whatever the password and wherever it sits, no output of a failing
    /// command or of `config show` contains it.
    #[test]
    fn no_generated_password_appears_in_any_output(pw in password_chars(), form in 0usize..5) {
        let env = Env::sqlite();
        let enc = pw.replace('%', "%25").replace(' ', "%20");
        let url = match form {
            0 => format!("postgres://root:{pw}@127.0.0.1:5432/nosuchdb"),
            1 => format!("postgres://root:{enc}@127.0.0.1:5432/nosuchdb"),
            2 => format!("postgres://root@127.0.0.1:5432/nosuchdb?password={pw}"),
            3 => format!("postgres://root@127.0.0.1:5432/nosuchdb?sslmode=disable&sslpassword={pw}&x=1"),
            _ => format!("postgres://nosuchrole:{pw}@[::1/x"),
        };
        for run in [
            env.cmd().env("CUSTADM_DATABASE_URL", &url).args(&["list"]).run(),
            env.run(&["--database-url", &url, "config", "show"]),
            env.run(&["--database-url", &url, "config", "show", "-o", "json"]),
        ] {
            let json_pw = serde_json::to_string(&pw).unwrap();
            let json_pw = &json_pw[1..json_pw.len() - 1];
            for shown in [pw.as_str(), enc.as_str(), json_pw] {
                prop_assert!(
                    !run.stdout.contains(shown) && !run.stderr.contains(shown),
                    "{url} printed {shown}: {run:?}"
                );
            }
        }
    }
}

// ------------------------------------------------ 5. file: URIs

#[test]
fn sqlite_uri_filenames_are_refused_and_create_nothing() {
    let env = Env::sqlite();
    let work = env.dir.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let abs = env.dir.path().join("abs.sqlite3").display().to_string();
    for url in [
        "file:x.sqlite3?mode=memory".to_string(),
        "file:x.sqlite3".to_string(),
        format!("file:{abs}"),
        format!("file://{abs}"),
        format!("file://localhost{abs}?cache=shared"),
        "FILE:x.sqlite3".to_string(),
        "sqlite:file:x.sqlite3?mode=memory".to_string(),
        "sqlite://file:x.sqlite3".to_string(),
        ":memory:".to_string(),
        "sqlite::memory:".to_string(),
    ] {
        let mut c = env
            .cmd()
            .env("CUSTADM_DATABASE_URL", &url)
            .args(&["init", "--admin", "admin", "--password-stdin"])
            .stdin(&format!("{ADMIN_PASSWORD}\n"));
        c.cmd.current_dir(&work);
        let run = c.run();
        run.code(6);
        assert!(
            run.stderr.contains("file:") || run.stderr.contains(":memory:"),
            "{url}: {}",
            run.stderr
        );
        assert!(!run.stdout.contains("Created"), "{url}: {}", run.stdout);
        let left: Vec<_> = std::fs::read_dir(&work).unwrap().flatten().collect();
        assert!(left.is_empty(), "{url} left {left:?}");
        assert!(!Path::new(&abs).exists(), "{url} created {abs}");
        let mut c = env.cmd().env("CUSTADM_DATABASE_URL", &url).args(&["list"]);
        c.cmd.current_dir(&work);
        c.run().code(6);
    }
    // A plain path that merely contains "file:" further on is a plain path.
    let odd = env.dir.path().join("a file: b.sqlite3");
    env.cmd()
        .env("CUSTADM_DATABASE_URL", odd.to_str().unwrap())
        .args(&["init", "--admin", "admin", "--password-stdin"])
        .stdin(&format!("{ADMIN_PASSWORD}\n"))
        .run()
        .ok();
    assert!(odd.exists());
}

// ------------------------------------------------ 7. unbounded reads

/// This process's resident memory (KiB): a child's peak RSS includes what it
/// shared with us between fork and exec, so bounds are relative to it.
fn own_rss_kib() -> i64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// Extra memory custadm may use beyond what it shared with the test.
const RSS_ALLOWANCE_KIB: i64 = 48 * 1024;

#[test]
fn a_huge_password_line_fails_fast_with_bounded_memory() {
    let env = Env::sqlite();
    env.init_db(0);
    let id = env.insert_customer("One", "one@example.com").to_string();
    for args in [
        vec!["purge", id.as_str(), "--password-stdin"],
        vec![
            "operator",
            "add",
            "bob",
            "--role",
            "support",
            "--password-stdin",
        ],
    ] {
        let cmd = env.cmd().args(&args).cmd;
        let base = own_rss_kib();
        // 200 MiB of 'x' and no newline, streamed in 1 MiB writes.
        let m = crate::hardening::run_bounded_fed(
            cmd,
            |mut stdin| {
                use std::io::Write;
                let chunk = vec![b'x'; 1 << 20];
                for _ in 0..200 {
                    if stdin.write_all(&chunk).is_err() {
                        break;
                    }
                }
            },
            Duration::from_secs(60),
        );
        m.run.code(2).error_line("4096 bytes");
        assert!(
            m.max_rss_kib < base + RSS_ALLOWANCE_KIB,
            "{args:?}: peak RSS {} KiB (test process {base} KiB)",
            m.max_rss_kib
        );
    }
    assert_eq!(env.count("customers", &format!("id = {id}")), 1);
    assert_eq!(env.count("operators", "username = 'bob'"), 0);
    // Exactly 4096 bytes is a password (and a wrong one here).
    let line = format!("{}\n", "y".repeat(4096));
    env.cmd()
        .args(&["purge", &id, "--password-stdin"])
        .stdin(&line)
        .run()
        .code(4);
}

#[test]
fn reasons_are_capped_and_free_of_control_characters() {
    let env = Env::sqlite();
    env.init_db(0);
    let id = env.insert_customer("One", "one@example.com").to_string();
    let audit = env.count("audit_log", "");
    for reason in [
        "r".repeat(501),
        "x".repeat(120_000),
        "T-1\nforged line".to_string(),
        format!("T-1{OSC_TITLE}"),
        "T-1\u{202e}".to_string(),
        "T-1\u{9b}2J".to_string(),
        "T-1\u{7f}".to_string(),
    ] {
        let run = env.run(&["--reason", &reason, "toggle", &id, "--deactivate"]);
        run.code(2).error_line("--reason");
        assert!(run.stderr.len() < 1_000, "error echoes the reason");
        assert_eq!(
            env.count("audit_log", ""),
            audit,
            "written despite a bad reason"
        );
    }
    let ok = "é".repeat(500);
    env.run(&["--reason", &ok, "toggle", &id, "--deactivate"])
        .ok();
    let stored = env.texts(&format!(
        "SELECT reason AS v FROM audit_log WHERE action = 'deactivate' AND customer_id = {id}"
    ));
    assert_eq!(stored, vec![Some(ok)]);
}

db_test!(
    absurd_argon2_parameters_are_refused_before_verifying,
    |env| {
        env.init_db(0);
        let real = env.texts("SELECT password_hash AS v FROM operators WHERE username = 'admin'")
            [0]
        .clone()
        .unwrap();
        let tail = real.rsplit_once('$').unwrap().1.to_string();
        let salt = real.split('$').nth(4).unwrap().to_string();
        let id = env.insert_customer("One", "one@example.com").to_string();
        for params in [
            "m=4194304,t=2,p=1",
            "m=19456,t=4294967295,p=1",
            "m=19456,t=2,p=16777215",
            "m=262145,t=2,p=1",
        ] {
            let hash = format!("$argon2id$v=19${params}${salt}${tail}");
            env.exec(&format!(
                "UPDATE operators SET password_hash = {} WHERE username = 'admin'",
                quote(&hash)
            ));
            let cmd = env.cmd().args(&["purge", &id, "--password-stdin"]).cmd;
            let base = own_rss_kib();
            let m = crate::hardening::run_bounded(
                cmd,
                Some(format!("{ADMIN_PASSWORD}\n").into_bytes()),
                Duration::from_secs(30),
            );
            m.run.code(6).error_line("Argon2 parameters");
            assert!(
                m.max_rss_kib < base + RSS_ALLOWANCE_KIB,
                "{params}: peak RSS {} KiB (test process {base} KiB)",
                m.max_rss_kib
            );
            assert_eq!(env.count("customers", &format!("id = {id}")), 1);
            assert_eq!(
            env.scalar("SELECT CAST(failed_attempts AS BIGINT) AS v FROM operators WHERE username = 'admin'"),
            Some(0),
            "{params}: counted as a wrong password"
        );
        }
    }
);

// ------------------------------------------------ 8. invisible characters in names

/// Characters the contract refuses in names: Cf (bar ZWJ/ZWNJ between
/// letters), Zl, Zp, and the fillers.
const INVISIBLE: &[char] = &[
    '\u{061C}',
    '\u{00AD}',
    '\u{200B}',
    '\u{200E}',
    '\u{2060}',
    '\u{FEFF}',
    '\u{E0041}',
    '\u{E0001}',
    '\u{3164}',
    '\u{115F}',
    '\u{FFA0}',
    '\u{180E}',
    '\u{2028}',
    '\u{2029}',
    '\u{0600}',
    '\u{FFF9}',
    '\u{1D173}',
    '\u{206A}',
];

fn escaped(c: char) -> String {
    custadm::output::sanitize(&c.to_string())
}

db_test!(
    invisible_characters_are_refused_in_names_and_shown_in_output,
    |env| {
        env.init_db(0);
        let id = env.insert_customer("Plain Name", "plain@example.com");
        let sid = id.to_string();
        for c in INVISIBLE {
            for name in [
                format!("Ann{c}Lee"),
                format!("{c}Ann Lee"),
                format!("Ann Lee{c}"),
            ] {
                if !name.trim().contains(*c) {
                    continue; // U+2028/9 are white space: trimmed, not stored
                }
                let run = env.run(&["edit", &sid, "--name", &name]);
                run.code(2).error_line("name");
                assert!(
                    !run.stderr.contains(*c),
                    "raw U+{:04X} in the error",
                    *c as u32
                );
            }
        }
        for j in ['\u{200C}', '\u{200D}'] {
            for name in [
                format!("{j}Ann"),
                format!("Ann{j}"),
                format!("Ann {j}Lee"),
                format!("1{j}2"),
            ] {
                env.run(&["edit", &sid, "--name", &name]).code(2);
            }
        }
        assert_eq!(
            env.texts(&format!(
                "SELECT full_name AS v FROM customers WHERE id = {id}"
            )),
            vec![Some("Plain Name".to_string())]
        );
        // Between letters (Persian, Devanagari after a virama) they are allowed.
        for name in ["می\u{200C}خواهم", "क्\u{200D}ष", "Ann\u{200D}Lee"] {
            env.run(&["edit", &sid, "--name", name]).ok();
            let list = env.run(&["list"]);
            list.ok();
            assert!(
                list.stdout.contains(name),
                "{name:?} not shown as is: {}",
                list.stdout
            );
        }

        // Written by another program: shown visibly in every format.
        for c in INVISIBLE.iter().chain(&['\u{200D}']) {
            let name = format!("{c}Eve{c}");
            env.exec(&format!(
                "UPDATE customers SET full_name = {} WHERE id = {id}",
                quote(&name)
            ));
            let shown = escaped(*c);
            assert_ne!(shown, c.to_string());
            for args in [vec!["list"], vec!["view", sid.as_str()]] {
                let run = env.run(&args);
                run.ok();
                assert!(
                    !run.stdout.contains(*c),
                    "{args:?}: raw U+{:04X}",
                    *c as u32
                );
                assert!(
                    run.stdout.contains(&shown),
                    "{args:?}: {shown} missing:\n{}",
                    run.stdout
                );
            }
            let run = env.run(&["-o", "json", "view", &sid]);
            assert!(!run.stdout.contains(*c), "json: raw U+{:04X}", *c as u32);
            assert_eq!(run.json()["full_name"], serde_json::json!(name));
        }
    }
);

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    /// A name with any refused character anywhere is refused; what the
    /// output sanitiser prints never holds one raw.
    #[test]
    fn refused_characters_anywhere_are_refused(
        before in "[A-Za-zé ]{0,10}",
        c in proptest::sample::select(INVISIBLE.to_vec()),
        after in "[A-Za-zé ]{0,10}",
    ) {
        let name = format!("{before}{c}{after}");
        if !name.trim().is_empty() && name.trim().contains(c) {
            prop_assert!(custadm::validate::full_name(&name).is_err(), "{name:?} accepted");
        }
        let shown = custadm::output::sanitize(&name);
        prop_assert!(!shown.contains(c));
        prop_assert!(!shown.chars().any(custadm::output::is_invisible));
    }

    #[test]
    fn joiners_pass_only_between_letters(
        before in "[A-Za-z0-9 .]{0,6}",
        j in proptest::sample::select(vec!['\u{200C}', '\u{200D}']),
        after in "[A-Za-z0-9 .]{0,6}",
    ) {
        let name = format!("{before}{j}{after}");
        let between = before.chars().last().is_some_and(char::is_alphabetic)
            && after.chars().next().is_some_and(char::is_alphabetic);
        prop_assert_eq!(custadm::validate::full_name(&name).is_ok(), between, "{:?}", name);
        prop_assert_eq!(custadm::output::sanitize(&name).contains(j), between);
    }
}

// ------------------------------------------------ 9. email case folding

db_test!(
    emails_differing_only_in_case_clash_on_both_backends,
    |env| {
        env.init_db(0);
        let a = env.insert_customer("A", "a@example.com");
        let b = env.insert_customer("B", "b@example.com");
        let (sa, sb) = (a.to_string(), b.to_string());
        // (held by A, then tried by B): the same address in other case.
        let pairs = [
            ("ΟΔΥΣΣΕΥΣ@example.com", "οδυσσευς@example.com"),
            ("οδυσσευσ@example.com", "ΟΔΥΣΣΕΥΣ@example.com"),
            ("οδυσσευς@example.com", "οδυσσευσ@example.com"),
            ("\u{212A}ate@example.com", "kate@example.com"),
            ("STRA\u{1E9E}E@example.com", "straße@example.com"),
            ("İlker@example.com", "i\u{307}lker@example.com"),
            ("ſam@example.com", "SAM@example.com"),
            ("µ@example.com", "Μ@example.com"),
        ];
        for (held, tried) in pairs {
            env.run(&["edit", &sa, "--email", held]).ok();
            let run = env.run(&["edit", &sb, "--email", tried]);
            run.code(5);
            let run = env.run(&["edit", &sb, "--email", held]);
            run.code(5);
            assert_eq!(
                env.count("customers", "email = 'b@example.com'"),
                1,
                "{held} / {tried}"
            );
        }
        // Different letters stay different: dotless ı and i, ß and ss.
        for (held, tried) in [
            ("ılker@example.com", "ilker@example.com"),
            ("straße@example.com", "strasse@example.com"),
        ] {
            env.run(&["edit", &sa, "--email", held]).ok();
            env.run(&["edit", &sb, "--email", tried]).ok();
            env.run(&["edit", &sb, "--email", "b@example.com"]).ok();
        }
        // What is stored is the one fold, and it folds to itself.
        env.run(&["edit", &sa, "--email", "ΟΔΥΣΣΕΥΣ@Example.COM"])
            .ok();
        let stored = env.texts(&format!("SELECT email AS v FROM customers WHERE id = {a}"));
        assert_eq!(stored, vec![Some("οδυσσευσ@example.com".to_string())]);
    }
);

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    /// Upper, lower and mixed case of one address give one stored form.
    #[test]
    fn every_case_form_folds_to_one_stored_email(
        local in "[a-zA-Zα-ωΑ-Ως϶а-яА-ЯẞK\u{212A}ſµ]{1,12}",
    ) {
        let fold = |s: &str| custadm::validate::email(&format!("{s}@example.com"));
        let base = fold(&local);
        if let Ok(base) = base {
            prop_assert_eq!(fold(&local.to_uppercase()).ok(), Some(base.clone()));
            prop_assert_eq!(fold(&local.to_lowercase()).ok(), Some(base.clone()));
            prop_assert_eq!(custadm::validate::email(&base).ok(), Some(base.clone()));
        }
    }
}

// ------------------------------------------------ ids never reused (done in the migration)

#[test]
fn a_purged_highest_id_is_never_given_again() {
    let env = Env::sqlite();
    env.init_db(0);
    let a = env.insert_customer("A", "a@example.com");
    let b = env.insert_customer("B", "b@example.com");
    assert!(b > a);
    env.cmd()
        .args(&["purge", &b.to_string(), "--password-stdin"])
        .stdin(&format!("{ADMIN_PASSWORD}\n"))
        .run()
        .ok();
    let c = env.insert_customer("C", "c@example.com");
    assert!(c > b, "id {b} was purged and {c} given again");
    let run = env.run(&["-o", "json", "audit", "--customer", &c.to_string()]);
    run.ok();
    assert_eq!(
        run.json(),
        serde_json::json!([]),
        "C inherited B's audit trail"
    );
}

/// TLS to PostgreSQL works with the OpenSSL linked into the binary
/// (.cargo/config.toml): `sslmode=require` never falls back to plain text,
/// so a command that succeeds with it spoke TLS; and a certificate check
/// that cannot pass is refused with exit 6 (contract: "Databases").
#[test]
fn postgres_connections_use_tls_when_asked() {
    let Some(mut env) = Env::postgres() else {
        return;
    };
    let mut admin = PgConnection::establish(&env.url).expect("connect to PostgreSQL");
    #[derive(QueryableByName)]
    struct Setting {
        #[diesel(sql_type = diesel::sql_types::Text)]
        ssl: String,
    }
    let ssl = diesel::sql_query("SHOW ssl")
        .get_result::<Setting>(&mut admin)
        .expect("SHOW ssl")
        .ssl;
    if ssl != "on" {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("CI=true but the PostgreSQL server has ssl = {ssl}: the TLS test must not be skipped in CI");
        }
        record_skip("PostgreSQL over TLS", "the test server has ssl = off");
        return;
    }
    let plain = env.url.clone();
    let join = if plain.contains('?') { '&' } else { '?' };
    env.url = format!("{plain}{join}sslmode=require");
    env.init_db(3);
    let list = env.run(&["list", "-o", "ids"]);
    list.ok();
    assert_eq!(list.stdout.lines().count(), 3, "{}", list.stdout);
    let cert = env.dir.path().join("no-such-ca.pem");
    std::fs::write(&cert, "not a certificate\n").expect("write cert");
    env.url = format!(
        "{plain}{join}sslmode=verify-full&sslrootcert={}",
        cert.display()
    );
    let refused = env.run(&["list"]);
    refused.code(6).error_line("cannot connect to PostgreSQL");
    assert!(refused.stdout.is_empty());
}
