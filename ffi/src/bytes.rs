//! `topt_Bytes`: owned output bytes.

use std::ptr;

use crate::boundary::ffi_boundary;
use crate::error::{FfiError, FfiResult};

/// Bytes owned by libtopt: a path, a JSON document or a label. A NUL byte always follows the
/// `len` bytes, so text can be used as a C string directly. Free with `topt_bytes_free`.
/// A zeroed value (`ptr == NULL`) is empty and safe to free.
#[repr(C)]
#[derive(Debug)]
pub struct topt_Bytes {
    /// The first byte; NULL when empty.
    pub ptr: *const u8,
    /// Number of bytes, not counting the trailing NUL.
    pub len: usize,
    /// Private: the allocation size. Do not touch.
    pub _cap: usize,
}

impl topt_Bytes {
    pub(crate) const EMPTY: topt_Bytes = topt_Bytes {
        ptr: ptr::null(),
        len: 0,
        _cap: 0,
    };

    pub(crate) fn from_vec(mut data: Vec<u8>) -> topt_Bytes {
        let len = data.len();
        data.push(0);
        let boxed = data.into_boxed_slice();
        let cap = boxed.len();
        topt_Bytes {
            ptr: Box::into_raw(boxed).cast::<u8>(),
            len,
            _cap: cap,
        }
    }
}

/// Empties a required out-parameter before anything can fail, so a caller never reads stale
/// bytes after an error; NULL is the caller's error, named by `what`.
///
/// # Safety
/// `out` is NULL or valid for writes.
pub(crate) unsafe fn clear_required(out: *mut topt_Bytes, what: &str) -> FfiResult<()> {
    if out.is_null() {
        return Err(FfiError::null(what));
    }
    // SAFETY: checked non-null; writable per the contract.
    unsafe { out.write(topt_Bytes::EMPTY) };
    Ok(())
}

/// Writes `value` to the out-parameter if it is non-NULL.
///
/// # Safety
/// `out` is NULL or valid for writes.
pub(crate) unsafe fn put(out: *mut topt_Bytes, value: topt_Bytes) {
    // SAFETY: the caller guarantees `out` is NULL or writable.
    match unsafe { out.as_mut() } {
        Some(slot) => *slot = value,
        None => drop_bytes(value),
    }
}

fn drop_bytes(bytes: topt_Bytes) {
    if bytes.ptr.is_null() || bytes._cap == 0 {
        return;
    }
    let slice = ptr::slice_from_raw_parts_mut(bytes.ptr.cast_mut(), bytes._cap);
    // SAFETY: non-null bytes were produced by `from_vec` with exactly this allocation size.
    drop(unsafe { Box::from_raw(slice) });
}

/// Frees bytes returned by libtopt and zeroes the struct, so freeing twice is harmless.
/// NULL and zeroed values are accepted.
///
/// # Safety
/// `bytes` is NULL or points to a `topt_Bytes` that is zeroed or was filled by libtopt.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn topt_bytes_free(bytes: *mut topt_Bytes) {
    ffi_boundary(
        || (),
        || {
            // SAFETY: the caller guarantees `bytes` is NULL or valid.
            if let Some(slot) = unsafe { bytes.as_mut() } {
                drop_bytes(std::mem::replace(slot, topt_Bytes::EMPTY));
            }
        },
    );
}
