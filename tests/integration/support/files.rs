//! Files custadm reads: the config file (with its mode), ids files, and the
//! migrations folder.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::*;

/// Writes `text` to a file in the env's dir and returns its path.
pub fn write_text_file(env: &Env, name: &str, text: &str) -> String {
    let path: PathBuf = env.dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

pub fn id_lines(ids: impl IntoIterator<Item = i64>) -> String {
    let mut s = String::new();
    for id in ids {
        s.push_str(&id.to_string());
        s.push('\n');
    }
    s
}

/// The source folder of this backend's migrations.
pub fn migrations_dir(env: &Env) -> std::path::PathBuf {
    let backend = match env.backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend)
}

pub fn write_bytes_file(env: &Env, name: &str, bytes: &[u8]) -> PathBuf {
    let path = env.dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Where custadm looks for its config file in this env (XDG_CONFIG_HOME).
pub fn config_path(env: &Env) -> PathBuf {
    env.dir
        .path()
        .join("config")
        .join("custadm")
        .join("config.toml")
}

/// Writes `text` to `path` with file mode `mode` (whatever the umask).
pub fn write_file_with_mode(path: &Path, text: &str, mode: u32) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("config dir");
    std::fs::write(path, text).expect("write config");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// Writes the env's config file with mode 0600.
pub fn write_config(env: &Env, text: &str) -> PathBuf {
    let path = config_path(env);
    write_file_with_mode(&path, text, 0o600);
    path
}

/// A TOML basic string (controls escaped).
pub fn toml_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

pub fn write_config_with_mode(env: &Env, text: &str, mode: u32) -> PathBuf {
    let path = config_path(env);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    path
}

pub fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}
