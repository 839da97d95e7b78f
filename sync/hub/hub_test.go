package hub_test

import (
	"bytes"
	"context"
	"crypto"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/healthcode"
	"github.com/checkpoint-terminal/checkpoint/internal/pgtest"
	"github.com/checkpoint-terminal/checkpoint/sync/hub"
	"github.com/checkpoint-terminal/checkpoint/sync/wire"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
)

var pg pgtest.Shared

func TestMain(m *testing.M) {
	os.Exit(pgtest.Main(m, &pg))
}

type env struct {
	pool  *pgxpool.Pool
	admin *hub.Admin
	srv   *httptest.Server
	hub   *hub.Server
}

func newEnv(t *testing.T) *env {
	t.Helper()
	pool := pg.Pool(t)
	pem, err := healthcode.MarshalPublicKeyPEM(testRoot.Public())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (&hub.Admin{Pool: pool}).AddRoot(context.Background(), pem); err != nil {
		t.Fatal(err)
	}
	s := hub.New(pool, hub.Config{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return &env{pool: pool, admin: &hub.Admin{Pool: pool, Operator: "investigator-1"}, srv: srv, hub: s}
}

// dataset is the hub's current series.
func (e *env) dataset(t *testing.T) wire.DatasetID {
	t.Helper()
	var id uuid.UUID
	if err := e.pool.QueryRow(context.Background(), "SELECT dataset FROM hub_state").Scan(&id); err != nil {
		t.Fatal(err)
	}
	return wire.DatasetID(id)
}

func (e *env) do(t *testing.T, method, path, device, token string, body []byte, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set(wire.HeaderDevice, device)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func record(device, site, code string, at time.Time) checkpoint.Record {
	c := 36.5
	return checkpoint.Record{ID: uuid.Must(uuid.NewV7()).String(), Time: at, TerminalID: device, SiteID: site, CodeID: code,
		Format: checkpoint.FormatHealthCode, Color: checkpoint.ColorGreen, Celsius: &c, Outcome: checkpoint.OutcomePass, Reason: checkpoint.ReasonGreen}
}

func TestPushIsIdempotentAndAuthenticated(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	token, err := e.admin.RegisterDevice(ctx, "T1", "gate-1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.admin.RegisterDevice(ctx, "T1", "gate-1"); err == nil {
		t.Fatal("registering an active device twice succeeded")
	}
	at := time.Now().UTC().Truncate(time.Hour).Add(-2 * time.Hour)
	recs := []checkpoint.Record{record("T1", "gate-1", "c1", at), record("T1", "gate-1", "c2", at.Add(time.Minute)), record("T2", "gate-1", "c3", at)}
	body, _ := json.Marshal(wire.PushRequest{Records: recs})

	for _, tc := range []struct {
		name, device, token string
		want                int
	}{
		{"unknown device", "T9", token, http.StatusUnauthorized},
		{"wrong token", "T1", token + "x", http.StatusUnauthorized},
		{"no token", "T1", "", http.StatusUnauthorized},
	} {
		if resp, _ := e.do(t, "POST", wire.PathRecords, tc.device, tc.token, body, nil); resp.StatusCode != tc.want {
			t.Errorf("%s: status %d, want %d", tc.name, resp.StatusCode, tc.want)
		}
	}
	for round := range 2 {
		resp, b := e.do(t, "POST", wire.PathRecords, "T1", token, body, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("push round %d: %d %s", round, resp.StatusCode, b)
		}
		var ack wire.PushResponse
		if err := json.Unmarshal(b, &ack); err != nil {
			t.Fatal(err)
		}
		wantInserted := 2
		if round == 1 {
			wantInserted = 0
		}
		if len(ack.Stored) != 2 || ack.Inserted != wantInserted || len(ack.Rejected) != 1 || ack.Rejected[0].ID != recs[2].ID {
			t.Errorf("push round %d: ack %+v, want 2 stored, %d inserted, the foreign terminal's record rejected", round, ack, wantInserted)
		}
	}
	var n int
	if err := e.pool.QueryRow(ctx, "SELECT count(*) FROM records").Scan(&n); err != nil || n != 2 {
		t.Fatalf("records in hub: %d (%v), want 2", n, err)
	}
	if resp, b := e.do(t, "POST", wire.PathRecords, "T1", token, []byte("{garbage"), nil); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("garbage push: %d %s, want 400", resp.StatusCode, b)
	}

	var csvOut bytes.Buffer
	got, err := e.admin.QuerySite(ctx, &csvOut, "gate-1", at, at.Add(30*time.Second))
	if err != nil || got != 1 {
		t.Fatalf("QuerySite: %d rows, %v; want 1", got, err)
	}
	rows, _ := csv.NewReader(&csvOut).ReadAll()
	if len(rows) != 2 || rows[1][0] != recs[0].ID || rows[1][4] != "c1" {
		t.Errorf("QuerySite CSV: %q", rows)
	}
	csvOut.Reset()
	if got, err := e.admin.QueryCode(ctx, &csvOut, "c2", time.Time{}, time.Time{}); err != nil || got != 1 || !strings.Contains(csvOut.String(), recs[1].ID) {
		t.Errorf("QueryCode: %d rows, %v: %s", got, err, csvOut.String())
	}

	if err := e.admin.RevokeDevice(ctx, "T1"); err != nil {
		t.Fatal(err)
	}
	if resp, _ := e.do(t, "POST", wire.PathRecords, "T1", token, body, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("revoked device: status %d, want 401", resp.StatusCode)
	}
	token2, err := e.admin.RegisterDevice(ctx, "T1", "gate-1")
	if err != nil {
		t.Fatalf("re-registering a revoked device: %v", err)
	}
	if resp, _ := e.do(t, "POST", wire.PathRecords, "T1", token, body, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("old token after re-registration: status %d, want 401", resp.StatusCode)
	}
	if resp, _ := e.do(t, "POST", wire.PathRecords, "T1", token2, body, nil); resp.StatusCode != http.StatusOK {
		t.Errorf("new token: status %d, want 200", resp.StatusCode)
	}
}

// testRoot is the authority's root in these tests; newEnv configures it.
var testRoot = func() crypto.Signer {
	k, err := healthcode.GenerateKey(healthcode.ES256)
	if err != nil {
		panic(err)
	}
	return k
}()

// tagged signs as the authority does.
func tagged(payload []byte) ([]byte, error) { return healthcode.SignDocument(payload, testRoot) }

// opened verifies a signed document against testRoot.
func opened(t *testing.T, signed []byte) []byte {
	t.Helper()
	p, err := healthcode.OpenDocument(signed, []crypto.PublicKey{testRoot.Public()})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// trustList signs a trust list of version with testRoot (or root).
func trustList(t *testing.T, version uint64, root crypto.Signer) []byte {
	t.Helper()
	if root == nil {
		root = testRoot
	}
	now := time.Now()
	e, err := healthcode.NewKeyEntry(testRoot.Public(), "110000", "BJHC")
	if err != nil {
		t.Fatal(err)
	}
	b, err := healthcode.SignTrustList(healthcode.TrustListDoc{Version: version, IssuedAt: now.Add(-time.Hour), ExpiresAt: now.Add(24 * time.Hour), Entries: []healthcode.TrustListEntry{e}}, root)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readFrames(t *testing.T, b []byte) []wire.RevocationDoc {
	t.Helper()
	var docs []wire.RevocationDoc
	r := bytes.NewReader(b)
	for {
		f, err := wire.ReadFrame(r, wire.MaxFrame)
		if err == io.EOF {
			return docs
		}
		if err != nil {
			t.Fatal(err)
		}
		d, err := wire.ParseRevocationDoc(opened(t, f))
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, d)
	}
}

func hashes(prefix string, n int) []checkpoint.RevocationHash {
	out := make([]checkpoint.RevocationHash, n)
	for i := range out {
		out[i] = checkpoint.HashForRevocation([]byte(fmt.Sprintf("%s-%d", prefix, i)))
	}
	return out
}

func TestRevocationsDeltasAndSnapshots(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	token, err := e.admin.RegisterDevice(ctx, "T1", "gate-1")
	if err != nil {
		t.Fatal(err)
	}
	ds := e.dataset(t)
	get := func(since int) (*http.Response, []wire.RevocationDoc) {
		resp, b := e.do(t, "GET", fmt.Sprintf("%s?since=%d&dataset=%s", wire.PathRevocations, since, ds), "T1", token, nil, nil)
		if resp.StatusCode != http.StatusOK {
			return resp, nil
		}
		return resp, readFrames(t, b)
	}
	if resp, _ := get(0); resp.StatusCode != http.StatusNotModified {
		t.Fatalf("nothing published: status %d, want 304", resp.StatusCode)
	}
	for i, n := range []int{3, 5, 2} {
		seq, added, err := e.admin.AddRevocations(ctx, hashes(fmt.Sprint(i), n), tagged)
		if err != nil || seq != uint64(i+1) || added != n {
			t.Fatalf("AddRevocations %d: seq %d added %d %v", i, seq, added, err)
		}
	}
	if seq, added, err := e.admin.AddRevocations(ctx, hashes("0", 3), tagged); err != nil || seq != 3 || added != 0 {
		t.Fatalf("re-adding known hashes: seq %d added %d %v; want 3, 0", seq, added, err)
	}
	resp, docs := get(1)
	if resp.Header.Get(wire.HeaderRevocationSeq) != "3" || len(docs) != 2 || docs[0].Seq != 2 || docs[0].Prev != 1 || len(docs[0].Hashes) != 5 || docs[1].Seq != 3 {
		t.Fatalf("deltas since 1: header %q docs %+v", resp.Header.Get(wire.HeaderRevocationSeq), docs)
	}
	if resp, _ := get(3); resp.StatusCode != http.StatusNotModified {
		t.Errorf("up to date: status %d, want 304", resp.StatusCode)
	}
	if seq, count, err := e.admin.PublishSnapshot(ctx, tagged, false); err != nil || seq != 3 || count != 10 {
		t.Fatalf("PublishSnapshot: %d %d %v", seq, count, err)
	}
	if _, _, err := e.admin.AddRevocations(ctx, hashes("x", 1), tagged); err != nil {
		t.Fatal(err)
	}
	// From 0 the snapshot (10 hashes) is cheaper than deltas 1..3 (10 too:
	// not more) so deltas come; from a pruned history the snapshot comes.
	_, docs = get(0)
	if len(docs) != 4 || docs[0].Kind != wire.KindDelta {
		t.Errorf("since 0 with full history: %d docs, first %v; want the 4 deltas", len(docs), docs[0].Kind)
	}
	if _, err := e.pool.Exec(ctx, "DELETE FROM revocation_deltas WHERE seq <= 2"); err != nil {
		t.Fatal(err)
	}
	_, docs = get(0)
	if len(docs) != 2 || docs[0].Kind != wire.KindSnapshot || docs[0].Seq != 3 || len(docs[0].Hashes) != 10 || docs[1].Seq != 4 || docs[1].Prev != 3 {
		t.Errorf("since 0 with pruned history: %+v; want snapshot 3 then delta 4", docs)
	}
	if resp, _ := e.do(t, "GET", wire.PathRevocations+"?since=abc", "T1", token, nil, nil); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("bad since: %d", resp.StatusCode)
	}
}

func TestSignedDocumentsWithETags(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	token, err := e.admin.RegisterDevice(ctx, "T1", "gate-1")
	if err != nil {
		t.Fatal(err)
	}
	if resp, _ := e.do(t, "GET", wire.PathTrustList, "T1", token, nil, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("no trust list: %d, want 404", resp.StatusCode)
	}
	list7 := trustList(t, 7, nil)
	if _, err := e.admin.PublishTrustList(ctx, list7); err != nil {
		t.Fatal(err)
	}
	if _, err := e.admin.PublishTrustList(ctx, trustList(t, 7, nil)); err == nil {
		t.Error("publishing the same version twice succeeded")
	}
	resp, b := e.do(t, "GET", wire.PathTrustList, "T1", token, nil, nil)
	etag := resp.Header.Get("ETag")
	if resp.StatusCode != 200 || !bytes.Equal(b, list7) || !strings.HasPrefix(etag, `"tl-7-`) || resp.Header.Get("Cache-Control") != "public, max-age=60" {
		t.Fatalf("trust list: %d %q etag %q", resp.StatusCode, b, resp.Header.Get("ETag"))
	}
	if resp, _ := e.do(t, "GET", wire.PathTrustList, "T1", token, nil, map[string]string{"If-None-Match": etag}); resp.StatusCode != http.StatusNotModified {
		t.Errorf("conditional trust list: %d, want 304", resp.StatusCode)
	}
	resp, b = e.do(t, "GET", wire.PathTrustList+"/7", "T1", token, nil, nil)
	if resp.StatusCode != 200 || !bytes.Equal(b, list7) || resp.Header.Get("ETag") != etag || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("trust list 7 by version: %d etag %q cache %q", resp.StatusCode, resp.Header.Get("ETag"), resp.Header.Get("Cache-Control"))
	}
	if resp, _ := e.do(t, "GET", wire.PathTrustList+"/8", "T1", token, nil, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("trust list 8 (not published): %d, want 404", resp.StatusCode)
	}
	v, err := e.admin.PublishPolicy(ctx, 0, checkpoint.DefaultPolicy(), tagged)
	if err != nil || v != 1 {
		t.Fatalf("PublishPolicy: %d %v", v, err)
	}
	bad := checkpoint.DefaultPolicy()
	bad.FeverThreshold = 80
	if _, err := e.admin.PublishPolicy(ctx, 0, bad, tagged); err == nil {
		t.Error("an invalid policy was published")
	}
	resp, b = e.do(t, "GET", wire.PathPolicy, "T1", token, nil, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("policy: %d", resp.StatusCode)
	}
	d, err := wire.ParsePolicyDoc(opened(t, b))
	if err != nil || d.Version != 1 || d.Policy != checkpoint.DefaultPolicy() {
		t.Errorf("policy served: %+v %v", d, err)
	}
	resp, b = e.do(t, "GET", "/healthz", "", "", nil, nil)
	if resp.StatusCode != 200 {
		t.Errorf("healthz: %d %s", resp.StatusCode, b)
	}
	if resp, _ := e.do(t, "GET", "/metrics", "", "", nil, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("metrics on the API's listener: %d, want 404", resp.StatusCode)
	}
	rec := httptest.NewRecorder()
	e.hub.MetricsHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "checkpoint_hub_http_requests_total") {
		t.Errorf("metrics: %d, no request counter", rec.Code)
	}
}
