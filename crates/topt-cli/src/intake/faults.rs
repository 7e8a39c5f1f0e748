//! Fault injection: which upload request gets an error status, a reset, a truncated answer or a
//! stall.

use std::sync::atomic::{AtomicU64, Ordering};

/// What to do with one upload request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    None,
    Status(u16),
    /// Answer with bytes that are not HTTP, so the client sees a broken connection.
    Reset,
}

/// The fate of one upload request.
#[derive(Debug, Clone, Copy)]
pub struct Fate {
    /// Upload requests are numbered from 1.
    pub n: u64,
    pub stall_ms: u64,
    pub fault: Fault,
    /// Cut whatever answer it gets after its headers (the request itself was processed).
    pub truncate: bool,
}

impl Fate {
    /// What a request that is not an upload (or fails validation) gets: nothing injected.
    pub const NONE: Fate = Fate {
        n: 0,
        stall_ms: 0,
        fault: Fault::None,
        truncate: false,
    };
}

#[derive(Debug, Default)]
pub struct Faults {
    pub fail_first: u64,
    pub fail_status: u16,
    pub reset_every: u64,
    pub truncate_every: u64,
    pub stall_first: u64,
    pub stall_ms: u64,
    pub reject_status: u16,
    pub reject_pattern: Option<String>,
    seq: AtomicU64,
}

impl Faults {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        fail_first: u64,
        fail_status: u16,
        reset_every: u64,
        truncate_every: u64,
        stall_first: u64,
        stall_ms: u64,
        reject_status: u16,
        reject_pattern: Option<String>,
    ) -> Self {
        Faults {
            fail_first,
            fail_status,
            reset_every,
            truncate_every,
            stall_first,
            stall_ms,
            reject_status,
            reject_pattern,
            seq: AtomicU64::new(0),
        }
    }

    /// Numbers upload requests from 1 and decides their fate.
    pub fn next(&self, body_text: &str) -> Fate {
        let n = self.seq.fetch_add(1, Ordering::SeqCst) + 1;
        let stall = if n <= self.stall_first {
            self.stall_ms
        } else {
            0
        };
        let fault = if n <= self.fail_first {
            Fault::Status(self.fail_status)
        } else if self.reset_every > 0 && n.is_multiple_of(self.reset_every) {
            Fault::Reset
        } else if self
            .reject_pattern
            .as_deref()
            .is_some_and(|p| body_text.contains(p))
        {
            Fault::Status(self.reject_status)
        } else {
            Fault::None
        };
        Fate {
            n,
            stall_ms: stall,
            fault,
            truncate: self.truncate_every > 0 && n.is_multiple_of(self.truncate_every),
        }
    }
}
