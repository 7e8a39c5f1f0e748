package cart

import (
	"testing"

	"github.com/acme/checkout/internal/gocheck"
)

func TestTotal(t *testing.T) {
	if Total(2, 3) != 5 {
		t.Fatal("Total(2, 3) != 5")
	}
}

func TestTopt(t *testing.T) { gocheck.Check(t) }
