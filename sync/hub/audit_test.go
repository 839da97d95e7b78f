package hub_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint/sync/hub"
)

// TestQueriesAreAuditedAndCSVNeutralised: every investigation query leaves
// who, when and the filter behind; cells that a spreadsheet would run as a
// formula are written as text.
func TestQueriesAreAuditedAndCSVNeutralised(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	at := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	if _, _, err := hub.MaintainPartitions(ctx, e.pool, time.Now(), hub.DefaultRetention); err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{"=HYPERLINK(\"http://x\")", "+1+1", "-2", "@SUM(A1)", "plain"} {
		if _, err := e.pool.Exec(ctx, `INSERT INTO records (id, time, terminal_id, site_id, code_id, color, outcome, reason, device_id, rule_set, rule)
			VALUES (gen_random_uuid(), $1, 'T1', 'gate-1', $2, 'green', 'pass', 'green', 'T1', 'site-rules@3', '=R1')`, at, code); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	n, err := e.admin.QuerySite(ctx, &out, "gate-1", at.Add(-time.Minute), at.Add(time.Minute))
	if err != nil || n != 5 {
		t.Fatalf("QuerySite: %d, %v", n, err)
	}
	rows, _ := csv.NewReader(&out).ReadAll()
	if h := rows[0]; len(h) < 14 || h[12] != "rule_set" || h[13] != "rule" {
		t.Errorf("CSV header %v: want rule_set and rule columns", h)
	}
	got := map[string]bool{}
	for _, r := range rows[1:] {
		got[r[4]] = true
		if r[12] != "site-rules@3" || r[13] != "'=R1" {
			t.Errorf("rule cells %q %q: want the rule set and the neutralised rule", r[12], r[13])
		}
	}
	for _, want := range []string{"'=HYPERLINK(\"http://x\")", "'+1+1", "'-2", "'@SUM(A1)", "plain"} {
		if !got[want] {
			t.Errorf("CSV code cells %v lack %q", got, want)
		}
	}
	if _, err := (&hub.Admin{Pool: e.pool}).QueryCode(ctx, &out, "plain", time.Time{}, time.Time{}); err == nil {
		t.Error("a query without an operator's name ran")
	}
	if _, err := e.admin.QueryCode(ctx, &out, "plain", time.Time{}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	type audit struct {
		operator, kind string
		filter         map[string]any
		rows           *int
		at             time.Time
	}
	var as []audit
	r, err := e.pool.Query(ctx, "SELECT operator, kind, filter, rows, at FROM query_audit ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	for r.Next() {
		var a audit
		var f []byte
		if err := r.Scan(&a.operator, &a.kind, &f, &a.rows, &a.at); err != nil {
			t.Fatal(err)
		}
		json.Unmarshal(f, &a.filter)
		as = append(as, a)
	}
	if len(as) != 2 || as[0].operator != "investigator-1" || as[0].kind != "site" || as[0].filter["site"] != "gate-1" || as[0].filter["from"] == nil ||
		as[0].rows == nil || *as[0].rows != 5 || as[1].kind != "code" || as[1].filter["code"] != "plain" || time.Since(as[0].at) > time.Minute {
		t.Errorf("audit rows: %+v", as)
	}
}
