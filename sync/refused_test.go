package sync_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/sync/wire"
)

// TestRefusedRecordsSetAside: records the hub refuses by name leave the
// outbox for a kept, counted "rejected" set, and the records behind them
// are uploaded; nothing is retried blindly.
func TestRefusedRecordsSetAside(t *testing.T) {
	h := newHub(t)
	h.start()
	ctx := context.Background()
	s := openStore(t, "", h.auth.roots())
	c := h.client(s, h.url())
	now := time.Now()
	var good []string
	add := func(r checkpoint.Record) string {
		r, err := s.Append(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		return r.ID
	}
	poison := []string{
		add(newRecord("T1", "gate-1", "nul\x00byte", now.Add(-time.Hour))),
		add(newRecord("T1", "gate-9", "wrong-site", now.Add(-time.Hour))),
	}
	for i := range 150 {
		good = append(good, add(newRecord("T1", "gate-1", "ok", now.Add(-time.Duration(i)*time.Second))))
	}
	if err := c.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	checkExactlyOnce(t, h, s, good)
	st := c.Status()
	if st.Rejected != 2 || st.Pending != 0 {
		t.Errorf("status: %d rejected, %d pending; want 2 and 0", st.Rejected, st.Pending)
	}
	rej, err := s.RejectedRecords(10)
	if err != nil || len(rej) != 2 || rej[0].Record.ID != poison[0] || rej[0].Reason == "" || rej[1].Record.ID != poison[1] {
		t.Errorf("rejected records: %+v %v", rej, err)
	}
	if err := c.Sync(ctx); err != nil || len(h.hubIDs()) != len(good) {
		t.Errorf("a second round: %v, %d records on the hub", err, len(h.hubIDs()))
	}
}

// TestWholeBatchRefusalIsSplit: a hub that refuses a whole batch (400)
// because of one record it cannot name still gets every other record; the
// one it refuses alone is set aside.
func TestWholeBatchRefusalIsSplit(t *testing.T) {
	var pushes int
	var stored []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != wire.PathRecords {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		pushes++
		var req wire.PushRequest
		json.NewDecoder(r.Body).Decode(&req)
		var ack wire.PushResponse
		for _, rec := range req.Records {
			if rec.CodeID == "poison" {
				w.WriteHeader(http.StatusBadRequest)
				json.NewEncoder(w).Encode(wire.ErrorBody{Error: "cannot read the batch"})
				return
			}
			ack.Stored = append(ack.Stored, rec.ID)
		}
		stored = append(stored, ack.Stored...)
		json.NewEncoder(w).Encode(ack)
	}))
	defer srv.Close()
	h := &hubEnv{t: t, auth: newAuthority(t), token: "x"}
	s := openStore(t, "", h.auth.roots())
	c := h.client(s, srv.URL)
	ctx := context.Background()
	var ids []string
	for i := range 64 {
		code := "ok"
		if i == 37 {
			code = "poison"
		}
		r, err := s.Append(ctx, newRecord("T1", "gate-1", code, time.Now()))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	c.Sync(ctx) //nolint:errcheck // the fake hub serves no lists
	if s.Pending() != 0 || len(stored) != 63 || slices.Contains(stored, ids[37]) {
		t.Errorf("after a split: %d pending, %d stored; want 0 and 63 without the poison", s.Pending(), len(stored))
	}
	if n, _ := s.Rejected(); n != 1 {
		t.Errorf("%d set aside, want 1", n)
	}
	before := pushes
	c.Sync(ctx) //nolint:errcheck
	if pushes != before {
		t.Errorf("the refused record was pushed again (%d pushes)", pushes-before)
	}
}
