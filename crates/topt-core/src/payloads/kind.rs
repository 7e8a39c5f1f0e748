//! The three payload kinds and which file names count as payloads.

use std::path::{Path, PathBuf};

/// Directory (inside `TEST_UNDECLARED_OUTPUTS_DIR` / `test.outputs`) holding the kind dirs.
pub const PAYLOADS_DIR: &str = "payloads";
/// The Bazel target metadata sidecar, copied by the wrapper launcher to the outputs root.
pub const SIDECAR: &str = "bazel_target_metadata.json";
/// Bazel ≤ 7 zips undeclared outputs into this file inside `test.outputs`.
pub const OUTPUTS_ZIP: &str = "outputs.zip";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Tests,
    Coverage,
    Telemetry,
}

impl Kind {
    /// Upload order of the reference: tests, then coverage, then telemetry.
    pub const ALL: [Kind; 3] = [Kind::Tests, Kind::Coverage, Kind::Telemetry];

    pub fn dir_name(self) -> &'static str {
        match self {
            Kind::Tests => "tests",
            Kind::Coverage => "coverage",
            Kind::Telemetry => "telemetry",
        }
    }

    /// Singular word used in log lines (`uploaded test payload: …`).
    pub fn noun(self) -> &'static str {
        match self {
            Kind::Tests => "test",
            Kind::Coverage => "coverage",
            Kind::Telemetry => "telemetry",
        }
    }

    pub fn from_dir_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.dir_name() == name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileClass {
    Json,
    Msgpack,
    MsgpackGz,
    Other,
}

/// Classifies a file name. Dot-prefixed names are writer temp files or upload claims, never payloads.
pub fn classify(name: &str) -> FileClass {
    if name.starts_with('.') {
        FileClass::Other
    } else if name.ends_with(".json") {
        FileClass::Json
    } else if name.ends_with(".msgpack") {
        FileClass::Msgpack
    } else if name.ends_with(".msgpack.gz") {
        FileClass::MsgpackGz
    } else {
        FileClass::Other
    }
}

/// What the uploader does with a depth-1 file of a kind directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// Send it.
    Upload,
    /// A raw msgpack test payload: reported as a failure and kept (the intake wants JSON).
    RejectMsgpack,
    /// Not a payload (temp file, claim, other extension).
    Ignore,
}

pub fn disposition(kind: Kind, name: &str) -> Disposition {
    match (kind, classify(name)) {
        (_, FileClass::Json) => Disposition::Upload,
        (Kind::Tests, FileClass::Msgpack) => Disposition::RejectMsgpack,
        (_, FileClass::Msgpack) => Disposition::Upload,
        _ => Disposition::Ignore,
    }
}

/// Optional reference prefix filter (`DD_TEST_OPTIMIZATION_FILTER_PREFIX`); telemetry is never filtered.
pub fn passes_prefix_filter(kind: Kind, name: &str) -> bool {
    match kind {
        Kind::Tests => name.starts_with("span_events_"),
        Kind::Coverage => name.starts_with("coverage_"),
        Kind::Telemetry => true,
    }
}

/// The one place both the doctor and the uploader look for the sidecar: the outputs root.
pub fn sidecar_path(outputs_dir: &Path) -> PathBuf {
    outputs_dir.join(SIDECAR)
}

/// Zip entry name of a depth-1 payload (`payloads/<kind>/<file>`), if it is one.
pub fn zip_entry_payload(entry: &str) -> Option<(Kind, &str)> {
    let rest = entry.strip_prefix("payloads/")?;
    let (dir, file) = rest.split_once('/')?;
    if file.is_empty() || file.contains('/') {
        return None;
    }
    Some((Kind::from_dir_name(dir)?, file))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_names() {
        assert_eq!(
            disposition(Kind::Tests, "tests-1.json"),
            Disposition::Upload
        );
        assert_eq!(
            disposition(Kind::Tests, "a.msgpack"),
            Disposition::RejectMsgpack
        );
        assert_eq!(
            disposition(Kind::Coverage, "a.msgpack"),
            Disposition::Upload
        );
        assert_eq!(
            disposition(Kind::Tests, ".a.json.claim-12"),
            Disposition::Ignore
        );
        assert_eq!(disposition(Kind::Tests, ".tmp-a"), Disposition::Ignore);
        assert_eq!(
            zip_entry_payload("payloads/tests/a.json"),
            Some((Kind::Tests, "a.json"))
        );
        assert_eq!(zip_entry_payload("payloads/tests/x/a.json"), None);
    }
}
