//! `custadm completions SHELL` prints a completion script; the hidden
//! `custadm generate-docs DIR` writes every completion script and man page,
//! which are committed under `completions/` and `man/` (a test checks that
//! they match the current command-line definition).

use std::path::PathBuf;

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Cli;
use crate::error::{Error, Result};

/// Options of `custadm completions`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  custadm completions bash > ~/.local/share/bash-completion/completions/custadm\n  custadm completions zsh > ~/.zfunc/_custadm\n  custadm completions fish > ~/.config/fish/completions/custadm.fish"
)]
pub struct CompletionsArgs {
    /// bash, zsh, fish, elvish or powershell
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Options of `custadm generate-docs`.
#[derive(Debug, clap::Args)]
pub struct GenerateDocsArgs {
    /// Directory that receives completions/ and man/
    pub dir: PathBuf,
}

/// The shells custadm ships completions for.
pub const SHELLS: [Shell; 5] = [
    Shell::Bash,
    Shell::Zsh,
    Shell::Fish,
    Shell::Elvish,
    Shell::PowerShell,
];

/// Runs `custadm completions`.
pub fn run(args: CompletionsArgs) -> Result<()> {
    let mut cmd = Cli::command();
    clap_complete::generate(args.shell, &mut cmd, "custadm", &mut std::io::stdout());
    Ok(())
}

/// Writes `DIR/completions/*` and `DIR/man/*.1`.
pub fn generate_docs(args: GenerateDocsArgs) -> Result<()> {
    let io = |e: std::io::Error| {
        Error::Usage(format!(
            "cannot write docs into {}: {e}",
            args.dir.display()
        ))
    };
    let completions = args.dir.join("completions");
    let man = args.dir.join("man");
    std::fs::create_dir_all(&completions).map_err(io)?;
    std::fs::create_dir_all(&man).map_err(io)?;
    for shell in SHELLS {
        let mut cmd = Cli::command();
        clap_complete::generate_to(shell, &mut cmd, "custadm", &completions).map_err(io)?;
    }
    clap_mangen::generate_to(Cli::command(), &man).map_err(io)?;
    Ok(())
}
