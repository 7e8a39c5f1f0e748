//go:build topt_debug

package topt

import "runtime"

// maybeGC collects before every call under the topt_debug tag (test.sh uses it), so a context
// freed too early by its finalizer shows up as a failure instead of a rare crash.
func maybeGC() { runtime.GC() }
