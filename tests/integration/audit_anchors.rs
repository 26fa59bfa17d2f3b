//! Anchors outside the database and signed heads (contract: "Audit",
//! `audit_anchor`, `audit keygen`, `audit verify --anchors`; exit 8 and 9):
//! the attacks a database superuser or a restore can make — each done here
//! by plain SQL, recomputing the chain from the encoding documented in
//! `src/db/audit/chain.rs` (written again below, not taken from custadm) —
//! pass plain `audit verify` and are caught against the anchors.

use std::path::PathBuf;

use sha2::{Digest, Sha256};

use crate::db_test;
use crate::support::*;

/// Profile `t`: anchors to `anchors.jsonl` (via `~/`), signed by a key made
/// with `audit keygen`, verified with its public key. Returns the anchor file.
pub(crate) fn anchored(env: &Env) -> PathBuf {
    let key = env.dir.path().join("audit.key");
    let r = env.run(&["audit", "keygen", key.to_str().expect("utf-8 path")]);
    r.ok();
    let public = r
        .stdout
        .trim()
        .strip_prefix("audit_public_key = ")
        .expect("the config line")
        .to_string();
    write_profile(
        env,
        &format!(
            "audit_anchor = [\"file:~/anchors.jsonl\"]\naudit_signing_key = {}\naudit_public_key = {public}\n",
            quote_toml(key.to_str().expect("utf-8 path"))
        ),
    );
    env.dir.path().join("anchors.jsonl")
}

pub(crate) fn quote_toml(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Writes profile `t` with `body`.
pub(crate) fn write_profile(env: &Env, body: &str) {
    let dir = env.dir.path().join("config/custadm");
    std::fs::create_dir_all(&dir).expect("config dir");
    std::fs::write(dir.join("config.toml"), format!("[profiles.t]\n{body}")).expect("config");
}

/// custadm with profile `t`.
pub(crate) fn run_t(env: &Env, args: &[&str]) -> Run {
    env.cmd().env("CUSTADM_PROFILE", "t").args(args).run()
}

pub(crate) fn customers(env: &Env) -> Vec<String> {
    env.texts("SELECT CAST(id AS TEXT) AS v FROM customers ORDER BY id")
        .into_iter()
        .map(|v| v.expect("id"))
        .collect()
}

/// A trail with anchors: init (not anchored), then views and a toggle,
/// each command anchoring its head. Returns the customer ids.
pub(crate) fn trail(env: &Env) -> (Vec<String>, PathBuf) {
    env.init_db(5);
    let anchors = anchored(env);
    let c = customers(env);
    run_t(env, &["view", &c[0]]).ok();
    run_t(env, &["view", &c[1]]).ok();
    run_t(env, &["toggle", &c[2], &c[3], "--deactivate", "--yes"]).ok();
    run_t(env, &["view", &c[2]]).ok();
    run_t(env, &["view", &c[3]]).ok();
    (c, anchors)
}

pub(crate) fn anchor_lines(path: &PathBuf) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .expect("anchor file")
        .lines()
        .map(|l| serde_json::from_str(l).expect("an anchor line"))
        .collect()
}

/// One audit row's chained columns as stored.
#[derive(Debug, Clone)]
pub(crate) struct Link {
    pub(crate) id: i64,
    pub(crate) occurred_at: String,
    pub(crate) operator: String,
    pub(crate) os_user: String,
    pub(crate) action: String,
    pub(crate) customer_id: Option<i64>,
    pub(crate) outcome: String,
    pub(crate) run_id: Option<String>,
    pub(crate) content_digest: String,
    pub(crate) chain_hash: String,
}

/// Every chained row, in id order.
pub(crate) fn links(env: &Env) -> Vec<Link> {
    env.texts(
        "SELECT CAST(id AS TEXT) || '|' || CAST(occurred_at AS TEXT) || '|' || operator || '|' || os_user \
         || '|' || action || '|' || COALESCE(CAST(customer_id AS TEXT), '~') || '|' || outcome \
         || '|' || COALESCE(run_id, '~') || '|' || content_digest || '|' || chain_hash AS v \
         FROM audit_log WHERE chain_hash IS NOT NULL ORDER BY id",
    )
    .into_iter()
    .map(|v| {
        let v = v.expect("row");
        let f: Vec<&str> = v.split('|').collect();
        let opt = |s: &str| (s != "~").then(|| s.to_string());
        Link {
            id: f[0].parse().expect("id"),
            occurred_at: f[1].to_string(),
            operator: f[2].to_string(),
            os_user: f[3].to_string(),
            action: f[4].to_string(),
            customer_id: opt(f[5]).map(|c| c.parse().expect("customer id")),
            outcome: f[6].to_string(),
            run_id: opt(f[7]),
            content_digest: f[8].to_string(),
            chain_hash: f[9].to_string(),
        }
    })
    .collect()
}

pub(crate) fn put_str(h: &mut Sha256, s: &[u8]) {
    h.update((s.len() as u64).to_be_bytes());
    h.update(s);
}

pub(crate) fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

pub(crate) fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// `chain_hash` by the documented encoding (chain.rs, "Encoding (version 1)").
pub(crate) fn chain_hash(previous: &str, l: &Link) -> String {
    let t = chrono::NaiveDateTime::parse_from_str(&l.occurred_at, "%Y-%m-%d %H:%M:%S%.f")
        .expect("a stored timestamp")
        .and_utc();
    let mut h = Sha256::new();
    put_str(&mut h, b"custadm-audit-chain-v1");
    h.update(unhex(previous));
    h.update(l.id.to_be_bytes());
    h.update(t.timestamp().to_be_bytes());
    h.update(t.timestamp_subsec_micros().to_be_bytes());
    put_str(&mut h, l.operator.as_bytes());
    put_str(&mut h, l.os_user.as_bytes());
    put_str(&mut h, l.action.as_bytes());
    match l.customer_id {
        None => h.update([0]),
        Some(c) => {
            h.update([1]);
            h.update(c.to_be_bytes());
        }
    }
    put_str(&mut h, l.outcome.as_bytes());
    match &l.run_id {
        None => h.update([0]),
        Some(r) => {
            h.update([1]);
            put_str(&mut h, r.as_bytes());
        }
    }
    h.update(unhex(&l.content_digest));
    hex(&h.finalize())
}

/// What a superuser does: rewrites row `id`'s operator, recomputes its hash
/// and every later one, and moves the head (`audit_chain_head`) to match.
/// Returns the new hashes by id.
pub(crate) fn rewrite_history(env: &Env, id: i64) -> std::collections::BTreeMap<i64, String> {
    let rows = links(env);
    let at = rows.iter().position(|l| l.id == id).expect("the row");
    assert!(at > 0, "a row after the first");
    let mut previous = rows[at - 1].chain_hash.clone();
    let mut new = std::collections::BTreeMap::new();
    for (i, l) in rows.iter().enumerate().skip(at) {
        let mut l = l.clone();
        if i == at {
            l.operator = "mallory".into();
        }
        let h = chain_hash(&previous, &l);
        assert!(
            i != at + 1 || h != l.chain_hash,
            "the rewrite changes later hashes"
        );
        env.exec(&format!(
            "UPDATE audit_log SET operator = {}, chain_hash = {} WHERE id = {}",
            quote(&l.operator),
            quote(&h),
            l.id
        ));
        new.insert(l.id, h.clone());
        previous = h;
    }
    env.exec(&format!(
        "UPDATE audit_chain_head SET last_hash = {} WHERE id = 1",
        quote(&previous)
    ));
    new
}

/// The line of the anchor file that names `id` first (1-based).
fn line_of(anchors: &[serde_json::Value], id: i64) -> usize {
    anchors
        .iter()
        .position(|a| a["id"].as_i64().is_some_and(|a| a >= id))
        .expect("an anchor at or after the row")
        + 1
}

#[track_caller]
fn caught(env: &Env, args: &[&str], line: usize, what: &str) {
    let mut argv = vec!["audit", "verify"];
    argv.extend_from_slice(args);
    let r = run_t(env, &argv);
    r.code(8).error_line(&format!("line {line}"));
    assert!(r.stderr.contains(what), "expected {what:?}: {}", r.stderr);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
}

db_test!(
    every_command_that_writes_audit_rows_anchors_its_head_signed,
    |env| {
        let (c, path) = trail(&env);
        let anchors = anchor_lines(&path);
        // One anchor per command (the toggle of two customers is one), each the
        // head after it: the last is the chain's head.
        assert_eq!(anchors.len(), 5, "{anchors:?}");
        let head: serde_json::Value =
            serde_json::from_str(&run_t(&env, &["audit", "digest"]).stdout).expect("digest");
        let last = anchors.last().expect("an anchor");
        assert_eq!(
            (&last["id"], &last["chain_hash"]),
            (&head["id"], &head["chain_hash"])
        );
        assert_eq!(
            last["signature"], head["signature"],
            "no run: the same message"
        );
        assert!(
            anchors[2]["run"].is_string(),
            "the toggle's run: {anchors:?}"
        );
        assert!(anchors[0]["run"].is_null());
        assert!(anchors
            .iter()
            .all(|a| a["signature"].as_str().is_some_and(|s| s.len() == 128)));
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(&path).expect("anchor file").permissions(),
        );
        assert_eq!(mode & 0o777, 0o600);
        // Reads write no audit row: no anchor.
        run_t(&env, &["list"]).ok();
        run_t(&env, &["audit"]).ok();
        assert_eq!(anchor_lines(&path).len(), 5);
        let r = run_t(&env, &["audit", "verify", "--anchors", "-o", "json"]);
        r.ok();
        assert_eq!(r.json()["anchors_checked"], 5, "{}", r.stdout);
        let r = run_t(&env, &["audit", "verify", "--anchors"]);
        assert!(r.stdout.contains("5 anchors on the chain"), "{}", r.stdout);
        // Plain verify checks the chain alone; an explicit FILE works too.
        run_t(&env, &["audit", "verify"]).ok();
        run_t(
            &env,
            &[
                "audit",
                "verify",
                "--anchors",
                path.to_str().expect("utf-8"),
            ],
        )
        .ok();
        // A refusal writes a row, so it is anchored too (and keeps its exit code).
        env.cmd()
            .env("CUSTADM_PROFILE", "t")
            .env("CUSTADM_OPERATOR", "nobody")
            .args(&["view", &c[0]])
            .run()
            .code(4);
        assert_eq!(anchor_lines(&path).len(), 6);
        run_t(&env, &["audit", "verify", "--anchors"]).ok();
    }
);

db_test!(
    attack_a_rewritten_row_with_every_later_hash_recomputed,
    |env| {
        let (_, path) = trail(&env);
        let anchors = anchor_lines(&path);
        // A row in the middle: the toggle's first row.
        let target = anchors[2]["id"].as_i64().expect("id") - 1;
        rewrite_history(&env, target);
        // The chain alone cannot tell.
        run_t(&env, &["audit", "verify"]).ok();
        caught(
            &env,
            &["--anchors"],
            line_of(&anchors, target),
            "no longer has the chain_hash anchored there",
        );
    }
);

db_test!(attack_the_newest_rows_deleted_with_the_head, |env| {
    let (_, path) = trail(&env);
    let anchors = anchor_lines(&path);
    let rows = links(&env);
    // The newest 3 rows go, and the head is moved back to what is left.
    let keep = &rows[rows.len() - 4];
    env.exec(&format!("DELETE FROM audit_log WHERE id > {}", keep.id));
    env.exec(&format!(
        "UPDATE audit_chain_head SET last_id = {}, last_hash = {} WHERE id = 1",
        keep.id,
        quote(&keep.chain_hash)
    ));
    run_t(&env, &["audit", "verify"]).ok();
    caught(
        &env,
        &["--anchors"],
        line_of(&anchors, keep.id + 1),
        "beyond the chain",
    );
});

db_test!(attack_a_restore_of_an_older_backup, |env| {
    let (c, path) = trail(&env);
    // The backup: the trail and its head as they are now.
    env.exec("CREATE TABLE backup_log AS SELECT * FROM audit_log");
    env.exec("CREATE TABLE backup_head AS SELECT * FROM audit_chain_head");
    let before = anchor_lines(&path).len();
    run_t(&env, &["view", &c[4]]).ok();
    run_t(&env, &["toggle", &c[4], "--deactivate", "--yes"]).ok();
    // The restore, then life goes on: new rows on the restored chain.
    env.exec("DELETE FROM audit_log");
    env.exec("INSERT INTO audit_log SELECT * FROM backup_log");
    env.exec("DELETE FROM audit_chain_head");
    env.exec("INSERT INTO audit_chain_head SELECT * FROM backup_head");
    env.exec("DROP TABLE backup_log");
    env.exec("DROP TABLE backup_head");
    run_t(&env, &["view", &c[0]]).ok();
    run_t(&env, &["audit", "verify"]).ok();
    // The first anchor written after the backup no longer meets the chain:
    // its row is gone, or holds another row.
    let r = run_t(&env, &["audit", "verify", "--anchors"]);
    r.code(8).error_line(&format!("line {}", before + 1));
    assert!(
        r.stderr.contains("no longer has the chain_hash anchored")
            || r.stderr.contains("not on the chain"),
        "{}",
        r.stderr
    );
});

db_test!(attack_a_forged_anchor_line_with_the_rewrite, |env| {
    let (_, path) = trail(&env);
    let anchors = anchor_lines(&path);
    let target = anchors[1]["id"].as_i64().expect("id");
    let new = rewrite_history(&env, target);
    // The intruder also rewrites the anchor lines to the new hashes.
    let forged: String = anchors
        .iter()
        .map(|a| {
            let mut a = a.clone();
            if let Some(h) = a["id"].as_i64().and_then(|id| new.get(&id)) {
                a["chain_hash"] = serde_json::Value::String(h.clone());
            }
            format!("{a}\n")
        })
        .collect();
    std::fs::write(&path, forged).expect("forge");
    run_t(&env, &["audit", "verify"]).ok();
    caught(&env, &["--anchors"], 2, "signature is not valid");
    // Without the public key the forgery would pass: that is what signing is for.
    let profile =
        std::fs::read_to_string(env.dir.path().join("config/custadm/config.toml")).expect("config");
    let unsigned: String = profile
        .lines()
        .filter(|l| !l.starts_with("audit_public_key"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(env.dir.path().join("config/custadm/config.toml"), &unsigned).expect("config");
    run_t(&env, &["audit", "verify", "--anchors"]).ok();
    // A wrong public key is exit 8 at the first line, not a crash.
    let other = env.dir.path().join("other.key");
    let r = env.run(&["audit", "keygen", other.to_str().expect("utf-8")]);
    r.ok();
    std::fs::write(
        env.dir.path().join("config/custadm/config.toml"),
        format!("{unsigned}{}\n", r.stdout.trim()),
    )
    .expect("config");
    caught(&env, &["--anchors"], 1, "signature is not valid");
    // An unsigned line where a key is set: caught as well.
    std::fs::write(
        &path,
        format!("{}\n", {
            let mut a = anchors[0].clone();
            a.as_object_mut().expect("object").remove("signature");
            a
        }),
    )
    .expect("write");
    caught(&env, &["--anchors"], 1, "no signature");
});

db_test!(attack_anchors_out_of_order, |env| {
    let (_, path) = trail(&env);
    let text = std::fs::read_to_string(&path).expect("anchors");
    let mut lines: Vec<&str> = text.lines().collect();
    lines.swap(1, 3);
    std::fs::write(&path, lines.join("\n") + "\n").expect("write");
    run_t(&env, &["audit", "verify"]).ok();
    caught(&env, &["--anchors"], 3, "out of order");
});

#[test]
fn anchor_files_that_are_not_anchors_are_named_by_line() {
    let env = Env::sqlite();
    let (_, path) = trail(&env);
    let good = std::fs::read_to_string(&path).expect("anchors");
    let verify = |content: &[u8]| {
        std::fs::write(&path, content).expect("write");
        run_t(&env, &["audit", "verify", "--anchors"])
    };
    // A torn last line (a crash in the middle of an append): a warning.
    let mut torn = good.clone().into_bytes();
    torn.extend_from_slice(br#"{"id":99,"chain_ha"#);
    let r = verify(&torn);
    r.ok();
    assert!(
        r.stderr.contains("warning:") && r.stderr.contains("line 6"),
        "{}",
        r.stderr
    );
    // The next anchor is appended on a line of its own.
    let c = customers(&env);
    run_t(&env, &["view", &c[0]]).ok();
    let r = run_t(&env, &["audit", "verify", "--anchors", "-o", "json"]);
    r.ok();
    assert_eq!(r.json()["anchors_checked"], 6, "{}", r.stderr);
    std::fs::write(&path, &good).expect("write");
    // Anything else that is not an anchor: exit 2 naming the line, nothing read past it.
    let mut binary = good.clone().into_bytes();
    binary.extend_from_slice(b"\xff\xfe\x00binary\n");
    verify(&binary).code(2).error_line("line 6");
    let mut garbage = String::from("not an anchor\n");
    garbage.push_str(&good);
    verify(garbage.as_bytes()).code(2).error_line("line 1");
    // A huge line is refused after 4 KiB, not read whole.
    let mut huge = good.clone().into_bytes();
    huge.extend(std::iter::repeat_n(b'a', 10 << 20));
    verify(&huge).code(2).error_line("line 6");
    // A huge or binary --digest file as well.
    let digests = env.dir.path().join("digests");
    std::fs::write(&digests, vec![b'{'; 1 << 20]).expect("write");
    let at = format!("@{}", digests.display());
    run_t(&env, &["audit", "verify", "--digest", &at])
        .code(2)
        .error_line("line 1");
    std::fs::write(&digests, b"\x00\x01\x02").expect("write");
    run_t(&env, &["audit", "verify", "--digest", &at])
        .code(2)
        .error_line("line 1");
    // --anchors without a file: sink in the profile is exit 2.
    write_profile(&env, "audit_anchor = [\"syslog\"]\n");
    run_t(&env, &["audit", "verify", "--anchors"])
        .code(2)
        .error_line("--anchors FILE");
}

db_test!(a_sink_that_fails_keeps_the_change_and_exits_9, |env| {
    env.init_db(2);
    let c = customers(&env);
    // A directory where the anchor file should be, and a syslog socket no one listens on.
    std::fs::create_dir(env.dir.path().join("anchors.jsonl")).expect("dir");
    write_profile(
        &env,
        &format!(
            "audit_anchor = [\"file:~/anchors.jsonl\", \"syslog:{}\"]\n",
            env.dir.path().join("no-such-socket").display()
        ),
    );
    let rows = env.count("audit_log", "");
    let r = run_t(&env, &["toggle", &c[0], "--deactivate", "-o", "json"]);
    r.code(9).error_line("the change is committed");
    assert!(
        r.stderr.contains("file:") && r.stderr.contains("syslog:"),
        "{}",
        r.stderr
    );
    // The change and its audit rows stay.
    assert_eq!(
        env.count(
            "customers",
            &format!("id = {} AND is_active = {}", c[0], env.bool_sql(false))
        ),
        1
    );
    assert!(env.count("audit_log", "") > rows);
    assert_eq!(r.json()["summary"]["changed"], 1);
    // A command that fails anyway keeps its own exit code; the sink is a warning.
    let r = run_t(&env, &["view", "999999"]);
    r.code(3);
    // (a not-found view writes no row: nothing to anchor)
    let r = env
        .cmd()
        .env("CUSTADM_PROFILE", "t")
        .env("CUSTADM_OPERATOR", "nobody")
        .args(&["view", &c[0]])
        .run();
    r.code(4);
    assert!(
        r.stderr.contains("warning:") && r.stderr.contains("audit anchor"),
        "{}",
        r.stderr
    );
});

#[test]
fn syslog_sink_sends_the_head_to_a_local_socket() {
    let env = Env::sqlite();
    env.init_db(1);
    let socket_path = env.dir.path().join("log");
    let socket = std::os::unix::net::UnixDatagram::bind(&socket_path).expect("bind");
    socket
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .expect("timeout");
    write_profile(
        &env,
        &format!("audit_anchor = [\"syslog:{}\"]\n", socket_path.display()),
    );
    let c = customers(&env);
    let r = run_t(&env, &["view", &c[0]]);
    r.ok();
    let mut buf = vec![0u8; 8192];
    let n = socket.recv(&mut buf).expect("a datagram");
    let msg = String::from_utf8_lossy(&buf[..n]).to_string();
    // RFC 3164 as local daemons take it: <PRI>TIMESTAMP TAG[PID]: MSG.
    assert!(msg.starts_with("<85>"), "{msg}");
    let (prefix, json) = msg.split_once(": ").expect("tag and message");
    assert!(prefix.contains(" custadm["), "{msg}");
    let anchor: serde_json::Value = serde_json::from_str(json).expect("an anchor");
    let head: serde_json::Value =
        serde_json::from_str(&run_t(&env, &["audit", "digest"]).stdout).expect("digest");
    assert_eq!(anchor["chain_hash"], head["chain_hash"]);
    assert_eq!(anchor["id"], head["id"]);
}

#[test]
fn keygen_never_overwrites_and_a_key_file_others_can_read_is_refused() {
    let env = Env::sqlite();
    env.init_db(1);
    let key = env.dir.path().join("k");
    let k = key.to_str().expect("utf-8");
    let first = env.run(&["audit", "keygen", k]);
    first.ok();
    assert!(
        first.stdout.starts_with("audit_public_key = \"ed25519:"),
        "{}",
        first.stdout
    );
    let before = std::fs::read(&key).expect("key");
    env.run(&["audit", "keygen", k])
        .code(2)
        .error_line("never overwrites");
    assert_eq!(std::fs::read(&key).expect("key"), before);
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(&key).expect("key").permissions(),
    );
    assert_eq!(mode & 0o777, 0o600);
    write_profile(
        &env,
        &format!(
            "audit_anchor = [\"file:~/a\"]\naudit_signing_key = {}\n",
            quote_toml(k)
        ),
    );
    let c = customers(&env);
    run_t(&env, &["view", &c[0]]).ok();
    use std::os::unix::fs::PermissionsExt;
    // Shared with its group only (owner root, group custadm): every
    // operator's account in the group signs (README, "Anchors").
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    run_t(&env, &["view", &c[0]]).ok();
    run_t(&env, &["audit", "digest"]).ok();
    // Readable by every user, or writable by the group: refused before anything.
    for (mode, why) in [
        (0o644, "every user"),
        (0o604, "every user"),
        (0o660, "its group can write"),
    ] {
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(mode)).expect("chmod");
        let rows = env.count("audit_log", "");
        let r = run_t(&env, &["view", &c[0]]);
        r.code(6).error_line("chmod 640");
        assert!(r.stderr.contains(why), "{mode:o}: {}", r.stderr);
        assert!(r.stdout.is_empty(), "nothing shown: {}", r.stdout);
        run_t(&env, &["audit", "digest"])
            .code(6)
            .error_line("chmod 600");
        assert_eq!(env.count("audit_log", ""), rows, "refused before anything");
    }
}

/// Turns the chain into one an older custadm started: its first row linked
/// to the genesis (32 zero bytes), every hash recomputed, no prehistory hash.
pub(crate) fn relink_from_genesis(env: &Env) {
    let rows = links(env);
    let mut previous = "00".repeat(32);
    for l in &rows {
        let h = chain_hash(&previous, l);
        env.exec(&format!(
            "UPDATE audit_log SET chain_hash = {} WHERE id = {}",
            quote(&h),
            l.id
        ));
        previous = h;
    }
    env.exec(&format!(
        "UPDATE audit_chain_head SET last_hash = {}, prehistory_hash = NULL WHERE id = 1",
        quote(&previous)
    ));
}

/// Rows as an older custadm left them: no hashes, no chain yet.
pub(crate) fn prehistory(env: &Env) -> i64 {
    env.exec("UPDATE audit_log SET content_salt = NULL, content_digest = NULL, chain_hash = NULL");
    env.exec("UPDATE audit_chain_head SET chain_start_id = NULL, last_id = NULL, last_hash = NULL, prehistory_rows = NULL, prehistory_hash = NULL");
    env.count("audit_log", "")
}

db_test!(the_chains_start_commits_to_the_rows_before_it, |env| {
    env.init_db(2);
    let c = customers(&env);
    env.run(&["view", &c[1]]).ok();
    env.run(&["audit", "--limit", "1"]).ok();
    let old = prehistory(&env);
    // The chain starts with the next row, committing to the rows before it.
    env.run(&["view", &c[0]]).ok();
    let v = env.run(&["audit", "verify", "-o", "json"]);
    v.ok();
    assert_eq!(v.json()["prehistory"], old);
    assert_eq!(
        env.scalar("SELECT prehistory_rows AS v FROM audit_chain_head"),
        Some(old)
    );
    let start = env
        .scalar("SELECT chain_start_id AS v FROM audit_chain_head")
        .expect("start");
    let verify = || env.run(&["audit", "verify"]);
    // A row added below the start (an id no one uses, as another program might).
    env.exec(
        "INSERT INTO audit_log (id, occurred_at, operator, os_user, action, customer_id, outcome, details) \
         VALUES (-7, '2020-01-01 00:00:00', 'admin', 'ops', 'edit', NULL, 'ok', '{}')",
    );
    verify().code(8).error_line(&format!("before row {start}"));
    assert!(verify().stderr.contains("inserted"));
    env.exec("DELETE FROM audit_log WHERE id = -7");
    verify().ok();
    // An old row altered (an operator; or an operator change's details).
    let first = env
        .scalar("SELECT min(id) AS v FROM audit_log")
        .expect("a row");
    let operator = env.texts(&format!(
        "SELECT operator AS v FROM audit_log WHERE id = {first}"
    ))[0]
        .clone()
        .expect("operator");
    env.exec(&format!(
        "UPDATE audit_log SET operator = 'mallory' WHERE id = {first}"
    ));
    verify()
        .code(8)
        .error_line("altered since the chain started");
    env.exec(&format!(
        "UPDATE audit_log SET operator = {} WHERE id = {first}",
        quote(&operator)
    ));
    verify().ok();
    let no_customer = env
        .scalar(&format!(
            "SELECT min(id) AS v FROM audit_log WHERE customer_id IS NULL AND id < {start}"
        ))
        .expect("an operator row");
    env.exec(&format!(
        "UPDATE audit_log SET details = '{{\"forged\":1}}' WHERE id = {no_customer}"
    ));
    verify()
        .code(8)
        .error_line("altered since the chain started");
    env.exec(&format!(
        "UPDATE audit_log SET details = '{{}}', reason = NULL WHERE id = {no_customer}"
    ));
    // An old row removed.
    env.exec(&format!("DELETE FROM audit_log WHERE id = {first}"));
    verify().code(8).error_line("removed");
    // Hiding it by moving the head's record too: the first row's link breaks.
    env.exec(&format!(
        "UPDATE audit_chain_head SET prehistory_rows = {}, prehistory_hash = NULL",
        old - 1
    ));
    verify().code(8).error_line(&format!("row {start}"));
});

db_test!(undo_reads_only_rows_on_the_chain, |env| {
    env.init_db(3);
    let c = customers(&env);
    env.run(&["view", &c[0]]).ok();
    // A forged run below the chain's start, and one without hashes after it.
    for (id, run) in [
        (-3, "01JAAAAAAAAAAAAAAAAAAAAAA1"),
        (1_000_000, "01JAAAAAAAAAAAAAAAAAAAAAA2"),
    ] {
        env.exec(&format!(
            "INSERT INTO audit_log (id, occurred_at, operator, os_user, action, customer_id, outcome, details, run_id) \
             VALUES ({id}, '2026-01-01 00:00:00', 'admin', 'ops', 'activate', {}, 'ok', '{{\"is_active\":{{\"old\":true,\"new\":false}}}}', {})",
            c[0],
            quote(run)
        ));
        let r = env.run(&["undo", run, "--yes"]);
        r.code(3);
        assert_eq!(
            env.count(
                "customers",
                &format!("id = {} AND is_active = {}", c[0], env.bool_sql(true))
            ),
            1,
            "undo acted on a forged row"
        );
    }
});

db_test!(
    a_chain_started_before_the_start_was_committed_is_upgraded_and_still_verifies,
    |env| {
        env.init_db(2);
        let c = customers(&env);
        env.run(&["view", &c[1]]).ok();
        prehistory(&env);
        env.run(&["view", &c[0]]).ok();
        env.run(&["view", &c[1]]).ok();
        // As an older custadm left it: linked to the genesis, and the schema
        // before the migration that records the start.
        relink_from_genesis(&env);
        env.exec("ALTER TABLE audit_chain_head DROP COLUMN archived_hash");
        env.exec("ALTER TABLE audit_chain_head DROP COLUMN archived_through");
        env.exec("ALTER TABLE audit_chain_head DROP COLUMN prehistory_hash");
        env.exec("ALTER TABLE audit_chain_head DROP COLUMN prehistory_rows");
        env.exec("DELETE FROM __diesel_schema_migrations WHERE version = '20261207000025'");
        env.run(&["audit", "verify"])
            .code(6)
            .error_line("db migrate");
        // The upgrade seals the rows before the chain's start on the chain
        // (before this, the migration stored their count only, and
        // altering or swapping them passed `audit verify`).
        let m = env.run(&["db", "migrate"]);
        m.ok();
        assert!(m.stdout.contains("Sealed the 2 audit rows"), "{}", m.stdout);
        let seal = "action = 'audit_prehistory' AND outcome = 'ok' AND chain_hash IS NOT NULL";
        assert_eq!(env.count("audit_log", seal), 1);
        assert_eq!(
            env.texts("SELECT prehistory_hash AS v FROM audit_chain_head"),
            vec![None],
            "the chain still links to the genesis"
        );
        let v = env.run(&["audit", "verify", "-o", "json"]);
        v.ok();
        assert_eq!(v.json()["prehistory"], 2, "{}", v.stdout);
        assert_eq!(v.json()["prehistory_unsealed"], false);
        assert!(!v.stderr.contains("warning"), "{}", v.stderr);
        // Once sealed, `db migrate` seals nothing again.
        let again = env.run(&["db", "migrate"]);
        again.ok();
        assert!(!again.stdout.contains("Sealed"), "{}", again.stdout);
        assert_eq!(env.count("audit_log", seal), 1);
        // The migration recorded the count: a row added below the start is caught.
        env.exec(
        "INSERT INTO audit_log (id, occurred_at, operator, os_user, action, customer_id, outcome, details) \
         VALUES (-7, '2020-01-01 00:00:00', 'admin', 'ops', 'edit', NULL, 'ok', '{}')",
    );
        env.run(&["audit", "verify"]).code(8).error_line("inserted");
        env.exec("DELETE FROM audit_log WHERE id = -7");
        // An old row altered, and two old rows swapped: caught by the seal.
        let old: Vec<i64> = env
            .texts(
                "SELECT CAST(id AS TEXT) AS v FROM audit_log WHERE chain_hash IS NULL ORDER BY id",
            )
            .into_iter()
            .map(|v| v.expect("id").parse().expect("id"))
            .collect();
        assert_eq!(old.len(), 2, "{old:?}");
        let os_user = env.texts(&format!(
            "SELECT os_user AS v FROM audit_log WHERE id = {}",
            old[0]
        ))[0]
            .clone()
            .expect("os_user");
        env.exec(&format!(
            "UPDATE audit_log SET os_user = 'mallory' WHERE id = {}",
            old[0]
        ));
        let r = env.run(&["audit", "verify"]);
        r.code(8).error_line("sealed 2 rows");
        assert!(r.stderr.contains("db migrate"), "{}", r.stderr);
        env.exec(&format!(
            "UPDATE audit_log SET os_user = {} WHERE id = {}",
            quote(&os_user),
            old[0]
        ));
        env.run(&["audit", "verify"]).ok();
        let swap = format!(
            "UPDATE audit_log SET id = -1 WHERE id = {a}; \
             UPDATE audit_log SET id = {a} WHERE id = {b}; \
             UPDATE audit_log SET id = {b} WHERE id = -1",
            a = old[0],
            b = old[1]
        );
        env.exec(&swap);
        env.run(&["audit", "verify"])
            .code(8)
            .error_line("altered, swapped or replaced");
        env.exec(&swap);
        env.run(&["audit", "verify"]).ok();
        // One removed, and the head's count moved to match: the seal tells.
        env.exec(&format!(
            "CREATE TABLE kept AS SELECT * FROM audit_log WHERE id = {a}; \
             DELETE FROM audit_log WHERE id = {a}; \
             UPDATE audit_chain_head SET prehistory_rows = 1",
            a = old[0]
        ));
        env.run(&["audit", "verify"])
            .code(8)
            .error_line("were removed by another program");
        env.exec(
            "INSERT INTO audit_log SELECT * FROM kept; DROP TABLE kept; \
             UPDATE audit_chain_head SET prehistory_rows = 2",
        );
        env.run(&["audit", "verify"]).ok();
        // New rows extend the old chain.
        env.run(&["view", &c[0]]).ok();
    }
);

db_test!(
    an_unsealed_chain_of_an_older_custadm_is_named_and_db_migrate_seals_it,
    |env| {
        env.init_db(2);
        let c = customers(&env);
        env.run(&["view", &c[1]]).ok();
        prehistory(&env);
        env.run(&["view", &c[0]]).ok();
        // As a custadm with the migration but without the seal left it.
        relink_from_genesis(&env);
        let v = env.run(&["audit", "verify"]);
        v.ok();
        v.warning_line("run `custadm db migrate` once to seal them");
        assert!(v.stderr.starts_with("warning: the 2 rows"), "{}", v.stderr);
        // One of them removed: "1 row lies below it, and 2 did".
        let first = env
            .scalar("SELECT min(id) AS v FROM audit_log")
            .expect("a row");
        env.exec(&format!(
            "CREATE TABLE kept AS SELECT * FROM audit_log WHERE id = {first}; \
             DELETE FROM audit_log WHERE id = {first}"
        ));
        env.run(&["audit", "verify"])
            .code(8)
            .error_line("1 row lies below it, and 2 did when the chain started");
        env.exec("INSERT INTO audit_log SELECT * FROM kept; DROP TABLE kept");
        // Altered before the seal: outside what can be told (README).
        let m = env.run(&["db", "migrate"]);
        m.ok();
        assert!(
            m.stdout.contains("No pending migrations") && m.stdout.contains("Sealed the 2"),
            "{}",
            m.stdout
        );
        let v = env.run(&["audit", "verify"]);
        v.ok();
        assert!(v.stderr.is_empty(), "{}", v.stderr);
        env.exec(
            "UPDATE audit_log SET details = '{\"forged\":1}' WHERE chain_hash IS NULL AND customer_id IS NULL",
        );
        env.run(&["audit", "verify"])
            .code(8)
            .error_line("whose hash no longer matches");
    }
);

db_test!(verify_since_a_digest_checks_only_the_rows_after_it, |env| {
    let (c, _) = trail(&env);
    let d = run_t(&env, &["audit", "digest"]);
    d.ok();
    let digest = d.stdout.trim().to_string();
    let d_id = serde_json::from_str::<serde_json::Value>(&digest).expect("digest")["id"]
        .as_i64()
        .expect("id");
    run_t(&env, &["view", &c[0]]).ok();
    run_t(&env, &["view", &c[1]]).ok();
    run_t(&env, &["toggle", &c[0], &c[1], "--deactivate", "--yes"]).ok();
    let after = env.count("audit_log", &format!("id > {d_id}"));
    let r = run_t(&env, &["audit", "verify", "--since", &digest, "-o", "json"]);
    r.ok();
    assert_eq!(r.json()["rows"], after, "{}", r.stdout);
    let r = run_t(&env, &["audit", "verify", "--since", &digest, "--anchors"]);
    r.ok();
    assert!(
        r.stdout
            .contains(&format!("since row {d_id}: {after} chained rows after it")),
        "{}",
        r.stdout
    );
    // @FILE: its last digest.
    let file = env.dir.path().join("digests");
    let newer = run_t(&env, &["audit", "digest"]).stdout;
    std::fs::write(&file, format!("{digest}\n{newer}")).expect("write");
    let r = run_t(
        &env,
        &[
            "audit",
            "verify",
            "--since",
            &format!("@{}", file.display()),
            "-o",
            "json",
        ],
    );
    r.ok();
    assert_eq!(r.json()["rows"], 0);
    // A row after D altered: named.
    let last = env
        .scalar("SELECT max(id) AS v FROM audit_log")
        .expect("row");
    env.exec(&format!(
        "UPDATE audit_log SET os_user = 'x' WHERE id = {last}"
    ));
    let r = run_t(&env, &["audit", "verify", "--since", &digest]);
    r.code(8).error_line(&format!("row {last}"));
    // A history rewritten up to D: D's row no longer matches.
    rewrite_history(&env, d_id - 2);
    let r = run_t(&env, &["audit", "verify", "--since", &digest]);
    r.code(8).error_line(&format!("row {d_id}"));
    assert!(r.stderr.contains("another database"), "{}", r.stderr);
    // A digest of another database (same ids, other hashes; or an id this trail lacks).
    let other = Env::sqlite();
    other.init_db(1);
    let oc = customers(&other);
    for _ in 0..3 {
        other.run(&["view", &oc[0]]).ok();
    }
    let foreign = other.run(&["audit", "digest"]).stdout;
    let r = run_t(&env, &["audit", "verify", "--since", foreign.trim()]);
    r.code(8);
    assert!(r.stderr.contains("another database"), "{}", r.stderr);
    let missing = foreign.replacen(
        &format!(
            "\"id\":{}",
            serde_json::from_str::<serde_json::Value>(&foreign).expect("d")["id"]
        ),
        "\"id\":987654",
        1,
    );
    let r = run_t(&env, &["audit", "verify", "--since", missing.trim()]);
    r.code(8).error_line("row 987654");
    // Bad input is exit 2.
    run_t(&env, &["audit", "verify", "--since", "{\"id\":1}"]).code(2);
});

/// A trail whose first `old` rows happened in 2025 (backdated, the chain
/// recomputed from the genesis as an older custadm would have linked it).
pub(crate) fn old_trail(env: &Env, old: usize) -> Vec<String> {
    env.init_db(3);
    let c = customers(env);
    for id in &c {
        env.run(&["view", id]).ok();
    }
    env.run(&["view", &c[0]]).ok();
    env.run(&["view", &c[1]]).ok();
    env.run(&["view", &c[2]]).ok();
    let ids: Vec<i64> = links(env).iter().map(|l| l.id).collect();
    assert!(ids.len() > old + 2, "{ids:?}");
    env.exec(&format!(
        "UPDATE audit_log SET occurred_at = '2025-01-01 00:00:00' WHERE id <= {}",
        ids[old - 1]
    ));
    relink_from_genesis(env);
    env.run(&["audit", "verify"]).ok();
    c
}

/// Makes every DELETE from audit_log fail while `f` runs (a trigger, as
/// another program might have): a run then stops where a kill would.
pub(crate) fn with_deletes_failing(env: &Env, f: impl FnOnce()) {
    match env.backend {
        Backend::Sqlite => env.exec(
            "CREATE TRIGGER no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'no'); END",
        ),
        Backend::Postgres => env.exec(
            "CREATE FUNCTION no_delete() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'no'; END $$; \
             CREATE TRIGGER no_delete BEFORE DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION no_delete()",
        ),
    }
    f();
    match env.backend {
        Backend::Sqlite => env.exec("DROP TRIGGER no_delete"),
        Backend::Postgres => {
            env.exec("DROP TRIGGER no_delete ON audit_log; DROP FUNCTION no_delete()")
        }
    }
}

db_test!(
    archive_moves_old_rows_out_and_the_trail_still_verifies,
    |env| {
        let c = old_trail(&env, 3);
        let total = env.count("audit_log", "");
        let file = env.dir.path().join("archive-2025.jsonl");
        let f = file.to_str().expect("utf-8");
        let archive = |extra: &[&str]| {
            let mut args = vec![
                "-o",
                "json",
                "audit",
                "archive",
                "--before",
                "2025-06-01",
                "--to",
                f,
            ];
            args.extend_from_slice(extra);
            env.admin_change(&args, &[])
        };
        // Admin and password first: no terminal, no --password-stdin is exit 2; support is refused.
        env.run(&["audit", "archive", "--before", "2025-06-01", "--to", f])
            .code(2);
        env.add_support();
        env.cmd()
            .env("CUSTADM_OPERATOR", "support")
            .args(&[
                "audit",
                "archive",
                "--before",
                "2025-06-01",
                "--to",
                f,
                "--password-stdin",
            ])
            .stdin(&format!("{SUPPORT_PASSWORD}\n"))
            .run()
            .code(4);
        env.cmd()
            .args(&[
                "audit",
                "archive",
                "--before",
                "2025-06-01",
                "--to",
                f,
                "--password-stdin",
            ])
            .stdin("wrong-password-000000\n")
            .run()
            .code(4);
        assert!(!file.exists());
        // Stopped half-way (here: the deletion fails): the file is complete,
        // nothing is deleted, and nothing is lost.
        let before = env.count("audit_log", "");
        with_deletes_failing(&env, || {
            let r = env
                .cmd()
                .args(&[
                    "audit",
                    "archive",
                    "--before",
                    "2025-06-01",
                    "--to",
                    f,
                    "--password-stdin",
                ])
                .stdin(&admin_stdin(&[]))
                .run();
            assert_eq!(r.code, 6, "{}", r.stderr);
        });
        assert!(file.exists());
        assert_eq!(env.count("audit_log", ""), before);
        let lines = std::fs::read_to_string(&file).expect("archive");
        assert_eq!(lines.lines().count(), 3 + 2, "{lines}");
        env.run(&["audit", "verify", "--archive-only", "--archive", f])
            .ok();
        // With the table: its rows are still there (no cut): not the
        // archive this trail continues from.
        env.run(&["audit", "verify", "--archive", f])
            .code(2)
            .error_line("run it again");
        env.run(&["audit", "verify"]).ok();
        // Running it again finishes the job.
        let r = archive(&[]);
        r.ok();
        let v = r.json();
        assert_eq!(
            (v["archived"].as_i64(), v["resumed"].as_bool()),
            (Some(3), Some(true)),
            "{v}"
        );
        let through = v["through"].as_i64().expect("through");
        assert_eq!(env.count("audit_log", &format!("id <= {through}")), 0);
        // (the archive run's own row is added)
        assert_eq!(env.count("audit_log", ""), before - 3 + 1);
        assert!(total >= 3);
        let r = env.run(&["audit", "verify", "-o", "json"]);
        r.ok();
        env.run(&[
            "audit",
            "verify",
            "--archive-only",
            "--archive",
            f,
            "-o",
            "json",
        ])
        .ok();
        assert_eq!(
            env.run(&[
                "audit",
                "verify",
                "--archive-only",
                "--archive",
                f,
                "-o",
                "json"
            ])
            .json()["rows"],
            3
        );
        // The archive, then the table from its last row.
        let both = env.run(&["audit", "verify", "--archive", f, "-o", "json"]);
        both.ok();
        assert_eq!(both.json()["archives"][0]["rows"], 3, "{}", both.stdout);
        assert_eq!(both.json()["archives"][0]["head"]["id"], through);
        // Again (as after a kill past the commit): FILE holds the rows up to
        // the cut and nothing older than WHEN is left: exit 0, nothing done.
        let rows_now = env.count("audit_log", "");
        let text_now = std::fs::read_to_string(&file).expect("archive");
        let r = archive(&[]);
        r.ok();
        let v = r.json();
        assert_eq!(v["already_archived"], true, "{v}");
        assert_eq!(
            (v["archived"].as_i64(), v["through"].as_i64()),
            (Some(0), Some(through))
        );
        assert_eq!(env.count("audit_log", ""), rows_now, "nothing written");
        let r = env.admin_change(
            &["audit", "archive", "--before", "2025-06-01", "--to", f],
            &[],
        );
        r.ok();
        assert!(
            r.stdout.contains(&format!("–{through} archived already"))
                && r.stdout.contains("nothing to do"),
            "{}",
            r.stdout
        );
        assert_eq!(std::fs::read_to_string(&file).expect("archive"), text_now);
        // The same FILE for a new archive (rows older than WHEN follow the
        // cut): never overwritten.
        env.admin_change(
            &["audit", "archive", "--before", "2099-01-01", "--to", f],
            &[],
        )
        .code(2)
        .error_line("archived already");
        assert_eq!(std::fs::read_to_string(&file).expect("archive"), text_now);
        // Nothing older: nothing archived.
        let r = env.admin_change(
            &[
                "-o",
                "json",
                "audit",
                "archive",
                "--before",
                "2025-06-01",
                "--to",
                &format!("{f}.2"),
            ],
            &[],
        );
        r.ok();
        assert_eq!(r.json()["archived"], 0);
        // The trail goes on, and a later purge still redacts the rows left in the database.
        env.run(&["view", &c[1]]).ok();
        env.admin_change(&["purge", &c[1]], &[]).ok();
        assert!(
            env.count(
                "audit_log",
                &format!(
                    "customer_id = {} AND action = 'view' AND details = '{{\"redacted\":true}}'",
                    c[1]
                )
            ) >= 1
        );
        env.run(&["audit", "verify"]).ok();
        // A row slipped in below the cut: caught.
        env.exec(&format!(
        "INSERT INTO audit_log (id, occurred_at, operator, os_user, action, customer_id, outcome, details) \
         VALUES ({}, '2025-01-01 00:00:00', 'admin', 'ops', 'edit', NULL, 'ok', '{{}}')",
        through - 1
    ));
        env.run(&["audit", "verify"])
            .code(8)
            .error_line("archived part");
        // An archive edited, or cut short.
        let text = std::fs::read_to_string(&file).expect("archive");
        std::fs::write(
            &file,
            text.replacen("\"operator\":\"admin\"", "\"operator\":\"mallory\"", 1),
        )
        .expect("edit");
        env.run(&["audit", "verify", "--archive-only", "--archive", f])
            .code(8);
        env.run(&["audit", "verify", "--archive", f]).code(8);
        let cut: String = text.lines().take(3).map(|l| format!("{l}\n")).collect();
        std::fs::write(&file, cut).expect("cut");
        for only in [true, false] {
            let mut args = vec!["audit", "verify", "--archive", f];
            if only {
                args.push("--archive-only");
            }
            env.run(&args).code(2).error_line("line 3");
        }
        std::fs::write(&file, b"\x00\x01binary").expect("binary");
        env.run(&["audit", "verify", "--archive-only", "--archive", f])
            .code(2)
            .error_line("line 1");
    }
);

// Before: a signed anchor line with a run was rejected as forged by
// `--digest @anchors.jsonl` and `--since LINE` ("the digest's signature is
// not valid"): the run was left out of the signed message.
db_test!(signed_anchor_lines_with_a_run_are_digests_too, |env| {
    let (_, path) = trail(&env);
    let anchors = anchor_lines(&path);
    let with_run = anchors
        .iter()
        .position(|a| a["run"].is_string())
        .expect("the toggle's anchor");
    let at = format!("@{}", path.display());
    let r = run_t(&env, &["audit", "verify", "--digest", &at, "-o", "json"]);
    r.ok();
    assert_eq!(r.json()["digests_checked"], anchors.len(), "{}", r.stdout);
    let line = anchors[with_run].to_string();
    let r = run_t(&env, &["audit", "verify", "--since", &line]);
    r.ok();
    assert!(
        r.stdout
            .contains(&format!("since row {}", anchors[with_run]["id"])),
        "{}",
        r.stdout
    );
    // Lines as syslog keeps them (README: `--digest @FILE` takes an extract).
    let extract = env.dir.path().join("syslog-extract");
    let text: String = anchors
        .iter()
        .map(|a| format!("Dec  7 21:50:01 host custadm[4242]: {a}\n"))
        .collect();
    std::fs::write(&extract, text).expect("write");
    let sys = format!("@{}", extract.display());
    let r = run_t(&env, &["audit", "verify", "--digest", &sys, "-o", "json"]);
    r.ok();
    assert_eq!(r.json()["digests_checked"], anchors.len());
    run_t(&env, &["audit", "verify", "--since", &sys]).ok();
    // Another run in the line is another message: forged.
    let mut forged = anchors[with_run].clone();
    forged["run"] = "01JAAAAAAAAAAAAAAAAAAAAAAA".into();
    run_t(&env, &["audit", "verify", "--since", &forged.to_string()])
        .code(8)
        .error_line("signature is not valid");
});

// Before: an anchors file that was empty, cut short or a FIFO passed with
// "0 anchors on the chain" and no word; rows after the last anchor were
// not reported.
db_test!(rows_no_anchor_covers_are_warned_about, |env| {
    let (c, path) = trail(&env);
    let r = run_t(&env, &["audit", "verify", "--anchors"]);
    r.ok();
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    let last = anchor_lines(&path)
        .last()
        .and_then(|a| a["id"].as_i64())
        .expect("id");
    // Two commands that anchored nothing (no profile: no sink).
    env.run(&["view", &c[0]]).ok();
    env.run(&["view", &c[1]]).ok();
    let r = run_t(&env, &["audit", "verify", "--anchors", "-o", "json"]);
    r.ok();
    assert_eq!(r.json()["unanchored_rows"], 2, "{}", r.stdout);
    r.warning_line(&format!(
        "the newest 2 chained rows (after row {last}) are covered by no anchor in"
    ));
    // Cut short: only the first two lines left.
    let text = std::fs::read_to_string(&path).expect("anchors");
    let first_two: String = text.lines().take(2).map(|l| format!("{l}\n")).collect();
    std::fs::write(&path, &first_two).expect("write");
    run_t(&env, &["audit", "verify", "--anchors"])
        .ok()
        .warning_line("are covered by no anchor");
    // Empty.
    std::fs::write(&path, "").expect("write");
    let r = run_t(&env, &["audit", "verify", "--anchors"]);
    r.ok();
    r.warning_line("holds no anchor (empty, or cut short)");
    assert!(r.stdout.contains("0 anchors on the chain"), "{}", r.stdout);
    // A FIFO no one writes: the same, at once.
    let fifo = env.dir.path().join("fifo");
    let name = std::ffi::CString::new(fifo.to_str().expect("utf-8")).expect("path");
    // SAFETY: mkfifo on a NUL-terminated path this test owns.
    assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0);
    let cmd = env.cmd().env("CUSTADM_PROFILE", "t").args(&[
        "audit",
        "verify",
        "--anchors",
        fifo.to_str().expect("utf-8"),
    ]);
    let (r, _) = run_with_open_stdin(cmd, std::time::Duration::from_secs(60));
    r.ok();
    r.warning_line("holds no anchor");
});

// Before: `file:anchors.jsonl` (relative) was accepted, so cron and an
// interactive shell wrote different files, and a symbolic link was
// followed.
db_test!(anchor_sinks_are_absolute_paths_and_never_links, |env| {
    env.init_db(2);
    let c = customers(&env);
    let rows = env.count("audit_log", "");
    for sink in ["file:anchors.jsonl", "file:./a", "syslog:dev/log"] {
        write_profile(&env, &format!("audit_anchor = [\"{sink}\"]\n"));
        for args in [vec!["view", c[0].as_str()], vec!["list"]] {
            let r = run_t(&env, &args);
            r.code(6).error_line("must be absolute");
            assert!(r.stdout.is_empty(), "{}", r.stdout);
        }
    }
    assert_eq!(env.count("audit_log", ""), rows, "nothing written");
    assert!(!env.dir.path().join("anchors.jsonl").exists());
    // A link to another file: refused before anything, the other file untouched.
    let victim = env.dir.path().join("victim");
    std::fs::write(&victim, "keep\n").expect("write");
    std::os::unix::fs::symlink(&victim, env.dir.path().join("link.jsonl")).expect("link");
    write_profile(&env, "audit_anchor = [\"file:~/link.jsonl\"]\n");
    let r = run_t(&env, &["toggle", &c[0], "--deactivate", "--yes"]);
    r.code(6).error_line("symbolic link");
    assert_eq!(std::fs::read_to_string(&victim).expect("victim"), "keep\n");
    assert_eq!(env.count("audit_log", ""), rows, "nothing written");
    assert_eq!(
        env.count(
            "customers",
            &format!("id = {} AND is_active = {}", c[0], env.bool_sql(true))
        ),
        1
    );
    // An absolute path works.
    write_profile(
        &env,
        &format!(
            "audit_anchor = [\"file:{}\"]\n",
            env.dir.path().join("abs.jsonl").display()
        ),
    );
    run_t(&env, &["view", &c[0]]).ok();
    assert_eq!(anchor_lines(&env.dir.path().join("abs.jsonl")).len(), 1);
});

// Before: an unreadable `audit_signing_key` made every command exit 6,
// `list` and `audit verify` too. Now only commands that sign read it.
db_test!(
    commands_that_sign_nothing_never_read_the_signing_key,
    |env| {
        let (c, path) = trail(&env);
        let anchors = anchor_lines(&path).len();
        // The key as another OS account sees it: not there for this one.
        let profile = std::fs::read_to_string(env.dir.path().join("config/custadm/config.toml"))
            .expect("config");
        let missing = env.dir.path().join("no-such-dir/audit.key");
        let body: String = profile
            .lines()
            .skip(1)
            .map(|l| {
                if l.starts_with("audit_signing_key") {
                    format!(
                        "audit_signing_key = {}\n",
                        quote_toml(missing.to_str().expect("utf-8"))
                    )
                } else {
                    format!("{l}\n")
                }
            })
            .collect();
        write_profile(&env, &body);
        let rows = env.count("audit_log", "");
        for args in [
            vec!["list"],
            vec!["audit"],
            vec!["audit", "verify"],
            vec!["audit", "verify", "--anchors"],
            vec!["runs"],
            vec!["operator", "list"],
        ] {
            run_t(&env, &args).ok();
        }
        assert_eq!(env.count("audit_log", ""), rows);
        // Commands that sign: refused before they begin, naming the key.
        for args in [
            vec!["view", c[0].as_str()],
            vec!["toggle", c[0].as_str(), "--deactivate", "--yes"],
            vec!["audit", "digest"],
        ] {
            let r = run_t(&env, &args);
            r.code(6).error_line("audit_signing_key");
            assert!(r.stderr.contains("cannot read it"), "{}", r.stderr);
            assert!(r.stdout.is_empty(), "{args:?}: {}", r.stdout);
        }
        assert_eq!(env.count("audit_log", ""), rows, "nothing written");
        // A refusal by a read-only command writes its row; its anchor cannot be
        // signed: the command keeps its exit code and says so.
        let r = env
            .cmd()
            .env("CUSTADM_PROFILE", "t")
            .env("CUSTADM_OPERATOR", "nobody")
            .args(&["list"])
            .run();
        r.code(4);
        r.warning_line("could not be signed");
        assert_eq!(anchor_lines(&path).len(), anchors, "no unsigned anchor");
    }
);

// Before: a signing key that was not audit_public_key's signed every
// anchor wrongly until the nightly check said "forged".
db_test!(
    a_signing_key_that_is_not_the_public_keys_is_refused_before_any_change,
    |env| {
        let (c, path) = trail(&env);
        let anchors = anchor_lines(&path).len();
        let config = env.dir.path().join("config/custadm/config.toml");
        let profile = std::fs::read_to_string(&config).expect("config");
        let signing_public = profile
            .lines()
            .find_map(|l| l.strip_prefix("audit_public_key = "))
            .expect("public key")
            .trim_matches('"')
            .to_string();
        let other = env.dir.path().join("other.key");
        let r = env.run(&["audit", "keygen", other.to_str().expect("utf-8")]);
        r.ok();
        let other_public = r
            .stdout
            .trim()
            .strip_prefix("audit_public_key = ")
            .expect("line")
            .trim_matches('"')
            .to_string();
        let body: String = profile
            .lines()
            .skip(1)
            .map(|l| {
                if l.starts_with("audit_public_key") {
                    format!("audit_public_key = \"{other_public}\"\n")
                } else {
                    format!("{l}\n")
                }
            })
            .collect();
        write_profile(&env, &body);
        let rows = env.count("audit_log", "");
        for args in [
            vec!["toggle", c[0].as_str(), "--deactivate", "--yes"],
            vec!["view", c[0].as_str()],
            vec!["audit", "digest"],
        ] {
            let r = run_t(&env, &args);
            r.code(6).error_line("does not match audit_public_key");
            assert!(
                r.stderr.contains(&signing_public) && r.stderr.contains(&other_public),
                "both keys named: {}",
                r.stderr
            );
            assert!(r.stdout.is_empty(), "{}", r.stdout);
        }
        assert_eq!(env.count("audit_log", ""), rows, "nothing written");
        assert_eq!(anchor_lines(&path).len(), anchors);
        assert_eq!(
            env.count(
                "customers",
                &format!("id = {} AND is_active = {}", c[0], env.bool_sql(true))
            ),
            1
        );
        // Reading still works.
        run_t(&env, &["list"]).ok();
    }
);

/// Before: `audit keygen F >/dev/full` left a key whose public half no one
/// saw.
#[test]
fn keygen_removes_the_key_when_its_public_key_cannot_be_printed() {
    let env = Env::sqlite();
    let key = env.dir.path().join("k");
    let mut c = env
        .cmd()
        .args(&["audit", "keygen", key.to_str().expect("utf-8")]);
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("open /dev/full");
    c.cmd.stdout(full);
    let r = c.run();
    r.code(9).error_line("the new key file");
    assert!(r.stderr.contains("was removed"), "{}", r.stderr);
    assert!(!key.exists(), "the key is gone");
    // And it can be made again.
    env.run(&["audit", "keygen", key.to_str().expect("utf-8")])
        .ok();
    assert!(key.exists());
}

// Two commands anchoring at once (issue 25, item 7: one anchor per command,
// its sync while the connection closes): each appends exactly one anchor;
// in the file they stand in chain order, each at or after the last row its
// own run wrote (the head is read under the file's lock, after the commit),
// and `audit verify --anchors` checks every one. Round after round, the two
// started in alternating order; both orders of their anchors must be seen.
db_test!(
    concurrent_commands_append_their_anchors_in_chain_order,
    |env| {
        env.init_db(0);
        let path = anchored(&env);
        bulk_customers(&env, 400);
        let all = customers(&env);
        let files = [env.dir.path().join("a"), env.dir.path().join("b")];
        std::fs::write(&files[0], all[..200].join("\n")).expect("ids");
        std::fs::write(&files[1], all[200..].join("\n")).expect("ids");
        // The first anchor of a round is that of the run of file a (true) or b.
        let mut first_anchored = std::collections::BTreeSet::new();
        let mut lines = 0;
        for round in 0..12 {
            let flag = if round % 2 == 0 {
                "--deactivate"
            } else {
                "--activate"
            };
            let order: Vec<usize> = if round % 2 == 0 {
                vec![0, 1]
            } else {
                vec![1, 0]
            };
            let children: Vec<(usize, std::process::Child)> = order
                .into_iter()
                .map(|i| {
                    let f = files[i].display().to_string();
                    let child = env
                        .cmd()
                        .env("CUSTADM_PROFILE", "t")
                        .args(&[
                            "-o",
                            "json",
                            "toggle",
                            "--ids-from",
                            &f,
                            flag,
                            "--yes",
                            "--batch-size",
                            "5",
                        ])
                        .cmd
                        .spawn()
                        .expect("spawn");
                    (i, child)
                })
                .collect();
            let mut runs = [String::new(), String::new()];
            for (i, child) in children {
                let out = child.wait_with_output().expect("wait");
                assert!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                );
                let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
                runs[i] = doc["run"].as_str().expect("run").to_string();
            }
            let anchors = anchor_lines(&path);
            assert_eq!(anchors.len(), lines + 2, "one anchor per command");
            let new = &anchors[lines..];
            lines = anchors.len();
            // Chain order in the file: never a head older than the one before.
            for pair in anchors.windows(2) {
                assert!(
                    pair[0]["id"].as_i64() <= pair[1]["id"].as_i64(),
                    "round {round}: anchors out of chain order: {} then {}",
                    pair[0],
                    pair[1]
                );
            }
            for anchor in new {
                let run = anchor["run"].as_str().expect("an anchor names its run");
                let own = env
                    .scalar(&format!(
                        "SELECT max(id) AS v FROM audit_log WHERE run_id = {}",
                        quote(run)
                    ))
                    .expect("the run's rows");
                assert!(
                anchor["id"].as_i64() >= Some(own),
                "round {round}: the anchor of run {run} ({anchor}) is before its own last row {own}"
            );
            }
            let first = new[0]["run"].as_str().expect("run");
            assert!(
                runs.iter().any(|r| r == first),
                "{first} is one of {runs:?}"
            );
            first_anchored.insert(first == runs[0]);
            let r = run_t(&env, &["audit", "verify", "--anchors", "-o", "json"]);
            r.ok();
            assert_eq!(r.json()["anchors_checked"], lines, "{}", r.stdout);
            assert_eq!(r.json()["unanchored_rows"], 0, "{}", r.stdout);
        }
        assert_eq!(
            first_anchored.len(),
            2,
            "the two commands' anchors came in the same order in every round"
        );
    }
);
