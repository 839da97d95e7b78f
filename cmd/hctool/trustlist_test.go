package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// operatorSetup makes a root key, an SM2 issuer key and a signed list
// trusting the issuer for 110000:BJHC, the way an operator would.
func operatorSetup(t *testing.T) (dir string) {
	t.Helper()
	dir = t.TempDir()
	mustHctool(t, "keygen", "--out", filepath.Join(dir, "root.key"))
	mustHctool(t, "keygen", "--alg", "SM2", "--out", filepath.Join(dir, "issuer.key"))
	mustHctool(t, "trustlist", "--root", filepath.Join(dir, "root.key"), "--out", filepath.Join(dir, "list.cose"),
		"--key", filepath.Join(dir, "issuer.pub")+":110000:BJHC")
	return dir
}

func TestTrustlistBuildAndShow(t *testing.T) {
	dir := operatorSetup(t)
	// A DCC document signer certificate, as PEM.
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{Country: []string{"AT"}, CommonName: "DSC"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	certPath := filepath.Join(dir, "dsc.pem")
	os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	list2 := filepath.Join(dir, "list2.cose")
	out := mustHctool(t, "trustlist", "--root", filepath.Join(dir, "root.key"), "--out", list2, "--version", "9",
		"--key", filepath.Join(dir, "issuer.pub")+":110000:BJHC:card", "--dsc", certPath)
	if !strings.Contains(out, "version 9") || !strings.Contains(out, "2 key(s)") || !strings.Contains(out, "DCC") || !strings.Contains(out, "card") {
		t.Fatalf("build output: %s", out)
	}
	show := mustHctool(t, "trustlist", "--show", list2, "--root-pub", filepath.Join(dir, "root.pub"))
	if !strings.Contains(show, "110000:BJHC") || !strings.Contains(show, "AT") {
		t.Fatalf("show output: %s", show)
	}
	// Against another root, the list is refused.
	if _, errs, code := hctool(t, "trustlist", "--show", list2, "--root-pub", filepath.Join(dir, "issuer.pub")); code == 0 || strings.Count(errs, "\n") != 1 {
		t.Fatalf("list shown against the wrong root: exit %d %q", code, errs)
	}
	if _, _, code := hctool(t, "trustlist", "--root", filepath.Join(dir, "root.key"), "--out", list2, "--key", "nofile.pub:110000:BJHC"); code == 0 {
		t.Fatal("built a list from a missing key file")
	}
}
