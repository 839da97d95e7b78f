package main

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/checkpoint-terminal/checkpoint/healthcode"
	"github.com/checkpoint-terminal/checkpoint/sync/wire"
)

// openSigned verifies a file hctool signed against the operator's root.
func openSigned(t *testing.T, dir, file string) []byte {
	t.Helper()
	roots, err := healthcode.ReadPublicKeys(filepath.Join(dir, "root.pub"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	payload, err := healthcode.OpenDocument(b, roots)
	if err != nil {
		t.Fatal(err)
	}
	return payload
}

// TestSignRevocations: batches and withdrawals are signed with the hub's
// numbers, each hash is echoed with where it came from, and a hash file
// given as code ids is refused rather than hashed again.
func TestSignRevocations(t *testing.T) {
	dir := operatorSetup(t)
	key, ds := filepath.Join(dir, "root.key"), "00112233445566778899aabbccddeeff"
	revoked := filepath.Join(dir, "revoked.txt")
	mustHctool(t, "revoke", "--out", revoked, "--code-id", "0011223344556677")
	out := filepath.Join(dir, "batch.cose")
	base := []string{"sign-revocations", "--root", key, "--dataset", ds, "--seq", "7", "--out", out}

	// The reported fault: a hash file read as code ids revoked nothing.
	if _, errs, code := hctool(t, append(base, "--code-ids", revoked)...); code == 0 || !strings.Contains(errs, "revocation hash file") {
		t.Errorf("a hash file as --code-ids: exit %d %q, want a refusal naming the kind", code, errs)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a refused batch was written")
	}
	ids := filepath.Join(dir, "ids.txt")
	os.WriteFile(ids, []byte(healthcode.CodeIDHeader+"\nAABBCCDDEEFF00112233445566778899\n"), 0o600)
	if _, errs, code := hctool(t, append(base, "--hashes", ids)...); code == 0 || !strings.Contains(errs, "code ids") {
		t.Errorf("a code-id file as --hashes: exit %d %q", code, errs)
	}
	printed := mustHctool(t, append(base, "--code-ids", ids, "--hashes", revoked, "--code-id", "ffeeddccbbaa9988")...)
	hID, _ := healthcode.RevocationHashForCodeID("aabbccddeeff00112233445566778899")
	hFile, _ := healthcode.RevocationHashForCodeID("0011223344556677")
	for _, want := range []string{hex.EncodeToString(hID[:]) + "\trevokes\tcode aabbccddeeff00112233445566778899", hex.EncodeToString(hFile[:]) + "\trevokes\thash file", "code ffeeddccbbaa9988", "delta 7", "3 hash(es)"} {
		if !strings.Contains(printed, want) {
			t.Errorf("sign-revocations output lacks %q:\n%s", want, printed)
		}
	}
	d, err := wire.ParseRevocationDoc(openSigned(t, dir, out))
	if err != nil || d.Kind != wire.KindDelta || d.Seq != 7 || d.Prev != 6 || d.Dataset.String() != ds || len(d.Hashes) != 3 {
		t.Fatalf("signed batch: %+v %v", d, err)
	}
	printed = mustHctool(t, append(base, "--withdraw", "--code-id", "ffeeddccbbaa9988")...)
	if d, err := wire.ParseRevocationDoc(openSigned(t, dir, out)); err != nil || d.Kind != wire.KindWithdraw || !strings.Contains(printed, "withdraws") {
		t.Errorf("signed withdrawal: %+v %v\n%s", d, err, printed)
	}
	for name, args := range map[string][]string{
		"no dataset":  {"sign-revocations", "--root", key, "--seq", "7", "--out", out, "--code-id", "ffeeddccbbaa9988"},
		"bad dataset": {"sign-revocations", "--root", key, "--dataset", "xyz", "--seq", "7", "--out", out, "--code-id", "ffeeddccbbaa9988"},
		"no seq":      {"sign-revocations", "--root", key, "--dataset", ds, "--out", out, "--code-id", "ffeeddccbbaa9988"},
		"nothing":     base,
	} {
		if _, errs, code := hctool(t, args...); code == 0 || errs == "" {
			t.Errorf("%s: exit %d %q", name, code, errs)
		}
	}
}

// TestSignPolicy: a policy is signed with the hub's version and dataset;
// an unknown key in the JSON is refused and nothing is written.
func TestSignPolicy(t *testing.T) {
	dir := operatorSetup(t)
	key, ds := filepath.Join(dir, "root.key"), "00112233445566778899aabbccddeeff"
	out, pol := filepath.Join(dir, "policy.cose"), filepath.Join(dir, "policy.json")
	os.WriteFile(pol, []byte(`{"fever_threshold": 37.6, "fever_treshold": 30}`), 0o600)
	if _, errs, code := hctool(t, "sign-policy", "--root", key, "--dataset", ds, "--version", "4", "--policy", pol, "--out", out); code == 0 || !strings.Contains(errs, "fever_treshold") {
		t.Errorf("a misspelt key: exit %d %q", code, errs)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a refused policy was written")
	}
	os.WriteFile(pol, []byte(`{"fever_threshold": 37.6}`), 0o600)
	printed := mustHctool(t, "sign-policy", "--root", key, "--dataset", ds, "--version", "4", "--policy", pol, "--out", out)
	if !strings.Contains(printed, "policy version 4") {
		t.Errorf("sign-policy output: %q", printed)
	}
	d, err := wire.ParsePolicyDoc(openSigned(t, dir, out))
	if err != nil || d.Version != 4 || d.Dataset.String() != ds || d.Policy.FeverThreshold != 37.6 {
		b, _ := json.Marshal(d)
		t.Errorf("signed policy: %s %v", b, err)
	}
}
