package topt

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

type mapEnv map[string]string

func (m mapEnv) Getenv(k string) string { return m[k] }

// opener succeeds only for path ok and records every attempt.
func opener(ok string, attempts *[]string) func(string) error {
	return func(p string) error {
		*attempts = append(*attempts, p)
		if p == ok {
			return nil
		}
		return errors.New("cannot open")
	}
}

func TestDiscoveryOrder(t *testing.T) {
	root := t.TempDir()
	touch := func(rel string) string {
		p := filepath.Join(root, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, nil, 0o644)
		return p
	}
	rfLib := touch("rf/topt+/libtopt.so")
	srcLib := touch("src/custom/libtopt.so")
	manifest := touch("MANIFEST")
	os.WriteFile(manifest, []byte("_main/libtopt.so /from/manifest/libtopt.so\nother x\n"), 0o644)

	cases := []struct {
		name     string
		explicit string
		env      mapEnv
		want     string
	}{
		{"explicit path first", "/explicit/libtopt.so", mapEnv{LibraryEnv: "/abs/libtopt.so"}, "/explicit/libtopt.so"},
		{"absolute TOPT_LIBRARY", "", mapEnv{LibraryEnv: "/abs/libtopt.so", "RUNFILES_DIR": root + "/rf"}, "/abs/libtopt.so"},
		{"relative TOPT_LIBRARY in TEST_SRCDIR", "", mapEnv{LibraryEnv: "custom/libtopt.so", "TEST_SRCDIR": root + "/src"}, srcLib},
		{"relative TOPT_LIBRARY in RUNFILES_DIR", "", mapEnv{LibraryEnv: "topt+/libtopt.so", "RUNFILES_DIR": root + "/rf"}, rfLib},
		{"relative TOPT_LIBRARY in the manifest", "", mapEnv{LibraryEnv: "_main/libtopt.so", "RUNFILES_MANIFEST_FILE": manifest}, "/from/manifest/libtopt.so"},
		{"default candidate in RUNFILES_DIR", "", mapEnv{"RUNFILES_DIR": root + "/rf"}, rfLib},
		{"default candidate in the manifest", "", mapEnv{"RUNFILES_MANIFEST_FILE": manifest}, "/from/manifest/libtopt.so"},
		{"default search last", "", mapEnv{}, "libtopt.so"},
	}
	for _, c := range cases {
		var attempts []string
		got, err := discover(c.explicit, c.env, opener(c.want, &attempts))
		if err != nil || got != c.want {
			t.Errorf("%s: %q, %v; want %q (attempts %q)", c.name, got, err, c.want, attempts)
		}
	}
}

func TestDiscoveryFailureListsEveryPlace(t *testing.T) {
	root := t.TempDir()
	manifest := filepath.Join(root, "MANIFEST")
	os.WriteFile(manifest, []byte("_main/libtopt.so /m/libtopt.so\n"), 0o644)
	var attempts []string
	_, err := discover("", mapEnv{
		"RUNFILES_DIR": root + "/rf", "TEST_SRCDIR": root + "/src", "RUNFILES_MANIFEST_FILE": manifest,
	}, opener("", &attempts))
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		root + "/rf/topt+/libtopt.so", root + "/src/topt/libtopt.so",
		root + "/rf/_main/libtopt.so", "key _main/libtopt.so -> /m/libtopt.so", "key topt+/libtopt.so", "default search libtopt.so",
		LibraryEnv,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	// A relative TOPT_LIBRARY replaces the default runfiles candidates.
	_, err = discover("", mapEnv{LibraryEnv: "custom/libtopt.so", "RUNFILES_DIR": root + "/rf"}, opener(root+"/rf/topt+/libtopt.so", &attempts))
	if err == nil || !strings.Contains(err.Error(), root+"/rf/custom/libtopt.so: not found") || strings.Contains(err.Error(), "topt+") ||
		strings.Contains(err.Error(), "default search") {
		t.Errorf("relative TOPT_LIBRARY: %v", err)
	}
	// A real dlopen failure carries the dynamic loader's reason.
	if err := openLibrary(filepath.Join(root, "nope.so")); err == nil || !strings.Contains(err.Error(), "nope.so") {
		t.Errorf("openLibrary(missing) = %v", err)
	}
}

// An explicit setting is authoritative: when it fails, nothing else is tried, even where a
// default candidate would load.
func TestDiscoveryExplicitSettingIsAuthoritative(t *testing.T) {
	root := t.TempDir()
	rfLib := filepath.Join(root, "topt+", "libtopt.so")
	os.MkdirAll(filepath.Dir(rfLib), 0o755)
	os.WriteFile(rfLib, nil, 0o644)
	env := mapEnv{"RUNFILES_DIR": root, LibraryEnv: "/abs/libtopt.so"}
	for _, c := range []struct {
		name, explicit, want string
	}{
		{"explicit path", "/explicit/libtopt.so", "explicit path /explicit/libtopt.so: cannot open"},
		{"absolute TOPT_LIBRARY", "", "$" + LibraryEnv + " /abs/libtopt.so: cannot open"},
	} {
		var attempts []string
		_, err := discover(c.explicit, env, opener(rfLib, &attempts))
		if err == nil || !strings.Contains(err.Error(), c.want) || len(attempts) != 1 {
			t.Errorf("%s: %v (attempts %q); want only %q", c.name, err, attempts, c.want)
		}
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
