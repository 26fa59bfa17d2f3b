//! The custadm binary: parse, run, and map the outcome to an exit code in
//! one place. A closed pipe (`custadm list | head`) is not an error.

use std::io::Write;
use std::process::ExitCode;

/// clap quotes the rejected value, maybe twice; a 100 KB argument must not
/// become 200 KB of stderr.
fn shorten_lines(text: &str) -> String {
    const MAX: usize = 300;
    text.split_inclusive('\n')
        .map(|line| {
            if line.chars().count() <= MAX {
                line.to_string()
            } else {
                let cut: String = line.chars().take(MAX).collect();
                format!("{cut}… (cut)\n")
            }
        })
        .collect()
}

fn main() -> ExitCode {
    // Before anything reads a password: no core dump of this process, and
    // not dumpable (no ptrace by other users of the same uid, /proc/PID/mem
    // closed), so a crash or SIGABRT while a password is held leaves no copy.
    custadm::terminal::forbid_core_dumps();
    // `custadm generate-docs DIR` (packaging) is not part of the command
    // line users see: no help page, no completion offers it.
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if argv.get(1).is_some_and(|a| a == "generate-docs") {
        return match argv.get(2..) {
            // A DIR that looks like an option (`--help`) is a usage error,
            // not a folder to create.
            Some([dir]) if !dir.to_string_lossy().starts_with('-') => {
                match custadm::generate_docs(std::path::Path::new(dir)) {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(e) => report(&anyhow::Error::new(e), false),
                }
            }
            _ => {
                let _ = writeln!(
                    std::io::stderr(),
                    "error: usage: custadm generate-docs DIR (writes DIR/completions and DIR/man; packaging only)"
                );
                ExitCode::from(2)
            }
        };
    }
    let parsed = custadm::cli::parser(custadm::cli::help_width())
        .try_get_matches_from(&argv)
        .and_then(|matches| {
            use clap::FromArgMatches;
            custadm::cli::Cli::from_arg_matches(&matches)
        });
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help, --version: not errors, but their text must arrive: a
            // full disk is exit 9 like any command's output (a closed pipe,
            // `custadm --help | head`, is not an error).
            let mut out = custadm::stdout::stdout();
            let written = write!(out, "{}", e.render()).and_then(|()| out.flush());
            return match written {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => report(&anyhow::Error::new(custadm::error::Error::from(e)), false),
            };
        }
        Err(e) => {
            // clap repeats the rejected value; it is untrusted, so the whole
            // message is made terminal-safe (and left unstyled), and broken
            // between words on a terminal like every stderr line.
            let text = custadm::text::sanitize_multiline(&shorten_lines(&e.render().to_string()));
            let _ = write!(
                std::io::stderr(),
                "{}",
                custadm::terminal::for_stderr(&text)
            );
            return ExitCode::from(2);
        }
    };
    let may_change = cli.may_change();
    // What is still buffered is written before the exit code is decided: a
    // failure there is exit 9 too, never a silent success.
    let result = try_main(cli).and_then(|()| {
        use std::io::Write as _;
        custadm::stdout::stdout()
            .flush()
            .map_err(|e| anyhow::Error::new(custadm::error::Error::from(e)))
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => report(&e, may_change),
    }
}

/// The command, with what a bug report needs added on the way up: which
/// custadm and which command.
fn try_main(cli: custadm::cli::Cli) -> anyhow::Result<()> {
    use anyhow::Context;
    custadm::run(cli).with_context(|| {
        format!(
            "custadm {}, command `{}`",
            env!("CARGO_PKG_VERSION"),
            command_name()
        )
    })
}

/// The subcommand's name as given (never its arguments: they may hold
/// personal data).
fn command_name() -> String {
    use clap::CommandFactory;
    let cli = custadm::cli::Cli::command();
    // args_os: an argument that is not UTF-8 must not panic here.
    std::env::args_os()
        .skip(1)
        .filter_map(|arg| arg.into_string().ok())
        .find(|arg| cli.get_subcommands().any(|c| c.get_name() == arg))
        .unwrap_or_else(|| "?".into())
}

/// Prints the one `error:` line and maps the failure to its exit code: the
/// custadm [`Error`](custadm::error::Error) found in the chain decides
/// (`Error::exit_code`, the one place); anything else is a bug (exit 1).
/// A bug's line also carries the context (which custadm, which command),
/// for its report; every other line is the error's own text — for a
/// command that changes nothing (`may_change` false) without a word about
/// changes ([`Error::read_only_line`](custadm::error::Error::read_only_line)).
fn report(e: &anyhow::Error, may_change: bool) -> ExitCode {
    use custadm::error::Error;
    let untyped;
    let failure = match e.chain().find_map(|c| c.downcast_ref::<Error>()) {
        Some(failure) => failure,
        None => {
            untyped = Error::Internal(e.root_cause().to_string());
            &untyped
        }
    };
    if failure.is_broken_pipe() {
        return ExitCode::SUCCESS;
    }
    let line = match failure {
        Error::Internal(_) => format!("{failure} ({e})"),
        _ if !may_change => failure.read_only_line(),
        _ => failure.to_string(),
    };
    let line = format!("error: {}", custadm::text::sanitize(&line));
    let _ = writeln!(
        std::io::stderr(),
        "{}",
        custadm::terminal::for_stderr(&line)
    );
    ExitCode::from(failure.exit_code())
}
