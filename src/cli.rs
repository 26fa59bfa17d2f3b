//! The command-line definition (clap derive): global flags and the command
//! tree. Each subcommand's options live beside its `run` in `commands/`.

use clap::{Parser, Subcommand};

use crate::commands;
use crate::output::Format;

/// Administer customer accounts in the customer database.
#[derive(Debug, Parser)]
#[command(
    name = "custadm",
    version,
    about = "Administer customer accounts: view, edit, toggle, reset passwords, soft delete, restore, purge — with an audit trail",
    long_about = "custadm lets operations engineers administer customer accounts directly in the \
customer database (an embedded SQLite file by default, PostgreSQL in production), from a \
terminal, a shell script or cron. Every change is written together with its audit row.\n\n\
Exit codes: 0 done, 1 internal error, 2 usage or invalid input, 3 not found, 4 permission \
denied / wrong password / locked, 5 refused by a business rule, 6 database unreachable or \
schema mismatch, 7 some of several customers failed.",
    after_help = "Examples:\n  custadm init --sample-data\n  custadm list --status active\n  custadm view 42\n  custadm list --last-login-before 365d -o ids | custadm toggle --deactivate --ids-from - --yes"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command takes.
#[derive(Debug, clap::Args)]
pub struct GlobalArgs {
    /// Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path
    /// [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,

    /// Profile of the config file to use [default: $CUSTADM_PROFILE]
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,

    /// Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]
    #[arg(long, global = true, value_name = "NAME")]
    pub operator: Option<String>,

    /// Output format (jsonl, csv and ids are for `list`)
    #[arg(short = 'o', long, global = true, value_enum, default_value_t = Format::Table)]
    pub output: Format,

    /// Print only data and errors, no notes
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// Why (a ticket number or a sentence), stored on every audit row this command writes
    #[arg(long, global = true, value_name = "TEXT")]
    pub reason: Option<String>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the database and schema, register the first admin, optionally load sample data
    Init(commands::init::InitArgs),
    /// Schema migrations: apply pending ones, show their status
    #[command(subcommand)]
    Db(commands::db::DbCommand),
    /// List customers, filtered, ordered by id (streams)
    List(commands::list::ListArgs),
    /// Show one customer: details, latest KYC record, unpaid invoices
    View(commands::view::ViewArgs),
    /// Change a customer's name, email or phone
    Edit(commands::edit::EditArgs),
    /// Activate or deactivate customers
    Toggle(commands::toggle::ToggleArgs),
    /// Give customers a new random temporary password
    ResetPassword(commands::reset_password::ResetPasswordArgs),
    /// Soft-delete customers (refused while they have unpaid invoices)
    Delete(commands::delete::DeleteArgs),
    /// Undo a soft delete
    Restore(commands::restore::RestoreArgs),
    /// Erase a customer and everything they own, for good (admin, password-confirmed)
    Purge(commands::purge::PurgeArgs),
    /// Show the audit trail, newest first
    Audit(commands::audit::AuditArgs),
    /// Manage operators and their roles (admin; `passwd` for oneself)
    #[command(subcommand)]
    Operator(commands::operator::OperatorCommand),
    /// Show the effective settings and where each came from
    #[command(subcommand)]
    Config(commands::config::ConfigCommand),
    /// Print a shell completion script
    Completions(commands::completions::CompletionsArgs),
    /// Write man pages and completion scripts (for packaging: `custadm generate-docs .`)
    #[command(hide = true)]
    GenerateDocs(commands::completions::GenerateDocsArgs),
}

#[cfg(test)]
mod tests {
    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
