// Package topt is the Go binding of libtopt, the library that lets a Datadog Test Optimization
// tracer work inside Bazel tests: it resolves runfiles, reads the synced test metadata for the
// test's module and writes payload files atomically into the test's undeclared outputs.
//
// libtopt is loaded at run time (see [Load] for where it is looked for), so programs build
// without it and only need it when they run under Bazel with topt.
//
// The usual flow in a tracer:
//
//	ctx, err := topt.Open(nil) // nil: read the Bazel environment
//	if err != nil {
//		return err
//	}
//	defer ctx.Close()
//	known, _, err := ctx.ReadCache(topt.CacheKnownTests, "github.com/acme/shop")
//	path, err := ctx.WritePayload(topt.PayloadTests, topt.FormatJSON, events)
//
// Errors from libtopt are [*Error] values carrying the status code and message; match them with
// errors.Is(err, topt.StatusNotFound) and friends.
package topt
