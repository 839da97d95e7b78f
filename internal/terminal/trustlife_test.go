package terminal

import (
	"errors"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
)

type fakeList struct {
	expires time.Time
	ok      bool
}

func (f fakeList) KeysFor(checkpoint.Format, []byte) ([]checkpoint.TrustedKey, error) {
	return []checkpoint.TrustedKey{{Issuer: "110000:BJHC"}}, nil
}

func (f fakeList) TrustListInfo() (uint64, time.Time, time.Time, bool) {
	return 1, f.expires.Add(-7 * 24 * time.Hour), f.expires, f.ok
}

func TestExpiredTrustListRefusesCodesAfterTheGrace(t *testing.T) {
	exp := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	pol := checkpoint.DefaultPolicy() // 24 h grace
	for _, r := range []struct {
		name   string
		now    time.Time
		refuse bool
	}{
		{"valid list", exp.Add(-time.Hour), false},
		{"expired 2 h ago, within the grace", exp.Add(2 * time.Hour), false},
		{"expired 25 h ago, grace over", exp.Add(25 * time.Hour), true},
	} {
		e := expiringTrust{store: fakeList{expires: exp, ok: true}, clock: checkpoint.ClockFunc(func() time.Time { return r.now }), policy: func() checkpoint.Policy { return pol }}
		keys, err := e.KeysFor(checkpoint.FormatHealthCode, []byte{1})
		var ve *checkpoint.VerifyError
		if r.refuse {
			if !errors.As(err, &ve) || ve.Failure != checkpoint.FailTrustListUnavailable {
				t.Errorf("%s: err %v, want FailTrustListUnavailable", r.name, err)
			}
			continue
		}
		if err != nil || len(keys) != 1 {
			t.Errorf("%s: %v %v, want the keys", r.name, keys, err)
		}
	}
}
