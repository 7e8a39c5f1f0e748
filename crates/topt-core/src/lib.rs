//! topt-core: the pure-Rust heart of topt.
//!
//! Everything a test process needs (runfiles resolution, the synced manifest, cache-file reads
//! with module narrowing, module selection, label rules and atomic payload files) lives here with
//! no network code, so the same logic backs libtopt's C ABI and the `topt` CLI.

pub mod bundle;
pub mod cache;
pub mod config;
pub mod context;
pub mod error;
pub mod labels;
pub mod manifest;
pub mod msgpack;
pub mod payload;
pub mod payloads;
pub mod positional;
pub mod runfiles;
pub mod selection;
