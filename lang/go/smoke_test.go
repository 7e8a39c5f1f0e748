package topt

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// clearBazelEnv unsets every variable libtopt reads, so the environment context is "not Bazel".
func clearBazelEnv(t *testing.T) {
	for _, k := range []string{
		"DD_TEST_OPTIMIZATION_MANIFEST_FILE", "TEST_OPTIMIZATION_MANIFEST_FILE",
		"DD_TEST_OPTIMIZATION_PAYLOADS_IN_FILES", "TEST_UNDECLARED_OUTPUTS_DIR",
		"RUNFILES_MANIFEST_FILE", "RUNFILES_DIR", "TEST_SRCDIR", "JAVA_RUNFILES",
	} {
		if v, ok := os.LookupEnv(k); ok {
			os.Unsetenv(k)
			t.Cleanup(func() { os.Setenv(k, v) })
		}
	}
}

func TestSmoke(t *testing.T) {
	clearBazelEnv(t)
	abi, err := ABIVersion()
	if err != nil {
		t.Fatal(err)
	}
	if ABIMajor != 1 {
		t.Fatalf("TOPT_ABI_VERSION_MAJOR = %d; this binding was written for 1", ABIMajor)
	}
	if major := abi >> 16; major != ABIMajor {
		t.Fatalf("ABI %#x: major %d, want TOPT_ABI_VERSION_MAJOR = %d", abi, major, ABIMajor)
	}
	if v, err := Version(); err != nil || v == "" {
		t.Fatalf("Version() = %q, %v", v, err)
	}
	if want := os.Getenv(LibraryEnv); want != "" && LibraryPath() != want {
		t.Errorf("loaded %q, want %s=%q", LibraryPath(), LibraryEnv, want)
	}
	ctx, err := Open(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ctx.Close()
	info, err := ctx.Info()
	if err != nil {
		t.Fatal(err)
	}
	if info.ManifestEnabled || info.PayloadsEnabled || info.RunfilesMode != RunfilesNone {
		t.Errorf("outside Bazel: %+v", info)
	}
	if info.ManifestDiagnostic == "" || info.PayloadsDiagnostic == "" {
		t.Errorf("missing diagnostics: %+v", info)
	}
	if _, _, err := ctx.ReadCache(CacheKnownTests, "m"); !strings.Contains(err.Error(), "NOT_ENABLED") {
		t.Errorf("ReadCache outside Bazel: %v", err)
	}
}

// The binding compiles topt.h from its own directory (so the Go module is self-contained);
// this copy must stay identical to the generated header.
func TestHeaderCopyIsFresh(t *testing.T) {
	want, err := os.ReadFile(filepath.Join("..", "..", "include", "topt.h"))
	if os.IsNotExist(err) {
		t.Skip("not in the topt repository")
	}
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("topt.h")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Fatal("lang/go/topt.h differs from include/topt.h: run cargo xtask header")
	}
}
