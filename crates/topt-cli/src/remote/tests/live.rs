//! The real thing end to end: BEP files the real Bazel 4.2.3 just wrote against a running
//! BuildGrid (tests/remote/capture.sh --check runs this while its BuildGrid is up), read with the
//! BEP reader, and every output they name fetched from BuildGrid's CAS and verified.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;

use super::*;
use crate::bep::{self, Cached, OutputKind};

fn env(name: &str) -> String {
    std::env::var(name)
        .unwrap_or_else(|_| panic!("{name} is unset: run tests/remote/capture.sh --check"))
}

fn zip_names(path: &Path) -> Vec<String> {
    let f = std::fs::File::open(path).unwrap();
    let mut z = zip::ZipArchive::new(f).unwrap();
    let mut names: Vec<String> = z.file_names().map(str::to_string).collect();
    names.sort();
    // Readable to the end: the bytes are the archive Bazel wrote.
    for i in 0..z.len() {
        let mut e = z.by_index(i).unwrap();
        let mut sink = Vec::new();
        e.read_to_end(&mut sink).unwrap();
    }
    names
}

#[test]
#[ignore = "run by tests/remote/capture.sh --check"]
fn outputs_named_by_a_live_bazel_bep_are_read_from_buildgrid() {
    let dir = PathBuf::from(env("TOPT_CAPTURE_BEP_DIR"));
    let remote = env("TOPT_CAPTURE_REMOTE");
    let f = Fetcher::new(quick(&remote)).unwrap();
    let dest = tempfile::tempdir().unwrap();
    let read = |name: &str| bep::read(&dir.join(name)).unwrap();
    let mut fetched: BTreeMap<&str, usize> = BTreeMap::new();

    for name in [
        "executed.json",
        "cached-locally.json",
        "cached-remotely.json",
        "instance-name.json",
    ] {
        let inv = read(name);
        assert!(
            inv.complete && !inv.torn_tail && inv.malformed_count == 0,
            "{name}: {inv:?}"
        );
        for a in &inv.attempts {
            for o in &a.outputs {
                let Location::ByteStream(uri) = &o.location else {
                    panic!("{name} {}: {} is {:?}", a.label, o.name, o.location)
                };
                assert_eq!(
                    uri.authority,
                    remote.trim_start_matches("grpc://"),
                    "{name}"
                );
                assert_eq!(
                    uri.instance,
                    if name == "instance-name.json" {
                        "main"
                    } else {
                        ""
                    }
                );
                // Every output the BEP names is in the CAS, failed attempts' too.
                let got = f
                    .fetch_blob(uri, dest.path())
                    .unwrap_or_else(|e| panic!("{name} {} attempt {}: {e}", a.label, a.attempt));
                if o.kind() == OutputKind::UndeclaredOutputsZip {
                    let names = zip_names(&got.path);
                    let want = if a.label.ends_with("flaky_test") {
                        "attempt.txt"
                    } else {
                        "payloads/p.json"
                    };
                    assert!(
                        names.iter().any(|n| n == want),
                        "{name} {}: {names:?}",
                        a.label
                    );
                }
                *fetched.entry(name).or_default() += 1;
            }
        }
        let cached = |c: Cached| inv.attempts.iter().filter(|a| a.cached == c).count();
        let zips = inv
            .attempts
            .iter()
            .filter(|a| a.undeclared_outputs().count() > 0)
            .count();
        match name {
            "executed.json" | "instance-name.json" => {
                assert_eq!(
                    (inv.attempts.len(), cached(Cached::No), zips),
                    (5, 5, 5),
                    "{name}"
                )
            }
            "cached-locally.json" => {
                // Every target is a cache hit. The flaky one is a local hit or, where Bazel
                // recorded its first run as flaky and so did not cache it locally, a remote hit
                // (both were seen, on two machines); only local hits have their outputs here.
                let (local, remote) = (cached(Cached::Locally), cached(Cached::Remotely));
                assert_eq!((local + remote, zips), (4, local), "{name}");
                assert!(local >= 3, "{name}: {local} local hits");
            }
            _ => assert_eq!((cached(Cached::Remotely), zips), (4, 0), "{name}"),
        }
    }
    // Without a remote cache: file:// outputs, on this machine, where the layout says.
    let inv = read("local-files.json");
    for a in &inv.attempts {
        for o in &a.outputs {
            let Location::File(path) = &o.location else {
                panic!("{}: {:?}", o.name, o.location)
            };
            assert!(path.is_file(), "{}", path.display());
            if let Some(rel) = inv.testlogs_path(a, o) {
                assert!(
                    path.ends_with(&rel),
                    "{} vs {}",
                    path.display(),
                    rel.display()
                );
            }
            *fetched.entry("local-files.json").or_default() += 1;
        }
    }
    eprintln!("fetched and verified from {remote}: {fetched:?}");
}
