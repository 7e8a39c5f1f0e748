//! What a backend response must be before it is written where tracers read it: a JSON object,
//! valid UTF-8, nested at most `shape::MAX_DEPTH` levels, and of the shape every tracer decodes.
//!
//! The shapes are the strictest of the tracers' readers: dd-trace-js validates the files
//! (`test-optimization-http-cache-schema.js`: required members, suites as arrays of strings,
//! test-management tests with `properties`), dd-trace-go decodes them into typed structs (a
//! string where a boolean or an integer is expected fails the whole file), and dd-trace-py and
//! dd-trace-java read `early_flake_detection` and `test_management` as objects. Members no
//! tracer reads may be anything. `null` is accepted where every tracer reads it as absent.

use super::requests::Endpoint;
use super::shape::{self, Member, Need::Optional, Need::Required, Shape};

use Shape::{Any, Array, Bool, Int, Nullable, Object, Str};

/// Why a 200 response is not used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invalid {
    /// Not JSON text at all (empty, an HTML page, not UTF-8, a syntax error).
    NotJson(String),
    /// JSON, but not of the shape the tracers read.
    Shape(String),
}

impl Invalid {
    pub fn reason(&self) -> &str {
        match self {
            Invalid::NotJson(why) | Invalid::Shape(why) => why,
        }
    }
}

/// `data.id` and `data.type`, strings where present (Go decodes them into `string`).
const ID: Member = ("id", Optional, Str);
const TYPE: Member = ("type", Optional, Str);

const FLAG: Shape = Nullable(&Bool);

const SETTINGS: Shape = Object(
    &[(
        "data",
        Required,
        Object(
            &[ID, TYPE, ("attributes", Required, SETTINGS_ATTRIBUTES)],
            &Any,
        ),
    )],
    &Any,
);

/// The settings attributes; `settings::REQUIRED` lists the same keys (a test checks it).
pub const SETTINGS_ATTRIBUTES: Shape = Object(
    &[
        ("code_coverage", Optional, FLAG),
        ("tests_skipping", Optional, FLAG),
        ("itr_enabled", Optional, FLAG),
        ("require_git", Optional, FLAG),
        ("flaky_test_retries_enabled", Optional, FLAG),
        ("di_enabled", Optional, FLAG),
        ("known_tests_enabled", Optional, FLAG),
        ("impacted_tests_enabled", Optional, FLAG),
        ("coverage_report_upload_enabled", Optional, FLAG),
        (
            "early_flake_detection",
            Optional,
            Object(
                &[
                    ("enabled", Optional, FLAG),
                    ("slow_test_retries", Optional, Object(&[], &Nullable(&Int))),
                    ("faulty_session_threshold", Optional, Nullable(&Int)),
                ],
                &Any,
            ),
        ),
        (
            "test_management",
            Optional,
            Object(
                &[
                    ("enabled", Optional, FLAG),
                    ("attempt_to_fix_retries", Optional, Nullable(&Int)),
                ],
                &Any,
            ),
        ),
        ("default_branch", Optional, Nullable(&Str)),
    ],
    &Any,
);

/// `{"data": {"attributes": {<key>: <value>}}}` with the envelope members typed.
macro_rules! bundle {
    ($key:literal, $value:expr) => {
        Object(
            &[(
                "data",
                Required,
                Object(
                    &[
                        ID,
                        TYPE,
                        (
                            "attributes",
                            Required,
                            Object(&[($key, Required, $value)], &Any),
                        ),
                    ],
                    &Any,
                ),
            )],
            &Any,
        )
    };
}

/// Module → suite → test names.
const KNOWN_TESTS: Shape = bundle!("tests", Nullable(&Object(&[], &Object(&[], &Array(&Str)))));

/// Module → `suites` → suite → `tests` → test → `properties`.
const TEST_MANAGEMENT: Shape = bundle!(
    "modules",
    Object(
        &[],
        &Object(
            &[(
                "suites",
                Required,
                Object(
                    &[],
                    &Object(
                        &[(
                            "tests",
                            Required,
                            Object(&[], &Object(&[("properties", Required, PROPERTIES)], &Any)),
                        )],
                        &Any,
                    ),
                ),
            )],
            &Any,
        ),
    )
);

const PROPERTIES: Shape = Object(
    &[
        ("quarantined", Optional, FLAG),
        ("disabled", Optional, FLAG),
        ("attempt_to_fix", Optional, FLAG),
    ],
    &Any,
);

/// A list of flaky tests; an entry's module is `attributes.configurations.test.bundle`.
const FLAKY_TESTS: Shape = Object(&[("data", Required, Array(&FLAKY_ENTRY))], &Any);

const FLAKY_ENTRY: Shape = Object(
    &[
        ID,
        TYPE,
        (
            "attributes",
            Optional,
            Object(
                &[
                    ("name", Optional, Str),
                    ("suite", Optional, Str),
                    (
                        "configurations",
                        Optional,
                        Object(
                            &[("test", Optional, Object(&[("bundle", Optional, Str)], &Any))],
                            &Any,
                        ),
                    ),
                ],
                &Any,
            ),
        ),
    ],
    &Any,
);

fn shape_of(endpoint: Endpoint) -> &'static Shape {
    match endpoint {
        Endpoint::Settings => &SETTINGS,
        Endpoint::KnownTests => &KNOWN_TESTS,
        Endpoint::TestManagement => &TEST_MANAGEMENT,
        Endpoint::FlakyTests => &FLAKY_TESTS,
    }
}

/// Checks a 200 response of `endpoint`; the text, when it may be written.
pub fn check(endpoint: Endpoint, bytes: &[u8]) -> Result<&str, Invalid> {
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace());
    let Some(start) = start else {
        return Err(Invalid::NotJson(
            "response is empty; expected JSON object".to_owned(),
        ));
    };
    let first = bytes.get(start).copied().unwrap_or(b' ');
    if !matches!(first, b'{' | b'[') {
        let head = String::from_utf8_lossy(&bytes[start..bytes.len().min(start + 40)]);
        return Err(Invalid::NotJson(format!(
            "response is not JSON (starts with {head:?})"
        )));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        Invalid::NotJson(format!(
            "response is not valid UTF-8 (at byte {})",
            e.valid_up_to()
        ))
    })?;
    if first != b'{' {
        return Err(Invalid::Shape("response must be a JSON object".to_owned()));
    }
    shape::check(text, shape_of(endpoint)).map_err(|(syntax, why)| {
        if syntax && why.contains("escape") {
            // serde_json's words for a lone surrogate are about the escape, not the character.
            Invalid::NotJson(format!(
                "response is not valid JSON: {why} (a \\u escape must encode a whole character; \
                 a lone surrogate such as \\ud800 is not valid Unicode)"
            ))
        } else if syntax {
            Invalid::NotJson(format!("response is not valid JSON: {why}"))
        } else {
            Invalid::Shape(format!("response {why}"))
        }
    })?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_for_what_is_not_json() {
        let err = |bytes: &[u8]| {
            check(Endpoint::Settings, bytes)
                .err()
                .map(|e| e.reason().to_owned())
                .unwrap_or_default()
        };
        assert!(err(b"  ").contains("empty"));
        assert!(err(b"<html>").contains("not JSON"));
        assert!(err(b"[1]").contains("must be a JSON object"));
        assert!(err(b"{\"data\":").contains("not valid JSON"));
        assert!(err(b"{\"\xff\":1}").contains("not valid UTF-8 (at byte 2)"));
        assert!(err(br#"{"\ud800":1}"#).contains("lone surrogate"));
        assert_eq!(
            check(Endpoint::Settings, b"{\"data\":{\"attributes\":{}}}"),
            Ok("{\"data\":{\"attributes\":{}}}")
        );
    }

    /// Every object shape names at most 64 members (the checker's bit set).
    #[test]
    fn shapes_name_at_most_64_members() {
        fn widest(shape: &Shape) -> usize {
            match shape {
                Object(members, others) => members
                    .iter()
                    .map(|(_, _, s)| widest(s))
                    .chain([members.len(), widest(others)])
                    .max()
                    .unwrap_or(0),
                Array(inner) | Nullable(inner) => widest(inner),
                _ => 0,
            }
        }
        for endpoint in Endpoint::ALL {
            assert!(widest(shape_of(endpoint)) <= 64);
        }
    }

    /// The project's own realistic responses pass.
    #[test]
    fn the_fixtures_pass() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/api");
        for endpoint in Endpoint::ALL {
            let bytes = std::fs::read(dir.join(format!("{}.json", endpoint.name())));
            let bytes = bytes.unwrap_or_default();
            assert!(check(endpoint, &bytes).is_ok(), "{}", endpoint.name());
        }
    }
}
