// Package gocheck is what every Go test of the Bazel 4 suite runs: through the topt Go binding
// it reads the synced files of the module the macro selected, checks the metadata sidecar the
// wrapper copied into the test outputs, and writes a payload as a tracer would.
package gocheck

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"

	topt "example.invalid/topt/lang/go"
)

func modules(t *testing.T, raw []byte) []string {
	t.Helper()
	var doc struct {
		Data struct {
			Attributes struct {
				Tests map[string]json.RawMessage `json:"tests"`
			} `json:"attributes"`
		} `json:"data"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("known tests: %v", err)
	}
	var out []string
	for m := range doc.Data.Attributes.Tests {
		out = append(out, m)
	}
	sort.Strings(out)
	return out
}

// Check runs the suite's checks for the test that calls it (expectations come from its env).
func Check(t *testing.T) {
	want := os.Getenv("SMOKE_EXPECTED_MODULE")
	lib := os.Getenv("TOPT_LIBRARY")
	if !filepath.IsAbs(lib) {
		t.Fatalf("TOPT_LIBRARY=%q is not absolute", lib)
	}
	for key, value := range map[string]string{"DD_CIVISIBILITY_ENABLED": "true", "DD_SERVICE": "topt-smoke"} {
		if got := os.Getenv(key); got != value {
			t.Errorf("%s=%q, want %q", key, got, value)
		}
	}
	ctx, err := topt.Open(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ctx.Close()
	if topt.LibraryPath() != lib {
		t.Errorf("the binding loaded %q, not TOPT_LIBRARY=%q", topt.LibraryPath(), lib)
	}
	info, err := ctx.Info()
	if err != nil {
		t.Fatal(err)
	}
	if !info.ManifestEnabled || !info.PayloadsEnabled {
		t.Fatalf("libtopt sees no manifest or no payload directory: %+v", info)
	}

	known, _, err := ctx.ReadCache(topt.CacheKnownTests, want)
	if err != nil {
		t.Fatal(err)
	}
	if got := modules(t, known); len(got) != 1 || got[0] != want {
		t.Errorf("the binding read modules %v, want only %s", got, want)
	}
	canonical, err := ctx.Rlocation("test_optimization_data/.testoptimization/cache/http/known_tests.json")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(canonical)
	if err != nil {
		t.Fatal(err)
	}
	if got := modules(t, raw); len(got) != 1 || got[0] != want {
		t.Errorf("canonical known_tests.json holds %v, want only %s", got, want)
	}

	sidecar, err := os.ReadFile(filepath.Join(os.Getenv("TEST_UNDECLARED_OUTPUTS_DIR"), "bazel_target_metadata.json"))
	if err != nil {
		t.Fatalf("metadata sidecar: %v", err)
	}
	var meta map[string]interface{}
	if err := json.Unmarshal(sidecar, &meta); err != nil {
		t.Fatal(err)
	}
	race := os.Getenv("SMOKE_RACE")
	if race == "" {
		race = "auto"
	}
	for key, value := range map[string]interface{}{
		"bazel.target":                         os.Getenv("TEST_TARGET"),
		"bazel.go.importpath":                  want,
		"bazel.go.importpath_source":           os.Getenv("SMOKE_IMPORTPATH_SOURCE"),
		"bazel.go.payload_selection":           "module",
		"bazel.go.attr.cgo":                    os.Getenv("SMOKE_CGO") == "true",
		"bazel.go.attr.race":                   race,
		"bazel.go.orchestrion.enabled":         false,
		"bazel.test_optimization.runtime_name": "go",
	} {
		if meta[key] != value {
			t.Errorf("sidecar %s = %v, want %v", key, meta[key], value)
		}
	}

	event := fmt.Sprintf(`{"version":1,"metadata":{"*":{"language":"go","runtime-id":"0f0e0d0c-0b0a-4909-8807-060504030201"}},`+
		`"events":[{"type":"test","version":2,"content":{"trace_id":1,"span_id":2,"parent_id":0,"error":0,`+
		`"test_session_id":3,"test_module_id":4,"test_suite_id":5,"name":"go.test","service":"topt-smoke",`+
		`"resource":"gocheck.Check","start":1730000000000000000,"duration":1000,"type":"test",`+
		`"meta":{"test.name":"TestTopt","test.suite":%q,"test.framework":"golang.org/pkg/testing","test.status":"pass","test.module":%q},"metrics":{}}}]}`,
		os.Getenv("TEST_TARGET"), want)
	path, err := ctx.WritePayload(topt.PayloadTests, topt.FormatJSON, []byte(event))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("module %s; wrote %s", want, path)
}
