//! `custadm config show`: the effective settings and where each came from,
//! secrets masked.

use crate::config::{Setting, Settings, Source};
use crate::db::redact_url_password;
use crate::error::Result;
use crate::output::Output;

/// `custadm config …`
#[derive(Debug, clap::Subcommand)]
pub enum ConfigCommand {
    /// Print the effective settings and their sources (passwords masked)
    #[command(
        after_help = "Examples:\n  custadm config show\n  custadm --profile production config show -o json\n\nConfig file: $CUSTADM_CONFIG, else $XDG_CONFIG_HOME/custadm/config.toml\n(~/.config/custadm/config.toml). Order: flag > --profile > environment\nvariable > $CUSTADM_PROFILE > DATABASE_URL > default.\nExit codes: 0 shown, 2 bad usage, 6 config file malformed, unreadable, or\nholding a password while readable by others, 9 output could not be written."
    )]
    Show,
    /// Print the profile names of the config file, one a line (for completion)
    #[command(hide = true)]
    Profiles,
}

#[derive(serde::Serialize)]
struct Row {
    setting: &'static str,
    value: Option<String>,
    source: String,
}

fn row(setting: &'static str, s: &Setting<Option<String>>, mask: bool) -> Row {
    Row {
        setting,
        value: s.value.as_ref().map(|v| {
            if mask {
                redact_url_password(v)
            } else {
                v.clone()
            }
        }),
        source: s.source.to_string(),
    }
}

/// Runs `custadm config show`; `metrics_flag` is `--metrics-file`, which
/// beats the profile's `metrics_file`.
pub fn run(
    settings: &Settings,
    cmd: ConfigCommand,
    out: &Output,
    metrics_flag: Option<&std::path::Path>,
) -> Result<()> {
    if let ConfigCommand::Profiles = cmd {
        let Some(path) = &settings.config_path else {
            return Ok(());
        };
        for name in crate::config::profile_names(path) {
            out.line(&name)?;
        }
        return Ok(());
    }
    let default_db = crate::context::default_database_path()
        .ok()
        .map(|p| p.display().to_string());
    let mut database = row("database_url", &settings.database_url, true);
    if database.value.is_none() {
        database.value = default_db;
    }
    let operator = match &settings.operator.value {
        Some(_) => row("operator", &settings.operator, false),
        None => Row {
            setting: "operator",
            value: Some(crate::terminal::attributed_login(
                settings.trusted_service_user().ok().flatten(),
            )),
            source: "OS login name".into(),
        },
    };
    // production and require_reason come from the selected profile itself.
    let profile_source = settings
        .profile
        .as_ref()
        .map(|p| p.source.to_string())
        .unwrap_or_else(|| Source::Default.to_string());
    let from_profile = settings
        .profile
        .as_ref()
        .map(|p| Source::Profile(p.value.clone()).to_string())
        .unwrap_or_else(|| Source::Default.to_string());
    let rows = vec![
        Row {
            setting: "config_file",
            value: settings
                .config_path
                .as_ref()
                .map(|p| p.display().to_string()),
            source: if std::env::var_os("CUSTADM_CONFIG").is_some() {
                "environment CUSTADM_CONFIG".into()
            } else {
                "default".into()
            },
        },
        Row {
            setting: "profile",
            value: settings.profile.as_ref().map(|p| p.value.clone()),
            source: profile_source.clone(),
        },
        database,
        operator,
        row("smtp_url", &settings.smtp_url, true),
        row("mail_from", &settings.mail_from, false),
        row("default_region", &settings.default_region, false),
        Row {
            setting: "smtp_password_file",
            value: settings
                .smtp_password_file
                .value
                .as_ref()
                .map(|p| p.display().to_string()),
            source: settings.smtp_password_file.source.to_string(),
        },
        Row {
            setting: "production",
            value: Some(settings.production.to_string()),
            source: from_profile.clone(),
        },
        Row {
            setting: "require_reason",
            value: Some(settings.require_reason.to_string()),
            source: from_profile.clone(),
        },
        Row {
            setting: "smtp_allow_plaintext",
            value: Some(settings.smtp_allow_plaintext.to_string()),
            source: from_profile.clone(),
        },
        Row {
            setting: "max_changes",
            value: settings.max_changes.map(|m| m.to_string()),
            source: if settings.max_changes.is_some() {
                from_profile.clone()
            } else {
                Source::Default.to_string()
            },
        },
        row("service_user", &settings.service_user, false),
        Row {
            setting: "lock_timeout",
            value: Some(format!("{} s", settings.lock_timeout.value.as_secs_f64())),
            source: settings.lock_timeout.source.to_string(),
        },
        Row {
            setting: "io_timeout",
            value: Some(format!("{} s", settings.io_timeout.value.as_secs_f64())),
            source: settings.io_timeout.source.to_string(),
        },
        // Profile only (contract: "Audit"); the key file's path, never its content.
        Row {
            setting: "audit_anchor",
            value: (!settings.audit_anchor.is_empty()).then(|| settings.audit_anchor.join(", ")),
            source: if settings.audit_anchor.is_empty() {
                Source::Default.to_string()
            } else {
                from_profile.clone()
            },
        },
        Row {
            setting: "audit_signing_key",
            value: settings
                .audit_signing_key
                .as_ref()
                .map(|p| p.display().to_string()),
            source: if settings.audit_signing_key.is_some() {
                from_profile.clone()
            } else {
                Source::Default.to_string()
            },
        },
        Row {
            setting: "audit_public_key",
            value: settings.audit_public_key.clone(),
            source: if settings.audit_public_key.is_some() {
                from_profile.clone()
            } else {
                Source::Default.to_string()
            },
        },
        // Where `--metrics-file` or the profile sends the metrics of every
        // changing run (contract: "Output", `metrics_file`).
        match (metrics_flag, &settings.metrics_file) {
            (Some(path), _) => Row {
                setting: "metrics_file",
                value: Some(path.display().to_string()),
                source: Source::Flag("--metrics-file").to_string(),
            },
            (None, Some(path)) => Row {
                setting: "metrics_file",
                value: Some(path.display().to_string()),
                source: from_profile,
            },
            (None, None) => Row {
                setting: "metrics_file",
                value: None,
                source: Source::Default.to_string(),
            },
        },
    ];
    if out.is_json() {
        let map: serde_json::Map<String, serde_json::Value> = rows
            .into_iter()
            .map(|r| {
                (
                    r.setting.to_string(),
                    serde_json::json!({"value": r.value, "source": r.source}),
                )
            })
            .collect();
        return out.json(&map);
    }
    use crate::output::Column;
    out.fitted_table(
        &[
            Column::keep("SETTING"),
            // Paths and URLs whole, wrapped within the column on a narrow
            // terminal. The source ("environment CUSTADM_DATABASE_URL") is
            // cut, then left out (with a note) below about 70 columns.
            Column::wrap("VALUE", 16),
            Column::cut("SOURCE", 32).dropped(1),
        ],
        rows.into_iter().map(|r| {
            vec![
                r.setting.to_string(),
                r.value.unwrap_or_else(|| "-".into()),
                r.source,
            ]
        }),
        None,
    )
}
