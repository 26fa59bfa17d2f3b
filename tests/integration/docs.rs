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
