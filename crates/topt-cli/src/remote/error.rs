//! Why an output could not be fetched: one message per output, naming the URI and the cause.

use std::fmt;
use std::io;
use std::path::PathBuf;

#[derive(Debug)]
pub struct FetchError {
    /// The output's URI (or path), as the BEP named it.
    pub uri: String,
    pub kind: ErrorKind,
}

#[derive(Debug)]
pub enum ErrorKind {
    /// The settings cannot work (a bad header, endpoint or certificate file).
    Config(String),
    /// No connection to the remote cache (after the retries).
    Unreachable { endpoint: String, detail: String },
    /// The remote cache does not have the blob (gRPC NOT_FOUND).
    NotFound { endpoint: String },
    /// Another gRPC error (after the retries when it is a transient one).
    Status {
        endpoint: String,
        code: tonic::Code,
        message: String,
    },
    /// No message for the read timeout (after the retries).
    Timeout { endpoint: String, seconds: u64 },
    /// The run's deadline (`--max-run-sec`) came first.
    Deadline,
    /// The digest's size is over the limit: refused before downloading.
    TooLarge { size: u64, limit: u64 },
    /// The server sent more bytes than the digest's size.
    Oversized { size: u64 },
    /// The stream ended before the digest's size.
    Truncated { received: u64, size: u64 },
    /// The bytes received do not hash to the digest.
    DigestMismatch { expected: String, actual: String },
    /// A digest function other than SHA-256.
    UnsupportedDigest(String),
    /// Writing the download to disk failed.
    Io(PathBuf, io::Error),
}

impl FetchError {
    pub fn new(uri: impl Into<String>, kind: ErrorKind) -> FetchError {
        FetchError {
            uri: uri.into(),
            kind,
        }
    }
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.uri)?;
        match &self.kind {
            ErrorKind::Config(m) => write!(f, "{m}"),
            ErrorKind::Unreachable { endpoint, detail } => {
                write!(f, "the remote cache {endpoint} is unreachable: {detail}")
            }
            ErrorKind::NotFound { endpoint } => write!(
                f,
                "the remote cache {endpoint} does not have this blob (NOT_FOUND; evicted, or another cache or instance name)"
            ),
            ErrorKind::Status {
                endpoint,
                code,
                message,
            } => {
                write!(
                    f,
                    "the remote cache {endpoint} answered {code:?}: {message}"
                )?;
                if matches!(
                    code,
                    tonic::Code::Unauthenticated | tonic::Code::PermissionDenied
                ) {
                    write!(
                        f,
                        " (credentials are passed with --remote-header NAME=VALUE)"
                    )?;
                }
                Ok(())
            }
            ErrorKind::Timeout { endpoint, seconds } => {
                write!(
                    f,
                    "the remote cache {endpoint} sent nothing for {seconds} s"
                )
            }
            ErrorKind::Deadline => write!(f, "not read before --max-run-sec ran out"),
            ErrorKind::TooLarge { size, limit } => write!(
                f,
                "the blob is {size} bytes, over the {limit}-byte limit (--remote-max-blob-size); not downloaded"
            ),
            ErrorKind::Oversized { size } => write!(
                f,
                "the remote cache sent more than the digest's {size} bytes; discarded"
            ),
            ErrorKind::Truncated { received, size } => write!(
                f,
                "the download stopped after {received} of {size} bytes; discarded"
            ),
            ErrorKind::DigestMismatch { expected, actual } => write!(
                f,
                "digest mismatch: the bytes received hash to {actual}, not {expected}; discarded"
            ),
            ErrorKind::UnsupportedDigest(d) => {
                write!(
                    f,
                    "digest {d} is not SHA-256, the only digest function topt verifies"
                )
            }
            ErrorKind::Io(p, e) => write!(f, "cannot write the download to {}: {e}", p.display()),
        }
    }
}

impl std::error::Error for FetchError {}
