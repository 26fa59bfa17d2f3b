//! The README cannot rot: every command of its Tour runs, in order, on a
//! fresh sample database (exit codes and table headers as shown), and the
//! Scripting and cron examples run as written. The other sections' commands
//! are mirrored by the tests of their area: profiles (`profiles`), PostgreSQL
//! (`connection`, `init`, every `db_test!`), mail (`mail`), operators
//! (`operator`, `acting_operator`).

use std::path::{Path, PathBuf};
use std::process::Command;

const PASSWORD: &str = "readme-password-0123";

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md")
}

/// The text of a `## Title` section.
fn section(readme: &str, title: &str) -> String {
    let start = readme
        .find(&format!("\n## {title}\n"))
        .unwrap_or_else(|| panic!("README has no section {title}"));
    let rest = &readme[start + 4 + title.len()..];
    rest[..rest.find("\n## ").unwrap_or(rest.len())].to_string()
}

/// The fenced blocks with this info string.
fn blocks(text: &str, info: &str) -> Vec<String> {
    let fence = format!("```{info}\n");
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(&fence) {
        let body = &rest[i + fence.len()..];
        let end = body.find("```").expect("unclosed fence");
        out.push(body[..end].to_string());
        rest = &body[end + 3..];
    }
    out
}

struct World {
    dir: tempfile::TempDir,
}

impl World {
    fn new() -> World {
        World {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// `sh -c SCRIPT` with custadm first on PATH and a private HOME; like a
    /// person's shell, but detached from any terminal.
    fn sh(&self, script: &str, stdin: &str) -> (i32, String, String) {
        use std::io::Write;
        use std::os::unix::process::CommandExt;
        let bin_dir: PathBuf = Path::new(env!("CARGO_BIN_EXE_custadm"))
            .parent()
            .expect("bin dir")
            .to_path_buf();
        let mut cmd = Command::new("sh");
        cmd.args(["-c", script])
            .current_dir(self.dir.path())
            .env_clear()
            .env(
                "PATH",
                format!(
                    "{}:{}",
                    bin_dir.display(),
                    std::env::var("PATH").unwrap_or_default()
                ),
            )
            .env("HOME", self.dir.path())
            .env("XDG_DATA_HOME", self.dir.path().join("data"))
            .env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        // SAFETY: setsid only detaches the child from our terminal.
        unsafe {
            cmd.pre_exec(|| {
                libc::setsid();
                Ok(())
            });
        }
        let mut child = cmd.spawn().expect("spawn sh");
        if let Some(mut input) = child.stdin.take() {
            let _ = input.write_all(stdin.as_bytes());
        }
        let out = child.wait_with_output().expect("wait");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

fn words(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

#[test]
fn tour_commands_run() {
    let world = World::new();
    let tour = section(&readme(), "Tour");
    let mut ran = 0;
    for block in blocks(&tour, "console") {
        let lines: Vec<&str> = block.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let Some(command) = line.strip_prefix("$ ") else {
                continue;
            };
            let expected_exit = command
                .split("# exit ")
                .nth(1)
                .map(|c| c.trim().parse::<i32>().expect("exit code"))
                .unwrap_or(0);
            let mut script = command
                .split(" #")
                .next()
                .unwrap_or(command)
                .trim()
                .to_string();
            // What a person types at the prompt comes on stdin here.
            let needs_password = ["custadm init", "custadm purge", "custadm operator add"]
                .iter()
                .any(|p| script.starts_with(p));
            if needs_password {
                script.push_str(" --password-stdin");
            }
            // An admin change asks the admin's own password first, then
            // (operator add) the new operator's.
            let stdin = if script.starts_with("custadm operator add") {
                format!("{PASSWORD}\n{PASSWORD}\n")
            } else {
                format!("{PASSWORD}\n")
            };
            let (code, stdout, stderr) = world.sh(&script, &stdin);
            assert_eq!(
                code, expected_exit,
                "README command `{command}`\nstdout:\n{stdout}\nstderr:\n{stderr}"
            );
            // A table's header as shown.
            let shown = lines.get(i + 1).copied().unwrap_or("");
            if shown.starts_with(' ') && !shown.trim().is_empty() {
                let actual = stdout.lines().next().unwrap_or("");
                assert_eq!(words(actual), words(shown), "header of `{command}`");
            }
            if shown.starts_with('{') || shown.starts_with('[') {
                let actual = stdout.trim_start();
                assert!(
                    actual.starts_with(&shown[..1]),
                    "`{command}` prints JSON: {stdout}"
                );
            }
            ran += 1;
        }
    }
    assert!(ran >= 15, "only {ran} README tour commands found");
}

#[test]
fn scripting_and_cron_examples_run() {
    let world = World::new();
    world.sh(
        "custadm init --sample-data --password-stdin",
        &format!("{PASSWORD}\n"),
    );
    let text = section(&readme(), "Scripting and cron");
    // The crontab line: the command after the five schedule fields.
    let cron = blocks(&text, "cron")
        .into_iter()
        .next()
        .expect("a cron block");
    let line = cron
        .lines()
        .find(|l| !l.trim().is_empty())
        .expect("cron line");
    // node_exporter's textfile directory, here in the test's home.
    let textfile_dir = "/var/lib/node_exporter/textfile/";
    assert!(
        line.contains(textfile_dir),
        "the cron line writes metrics: {line}"
    );
    let metrics = world.dir.path().join("custadm.prom");
    let command: String = line
        .split_whitespace()
        .skip(5)
        .collect::<Vec<_>>()
        .join(" ")
        .replace(textfile_dir, &format!("{}/", world.dir.path().display()));
    let idle = |world: &World| {
        world
            .sh(
                "custadm list --status active --last-login-before 180d -o ids | wc -l",
                "",
            )
            .1
            .trim()
            .parse::<i64>()
            .expect("count")
    };
    let before = idle(&world);
    assert!(
        before > 1,
        "the sample data has a backlog of idle customers (more than 2% of 50)"
    );
    // The first night meets the backlog: over --max-changes, nothing changed.
    let (code, _, stderr) = world.sh(&command, "");
    assert_eq!(code, 5, "cron line over the backlog: {stderr}");
    assert!(stderr.contains("--max-changes"), "{stderr}");
    assert_eq!(idle(&world), before, "nothing changed");
    // The backlog block clears it; then the cron line is a quiet success.
    let sh_blocks = blocks(&text, "sh");
    let backlog = sh_blocks
        .iter()
        .find(|b| b.contains("dormancy-backlog"))
        .expect("a backlog block");
    let (code, _, stderr) = world.sh(backlog, "");
    assert_eq!(code, 0, "backlog block: {stderr}");
    assert_eq!(
        idle(&world),
        0,
        "the backlog deactivated every idle customer"
    );
    let (code, stdout, stderr) = world.sh(&command, "");
    assert_eq!(code, 0, "cron line on a quiet night: {stderr}");
    assert!(stdout.contains("\"run\""), "{stdout}");
    // The metrics file says so: the last run exited 0.
    let prom = std::fs::read_to_string(&metrics).expect("the cron line's metrics file");
    assert!(
        prom.contains("# TYPE custadm_run_last_exit_code gauge"),
        "{prom}"
    );
    assert!(
        prom.contains("custadm_run_last_exit_code{action=\"deactivate\"} 0"),
        "{prom}"
    );
    // `runs` lists the three nights, newest first.
    let (code, runs, stderr) = world.sh("custadm runs --action deactivate -o json", "");
    assert_eq!(code, 0, "{stderr}");
    let runs: serde_json::Value = serde_json::from_str(&runs).expect("runs JSON");
    let codes: Vec<i64> = runs
        .as_array()
        .expect("array")
        .iter()
        .map(|r| r["exit_code"].as_i64().expect("exit code"))
        .collect();
    assert_eq!(
        codes,
        vec![0, 0, 5],
        "quiet night, backlog, refused first night"
    );

    // The undo block (undoes the backlog run), the exit-code script and the jq one-liners.
    std::fs::write(world.dir.path().join("churned.txt"), "3\n7\n").expect("ids file");
    for block in sh_blocks.iter().filter(|b| !b.contains("dormancy-backlog")) {
        let (code, stdout, stderr) = world.sh(block, "");
        assert_eq!(
            code, 0,
            "README block failed:\n{block}\nstdout:\n{stdout}\nstderr:\n{stderr}"
        );
        assert!(
            !stdout.trim().is_empty(),
            "README block printed nothing:\n{block}"
        );
    }
}

#[test]
fn audit_and_retention_cron_lines_run() {
    let world = World::new();
    world.sh(
        "custadm init --sample-data --password-stdin",
        &format!("{PASSWORD}\n"),
    );
    std::fs::write(
        world.dir.path().join(".custadm-purge-password"),
        format!("{PASSWORD}\n"),
    )
    .expect("password file");
    // Customer 4 was soft-deleted long ago: the retention line is for it.
    let db = world.dir.path().join("data/custadm/custadm.sqlite3");
    {
        use diesel::connection::SimpleConnection;
        use diesel::Connection;
        let mut c = diesel::sqlite::SqliteConnection::establish(&db.display().to_string())
            .expect("open the README's database");
        c.batch_execute(
            "UPDATE customers SET deleted_at = '2020-01-01 00:00:00', is_active = 0 WHERE id = 4",
        )
        .expect("backdate a delete");
    }
    let (code, _, stderr) = world.sh("custadm view 4 -q", "");
    assert_eq!(code, 0, "{stderr}");
    let text = section(&readme(), "Audit");
    let mut ran = 0;
    for block in blocks(&text, "cron") {
        for line in block.lines().filter(|l| !l.trim().is_empty()) {
            let command = line
                .split_whitespace()
                .skip(5)
                .collect::<Vec<_>>()
                .join(" ");
            let (code, stdout, stderr) = world.sh(&command, "");
            assert_eq!(
                code, 0,
                "cron line `{line}`\nstdout:\n{stdout}\nstderr:\n{stderr}"
            );
            ran += 1;
        }
    }
    assert!(ran >= 3, "only {ran} cron lines in the Audit section");
    let digests =
        std::fs::read_to_string(world.dir.path().join("custadm-digests")).expect("digests");
    assert_eq!(digests.lines().count(), 1, "{digests}");
    // The retention line erased customer 4.
    let (code, _, _) = world.sh("custadm view 4", "");
    assert_eq!(code, 3, "customer 4 was purged");
    let (_, purged, _) = world.sh("custadm audit --action purge --customer 4 -o json", "");
    assert!(purged.contains("\"erased\""), "{purged}");
    // And the trail still verifies against the digest taken before it.
    let (code, _, stderr) = world.sh(
        "custadm audit verify --digest \"@$HOME/custadm-digests\"",
        "",
    );
    assert_eq!(code, 0, "{stderr}");
}
