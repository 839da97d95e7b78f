package sync_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	cpsync "github.com/checkpoint-terminal/checkpoint/sync"
	"github.com/checkpoint-terminal/checkpoint/sync/hub"
)

func TestPurgeUnsentDropsOldUnsentRecordsForAnOfflineTerminal(t *testing.T) {
	a := newAuthority(t)
	s := openStore(t, "", a.roots())
	old := time.Now().AddDate(0, -3, 0)
	appendN(t, s, 3, old)
	appendN(t, s, 2, time.Now())
	if n, err := s.Purge(time.Now(), 28*24*time.Hour); err != nil || n != 0 {
		t.Fatalf("Purge removed %d unsent records (%v), want 0", n, err)
	}
	n, err := s.PurgeUnsent(time.Now(), 28*24*time.Hour)
	if err != nil || n != 3 {
		t.Fatalf("PurgeUnsent: %d (%v), want the 3 old ones", n, err)
	}
	if s.Pending() != 2 {
		t.Errorf("pending %d after purging unsent records, want 2", s.Pending())
	}
	if recent, _ := s.Recent(10); len(recent) != 2 {
		t.Errorf("%d records left, want 2", len(recent))
	}
}

func TestPushSendsTheOutboxWithoutPulling(t *testing.T) {
	h := newHub(t)
	srv := httptest.NewServer(hub.New(h.pool, hub.Config{Log: quiet}).Handler())
	t.Cleanup(srv.Close)
	s := openStore(t, "", h.auth.roots())
	ids := appendN(t, s, 4, time.Now())
	c, err := cpsync.NewClient(s, cpsync.ClientConfig{HubURL: srv.URL, DeviceID: "T1", Token: h.token, Roots: h.auth.roots()}, nil, quiet)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Push(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s.Pending() != 0 || h.hubIDs()[ids[3]] != 1 {
		t.Errorf("after Push: %d pending, hub has the last record %v", s.Pending(), h.hubIDs()[ids[3]] == 1)
	}
	if _, _, _, ok := s.TrustListInfo(); ok {
		t.Error("Push pulled a trust list")
	}
}
