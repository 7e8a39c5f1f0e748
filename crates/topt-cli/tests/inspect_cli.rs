//! `topt inspect` as a real process over a real synced tree in a runfiles directory.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::process::Command;

fn topt() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_topt"));
    for var in [
        "DD_TEST_OPTIMIZATION_MANIFEST_FILE",
        "TEST_OPTIMIZATION_MANIFEST_FILE",
        "DD_TEST_OPTIMIZATION_PAYLOADS_IN_FILES",
        "TEST_UNDECLARED_OUTPUTS_DIR",
        "RUNFILES_MANIFEST_FILE",
        "RUNFILES_DIR",
        "TEST_SRCDIR",
        "JAVA_RUNFILES",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

#[test]
fn reports_sources_and_modes_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("rf/data/.testoptimization");
    fs::create_dir_all(tree.join("cache/http/module_pkg_cart")).unwrap();
    fs::write(tree.join("manifest.txt"), "version = 1\n").unwrap();
    fs::write(tree.join("cache/http/settings.json"), "{\"data\":{}}\n").unwrap();
    fs::write(
        tree.join("cache/http/known_tests.json"),
        r#"{"data":{"attributes":{"tests":{"pkg/cart":{},"pkg/pay":{}}}}}"#,
    )
    .unwrap();
    fs::write(
        tree.join("cache/http/module_pkg_cart/known_tests.json"),
        r#"{"data":{"attributes":{"tests":{"pkg/cart":{}}}}}"#,
    )
    .unwrap();
    let out = topt()
        .args(["inspect", "--json", "--module", "pkg/cart"])
        .env("RUNFILES_DIR", dir.path().join("rf"))
        .env(
            "DD_TEST_OPTIMIZATION_MANIFEST_FILE",
            "data/.testoptimization/manifest.txt",
        )
        .env("DD_TEST_OPTIMIZATION_PAYLOADS_IN_FILES", "yes")
        .env("TEST_UNDECLARED_OUTPUTS_DIR", dir.path().join("out"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["manifest"]["enabled"], true);
    assert_eq!(v["manifest"]["version"], 1);
    assert_eq!(v["runfiles"]["mode"], "directory");
    let known = v["cache"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["file"] == "known_tests")
        .unwrap();
    assert_eq!(known["source"], "module_file");
    let flaky = v["cache"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["file"] == "flaky_tests")
        .unwrap();
    assert_eq!(flaky["error"], "NOT_FOUND");
    assert_eq!(v["payloads"]["enabled"], false);
    assert!(
        v["payloads"]["diagnostic"]
            .as_str()
            .unwrap()
            .contains("not a boolean")
    );
}

#[test]
fn explains_why_manifest_mode_is_off() {
    let out = topt()
        .arg("inspect")
        .env(
            "DD_TEST_OPTIMIZATION_MANIFEST_FILE",
            "/nonexistent/manifest.txt",
        )
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Manifest: OFF"), "{text}");
    assert!(text.contains("/nonexistent/manifest.txt"), "{text}");
}

#[test]
fn broken_runfiles_manifest_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("MANIFEST");
    fs::write(&manifest, "a /1\nno-space-line\nc /3\n").unwrap();
    let out = topt()
        .arg("inspect")
        .env("RUNFILES_MANIFEST_FILE", &manifest)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("MANIFEST:2"));
}
