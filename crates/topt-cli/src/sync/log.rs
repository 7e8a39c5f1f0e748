//! How the sync ends and what it prints: the error that carries the exit status, and stderr lines
//! with the API key masked. A leaf, used by every step.

use std::process::ExitCode;

/// A sync failure and its exit status.
#[derive(Debug)]
pub enum SyncError {
    /// Invalid input, detected before any request: exit 2.
    Usage(String),
    /// A request, a response or the file system failed: exit 1.
    Failed(String),
}

impl SyncError {
    pub(super) fn exit_code(&self) -> ExitCode {
        match self {
            SyncError::Usage(_) => ExitCode::from(2),
            SyncError::Failed(_) => ExitCode::from(1),
        }
    }

    pub(super) fn message(&self) -> &str {
        match self {
            SyncError::Usage(m) | SyncError::Failed(m) => m,
        }
    }
}

/// Stderr lines with the API key masked, as a last line of defence.
#[derive(Debug)]
pub struct Log {
    secret: String,
    debug: bool,
}

impl Log {
    pub(super) fn new(secret: &str, debug: bool) -> Self {
        Log {
            secret: secret.trim().to_owned(),
            debug,
        }
    }

    pub(super) fn redact(&self, text: &str) -> String {
        if self.secret.len() >= 4 {
            text.replace(&self.secret, "<redacted>")
        } else {
            text.to_owned()
        }
    }

    pub(super) fn info(&self, text: &str) {
        eprintln!("topt sync: {}", self.redact(text));
    }

    pub(super) fn warn(&self, text: &str) {
        eprintln!("topt sync: WARNING: {}", self.redact(text));
    }

    pub(super) fn debug(&self, text: &str) {
        if self.debug {
            eprintln!("topt sync: debug: {}", self.redact(text));
        }
    }

    pub(super) fn error(&self, text: &str) {
        eprintln!("topt sync: error: {}", self.redact(text));
    }

    pub(super) fn out(&self, text: &str) {
        println!("topt sync: {}", self.redact(text));
    }
}
