//! The committed completions and man pages match the command-line definition.

use std::path::Path;

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
