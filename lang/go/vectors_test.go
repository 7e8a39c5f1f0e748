package topt

// testdata/vectors/context.json through the binding: every topt_Config field in, every topt_Info
// field, cache source and runfiles path out. The other vector files exercise only libtopt's own
// logic (Rust and the C test run them); marshalling_test.go covers their functions.

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// loadVectors decodes testdata/vectors/<name> ($TOPT_VECTORS_DIR overrides the directory). A
// missing file fails the test: skipping would hide that nothing ran.
func loadVectors(t *testing.T, name string, v any) {
	t.Helper()
	dir := os.Getenv("TOPT_VECTORS_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", "testdata", "vectors")
	}
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatalf("vectors: %v", err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("vectors %s: %v", name, err)
	}
}

// writeFiles writes a case's files (path relative to root -> content, placeholders replaced by sub).
func writeFiles(t *testing.T, root string, files map[string]string, sub func(string) string) {
	t.Helper()
	for rel, content := range files {
		path := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(sub(content)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// ran reports how many cases a vector test ran and fails if there were none.
func ran(t *testing.T, file string, n int) {
	t.Helper()
	if n == 0 {
		t.Fatalf("%s: no cases ran", file)
	}
	t.Logf("%s: ran %d cases", file, n)
}

// statusName is the status name of a libtopt error, or "" for nil / other errors.
func statusName(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Name
	}
	return ""
}

type contextVectors struct {
	ConfigFields []string `json:"config_fields"`
	Cases        []struct {
		Name         string
		Files        map[string]string
		Config       map[string]string
		ContextError *struct {
			Code            string
			MessageContains string `json:"message_contains"`
		} `json:"context_error"`
		Info      map[string]any
		Rlocation []struct {
			Path   string
			Expect *string
			Error  *string
		}
		Cache []struct {
			File   string
			Module string
			Source string
			Text   *string
			Error  *string
		}
	}
}

var cacheFiles = map[string]CacheFile{
	"settings": CacheSettings, "known_tests": CacheKnownTests, "test_management": CacheTestManagement,
	"flaky_tests": CacheFlakyTests, "skippable_tests": CacheSkippableTests,
}

// vectorConfig passes every field of config_fields explicitly (absent ones as "") so the
// process environment never leaks into a case.
func vectorConfig(t *testing.T, fields []string, values map[string]string, sub func(string) string) *Config {
	cfg := &Config{}
	slots := map[string]**string{
		"manifest_file": &cfg.ManifestFile, "payloads_in_files": &cfg.PayloadsInFiles,
		"undeclared_outputs_dir": &cfg.UndeclaredOutputsDir, "runfiles_manifest_file": &cfg.RunfilesManifestFile,
		"runfiles_dir": &cfg.RunfilesDir, "test_srcdir": &cfg.TestSrcdir, "java_runfiles": &cfg.JavaRunfiles,
		"argv0": &cfg.Argv0, "source_repository": &cfg.SourceRepository,
	}
	if len(fields) != len(slots) {
		t.Fatalf("config_fields %v: the binding knows %d fields", fields, len(slots))
	}
	for _, f := range fields {
		slot, ok := slots[f]
		if !ok {
			t.Fatalf("unknown config field %q", f)
		}
		*slot = String(sub(values[f]))
	}
	for k := range values {
		if _, ok := slots[k]; !ok {
			t.Fatalf("unknown config field %q", k)
		}
	}
	return cfg
}

func TestVectorsContext(t *testing.T) {
	var v contextVectors
	loadVectors(t, "context.json", &v)
	for _, c := range v.Cases {
		t.Run(c.Name, func(t *testing.T) {
			root := t.TempDir()
			sub := func(s string) string { return strings.ReplaceAll(s, "${F}", root) }
			writeFiles(t, root, c.Files, sub)
			ctx, err := Open(vectorConfig(t, v.ConfigFields, c.Config, sub))
			if err == nil {
				defer ctx.Close()
			}
			if want := c.ContextError; want != nil {
				var e *Error
				if !errors.As(err, &e) || e.Name != want.Code || !strings.Contains(e.Message, want.MessageContains) {
					t.Errorf("got %v, want %s containing %q", err, want.Code, want.MessageContains)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Info != nil {
				checkInfo(t, ctx, c.Info, sub)
			}
			for _, r := range c.Rlocation {
				got, err := ctx.Rlocation(r.Path)
				ok := (r.Expect != nil && err == nil && got == sub(*r.Expect)) ||
					(r.Error != nil && statusName(err) == *r.Error)
				if !ok {
					t.Errorf("Rlocation(%q) = %q, %v; want %v / %v", r.Path, got, err, deref(r.Expect), deref(r.Error))
				}
			}
			for _, r := range c.Cache {
				file, known := cacheFiles[r.File]
				if !known {
					t.Fatalf("unknown cache file %q", r.File)
				}
				got, source, err := ctx.ReadCache(file, r.Module)
				ok := (r.Error != nil && statusName(err) == *r.Error) ||
					(r.Error == nil && err == nil && source.String() == r.Source && r.Text != nil && string(got) == *r.Text)
				if !ok {
					t.Errorf("ReadCache(%s, %q) = %s %q, %v; want %s %q / %v", r.File, r.Module, source, got, err, r.Source, deref(r.Text), deref(r.Error))
				}
			}
		})
	}
	ran(t, "context.json", len(v.Cases))
}

func deref(s *string) string {
	if s == nil {
		return "<none>"
	}
	return *s
}

func checkInfo(t *testing.T, ctx *Context, want map[string]any, sub func(string) string) {
	info, err := ctx.Info()
	if err != nil {
		t.Errorf("Info: %v", err)
		return
	}
	for key, w := range want {
		var got any
		switch key {
		case "manifest_enabled":
			got = info.ManifestEnabled
		case "payloads_enabled":
			got = info.PayloadsEnabled
		case "manifest_version":
			got = float64(info.ManifestVersion)
		case "manifest_path":
			got = info.ManifestPath
		case "payloads_dir":
			got = info.PayloadsDir
		case "runfiles_mode":
			got = info.RunfilesMode.String()
		case "manifest_diagnostic_contains", "payloads_diagnostic_contains":
			diag := info.ManifestDiagnostic
			if strings.HasPrefix(key, "payloads") {
				diag = info.PayloadsDiagnostic
			}
			if !strings.Contains(diag, w.(string)) {
				t.Errorf("%s: %q lacks %q", key, diag, w)
			}
			continue
		default:
			t.Fatalf("unknown info key %q", key)
		}
		switch s := w.(type) {
		case string:
			w = sub(s)
		case nil:
			w = "" // absent strings are "" in Info
		}
		if got != w {
			t.Errorf("info %s = %#v, want %#v", key, got, w)
		}
	}
}

// payloadConfig turns payload files on into dir and unsets everything else.
func payloadConfig(dir string) *Config {
	empty := String("")
	return &Config{
		PayloadsInFiles: String("true"), UndeclaredOutputsDir: String(dir),
		ManifestFile: empty, RunfilesManifestFile: empty, RunfilesDir: empty, TestSrcdir: empty,
		JavaRunfiles: empty, Argv0: empty, SourceRepository: empty,
	}
}
