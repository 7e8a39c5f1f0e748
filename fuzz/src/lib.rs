//! Shared by the fuzz targets in `fuzz_targets/`: [`target!`] declares a target's body once for
//! both builds. Under `cargo fuzz` (nightly, `--cfg fuzzing`) the body is libFuzzer's entry point;
//! in an ordinary build the same body runs over the files and directories named on the command
//! line, so `cargo test` replays every committed corpus (tests/corpus.rs) and a crash found by
//! the fuzzer reproduces on stable with `cargo run -p topt-fuzz --bin <target> -- <file>`.

use std::fs;
use std::path::Path;

#[cfg(fuzzing)]
#[doc(hidden)]
pub use libfuzzer_sys;

/// Declares a fuzz target: `topt_fuzz::target!(|data| { ... });` after
/// `#![cfg_attr(fuzzing, no_main)]`. The body must hold for every input: it asserts the
/// target's invariants and panics (a finding) when one breaks.
#[macro_export]
macro_rules! target {
    (|$data:ident| $body:block) => {
        #[cfg(fuzzing)]
        $crate::libfuzzer_sys::fuzz_target!(|$data: &[u8]| $body);

        #[cfg(not(fuzzing))]
        fn main() -> std::process::ExitCode {
            $crate::replay(|$data: &[u8]| $body)
        }
    };
}

/// Runs `body` over every file named by the arguments (directories: every file in them).
pub fn replay(body: impl Fn(&[u8])) -> std::process::ExitCode {
    let mut inputs = 0usize;
    for arg in std::env::args_os().skip(1) {
        let path = Path::new(&arg);
        let files = match fs::read_dir(path) {
            Ok(entries) => {
                let mut files: Vec<_> = entries.flatten().map(|e| e.path()).collect();
                files.sort();
                files
            }
            Err(_) => vec![path.to_owned()],
        };
        for file in files {
            match fs::read(&file) {
                Ok(bytes) => {
                    body(&bytes);
                    inputs += 1;
                }
                Err(e) => {
                    eprintln!("cannot read {}: {e}", file.display());
                    return std::process::ExitCode::FAILURE;
                }
            }
        }
    }
    println!("replayed {inputs} inputs");
    std::process::ExitCode::SUCCESS
}

/// Splits off the first byte as a small parameter (0 when the input is empty).
pub fn split_param(data: &[u8]) -> (u8, &[u8]) {
    match data.split_first() {
        Some((first, rest)) => (*first, rest),
        None => (0, data),
    }
}
