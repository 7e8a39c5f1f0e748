//! The three per-module response bundles (known tests, test management, flaky tests): which modules
//! a response holds, and the same response narrowed to one module with its envelope kept
//! (docs/selection.md, "Modules of a response" and "Per-module files").
//!
//! `topt sync` uses this to write per-module split files and libtopt uses it to filter a full bundle
//! at run time, so both always agree on what "the file of module X" contains.

use serde_json::{Map, Value};

/// A backend response that can be split by module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BundleKind {
    /// `data.attributes.tests` is `{<module>: {...}}`.
    KnownTests,
    /// `data.attributes.modules` is `{<module>: {...}}`.
    TestManagement,
    /// `data` is an array; an entry's module is `attributes.configurations.test.bundle`.
    FlakyTests,
}

impl BundleKind {
    /// All kinds, in the order the reference collects module names (this order matters for nothing
    /// but documentation: the label map sorts the union).
    pub const ALL: [BundleKind; 3] = [
        BundleKind::KnownTests,
        BundleKind::TestManagement,
        BundleKind::FlakyTests,
    ];

    /// The file name under `cache/http/` (and in per-module directories).
    pub fn file_name(self) -> &'static str {
        match self {
            BundleKind::KnownTests => "known_tests.json",
            BundleKind::TestManagement => "test_management.json",
            BundleKind::FlakyTests => "flaky_tests.json",
        }
    }

    /// The exact stub the reference writes when a feature is off or a module is missing from a
    /// response: fixed text with spaces and a trailing newline, so tracers and caches see the
    /// same bytes whichever implementation synced.
    pub fn stub(self) -> &'static str {
        match self {
            BundleKind::KnownTests => "{\"data\": {\"attributes\": {\"tests\": {}}}}\n",
            BundleKind::TestManagement => "{\"data\": {\"attributes\": {\"modules\": {}}}}\n",
            BundleKind::FlakyTests => "{\"data\": []}\n",
        }
    }

    fn attributes_key(self) -> Option<&'static str> {
        match self {
            BundleKind::KnownTests => Some("tests"),
            BundleKind::TestManagement => Some("modules"),
            BundleKind::FlakyTests => None,
        }
    }
}

fn keyed_modules<'a>(response: &'a Value, key: &str) -> Option<&'a Map<String, Value>> {
    response
        .get("data")?
        .get("attributes")?
        .get(key)?
        .as_object()
}

/// Where a flaky-tests entry names its module: `attributes.configurations.test.bundle` (a
/// non-empty string). Sync's own JSON tree follows the same path.
pub const FLAKY_MODULE_PATH: [&str; 4] = ["attributes", "configurations", "test", "bundle"];

fn flaky_bundle(entry: &Value) -> Option<&str> {
    let bundle = FLAKY_MODULE_PATH
        .iter()
        .try_fold(entry, |v, key| v.as_object()?.get(*key))?
        .as_str()?;
    (!bundle.is_empty()).then_some(bundle)
}

/// The modules a response holds, distinct and sorted by bytes.
///
/// Malformed levels yield no modules rather than an error: the reference ignores them.
pub fn modules(kind: BundleKind, response: &Value) -> Vec<String> {
    let mut found: Vec<String> = match kind.attributes_key() {
        Some(key) => keyed_modules(response, key)
            .map(|map| {
                map.iter()
                    .filter(|(_, v)| v.is_object())
                    .map(|(k, _)| k.clone())
                    .collect()
            })
            .unwrap_or_default(),
        None => response
            .get("data")
            .and_then(Value::as_array)
            .map(|entries| {
                entries
                    .iter()
                    .filter_map(flaky_bundle)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
    };
    found.sort();
    found.dedup();
    found
}

/// The response narrowed to one module, with every other member of the envelope kept (flaky
/// tests: the module's entries in their original order). `None` when the module is not in the
/// response.
pub fn narrow(kind: BundleKind, response: &Value, module: &str) -> Option<Value> {
    let mut copy = response.clone();
    match kind.attributes_key() {
        Some(key) => {
            let value = keyed_modules(response, key)?.get(module)?;
            if !value.is_object() {
                return None;
            }
            let mut only = Map::new();
            only.insert(module.to_owned(), value.clone());
            let slot = copy
                .get_mut("data")?
                .get_mut("attributes")?
                .as_object_mut()?
                .get_mut(key)?;
            *slot = Value::Object(only);
        }
        None => {
            let entries: Vec<Value> = response
                .get("data")?
                .as_array()?
                .iter()
                .filter(|entry| flaky_bundle(entry) == Some(module))
                .cloned()
                .collect();
            if entries.is_empty() {
                return None;
            }
            *copy.as_object_mut()?.get_mut("data")? = Value::Array(entries);
        }
    }
    Some(copy)
}

/// Every module's narrowed response at once: the same `(module, narrow(kind, response, module))`
/// pairs as calling [`narrow`] for each of [`modules`], in the same order, but in linear time
/// because the module data is moved out of `response` instead of copied (only the small envelope
/// is cloned per module). `topt sync` uses this to split responses of thousands of modules.
pub fn split(kind: BundleKind, mut response: Value) -> Vec<(String, Value)> {
    match kind.attributes_key() {
        Some(key) => {
            let Some(slot) = attributes_slot(&mut response, key) else {
                return Vec::new();
            };
            let Value::Object(map) = std::mem::take(slot) else {
                return Vec::new();
            };
            let envelope = response;
            map.into_iter()
                .filter(|(_, value)| value.is_object())
                .filter_map(|(module, value)| {
                    let mut copy = envelope.clone();
                    let mut only = Map::new();
                    only.insert(module.clone(), value);
                    *attributes_slot(&mut copy, key)? = Value::Object(only);
                    Some((module, copy))
                })
                .collect()
        }
        None => {
            let Some(slot) = response.as_object_mut().and_then(|o| o.get_mut("data")) else {
                return Vec::new();
            };
            let Value::Array(entries) = std::mem::take(slot) else {
                return Vec::new();
            };
            let mut by_module: std::collections::BTreeMap<String, Vec<Value>> =
                std::collections::BTreeMap::new();
            for entry in entries {
                if let Some(module) = flaky_bundle(&entry) {
                    by_module.entry(module.to_owned()).or_default().push(entry);
                }
            }
            let envelope = response;
            by_module
                .into_iter()
                .filter_map(|(module, entries)| {
                    let mut copy = envelope.clone();
                    *copy.as_object_mut()?.get_mut("data")? = Value::Array(entries);
                    Some((module, copy))
                })
                .collect()
        }
    }
}

fn attributes_slot<'a>(response: &'a mut Value, key: &str) -> Option<&'a mut Value> {
    response
        .as_object_mut()?
        .get_mut("data")?
        .as_object_mut()?
        .get_mut("attributes")?
        .as_object_mut()?
        .get_mut(key)
}

/// Compact JSON with object keys sorted by bytes and one trailing newline: the form the reference
/// generates with Starlark's `json.encode`, for every JSON file it writes rather than passes
/// through (splits, settings, context).
pub fn to_generated_json(value: &Value) -> String {
    // serde_json's default map is a BTreeMap, so keys come out in byte order.
    let mut text = value.to_string();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn flaky_split_keeps_envelope_and_order() {
        let response = json!({
            "data": [
                {"id": "1", "attributes": {"configurations": {"test": {"bundle": "a"}}}},
                {"id": "2", "attributes": {"configurations": {"test": {"bundle": "b"}}}},
                {"id": "3", "attributes": {"configurations": {"test": {"bundle": "a"}}}},
                {"id": "4"}
            ],
            "meta": {"n": 4}
        });
        assert_eq!(modules(BundleKind::FlakyTests, &response), ["a", "b"]);
        let a = narrow(BundleKind::FlakyTests, &response, "a").expect("module a");
        assert_eq!(a["meta"], json!({"n": 4}));
        let ids: Vec<&str> = a["data"]
            .as_array()
            .expect("array")
            .iter()
            .filter_map(|e| e["id"].as_str())
            .collect();
        assert_eq!(ids, ["1", "3"]);
        assert!(narrow(BundleKind::FlakyTests, &response, "c").is_none());
    }

    #[test]
    fn split_equals_narrow_for_every_module() {
        let cases = [
            (
                BundleKind::KnownTests,
                json!({"data": {"id": "k", "attributes": {
                "tests": {"b": {"s": ["t"]}, "a": {}, "bad": 1}, "x": 1}}, "meta": {}}),
            ),
            (
                BundleKind::TestManagement,
                json!({"data": {"attributes": {"modules": {
                "m": {"suites": {}}}}}}),
            ),
            (
                BundleKind::FlakyTests,
                json!({"data": [
                {"id": "1", "attributes": {"configurations": {"test": {"bundle": "b"}}}},
                {"id": "2", "attributes": {"configurations": {"test": {"bundle": "a"}}}},
                {"id": "3", "attributes": {"configurations": {"test": {"bundle": "b"}}}},
                {"id": "4", "attributes": {"configurations": {"test": {"bundle": ""}}}},
                7], "meta": {"n": 5}}),
            ),
            (BundleKind::KnownTests, json!({"data": []})),
            (BundleKind::FlakyTests, json!({"data": {}})),
        ];
        for (kind, response) in cases {
            let expected: Vec<(String, Value)> = modules(kind, &response)
                .into_iter()
                .filter_map(|m| narrow(kind, &response, &m).map(|v| (m, v)))
                .collect();
            assert_eq!(split(kind, response), expected);
        }
    }

    #[test]
    fn keyed_split_replaces_only_the_module_map() {
        let response = json!({"data": {"id": "x", "type": "t", "attributes": {
            "tests": {"m1": {"s": ["t"]}, "m2": {}, "bad": 3}, "other": true}}});
        assert_eq!(modules(BundleKind::KnownTests, &response), ["m1", "m2"]);
        let m2 = narrow(BundleKind::KnownTests, &response, "m2").expect("m2");
        assert_eq!(
            to_generated_json(&m2),
            "{\"data\":{\"attributes\":{\"other\":true,\"tests\":{\"m2\":{}}},\"id\":\"x\",\"type\":\"t\"}}\n"
        );
        assert!(narrow(BundleKind::KnownTests, &response, "bad").is_none());
    }
}
