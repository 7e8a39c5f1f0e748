package topt

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
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

// discover finds and opens libtopt by the discovery contract shared by all bindings. Runfiles
// are looked up minimally (directories, then an exact manifest key) because libtopt, which knows
// the full algorithm, is not loaded yet. It returns the path that opened.
func discover(explicit string, e env, open func(string) error) (string, error) {
	var tried []string
	try := func(where, path string) bool {
		err := open(path)
		if err != nil {
			tried = append(tried, fmt.Sprintf("%s %s: %v", where, path, err))
		}
		return err == nil
	}
	fail := func() (string, error) {
		return "", fmt.Errorf("topt: cannot load libtopt; set %s to its path. Tried:\n  %s",
			LibraryEnv, strings.Join(tried, "\n  "))
	}
	// An explicit setting is authoritative: a wrong one is reported, not replaced by another libtopt.
	if explicit != "" {
		if try("explicit path", explicit) {
			return explicit, nil
		}
		return fail()
	}
	name := libraryFileName()
	candidates := []string{"topt+/" + name, "topt/" + name, "_main/" + name}
	v := e.Getenv(LibraryEnv)
	if filepath.IsAbs(v) {
		if try("$"+LibraryEnv, v) {
			return v, nil
		}
		return fail()
	}
	if v != "" {
		candidates = []string{v} // a runfiles path is the only candidate
	}
	for _, p := range candidates {
		for _, root := range []string{"RUNFILES_DIR", "TEST_SRCDIR"} {
			dir := e.Getenv(root)
			if dir == "" {
				continue
			}
			path := filepath.Join(dir, p)
			if _, err := os.Stat(path); err != nil {
				tried = append(tried, fmt.Sprintf("$%s %s: not found", root, path))
			} else if try("$"+root, path) {
				return path, nil
			}
		}
		if manifest := e.Getenv("RUNFILES_MANIFEST_FILE"); manifest != "" {
			path, err := manifestLookup(manifest, p)
			if err != nil {
				tried = append(tried, fmt.Sprintf("$RUNFILES_MANIFEST_FILE %s key %s: %v", manifest, p, err))
			} else if try("$RUNFILES_MANIFEST_FILE key "+p+" ->", path) {
				return path, nil
			}
		}
	}
	if v != "" {
		tried = append(tried, fmt.Sprintf("$%s %s: no runfile loaded; nothing else is tried", LibraryEnv, v))
	} else if try("default search", name) {
		return name, nil
	}
	return fail()
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
	return "", fmt.Errorf("no such key")
}
