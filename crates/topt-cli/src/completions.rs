//! `topt completions <shell>`: the shell's completion script, generated from the same clap
//! definitions as `--help` (and the man pages, `cargo xtask man`), so the three never disagree.

use std::io::Write;
use std::process::ExitCode;

use clap_complete::Shell;

const AFTER_HELP: &str = "\
Install (each shell loads the script from its completion directory):
  topt completions bash > ~/.local/share/bash-completion/completions/topt
  topt completions zsh > ~/.zfunc/_topt        # with fpath+=(~/.zfunc) before compinit in ~/.zshrc
  topt completions fish > ~/.config/fish/completions/topt.fish

Man pages: `cargo xtask man` writes target/man/topt.1 and one topt-<command>.1 per command
(read one with `man -l target/man/topt-upload.1`).

Exit status: 0 written; 1 stdout could not be written; 2 usage error (an unknown shell).";

#[derive(Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// The shell to write the completion script for.
    #[arg(value_enum)]
    shell: Shell,
}

/// Writes the script for `command` (the whole `topt` command tree) to stdout.
pub fn run(args: &Args, mut command: clap::Command) -> ExitCode {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "topt", &mut script);
    match std::io::stdout().lock().write_all(&script) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("[topt completions] error: cannot write the script: {e}");
            ExitCode::FAILURE
        }
    }
}
