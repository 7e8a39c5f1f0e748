//! The one panic boundary every export runs in.

use std::panic::{AssertUnwindSafe, catch_unwind};

/// Runs `body`; if it panics, returns `on_panic()` instead of unwinding into C.
///
/// An ordinary generic function rather than a macro, so every export reads as plain Rust.
/// `AssertUnwindSafe` is sound here: a panicking call leaves no shared state half-updated (the
/// context is immutable and outputs are only written on success).
pub(crate) fn ffi_boundary<T>(on_panic: impl FnOnce() -> T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|_| on_panic())
}
