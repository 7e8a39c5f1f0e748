//! libtopt: the C ABI over topt-core. The header `include/topt.h` is generated from this crate by
//! `cargo xtask header` (cbindgen) and checked in; never edit it by hand.
//!
//! Conventions (docs/libtopt.md states them for callers): every fallible function returns
//! `topt_Error*` (NULL = success) and writes results through out-parameters; every export runs inside [`boundary::ffi_boundary`]
//! so a Rust panic never unwinds into the host; the caller owns inputs, Rust owns outputs until
//! the matching `_free`; `topt_Context` is immutable and safe to share across threads.
#![allow(non_camel_case_types)]

mod boundary;
mod bytes;
mod cache;
mod context;
mod error;
mod labels;
mod payload;
mod strings;
mod version;
mod versioned;

pub use bytes::*;
pub use cache::*;
pub use context::*;
pub use error::*;
pub use labels::*;
pub use payload::*;
pub use version::*;
