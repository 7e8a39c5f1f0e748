//! Runs testdata/vectors/{labels,selection}.json through topt-core.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use serde_json::Value;
use topt_core::labels::{dedup_keys, label_map, sanitize};
use topt_core::selection;

fn vectors(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/vectors")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn sanitize_vectors() {
    let v = vectors("labels.json");
    for case in v["sanitize"].as_array().unwrap() {
        let input = case["input"].as_str().unwrap();
        assert_eq!(
            sanitize(input),
            case["output"].as_str().unwrap(),
            "sanitize({input:?})"
        );
    }
}

#[test]
fn dedup_vectors() {
    let v = vectors("labels.json");
    for case in v["dedup"].as_array().unwrap() {
        assert_eq!(
            dedup_keys(&strings(&case["input"])),
            strings(&case["output"]),
            "{case}"
        );
    }
}

#[test]
fn label_map_vectors() {
    let v = vectors("labels.json");
    for case in v["label_map"].as_array().unwrap() {
        let k = strings(&case["known_tests"]);
        let t = strings(&case["test_management"]);
        let f = strings(&case["flaky_tests"]);
        let map: serde_json::Map<String, Value> = label_map(&[&k[..], &t[..], &f[..]])
            .into_iter()
            .map(|(m, l)| (m, Value::String(l)))
            .collect();
        assert_eq!(Value::Object(map), case["labels"], "{}", case["name"]);
    }
}

#[test]
fn selection_vectors() {
    let v = vectors("selection.json");
    let cases = v["cases"].as_array().unwrap();
    assert!(cases.len() >= 40);
    let mut failures = Vec::new();
    for case in cases {
        let mut request = case.clone();
        let obj = request.as_object_mut().unwrap();
        let name = obj.remove("name").unwrap();
        let expect = obj.remove("expect").unwrap();
        let outcome = selection::select_json(&request.to_string());
        let ok = match (&outcome, expect.get("error_contains")) {
            (Err(e), Some(text)) => e.message().contains(text.as_str().unwrap()),
            (Ok(json), None) => {
                let got: Value = serde_json::from_str(json).unwrap();
                expect
                    .as_object()
                    .unwrap()
                    .iter()
                    .all(|(k, v)| got[k] == *v)
            }
            _ => false,
        };
        if !ok {
            failures.push(format!("{name}: expected {expect}, got {outcome:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
