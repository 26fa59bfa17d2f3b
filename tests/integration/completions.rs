//! `custadm completions` and the committed docs: the completion scripts and man
//! pages match the command-line definition, and profile names from the config
//! file are completed as inert words by bash, zsh and fish (other shells run
//! nothing from the config).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::support::*;

fn compare_dirs(committed: &Path, generated: &Path) {
    let mut names: Vec<_> = std::fs::read_dir(generated)
        .expect("generated dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    names.sort();
    let mut committed_names: Vec<_> = std::fs::read_dir(committed)
        .unwrap_or_else(|e| panic!("{}: {e}", committed.display()))
        .map(|e| e.expect("entry").file_name())
        .collect();
    committed_names.sort();
    assert_eq!(
        committed_names,
        names,
        "files in {} differ from what `custadm generate-docs .` makes",
        committed.display()
    );
    for name in names {
        let want = std::fs::read(generated.join(&name)).expect("generated file");
        let have = std::fs::read(committed.join(&name)).expect("committed file");
        assert!(
            want == have,
            "{} is stale: run `cargo run -- generate-docs .` and commit the result",
            committed.join(&name).display()
        );
    }
}

#[test]
fn completions_and_man_pages_are_current() {
    let out = tempfile::tempdir().expect("temp dir");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_custadm"))
        .args(["generate-docs"])
        .arg(out.path())
        .status()
        .expect("run custadm generate-docs");
    assert!(status.success());
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    compare_dirs(&root.join("completions"), &out.path().join("completions"));
    compare_dirs(&root.join("man"), &out.path().join("man"));
}

#[test]
fn completions_command_prints_the_committed_bash_script() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_custadm"))
        .args(["completions", "bash"])
        .output()
        .expect("run custadm completions");
    assert!(out.status.success());
    let committed =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("completions/custadm.bash"))
            .expect("committed");
    assert_eq!(out.stdout, committed);
}

#[test]
fn bash_completes_profile_names_from_the_config_file() {
    let home = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(home.path().join("custadm")).expect("config dir");
    std::fs::write(
        home.path().join("custadm/config.toml"),
        "[profiles.staging]\ndatabase_url = \"/tmp/s.sqlite3\"\n[profiles.production]\nproduction = true\n",
    )
    .expect("config");
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_custadm"))
        .parent()
        .expect("bin dir");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("completions/custadm.bash");
    let program = format!(
        "source {}; COMP_WORDS=(custadm --profile pro); COMP_CWORD=2; _custadm custadm pro --profile; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display()
    );
    let out = std::process::Command::new("bash")
        .args(["-c", &program])
        .env(
            "PATH",
            format!(
                "{}:{}",
                bin_dir.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .env("XDG_CONFIG_HOME", home.path())
        .env_remove("CUSTADM_CONFIG")
        .output()
        .expect("run bash");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout.trim(),
        "production",
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

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
