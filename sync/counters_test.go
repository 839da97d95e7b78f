package sync_test

import (
	"context"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
)

// The day's counters are read back from the stored records: yesterday's and
// tomorrow's records and measure verdicts are not counted.
func TestStoreCountersOfADay(t *testing.T) {
	s := openStore(t, "", nil)
	ctx := context.Background()
	loc := time.FixedZone("CST", 8*3600)
	day := time.Date(2026, 11, 23, 0, 0, 0, 0, loc)
	add := func(at time.Time, o checkpoint.Outcome) {
		t.Helper()
		r := newRecord("T1", "gate-1", "c", at)
		r.Outcome = o
		if _, err := s.Append(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	add(day.Add(-time.Minute), checkpoint.OutcomePass) // yesterday
	add(day, checkpoint.OutcomePass)
	add(day.Add(time.Hour), checkpoint.OutcomeDeny)
	add(day.Add(2*time.Hour), checkpoint.OutcomeRecheck)
	add(day.Add(3*time.Hour), checkpoint.OutcomeMeasure)
	add(day.Add(23*time.Hour+59*time.Minute), checkpoint.OutcomePass)
	add(day.Add(24*time.Hour), checkpoint.OutcomeDeny) // tomorrow

	c, err := s.Counters(day)
	if err != nil {
		t.Fatal(err)
	}
	want := checkpoint.Counters{Day: day, Passed: 2, Denied: 1, Rechecks: 1}
	if c != want {
		t.Errorf("Counters(%s) = %+v, want %+v", day, c, want)
	}
	if c, err := s.Counters(day.AddDate(0, 0, 2)); err != nil || c.Passed+c.Denied+c.Rechecks != 0 {
		t.Errorf("a day without records: %+v, %v", c, err)
	}
}
