//! What `topt sync` and `topt upload` share about talking to Datadog.

pub mod api_key;

pub use api_key::{ApiKey, KeyError};
