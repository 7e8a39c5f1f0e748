//! Project tasks, run as `cargo xtask <task>` (instead of a Makefile).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod abi;
mod bench;
mod bindings;
mod docs;
mod header;
mod man;
mod manifests;
mod native;
mod plot;

const USAGE: &str = "\
usage: cargo xtask <task>

tasks:
  header [--check]   regenerate everything derived from ffi/src with cbindgen: include/topt.h
                     (and the Go module's copy), include/topt.abi.json and every binding's raw
                     layer; --check fails if any is stale. Both compare the struct layouts with
                     the C compiler's
  manifests [--check] write the workspace's version and repository URL (root Cargo.toml) into
                     every other manifest (pyproject, pom, package.json, gemspec, csproj, go.mod,
                     MODULE.bazel); --check fails if one disagrees
  symbols [--lib P]  check libtopt's exported symbols against the header and the reserved list
                     (the cargo release build, or the library at P, e.g. a Bazel-built one)
  c-test             build and run tests/c against libtopt, plain, under ASan and under valgrind
  docs               check that the docs stand on their own: no file cites a document outside
                     the repository, every Markdown link and section exists, and every path
                     docs/architecture.md names exists (also a test of the rust suite)
  man                write topt's man pages (topt.1, topt-<command>.1) into target/man, rendered
                     from the same clap definitions as --help
  bench              run the benchmarks and print figures next to the machine's raw limits, then
                     plot upload/doctor/ci growth into target/bench/growth.png
  plot [DIR]         redraw DIR/growth.png (default target/bench) from DIR/upload.json
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("header") => header::run(args.iter().any(|a| a == "--check")),
        Some("manifests") => manifests::run(args.iter().any(|a| a == "--check")),
        Some("symbols") => native::symbols(option_value(&args, "--lib").map(PathBuf::from)),
        Some("c-test") => native::c_test(),
        Some("bench") => bench::run(),
        Some("docs") => docs::run(),
        Some("man") => man::run(),
        Some("plot") => {
            let dir = args.get(1).map_or_else(bench::out_dir, PathBuf::from);
            plot::growth(&dir).map(|p| println!("{}", p.display()))
        }
        _ => {
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The value after `flag` on the command line, if given.
fn option_value<'a>(args: &'a [String], flag: &str) -> Option<&'a str> {
    let at = args.iter().position(|a| a == flag)?;
    args.get(at + 1).map(String::as_str)
}

/// The workspace root (xtask lives one level below it).
pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

pub(crate) type Result<T = ()> = std::result::Result<T, String>;
