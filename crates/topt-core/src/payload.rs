//! Atomic payload files in `$TEST_UNDECLARED_OUTPUTS_DIR/payloads/{tests,coverage,telemetry}/`.
//!
//! Each payload is written to a dot-prefixed temp file that does not end in `.json` (so the
//! uploader's `*.json` glob never sees it), fsynced, renamed to its final name, and the directory
//! is fsynced. Names are `{kind}-{seq:020}-{pid}-{unix_nanos}.json`: the process-wide sequence
//! keeps order within a process, the pid (read at every write, so forked workers differ) and the
//! timestamp keep names unique across processes.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::context::Context;
use crate::error::{Error, ErrorKind, Result};
use crate::msgpack;

/// The three payload kinds. Values are the C ABI's `topt_PayloadKind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PayloadKind {
    Tests,
    Coverage,
    Telemetry,
}

impl PayloadKind {
    pub const ALL: [PayloadKind; 3] = [
        PayloadKind::Tests,
        PayloadKind::Coverage,
        PayloadKind::Telemetry,
    ];

    /// The directory name and file-name prefix.
    pub fn name(self) -> &'static str {
        match self {
            PayloadKind::Tests => "tests",
            PayloadKind::Coverage => "coverage",
            PayloadKind::Telemetry => "telemetry",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        PayloadKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// How the payload bytes are encoded. Values are the C ABI's `topt_PayloadFormat`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PayloadFormat {
    Json,
    /// Transcoded to JSON before writing: the uploader accepts JSON only.
    Msgpack,
}

impl PayloadFormat {
    pub fn name(self) -> &'static str {
        match self {
            PayloadFormat::Json => "json",
            PayloadFormat::Msgpack => "msgpack",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        [PayloadFormat::Json, PayloadFormat::Msgpack]
            .into_iter()
            .find(|f| f.name() == name)
    }
}

static SEQUENCE: AtomicU64 = AtomicU64::new(0);

/// The file name for the next payload of `kind` written by this process.
pub fn next_file_name(kind: PayloadKind) -> String {
    let seq = SEQUENCE.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "{}-{seq:020}-{}-{nanos}.json",
        kind.name(),
        std::process::id()
    )
}

/// True when `name` has the shape libtopt gives payload files.
pub fn is_payload_file_name(name: &str) -> bool {
    let Some(stem) = name.strip_suffix(".json") else {
        return false;
    };
    let parts: Vec<&str> = stem.split('-').collect();
    matches!(parts.as_slice(), [kind, seq, pid, nanos]
        if PayloadKind::from_name(kind).is_some()
            && seq.len() == 20
            && [seq, pid, nanos].iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())))
}

/// Checks a payload and returns the JSON bytes to write.
///
/// JSON is validated and kept byte for byte; msgpack is transcoded. Empty input, and a test
/// payload that is `{}` (the uploader skips those), are rejected. Validation parses the whole
/// document as the doctor and the uploader do, so nothing is written that they could not read
/// (skipping values unparsed let through strings that are not UTF-8 and numbers out of range).
pub fn prepare(kind: PayloadKind, format: PayloadFormat, data: &[u8]) -> Result<Vec<u8>> {
    if data.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::invalid(format!(
            "empty {} payload: nothing to write (pass the serialized payload bytes)",
            kind.name()
        )));
    }
    let json = match format {
        PayloadFormat::Json => {
            if let Err(e) = std::str::from_utf8(data) {
                return Err(Error::parse(format!(
                    "{} payload is not UTF-8 (invalid byte at offset {}): JSON text must be \
                     UTF-8; encode strings as UTF-8 (or \\u escapes) before writing",
                    kind.name(),
                    e.valid_up_to()
                )));
            }
            data.to_vec()
        }
        PayloadFormat::Msgpack => msgpack::to_json(data)?.to_string().into_bytes(),
    };
    let value: Value = serde_json::from_slice(&json).map_err(|e| invalid_json(kind, &e))?;
    match kind {
        PayloadKind::Tests | PayloadKind::Coverage => {
            let Some(top) = value.as_object() else {
                return Err(Error::parse(format!(
                    "{} payload is not a JSON object; write {{\"version\":1,…}}",
                    kind.name()
                )));
            };
            if kind == PayloadKind::Tests && top.is_empty() {
                return Err(Error::invalid(
                    "test payload is '{}': the uploader skips empty placeholders; write \
                     {\"version\":1,\"metadata\":{…},\"events\":[…]} or nothing",
                ));
            }
        }
        PayloadKind::Telemetry => {}
    }
    Ok(json)
}

fn invalid_json(kind: PayloadKind, err: &serde_json::Error) -> Error {
    let expected = match kind {
        PayloadKind::Telemetry => "a JSON document",
        _ => "a JSON object",
    };
    Error::parse(format!(
        "{} payload is not {expected}: {err}; write JSON (or pass the msgpack format to transcode)",
        kind.name()
    ))
}

/// Writes `contents` to `dir/name` atomically and durably.
pub fn write_atomic(dir: &Path, name: &str, contents: &[u8]) -> Result<PathBuf> {
    fs::create_dir_all(dir).map_err(|e| Error::io("cannot create payload directory", dir, &e))?;
    let temp = dir.join(format!(".{name}.tmp"));
    let target = dir.join(name);
    let result = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
            .map_err(|e| Error::io("cannot create temp file", &temp, &e))?;
        file.write_all(contents)
            .map_err(|e| Error::io("cannot write", &temp, &e))?;
        file.sync_all()
            .map_err(|e| Error::io("cannot fsync", &temp, &e))?;
        fs::rename(&temp, &target).map_err(|e| Error::io("cannot rename temp file to", &target, &e))
    })();
    if let Err(err) = result {
        let _ = fs::remove_file(&temp);
        return Err(err);
    }
    // Persist the rename itself; best effort, as not every platform can fsync a directory.
    if let Ok(handle) = File::open(dir) {
        let _ = handle.sync_all();
    }
    Ok(target)
}

impl Context {
    /// Validates (or transcodes) a payload and writes it as a new file; returns its path.
    pub fn write_payload(
        &self,
        kind: PayloadKind,
        format: PayloadFormat,
        data: &[u8],
    ) -> Result<PathBuf> {
        let dir = match (&self.payloads.dir, self.payloads.enabled) {
            (Some(dir), true) => dir.join(kind.name()),
            _ => {
                return Err(Error::new(
                    ErrorKind::NotEnabled,
                    self.payloads
                        .diagnostic
                        .clone()
                        .unwrap_or_else(|| "payload files are off".to_owned()),
                ));
            }
        };
        let json = prepare(kind, format, data)?;
        write_atomic(&dir, &next_file_name(kind), &json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_numbers_out_of_range_are_rejected_in_every_kind() {
        // Found by the payload_envelope fuzz target: `9e75807` passed the old validation, which
        // skipped values unparsed, and neither the doctor nor the uploader could parse the file.
        for kind in PayloadKind::ALL {
            let err = prepare(
                kind,
                PayloadFormat::Json,
                b"{\"span_id\":92233720368547e75807}",
            )
            .expect_err("out of range");
            assert_eq!(err.kind(), ErrorKind::Parse, "{kind:?}");
            assert!(
                crate::payloads::schema::parse_json(b"{\"span_id\":92233720368547e75807}").is_err(),
                "the doctor rejects it too"
            );
        }
    }

    #[test]
    fn json_that_is_not_utf8_is_rejected_in_every_kind() {
        // Found by the payload_envelope fuzz target: a byte 0xF3 inside a string of an
        // otherwise valid citestcycle payload was written, and the uploader could not parse it.
        for kind in PayloadKind::ALL {
            let err = prepare(kind, PayloadFormat::Json, b"{\"name\":\"Te\xf3tAdd\"}")
                .expect_err("not UTF-8");
            assert_eq!(err.kind(), crate::error::ErrorKind::Parse, "{kind:?}");
            assert!(err.message().contains("offset 11"), "{}", err.message());
        }
    }

    #[test]
    fn names_have_the_documented_shape() {
        let name = next_file_name(PayloadKind::Coverage);
        assert!(is_payload_file_name(&name), "{name}");
        assert!(!is_payload_file_name(".tests-1.json.tmp"));
    }

    #[test]
    fn placeholders_and_garbage_are_rejected() {
        let err = prepare(PayloadKind::Tests, PayloadFormat::Json, b" {} ").expect_err("{}");
        assert_eq!(err.kind(), ErrorKind::InvalidArgument);
        assert!(prepare(PayloadKind::Coverage, PayloadFormat::Json, b"{}").is_ok());
        assert!(prepare(PayloadKind::Tests, PayloadFormat::Json, b"").is_err());
        let err = prepare(PayloadKind::Tests, PayloadFormat::Json, b"{\"a\":").expect_err("trunc");
        assert_eq!(err.kind(), ErrorKind::Parse);
    }
}
