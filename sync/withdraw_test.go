package sync_test

import (
	"errors"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	cpsync "github.com/checkpoint-terminal/checkpoint/sync"
	"github.com/checkpoint-terminal/checkpoint/sync/wire"
)

func (a *authority) withdrawal(t testing.TB, seq, prev uint64, hs []checkpoint.RevocationHash) []byte {
	t.Helper()
	return a.sign(t, wire.RevocationDoc{Kind: wire.KindWithdraw, Seq: seq, Prev: prev, IssuedAt: time.Now(), ExpiresAt: time.Now().Add(24 * time.Hour), Hashes: hs}.Marshal())
}

// TestWithdrawal: a signed withdrawal removes its hashes from the set (from
// every run holding them, merged or not), the rest stay revoked, it follows
// the sequence like a delta, and a later delta can revoke a hash again.
func TestWithdrawal(t *testing.T) {
	a := newAuthority(t)
	s := openStore(t, "", a.roots())
	base, more := hashes("base", 1000), hashes("more", 3)
	if err := s.ApplyRevocationDelta(a.snapshot(t, 1, base), a.roots()); err != nil {
		t.Fatal(err)
	}
	if err := s.ApplyRevocationDelta(a.delta(t, 2, 1, more), a.roots()); err != nil {
		t.Fatal(err)
	}
	gone := []checkpoint.RevocationHash{base[7], more[1], checkpoint.HashForRevocation([]byte("never revoked"))}
	if err := s.ApplyRevocationDelta(a.withdrawal(t, 4, 3, gone), a.roots()); !errors.Is(err, cpsync.ErrRevocationGap) {
		t.Errorf("a withdrawal past a gap: %v, want ErrRevocationGap", err)
	}
	if err := s.ApplyRevocationDelta(a.withdrawal(t, 3, 2, gone), a.roots()); err != nil {
		t.Fatal(err)
	}
	check := func(h checkpoint.RevocationHash, want bool, what string) {
		t.Helper()
		if got, err := s.IsRevoked(h); err != nil || got != want {
			t.Errorf("%s: revoked %v (%v), want %v", what, got, err, want)
		}
	}
	check(base[7], false, "withdrawn hash of the snapshot")
	check(more[1], false, "withdrawn hash of the delta")
	check(base[8], true, "a neighbour in the snapshot")
	check(more[0], true, "a neighbour in the delta")
	check(more[2], true, "another hash of the delta")
	if st, _ := s.RevocationStats(); st.Seq != 3 || st.Entries != 1001 {
		t.Errorf("after the withdrawal: %+v, want seq 3 and 1001 entries", st)
	}
	// Applying it again is a no-op; a later delta revokes the hash again.
	if err := s.ApplyRevocationDelta(a.withdrawal(t, 3, 2, gone), a.roots()); err != nil {
		t.Errorf("the same withdrawal again: %v", err)
	}
	if err := s.ApplyRevocationDelta(a.delta(t, 4, 3, []checkpoint.RevocationHash{base[7]}), a.roots()); err != nil {
		t.Fatal(err)
	}
	check(base[7], true, "revoked again after its withdrawal")
	if err := s.CompactRevocations(); err != nil {
		t.Fatal(err)
	}
	check(more[1], false, "withdrawn hash after compaction")
	check(base[7], true, "re-revoked hash after compaction")
}
