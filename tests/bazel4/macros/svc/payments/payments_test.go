package pay

import (
	"testing"

	"github.com/acme/checkout/internal/gocheck"
)

func TestTopt(t *testing.T) { gocheck.Check(t) }
