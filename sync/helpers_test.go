package sync_test

import (
	"crypto"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/healthcode"
	cpsync "github.com/checkpoint-terminal/checkpoint/sync"
	"github.com/checkpoint-terminal/checkpoint/sync/wire"
	"github.com/google/uuid"
)

// authority plays the health authority: a root key that signs lists and
// an issuer key that signs codes.
type authority struct {
	root   crypto.Signer
	issuer crypto.Signer
}

func newAuthority(t testing.TB) *authority {
	t.Helper()
	root, err := healthcode.GenerateKey(healthcode.ES256)
	if err != nil {
		t.Fatal(err)
	}
	issuer, err := healthcode.GenerateKey(healthcode.ES256)
	if err != nil {
		t.Fatal(err)
	}
	return &authority{root: root, issuer: issuer}
}

func (a *authority) roots() []crypto.PublicKey { return []crypto.PublicKey{a.root.Public()} }

func (a *authority) sign(t testing.TB, payload []byte) []byte {
	t.Helper()
	b, err := healthcode.SignDocument(payload, a.root)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (a *authority) trustList(t testing.TB, version uint64, issued, expires time.Time) []byte {
	t.Helper()
	e, err := healthcode.NewKeyEntry(a.issuer.Public(), "110000", "BJHC")
	if err != nil {
		t.Fatal(err)
	}
	b, err := healthcode.SignTrustList(healthcode.TrustListDoc{Version: version, IssuedAt: issued, ExpiresAt: expires, Entries: []healthcode.TrustListEntry{e}}, a.root)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (a *authority) policy(t testing.TB, version uint64, p checkpoint.Policy) []byte {
	t.Helper()
	b, err := json.Marshal(wire.PolicyDoc{Version: version, IssuedAt: time.Now().UTC(), ExpiresAt: time.Now().Add(24 * time.Hour).UTC(), Policy: p})
	if err != nil {
		t.Fatal(err)
	}
	return a.sign(t, b)
}

func (a *authority) delta(t testing.TB, seq, prev uint64, hs []checkpoint.RevocationHash) []byte {
	t.Helper()
	return a.sign(t, wire.RevocationDoc{Kind: wire.KindDelta, Seq: seq, Prev: prev, IssuedAt: time.Now(), ExpiresAt: time.Now().Add(24 * time.Hour), Hashes: hs}.Marshal())
}

func (a *authority) snapshot(t testing.TB, seq uint64, hs []checkpoint.RevocationHash) []byte {
	t.Helper()
	return a.sign(t, wire.RevocationDoc{Kind: wire.KindSnapshot, Seq: seq, IssuedAt: time.Now(), ExpiresAt: time.Now().Add(24 * time.Hour), Hashes: hs}.Marshal())
}

// code issues a dynamic green code with id at now.
func (a *authority) code(t testing.TB, id string, now time.Time) string {
	t.Helper()
	text, err := healthcode.Issue(healthcode.Claims{Issuer: "BJHC", Region: "110000", ID: id, Color: checkpoint.ColorGreen,
		IssuedAt: now, ExpiresAt: now.Add(5 * time.Minute), Kind: checkpoint.KindDynamic, HolderMasked: "张*"}, a.issuer)
	if err != nil {
		t.Fatal(err)
	}
	return text
}

func hashes(prefix string, n int) []checkpoint.RevocationHash {
	out := make([]checkpoint.RevocationHash, n)
	for i := range out {
		out[i] = checkpoint.HashForRevocation([]byte(fmt.Sprintf("%s-%d", prefix, i)))
	}
	return out
}

func openStore(t testing.TB, path string, roots []crypto.PublicKey) *cpsync.Store {
	t.Helper()
	if path == "" {
		path = filepath.Join(t.TempDir(), "store.db")
	}
	s, err := cpsync.Open(path, cpsync.Options{Roots: roots})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func newRecord(terminal, site, code string, at time.Time) checkpoint.Record {
	c := 36.6
	return checkpoint.Record{Time: at, TerminalID: terminal, SiteID: site, CodeID: code, Format: checkpoint.FormatHealthCode,
		Color: checkpoint.ColorGreen, Celsius: &c, Outcome: checkpoint.OutcomePass, Reason: checkpoint.ReasonGreen}
}

func isUUIDv7(id string) bool {
	u, err := uuid.Parse(id)
	return err == nil && u.Version() == 7
}

func mustKid(t testing.TB, a *authority) []byte {
	t.Helper()
	k, err := healthcode.KeyID(a.issuer.Public())
	if err != nil {
		t.Fatal(err)
	}
	return k
}
