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

/// The input on which [`probe`] panics in a library built with the `panic-probe` feature.
#[cfg(feature = "panic-probe")]
const PANIC_PROBE: &str = "\u{1}topt-panic-probe";

/// A deliberate bug for the C test. With the `panic-probe` cargo feature (enabled only by
/// `cargo xtask c-test`, never in a release or Bazel build) `topt_label_sanitize` panics on one
/// input, so the C test observes `TOPT_STATUS_PANIC` through a real export; without the feature
/// this is a no-op the compiler removes.
#[cfg(feature = "panic-probe")]
#[allow(clippy::panic)]
pub(crate) fn probe(input: &str) {
    if input == PANIC_PROBE {
        panic!("panic probe: a deliberate panic inside the boundary (panic-probe feature)");
    }
}

#[cfg(not(feature = "panic-probe"))]
pub(crate) fn probe(_input: &str) {}
