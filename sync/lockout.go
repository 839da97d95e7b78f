package sync

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

var keyPINLockout = []byte("pin-lockout")

type pinLockout struct {
	Failures int       `json:"failures"`
	Until    time.Time `json:"until"`
}

// LoadPINLockout returns the operator PIN pad's wrong attempts in a row and
// the end of its lockout, as SavePINLockout left them (zero when never
// saved), so a restart does not reset the lockout.
func (s *Store) LoadPINLockout() (failures int, until time.Time, err error) {
	var l pinLockout
	err = s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketMeta).Get(keyPINLockout)
		if v == nil {
			return nil
		}
		return json.Unmarshal(v, &l)
	})
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("reading the PIN lockout: %w", err)
	}
	return l.Failures, l.Until, nil
}

// SavePINLockout keeps the PIN pad's failure count and lockout end.
func (s *Store) SavePINLockout(failures int, until time.Time) error {
	b, err := json.Marshal(pinLockout{Failures: failures, Until: until.UTC()})
	if err != nil {
		return err
	}
	if err := s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keyPINLockout, b) }); err != nil {
		return fmt.Errorf("keeping the PIN lockout: %w", err)
	}
	return nil
}
