package hub_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/sync/wire"
	"github.com/google/uuid"
)

// TestPoisonRecordsAreNamed: bad records in a batch are refused one by one
// with a reason; the good ones around them are stored.
func TestPoisonRecordsAreNamed(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	token, err := e.admin.RegisterDevice(ctx, "T1", "gate-1")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	good := func() map[string]any {
		return map[string]any{"id": uuid.Must(uuid.NewV7()).String(), "time": now.Add(-time.Minute).Format(time.RFC3339Nano),
			"terminal_id": "T1", "site_id": "gate-1", "code_id": "c1", "format": "HC", "color": "green", "celsius": 36.5,
			"outcome": "pass", "reason": "green"}
	}
	with := func(k string, v any) map[string]any { r := good(); r[k] = v; return r }
	poison := []struct {
		name   string
		rec    map[string]any
		reason string
	}{
		{"NUL byte in the code id", with("code_id", "c\x00d"), "NUL"},
		{"malformed id", with("id", "not-a-uuid"), "UUID"},
		{"over-long issuer", with("issuer", strings.Repeat("x", 500)), "longer"},
		{"unknown colour", with("color", "purple"), "color"},
		{"unknown outcome", with("outcome", "maybe"), "outcome"},
		{"unknown format", with("format", "QQ"), "format"},
		{"reason not a code", with("reason", "DROP TABLE"), "reason"},
		{"temperature absurd", with("celsius", 900), "temperature"},
		{"time past retention", with("time", now.Add(-40*24*time.Hour).Format(time.RFC3339)), "retention"},
		{"time in the future", with("time", now.Add(48*time.Hour).Format(time.RFC3339)), "ahead"},
		{"time not a time", with("time", "yesterday"), "RFC 3339"},
		{"another terminal's record", with("terminal_id", "T2"), "terminal"},
		{"another site", with("site_id", "gate-9"), "site"},
		{"unknown field", with("name", "Zhang San"), "not a record"},
		{"wrong type", with("proxy", "yes"), "not a record"},
		{"over-long rule name", with("rule", strings.Repeat("r", 500)), "longer"},
		{"gate opened on a deny", func() map[string]any {
			r := with("outcome", "deny")
			r["reason"], r["gate_opened"] = "red", true
			return r
		}(), "gate"},
		{"NUL byte in the rule", with("rule", "R\x001"), "NUL"},
		{"over-long rule set", with("rule_set", strings.Repeat("s", 500)+"@1"), "longer"},
	}
	var recs []map[string]any
	var goodIDs []string
	for i, p := range poison {
		g := good()
		g["gate_opened"] = true // a PASS whose gate opened (package gate)
		if i%2 == 1 {           // decided by a site rule: the names travel with it
			g["rule_set"], g["rule"] = "site@7", "GREEN-48H"
		}
		goodIDs = append(goodIDs, g["id"].(string))
		recs = append(recs, g, p.rec)
		if i == 0 {
			recs = append(recs, g) // the same record twice in one batch
		}
	}
	body, _ := json.Marshal(map[string]any{"records": recs})
	resp, b := e.do(t, "POST", wire.PathRecords, "T1", token, body, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("a batch with poison records: %d %s, want 200", resp.StatusCode, b)
	}
	var ack wire.PushResponse
	if err := json.Unmarshal(b, &ack); err != nil {
		t.Fatal(err)
	}
	if ack.Inserted != len(goodIDs) || len(ack.Stored) != len(goodIDs)+1 {
		t.Errorf("inserted %d, stored %d; want %d good records stored", ack.Inserted, len(ack.Stored), len(goodIDs))
	}
	if len(ack.Rejected) != len(poison) {
		t.Fatalf("%d rejections, want %d: %+v", len(ack.Rejected), len(poison), ack.Rejected)
	}
	for i, p := range poison {
		rj := ack.Rejected[i]
		if id, _ := p.rec["id"].(string); rj.ID != id && p.name != "malformed id" {
			t.Errorf("%s: rejection names %q, want %q", p.name, rj.ID, id)
		}
		if !strings.Contains(rj.Reason, p.reason) {
			t.Errorf("%s: reason %q, want it to mention %q", p.name, rj.Reason, p.reason)
		}
	}
	var n, named int
	e.pool.QueryRow(ctx, "SELECT count(*), count(*) FILTER (WHERE rule_set = 'site@7' AND rule = 'GREEN-48H') FROM records").Scan(&n, &named)
	if n != len(goodIDs) || named != len(goodIDs)/2 {
		t.Errorf("hub holds %d records (%d naming their rule), want %d (%d)", n, named, len(goodIDs), len(goodIDs)/2)
	}

	// A terminal whose clock was set to Beijing time as if it were UTC
	// (8 h ahead): its records are kept, not set aside for good.
	{
		g := good()
		g["time"] = now.Add(8 * time.Hour).Format(time.RFC3339Nano)
		body, _ := json.Marshal(map[string]any{"records": []map[string]any{g}})
		resp, b := e.do(t, "POST", wire.PathRecords, "T1", token, body, nil)
		var ack wire.PushResponse
		if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &ack) != nil || ack.Inserted != 1 || len(ack.Rejected) != 0 {
			t.Errorf("a record 8 h ahead (a time zone mistake): %d %s; want it stored", resp.StatusCode, b)
		}
	}

	// The same id twice in one batch, one copy good and one bad (another
	// site), in either order: the id is stored, not also refused.
	for _, goodFirst := range []bool{true, false} {
		g := good()
		bad := with("site_id", "gate-9")
		bad["id"] = g["id"]
		pair := []map[string]any{bad, g}
		if goodFirst {
			pair = []map[string]any{g, bad}
		}
		body, _ := json.Marshal(map[string]any{"records": pair})
		resp, b := e.do(t, "POST", wire.PathRecords, "T1", token, body, nil)
		var ack wire.PushResponse
		if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &ack) != nil || ack.Inserted != 1 || len(ack.Stored) != 1 || len(ack.Rejected) != 0 {
			t.Errorf("good copy first %v: %d %s; want the id stored once and not refused", goodFirst, resp.StatusCode, b)
		}
	}
	e.pool.QueryRow(ctx, "SELECT count(*) FROM records WHERE gate_opened").Scan(&n)
	if n != len(goodIDs) {
		t.Errorf("%d records keep their gate, want %d", n, len(goodIDs))
	}

	// The batch as such: content type, trailing bytes, size.
	for _, tc := range []struct {
		name string
		body []byte
		hdr  map[string]string
		want int
	}{
		{"wrong content type", body, map[string]string{"Content-Type": "text/plain"}, http.StatusUnsupportedMediaType},
		{"trailing garbage", append(append([]byte{}, body...), []byte(`{"records":[]}`)...), nil, http.StatusBadRequest},
		{"oversized body", []byte(`{"records":["` + strings.Repeat("x", wire.MaxPushBytes) + `"]}`), nil, http.StatusRequestEntityTooLarge},
	} {
		if resp, b := e.do(t, "POST", wire.PathRecords, "T1", token, tc.body, tc.hdr); resp.StatusCode != tc.want {
			t.Errorf("%s: %d %s, want %d", tc.name, resp.StatusCode, b, tc.want)
		}
	}
}

// TestSiteBinding: a device pushes records only for its own site.
func TestSiteBinding(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	token, err := e.admin.RegisterDevice(ctx, "T1", "gate-1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.admin.RegisterDevice(ctx, "T2", ""); err == nil {
		t.Error("a device registered without a site")
	}
	at := time.Now().Add(-time.Minute)
	body, _ := json.Marshal(wire.PushRequest{Records: []checkpoint.Record{record("T1", "gate-1", "c1", at), record("T1", "hospital-3", "c2", at)}})
	_, b := e.do(t, "POST", wire.PathRecords, "T1", token, body, nil)
	var ack wire.PushResponse
	if err := json.Unmarshal(b, &ack); err != nil {
		t.Fatal(err)
	}
	if ack.Inserted != 1 || len(ack.Rejected) != 1 || !strings.Contains(ack.Rejected[0].Reason, "site") {
		t.Errorf("site mismatch: %+v; want the gate-1 record stored and the hospital-3 one refused", ack)
	}
	var sites []string
	rows, _ := e.pool.Query(ctx, "SELECT site_id FROM records")
	for rows.Next() {
		var s string
		rows.Scan(&s)
		sites = append(sites, s)
	}
	if len(sites) != 1 || sites[0] != "gate-1" {
		t.Errorf("records stored for sites %q, want only gate-1", sites)
	}
}
