//! `topt_Error` and `topt_Status`.

use std::ffi::{CStr, CString, c_char};
use std::ptr;

use topt_core::error::{Error, ErrorKind};

use crate::boundary::ffi_boundary;

/// A status code. Values are stable and never reused.
pub type topt_Status = u32;
/// Success (only returned by `topt_error_code(NULL)`).
pub const TOPT_STATUS_OK: topt_Status = 0;
/// An argument is unusable: bad UTF-8, a malformed runfiles path, an unknown enum value, an
/// empty or `{}` test payload, or a JSON argument (a selection request, a label list) that is
/// malformed or of the wrong shape.
pub const TOPT_STATUS_INVALID_ARGUMENT: topt_Status = 1;
/// The feature is off in this environment (see `topt_Info` diagnostics).
pub const TOPT_STATUS_NOT_ENABLED: topt_Status = 2;
/// The file or runfile does not exist.
pub const TOPT_STATUS_NOT_FOUND: topt_Status = 3;
/// The operating system refused a read or write.
pub const TOPT_STATUS_IO: topt_Status = 4;
/// Malformed content read from a file or a payload: a runfiles manifest or `_repo_mapping` line,
/// or payload bytes that are not valid JSON / msgpack.
pub const TOPT_STATUS_PARSE: topt_Status = 5;
/// `manifest.txt` declares an unsupported version.
pub const TOPT_STATUS_UNSUPPORTED_VERSION: topt_Status = 6;
/// A bug in libtopt was caught at the boundary; the host process is unaffected.
pub const TOPT_STATUS_PANIC: topt_Status = 7;
/// A struct's `struct_size` is not usable: below the first published version of that struct, not
/// the size of any published version, absurdly large, or larger than this library's struct with
/// the fields it does not know set (a caller built against a newer header).
pub const TOPT_STATUS_STRUCT_SIZE: topt_Status = 8;
/// A required pointer argument is NULL.
pub const TOPT_STATUS_NULL_POINTER: topt_Status = 9;

#[derive(Debug)]
enum Message {
    Static(&'static CStr),
    Owned(CString),
}

/// An error: a status code and a message. Opaque; free with `topt_error_free`.
#[derive(Debug)]
pub struct topt_Error {
    code: topt_Status,
    message: Message,
}

// The panic error is static so it can be returned even if allocation is what failed.
static PANIC_ERROR: topt_Error = topt_Error {
    code: TOPT_STATUS_PANIC,
    message: Message::Static(c"libtopt caught an internal panic; this is a bug in libtopt, please report it with the test's output"),
};

pub(crate) fn status_of(kind: ErrorKind) -> topt_Status {
    match kind {
        ErrorKind::InvalidArgument => TOPT_STATUS_INVALID_ARGUMENT,
        ErrorKind::NotEnabled => TOPT_STATUS_NOT_ENABLED,
        ErrorKind::NotFound => TOPT_STATUS_NOT_FOUND,
        ErrorKind::Io => TOPT_STATUS_IO,
        ErrorKind::Parse => TOPT_STATUS_PARSE,
        ErrorKind::UnsupportedVersion => TOPT_STATUS_UNSUPPORTED_VERSION,
    }
}

/// An error on its way to C.
#[derive(Debug)]
pub(crate) struct FfiError {
    code: topt_Status,
    message: String,
}

impl FfiError {
    pub(crate) fn new(code: topt_Status, message: impl Into<String>) -> Self {
        FfiError {
            code,
            message: message.into(),
        }
    }

    pub(crate) fn null(what: &str) -> Self {
        FfiError::new(TOPT_STATUS_NULL_POINTER, format!("{what} must not be NULL"))
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        FfiError::new(TOPT_STATUS_INVALID_ARGUMENT, message)
    }

    #[cfg(test)]
    pub(crate) fn message(&self) -> &str {
        &self.message
    }
}

impl From<Error> for FfiError {
    fn from(err: Error) -> Self {
        FfiError::new(status_of(err.kind()), err.message())
    }
}

pub(crate) type FfiResult<T> = Result<T, FfiError>;

pub(crate) fn into_raw(err: FfiError) -> *mut topt_Error {
    // Interior NULs cannot be represented in a C string; replace them instead of failing.
    let message = CString::new(err.message.replace('\0', "\\0")).unwrap_or_default();
    Box::into_raw(Box::new(topt_Error {
        code: err.code,
        message: Message::Owned(message),
    }))
}

fn panic_error() -> *mut topt_Error {
    ptr::addr_of!(PANIC_ERROR).cast_mut()
}

/// Runs a fallible export body inside the panic boundary and converts its result.
pub(crate) fn run(body: impl FnOnce() -> FfiResult<()>) -> *mut topt_Error {
    ffi_boundary(panic_error, || match body() {
        Ok(()) => ptr::null_mut(),
        Err(err) => into_raw(err),
    })
}

/// The status code of `error`; `TOPT_STATUS_OK` for NULL.
///
/// # Safety
/// `error` is NULL or a live pointer returned by a libtopt function.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn topt_error_code(error: *const topt_Error) -> topt_Status {
    ffi_boundary(
        || TOPT_STATUS_PANIC,
        // SAFETY: the caller passes NULL or a live error.
        || unsafe { error.as_ref() }.map_or(TOPT_STATUS_OK, |e| e.code),
    )
}

/// The message of `error`: UTF-8, NUL-terminated, owned by the error and valid until
/// `topt_error_free`. NULL for a NULL error.
///
/// # Safety
/// `error` is NULL or a live pointer returned by a libtopt function.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn topt_error_message(error: *const topt_Error) -> *const c_char {
    ffi_boundary(ptr::null, || {
        // SAFETY: the caller passes NULL or a live error.
        match unsafe { error.as_ref() } {
            None => ptr::null(),
            Some(topt_Error {
                message: Message::Static(s),
                ..
            }) => s.as_ptr(),
            Some(topt_Error {
                message: Message::Owned(s),
                ..
            }) => s.as_ptr(),
        }
    })
}

/// Frees an error. NULL is accepted; freeing the static panic error is a no-op.
///
/// # Safety
/// `error` is NULL or a pointer returned by a libtopt function and not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn topt_error_free(error: *mut topt_Error) {
    ffi_boundary(
        || (),
        || {
            if error.is_null() || ptr::eq(error, panic_error()) {
                return;
            }
            // SAFETY: non-null errors other than the static one come from Box::into_raw.
            drop(unsafe { Box::from_raw(error) });
        },
    );
}

/// The stable name of a status (`"NOT_FOUND"`, …); `"UNKNOWN"` for values this version does not
/// define. Static; never free it.
#[unsafe(no_mangle)]
pub extern "C" fn topt_status_name(status: topt_Status) -> *const c_char {
    ffi_boundary(
        || c"UNKNOWN".as_ptr(),
        || {
            let name: &'static CStr = match status {
                TOPT_STATUS_OK => c"OK",
                TOPT_STATUS_INVALID_ARGUMENT => c"INVALID_ARGUMENT",
                TOPT_STATUS_NOT_ENABLED => c"NOT_ENABLED",
                TOPT_STATUS_NOT_FOUND => c"NOT_FOUND",
                TOPT_STATUS_IO => c"IO",
                TOPT_STATUS_PARSE => c"PARSE",
                TOPT_STATUS_UNSUPPORTED_VERSION => c"UNSUPPORTED_VERSION",
                TOPT_STATUS_PANIC => c"PANIC",
                TOPT_STATUS_STRUCT_SIZE => c"STRUCT_SIZE",
                TOPT_STATUS_NULL_POINTER => c"NULL_POINTER",
                _ => c"UNKNOWN",
            };
            name.as_ptr()
        },
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::panic)]

    use super::*;

    #[test]
    fn a_panic_inside_the_boundary_becomes_the_static_panic_error() {
        let err = run(|| panic!("a bug in an export"));
        // SAFETY: a live error returned by `run`.
        assert_eq!(unsafe { topt_error_code(err) }, TOPT_STATUS_PANIC);
        // SAFETY: as above; the message is static.
        let message = unsafe { CStr::from_ptr(topt_error_message(err)) };
        assert!(message.to_string_lossy().contains("internal panic"));
        // SAFETY: freeing the static error is a no-op, even twice.
        unsafe {
            topt_error_free(err);
            topt_error_free(err);
        }
        // The boundary is still usable afterwards.
        assert!(run(|| Ok(())).is_null());
        // SAFETY: NULL is accepted.
        assert_eq!(unsafe { topt_error_code(ptr::null()) }, TOPT_STATUS_OK);
    }

    #[test]
    fn exports_without_an_error_return_their_fallback_on_panic() {
        let value = ffi_boundary(|| 7u32, || panic!("a bug"));
        assert_eq!(value, 7);
    }
}
