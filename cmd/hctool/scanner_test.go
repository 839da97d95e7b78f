package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint/thermometer/sim"
)

// A code written to a pseudo-terminal with a CR suffix comes out as a JSON
// line with its verdict; a tampered one as REFUSED.
func TestScannerPrintsVerdictOfSerialCodes(t *testing.T) {
	dir := operatorSetup(t)
	list, rootPub := filepath.Join(dir, "list.cose"), filepath.Join(dir, "root.pub")
	text := strings.TrimSpace(mustHctool(t, "issue", "--key", filepath.Join(dir, "issuer.key"), "--region", "110000", "--issuer", "BJHC",
		"--color", "green", "--holder", "王*"))
	p, err := sim.OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out, errb lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"scanner", "-port", p.SlaveName, "-suffix", "cr", "--trustlist", list, "--root-pub", rootPub}, &out, &errb)
	}()
	// The port is flushed when opened: write until the first line shows.
	for !strings.Contains(out.String(), "\n") {
		if ctx.Err() != nil {
			t.Fatalf("no output; stderr %s", errb.String())
		}
		fmt.Fprintf(p.Master, "%s\r", text)
		time.Sleep(150 * time.Millisecond)
	}
	fmt.Fprintf(p.Master, "%sQQ\r", text[:len(text)-2])
	for !strings.Contains(out.String(), "REFUSED") && ctx.Err() == nil {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var first, last scannedCode
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &last); err != nil {
		t.Fatal(err)
	}
	if first.Verdict != "VALID" || first.Colour != "green" || first.Issuer != "110000:BJHC" || first.CodeID == "" || first.Input != "serial:"+p.SlaveName {
		t.Errorf("valid code: %s", lines[0])
	}
	if last.Verdict != "REFUSED" || last.Failure == "" {
		t.Errorf("tampered code: %s", lines[len(lines)-1])
	}
}

func TestScannerFlagErrors(t *testing.T) {
	for _, args := range [][]string{
		{"scanner", "--trustlist", "x"},
		{"scanner", "-port", "/dev/null", "-evdev", "/dev/null", "--trustlist", "x"},
	} {
		if _, _, code := hctool(t, args...); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
	dir := operatorSetup(t)
	_, errs, code := hctool(t, "scanner", "-port", "/dev/ttyNOPE9", "--trustlist", filepath.Join(dir, "list.cose"), "--root-pub", filepath.Join(dir, "root.pub"))
	if code != 1 || !strings.Contains(errs, "/dev/ttyNOPE9") {
		t.Errorf("missing port: exit %d %q", code, errs)
	}
}

// hctool scanner gives a code the verdict hctool verify gives it, the
// terminal policy's rules included: a dynamic code living 30 minutes (a
// screenshot passed around) is refused by both, not VALID on the scanner.
func TestScannerAppliesVerifysPolicy(t *testing.T) {
	dir := operatorSetup(t)
	list, rootPub := filepath.Join(dir, "list.cose"), filepath.Join(dir, "root.pub")
	text := strings.TrimSpace(mustHctool(t, "issue", "--key", filepath.Join(dir, "issuer.key"), "--region", "110000", "--issuer", "BJHC",
		"--color", "green", "--valid", "30m"))
	out, _, code := hctool(t, "verify", "--trustlist", list, "--root-pub", rootPub, text)
	if code != 1 || !strings.Contains(out, "REFUSED") {
		t.Fatalf("hctool verify: exit %d\n%s", code, out)
	}
	p, err := sim.OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var sout, errb lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"scanner", "-port", p.SlaveName, "--trustlist", list, "--root-pub", rootPub, "-codes", "1"}, &sout, &errb)
	}()
	for !strings.Contains(sout.String(), "\n") {
		if ctx.Err() != nil {
			t.Fatalf("no output; stderr %s", errb.String())
		}
		fmt.Fprintf(p.Master, "%s\r", text)
		time.Sleep(150 * time.Millisecond)
	}
	if c := <-done; c != 0 {
		t.Fatalf("exit %d: %s", c, errb.String())
	}
	var got scannedCode
	if err := json.Unmarshal([]byte(strings.Split(sout.String(), "\n")[0]), &got); err != nil {
		t.Fatal(err)
	}
	if got.Verdict != "REFUSED" {
		t.Fatalf("hctool scanner: %+v, want REFUSED as hctool verify", got)
	}
}
