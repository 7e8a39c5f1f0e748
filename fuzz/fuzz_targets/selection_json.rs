//! The selection request (`topt_select_module`'s JSON, the form of testdata/vectors/
//! selection.json): any text gives a selection or an error, never a panic; a selection is a JSON
//! object with a `group` that is null or `module_<label>`, and the same request always selects
//! the same group.
#![cfg_attr(fuzzing, no_main)]

use serde_json::Value;
use topt_core::selection::select_json;

topt_fuzz::target!(|data| {
    let Ok(request) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(out) = select_json(request) else {
        return;
    };
    let value: Result<Value, _> = serde_json::from_str(&out);
    assert!(value.is_ok(), "selection is not JSON: {out}");
    let value = value.unwrap_or_default();
    match value.get("group") {
        Some(Value::Null) => {}
        Some(Value::String(group)) => assert!(group.starts_with("module_"), "group {group}"),
        other => unreachable!("group is {other:?} in {out}"),
    }
    assert_eq!(
        select_json(request).ok().as_deref(),
        Some(out.as_str()),
        "not deterministic"
    );
});
