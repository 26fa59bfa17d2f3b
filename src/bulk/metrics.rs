//! The metrics file (contract: "Output", `metrics_file`): after every
//! changing run, the file is rewritten atomically (a temporary file created
//! exclusively under a random name in the same directory, synced, renamed
//! over it) in the Prometheus text format
//! that node_exporter's textfile collector reads, one series per action
//! (label `action`). Only this action's series of custadm's four families
//! are replaced: the other actions' series, and everything else found in
//! the file (the series of other programs, their `# HELP` and `# TYPE`
//! lines, comments), are kept as they were (review of issue 26: a run
//! dropped the series other programs had put there). The file is read,
//! rewritten and renamed under an exclusive `flock` on its directory, so
//! that runs ending together do not drop each other's series; the lock
//! needs no file of its own (none is left behind) and dies with its holder
//! (a run killed while holding it blocks nothing), and a run waits for it
//! at most [`LOCK_WAIT`] (a hung holder costs the metrics, exit 9, never
//! the next night):
//!
//! - `custadm_run_last_end_timestamp_seconds`: when the last run ended;
//! - `custadm_run_last_exit_code`: its exit code;
//! - `custadm_run_last_outcomes{outcome=…}`: its outcome counts, one series
//!   per outcome (0 when none);
//! - `custadm_run_last_success_timestamp_seconds`: the end of the last run
//!   that exited 0 (kept from the file when this one did not; 0 when none
//!   has yet, so that "too long since the last success" fires).
//!
//! A run that failed before it began (exit 4 or 6) is written too
//! (`bulk::record_unstarted`); bad input (exit 2) and dry runs are not runs.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

/// The families, in the order written, with their help text.
const FAMILIES: [(&str, &str); 4] = [
    (
        "custadm_run_last_end_timestamp_seconds",
        "When the last custadm run of this action ended (Unix time).",
    ),
    (
        "custadm_run_last_exit_code",
        "Exit code of the last custadm run of this action.",
    ),
    (
        "custadm_run_last_outcomes",
        "Customers per outcome in the last custadm run of this action.",
    ),
    (
        "custadm_run_last_success_timestamp_seconds",
        "When the last custadm run of this action that exited 0 ended (Unix time; 0: none yet).",
    ),
];

/// Every outcome a result document can hold.
const OUTCOMES: [&str; 6] = [
    "changed",
    "unchanged",
    "would_change",
    "not_found",
    "refused",
    "failed",
];

/// One sample as found in or written to the file: family, labels (sorted,
/// `action` among them), value.
type Samples = BTreeMap<(String, Vec<(String, String)>), String>;

/// The longest a run waits for another one to finish rewriting the file.
pub(crate) const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// What a metrics file holds: custadm's samples, and every other line as
/// it was, in its order (other programs' families, comments, blank lines).
#[derive(Debug, Default)]
struct Current {
    samples: Samples,
    foreign: Vec<String>,
}

/// Rewrites `path` with this run of `action` (ended at `end`, exit
/// `exit_code`, `summary` outcome → count), keeping the other actions'
/// series found in it.
///
/// # Errors
/// The file's directory cannot be written, or the file cannot be read (or is
/// a symlink, or not a regular file).
pub fn update(
    path: &Path,
    action: &str,
    end: chrono::DateTime<chrono::Utc>,
    exit_code: u8,
    summary: &BTreeMap<&'static str, usize>,
) -> std::io::Result<()> {
    // Held until the new file is in place: runs of other actions ending at
    // the same moment read what this one wrote, and keep its series.
    let _lock = lock(path)?;
    let Current {
        samples: old,
        foreign,
    } = read_current(path)?
        .map(|text| parse(&text))
        .unwrap_or_default();
    let end = format!("{}", end.timestamp_millis() as f64 / 1000.0);
    let mine = |labels: &[(String, String)]| {
        labels
            .iter()
            .any(|(k, v)| k == "action" && v.as_str() == action)
    };
    let success_key = (
        FAMILIES[3].0.to_string(),
        vec![("action".to_string(), action.to_string())],
    );
    let last_success = old.get(&success_key).cloned();
    let mut samples: Samples = old
        .into_iter()
        .filter(|((_, labels), _)| !mine(labels))
        .collect();
    let with = |extra: Option<(&str, &str)>| {
        let mut labels = vec![("action".to_string(), action.to_string())];
        if let Some((k, v)) = extra {
            labels.push((k.to_string(), v.to_string()));
        }
        labels.sort();
        labels
    };
    samples.insert((FAMILIES[0].0.into(), with(None)), end.clone());
    samples.insert((FAMILIES[1].0.into(), with(None)), exit_code.to_string());
    for outcome in OUTCOMES {
        let n = summary.get(outcome).copied().unwrap_or(0);
        samples.insert(
            (FAMILIES[2].0.into(), with(Some(("outcome", outcome)))),
            n.to_string(),
        );
    }
    match (exit_code, last_success) {
        (0, _) => {
            samples.insert(success_key, end);
        }
        (_, Some(before)) => {
            samples.insert(success_key, before);
        }
        // No run of this action has exited 0 yet (a first night refused by
        // --max-changes): 0, so an alert on the time since the last
        // success fires rather than finding no series.
        (_, None) => {
            samples.insert(success_key, "0".to_string());
        }
    }
    write_atomically(path, &render(&foreign, &samples))
}

/// True for one of custadm's families.
fn is_ours(name: &str) -> bool {
    FAMILIES.iter().any(|(f, _)| *f == name)
}

/// The samples of custadm's families in `text`, and every other line as it
/// is. custadm's own `# HELP` and `# TYPE` lines are written anew; a
/// sample of its families without an `action` label or a number is
/// dropped (it would clash with what is written).
fn parse(text: &str) -> Current {
    let mut current = Current::default();
    for raw in text.lines() {
        let line = raw.trim();
        let comment = line
            .strip_prefix("# HELP ")
            .or_else(|| line.strip_prefix("# TYPE "));
        if let Some(rest) = comment {
            if !is_ours(rest.split_whitespace().next().unwrap_or("")) {
                current.foreign.push(raw.to_string());
            }
            continue;
        }
        if line.is_empty() || line.starts_with('#') {
            current.foreign.push(raw.to_string());
            continue;
        }
        let (name, rest) = match line.find(['{', ' ', '\t']) {
            Some(at) => line.split_at(at),
            None => (line, ""),
        };
        if !is_ours(name) {
            current.foreign.push(raw.to_string());
            continue;
        }
        let (labels, value) = match rest.strip_prefix('{') {
            Some(inner) => match inner.rfind('}') {
                Some(close) => (parse_labels(&inner[..close]), inner[close + 1..].trim()),
                None => continue,
            },
            None => (Some(Vec::new()), rest.trim()),
        };
        let Some(mut labels) = labels else { continue };
        let Some(value) = value.split_whitespace().next() else {
            continue;
        };
        if value.parse::<f64>().is_err() || !labels.iter().any(|(k, _)| k == "action") {
            continue;
        }
        labels.sort();
        current
            .samples
            .insert((name.to_string(), labels), value.to_string());
    }
    // Blank lines at the end would pile up between runs.
    while current.foreign.last().is_some_and(|l| l.trim().is_empty()) {
        current.foreign.pop();
    }
    current
}

/// `k="v",k2="v2"` (values with `\\`, `\"`, `\n` escapes); `None` when
/// malformed.
fn parse_labels(text: &str) -> Option<Vec<(String, String)>> {
    let mut labels = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ',' || c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            return Some(labels);
        }
        let key: String = std::iter::from_fn(|| chars.next_if(|c| *c != '=')).collect();
        chars.next(); // '='
        if chars.next() != Some('"') {
            return None;
        }
        let mut value = String::new();
        loop {
            match chars.next()? {
                '"' => break,
                '\\' => match chars.next()? {
                    'n' => value.push('\n'),
                    other => value.push(other),
                },
                c => value.push(c),
            }
        }
        labels.push((key.trim().to_string(), value));
    }
}

/// A label value with `\`, `"` and newlines escaped.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The file: the other programs' lines as they were, then each of
/// custadm's families: its `# HELP` and `# TYPE` lines, then its samples.
fn render(foreign: &[String], samples: &Samples) -> String {
    let mut text = String::new();
    for line in foreign {
        text.push_str(line);
        text.push('\n');
    }
    for (family, help) in FAMILIES {
        text.push_str(&format!("# HELP {family} {help}\n# TYPE {family} gauge\n"));
        for ((name, labels), value) in samples {
            if name != family {
                continue;
            }
            let labels: Vec<String> = labels
                .iter()
                .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
                .collect();
            text.push_str(&format!("{name}{{{}}} {value}\n", labels.join(",")));
        }
    }
    text
}

/// Writes `text` to a new file next to `path`, syncs it and renames it over
/// `path`: a reader sees the old file or the new one, never half of one.
///
/// The directory may be writable by others (node_exporter's textfile
/// directory often is): the temporary file is created exclusively
/// (`O_CREAT|O_EXCL`, so never through a symlink or over a file someone
/// planted) under an unpredictable name (`tempfile`), and its mode is set on
/// that new file only. `rename` replaces whatever entry `path` is (a symlink
/// there is replaced, not followed).
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let dir = directory_of(path);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "metrics".into());
    // A leading dot: the textfile collector reads `*.prom` only.
    let mut file = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(dir)?;
    file.write_all(text.as_bytes())?;
    // node_exporter runs as another user: the file is world-readable.
    file.as_file()
        .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    file.as_file().sync_all()?;
    // On failure the temporary file is removed (dropped with the error).
    file.persist(path).map_err(|e| e.error)?;
    // The rename itself survives a crash once the directory is synced.
    std::fs::File::open(dir)?.sync_all()
}

/// An exclusive `flock` on the directory holding the metrics file, held
/// while the file is read, rewritten and renamed: concurrent runs update it
/// one after the other. The directory itself is locked, so no lock file is
/// made or left behind, and the lock ends with the process that holds it
/// (a run killed half-way never blocks the next one). Another holder is
/// waited for at most [`LOCK_WAIT`].
///
/// # Errors
/// The directory cannot be opened, or stayed locked for [`LOCK_WAIT`].
fn lock(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    use std::os::unix::io::AsRawFd;
    let dir = directory_of(path);
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECTORY)
        .open(dir)?;
    let deadline = std::time::Instant::now() + LOCK_WAIT;
    loop {
        // SAFETY: flock on a descriptor this function owns; no memory is shared.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
            return Ok(file);
        }
        let e = std::io::Error::last_os_error();
        match e.raw_os_error() {
            Some(libc::EWOULDBLOCK) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            Some(libc::EWOULDBLOCK) => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!(
                        "another process held the lock on its directory {} for {} s",
                        dir.display(),
                        LOCK_WAIT.as_secs()
                    ),
                ))
            }
            Some(libc::EINTR) => {}
            _ => return Err(e),
        }
    }
}

/// The directory holding `path` (`.` for a bare file name).
fn directory_of(path: &Path) -> &Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// The current metrics file's text; `None` when there is none. Opened
/// without following a symlink and only when it is a regular file: the
/// directory may be writable by others, and the text read is written back
/// world-readable.
///
/// # Errors
/// The file cannot be read, or `path` is a symlink or not a regular file.
fn read_current(path: &Path) -> std::io::Result<Option<String>> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let opened = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path);
    let mut file = match opened {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "it is a symbolic link (custadm replaces the file itself: name the real path)",
            ))
        }
        Err(e) => return Err(e),
    };
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "it is not a regular file",
        ));
    }
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_other_actions_and_the_last_success() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("custadm.prom");
        let t = |s| chrono::DateTime::from_timestamp(s, 0).expect("time");
        let summary = BTreeMap::from([("changed", 3)]);
        update(&path, "deactivate", t(100), 0, &summary).expect("write");
        update(&path, "delete", t(200), 0, &BTreeMap::new()).expect("write");
        update(&path, "deactivate", t(300), 5, &BTreeMap::new()).expect("write");
        let text = std::fs::read_to_string(&path).expect("read");
        let samples = parse(&text).samples;
        let get = |family: &str, action: &str| {
            samples
                .get(&(
                    family.to_string(),
                    vec![("action".to_string(), action.to_string())],
                ))
                .cloned()
        };
        assert_eq!(get(FAMILIES[1].0, "deactivate").as_deref(), Some("5"));
        assert_eq!(get(FAMILIES[3].0, "deactivate").as_deref(), Some("100"));
        assert_eq!(get(FAMILIES[0].0, "delete").as_deref(), Some("200"));
        assert_eq!(text.matches("# TYPE ").count(), 4);
    }

    /// Other programs' series in the same file stay as they were, in their
    /// order, with their comments; custadm's own lines are not doubled.
    #[test]
    fn keeps_the_lines_of_other_programs() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("custadm.prom");
        let foreign = "# HELP backup_last_success_seconds When the backup last succeeded.\n\
                       # TYPE backup_last_success_seconds gauge\n\
                       backup_last_success_seconds{job=\"db\"} 1.7e+09\n\
                       # a comment of the backup script\n\
                       node_custom_untyped 3\n\
                       custadm_build_info{version=\"0.1.0\"} 1\n";
        std::fs::write(&path, foreign).expect("foreign file");
        let t = |s| chrono::DateTime::from_timestamp(s, 0).expect("time");
        update(&path, "deactivate", t(100), 0, &BTreeMap::new()).expect("write");
        update(&path, "delete", t(200), 5, &BTreeMap::new()).expect("write");
        update(&path, "deactivate", t(300), 0, &BTreeMap::new()).expect("write");
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(text.starts_with(foreign), "{text}");
        let current = parse(&text);
        assert_eq!(current.foreign.concat(), foreign.replace('\n', ""));
        assert_eq!(
            text.matches("# TYPE custadm_run_last_exit_code ").count(),
            1
        );
        let get = |action: &str| {
            current
                .samples
                .get(&(
                    FAMILIES[0].0.to_string(),
                    vec![("action".to_string(), action.to_string())],
                ))
                .cloned()
        };
        assert_eq!(get("deactivate").as_deref(), Some("300"));
        assert_eq!(get("delete").as_deref(), Some("200"));
        // Nothing but the file is left in the directory: no lock file.
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec!["custadm.prom".to_string()]);
    }

    /// A user who can write the textfile directory plants symlinks at the
    /// temporary names a writer could predict (the old `.NAME.PID.tmp`, and
    /// other guesses) pointing at a file only we may read: the file keeps
    /// its bytes and mode, and the metrics file is a new regular file.
    #[test]
    fn planted_symlinks_are_not_followed() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("dir");
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "secret\n").expect("victim");
        std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o600)).expect("mode");
        let path = dir.path().join("custadm.prom");
        let pid = std::process::id();
        for guess in [
            format!(".custadm.prom.{pid}.tmp"),
            ".custadm.prom.tmp".to_string(),
            "custadm.prom.tmp".to_string(),
            format!("custadm.prom.{pid}"),
            "custadm.prom.new".to_string(),
        ] {
            std::os::unix::fs::symlink(&victim, dir.path().join(guess)).expect("plant");
        }
        let t = chrono::DateTime::from_timestamp(100, 0).expect("time");
        for _ in 0..3 {
            update(&path, "delete", t, 0, &BTreeMap::new()).expect("write");
        }
        assert_eq!(
            std::fs::read_to_string(&victim).expect("victim"),
            "secret\n"
        );
        let mode = std::fs::metadata(&victim)
            .expect("victim")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let meta = std::fs::symlink_metadata(&path).expect("metrics file");
        assert!(meta.file_type().is_file(), "{meta:?}");
        assert_eq!(meta.permissions().mode() & 0o777, 0o644);
        // No temporary file is left behind.
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter(|n| {
                n.ends_with(".tmp")
                    && !n.contains(&pid.to_string())
                    && n != ".custadm.prom.tmp"
                    && n != "custadm.prom.tmp"
            })
            .collect();
        assert_eq!(names, Vec::<String>::new());
    }

    /// A symlink (or anything but a regular file) at the metrics path is
    /// not read through: the run says so.
    #[test]
    fn a_symlink_at_the_path_is_refused() {
        let dir = tempfile::tempdir().expect("dir");
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "custadm_run_last_exit_code{action=\"x\"} 1\n").expect("victim");
        let path = dir.path().join("custadm.prom");
        std::os::unix::fs::symlink(&victim, &path).expect("plant");
        let t = chrono::DateTime::from_timestamp(100, 0).expect("time");
        let e = update(&path, "delete", t, 0, &BTreeMap::new()).expect_err("a symlink");
        assert!(e.to_string().contains("symbolic link"), "{e}");
        assert!(std::fs::symlink_metadata(&path)
            .expect("still there")
            .file_type()
            .is_symlink());
    }

    /// Runs of different actions ending at the same moment: every one's
    /// series is in the file afterwards, round after round.
    #[test]
    fn concurrent_runs_keep_each_others_series() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("custadm.prom");
        let actions = [
            "edit",
            "activate",
            "deactivate",
            "delete",
            "restore",
            "undo",
        ];
        for round in 0..40 {
            let _ = std::fs::remove_file(&path);
            let barrier = std::sync::Barrier::new(actions.len());
            std::thread::scope(|s| {
                for action in actions {
                    let (path, barrier) = (&path, &barrier);
                    s.spawn(move || {
                        barrier.wait();
                        let t = chrono::DateTime::from_timestamp(100, 0).expect("time");
                        update(path, action, t, 0, &BTreeMap::new()).expect("write");
                    });
                }
            });
            let samples = parse(&std::fs::read_to_string(&path).expect("read")).samples;
            for action in actions {
                let key = (
                    FAMILIES[1].0.to_string(),
                    vec![("action".to_string(), action.to_string())],
                );
                assert!(samples.contains_key(&key), "round {round}: {action} lost");
            }
        }
    }
}
