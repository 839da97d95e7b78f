package sync

import (
	"context"
	"crypto"
	"encoding/binary"
	"errors"
	"fmt"
	"net/url"

	"github.com/checkpoint-terminal/checkpoint/rules"
	"github.com/checkpoint-terminal/checkpoint/sync/wire"
	bolt "go.etcd.io/bbolt"
)

// bucketRuleSets holds signed rule sets, keyed by version (8 bytes,
// big-endian), as received; they are verified again when read.
var bucketRuleSets = []byte("rule-sets")

// keepRuleSets is how many versions in scope the store keeps: the newest
// may not be active yet (its activation time lies ahead), so the one it
// replaces stays.
const keepRuleSets = 3

// ErrRuleSetOutOfScope means a rule set's scope does not take in the
// terminal the store keeps rule sets for (Options.RulesFor): it would never
// apply here, so it is not stored.
var ErrRuleSetOutOfScope = errors.New("rule set not in scope for this terminal")

// RulesTerminal is where a terminal stands for rule set scopes: its GB/T
// 2260 region ([rules] region), site and terminal id, matched as
// rules.Scope.Matches does.
type RulesTerminal struct {
	Region, Site, Terminal string
}

// inScope reports whether set applies to the store's terminal (always,
// when the store was opened without Options.RulesFor).
func (s *Store) inScope(set *rules.Set) bool {
	return s.rulesFor == nil || set.Scope.Matches(s.rulesFor.Region, s.rulesFor.Site, s.rulesFor.Terminal)
}

// InstallRuleSet verifies a signed rule set against roots, runs its own
// tests (rules.Open), and stores it when it is in scope for the store's
// terminal (ErrRuleSetOutOfScope otherwise) and its version is above every
// stored set in scope: versions are monotonic (ErrStaleList otherwise). The
// store keeps the newest keepRuleSets sets in scope; a stored set out of
// scope (kept before Options.RulesFor, or the terminal moved) is dropped
// and never counts, so sets for other regions, sites or terminals never
// evict the one in force here. A set that fails its signature or its tests
// is refused and nothing changes. It returns the installed set.
func (s *Store) InstallRuleSet(signed []byte, roots []crypto.PublicKey) (*rules.Set, error) {
	if len(roots) == 0 {
		return nil, fmt.Errorf("installing rule set: %w", ErrNoRoots)
	}
	set, err := rules.Open(signed, roots)
	if err != nil {
		return nil, fmt.Errorf("installing rule set: %w", err)
	}
	if !s.inScope(set) {
		return nil, fmt.Errorf("installing rule set %s: %w", set.Name(), ErrRuleSetOutOfScope)
	}
	raw := clone(signed)
	err = s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketRuleSets)
		if err != nil {
			return err
		}
		// Stored sets newest first: those in scope (or that no longer
		// open: kept, as before, and reported by RuleSets) count; the
		// others are dropped.
		var keep, drop [][]byte
		c := b.Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			if s.rulesFor != nil {
				if old, err := rules.Open(v, roots); err == nil && !s.inScope(old) {
					drop = append(drop, clone(k))
					continue
				}
			}
			keep = append(keep, clone(k))
		}
		if len(keep) > 0 && binary.BigEndian.Uint64(keep[0]) >= set.Version {
			return fmt.Errorf("rule set version %d over %d: %w", set.Version, binary.BigEndian.Uint64(keep[0]), ErrStaleList)
		}
		for _, k := range drop {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		var key [8]byte
		binary.BigEndian.PutUint64(key[:], set.Version)
		if err := b.Put(key[:], raw); err != nil {
			return err
		}
		keep = append([][]byte{key[:]}, keep...)
		for _, k := range keep[min(len(keep), keepRuleSets):] {
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

// pullRuleSet fetches the newest rule set the hub has for this terminal
// (its device and site, and ClientConfig.Region) and installs it when
// newer (verified, tested: InstallRuleSet).
func (c *Client) pullRuleSet(ctx context.Context) error {
	var q url.Values
	if c.cfg.Region != "" {
		q = url.Values{wire.QueryRegion: {c.cfg.Region}}
	}
	return c.pullDoc(ctx, wire.PathRules, q, func(b []byte) error {
		_, err := c.store.InstallRuleSet(b, c.cfg.Roots)
		if errors.Is(err, ErrRuleSetOutOfScope) {
			// The hub judged with the site it registered this device to;
			// the store with the terminal's own configuration.
			c.log.Warn("the hub sent a rule set out of scope for this terminal; not installed", "err", err)
			return nil
		}
		return err
	})
}
