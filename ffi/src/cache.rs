//! `topt_cache_read`.

use std::ffi::c_char;

use topt_core::cache::{CacheFile, Source};

use crate::bytes::{clear_required, put, topt_Bytes};
use crate::context::{context, topt_Context};
use crate::error::{FfiError, run, topt_Error};
use crate::strings::optional_str;

/// A synced cache file under `cache/http/`.
pub type topt_CacheFile = u32;
/// `settings.json` (never narrowed to a module).
pub const TOPT_CACHE_FILE_SETTINGS: topt_CacheFile = 0;
/// `known_tests.json`.
pub const TOPT_CACHE_FILE_KNOWN_TESTS: topt_CacheFile = 1;
/// `test_management.json`.
pub const TOPT_CACHE_FILE_TEST_MANAGEMENT: topt_CacheFile = 2;
/// `flaky_tests.json`.
pub const TOPT_CACHE_FILE_FLAKY_TESTS: topt_CacheFile = 3;
/// `skippable_tests.json`: never synced, always `TOPT_STATUS_NOT_FOUND`.
pub const TOPT_CACHE_FILE_SKIPPABLE_TESTS: topt_CacheFile = 4;

/// Which candidate answered a cache read.
pub type topt_Source = u32;
/// The file at its canonical path, already narrowed to the module (or read without a module).
pub const TOPT_SOURCE_CANONICAL: topt_Source = 1;
/// The module's own split file.
pub const TOPT_SOURCE_MODULE_FILE: topt_Source = 2;
/// The full bundle, filtered to the module by libtopt (envelope kept).
pub const TOPT_SOURCE_FILTERED_BUNDLE: topt_Source = 3;
/// The full bundle unchanged (the module is not in it).
pub const TOPT_SOURCE_FULL_BUNDLE: topt_Source = 4;

fn cache_file(value: topt_CacheFile) -> Option<CacheFile> {
    Some(match value {
        TOPT_CACHE_FILE_SETTINGS => CacheFile::Settings,
        TOPT_CACHE_FILE_KNOWN_TESTS => CacheFile::KnownTests,
        TOPT_CACHE_FILE_TEST_MANAGEMENT => CacheFile::TestManagement,
        TOPT_CACHE_FILE_FLAKY_TESTS => CacheFile::FlakyTests,
        TOPT_CACHE_FILE_SKIPPABLE_TESTS => CacheFile::SkippableTests,
        _ => return None,
    })
}

fn source_value(source: Source) -> topt_Source {
    match source {
        Source::Canonical => TOPT_SOURCE_CANONICAL,
        Source::ModuleFile => TOPT_SOURCE_MODULE_FILE,
        Source::FilteredBundle => TOPT_SOURCE_FILTERED_BUNDLE,
        Source::FullBundle => TOPT_SOURCE_FULL_BUNDLE,
    }
}

/// Reads a synced cache file, narrowed to `module` (the tracer's module / bundle name, NULL or
/// empty for none). Tries the canonical file already narrowed by the Bazel macro, the module's
/// own file, the full bundle filtered to the module, then the full bundle; `*out_source` says
/// which. `TOPT_STATUS_NOT_FOUND` means the feature has no data for this test (treat it as
/// off); `TOPT_STATUS_NOT_ENABLED` means manifest mode is off. On success `*out_json` holds the
/// JSON (free with `topt_bytes_free`) and `*out_source` the `TOPT_SOURCE_*` that answered; on
/// error `*out_json` is empty and `*out_source` is 0. `out_source` may be NULL.
///
/// # Safety
/// `ctx` is a live context; `module` NULL or a NUL-terminated string; `out_json` valid for
/// writes; `out_source` NULL or valid for writes.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn topt_cache_read(
    ctx: *const topt_Context,
    file: topt_CacheFile,
    module: *const c_char,
    out_json: *mut topt_Bytes,
    out_source: *mut topt_Source,
) -> *mut topt_Error {
    run(|| {
        // SAFETY: `out_source` is NULL or writable per the contract.
        if let Some(slot) = unsafe { out_source.as_mut() } {
            *slot = 0;
        }
        // SAFETY: forwarded from the caller.
        unsafe { clear_required(out_json, "out_json") }?;
        // SAFETY: forwarded from the caller.
        let ctx = unsafe { context(ctx) }?;
        let file = cache_file(file).ok_or_else(|| {
            FfiError::invalid(format!(
                "unknown topt_CacheFile value {file}; use a TOPT_CACHE_FILE_* constant"
            ))
        })?;
        // SAFETY: forwarded from the caller.
        let module = unsafe { optional_str(module, "module") }?;
        let read = ctx.inner.read_cache(file, module)?;
        // SAFETY: `out_source` is NULL or writable per the contract.
        if let Some(slot) = unsafe { out_source.as_mut() } {
            *slot = source_value(read.source);
        }
        // SAFETY: checked above.
        unsafe { put(out_json, topt_Bytes::from_vec(read.bytes)) };
        Ok(())
    })
}
