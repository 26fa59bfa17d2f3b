//! The README cannot rot: every command of its Tour runs, in order, on a
//! fresh sample database, and prints what the README shows (exit codes, and
//! the output compared line by line with wildcards for the random sample
//! data); the quick start installs with `--locked` and puts `custadm` on the
//! PATH; the Scripting and cron examples run as written. The other sections'
//! commands are mirrored by the tests of their area: profiles (`profiles`),
//! PostgreSQL (`connection`, `init`, every `db_test!`), mail (`mail`),
//! operators (`operator`, `acting_operator`).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::os_user;

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

    /// `sh -c SCRIPT` with custadm first on PATH and a private HOME (no XDG
    /// variables: the default places under it); like a person's shell, but
    /// detached from any terminal.
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

    /// A crontab job run as cron runs it (crontab(5)): `/bin/sh -c` with
    /// no terminal and nothing on stdin, in an environment of only what
    /// cron sets (`SHELL=/bin/sh`, `HOME`, `LOGNAME`, `PATH=/usr/bin:/bin`)
    /// and the crontab's variables over it, the README's `~/.cargo/bin`
    /// standing for the built binary's directory; `\%` is `%` (a bare `%`
    /// would end the command: none is allowed).
    fn cron(&self, tab: &Crontab, job: &str) -> (i32, String, String) {
        use std::os::unix::process::CommandExt;
        let bin_dir = Path::new(env!("CARGO_BIN_EXE_custadm"))
            .parent()
            .expect("bin dir")
            .display()
            .to_string();
        assert!(
            !job.replace("\\%", "").contains('%'),
            "a bare % in a crontab job ends its command: {job}"
        );
        let mut cmd = Command::new("/bin/sh");
        cmd.args(["-c", &job.replace("\\%", "%")])
            .current_dir(self.dir.path())
            .env_clear()
            .env("SHELL", "/bin/sh")
            .env("HOME", self.dir.path())
            .env("LOGNAME", os_user())
            .env("PATH", "/usr/bin:/bin");
        for (name, value) in &tab.vars {
            cmd.env(name, value.replace(README_CARGO_BIN, &bin_dir));
        }
        cmd.stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        // SAFETY: setsid only detaches the child from our terminal.
        unsafe {
            cmd.pre_exec(|| {
                libc::setsid();
                Ok(())
            });
        }
        let out = cmd.output().expect("run the crontab job");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

/// Where the README's crontabs say `cargo install` put custadm; the tests
/// put the built binary's directory in its place.
const README_CARGO_BIN: &str = "/home/ops/.cargo/bin";

/// A crontab block: its variables (`NAME=value` lines) and its jobs (the
/// command after the five schedule fields), comments and blank lines left
/// out.
struct Crontab {
    vars: Vec<(String, String)>,
    jobs: Vec<String>,
}

fn crontab(block: &str) -> Crontab {
    let mut tab = Crontab {
        vars: Vec::new(),
        jobs: Vec::new(),
    };
    for line in block.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let first = line.split_whitespace().next().unwrap_or("");
        match first.split_once('=') {
            Some((name, value)) if !name.is_empty() && first == line => {
                tab.vars.push((name.to_string(), value.to_string()));
            }
            _ => tab.jobs.push(
                line.split_whitespace()
                    .skip(5)
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
        }
    }
    tab
}

/// The crontab blocks of the whole README (` ```cron ` and ` ```crontab `).
fn all_crontabs() -> Vec<String> {
    let text = readme();
    let mut out = blocks(&text, "cron");
    out.extend(blocks(&text, "crontab"));
    out
}

/// One `$ command` of a console block and the lines the README shows after it.
struct Example {
    command: String,
    shown: Vec<String>,
}

/// The commands of a console block, each with the output shown under it.
fn examples(block: &str) -> Vec<Example> {
    let mut out: Vec<Example> = Vec::new();
    for line in block.lines() {
        match (line.strip_prefix("$ "), out.last_mut()) {
            (Some(command), _) => out.push(Example {
                command: command.to_string(),
                shown: Vec::new(),
            }),
            (None, Some(example)) => example.shown.push(line.to_string()),
            (None, None) => panic!("console block output before any `$ ` line: {line}"),
        }
    }
    out
}

/// A line with its runs of blanks made one space and its ends trimmed: table
/// columns are padded to the width of random names, so only the words and
/// their order are compared.
fn squeeze(line: &str) -> String {
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether `line` matches `pattern`, where `[..]` stands for any text
/// (trycmd's line wildcard).
fn line_matches(pattern: &str, line: &str) -> bool {
    let mut parts = pattern.split("[..]");
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = line.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    for (i, part) in parts.iter().enumerate() {
        if i + 1 == parts.len() {
            return rest.ends_with(part);
        }
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.is_empty()
}

/// Whether the printed lines match the shown ones, where a shown line `...`
/// stands for any number of lines (trycmd's multi-line wildcard).
fn lines_match(shown: &[String], printed: &[String]) -> bool {
    match shown.split_first() {
        None => printed.is_empty(),
        Some((first, rest)) if first == "..." => {
            (0..=printed.len()).any(|skip| lines_match(rest, &printed[skip..]))
        }
        Some((first, rest)) => printed
            .split_first()
            .is_some_and(|(line, more)| line_matches(first, line) && lines_match(rest, more)),
    }
}

#[test]
fn line_wildcards_match_what_they_stand_for() {
    assert!(line_matches("run [..]]", "run 01M98EGSWAMFYCD1NF5E27PWDJ]"));
    assert!(line_matches(
        "[..]3@example.net",
        "soren.garcia3@example.net"
    ));
    assert!(!line_matches(
        "[..]3@example.net",
        "soren.garcia3@example.org"
    ));
    assert!(line_matches("a [..] b [..] c", "a x b y c"));
    assert!(!line_matches("a [..] b", "a x c"));
    assert!(!line_matches("exact", "exact and more"));
    let lines = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert!(lines_match(
        &lines(&["a", "...", "z"]),
        &lines(&["a", "b", "c", "z"])
    ));
    assert!(lines_match(&lines(&["a", "...", "z"]), &lines(&["a", "z"])));
    assert!(!lines_match(&lines(&["a", "z"]), &lines(&["a", "b", "z"])));
    assert!(!lines_match(&lines(&["a"]), &lines(&["a", "b"])));
}

/// Commands whose passwords a person types at the prompt; the test gives
/// them on stdin: the admin's own first, then (operator add) the new
/// operator's, twice.
const PASSWORD_COMMANDS: [&str; 3] = ["custadm init", "custadm purge", "custadm operator add"];

#[test]
fn tour_prints_what_the_readme_shows() {
    let world = World::new();
    let home = world.dir.path().display().to_string();
    let login = os_user();
    let tour = section(&readme(), "Tour");
    let mut ran = 0;
    let mut wrong = Vec::new();
    for block in blocks(&tour, "console") {
        for example in examples(&block) {
            let command = example.command.as_str();
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
            let needs_password = PASSWORD_COMMANDS.iter().any(|p| script.starts_with(p));
            if needs_password {
                script.push_str(" --password-stdin");
            }
            let stdin = if script.starts_with("custadm operator add") {
                format!("{PASSWORD}\n{PASSWORD}\n")
            } else {
                format!("{PASSWORD}\n")
            };
            // Both streams into one pipe, in the order the binary writes them.
            let (code, printed, _) = world.sh(&format!("{script} 2>&1"), &stdin);
            assert_eq!(
                code, expected_exit,
                "README command `{command}`:\n{printed}"
            );
            // The README's reader is `ops` at /home/ops; this test's home is a
            // temp dir, and its login whoever runs the tests (root in CI).
            let printed: Vec<String> = printed
                .replace(&home, "/home/ops")
                .lines()
                .map(|l| {
                    if login == "root" {
                        l.to_string()
                    } else {
                        l.replace(&format!("'{login}'"), "'root'")
                            .split(' ')
                            .map(|w| if w == login { "root" } else { w })
                            .collect::<Vec<_>>()
                            .join(" ")
                    }
                })
                .map(|l| squeeze(&l))
                .collect();
            // Prompts appear on a terminal only: here the passwords came on stdin.
            let shown: Vec<String> = example
                .shown
                .iter()
                .filter(|l| !(needs_password && l.trim_end().ends_with(':')))
                .map(|l| squeeze(l))
                .collect();
            if !lines_match(&shown, &printed) {
                wrong.push(format!(
                    "`{command}`\n--- README shows:\n{}\n--- custadm printed:\n{}\n",
                    shown.join("\n"),
                    printed.join("\n")
                ));
            }
            ran += 1;
        }
    }
    assert!(
        wrong.is_empty(),
        "README Tour output differs from the binary's (update README.md; `[..]` for random text):\n{}",
        wrong.join("\n")
    );
    assert!(ran >= 20, "only {ran} README tour commands found");
}

#[test]
fn migration_counts_are_the_folders() {
    let tour = section(&readme(), "Tour");
    let count = |backend: &str| {
        std::fs::read_dir(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("migrations")
                .join(backend),
        )
        .expect("migrations folder")
        .filter(|e| e.as_ref().is_ok_and(|e| e.path().is_dir()))
        .count()
    };
    let text = squeeze(&tour);
    let sqlite = format!(
        "SQLite has {} migrations (`migrations/sqlite`)",
        count("sqlite")
    );
    let postgres = format!("PostgreSQL {} (`migrations/postgres`", count("postgres"));
    assert!(text.contains(&sqlite), "the Tour should say: {sqlite}");
    assert!(text.contains(&postgres), "the Tour should say: {postgres}");
    // And the Tour's `db status` lists one row per SQLite migration.
    let versions = tour
        .lines()
        .filter(|l| l.trim_end().ends_with("applied"))
        .count();
    assert_eq!(versions, count("sqlite"), "rows of `db status` in the Tour");
}

#[test]
fn quick_start_puts_custadm_on_the_path() {
    let text = section(&readme(), "Quick start");
    let commands: Vec<String> = blocks(&text, "sh")
        .iter()
        .flat_map(|b| b.lines().map(str::to_string).collect::<Vec<_>>())
        .collect();
    let install = commands
        .iter()
        .position(|l| l.starts_with("cargo install"))
        .expect("the quick start installs custadm");
    assert!(
        commands[install].contains("--locked"),
        "{}",
        commands[install]
    );
    // What follows the install is typed as `custadm …`, found on the PATH.
    let after: Vec<&String> = commands[install + 1..].iter().take(2).collect();
    assert!(
        after.iter().all(|l| l.starts_with("custadm ")),
        "after installing, the quick start types custadm: {after:?}"
    );
    // And every `cargo install` in the README keeps the tested versions.
    // (A command, not prose: `cargo install` followed by its arguments.)
    let text = readme();
    for (at, _) in text.match_indices("cargo install") {
        let command = text[at..].split(['`', '\n']).next().unwrap_or("");
        if command.trim() != "cargo install" {
            assert!(
                command.contains("--locked"),
                "cargo install without --locked: {command}"
            );
        }
    }
    // The commands after the install run as typed on a PATH that has
    // custadm (as ~/.cargo/bin has it after `cargo install`).
    let world = World::new();
    for line in &after {
        let script = if line.starts_with("custadm init") {
            format!("{line} --password-stdin")
        } else {
            line.to_string()
        };
        let (code, stdout, stderr) = world.sh(&script, &format!("{PASSWORD}\n"));
        assert_eq!(code, 0, "`{line}`:\n{stdout}\n{stderr}");
        if line.starts_with("custadm init") {
            // Its own "Next:" line names commands that work as typed.
            let next = stdout
                .lines()
                .chain(stderr.lines())
                .find(|l| l.starts_with("Next:"))
                .unwrap_or_else(|| panic!("init prints a Next: line:\n{stdout}\n{stderr}"));
            for named in next.split('`').skip(1).step_by(2) {
                let (code, _, stderr) = world.sh(named, "");
                assert_eq!(code, 0, "`{named}` from the Next: line: {stderr}");
            }
        }
    }
}

#[test]
fn scripting_and_cron_examples_run() {
    let world = World::new();
    world.sh(
        "custadm init --sample-data --password-stdin",
        &format!("{PASSWORD}\n"),
    );
    let text = section(&readme(), "Scripting and cron");
    // The crontab: its PATH, and the job after the five schedule fields.
    let cron = crontab(
        &blocks(&text, "cron")
            .into_iter()
            .next()
            .expect("a cron block"),
    );
    let line = cron.jobs.first().expect("a cron job").clone();
    // node_exporter's textfile directory, here in the test's home.
    let textfile_dir = "/var/lib/node_exporter/textfile/";
    assert!(
        line.contains(textfile_dir),
        "the cron line writes metrics: {line}"
    );
    let metrics = world.dir.path().join("custadm.prom");
    let command: String = line.replace(textfile_dir, &format!("{}/", world.dir.path().display()));
    // Without the crontab's PATH, cron's own does not find custadm.
    if !Path::new("/usr/bin/custadm").exists() {
        let bare = Crontab {
            vars: Vec::new(),
            jobs: Vec::new(),
        };
        let (code, _, stderr) = world.cron(&bare, &command);
        assert_eq!(
            code, 127,
            "cron's PATH=/usr/bin:/bin has no custadm: {stderr}"
        );
    }
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
    let (code, _, stderr) = world.cron(&cron, &command);
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
    let (code, stdout, stderr) = world.cron(&cron, &command);
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
    // The alert rules shown read series the file has, and one fires when
    // there is none (the job never ran, or cron could not find custadm).
    let rules = blocks(&text, "yaml").concat();
    let exprs: Vec<&str> = rules
        .lines()
        .filter_map(|l| l.trim().strip_prefix("expr: "))
        .collect();
    assert!(exprs.len() >= 3, "alert rules in the README: {rules}");
    assert!(
        exprs.iter().any(|e| e
            .starts_with("absent(custadm_run_last_end_timestamp_seconds{action=\"deactivate\"})")),
        "an absent() rule: {rules}"
    );
    for expr in &exprs {
        for (at, _) in expr.match_indices("custadm_") {
            let series = &expr[at..];
            let series = &series[..series.find('}').map_or(series.len(), |e| e + 1)];
            let name = series.split('{').next().unwrap_or(series);
            assert!(
                series.ends_with("{action=\"deactivate\"}"),
                "a rule for the cron line's action: {expr}"
            );
            assert!(
                prom.lines()
                    .any(|l| l.starts_with(&format!("{name}{{action=\"deactivate\""))),
                "{expr}: the metrics file has no {series}:\n{prom}"
            );
        }
    }
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

// Review of issue 26: cron runs a job with PATH=/usr/bin:/bin, where
// `cargo install` did not put custadm: every crontab of the README sets a
// PATH that has the directory it was installed to, and keeps cron's own.
#[test]
fn every_crontab_sets_a_path_that_finds_custadm() {
    let tabs = all_crontabs();
    assert!(tabs.len() >= 4, "{} crontab blocks", tabs.len());
    for block in &tabs {
        let first = block
            .lines()
            .find(|l| !l.trim().is_empty())
            .expect("a crontab line");
        assert_eq!(
            first,
            format!("PATH={README_CARGO_BIN}:/usr/bin:/bin"),
            "a crontab that does not begin with its PATH:\n{block}"
        );
        let tab = crontab(block);
        assert!(!tab.jobs.is_empty(), "{block}");
        for job in &tab.jobs {
            assert!(job.starts_with("custadm "), "{job}");
        }
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
    let db = world
        .dir
        .path()
        .join(".local/share/custadm/custadm.sqlite3");
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
        let tab = crontab(&block);
        for line in &tab.jobs {
            let (code, stdout, stderr) = world.cron(&tab, line);
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

/// The Audit section documents the chain's encoding fully (review of issue
/// 25): every domain tag custadm hashes, the time as 8-byte seconds and
/// 4-byte microseconds, the content digest, the start and the prehistory,
/// and the seal; each tag is the one the source uses.
#[test]
fn the_audit_section_documents_the_chain_encoding() {
    let text = section(&readme(), "Audit");
    let source = |file: &str| {
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(file)).expect("source")
    };
    let chain = source("src/db/audit/chain.rs");
    let signing = source("src/db/audit/signing.rs");
    for tag in [
        "custadm-audit-content-v1",
        "custadm-audit-chain-v1",
        "custadm-audit-start-v2",
        "custadm-audit-prehistory-v1",
    ] {
        assert!(
            text.contains(&format!("str(\"{tag}\")")),
            "README lacks {tag}"
        );
        assert!(
            chain.contains(&format!("b\"{tag}\"")),
            "chain.rs lacks {tag}"
        );
    }
    assert!(text.contains("str(\"custadm-audit-head-v1\")"));
    assert!(signing.contains("b\"custadm-audit-head-v1\""));
    for needle in [
        "int(whole seconds from 1970-01-01T00:00:00 to t, UTC) ‖ t's microseconds (0–999999)",
        "as 4 bytes big-endian",
        "str(salt: the 16 bytes of content_salt)",
        "opt(str(reason)) ‖ str(details)",
        "hash(previous) ‖ int(id) ‖ time(occurred_at)",
        "only when customer_id is NULL",
        "to_char(occurred_at, 'YYYY-MM-DD HH24:MI:SS.US')",
        "`audit_prehistory` row",
    ] {
        assert!(text.contains(needle), "README's encoding lacks {needle:?}");
    }
}
