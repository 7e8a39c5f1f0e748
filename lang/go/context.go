package topt

// #include "raw.h"
import "C"

import (
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Config overrides the environment when opening a Context. A nil field is read from its
// environment variable (named below); String("") means "explicitly unset".
type Config struct {
	ManifestFile         *string // DD_TEST_OPTIMIZATION_MANIFEST_FILE, then TEST_OPTIMIZATION_MANIFEST_FILE
	PayloadsInFiles      *string // DD_TEST_OPTIMIZATION_PAYLOADS_IN_FILES ("true"/"1"/"t" turns payloads on)
	UndeclaredOutputsDir *string // TEST_UNDECLARED_OUTPUTS_DIR
	RunfilesManifestFile *string // RUNFILES_MANIFEST_FILE
	RunfilesDir          *string // RUNFILES_DIR
	TestSrcdir           *string // TEST_SRCDIR
	JavaRunfiles         *string // JAVA_RUNFILES
	Argv0                *string // this process's argv[0]
	SourceRepository     *string // "" (the main repository)
}

// String returns a pointer to s, for Config fields.
func String(s string) *string { return &s }

// RunfilesMode says how runfiles are found in this process.
type RunfilesMode uint32

// RunfilesMode values, from topt.h.
const (
	RunfilesNone      RunfilesMode = C.TOPT_RUNFILES_MODE_NONE
	RunfilesManifest  RunfilesMode = C.TOPT_RUNFILES_MODE_MANIFEST
	RunfilesDirectory RunfilesMode = C.TOPT_RUNFILES_MODE_DIRECTORY
)

func (m RunfilesMode) String() string {
	switch m {
	case RunfilesNone:
		return "none"
	case RunfilesManifest:
		return "manifest"
	case RunfilesDirectory:
		return "directory"
	}
	return "unknown"
}

// Info is what a Context sees; the diagnostics say why a feature is off and how to fix it.
// Absent strings are "".
type Info struct {
	ManifestVersion    uint32
	ManifestEnabled    bool // cache reads work
	PayloadsEnabled    bool // payload writes work
	RunfilesMode       RunfilesMode
	ManifestGiven      string
	ManifestPath       string
	ManifestDiagnostic string
	PayloadsDir        string
	PayloadsDiagnostic string
	RunfilesLocation   string
}

// Context is libtopt's view of Bazel mode for this process. It is safe for concurrent use.
// Close it when done; a finalizer frees it if it becomes unreachable first.
type Context struct {
	// mu makes Close wait for calls in flight (libtopt forbids freeing a context in use) and
	// lets calls fail with ErrClosed afterwards; calls share the read lock and run in parallel.
	mu  sync.RWMutex
	ptr *C.topt_Context
}

// finalized counts contexts freed by the finalizer, so tests can see the backstop work.
var finalized atomic.Int64

// Open creates a Context. cfg may be nil: everything is read from the environment, once.
// Open fails only for unusable input (a malformed runfiles manifest, say); when Bazel mode is
// simply off it succeeds and Info explains why.
func Open(cfg *Config) (*Context, error) {
	if err := Load(""); err != nil {
		return nil, err
	}
	var config *C.topt_Config
	if cfg != nil {
		var c C.topt_Config
		c.struct_size = C.uint32_t(unsafe.Sizeof(c))
		fields := []struct {
			value *string
			dst   **C.char
		}{
			{cfg.ManifestFile, &c.manifest_file},
			{cfg.PayloadsInFiles, &c.payloads_in_files},
			{cfg.UndeclaredOutputsDir, &c.undeclared_outputs_dir},
			{cfg.RunfilesManifestFile, &c.runfiles_manifest_file},
			{cfg.RunfilesDir, &c.runfiles_dir},
			{cfg.TestSrcdir, &c.test_srcdir},
			{cfg.JavaRunfiles, &c.java_runfiles},
			{cfg.Argv0, &c.argv0},
			{cfg.SourceRepository, &c.source_repository},
		}
		for _, f := range fields {
			if f.value == nil {
				continue
			}
			s, err := cString(*f.value)
			if err != nil {
				return nil, err
			}
			defer C.free(unsafe.Pointer(s))
			*f.dst = s
		}
		config = &c
	}
	var ptr *C.topt_Context
	if err := takeError(C.raw_context_new(config, &ptr)); err != nil {
		return nil, err
	}
	ctx := &Context{ptr: ptr}
	runtime.SetFinalizer(ctx, func(c *Context) {
		if c.free() {
			finalized.Add(1)
		}
	})
	return ctx, nil
}

// Close frees the context. It waits for calls in flight; calling it again does nothing.
func (c *Context) Close() error {
	if c == nil {
		return nil
	}
	runtime.SetFinalizer(c, nil)
	c.free()
	return nil
}

// free releases the native context once; it reports whether this call freed it.
func (c *Context) free() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ptr == nil {
		return false
	}
	C.raw_context_free(c.ptr)
	c.ptr = nil
	return true
}

// use runs f with the live native pointer, or returns ErrClosed. Holding the read lock keeps
// the pointer valid for the whole call; the deferred unlock also keeps c reachable until f
// returns, so the finalizer cannot free the context under a running call.
func (c *Context) use(f func(*C.topt_Context) error) error {
	if c == nil {
		return ErrClosed
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.ptr == nil {
		return ErrClosed
	}
	maybeGC()
	return f(c.ptr)
}

// Info describes what the context sees.
func (c *Context) Info() (Info, error) {
	var info Info
	err := c.use(func(p *C.topt_Context) error {
		var raw C.topt_Info
		raw.struct_size = C.uint32_t(unsafe.Sizeof(raw))
		if err := takeError(C.raw_context_info(p, &raw)); err != nil {
			return err
		}
		info = Info{
			ManifestVersion:    uint32(raw.manifest_version),
			ManifestEnabled:    raw.manifest_enabled != 0,
			PayloadsEnabled:    raw.payloads_enabled != 0,
			RunfilesMode:       RunfilesMode(raw.runfiles_mode),
			ManifestGiven:      goString(raw.manifest_given),
			ManifestPath:       goString(raw.manifest_path),
			ManifestDiagnostic: goString(raw.manifest_diagnostic),
			PayloadsDir:        goString(raw.payloads_dir),
			PayloadsDiagnostic: goString(raw.payloads_diagnostic),
			RunfilesLocation:   goString(raw.runfiles_location),
		}
		return nil
	})
	return info, err
}

func goString(s *C.char) string {
	if s == nil {
		return ""
	}
	return C.GoString(s)
}

// Rlocation resolves a runfiles path ("repo/pkg/file", as $(rlocationpath) gives it) to a real
// path with Bazel's runfiles algorithm. Absolute paths come back unchanged.
func (c *Context) Rlocation(path string) (string, error) {
	var out string
	err := c.use(func(p *C.topt_Context) error {
		cpath, err := cString(path)
		if err != nil {
			return err
		}
		defer C.free(unsafe.Pointer(cpath))
		var b C.topt_Bytes
		if err := takeError(C.raw_rlocation(p, cpath, &b)); err != nil {
			return err
		}
		out = string(takeBytes(&b))
		return nil
	})
	return out, err
}
