// Package cart is the library the suite's inferred-importpath Go test embeds.
package cart

// Total adds two prices.
func Total(a, b int) int { return a + b }
