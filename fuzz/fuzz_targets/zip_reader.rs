//! An attempt's `outputs.zip` through the reader the doctor and the uploader share
//! (`topt_cli::outputs::zip`): whatever the archive claims, opening it and reading its entries
//! never panics; entries come sorted by name with control characters escaped in what is shown; an
//! entry with a problem (a duplicate name, a control character) is never read; a read never
//! returns more bytes than its bound, whatever the entry's header declares, and reads the same
//! bytes twice.
//!
//! Input: one byte choosing the read bound, then the zip's bytes (written to a file, as the
//! reader opens a file of a tree, never a buffer).
#![cfg_attr(fuzzing, no_main)]
// A temporary directory that cannot be written is the machine failing, not a finding: stop.
#![allow(clippy::expect_used)]

use std::path::PathBuf;
use std::sync::OnceLock;

use topt_cli::outputs::file::TreeDir;
use topt_cli::outputs::zip::Archive;

/// One directory per process for the zip under test, removed when the process exits normally.
fn work_dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("topt-fuzz-zip-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        dir
    })
}

topt_fuzz::target!(|data| {
    let (param, bytes) = topt_fuzz::split_param(data);
    // Bounds from 0 to 16 KiB: small enough that real entries exceed them.
    let limit = u64::from(param) * 64;
    let dir = work_dir();
    std::fs::write(dir.join("outputs.zip"), bytes).expect("the zip written");
    let tree = TreeDir::open(dir).expect("the directory opens");
    let Ok(mut archive) = Archive::open(&tree, "outputs.zip") else {
        return;
    };
    let entries = archive.entries().to_vec();
    assert!(
        entries.windows(2).all(|w| w[0].name <= w[1].name),
        "entries are sorted by name"
    );
    for entry in &entries {
        assert!(
            !entry.shown.chars().any(char::is_control),
            "a shown name holds a control character: {:?}",
            entry.shown
        );
        if entry.name.chars().any(char::is_control) {
            assert!(entry.problem.is_some(), "a control character is a problem");
        }
        assert!(archive.has(&entry.name));
        let first = archive.read(&entry.name, limit);
        if entry.problem.is_some() {
            assert!(first.is_err(), "an entry with a problem was read");
            continue;
        }
        if let Ok(body) = &first {
            assert!(body.len() as u64 <= limit, "read past the bound");
        }
        let again = archive.read(&entry.name, limit);
        assert_eq!(first, again, "two reads of one entry differ");
    }
});
