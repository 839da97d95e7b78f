package healthcode

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/checkpoint-terminal/checkpoint"
)

func TestKeyAndHashFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var pubs []string
	for i, alg := range []Algorithm{ES256, SM2} {
		k, err := GenerateKey(alg)
		if err != nil {
			t.Fatal(err)
		}
		priv, err := MarshalPrivateKeyPEM(k)
		if err != nil {
			t.Fatal(err)
		}
		pub, err := MarshalPublicKeyPEM(k.Public())
		if err != nil {
			t.Fatal(err)
		}
		pubs = append(pubs, write(string(rune('a'+i))+".pub", pub))
		got, err := ReadPrivateKey(write(string(rune('a'+i))+".key", priv))
		if err != nil {
			t.Fatalf("%v private key: %v", alg, err)
		}
		a, _ := KeyID(got.Public())
		b, _ := KeyID(k.Public())
		if !bytes.Equal(a, b) {
			t.Errorf("%v private key read back as another key", alg)
		}
	}
	keys, err := ReadPublicKeys(pubs...)
	if err != nil || len(keys) != 2 {
		t.Fatalf("public keys: %d, %v", len(keys), err)
	}
	if keys, err := ReadPublicKeys(); err != nil || len(keys) != 0 {
		t.Errorf("no paths: %v, %v", keys, err)
	}
	garbage := write("garbage.pem", []byte("not a key"))
	missing := filepath.Join(dir, "missing.pem")
	for _, p := range []string{garbage, missing} {
		if _, err := ReadPublicKeys(pubs[0], p); err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("public key %s: %v, want an error naming the file", p, err)
		}
		if _, err := ReadPrivateKey(p); err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("private key %s: %v, want an error naming the file", p, err)
		}
		if _, err := ReadRevocationHashFile(p); err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("hash file %s: %v, want an error naming the file", p, err)
		}
	}
	if _, err := ReadPrivateKey(pubs[0]); err == nil {
		t.Error("a public key file was read as a private key")
	}
	h := checkpoint.HashForRevocation([]byte("card"))
	var buf bytes.Buffer
	if err := WriteRevocationHashes(&buf, []checkpoint.RevocationHash{h}); err != nil {
		t.Fatal(err)
	}
	hs, err := ReadRevocationHashFile(write("revoked.txt", append([]byte("# revoked\n\n"), buf.Bytes()...)))
	if err != nil || len(hs) != 1 || hs[0] != h {
		t.Errorf("hash file read back: %v, %v", hs, err)
	}
}
