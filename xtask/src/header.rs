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

pub(crate) fn run(check: bool) -> Result {
    let path = root().join("include/topt.h");
    let fresh = generate()?;
    if check {
        let committed = fs::read_to_string(&path).unwrap_or_default();
        if committed != fresh {
            return Err(
                "include/topt.h is stale: run `cargo xtask header` and commit the result"
                    .to_owned(),
            );
        }
        println!("include/topt.h is up to date");
        return Ok(());
    }
    fs::create_dir_all(root().join("include")).map_err(|e| e.to_string())?;
    fs::write(&path, fresh).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(())
}
