// The Go project the real-tracer suite runs under dd-trace-go's gotesting integration.
//
// Each test plays one role against the synced fixtures (testdata/api/tracers): a known test, a
// new test, a test that test management disables, and a known flaky test that fails its first
// attempt and passes when the tracer retries it.
package shop

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	_ "unsafe" // go:linkname

	// Links dd-trace-go's CI Visibility packages into the test binary (the package exists so
	// that a shim can reach the gotesting integration without Orchestrion).
	_ "github.com/DataDog/dd-trace-go/v2/civisibility"
)

// runM is gotesting.RunM, the integration's manual entry point: it instruments every test of
// testing.M and runs them. The package is internal to dd-trace-go, hence the linkname.
//
//go:linkname runM github.com/DataDog/dd-trace-go/v2/internal/civisibility/integrations/gotesting.RunM
func runM(m *testing.M) int

func TestMain(m *testing.M) { os.Exit(runM(m)) }

func TestKnown(t *testing.T) {
	if 1+1 != 2 {
		t.Fatal("arithmetic")
	}
}

func TestNew(t *testing.T) {}

func TestDisabled(t *testing.T) {
	t.Fatal("test management disables this test: it must not run")
}

func TestFlaky(t *testing.T) {
	// First attempt fails, any retry passes: the attempt count lives in the test's tmpdir.
	marker := filepath.Join(os.Getenv("TEST_TMPDIR"), "go_TestFlaky.attempts")
	raw, _ := os.ReadFile(marker)
	attempts, _ := strconv.Atoi(string(raw))
	if err := os.WriteFile(marker, []byte(strconv.Itoa(attempts+1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if attempts == 0 {
		t.Fatal("first attempt fails on purpose")
	}
}
