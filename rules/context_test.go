package rules

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
)

// The data context holds what the README documents, in CertLogic's types.
func TestContextKeys(t *testing.T) {
	c := greenPresentation().Code
	c.BirthYear = 1950
	c.Test = &checkpoint.TestFact{SampledAt: t0.Add(-26*time.Hour - time.Minute), Result: checkpoint.TestNegative, Type: checkpoint.TestNucleicAcid}
	c.Vaccination = &checkpoint.VaccinationFact{Doses: 1, SeriesDoses: 2, LastDose: t0.AddDate(0, -1, 0)}
	r := &checkpoint.Reading{Celsius: 36.64, At: t0, Status: checkpoint.SensorOK, Manual: true}
	env := Env{TerminalID: "T1", SiteID: "S1", Region: "110105", ClockBehind: true, TrustListAge: 5*time.Hour + time.Minute, RevocationAge: -1}
	ctx := Context(c, r, checkpoint.TempNormal, checkpoint.DefaultPolicy(), env, t0)
	b, err := json.Marshal(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	json.Unmarshal(b, &got)
	for path, want := range map[string]any{
		"now": "2026-11-23T08:00:00Z", "terminal.region": "110105", "code.color": "green", "code.kind": "dynamic",
		"code.age_minutes": 1.0, "code.holder_age": 76.0, "code.test.result": "negative", "code.test.age_hours": 26.0,
		"code.test.sampled_at": "2026-11-22T05:59:00Z", "code.vaccination.doses": 1.0, "code.vaccination.complete": false,
		"code.recovery": nil, "code.expires_at": nil, "temperature.state": "normal", "temperature.deci_celsius": 366.0,
		"temperature.manual": true, "policy.fever_deci_celsius": 373.0, "policy.require_temperature": true,
		"clock.state": "behind", "lists.trust_age_hours": 5.0, "lists.revocation_age_hours": nil,
	} {
		var v any = got
		for _, k := range splitPath(path) {
			m, ok := v.(map[string]any)
			if !ok {
				v = "missing"
				break
			}
			if v, ok = m[k]; !ok {
				v = "missing"
				break
			}
		}
		if v != want {
			t.Errorf("%s = %#v, want %#v", path, v, want)
		}
	}
	// A stale reading gives no temperature value.
	if ctx := Context(c, r, checkpoint.TempStale, checkpoint.DefaultPolicy(), env, t0); ctx["temperature"].(map[string]any)["deci_celsius"] != nil {
		t.Error("a stale reading's value reached the rules")
	}
}

func splitPath(p string) []string {
	var out []string
	start := 0
	for i := 0; i < len(p); i++ {
		if p[i] == '.' {
			out = append(out, p[start:i])
			start = i + 1
		}
	}
	return append(out, p[start:])
}
