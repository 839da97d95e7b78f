package sync_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cpsync "github.com/checkpoint-terminal/checkpoint/sync"
	bolt "go.etcd.io/bbolt"
)

const damageRecords = 400

// damagedFixture writes a real store with damageRecords records in its
// outbox and returns its bytes, its page size and the page ids of the
// records bucket's root (a branch page) and of a leaf under it.
func damagedFixture(t *testing.T) (data []byte, pageSize int, branch, leaf uint64) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "fixture.db")
	s, err := cpsync.Open(path, cpsync.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	for i := range damageRecords {
		if _, err := s.Append(context.Background(), newRecord("T1", "gate", fmt.Sprintf("code-%04d", i), at.Add(time.Duration(i)*time.Second))); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	err = db.View(func(tx *bolt.Tx) error {
		branch = uint64(tx.Bucket([]byte("records")).Root())
		return nil
	})
	pageSize = db.Info().PageSize
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	if data, err = os.ReadFile(path); err != nil {
		t.Fatal(err)
	}
	if flags := binary.LittleEndian.Uint16(data[int(branch)*pageSize+8:]); flags != 0x01 {
		t.Fatalf("records root page %d has flags %#x, want a branch", branch, flags)
	}
	// The first element of the branch page points at a leaf.
	el := data[int(branch)*pageSize+16:]
	leaf = binary.LittleEndian.Uint64(el[8:])
	if flags := binary.LittleEndian.Uint16(data[int(leaf)*pageSize+8:]); flags != 0x02 {
		t.Fatalf("page %d has flags %#x, want a leaf", leaf, flags)
	}
	return data, pageSize, branch, leaf
}

func flip(b []byte, from, to int) {
	for i := from; i < to; i++ {
		b[i] ^= 0xff
	}
}

// TestDamagedStoreIsMovedAside damages a real store in each way a power
// cut or a bad disk does and checks that Open reports it as ErrDamaged
// (never a crash inside bbolt), and that OpenOrRecover moves the file
// aside, starts a fresh store and records how many unsent records were lost.
func TestDamagedStoreIsMovedAside(t *testing.T) {
	data, ps, branch, leaf := damagedFixture(t)
	cases := []struct {
		name   string
		damage func([]byte) []byte
		reason string // part of the message
		// unsent: 1 the whole outbox could still be counted, -1 none of it
		// could, 0 it depends on where the cut fell (then a count given as
		// complete must be the whole outbox).
		unsent int
	}{
		{"shorter than its meta pages", func(b []byte) []byte { return b[:1000] }, "shorter than its two meta pages", -1},
		{"cut short by a power loss", func(b []byte) []byte { return b[:len(b)/2] }, "cut short", 0},
		{"cut at a page boundary after the metas", func(b []byte) []byte { return b[:3*ps] }, "cut short", 0},
		{"zeroed tail", func(b []byte) []byte {
			clear(b[len(b)/2:])
			return b
		}, "zeroed or overwritten", 0},
		{"bytes flipped in a branch page", func(b []byte) []byte {
			flip(b, int(branch)*ps+16, int(branch)*ps+48)
			return b
		}, "records", 1},
		{"bytes flipped in a leaf page", func(b []byte) []byte {
			flip(b, int(leaf)*ps+16, int(leaf)*ps+32)
			return b
		}, "outside the page", 1},
		{"page header overwritten", func(b []byte) []byte {
			flip(b, int(leaf)*ps, int(leaf)*ps+8)
			return b
		}, "zeroed or overwritten", 1},
		{"both meta pages bad", func(b []byte) []byte {
			flip(b, 16+8, 16+12)
			flip(b, ps+16+40, ps+16+48)
			return b
		}, "both meta pages are bad", -1},
		{"both meta pages zeroed", func(b []byte) []byte {
			clear(b[:2*ps])
			return b
		}, "both meta pages are bad", -1},
	}
	now := time.Date(2026, 12, 7, 3, 4, 5, 0, time.UTC)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "checkpoint.db")
			if err := os.WriteFile(path, tc.damage(append([]byte(nil), data...)), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := cpsync.Open(path, cpsync.Options{})
			var de *cpsync.DamageError
			if !errors.Is(err, cpsync.ErrDamaged) || !errors.As(err, &de) {
				t.Fatalf("Open: %v, want ErrDamaged", err)
			}
			if !strings.Contains(err.Error(), tc.reason) || !strings.Contains(err.Error(), path) {
				t.Errorf("message %q does not name the file and say %q", err, tc.reason)
			}
			if _, cerr := cpsync.CheckFile(path); !errors.Is(cerr, cpsync.ErrDamaged) {
				t.Errorf("CheckFile: %v, want ErrDamaged", cerr)
			}

			s, inc, err := cpsync.OpenOrRecover(path, cpsync.Options{}, now)
			if err != nil {
				t.Fatalf("OpenOrRecover: %v", err)
			}
			defer s.Close()
			if inc == nil {
				t.Fatal("no incident for a damaged file")
			}
			if want := path + ".damaged-20261207T030405Z"; inc.MovedTo != want {
				t.Errorf("moved to %s, want %s", inc.MovedTo, want)
			}
			if _, err := os.Stat(inc.MovedTo); err != nil {
				t.Errorf("the damaged file is not kept: %v", err)
			}
			switch {
			case tc.unsent == 1 && (!inc.UnsentKnown || inc.Unsent != damageRecords),
				tc.unsent == -1 && inc.UnsentKnown,
				inc.UnsentKnown && inc.Unsent != damageRecords,
				inc.Unsent > damageRecords:
				t.Errorf("unsent %d (complete %v), want %d (rule %d)", inc.Unsent, inc.UnsentKnown, damageRecords, tc.unsent)
			}
			t.Logf("%s: %d unsent readable (complete %v)", inc.Reason, inc.Unsent, inc.UnsentKnown)
			if s.Pending() != 0 {
				t.Errorf("fresh store has %d pending", s.Pending())
			}
			if err := s.Check(); err != nil {
				t.Errorf("fresh store: %v", err)
			}
			incs, err := s.Incidents()
			if err != nil || len(incs) != 1 || incs[0].MovedTo != inc.MovedTo || incs[0].Reason == "" {
				t.Errorf("incidents %+v, %v; want the one recovery", incs, err)
			}
		})
	}
}

// TestOneBadMetaPageFallsBack: bbolt keeps two meta pages so that a torn
// write of one leaves the other; the file is sound and opens.
func TestOneBadMetaPageFallsBack(t *testing.T) {
	data, ps, _, _ := damagedFixture(t)
	for i, off := range []int{16, ps + 16} {
		path := filepath.Join(t.TempDir(), "checkpoint.db")
		b := append([]byte(nil), data...)
		flip(b, off+56, off+64) // the checksum
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		info, err := cpsync.CheckFile(path)
		if err != nil || !info.MetaFallback {
			t.Fatalf("meta %d bad: CheckFile %+v, %v; want a sound file using the other meta", i, info, err)
		}
		s, err := cpsync.Open(path, cpsync.Options{})
		if err != nil {
			t.Fatalf("meta %d bad: %v", i, err)
		}
		if err := s.Check(); err != nil {
			t.Errorf("meta %d bad: %v", i, err)
		}
		s.Close()
	}
}

// TestRandomByteDamageNeverCrashes overwrites random bytes of a real store
// and opens it: every outcome is an error or a usable store, never a
// crash inside bbolt.
func TestRandomByteDamageNeverCrashes(t *testing.T) {
	data, _, _, _ := damagedFixture(t)
	rng := rand.New(rand.NewPCG(13, 13))
	dir := t.TempDir()
	damaged := 0
	for i := range 150 {
		b := append([]byte(nil), data...)
		for range 1 + rng.IntN(4) {
			b[rng.IntN(len(b))] = byte(rng.IntN(256))
		}
		path := filepath.Join(dir, fmt.Sprintf("r%d.db", i))
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		s, inc, err := cpsync.OpenOrRecover(path, cpsync.Options{}, time.Now())
		if err != nil {
			// Damage inside a record's bytes can pass the page checks and
			// be found by the store's own decoding: an error, not a crash.
			continue
		}
		if inc != nil {
			damaged++
		}
		s.Check()
		s.Recent(1 << 20)
		s.Close()
	}
	t.Logf("%d of 150 randomly damaged files were moved aside", damaged)
}

// TestLockedStoreSaysSo: a store another process holds is reported as
// locked, naming the process, after the timeout, not after a hang.
func TestLockedStoreSaysSo(t *testing.T) {
	path := filepath.Join(t.TempDir(), "checkpoint.db")
	s := openStore(t, path, nil)
	s.Close()
	cmd := exec.Command("flock", "--exclusive", path, "sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting flock(1): %v", err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if b, _ := os.ReadFile("/proc/locks"); strings.Contains(string(b), fmt.Sprintf(" %d ", cmd.Process.Pid)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("flock(1) never took the lock")
		}
		time.Sleep(20 * time.Millisecond)
	}
	start := time.Now()
	_, err := cpsync.Open(path, cpsync.Options{Timeout: 300 * time.Millisecond})
	var le *cpsync.LockedError
	if !errors.Is(err, cpsync.ErrLocked) || !errors.As(err, &le) {
		t.Fatalf("Open of a locked store: %v, want ErrLocked", err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("took %s to give up", took)
	}
	if !strings.Contains(err.Error(), fmt.Sprintf("process %d (flock)", cmd.Process.Pid)) {
		t.Errorf("message %q does not name the holder", err)
	}
	if _, inc, err := cpsync.OpenOrRecover(path, cpsync.Options{Timeout: 100 * time.Millisecond}, time.Now()); !errors.Is(err, cpsync.ErrLocked) || inc != nil {
		t.Errorf("OpenOrRecover of a locked store: %v, %v; a locked store is never moved", inc, err)
	}
}
