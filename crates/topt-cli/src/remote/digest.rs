//! SHA-256 content digests, as the Remote Execution API names blobs: lower-case hex hash and size.

use std::fmt;
use std::io::{self, Read};
use std::path::Path;

use ring::digest::{Context, SHA256};

/// A blob's SHA-256 and size in bytes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Digest {
    /// 64 lower-case hex digits.
    pub hash: String,
    pub size: u64,
}

impl Digest {
    /// The digest of `bytes`.
    pub fn of_bytes(bytes: &[u8]) -> Digest {
        let mut h = Hasher::new();
        h.update(bytes);
        h.finish()
    }

    /// The digest of a file's content, read in chunks.
    pub fn of_file(path: &Path) -> io::Result<Digest> {
        let mut f = std::fs::File::open(path)?;
        let mut h = Hasher::new();
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = match f.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            h.update(&buf[..n]);
        }
        Ok(h.finish())
    }

    /// `<hash>/<size>`, lower-case: the form blob resource names and the ledger use.
    pub fn parse(s: &str) -> Option<Digest> {
        let (hash, size) = s.split_once('/')?;
        let valid =
            hash.len() == 64 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if !valid || size.is_empty() || !size.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(Digest {
            hash: hash.to_string(),
            size: size.parse().ok()?,
        })
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.hash, self.size)
    }
}

/// Incremental SHA-256 that also counts bytes. Cloneable, so a resumed download continues it.
#[derive(Clone)]
pub struct Hasher {
    ctx: Context,
    size: u64,
}

impl fmt::Debug for Hasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hasher({} bytes)", self.size)
    }
}

impl Hasher {
    pub fn new() -> Hasher {
        Hasher {
            ctx: Context::new(&SHA256),
            size: 0,
        }
    }

    pub fn update(&mut self, bytes: &[u8]) {
        self.ctx.update(bytes);
        self.size += bytes.len() as u64;
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn finish(self) -> Digest {
        let d = self.ctx.finish();
        let mut hash = String::with_capacity(64);
        for b in d.as_ref() {
            hash.push_str(&format!("{b:02x}"));
        }
        Digest {
            hash,
            size: self.size,
        }
    }
}

impl Default for Hasher {
    fn default() -> Self {
        Hasher::new()
    }
}
