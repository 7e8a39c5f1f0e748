//! `topt_payload_write`.

use topt_core::payload::{PayloadFormat, PayloadKind};

use crate::bytes::{put, topt_Bytes};
use crate::context::{context, topt_Context};
use crate::error::{FfiError, run, topt_Error};
use crate::strings::path_bytes;

/// The kind of a payload file; selects `payloads/{tests,coverage,telemetry}/`.
pub type topt_PayloadKind = u32;
/// Test events (citestcycle envelope).
pub const TOPT_PAYLOAD_KIND_TESTS: topt_PayloadKind = 0;
/// Code coverage.
pub const TOPT_PAYLOAD_KIND_COVERAGE: topt_PayloadKind = 1;
/// One raw telemetry request body.
pub const TOPT_PAYLOAD_KIND_TELEMETRY: topt_PayloadKind = 2;

/// How the payload bytes are encoded.
pub type topt_PayloadFormat = u32;
/// JSON: validated, then written byte for byte.
pub const TOPT_PAYLOAD_FORMAT_JSON: topt_PayloadFormat = 0;
/// msgpack: transcoded to JSON (binary as base64, 64-bit integers exact).
pub const TOPT_PAYLOAD_FORMAT_MSGPACK: topt_PayloadFormat = 1;

/// Writes one payload file atomically: `<outputs>/payloads/<kind>/<kind>-<seq:020>-<pid>-<unix
/// nanos>.json` via a dot-prefixed temp file, fsync, rename and directory fsync. Safe to call from
/// many threads and from forked children. Errors: `TOPT_STATUS_NOT_ENABLED` when payload files
/// are off, `TOPT_STATUS_INVALID_ARGUMENT` for empty input or a `{}` test payload,
/// `TOPT_STATUS_PARSE` for invalid JSON/msgpack, `TOPT_STATUS_IO` when the disk refuses. On
/// success `*out_path` (may be NULL) holds the new file's path.
///
/// # Safety
/// `ctx` is a live context; `data` is valid for `len` bytes (NULL allowed when `len == 0`);
/// `out_path` is NULL or valid for writes.
#[must_use]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn topt_payload_write(
    ctx: *const topt_Context,
    kind: topt_PayloadKind,
    format: topt_PayloadFormat,
    data: *const u8,
    len: usize,
    out_path: *mut topt_Bytes,
) -> *mut topt_Error {
    run(|| {
        // SAFETY: `out_path` is NULL or writable per the contract.
        if let Some(slot) = unsafe { out_path.as_mut() } {
            *slot = topt_Bytes::EMPTY;
        }
        // SAFETY: forwarded from the caller.
        let ctx = unsafe { context(ctx) }?;
        let kind = match kind {
            TOPT_PAYLOAD_KIND_TESTS => PayloadKind::Tests,
            TOPT_PAYLOAD_KIND_COVERAGE => PayloadKind::Coverage,
            TOPT_PAYLOAD_KIND_TELEMETRY => PayloadKind::Telemetry,
            other => {
                return Err(FfiError::invalid(format!(
                    "unknown topt_PayloadKind value {other}; use a TOPT_PAYLOAD_KIND_* constant"
                )));
            }
        };
        let format = match format {
            TOPT_PAYLOAD_FORMAT_JSON => PayloadFormat::Json,
            TOPT_PAYLOAD_FORMAT_MSGPACK => PayloadFormat::Msgpack,
            other => {
                return Err(FfiError::invalid(format!(
                    "unknown topt_PayloadFormat value {other}; use a TOPT_PAYLOAD_FORMAT_* constant"
                )));
            }
        };
        let bytes: &[u8] = match (data.is_null(), len) {
            (true, 0) => &[],
            (true, _) => return Err(FfiError::null("data (with len > 0)")),
            // SAFETY: non-null `data` is valid for `len` bytes per the contract.
            (false, _) => unsafe { std::slice::from_raw_parts(data, len) },
        };
        let path = ctx.inner.write_payload(kind, format, bytes)?;
        // SAFETY: `out_path` is NULL or writable per the contract.
        unsafe { put(out_path, topt_Bytes::from_vec(path_bytes(&path))) };
        Ok(())
    })
}
