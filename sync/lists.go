package sync

import (
	"crypto"
	"errors"
	"fmt"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/sync/wire"
	bolt "go.etcd.io/bbolt"
)

// trustList is a verified trust list (healthcode's *TrustList).
type trustList interface {
	checkpoint.TrustStore
	Version() uint64
	IssuedAt() time.Time
	ExpiresAt() time.Time
}

type trustState struct {
	list trustList
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
	l, err := parseTrustList(signed, roots, now)
	if err != nil {
		return fmt.Errorf("installing trust list: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.trust != nil && l.Version() <= s.trust.list.Version() {
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
// roots and installs it when valid and newer. Any failure keeps the old.
func (s *Store) InstallPolicy(signed []byte, roots []crypto.PublicKey) error {
	if len(roots) == 0 {
		return fmt.Errorf("installing policy: %w", ErrNoRoots)
	}
	payload, err := openDocument(signed, roots)
	if err != nil {
		return fmt.Errorf("installing policy: %w", err)
	}
	d, err := wire.ParsePolicyDoc(payload)
	if err != nil {
		return fmt.Errorf("installing policy: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.policy != nil && d.Version <= s.policy.doc.Version {
		return fmt.Errorf("installing policy version %d over %d: %w", d.Version, s.policy.doc.Version, ErrStaleList)
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
		st.PolicyVersion, st.PolicyIssuedAt = d.Version, d.IssuedAt
		return writeState(tx, st)
	})
	if err != nil {
		return fmt.Errorf("storing policy version %d: %w", d.Version, err)
	}
	s.policy = &policyState{doc: d, raw: raw}
	return nil
}

// ApplyRevocationDelta verifies a signed revocation document
// (wire.RevocationDoc: a delta or a snapshot) against roots and applies it.
// A delta that does not follow the stored sequence is refused with
// ErrRevocationGap; an older snapshot or an already applied delta is a no-op.
func (s *Store) ApplyRevocationDelta(signed []byte, roots []crypto.PublicKey) error {
	if len(roots) == 0 {
		return fmt.Errorf("applying revocations: %w", ErrNoRoots)
	}
	payload, err := openDocument(signed, roots)
	if err != nil {
		return fmt.Errorf("applying revocations: %w", err)
	}
	d, err := wire.ParseRevocationDoc(payload)
	if err != nil {
		return fmt.Errorf("applying revocations: %w", err)
	}
	return s.applyRevocationDoc(d)
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
		l, err := parseTrustList(trustRaw, roots, st.TrustListInstalledAt)
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
	payload, err := openDocument(raw, roots)
	if err != nil {
		return wire.PolicyDoc{}, err
	}
	return wire.ParsePolicyDoc(payload)
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
