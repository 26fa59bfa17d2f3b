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
fn anchored(env: &Env) -> PathBuf {
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

fn quote_toml(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Writes profile `t` with `body`.
fn write_profile(env: &Env, body: &str) {
    let dir = env.dir.path().join("config/custadm");
    std::fs::create_dir_all(&dir).expect("config dir");
    std::fs::write(dir.join("config.toml"), format!("[profiles.t]\n{body}")).expect("config");
}

/// custadm with profile `t`.
fn run_t(env: &Env, args: &[&str]) -> Run {
    env.cmd().env("CUSTADM_PROFILE", "t").args(args).run()
}

fn customers(env: &Env) -> Vec<String> {
    env.texts("SELECT CAST(id AS TEXT) AS v FROM customers ORDER BY id")
        .into_iter()
        .map(|v| v.expect("id"))
        .collect()
}

/// A trail with anchors: init (not anchored), then views and a toggle,
/// each command anchoring its head. Returns the customer ids.
fn trail(env: &Env) -> (Vec<String>, PathBuf) {
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

fn anchor_lines(path: &PathBuf) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .expect("anchor file")
        .lines()
        .map(|l| serde_json::from_str(l).expect("an anchor line"))
        .collect()
}

/// One audit row's chained columns as stored.
#[derive(Debug, Clone)]
struct Link {
    id: i64,
    occurred_at: String,
    operator: String,
    os_user: String,
    action: String,
    customer_id: Option<i64>,
    outcome: String,
    run_id: Option<String>,
    content_digest: String,
    chain_hash: String,
}

/// Every chained row, in id order.
fn links(env: &Env) -> Vec<Link> {
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

fn put_str(h: &mut Sha256, s: &[u8]) {
    h.update((s.len() as u64).to_be_bytes());
    h.update(s);
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// `chain_hash` by the documented encoding (chain.rs, "Encoding (version 1)").
fn chain_hash(previous: &str, l: &Link) -> String {
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
fn rewrite_history(env: &Env, id: i64) -> std::collections::BTreeMap<i64, String> {
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
fn keygen_never_overwrites_and_a_shared_key_file_is_refused() {
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
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    let rows = env.count("audit_log", "");
    run_t(&env, &["view", &c[0]])
        .code(6)
        .error_line("chmod 600");
    run_t(&env, &["audit", "digest"])
        .code(6)
        .error_line("chmod 600");
    assert_eq!(env.count("audit_log", ""), rows, "refused before anything");
}

/// Turns the chain into one an older custadm started: its first row linked
/// to the genesis (32 zero bytes), every hash recomputed, no prehistory hash.
fn relink_from_genesis(env: &Env) {
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
fn prehistory(env: &Env) -> i64 {
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
        env.run(&["db", "migrate"]).ok();
        let v = env.run(&["audit", "verify", "-o", "json"]);
        v.ok();
        assert!(
            v.json()["prehistory"].as_i64().is_some_and(|n| n > 0),
            "{}",
            v.stdout
        );
        // The migration recorded the count: a row added below the start is caught.
        env.exec(
        "INSERT INTO audit_log (id, occurred_at, operator, os_user, action, customer_id, outcome, details) \
         VALUES (-7, '2020-01-01 00:00:00', 'admin', 'ops', 'edit', NULL, 'ok', '{}')",
    );
        env.run(&["audit", "verify"]).code(8).error_line("inserted");
        env.exec("DELETE FROM audit_log WHERE id = -7");
        // New rows extend the old chain.
        env.run(&["view", &c[0]]).ok();
        env.run(&["audit", "verify"]).ok();
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
fn old_trail(env: &Env, old: usize) -> Vec<String> {
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
fn with_deletes_failing(env: &Env, f: impl FnOnce()) {
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
        env.run(&["audit", "verify", "--archive", f]).ok();
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
        env.run(&["audit", "verify", "--archive", f, "-o", "json"])
            .ok();
        assert_eq!(
            env.run(&["audit", "verify", "--archive", f, "-o", "json"])
                .json()["rows"],
            3
        );
        // Again: the rows are archived already; the file is never overwritten.
        archive(&[]).code(2).error_line("archived already");
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
        env.run(&["audit", "verify", "--archive", f]).code(8);
        let cut: String = text.lines().take(3).map(|l| format!("{l}\n")).collect();
        std::fs::write(&file, cut).expect("cut");
        env.run(&["audit", "verify", "--archive", f])
            .code(2)
            .error_line("line 3");
        std::fs::write(&file, b"\x00\x01binary").expect("binary");
        env.run(&["audit", "verify", "--archive", f])
            .code(2)
            .error_line("line 1");
    }
);
