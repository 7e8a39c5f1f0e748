package topt

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Many goroutines write through one Context at once: every file is unique, complete and equal
// to what was written, and no temp file is left behind.
func TestConcurrentPayloadWrites(t *testing.T) {
	const goroutines, writes = 8, 50
	dir := t.TempDir()
	ctx, err := Open(payloadConfig(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer ctx.Close()
	var wg sync.WaitGroup
	var mu sync.Mutex
	written := map[string]string{} // path -> content
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < writes; i++ {
				body := fmt.Sprintf(`{"version":1,"events":[{"type":"test","content":{"g":%d,"i":%d,"pad":"%s"}}]}`,
					g, i, strings.Repeat("x", 1000*(i%5)))
				path, err := ctx.WritePayload(PayloadTests, FormatJSON, []byte(body))
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if _, dup := written[path]; dup {
					t.Errorf("path %s returned twice", path)
				}
				written[path] = body
				mu.Unlock()
			}
		}(g)
	}
	wg.Wait()
	if len(written) != goroutines*writes {
		t.Fatalf("%d unique paths, want %d", len(written), goroutines*writes)
	}
	entries, err := os.ReadDir(filepath.Join(dir, "payloads", "tests"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(written) {
		t.Errorf("%d files on disk, want %d", len(entries), len(written))
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("temp file left: %s", e.Name())
		}
	}
	for path, body := range written {
		if data, err := os.ReadFile(path); err != nil || string(data) != body {
			t.Errorf("%s: %d bytes, %v; want the %d bytes written", path, len(data), err, len(body))
		}
	}
}
