//! One module per subcommand, each with its options struct and one `run`.
//! This dispatcher resolves the database and operator once and hands the
//! context to the command.

pub mod audit;
pub mod completions;
pub mod config;
pub mod db;
pub mod delete;
pub mod edit;
pub mod init;
pub mod list;
pub mod operator;
pub mod purge;
pub mod reset_password;
pub mod restore;
pub mod toggle;
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
        Command::Purge(_) => "purge",
        Command::Audit(_) => "audit",
        Command::Operator(op) => op.action(),
        Command::Completions(_) | Command::GenerateDocs(_) => "completions",
        Command::Config(_) => "config",
    }
}

/// True for the commands that change customers or operators.
fn changes_data(command: &Command) -> bool {
    match command {
        Command::Edit(_)
        | Command::Toggle(_)
        | Command::ResetPassword(_)
        | Command::Delete(_)
        | Command::Restore(_)
        | Command::Purge(_) => true,
        Command::Operator(op) => op.action() != "operator_list",
        _ => false,
    }
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
        Command::GenerateDocs(args) => return completions::generate_docs(args),
        _ => {}
    }
    let settings = Settings::resolve(&Overrides {
        database_url: cli.global.database_url.clone(),
        // In `audit`, `--operator` filters the trail (the contract gives it
        // both meanings); who runs `audit` comes from CUSTADM_OPERATOR, the
        // profile or the login name.
        operator: if matches!(cli.command, Command::Audit(_)) {
            None
        } else {
            cli.global.operator.clone()
        },
        profile: cli.global.profile.clone(),
    })?;
    if let Command::Config(cmd) = cli.command {
        return config::run(&settings, cmd, &out);
    }
    let actor = Actor {
        operator: settings
            .operator
            .value
            .clone()
            .unwrap_or_else(crate::terminal::os_login_name),
        os_user: crate::terminal::os_login_name(),
        reason: cli.global.reason.clone().filter(|r| !r.trim().is_empty()),
    };
    let target = context::resolve_database(&settings)?;
    let action = audit_action(&cli.command);
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
    match cli.command {
        Command::Init(args) => return init::run(&target, &actor, args, &out),
        Command::Db(cmd) => return db::run(&target, cmd, &out),
        _ => {}
    }
    let mut conn = target.connect()?;
    migrations::require_current(&mut conn, &target.display())?;
    let operator = context::authenticate(&mut conn, &actor, action)?;
    let production = settings.production.then(|| context::Production {
        profile: settings
            .profile
            .as_ref()
            .map(|p| p.value.clone())
            .unwrap_or_default(),
        host: target.host(),
    });
    let mut ctx = Ctx {
        conn,
        database: target.display(),
        actor,
        operator,
        out,
        production,
        settings,
    };
    match cli.command {
        Command::List(args) => list::run(&mut ctx, args),
        Command::View(args) => view::run(&mut ctx, args),
        Command::Edit(args) => edit::run(&mut ctx, args),
        Command::Toggle(args) => toggle::run(&mut ctx, args),
        Command::ResetPassword(args) => reset_password::run(&mut ctx, args),
        Command::Delete(args) => delete::run(&mut ctx, args),
        Command::Restore(args) => restore::run(&mut ctx, args),
        Command::Purge(args) => purge::run(&mut ctx, args),
        Command::Audit(args) => audit::run(&mut ctx, args),
        Command::Operator(cmd) => operator::run(&mut ctx, cmd),
        Command::Init(_)
        | Command::Db(_)
        | Command::Completions(_)
        | Command::GenerateDocs(_)
        | Command::Config(_) => Err(Error::Internal("command dispatched twice".into())),
    }
}
