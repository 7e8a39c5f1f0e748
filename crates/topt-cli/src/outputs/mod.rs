//! The test outputs of test attempts, shared by `topt doctor` and `topt upload`: where each
//! attempt's undeclared outputs are ([`Attempt`], found by [`testlogs`] today), what a payload
//! file is and how it is read ([`file`], [`payloads`]), how a Bazel ≤ 7 `outputs.zip` is read
//! ([`zip`]), what is valid ([`verdict`]), the target metadata sidecar ([`sidecar`]) and the
//! `context.json` files payloads are enriched with ([`contexts`]).
//!
//! An [`Attempt`] is the one abstraction for "where the outputs of one test attempt come from":
//! today every `test.outputs` directory under `bazel-testlogs`, its cache evidence inferred
//! ([`cached`]); a Build Event Protocol reader can produce the same values from the invocation's
//! exact list of attempts, each marked cached or not by Bazel itself.

mod attempt;
pub mod cached;
pub mod contexts;
pub mod file;
pub mod payloads;
pub mod sidecar;
pub mod testlogs;
pub mod verdict;
pub mod zip;

pub use attempt::{Attempt, FromBep, Identity};
