package topt

import (
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"
)

func TestCloseTwice(t *testing.T) {
	ctx, err := Open(payloadConfig(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	if err := ctx.Close(); err != nil {
		t.Fatal(err)
	}
	if err := ctx.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	var nilCtx *Context
	if err := nilCtx.Close(); err != nil {
		t.Fatalf("nil Close: %v", err)
	}
}

func TestUseAfterClose(t *testing.T) {
	ctx, err := Open(payloadConfig(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	ctx.Close()
	_, err1 := ctx.Info()
	_, err2 := ctx.Rlocation("_main/x")
	_, _, err3 := ctx.ReadCache(CacheKnownTests, "")
	_, err4 := ctx.WritePayload(PayloadTelemetry, FormatJSON, []byte(`{}`))
	var nilCtx *Context
	_, err5 := nilCtx.Info()
	for i, err := range []error{err1, err2, err3, err4, err5} {
		if !errors.Is(err, ErrClosed) {
			t.Errorf("call %d after Close: %v, want ErrClosed", i+1, err)
		}
	}
}

// Contexts dropped without Close are freed by the finalizer, exactly once (the binary would
// abort on a double free in libtopt's allocator).
func TestFinalizerFreesDroppedContexts(t *testing.T) {
	before := finalized.Load()
	const n = 20
	for i := 0; i < n; i++ {
		ctx, err := Open(payloadConfig(t.TempDir()))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ctx.Info(); err != nil {
			t.Fatal(err)
		}
	}
	closed, err := Open(nil)
	if err != nil {
		t.Fatal(err)
	}
	closed.Close() // Close removes the finalizer: it must not count (or free) again
	closed = nil
	deadline := time.Now().Add(10 * time.Second)
	for finalized.Load()-before < n && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if got := finalized.Load() - before; got != n {
		t.Fatalf("finalizer freed %d contexts, want %d", got, n)
	}
}

// Close while other goroutines are calling: each call either completes or gets ErrClosed.
func TestCloseDuringCalls(t *testing.T) {
	ctx, err := Open(payloadConfig(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				if _, err := ctx.WritePayload(PayloadTelemetry, FormatJSON, []byte(`{"n":1}`)); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	time.Sleep(20 * time.Millisecond)
	ctx.Close()
	wg.Wait()
	close(errs)
	for err := range errs {
		if !errors.Is(err, ErrClosed) {
			t.Errorf("racing call: %v, want ErrClosed", err)
		}
	}
}
