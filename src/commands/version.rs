//! `custadm version`: the version and what the binary was built from
//! (contract, "Output"): the git commit, the build time, the target, and the
//! versions of SQLite, libpq and OpenSSL really linked in, asked of the
//! libraries themselves at run time — so an operator knows which security
//! fixes a binary carries.

use std::ffi::CStr;

use serde::Serialize;

use crate::error::Result;
use crate::output::Output;

/// Options of `custadm version` (none).
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  custadm version\n  custadm version -o json | jq -r .sqlite\n\nExit codes: 0 shown, 2 bad usage, 9 output could not be written."
)]
pub struct VersionArgs {}

/// What `custadm version` prints, in this order; `-o json` is this object.
#[derive(Debug, Serialize)]
pub struct BuildInfo {
    /// custadm's version (`X.Y.Z`).
    pub version: &'static str,
    /// The git commit built (12 hex digits, `-modified` with uncommitted
    /// changes to what goes into the binary: `src`, `migrations`,
    /// `build.rs`, `Cargo.toml`, `Cargo.lock`), or `unknown` outside a git
    /// checkout.
    pub commit: &'static str,
    /// Build time, RFC 3339 UTC (`SOURCE_DATE_EPOCH` when set), or `unknown`.
    pub built: &'static str,
    /// The target triple (`x86_64-unknown-linux-gnu`).
    pub target: &'static str,
    /// `sqlite3_libversion()`: `3.50.2`.
    pub sqlite: String,
    /// `PQlibVersion()` as `major.minor`: `18.6`.
    pub libpq: String,
    /// `OpenSSL_version(OPENSSL_VERSION)`'s version word: `3.0.17`.
    pub openssl: String,
}

/// The build and library versions of this binary.
pub fn build_info() -> BuildInfo {
    // SAFETY: sqlite3_libversion returns a static NUL-terminated string.
    let sqlite = unsafe { CStr::from_ptr(libsqlite3_sys::sqlite3_libversion()) }
        .to_string_lossy()
        .into_owned();
    // SAFETY: PQlibVersion takes nothing and returns an int.
    let pq = unsafe { pq_sys::PQlibVersion() };
    let libpq = if pq >= 100_000 {
        // PostgreSQL numbers 18.6 as 180006; pq-src's bundled libpq as
        // 180600 (its build.rs pads the minor with "00"). A minor version
        // is below 100, so both read back the same.
        let minor = pq % 10_000;
        let minor = if minor >= 100 { minor / 100 } else { minor };
        format!("{}.{minor}", pq / 10_000)
    } else {
        format!("{}.{}.{}", pq / 10_000, pq / 100 % 100, pq % 100)
    };
    // SAFETY: OpenSSL_version returns a static NUL-terminated string.
    let openssl_text =
        unsafe { CStr::from_ptr(openssl_sys::OpenSSL_version(openssl_sys::OPENSSL_VERSION)) }
            .to_string_lossy()
            .into_owned();
    // "OpenSSL 3.0.17 1 Jul 2025" → "3.0.17".
    let openssl = openssl_text
        .split_whitespace()
        .nth(1)
        .map_or(openssl_text.clone(), str::to_string);
    BuildInfo {
        version: env!("CARGO_PKG_VERSION"),
        commit: env!("CUSTADM_BUILD_COMMIT"),
        built: env!("CUSTADM_BUILD_TIME"),
        target: env!("CUSTADM_BUILD_TARGET"),
        sqlite,
        libpq,
        openssl,
    }
}

/// Runs `custadm version`: `custadm X.Y.Z`, then one `key: value` line each,
/// or the JSON object with `-o json`.
pub fn run(out: &Output) -> Result<()> {
    let info = build_info();
    if out.is_json() {
        return out.json(&info);
    }
    let mut text = format!("custadm {}", info.version);
    for (key, value) in [
        ("commit", info.commit),
        ("built", info.built),
        ("target", info.target),
        ("sqlite", &info.sqlite),
        ("libpq", &info.libpq),
        ("openssl", &info.openssl),
    ] {
        text.push_str(&format!("\n{key}: {value}"));
    }
    // Not hidden by -q: the version is what this command hands over.
    Output {
        quiet: false,
        ..*out
    }
    .line(&text)
}
