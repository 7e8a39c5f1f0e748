//! Reading C strings passed in by callers.

use std::ffi::{CStr, OsString, c_char};

use crate::error::{FfiError, FfiResult};

/// A required UTF-8 string argument.
///
/// # Safety
/// `ptr` is NULL or a NUL-terminated string valid for the duration of the call.
pub(crate) unsafe fn required_str<'a>(ptr: *const c_char, what: &str) -> FfiResult<&'a str> {
    // SAFETY: forwarded from the caller.
    unsafe { optional_str(ptr, what) }?.ok_or_else(|| FfiError::null(what))
}

/// An optional UTF-8 string argument (NULL = not given).
///
/// # Safety
/// `ptr` is NULL or a NUL-terminated string valid for the duration of the call.
pub(crate) unsafe fn optional_str<'a>(
    ptr: *const c_char,
    what: &str,
) -> FfiResult<Option<&'a str>> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: non-null pointers are NUL-terminated strings per the caller's contract.
    let text = unsafe { CStr::from_ptr(ptr) };
    text.to_str()
        .map(Some)
        .map_err(|_| FfiError::invalid(format!("{what} is not valid UTF-8")))
}

/// An optional path-like string: any bytes on Unix (paths need not be UTF-8).
///
/// # Safety
/// `ptr` is NULL or a NUL-terminated string valid for the duration of the call.
pub(crate) unsafe fn optional_os(ptr: *const c_char) -> Option<OsString> {
    if ptr.is_null() {
        return None;
    }
    // SAFETY: non-null pointers are NUL-terminated strings per the caller's contract.
    let bytes = unsafe { CStr::from_ptr(ptr) }.to_bytes();
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        Some(OsString::from_vec(bytes.to_vec()))
    }
    #[cfg(not(unix))]
    {
        Some(OsString::from(String::from_utf8_lossy(bytes).into_owned()))
    }
}

/// Bytes of a path for returning to C.
pub(crate) fn path_bytes(path: &std::path::Path) -> Vec<u8> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        path.as_os_str().as_bytes().to_vec()
    }
    #[cfg(not(unix))]
    {
        path.to_string_lossy().into_owned().into_bytes()
    }
}
