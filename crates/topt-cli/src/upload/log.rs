//! The uploader's log lines: `[topt upload] …` on stdout (stderr with `--json`), problems on stderr.

/// The uploader's switches (`DD_TEST_OPTIMIZATION_KEEP_PAYLOADS`, `_FILTER_PREFIX`, `_GZIP`,
/// `_DEBUG`) are true for 1/true/yes in any case, as in the reference uploader whose users set
/// them. Deliberately not `topt_core::config::parse_bool` (Go's `ParseBool`): that one reads
/// `DD_TEST_OPTIMIZATION_PAYLOADS_IN_FILES`, which libtopt shares with the tracers and must read
/// exactly as they do; making either accept the other's spellings would break one side.
pub fn env_bool(name: &str) -> bool {
    std::env::var(name)
        .is_ok_and(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "1" | "true" | "yes"))
}

#[derive(Debug, Clone, Copy)]
pub struct Log {
    pub json: bool,
    pub debug: bool,
}

impl Log {
    pub fn line(&self, msg: &str) {
        if self.json {
            eprintln!("[topt upload] {msg}");
        } else {
            println!("[topt upload] {msg}");
        }
    }
    pub fn warn(&self, msg: &str) {
        eprintln!("[topt upload] warning: {msg}");
    }
    pub fn error(&self, msg: &str) {
        eprintln!("[topt upload] error: {msg}");
    }
}
