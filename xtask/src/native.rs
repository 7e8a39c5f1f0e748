//! Tasks over the native library: the exported-symbol check (on the release library) and the C
//! test (plain, ASan, valgrind; on a debug library built with the `panic-probe` feature, in a
//! target directory of its own so the ordinary `target/debug/libtopt.so` is never that build).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{Result, root};

/// Name prefixes the tracer-side native library (test-optimization-native) already exports;
/// libtopt must never export these, or the two would interpose in one process.
const RESERVED: &[&str] = &[
    "topt_initialize",
    "topt_shutdown",
    "topt_get_",
    "topt_free_",
    "topt_send_",
    "topt_session_",
    "topt_module_",
    "topt_suite_",
    "topt_test_",
    "topt_span_",
    "topt_debug_",
];

fn run(cmd: &mut Command) -> Result<String> {
    let shown = format!("{cmd:?}");
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {shown}: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        return Err(format!(
            "{shown} failed ({}):\n{stdout}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(stdout)
}

/// How libtopt is built for a task.
struct Build {
    release: bool,
    features: &'static [&'static str],
    /// Under the workspace root.
    target_dir: &'static str,
}

/// What `cargo xtask symbols` checks: the library as shipped.
const RELEASE: Build = Build {
    release: true,
    features: &[],
    target_dir: "target",
};

/// What the C test links: a debug build whose one deliberate panic the test triggers.
const C_TEST: Build = Build {
    release: false,
    features: &["panic-probe"],
    target_dir: "target/c-test",
};

/// Builds libtopt with cargo and returns the directory holding it.
fn build_library(build: &Build) -> Result<PathBuf> {
    let target_dir = root().join(build.target_dir);
    let mut cmd = Command::new(env!("CARGO"));
    cmd.current_dir(root())
        .args(["build", "-p", "topt-ffi", "--target-dir"])
        .arg(&target_dir);
    if build.release {
        cmd.arg("--release");
    }
    if !build.features.is_empty() {
        cmd.arg("--features").arg(build.features.join(","));
    }
    run(&mut cmd)?;
    Ok(target_dir.join(if build.release { "release" } else { "debug" }))
}

/// The function names declared in include/topt.h.
fn header_functions() -> Result<BTreeSet<String>> {
    let text = std::fs::read_to_string(root().join("include/topt.h"))
        .map_err(|e| format!("cannot read include/topt.h: {e}"))?;
    Ok(text
        .lines()
        .filter(|l| !l.trim_start().starts_with("//") && !l.starts_with('#'))
        .filter_map(|l| {
            let open = l.find('(')?;
            let name = l[..open]
                .rsplit(|c: char| !(c.is_alphanumeric() || c == '_'))
                .next()?;
            name.starts_with("topt_").then(|| name.to_owned())
        })
        .collect())
}

/// Checks the exports of `lib`, or of the cargo release build when `None`.
pub(crate) fn symbols(lib: Option<PathBuf>) -> Result {
    let lib = match lib {
        Some(lib) => lib,
        None => build_library(&RELEASE)?.join("libtopt.so"),
    };
    let nm = run(Command::new("nm").args(["-D", "--defined-only"]).arg(&lib))?;
    let exported: BTreeSet<String> = nm
        .lines()
        .filter_map(|l| {
            let mut parts = l.split_whitespace();
            let (_, kind, name) = (parts.next()?, parts.next()?, parts.next()?);
            (kind == "T").then(|| name.to_owned())
        })
        .collect();
    let declared = header_functions()?;
    let mut problems = Vec::new();
    for name in exported.difference(&declared) {
        problems.push(format!("exported but not in include/topt.h: {name}"));
    }
    for name in declared.difference(&exported) {
        problems.push(format!(
            "declared in include/topt.h but not exported: {name}"
        ));
    }
    for name in &exported {
        if !name.starts_with("topt_") {
            problems.push(format!("exported symbol without the topt_ prefix: {name}"));
        }
        if let Some(r) = RESERVED.iter().find(|r| name.starts_with(*r)) {
            problems.push(format!(
                "{name} collides with test-optimization-native's reserved {r}*"
            ));
        }
    }
    if !problems.is_empty() {
        return Err(problems.join("\n"));
    }
    println!(
        "symbols: {} exported functions = header, all topt_-prefixed, none reserved",
        exported.len()
    );
    Ok(())
}

fn compile(out: &Path, lib_dir: &Path, extra: &[&str]) -> Result {
    let root = root();
    let mut cmd = Command::new("cc");
    cmd.args(["-std=c11", "-g", "-O1", "-Wall", "-Wextra", "-Werror"])
        .args(extra)
        .arg("-I")
        .arg(root.join("include"))
        .arg(root.join("tests/c/topt_test.c"))
        .arg("-o")
        .arg(out)
        .arg(format!("-L{}", lib_dir.display()))
        .args(["-ltopt", "-lcjson", "-lpthread"])
        .arg(format!("-Wl,-rpath,{}", lib_dir.display()));
    run(&mut cmd).map(|_| ())
}

pub(crate) fn c_test() -> Result {
    let lib_dir = build_library(&C_TEST)?;
    let vectors = root().join("testdata/vectors");
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let plain = tmp.path().join("topt_test");
    let asan = tmp.path().join("topt_test_asan");
    // TOPT_PANIC_PROBE: the library has the probe, so the test checks TOPT_STATUS_PANIC.
    compile(&plain, &lib_dir, &["-DTOPT_PANIC_PROBE"])?;
    compile(
        &asan,
        &lib_dir,
        &[
            "-DTOPT_PANIC_PROBE",
            "-fsanitize=address",
            "-fno-omit-frame-pointer",
        ],
    )?;

    println!("== C test");
    // `cargo run` puts target/debug on LD_LIBRARY_PATH, which wins over the test's RUNPATH:
    // point it at the library under test instead.
    let with_library = |program: &Path| {
        let mut cmd = Command::new(program);
        cmd.env("LD_LIBRARY_PATH", &lib_dir);
        cmd
    };
    print!("{}", run(with_library(&plain).arg(&vectors))?);
    println!("== C test under AddressSanitizer (leak detection on)");
    print!(
        "{}",
        run(with_library(&asan)
            .arg(&vectors)
            .env("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0"))?
    );
    println!("== C test under valgrind");
    let out = with_library(Path::new("valgrind"))
        .args([
            "--error-exitcode=99",
            "--leak-check=full",
            "--errors-for-leak-kinds=definite,indirect",
            "--show-leak-kinds=definite,indirect",
            "--trace-children=no",
            // The forked child exits with _exit(); its inherited heap is the parent's to free.
            "--child-silent-after-fork=yes",
            "--quiet",
        ])
        .arg(&plain)
        .arg(&vectors)
        .output()
        .map_err(|e| format!("cannot run valgrind (install it: apt-get install valgrind): {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    print!("{stdout}");
    if !out.status.success() {
        return Err(format!(
            "valgrind reported errors or leaks ({}):\n{stderr}",
            out.status
        ));
    }
    println!("valgrind: 0 errors, 0 definite/indirect leaks");
    Ok(())
}
