//! One error type for the core: a kind that maps 1:1 to the C ABI's status codes, and a message
//! that names the file or variable involved and says how to fix it.

use std::fmt;
use std::path::Path;

/// What went wrong, coarse enough to branch on. Values never change meaning (they are the C ABI's
/// `topt_Status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// A caller passed something unusable: NULL, bad UTF-8, a malformed runfiles path, wrong struct size.
    InvalidArgument,
    /// The feature is off in this environment (for example payload files were not requested).
    NotEnabled,
    /// The file or runfile does not exist.
    NotFound,
    /// The operating system refused a read or write.
    Io,
    /// A file exists but its content is malformed (runfiles manifest, `_repo_mapping`, JSON, msgpack).
    Parse,
    /// `manifest.txt` names a version this library does not support.
    UnsupportedVersion,
}

impl ErrorKind {
    /// The stable upper-case name used in test vectors and messages (`NOT_FOUND`, …).
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::InvalidArgument => "INVALID_ARGUMENT",
            ErrorKind::NotEnabled => "NOT_ENABLED",
            ErrorKind::NotFound => "NOT_FOUND",
            ErrorKind::Io => "IO",
            ErrorKind::Parse => "PARSE",
            ErrorKind::UnsupportedVersion => "UNSUPPORTED_VERSION",
        }
    }
}

/// An error with a human message. The message never contains secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::InvalidArgument, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::NotFound, message)
    }

    pub fn parse(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Parse, message)
    }

    /// An I/O failure on `path`, classified: a missing file is `NotFound`, anything else `Io`.
    pub fn io(what: &str, path: &Path, err: &std::io::Error) -> Self {
        let kind = if err.kind() == std::io::ErrorKind::NotFound {
            ErrorKind::NotFound
        } else {
            ErrorKind::Io
        };
        Error::new(kind, format!("{what} {}: {err}", path.display()))
    }

    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;
