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

	cpsync "github.com/checkpoint-terminal/checkpoint/sync"
)

func TestPlainHTTPOnlyOnLoopbackUnlessTold(t *testing.T) {
	for _, r := range []struct {
		listen      string
		tls, allow  bool
		wantRefusal bool
	}{
		{":8080", false, false, true},
		{"0.0.0.0:8080", false, false, true},
		{"192.0.2.7:8080", false, false, true},
		{"127.0.0.1:8080", false, false, false},
		{"[::1]:8080", false, false, false},
		{"localhost:8080", false, false, false},
		{":8443", true, false, false},
		{":8080", false, true, false},
	} {
		err := checkPlainHTTP(r.listen, r.tls, r.allow)
		if (err != nil) != r.wantRefusal {
			t.Errorf("listen %s tls %v insecure %v: %v, want refusal %v", r.listen, r.tls, r.allow, err, r.wantRefusal)
		}
	}
	_, errs, code := hubCmd(t, "serve", "--db", "postgres://nowhere.invalid/x", "--listen", "0.0.0.0:0")
	if code == 0 || !strings.Contains(errs, "refusing plain HTTP") {
		t.Errorf("hub serve on 0.0.0.0 without TLS: exit %d, %s", code, errs)
	}
}

func TestHubLogsItsPublicKeyPin(t *testing.T) {
	dir := t.TempDir()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "hub.example"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), DNSNames: []string{"hub.example"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalPKCS8PrivateKey(key)
	certFile, keyFile := filepath.Join(dir, "hub.crt"), filepath.Join(dir, "hub.key")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600)
	colon, hpkp, err := certificatePin(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	if want := cpsync.FormatPin(cpsync.SPKIPin(cert)); colon != want {
		t.Errorf("pin %s, want %s", colon, want)
	}
	for _, s := range []string{colon, hpkp} {
		if p, err := cpsync.ParsePin(s); err != nil || cpsync.FormatPin(p) != colon {
			t.Errorf("logged pin %q does not parse back as the same pin: %v", s, err)
		}
	}
}
