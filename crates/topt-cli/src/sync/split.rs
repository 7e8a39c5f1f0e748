//! Splitting responses per module. A keyed response (known tests, test management) is opened
//! one level at a time, so that each module is decoded only when its split file is written; a
//! flaky-tests response is small and split whole. Decoded values are `json::Json`, which keeps
//! every number's text.
//!
//! Decoding a 25 MB test-management response into one `serde_json::Value` costs hundreds of
//! megabytes (every small object is a B-tree node); holding the module map as raw slices keeps
//! the peak near the response size and lets the writer threads decode modules in parallel.
//! The result is the same as `topt_core::bundle::narrow` for every module (tested below).

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use topt_core::bundle::FLAKY_MODULE_PATH;

use super::canonical;
use super::json::{Json, Text, Verbatim};
use super::skim::{self, Module, Skimmed};

type Members<'a> = BTreeMap<Cow<'a, str>, Json<'a>>;

/// A keyed response with its module map still raw.
#[derive(Debug)]
pub struct Keyed<'a> {
    /// The whole response with the module map replaced by `null` (everything but the modules).
    pub envelope: Json<'a>,
    /// The attribute holding the module map (`tests` or `modules`).
    pub key: &'static str,
    /// Object-valued modules in byte order, as raw JSON, with their tests when the skim
    /// found them canonical (`None`: not known to be).
    pub modules: Vec<Module<'a>>,
}

/// A level of the path being opened: an object (its other members decoded, the followed member
/// opened further), the module map itself, or anything else (no modules).
enum Opened<'a> {
    Map {
        members: Members<'a>,
        child: Option<(String, Box<Opened<'a>>)>,
    },
    Modules(Vec<Module<'a>>),
    Other,
}

/// Opens `data.attributes.<key>`; malformed levels yield no modules, as in the reference.
///
/// One pass over the bytes: the members beside the path are decoded, the module map keeps its
/// values as raw slices. Checked responses are skimmed (`skim`); serde_json opens anything the
/// skim is not sure of.
pub fn open_keyed<'a>(text: &'a str, key: &'static str) -> Keyed<'a> {
    let path = ["data", "attributes", key];
    let opened = match skim::open(text, &path) {
        Some(Skimmed::Opened(envelope, modules)) => Some((envelope, modules)),
        Some(Skimmed::Nothing) => None,
        None => open_with_serde(text, &path),
    };
    match opened {
        Some((envelope, modules)) => Keyed {
            envelope,
            key,
            modules: modules
                .into_iter()
                .filter(|(_, v, _)| v.starts_with('{'))
                .collect(),
        },
        None => Keyed {
            envelope: Json::Null,
            key,
            modules: Vec::new(),
        },
    }
}

/// The envelope and the raw modules through serde_json, which also checks the syntax.
fn open_with_serde<'a>(text: &'a str, path: &[&str]) -> Option<(Json<'a>, Vec<Module<'a>>)> {
    let mut de = serde_json::Deserializer::from_str(text);
    let opened = Level { path }
        .deserialize(&mut de)
        .and_then(|opened| de.end().map(|()| opened));
    opened.ok().and_then(rebuild)
}

/// The envelope with `null` in place of the module map, and the raw modules.
fn rebuild(opened: Opened<'_>) -> Option<(Json<'_>, Vec<Module<'_>>)> {
    match opened {
        Opened::Modules(modules) => Some((Json::Null, modules)),
        Opened::Map {
            mut members,
            child: Some((name, child)),
        } => {
            let (value, modules) = rebuild(*child)?;
            members.insert(Cow::Owned(name), value);
            Some((Json::Object(members), modules))
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
                modules.insert(name, raw.get());
            }
            let modules = modules.into_iter().map(|(m, raw)| (m, raw, None));
            return Ok(Opened::Modules(modules.collect()));
        };
        let mut members = Members::new();
        let mut child = None;
        while let Some(name) = map.next_key::<String>()? {
            if name == *next {
                let opened = map.next_value_seed(Level { path: rest })?;
                members.remove(name.as_str());
                child = Some((name, Box::new(opened)));
            } else {
                // Decoded from its slice, so that its numbers keep their text.
                let raw: &'de RawValue = map.next_value()?;
                let value = Json::parse(raw.get()).map_err(de::Error::custom)?;
                members.insert(Cow::Owned(name), value);
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
pub fn narrowed<'a>(envelope: &Json<'a>, key: &str, module: &str, value: Json<'a>) -> Json<'a> {
    let mut copy = envelope.clone();
    if let Json::Object(root) = &mut copy
        && let Some(Json::Object(data)) = root.get_mut("data")
        && let Some(Json::Object(attributes)) = data.get_mut("attributes")
        && let Some(slot) = attributes.get_mut(key)
    {
        let mut only = Members::new();
        only.insert(Cow::Owned(module.to_owned()), value);
        *slot = Json::Object(only);
    }
    copy
}

/// Tests in one module's value, counted as the reference counts them for telemetry: known
/// tests sum the lengths of suite lists; test management sums the sizes of `suites.*.tests`.
pub fn count_tests(key: &str, module: &Json<'_>) -> u64 {
    let Some(suites) = module.as_object() else {
        return 0;
    };
    if key == "tests" {
        return suites
            .values()
            .filter_map(Json::as_array)
            .map(|t| t.len() as u64)
            .sum();
    }
    module
        .get("suites")
        .and_then(Json::as_object)
        .map_or(0, |suites| {
            suites
                .values()
                .filter_map(|s| s.get("tests").and_then(Json::as_object))
                .map(|t| t.len() as u64)
                .sum()
        })
}

/// A flaky-tests response opened for splitting: the number of entries, and every module's
/// entries in their original order (modules in byte order) as raw slices, to be written
/// inside `envelope` (the response with `data` replaced) by the writer threads.
///
/// Decoding the whole response into one tree built every entry's four small objects at once
/// (10 000 entries: tens of MB of B-tree nodes, freshly faulted in); this keeps slices, and an
/// entry already in the generated encoding is written as it is.
#[derive(Debug, Default)]
pub struct Flaky<'a> {
    pub envelope: Json<'a>,
    pub tests: u64,
    pub parts: Vec<(String, Vec<&'a str>)>,
}

/// Opens a flaky-tests response: as decoding it whole and splitting it would, the last `data`
/// member counts, entries without a module at [`FLAKY_MODULE_PATH`] are dropped, and anything
/// but an object with a `data` array has no modules.
pub fn open_flaky(text: &str) -> Flaky<'_> {
    let mut de = serde_json::Deserializer::from_str(text);
    let root = de
        .deserialize_any(FlakyRoot)
        .and_then(|root| de.end().map(|()| root));
    let Ok(Some((envelope, Some(entries)))) = root else {
        return Flaky::default();
    };
    let mut by_module: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for entry in &entries {
        let mut de = serde_json::Deserializer::from_str(entry);
        let module = de.deserialize_any(FlakyModule(&FLAKY_MODULE_PATH));
        if let Ok(Some(module)) = module {
            by_module.entry(module).or_default().push(entry);
        }
    }
    Flaky {
        envelope: Json::Object(envelope),
        tests: entries.len() as u64,
        parts: by_module.into_iter().collect(),
    }
}

/// One module's flaky tests: the envelope with `data` replaced by its entries, each carried
/// as it is when already in the generated encoding.
pub fn flaky_narrowed<'a>(
    envelope: &Json<'a>,
    entries: &[&'a str],
) -> Result<Json<'a>, serde_json::Error> {
    let entries = entries
        .iter()
        .map(|entry| {
            if canonical::is_canonical(entry) {
                Ok(Json::Verbatim(Verbatim(entry)))
            } else {
                Json::parse(entry)
            }
        })
        .collect::<Result<_, _>>()?;
    let mut copy = envelope.clone();
    if let Json::Object(root) = &mut copy {
        root.insert(Cow::Borrowed("data"), Json::Array(entries));
    }
    Ok(copy)
}

/// The root of a flaky-tests response: its members but `data` decoded, and the last `data`'s
/// entries as raw slices when it is an array; `None` when the root is not an object.
struct FlakyRoot;

impl<'de> Visitor<'de> for FlakyRoot {
    type Value = Option<(Members<'de>, Option<Vec<&'de str>>)>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut members = Members::new();
        let mut data = None;
        while let Some(name) = map.next_key_seed(Text)? {
            if name == "data" {
                data = map.next_value_seed(Entries)?;
                members.remove("data");
            } else {
                let raw: &'de RawValue = map.next_value()?;
                let value = Json::parse(raw.get()).map_err(de::Error::custom)?;
                members.insert(name, value);
            }
        }
        Ok(Some((members, data)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

/// `data`'s entries as raw slices when it is an array, `None` otherwise.
struct Entries;

impl<'de> DeserializeSeed<'de> for Entries {
    type Value = Option<Vec<&'de str>>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Entries {
    type Value = Option<Vec<&'de str>>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut entries = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(raw) = seq.next_element::<&'de RawValue>()? {
            entries.push(raw.get());
        }
        Ok(Some(entries))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

/// The non-empty string an entry holds at the remaining path (the last of duplicate names
/// counts, as in a decoded tree), or `None`.
struct FlakyModule<'p>(&'p [&'p str]);

impl<'de> DeserializeSeed<'de> for FlakyModule<'_> {
    type Value = Option<String>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for FlakyModule<'_> {
    type Value = Option<String>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found = None;
        while let Some(name) = map.next_key_seed(Text)? {
            match self.0.split_first() {
                Some((next, rest)) if name == *next => {
                    found = map.next_value_seed(FlakyModule(rest))?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(found)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
        Ok((self.0.is_empty() && !s.is_empty()).then(|| s.to_owned()))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::super::canonical;
    use super::*;
    use serde_json::{Value, json};
    use topt_core::bundle::{self, BundleKind};

    fn check(kind: BundleKind, key: &'static str, response: &Value) {
        check_text(kind, key, &response.to_string());
    }

    /// Splitting from raw slices gives the core's `narrow` of every module, byte for byte.
    fn check_text(kind: BundleKind, key: &'static str, text: &str) {
        let response: Value = serde_json::from_str(text).unwrap_or_default();
        let response = &response;
        let opened = open_keyed(text, key);
        let got: Vec<(String, String)> = opened
            .modules
            .iter()
            .map(|(m, raw, _)| {
                let value = Json::parse(raw).unwrap_or_default();
                let split = narrowed(&opened.envelope, key, m, value).generated();
                (m.clone(), String::from_utf8_lossy(&split).into_owned())
            })
            .collect();
        let expected: Vec<(String, String)> = bundle::modules(kind, response)
            .into_iter()
            .filter_map(|m| bundle::narrow(kind, response, &m).map(|v| (m, v)))
            .map(|(m, v)| (m, bundle::to_generated_json(&v)))
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
        assert!(open_keyed("[1]", "tests").modules.is_empty());
        for raw in [
            r#"{"data":"x"}"#,
            r#"{"data":{"attributes":{"tests":{"a":{"s":[1]},"a":{"s":[2]},"b":{}}},"id":1}}"#,
            r#"{"data":{"attributes":{"tests":{"a":{}}}},"data":{"attributes":7}}"#,
            r#"{"data":{"attributes":{"tests":{"a":{}}}},"data":{"attributes":{"tests":{"b":{}}}}}"#,
            r#" {"x":[1,{"y":null}],"data":{"attributes":{"other":[true,false],"tests":{"z":{"s":["é"]}}}}} "#,
        ] {
            check_text(BundleKind::KnownTests, "tests", raw);
        }
    }

    /// The skim opens checked responses exactly as serde_json does, and declines anything it
    /// cannot be sure of.
    #[test]
    fn skim_agrees_with_serde() {
        let path = ["data", "attributes", "tests"];
        let cases = [
            r#"{"data":{"attributes":{"tests":{"b":{"s":["t"]},"a":{},"bad":1}},"x":1},"meta":{}}"#,
            " \n{ \"data\" : { \"attributes\" :{\"tests\": { \"m\" : {\"s\" : [ \"x\" ] } , \"n\":[]} } } }\t",
            r#"{"data":{"attributes":{"tests":{"a\"}{[b":{"s":["]}\\","[{\"]"]},"\u00e9":{"k":{"z":[[],{}]}}}}}}"#,
            r#"{"data":{"attributes":{"tests":{"a":{"s":[1]},"a":{"s":[2]}}},"id":1.50e3}}"#,
            r#"{"data":{"attributes":{"tests":{"a":{}}}},"data":{"attributes":7}}"#,
            r#"{"data":[],"data":{"attributes":{"tests":{"b":{}}}}}"#,
            r#"{"data":{"attributes":{"tests":[{"a":{}}]}}}"#,
            r#"{"d\u0061ta":{"attributes":{"tests":{"a":{"s":[-0]}}}}}"#,
            r#"{"data":{}}"#,
            r#"{}"#,
            r#"{"data":{"attributes":{"tests":{"c":{"a":["x","y"],"b":[]},"d":{"b":[],"a":[]}}}}}"#,
        ];
        // Without the tests of canonical modules, which serde_json's path leaves to the writer.
        let without_tests = |modules: Vec<Module<'_>>| -> Vec<(String, String)> {
            modules
                .into_iter()
                .map(|(m, raw, _)| (m, raw.to_owned()))
                .collect()
        };
        let skimmed = |text| match skim::open(text, &path) {
            Some(Skimmed::Opened(envelope, modules)) => {
                for (_, raw, tests) in &modules {
                    assert_eq!(*tests, canonical::count_if_canonical("tests", raw), "{raw}");
                }
                Some(Some((envelope, without_tests(modules))))
            }
            Some(Skimmed::Nothing) => Some(None),
            None => None,
        };
        for text in cases {
            assert!(serde_json::from_str::<Value>(text).is_ok(), "{text}");
            let serde = open_with_serde(text, &path).map(|(e, m)| (e, without_tests(m)));
            assert_eq!(skimmed(text), Some(serde), "{text}");
        }
        for broken in [
            r#"{"data":{"attributes":{"tests":{"a":{"s":[}}}}}"#,
            r#"{"data":{"attributes":{"tests":{"a":{"s":"x}}}}}"#,
            r#"{"data":{"attributes":{"tests":{"a" {}}}}}"#,
            r#"{"data":{"attributes":{"tests":{"a":{}}}}} x"#,
            r#"{"data":{"attributes":{"tests":{"a":{},}}}}"#,
        ] {
            assert_eq!(skimmed(broken), None, "{broken}");
        }
    }

    #[test]
    fn counts_follow_the_reference() {
        let json = |text| Json::parse(text).unwrap_or_default();
        assert_eq!(
            count_tests("tests", &json(r#"{"s":["a","b"],"t":["c"],"u":{}}"#)),
            3
        );
        assert_eq!(
            count_tests(
                "modules",
                &json(r#"{"suites":{"s":{"tests":{"a":{},"b":{}}},"t":1}}"#)
            ),
            2
        );
    }

    /// The flaky split is the core's `split`, byte for byte.
    #[test]
    fn flaky_split_is_the_cores() {
        let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../testdata/api/flaky_tests.json");
        let fixture = std::fs::read_to_string(fixture).unwrap_or_default();
        let cases = [
            fixture.as_str(),
            r#"{"data":[{"attributes":{"configurations":{"test":{"bundle":"b"}}},"n":1},7,{"attributes":{"configurations":{"test":{"bundle":""}}}},{"attributes":{"configurations":{"test":{"bundle":"a"}}}},{"attributes":{"configurations":{"test":{"bundle":"b"}}},"n":2}],"meta":{"m":[true]}}"#,
            r#"{"data":{}}"#,
            r#"[{"data":[]}]"#,
            // Not in the generated encoding: whitespace, keys out of order, `\/`, `\u00e9`.
            r#"{ "meta" : {"total":1.5}, "data" : [ {"id":"x", "attributes":{"configurations":{"test":{"bundle":"p\/q"}}}}, {"b":-3,"a":"\u00e9","attributes":{"configurations":{"test":{"bundle":"p/q"}}}} ] }"#,
            // The last of duplicate names counts, on every level; escaped names are decoded.
            r#"{"data":[{"attributes":{"configurations":{"test":{"bundle":"a"}}}}],"data":[{"attributes":{"configurations":{"test":{"bundle":"b"},"test":{"bundle":"c"}}}}]}"#,
            r#"{"data":[{"attributes":{"configurations":{"test":{"bundle":"a"}}}}],"data":7}"#,
            r#"{"d\u0061ta":[{"attributes":{"configurations":{"test":{"bundle":"a"}}},"attributes":{}}],"x":-1}"#,
            r#"{"data":[{"attributes":{"configurations":{"test":{"bundle":"\u00e9\n"}}}},{"attributes":{"configurations":{"test":{"bundle":["a"]}}}},{"attributes":{"configurations":{"test":{"bundle":{"a":"b"}}}}},{"attributes":{"configurations":"a"}},{"attributes":[{"configurations":{"test":{"bundle":"a"}}}]},null]}"#,
            r#"{"data":[],"meta":{"total":0}}"#,
            "7",
        ];
        for text in cases {
            let value: Value = serde_json::from_str(text).unwrap_or_default();
            let expected: Vec<(String, String)> =
                bundle::split(BundleKind::FlakyTests, value.clone())
                    .into_iter()
                    .map(|(m, v)| (m, bundle::to_generated_json(&v)))
                    .collect();
            let flaky = open_flaky(text);
            let got: Vec<(String, String)> = flaky
                .parts
                .iter()
                .map(|(m, entries)| {
                    let narrowed = flaky_narrowed(&flaky.envelope, entries).unwrap_or_default();
                    let split = narrowed.generated();
                    (m.clone(), String::from_utf8_lossy(&split).into_owned())
                })
                .collect();
            // The split's modules are the labels' source: the core's list, distinct and sorted.
            let modules: Vec<String> = got.iter().map(|(m, _)| m.clone()).collect();
            assert_eq!(modules, bundle::modules(BundleKind::FlakyTests, &value));
            assert_eq!(got, expected, "{text}");
            let entries = value.get("data").and_then(Value::as_array).map(Vec::len);
            assert_eq!(flaky.tests, entries.unwrap_or(0) as u64, "{text}");
        }
        assert!(!open_flaky(&fixture).parts.is_empty());
    }
}
