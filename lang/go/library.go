package topt

// #include "raw.h"
import "C"

import (
	"errors"
	"unsafe"
)

// ABIMajor is the ABI major version this binding was written against (TOPT_ABI_VERSION_MAJOR).
const ABIMajor = C.TOPT_ABI_VERSION_MAJOR

// lib is the process's libtopt.
var lib = discovery{env: osEnv{}, open: openLibrary}

// Load loads libtopt once per process and returns nil once it is loaded. path is an explicit
// library path, the only candidate if given; with "", $TOPT_LIBRARY (absolute, or a runfiles
// path) is the only source if set, else the dynamic linker's search for libtopt.so. The error
// lists every place tried. Once a library is loaded, Load("") does nothing and Load of another
// path is an error naming both.
//
// Calling Load is optional: every other function loads with path "" on first use.
func Load(path string) error {
	_, err := lib.load(path)
	return err
}

// openLibrary is the discovery's opener: it dlopens path and, on success, installs it.
func openLibrary(path string) error {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	if msg := C.topt_raw_open(cpath); msg != nil {
		defer C.free(unsafe.Pointer(msg))
		return errors.New(C.GoString(msg))
	}
	return nil
}

// LibraryPath is the path libtopt was loaded from, or "" before it is loaded.
func LibraryPath() string {
	if !lib.loaded.Load() {
		return ""
	}
	return lib.path
}

// ABIVersion is the loaded library's (major << 16) | minor.
func ABIVersion() (uint32, error) {
	if err := Load(""); err != nil {
		return 0, err
	}
	return uint32(C.raw_abi_version()), nil
}

// Version is the loaded library's semantic version, e.g. "0.1.0".
func Version() (string, error) {
	if err := Load(""); err != nil {
		return "", err
	}
	return C.GoString(C.raw_version()), nil
}
