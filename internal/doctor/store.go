package doctor

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/healthcode"
	"github.com/checkpoint-terminal/checkpoint/internal/config"
	cpsync "github.com/checkpoint-terminal/checkpoint/sync"
)

// incidentWindow is how long a replaced damaged store is reported.
const incidentWindow = 7 * 24 * time.Hour

// storeFacts is what the store checks learnt, for the clock check.
type storeFacts struct {
	checks []Check
	roots  []crypto.PublicKey
	newest time.Time // the newest time seen on a list or a record
	// inUse: another process (a running terminal) holds the store.
	inUse bool
}

func (f *storeFacts) add(c Check) { f.checks = append(f.checks, c) }

func (f *storeFacts) saw(t time.Time) {
	if t.After(f.newest) {
		f.newest = t
	}
}

// loadRoots reads the pinned root keys (PEM).
func loadRoots(paths []string) ([]crypto.PublicKey, error) {
	var roots []crypto.PublicKey
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		k, err := healthcode.ParsePublicKeyPEM(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		roots = append(roots, k)
	}
	return roots, nil
}

// SeedDemo installs into the demo's store what the demo terminal installs
// at start: its trust list file and its revocation list.
func SeedDemo(cfg config.Config, now time.Time) error {
	roots, err := loadRoots(cfg.Trust.Roots)
	if err != nil {
		return err
	}
	s, err := cpsync.Open(cfg.StorePath(), cpsync.Options{Roots: roots})
	if err != nil {
		return err
	}
	defer s.Close()
	b, err := os.ReadFile(cfg.Trust.TrustList)
	if err != nil {
		return fmt.Errorf("reading the demo trust list: %w", err)
	}
	if _, _, _, ok := s.TrustListInfo(); !ok {
		if err := s.InstallTrustList(b, roots, now); err != nil {
			return fmt.Errorf("installing the demo trust list: %w", err)
		}
	}
	if cfg.Trust.Revocations != "" {
		rb, err := os.ReadFile(cfg.Trust.Revocations)
		if err != nil {
			return fmt.Errorf("reading the demo revocations: %w", err)
		}
		if _, err := s.SeedRevocations(rb, roots); err != nil {
			return fmt.Errorf("installing the demo revocations: %w", err)
		}
	}
	return nil
}

func checkStore(_ context.Context, cfg config.Config, opts Options) *storeFacts {
	f := &storeFacts{}
	now := opts.Clock.Now()
	roots, err := loadRoots(cfg.Trust.Roots)
	switch {
	case err != nil:
		f.add(Check{Name: "trust roots", Result: Fail, Detail: err.Error(), Next: "trust.roots must name readable PEM public keys (hctool keygen writes them)"})
	case len(roots) == 0:
		f.add(Check{Name: "trust roots", Result: Fail, Detail: "no pinned root keys", Next: "set trust.roots to the root public keys of your health-code authority"})
	default:
		f.add(Check{Name: "trust roots", Result: OK, Detail: fmt.Sprintf("%d pinned", len(roots))})
	}
	f.roots = roots
	policy := cfg.Policy

	path := cfg.StorePath()
	f.add(checkDisk(cfg.DataDir, opts.MinFreeDisk))
	var store *cpsync.Store
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		f.add(Check{Name: "store", Result: Warn, Detail: "no store yet at " + path,
			Next: "the terminal creates it at its first start; run doctor again after that"})
	} else if info, err := cpsync.CheckFile(path); err != nil {
		c := Check{Name: "store", Result: Fail, Detail: err.Error(),
			Next: "start the terminal: it moves the damaged file aside and starts a fresh store (or move " + path + " away yourself)"}
		var de *cpsync.DamageError
		if errors.As(err, &de) {
			c.Detail += fmt.Sprintf("; %d unsent records readable", de.Unsent)
		}
		f.add(c)
	} else if store, err = cpsync.Open(path, cpsync.Options{Roots: roots, Timeout: time.Second}); errors.Is(err, cpsync.ErrLocked) {
		f.inUse = true
		f.add(Check{Name: "store", Result: OK, Detail: fmt.Sprintf("pages sound (%d pages, %d unsent); in use: %v", info.Pages, info.Unsent, err)})
	} else if errors.Is(err, cpsync.ErrSchemaNewer) {
		f.add(Check{Name: "store", Result: Fail, Detail: err.Error(), Next: "install the newer checkpoint-terminal package again"})
	} else if err != nil {
		f.add(Check{Name: "store", Result: Fail, Detail: err.Error(), Next: "check the owner and mode of " + path + " (the service user checkpoint must own it)"})
	} else {
		defer store.Close()
		if cerr := store.Check(); cerr != nil {
			f.add(Check{Name: "store", Result: Fail, Detail: "inconsistent: " + cerr.Error(), Next: "stop the terminal and move " + path + " aside; it starts a fresh store"})
		} else {
			v, _ := store.SchemaVersion()
			f.add(Check{Name: "store", Result: OK, Detail: fmt.Sprintf("consistent, schema %d, %d pages, %d unsent records", v, info.Pages, store.Pending())})
		}
		if incs, err := store.Incidents(); err == nil {
			for _, inc := range incs {
				if now.Sub(inc.At) < incidentWindow {
					f.add(Check{Name: "store history", Result: Warn,
						Detail: fmt.Sprintf("a damaged store was replaced at %s (%s); %d unsent records lost; kept at %s", inc.At.Format(time.RFC3339), inc.Reason, inc.Unsent, inc.MovedTo),
						Next:   "check power and disk (journalctl -u checkpoint-kiosk); the damaged file can be sent to support"})
				}
			}
		}
		if p, v := store.Policy(); v > 0 {
			policy = p
		}
	}
	f.checks = append(f.checks, checkLists(f, cfg, store, policy, opts)...)
	if store != nil {
		if recs, err := store.Recent(1); err == nil && len(recs) > 0 {
			f.saw(recs[0].Time)
		}
	}
	return f
}

func checkDisk(dir string, min uint64) Check {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return Check{Name: "disk", Result: Fail, Detail: err.Error(), Next: "create the data directory " + dir + " (the package makes /var/lib/checkpoint)"}
	}
	free := st.Bavail * uint64(st.Bsize)
	c := Check{Name: "disk", Result: OK, Detail: fmt.Sprintf("%d MB free in %s", free>>20, dir)}
	switch {
	case free < min:
		c.Result, c.Next = Fail, "free disk space: records cannot be stored"
	case free < 10*min:
		c.Result, c.Next = Warn, "free disk space soon"
	}
	return c
}

// checkLists reports the trust list and revocations: the stored ones, or
// the seed file the terminal will install at start.
func checkLists(f *storeFacts, cfg config.Config, store *cpsync.Store, policy checkpoint.Policy, opts Options) []Check {
	now := opts.Clock.Now()
	maxAge := policy.MaxListAge
	var out []Check
	var issued, expires time.Time
	var version uint64
	ok := false
	from := "store"
	if store != nil {
		version, issued, expires, ok = store.TrustListInfo()
	}
	if !ok && cfg.Trust.TrustList != "" {
		from = cfg.Trust.TrustList
		b, err := os.ReadFile(cfg.Trust.TrustList)
		if err == nil {
			var tl *healthcode.TrustList
			if tl, err = healthcode.ParseTrustList(b, f.roots, now); err == nil {
				version, issued, expires, ok = tl.Version(), tl.IssuedAt(), tl.ExpiresAt(), true
			}
		}
		if err != nil {
			out = append(out, Check{Name: "trust list", Result: Fail, Detail: err.Error(), Next: "get a current signed trust list from the hub operator (hctool trustlist)"})
		}
	}
	switch {
	case len(out) > 0:
	case !ok:
		out = append(out, Check{Name: "trust list", Result: Fail, Detail: "none installed and no trust.trust_list seed", Next: "configure the hub or trust.trust_list: without a list every code is refused"})
	case !expires.IsZero() && now.After(expires):
		out = append(out, Check{Name: "trust list", Result: Fail, Detail: fmt.Sprintf("version %d from %s expired at %s", version, from, expires.Format(time.RFC3339)), Next: "install a current trust list (hub sync or trust.trust_list)"})
	case maxAge > 0 && now.Sub(issued) > maxAge:
		out = append(out, Check{Name: "trust list", Result: Warn, Detail: fmt.Sprintf("version %d from %s is %s old, policy allows %s", version, from, age(now, issued), maxAge), Next: "sync with the hub or install a newer list"})
	default:
		out = append(out, Check{Name: "trust list", Result: OK, Detail: fmt.Sprintf("version %d from %s, %s old (policy %s)", version, from, age(now, issued), maxAge)})
	}
	if ok {
		f.saw(issued)
	}

	var st cpsync.SyncState
	if store != nil {
		st, _ = store.SyncState()
		f.saw(st.RevocationIssuedAt)
		f.saw(st.PolicyIssuedAt)
	}
	switch {
	case store == nil:
		out = append(out, Check{Name: "revocations", Result: Skip, Detail: "store not opened"})
	case st.RevocationSeq == 0:
		r := Warn
		if opts.RevocationsRequired {
			r = Fail
		}
		out = append(out, Check{Name: "revocations", Result: r, Detail: "no revocation list applied", Next: "sync with the hub: revoked codes pass until a list arrives"})
	case maxAge > 0 && now.Sub(st.RevocationIssuedAt) > maxAge:
		out = append(out, Check{Name: "revocations", Result: Warn, Detail: fmt.Sprintf("batch %d is %s old, policy allows %s", st.RevocationSeq, age(now, st.RevocationIssuedAt), maxAge), Next: "sync with the hub"})
	default:
		out = append(out, Check{Name: "revocations", Result: OK, Detail: fmt.Sprintf("batch %d, %s old", st.RevocationSeq, age(now, st.RevocationIssuedAt))})
	}
	return out
}

func age(now, t time.Time) time.Duration { return now.Sub(t).Round(time.Minute) }
