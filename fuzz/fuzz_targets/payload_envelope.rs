//! Payload bytes through both gates: the doctor's envelope checks (`payloads::checks`,
//! `payloads::schema`) and libtopt's write-time preparation (`payload::prepare`, JSON validated,
//! msgpack transcoded). Neither may panic; JSON that libtopt accepts is kept byte for byte and is
//! never reported as unparsable by the doctor; transcoded msgpack is always valid JSON; the
//! borrowed `Doc` agrees with `serde_json::Value` on every input.
//!
//! Input: one byte choosing the kind, then the payload bytes.
#![cfg_attr(fuzzing, no_main)]

use serde_json::Value;
use topt_core::payload::{PayloadFormat, PayloadKind, prepare};
use topt_core::payloads::checks::{Severity, check_payload};
use topt_core::payloads::kind::Kind;
use topt_core::payloads::schema;

topt_fuzz::target!(|data| {
    let (param, bytes) = topt_fuzz::split_param(data);
    let index = usize::from(param % 3);
    let (kind, payload_kind) = (Kind::ALL[index], PayloadKind::ALL[index]);

    let findings = check_payload(kind, bytes);
    let parsed = schema::parse_json(bytes);
    if parsed.is_err() {
        assert!(
            findings.len() == 1 && findings[0].severity == Severity::Error,
            "unparsable payload must be exactly one error: {findings:?}"
        );
    }
    // The borrowed tree the doctor and the uploader parse test payloads into means exactly
    // what `serde_json::Value` means: same accepted inputs, same value.
    let doc = schema::parse_doc(bytes);
    assert_eq!(doc.is_ok(), parsed.is_ok(), "Doc and Value disagree");
    if let (Ok(value), Ok(doc)) = (&parsed, &doc) {
        assert_eq!(&doc.to_value(), value);
        for issue in schema::check_test_payload(doc) {
            assert!(issue.path.starts_with('$'), "{issue:?}");
        }
    }

    if let Ok(json) = prepare(payload_kind, PayloadFormat::Json, bytes) {
        assert_eq!(json, bytes, "JSON is written byte for byte");
        assert!(parsed.is_ok(), "libtopt wrote JSON the doctor cannot parse");
    }
    if let Ok(json) = prepare(payload_kind, PayloadFormat::Msgpack, bytes) {
        let reparsed: Result<Value, _> = serde_json::from_slice(&json);
        assert!(reparsed.is_ok(), "transcoded msgpack is not JSON");
        assert!(schema::parse_json(&json).is_ok());
    }
});
