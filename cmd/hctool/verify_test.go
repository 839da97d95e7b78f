package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestVerifyTextImageAndRefusals(t *testing.T) {
	dir := operatorSetup(t)
	list, rootPub := filepath.Join(dir, "list.cose"), filepath.Join(dir, "root.pub")
	pngPath := filepath.Join(dir, "code.png")
	text := strings.TrimSpace(mustHctool(t, "issue", "--key", filepath.Join(dir, "issuer.key"), "--region", "110000", "--issuer", "BJHC",
		"--color", "green", "--holder", "王*", "--png", pngPath))

	out := mustHctool(t, "verify", "--trustlist", list, "--root-pub", rootPub, text)
	for _, want := range []string{"colour:      green", "holder:      王*", "SM2-SM3", "verdict:     VALID"} {
		if !strings.Contains(out, want) {
			t.Errorf("verify output lacks %q:\n%s", want, out)
		}
	}
	if out := mustHctool(t, "verify", "--trustlist", list, "--root-pub", rootPub, "--image", pngPath); !strings.Contains(out, "VALID") {
		t.Errorf("verify --image: %s", out)
	}

	// Ten minutes later the dynamic code has expired.
	later := time.Now().Add(10 * time.Minute).UTC().Format(time.RFC3339)
	out, errs, code := hctool(t, "verify", "--trustlist", list, "--root-pub", rootPub, "--now", later, text)
	if code != 1 || !strings.Contains(out, "REFUSED (expired)") || strings.Count(errs, "\n") != 1 {
		t.Errorf("expired: exit %d, out %q, err %q", code, out, errs)
	}
	// A list checked against the wrong root is refused before any code.
	if _, errs, code := hctool(t, "verify", "--trustlist", list, "--root-pub", filepath.Join(dir, "issuer.pub"), text); code != 1 || !strings.Contains(errs, "trust list") {
		t.Errorf("wrong root: exit %d %q", code, errs)
	}
	// A tampered text.
	bad := text[:len(text)-3] + "AAA"
	if text[len(text)-3:] == "AAA" {
		bad = text[:len(text)-3] + "BBB"
	}
	if _, _, code := hctool(t, "verify", "--trustlist", list, "--root-pub", rootPub, bad); code != 1 {
		t.Errorf("tampered text: exit %d", code)
	}
}

// TestVerifyAppliesTheTerminalPolicy: hctool verify --now gives the
// terminal's outcome for a dynamic code living longer than max_dynamic_age.
func TestVerifyAppliesTheTerminalPolicy(t *testing.T) {
	dir := operatorSetup(t)
	list, rootPub := filepath.Join(dir, "list.cose"), filepath.Join(dir, "root.pub")
	issued := time.Now().UTC().Truncate(time.Second)
	long := strings.TrimSpace(mustHctool(t, "issue", "--key", filepath.Join(dir, "issuer.key"), "--region", "110000", "--issuer", "BJHC",
		"--valid", "1h", "--issued-at", issued.Format(time.RFC3339)))
	at := func(d time.Duration) string { return issued.Add(d).Format(time.RFC3339) }
	if out, _, code := hctool(t, "verify", "--trustlist", list, "--root-pub", rootPub, "--now", at(time.Minute), long); code != 1 || !strings.Contains(out, "REFUSED (invalid_claims)") {
		t.Errorf("dynamic code living 1h: exit %d, %s", code, out)
	}
	if out := mustHctool(t, "verify", "--trustlist", list, "--root-pub", rootPub, "--now", at(time.Minute), "--max-dynamic-age", "1h", long); !strings.Contains(out, "VALID") {
		t.Errorf("site allowing 1h: %s", out)
	}
}
