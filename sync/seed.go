package sync

import (
	"crypto"
	"errors"
	"fmt"
	"time"

	"github.com/checkpoint-terminal/checkpoint/healthcode"
	"github.com/checkpoint-terminal/checkpoint/sync/wire"
)

// Seeding installs lists shipped with the terminal (config [trust]
// trust_list and revocations): how an offline install, e.g. a rural site
// without a network, gets its lists. A seed the store already holds, or
// holds something newer than, is "already current", not an error.

// ErrNotSnapshot refuses a revocation seed that is a delta: a seed must
// stand on its own.
var ErrNotSnapshot = errors.New("a revocation seed must be a snapshot")

// SeedTrustList installs signed (verified against roots at now) when it is
// newer than the stored trust list, and reports whether it did. An older
// or equal version is not an error; a list that fails verification or has
// expired is (ErrNoRoots, or the parse error), and keeps the stored one.
func (s *Store) SeedTrustList(signed []byte, roots []crypto.PublicKey, now time.Time) (installed bool, err error) {
	err = s.InstallTrustList(signed, roots, now)
	if errors.Is(err, ErrStaleList) {
		return false, nil
	}
	return err == nil, err
}

// SeedRevocations installs a signed revocation snapshot (wire.RevocationDoc
// of kind snapshot, verified against roots) when its sequence is newer than
// the stored set's, replacing the set, and reports whether it did. An older
// or equal snapshot is not an error; a delta is ErrNotSnapshot.
func (s *Store) SeedRevocations(signed []byte, roots []crypto.PublicKey) (installed bool, err error) {
	if len(roots) == 0 {
		return false, fmt.Errorf("seeding revocations: %w", ErrNoRoots)
	}
	payload, err := healthcode.OpenDocument(signed, roots)
	if err != nil {
		return false, fmt.Errorf("seeding revocations: %w", err)
	}
	d, err := wire.ParseRevocationDoc(payload)
	if err != nil {
		return false, fmt.Errorf("seeding revocations: %w", err)
	}
	if d.Kind != wire.KindSnapshot {
		return false, fmt.Errorf("seeding revocations (%s %d): %w", d.Kind, d.Seq, ErrNotSnapshot)
	}
	st, err := s.SyncState()
	if err != nil {
		return false, fmt.Errorf("seeding revocations: %w", err)
	}
	if d.Seq <= st.RevocationSeq {
		return false, nil
	}
	// No digest: a seed may be signed offline and never published on the
	// hub, so the hub could not recognise it (the next batch from the hub
	// sets one).
	return true, s.applyRevocation(d, nil)
}
