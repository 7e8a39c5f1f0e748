//! `topt_Context`: creation from `topt_Config`, `topt_Info`, and runfiles lookup.

use std::ffi::{CString, c_char};
use std::mem::size_of;
use std::path::Path;
use std::ptr;
use std::sync::OnceLock;

use topt_core::config::{Config, Overrides};
use topt_core::context::Context;
use topt_core::runfiles::Mode;

use crate::boundary::ffi_boundary;
use crate::bytes::{clear_required, put, topt_Bytes};
use crate::error::{FfiError, FfiResult, run, topt_Error};
use crate::strings::{optional_os, optional_str, path_bytes, required_str};
use crate::versioned::{self, Versioned, current_size_is_published};

/// `sizeof` of a pointer field: published sizes depend on the platform's pointer width.
const PTR: usize = size_of::<*const c_char>();

/// How runfiles are found in this process.
pub type topt_RunfilesMode = u32;
/// No runfiles were found; only absolute paths resolve.
pub const TOPT_RUNFILES_MODE_NONE: topt_RunfilesMode = 0;
/// A runfiles `MANIFEST` file maps runfiles paths to real paths.
pub const TOPT_RUNFILES_MODE_MANIFEST: topt_RunfilesMode = 1;
/// A runfiles directory tree exists.
pub const TOPT_RUNFILES_MODE_DIRECTORY: topt_RunfilesMode = 2;

/// Inputs for `topt_context_new`. Zero it, set `struct_size = sizeof(topt_Config)`, and set only
/// what you want to override: a NULL field is read from the environment variable named below
/// (once, during `topt_context_new`); an empty string means "explicitly unset". Strings are
/// borrowed for the duration of the call only.
///
/// Versioned: new fields are only appended. Version 1 (ABI 1.0) ends after `source_repository`.
/// A smaller, older struct is read as far as it goes (the rest counts as NULL); a larger one from
/// a newer header is accepted when the fields this library does not know are zero.
#[repr(C)]
#[derive(Debug)]
pub struct topt_Config {
    /// `sizeof(topt_Config)` as compiled by the caller.
    pub struct_size: u32,
    /// Must be zero.
    pub _reserved: u32,
    /// Runfiles path (or absolute path) of the synced `manifest.txt`.
    /// Default: `DD_TEST_OPTIMIZATION_MANIFEST_FILE`, then `TEST_OPTIMIZATION_MANIFEST_FILE`.
    pub manifest_file: *const c_char,
    /// `true`/`1`/`t` turns payload files on. Default: `DD_TEST_OPTIMIZATION_PAYLOADS_IN_FILES`.
    pub payloads_in_files: *const c_char,
    /// Where payload files go (`<dir>/payloads/...`). Default: `TEST_UNDECLARED_OUTPUTS_DIR`.
    pub undeclared_outputs_dir: *const c_char,
    /// Default: `RUNFILES_MANIFEST_FILE`.
    pub runfiles_manifest_file: *const c_char,
    /// Default: `RUNFILES_DIR`.
    pub runfiles_dir: *const c_char,
    /// Default: `TEST_SRCDIR`.
    pub test_srcdir: *const c_char,
    /// Default: `JAVA_RUNFILES`.
    pub java_runfiles: *const c_char,
    /// Program path for the `<argv0>.runfiles` fallbacks. Default: this process's argv[0].
    pub argv0: *const c_char,
    /// Canonical name of the repository whose code asks for runfiles (for `_repo_mapping`).
    /// Default: `""`, the main repository.
    pub source_repository: *const c_char,
}

/// What a context sees, for diagnostics. Set `struct_size = sizeof(topt_Info)` before calling
/// `topt_context_info`; libtopt fills at most that many bytes, zeroes any fields it does not know
/// (a struct from a newer header) and sets `struct_size` to the bytes it filled. Strings are owned
/// by the context and valid until `topt_context_free`; NULL when absent.
///
/// Versioned: new fields are only appended. Version 1 (ABI 1.0) ends after `runfiles_location`.
#[repr(C)]
#[derive(Debug)]
pub struct topt_Info {
    pub struct_size: u32,
    /// The version `manifest.txt` declares; 0 if unknown.
    pub manifest_version: u32,
    /// 1 when the synced metadata can be read (cache reads work), else 0.
    pub manifest_enabled: u32,
    /// 1 when payload files can be written, else 0.
    pub payloads_enabled: u32,
    /// A `TOPT_RUNFILES_MODE_*` value.
    pub runfiles_mode: topt_RunfilesMode,
    /// Zero.
    pub _reserved: u32,
    /// The manifest location the test was given (runfiles path or absolute path).
    pub manifest_given: *const c_char,
    /// The resolved real path of `manifest.txt`.
    pub manifest_path: *const c_char,
    /// Why manifest mode is off, and how to fix it.
    pub manifest_diagnostic: *const c_char,
    /// The payload directory (`<outputs>/payloads`).
    pub payloads_dir: *const c_char,
    /// Why payload files are off, and how to fix it.
    pub payloads_diagnostic: *const c_char,
    /// The runfiles manifest or directory in use.
    pub runfiles_location: *const c_char,
}

impl Versioned for topt_Config {
    const NAME: &'static str = "topt_Config";
    /// v1: `struct_size`, `_reserved`, nine strings.
    const SIZES: &'static [usize] = &[2 * 4 + 9 * PTR];
    fn zeroed() -> Self {
        let null = ptr::null();
        topt_Config {
            struct_size: 0,
            _reserved: 0,
            manifest_file: null,
            payloads_in_files: null,
            undeclared_outputs_dir: null,
            runfiles_manifest_file: null,
            runfiles_dir: null,
            test_srcdir: null,
            java_runfiles: null,
            argv0: null,
            source_repository: null,
        }
    }
}

impl Versioned for topt_Info {
    const NAME: &'static str = "topt_Info";
    /// v1: six `uint32_t`, six strings.
    const SIZES: &'static [usize] = &[6 * 4 + 6 * PTR];
    fn zeroed() -> Self {
        let null = ptr::null();
        topt_Info {
            struct_size: 0,
            manifest_version: 0,
            manifest_enabled: 0,
            payloads_enabled: 0,
            runfiles_mode: TOPT_RUNFILES_MODE_NONE,
            _reserved: 0,
            manifest_given: null,
            manifest_path: null,
            manifest_diagnostic: null,
            payloads_dir: null,
            payloads_diagnostic: null,
            runfiles_location: null,
        }
    }
}

// Appending a field changes the size: publish it in SIZES (and bump the ABI minor) or this fails.
const _: () = assert!(current_size_is_published::<topt_Config>());
const _: () = assert!(current_size_is_published::<topt_Info>());

/// An immutable view of Bazel mode for this process. Opaque. Safe to use from many threads at
/// once; create once, free with `topt_context_free` after the last call using it returns.
#[derive(Debug)]
pub struct topt_Context {
    pub(crate) inner: Context,
    /// Built by the first `topt_context_info`, so creation stays cheap; then fixed for the
    /// context's life, which keeps the pointers handed out valid.
    strings: OnceLock<InfoStrings>,
}

#[derive(Debug, Default)]
struct InfoStrings {
    manifest_given: Option<CString>,
    manifest_path: Option<CString>,
    manifest_diagnostic: Option<CString>,
    payloads_dir: Option<CString>,
    payloads_diagnostic: Option<CString>,
    runfiles_location: Option<CString>,
}

fn c_string(bytes: Vec<u8>) -> Option<CString> {
    CString::new(bytes).ok()
}

fn c_path(path: Option<&Path>) -> Option<CString> {
    path.map(path_bytes).and_then(c_string)
}

fn c_text(text: Option<&str>) -> Option<CString> {
    text.map(|t| t.as_bytes().to_vec()).and_then(c_string)
}

fn as_ptr(s: &Option<CString>) -> *const c_char {
    s.as_ref().map_or(ptr::null(), |s| s.as_ptr())
}

impl InfoStrings {
    fn of(ctx: &Context) -> Self {
        let runfiles = ctx.runfiles();
        InfoStrings {
            manifest_given: c_text(ctx.manifest().given.as_deref()),
            manifest_path: c_path(ctx.manifest().path.as_deref()),
            manifest_diagnostic: c_text(ctx.manifest().diagnostic.as_deref()),
            payloads_dir: c_path(ctx.payloads().dir.as_deref()),
            payloads_diagnostic: c_text(ctx.payloads().diagnostic.as_deref()),
            runfiles_location: c_path(runfiles.manifest_path().or(runfiles.directory())),
        }
    }
}

/// # Safety
/// `config` is NULL or valid for reads of `struct_size` bytes.
unsafe fn overrides(config: *const topt_Config) -> FfiResult<Overrides> {
    if config.is_null() {
        return Ok(Overrides::default());
    }
    // SAFETY: non-null and readable for `struct_size` bytes per the contract.
    let config = unsafe { versioned::read(config) }?;
    if config._reserved != 0 {
        return Err(FfiError::invalid(format!(
            "topt_Config._reserved is {} but must be zero: zero the whole struct before setting \
             fields",
            config._reserved
        )));
    }
    // SAFETY (all fields): strings are NULL or NUL-terminated per the struct's contract.
    unsafe {
        Ok(Overrides {
            manifest_file: optional_os(config.manifest_file),
            payloads_in_files: optional_os(config.payloads_in_files),
            undeclared_outputs_dir: optional_os(config.undeclared_outputs_dir),
            runfiles_manifest_file: optional_os(config.runfiles_manifest_file),
            runfiles_dir: optional_os(config.runfiles_dir),
            test_srcdir: optional_os(config.test_srcdir),
            java_runfiles: optional_os(config.java_runfiles),
            argv0: optional_os(config.argv0),
            source_repository: optional_str(
                config.source_repository,
                "topt_Config.source_repository",
            )?
            .map(str::to_owned),
        })
    }
}

/// Creates a context: reads the environment once (fields of `config` override it; `config` may
/// be NULL), discovers runfiles, resolves and checks `manifest.txt`, and decides whether payload
/// files are on. It does not fail just because Bazel mode is off: `topt_context_info` then says
/// why. It fails for unusable input: a malformed runfiles manifest or `_repo_mapping`
/// (`TOPT_STATUS_PARSE`), an unreadable runfiles manifest, a bad `struct_size`.
///
/// On success `*out` owns a new context; on error `*out` is set to NULL.
///
/// # Safety
/// `config` is NULL or a valid `topt_Config`; `out` is valid for writes.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn topt_context_new(
    config: *const topt_Config,
    out: *mut *mut topt_Context,
) -> *mut topt_Error {
    run(|| {
        // SAFETY: the caller passes a writable `out` or NULL (rejected below).
        let slot = unsafe { out.as_mut() }.ok_or_else(|| FfiError::null("out"))?;
        *slot = ptr::null_mut();
        // SAFETY: forwarded from the caller.
        let overrides = unsafe { overrides(config) }?;
        let inner = Context::new(Config::from_env().with(overrides))?;
        let strings = OnceLock::new();
        *slot = Box::into_raw(Box::new(topt_Context { inner, strings }));
        Ok(())
    })
}

/// Frees a context. NULL is accepted. No call may be using it at the same time.
///
/// # Safety
/// `ctx` is NULL or a context from `topt_context_new` that was not freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn topt_context_free(ctx: *mut topt_Context) {
    ffi_boundary(
        || (),
        || {
            if !ctx.is_null() {
                // SAFETY: non-null contexts come from Box::into_raw in topt_context_new.
                drop(unsafe { Box::from_raw(ctx) });
            }
        },
    );
}

/// # Safety
/// `ctx` is NULL or a live context.
pub(crate) unsafe fn context<'a>(ctx: *const topt_Context) -> FfiResult<&'a topt_Context> {
    // SAFETY: forwarded from the caller.
    unsafe { ctx.as_ref() }.ok_or_else(|| FfiError::null("ctx"))
}

/// Describes what the context sees (see `topt_Info`).
///
/// # Safety
/// `ctx` is a live context; `out` is valid for reads and writes of `out->struct_size` bytes.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn topt_context_info(
    ctx: *const topt_Context,
    out: *mut topt_Info,
) -> *mut topt_Error {
    run(|| {
        // SAFETY: forwarded from the caller.
        let ctx = unsafe { context(ctx) }?;
        if out.is_null() {
            return Err(FfiError::null("out"));
        }
        let inner = &ctx.inner;
        let s = ctx.strings.get_or_init(|| InfoStrings::of(inner));
        let info = topt_Info {
            struct_size: size_of::<topt_Info>() as u32,
            manifest_version: inner.manifest().version,
            manifest_enabled: u32::from(inner.manifest().enabled),
            payloads_enabled: u32::from(inner.payloads().enabled),
            runfiles_mode: match inner.runfiles().mode() {
                Mode::None => TOPT_RUNFILES_MODE_NONE,
                Mode::Manifest => TOPT_RUNFILES_MODE_MANIFEST,
                Mode::Directory => TOPT_RUNFILES_MODE_DIRECTORY,
            },
            _reserved: 0,
            manifest_given: as_ptr(&s.manifest_given),
            manifest_path: as_ptr(&s.manifest_path),
            manifest_diagnostic: as_ptr(&s.manifest_diagnostic),
            payloads_dir: as_ptr(&s.payloads_dir),
            payloads_diagnostic: as_ptr(&s.payloads_diagnostic),
            runfiles_location: as_ptr(&s.runfiles_location),
        };
        // SAFETY: `out` is non-null and valid for `struct_size` bytes per the contract.
        unsafe { versioned::write(out, &info) }
    })
}

/// Resolves a runfiles path (`repo/pkg/file`, as `$(rlocationpath)` gives) to a real path with
/// Bazel's runfiles algorithm; absolute paths are returned unchanged. Errors:
/// `TOPT_STATUS_INVALID_ARGUMENT` for a non-normalized path, `TOPT_STATUS_NOT_FOUND` when it is
/// not a runfile. On success `*out_path` holds the path (free with `topt_bytes_free`).
///
/// # Safety
/// `ctx` is a live context; `path` a NUL-terminated string; `out_path` valid for writes.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn topt_rlocation(
    ctx: *const topt_Context,
    path: *const c_char,
    out_path: *mut topt_Bytes,
) -> *mut topt_Error {
    run(|| {
        // SAFETY: forwarded from the caller.
        unsafe { clear_required(out_path, "out_path") }?;
        // SAFETY: forwarded from the caller.
        let ctx = unsafe { context(ctx) }?;
        // SAFETY: forwarded from the caller.
        let path = unsafe { required_str(path, "path") }?;
        let resolved = ctx.inner.rlocation(path)?;
        // SAFETY: checked above.
        unsafe { put(out_path, topt_Bytes::from_vec(path_bytes(&resolved))) };
        Ok(())
    })
}
