//! One module per subcommand, each with its options struct and one `run`.
//! This dispatcher resolves the database and operator once and hands the
//! context to the command.

pub mod audit;
pub mod completions;
pub mod config;
pub mod db;
pub mod delete;
pub mod edit;
mod edit_from;
pub mod export;
pub mod init;
pub mod list;
pub mod operator;
pub mod purge;
pub mod reset_password;
pub mod restore;
pub mod runs;
pub mod toggle;
pub mod undo;
pub mod version;
pub mod view;

use crate::cli::{Cli, Command};
use crate::config::{Overrides, Settings};
use crate::context::{self, Ctx};
use crate::db::audit::Actor;
use crate::db::migrations;
use crate::error::{Error, Result};
use crate::output::{Format, Output};

/// The name a command has in the audit trail.
fn audit_action(command: &Command) -> &'static str {
    match command {
        Command::Init(_) => "init",
        Command::Db(_) => "db",
        Command::List(_) => "list",
        Command::View(_) => "view",
        Command::Edit(_) => "edit",
        Command::Toggle(a) => a.action(),
        Command::ResetPassword(_) => "reset_password",
        Command::Delete(_) => "delete",
        Command::Restore(_) => "restore",
        Command::Undo(_) => "undo",
        Command::Purge(_) => "purge",
        Command::Audit(a) if a.is_archive() => "audit_archive",
        Command::Audit(_) => "audit",
        Command::Runs(_) => "runs",
        Command::Export(_) => "export",
        Command::Operator(op) => op.action(),
        Command::Completions(_) => "completions",
        Command::Version(_) => "version",
        Command::Config(_) => "config",
    }
}

/// True for the commands that only read the database (contract "Databases":
/// they work on a read-only file or directory, and on `?mode=ro`): `list`,
/// `audit` (with `verify` and `digest`), `db status`, `config show`, and
/// `operator list`. `view` and `export` write their audit rows.
fn only_reads(command: &Command) -> bool {
    match command {
        Command::List(_) | Command::Audit(_) | Command::Config(_) => true,
        Command::Db(cmd) => matches!(cmd, db::DbCommand::Status),
        Command::Operator(op) => op.action() == "operator_list",
        _ => false,
    }
}

/// True for the commands that write audit rows when they succeed (the
/// changing ones, `view`, `export`, `init`): they load the signing key
/// before they begin. The others write a row only for a refusal, and read
/// the key only then.
fn writes_audit_rows(command: &Command) -> bool {
    changes_data(command)
        || matches!(
            command,
            Command::View(_) | Command::Export(_) | Command::Init(_)
        )
}

/// True for the commands that change customers or operators.
fn changes_data(command: &Command) -> bool {
    match command {
        Command::Edit(_)
        | Command::Toggle(_)
        | Command::ResetPassword(_)
        | Command::Delete(_)
        | Command::Restore(_)
        | Command::Undo(_)
        | Command::Purge(_) => true,
        Command::Operator(op) => op.action() != "operator_list",
        Command::Audit(a) => a.is_archive(),
        _ => false,
    }
}

/// True for the commands that may commit a change: the changing ones,
/// `init` (the first admin, sample data) and `db migrate` (the schema). Of
/// the others a write error on stdout says only that the output could not
/// be written ([`crate::cli::Cli::may_change`]).
pub(crate) fn may_change(command: &Command) -> bool {
    changes_data(command)
        || matches!(
            command,
            Command::Init(_) | Command::Db(db::DbCommand::Migrate)
        )
}

/// True for the customer-changing commands that end with a run record
/// (`bulk::close_run`) and are not dry runs: their failures before the run
/// began are recorded in the metrics file too (`bulk::record_unstarted`).
fn records_a_run(command: &Command) -> bool {
    match command {
        Command::Edit(a) => !a.dry_run,
        Command::Toggle(a) => !a.targets.dry_run,
        Command::ResetPassword(a) => !a.targets.dry_run,
        Command::Delete(a) => !a.targets.dry_run,
        Command::Restore(a) => !a.targets.dry_run,
        Command::Undo(a) => !a.dry_run,
        Command::Purge(_) => true,
        _ => false,
    }
}

/// The two meanings of `--operator` around `audit`.
#[derive(Debug, Default, PartialEq, Eq)]
struct AuditOperators {
    /// Given before `audit`: who runs it.
    actor: Option<String>,
    /// Given after `audit`: whose rows to show.
    filter: Option<String>,
}

/// The contract gives `--operator` two meanings in `custadm [global flags]
/// audit [--operator NAME]`: before the subcommand it names the acting
/// operator (as for every command), after it the filter. clap merges the
/// two, so the arguments are read here once more, in order.
fn split_audit_operator(argv: &[std::ffi::OsString]) -> AuditOperators {
    const TAKES_VALUE: [&str; 6] = [
        "--database-url",
        "--profile",
        "--operator",
        "-o",
        "--output",
        "--reason",
    ];
    let mut found = AuditOperators::default();
    let mut after_audit = false;
    let mut args = argv
        .iter()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned());
    while let Some(arg) = args.next() {
        let value = if arg == "--operator" {
            args.next()
        } else if let Some(v) = arg.strip_prefix("--operator=") {
            Some(v.to_string())
        } else {
            if TAKES_VALUE.contains(&arg.as_str()) {
                args.next();
            } else if arg == "audit" && !after_audit {
                after_audit = true;
            } else if arg == "--" {
                break;
            }
            continue;
        };
        if after_audit {
            found.filter = value;
        } else {
            found.actor = value;
        }
    }
    found
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    let out = Output::new(cli.global.output, cli.global.quiet);
    if matches!(out.format, Format::Jsonl | Format::Csv | Format::Ids)
        && !matches!(cli.command, Command::List(_))
    {
        return Err(Error::Usage(
            "-o jsonl, csv and ids are for `list`; use -o table or -o json here".into(),
        ));
    }
    match cli.command {
        Command::Completions(args) => return completions::run(args),
        Command::Version(_) => return version::run(&out),
        // A key file, no database.
        Command::Audit(audit::AuditArgs {
            command: Some(audit::AuditCommand::Keygen { file }),
            ..
        }) => return audit::keygen(&file, &out),
        // Archive files alone, no database.
        Command::Audit(audit::AuditArgs {
            command:
                Some(audit::AuditCommand::Verify {
                    archive_only: true,
                    archive,
                    ..
                }),
            ..
        }) => return audit::verify_archives_only(&archive, &out),
        _ => {}
    }
    // clap merges the global `--operator` and audit's `--operator` filter.
    let audit_operators = split_audit_operator(&std::env::args_os().collect::<Vec<_>>());
    let settings = Settings::resolve(&Overrides {
        database_url: cli.global.database_url.clone(),
        operator: if matches!(cli.command, Command::Audit(_)) {
            audit_operators.actor.clone()
        } else {
            cli.global.operator.clone()
        },
        profile: cli.global.profile.clone(),
    })?;
    crate::db::set_lock_timeout(settings.lock_timeout.value);
    crate::db::watchdog::set_io_timeout(settings.io_timeout.value);
    if let Some(warning) = settings.exposed_secrets_warning() {
        out.warn(&warning);
    }
    if let Command::Config(cmd) = cli.command {
        return config::run(&settings, cmd, &out, cli.global.metrics_file.as_deref());
    }
    // Who runs this on the machine: the real user, or the sudo caller when
    // the real user is root or the configured service account.
    let service_user = match settings.trusted_service_user() {
        Ok(name) => name,
        Err(why) => {
            out.note(&format!("note: {why}"));
            None
        }
    };
    let os_user = crate::terminal::attributed_login(service_user);
    let actor = Actor {
        operator: settings
            .operator
            .value
            .clone()
            .unwrap_or_else(|| os_user.clone()),
        os_user,
        reason: match &cli.global.reason {
            Some(r) => crate::validate::reason(r).map_err(Error::Usage)?,
            None => None,
        },
        // The one place a run id is made (contract: every changing command
        // run has one, on every audit row it writes): a ULID — 26
        // characters, sortable by time, unique across machines.
        // `init` changes data too (the first admin, sample customers).
        run_id: (changes_data(&cli.command) || matches!(cli.command, Command::Init(_)))
            .then(|| ulid::Ulid::new().to_string()),
    };
    let action = audit_action(&cli.command);
    // A customer-changing run that fails before it begins (exit 4 or 6) is
    // still the night's run for monitoring: its metrics are written.
    let unstarted_metrics = records_a_run(&cli.command)
        .then(|| {
            cli.global
                .metrics_file
                .clone()
                .or_else(|| settings.metrics_file.clone())
        })
        .flatten();
    let unstarted =
        |e: Error| crate::bulk::record_unstarted(unstarted_metrics.as_deref(), action, e, &out);
    let target = context::resolve_database(&settings).map_err(unstarted)?;
    // A read-only database (`?mode=ro`, or a file this user cannot write)
    // serves the commands that only read; the others stop here, exit 6.
    let target = if only_reads(&cli.command) {
        target.read_only_if_unwritable()
    } else {
        target.for_writing(action).map_err(unstarted)?
    };
    if settings.require_reason && changes_data(&cli.command) && actor.reason.is_none() {
        return Err(Error::Usage(format!(
            "profile '{}' requires --reason TEXT (a ticket or why) for changing commands",
            settings
                .profile
                .as_ref()
                .map(|p| p.value.as_str())
                .unwrap_or("?")
        )));
    }
    // Checked before anything is done: a bad sink, or (for a command that
    // writes audit rows) an unusable signing key or one that is not
    // audit_public_key's, is refused before any change (exit 6). Commands
    // that write no audit row never read the key (a refusal's row is
    // signed when it is anchored).
    let load_key = writes_audit_rows(&cli.command);
    let mut anchoring = settings
        .anchoring(load_key)
        .map_err(unstarted)?
        .map(|anchoring| Anchors {
            anchoring,
            key_pending: !load_key,
        });
    let run_id = actor.run_id.clone();
    let after_the_fact = |result: Result<()>, anchoring: &mut Option<Anchors>| {
        if anchoring.is_none() || !crate::db::audit::anchor::wrote_rows() {
            return result;
        }
        let mut conn = match target.connect() {
            Ok(conn) => conn,
            Err(e) if result.is_ok() => {
                return Err(Error::Outside(format!(
                    "the change is committed, but the database could not be opened again to anchor the audit chain's head: {e}"
                )))
            }
            Err(_) => return result,
        };
        let done = anchored(
            result,
            anchoring.as_mut(),
            &settings,
            &mut conn,
            run_id.as_deref(),
        );
        // Closed while the anchor file syncs.
        drop(conn);
        done.finish()
    };
    match cli.command {
        Command::Init(args) => {
            let result = init::run(&target, &actor, args, &out);
            return after_the_fact(result, &mut anchoring);
        }
        // `db migrate` may seal the rows before an old chain's start (an
        // audit row): anchored like any other.
        Command::Db(cmd) => {
            let result = db::run(&target, cmd, &actor, &out);
            return after_the_fact(result, &mut anchoring);
        }
        _ => {}
    }
    let mut conn = target.connect().map_err(unstarted)?;
    crate::db::bounded(&mut conn, |c| {
        migrations::require_current(c, &target.display())
    })
    .map_err(unstarted)?;
    let operator = match context::authenticate(&mut conn, &actor, action) {
        Ok(op) => op,
        Err(e) => {
            let e = unstarted(e);
            let done = anchored(
                Err(e),
                anchoring.as_mut(),
                &settings,
                &mut conn,
                run_id.as_deref(),
            );
            drop(conn);
            return done.finish();
        }
    };
    let production = settings.production.then(|| context::Production {
        profile: settings
            .profile
            .as_ref()
            .map(|p| p.value.clone())
            .unwrap_or_default(),
        host: target.host(),
    });
    let metrics = cli.global.metrics_file.as_deref();
    let mut ctx = Ctx {
        conn,
        database: target.display(),
        actor,
        operator,
        out,
        production,
        settings,
        run: crate::bulk::RunRecord::default(),
    };
    let result = dispatch(
        &mut ctx,
        cli.command,
        audit_operators.filter,
        (action, metrics),
    );
    let done = anchored(
        result,
        anchoring.as_mut(),
        &ctx.settings,
        &mut ctx.conn,
        run_id.as_deref(),
    );
    // The connection closes (on SQLite: the WAL checkpoint) while the
    // anchor file syncs; then the sync is waited for.
    drop(ctx);
    done.finish()
}

/// The profile's anchoring set-up, and whether its signing key is still to
/// be loaded (a command that writes audit rows only on refusal).
struct Anchors {
    anchoring: crate::db::audit::anchor::Anchoring,
    key_pending: bool,
}

/// The command's result once its audit rows are anchored (contract: "Audit",
/// `audit_anchor`): when the process appended audit rows and sinks are
/// configured, the new head goes to every sink ([`Anchored::finish`] waits
/// for the files' sync, which runs while the caller closes its connection).
/// A sink that fails turns success into exit 9 ([`Error::Outside`]); a
/// command that failed anyway keeps its own exit code, and the sink's
/// failure is a `warning:` line.
fn anchored(
    result: Result<()>,
    anchors: Option<&mut Anchors>,
    settings: &Settings,
    conn: &mut crate::db::DbConn,
    run: Option<&str>,
) -> Anchored {
    let Some(anchors) = anchors else {
        return Anchored {
            result,
            anchor: None,
        };
    };
    if !crate::db::audit::anchor::wrote_rows() {
        return Anchored {
            result,
            anchor: None,
        };
    }
    // The key of a command that was not expected to write audit rows, read
    // now that there is a head to sign (an unsigned anchor would read as
    // forged: the sink fails instead).
    let key = if anchors.key_pending {
        anchors.key_pending = false;
        settings
            .signing_key_checked()
            .map(|key| anchors.anchoring.key = key)
    } else {
        Ok(())
    };
    let anchor = key
        .map_err(|e| {
            Error::Outside(format!(
                "the audit anchor could not be signed, so none was written: {e}"
            ))
        })
        .and_then(|()| anchors.anchoring.append(conn, run));
    Anchored {
        result,
        anchor: Some(anchor),
    }
}

/// A command's result and its anchor, whose files may still be syncing.
struct Anchored {
    result: Result<()>,
    anchor: Option<Result<crate::db::audit::anchor::Pending>>,
}

impl Anchored {
    /// Waits for the anchor's sync: the command's result, or exit 9 when
    /// a sink failed and the command succeeded (a `warning:` line when it
    /// failed anyway).
    fn finish(self) -> Result<()> {
        let Some(anchor) = self.anchor else {
            return self.result;
        };
        match (self.result, anchor.and_then(|pending| pending.wait())) {
            (result, Ok(())) => result,
            (Ok(()), Err(sink)) => Err(sink),
            (Err(e), Err(sink)) => {
                use std::io::Write;
                let line = format!("warning: {}", crate::text::sanitize(&sink.to_string()));
                let _ = writeln!(std::io::stderr(), "{}", crate::terminal::for_stderr(&line));
                Err(e)
            }
        }
    }
}

/// Runs a command that has its context.
///
/// `run`: the command's audit action and `--metrics-file`, for the end of a
/// customer-changing run (`bulk::close_run`).
fn dispatch(
    ctx: &mut Ctx,
    command: Command,
    audit_filter: Option<String>,
    run: (&str, Option<&std::path::Path>),
) -> Result<()> {
    let ctx = &mut *ctx;
    let (action, metrics) = run;
    match command {
        // Read-only commands (and view, whose audit row joins the block) run
        // with bounded lock waits throughout; changing commands bound theirs
        // in their own write transactions.
        Command::List(args) => ctx.bounded(|ctx| list::run(ctx, args)),
        Command::View(args) => ctx.bounded(|ctx| view::run(ctx, args)),
        Command::Runs(args) => runs::run(ctx, args),
        // Customer-changing runs end with their `run` audit row and the
        // metrics file (bulk::close_run).
        Command::Edit(args) => {
            let done = edit::run(ctx, args);
            crate::bulk::close_run(ctx, action, metrics, done)
        }
        Command::Toggle(args) => {
            let done = toggle::run(ctx, args);
            crate::bulk::close_run(ctx, action, metrics, done)
        }
        Command::ResetPassword(args) => {
            let done = reset_password::run(ctx, args);
            crate::bulk::close_run(ctx, action, metrics, done)
        }
        Command::Delete(args) => {
            let done = delete::run(ctx, args);
            crate::bulk::close_run(ctx, action, metrics, done)
        }
        Command::Restore(args) => {
            let done = restore::run(ctx, args);
            crate::bulk::close_run(ctx, action, metrics, done)
        }
        Command::Undo(args) => {
            let done = undo::run(ctx, args);
            crate::bulk::close_run(ctx, action, metrics, done)
        }
        Command::Purge(args) => {
            let done = purge::run(ctx, args);
            crate::bulk::close_run(ctx, action, metrics, done)
        }
        Command::Export(args) => export::run(ctx, args),
        Command::Audit(mut args) => {
            args.operator = audit_filter;
            audit::run(ctx, args)
        }
        Command::Operator(cmd) => operator::run(ctx, cmd),
        Command::Init(_)
        | Command::Db(_)
        | Command::Completions(_)
        | Command::Version(_)
        | Command::Config(_) => Err(Error::Internal("command dispatched twice".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(args: &[&str]) -> AuditOperators {
        split_audit_operator(
            &args
                .iter()
                .map(std::ffi::OsString::from)
                .collect::<Vec<_>>(),
        )
    }

    #[test]
    fn operator_before_audit_acts_after_audit_filters() {
        assert_eq!(
            split(&["custadm", "--operator", "ann", "audit"])
                .actor
                .as_deref(),
            Some("ann")
        );
        let both = split(&[
            "custadm",
            "--operator=ann",
            "-o",
            "json",
            "audit",
            "--operator",
            "bob",
        ]);
        assert_eq!(
            (both.actor.as_deref(), both.filter.as_deref()),
            (Some("ann"), Some("bob"))
        );
        let only_filter = split(&["custadm", "--reason", "audit", "audit", "--operator", "bob"]);
        assert_eq!(
            (only_filter.actor, only_filter.filter.as_deref()),
            (None, Some("bob"))
        );
    }
}
