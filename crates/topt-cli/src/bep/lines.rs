//! Newline-delimited reading with a bound on what one line may hold in memory.

use std::io::{self, BufRead};

#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    /// End of input, nothing read.
    Eof,
    /// A line ending in `\n` is in the buffer (with it).
    Complete,
    /// The input ended without `\n`: the buffer holds the rest.
    Unterminated,
    /// Longer than the bound: consumed up to its `\n` (or the end) and dropped.
    TooLong,
}

/// Reads one line into `buf` (cleared first). A line longer than `max` bytes is consumed without
/// being kept, so memory stays bounded by `max` plus the reader's buffer.
pub fn read_bounded<R: BufRead>(r: &mut R, buf: &mut Vec<u8>, max: usize) -> io::Result<Line> {
    buf.clear();
    let mut too_long = false;
    let mut any = false;
    loop {
        let chunk = match r.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            return Ok(match (any, too_long) {
                (false, _) => Line::Eof,
                (true, true) => Line::TooLong,
                (true, false) => Line::Unterminated,
            });
        }
        any = true;
        let (take, done) = match memchr::memchr(b'\n', chunk) {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        if !too_long {
            if buf.len() + take > max {
                too_long = true;
                buf.clear();
            } else {
                buf.extend_from_slice(&chunk[..take]);
            }
        }
        r.consume(take);
        if done {
            return Ok(if too_long {
                Line::TooLong
            } else {
                Line::Complete
            });
        }
    }
}
