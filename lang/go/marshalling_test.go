package topt

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// Every function's arguments and results cross the boundary intact (text, bytes with NUL and
// high bytes, JSON both ways, enums); errors_test.go covers the error paths.

const cart = "github.com/acme/checkout/pkg/cart"

func TestMarshallingLabels(t *testing.T) {
	for in, want := range map[string]string{cart: "github_com_acme_checkout_pkg_cart", "café/模块": "caf"} {
		if got, err := SanitizeLabel(in); err != nil || got != want {
			t.Errorf("SanitizeLabel(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if got, err := DedupLabels([]string{"a", "a", "b", "a"}); err != nil || !reflect.DeepEqual(got, []string{"a", "a_2", "b", "a_3"}) {
		t.Errorf("DedupLabels = %q, %v", got, err)
	}
	if got, err := DedupLabels(nil); err != nil || len(got) != 0 {
		t.Errorf("DedupLabels(nil) = %q, %v", got, err)
	}
	got, err := LabelMap(LabelSources{KnownTests: []string{cart}, FlakyTests: []string{"x.y"}})
	if want := map[string]string{cart: "github_com_acme_checkout_pkg_cart", "x.y": "x_y"}; err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("LabelMap = %v, %v; want %v", got, err, want)
	}
}

func TestMarshallingSelectModule(t *testing.T) {
	request := func(importpath string) []byte {
		return []byte(`{"language":"go","labels":["github_com_acme_checkout_pkg_cart"],"attrs":{"importpath":"` + importpath + `"}}`)
	}
	out, err := SelectModule(request(cart))
	var got struct{ Group, Identifier, IdentifierSource string }
	if err != nil || json.Unmarshal(out, &got) != nil {
		t.Fatalf("SelectModule = %s, %v", out, err)
	}
	if got.Group != "module_github_com_acme_checkout_pkg_cart" || got.Identifier != cart {
		t.Errorf("SelectModule = %s", out)
	}
	_, err = SelectModule(request("github.com/acme/other"))
	if e := wantError(t, "strict miss", err, StatusInvalidArgument, "INVALID_ARGUMENT"); !strings.Contains(e.Message, "github_com_acme_checkout_pkg_cart") {
		t.Errorf("strict miss does not list the groups: %v", e)
	}
}

func TestMarshallingWritePayload(t *testing.T) {
	for _, c := range []struct {
		kind        PayloadKind
		format      PayloadFormat
		inHex, want string
	}{
		{PayloadTests, FormatJSON, hex.EncodeToString([]byte(`{"version":1,"n":"é"}`)), `{"version":1,"n":"é"}`},
		{PayloadCoverage, FormatJSON, hex.EncodeToString([]byte(`{}`)), `{}`},
		{PayloadTelemetry, FormatMsgpack, "81a16100", `{"a":0}`},
		{PayloadTests, FormatMsgpack, "81a162c402ff00", `{"b":"/wA="}`},
	} {
		dir := t.TempDir()
		ctx, err := Open(payloadConfig(dir))
		if err != nil {
			t.Fatal(err)
		}
		in, _ := hex.DecodeString(c.inHex)
		path, err := ctx.WritePayload(c.kind, c.format, in)
		ctx.Close()
		if err != nil || filepath.Dir(path) != filepath.Join(dir, "payloads", c.kind.String()) {
			t.Fatalf("WritePayload(%s, %s) = %q, %v", c.kind, c.inHex, path, err)
		}
		if data, err := os.ReadFile(path); err != nil || string(data) != c.want {
			t.Errorf("WritePayload(%s, %s) wrote %q, %v; want %q", c.kind, c.inHex, data, err, c.want)
		}
	}
}
