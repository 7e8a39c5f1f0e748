//! Opening a keyed response (known tests, test management) one level at a time, so that each
//! module is decoded only when its split file is written.
//!
//! Decoding a 25 MB test-management response into one `serde_json::Value` costs hundreds of
//! megabytes (every small object is a B-tree node); holding the module map as raw slices keeps
//! the peak near the response size and lets the writer threads decode modules in parallel.
//! The result is the same as `topt_core::bundle::narrow` for every module (tested below).

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

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

/// A level of the path being opened: an object (its other members decoded, the followed member
/// opened further), the module map itself, or anything else (no modules).
enum Opened<'a> {
    Map {
        members: Map<String, Value>,
        child: Option<(String, Box<Opened<'a>>)>,
    },
    Modules(Vec<(String, &'a RawValue)>),
    Other,
}

/// Opens `data.attributes.<key>`; malformed levels yield no modules, as in the reference.
///
/// One pass over the bytes: each level decodes the members beside the path into `Value`s and
/// the module map keeps its values as raw slices.
pub fn open_keyed<'a>(bytes: &'a [u8], key: &'static str) -> Keyed<'a> {
    let path = ["data", "attributes", key];
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let opened = Level { path: &path }
        .deserialize(&mut de)
        .and_then(|opened| de.end().map(|()| opened));
    match opened.ok().and_then(rebuild) {
        Some((envelope, modules)) => Keyed {
            envelope,
            key,
            modules: modules
                .into_iter()
                .filter(|(_, v)| v.get().starts_with('{'))
                .collect(),
        },
        None => Keyed {
            envelope: Value::Null,
            key,
            modules: Vec::new(),
        },
    }
}

/// The envelope with `null` in place of the module map, and the raw modules.
fn rebuild(opened: Opened<'_>) -> Option<(Value, Vec<(String, &RawValue)>)> {
    match opened {
        Opened::Modules(modules) => Some((Value::Null, modules)),
        Opened::Map {
            mut members,
            child: Some((name, child)),
        } => {
            let (value, modules) = rebuild(*child)?;
            members.insert(name, value);
            Some((Value::Object(members), modules))
        }
        Opened::Map { child: None, .. } | Opened::Other => None,
    }
}

/// Seed for one level; `path` is what remains to follow (empty: this is the module map).
struct Level<'p> {
    path: &'p [&'p str],
}

impl<'de> DeserializeSeed<'de> for Level<'_> {
    type Value = Opened<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Level<'_> {
    type Value = Opened<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let Some((next, rest)) = self.path.split_first() else {
            // A map: byte order, and the last of duplicate names wins, as when decoding a Value.
            let mut modules = std::collections::BTreeMap::new();
            while let Some(name) = map.next_key::<String>()? {
                let raw: &'de RawValue = map.next_value()?;
                modules.insert(name, raw);
            }
            return Ok(Opened::Modules(modules.into_iter().collect()));
        };
        let mut members = Map::new();
        let mut child = None;
        while let Some(name) = map.next_key::<String>()? {
            if name == *next {
                let opened = map.next_value_seed(Level { path: rest })?;
                members.remove(&name);
                child = Some((name, Box::new(opened)));
            } else {
                let value: Value = map.next_value()?;
                members.insert(name, value);
            }
        }
        Ok(Opened::Map { members, child })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Opened::Other)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Opened::Other)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Opened::Other)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Opened::Other)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Opened::Other)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Opened::Other)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Opened::Other)
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
        check_bytes(kind, key, response.to_string().as_bytes());
    }

    fn check_bytes(kind: BundleKind, key: &'static str, bytes: &[u8]) {
        let response: Value = serde_json::from_slice(bytes).unwrap_or_default();
        let response = &response;
        let opened = open_keyed(bytes, key);
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
        for raw in [
            r#"{"data":"x"}"#,
            r#"{"data":{"attributes":{"tests":{"a":{"s":[1]},"a":{"s":[2]},"b":{}}},"id":1}}"#,
            r#"{"data":{"attributes":{"tests":{"a":{}}}},"data":{"attributes":7}}"#,
            r#"{"data":{"attributes":{"tests":{"a":{}}}},"data":{"attributes":{"tests":{"b":{}}}}}"#,
            r#" {"x":[1,{"y":null}],"data":{"attributes":{"other":[true,false],"tests":{"z":{"s":["é"]}}}}} "#,
        ] {
            check_bytes(BundleKind::KnownTests, "tests", raw.as_bytes());
        }
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
