//! One module per subcommand, each with its options struct and one `run`.
//! This dispatcher resolves the database and operator once and hands the
//! context to the command.

pub mod audit;
pub mod completions;
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
    let actor = Actor {
        operator: context::resolve_operator_name(cli.global.operator.as_deref()),
        os_user: crate::terminal::os_login_name(),
        reason: cli.global.reason.clone().filter(|r| !r.trim().is_empty()),
    };
    match cli.command {
        Command::Completions(args) => return completions::run(args),
        Command::GenerateDocs(args) => return completions::generate_docs(args),
        _ => {}
    }
    let target = context::resolve_database(cli.global.database_url.as_deref())?;
    let action = audit_action(&cli.command);
    match cli.command {
        Command::Init(args) => return init::run(&target, &actor, args, &out),
        Command::Db(cmd) => return db::run(&target, cmd, &out),
        _ => {}
    }
    let mut conn = target.connect()?;
    migrations::require_current(&mut conn, &target.display())?;
    let operator = context::authenticate(&mut conn, &actor, action)?;
    let mut ctx = Ctx {
        conn,
        database: target.display(),
        actor,
        operator,
        out,
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
        Command::Init(_) | Command::Db(_) | Command::Completions(_) | Command::GenerateDocs(_) => {
            Err(Error::Internal("command dispatched twice".into()))
        }
    }
}
