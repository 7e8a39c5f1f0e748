package pay

import (
	"testing"

	"github.com/acme/checkout/internal/gocheck"
)

func TestCharge(t *testing.T) {
	if Charge(7) != 7 {
		t.Fatal("Charge(7) != 7")
	}
}

func TestTopt(t *testing.T) { gocheck.Check(t) }
