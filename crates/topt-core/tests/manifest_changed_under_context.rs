//! A runfiles manifest truncated or rewritten after the context was created must never crash the
//! process: lookups answer from what the file holds now (a hit, a miss or an error), never with a
//! signal. Each scenario runs in a child process (this test binary re-executed), because a SIGBUS
//! would otherwise take the whole test harness down instead of failing one test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs::{self, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use topt_core::cache::CacheFile;
use topt_core::config::{Config, Overrides};
use topt_core::context::Context;

const CHILD: &str = "TOPT_TEST_MANIFEST_CHANGE";
const DIR: &str = "TOPT_TEST_MANIFEST_DIR";

/// A manifest of many pages, sorted as Bazel writes it, with the synced tree in it.
fn fixture(dir: &Path) -> PathBuf {
    let tree = dir.join("tree");
    fs::create_dir_all(tree.join("cache/http")).unwrap();
    fs::write(tree.join("manifest.txt"), "version=1\n").unwrap();
    fs::write(tree.join("cache/http/settings.json"), "{\"data\":{}}\n").unwrap();
    let mut lines: Vec<String> = (0..20_000)
        .map(|i| {
            format!(
                "_main/pkg/file_{i:06}.txt {}/real/file_{i:06}.txt",
                dir.display()
            )
        })
        .collect();
    for rel in ["manifest.txt", "cache/http/settings.json"] {
        lines.push(format!("data/{rel} {}/{rel}", tree.display()));
    }
    lines.sort();
    let manifest = dir.join("MANIFEST");
    fs::write(&manifest, lines.join("\n") + "\n").unwrap();
    manifest
}

fn context(manifest: &Path) -> Context {
    Context::new(Config::from_lookup(&|_| None).with(Overrides {
        runfiles_manifest_file: Some(manifest.into()),
        manifest_file: Some("data/manifest.txt".into()),
        argv0: Some("".into()),
        ..Overrides::default()
    }))
    .unwrap()
}

/// Every lookup a tracer makes, after the change; results may be anything but a crash.
fn look_everything_up(ctx: &Context) {
    for path in [
        "_main/pkg/file_000000.txt",
        "_main/pkg/file_010000.txt",
        "_main/pkg/file_019999.txt",
        "_main/pkg/missing.txt",
        "data/cache/http/settings.json",
    ] {
        let _ = ctx.rlocation(path);
    }
    let _ = ctx.read_cache(CacheFile::Settings, None);
    let _ = ctx.read_cache(CacheFile::KnownTests, Some("m"));
    let _ = ctx.runfiles().verify_manifest();
}

/// The child: create the context, change the file as `scenario` says, look everything up.
fn child(scenario: &str, dir: &Path) {
    let manifest = fixture(dir);
    let ctx = context(&manifest);
    assert!(ctx.rlocation("_main/pkg/file_000001.txt").is_ok());
    match scenario {
        "truncate" => {
            OpenOptions::new()
                .write(true)
                .open(&manifest)
                .unwrap()
                .set_len(0)
                .unwrap();
        }
        "shrink" => {
            let len = fs::metadata(&manifest).unwrap().len();
            OpenOptions::new()
                .write(true)
                .open(&manifest)
                .unwrap()
                .set_len(len / 3)
                .unwrap();
        }
        "rewrite_in_place" => {
            // Same inode, new content: what an editor or a careless script does.
            let mut f = OpenOptions::new().write(true).open(&manifest).unwrap();
            f.seek(SeekFrom::Start(0)).unwrap();
            f.write_all(b"zzz /elsewhere\nnot a manifest line at all\n")
                .unwrap();
            f.set_len(40).unwrap();
        }
        "replace_with_garbage" => {
            let len = fs::metadata(&manifest).unwrap().len() as usize;
            fs::write(&manifest, vec![b'\n'; len / 2]).unwrap();
        }
        other => panic!("unknown scenario {other}"),
    }
    look_everything_up(&ctx);
}

fn run_scenario(scenario: &str) {
    let dir = tempfile::tempdir().unwrap();
    let test_name = format!("manifest_{scenario}_after_creation");
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", &test_name, "--nocapture", "--test-threads=1"])
        .env(CHILD, scenario)
        .env(DIR, dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{scenario}: the process did not survive ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// In the child, run the scenario; in the parent, run the child and check it survived.
fn scenario(name: &str) {
    match std::env::var(CHILD) {
        Ok(s) if s == name => child(name, Path::new(&std::env::var(DIR).unwrap())),
        Ok(_) => {}
        Err(_) => run_scenario(name),
    }
}

#[test]
fn manifest_truncate_after_creation() {
    scenario("truncate");
}

#[test]
fn manifest_shrink_after_creation() {
    scenario("shrink");
}

#[test]
fn manifest_rewrite_in_place_after_creation() {
    scenario("rewrite_in_place");
}

#[test]
fn manifest_replace_with_garbage_after_creation() {
    scenario("replace_with_garbage");
}
