package topt

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

// wantError checks that err is a libtopt *Error with the status name and a message.
func wantError(t *testing.T, what string, err error, status Status, name string) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("%s: %v (%T), want *topt.Error %s", what, err, err, name)
	}
	if e.Name != name || e.Code != status || !errors.Is(err, status) || e.Message == "" {
		t.Fatalf("%s: %#v, want %s", what, e, name)
	}
	if s := err.Error(); !strings.Contains(s, name) || !strings.Contains(s, strconv.Itoa(int(status))) || !strings.Contains(s, e.Message) {
		t.Fatalf("%s: Error() = %q lacks code or message", what, s)
	}
	return e
}

func TestErrorMapping(t *testing.T) {
	clearBazelEnv(t)
	env, err := Open(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	_, err = env.Rlocation("../x")
	wantError(t, "Rlocation(../x)", err, StatusInvalidArgument, "INVALID_ARGUMENT")
	_, _, err = env.ReadCache(CacheKnownTests, "m")
	wantError(t, "ReadCache without manifest", err, StatusNotEnabled, "NOT_ENABLED")
	_, err = env.WritePayload(PayloadTests, FormatJSON, []byte(`{"version":1}`))
	wantError(t, "WritePayload without payload mode", err, StatusNotEnabled, "NOT_ENABLED")
	if errors.Is(err, StatusNotFound) {
		t.Error("NOT_ENABLED matched StatusNotFound")
	}

	payloads, err := Open(payloadConfig(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	defer payloads.Close()
	_, err = payloads.WritePayload(PayloadTests, FormatJSON, []byte(`{"version":`))
	wantError(t, "truncated JSON", err, StatusParse, "PARSE")
	_, err = payloads.WritePayload(PayloadTests, FormatMsgpack, []byte{0xc1})
	wantError(t, "bad msgpack", err, StatusParse, "PARSE")
	_, err = payloads.WritePayload(PayloadTests, FormatJSON, nil)
	wantError(t, "empty payload", err, StatusInvalidArgument, "INVALID_ARGUMENT")
	_, err = payloads.WritePayload(PayloadTests, PayloadFormat(99), []byte(`{}`))
	wantError(t, "unknown format", err, StatusInvalidArgument, "INVALID_ARGUMENT")
	_, err = payloads.Rlocation("a\x00b")
	wantError(t, "NUL in a path", err, StatusInvalidArgument, "INVALID_ARGUMENT")

	_, err = Open(&Config{RunfilesManifestFile: String(t.TempDir() + "/missing/MANIFEST")})
	wantError(t, "missing runfiles manifest", err, StatusNotFound, "NOT_FOUND")
	// libtopt reports a malformed request as an unusable argument, not as PARSE.
	_, err = SelectModule([]byte(`{`))
	wantError(t, "bad selection request", err, StatusInvalidArgument, "INVALID_ARGUMENT")

	if got := StatusNotFound.String(); got != "NOT_FOUND" {
		t.Errorf("StatusNotFound.String() = %q", got)
	}
	if got := Status(12345).String(); got != "UNKNOWN" {
		t.Errorf("Status(12345).String() = %q", got)
	}
}
