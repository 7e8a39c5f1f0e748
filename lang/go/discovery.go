package topt

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
)

// LibraryEnv names the environment variable that points at libtopt: an absolute path, or a
// runfiles path as $(rlocationpath) gives it. Every topt binding reads the same name.
const LibraryEnv = "TOPT_LIBRARY"

// libraryFileName is the platform's file name for libtopt.
func libraryFileName() string {
	switch runtime.GOOS {
	case "darwin":
		return "libtopt.dylib"
	case "windows":
		return "topt.dll"
	}
	return "libtopt.so"
}

type env interface{ Getenv(string) string }

type osEnv struct{}

func (osEnv) Getenv(k string) string { return os.Getenv(k) }

// discovery is the process's libtopt, found and opened by the first load and kept afterwards,
// by the rule every topt binding follows (testdata/vectors/discovery.json holds the cases): an
// explicit path is the only candidate; else TOPT_LIBRARY is the only source, absolute as is,
// relative as a runfiles path; else the platform's search. open dlopens and installs a path.
type discovery struct {
	env    env
	open   func(path string) error
	mu     sync.Mutex
	loaded atomic.Bool // set once; libtopt is never unloaded
	path   string
}

func (d *discovery) load(explicit string) (string, error) {
	if explicit == "" && d.loaded.Load() {
		return d.path, nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.loaded.Load() {
		if explicit != "" && explicit != d.path {
			return "", fmt.Errorf("topt: libtopt is already loaded from %s; cannot also load %s", d.path, explicit)
		}
		return d.path, nil
	}
	var tried []string
	for _, c := range candidates(explicit, d.env, &tried) {
		if err := d.open(c.path); err != nil {
			reason, _, _ := strings.Cut(err.Error(), "\n")
			tried = append(tried, c.where+" "+c.path+": "+reason)
			continue
		}
		d.path = c.path
		d.loaded.Store(true)
		return c.path, nil
	}
	return "", fmt.Errorf("topt: cannot load libtopt; tried:\n  %s\nset %s to the library's absolute path",
		strings.Join(tried, "\n  "), LibraryEnv)
}

type candidate struct{ where, path string }

// candidates lists where to look, in order; places that yield none are noted in tried.
func candidates(explicit string, e env, tried *[]string) []candidate {
	v := e.Getenv(LibraryEnv)
	switch {
	case explicit != "":
		return []candidate{{"explicit path", explicit}}
	case v == "":
		return []candidate{{"platform search", libraryFileName()}}
	case filepath.IsAbs(v):
		return []candidate{{LibraryEnv, v}}
	}
	// A runfiles path, looked up minimally: libtopt, which knows Bazel's whole algorithm, is
	// not loaded yet.
	var out []candidate
	for _, root := range []string{"RUNFILES_DIR", "TEST_SRCDIR"} {
		dir := e.Getenv(root)
		if dir == "" {
			*tried = append(*tried, root+" is not set")
			continue
		}
		path := filepath.Join(dir, v)
		if info, err := os.Stat(path); err == nil && !info.IsDir() {
			out = append(out, candidate{root, path})
		} else {
			*tried = append(*tried, root+" "+path+": no such file")
		}
	}
	manifest := e.Getenv("RUNFILES_MANIFEST_FILE")
	if manifest == "" {
		*tried = append(*tried, "RUNFILES_MANIFEST_FILE is not set")
	} else if path, err := manifestLookup(manifest, v); err != nil {
		*tried = append(*tried, "RUNFILES_MANIFEST_FILE "+manifest+": "+err.Error())
	} else {
		out = append(out, candidate{"RUNFILES_MANIFEST_FILE", path})
	}
	return out
}

// manifestLookup finds key in a runfiles manifest (lines "<key> <path>", split at the first space).
func manifestLookup(manifest, key string) (string, error) {
	f, err := os.Open(manifest)
	if err != nil {
		return "", err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	s.Buffer(make([]byte, 64*1024), 1<<20)
	for s.Scan() {
		if k, path, ok := strings.Cut(s.Text(), " "); ok && k == key {
			return path, nil
		}
	}
	if err := s.Err(); err != nil {
		return "", err
	}
	return "", fmt.Errorf("no entry %s", key)
}
