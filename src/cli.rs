//! The command-line definition (clap derive): global flags and the command
//! tree. Each subcommand's options live beside its `run` in `commands/`.

use clap::{Parser, Subcommand};

use crate::commands;
use crate::output::{Format, FormatParser};

/// The heading of the flags every command takes, printed after a command's
/// own options (contract, "Output": `--help`).
pub const GLOBAL: &str = "Global options";

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
schema mismatch, 7 some of several customers failed (or a run stopped half-way after \
committing), 8 the audit trail was altered (audit verify), 9 the work is done but a record \
outside the database (stdout, the metrics file, an audit anchor) could not be written.",
    after_help = "Examples:\n  custadm init --sample-data\n  custadm list --status active\n  custadm view 42\n  custadm view ann.lee@example.com\n  custadm toggle --deactivate --last-login-before 180d --max-changes 2% \\\n      --yes --reason nightly-dormancy -o json\n  custadm undo RUN --dry-run\n\nA customer is named by id or by email address (case-insensitive) wherever one\nis taken."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// True when the command may commit a change (a changing command,
    /// `init`, `db migrate`): its exit-9 message for a stdout that cannot
    /// be written says the change stays committed; a read-only command's
    /// says only that the output could not be written (finding of the
    /// issue-26 review: `version >/dev/full` spoke of a change).
    pub fn may_change(&self) -> bool {
        commands::may_change(&self.command)
    }
}

/// Flags every command takes.
#[derive(Debug, clap::Args)]
pub struct GlobalArgs {
    /// Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path
    /// [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]
    #[arg(long, global = true, value_name = "URL", help_heading = GLOBAL)]
    pub database_url: Option<String>,

    /// Profile of the config file to use [default: $CUSTADM_PROFILE]
    #[arg(long, global = true, value_name = "NAME", help_heading = GLOBAL)]
    pub profile: Option<String>,

    /// Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused
    #[arg(long, global = true, value_name = "NAME", help_heading = GLOBAL)]
    pub operator: Option<String>,

    /// Output format: table or json (`list` also takes jsonl, csv and ids)
    #[arg(short = 'o', long, global = true, value_name = "FORMAT", value_parser = FormatParser::common(), default_value = "table", help_heading = GLOBAL)]
    pub output: Format,

    /// Print only data and errors, no notes
    #[arg(short, long, global = true, help_heading = GLOBAL)]
    pub quiet: bool,

    /// Why (a ticket number or a sentence), stored on every audit row this command writes
    #[arg(long, global = true, value_name = "TEXT", help_heading = GLOBAL)]
    pub reason: Option<String>,

    /// After a changing run, rewrite PATH (Prometheus text format, for node_exporter's textfile
    /// collector) with the run's end, exit code and outcomes [default: the profile's metrics_file]
    #[arg(long, global = true, value_name = "PATH", help_heading = GLOBAL)]
    pub metrics_file: Option<std::path::PathBuf>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the database and schema, register the first admin, optionally load sample data
    ///
    /// Creates the SQLite file (and its directory) or the PostgreSQL database when missing,
    /// applies the schema, and registers the first admin with a password asked twice on the
    /// terminal (or one line of stdin with --password-stdin). An admin named after the OS
    /// login running init (the default) is bound to that login. On a database that is already
    /// initialised it changes nothing and says so; it never applies migrations to a database
    /// that has some already (that is `custadm db migrate`).
    Init(commands::init::InitArgs),
    /// Schema migrations: apply pending ones, show their status
    ///
    /// Other commands refuse a database whose schema is behind or ahead of this custadm;
    /// `db migrate` brings it to this version, `db status` shows where it stands.
    #[command(
        subcommand,
        after_help = "Examples:\n  custadm db status\n  custadm db migrate\n\nExit codes: 0 done, 2 bad usage, 6 database unreachable, schema mismatch or\nconfig file unusable, 9 output could not be written."
    )]
    Db(commands::db::DbCommand),
    /// List customers, filtered, ordered by id (streams)
    ///
    /// Rows stream from the database to stdout, so a million customers need no more memory
    /// than ten. Soft-deleted customers are hidden unless --status deleted or all. Dates are
    /// UTC; WHEN is a date (2026-01-31) or an age (90d, 12h, 2w). A bad filter is exit 2.
    List(commands::list::ListArgs),
    /// Show one customer: details, latest KYC record, unpaid invoices
    ///
    /// Shows soft-deleted customers too (status deleted). Because it reveals personal and
    /// KYC data, every view writes an audit row.
    View(commands::view::ViewArgs),
    /// Change a customer's name, email or phone
    ///
    /// Validates and normalises every value (name NFC and trimmed, email lower-case, phone
    /// E.164) and shows old → new; the audit row keeps both. Refuses invalid values (exit 2,
    /// nothing written), an email another customer has (exit 5) and soft-deleted customers
    /// (exit 5: restore them first). An edit that changes nothing is `unchanged`.
    ///
    /// With --from FILE, the same changes for many customers from a CSV or JSON-lines file
    /// (`-`: standard input), checked whole first (a malformed file is exit 2 naming the line),
    /// then applied row by row in batches of one transaction each: one result per row, a run id
    /// (`custadm undo RUN` reverses it), --dry-run, --max-changes, confirmation or --yes.
    Edit(commands::edit::EditArgs),
    /// Activate or deactivate customers
    ///
    /// Sets the active flag of one or many customers, in batches of one transaction each
    /// (changes and audit rows together). A customer already in that state is `unchanged`;
    /// a soft-deleted customer cannot be activated (restore it). Customers are named by id or
    /// email, read with --ids-from, or selected by list's filters (checked again under each
    /// batch's lock). More than one customer needs a confirmation on a terminal or --yes;
    /// --max-changes caps a run. Every run has a run id (`custadm undo RUN` reverses it).
    Toggle(commands::toggle::ToggleArgs),
    /// Give customers a new random temporary password
    ///
    /// Generates a 24-character password from the OS random generator (no look-alike
    /// characters), stores its Argon2id hash and makes the customer change it at the next
    /// login. It is shown once, or mailed with --send-email (required for several ids).
    /// Refuses soft-deleted customers. The audit trail never holds the password.
    ResetPassword(commands::reset_password::ResetPasswordArgs),
    /// Soft-delete customers (refused while they have unpaid invoices)
    ///
    /// Marks customers deleted and inactive, keeping their data (undo with `restore`). A
    /// customer with unpaid invoices is refused (exit 5); the check and the change are one
    /// atomic step, so an invoice written at the same moment cannot slip between them.
    /// Always asks for confirmation on a terminal; without one it needs --yes.
    Delete(commands::delete::DeleteArgs),
    /// Undo a soft delete
    ///
    /// Brings customers back as they were before the delete: active or inactive. A customer
    /// that is not deleted is `unchanged`.
    Restore(commands::restore::RestoreArgs),
    /// Reverse an earlier toggle, delete, restore or edit run
    ///
    /// Changes back, customer by customer, what the run RUN changed, only where the customer
    /// still holds what that run wrote (otherwise `refused`, "changed since"). Each reversal is
    /// audited as `undo` with {"undoes": RUN}. Runs of reset-password, purge and undo cannot be
    /// undone (exit 5). More than one customer needs a confirmation on a terminal or --yes.
    Undo(commands::undo::UndoArgs),
    /// Erase a customer and everything they own, for good (admin, password-confirmed)
    ///
    /// Shows what will be erased, then asks for your own password once (or reads it with
    /// --password-stdin): that is the confirmation. Deletes each customer, their KYC
    /// records, billing account and entries in one transaction per customer; earlier audit
    /// rows keep action, operator, time and their place in the hash chain but lose every
    /// personal detail. --deleted-before WHEN purges the customers soft-deleted before WHEN
    /// (retention). On SQLite the erased bytes are overwritten in the file and its WAL.
    /// Support operators are refused; five wrong passwords in a row lock you out for 15
    /// minutes.
    Purge(commands::purge::PurgeArgs),
    /// Everything stored about one customer, as one JSON document (subject access)
    ///
    /// The customer (without the password hash), every KYC record, the billing account
    /// with every entry, and every audit row about them (redacted ones as they are), for
    /// GDPR access and portability requests. Streams, so a million entries need no more
    /// memory than ten. Writes an `export` audit row first.
    Export(commands::export::ExportArgs),
    /// Show the audit trail, newest first; `audit verify` checks it, `audit digest` prints its head
    ///
    /// Every change, every view and every refusal for permission or password is recorded
    /// with the operator, the OS user and the --reason text. Every row is a link of a hash
    /// chain: `audit verify` checks it (exit 8 naming the first altered, removed, inserted
    /// or reordered row), `audit digest` prints its head to keep outside the database.
    /// With the profile key `audit_anchor`, every command that writes audit rows appends
    /// the new head to a file or syslog (an anchor), signed with `audit_signing_key` (made
    /// by `audit keygen`); `audit verify --anchors` checks the chain against them.
    /// `audit archive` moves old rows to a file; `audit verify --archive FILE` checks it
    /// and the table's rows after it.
    Audit(commands::audit::AuditArgs),
    /// The last runs of changing commands, newest first (cron's last night)
    ///
    /// One line per run: its run id, command, operator, OS user, start, end, outcome counts and
    /// exit code — also runs that changed nothing, runs refused before any change, and runs that
    /// wrote changes but never finished (killed, or stopped with the connection lost) as
    /// `unfinished`.
    Runs(commands::runs::RunsArgs),
    /// Manage operators and their roles (admin; `passwd` for oneself)
    ///
    /// Operators are the people who may run custadm: `admin` (everything) or `support`
    /// (everything but purge and operator management). Every change here but your own
    /// `passwd` asks your own password first. An operator bound to an OS login (`bind`,
    /// `add --os-user`) can be acted as only from that login, or under sudo from it when
    /// custadm runs as root or the profile's service_user. Passwords are asked on the
    /// terminal or read with --password-stdin (one a line, yours first), never taken from
    /// arguments or the environment.
    #[command(
        subcommand,
        after_help = "Examples:\n  custadm operator list\n  custadm operator add alice --role support --os-user alice\n  custadm operator passwd\n\nExit codes: 0 done, 2 bad input, 3 no such operator, 4 unknown operator, not\nan admin, wrong password or locked, 5 refused (name taken, last active admin),\n6 database unreachable or schema mismatch, 9 done, but stdout or an audit\nanchor could not be written."
    )]
    Operator(commands::operator::OperatorCommand),
    /// Show the effective settings and where each came from
    ///
    /// Reads the config file's profiles and the environment and prints every setting with
    /// its source; passwords are masked.
    #[command(
        subcommand,
        after_help = "Examples:\n  custadm config show\n  custadm --profile production config show -o json\n\nExit codes: 0 shown, 2 bad usage, 6 config file malformed or unreadable, 9\noutput could not be written."
    )]
    Config(commands::config::ConfigCommand),
    /// Print a shell completion script
    ///
    /// The same scripts are committed under completions/; `--profile` completes the profile
    /// names of your config file in bash, zsh and fish.
    Completions(commands::completions::CompletionsArgs),
    /// Show the version and what this binary was built from
    ///
    /// `custadm X.Y.Z`, then the git commit, the build time, the target, and the versions of
    /// SQLite, libpq and OpenSSL linked into this binary (asked of the libraries at run time),
    /// so you know which security fixes it carries. No database is opened.
    Version(commands::version::VersionArgs),
}

/// Widest help for a terminal: wider lines read badly.
const MAX_HELP_WIDTH: usize = 100;

/// The width help is laid out for: the terminal on stdout (its size, else
/// `COLUMNS`, else 80: [`crate::terminal::width`]), at most
/// [`MAX_HELP_WIDTH`]. Help piped to a file or a pager is 80 wide (clap's
/// own default was 100; finding of the issue-26 review).
pub fn help_width() -> usize {
    usize::from(crate::terminal::width()).min(MAX_HELP_WIDTH)
}

/// The command line users type, as parsed: [`Cli`]'s clap command laid out
/// for `width` columns, with every page's after-help text (examples, notes,
/// exit codes) printed by its help template instead of clap's after-help
/// section. clap wraps after-help to the terminal, which broke examples in
/// the middle of a command below 80 columns (`--max-changes 2% \` on a line
/// of its own); the contract ("Output", `--help`) says examples are printed
/// as written, never re-wrapped ([`after_help_for`]). The options are still
/// wrapped by clap to `width`. Man pages and completions are made from
/// [`Cli`]'s own command, untouched.
pub fn parser(width: usize) -> clap::Command {
    use clap::CommandFactory;
    verbatim_after_help(Cli::command().term_width(width), width)
}

/// `cmd` and its subcommands with their after-help text moved into their
/// help templates, laid out for `width` columns ([`after_help_for`]).
fn verbatim_after_help(cmd: clap::Command, width: usize) -> clap::Command {
    let cmd = cmd.mut_subcommands(|sub| verbatim_after_help(sub, width));
    let after = cmd
        .get_after_long_help()
        .or_else(|| cmd.get_after_help())
        .map(|t| t.to_string());
    match after {
        // A template's literal text has no escape for `{`: such a text (none
        // today) is left to clap.
        Some(text) if !text.contains('{') => {
            let template = format!(
                "{{before-help}}{{about-with-newline}}\n{{usage-heading}} {{usage}}\n\n{{all-args}}\n\n{}",
                after_help_for(&text, width)
            );
            cmd.after_help(None::<&str>)
                .after_long_help(None::<&str>)
                .help_template(template)
        }
        _ => cmd,
    }
}

/// A page's after-help text for a terminal `width` columns wide: as
/// written when every line fits. Otherwise example lines (indented) stay as
/// written — a terminal narrower than one shows it folded, but a copy of it
/// is the command — and the prose between them is joined and wrapped to
/// `width` between words; a paragraph ends at a blank line, before an
/// indented line, or where a line ending in `.` or `:` is followed by one
/// starting with a capital (`Exit codes: …`).
pub fn after_help_for(text: &str, width: usize) -> String {
    let fits = text
        .lines()
        .all(|l| unicode_width::UnicodeWidthStr::width(l) <= width);
    if fits {
        return text.to_string();
    }
    let mut out: Vec<String> = Vec::new();
    let mut paragraph: Vec<&str> = Vec::new();
    let flush = |paragraph: &mut Vec<&str>, out: &mut Vec<String>| {
        if !paragraph.is_empty() {
            out.extend(wrap_words(&paragraph.join(" "), width));
            paragraph.clear();
        }
    };
    for line in text.lines() {
        if line.trim().is_empty() || line.starts_with(' ') {
            flush(&mut paragraph, &mut out);
            out.push(line.to_string());
            continue;
        }
        let new_sentence_line = paragraph.last().is_some_and(|prev| {
            prev.ends_with(['.', ':']) && line.starts_with(|c: char| c.is_uppercase())
        });
        if new_sentence_line {
            flush(&mut paragraph, &mut out);
        }
        paragraph.push(line.trim());
    }
    flush(&mut paragraph, &mut out);
    out.join("\n")
}

/// `text` broken between words into lines of at most `width` columns (a
/// word wider than that on a line of its own); a `quoted command` is one
/// word.
fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    let mut open = false;
    for word in text.split_whitespace() {
        match words.last_mut() {
            Some(last) if open => {
                last.push(' ');
                last.push_str(word);
            }
            _ => words.push(word.to_string()),
        }
        if word.matches('`').count() % 2 == 1 {
            open = !open;
        }
    }
    let mut lines = vec![String::new()];
    for word in &words {
        let Some(line) = lines.last_mut() else {
            break;
        };
        let w = unicode_width::UnicodeWidthStr::width;
        if !line.is_empty() && w(line.as_str()) + 1 + w(word) > width {
            lines.push(word.to_string());
        } else {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
        super::parser(60).debug_assert();
    }

    #[test]
    fn after_help_keeps_examples_and_rewraps_prose_when_narrow() {
        let text = "Examples:\n  custadm toggle --deactivate --last-login-before 180d --max-changes 2% \\\n      --yes -o json\n\nCustomers are named by id or email, listed with --ids-from, or selected.\nExit codes: 0 all done, 2 bad input. Undo it with `custadm undo RUN`.";
        assert_eq!(super::after_help_for(text, 80), text);
        let narrow = super::after_help_for(text, 40);
        let lines: Vec<&str> = narrow.lines().collect();
        assert_eq!(
            lines[..4],
            [
                "Examples:",
                "  custadm toggle --deactivate --last-login-before 180d --max-changes 2% \\",
                "      --yes -o json",
                ""
            ]
        );
        assert_eq!(
            lines[4..],
            [
                "Customers are named by id or email,",
                "listed with --ids-from, or selected.",
                "Exit codes: 0 all done, 2 bad input.",
                "Undo it with `custadm undo RUN`."
            ]
        );
    }
}
