package main

import (
	"context"
	"encoding/json"
	"io"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/internal/station"
	"github.com/checkpoint-terminal/checkpoint/internal/terminal"
)

// verdictLine is one JSON line of headless output.
type verdictLine struct {
	Time        time.Time        `json:"time"`
	Final       bool             `json:"final"`
	Outcome     string           `json:"outcome"`
	Reason      string           `json:"reason"`
	Failure     string           `json:"failure,omitempty"`
	Code        *checkpoint.Code `json:"code,omitempty"`
	Temperature *float64         `json:"temperature,omitempty"`
	CapturedAt  time.Time        `json:"captured_at"`
	// LatencyMS is from the frame's capture to the verdict.
	LatencyMS  float64 `json:"latency_ms"`
	RecordID   string  `json:"record_id,omitempty"`
	StoreError string  `json:"store_error,omitempty"`
	GateOpened bool    `json:"gate_opened,omitempty"`
}

func newVerdictLine(ev station.Event) verdictLine {
	v := ev.Verdict
	l := verdictLine{
		Time: v.DecidedAt, Final: ev.Final, Outcome: v.Outcome.String(), Reason: string(v.Reason),
		Code: v.Code, Temperature: v.Temperature, CapturedAt: v.CapturedAt, RecordID: ev.Record.ID,
		GateOpened: ev.GateOpened,
	}
	if v.Failure != checkpoint.FailNone {
		l.Failure = v.Failure.String()
	}
	if !v.CapturedAt.IsZero() {
		l.LatencyMS = float64(v.DecidedAt.Sub(v.CapturedAt).Microseconds()) / 1000
	}
	if ev.StoreErr != nil {
		l.StoreError = ev.StoreErr.Error()
	}
	return l
}

// runHeadless prints one JSON line per verdict until ctx ends (or a file
// source ends with -once).
func runHeadless(ctx context.Context, t *terminal.Terminal, w io.Writer) error {
	enc := json.NewEncoder(w)
	var werr error
	err := t.Run(ctx, func(ev station.Event) {
		if werr == nil {
			werr = enc.Encode(newVerdictLine(ev))
		}
	})
	if err != nil {
		return err
	}
	return werr
}
