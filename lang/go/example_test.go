package topt_test

import (
	"errors"
	"log"

	topt "example.invalid/topt/lang/go"
)

// A tracer opens one context per process, reads what it needs and writes its payloads.
func Example() {
	ctx, err := topt.Open(nil) // the Bazel test environment
	if err != nil {
		log.Fatal(err)
	}
	defer ctx.Close()
	known, source, err := ctx.ReadCache(topt.CacheKnownTests, "github.com/acme/checkout")
	switch {
	case errors.Is(err, topt.StatusNotEnabled), errors.Is(err, topt.StatusNotFound):
		// not under Bazel with topt, or no data for this module: the feature is off
	case err != nil:
		log.Print(err)
	default:
		log.Printf("%d bytes of known tests from the %s", len(known), source)
	}
	path, err := ctx.WritePayload(topt.PayloadTests, topt.FormatJSON, []byte(`{"version":1,"events":[]}`))
	log.Print(path, err)
	// Output:
}
