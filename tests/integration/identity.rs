//! Who runs custadm, as the machine can vouch for it (contract: "Operators
//! and roles"): uid 0 inside a user namespace is not root and `SUDO_USER`
//! is not believed there (issue 24 item 1); the config file whose ownership
//! makes `service_user` trusted is the file whose text is read, with no
//! window for a link to be swapped (item 2). Every case runs for real: as
//! root and as the unprivileged `nobody`, in real user namespaces
//! (`unshare -Ur`), with a link flipped by a thread racing the binary.

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};

use crate::db_test;
use crate::support::*;

/// `nobody`'s uid and gid on Debian.
const NOBODY: u32 = 65534;

/// True when the tests can switch users (they run as root); outside CI a
/// visible skip, under CI a failure.
fn can_switch_users() -> bool {
    // SAFETY: geteuid cannot fail.
    if unsafe { libc::geteuid() } == 0 {
        return true;
    }
    assert_ne!(
        std::env::var("CI").as_deref(),
        Ok("true"),
        "CI=true but the tests do not run as root: the identity tests must not be skipped"
    );
    eprintln!("SKIPPED: running as another user needs root");
    record_skip(
        "identity (other users, user namespaces)",
        "the tests do not run as root",
    );
    false
}

/// The binary copied where every user can run it, and the test's directory
/// and SQLite files opened up to other users.
fn shared_binary(env: &Env) -> PathBuf {
    let dir = env.dir.path();
    let bin = dir.join("bin").join("custadm");
    if !bin.exists() {
        std::fs::create_dir_all(dir.join("bin")).expect("bin dir");
        if std::fs::hard_link(env!("CARGO_BIN_EXE_custadm"), &bin).is_err() {
            std::fs::copy(env!("CARGO_BIN_EXE_custadm"), &bin).expect("copy custadm");
        }
    }
    let open = |path: &Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
    };
    open(dir, 0o777);
    open(&dir.join("bin"), 0o755);
    for entry in std::fs::read_dir(dir).expect("read temp dir").flatten() {
        if entry
            .file_name()
            .to_string_lossy()
            .starts_with("test.sqlite3")
        {
            open(&entry.path(), 0o666);
        }
    }
    bin
}

/// How custadm is started in one case.
#[derive(Clone, Copy)]
struct As {
    /// Real and effective uid (and gid) of the process.
    uid: u32,
    /// Inside a new user namespace where the caller is uid 0 (`unshare -Ur`).
    userns_root: bool,
}

/// Runs custadm as `who` with the env's database and `envs`.
fn run_as(env: &Env, who: As, envs: &[(&str, &str)], args: &[&str]) -> Run {
    let bin = shared_binary(env);
    let mut cmd = if who.userns_root {
        let mut c = std::process::Command::new("unshare");
        c.arg("-Ur").arg(&bin);
        c
    } else {
        std::process::Command::new(&bin)
    };
    let dir = env.dir.path();
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("CUSTADM_DATABASE_URL", &env.url)
        .args(args)
        .stdin(std::process::Stdio::null())
        .uid(who.uid)
        .gid(who.uid);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    // SAFETY: setsid is async-signal-safe; it detaches from our terminal.
    unsafe {
        cmd.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
    let out = cmd.output().expect("run custadm as another user");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Adds support operators bound to OS logins.
fn bound_operators(env: &Env, bindings: &[(&str, &str)]) {
    for (name, login) in bindings {
        env.admin_change(
            &[
                "operator",
                "add",
                name,
                "--role",
                "support",
                "--os-user",
                login,
            ],
            &[SUPPORT_PASSWORD],
        )
        .ok();
    }
}

/// Audit rows that acted (`view` ok) as `operator`.
fn acted_as(env: &Env, operator: &str) -> i64 {
    env.count(
        "audit_log",
        &format!(
            "action = 'view' AND outcome = 'ok' AND operator = {}",
            quote(operator)
        ),
    )
}

db_test!(uid_0_in_a_user_namespace_is_not_root, |env| {
    env.init_db(0);
    if !can_switch_users() {
        return;
    }
    let id = env.insert_customer("Namespace Test", "ns@example.com");
    let id = id.to_string();
    bound_operators(&env, &[("rootop", "root"), ("alice", "alice")]);
    // Outside a namespace root is root: the binding holds for it.
    let root = As {
        uid: 0,
        userns_root: false,
    };
    run_as(
        &env,
        root,
        &[("CUSTADM_OPERATOR", "rootop")],
        &["view", &id],
    )
    .ok();
    assert_eq!(acted_as(&env, "rootop"), 1);
    for who in [
        As {
            uid: 0,
            userns_root: true,
        },
        As {
            uid: NOBODY,
            userns_root: true,
        },
    ] {
        // uid 0 in the namespace is not the login root …
        run_as(&env, who, &[("CUSTADM_OPERATOR", "rootop")], &["view", &id])
            .code(4)
            .error_line("bound to another OS login");
        // … and SUDO_USER is not believed there: no one becomes alice.
        run_as(
            &env,
            who,
            &[("CUSTADM_OPERATOR", "alice"), ("SUDO_USER", "alice")],
            &["view", &id],
        )
        .code(4)
        .error_line("bound to another OS login");
        // Without --operator, the name is no login either (unknown operator).
        run_as(&env, who, &[("SUDO_USER", "alice")], &["view", &id]).code(4);
    }
    assert_eq!(acted_as(&env, "rootop"), 1);
    assert_eq!(acted_as(&env, "alice"), 0);
    // The denied rows name the namespace's uid, never root or alice.
    let users =
        env.texts("SELECT os_user AS v FROM audit_log WHERE outcome = 'denied' ORDER BY id");
    assert_eq!(users.len(), 6, "{users:?}");
    for u in users {
        assert_eq!(u.as_deref(), Some("uid0@userns"));
    }
    // A config of nobody's own shows as owned by uid 0 inside the namespace:
    // it names nobody's idea of a service account, and proves nothing.
    let config = env.dir.path().join("nobody.toml");
    std::fs::write(&config, "[profiles.svc]\nservice_user = \"root\"\n").expect("config");
    std::os::unix::fs::chown(&config, Some(NOBODY), Some(NOBODY)).expect("chown");
    let config = config.display().to_string();
    let r = run_as(
        &env,
        As {
            uid: NOBODY,
            userns_root: true,
        },
        &[
            ("CUSTADM_CONFIG", &config),
            ("CUSTADM_PROFILE", "svc"),
            ("CUSTADM_OPERATOR", "alice"),
            ("SUDO_USER", "alice"),
        ],
        &["view", &id],
    );
    r.code(4).error_line("bound to another OS login");
    assert!(r.stderr.contains("service_user is ignored"), "{}", r.stderr);
    assert_eq!(acted_as(&env, "alice"), 0);
    // config show inside the namespace names the same non-login.
    let shown = run_as(
        &env,
        As {
            uid: NOBODY,
            userns_root: true,
        },
        &[("SUDO_USER", "alice")],
        &["config", "show", "-o", "json"],
    );
    shown.ok();
    assert_eq!(shown.json()["operator"]["value"], "uid0@userns");
});

/// A profile `svc` naming `service_user`, written to `path`, owned by `uid`.
fn service_config(path: &Path, service_user: &str, uid: u32) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("config dir");
    std::fs::write(
        path,
        format!("[profiles.svc]\nservice_user = \"{service_user}\"\n"),
    )
    .expect("write config");
    std::os::unix::fs::chown(path, Some(uid), Some(uid)).expect("chown config");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
}

/// Points `link` at `target` atomically (a new link renamed over it).
fn repoint(link: &Path, target: &Path) {
    let tmp = link.with_extension("flip");
    let _ = std::fs::remove_file(&tmp);
    std::os::unix::fs::symlink(target, &tmp).expect("symlink");
    std::fs::rename(&tmp, link).expect("rename link");
}

db_test!(
    a_config_link_flipped_while_custadm_reads_it_never_makes_a_service_user,
    |env| {
        env.init_db(0);
        if !can_switch_users() {
            return;
        }
        let id = env
            .insert_customer("Race Test", "race@example.com")
            .to_string();
        bound_operators(&env, &[("alice", "alice")]);
        let base = env.dir.path().join("race");
        // nobody's own file names nobody the service account (ownership says
        // no); root's file names another account (ownership says yes).
        let mine = base.join("mine").join("config.toml");
        let roots = base.join("roots").join("config.toml");
        service_config(&mine, "nobody", NOBODY);
        service_config(&roots, "custadm-svc", 0);
        std::fs::set_permissions(&base, std::fs::Permissions::from_mode(0o777)).expect("chmod");
        // The root-owned file itself, named directly: trusted, but nobody is not
        // custadm-svc, so SUDO_USER still counts for nothing.
        let nobody = As {
            uid: NOBODY,
            userns_root: false,
        };
        let sudo_alice = |config: &str| {
            run_as(
                &env,
                nobody,
                &[
                    ("CUSTADM_CONFIG", config),
                    ("CUSTADM_PROFILE", "svc"),
                    ("CUSTADM_OPERATOR", "alice"),
                    ("SUDO_USER", "alice"),
                ],
                &["view", &id],
            )
        };
        sudo_alice(&roots.display().to_string()).code(4);
        // A link to root's file proves nothing (the link's owner chose it).
        let file_link = base.join("config-link.toml");
        repoint(&file_link, &roots);
        let r = sudo_alice(&file_link.display().to_string());
        r.code(4);
        assert!(r.stderr.contains("symbolic link"), "{}", r.stderr);
        // The race, twice: the file link, and a directory link above the file
        // (which O_NOFOLLOW does not see: the descriptor's fstat decides).
        let dir_link = base.join("dir-link");
        repoint(&dir_link, mine.parent().expect("dir"));
        for (link, a, b, config) in [
            (
                file_link.clone(),
                mine.clone(),
                roots.clone(),
                file_link.clone(),
            ),
            (
                dir_link.clone(),
                mine.parent().expect("dir").to_path_buf(),
                roots.parent().expect("dir").to_path_buf(),
                dir_link.join("config.toml"),
            ),
        ] {
            let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
            let flipper = {
                let stop = stop.clone();
                std::thread::spawn(move || {
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        repoint(&link, &a);
                        repoint(&link, &b);
                    }
                })
            };
            let config = config.display().to_string();
            for round in 0..40 {
                let r = sudo_alice(&config);
                assert_ne!(r.code, 0, "round {round}: acted as alice: {}", r.stderr);
            }
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
            flipper.join().expect("flipper");
        }
        assert_eq!(acted_as(&env, "alice"), 0);
        assert_eq!(
            env.count("audit_log", "os_user = 'alice' AND outcome <> 'denied'"),
            0
        );
    }
);
