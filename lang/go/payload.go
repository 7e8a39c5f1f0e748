package topt

// #include "raw.h"
import "C"

import "unsafe"

// PayloadKind selects payloads/{tests,coverage,telemetry}/.
type PayloadKind uint32

// PayloadKind values, from topt.h.
const (
	PayloadTests     PayloadKind = C.TOPT_PAYLOAD_KIND_TESTS     // test events (citestcycle envelope)
	PayloadCoverage  PayloadKind = C.TOPT_PAYLOAD_KIND_COVERAGE  // code coverage
	PayloadTelemetry PayloadKind = C.TOPT_PAYLOAD_KIND_TELEMETRY // one raw telemetry request body
)

// String is the kind's directory name.
func (k PayloadKind) String() string {
	switch k {
	case PayloadTests:
		return "tests"
	case PayloadCoverage:
		return "coverage"
	case PayloadTelemetry:
		return "telemetry"
	}
	return "unknown"
}

// PayloadFormat is how payload bytes are encoded.
type PayloadFormat uint32

// PayloadFormat values, from topt.h.
const (
	FormatJSON    PayloadFormat = C.TOPT_PAYLOAD_FORMAT_JSON    // validated, written byte for byte
	FormatMsgpack PayloadFormat = C.TOPT_PAYLOAD_FORMAT_MSGPACK // transcoded to JSON
)

// WritePayload writes one payload file atomically and returns its path. Safe from many
// goroutines at once. StatusNotEnabled means payload files are off (see Info).
func (c *Context) WritePayload(kind PayloadKind, format PayloadFormat, data []byte) (string, error) {
	var path string
	err := c.use(func(p *C.topt_Context) error {
		var ptr *C.uint8_t
		if len(data) > 0 {
			// Go memory without Go pointers may be passed for the duration of the call.
			ptr = (*C.uint8_t)(unsafe.Pointer(&data[0]))
		}
		var b C.topt_Bytes
		if err := takeError(C.raw_payload_write(p, C.topt_PayloadKind(kind), C.topt_PayloadFormat(format),
			ptr, C.size_t(len(data)), &b)); err != nil {
			return err
		}
		path = string(takeBytes(&b))
		return nil
	})
	return path, err
}
