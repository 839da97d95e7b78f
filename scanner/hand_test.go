package scanner

import (
	"context"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/internal/station"
	"github.com/checkpoint-terminal/checkpoint/scanner/serialscan"
	"github.com/checkpoint-terminal/checkpoint/thermometer/sim"
)

// handScanner is a serial hand scanner on a pty, read by the real reader.
func handScanner(t *testing.T) (*sim.PTY, *serialscan.Reader) {
	t.Helper()
	p, err := sim.OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	cfg := serialscan.DefaultConfig()
	cfg.Port = p.SlaveName
	r, err := serialscan.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return p, r
}

func waitConnected(t *testing.T, r *serialscan.Reader) {
	t.Helper()
	end := time.Now().Add(10 * time.Second)
	for r.Status().State != "connected" {
		if time.Now().After(end) {
			t.Fatalf("scanner never connected: %+v", r.Status())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Codes from two hand scanners go through the scan loop's verifier and its
// hold-off per code: the same code triggered twice (on either scanner) is
// one person; a forged code is a failure presentation.
func TestHandScannersShareVerifierAndHoldOff(t *testing.T) {
	is := newIssuer(t)
	p1, r1 := handScanner(t)
	p2, r2 := handScanner(t)
	s := New(nil, nil, is.ver, nil, Config{HoldOff: time.Second})
	s.AddInput(r1)
	s.AddInput(r2)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	waitConnected(t, r1)
	waitConnected(t, r2)
	next := func() (checkpoint.Presentation, bool) {
		select {
		case p := <-s.Presentations():
			return p, true
		case <-time.After(700 * time.Millisecond):
			return checkpoint.Presentation{}, false
		}
	}
	green, gid := is.code(checkpoint.ColorGreen, checkpoint.KindDynamic, false)
	yellow, yid := is.code(checkpoint.ColorYellow, checkpoint.KindCard, false)

	fmt.Fprintf(p1.Master, "%s\r", green)
	if p, ok := next(); !ok || p.Code == nil || p.Code.ID != gid || p.CapturedAt.IsZero() {
		t.Fatalf("green code: %+v %v", p, ok)
	}
	fmt.Fprintf(p2.Master, "%s\r", green) // the other scanner, same person, within the hold-off
	if p, ok := next(); ok {
		t.Fatalf("a held code was presented again: %+v", p)
	}
	fmt.Fprintf(p2.Master, "%s\r\n", yellow)
	if p, ok := next(); !ok || p.Code == nil || p.Code.ID != yid {
		t.Fatalf("yellow code on the second scanner: %+v %v", p, ok)
	}
	fmt.Fprintf(p1.Master, "%sX\r", green[:len(green)-4]) // damaged
	if p, ok := next(); !ok || p.Verified() || p.Failure == checkpoint.FailNone {
		t.Fatalf("damaged code: %+v %v", p, ok)
	}
	time.Sleep(1100 * time.Millisecond)
	fmt.Fprintf(p1.Master, "%s\r", green)
	if p, ok := next(); !ok || p.Code == nil || p.Code.ID != gid {
		t.Fatalf("green code after the hold-off: %+v %v", p, ok)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, open := <-s.Presentations(); open {
		t.Fatal("presentations not closed after Run")
	}
}

// TestHandScannerToVerdictLatency measures scanner input (the last byte
// written on the pty) to the station's final verdict, for distinct green
// codes with a temperature on hand. SCANNER_FIGURE=1 runs 200 codes and
// prints the figure (scripts/bench-scanner.sh), checking the p95 target of
// 50 ms; the suite runs 10 and checks their median against it.
func TestHandScannerToVerdictLatency(t *testing.T) {
	n := 10
	if os.Getenv("SCANNER_FIGURE") != "" {
		n = 200
	}
	is := newIssuer(t)
	p, r := handScanner(t)
	s := New(nil, nil, is.ver, nil, Config{})
	s.AddInput(r)
	st, err := station.New(station.Config{}, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Run(ctx)
	reads := make(chan checkpoint.Reading)
	events := make(chan station.Event, 4)
	go st.Run(ctx, s.Presentations(), reads, func(e station.Event) { events <- e })
	waitConnected(t, r)
	texts := make([]string, n)
	for i := range texts {
		texts[i], _ = is.code(checkpoint.ColorGreen, checkpoint.KindDynamic, false)
	}
	var lat []time.Duration
	for _, text := range texts {
		reads <- checkpoint.Reading{Celsius: 36.5, At: time.Now(), Status: checkpoint.SensorOK}
		start := time.Now()
		if _, err := p.Master.Write([]byte(text + "\r")); err != nil {
			t.Fatal(err)
		}
		select {
		case e := <-events:
			if !e.Final || e.Verdict.Outcome != checkpoint.OutcomePass {
				t.Fatalf("verdict %s (%s)", e.Verdict.Outcome, e.Verdict.Reason)
			}
			lat = append(lat, time.Since(start))
		case <-time.After(5 * time.Second):
			t.Fatal("no verdict")
		}
	}
	slices.Sort(lat)
	p95 := lat[(len(lat)*95+99)/100-1]
	t.Logf("scanner input to verdict (serial over pty, verify ES256, station): n=%d p50=%s p95=%s max=%s",
		n, lat[n/2].Round(10*time.Microsecond), p95.Round(10*time.Microsecond), lat[n-1].Round(10*time.Microsecond))
	// The suite's 10 rounds check the median (one scheduling hiccup on a
	// loaded CI machine is not a regression); the figure run checks p95.
	if os.Getenv("SCANNER_FIGURE") != "" && p95 > 50*time.Millisecond {
		t.Errorf("p95 %s above the 50 ms target", p95)
	}
	if lat[n/2] > 50*time.Millisecond {
		t.Errorf("median %s above the 50 ms target", lat[n/2])
	}
}
