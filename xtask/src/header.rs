//! Generating and checking everything derived from ffi/src: include/topt.h (cbindgen), the
//! Go module's copy of it, include/topt.abi.json and every binding's raw layer. One cbindgen
//! pass feeds them all, so a new function or struct field is one edit in Rust plus
//! `cargo xtask header`.

use std::fs;

use crate::{Result, abi, bindings, root};

/// Runs cbindgen over ffi/ with ffi/cbindgen.toml.
fn bindgen() -> Result<cbindgen::Bindings> {
    let ffi = root().join("ffi");
    let config = cbindgen::Config::from_file(ffi.join("cbindgen.toml"))
        .map_err(|e| format!("cannot read ffi/cbindgen.toml: {e}"))?;
    cbindgen::Builder::new()
        .with_crate(&ffi)
        .with_config(config)
        .generate()
        .map_err(|e| format!("cbindgen failed: {e}"))
}

/// (path from the repository root, content) of every generated file.
fn outputs() -> Result<(abi::Abi, Vec<(&'static str, String)>)> {
    let generated = bindgen()?;
    let mut text = Vec::new();
    generated.write(&mut text);
    let header =
        String::from_utf8(text).map_err(|e| format!("cbindgen produced non-UTF-8: {e}"))?;
    let description = abi::describe(&generated)?;
    let json = serde_json::to_string_pretty(&description).map_err(|e| e.to_string())? + "\n";
    // The Go module gets its own copy: a module fetched with `go get` cannot reach files
    // outside its directory.
    let mut files = vec![
        ("include/topt.h", header.clone()),
        ("lang/go/topt.h", header),
        ("include/topt.abi.json", json),
    ];
    files.extend(bindings::render(&description)?);
    Ok((description, files))
}

pub(crate) fn run(check: bool) -> Result {
    let (description, files) = outputs()?;
    let mut stale = Vec::new();
    for (rel, fresh) in &files {
        let path = root().join(rel);
        if check {
            if fs::read_to_string(&path).ok().as_ref() != Some(fresh) {
                stale.push(*rel);
            }
            continue;
        }
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        }
        fs::write(&path, fresh).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    if !stale.is_empty() {
        return Err(format!(
            "stale generated files (run `cargo xtask header` and commit the result):\n  {}",
            stale.join("\n  ")
        ));
    }
    abi::check_layouts(&description)?;
    println!(
        "{} {} generated files; struct layouts agree with the C compiler",
        if check { "checked" } else { "wrote" },
        files.len()
    );
    Ok(())
}
