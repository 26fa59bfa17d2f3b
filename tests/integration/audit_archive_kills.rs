//! `audit archive` killed (contract: "Audit", `audit archive`: "written and
//! synced before any row is deleted; killed half-way, nothing is lost and
//! running it again finishes"; issue 25, item 6).
//!
//! Round after round a trail of a few thousand rows is archived by the real
//! binary, SIGKILLed after a random delay: while it writes `FILE.partial`,
//! after FILE is synced and renamed but before its rows are deleted, after
//! the commit. After every kill: every row the table held before is still in
//! the table or in an archive that `audit verify --archive-only` accepts,
//! with the same chain hash, and `audit verify` passes on the rows left;
//! then the same command again exits 0 — finishing the archive, or, when
//! the kill came after the commit, reporting `already_archived`. The moment
//! each kill landed is read from what it left (files, the head's cut, the
//! exit status), and the interesting ones must all have been seen.
//!
//! No hook in custadm: the delays are random, spread over the length of an
//! unkilled run measured first. In every third round the test holds the
//! anchor file's lock (as another custadm appending its anchor would), so a
//! run that has committed waits there for its anchor and a late kill lands
//! after the commit for sure.

use std::collections::BTreeMap;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::audit_anchors::{anchored, run_t};
use crate::db_test;
use crate::support::*;

/// Customers toggled each round: each round's trail is this many rows and
/// the run's own.
const CUSTOMERS: i64 = 2000;
/// Rounds at least, and at most while a phase is still unseen.
const MIN_ROUNDS: usize = 16;
const MAX_ROUNDS: usize = 60;

/// Where a kill landed, as read from what it left.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    /// No file yet, nothing changed (the password check, the start).
    BeforeWriting,
    /// `FILE.partial` being written (no end line yet).
    Writing,
    /// `FILE.partial` complete, not renamed yet.
    WrittenNotRenamed,
    /// FILE synced and in place, the rows not deleted (reading it back,
    /// or the deleting transaction before its commit).
    WrittenNotDeleted,
    /// The cut moved (the rows deleted, committed), the process still
    /// running (its output, its anchor) when killed.
    CommittedKilled,
    /// The run had ended by itself before the kill.
    Finished,
}

/// The archive command of a round, with profile `t` (anchored, signed).
fn archive_cmd(env: &Env, file: &Path) -> Cmd {
    env.cmd().env("CUSTADM_PROFILE", "t").args(&[
        "-o",
        "json",
        "audit",
        "archive",
        "--before",
        "2099-01-01",
        "--to",
        file.to_str().expect("utf-8 path"),
        "--password-stdin",
    ])
}

fn partial(file: &Path) -> PathBuf {
    PathBuf::from(format!("{}.partial", file.display()))
}

/// id → chain_hash of every row in the table.
fn table_rows(env: &Env) -> BTreeMap<i64, String> {
    env.texts(
        "SELECT CAST(id AS TEXT) || '|' || COALESCE(chain_hash, '-') AS v FROM audit_log ORDER BY id",
    )
    .into_iter()
    .map(|v| {
        let v = v.expect("row");
        let (id, hash) = v.split_once('|').expect("id|hash");
        (id.parse().expect("id"), hash.to_string())
    })
    .collect()
}

/// id → chain_hash of the rows in an archive file, once `audit verify
/// --archive-only` accepts it.
fn archived_rows(env: &Env, file: &Path) -> BTreeMap<i64, String> {
    let f = file.to_str().expect("utf-8 path");
    let r = env.run(&[
        "audit",
        "verify",
        "--archive-only",
        "--archive",
        f,
        "-o",
        "json",
    ]);
    assert_eq!(
        r.code, 0,
        "{f} is not an archive that verifies: {}",
        r.stderr
    );
    std::fs::read_to_string(file)
        .expect("archive")
        .lines()
        .skip(1)
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("json line"))
        .filter_map(|v| {
            let id = v["id"].as_i64()?;
            Some((id, v["chain_hash"].as_str().unwrap_or("-").to_string()))
        })
        .collect()
}

fn median(d: &mut [Duration]) -> Duration {
    d.sort();
    d.get(d.len() / 2).copied().unwrap_or_default()
}

fn cut(env: &Env) -> Option<i64> {
    env.scalar("SELECT archived_through AS v FROM audit_chain_head WHERE id = 1")
}

/// On PostgreSQL, waits until the killed client's server process is gone:
/// a COMMIT it had sent may still be completing (nothing else commits
/// after a client dies).
fn wait_for_orphans(env: &Env) {
    if env.backend != Backend::Postgres {
        return;
    }
    let started = Instant::now();
    while env.count(
        "pg_stat_activity",
        "datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'",
    ) > 0
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the killed run's server process is still there after 30 s"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The invariant after every kill and every rerun: every row of `before`
/// (the table before the round: all after the earlier rounds' cut) is in
/// the table or in the round's archive FILE (once `audit verify
/// --archive-only` accepts it) with the same hash, and `audit verify
/// --anchors` passes on the rows left, every one of them walked.
#[track_caller]
fn nothing_lost(env: &Env, before: &BTreeMap<i64, String>, file: &Path, when: &str) {
    let mut have = table_rows(env);
    let left = have.len();
    if file.exists() {
        for (id, hash) in archived_rows(env, file) {
            if let Some(other) = have.insert(id, hash.clone()) {
                assert_eq!(
                    other, hash,
                    "{when}: row {id} differs between the table and the archive"
                );
            }
        }
    }
    for (id, hash) in before {
        assert_eq!(
            have.get(id),
            Some(hash),
            "{when}: audit row {id} is neither in the table nor in an archive (or its hash changed)"
        );
    }
    let r = run_t(env, &["audit", "verify", "--anchors", "-o", "json"]);
    assert_eq!(r.code, 0, "{when}: audit verify --anchors: {}", r.stderr);
    assert_eq!(r.json()["rows"], left, "{when}: {}", r.stdout);
}

/// Holds the anchor file's lock (`flock`, as custadm takes it) while alive.
struct AnchorLock {
    _file: std::fs::File,
}

impl AnchorLock {
    fn take(path: &Path) -> AnchorLock {
        let file = std::fs::OpenOptions::new()
            .append(true)
            .open(path)
            .expect("the anchor file");
        // SAFETY: flock on a descriptor this value owns.
        assert_eq!(unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) }, 0);
        AnchorLock { _file: file }
    }
}

db_test!(
    archive_killed_at_random_moments_loses_nothing_and_the_same_command_finishes,
    |env| {
        env.init_db(0);
        let anchors = anchored(&env);
        bulk_customers(&env, CUSTOMERS);
        let mut archives: Vec<PathBuf> = Vec::new();
        let mut seen: BTreeMap<Phase, usize> = BTreeMap::new();
        // How long whole runs took (the first round's, and reruns that
        // archived from the start).
        let mut full_runs: Vec<Duration> = Vec::new();
        let mut round = 0;
        let mut every_row: BTreeMap<i64, String> = BTreeMap::new();
        let required = [
            Phase::Writing,
            Phase::WrittenNotDeleted,
            Phase::CommittedKilled,
        ];
        while round < MIN_ROUNDS
            || (round < MAX_ROUNDS && !required.iter().all(|p| seen.contains_key(p)))
        {
            // The round's trail: every customer toggled (one row each, and the run's).
            let flag = if round % 2 == 0 {
                "--deactivate"
            } else {
                "--activate"
            };
            run_t(&env, &["toggle", flag, "--status", "all", "--yes"]).ok();
            let before = table_rows(&env);
            every_row.extend(before.clone());
            let last = *before.keys().next_back().expect("rows");
            let cut_before = cut(&env);
            let file = env.dir.path().join(format!("archive-{round:02}.jsonl"));
            archives.push(file.clone());

            // Round 0 runs to its end: the length of a run, which the
            // delays of the others are spread over.
            let lock = (round % 3 == 2).then(|| AnchorLock::take(&anchors));
            let (low, high) = if lock.is_some() {
                (0.5, 2.0)
            } else {
                (0.0, 1.1)
            };
            let length = median(&mut full_runs);
            let delay = length.mul_f64(low + rand::random::<f64>() * (high - low));
            let mut cmd = archive_cmd(&env, &file).cmd;
            let started = Instant::now();
            let mut child = cmd.spawn().expect("spawn custadm");
            {
                use std::io::Write;
                let mut stdin = child.stdin.take().expect("stdin");
                stdin
                    .write_all(admin_stdin(&[]).as_bytes())
                    .expect("password");
            }
            let status = if round == 0 {
                child.wait().expect("wait")
            } else {
                std::thread::sleep(delay);
                let _ = child.kill();
                child.wait().expect("wait")
            };
            if round == 0 {
                full_runs.push(started.elapsed());
                assert!(status.success(), "the unkilled run failed: {status:?}");
            }
            drop(lock);
            wait_for_orphans(&env);

            let committed = cut(&env) != cut_before;
            let phase = if status.code().is_some() {
                assert!(status.success(), "round {round}: exit {status:?}");
                Phase::Finished
            } else if committed {
                Phase::CommittedKilled
            } else if file.exists() {
                Phase::WrittenNotDeleted
            } else if partial(&file).exists() {
                let text = std::fs::read_to_string(partial(&file)).unwrap_or_default();
                if text
                    .lines()
                    .last()
                    .is_some_and(|l| l.starts_with("{\"end\""))
                {
                    Phase::WrittenNotRenamed
                } else {
                    Phase::Writing
                }
            } else {
                Phase::BeforeWriting
            };
            *seen.entry(phase).or_default() += 1;
            if phase < Phase::CommittedKilled {
                assert_eq!(cut(&env), cut_before, "round {round}: nothing deleted");
                assert_eq!(
                    table_rows(&env),
                    before,
                    "round {round} ({phase:?}): the table as it was"
                );
            }
            let when = format!("round {round}, killed {phase:?} after {delay:?}");
            nothing_lost(&env, &before, &file, &when);

            // The same command again: exit 0, the job done.
            let had_file = file.exists();
            let again = Instant::now();
            let r = archive_cmd(&env, &file).stdin(&admin_stdin(&[])).run();
            if matches!(
                phase,
                Phase::BeforeWriting | Phase::Writing | Phase::WrittenNotRenamed
            ) {
                // A whole run: the delays follow the machine's pace.
                full_runs.push(again.elapsed());
            }
            assert_eq!(r.code, 0, "{when}: the rerun: {}", r.stderr);
            let v = r.json();
            let done_before = matches!(phase, Phase::CommittedKilled | Phase::Finished);
            assert_eq!(v["already_archived"], done_before, "{when}: {v}");
            assert_eq!(v["resumed"], had_file && !done_before, "{when}: {v}");
            assert_eq!(v["through"], last, "{when}: {v}");
            if done_before {
                assert_eq!(v["archived"], 0, "{when}: {v}");
            } else {
                // Every row the table held: all of them lie after the cut.
                assert_eq!(
                    v["archived"].as_u64(),
                    Some(before.len() as u64),
                    "{when}: {v}"
                );
            }
            assert_eq!(cut(&env), Some(last), "{when}: the cut after the rerun");
            assert_eq!(
                env.count("audit_log", &format!("id <= {last}")),
                0,
                "{when}"
            );
            assert!(!partial(&file).exists(), "{when}: FILE.partial left");
            nothing_lost(&env, &before, &file, &format!("{when}, run again"));
            round += 1;
        }
        eprintln!(
            "{:?}: {round} rounds, a whole run {:?} (median), kills landed: {seen:?}",
            env.backend,
            median(&mut full_runs)
        );
        for p in required {
            assert!(
                seen.contains_key(&p),
                "no kill landed {p:?} in {round} rounds (seen: {seen:?})"
            );
        }
        // The whole history: every archive, oldest first, then the table,
        // every anchor checked (none below the cut left unchecked).
        let mut args = vec!["audit", "verify", "--anchors", "-o", "json"];
        let names: Vec<String> = archives.iter().map(|f| f.display().to_string()).collect();
        for n in &names {
            args.extend(["--archive", n.as_str()]);
        }
        let r = run_t(&env, &args);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert_eq!(r.json()["anchors_archived"], 0, "{}", r.stdout);
        assert_eq!(
            r.json()["archives"].as_array().map(Vec::len),
            Some(names.len())
        );
        // Each row the table ever held is in exactly one archive, or (after
        // the last cut) in the table.
        let mut archived: BTreeMap<i64, String> = BTreeMap::new();
        for f in &archives {
            for (id, hash) in archived_rows(&env, f) {
                assert!(
                    archived.insert(id, hash).is_none(),
                    "row {id} in two archives"
                );
            }
        }
        let last_cut = cut(&env).expect("a cut");
        let expected: BTreeMap<i64, String> = every_row
            .range(..=last_cut)
            .map(|(k, v)| (*k, v.clone()))
            .collect();
        assert_eq!(
            archived, expected,
            "the archives hold every row up to the cut, once"
        );
    }
);
