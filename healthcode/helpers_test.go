package healthcode

import (
	"crypto"
	"crypto/rand"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/internal/testenv"
	"github.com/veraison/go-cose"
)

// t0 is the fixed "now" of the tests.
var t0 = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

// fixedClock is a settable clock.
type fixedClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fixedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fixedClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// issuerFixture is an issuer key, the root that signed its trust list, and
// the parsed list.
type issuerFixture struct {
	key   crypto.Signer
	root  crypto.Signer
	list  *TrustList
	entry TrustListEntry
}

var keyCache sync.Map // Algorithm+name -> crypto.Signer, to keep tests quick

func testKey(t testing.TB, alg Algorithm, name string) crypto.Signer {
	t.Helper()
	if k, ok := keyCache.Load(string(alg) + "/" + name); ok {
		return k.(crypto.Signer)
	}
	k, err := GenerateKey(alg)
	if err != nil {
		t.Fatal(err)
	}
	actual, _ := keyCache.LoadOrStore(string(alg)+"/"+name, k)
	return actual.(crypto.Signer)
}

func newIssuer(t testing.TB, alg Algorithm, kinds ...checkpoint.CodeKind) *issuerFixture {
	t.Helper()
	return newNamedIssuer(t, alg, "issuer", kinds...)
}

func newNamedIssuer(t testing.TB, alg Algorithm, name string, kinds ...checkpoint.CodeKind) *issuerFixture {
	t.Helper()
	f := &issuerFixture{key: testKey(t, alg, name), root: testKey(t, ES256, "root")}
	e, err := NewKeyEntry(f.key.Public(), "110000", "BJHC", kinds...)
	if err != nil {
		t.Fatal(err)
	}
	f.entry = e
	signed, err := SignTrustList(TrustListDoc{Version: 7, IssuedAt: t0.Add(-time.Hour), ExpiresAt: t0.Add(7 * 24 * time.Hour), Entries: []TrustListEntry{e}}, f.root)
	if err != nil {
		t.Fatal(err)
	}
	f.list, err = ParseTrustList(signed, []crypto.PublicKey{f.root.Public()}, t0)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func greenClaims() Claims {
	return Claims{
		Issuer: "BJHC", Region: "110000", ID: "00112233445566778899aabbccddeeff",
		Color: checkpoint.ColorGreen, ColorSince: t0.Add(-30 * 24 * time.Hour),
		IssuedAt: t0.Add(-time.Minute), ExpiresAt: t0.Add(4 * time.Minute),
		Kind: checkpoint.KindDynamic, HolderMasked: "张*", IDLast4: "123X", BirthYear: 1950,
	}
}

func mustIssue(t testing.TB, c Claims, key crypto.Signer) string {
	t.Helper()
	text, err := Issue(c, key)
	if err != nil {
		t.Fatal(err)
	}
	return text
}

// craft builds a text with arbitrary headers, signing the Sig_structure
// with sign (nil: a 64-byte zero signature).
func craft(t testing.TB, prefix string, protected, unprotected map[any]any, payload []byte, sign func(tbs []byte) []byte) string {
	t.Helper()
	msg := cose.Sign1Message{Headers: cose.Headers{Protected: protected, Unprotected: unprotected}, Payload: payload}
	prot, err := msg.Headers.MarshalProtected()
	if err != nil {
		t.Fatal(err)
	}
	env := &envelope{msg: msg}
	if err := cborDec.Unmarshal(prot, &env.protected); err != nil {
		t.Fatal(err)
	}
	if sign != nil {
		msg.Signature = sign(env.toBeSigned())
	} else {
		msg.Signature = make([]byte, 64)
	}
	raw, err := msg.MarshalCBOR()
	if err != nil {
		t.Fatal(err)
	}
	z, err := deflate(raw)
	if err != nil {
		t.Fatal(err)
	}
	return prefix + base45Encode(z)
}

// signerFor signs a Sig_structure the way alg does with key.
func signerFor(t testing.TB, key crypto.Signer) func([]byte) []byte {
	return func(tbs []byte) []byte {
		s, err := newCOSESigner(key)
		if err != nil {
			t.Fatal(err)
		}
		sig, err := s.Sign(rand.Reader, tbs)
		if err != nil {
			t.Fatal(err)
		}
		return sig
	}
}

func payloadOf(t testing.TB, c Claims) []byte {
	t.Helper()
	w, err := c.toCWT()
	if err != nil {
		t.Fatal(err)
	}
	b, err := cborEnc.Marshal(w)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustKid(t testing.TB, pub crypto.PublicKey) []byte {
	t.Helper()
	k, err := KeyID(pub)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// dccSeeds returns the QR texts of the shared DCC corpus, if present, to
// seed fuzz targets from real inputs (nothing when the corpus is absent).
func dccSeeds(tb testing.TB) []string {
	root := os.Getenv("CHECKPOINT_TESTDATA")
	if root == "" {
		root = filepath.Join(testenv.RepoRoot(tb), "..", "shared", "testdata")
	}
	files, _ := dccCaseFiles(filepath.Join(root, "dcc"))
	var out []string
	for _, f := range files {
		c, err := loadDCCCase(f)
		if err == nil && c.prefix != "" {
			out = append(out, c.prefix)
		}
	}
	return out
}
