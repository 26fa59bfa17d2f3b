//! `custadm config show`: every setting with its value and where it came from,
//! secrets masked.

use crate::support::*;

const SETTINGS: [&str; 19] = [
    "config_file",
    "profile",
    "database_url",
    "operator",
    "smtp_url",
    "mail_from",
    "smtp_password_file",
    "default_region",
    "production",
    "require_reason",
    "max_changes",
    "service_user",
    "lock_timeout",
    "io_timeout",
    "audit_anchor",
    "audit_signing_key",
    "audit_public_key",
    "smtp_allow_plaintext",
    "metrics_file",
];

/// Every key a profile may hold (`[profiles.NAME]`, contract "Databases",
/// "Commands", "Validation", "Output", "Audit") with a value for it.
const PROFILE_KEYS: [(&str, &str); 17] = [
    (
        "database_url",
        "\"sqlite:///tmp/custadm-config-test.sqlite3\"",
    ),
    ("operator", "\"admin\""),
    ("smtp_url", "\"smtp://mailer@mail.example.com:587\""),
    ("mail_from", "\"support@example.com\""),
    ("smtp_password_file", "\"/etc/custadm/smtp-password\""),
    ("default_region", "\"GB\""),
    ("production", "true"),
    ("require_reason", "true"),
    ("service_user", "\"custadm-svc\""),
    ("lock_timeout", "7"),
    ("io_timeout", "30"),
    ("smtp_allow_plaintext", "true"),
    ("max_changes", "\"2%\""),
    ("audit_anchor", "[\"syslog\"]"),
    ("audit_signing_key", "\"/etc/custadm/audit.key\""),
    (
        "audit_public_key",
        "\"ed25519:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"",
    ),
    (
        "metrics_file",
        "\"/var/lib/node_exporter/textfile/custadm.prom\"",
    ),
];

// Review of issue 26: `config show` left out `metrics_file` (and
// `smtp_allow_plaintext`): every key a profile holds is shown, from that
// profile; `--metrics-file` beats the profile's.
#[test]
fn config_show_lists_every_profile_key() {
    let env = Env::sqlite();
    let mut profile = String::from("[profiles.all]\n");
    for (key, value) in PROFILE_KEYS {
        profile.push_str(&format!("{key} = {value}\n"));
    }
    write_config(&env, &profile);
    let json = run_with(
        &env,
        &[],
        &["CUSTADM_OPERATOR", "CUSTADM_DATABASE_URL"],
        &["--profile", "all", "config", "show", "-o", "json"],
    );
    json.ok();
    for (key, _) in PROFILE_KEYS {
        let (value, source) = shown(&json, key);
        assert_eq!(source, "profile all", "{key}: {}", json.stdout);
        assert!(
            !value.is_null(),
            "{key} shown without its value: {}",
            json.stdout
        );
    }
    assert_eq!(
        shown(&json, "metrics_file"),
        (
            serde_json::json!("/var/lib/node_exporter/textfile/custadm.prom"),
            "profile all".to_string()
        )
    );
    assert_eq!(
        shown(&json, "smtp_allow_plaintext").0,
        serde_json::json!("true")
    );
    // The table too, and the flag over the profile.
    let run = run_with(
        &env,
        &[],
        &["CUSTADM_OPERATOR", "CUSTADM_DATABASE_URL"],
        &[
            "--profile",
            "all",
            "--metrics-file",
            "/srv/metrics/custadm.prom",
            "config",
            "show",
        ],
    );
    run.ok();
    for (key, _) in PROFILE_KEYS {
        table_row(&run.stdout, key);
    }
    assert_eq!(
        table_row(&run.stdout, "metrics_file"),
        (
            "/srv/metrics/custadm.prom".to_string(),
            "flag --metrics-file".to_string()
        ),
        "{}",
        run.stdout
    );
    // No profile: the default, no file.
    let run = run_with(
        &env,
        &[],
        &["CUSTADM_DATABASE_URL"],
        &["config", "show", "-o", "json"],
    );
    run.ok();
    assert_eq!(
        shown(&run, "metrics_file"),
        (serde_json::Value::Null, "default".to_string())
    );
}

/// The table row of `setting`: (value, source).
fn table_row(stdout: &str, setting: &str) -> (String, String) {
    let line = stdout
        .lines()
        .find(|l| l.split_whitespace().next() == Some(setting))
        .unwrap_or_else(|| panic!("config show has no {setting} row:\n{stdout}"));
    let rest: Vec<&str> = line.split_whitespace().skip(1).collect();
    assert!(rest.len() >= 2, "row without value and source: {line:?}");
    (rest[0].to_string(), rest[1..].join(" "))
}

#[test]
fn config_show_lists_every_setting_with_its_source() {
    let env = Env::sqlite();
    env.init_db(0);
    let path = write_config(
        &env,
        &format!(
            "[profiles.a]\ndatabase_url = {}\noperator = \"admin\"\nsmtp_url = \"smtp://mailer@mail.example.com:587\"\nmail_from = \"support@example.com\"\nsmtp_password_file = \"/etc/custadm/smtp-password\"\nproduction = true\nrequire_reason = true\nservice_user = \"custadm-svc\"\n",
            toml_str(&env.url)
        ),
    );
    let file = path.display().to_string();

    // Everything from profile a, named by --profile.
    let run = run_with(
        &env,
        &[],
        &["CUSTADM_OPERATOR"],
        &["--profile", "a", "config", "show"],
    );
    run.ok();
    let want = [
        ("config_file", file.as_str(), "default"),
        ("profile", "a", "flag --profile"),
        ("database_url", env.url.as_str(), "profile a"),
        ("operator", "admin", "profile a"),
        (
            "smtp_url",
            "smtp://mailer@mail.example.com:587",
            "profile a",
        ),
        ("mail_from", "support@example.com", "profile a"),
        (
            "smtp_password_file",
            "/etc/custadm/smtp-password",
            "profile a",
        ),
        ("production", "true", "profile a"),
        ("require_reason", "true", "profile a"),
        ("service_user", "custadm-svc", "profile a"),
    ];
    let mut wrong = Vec::new();
    for (setting, value, source) in want {
        let got = table_row(&run.stdout, setting);
        if got != (value.to_string(), source.to_string()) {
            wrong.push(format!(
                "{setting}: got {got:?}, want ({value:?}, {source:?})"
            ));
        }
    }
    // The same in JSON.
    let json = run_with(
        &env,
        &[],
        &["CUSTADM_OPERATOR"],
        &["--profile", "a", "config", "show", "-o", "json"],
    );
    json.ok();
    for (setting, value, source) in want {
        let got = shown(&json, setting);
        if got != (serde_json::json!(value), source.to_string()) {
            wrong.push(format!(
                "json {setting}: got {got:?}, want ({value:?}, {source:?})"
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "config show:\n{}\n{}",
        wrong.join("\n"),
        run.stdout
    );

    // The mail settings' own environment variables beat CUSTADM_PROFILE's
    // profile, and lose to --profile's.
    let mail_env = [
        ("CUSTADM_SMTP_URL", "smtp://other.example.com:25"),
        ("CUSTADM_MAIL_FROM", "ops@example.com"),
        ("CUSTADM_SMTP_PASSWORD_FILE", "/run/secrets/smtp"),
    ];
    let mut with_env_profile = mail_env.to_vec();
    with_env_profile.push(("CUSTADM_PROFILE", "a"));
    let run = run_with(&env, &with_env_profile, &[], &["config", "show"]);
    run.ok();
    assert_eq!(
        table_row(&run.stdout, "profile"),
        ("a".into(), "environment CUSTADM_PROFILE".into())
    );
    for (setting, var, value) in [
        (
            "smtp_url",
            "CUSTADM_SMTP_URL",
            "smtp://other.example.com:25",
        ),
        ("mail_from", "CUSTADM_MAIL_FROM", "ops@example.com"),
        (
            "smtp_password_file",
            "CUSTADM_SMTP_PASSWORD_FILE",
            "/run/secrets/smtp",
        ),
    ] {
        assert_eq!(
            table_row(&run.stdout, setting),
            (value.to_string(), format!("environment {var}")),
            "{}",
            run.stdout
        );
    }
    assert_eq!(
        table_row(&run.stdout, "operator").1,
        "environment CUSTADM_OPERATOR"
    );
    assert_eq!(
        table_row(&run.stdout, "database_url").1,
        "environment CUSTADM_DATABASE_URL"
    );

    let run = run_with(&env, &mail_env, &[], &["--profile", "a", "config", "show"]);
    run.ok();
    for setting in [
        "smtp_url",
        "mail_from",
        "smtp_password_file",
        "database_url",
        "operator",
    ] {
        assert_eq!(
            table_row(&run.stdout, setting).1,
            "profile a",
            "{setting}\n{}",
            run.stdout
        );
    }

    // No profile: defaults, every row present with its source.
    let run = run_with(&env, &[], &["CUSTADM_DATABASE_URL"], &["config", "show"]);
    run.ok();
    for setting in SETTINGS {
        table_row(&run.stdout, setting);
    }
    assert_eq!(table_row(&run.stdout, "profile").1, "default");
    assert_eq!(
        table_row(&run.stdout, "database_url"),
        (
            env.dir
                .path()
                .join("data/custadm/custadm.sqlite3")
                .display()
                .to_string(),
            "default".to_string()
        )
    );
    assert_eq!(
        table_row(&run.stdout, "production"),
        ("false".into(), "default".into())
    );
    assert_eq!(
        table_row(&run.stdout, "require_reason"),
        ("false".into(), "default".into())
    );
    assert_eq!(table_row(&run.stdout, "smtp_url").1, "default");
    let json = run_with(
        &env,
        &[],
        &["CUSTADM_DATABASE_URL"],
        &["config", "show", "-o", "json"],
    );
    json.ok();
    let doc = json.json();
    let mut keys: Vec<&String> = doc.as_object().expect("an object").keys().collect();
    keys.sort();
    let mut want_keys: Vec<&str> = SETTINGS.to_vec();
    want_keys.sort();
    assert_eq!(keys, want_keys);
}

#[test]
fn config_show_masks_the_smtp_password() {
    let env = Env::sqlite();
    env.init_db(0);
    for args in [
        &["config", "show"][..],
        &["config", "show", "-o", "json"][..],
    ] {
        let run = env
            .cmd()
            .args(args)
            .env(
                "CUSTADM_SMTP_URL",
                "smtps://mailer:Sh0wMeNot-77@mail.example.com:465",
            )
            .env("CUSTADM_MAIL_FROM", FROM)
            .run();
        run.ok();
        assert!(
            run.stdout.contains("mail.example.com"),
            "config show omits the SMTP server:\n{}",
            run.stdout
        );
        assert!(
            !run.stdout.contains("Sh0wMeNot-77") && !run.stderr.contains("Sh0wMeNot-77"),
            "config show prints the SMTP password:\n{}",
            run.stdout
        );
    }
}

// The lock timeout comes from the environment or the profile, and `config
// show` says which.
#[test]
fn lock_timeout_setting_and_its_source() {
    let env = Env::sqlite();
    let shown = |cmd: Cmd| {
        let doc = cmd.args(&["-o", "json", "config", "show"]).run();
        doc.ok();
        let v = doc.json();
        (
            v["lock_timeout"]["value"]
                .as_str()
                .unwrap_or("")
                .to_string(),
            v["lock_timeout"]["source"]
                .as_str()
                .unwrap_or("")
                .to_string(),
        )
    };
    assert_eq!(shown(env.cmd()), ("10 s".into(), "default".into()));
    assert_eq!(
        shown(env.cmd().env("CUSTADM_LOCK_TIMEOUT", "2.5")),
        ("2.5 s".into(), "environment CUSTADM_LOCK_TIMEOUT".into())
    );
    let config = env.dir.path().join("config/custadm/config.toml");
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    std::fs::write(&config, "[profiles.ops]\nlock_timeout = 3\n").unwrap();
    assert_eq!(
        shown(env.cmd().args(&["--profile", "ops"])),
        ("3 s".into(), "profile ops".into())
    );
    for bad in ["0", "soon", "-2"] {
        env.cmd()
            .env("CUSTADM_LOCK_TIMEOUT", bad)
            .args(&["config", "show"])
            .run()
            .code(2)
            .error_line("lock_timeout");
    }
}

// The io timeout comes from the environment or the profile, and `config
// show` says which.
#[test]
fn io_timeout_setting_and_its_source() {
    let env = Env::sqlite();
    let shown = |cmd: Cmd| {
        let doc = cmd.args(&["-o", "json", "config", "show"]).run();
        doc.ok();
        let v = doc.json();
        (
            v["io_timeout"]["value"].as_str().unwrap_or("").to_string(),
            v["io_timeout"]["source"].as_str().unwrap_or("").to_string(),
        )
    };
    assert_eq!(shown(env.cmd()), ("120 s".into(), "default".into()));
    assert_eq!(
        shown(env.cmd().env("CUSTADM_IO_TIMEOUT", "2.5")),
        ("2.5 s".into(), "environment CUSTADM_IO_TIMEOUT".into())
    );
    let config = env.dir.path().join("config/custadm/config.toml");
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    std::fs::write(&config, "[profiles.ops]\nio_timeout = 3\n").unwrap();
    assert_eq!(
        shown(env.cmd().args(&["--profile", "ops"])),
        ("3 s".into(), "profile ops".into())
    );
    for bad in ["0", "soon", "-2", "86401"] {
        env.cmd()
            .env("CUSTADM_IO_TIMEOUT", bad)
            .args(&["config", "show"])
            .run()
            .code(2)
            .error_line("io_timeout");
    }
}
