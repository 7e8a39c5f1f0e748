//! Reading a large file by position (`pread`) instead of mapping it.
//!
//! libtopt runs inside a test process it does not own. A memory map of a file that is later
//! truncated raises SIGBUS on the next access to a vanished page, and a library must not install
//! signal handlers; positional reads of a shrunk or rewritten file simply return fewer or other
//! bytes. Nothing here trusts the file to stay as it was: every read is bounded by the length seen
//! at open and by what the read really returned, so a change yields a miss or an error, never a
//! crash.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// A line longer than this is an error rather than an allocation the file dictates. Paths are at
/// most a few KiB even escaped; this is far above any real runfiles manifest line.
pub const MAX_LINE: usize = 1 << 20;

/// Granularity of the windowed reads (lookups touch a few of these).
const BLOCK: usize = 4096;
/// Granularity of whole-file passes.
const CHUNK: usize = 256 * 1024;

#[derive(Debug)]
enum Source {
    File(File),
    /// For tests and fuzzing: the same code paths over bytes in memory.
    Bytes(Vec<u8>),
}

/// A file read by position, `len` bytes long as far as this reader is concerned.
#[derive(Debug)]
pub struct PositionalFile {
    path: PathBuf,
    source: Source,
    len: u64,
    /// Read granularity of windows and passes; small values exercise boundaries in tests.
    block: usize,
    chunk: usize,
    what: &'static str,
}

impl PositionalFile {
    /// Opens `path`; `what` names the file in error messages (`cannot read <what>`).
    pub fn open(path: &Path, what: &'static str) -> Result<Self> {
        let file = File::open(path).map_err(|e| Error::io(what, path, &e))?;
        let len = file
            .metadata()
            .map_err(|e| Error::io(what, path, &e))?
            .len();
        Ok(PositionalFile {
            path: path.to_owned(),
            source: Source::File(file),
            len,
            block: BLOCK,
            chunk: CHUNK,
            what,
        })
    }

    /// The same reader over bytes in memory, with explicit read granularities (at least 1).
    pub fn from_bytes(path: &Path, bytes: Vec<u8>, block: usize, chunk: usize) -> Self {
        PositionalFile {
            path: path.to_owned(),
            len: bytes.len() as u64,
            source: Source::Bytes(bytes),
            block: block.max(1),
            chunk: chunk.max(1),
            what: "cannot read",
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The length at open: the range lookups search.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Reads up to `buf.len()` bytes at `offset`, stopping early only at the end of the file
    /// (or at `len`). Returns how many bytes were read.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize> {
        let room = self.len.saturating_sub(offset);
        let want = buf.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        let buf = &mut buf[..want];
        match &self.source {
            Source::Bytes(bytes) => {
                let start = usize::try_from(offset)
                    .unwrap_or(usize::MAX)
                    .min(bytes.len());
                let n = want.min(bytes.len() - start);
                buf[..n].copy_from_slice(&bytes[start..start + n]);
                Ok(n)
            }
            Source::File(file) => {
                let mut done = 0;
                while done < buf.len() {
                    match read_at(file, &mut buf[done..], offset + done as u64) {
                        Ok(0) => break,
                        Ok(n) => done += n,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => return Err(Error::io(self.what, &self.path, &e)),
                    }
                }
                Ok(done)
            }
        }
    }

    /// A window for lookups that read a few lines at arbitrary offsets.
    pub fn window(&self) -> Window<'_> {
        Window {
            file: self,
            start: 0,
            bytes: Vec::new(),
        }
    }

    /// Calls `f(offset, line)` for every line (without its `\n`), in order, reading the file in
    /// chunks; stops at the first `Some` and returns it. A line over [`MAX_LINE`] is an error.
    pub fn for_each_line<T>(
        &self,
        mut f: impl FnMut(u64, &[u8]) -> Result<Option<T>>,
    ) -> Result<Option<T>> {
        let mut buf: Vec<u8> = Vec::with_capacity(self.chunk.min(MAX_LINE) * 2);
        // `buf` holds the bytes from `base`; its first byte starts a line, and its first
        // `scanned` bytes (a partial line) are known to hold no `\n`.
        let mut base = 0u64;
        let mut scanned = 0;
        loop {
            let kept = buf.len();
            buf.resize(kept + self.chunk, 0);
            let n = self.read_at(base + kept as u64, &mut buf[kept..])?;
            buf.truncate(kept + n);
            let mut start = 0;
            while let Some(i) = memchr::memchr(b'\n', &buf[scanned..]) {
                let newline = scanned + i;
                if let Some(found) = f(base + start as u64, &buf[start..newline])? {
                    return Ok(Some(found));
                }
                start = newline + 1;
                scanned = start;
            }
            if n == 0 {
                if start < buf.len() {
                    return f(base + start as u64, &buf[start..]);
                }
                return Ok(None);
            }
            if buf.len() - start > MAX_LINE {
                return Err(self.too_long(base + start as u64));
            }
            buf.drain(..start);
            base += start as u64;
            scanned = buf.len();
        }
    }

    /// The last line (ignoring one trailing `\n`) and where it starts, read backwards a block at
    /// a time; `None` for an empty file or a last line over [`MAX_LINE`].
    pub fn last_line(&self) -> Result<Option<(u64, Vec<u8>)>> {
        let mut last = [0u8];
        let mut end = self.len;
        if end > 0 && self.read_at(end - 1, &mut last)? == 1 && last[0] == b'\n' {
            end -= 1;
        }
        let mut step = self.block;
        loop {
            let from = end.saturating_sub(step as u64);
            let mut buf = vec![0; usize::try_from(end - from).unwrap_or(0)];
            let n = self.read_at(from, &mut buf)?;
            buf.truncate(n);
            if let Some(i) = memchr::memrchr(b'\n', &buf) {
                return Ok(Some((from + i as u64 + 1, buf.split_off(i + 1))));
            }
            if from == 0 {
                return Ok((!buf.is_empty() || self.len > 0).then_some((0, buf)));
            }
            if step > MAX_LINE {
                return Ok(None);
            }
            step *= 2;
        }
    }

    /// The 1-based number of the line starting at `offset` (for messages; reads up to it).
    pub fn line_number(&self, offset: u64) -> Result<usize> {
        let mut buf = vec![0; self.chunk];
        let (mut at, mut newlines) = (0u64, 0usize);
        while at < offset {
            let want = usize::try_from(offset - at)
                .unwrap_or(usize::MAX)
                .min(buf.len());
            let n = self.read_at(at, &mut buf[..want])?;
            if n == 0 {
                break;
            }
            newlines += memchr::memchr_iter(b'\n', &buf[..n]).count();
            at += n as u64;
        }
        Ok(newlines + 1)
    }

    fn too_long(&self, offset: u64) -> Error {
        Error::parse(format!(
            "{}: the line at byte {offset} is longer than {MAX_LINE} bytes; this is not a file \
             Bazel wrote",
            self.path.display()
        ))
    }
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, offset)
}

#[cfg(windows)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buf, offset)
}

/// Bytes `[start, start + bytes.len())` of a file, loaded on demand and extended to keep a line
/// contiguous. One per lookup: it is cheap to create and holds a block or two.
#[derive(Debug)]
pub struct Window<'a> {
    file: &'a PositionalFile,
    start: u64,
    bytes: Vec<u8>,
}

impl Window<'_> {
    fn end(&self) -> u64 {
        self.start + self.bytes.len() as u64
    }

    /// Moves the window to `offset` unless it already covers it; false when there is no byte at
    /// `offset` (end of file).
    fn cover(&mut self, offset: u64) -> Result<bool> {
        if offset >= self.start && offset < self.end() {
            return Ok(true);
        }
        self.bytes.resize(self.file.block, 0);
        let n = self.file.read_at(offset, &mut self.bytes)?;
        self.bytes.truncate(n);
        self.start = offset;
        Ok(n > 0)
    }

    /// Appends the next block; false at the end of the file.
    fn extend(&mut self) -> Result<bool> {
        let kept = self.bytes.len();
        if kept > MAX_LINE {
            return Err(self.file.too_long(self.start));
        }
        self.bytes.resize(kept + self.file.block, 0);
        let n = self
            .file
            .read_at(self.start + kept as u64, &mut self.bytes[kept..])?;
        self.bytes.truncate(kept + n);
        Ok(n > 0)
    }

    /// The offset of the first `\n` at or after `from` and `true`, or where the readable bytes
    /// end and `false` (which may be before `from`'s line, or at `from` itself, when the file
    /// shrank). Afterwards the window covers `[from, offset)` for [`Window::slice`].
    pub fn newline_from(&mut self, from: u64) -> Result<(u64, bool)> {
        if !self.cover(from)? {
            return Ok((from, false));
        }
        // `from - start` fits: `from` lies inside the window.
        let mut searched = (from - self.start) as usize;
        loop {
            if let Some(i) = memchr::memchr(b'\n', &self.bytes[searched..]) {
                return Ok((self.start + (searched + i) as u64, true));
            }
            searched = self.bytes.len();
            if !self.extend()? {
                return Ok((self.end(), false));
            }
        }
    }

    /// The first offset at or after `from` whose byte is not `byte` (or where the bytes end):
    /// steps over a run of blank lines in one scan instead of one line at a time.
    pub fn skip_byte(&mut self, from: u64, byte: u8) -> Result<u64> {
        let mut at = from;
        while self.cover(at)? {
            // `at - start` fits: `at` lies inside the window.
            let i = (at - self.start) as usize;
            match self.bytes[i..].iter().position(|b| *b != byte) {
                Some(j) => return Ok(at + j as u64),
                None => at = self.end(),
            }
        }
        Ok(at)
    }

    /// Bytes `[from, to)`, which the last [`Window::newline_from`]`(from)` made resident; empty
    /// for a range outside the window.
    pub fn slice(&self, from: u64, to: u64) -> &[u8] {
        let (Some(a), Some(b)) = (from.checked_sub(self.start), to.checked_sub(self.start)) else {
            return &[];
        };
        let (a, b) = (a as usize, b as usize);
        self.bytes.get(a..b).unwrap_or(&[])
    }
}
