package topt

// #include "raw.h"
import "C"

import (
	"errors"
	"fmt"
)

// Status is a libtopt status code (TOPT_STATUS_*). It implements error so that
// errors.Is(err, topt.StatusNotFound) matches any *Error with that code.
type Status uint32

// Status values, from topt.h.
const (
	StatusOK              Status = C.TOPT_STATUS_OK
	StatusInvalidArgument Status = C.TOPT_STATUS_INVALID_ARGUMENT
	StatusNotEnabled      Status = C.TOPT_STATUS_NOT_ENABLED
	StatusNotFound        Status = C.TOPT_STATUS_NOT_FOUND
	StatusIO              Status = C.TOPT_STATUS_IO
	StatusParse           Status = C.TOPT_STATUS_PARSE
	StatusUnsupported     Status = C.TOPT_STATUS_UNSUPPORTED_VERSION
	StatusPanic           Status = C.TOPT_STATUS_PANIC
	StatusStructSize      Status = C.TOPT_STATUS_STRUCT_SIZE
	StatusNullPointer     Status = C.TOPT_STATUS_NULL_POINTER
)

// String is libtopt's stable name for the status ("NOT_FOUND", ...), or "STATUS_<n>" while
// the library is not loaded.
func (s Status) String() string {
	if !lib.loaded.Load() {
		return fmt.Sprintf("STATUS_%d", uint32(s))
	}
	return C.GoString(C.raw_status_name(C.topt_Status(s)))
}

func (s Status) Error() string { return "topt: " + s.String() }

// Error is an error reported by libtopt.
type Error struct {
	Code    Status // the status code
	Name    string // the status name, e.g. "NOT_FOUND"
	Message string // libtopt's explanation, often with how to fix it
}

func newError(code Status, message string) *Error {
	return &Error{Code: code, Name: code.String(), Message: message}
}

func (e *Error) Error() string {
	return fmt.Sprintf("topt: %s (%d): %s", e.Name, uint32(e.Code), e.Message)
}

// Is reports whether target is this error's Status.
func (e *Error) Is(target error) bool {
	s, ok := target.(Status)
	return ok && s == e.Code
}

// ErrClosed is returned by every method of a closed Context.
var ErrClosed = errors.New("topt: context is closed")
