package sync

import (
	"crypto"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/healthcode"
	"github.com/checkpoint-terminal/checkpoint/sync/wire"
	bolt "go.etcd.io/bbolt"
)

type trustState struct {
	list *healthcode.TrustList // verified against the pinned roots
	raw  []byte
}

type policyState struct {
	doc wire.PolicyDoc
	raw []byte
}

var _ checkpoint.TrustStore = (*Store)(nil)

// Errors of installing a list; each keeps the list already held.
var (
	ErrStaleList  = errors.New("list is not newer than the one installed")
	ErrNoRoots    = errors.New("no pinned roots to verify against")
	ErrNotAllowed = errors.New("document refused")
	// ErrHubBehind means the hub served an older version, in the same
	// series, than the terminal holds: the hub was restored from a backup
	// or its numbering went back. The installed document stays; the error
	// also matches ErrStaleList.
	ErrHubBehind = errors.New("the hub is behind this terminal (restored from a backup?)")
	// ErrDatasetChanged means a revocation delta belongs to another hub
	// series than the one the terminal follows; only a snapshot of the new
	// series can replace the set.
	ErrDatasetChanged = errors.New("revocation delta from another hub series")
)

// KeysFor looks kid up in the installed trust list; with none installed
// nothing is trusted.
func (s *Store) KeysFor(format checkpoint.Format, kid []byte) ([]checkpoint.TrustedKey, error) {
	s.mu.RLock()
	t := s.trust
	s.mu.RUnlock()
	if t == nil {
		return nil, nil
	}
	return t.list.KeysFor(format, kid)
}

// TrustListInfo describes the installed trust list; ok is false without one.
func (s *Store) TrustListInfo() (version uint64, issued, expires time.Time, ok bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.trust == nil {
		return 0, time.Time{}, time.Time{}, false
	}
	return s.trust.list.Version(), s.trust.list.IssuedAt(), s.trust.list.ExpiresAt(), true
}

// InstallTrustList verifies signed against roots at now and, when it is
// valid and newer than the installed list, stores it raw and makes it the
// list KeysFor answers from. Any failure keeps the installed list.
func (s *Store) InstallTrustList(signed []byte, roots []crypto.PublicKey, now time.Time) error {
	if len(roots) == 0 {
		return fmt.Errorf("installing trust list: %w", ErrNoRoots)
	}
	l, err := healthcode.ParseTrustList(signed, roots, now)
	if err != nil {
		return fmt.Errorf("installing trust list: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.trust != nil && l.Version() < s.trust.list.Version() {
		return fmt.Errorf("installing trust list version %d over %d: %w: %w", l.Version(), s.trust.list.Version(), ErrStaleList, ErrHubBehind)
	}
	if s.trust != nil && l.Version() == s.trust.list.Version() {
		return fmt.Errorf("installing trust list version %d over %d: %w", l.Version(), s.trust.list.Version(), ErrStaleList)
	}
	raw := clone(signed)
	err = s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketMeta).Put(keyTrustList, raw); err != nil {
			return err
		}
		st, err := readState(tx)
		if err != nil {
			return err
		}
		st.TrustListVersion, st.TrustListIssuedAt, st.TrustListExpiresAt, st.TrustListInstalledAt = l.Version(), l.IssuedAt(), l.ExpiresAt(), now
		return writeState(tx, st)
	})
	if err != nil {
		return fmt.Errorf("storing trust list version %d: %w", l.Version(), err)
	}
	s.trust = &trustState{list: l, raw: raw}
	return nil
}

// Policy returns the installed policy and its version, or the default
// policy and version 0 when none was installed.
func (s *Store) Policy() (checkpoint.Policy, uint64) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.policy == nil {
		return checkpoint.DefaultPolicy(), 0
	}
	return s.policy.doc.Policy, s.policy.doc.Version
}

// InstallPolicy verifies a signed policy document (wire.PolicyDoc) against
// roots and installs it when valid, not expired (by the store's clock) and
// newer. Newer means a higher version in the installed document's series
// (wire.DatasetID), or, from another series, an issue time no earlier than the installed one. A lower
// version in the same series is ErrHubBehind; an expired document
// wire.ErrExpiredDocument. Any failure keeps the old.
func (s *Store) InstallPolicy(signed []byte, roots []crypto.PublicKey) error {
	if len(roots) == 0 {
		return fmt.Errorf("installing policy: %w", ErrNoRoots)
	}
	payload, err := healthcode.OpenDocument(signed, roots)
	if err != nil {
		return fmt.Errorf("installing policy: %w", err)
	}
	d, err := wire.ParsePolicyDoc(payload)
	if err != nil {
		return fmt.Errorf("installing policy: %w", err)
	}
	if now := s.clock.Now(); now.After(d.ExpiresAt) {
		return fmt.Errorf("installing policy version %d: %w at %s", d.Version, wire.ErrExpiredDocument, d.ExpiresAt.Format(time.RFC3339))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if cur := s.policy; cur != nil {
		switch {
		case cur.doc.Dataset != d.Dataset:
			if d.IssuedAt.Before(cur.doc.IssuedAt) {
				return fmt.Errorf("installing policy version %d of series %s, issued before the installed one: %w", d.Version, d.Dataset, ErrStaleList)
			}
		case d.Version < cur.doc.Version:
			return fmt.Errorf("installing policy version %d over %d: %w: %w", d.Version, cur.doc.Version, ErrStaleList, ErrHubBehind)
		case d.Version == cur.doc.Version:
			return fmt.Errorf("installing policy version %d over %d: %w", d.Version, cur.doc.Version, ErrStaleList)
		}
	}
	raw := clone(signed)
	err = s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketMeta).Put(keyPolicy, raw); err != nil {
			return err
		}
		st, err := readState(tx)
		if err != nil {
			return err
		}
		st.PolicyVersion, st.PolicyIssuedAt, st.PolicyDataset = d.Version, d.IssuedAt, d.Dataset
		return writeState(tx, st)
	})
	if err != nil {
		return fmt.Errorf("storing policy version %d: %w", d.Version, err)
	}
	s.policy = &policyState{doc: d, raw: raw}
	return nil
}

// ApplyRevocationDelta verifies a signed revocation document
// (wire.RevocationDoc: a delta, a withdrawal or a snapshot) against roots
// and applies it. A delta or withdrawal that does not follow the stored sequence is refused with
// ErrRevocationGap; an older snapshot or an already applied delta is a no-op.
func (s *Store) ApplyRevocationDelta(signed []byte, roots []crypto.PublicKey) error {
	if len(roots) == 0 {
		return fmt.Errorf("applying revocations: %w", ErrNoRoots)
	}
	payload, err := healthcode.OpenDocument(signed, roots)
	if err != nil {
		return fmt.Errorf("applying revocations: %w", err)
	}
	d, err := wire.ParseRevocationDoc(payload)
	if err != nil {
		return fmt.Errorf("applying revocations: %w", err)
	}
	sum := sha256.Sum256(signed)
	return s.applyRevocation(d, sum[:])
}

// loadLists restores the lists stored raw at Open, verifying them again
// against the roots in Options. A trust list is re-read as of the moment it
// was installed, so one that expired while the terminal was offline still
// loads (the UI warns about its age) instead of leaving nothing trusted.
// A stored list that no longer verifies (its root is no longer pinned, or
// it is damaged) is set aside, not a reason to refuse to open the store
// with its unsent records: it moves to a "set-aside" key, SetAside says
// why, and the terminal runs without it until the hub sends a new one.
func (s *Store) loadLists(roots []crypto.PublicKey, trustRaw, policyRaw []byte, st SyncState) error {
	if len(roots) == 0 {
		return nil
	}
	if trustRaw != nil {
		l, err := healthcode.ParseTrustList(trustRaw, roots, st.TrustListInstalledAt)
		if err != nil {
			if serr := s.setAside(keyTrustList, "trust list", trustRaw, err); serr != nil {
				return serr
			}
		} else {
			s.trust = &trustState{list: l, raw: trustRaw}
		}
	}
	if policyRaw != nil {
		d, err := parseStoredPolicy(policyRaw, roots)
		if err != nil {
			if serr := s.setAside(keyPolicy, "policy", policyRaw, err); serr != nil {
				return serr
			}
		} else {
			s.policy = &policyState{doc: d, raw: policyRaw}
		}
	}
	return nil
}

func parseStoredPolicy(raw []byte, roots []crypto.PublicKey) (wire.PolicyDoc, error) {
	payload, err := healthcode.OpenDocument(raw, roots)
	if err != nil {
		return wire.PolicyDoc{}, err
	}
	return wire.ReparsePolicyDoc(payload)
}

// setAside moves a stored document that no longer verifies to
// "set-aside-<key>" and notes why.
func (s *Store) setAside(key []byte, what string, raw []byte, why error) error {
	aside := append([]byte("set-aside-"), key...)
	err := s.db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if err := meta.Put(aside, raw); err != nil {
			return err
		}
		return meta.Delete(key)
	})
	if err != nil {
		return fmt.Errorf("setting aside the stored %s: %w", what, err)
	}
	s.asideMsgs = append(s.asideMsgs, fmt.Sprintf(
		"the stored %s no longer verifies against the pinned roots (%v): set aside as %q in the store; "+
			"running without it until the hub sends one signed by a pinned root (records are kept)", what, why, aside))
	return nil
}

// SetAside says, one message each, which stored lists Open set aside
// because they no longer verified; empty when none.
func (s *Store) SetAside() []string { return append([]string(nil), s.asideMsgs...) }
