// Package pay is the library the suite's fallback-importpath Go test embeds.
package pay

// Charge returns the amount charged.
func Charge(cents int) int { return cents }
