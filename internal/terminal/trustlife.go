package terminal

import (
	"time"

	"github.com/checkpoint-terminal/checkpoint"
)

// listInfo is the part of the store the lifetime rule reads.
type listInfo interface {
	checkpoint.TrustStore
	TrustListInfo() (version uint64, issued, expires time.Time, ok bool)
}

// expiringTrust applies checkpoint.TrustListState to the installed trust
// list at every lookup: past its expiry plus the policy's grace, every
// code is refused (FailTrustListUnavailable) until the hub sends a new
// list, the same rule hctool verify applies.
type expiringTrust struct {
	store  listInfo
	clock  checkpoint.Clock
	policy func() checkpoint.Policy
}

func (e expiringTrust) KeysFor(f checkpoint.Format, kid []byte) ([]checkpoint.TrustedKey, error) {
	if _, _, expires, ok := e.store.TrustListInfo(); ok {
		grace := e.policy().TrustListGrace
		if checkpoint.TrustListState(expires, e.clock.Now(), grace) == checkpoint.ListExpired {
			return nil, checkpoint.Failf(checkpoint.FailTrustListUnavailable,
				"trust list expired at %s and its %s grace is over: sync with the hub", expires.Format(time.RFC3339), grace)
		}
	}
	return e.store.KeysFor(f, kid)
}
