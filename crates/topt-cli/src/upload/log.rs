//! The uploader's log lines: `[topt upload] …` on stdout (stderr with `--json`), problems on stderr.

/// Reference boolean env semantics: 1/true/yes (any case) are true.
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
