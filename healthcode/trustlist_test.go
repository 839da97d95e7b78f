package healthcode

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"strings"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
)

func TestTrustListRoundTrip(t *testing.T) {
	root := testKey(t, SM2, "root")
	es := testKey(t, ES256, "issuer")
	sm := testKey(t, SM2, "issuer")
	e1, err := NewKeyEntry(es.Public(), "110000", "BJHC", checkpoint.KindDynamic)
	if err != nil {
		t.Fatal(err)
	}
	e2, err := NewKeyEntry(sm.Public(), "440300", "SZHC")
	if err != nil {
		t.Fatal(err)
	}
	e2.ValidFrom, e2.ValidTo = t0.Add(-time.Hour), t0.Add(time.Hour)
	doc := TrustListDoc{Version: 42, IssuedAt: t0, ExpiresAt: t0.Add(24 * time.Hour), Entries: []TrustListEntry{e1, e2}}
	signed, err := SignTrustList(doc, root)
	if err != nil {
		t.Fatal(err)
	}
	tl, err := ParseTrustList(signed, []crypto.PublicKey{testKey(t, ES256, "root").Public(), root.Public()}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if tl.Version() != 42 || !tl.IssuedAt().Equal(t0) || !tl.ExpiresAt().Equal(doc.ExpiresAt) || tl.Len() != 2 {
		t.Fatalf("list metadata: v%d %s %s n=%d", tl.Version(), tl.IssuedAt(), tl.ExpiresAt(), tl.Len())
	}
	keys, err := tl.KeysFor(checkpoint.FormatHealthCode, mustKid(t, sm.Public()))
	if err != nil || len(keys) != 1 {
		t.Fatalf("KeysFor: %v %v", keys, err)
	}
	k := keys[0]
	if k.Issuer != "440300:SZHC" || k.Region != "440300" || k.Algorithm != AlgSM2SM3 || !k.ValidTo.Equal(e2.ValidTo) ||
		!k.PublicKey.(*ecdsa.PublicKey).Equal(sm.Public()) {
		t.Fatalf("entry came back as %+v", k)
	}
	if keys, _ := tl.KeysFor(checkpoint.FormatDCC, mustKid(t, sm.Public())); len(keys) != 0 {
		t.Fatal("a health-code key answered for DCCs")
	}
	if keys, _ := tl.KeysFor(checkpoint.FormatHealthCode, mustKid(t, es.Public())); len(keys) != 1 || len(keys[0].Kinds) != 1 || keys[0].Kinds[0] != checkpoint.KindDynamic {
		t.Fatalf("kinds lost: %+v", keys)
	}
	if len(tl.Entries()) != 2 {
		t.Fatal("Entries")
	}
}

func TestTrustListRefused(t *testing.T) {
	root := testKey(t, ES256, "root")
	rogue := testKey(t, ES256, "rogue")
	e, _ := NewKeyEntry(testKey(t, ES256, "issuer").Public(), "110000", "BJHC")
	doc := TrustListDoc{Version: 1, IssuedAt: t0, ExpiresAt: t0.Add(time.Hour), Entries: []TrustListEntry{e}}
	good, err := SignTrustList(doc, root)
	if err != nil {
		t.Fatal(err)
	}
	byRogue, _ := SignTrustList(doc, rogue)
	flipped := bytes.Clone(good)
	flipped[len(flipped)/2] ^= 1
	notAList, _ := SignDocument([]byte{0xa1, 0x00, 0x63, 'r', 'e', 'v'}, root)
	roots := []crypto.PublicKey{root.Public()}
	for _, tc := range []struct {
		name   string
		signed []byte
		roots  []crypto.PublicKey
		now    time.Time
	}{
		{"signed by a key that is not a pinned root", byRogue, roots, t0},
		{"one flipped byte", flipped, roots, t0},
		{"expired list", good, roots, t0.Add(time.Hour)},
		{"no pinned roots", good, nil, t0},
		{"another root-signed document", notAList, roots, t0},
		{"empty", nil, roots, t0},
		{"garbage", []byte("HCN1:not a list"), roots, t0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tl, err := ParseTrustList(tc.signed, tc.roots, tc.now); err == nil {
				t.Fatalf("accepted list with %d keys", tl.Len())
			}
		})
	}
	if _, err := SignTrustList(TrustListDoc{IssuedAt: t0}, root); err == nil {
		t.Error("signed a list without expiry")
	}
	bad := e
	bad.PublicKeyDER = []byte("junk")
	if _, err := SignTrustList(TrustListDoc{IssuedAt: t0, ExpiresAt: t0.Add(time.Hour), Entries: []TrustListEntry{bad}}, root); err == nil {
		t.Error("signed a list with a junk key")
	}
	var nilList *TrustList
	if _, err := nilList.KeysFor(checkpoint.FormatHealthCode, nil); failureOf(err) != checkpoint.FailTrustListUnavailable {
		t.Errorf("nil list: %v", err)
	}
}

func TestDocuments(t *testing.T) {
	for _, alg := range []Algorithm{ES256, SM2} {
		root := testKey(t, alg, "root")
		other := testKey(t, alg, "rogue")
		signed, err := SignDocument([]byte("revocation delta 17"), root)
		if err != nil {
			t.Fatal(err)
		}
		got, err := OpenDocument(signed, []crypto.PublicKey{other.Public(), root.Public()})
		if err != nil || string(got) != "revocation delta 17" {
			t.Fatalf("%s: %q %v", alg, got, err)
		}
		if _, err := OpenDocument(signed, []crypto.PublicKey{other.Public()}); failureOf(err) != checkpoint.FailBadSignature {
			t.Fatalf("%s: opened with the wrong root: %v", alg, err)
		}
	}
	// A document signed with SM2 is not opened by an ES256-only root set.
	signed, _ := SignDocument([]byte("x"), testKey(t, SM2, "root"))
	if _, err := OpenDocument(signed, []crypto.PublicKey{testKey(t, ES256, "root").Public()}); failureOf(err) != checkpoint.FailUnknownIssuer {
		t.Fatalf("cross-algorithm: %v", err)
	}
}

func TestKeysPEMRoundTrip(t *testing.T) {
	for _, alg := range []Algorithm{ES256, SM2} {
		k := testKey(t, alg, "issuer")
		pemPriv, err := MarshalPrivateKeyPEM(k)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(pemPriv), "BEGIN PRIVATE KEY") {
			t.Fatalf("%s: not PKCS#8 PEM", alg)
		}
		k2, err := ParsePrivateKeyPEM(pemPriv)
		if err != nil {
			t.Fatal(err)
		}
		pemPub, err := MarshalPublicKeyPEM(k2.Public())
		if err != nil {
			t.Fatal(err)
		}
		pub, err := ParsePublicKeyPEM(pemPub)
		if err != nil {
			t.Fatal(err)
		}
		if !pub.(*ecdsa.PublicKey).Equal(k.Public()) {
			t.Fatalf("%s: public key changed in the round trip", alg)
		}
		id1, _ := KeyID(k.Public())
		id2, _ := KeyID(pub)
		if len(id1) != 8 || !bytes.Equal(id1, id2) {
			t.Fatalf("%s: kid %x vs %x", alg, id1, id2)
		}
		// A code signed by the reloaded key verifies with the original.
		f := newIssuer(t, alg)
		if _, err := NewVerifier(f.list, nil, &fixedClock{t: t0}, Options{}).Verify(mustIssue(t, greenClaims(), k2)); err != nil {
			t.Fatalf("%s: reloaded key: %v", alg, err)
		}
	}
	if _, err := GenerateKey("HS256"); err == nil {
		t.Error("generated an HS256 key")
	}
	if _, err := ParsePrivateKeyPEM([]byte("-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n")); err == nil {
		t.Error("parsed a public key as private")
	}
}
