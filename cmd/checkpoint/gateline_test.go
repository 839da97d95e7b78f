package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/internal/station"
)

func TestHeadlineSaysWhetherTheGateOpened(t *testing.T) {
	for _, opened := range []bool{true, false} {
		b, err := json.Marshal(newVerdictLine(station.Event{Final: true, GateOpened: opened,
			Verdict: checkpoint.Verdict{Outcome: checkpoint.OutcomePass, Reason: checkpoint.ReasonGreen}}))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), `"gate_opened":true`) != opened {
			t.Fatalf("opened=%v: %s", opened, b)
		}
	}
}
