package sync

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// ErrLocked is the class of errors Open returns when another process holds
// the store file (a second terminal, hctool, a stuck old process).
var ErrLocked = errors.New("store file is locked by another process")

// LockedError names the file and, when /proc/locks tells, the process.
type LockedError struct {
	Path   string
	PID    int // 0: unknown
	Waited time.Duration
}

func (e *LockedError) Error() string {
	who := "another process"
	if e.PID > 0 {
		who = fmt.Sprintf("process %d", e.PID)
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", e.PID)); err == nil && len(b) > 1 {
			who += fmt.Sprintf(" (%s)", b[:len(b)-1])
		}
	}
	return fmt.Sprintf("store file %s is locked by %s; waited %s (is another checkpoint or hctool running?)", e.Path, who, e.Waited)
}

// Is makes errors.Is(err, ErrLocked) true.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// precheck locks the file as bbolt will, checks its pages, and releases the
// lock: a damaged file is reported before bbolt maps it.
func precheck(path string, timeout time.Duration) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("opening store file: %w", err)
	}
	defer f.Close() // releases the lock
	if err := lockFile(f, path, timeout); err != nil {
		return err
	}
	_, err = checkFile(f, path)
	return err
}

// boltOpenError turns bbolt's errors for an unreadable file into the
// store's classes.
func boltOpenError(path string, err error, timeout time.Duration) error {
	switch {
	case errors.Is(err, bolterrors.ErrTimeout):
		return &LockedError{Path: path, Waited: timeout}
	case errors.Is(err, bolterrors.ErrInvalid), errors.Is(err, bolterrors.ErrChecksum),
		errors.Is(err, bolterrors.ErrVersionMismatch), errors.Is(err, bolterrors.ErrInvalidMapping):
		return &DamageError{Path: path, Reason: err.Error()}
	}
	return err
}

// Incident is a damaged store file the terminal moved aside at start.
type Incident struct {
	At      time.Time `json:"at"`
	Path    string    `json:"path"`     // where the store was
	MovedTo string    `json:"moved_to"` // where the damaged file is now
	Reason  string    `json:"reason"`
	// Unsent is the count of records that had not reached the hub and were
	// readable in the damaged file; UnsentKnown is false when the outbox
	// could not be read to its end (then Unsent is a lower bound).
	Unsent      int  `json:"unsent"`
	UnsentKnown bool `json:"unsent_known"`
}

// OpenOrRecover opens the store like Open; when the file is damaged it
// moves the file aside to "<path>.damaged-<UTC time>", opens a fresh store
// at path and records the incident in it (see Store.Incidents). The
// returned incident is nil when the file was sound. A locked file or a
// store of a newer schema is returned as an error, never moved.
func OpenOrRecover(path string, opts Options, now time.Time) (*Store, *Incident, error) {
	s, err := Open(path, opts)
	var de *DamageError
	if err == nil || !errors.As(err, &de) {
		return s, nil, err
	}
	inc := &Incident{At: now.UTC(), Path: path, Reason: de.Reason, Unsent: de.Unsent, UnsentKnown: de.UnsentKnown}
	inc.MovedTo = fmt.Sprintf("%s.damaged-%s", path, now.UTC().Format("20060102T150405Z"))
	if err := os.Rename(path, inc.MovedTo); err != nil {
		return nil, nil, fmt.Errorf("moving the damaged store aside: %w (damage: %v)", err, de)
	}
	syncDir(filepath.Dir(path))
	if s, err = Open(path, opts); err != nil {
		return nil, inc, fmt.Errorf("starting a fresh store after moving the damaged one to %s: %w", inc.MovedTo, err)
	}
	if err := s.addIncident(*inc); err != nil {
		s.Close()
		return nil, inc, err
	}
	return s, inc, nil
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

func (s *Store) addIncident(inc Incident) error {
	b, err := json.Marshal(inc)
	if err != nil {
		return fmt.Errorf("encoding the store incident: %w", err)
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketIncidents)
		seq, err := bk.NextSequence()
		if err != nil {
			return err
		}
		return bk.Put(seqKey(seq), b)
	})
	if err != nil {
		return fmt.Errorf("recording the store incident: %w", err)
	}
	return nil
}

// Incidents are the damaged store files this store replaced, oldest first.
func (s *Store) Incidents() ([]Incident, error) {
	var out []Incident
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketIncidents).ForEach(func(_, v []byte) error {
			var inc Incident
			if err := json.Unmarshal(v, &inc); err != nil {
				return fmt.Errorf("decoding a store incident: %w", err)
			}
			out = append(out, inc)
			return nil
		})
	})
	return out, err
}
