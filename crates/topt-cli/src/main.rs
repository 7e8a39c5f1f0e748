//! The `topt` binary: everything lives in the library (`src/lib.rs`).

fn main() -> std::process::ExitCode {
    topt_cli::main()
}
