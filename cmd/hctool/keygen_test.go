package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/checkpoint-terminal/checkpoint/healthcode"
)

// hctool runs one command line and returns stdout, stderr and the exit code.
func hctool(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), code
}

// mustHctool runs a command line that must succeed.
func mustHctool(t *testing.T, args ...string) string {
	t.Helper()
	out, errs, code := hctool(t, args...)
	if code != 0 {
		t.Fatalf("hctool %s: exit %d: %s", strings.Join(args, " "), code, errs)
	}
	return out
}

func TestKeygen(t *testing.T) {
	dir := t.TempDir()
	for _, alg := range []string{"ES256", "SM2"} {
		priv := filepath.Join(dir, alg+".key")
		out := mustHctool(t, "keygen", "--alg", alg, "--out", priv)
		if !strings.Contains(out, "kid:") {
			t.Errorf("%s: output %q has no kid", alg, out)
		}
		st, err := os.Stat(priv)
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("%s: private key file %v mode %v", alg, err, st.Mode())
		}
		b, _ := os.ReadFile(priv)
		k, err := healthcode.ParsePrivateKeyPEM(b)
		if err != nil {
			t.Fatal(err)
		}
		pb, _ := os.ReadFile(filepath.Join(dir, alg+".pub"))
		pub, err := healthcode.ParsePublicKeyPEM(pb)
		if err != nil {
			t.Fatal(err)
		}
		kid1, _ := healthcode.KeyID(k.Public())
		kid2, _ := healthcode.KeyID(pub)
		if !bytes.Equal(kid1, kid2) {
			t.Fatalf("%s: the .pub file is not the public half of the .key file", alg)
		}
		// A second run must not overwrite the key silently.
		if _, errs, code := hctool(t, "keygen", "--alg", alg, "--out", priv); code == 0 || strings.Count(errs, "\n") != 1 {
			t.Fatalf("%s: overwrote an existing key (exit %d, %q)", alg, code, errs)
		}
	}
	if _, errs, code := hctool(t, "keygen", "--alg", "HS256", "--out", filepath.Join(dir, "x.key")); code == 0 || strings.Count(errs, "\n") != 1 {
		t.Fatalf("HS256: exit %d, stderr %q", code, errs)
	}
}

func TestHelpOfEveryHealthCodeCommand(t *testing.T) {
	for _, c := range []string{"keygen", "trustlist", "issue", "verify", "revoke"} {
		_, errs, code := hctool(t, c, "--help")
		if code != 0 || !strings.Contains(errs, "usage: hctool "+c) || !strings.Contains(errs, "flags:") {
			t.Errorf("%s --help: exit %d, %q", c, code, errs)
		}
		if _, _, code := hctool(t, c); code != 2 {
			t.Errorf("%s without arguments exited %d, want 2 (usage)", c, code)
		}
	}
}

func TestKeygenForceMakesAnOldReadableFile0600(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "issuer.key")
	if err := os.WriteFile(key, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(key, 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb strings.Builder
	if err := runKeygen(context.Background(), []string{"--out", key, "--force"}, &out, &errb); err != nil {
		t.Fatalf("%v %s", err, errb.String())
	}
	st, _ := os.Stat(key)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("private key overwritten with --force has mode %v, want 0600", st.Mode().Perm())
	}
}
