package checkpoint_test

import (
	"testing"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/internal/decidecases"
)

// The shared copy of Decide's tables (internal/decidecases, used to prove
// the rules engine agrees with Decide) must itself agree with Decide.
func TestDecideCasesTable(t *testing.T) {
	cases := decidecases.All()
	if len(cases) < 100 {
		t.Fatalf("only %d cases", len(cases))
	}
	for _, c := range cases {
		v := checkpoint.Decide(c.P, c.R, c.Pol, c.Now)
		if v.Outcome != c.Outcome || v.Reason != c.Reason {
			t.Errorf("%s: Decide gave %s/%s, table says %s/%s", c.Name, v.Outcome, v.Reason, c.Outcome, c.Reason)
		}
	}
}
