//! The one validation of a payload's bytes, used by the doctor and the uploader, so they never
//! disagree: a [`Verdict::Reject`] is an error in the doctor and a failure the uploader reports
//! and keeps; a [`Verdict::Skip`] is a doctor warning and a file the uploader keeps without
//! counting a failure; [`Verdict::Send`] goes out.

use serde_json::Value;
use topt_core::payloads::doc::Doc;
use topt_core::payloads::kind::{FileClass, Kind, classify};
use topt_core::payloads::schema;

#[derive(Debug)]
pub enum Verdict<'a> {
    /// Fine to send, with what was parsed.
    Send(Parsed<'a>),
    /// Not sent, not a failure, kept (a `{}` placeholder).
    Skip(String),
    /// Not sent, a failure, kept and reported.
    Reject(Reject),
}

/// A payload that may go out, as parsed by its verdict.
#[derive(Debug)]
pub enum Parsed<'a> {
    /// A test payload, borrowing from the file's bytes.
    Test(Doc<'a>),
    Telemetry(Value),
    /// Coverage: checked well-formed, sent as it is.
    Opaque,
}

/// Why a payload is refused, and what the writer should do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject {
    pub message: String,
    pub fix: &'static str,
}

const FIX_JSON: &str =
    "the test must write one complete JSON document per file (write to a temp name, then rename)";
const FIX_TEST: &str = "write a citestcycle body: {\"version\":1,\"metadata\":{…},\"events\":[…]}";
const FIX_TELEMETRY: &str = "write one raw instrumentation-telemetry request body per file";
const FIX_MSGPACK: &str = "tests must write JSON payloads (DD_TEST_OPTIMIZATION_PAYLOADS_IN_FILES mode transcodes to JSON)";

fn reject<'a>(message: impl Into<String>, fix: &'static str) -> Verdict<'a> {
    Verdict::Reject(Reject {
        message: message.into(),
        fix,
    })
}

/// The verdict the name alone decides (before anything is read): msgpack tests and telemetry.
pub fn by_name(kind: Kind, name: &str) -> Option<Reject> {
    if classify(name) != FileClass::Msgpack {
        return None;
    }
    let (message, fix) = match kind {
        Kind::Tests => (
            "raw msgpack test payload is not supported in Bazel file mode; tests must write JSON",
            FIX_MSGPACK,
        ),
        Kind::Telemetry => (
            "telemetry payload must be JSON (the intake takes JSON telemetry only)",
            FIX_TELEMETRY,
        ),
        Kind::Coverage => return None,
    };
    Some(Reject {
        message: message.into(),
        fix,
    })
}

/// Judges one depth-1 payload file of `payloads/<kind>/` named `name`.
pub fn payload<'a>(kind: Kind, name: &str, bytes: &'a [u8]) -> Verdict<'a> {
    if let Some(r) = by_name(kind, name) {
        return Verdict::Reject(r);
    }
    let msgpack = classify(name) == FileClass::Msgpack;
    match (kind, msgpack) {
        (Kind::Coverage, true) => match msgpack_well_formed(bytes) {
            Ok(()) => Verdict::Send(Parsed::Opaque),
            Err(e) => reject(
                format!("coverage payload is not valid msgpack ({e})"),
                "the tracer must write one complete msgpack document per file",
            ),
        },
        (Kind::Coverage, false) => match json_well_formed(bytes) {
            Ok(()) => Verdict::Send(Parsed::Opaque),
            Err(e) => reject(
                format!("coverage payload is not valid JSON ({e})"),
                FIX_JSON,
            ),
        },
        (Kind::Tests, _) => test_payload(bytes),
        (Kind::Telemetry, _) => telemetry_payload(bytes),
    }
}

/// The verdict on bytes that are not one JSON document (`e`, the parser's error).
fn unparsable<'a>(bytes: &[u8], e: String) -> Verdict<'a> {
    let what = if bytes.iter().all(u8::is_ascii_whitespace) {
        "empty file: not a JSON document".to_string()
    } else {
        format!("invalid JSON: {e}")
    };
    reject(what, FIX_JSON)
}

fn test_payload(bytes: &[u8]) -> Verdict<'_> {
    let v = match schema::parse_doc(bytes) {
        Ok(v) => v,
        Err(e) => return unparsable(bytes, e),
    };
    if !v.is_object() {
        return reject("test payload is not a JSON object", FIX_TEST);
    }
    if schema::is_placeholder(&v) {
        return Verdict::Skip(
            "placeholder test payload without events ({} or empty events); kept, not sent".into(),
        );
    }
    Verdict::Send(Parsed::Test(v))
}

fn telemetry_payload(bytes: &[u8]) -> Verdict<'_> {
    let v = match schema::parse_json(bytes) {
        Ok(v) => v,
        Err(e) => return unparsable(bytes, e),
    };
    let text = |k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty())
    };
    if !v.is_object() || !text("api_version") || !text("request_type") {
        return reject(
            "telemetry payload needs non-empty string api_version and request_type",
            FIX_TELEMETRY,
        );
    }
    Verdict::Send(Parsed::Telemetry(v))
}

/// Whether `bytes` are one JSON document, without building it (coverage stays opaque).
fn json_well_formed(bytes: &[u8]) -> Result<(), String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err("file is empty".into());
    }
    serde_json::from_slice::<serde::de::IgnoredAny>(bytes)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// Whether `bytes` are exactly one well-formed msgpack value. Walks markers with a counter of
/// values still expected: no allocation, so a header announcing 2^32 elements costs nothing.
pub fn msgpack_well_formed(bytes: &[u8]) -> Result<(), String> {
    let mut pos = 0usize;
    let mut pending: u64 = 1;
    let be = |at: usize, n: usize| -> Result<u64, String> {
        let b = bytes.get(at..at + n).ok_or("truncated")?;
        Ok(b.iter().fold(0u64, |a, &x| (a << 8) | u64::from(x)))
    };
    while pending > 0 {
        let m = *bytes.get(pos).ok_or("truncated")?;
        pos += 1;
        pending -= 1;
        // (bytes to skip, values that follow)
        let (skip, more): (u64, u64) = match m {
            0x00..=0x7f | 0xe0..=0xff | 0xc0 | 0xc2 | 0xc3 => (0, 0),
            0x80..=0x8f => (0, 2 * u64::from(m & 0x0f)),
            0x90..=0x9f => (0, u64::from(m & 0x0f)),
            0xa0..=0xbf => (u64::from(m & 0x1f), 0),
            0xc1 => return Err("byte 0xc1 is never used".into()),
            0xc4 | 0xd9 => (1 + be(pos, 1)?, 0),
            0xc5 | 0xda => (2 + be(pos, 2)?, 0),
            0xc6 | 0xdb => (4 + be(pos, 4)?, 0),
            0xc7 => (2 + be(pos, 1)?, 0),
            0xc8 => (3 + be(pos, 2)?, 0),
            0xc9 => (5 + be(pos, 4)?, 0),
            0xca => (4, 0),
            0xcb => (8, 0),
            0xcc | 0xd0 => (1, 0),
            0xcd | 0xd1 => (2, 0),
            0xce | 0xd2 => (4, 0),
            0xcf | 0xd3 => (8, 0),
            0xd4..=0xd8 => (1 + (1 << (m - 0xd4)), 0),
            0xdc => (2, be(pos, 2)?),
            0xdd => (4, be(pos, 4)?),
            0xde => (2, 2 * be(pos, 2)?),
            0xdf => (4, 2 * be(pos, 4)?),
        };
        pos = usize::try_from(skip)
            .ok()
            .and_then(|s| pos.checked_add(s))
            .filter(|&p| p <= bytes.len())
            .ok_or("truncated")?;
        pending += more;
        // Every value takes at least one byte.
        if pending > (bytes.len() - pos) as u64 {
            return Err("truncated".into());
        }
    }
    if pos != bytes.len() {
        return Err(format!("{} trailing bytes", bytes.len() - pos));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejected(v: &Verdict<'_>) -> bool {
        matches!(v, Verdict::Reject(_))
    }

    #[test]
    fn verdicts() {
        assert!(rejected(&payload(Kind::Tests, "a.json", b"")));
        assert!(rejected(&payload(Kind::Tests, "a.json", b"[1,2,3]")));
        assert!(rejected(&payload(Kind::Tests, "a.msgpack", &[0x80])));
        assert!(matches!(
            payload(Kind::Tests, "a.json", b"{}"),
            Verdict::Skip(_)
        ));
        assert!(matches!(
            payload(Kind::Tests, "a.json", br#"{"events":[{}]}"#),
            Verdict::Send(Parsed::Test(_))
        ));
        assert!(rejected(&payload(Kind::Coverage, "c.json", b"nope")));
        assert!(matches!(
            payload(Kind::Coverage, "c.json", b"[1]"),
            Verdict::Send(Parsed::Opaque)
        ));
        assert!(rejected(&payload(Kind::Telemetry, "t.json", b"{}")));
        assert!(rejected(&payload(Kind::Telemetry, "t.msgpack", &[0x80])));
    }

    #[test]
    fn msgpack() {
        assert!(msgpack_well_formed(&[0x80]).is_ok());
        assert!(msgpack_well_formed(&[0x82, 0xa1, b'a', 0x01, 0xa1, b'b', 0xc3]).is_ok());
        assert!(msgpack_well_formed(&[0x92, 0xcd, 0x01, 0x00, 0xd4, 0x01, 0x02]).is_ok());
        assert!(msgpack_well_formed(&[0x82, 0xa1, b'a']).is_err());
        assert!(msgpack_well_formed(&[0xc1]).is_err());
        assert!(msgpack_well_formed(&[0x80, 0x80]).is_err(), "two values");
        assert!(msgpack_well_formed(&[0xdd, 0xff, 0xff, 0xff, 0xff]).is_err());
        assert!(msgpack_well_formed(&[0xc6, 0xff, 0xff, 0xff, 0xff]).is_err());
        assert!(msgpack_well_formed(&[]).is_err());
    }
}
