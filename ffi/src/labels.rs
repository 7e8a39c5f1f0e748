//! Module selection and label rules, JSON in and JSON out (the form of testdata/vectors).

use std::ffi::c_char;

use serde_json::Value;
use topt_core::labels;
use topt_core::selection;

use crate::bytes::{clear_required, put, topt_Bytes};
use crate::error::{FfiError, FfiResult, run, topt_Error};
use crate::strings::required_str;

fn string_list(value: &Value, what: &str) -> FfiResult<Vec<String>> {
    let items = match value {
        Value::Null => return Ok(Vec::new()),
        Value::Array(items) => items,
        _ => {
            return Err(FfiError::invalid(format!(
                "{what} must be a JSON array of strings"
            )));
        }
    };
    items
        .iter()
        .map(|v| {
            v.as_str()
                .map(str::to_owned)
                .ok_or_else(|| FfiError::invalid(format!("{what} must be a JSON array of strings")))
        })
        .collect()
}

fn parse(json: &str, what: &str) -> FfiResult<Value> {
    serde_json::from_str(json)
        .map_err(|e| FfiError::invalid(format!("{what} is not valid JSON: {e}")))
}

/// Selects the module group for a test target by the `dd_topt_<lang>_test` macros' rules.
/// `request_json` is a selection request (`testdata/vectors/selection.json` documents the shape:
/// language, labels, module_included, module_path, bazel_package, module_label_override, attrs,
/// dep_candidates). `*out_json` receives `{"group": "module_<label>" | null, "label", "identifier",
/// "identifier_source", "payload_selection", "include_per_module", "strict"}`. A strict miss is
/// `TOPT_STATUS_INVALID_ARGUMENT` with the macros' message.
///
/// # Safety
/// `request_json` is a NUL-terminated string; `out_json` is valid for writes.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn topt_select_module(
    request_json: *const c_char,
    out_json: *mut topt_Bytes,
) -> *mut topt_Error {
    run(|| {
        // SAFETY: forwarded from the caller.
        unsafe { clear_required(out_json, "out_json") }?;
        // SAFETY: forwarded from the caller.
        let request = unsafe { required_str(request_json, "request_json") }?;
        let result = selection::select_json(request)?;
        // SAFETY: checked by clear_required.
        unsafe { put(out_json, topt_Bytes::from_vec(result.into_bytes())) };
        Ok(())
    })
}

/// The label fragment of a module name (`github.com/a/b` → `github_com_a_b`), exactly as
/// `topt sync` computes it before de-duplication.
///
/// # Safety
/// `name` is a NUL-terminated string; `out` is valid for writes.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn topt_label_sanitize(
    name: *const c_char,
    out: *mut topt_Bytes,
) -> *mut topt_Error {
    run(|| {
        // SAFETY: forwarded from the caller.
        unsafe { clear_required(out, "out") }?;
        // SAFETY: forwarded from the caller.
        let name = unsafe { required_str(name, "name") }?;
        crate::boundary::probe(name);
        // SAFETY: checked by clear_required.
        unsafe {
            put(
                out,
                topt_Bytes::from_vec(labels::sanitize(name).into_bytes()),
            )
        };
        Ok(())
    })
}

/// De-duplicates keys in order (`["a","a"]` → `["a","a_2"]`). In: a JSON array of strings;
/// out: a JSON array of strings.
///
/// # Safety
/// `keys_json` is a NUL-terminated string; `out_json` is valid for writes.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn topt_label_dedup(
    keys_json: *const c_char,
    out_json: *mut topt_Bytes,
) -> *mut topt_Error {
    run(|| {
        // SAFETY: forwarded from the caller.
        unsafe { clear_required(out_json, "out_json") }?;
        // SAFETY: forwarded from the caller.
        let text = unsafe { required_str(keys_json, "keys_json") }?;
        let keys = string_list(&parse(text, "keys_json")?, "keys_json")?;
        let out = Value::from(labels::dedup_keys(&keys)).to_string();
        // SAFETY: checked by clear_required.
        unsafe { put(out_json, topt_Bytes::from_vec(out.into_bytes())) };
        Ok(())
    })
}

/// The label of every module over the union of sources. In: `{"known_tests": [...],
/// "test_management": [...], "flaky_tests": [...]}` (missing keys = empty); out:
/// `{"<module>": "<label>", ...}`.
///
/// # Safety
/// `sources_json` is a NUL-terminated string; `out_json` is valid for writes.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn topt_label_map(
    sources_json: *const c_char,
    out_json: *mut topt_Bytes,
) -> *mut topt_Error {
    run(|| {
        // SAFETY: forwarded from the caller.
        unsafe { clear_required(out_json, "out_json") }?;
        // SAFETY: forwarded from the caller.
        let text = unsafe { required_str(sources_json, "sources_json") }?;
        let value = parse(text, "sources_json")?;
        if !value.is_object() {
            return Err(FfiError::invalid("sources_json must be a JSON object"));
        }
        let lists =
            ["known_tests", "test_management", "flaky_tests"].map(|k| string_list(&value[k], k));
        let [k, t, f] = lists;
        let (k, t, f) = (k?, t?, f?);
        let map: serde_json::Map<String, Value> = labels::label_map(&[&k[..], &t[..], &f[..]])
            .into_iter()
            .map(|(m, l)| (m, Value::String(l)))
            .collect();
        // SAFETY: checked by clear_required.
        unsafe {
            put(
                out_json,
                topt_Bytes::from_vec(Value::Object(map).to_string().into_bytes()),
            )
        };
        Ok(())
    })
}
