package topt

// Helpers shared by every file that calls the raw layer (raw.h): string, bytes and error
// conversions. Memory model: inputs are copied into C memory (C.CString) and freed after the
// call; outputs are copied into Go memory and then freed with the matching topt_*_free, so no
// libtopt pointer outlives the call that produced it.

// #cgo linux LDFLAGS: -ldl
// #include "raw.h"
import "C"

import (
	"strings"
	"unsafe"
)

// cString copies s into C memory; the caller frees it with C.free. libtopt takes C strings, so a
// NUL byte inside s cannot be passed through and is rejected here as libtopt would reject it.
func cString(s string) (*C.char, error) {
	if strings.IndexByte(s, 0) >= 0 {
		return nil, newError(StatusInvalidArgument, "string contains a NUL byte: "+strings.ReplaceAll(s, "\x00", `\0`))
	}
	return C.CString(s), nil
}

// takeBytes copies libtopt-owned bytes into Go memory and frees them.
func takeBytes(b *C.topt_Bytes) []byte {
	defer C.raw_bytes_free(b)
	out := make([]byte, int(b.len))
	if b.len > 0 {
		copy(out, unsafe.Slice((*byte)(unsafe.Pointer(b.ptr)), int(b.len)))
	}
	return out
}

// takeError turns a libtopt error into an *Error and frees it; nil stays nil.
func takeError(e *C.topt_Error) error {
	if e == nil {
		return nil
	}
	defer C.raw_error_free(e)
	return newError(Status(C.raw_error_code(e)), C.GoString(C.raw_error_message(e)))
}
