//! Replays every committed corpus (seeds and the regression inputs of past findings) through its
//! target, built as an ordinary program: the fuzz targets' invariants are checked by
//! `cargo test` on stable, not only by `scripts/test.sh fuzz`. Also checks that every target has
//! its corpus and that every corpus belongs to a target.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fuzz_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn names(dir: &Path, strip_rs: bool) -> BTreeSet<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter_map(|n| {
            if strip_rs {
                n.strip_suffix(".rs").map(str::to_owned)
            } else {
                Some(n)
            }
        })
        .collect()
}

/// The target binaries cargo built for this test: `target/<profile>/<name>`, next to `deps/`.
fn binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().unwrap().parent().unwrap().join(name)
}

#[test]
fn every_target_replays_its_corpus() {
    let targets = names(&fuzz_dir().join("fuzz_targets"), true);
    let corpora = names(&fuzz_dir().join("corpus"), false);
    assert_eq!(
        targets, corpora,
        "each fuzz_targets/<name>.rs needs corpus/<name>/"
    );
    let manifest = fs::read_to_string(fuzz_dir().join("Cargo.toml")).unwrap();
    for target in &targets {
        assert!(
            manifest.contains(&format!("name = \"{target}\"")),
            "{target} has no line in fuzz/Cargo.toml"
        );
        let corpus = fuzz_dir().join("corpus").join(target);
        assert!(
            fs::read_dir(&corpus).unwrap().next().is_some(),
            "{target}: empty corpus"
        );
        let out = Command::new(binary(target)).arg(&corpus).output().unwrap();
        assert!(
            out.status.success(),
            "{target} failed on its corpus:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("replayed"));
    }
}
