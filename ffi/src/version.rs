//! ABI and library versions.

use std::ffi::c_char;

use crate::boundary::ffi_boundary;

/// The ABI major version: bumped only for incompatible changes (never so far).
pub const TOPT_ABI_VERSION_MAJOR: u32 = 1;
/// The ABI minor version: bumped when functions, constants or struct fields are appended.
pub const TOPT_ABI_VERSION_MINOR: u32 = 0;

/// `(TOPT_ABI_VERSION_MAJOR << 16) | TOPT_ABI_VERSION_MINOR` of the loaded library. Compare its
/// major part with the header's before calling anything else.
#[unsafe(no_mangle)]
pub extern "C" fn topt_abi_version() -> u32 {
    ffi_boundary(
        || 0,
        || (TOPT_ABI_VERSION_MAJOR << 16) | TOPT_ABI_VERSION_MINOR,
    )
}

/// The library's semantic version, the workspace's `version` (`"MAJOR.MINOR.PATCH"`). Static;
/// never free it.
#[unsafe(no_mangle)]
pub extern "C" fn topt_version() -> *const c_char {
    ffi_boundary(
        || c"unknown".as_ptr(),
        || {
            concat!(env!("CARGO_PKG_VERSION"), "\0")
                .as_ptr()
                .cast::<c_char>()
        },
    )
}
