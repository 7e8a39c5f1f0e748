//! Runs testdata/vectors/{context,payloads}.json through topt-core.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;
use topt_core::cache::CacheFile;
use topt_core::config::{Config, Overrides};
use topt_core::context::Context;
use topt_core::payload::{PayloadFormat, PayloadKind};

fn vectors(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/vectors")
        .join(name);
    serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap()
}

fn sub(text: &str, root: &Path) -> String {
    text.replace("${F}", root.to_str().unwrap())
}

/// Builds the fixture and the context the way every binding's harness does.
fn context_for(
    case: &Value,
    fields: &[Value],
    root: &Path,
) -> Result<Context, topt_core::error::Error> {
    for (rel, content) in case["files"].as_object().unwrap() {
        let path = root.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, sub(content.as_str().unwrap(), root)).unwrap();
    }
    let get = |name: &str| -> OsString {
        OsString::from(sub(
            case["config"]
                .get(name)
                .and_then(Value::as_str)
                .unwrap_or(""),
            root,
        ))
    };
    for field in fields {
        let f = field.as_str().unwrap();
        assert!(
            [
                "manifest_file",
                "payloads_in_files",
                "undeclared_outputs_dir",
                "runfiles_manifest_file",
                "runfiles_dir",
                "test_srcdir",
                "java_runfiles",
                "argv0",
                "source_repository"
            ]
            .contains(&f),
            "unknown config field {f}"
        );
    }
    let overrides = Overrides {
        manifest_file: Some(get("manifest_file")),
        payloads_in_files: Some(get("payloads_in_files")),
        undeclared_outputs_dir: Some(get("undeclared_outputs_dir")),
        runfiles_manifest_file: Some(get("runfiles_manifest_file")),
        runfiles_dir: Some(get("runfiles_dir")),
        test_srcdir: Some(get("test_srcdir")),
        java_runfiles: Some(get("java_runfiles")),
        argv0: Some(get("argv0")),
        source_repository: Some(get("source_repository").into_string().unwrap()),
    };
    Context::new(Config::from_lookup(&|_| None).with(overrides))
}

fn check_info(ctx: &Context, info: &Value, root: &Path) -> Vec<String> {
    let mut errs = Vec::new();
    let path_str = |p: Option<&Path>| p.map(|p| p.to_string_lossy().into_owned());
    for (key, want) in info.as_object().unwrap() {
        let got: Value = match key.as_str() {
            "manifest_enabled" => ctx.manifest().enabled.into(),
            "manifest_version" => ctx.manifest().version.into(),
            "manifest_path" => path_str(ctx.manifest().path.as_deref()).into(),
            "payloads_enabled" => ctx.payloads().enabled.into(),
            "payloads_dir" => path_str(ctx.payloads().dir.as_deref()).into(),
            "runfiles_mode" => ctx.runfiles().mode().name().into(),
            "manifest_diagnostic_contains" | "payloads_diagnostic_contains" => {
                let diag = if key.starts_with("manifest") {
                    &ctx.manifest().diagnostic
                } else {
                    &ctx.payloads().diagnostic
                };
                let text = want.as_str().unwrap();
                if !diag.as_deref().unwrap_or("").contains(text) {
                    errs.push(format!("{key}: {diag:?} lacks {text:?}"));
                }
                continue;
            }
            other => panic!("unknown info key {other}"),
        };
        let want = match want {
            Value::String(s) => Value::String(sub(s, root)),
            other => other.clone(),
        };
        if got != want {
            errs.push(format!("{key}: got {got}, want {want}"));
        }
    }
    errs
}

#[test]
fn context_vectors() {
    let v = vectors("context.json");
    let fields = v["config_fields"].as_array().unwrap();
    let mut failures = Vec::new();
    for case in v["cases"].as_array().unwrap() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let name = case["name"].as_str().unwrap();
        let mut errs = Vec::new();
        match (context_for(case, fields, root), case.get("context_error")) {
            (Err(e), Some(want)) => {
                if e.kind().name() != want["code"]
                    || !e
                        .message()
                        .contains(want["message_contains"].as_str().unwrap())
                {
                    errs.push(format!(
                        "error {} {:?} does not match {want}",
                        e.kind().name(),
                        e.message()
                    ));
                }
            }
            (Err(e), None) => errs.push(format!("unexpected error {e}")),
            (Ok(_), Some(want)) => errs.push(format!("expected error {want}")),
            (Ok(ctx), None) => {
                if let Some(info) = case.get("info") {
                    errs.extend(check_info(&ctx, info, root));
                }
                for r in case
                    .get("rlocation")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let path = r["path"].as_str().unwrap();
                    match (ctx.rlocation(path), r.get("expect"), r.get("error")) {
                        (Ok(got), Some(want), _)
                            if got == Path::new(&sub(want.as_str().unwrap(), root)) => {}
                        (Err(e), _, Some(code)) if e.kind().name() == code => {}
                        (got, _, _) => {
                            errs.push(format!("rlocation({path:?}) = {got:?}, want {r}"))
                        }
                    }
                }
                for c in case
                    .get("cache")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let file = CacheFile::from_name(c["file"].as_str().unwrap()).unwrap();
                    let module = c.get("module").and_then(Value::as_str);
                    match (ctx.read_cache(file, module), c.get("error")) {
                        (Err(e), Some(code)) if e.kind().name() == code => {}
                        (Ok(read), None)
                            if read.source.name() == c["source"]
                                && read.bytes == c["text"].as_str().unwrap().as_bytes() => {}
                        (got, _) => errs.push(format!(
                            "cache {c}: got {:?}",
                            got.map(|r| (r.source, String::from_utf8_lossy(&r.bytes).into_owned()))
                        )),
                    }
                }
            }
        }
        if !errs.is_empty() {
            failures.push(format!("{name}:\n  {}", errs.join("\n  ")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn payload_vectors() {
    let v = vectors("payloads.json");
    let pattern = v["name_pattern"].as_str().unwrap();
    assert!(pattern.starts_with('^'));
    let mut failures = Vec::new();
    for case in v["cases"].as_array().unwrap() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = Context::new(Config::from_lookup(&|_| None).with(Overrides {
            payloads_in_files: Some("true".into()),
            undeclared_outputs_dir: Some(dir.path().into()),
            argv0: Some("".into()),
            ..Overrides::default()
        }))
        .unwrap();
        let kind = PayloadKind::from_name(case["kind"].as_str().unwrap()).unwrap();
        let format = PayloadFormat::from_name(case["format"].as_str().unwrap()).unwrap();
        let input = match case.get("input_hex") {
            Some(h) => hex(h.as_str().unwrap()),
            None => case["input"].as_str().unwrap().as_bytes().to_vec(),
        };
        let result = ctx.write_payload(kind, format, &input);
        let kind_dir = dir.path().join("payloads").join(kind.name());
        let files: Vec<String> = fs::read_dir(&kind_dir)
            .map(|rd| {
                rd.map(|e| e.unwrap().file_name().into_string().unwrap())
                    .collect()
            })
            .unwrap_or_default();
        let ok = match (&result, case.get("error")) {
            (Err(e), Some(code)) => e.kind().name() == code && files.is_empty(),
            (Ok(path), None) => {
                files.len() == 1
                    && topt_core::payload::is_payload_file_name(&files[0])
                    && files[0].starts_with(kind.name())
                    && path.parent() == Some(kind_dir.as_path())
                    && fs::read(path).unwrap() == case["output"].as_str().unwrap().as_bytes()
            }
            _ => false,
        };
        if !ok {
            failures.push(format!("{}: got {result:?}, files {files:?}", case["name"]));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
