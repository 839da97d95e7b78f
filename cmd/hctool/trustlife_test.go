package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestVerifyAppliesTheTerminalsTrustListLifetime: past the list's expiry
// hctool verify still verifies within the grace (saying EXPIRED) and
// refuses after it, as the terminal does.
func TestVerifyAppliesTheTerminalsTrustListLifetime(t *testing.T) {
	dir := operatorSetup(t) // list valid 720 h from now
	list, rootPub := filepath.Join(dir, "list.cose"), filepath.Join(dir, "root.pub")
	text := strings.TrimSpace(mustHctool(t, "issue", "--key", filepath.Join(dir, "issuer.key"), "--region", "110000", "--issuer", "BJHC",
		"--kind", "card", "--valid", "8760h"))
	at := func(d time.Duration) string { return time.Now().Add(d).UTC().Format(time.RFC3339) }

	out := mustHctool(t, "verify", "--trustlist", list, "--root-pub", rootPub, "--now", at(722*time.Hour), text)
	if !strings.Contains(out, "trust list:  EXPIRED") || !strings.Contains(out, "verdict:     VALID") {
		t.Errorf("2 h past the list's expiry (24 h grace):\n%s", out)
	}
	out, errs, code := hctool(t, "verify", "--trustlist", list, "--root-pub", rootPub, "--now", at(745*time.Hour), text)
	if code != 1 || !strings.Contains(out, "REFUSED (trust_list_unavailable)") || !strings.Contains(errs, "grace is over") {
		t.Errorf("25 h past the list's expiry: exit %d\n%s%s", code, out, errs)
	}
	out, _, code = hctool(t, "verify", "--trustlist", list, "--root-pub", rootPub, "--now", at(722*time.Hour), "--trust-grace", "0s", text)
	if code != 1 || !strings.Contains(out, "REFUSED") {
		t.Errorf("no grace: exit %d\n%s", code, out)
	}
}
