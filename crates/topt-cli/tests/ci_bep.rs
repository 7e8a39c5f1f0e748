//! `topt ci -- bazel test …` with build events: ci adds `--build_event_json_file` after the verb
//! (or reads the one the command names) and hands the file to the doctor and the uploads. The
//! "bazel" is a script that records its arguments and writes a prepared BEP file where told.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bep_support;
mod upload_support;

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Command, Output};

use bep_support::{Bep, Result as R, Zip, cas_of, outputs_zip};
use upload_support::*;

const FAKE_BAZEL: &str = r#"#!/bin/sh
# Records its arguments, one per line; writes $FAKE_BEP where --build_event_json_file says.
printf '%s\n' "$@" > "$FAKE_ARGV"
out=""
prev=""
for a in "$@"; do
  [ "$a" = "--" ] && break
  case "$a" in
    --build_event_json_file=*) out="${a#--build_event_json_file=}" ;;
  esac
  [ "$prev" = "--build_event_json_file" ] && out="$a"
  prev="$a"
done
[ -n "$out" ] && cp "$FAKE_BEP" "$out"
exit "${FAKE_STATUS:-0}"
"#;

struct Setup {
    dir: tempfile::TempDir,
}

impl Setup {
    fn new() -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let bazel = dir.path().join("bin/bazel");
        std::fs::create_dir_all(bazel.parent().unwrap()).unwrap();
        std::fs::write(&bazel, FAKE_BAZEL).unwrap();
        std::fs::set_permissions(&bazel, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::create_dir_all(dir.path().join("ob/execroot/__main__")).unwrap();
        Setup { dir }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn bep(&self, remote: &str, results: Vec<R>) {
        Bep {
            output_base: self.path("ob"),
            remote: remote.into(),
            results,
        }
        .write(&self.path("prepared.json"));
    }

    fn argv(&self) -> Vec<String> {
        std::fs::read_to_string(self.path("argv"))
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// `topt ci [ci_args] -- <fake bazel> <bazel_args>`, in `self.dir`.
    fn ci(&self, intake: &Intake, ci_args: &[&str], bazel_args: &[&str]) -> Output {
        let base = upload_cmd(&Tree::new(), &intake.url);
        let mut c = Command::new(topt());
        for (k, v) in base.get_envs() {
            match v {
                Some(v) => c.env(k, v),
                None => c.env_remove(k),
            };
        }
        let ctx = self.path("context.json");
        std::fs::write(&ctx, git_context().to_string()).unwrap();
        c.current_dir(self.dir.path())
            .env("TMPDIR", self.dir.path())
            .env("FAKE_ARGV", self.path("argv"))
            .env("FAKE_BEP", self.path("prepared.json"))
            .env_remove("DD_TEST_OPTIMIZATION_QUIESCENT_SEC")
            .env_remove("DD_TEST_OPTIMIZATION_MAX_WAIT_SEC")
            .args(["ci", "--doctor-arg=--no-bazelrc-check", "--context"])
            .arg(&ctx)
            .args(ci_args)
            .arg("--")
            .arg(self.path("bin/bazel"))
            .args(bazel_args);
        run(c)
    }
}

fn cached_results() -> Vec<R> {
    let mut a = R::new("//pkg:a", Zip::None);
    a.cached_remotely = true;
    let mut b = R::new("//pkg:b", Zip::of(b"not read"));
    b.cached_locally = true;
    vec![a, b]
}

#[test]
fn a_warm_cache_passes_and_the_flag_goes_after_the_verb() {
    let s = Setup::new();
    s.bep("grpc://127.0.0.1:1", cached_results());
    let intake = Intake::start(&[]);
    let o = s.ci(
        &intake,
        &[],
        &["--batch", "test", "--config=ci", "--", "//..."],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("tests: ok, doctor: ok, dry-run: ok, upload: ok"),
        "{}",
        text(&o)
    );
    let argv = s.argv();
    assert_eq!(argv[..2], ["--batch", "test"]);
    assert!(argv[2].starts_with("--build_event_json_file="), "{argv:?}");
    assert_eq!(argv[3..], ["--config=ci", "--", "//..."]);
    // The steps read it: the cached results are named, nothing is sent.
    assert!(
        text(&o).contains("//pkg:a: cached (remotely"),
        "{}",
        text(&o)
    );
    assert!(intake.records().is_empty());
    // ci's file is gone with it.
    let ours = PathBuf::from(argv[2].trim_start_matches("--build_event_json_file="));
    assert!(!ours.exists());
}

#[test]
fn outputs_in_the_cache_are_checked_and_uploaded_once_across_ci_runs() {
    let s = Setup::new();
    let z = outputs_zip("//pkg:t", &[test_payload("ci-bep", 1)]);
    let server = cas_of(&[&z]);
    // Bazel's --remote_cache (in the BEP) names another host: only ci's --remote-cache reaches
    // the cache, with the header.
    s.bep(
        "grpc://elsewhere.invalid:1",
        vec![R::new("//pkg:t", Zip::of(&z))],
    );
    let text_bep = std::fs::read_to_string(s.path("prepared.json"))
        .unwrap()
        .replace(
            "elsewhere.invalid:1/blobs",
            &format!("{}/blobs", server.addr),
        );
    std::fs::write(s.path("prepared.json"), text_bep).unwrap();
    let intake = Intake::start(&[]);
    let remote = [
        "--remote-cache",
        &server.url(),
        "--remote-header",
        "x-cache-key=k1",
    ];
    let o = s.ci(&intake, &remote, &["test", "//..."]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(intake.accepted_markers(), ["ci-bep"]);
    // Doctor, dry run and upload each read it, each with the header.
    let seen = server.seen();
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert!(
        seen.iter()
            .all(|r| r.headers.contains(&("x-cache-key".into(), "k1".into())))
    );
    // The command is echoed with the header redacted.
    assert!(!text(&o).contains("k1"), "{}", text(&o));
    // The same results again (a re-run of ci): the output base's ledger has them.
    let o = s.ci(&intake, &remote, &["test", "//..."]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(intake.accepted_markers(), ["ci-bep"]);
    assert!(s.path("ob/topt-uploaded.ledger").is_file());
}

#[test]
fn a_build_event_file_the_command_names_is_the_one_read() {
    let s = Setup::new();
    s.bep("grpc://127.0.0.1:1", cached_results());
    let intake = Intake::start(&[]);
    let o = s.ci(
        &intake,
        &[],
        &["test", "--build_event_json_file", "mine.json", "//..."],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(
        s.argv(),
        ["test", "--build_event_json_file", "mine.json", "//..."]
    );
    assert!(s.path("mine.json").is_file(), "the user's file stays");
    assert!(
        text(&o).contains("//pkg:b: cached (locally"),
        "{}",
        text(&o)
    );
    // --no-bep: the command as given, and bazel-testlogs (none here) instead.
    let o = s.ci(&intake, &["--no-bep"], &["test", "//..."]);
    assert_eq!(s.argv(), ["test", "//..."]);
    assert!(!text(&o).contains("cached (remotely"), "{}", text(&o));
}

#[test]
fn a_test_command_that_wrote_no_build_events_falls_back_to_testlogs() {
    let s = Setup::new();
    // FAKE_BEP names no file: cp fails, nothing is written.
    let intake = Intake::start(&[]);
    let o = s.ci(&intake, &["--skip-doctor"], &["test", "//..."]);
    assert!(text(&o).contains("no build event file at"), "{}", text(&o));
    assert!(intake.records().is_empty());
}
