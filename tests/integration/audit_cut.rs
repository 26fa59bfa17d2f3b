//! The archive cut and archive files against an attacker (contract:
//! "Audit", `audit archive`, `audit verify --archive`; review of issue 25):
//! a cut is valid only when the `audit archive` row on the chain records
//! it; an archive is checked with the table's trail, anchors and digests of
//! archived rows against its rows; archive files are read line by line,
//! header first. Attacks are plain SQL and file edits, hashes recomputed
//! from the documented encoding (helpers of `audit_anchors`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::audit_anchors::{anchor_lines, chain_hash, links, run_t, trail, Link};
use crate::db_test;
use crate::support::*;

/// `audit archive --before 2099-01-01 --to FILE` with profile `t` (anchored):
/// every row up to it goes to FILE.
fn archive_all(env: &Env, file: &Path) -> Run {
    env.cmd()
        .env("CUSTADM_PROFILE", "t")
        .args(&[
            "audit",
            "archive",
            "--before",
            "2099-01-01",
            "--to",
            file.to_str().expect("utf-8"),
            "--password-stdin",
        ])
        .stdin(&admin_stdin(&[]))
        .run()
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

// The reviewer's attack: the oldest rows deleted and the cut moved over
// them, as if they had been archived. Before: `audit verify`, `--anchors`
// and a `--digest` of a deleted row all exited 0.
db_test!(attack_moving_the_archive_cut_over_deleted_rows, |env| {
    let (_, path) = trail(&env);
    let anchors = anchor_lines(&path);
    // A digest of a row about to go: the second anchor line (anchor lines
    // are digests too).
    let digests = env.dir.path().join("digests");
    std::fs::write(&digests, format!("{}\n", anchors[1])).expect("digests");
    let victim = anchors[1]["id"].as_i64().expect("id");
    let rows = links(&env);
    let cut = rows.iter().find(|l| l.id == victim).expect("row");
    let since = anchors[3].to_string();
    run_t(&env, &["audit", "verify", "--anchors"]).ok();
    env.exec(&format!("DELETE FROM audit_log WHERE id <= {victim}"));
    env.exec(&format!(
        "UPDATE audit_chain_head SET archived_through = {victim}, archived_hash = {}",
        quote(&cut.chain_hash)
    ));
    let at = format!("@{}", digests.display());
    for args in [
        vec!["audit", "verify"],
        vec!["audit", "verify", "--anchors"],
        vec!["audit", "verify", "--digest", &at],
        // From a later digest on: the cut is still checked against the
        // newest `audit archive` row.
        vec!["audit", "verify", "--since", &since],
    ] {
        let r = run_t(&env, &args);
        r.code(8).error_line(&format!(
            "archive cut through row {victim} (audit_chain_head.archived_through), but no `audit archive` row on the chain records it"
        ));
        assert!(r.stderr.contains("Troubleshooting"), "{}", r.stderr);
        assert!(r.stdout.is_empty(), "{args:?}: {}", r.stdout);
    }
});

// A real archive: the cut is the one its `audit archive` row records;
// anchors and digests below it are reported (exit 0, `warning:`) and,
// with the archive given, checked against its rows.
db_test!(
    anchors_and_digests_below_a_real_cut_are_reported_and_checked_with_the_archive,
    |env| {
        let (c, path) = trail(&env);
        // Two digests: of the first anchored row (to be archived), and of
        // the head when the archive is made (its cut: checked at the cut).
        let digest = run_t(&env, &["audit", "digest"]).stdout;
        let digests = env.dir.path().join("digests");
        std::fs::write(&digests, format!("{}\n{digest}", anchor_lines(&path)[0])).expect("digests");
        let file = env.dir.path().join("a1.jsonl");
        archive_all(&env, &file).ok();
        run_t(&env, &["view", &c[0]]).ok();
        let all = anchor_lines(&path).len();
        let cut = env
            .scalar("SELECT archived_through AS v FROM audit_chain_head")
            .expect("a cut");
        let below = anchor_lines(&path)
            .iter()
            .filter(|a| a["id"].as_i64().is_some_and(|id| id < cut))
            .count();
        assert!(below >= 4, "{below}");
        run_t(&env, &["audit", "verify"]).ok();
        let r = run_t(&env, &["audit", "verify", "--anchors", "-o", "json"]);
        r.ok();
        assert_eq!(r.json()["anchors_archived"], below, "{}", r.stdout);
        assert_eq!(r.json()["archived_through"], cut);
        assert_eq!(r.json()["anchors_checked"], all - below);
        r.warning_line(&format!(
            "{below} anchors of {} lie in the archived range (rows up to {cut}) and were not checked: check them with --archive FILE",
            path.display()
        ));
        let at = format!("@{}", digests.display());
        let r = run_t(&env, &["audit", "verify", "--digest", &at]);
        r.ok();
        r.warning_line("1 digest lies in the archived range");
        assert!(
            r.stdout.contains("passes through all 1 digest"),
            "{}",
            r.stdout
        );
        // With the archive: every anchor and the digest checked, no warning.
        let r = run_t(
            &env,
            &[
                "audit",
                "verify",
                "--archive",
                s(&file),
                "--anchors",
                "--digest",
                &at,
                "-o",
                "json",
            ],
        );
        r.ok();
        assert_eq!(r.json()["anchors_checked"], all, "{}", r.stdout);
        assert_eq!(r.json()["digests_checked"], 2);
        assert_eq!(r.json()["anchors_archived"], 0);
        assert!(r.stderr.is_empty(), "{}", r.stderr);
        // The cut deleted with its record (the `audit archive` row) and moved on.
        let next = env
            .scalar(&format!(
                "SELECT min(id) AS v FROM audit_log WHERE id > {cut}"
            ))
            .expect("the archive's row");
        let hash = links(&env)
            .into_iter()
            .find(|l| l.id == next)
            .expect("row")
            .chain_hash;
        env.exec(&format!(
            "DELETE FROM audit_log WHERE id <= {next}; \
             UPDATE audit_chain_head SET archived_through = {next}, archived_hash = {}",
            quote(&hash)
        ));
        run_t(&env, &["audit", "verify"])
            .code(8)
            .error_line(&format!("archive cut through row {next}"));
    }
);

/// Hashes of an archive's rows recomputed from `from` on (row `from`'s
/// operator rewritten), with its end line: consistent on its own.
fn rewrite_archive(file: &Path, from: i64) {
    let text = std::fs::read_to_string(file).expect("archive");
    let mut lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    let mut previous: Option<String> = None;
    let mut last = None;
    for line in lines.iter_mut() {
        let Some(id) = line["id"].as_i64() else {
            continue;
        };
        let Some(stored) = line["chain_hash"].as_str().map(str::to_string) else {
            continue;
        };
        if id >= from {
            if id == from {
                line["operator"] = "mallory".into();
            }
            let text = |k: &str| line[k].as_str().map(str::to_string);
            let link = Link {
                id,
                occurred_at: text("occurred_at").expect("time"),
                operator: text("operator").expect("operator"),
                os_user: text("os_user").expect("os_user"),
                action: text("action").expect("action"),
                customer_id: line["customer_id"].as_i64(),
                outcome: text("outcome").expect("outcome"),
                run_id: text("run_id"),
                content_digest: text("content_digest").expect("digest"),
                chain_hash: stored.clone(),
            };
            let h = chain_hash(previous.as_deref().expect("a row before"), &link);
            line["chain_hash"] = h.clone().into();
            previous = Some(h);
        } else {
            previous = Some(stored);
        }
        last = previous.clone();
    }
    let end = lines.last_mut().expect("end line");
    end["end"]["chain_hash"] = last.expect("rows").into();
    let out: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(file, out).expect("rewrite");
}

// Before: `audit verify --archive` could not be combined with the table's
// trail or anchors, and nothing compared the archive's end with the cut:
// an archive rewritten with its hashes recomputed passed.
db_test!(
    attack_an_archive_rewritten_with_its_hashes_recomputed,
    |env| {
        let (c, path) = trail(&env);
        let file = env.dir.path().join("a1.jsonl");
        archive_all(&env, &file).ok();
        run_t(&env, &["view", &c[1]]).ok();
        run_t(
            &env,
            &["audit", "verify", "--archive", s(&file), "--anchors"],
        )
        .ok();
        let anchors = anchor_lines(&path);
        let target = anchors[2]["id"].as_i64().expect("id") - 1;
        rewrite_archive(&file, target);
        // On its own the archive is consistent: only the table (or the
        // anchors) can tell.
        run_t(
            &env,
            &["audit", "verify", "--archive-only", "--archive", s(&file)],
        )
        .ok();
        let r = run_t(&env, &["audit", "verify", "--archive", s(&file)]);
        r.code(8)
            .error_line("the database's cut (audit_chain_head.archived_hash) records");
        assert!(r.stderr.contains("the archive or the database was altered"));
        let r = run_t(
            &env,
            &["audit", "verify", "--archive", s(&file), "--anchors"],
        );
        r.code(8).error_line("line 3");
        assert!(
            r.stderr
                .contains("no longer has the chain_hash anchored there"),
            "{}",
            r.stderr
        );
        // A row line removed (the end line's count no longer matches).
        let text = std::fs::read_to_string(&file).expect("archive");
        let mut lines: Vec<&str> = text.lines().collect();
        lines.remove(2);
        std::fs::write(&file, lines.join("\n") + "\n").expect("write");
        run_t(
            &env,
            &["audit", "verify", "--archive-only", "--archive", s(&file)],
        )
        .code(8)
        .error_line("the end line counts");
    }
);

db_test!(several_archives_verify_in_order_with_the_table, |env| {
    let (c, path) = trail(&env);
    let f1 = env.dir.path().join("a1.jsonl");
    let f2 = env.dir.path().join("a2.jsonl");
    archive_all(&env, &f1).ok();
    run_t(&env, &["view", &c[0]]).ok();
    run_t(&env, &["toggle", &c[0], "--deactivate", "--yes"]).ok();
    archive_all(&env, &f2).ok();
    run_t(&env, &["view", &c[1]]).ok();
    let all = anchor_lines(&path).len();
    let r = run_t(
        &env,
        &[
            "audit",
            "verify",
            "--archive",
            s(&f1),
            "--archive",
            s(&f2),
            "--anchors",
            "-o",
            "json",
        ],
    );
    r.ok();
    assert_eq!(r.json()["anchors_checked"], all, "{}", r.stdout);
    assert_eq!(r.json()["archives"].as_array().map(Vec::len), Some(2));
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    // The later one alone: the anchors of the earlier one are reported.
    let r = run_t(&env, &["audit", "verify", "--archive", s(&f2), "--anchors"]);
    r.ok();
    r.warning_line("not checked: check them with the earlier archives too");
    // The earlier one alone, or out of order: exit 2 saying what to give.
    run_t(&env, &["audit", "verify", "--archive", s(&f1)])
        .code(2)
        .error_line("it is an earlier archive: give the later ones too");
    run_t(
        &env,
        &["audit", "verify", "--archive", s(&f2), "--archive", s(&f1)],
    )
    .code(2)
    .error_line("oldest first");
    // Archives alone need no database.
    let r = env
        .cmd()
        .env("CUSTADM_DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
        .args(&[
            "audit",
            "verify",
            "--archive-only",
            "--archive",
            s(&f1),
            "--archive",
            s(&f2),
        ])
        .run();
    r.ok();
    assert_eq!(r.stdout.lines().count(), 2, "{}", r.stdout);
    assert!(r.stdout.contains("a2.jsonl intact"), "{}", r.stdout);
});

/// An archive header, valid.
fn header() -> String {
    r#"{"custadm_audit_archive":1,"before":"2099-01-01T00:00:00Z","after_id":null,"after_hash":null,"chain_start_id":1,"prehistory_rows":0,"prehistory_hash":null}"#.to_string()
}

/// `audit verify --archive-only --archive FILE`, killed after 30 s.
fn archive_only(env: &Env, file: &str) -> Run {
    let cmd = env
        .cmd()
        .args(&["audit", "verify", "--archive-only", "--archive", file]);
    run_with_open_stdin(cmd, Duration::from_secs(30)).0
}

/// Before: the whole file was read before its first line was checked:
/// `--archive /dev/zero` never ended, and a random binary was named at its
/// millionth line.
#[test]
fn archive_files_are_read_line_by_line_header_first() {
    let env = Env::sqlite();
    env.init_db(1);
    archive_only(&env, "/dev/zero")
        .code(2)
        .error_line("not a regular file");
    // Binary data with many newlines: line 1.
    let mut bytes = Vec::with_capacity(4 << 20);
    let mut x: u32 = 2463534242;
    while bytes.len() < 4 << 20 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        bytes.extend_from_slice(&x.to_le_bytes());
    }
    let binary = env.dir.path().join("random.bin");
    std::fs::write(&binary, &bytes).expect("write");
    archive_only(&env, s(&binary))
        .code(2)
        .error_line("line 1: not the header of a custadm audit archive");
    // One huge first line: named at line 1 after 4 KiB.
    let huge = env.dir.path().join("huge");
    std::fs::write(&huge, vec![b'{'; 8 << 20]).expect("write");
    archive_only(&env, s(&huge)).code(2).error_line("line 1");
    // A row line just over the 16 MiB bound: named, not read whole.
    let long = env.dir.path().join("long.jsonl");
    {
        use std::io::Write;
        let mut f = std::io::BufWriter::new(std::fs::File::create(&long).expect("create"));
        writeln!(f, "{}", header()).expect("write");
        f.write_all(&vec![b'a'; (16 << 20) + 1]).expect("write");
        writeln!(f).expect("write");
    }
    archive_only(&env, s(&long))
        .code(2)
        .error_line("line 2: longer than 16777216 bytes");
    // Text after the end line; an end line missing.
    let tail = env.dir.path().join("tail.jsonl");
    std::fs::write(
        &tail,
        format!(
            "{}\n{{\"end\":{{\"through\":1,\"chain_hash\":\"{}\",\"rows\":0}}}}\nmore\n",
            header(),
            "00".repeat(32)
        ),
    )
    .expect("write");
    archive_only(&env, s(&tail))
        .code(2)
        .error_line("line 3: text after the end line");
    std::fs::write(&tail, format!("{}\n", header())).expect("write");
    archive_only(&env, s(&tail))
        .code(2)
        .error_line("line 1: the file ends here without its end line");
    // A FIFO: refused, not waited on.
    let fifo: PathBuf = env.dir.path().join("fifo");
    let c = std::ffi::CString::new(s(&fifo)).expect("path");
    // SAFETY: mkfifo on a NUL-terminated path this test owns.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    archive_only(&env, s(&fifo))
        .code(2)
        .error_line("not a regular file");
    // With the table too: the header is checked before the database is read.
    env.run(&["audit", "verify", "--archive", s(&binary)])
        .code(2)
        .error_line("line 1");
}

#[test]
fn audit_help_points_at_anchors_keys_and_archives() {
    let env = Env::sqlite();
    let r = env.run(&["audit", "--help"]);
    r.ok();
    for needle in [
        "audit_anchor",
        "audit_signing_key",
        "audit keygen",
        "audit verify --anchors",
        "audit archive",
        "--archive",
    ] {
        assert!(r.stdout.contains(needle), "{needle}: {}", r.stdout);
    }
    let r = env.run(&["audit", "verify", "--help"]);
    r.ok();
    assert!(r.stdout.contains("--archive-only"), "{}", r.stdout);
}

// The rows before the chain's start go with the first archive: counted
// there (and in the `audit_archive` row), and still checked against what
// seals them when the archive is read.
db_test!(
    an_archive_holding_the_prehistory_reports_and_checks_it,
    |env| {
        env.init_db(2);
        let c = crate::audit_anchors::customers(&env);
        env.run(&["view", &c[1]]).ok();
        let old = crate::audit_anchors::prehistory(&env);
        env.run(&["view", &c[0]]).ok();
        // As an older custadm left it, then sealed by the upgrade.
        crate::audit_anchors::relink_from_genesis(&env);
        env.run(&["db", "migrate"]).ok();
        env.run(&["view", &c[0]]).ok();
        let chained = env.count("audit_log", "chain_hash IS NOT NULL");
        let file = env.dir.path().join("a.jsonl");
        let r = env.admin_change(
            &[
                "-o",
                "json",
                "audit",
                "archive",
                "--before",
                "2099-01-01",
                "--to",
                s(&file),
            ],
            &[],
        );
        r.ok();
        assert_eq!(r.json()["archived"], old + chained, "{}", r.stdout);
        let r = env.run(&["audit", "verify", "--archive", s(&file), "-o", "json"]);
        r.ok();
        assert_eq!(r.json()["archives"][0]["prehistory"], old, "{}", r.stdout);
        assert_eq!(r.json()["archives"][0]["rows"], chained);
        assert!(r.stderr.is_empty(), "{}", r.stderr);
        let r = env.run(&[
            "audit",
            "verify",
            "--archive-only",
            "--archive",
            s(&file),
            "-o",
            "json",
        ]);
        r.ok();
        assert_eq!(r.json()["prehistory"], old);
        // A row before the start edited in the archive: its seal tells.
        let text = std::fs::read_to_string(&file).expect("archive");
        let edited: String = text
            .lines()
            .map(|l| {
                let mut v: serde_json::Value = serde_json::from_str(l).expect("line");
                if v["chain_hash"].is_null() && v["id"].is_i64() && v["customer_id"].is_null() {
                    v["details"] = "{\"forged\":1}".into();
                }
                format!("{v}\n")
            })
            .collect();
        assert_ne!(edited, text);
        std::fs::write(&file, edited).expect("write");
        for only in [true, false] {
            let mut args = vec!["audit", "verify", "--archive", s(&file)];
            if only {
                args.push("--archive-only");
            }
            env.run(&args).code(8).error_line("sealed");
        }
    }
);
