package sync

import (
	"context"
	"crypto"
	"encoding/binary"
	"fmt"

	"github.com/checkpoint-terminal/checkpoint/rules"
	"github.com/checkpoint-terminal/checkpoint/sync/wire"
	bolt "go.etcd.io/bbolt"
)

// bucketRuleSets holds signed rule sets, keyed by version (8 bytes,
// big-endian), as received; they are verified again when read.
var bucketRuleSets = []byte("rule-sets")

// keepRuleSets is how many versions the store keeps: the newest may not be
// active yet (its activation time lies ahead), so the one it replaces stays.
const keepRuleSets = 3

// InstallRuleSet verifies a signed rule set against roots, runs its own
// tests (rules.Open), and stores it when its version is above every stored
// one: versions are monotonic (ErrStaleList otherwise). A set that fails
// its signature or its tests is refused and nothing changes. It returns the
// installed set.
func (s *Store) InstallRuleSet(signed []byte, roots []crypto.PublicKey) (*rules.Set, error) {
	if len(roots) == 0 {
		return nil, fmt.Errorf("installing rule set: %w", ErrNoRoots)
	}
	set, err := rules.Open(signed, roots)
	if err != nil {
		return nil, fmt.Errorf("installing rule set: %w", err)
	}
	raw := clone(signed)
	err = s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketRuleSets)
		if err != nil {
			return err
		}
		if k, _ := b.Cursor().Last(); k != nil && binary.BigEndian.Uint64(k) >= set.Version {
			return fmt.Errorf("rule set version %d over %d: %w", set.Version, binary.BigEndian.Uint64(k), ErrStaleList)
		}
		var key [8]byte
		binary.BigEndian.PutUint64(key[:], set.Version)
		if err := b.Put(key[:], raw); err != nil {
			return err
		}
		var keys [][]byte
		c := b.Cursor()
		for k, _ := c.Last(); k != nil; k, _ = c.Prev() {
			keys = append(keys, clone(k))
		}
		for _, k := range keys[min(len(keys), keepRuleSets):] {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("installing rule set %s: %w", set.Name(), err)
	}
	return set, nil
}

// RuleSetVersion is the newest stored rule set version, 0 for none.
func (s *Store) RuleSetVersion() uint64 {
	var v uint64
	_ = s.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketRuleSets); b != nil {
			if k, _ := b.Cursor().Last(); k != nil {
				v = binary.BigEndian.Uint64(k)
			}
		}
		return nil
	})
	return v
}

// RuleSets returns the stored rule sets, newest first, each verified and
// tested again against roots; one that no longer opens (a root removed) is
// left out and reported in the joined error.
func (s *Store) RuleSets(roots []crypto.PublicKey) ([]*rules.Set, error) {
	var raws [][]byte
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRuleSets)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			raws = append(raws, clone(v))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading rule sets: %w", err)
	}
	var out []*rules.Set
	var errs []error
	for _, raw := range raws {
		set, err := rules.Open(raw, roots)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, set)
	}
	if len(errs) > 0 {
		return out, fmt.Errorf("reloading stored rule sets: %v", errs)
	}
	return out, nil
}

// pullRuleSet fetches the hub's newest rule set and installs it when newer
// (verified, tested: InstallRuleSet).
func (c *Client) pullRuleSet(ctx context.Context) error {
	return c.pullDoc(ctx, wire.PathRules, nil, func(b []byte) error {
		_, err := c.store.InstallRuleSet(b, c.cfg.Roots)
		return err
	})
}
