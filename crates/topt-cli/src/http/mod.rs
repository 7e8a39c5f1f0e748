//! The one HTTP client of `topt sync` and `topt upload`: POSTs with bounded retries, one backoff
//! formula, one `Retry-After` parser, no redirects, bounded response bodies, an optional overall
//! deadline, and messages that never show a credential.

pub mod api_key;
pub mod client;
pub mod policy;
pub mod redact;
pub mod resolve;
pub mod retry_after;

pub use api_key::{ApiKey, KeyError};
pub use client::{Client, Failure, FailureKind, Request, Response};
pub use policy::Policy;
