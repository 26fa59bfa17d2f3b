//! `custadm db migrate` and `custadm db status`: the only way, besides
//! `init` on an empty database, that the schema changes.

use crate::db::migrations::{self, SchemaState};
use crate::db::DatabaseTarget;
use crate::error::{Error, Result};
use crate::output::Output;

/// `custadm db …`
#[derive(Debug, clap::Subcommand)]
pub enum DbCommand {
    /// Apply the migrations this custadm has and the database lacks
    #[command(
        after_help = "Examples:\n  custadm db migrate --database-url postgres://db/custadm\n\nExit codes: 0 done (or nothing pending), 2 bad usage, 6 database problem or\nschema newer than this custadm, 9 output could not be written."
    )]
    Migrate,
    /// Show the applied and pending migrations
    #[command(
        after_help = "Examples:\n  custadm db status -o json\n\nExit codes: 0 schema current, 2 bad usage, 6 behind, ahead, not initialised or\nunreachable, 9 output could not be written."
    )]
    Status,
}

#[derive(serde::Serialize)]
struct StatusReport {
    database: String,
    state: &'static str,
    migrations: Vec<MigrationStatus>,
}

#[derive(serde::Serialize)]
struct MigrationStatus {
    version: String,
    applied: bool,
}

/// Runs `custadm db …`.
pub fn run(
    target: &DatabaseTarget,
    cmd: DbCommand,
    actor: &crate::db::audit::Actor,
    out: &Output,
) -> Result<()> {
    let database = target.display();
    let mut conn = target.connect()?;
    let state = migrations::schema_state(&mut conn)?;
    match cmd {
        DbCommand::Migrate => {
            if let SchemaState::Ahead(_) = state {
                return migrations::require_current(&mut conn, &database);
            }
            let applied = migrations::run_pending_noting(&mut conn, &mut |text| out.note(text))?;
            // A chain an older custadm started: its prehistory sealed on
            // the chain (contract "Audit"), now that the schema is current.
            let sealed = crate::db::audit::chain::seal_prehistory(&mut conn, actor)?;
            if out.is_json() {
                out.json(&serde_json::json!({"action": "migrate", "database": database, "applied": applied, "sealed_prehistory_rows": sealed}))?;
            } else {
                if applied.is_empty() {
                    out.line("No pending migrations; the schema is current.")?;
                } else {
                    out.line(&format!(
                        "Applied {} migration(s): {}",
                        applied.len(),
                        applied.join(", ")
                    ))?;
                }
                if let Some(rows) = sealed {
                    out.line(&format!(
                        "Sealed the {rows} audit row{} before the chain's start (a chain an older custadm started) with an audit_prehistory row on the chain: `audit verify` now checks {}",
                        if rows == 1 { "" } else { "s" },
                        if rows == 1 { "it" } else { "them" }
                    ))?;
                }
            }
            Ok(())
        }
        DbCommand::Status => {
            let embedded = migrations::embedded_versions(conn.backend());
            let (label, pending): (&'static str, Vec<String>) = match &state {
                SchemaState::Current => ("current", vec![]),
                SchemaState::Uninitialised => ("uninitialised", embedded.clone()),
                SchemaState::Behind(p) => ("behind", p.clone()),
                SchemaState::Ahead(_) => ("ahead", vec![]),
            };
            let mut rows: Vec<MigrationStatus> = embedded
                .iter()
                .map(|v| MigrationStatus {
                    version: v.clone(),
                    applied: !pending.contains(v),
                })
                .collect();
            if let SchemaState::Ahead(unknown) = &state {
                rows.extend(unknown.iter().map(|v| MigrationStatus {
                    version: format!("{v} (unknown to this custadm)"),
                    applied: true,
                }));
            }
            if out.is_json() {
                out.json(&StatusReport {
                    database: database.clone(),
                    state: label,
                    migrations: rows,
                })?;
            } else {
                out.line(&format!(
                    "database: {}\nschema: {label}",
                    crate::text::sanitize(&database)
                ))?;
                use crate::output::Column;
                out.fitted_table(
                    &[Column::keep("VERSION"), Column::keep("STATUS")],
                    rows.iter().map(|m| {
                        vec![
                            m.version.clone(),
                            if m.applied {
                                "applied".into()
                            } else {
                                "pending".into()
                            },
                        ]
                    }),
                    None,
                )?;
            }
            match state {
                SchemaState::Current => Ok(()),
                SchemaState::Uninitialised => Err(Error::Setup(format!(
                    "database {database} is not initialised: run `custadm init`"
                ))),
                _ => migrations::require_current(&mut conn, &database),
            }
        }
    }
}
