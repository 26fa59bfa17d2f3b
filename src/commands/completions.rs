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
    after_help = "Examples:\n  custadm completions bash > ~/.local/share/bash-completion/completions/custadm\n  custadm completions zsh > ~/.zfunc/_custadm\n  custadm completions fish > ~/.config/fish/completions/custadm.fish\n\nExit codes: 0 printed, 2 unknown shell."
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

/// The command that prints the profile names, for dynamic completion.
const LIST_PROFILES: &str = "custadm config profiles 2>/dev/null";

/// The completion script for `shell`: clap's, with `--profile` completing
/// the profile names of the config file where the shell can run a command.
pub fn script(shell: Shell) -> String {
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "custadm", &mut buf);
    let text = String::from_utf8_lossy(&buf).into_owned();
    match shell {
        // Never `compgen -W "$(…)"`: compgen expands `$(…)`, backticks and
        // variables inside its word list, so a profile name would run as a
        // command. Each line is compared as data and added as one word.
        Shell::Bash => text.replace(
            "--profile)\n                    COMPREPLY=($(compgen -f \"${cur}\"))",
            &format!("--profile)\n                    COMPREPLY=()\n                    local custadm_profile\n                    while IFS= read -r custadm_profile; do\n                        [[ \"${{custadm_profile}}\" == \"${{cur}}\"* ]] && COMPREPLY+=(\"${{custadm_profile}}\")\n                    done < <({LIST_PROFILES})"),
        ),
        Shell::Zsh => text
            .lines()
            .map(|line| {
                if line.starts_with("'--profile=") {
                    // One word per line (`(f)`), never evaluated again.
                    line.replace(":NAME:_default'", &format!(":NAME:{{compadd -- ${{(f)\"$({LIST_PROFILES})\"}}}}'"))
                } else {
                    line.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
            + "\n",
        Shell::Fish => text
            .lines()
            .map(|line| {
                if line.contains(" -l profile ") {
                    format!("{line} -f -a \"({LIST_PROFILES})\"")
                } else {
                    line.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
            + "\n",
        _ => text,
    }
}

/// Runs `custadm completions`.
pub fn run(args: CompletionsArgs) -> Result<()> {
    use std::io::Write;
    let mut out = crate::stdout::stdout().lock();
    out.write_all(script(args.shell).as_bytes())?;
    out.flush()?;
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
        let name = match shell {
            Shell::Bash => "custadm.bash",
            Shell::Zsh => "_custadm",
            Shell::Fish => "custadm.fish",
            Shell::Elvish => "custadm.elv",
            _ => "_custadm.ps1",
        };
        std::fs::write(completions.join(name), script(shell)).map_err(io)?;
    }
    clap_mangen::generate_to(Cli::command(), &man).map_err(io)?;
    Ok(())
}
