package topt

// The shared conformance vectors (testdata/vectors/*.json) driven through the binding, with the
// semantics of the Rust reference harness (crates/topt-core/tests/vectors_*.rs).

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
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

func TestVectorsLabels(t *testing.T) {
	var v struct {
		Sanitize []struct{ Input, Output string }
		Dedup    []struct{ Input, Output []string }
		LabelMap []struct {
			Name string
			LabelSources
			Labels map[string]string
		} `json:"label_map"`
	}
	loadVectors(t, "labels.json", &v)
	n := 0
	for _, c := range v.Sanitize {
		n++
		t.Run("sanitize/"+c.Input, func(t *testing.T) {
			if got, err := SanitizeLabel(c.Input); err != nil || got != c.Output {
				t.Errorf("SanitizeLabel(%q) = %q, %v; want %q", c.Input, got, err, c.Output)
			}
		})
	}
	for _, c := range v.Dedup {
		n++
		t.Run("dedup/"+strings.Join(c.Input, ","), func(t *testing.T) {
			if got, err := DedupLabels(c.Input); err != nil || !reflect.DeepEqual(got, c.Output) {
				t.Errorf("DedupLabels(%q) = %q, %v; want %q", c.Input, got, err, c.Output)
			}
		})
	}
	for _, c := range v.LabelMap {
		n++
		t.Run("label_map/"+c.Name, func(t *testing.T) {
			if got, err := LabelMap(c.LabelSources); err != nil || !reflect.DeepEqual(got, c.Labels) {
				t.Errorf("LabelMap = %v, %v; want %v", got, err, c.Labels)
			}
		})
	}
	ran(t, "labels.json", n)
}

func TestVectorsSelection(t *testing.T) {
	var v struct{ Cases []map[string]json.RawMessage }
	loadVectors(t, "selection.json", &v)
	for _, c := range v.Cases {
		var name string
		if err := json.Unmarshal(c["name"], &name); err != nil {
			t.Fatal(err)
		}
		t.Run(name, func(t *testing.T) {
			var expect map[string]any
			if err := json.Unmarshal(c["expect"], &expect); err != nil {
				t.Fatal(err)
			}
			request := map[string]json.RawMessage{}
			for k, raw := range c {
				if k != "name" && k != "expect" {
					request[k] = raw
				}
			}
			body, err := json.Marshal(request)
			if err != nil {
				t.Fatal(err)
			}
			out, err := SelectModule(body)
			if want, ok := expect["error_contains"].(string); ok {
				var e *Error
				if !errors.As(err, &e) || !strings.Contains(e.Message, want) {
					t.Errorf("got %s, %v; want error containing %q", out, err, want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got map[string]any
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("%v in %s", err, out)
			}
			for k, want := range expect {
				if !reflect.DeepEqual(got[k], want) {
					t.Errorf("%s = %v, want %v (result %s)", k, got[k], want, out)
				}
			}
		})
	}
	ran(t, "selection.json", len(v.Cases))
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
			for rel, content := range c.Files {
				path := filepath.Join(root, rel)
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(sub(content)), 0o644); err != nil {
					t.Fatal(err)
				}
			}
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

var payloadKinds = map[string]PayloadKind{"tests": PayloadTests, "coverage": PayloadCoverage, "telemetry": PayloadTelemetry}
var payloadFormats = map[string]PayloadFormat{"json": FormatJSON, "msgpack": FormatMsgpack}

// payloadConfig turns payload files on into dir and unsets everything else.
func payloadConfig(dir string) *Config {
	empty := String("")
	return &Config{
		PayloadsInFiles: String("true"), UndeclaredOutputsDir: String(dir),
		ManifestFile: empty, RunfilesManifestFile: empty, RunfilesDir: empty, TestSrcdir: empty,
		JavaRunfiles: empty, Argv0: empty, SourceRepository: empty,
	}
}

func TestVectorsPayloads(t *testing.T) {
	var v struct {
		NamePattern string `json:"name_pattern"`
		Cases       []struct {
			Name, Kind, Format, Input, Output string
			InputHex                          string `json:"input_hex"`
			Error                             *string
		}
	}
	loadVectors(t, "payloads.json", &v)
	pattern := regexp.MustCompile(v.NamePattern)
	for _, c := range v.Cases {
		t.Run(c.Name, func(t *testing.T) {
			kind, knownKind := payloadKinds[c.Kind]
			format, knownFormat := payloadFormats[c.Format]
			if !knownKind || !knownFormat {
				t.Fatalf("unknown kind %q or format %q", c.Kind, c.Format)
			}
			input := []byte(c.Input)
			if c.InputHex != "" {
				var err error
				if input, err = hex.DecodeString(c.InputHex); err != nil {
					t.Fatal(err)
				}
			}
			dir := t.TempDir()
			ctx, err := Open(payloadConfig(dir))
			if err != nil {
				t.Fatal(err)
			}
			path, err := ctx.WritePayload(kind, format, input)
			ctx.Close()
			kindDir := filepath.Join(dir, "payloads", c.Kind)
			entries, _ := os.ReadDir(kindDir)
			var files []string
			for _, e := range entries {
				files = append(files, e.Name())
			}
			if c.Error != nil {
				if statusName(err) != *c.Error || len(files) != 0 {
					t.Errorf("got %q, %v, files %v; want %s and no file", path, err, files, *c.Error)
				}
				return
			}
			if err != nil || len(files) != 1 || !pattern.MatchString(files[0]) || !strings.HasPrefix(files[0], c.Kind) ||
				filepath.Dir(path) != kindDir {
				t.Fatalf("got %q, %v, files %v", path, err, files)
			}
			if data, err := os.ReadFile(path); err != nil || string(data) != c.Output {
				t.Errorf("wrote %q, %v; want %q", data, err, c.Output)
			}
		})
	}
	ran(t, "payloads.json", len(v.Cases))
}
