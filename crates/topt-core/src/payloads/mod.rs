//! Post-test payload logic shared by `topt doctor` and `topt upload`: which files count, the
//! citestcycle envelope checks, context selection, enrichment, Go selection states and `DD_SITE`.
//! Pure functions over bytes and JSON values; the CLI does the I/O and the HTTP.

pub mod checks;
pub mod codeowners;
pub mod context;
pub mod doc;
pub mod enrich;
pub mod fingerprint;
pub mod kind;
pub mod schema;
pub mod selection;
pub mod site;
pub mod telemetry;
