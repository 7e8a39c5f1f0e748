//! Versioned structs: `topt_Config` (read from the caller) and `topt_Info` (written to it).
//!
//! Each starts with `uint32_t struct_size` and only ever grows at the end, so callers built
//! against any header work with any library:
//! - a caller of an older version passes a smaller struct: only its bytes are read (the fields it
//!   does not know are zero, which means "default") or written;
//! - a caller of a newer version passes a larger struct: the fields this library does not know
//!   must be zero when read (a set field would be silently ignored, so it is an error instead);
//!   when written they are zeroed, and `struct_size` says how much was filled.
//!
//! A size is accepted when it is one of the published sizes of the struct, or larger than the
//! current one (up to [`MAX_STRUCT_SIZE`]); anything else, in particular a size below the first
//! version or one that ends inside a field, is `TOPT_STATUS_STRUCT_SIZE`.

use std::mem::size_of;
use std::ptr;

use crate::error::{FfiError, FfiResult, TOPT_STATUS_STRUCT_SIZE};

/// A size no real version will reach: a larger `struct_size` is an uninitialised struct, and
/// reading that many bytes from the caller could run off its memory.
pub(crate) const MAX_STRUCT_SIZE: usize = 4096;

/// A struct under the versioning rule.
pub(crate) trait Versioned: Sized {
    /// The C name, for messages.
    const NAME: &'static str;
    /// `sizeof` of every published version, oldest first; the last is the current one. Never
    /// change a published value: append the new size when fields are appended.
    const SIZES: &'static [usize];
    /// The value whose every field is zero / NULL ("not given").
    fn zeroed() -> Self;
}

/// Checks that the current layout is the last published size (evaluated at compile time by
/// each implementation, so appending a field without publishing its size does not build).
pub(crate) const fn current_size_is_published<T: Versioned>() -> bool {
    match T::SIZES.last() {
        Some(last) => *last == size_of::<T>(),
        None => false,
    }
}

fn check_size<T: Versioned>(given: usize) -> FfiResult<()> {
    let current = size_of::<T>();
    if T::SIZES.contains(&given) || (given > current && given <= MAX_STRUCT_SIZE) {
        return Ok(());
    }
    let first = T::SIZES.first().copied().unwrap_or(current);
    let name = T::NAME;
    let why = if given < first {
        format!("is below the first published size {first}")
    } else if given > MAX_STRUCT_SIZE {
        format!("is above {MAX_STRUCT_SIZE} (an uninitialised struct?)")
    } else {
        format!("is not the size of any published version ({:?})", T::SIZES)
    };
    Err(FfiError::new(
        TOPT_STATUS_STRUCT_SIZE,
        format!(
            "{name}.struct_size is {given}, which {why}: zero the struct, set struct_size = \
             sizeof({name}) and build against include/topt.h"
        ),
    ))
}

/// # Safety
/// `ptr` is non-null and valid for reads of at least 4 bytes.
unsafe fn struct_size<T>(ptr: *const T) -> usize {
    // SAFETY: every versioned struct starts with its `uint32_t struct_size`.
    unsafe { ptr.cast::<u32>().read_unaligned() as usize }
}

/// Reads a caller's struct of any accepted size into a value of the current layout.
///
/// # Safety
/// `ptr` is non-null and valid for reads of `(*ptr).struct_size` bytes.
pub(crate) unsafe fn read<T: Versioned>(ptr: *const T) -> FfiResult<T> {
    // SAFETY: forwarded from the caller.
    let given = unsafe { struct_size(ptr) };
    check_size::<T>(given)?;
    let current = size_of::<T>();
    let mut value = T::zeroed();
    // SAFETY: the caller's struct holds `given` readable bytes and `value` holds `current`; a
    // published size always ends on a field boundary, so no field is copied in part.
    unsafe {
        ptr::copy_nonoverlapping(
            ptr.cast::<u8>(),
            ptr::addr_of_mut!(value).cast::<u8>(),
            given.min(current),
        );
    }
    if given > current {
        // SAFETY: bytes `current..given` are within the caller's struct.
        let newer =
            unsafe { std::slice::from_raw_parts(ptr.cast::<u8>().add(current), given - current) };
        if let Some(at) = newer.iter().position(|b| *b != 0) {
            let name = T::NAME;
            return Err(FfiError::new(
                TOPT_STATUS_STRUCT_SIZE,
                format!(
                    "{name} is {given} bytes (built against a newer include/topt.h) and byte \
                     {} is set, but this libtopt knows only the first {current} bytes: upgrade \
                     libtopt, or leave the newer fields zero",
                    current + at
                ),
            ));
        }
    }
    Ok(value)
}

/// Writes `value` into a caller's struct of any accepted size: at most the caller's bytes, the
/// fields it has beyond the current layout zeroed, and `struct_size` set to the bytes filled.
///
/// # Safety
/// `out` is non-null and valid for reads and writes of `(*out).struct_size` bytes.
pub(crate) unsafe fn write<T: Versioned>(out: *mut T, value: &T) -> FfiResult<()> {
    // SAFETY: forwarded from the caller.
    let given = unsafe { struct_size(out) };
    check_size::<T>(given)?;
    let current = size_of::<T>();
    let filled = given.min(current);
    // SAFETY: the caller's struct holds `given` writable bytes, `value` holds `current`.
    unsafe {
        ptr::copy_nonoverlapping(ptr::from_ref(value).cast::<u8>(), out.cast::<u8>(), filled);
        if given > current {
            ptr::write_bytes(out.cast::<u8>().add(current), 0, given - current);
        }
        // `filled` is at most MAX_STRUCT_SIZE, so it fits.
        out.cast::<u32>().write_unaligned(filled as u32);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::error::topt_error_code;

    /// A struct that has had two versions: v1 ended after `a`, v2 appended `b`.
    #[repr(C)]
    #[derive(Debug, PartialEq, Eq)]
    struct Two {
        struct_size: u32,
        a: u32,
        b: u64,
    }

    impl Versioned for Two {
        const NAME: &'static str = "Two";
        const SIZES: &'static [usize] = &[8, 16];
        fn zeroed() -> Self {
            Two {
                struct_size: 0,
                a: 0,
                b: 0,
            }
        }
    }

    const _: () = assert!(current_size_is_published::<Two>());

    /// A caller's memory: `size` bytes of the pattern `fill`, `struct_size` set to `declared`.
    fn caller(size: usize, declared: u32, fill: u8) -> Vec<u64> {
        let mut raw = vec![fill; size.next_multiple_of(8)];
        raw[..4].copy_from_slice(&declared.to_ne_bytes());
        words(&raw)
    }

    fn bytes(words: &[u64]) -> Vec<u8> {
        words.iter().flat_map(|w| w.to_ne_bytes()).collect()
    }

    fn words(bytes: &[u8]) -> Vec<u64> {
        bytes
            .chunks(8)
            .map(|c| u64::from_ne_bytes(c.try_into().unwrap()))
            .collect()
    }

    fn status(err: FfiError) -> u32 {
        let raw = crate::error::into_raw(err);
        // SAFETY: a live error just made.
        let code = unsafe { topt_error_code(raw) };
        // SAFETY: freed once.
        unsafe { crate::error::topt_error_free(raw) };
        code
    }

    #[test]
    fn reads_an_older_caller_without_reading_past_its_struct() {
        // A v1 caller: 8 bytes (struct_size 8, a = 7), followed by bytes it does not own.
        let mut mem = caller(16, 8, 0xAB);
        let mut raw = bytes(&mem);
        raw[4..8].copy_from_slice(&7u32.to_ne_bytes());
        mem = words(&raw);
        // SAFETY: 16 readable bytes, struct_size 8.
        let got = unsafe { read(mem.as_ptr().cast::<Two>()) }.unwrap();
        let want = Two {
            struct_size: 8,
            a: 7,
            b: 0,
        };
        assert_eq!(
            got, want,
            "what v1 lacks is zero, not the bytes after the struct"
        );
    }

    #[test]
    fn accepts_a_newer_caller_only_when_the_unknown_fields_are_zero() {
        let mut mem = caller(24, 24, 0);
        // SAFETY: 24 readable bytes.
        assert!(unsafe { read(mem.as_ptr().cast::<Two>()) }.is_ok());
        let mut raw = bytes(&mem);
        raw[20] = 1;
        mem = words(&raw);
        // SAFETY: as above.
        let err = unsafe { read(mem.as_ptr().cast::<Two>()) }.err().unwrap();
        assert!(err.message().contains("byte 20"), "{}", err.message());
        assert_eq!(status(err), TOPT_STATUS_STRUCT_SIZE);
    }

    #[test]
    fn rejects_sizes_below_v1_between_versions_and_absurd() {
        for size in [0u32, 4, 7, 12, 4097, u32::MAX] {
            let mem = caller(24, size, 0);
            // SAFETY: sizes outside the accepted set are rejected before any further read.
            let err = unsafe { read(mem.as_ptr().cast::<Two>()) }.err().unwrap();
            assert_eq!(status(err), TOPT_STATUS_STRUCT_SIZE, "size {size}");
        }
    }

    #[test]
    fn writes_only_the_callers_bytes_and_zeroes_newer_fields() {
        let value = Two {
            struct_size: 16,
            a: 5,
            b: 6,
        };
        // A v1 caller with 8 more bytes of its own memory after its struct.
        let mut old = caller(16, 8, 0xCD);
        // SAFETY: 16 writable bytes, struct_size 8.
        unsafe { write(old.as_mut_ptr().cast::<Two>(), &value) }.unwrap();
        let b = bytes(&old);
        assert_eq!(&b[..4], &8u32.to_ne_bytes(), "struct_size = bytes filled");
        assert_eq!(&b[4..8], &5u32.to_ne_bytes());
        assert!(b[8..].iter().all(|x| *x == 0xCD), "nothing written past 8");

        let mut newer = caller(32, 32, 0xCD);
        // SAFETY: 32 writable bytes.
        unsafe { write(newer.as_mut_ptr().cast::<Two>(), &value) }.unwrap();
        let b = bytes(&newer);
        assert_eq!(&b[..4], &16u32.to_ne_bytes());
        assert_eq!(&b[8..16], &6u64.to_ne_bytes());
        assert!(b[16..].iter().all(|x| *x == 0), "unknown fields zeroed");
    }
}
