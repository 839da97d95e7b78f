package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/sync/hub"
)

func TestDecodePolicyFileIsStrict(t *testing.T) {
	def := checkpoint.DefaultPolicy()
	rows := []struct {
		name, file string
		want       func(*checkpoint.Policy) // nil: refused
		errHas     string
	}{
		{"partial file keeps the rest", `{"fever_threshold": 37.5}`, func(p *checkpoint.Policy) { p.FeverThreshold = 37.5 }, ""},
		{"durations as strings", `{"pairing_window": "15s", "max_list_age": "48h"}`, func(p *checkpoint.Policy) {
			p.PairingWindow, p.MaxListAge = 15*time.Second, 48*time.Hour
		}, ""},
		{"one-letter typo in a key", `{"fever_treshold": 36.0}`, nil, "unknown policy key(s) fever_treshold"},
		{"duration as a number of nanoseconds", `{"pairing_window": 10}`, nil, `as a string such as "10s"`},
		{"unparsable duration", `{"pairing_window": "10 seconds"}`, nil, "pairing_window"},
		{"wrong type", `{"require_temperature": "yes"}`, nil, "want a bool"},
		{"key given twice", `{"fever_threshold": 37.5, "fever_threshold": 38}`, nil, "appears twice"},
		{"not an object", `[1,2]`, nil, "not a JSON object"},
		{"two objects", `{} {}`, nil, "more than one"},
		{"valid keys, invalid policy", `{"fever_threshold": 45}`, nil, "fever threshold"},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			got, err := decodePolicyFile([]byte(r.file), def)
			if r.want == nil {
				if err == nil || !strings.Contains(err.Error(), r.errHas) {
					t.Fatalf("err %v, want one containing %q", err, r.errHas)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := def
			r.want(&want)
			if got != want {
				t.Errorf("got %+v, want %+v", got, want)
			}
		})
	}
}

func TestPolicyDiffNamesEachChange(t *testing.T) {
	a := checkpoint.DefaultPolicy()
	b := a
	b.FeverThreshold, b.PairingWindow = 37.5, 15*time.Second
	got := strings.Join(policyDiff(a, b), "\n")
	if got != "fever_threshold: 37.3 -> 37.5\npairing_window: 10s -> 15s" {
		t.Errorf("diff:\n%s", got)
	}
}

// TestPolicyPublishRefusesTyposAndDryRunPublishesNothing runs the command
// against PostgreSQL: a typo exits non-zero and leaves no policy; a dry run
// shows the difference and leaves no policy; a real publish shows it too.
func TestPolicyPublishRefusesTyposAndDryRunPublishesNothing(t *testing.T) {
	db := pg.Database(t)
	op := newOperator(t)
	dir, keyFile := op.dir, op.keyFile
	if _, e, code := hubCmd(t, "roots", "add", "--db", db, "--file", op.pubFile); code != 0 {
		t.Fatalf("roots add: %d %s", code, e)
	}
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	count := func() int {
		var n int
		err := withAdmin(context.Background(), db, func(a *hub.Admin) error {
			return a.Pool.QueryRow(context.Background(), "SELECT count(*) FROM policies").Scan(&n)
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	typo := write("typo.json", `{"fever_treshold": 36.0}`)
	if out, e, code := hubCmd(t, "policy", "publish", "--db", db, "--key", keyFile, "--file", typo); code == 0 || !strings.Contains(e, "fever_treshold") {
		t.Errorf("typo: exit %d, out %q, err %q; want non-zero naming the key", code, out, e)
	}
	good := write("good.json", `{"fever_threshold": 37.5, "pairing_window": "15s"}`)
	out, e, code := hubCmd(t, "policy", "publish", "--db", db, "--key", keyFile, "--file", good, "--dry-run")
	if code != 0 || !strings.Contains(out, "fever_threshold: 37.3 -> 37.5") || !strings.Contains(out, "dry run: nothing signed or published") {
		t.Errorf("dry run: exit %d, out %q, err %q", code, out, e)
	}
	if n := count(); n != 0 {
		t.Fatalf("%d policies published after a typo and a dry run, want 0", n)
	}
	if out, e, code := hubCmd(t, "policy", "publish", "--db", db, "--key", keyFile, "--file", good); code != 0 || !strings.Contains(out, "version 1 published") {
		t.Fatalf("publish: exit %d, out %q, err %q", code, out, e)
	}
	again := write("again.json", `{"fever_threshold": 37.6, "pairing_window": "15s"}`)
	out, _, code = hubCmd(t, "policy", "publish", "--db", db, "--key", keyFile, "--file", again, "--dry-run")
	if code != 0 || !strings.Contains(out, "changes from policy version 1 in force") || !strings.Contains(out, "fever_threshold: 37.5 -> 37.6") || strings.Contains(out, "pairing_window") {
		t.Errorf("diff against version 1: exit %d, out %q", code, out)
	}
	if n := count(); n != 1 {
		t.Errorf("%d policies, want 1", n)
	}
}
