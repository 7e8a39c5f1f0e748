//! Generating and checking include/topt.h.

use std::fs;

use crate::{Result, root};

/// Generates the header text from ffi/ with ffi/cbindgen.toml.
pub(crate) fn generate() -> Result<String> {
    let ffi = root().join("ffi");
    let config = cbindgen::Config::from_file(ffi.join("cbindgen.toml"))
        .map_err(|e| format!("cannot read ffi/cbindgen.toml: {e}"))?;
    let bindings = cbindgen::Builder::new()
        .with_crate(&ffi)
        .with_config(config)
        .generate()
        .map_err(|e| format!("cbindgen failed: {e}"))?;
    let mut out = Vec::new();
    bindings.write(&mut out);
    String::from_utf8(out).map_err(|e| format!("cbindgen produced non-UTF-8: {e}"))
}

/// Where the header is written: the canonical copy, and the Go module's own copy (a Go module
/// fetched with `go get` cannot reach files outside its directory). Both come from here.
const OUTPUTS: &[&str] = &["include/topt.h", "lang/go/topt.h"];

pub(crate) fn run(check: bool) -> Result {
    let fresh = generate()?;
    for rel in OUTPUTS {
        let path = root().join(rel);
        if check {
            let committed = fs::read_to_string(&path).unwrap_or_default();
            if committed != fresh {
                return Err(format!(
                    "{rel} is stale: run `cargo xtask header` and commit the result"
                ));
            }
            println!("{rel} is up to date");
            continue;
        }
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        }
        fs::write(&path, &fresh).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        println!("wrote {}", path.display());
    }
    Ok(())
}
