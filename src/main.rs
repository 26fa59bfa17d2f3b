//! The custadm binary: parse, run, and map the outcome to an exit code in
//! one place. A closed pipe (`custadm list | head`) is not an error.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = custadm::cli::Cli::parse();
    match custadm::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", custadm::output::sanitize(&e.to_string()));
            ExitCode::from(e.exit_code())
        }
    }
}
