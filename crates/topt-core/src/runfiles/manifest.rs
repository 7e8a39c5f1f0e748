//! The runfiles `MANIFEST`: one `<runfiles path> <real path>` line per runfile, split at the first
//! space. Since Bazel 7.4 a line whose runfiles path holds a space, a newline or a backslash starts
//! with a single space, and its paths are escaped: `\s` (space, runfiles path only), `\n` and `\b`
//! (backslash). An empty real path stands for an empty file.
//!
//! A large test's manifest holds hundreds of thousands of lines (tens of MB), and a tracer looks up
//! a handful of keys, so the file is never parsed into a map. It is read by position (see
//! [`crate::positional`]), and searched by binary search, because Bazel writes it sorted by runfiles
//! path: a hit reads a few blocks. A *miss* is only trusted once the whole file has been verified
//! sorted and well-formed, in one pass, the first time a search misses; an unsorted file is then
//! searched linearly, so every answer is exact whatever the file holds.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::error::{Error, Result};
use crate::positional::PositionalFile;

/// A runfiles manifest; lookups read it in place.
#[derive(Debug)]
pub struct ManifestFile {
    file: PositionalFile,
    /// `Ok(true)` when sorted and well-formed, `Ok(false)` when well-formed but unsorted.
    verified: OnceLock<Result<bool>>,
}

fn unescape(text: &[u8], allow_space: bool) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len());
    let mut iter = text.iter();
    while let Some(&b) = iter.next() {
        if b != b'\\' {
            out.push(b);
            continue;
        }
        match iter.next() {
            Some(b's') if allow_space => out.push(b' '),
            Some(b'n') => out.push(b'\n'),
            Some(b'b') => out.push(b'\\'),
            _ => return None,
        }
    }
    Some(out)
}

/// One manifest line's (unescaped) key and target.
pub type Entry<'a> = (Cow<'a, [u8]>, Cow<'a, [u8]>);

/// Splits one manifest line (without its `\n`) into its key and target; `None` when malformed.
pub fn parse_line(line: &[u8]) -> Option<Entry<'_>> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    match line.strip_prefix(b" ") {
        Some(escaped) => {
            let split = memchr::memchr(b' ', escaped)?;
            let key = unescape(&escaped[..split], true)?;
            let target = unescape(&escaped[split + 1..], false)?;
            Some((Cow::Owned(key), Cow::Owned(target)))
        }
        None => {
            let split = memchr::memchr(b' ', line)?;
            Some((
                Cow::Borrowed(&line[..split]),
                Cow::Borrowed(&line[split + 1..]),
            ))
        }
    }
}

fn is_blank(line: &[u8]) -> bool {
    line.is_empty() || line == b"\r"
}

impl ManifestFile {
    /// Opens a runfiles manifest. Its first and last lines are checked at once (a truncated or
    /// foreign file fails here); the rest is checked lazily as the module says.
    pub fn load(path: &Path) -> Result<Self> {
        let file = PositionalFile::open(path, "cannot read runfiles manifest")?;
        Self::checked(file)
    }

    /// The same over bytes in memory, with explicit read granularities (tests and fuzzing use
    /// tiny ones so every line crosses block boundaries).
    pub fn from_bytes(path: &Path, bytes: Vec<u8>, block: usize, chunk: usize) -> Result<Self> {
        Self::checked(PositionalFile::from_bytes(path, bytes, block, chunk))
    }

    fn checked(file: PositionalFile) -> Result<Self> {
        let manifest = ManifestFile {
            file,
            verified: OnceLock::new(),
        };
        let mut window = manifest.file.window();
        let (first_end, _) = window.newline_from(0)?;
        let first = window.slice(0, first_end);
        if !is_blank(first) && parse_line(first).is_none() {
            return Err(manifest.malformed(0));
        }
        if let Some((start, last)) = manifest.file.last_line()?
            && !is_blank(&last)
            && parse_line(&last).is_none()
        {
            return Err(manifest.malformed(start));
        }
        Ok(manifest)
    }

    fn malformed(&self, offset: u64) -> Error {
        let line = match self.file.line_number(offset) {
            Ok(n) => n.to_string(),
            Err(_) => format!("byte {offset}"),
        };
        Error::parse(format!(
            "{}:{line}: malformed runfiles manifest line (expected '<runfiles path> <real path>'); \
             the file is written by Bazel: rebuild the test, or unset RUNFILES_MANIFEST_FILE \
             if it points at the wrong file",
            self.path().display()
        ))
    }

    pub fn path(&self) -> &Path {
        self.file.path()
    }

    /// One pass over the whole file: every line well-formed, keys in ascending byte order?
    pub fn verify(&self) -> Result<bool> {
        self.verified
            .get_or_init(|| {
                let mut previous: Vec<u8> = Vec::new();
                let mut seen_any = false;
                let mut sorted = true;
                let found = self.file.for_each_line(|start, line| {
                    if is_blank(line) {
                        return Ok(None);
                    }
                    let Some((key, _)) = parse_line(line) else {
                        return Ok(Some(start));
                    };
                    if sorted && seen_any && previous.as_slice() > &*key {
                        sorted = false;
                    }
                    previous.clear();
                    previous.extend_from_slice(&key);
                    seen_any = true;
                    Ok(None)
                })?;
                match found {
                    Some(bad) => Err(self.malformed(bad)),
                    None => Ok(sorted),
                }
            })
            .clone()
    }

    /// Binary search over byte offsets for the line whose key is `key`.
    ///
    /// `lo` is always a line start and every line that could hold `key` starts in `[lo, hi)`;
    /// each probe reads the first keyed line starting at or after the midpoint. Forward reads
    /// only, and every offset comes from what was actually read, so a file that changed since it
    /// was opened yields a miss or a parse error, never an out-of-range access; where the bytes
    /// end early, no line starts, so the range shrinks as if the file ended there.
    fn binary_search(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        let mut window = self.file.window();
        let (mut lo, mut hi) = (0u64, self.file.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let mut start = lo;
            if mid > lo {
                match window.newline_from(mid - 1)? {
                    (newline, true) => start = newline + 1,
                    (_, false) => {
                        hi = mid;
                        continue;
                    }
                }
            }
            let mut probe = None;
            while start < hi {
                start = window.skip_byte(start, b'\n')?;
                if start >= hi {
                    break;
                }
                let (end, more) = window.newline_from(start)?;
                if !is_blank(window.slice(start, end)) {
                    probe = Some((start, end));
                    break;
                }
                if !more {
                    break;
                }
                start = end + 1;
            }
            let Some((start, end)) = probe else {
                hi = mid;
                continue;
            };
            let (line_key, target) =
                parse_line(window.slice(start, end)).ok_or_else(|| self.malformed(start))?;
            match (*line_key).cmp(key) {
                Ordering::Equal => return Ok(Some(target.into_owned())),
                Ordering::Less => lo = end + 1,
                Ordering::Greater => hi = start,
            }
        }
        Ok(None)
    }

    /// Linear search (an unsorted file): the first line whose key is `key`.
    fn linear(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.file.for_each_line(|start, line| {
            if is_blank(line) {
                return Ok(None);
            }
            let (line_key, target) = parse_line(line).ok_or_else(|| self.malformed(start))?;
            Ok((*line_key == *key).then(|| target.into_owned()))
        })
    }

    /// A hit of the binary search, without proving a miss: `None` may mean "not verified yet".
    /// Cheap (a few block reads) and sound for hits, since a found line is in the file.
    pub fn find_without_verifying(&self, key: &str) -> Result<Option<PathBuf>> {
        Ok(self.binary_search(key.as_bytes())?.map(bytes_to_path))
    }

    /// The target of the line whose key is exactly `key`.
    fn exact(&self, key: &str) -> Result<Option<Vec<u8>>> {
        if let Some(found) = self.binary_search(key.as_bytes())? {
            return Ok(Some(found));
        }
        if self.verify()? {
            return Ok(None);
        }
        self.linear(key.as_bytes())
    }

    /// Exact lookup, then the longest directory prefix that is itself a runfile (a runfile inside
    /// a directory runfile is listed only as the directory).
    pub fn lookup(&self, key: &str) -> Result<Option<PathBuf>> {
        if let Some(target) = self.exact(key)? {
            return Ok(Some(bytes_to_path(target)));
        }
        let mut prefix = key;
        while let Some((head, _)) = prefix.rsplit_once('/') {
            if let Some(target) = self.exact(head)?
                && !target.is_empty()
            {
                let rest = &key[head.len() + 1..];
                return Ok(Some(bytes_to_path(target).join(rest)));
            }
            prefix = head;
        }
        Ok(None)
    }
}

#[cfg(unix)]
pub(crate) fn bytes_to_path(bytes: Vec<u8>) -> PathBuf {
    use std::ffi::OsString;
    use std::os::unix::ffi::OsStringExt;
    PathBuf::from(OsString::from_vec(bytes))
}

#[cfg(not(unix))]
pub(crate) fn bytes_to_path(bytes: Vec<u8>) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    /// The same text as a file and in memory with windows and chunks of every small size.
    fn variants(text: &str) -> Vec<ManifestFile> {
        let mut out: Vec<ManifestFile> = (1..=9)
            .map(|n| {
                ManifestFile::from_bytes(Path::new("MANIFEST"), text.as_bytes().to_vec(), n, n + 3)
                    .expect("load")
            })
            .collect();
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("MANIFEST");
        fs::write(&path, text).expect("write");
        out.push(ManifestFile::load(&path).expect("load"));
        out
    }

    #[test]
    fn escaped_lines_and_prefixes() {
        let text = "a/b /real/b\n a/with\\sspace /real/with space\nd /real/d\n \\bx /t\\b\\n\n";
        for m in variants(text) {
            assert_eq!(
                m.lookup("a/b").expect("lookup"),
                Some(PathBuf::from("/real/b"))
            );
            assert_eq!(
                m.lookup("a/with space").expect("lookup"),
                Some(PathBuf::from("/real/with space"))
            );
            assert_eq!(
                m.lookup("d/e/f").expect("lookup"),
                Some(PathBuf::from("/real/d/e/f"))
            );
            assert_eq!(
                m.lookup("\\x").expect("lookup"),
                Some(PathBuf::from("/t\\\n"))
            );
            assert_eq!(m.lookup("zz").expect("lookup"), None);
        }
    }

    #[test]
    fn sorted_manifest_binary_search_hits_and_misses() {
        let mut text = String::new();
        for i in 0..1000 {
            text.push_str(&format!("ws/f{i:04} /r/{i}\n"));
        }
        for m in variants(&text) {
            for i in [0, 1, 499, 500, 998, 999] {
                assert_eq!(
                    m.find_without_verifying(&format!("ws/f{i:04}"))
                        .expect("ok"),
                    Some(PathBuf::from(format!("/r/{i}"))),
                    "found by binary search alone"
                );
            }
            assert_eq!(m.lookup("ws/f05000").expect("ok"), None);
            assert_eq!(m.verify(), Ok(true));
        }
    }

    #[test]
    fn unsorted_manifest_is_searched_linearly() {
        for m in variants("c /3\na /1\n\nb /2\r\nz/dir /d\n") {
            for (key, want) in [("a", "/1"), ("b", "/2"), ("c", "/3"), ("z/dir/x", "/d/x")] {
                assert_eq!(
                    m.lookup(key).expect("ok"),
                    Some(PathBuf::from(want)),
                    "{key}"
                );
            }
            assert_eq!(m.lookup("y").expect("ok"), None);
            assert_eq!(m.verify(), Ok(false));
        }
    }

    #[test]
    fn blank_lines_do_not_hide_keys() {
        for m in variants("\n\na /1\n\n\n\nb /2\n\n\nc /3\n\n") {
            for (key, want) in [("a", "/1"), ("b", "/2"), ("c", "/3")] {
                assert_eq!(
                    m.find_without_verifying(key).expect("ok"),
                    Some(PathBuf::from(want)),
                    "{key}"
                );
            }
        }
    }

    #[test]
    fn malformed_line_in_the_middle_is_found_by_verification() {
        for m in variants("a /1\nb\nc /3\n") {
            let err = m.lookup("zz").expect_err("verification reads every line");
            assert!(err.message().contains(":2:"), "{}", err.message());
        }
    }

    #[test]
    fn malformed_first_or_last_line_fails_at_load() {
        for text in ["ok /x\nnospace\n", "nospace\nok /x\n", "ok /x\nnospace"] {
            let err = ManifestFile::from_bytes(Path::new("M"), text.as_bytes().to_vec(), 2, 3)
                .expect_err("malformed");
            assert!(err.message().contains("malformed"), "{}", err.message());
        }
        let err =
            ManifestFile::from_bytes(Path::new("M"), b"ok /x\nnospace\n".to_vec(), 4096, 4096)
                .expect_err("malformed");
        assert!(err.message().contains("M:2:"), "{}", err.message());
    }
}
