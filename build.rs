//! What `custadm version` reports about the build (contract, "Output"): the
//! git commit and the build time, read here at build time. Outside a git
//! checkout (a tarball, `cargo install` from crates.io) the commit is
//! `unknown`; `SOURCE_DATE_EPOCH` (reproducible builds) fixes the time.

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!text.is_empty()).then_some(text)
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian
/// (Howard Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Seconds since the epoch as RFC 3339 UTC.
fn rfc3339(secs: i64) -> String {
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// What goes into the binary. An uncommitted change to one of these makes
/// the commit `-modified`, and an edit to one reruns this script, so the
/// id is never stale after an edit (finding of the issue-26 review: rerun
/// only when HEAD moved, an edit after a commit still read as clean).
/// Editing tests, docs or benches changes neither: the binary is the
/// commit's. The cost: cargo compares these files' times on each build (a
/// few hundred stat calls), and on a change this script runs git twice
/// (tens of milliseconds) while the crate recompiles anyway.
const SOURCES: [&str; 5] = ["src", "migrations", "build.rs", "Cargo.toml", "Cargo.lock"];

fn main() {
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
    for path in SOURCES {
        println!("cargo:rerun-if-changed={path}");
    }
    // And when the checked-out commit changes.
    if let Some(dir) = git(&["rev-parse", "--git-dir"]) {
        let dir = std::path::Path::new(&dir);
        println!("cargo:rerun-if-changed={}", dir.join("HEAD").display());
        if let Some(head) = git(&["symbolic-ref", "-q", "HEAD"]) {
            if let Some(common) = git(&["rev-parse", "--git-common-dir"]) {
                let reference = std::path::Path::new(&common).join(&head);
                if reference.exists() {
                    println!("cargo:rerun-if-changed={}", reference.display());
                }
            }
        }
    }
    let commit = git(&["rev-parse", "--short=12", "HEAD"])
        .map(|c| {
            let mut status = vec!["status", "--porcelain", "--untracked-files=no", "--"];
            status.extend(SOURCES);
            let dirty = git(&status).is_some();
            if dirty {
                format!("{c}-modified")
            } else {
                c
            }
        })
        .unwrap_or_else(|| "unknown".into());
    let built = match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(epoch) => epoch
            .trim()
            .parse::<i64>()
            .map(rfc3339)
            .unwrap_or_else(|_| "unknown".into()),
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()
            .and_then(|d| i64::try_from(d.as_secs()).ok())
            .map(rfc3339)
            .unwrap_or_else(|| "unknown".into()),
    };
    let target = std::env::var("TARGET").unwrap_or_else(|_| "unknown".into());
    println!("cargo:rustc-env=CUSTADM_BUILD_COMMIT={commit}");
    println!("cargo:rustc-env=CUSTADM_BUILD_TIME={built}");
    println!("cargo:rustc-env=CUSTADM_BUILD_TARGET={target}");
}
