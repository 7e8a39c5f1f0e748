//go:build !topt_debug

package topt

func maybeGC() {}
