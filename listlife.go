package checkpoint

import "time"

// MaxTrustListGrace bounds Policy.TrustListGrace: a list a month past its
// expiry may hold keys long since withdrawn.
const MaxTrustListGrace = 30 * 24 * time.Hour

// ListLife is where a trust list stands in its lifetime (ListState, by
// contrast, is its age against max_list_age).
type ListLife int

const (
	// ListValid: before its expiry.
	ListValid ListLife = iota
	// ListExpiredInGrace: past its expiry but within the policy's grace:
	// codes are still verified against it, and it is shown as EXPIRED.
	ListExpiredInGrace
	// ListExpired: past expiry and grace: every code is refused
	// (FailTrustListUnavailable) until a new list is installed.
	ListExpired
)

func (s ListLife) String() string {
	return [...]string{"valid", "expired (in grace)", "expired"}[s]
}

// TrustListState is the one rule for a trust list's lifetime, applied by
// the terminal and by hctool alike: valid before expires, then usable for
// grace more, then refused. A zero expires (no list) is ListExpired.
func TrustListState(expires, now time.Time, grace time.Duration) ListLife {
	switch {
	case expires.IsZero():
		return ListExpired
	case now.Before(expires):
		return ListValid
	case now.Before(expires.Add(grace)):
		return ListExpiredInGrace
	}
	return ListExpired
}
