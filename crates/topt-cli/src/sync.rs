//! `topt sync` (not implemented yet).

use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> ExitCode {
    eprintln!("topt sync: not implemented yet");
    ExitCode::from(2)
}
