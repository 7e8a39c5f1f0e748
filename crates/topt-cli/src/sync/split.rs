//! Opening a keyed response (known tests, test management) one level at a time, so that each
//! module is decoded only when its split file is written.
//!
//! Decoding a 25 MB test-management response into one `serde_json::Value` costs hundreds of
//! megabytes (every small object is a B-tree node); holding the module map as raw slices keeps
//! the peak near the response size and lets the writer threads decode modules in parallel.
//! The result is the same as `topt_core::bundle::narrow` for every module (tested below).

use std::collections::BTreeMap;

use serde_json::value::RawValue;
use serde_json::{Map, Value};

type RawMap<'a> = BTreeMap<String, &'a RawValue>;

/// A keyed response with its module map still raw.
#[derive(Debug)]
pub struct Keyed<'a> {
    /// The whole response with the module map replaced by `null` (everything but the modules).
    pub envelope: Value,
    /// The attribute holding the module map (`tests` or `modules`).
    pub key: &'static str,
    /// Object-valued modules in byte order, as raw JSON.
    pub modules: Vec<(String, &'a RawValue)>,
}

fn raw_object<'a>(raw: &'a RawValue) -> Option<RawMap<'a>> {
    if !raw.get().starts_with('{') {
        return None;
    }
    serde_json::from_str(raw.get()).ok()
}

/// Decodes every member of `map` except `skip`.
fn decode_except(map: &RawMap<'_>, skip: &str) -> Option<Map<String, Value>> {
    map.iter()
        .filter(|(k, _)| k.as_str() != skip)
        .map(|(k, v)| serde_json::from_str(v.get()).ok().map(|v| (k.clone(), v)))
        .collect()
}

/// Opens `data.attributes.<key>`; malformed levels yield no modules, as in the reference.
pub fn open_keyed<'a>(bytes: &'a [u8], key: &'static str) -> Keyed<'a> {
    let empty = Keyed {
        envelope: Value::Null,
        key,
        modules: Vec::new(),
    };
    let Ok(top) = serde_json::from_slice::<RawMap<'a>>(bytes) else {
        return empty;
    };
    let Some(data) = top.get("data").and_then(|r| raw_object(r)) else {
        return empty;
    };
    let Some(attributes) = data.get("attributes").and_then(|r| raw_object(r)) else {
        return empty;
    };
    let Some(modules) = attributes.get(key).and_then(|r| raw_object(r)) else {
        return empty;
    };
    let envelope = (|| {
        let mut attrs = decode_except(&attributes, key)?;
        attrs.insert(key.to_owned(), Value::Null);
        let mut data_v = decode_except(&data, "attributes")?;
        data_v.insert("attributes".to_owned(), Value::Object(attrs));
        let mut top_v = decode_except(&top, "data")?;
        top_v.insert("data".to_owned(), Value::Object(data_v));
        Some(Value::Object(top_v))
    })();
    let Some(envelope) = envelope else {
        return empty;
    };
    let modules = modules
        .into_iter()
        .filter(|(_, v)| v.get().starts_with('{'))
        .collect();
    Keyed {
        envelope,
        key,
        modules,
    }
}

/// The response narrowed to one module (its decoded value), envelope kept.
pub fn narrowed(envelope: &Value, key: &str, module: &str, value: Value) -> Value {
    let mut copy = envelope.clone();
    let slot = copy
        .get_mut("data")
        .and_then(|d| d.get_mut("attributes"))
        .and_then(|a| a.get_mut(key));
    if let Some(slot) = slot {
        let mut only = Map::new();
        only.insert(module.to_owned(), value);
        *slot = Value::Object(only);
    }
    copy
}

/// Tests in one module's value, counted as the reference counts them for telemetry: known
/// tests sum the lengths of suite lists; test management sums the sizes of `suites.*.tests`.
pub fn count_tests(key: &str, module: &Value) -> u64 {
    let Some(suites) = module.as_object() else {
        return 0;
    };
    if key == "tests" {
        return suites
            .values()
            .filter_map(Value::as_array)
            .map(|t| t.len() as u64)
            .sum();
    }
    module
        .get("suites")
        .and_then(Value::as_object)
        .map_or(0, |suites| {
            suites
                .values()
                .filter_map(|s| s.get("tests").and_then(Value::as_object))
                .map(|t| t.len() as u64)
                .sum()
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use topt_core::bundle::{self, BundleKind};

    fn check(kind: BundleKind, key: &'static str, response: &Value) {
        let bytes = response.to_string().into_bytes();
        let opened = open_keyed(&bytes, key);
        let got: Vec<(String, Value)> = opened
            .modules
            .iter()
            .map(|(m, raw)| {
                let value: Value = serde_json::from_str(raw.get()).unwrap_or_default();
                (m.clone(), narrowed(&opened.envelope, key, m, value))
            })
            .collect();
        let expected: Vec<(String, Value)> = bundle::modules(kind, response)
            .into_iter()
            .filter_map(|m| bundle::narrow(kind, response, &m).map(|v| (m, v)))
            .collect();
        assert_eq!(got, expected, "{response}");
    }

    #[test]
    fn same_as_narrow_for_every_module() {
        let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/api");
        for (kind, key, file) in [
            (BundleKind::KnownTests, "tests", "known_tests.json"),
            (
                BundleKind::TestManagement,
                "modules",
                "test_management.json",
            ),
        ] {
            let text = std::fs::read_to_string(fixtures.join(file)).unwrap_or_default();
            let response: Value = serde_json::from_str(&text).unwrap_or_default();
            assert!(!bundle::modules(kind, &response).is_empty());
            check(kind, key, &response);
        }
        let edge_cases = [
            json!({"data": {"id": "k", "attributes": {"tests": {"b": {"s": ["t"]}, "a": {}, "bad": 1}, "x": 1}}, "meta": {}}),
            json!({"data": {"attributes": {"tests": []}}}),
            json!({"data": []}),
            json!({"data": {"attributes": {"tests": {"é/模块": {"s": ["ü"]}, "Pkg-A": {}}}}}),
        ];
        for response in &edge_cases {
            check(BundleKind::KnownTests, "tests", response);
        }
        assert!(open_keyed(b"[1]", "tests").modules.is_empty());
    }

    #[test]
    fn counts_follow_the_reference() {
        assert_eq!(
            count_tests("tests", &json!({"s": ["a", "b"], "t": ["c"], "u": {}})),
            3
        );
        assert_eq!(
            count_tests(
                "modules",
                &json!({"suites": {"s": {"tests": {"a": {}, "b": {}}}, "t": 1}})
            ),
            2
        );
    }
}
