//! Who is acting: the operator named by `--operator`, `CUSTADM_OPERATOR` or the
//! OS login, unknown operators denied and audited, operators bound to OS
//! logins (the first admin named after the login), and when `SUDO_USER`
//! counts.

use crate::db_test;
use crate::support::*;

db_test!(unknown_operator_is_denied_and_audited, |env| {
    env.init_db(0);
    let run = env.run(&["--operator", "ghost", "list"]);
    run.code(4).error_line("ghost");
    assert!(run.stdout.is_empty());
    assert_eq!(
        env.count(
            "audit_log",
            &format!(
                "operator = 'ghost' AND outcome = 'denied' AND os_user = {}",
                quote(&os_user())
            )
        ),
        1
    );
    // The same through CUSTADM_OPERATOR, for an operator command.
    env.cmd()
        .env("CUSTADM_OPERATOR", "ghost")
        .args(&["operator", "list"])
        .run()
        .code(4);
    assert_eq!(
        env.count("audit_log", "operator = 'ghost' AND outcome = 'denied'"),
        2
    );
    // --operator beats CUSTADM_OPERATOR.
    env.cmd()
        .env("CUSTADM_OPERATOR", "ghost")
        .args(&["--operator", "admin", "operator", "list"])
        .run()
        .ok();
    env.cmd()
        .env("CUSTADM_OPERATOR", "admin")
        .args(&["--operator", "ghost", "operator", "list"])
        .run()
        .code(4);
    // Without either, the OS login name is the operator.
    let me = os_user();
    let run = env
        .cmd()
        .env_remove("CUSTADM_OPERATOR")
        .args(&["list"])
        .run();
    if me == "admin" {
        run.ok();
    } else {
        run.code(4).error_line(&me);
        assert_eq!(
            env.count(
                "audit_log",
                &format!("operator = {} AND outcome = 'denied'", quote(&me))
            ),
            1
        );
    }
});

db_test!(operators_bound_to_os_logins, |env| {
    env.init_db(0);
    let me = os_user();
    let id = env.insert_customer("Bound Test", "bound@example.com");
    // add --os-user, shown by list (JSON and table), audited.
    env.admin_change(
        &[
            "operator",
            "add",
            "alice",
            "--role",
            "support",
            "--os-user",
            "alice-login",
        ],
        &[SUPPORT_PASSWORD],
    )
    .ok();
    let list = env.run(&["operator", "list", "-o", "json"]).json();
    let alice = list
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["username"] == "alice")
        .unwrap()
        .clone();
    assert_eq!(alice["os_user"], "alice-login");
    let table = env.run(&["operator", "list"]);
    assert!(
        table.stdout.lines().next().unwrap().contains("OS USER"),
        "{}",
        table.stdout
    );
    assert!(
        table
            .stdout
            .lines()
            .any(|l| l.contains("alice") && l.contains("alice-login")),
        "{}",
        table.stdout
    );
    assert_eq!(
        env.count(
            "audit_log",
            "action = 'operator_add' AND outcome = 'ok' AND details LIKE '%alice-login%'"
        ),
        1
    );
    // From another login (the tests' own), alice cannot be acted as: exit 4,
    // a denied row naming the login that tried, nothing done.
    let run = env
        .cmd()
        .env("CUSTADM_OPERATOR", "alice")
        .args(&["toggle", &id.to_string(), "--deactivate"])
        .run();
    run.code(4).error_line("bound to another OS login");
    assert!(run.stdout.is_empty());
    assert_eq!(
        env.count(
            "audit_log",
            &format!(
                "operator = 'alice' AND outcome = 'denied' AND action = 'deactivate' AND os_user = {}",
                quote(&me)
            )
        ),
        1
    );
    assert_eq!(
        env.count(
            "customers",
            &format!("id = {id} AND is_active = {}", env.bool_sql(true))
        ),
        1
    );
    // Rebound to this login, alice works; unbound, too.
    env.admin_change(&["operator", "bind", "alice", &me], &[])
        .ok();
    assert_eq!(
        env.count(
            "audit_log",
            "action = 'operator_bind' AND outcome = 'ok' AND details LIKE '%alice-login%'"
        ),
        1
    );
    env.cmd()
        .env("CUSTADM_OPERATOR", "alice")
        .args(&["toggle", &id.to_string(), "--deactivate"])
        .run()
        .ok();
    // Binding again to the same login changes nothing and writes no row.
    let rows = env.count("audit_log", "action = 'operator_bind'");
    env.admin_change(&["operator", "bind", "alice", &me], &[])
        .ok();
    assert_eq!(env.count("audit_log", "action = 'operator_bind'"), rows);
    env.admin_change(&["operator", "unbind", "alice"], &[]).ok();
    assert_eq!(
        env.count("operators", "username = 'alice' AND os_user IS NULL"),
        1
    );
    env.admin_change(&["operator", "unbind", "alice"], &[]).ok();
    assert_eq!(env.count("audit_log", "action = 'operator_unbind'"), 1);
    // An admin bound elsewhere is refused everything, also the password-confirmed.
    env.admin_change(&["operator", "bind", "alice", "elsewhere"], &[])
        .ok();
    env.admin_change(&["operator", "set-role", "alice", "admin"], &[])
        .ok();
    let before = operators_snapshot(&env);
    change_as(
        &env,
        "alice",
        SUPPORT_PASSWORD,
        &["operator", "unbind", "alice"],
        &[],
    )
    .code(4)
    .error_line("bound to another OS login");
    assert_eq!(operators_snapshot(&env), before);
    // An admin cannot bind itself away from the login it runs as (exit 5).
    env.admin_change(&["operator", "bind", "admin", "not-me"], &[])
        .code(5)
        .error_line("lock you out");
    env.admin_change(&["operator", "bind", "admin", &me], &[])
        .ok();
    assert_eq!(
        env.count(
            "operators",
            &format!("username = 'admin' AND os_user = {}", quote(&me))
        ),
        1
    );
    // A login that is no login name: exit 2.
    for bad in ["-rf", "a b", "al\u{1b}ice", ""] {
        env.admin_change(&["operator", "bind", "alice", bad], &[])
            .code(2)
            .error_line("");
        env.admin_change(
            &[
                "operator",
                "add",
                "zed",
                "--role",
                "support",
                "--os-user",
                bad,
            ],
            &[SUPPORT_PASSWORD],
        )
        .code(2)
        .error_line("");
    }
    assert_eq!(env.count("operators", "username = 'zed'"), 0);
});

db_test!(init_binds_the_first_admin_named_after_the_login, |env| {
    let me = os_user();
    // Default name: the login that runs init, bound to it.
    let run = env
        .cmd()
        .env_remove("CUSTADM_OPERATOR")
        .args(&["init", "--password-stdin", "-o", "json"])
        .stdin(&format!("{ADMIN_PASSWORD}\n"))
        .run();
    run.ok();
    assert_eq!(run.json()["admin"], me.as_str());
    assert_eq!(run.json()["os_user"], me.as_str());
    assert_eq!(
        env.count(
            "operators",
            &format!(
                "username = {} AND os_user = {} AND role = 'admin'",
                quote(&me),
                quote(&me)
            )
        ),
        1
    );
    env.cmd()
        .env_remove("CUSTADM_OPERATOR")
        .args(&["operator", "list"])
        .run()
        .ok();
    // Another name stays unbound.
    let other = if env.backend == Backend::Sqlite {
        Env::sqlite()
    } else {
        Env::postgres().unwrap()
    };
    other
        .cmd()
        .args(&["init", "--admin", "ops", "--password-stdin"])
        .stdin(&format!("{ADMIN_PASSWORD}\n"))
        .run()
        .ok();
    assert_eq!(
        other.count("operators", "username = 'ops' AND os_user IS NULL"),
        1
    );
});

/// Runs custadm as the unprivileged user `nobody` (real and effective uid),
/// as the tests' own `env.cmd()` would, plus `envs`. The binary is copied
/// into the test's directory so that nobody can run it wherever the build
/// lives; the directory and the SQLite files are opened up to nobody.
/// `None` (with a visible message) when the tests do not run as root and so
/// cannot switch users; under CI that is a failure.
fn run_as_nobody(env: &Env, envs: &[(&str, &str)], args: &[&str]) -> Option<Run> {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    // SAFETY: geteuid cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "CI=true but the tests do not run as root: the SUDO_USER tests must not be skipped"
        );
        eprintln!("SKIPPED: running as nobody needs root");
        return None;
    }
    let dir = env.dir.path();
    let bin = dir.join("bin").join("custadm");
    if !bin.exists() {
        std::fs::create_dir_all(dir.join("bin")).expect("bin dir");
        if std::fs::hard_link(env!("CARGO_BIN_EXE_custadm"), &bin).is_err() {
            std::fs::copy(env!("CARGO_BIN_EXE_custadm"), &bin).expect("copy custadm");
        }
    }
    let open = |path: &std::path::Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
    };
    open(dir, 0o777);
    open(&dir.join("bin"), 0o755);
    for entry in std::fs::read_dir(dir).expect("read temp dir").flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("test.sqlite3") {
            open(&entry.path(), 0o666);
        }
    }
    let mut cmd = std::process::Command::new(&bin);
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("CUSTADM_DATABASE_URL", &env.url)
        .args(args)
        .stdin(std::process::Stdio::null())
        .uid(65534)
        .gid(65534);
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
    let out = cmd.output().expect("run custadm as nobody");
    Some(Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

/// A config file with profile `svc` whose `service_user` is `service_user`.
fn service_profile(env: &Env, service_user: &str) {
    let dir = env.dir.path().join("config").join("custadm");
    std::fs::create_dir_all(&dir).expect("config dir");
    std::fs::write(
        dir.join("config.toml"),
        format!("[profiles.svc]\nservice_user = \"{service_user}\"\n"),
    )
    .expect("write config");
}

db_test!(sudo_user_counts_only_for_root_or_the_service_user, |env| {
    env.init_db(0);
    let me = os_user();
    let id = env
        .insert_customer("Sudo Test", "sudo@example.com")
        .to_string();
    // alice is bound to the login alice; ops to the login nobody.
    for (name, login) in [("alice", "alice"), ("ops", "nobody")] {
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
    let denied = |operator: &str, os_user: &str| {
        env.count(
            "audit_log",
            &format!(
                "operator = {} AND os_user = {} AND outcome = 'denied'",
                quote(operator),
                quote(os_user)
            ),
        )
    };
    let toggled_by = |operator: &str, os_user: &str| {
        env.count(
            "audit_log",
            &format!(
                "action IN ('activate', 'deactivate') AND outcome = 'ok' AND operator = {} AND os_user = {}",
                quote(operator),
                quote(os_user)
            ),
        )
    };

    // Root without SUDO_USER is root: alice is refused.
    env.cmd()
        .env("CUSTADM_OPERATOR", "alice")
        .args(&["toggle", &id, "--deactivate"])
        .run()
        .code(4)
        .error_line("bound to another OS login");
    assert_eq!(denied("alice", &me), 1);
    if me == "root" {
        // Root under sudo (SUDO_USER set by sudo): the caller is who acts,
        // and the audit row names them.
        env.cmd()
            .env("CUSTADM_OPERATOR", "alice")
            .env("SUDO_USER", "alice")
            .args(&["toggle", &id, "--deactivate"])
            .run()
            .ok();
        assert_eq!(toggled_by("alice", "alice"), 1);
        // Without --operator, the sudo caller's name is the operator.
        env.cmd()
            .env_remove("CUSTADM_OPERATOR")
            .env("SUDO_USER", "alice")
            .args(&["toggle", &id, "--activate"])
            .run()
            .ok();
        assert_eq!(toggled_by("alice", "alice"), 2);
    }

    // nobody setting SUDO_USER by hand gains nothing: refused, and the
    // denied row names nobody.
    let Some(run) = run_as_nobody(
        &env,
        &[("CUSTADM_OPERATOR", "alice"), ("SUDO_USER", "alice")],
        &["toggle", &id, "--deactivate"],
    ) else {
        return;
    };
    run.code(4).error_line("bound to another OS login");
    assert_eq!(denied("alice", "nobody"), 1);
    // nobody is nobody: ops (bound to nobody) works, with or without SUDO_USER
    // (not honoured, so still nobody).
    run_as_nobody(
        &env,
        &[("CUSTADM_OPERATOR", "ops")],
        &["toggle", &id, "--deactivate"],
    )
    .unwrap()
    .ok();
    assert_eq!(toggled_by("ops", "nobody"), 1);
    // A profile naming another service account changes nothing.
    service_profile(&env, "custadm-svc");
    run_as_nobody(
        &env,
        &[("CUSTADM_OPERATOR", "alice"), ("SUDO_USER", "alice")],
        &["--profile", "svc", "toggle", &id, "--activate"],
    )
    .unwrap()
    .code(4);
    assert_eq!(denied("alice", "nobody"), 2);
    // nobody as the configured service_user: the sudo caller acts.
    service_profile(&env, "nobody");
    let shown = run_as_nobody(
        &env,
        &[("SUDO_USER", "alice")],
        &["--profile", "svc", "config", "show", "-o", "json"],
    )
    .unwrap();
    shown.ok();
    let shown = shown.json();
    assert_eq!(shown["service_user"]["value"], "nobody");
    assert_eq!(shown["service_user"]["source"], "profile svc");
    assert_eq!(shown["operator"]["value"], "alice");
    run_as_nobody(
        &env,
        &[("CUSTADM_OPERATOR", "alice"), ("SUDO_USER", "alice")],
        &["--profile", "svc", "toggle", &id, "--activate"],
    )
    .unwrap()
    .ok();
    assert_eq!(
        toggled_by("alice", "alice"),
        if me == "root" { 3 } else { 1 }
    );
    // … and then ops (bound to nobody) is not the sudo caller: refused.
    run_as_nobody(
        &env,
        &[("CUSTADM_OPERATOR", "ops"), ("SUDO_USER", "alice")],
        &["--profile", "svc", "toggle", &id, "--deactivate"],
    )
    .unwrap()
    .code(4)
    .error_line("bound to another OS login");
    assert_eq!(denied("ops", "alice"), 1);
    // A config that anyone but root may write proves nothing: the same file
    // owned by nobody (who would name itself the service account), or
    // root's but writable by others, is ignored with a note, and nobody's
    // SUDO_USER counts for nothing again.
    let config = env.dir.path().join("config/custadm/config.toml");
    for (owner, mode) in [(65534, 0o644), (0, 0o666)] {
        std::os::unix::fs::chown(&config, Some(owner), None).expect("chown config");
        std::fs::set_permissions(&config, std::os::unix::fs::PermissionsExt::from_mode(mode))
            .expect("chmod config");
        let r = run_as_nobody(
            &env,
            &[("CUSTADM_OPERATOR", "alice"), ("SUDO_USER", "alice")],
            &["--profile", "svc", "toggle", &id, "--deactivate"],
        )
        .unwrap();
        r.code(4);
        assert!(
            r.stderr.contains("service_user is ignored"),
            "owner {owner}, mode {mode:o}: {}",
            r.stderr
        );
    }
});

db_test!(
    a_sudo_user_that_is_no_login_name_counts_for_nothing,
    |env| {
        env.init_db(0);
        let id = env
            .insert_customer("Escape Test", "escape@example.com")
            .to_string();
        // Under root SUDO_USER is honoured, but only a login name: escapes or
        // blanks set by hand never become the audit row's os_user.
        for bogus in ["\u{1b}]2;pwn\u{7}", "   ", "alice bob", "../root"] {
            env.cmd()
                .env("SUDO_USER", bogus)
                .args(&["view", &id])
                .run()
                .ok();
        }
        let users = env.texts("SELECT os_user AS v FROM audit_log WHERE action = 'view'");
        assert_eq!(users.len(), 4);
        for u in users {
            assert_eq!(u.as_deref(), Some(os_user().as_str()));
        }
    }
);
