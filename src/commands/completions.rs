//! `custadm completions SHELL` prints a completion script; the hidden
//! `custadm generate-docs DIR` writes every completion script and man page,
//! which are committed under `completions/` and `man/` (a test checks that
//! they match the current command-line definition).

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Cli;
use crate::error::{Error, Result};

/// Options of `custadm completions`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  custadm completions bash > \\\n      ~/.local/share/bash-completion/completions/custadm\n  custadm completions zsh > ~/.zfunc/_custadm\n  custadm completions fish > ~/.config/fish/completions/custadm.fish\n\nExit codes: 0 printed, 2 unknown shell, 9 output could not be written."
)]
pub struct CompletionsArgs {
    /// bash, zsh, fish, elvish or powershell
    #[arg(value_enum)]
    pub shell: Shell,
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

/// Writes `DIR/completions/*` and `DIR/man/*.1` (`custadm generate-docs DIR`,
/// for packaging; not a clap subcommand, so no completion script offers it).
pub fn generate_docs(dir: &std::path::Path) -> Result<()> {
    let io =
        |e: std::io::Error| Error::Usage(format!("cannot write docs into {}: {e}", dir.display()));
    let completions = dir.join("completions");
    let man = dir.join("man");
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
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    write_man_pages(&cmd, "custadm", &man).map_err(io)
}

/// One page per command (`custadm-audit-verify.1`), as clap_mangen renders
/// it, but with the text after the options (the examples) in a no-fill
/// block and hyphenation off (`.nh`): roff would otherwise join the example
/// lines and break `--deactivate` as `--deac‐tivate`, so a copied example
/// would run something else.
fn write_man_pages(cmd: &clap::Command, name: &str, dir: &std::path::Path) -> std::io::Result<()> {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        write_man_pages(sub, &format!("{name}-{}", sub.get_name()), dir)?;
    }
    let after = cmd
        .get_after_long_help()
        .or_else(|| cmd.get_after_help())
        .map(|t| t.to_string());
    let page = clap_mangen::Man::new(
        cmd.clone()
            .after_help(None::<&str>)
            .after_long_help(None::<&str>),
    );
    let mut roff = Vec::new();
    page.render(&mut roff)?;
    let roff = String::from_utf8_lossy(&roff).into_owned();
    let mut text = String::with_capacity(roff.len() + 1024);
    let mut examples_written = false;
    for line in roff.lines() {
        // The examples go before VERSION (or at the end).
        if line.starts_with(".SH VERSION") && !examples_written {
            text.push_str(&examples_section(after.as_deref()));
            examples_written = true;
        }
        text.push_str(line);
        text.push('\n');
        if line.starts_with(".TH ") {
            text.push_str(".nh\n");
        }
    }
    if !examples_written {
        text.push_str(&examples_section(after.as_deref()));
    }
    std::fs::write(dir.join(format!("{name}.1")), text)
}

/// The after-help text as a man page section, line for line (`.nf`), at
/// the left margin.
fn examples_section(after: Option<&str>) -> String {
    let Some(after) = after else {
        return String::new();
    };
    let body = after.strip_prefix("Examples:\n").unwrap_or(after);
    let heading = if body.len() < after.len() {
        "EXAMPLES"
    } else {
        "NOTES"
    };
    // At the left margin (`.in 0`): the lines are wrapped to 78 columns for
    // `--help`, and man's 7-column indent would push them past 80.
    let mut out = format!(".SH {heading}\n.in 0\n.nf\n");
    for line in body.lines() {
        out.push_str(&roff_line(line));
        out.push('\n');
    }
    out.push_str(".fi\n.in\n");
    out
}

/// One line of text for roff, shown as written: backslashes, hyphens (as
/// ASCII minus signs, so a copied option works), quotes and a leading
/// control character escaped.
fn roff_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    if line.starts_with(['.', '\'']) {
        out.push_str("\\&");
    }
    for c in line.chars() {
        match c {
            '\\' => out.push_str("\\e"),
            '-' => out.push_str("\\-"),
            '\'' => out.push_str("\\(aq"),
            '`' => out.push_str("\\(ga"),
            '~' => out.push_str("\\(ti"),
            '^' => out.push_str("\\(ha"),
            c => out.push(c),
        }
    }
    out
}
