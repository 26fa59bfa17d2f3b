//! `custadm version` (contract, "Output"): `custadm X.Y.Z`, then what the
//! binary was built from and the versions of the libraries really linked in,
//! checked against what those libraries report at run time.

use crate::support::*;

/// The `key: value` lines after the first, in order.
fn pairs(stdout: &str) -> Vec<(String, String)> {
    stdout
        .lines()
        .skip(1)
        .map(|l| {
            let (k, v) = l
                .split_once(": ")
                .unwrap_or_else(|| panic!("not key: value: {l:?}"));
            (k.to_string(), v.to_string())
        })
        .collect()
}

#[test]
fn version_names_the_build_and_the_libraries_really_linked() {
    let env = Env::sqlite();
    env.init_db(0);
    let run = env.run(&["version"]);
    run.ok();
    assert_eq!(
        run.stdout.lines().next(),
        Some(format!("custadm {}", env!("CARGO_PKG_VERSION")).as_str()),
        "{}",
        run.stdout
    );
    let pairs = pairs(&run.stdout);
    let keys: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        ["commit", "built", "target", "sqlite", "libpq", "openssl"]
    );
    let value = |key: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };

    // SQLite as the library itself answers through a database connection.
    let sqlite = text(&env, "SELECT sqlite_version() AS v").expect("sqlite_version()");
    assert_eq!(value("sqlite"), sqlite);
    // libpq and OpenSSL as the linked libraries report their numbers.
    // SAFETY: both take nothing and return a number.
    let (pq, ssl) = unsafe { (pq_sys::PQlibVersion(), openssl_sys::OpenSSL_version_num()) };
    // PostgreSQL's numbering is major * 10000 + minor; the bundled libpq
    // (pq-src) pads the minor with "00" (18.6 is 180600).
    let minor = pq % 10_000;
    let minor = if minor >= 100 { minor / 100 } else { minor };
    assert_eq!(value("libpq"), format!("{}.{minor}", pq / 10_000));
    assert!(pq >= 100_000, "libpq {pq}");
    assert_eq!(
        value("openssl"),
        format!("{}.{}.{}", ssl >> 28, (ssl >> 20) & 0xff, (ssl >> 4) & 0xff)
    );
    // This test runs in a git checkout: a real commit, and the binary (built
    // from the tree as it is now) says whether what goes into it differs
    // from that commit — also after an edit that moved no HEAD.
    let commit = value("commit");
    let hex = commit.trim_end_matches("-modified");
    assert!(
        hex.len() == 12 && hex.bytes().all(|b| b.is_ascii_hexdigit()),
        "{commit}"
    );
    let git = |args: &[&str]| -> Option<String> {
        let out = std::process::Command::new("git")
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    if let Some(head) = git(&["rev-parse", "--short=12", "HEAD"]) {
        let changed = git(&[
            "status",
            "--porcelain",
            "--untracked-files=no",
            "--",
            "src",
            "migrations",
            "build.rs",
            "Cargo.toml",
            "Cargo.lock",
        ])
        .is_some_and(|s| !s.is_empty());
        let expected = if changed {
            format!("{head}-modified")
        } else {
            head
        };
        assert_eq!(commit, expected, "the commit the binary names");
    }
    assert!(is_rfc3339_utc(&value("built")), "{}", value("built"));
    assert!(value("target").contains("linux"), "{}", value("target"));

    // -o json: one object with the same keys and values.
    let json = env.run(&["version", "-o", "json"]);
    json.ok();
    let doc = json.json();
    assert_eq!(doc["version"], env!("CARGO_PKG_VERSION"));
    for (k, v) in &pairs {
        assert_eq!(doc[k.as_str()].as_str(), Some(v.as_str()), "{k}");
    }
    assert_eq!(doc.as_object().map(|o| o.len()), Some(7), "{doc}");

    // --version stays the one line.
    let short = env.run(&["--version"]);
    short.ok();
    assert_eq!(
        short.stdout.trim(),
        format!("custadm {}", env!("CARGO_PKG_VERSION"))
    );
}
