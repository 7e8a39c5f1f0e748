//! Read-only memory maps for large inputs (the runfiles manifest), so a lookup touches only the
//! pages it needs instead of copying the whole file.

use std::fs::File;
use std::ops::Deref;
use std::path::Path;

use crate::error::{Error, Result};

/// The bytes of a file: memory-mapped on Unix, read into memory elsewhere.
#[derive(Debug)]
pub struct Mapped {
    inner: Inner,
}

#[derive(Debug)]
enum Inner {
    #[cfg(unix)]
    Map {
        ptr: *const u8,
        len: usize,
    },
    Owned(Vec<u8>),
}

// SAFETY: the mapping is private and read-only; it is never written through and is unmapped
// only on drop, so sharing references across threads is sound.
unsafe impl Send for Mapped {}
// SAFETY: see above.
unsafe impl Sync for Mapped {}

impl Mapped {
    /// Maps `path` read-only. The file must not be truncated while mapped; Bazel never rewrites
    /// a runfiles manifest under a running test.
    pub fn open(path: &Path, what: &str) -> Result<Self> {
        let file = File::open(path).map_err(|e| Error::io(what, path, &e))?;
        let len = file
            .metadata()
            .map_err(|e| Error::io(what, path, &e))?
            .len();
        let len = usize::try_from(len)
            .map_err(|_| Error::invalid(format!("{what} {} is too large", path.display())))?;
        #[cfg(unix)]
        if len > 0 {
            use std::os::fd::AsRawFd;
            // SAFETY: a fresh private read-only mapping of a file we opened; checked for failure.
            let ptr = unsafe {
                libc::mmap(
                    std::ptr::null_mut(),
                    len,
                    libc::PROT_READ,
                    libc::MAP_PRIVATE,
                    file.as_raw_fd(),
                    0,
                )
            };
            if ptr != libc::MAP_FAILED {
                return Ok(Mapped {
                    inner: Inner::Map {
                        ptr: ptr.cast::<u8>(),
                        len,
                    },
                });
            }
        }
        let bytes = std::fs::read(path).map_err(|e| Error::io(what, path, &e))?;
        Ok(Mapped {
            inner: Inner::Owned(bytes),
        })
    }
}

impl Deref for Mapped {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match &self.inner {
            #[cfg(unix)]
            // SAFETY: `ptr` maps `len` readable bytes for the lifetime of `self`.
            Inner::Map { ptr, len } => unsafe { std::slice::from_raw_parts(*ptr, *len) },
            Inner::Owned(bytes) => bytes,
        }
    }
}

impl Drop for Mapped {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Inner::Map { ptr, len } = self.inner {
            // SAFETY: unmapping exactly the region mapped in `open`, once.
            unsafe {
                libc::munmap(ptr.cast_mut().cast(), len);
            }
        }
    }
}
