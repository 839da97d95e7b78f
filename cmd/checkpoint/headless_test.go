package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/internal/demo"
	cpsync "github.com/checkpoint-terminal/checkpoint/sync"
)

// TestHeadlessDemoEndToEnd runs the real binary's code path in headless
// demo mode: a generated video of demo codes through the camera package, the
// simulated thermometer on a pseudo-terminal through the serial driver, the
// verifier against the demo's signed trust list, and the bbolt store. It
// checks the sequence of verdicts and that the store holds exactly the
// final verdicts' records.
func TestHeadlessDemoEndToEnd(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	o := options{
		headless: true, once: true, demoDir: dir, logLevel: "warn", stdout: &out,
		demoOpts: demo.Options{Width: 480, Height: 360, FPS: 15, CodeTime: 2 * time.Second, GapTime: time.Second},
	}
	if err := run(ctx, o); err != nil {
		t.Fatalf("headless run: %v\n%s", err, out.String())
	}

	var finals []verdictLine
	dec := json.NewDecoder(bytes.NewReader(out.Bytes()))
	for dec.More() {
		var l verdictLine
		if err := dec.Decode(&l); err != nil {
			t.Fatalf("headless output is not JSON lines: %v", err)
		}
		if l.Final {
			finals = append(finals, l)
		}
	}
	defer func() {
		if t.Failed() {
			t.Logf("headless output:\n%s", out.String())
		}
	}()
	// One person per demo case, in the video's order. A green code's
	// outcome depends on the reading it was paired with, which must agree.
	want := []struct {
		name    string
		reasons []string
	}{
		{"green", []string{"green", "no_temperature"}},
		{"yellow", []string{"yellow"}},
		{"red", []string{"red"}},
		{"relative", []string{"green", "no_temperature"}},
		{"expired", []string{"expired"}},
		{"forged", []string{"unknown_issuer"}},
		{"revoked", []string{"revoked"}},
		{"fever", []string{"fever", "no_temperature"}},
		{"dcc", []string{"green", "no_temperature"}},
	}
	if len(finals) != len(want) {
		for _, f := range finals {
			t.Logf("%s %s", f.Outcome, f.Reason)
		}
		t.Fatalf("%d final verdicts, want %d (one per person)", len(finals), len(want))
	}
	passes := 0
	for i, w := range want {
		f := finals[i]
		if !contains(w.reasons, f.Reason) {
			t.Errorf("person %d (%s): reason %q, want one of %v", i, w.name, f.Reason, w.reasons)
		}
		if f.Reason == "green" {
			passes++
			if f.Temperature == nil || *f.Temperature >= 37.3 {
				t.Errorf("person %d (%s) passed with temperature %v", i, w.name, f.Temperature)
			}
		}
		if f.Reason == "fever" && (f.Temperature == nil || *f.Temperature < 37.3) {
			t.Errorf("person %d (%s) rechecked without a fever: %v", i, w.name, f.Temperature)
		}
		if w.name == "dcc" && (f.Code == nil || f.Code.Format != checkpoint.FormatDCC || f.Code.Region != "DE") {
			t.Errorf("the EU certificate was not verified as a DCC from DE: %+v", f.Code)
		}
		if w.name == "relative" && (f.Code == nil || !f.Code.Proxy) {
			t.Errorf("the relative's code lost its proxy flag: %+v", f.Code)
		}
		if f.RecordID == "" || f.StoreError != "" {
			t.Errorf("person %d (%s): not stored: %q", i, w.name, f.StoreError)
		}
	}
	if passes == 0 {
		t.Error("no green code passed: the simulated thermometer was never paired")
	}

	store, err := cpsync.Open(filepath.Join(dir, "checkpoint.db"), cpsync.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	recs, err := store.Recent(100)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != len(finals) {
		t.Fatalf("store holds %d records, %d final verdicts were reported", len(recs), len(finals))
	}
	byID := map[string]checkpoint.Record{}
	for _, r := range recs {
		byID[r.ID] = r
	}
	for _, f := range finals {
		r, ok := byID[f.RecordID]
		if !ok {
			t.Fatalf("record %s reported but not stored", f.RecordID)
		}
		if string(r.Reason) != f.Reason || r.Outcome.String() != f.Outcome || r.TerminalID != "demo-terminal" {
			t.Errorf("stored record %+v does not match verdict %s/%s", r, f.Outcome, f.Reason)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
