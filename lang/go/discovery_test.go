package topt

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

type mapEnv map[string]string

func (m mapEnv) Getenv(k string) string { return m[k] }

// TestDiscoveryVectors runs testdata/vectors/discovery.json with a fake opener.
func TestDiscoveryVectors(t *testing.T) {
	var v struct {
		Cases []struct {
			Name     string
			Files    map[string]string
			Env      map[string]string
			Loadable []string
			Loads    []struct {
				Explicit      *string
				Loaded        *string
				Tried         []string
				ErrorContains []string `json:"error_contains"`
				Attempts      []string
			}
		}
	}
	loadVectors(t, "discovery.json", &v)
	for _, c := range v.Cases {
		t.Run(c.Name, func(t *testing.T) {
			root := t.TempDir()
			sub := strings.NewReplacer("{T}", root, "{NAME}", libraryFileName()).Replace
			writeFiles(t, root, c.Files, sub)
			e := mapEnv{}
			for k, val := range c.Env {
				e[k] = sub(val)
			}
			attempts := []string{}
			d := &discovery{env: e, open: func(p string) error {
				attempts = append(attempts, p)
				for _, ok := range c.Loadable {
					if sub(ok) == p {
						return nil
					}
				}
				return errors.New("refused")
			}}
			for i, step := range c.Loads {
				attempts = attempts[:0]
				explicit := ""
				if step.Explicit != nil {
					explicit = sub(*step.Explicit)
				}
				got, err := d.load(explicit)
				if step.Loaded != nil {
					if err != nil || got != sub(*step.Loaded) {
						t.Errorf("load %d: %q, %v; want %q", i, got, err, sub(*step.Loaded))
					}
				} else if err == nil {
					t.Errorf("load %d: loaded %q; want an error", i, got)
				} else {
					for _, want := range append(step.Tried, step.ErrorContains...) {
						if !strings.Contains(err.Error(), sub(want)) {
							t.Errorf("load %d: error lacks %q:\n%v", i, sub(want), err)
						}
					}
				}
				want := []string{}
				for _, p := range step.Attempts {
					want = append(want, sub(p))
				}
				if !reflect.DeepEqual(attempts, want) {
					t.Errorf("load %d: opened %q; want %q", i, attempts, want)
				}
			}
		})
	}
}

// A real dlopen failure carries the dynamic loader's reason.
func TestOpenLibraryReportsTheLoaderError(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.so")
	if err := openLibrary(missing); err == nil || !strings.Contains(err.Error(), "nope.so") {
		t.Errorf("openLibrary(missing) = %v", err)
	}
}

// As under the dd_topt_go_test macro: TOPT_LIBRARY is a runfiles path, resolved through a
// runfiles directory or a manifest, loading the real library in a fresh process.
func TestBazelStyleRunfilesPathLoadsTheRealLibrary(t *testing.T) {
	real := os.Getenv(LibraryEnv)
	if !filepath.IsAbs(real) {
		t.Skip("needs TOPT_LIBRARY set to the built library (test.sh does)")
	}
	for _, mode := range []string{"RUNFILES_DIR", "RUNFILES_MANIFEST_FILE"} {
		t.Run(mode, func(t *testing.T) {
			root := t.TempDir()
			var env []string
			for _, kv := range os.Environ() {
				k, _, _ := strings.Cut(kv, "=")
				if k != "RUNFILES_DIR" && k != "TEST_SRCDIR" && k != "RUNFILES_MANIFEST_FILE" && k != LibraryEnv {
					env = append(env, kv)
				}
			}
			env = append(env, helperEnv+"=1", LibraryEnv+"=_main/libtopt.so")
			want := real
			if mode == "RUNFILES_DIR" {
				want = filepath.Join(root, "_main", "libtopt.so")
				if err := os.MkdirAll(filepath.Dir(want), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink(real, want); err != nil {
					t.Fatal(err)
				}
				env = append(env, "RUNFILES_DIR="+root)
			} else {
				manifest := filepath.Join(root, "MANIFEST")
				if err := os.WriteFile(manifest, []byte("_main/other x\n_main/libtopt.so "+real+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				env = append(env, "RUNFILES_MANIFEST_FILE="+manifest)
			}
			cmd := exec.Command(os.Args[0])
			cmd.Env = env
			out, err := cmd.CombinedOutput()
			if got := strings.TrimSpace(string(out)); err != nil || got != want {
				t.Fatalf("loaded %q, %v; want %q", got, err, want)
			}
		})
	}
}
