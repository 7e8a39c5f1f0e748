package topt

// #include "raw.h"
import "C"

import "unsafe"

// SelectModule picks the module group for a test target by the dd_topt_<lang>_test macros'
// rules. request is a JSON selection request (testdata/vectors/selection.json documents it);
// the result is the JSON object {"group", "label", "identifier", "identifier_source",
// "payload_selection", "include_per_module", "strict"}. A strict miss is StatusInvalidArgument.
func SelectModule(request []byte) ([]byte, error) {
	return jsonCall(string(request), func(in *C.char, out *C.topt_Bytes) *C.topt_Error {
		return C.raw_select_module(in, out)
	})
}

// jsonCall runs a context-free libtopt function from one C string to owned bytes.
func jsonCall(in string, f func(*C.char, *C.topt_Bytes) *C.topt_Error) ([]byte, error) {
	if err := Load(""); err != nil {
		return nil, err
	}
	cin, err := cString(in)
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(cin))
	var b C.topt_Bytes
	if err := takeError(f(cin, &b)); err != nil {
		return nil, err
	}
	return takeBytes(&b), nil
}
