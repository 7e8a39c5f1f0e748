//! The URIs a BEP `File` names: `file://` (a local path) or `bytestream://` (a blob in the
//! remote cache, which Bazel writes when `--remote_cache` / `--remote_executor` is set).

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::PathBuf;

/// Where an output is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// `file:///abs/path`: on this machine.
    File(PathBuf),
    /// `bytestream://host:port/[instance/]blobs/<hash>/<size>`: in the remote cache.
    ByteStream(ByteStreamUri),
    /// Anything else (another scheme, a malformed URI, inline contents): the text, for messages.
    Unsupported(String),
}

impl Location {
    pub fn parse(uri: &str) -> Location {
        if let Some(rest) = uri.strip_prefix("file://") {
            // `file:///p` or `file://localhost/p`; Bazel percent-encodes what a URI cannot hold.
            let path = rest.strip_prefix("localhost").unwrap_or(rest);
            if path.starts_with('/')
                && let Some(bytes) = percent_decode(path)
            {
                return Location::File(PathBuf::from(OsString::from_vec(bytes)));
            }
        } else if uri.starts_with("bytestream://")
            && let Some(b) = ByteStreamUri::parse(uri)
        {
            return Location::ByteStream(b);
        }
        Location::Unsupported(uri.to_string())
    }
}

/// A `bytestream://` URI, split into what a ByteStream `Read` needs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ByteStreamUri {
    /// `host:port` (or `host`), as Bazel wrote it: where the blob was uploaded.
    pub authority: String,
    /// The remote instance name (`--remote_instance_name`), empty when none; may contain `/`.
    pub instance: String,
    /// The digest function's name when the URI spells it (`blobs/blake3/<hash>/<size>`), in lower case.
    pub digest_function: Option<String>,
    /// The blob's hash, lower-case hex.
    pub hash: String,
    /// The blob's size in bytes.
    pub size: u64,
}

impl ByteStreamUri {
    /// `bytestream://authority/[instance/]blobs/[function/]<hash>/<size>`.
    pub fn parse(uri: &str) -> Option<ByteStreamUri> {
        let rest = uri.strip_prefix("bytestream://")?;
        let (authority, path) = rest.split_once('/')?;
        if authority.is_empty() {
            return None;
        }
        let segs: Vec<&str> = path.split('/').collect();
        let n = segs.len();
        if n < 3 || segs.iter().any(|s| s.is_empty()) {
            return None;
        }
        let size: u64 = segs[n - 1].parse().ok()?;
        if !segs[n - 1].bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let hash = segs[n - 2];
        if hash.is_empty() || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let (blobs_at, digest_function) = if segs[n - 3] == "blobs" {
            (n - 3, None)
        } else if n >= 4 && segs[n - 4] == "blobs" {
            (n - 4, Some(segs[n - 3].to_ascii_lowercase()))
        } else {
            return None;
        };
        Some(ByteStreamUri {
            authority: authority.to_string(),
            instance: segs[..blobs_at].join("/"),
            digest_function,
            hash: hash.to_ascii_lowercase(),
            size,
        })
    }

    /// The ByteStream resource name to read: `[instance/]blobs/[function/]<hash>/<size>`.
    pub fn resource_name(&self, instance_fallback: &str) -> String {
        let instance = if self.instance.is_empty() {
            instance_fallback.trim_matches('/')
        } else {
            self.instance.as_str()
        };
        let mut s = String::new();
        if !instance.is_empty() {
            s.push_str(instance);
            s.push('/');
        }
        s.push_str("blobs/");
        if let Some(f) = &self.digest_function {
            s.push_str(f);
            s.push('/');
        }
        s.push_str(&self.hash);
        s.push('/');
        s.push_str(&self.size.to_string());
        s
    }
}

impl std::fmt::Display for ByteStreamUri {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "bytestream://{}/{}",
            self.authority,
            self.resource_name("")
        )
    }
}

fn percent_decode(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = b.get(i + 1..i + 3)?;
            if !hex.iter().all(u8::is_ascii_hexdigit) {
                return None;
            }
            out.push(u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Some(out)
}
