package checkpoint

import (
	"math"
	"testing"
	"time"
)

// FuzzDecideNeverPassesBadInput throws arbitrary codes, readings, failures,
// clocks and policies at Decide and checks the safety property: a Pass needs
// a verified green code, no verification failure, a policy that validates,
// and no reading at or above that policy's fever threshold paired with it.
func FuzzDecideNeverPassesBadInput(f *testing.F) {
	f.Add(int(ColorGreen), int(KindDynamic), 0, 36.6, int64(0), int64(-30), int64(240), int64(0), 0, true, 37.3, int64(10))
	f.Add(int(ColorGreen), int(KindDynamic), 0, 37.3, int64(0), int64(-30), int64(240), int64(0), 0, true, 37.3, int64(10))
	f.Add(int(ColorYellow), int(KindCard), 0, 36.0, int64(2), int64(-3000), int64(0), int64(0), 0, false, 37.3, int64(10))
	f.Add(int(ColorGreen), int(KindDynamic), int(FailBadSignature), 36.6, int64(0), int64(-30), int64(240), int64(0), 0, true, 37.3, int64(10))
	f.Add(int(ColorGreen), int(KindDynamic), 0, math.NaN(), int64(0), int64(-30), int64(240), int64(0), 0, false, 37.3, int64(10))
	f.Add(int(ColorGreen), int(KindCard), 0, 36.6, int64(0), int64(-30), int64(240), int64(0), 0, true, math.Inf(1), int64(-1))
	f.Fuzz(func(t *testing.T, color, kind, failure int, celsius float64, readingOffset, issuedOffset, expiresOffset, skewSec int64,
		status int, requireTemp bool, fever float64, windowSec int64) {
		now := t0
		code := &Code{Format: FormatHealthCode, ID: "id", Color: Color(color), Kind: CodeKind(kind),
			IssuedAt: now.Add(time.Duration(issuedOffset) * time.Second)}
		if expiresOffset != 0 {
			code.ExpiresAt = now.Add(time.Duration(expiresOffset) * time.Second)
		}
		r := &Reading{Celsius: celsius, At: now.Add(time.Duration(readingOffset) * time.Second), Status: SensorStatus(status)}
		pol := DefaultPolicy()
		pol.RequireTemperature = requireTemp
		pol.FeverThreshold = fever
		pol.PairingWindow = time.Duration(windowSec) * time.Second
		pol.ClockSkew = time.Duration(skewSec) * time.Second
		p := Presentation{Code: code, Failure: Failure(failure), CapturedAt: now}

		v := Decide(p, r, pol, now)
		if v.Outcome != OutcomePass {
			if v.Outcome == OutcomeNone || v.Reason == "" {
				t.Fatalf("verdict without outcome or reason: %+v", v)
			}
			return
		}
		if Color(color) != ColorGreen {
			t.Fatalf("passed a %s code", Color(color))
		}
		if Failure(failure) != FailNone {
			t.Fatalf("passed a code that failed verification: %s", Failure(failure))
		}
		if pol.Validate() != nil {
			t.Fatalf("passed under an invalid policy %+v", pol)
		}
		if Classify(r, pol, now) == TempNormal && !(celsius < pol.FeverThreshold) {
			t.Fatalf("passed a fever of %v", celsius)
		}
		if celsius >= fever && Classify(r, pol, now) != TempStale && r.Status == SensorOK && celsius <= pol.MaxPlausible {
			t.Fatalf("passed a paired fever reading %v >= %v", celsius, fever)
		}
		if requireTemp && Classify(r, pol, now) != TempNormal {
			t.Fatalf("passed without a valid reading while temperature is required")
		}
	})
}
