package checkpoint

import (
	"testing"
	"time"
)

func TestClockLooksWrong(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)
	rows := []struct {
		name string
		h    Health
		want bool
	}{
		{"nothing seen yet", Health{}, false},
		{"newest list issued an hour ago", Health{NewestSeen: now.Add(-time.Hour)}, false},
		{"newest record stored exactly now", Health{NewestSeen: now}, false},
		{"a list issued a day after the clock", Health{NewestSeen: now.Add(26 * time.Hour)}, true},
		{"a record a second ahead", Health{NewestSeen: now.Add(time.Second)}, true},
		{"reported suspect with nothing seen", Health{ClockSuspect: true}, true},
	}
	for _, r := range rows {
		if got := r.h.ClockLooksWrong(now); got != r.want {
			t.Errorf("%s: ClockLooksWrong = %v, want %v", r.name, got, r.want)
		}
	}
}

func TestListState(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)
	rows := []struct {
		name   string
		issued time.Time
		maxAge time.Duration
		want   ListAge
	}{
		{"no list installed", time.Time{}, 72 * time.Hour, ListMissing},
		{"issued 5 hours ago", now.Add(-5 * time.Hour), 72 * time.Hour, ListCurrent},
		{"exactly max_list_age old", now.Add(-72 * time.Hour), 72 * time.Hour, ListCurrent},
		{"a minute past max_list_age", now.Add(-72*time.Hour - time.Minute), 72 * time.Hour, ListOutOfDate},
		{"100 hours old, default max age (72 h)", now.Add(-100 * time.Hour), 0, ListOutOfDate},
		{"71 hours old, default max age", now.Add(-71 * time.Hour), 0, ListCurrent},
		{"issued in the future (clock behind)", now.Add(time.Hour), time.Hour, ListCurrent},
		{"stricter site: 2 hours old, max 1 hour", now.Add(-2 * time.Hour), time.Hour, ListOutOfDate},
	}
	for _, r := range rows {
		if got := ListState(r.issued, now, r.maxAge); got != r.want {
			t.Errorf("%s: ListState = %d, want %d", r.name, got, r.want)
		}
	}
	h := Health{TrustListAt: now.Add(-100 * time.Hour), RevocationAt: now.Add(-time.Hour), MaxListAge: 72 * time.Hour}
	if h.TrustList(now) != ListOutOfDate || h.Revocations(now) != ListCurrent {
		t.Errorf("Health list states: trust %d, revocations %d", h.TrustList(now), h.Revocations(now))
	}
}

func TestCountersAdd(t *testing.T) {
	var c Counters
	rows := []struct {
		o       Outcome
		counted bool
	}{
		{OutcomePass, true}, {OutcomePass, true}, {OutcomeDeny, true}, {OutcomeRecheck, true},
		{OutcomeMeasure, false}, {OutcomeNone, false},
	}
	for _, r := range rows {
		if got := c.Add(r.o); got != r.counted {
			t.Errorf("Add(%s) = %v, want %v", r.o, got, r.counted)
		}
	}
	if c.Passed != 2 || c.Denied != 1 || c.Rechecks != 1 {
		t.Errorf("counters %+v, want 2 passed, 1 denied, 1 recheck", c)
	}
}

func TestDayOf(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	at := time.Date(2026, 11, 23, 0, 30, 0, 0, loc)
	if got, want := DayOf(at), time.Date(2026, 11, 23, 0, 0, 0, 0, loc); !got.Equal(want) || got.Location() != loc {
		t.Errorf("DayOf(%s) = %s, want %s", at, got, want)
	}
}
