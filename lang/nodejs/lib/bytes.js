'use strict';
// topt_Bytes out-parameters: copy the bytes into a Buffer, then free them in libtopt.

const koffi = require('koffi');
const { check } = require('./errors');

/** Copies a filled topt_Bytes into a new Buffer, then frees it (a zeroed one is fine too). */
function take(raw, out) {
  try {
    const len = Number(out.len ?? 0);
    // Buffer.from(Uint8Array) copies; the view itself points into libtopt's memory.
    return out.ptr ? Buffer.from(new Uint8Array(koffi.view(out.ptr, len))) : Buffer.alloc(0);
  } finally {
    raw.topt_bytes_free(out);
  }
}

/** Calls `fn(out)` with a fresh topt_Bytes, throws its error or returns the bytes. */
function bytesCall(raw, fn) {
  const out = {};
  const err = fn(out);
  if (err !== null) {
    take(raw, out);
    check(raw, err);
  }
  return take(raw, out);
}

module.exports = { take, bytesCall };
