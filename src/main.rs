//! The custadm binary: parse, run, and map the outcome to an exit code in
//! one place. A closed pipe (`custadm list | head`) is not an error.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

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
    let cli = match custadm::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help, --version: not errors.
            // A closed pipe (`custadm --help | head`) is not an error.
            let _ = write!(std::io::stdout(), "{}", e.render());
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            // clap repeats the rejected value; it is untrusted, so the whole
            // message is made terminal-safe (and left unstyled).
            let _ = write!(
                std::io::stderr(),
                "{}",
                custadm::output::sanitize_multiline(&shorten_lines(&e.render().to_string()))
            );
            return ExitCode::from(2);
        }
    };
    match custadm::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(
                std::io::stderr(),
                "error: {}",
                custadm::output::sanitize(&e.to_string())
            );
            ExitCode::from(e.exit_code())
        }
    }
}
