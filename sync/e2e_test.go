package sync_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/healthcode"
	cpsync "github.com/checkpoint-terminal/checkpoint/sync"
	"github.com/checkpoint-terminal/checkpoint/sync/hub"
	"github.com/checkpoint-terminal/checkpoint/sync/wire"
	"github.com/jackc/pgx/v5/pgxpool"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// hubEnv is a real hub on loopback over a fresh PostgreSQL database.
type hubEnv struct {
	t     testing.TB
	pool  *pgxpool.Pool
	admin *hub.Admin
	auth  *authority
	addr  string
	srv   *http.Server
	token string
}

func newHub(t *testing.T) *hubEnv { return newHubTB(t) }

func newHubTB(t testing.TB) *hubEnv {
	t.Helper()
	ctx := context.Background()
	pool := pg.Pool(t)
	h := &hubEnv{t: t, pool: pool, admin: &hub.Admin{Pool: pool}, auth: newAuthority(t)}
	pem, err := healthcode.MarshalPublicKeyPEM(h.auth.root.Public())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.admin.AddRoot(ctx, pem); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h.addr = l.Addr().String()
	l.Close()
	if h.token, err = h.admin.RegisterDevice(ctx, "T1", "gate-1"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.stop)
	return h
}

// start serves the hub on its address (again after stop).
func (h *hubEnv) start() {
	h.t.Helper()
	l, err := net.Listen("tcp", h.addr)
	if err != nil {
		h.t.Fatal(err)
	}
	h.srv = &http.Server{Handler: hub.New(h.pool, hub.Config{Log: quiet}).Handler()}
	go h.srv.Serve(l)
}

func (h *hubEnv) stop() {
	if h.srv != nil {
		h.srv.Close()
		h.srv = nil
	}
}

func (h *hubEnv) url() string { return "http://" + h.addr }

func (h *hubEnv) client(s *cpsync.Store, hubURL string) *cpsync.Client {
	h.t.Helper()
	c, err := cpsync.NewClient(s, cpsync.ClientConfig{HubURL: hubURL, DeviceID: "T1", Token: h.token, Roots: h.auth.roots(),
		Interval: time.Hour, MinBackoff: 5 * time.Millisecond, MaxBackoff: 50 * time.Millisecond, BatchSize: 100, RequestTimeout: 10 * time.Second},
		nil, quiet)
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

func (h *hubEnv) publish(trustVersion uint64, now time.Time) {
	h.t.Helper()
	ctx := context.Background()
	if _, err := h.admin.PublishTrustList(ctx, h.auth.trustList(h.t, trustVersion, now.Add(-time.Hour), now.Add(30*24*time.Hour))); err != nil {
		h.t.Fatal(err)
	}
}

func (h *hubEnv) sign(p []byte) ([]byte, error) { return healthcode.SignDocument(p, h.auth.root) }

// hubIDs returns every record id the hub holds and how often.
func (h *hubEnv) hubIDs() map[string]int {
	h.t.Helper()
	rows, err := h.pool.Query(context.Background(), "SELECT id::text FROM records")
	if err != nil {
		h.t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			h.t.Fatal(err)
		}
		out[id]++
	}
	return out
}

// checkExactlyOnce checks the hub holds each of ids once and nothing else,
// and that the terminal's outbox is empty.
func checkExactlyOnce(t *testing.T, h *hubEnv, s *cpsync.Store, ids []string) {
	t.Helper()
	got := h.hubIDs()
	if len(got) != len(ids) {
		t.Errorf("hub holds %d records, want %d", len(got), len(ids))
	}
	for _, id := range ids {
		if got[id] != 1 {
			t.Errorf("hub holds record %s %d times, want once", id, got[id])
			break
		}
	}
	if s.Pending() != 0 {
		t.Errorf("outbox still holds %d records", s.Pending())
	}
}

func appendN(t *testing.T, s *cpsync.Store, n int, at time.Time) []string {
	t.Helper()
	ids := make([]string, n)
	var wg gosync.WaitGroup
	for w := range 16 {
		wg.Go(func() {
			for i := w; i < n; i += 16 {
				r, err := s.Append(context.Background(), newRecord("T1", "gate-1", "code", at.Add(time.Duration(i)*time.Millisecond)))
				if err != nil {
					t.Error(err)
					return
				}
				ids[i] = r.ID
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	return ids
}

func TestEndToEndRecordsUpListsDown(t *testing.T) {
	h := newHub(t)
	h.start()
	ctx := context.Background()
	now := time.Now()
	h.publish(1, now)
	pol := checkpoint.DefaultPolicy()
	pol.FeverThreshold = 37.8
	if _, err := h.admin.PublishPolicy(ctx, 0, pol, h.sign); err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.admin.AddRevocations(ctx, hashes("old", 100), h.sign); err != nil {
		t.Fatal(err)
	}
	s := openStore(t, "", h.auth.roots())
	c := h.client(s, h.url())
	ids := appendN(t, s, 250, now)
	if err := c.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	checkExactlyOnce(t, h, s, ids)
	st := c.Status()
	if !st.Online || st.LastError != "" || st.TrustListVersion != 1 || st.PolicyVersion != 1 || st.RevocationSeq != 1 || st.Pending != 0 {
		t.Errorf("status after a good round: %+v", st)
	}
	if p, _ := s.Policy(); p.FeverThreshold != 37.8 {
		t.Errorf("policy threshold %.1f, want the published 37.8", p.FeverThreshold)
	}

	// A code verifies against the downloaded list, then is revoked at the
	// hub and denied at the terminal after the next round.
	v := healthcode.NewVerifier(s, s, nil, healthcode.Options{})
	id := healthcode.NewCodeID()
	if _, err := v.Verify(h.auth.code(t, id, time.Now())); err != nil {
		t.Fatalf("a valid code before revocation: %v", err)
	}
	hsh, err := healthcode.RevocationHashForCodeID(id)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.admin.AddRevocations(ctx, []checkpoint.RevocationHash{hsh}, h.sign); err != nil {
		t.Fatal(err)
	}
	h.publish(2, now)
	if err := c.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	_, err = v.Verify(h.auth.code(t, id, time.Now()))
	var ve *checkpoint.VerifyError
	if !errors.As(err, &ve) || ve.Failure != checkpoint.FailRevoked {
		t.Errorf("newly revoked code: %v, want a revoked failure", err)
	}
	if st := c.Status(); st.TrustListVersion != 2 || st.RevocationSeq != 2 {
		t.Errorf("after the second round: trust list %d, revocations %d; want 2, 2", st.TrustListVersion, st.RevocationSeq)
	}
	// Nothing new: the conditional requests change nothing.
	if err := c.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	// Acknowledged records go once past retention; new ones stay.
	late := appendN(t, s, 5, now.AddDate(0, 2, 0))
	if n, err := s.Purge(now.AddDate(0, 2, 0), 28*24*time.Hour); err != nil || n != len(ids) {
		t.Errorf("purge after retention: %d purged (%v), want the %d acknowledged", n, err, len(ids))
	}
	if recent, _ := s.Recent(100); len(recent) != len(late) || s.Pending() != len(late) {
		t.Errorf("after purge: %d records, %d pending; want %d of both", len(recent), s.Pending(), len(late))
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestHubDownThenUp(t *testing.T) {
	h := newHub(t)
	h.publish(1, time.Now())
	s := openStore(t, "", h.auth.roots())
	c := h.client(s, h.url())
	ctx, cancel := context.WithCancel(context.Background())
	var wg gosync.WaitGroup
	wg.Go(func() { c.Run(ctx) })
	defer func() { cancel(); wg.Wait() }()

	ids := appendN(t, s, 300, time.Now())
	waitFor(t, "failed rounds while the hub is down", func() bool { return c.Status().Failures >= 3 })
	if st := c.Status(); st.Online || st.Pending != 300 || st.LastError == "" || !st.LastSync.IsZero() {
		t.Errorf("status with the hub down: %+v", st)
	}
	h.start()
	c.SyncNow()
	waitFor(t, "the outbox to drain", func() bool { st := c.Status(); return st.Pending == 0 && st.Online && st.TrustListVersion == 1 })
	checkExactlyOnce(t, h, s, ids)
}

// cutProxy forwards TCP to the hub; its first connections are cut: either
// the request reaches the hub and the answer is dropped, or the request is
// cut halfway.
type cutProxy struct {
	l      net.Listener
	target string
	// dropAnswer and cutRequest count the connections still to cut.
	dropAnswer, cutRequest atomic.Int32
	cuts                   atomic.Int32
}

func newCutProxy(t *testing.T, target string) *cutProxy {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{l: l, target: target}
	t.Cleanup(func() { l.Close() })
	go p.serve()
	return p
}

func (p *cutProxy) serve() {
	for {
		c, err := p.l.Accept()
		if err != nil {
			return
		}
		go p.handle(c)
	}
}

func (p *cutProxy) handle(c net.Conn) {
	defer c.Close()
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	defer up.Close()
	first := make([]byte, 8<<10)
	n, err := c.Read(first)
	if err != nil {
		return
	}
	first = first[:n]
	if bytes.HasPrefix(first, []byte("POST ")) {
		switch {
		case p.dropAnswer.Add(-1) >= 0:
			// The whole push reaches the hub; once it answers, the terminal
			// is cut off before it sees any of the answer.
			up.Write(first)
			go io.Copy(up, c)
			if _, err := up.Read(make([]byte, 1)); err == nil {
				p.cuts.Add(1)
			}
			return
		case p.cutRequest.Add(-1) >= 0:
			// The push is cut halfway through its first bytes.
			up.Write(first[:n/2])
			p.cuts.Add(1)
			return
		}
	}
	up.Write(first)
	go io.Copy(up, c)
	io.Copy(c, up)
}

func TestConnectionCutMidBatch(t *testing.T) {
	h := newHub(t)
	h.start()
	// One request per connection, so that every push opens a connection
	// the proxy may cut.
	h.srv.SetKeepAlivesEnabled(false)
	h.publish(1, time.Now())
	p := newCutProxy(t, h.addr)
	p.dropAnswer.Store(3)
	p.cutRequest.Store(2)
	s := openStore(t, "", h.auth.roots())
	c := h.client(s, "http://"+p.l.Addr().String())
	ids := appendN(t, s, 1000, time.Now())
	for round := 0; ; round++ {
		err := c.Sync(context.Background())
		if err == nil && s.Pending() == 0 {
			break
		}
		if round > 50 {
			t.Fatalf("still %d pending after 50 rounds: %v", s.Pending(), err)
		}
	}
	if p.cuts.Load() != 5 {
		t.Errorf("%d connections cut, want 5", p.cuts.Load())
	}
	checkExactlyOnce(t, h, s, ids)
}

// faultyHub stands in front of the real hub and misbehaves while on.
type faultyHub struct {
	mode atomic.Value // string
	real *httputil.ReverseProxy
}

func (f *faultyHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch f.mode.Load().(string) {
	case "errors":
		http.Error(w, "overloaded", http.StatusServiceUnavailable)
	case "garbage":
		w.Header().Set("ETag", `"garbage"`)
		w.Header().Set(wire.HeaderRevocationSeq, "99")
		w.Write([]byte("\x00\x00\x00\x05garbage{not json"))
	case "tamper":
		rec := &recorder{header: http.Header{}, code: 200}
		f.real.ServeHTTP(rec, r)
		body := rec.body.Bytes()
		if r.URL.Path == wire.PathTrustList && len(body) > 0 {
			body = bytes.Clone(body)
			body[len(body)/3] ^= 0x01
		}
		for k, v := range rec.header {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.code)
		w.Write(body)
	default:
		f.real.ServeHTTP(w, r)
	}
}

type recorder struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *recorder) WriteHeader(c int)           { r.code = c }

func TestHubErrorsGarbageAndTampering(t *testing.T) {
	h := newHub(t)
	h.start()
	ctx := context.Background()
	now := time.Now()
	h.publish(1, now)
	if _, _, err := h.admin.AddRevocations(ctx, hashes("r", 10), h.sign); err != nil {
		t.Fatal(err)
	}
	target, _ := url.Parse(h.url())
	f := &faultyHub{real: httputil.NewSingleHostReverseProxy(target)}
	f.mode.Store("ok")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	front := &http.Server{Handler: f}
	go front.Serve(l)
	t.Cleanup(func() { front.Close() })

	s := openStore(t, "", h.auth.roots())
	c := h.client(s, "http://"+l.Addr().String())
	ids := appendN(t, s, 120, now)
	if err := c.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	more := appendN(t, s, 80, now.Add(time.Minute))
	h.publish(2, now)
	if _, _, err := h.admin.AddRevocations(ctx, hashes("s", 10), h.sign); err != nil {
		t.Fatal(err)
	}

	for _, mode := range []string{"errors", "garbage", "tamper"} {
		f.mode.Store(mode)
		err := c.Sync(ctx)
		st := c.Status()
		if err == nil || st.LastError == "" {
			t.Errorf("%s: the round succeeded", mode)
		}
		if mode == "errors" && st.Online {
			t.Errorf("%s: status online while the hub answers 503", mode)
		}
		if st.TrustListVersion != 1 {
			t.Errorf("%s: trust list %d; the good list 1 must stay", mode, st.TrustListVersion)
		}
		if mode != "tamper" && st.RevocationSeq != 1 {
			t.Errorf("%s: revocations at %d; the good set 1 must stay", mode, st.RevocationSeq)
		}
		if mode != "tamper" && st.Pending != 80 {
			t.Errorf("%s: %d pending, want 80 kept", mode, st.Pending)
		}
		if mode == "tamper" && !strings.Contains(st.LastError, "trust") {
			t.Errorf("tampered trust list: last error %q does not say so", st.LastError)
		}
		if ok, _ := s.IsRevoked(hashes("s", 1)[0]); ok && mode != "tamper" {
			t.Errorf("%s: revocations changed", mode)
		}
		if err := s.Check(); err != nil {
			t.Fatalf("%s: store inconsistent: %v", mode, err)
		}
	}
	f.mode.Store("ok")
	if err := c.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if st := c.Status(); st.TrustListVersion != 2 || st.RevocationSeq != 2 || !st.Online {
		t.Errorf("after recovery: %+v", st)
	}
	checkExactlyOnce(t, h, s, append(ids, more...))
}
