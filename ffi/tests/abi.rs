//! The C ABI seen from a caller: versioned structs of older and newer sizes, and out-parameters
//! reset on error. (The C test in tests/c covers the rest of the surface.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::ffi::{CStr, c_char};
use std::mem::size_of;
use std::ptr;

use topt::*;

/// `topt_Config` exactly as the first published header (ABI 1.0) declared it: what a caller built
/// against that header passes, whatever the library has appended since.
#[repr(C)]
struct ConfigV1 {
    struct_size: u32,
    _reserved: u32,
    manifest_file: *const c_char,
    payloads_in_files: *const c_char,
    undeclared_outputs_dir: *const c_char,
    runfiles_manifest_file: *const c_char,
    runfiles_dir: *const c_char,
    test_srcdir: *const c_char,
    java_runfiles: *const c_char,
    argv0: *const c_char,
    source_repository: *const c_char,
}

/// `topt_Info` as ABI 1.0 declared it.
#[repr(C)]
struct InfoV1 {
    struct_size: u32,
    manifest_version: u32,
    manifest_enabled: u32,
    payloads_enabled: u32,
    runfiles_mode: u32,
    _reserved: u32,
    manifest_given: *const c_char,
    manifest_path: *const c_char,
    manifest_diagnostic: *const c_char,
    payloads_dir: *const c_char,
    payloads_diagnostic: *const c_char,
    runfiles_location: *const c_char,
}

/// A caller built against a future header: today's struct, then fields this library lacks.
#[repr(C)]
struct Future<T> {
    now: T,
    later: [u64; 3],
}

const UNSET: *const c_char = c"".as_ptr();

fn v1_config() -> ConfigV1 {
    ConfigV1 {
        struct_size: size_of::<ConfigV1>() as u32,
        _reserved: 0,
        manifest_file: UNSET,
        payloads_in_files: c"true".as_ptr(),
        undeclared_outputs_dir: c"/outputs".as_ptr(),
        runfiles_manifest_file: UNSET,
        runfiles_dir: UNSET,
        test_srcdir: UNSET,
        java_runfiles: UNSET,
        argv0: UNSET,
        source_repository: UNSET,
    }
}

/// Consumes an error and returns its status name ("OK" for none).
fn status(err: *mut topt_Error) -> String {
    // SAFETY: NULL or a live error from libtopt, freed once.
    unsafe {
        let name = CStr::from_ptr(topt_status_name(topt_error_code(err)))
            .to_string_lossy()
            .into_owned();
        topt_error_free(err);
        name
    }
}

fn new_context(config: *const topt_Config) -> Result<*mut topt_Context, String> {
    let mut ctx = ptr::null_mut();
    // SAFETY: `config` points to a struct of its declared size; `ctx` is writable.
    let err = unsafe { topt_context_new(config, &mut ctx) };
    match status(err).as_str() {
        "OK" => Ok(ctx),
        other => Err(other.to_owned()),
    }
}

fn free(ctx: *mut topt_Context) {
    // SAFETY: a live context, freed once.
    unsafe { topt_context_free(ctx) };
}

#[test]
fn a_first_version_config_works_with_this_library() {
    let config = v1_config();
    let ctx = new_context(ptr::from_ref(&config).cast()).unwrap();
    let mut info = InfoV1 {
        struct_size: size_of::<InfoV1>() as u32,
        ..unsafe_zeroed_info()
    };
    // SAFETY: a v1-sized struct with its size declared.
    let err = unsafe { topt_context_info(ctx, ptr::from_mut(&mut info).cast()) };
    assert_eq!(status(err), "OK");
    assert_eq!(info.struct_size as usize, size_of::<InfoV1>());
    assert_eq!(info.payloads_enabled, 1, "the v1 fields were read");
    // SAFETY: context-owned string, valid until the free below.
    let dir = unsafe { CStr::from_ptr(info.payloads_dir) };
    assert_eq!(dir.to_str().unwrap(), "/outputs/payloads");
    free(ctx);
}

fn unsafe_zeroed_info() -> InfoV1 {
    InfoV1 {
        struct_size: 0,
        manifest_version: 0,
        manifest_enabled: 0,
        payloads_enabled: 0,
        runfiles_mode: 0,
        _reserved: 0,
        manifest_given: ptr::null(),
        manifest_path: ptr::null(),
        manifest_diagnostic: ptr::null(),
        payloads_dir: ptr::null(),
        payloads_diagnostic: ptr::null(),
        runfiles_location: ptr::null(),
    }
}

#[test]
fn a_config_from_a_newer_header_is_accepted_only_with_its_new_fields_zero() {
    let mut future = Future {
        now: v1_config(),
        later: [0; 3],
    };
    future.now.struct_size = size_of::<Future<ConfigV1>>() as u32;
    let ctx = new_context(ptr::from_ref(&future).cast()).unwrap();
    free(ctx);

    future.later[1] = 1;
    assert_eq!(
        new_context(ptr::from_ref(&future).cast()).unwrap_err(),
        "STRUCT_SIZE",
        "a field this library does not know is set: refuse rather than ignore it"
    );
}

#[test]
fn unusable_config_sizes_and_reserved_bits_are_errors() {
    let mut config = v1_config();
    for size in [0, 8, size_of::<ConfigV1>() as u32 - 8, 1 << 20] {
        config.struct_size = size;
        assert_eq!(
            new_context(ptr::from_ref(&config).cast()).unwrap_err(),
            "STRUCT_SIZE",
            "size {size}"
        );
    }
    config = v1_config();
    config._reserved = 1;
    assert_eq!(
        new_context(ptr::from_ref(&config).cast()).unwrap_err(),
        "INVALID_ARGUMENT"
    );
}

#[test]
fn info_for_a_newer_header_fills_what_it_knows_and_zeroes_the_rest() {
    let config = v1_config();
    let ctx = new_context(ptr::from_ref(&config).cast()).unwrap();
    let mut future = Future {
        now: unsafe_zeroed_info(),
        later: [u64::MAX; 3],
    };
    future.now.struct_size = size_of::<Future<InfoV1>>() as u32;
    // SAFETY: the struct holds its declared size.
    let err = unsafe { topt_context_info(ctx, ptr::from_mut(&mut future).cast()) };
    assert_eq!(status(err), "OK");
    assert_eq!(future.now.struct_size as usize, size_of::<topt_Info>());
    assert_eq!(future.now.payloads_enabled, 1);
    assert_eq!(
        future.later, [0; 3],
        "fields unknown to this library read as zero"
    );
    free(ctx);
}

#[test]
fn cache_read_resets_out_source_on_error() {
    let config = v1_config();
    let ctx = new_context(ptr::from_ref(&config).cast()).unwrap();
    let mut json = topt_Bytes {
        ptr: ptr::null(),
        len: 0,
        _cap: 0,
    };
    let mut source: topt_Source = TOPT_SOURCE_FULL_BUNDLE;
    // SAFETY: live context, writable out-parameters.
    let err = unsafe {
        topt_cache_read(
            ctx,
            TOPT_CACHE_FILE_SETTINGS,
            ptr::null(),
            &mut json,
            &mut source,
        )
    };
    assert_eq!(status(err), "NOT_ENABLED", "manifest mode is off");
    assert_eq!(
        source, 0,
        "out_source is reset at entry, like every out-parameter"
    );
    assert!(json.ptr.is_null());

    source = TOPT_SOURCE_CANONICAL;
    // SAFETY: as above; an unknown file value is rejected after the reset.
    let err = unsafe { topt_cache_read(ctx, 99, ptr::null(), &mut json, &mut source) };
    assert_eq!(status(err), "INVALID_ARGUMENT");
    assert_eq!(source, 0);
    free(ctx);
}
