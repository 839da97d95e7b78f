package sync

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	gosync "sync"
	"sync/atomic"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/sync/wire"
)

// ClientConfig configures a Client. HubURL, DeviceID, Token and Roots are
// required.
type ClientConfig struct {
	// HubURL is the hub's base URL. https, or http only to a loopback host.
	HubURL string
	// DeviceID and Token are the credentials an operator registered
	// (hub device register).
	DeviceID string
	Token    string
	// Region is the terminal's GB/T 2260 region ([rules] region), sent
	// with the rule set request so the hub serves the newest set whose
	// scope takes this terminal in (empty: region-scoped sets never apply).
	Region string
	// Roots are the pinned roots every downloaded document is verified
	// against before it replaces anything.
	Roots []crypto.PublicKey
	// CAPEM, when set, is the private CA the hub's certificate must chain
	// to (instead of the system roots).
	CAPEM []byte
	// PinSHA256, when set, is the SHA-256 of the hub's certificate (DER);
	// the connection is refused unless the hub presents exactly it. With a
	// pin and no CAPEM a self-signed hub certificate is accepted.
	PinSHA256 []byte
	// SPKIPins, when set, are SHA-256 pins of the hub's public key
	// (SPKIPin; several: the current key and a backup). The connection is
	// refused unless the hub's certificate carries one of them; with no
	// CAPEM the pin is the whole check (a self-signed hub certificate).
	SPKIPins [][]byte
	// Interval between sync rounds while all is well; 0 means 30 s.
	Interval time.Duration
	// MinBackoff and MaxBackoff bound the wait after a failed round; it
	// doubles per failure, with full jitter. 0 means 1 s and 5 min.
	MinBackoff, MaxBackoff time.Duration
	// BatchSize is the number of records per push; 0 means 1000.
	BatchSize int
	// RequestTimeout bounds one HTTP exchange; 0 means 60 s.
	RequestTimeout time.Duration
	// RefusedRetry is the wait after a round the hub refused (401/403):
	// a revoked terminal must not knock every round; 0 means 1 h.
	RefusedRetry time.Duration
	// WrapTransport, when set, wraps the client's HTTP transport (with its
	// TLS settings): the fleet simulation (hub loadgen) injects offline
	// periods and cut connections, and times pushes, through it.
	WrapTransport func(http.RoundTripper) http.RoundTripper
}

// Status is what the UI shows about synchronisation.
type Status struct {
	// Online is true after a round in which the hub answered (a status
	// below 500), false after one in which it did not (or before the first).
	Online bool
	// Refused is true after a round in which the hub refused this
	// terminal's credentials (401 or 403: the device was revoked or the
	// token is wrong). Run then waits ClientConfig.RefusedRetry, not the
	// usual backoff, until SyncNow.
	Refused bool
	// LastSync is when a round last completed without error.
	LastSync time.Time
	// LastAttempt is when the last round ended.
	LastAttempt time.Time
	// NextAttempt is when the next round starts unless SyncNow is called.
	NextAttempt time.Time
	// Failures counts rounds failed in a row.
	Failures int
	// LastError is the last round's error, empty after success.
	LastError string
	// Pending is the number of records not yet acknowledged by the hub.
	Pending int
	// Rejected is the number of records the hub refused for good; they
	// are kept aside in the store (Store.RejectedRecords), never retried.
	Rejected int

	TrustListVersion uint64
	// TrustListAge is how long ago the installed list was issued.
	TrustListAge     time.Duration
	TrustListExpires time.Time
	PolicyVersion    uint64
	RevocationSeq    uint64
	RevocationAge    time.Duration
}

// Client keeps a Store in step with the hub. Run it in the background;
// Status and SyncNow are safe from any goroutine and never block on the
// network.
type Client struct {
	store *Store
	cfg   ClientConfig
	base  *url.URL
	http  *http.Client
	clock checkpoint.Clock
	log   *slog.Logger
	kick  chan struct{}
	// reached is set when the hub answered (below 500) in this round.
	reached atomic.Bool

	mu     gosync.Mutex
	status Status
	etags  map[string]string
}

// NewClient checks cfg and makes a client; nothing is sent until Run or Sync.
func NewClient(store *Store, cfg ClientConfig, clock checkpoint.Clock, log *slog.Logger) (*Client, error) {
	if store == nil {
		return nil, errors.New("sync client: no store")
	}
	if cfg.DeviceID == "" || cfg.Token == "" {
		return nil, errors.New("sync client: device id and token are required")
	}
	if len(cfg.Roots) == 0 {
		return nil, fmt.Errorf("sync client: %w", ErrNoRoots)
	}
	u, err := url.Parse(cfg.HubURL)
	if err != nil {
		return nil, fmt.Errorf("sync client: hub URL: %w", err)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return nil, fmt.Errorf("sync client: plain http only to a loopback hub, not %q; use https", u.Host)
		}
	default:
		return nil, fmt.Errorf("sync client: hub URL %q must be https (or http to loopback)", cfg.HubURL)
	}
	tlsConf, err := tlsConfig(cfg)
	if err != nil {
		return nil, err
	}
	if cfg.Interval == 0 {
		cfg.Interval = 30 * time.Second
	}
	if cfg.RefusedRetry == 0 {
		cfg.RefusedRetry = time.Hour
	}
	if cfg.MinBackoff == 0 {
		cfg.MinBackoff = time.Second
	}
	if cfg.MaxBackoff == 0 {
		cfg.MaxBackoff = 5 * time.Minute
	}
	if cfg.BatchSize <= 0 || cfg.BatchSize > wire.MaxBatchRecords {
		cfg.BatchSize = 1000
	}
	if cfg.RequestTimeout == 0 {
		cfg.RequestTimeout = 60 * time.Second
	}
	if clock == nil {
		clock = checkpoint.SystemClock{}
	}
	if log == nil {
		log = slog.Default()
	}
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:     tlsConf,
		TLSHandshakeTimeout: 10 * time.Second,
		MaxIdleConnsPerHost: 2,
		IdleConnTimeout:     90 * time.Second,
		ForceAttemptHTTP2:   true,
	}
	var rt http.RoundTripper = tr
	if cfg.WrapTransport != nil {
		rt = cfg.WrapTransport(tr)
	}
	c := &Client{store: store, cfg: cfg, base: u, http: &http.Client{Transport: rt}, clock: clock, log: log,
		kick: make(chan struct{}, 1), etags: map[string]string{}}
	c.status.Pending = store.Pending()
	return c, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func tlsConfig(cfg ClientConfig) (*tls.Config, error) {
	t := &tls.Config{MinVersion: tls.VersionTLS12}
	if len(cfg.CAPEM) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(cfg.CAPEM) {
			return nil, errors.New("sync client: the CA PEM holds no certificate")
		}
		t.RootCAs = pool
	}
	if len(cfg.SPKIPins) > 0 {
		pins := make([][]byte, len(cfg.SPKIPins))
		for i, p := range cfg.SPKIPins {
			if len(p) != sha256.Size {
				return nil, fmt.Errorf("sync client: public key pin %d is %d bytes, want %d", i+1, len(p), sha256.Size)
			}
			pins[i] = append([]byte(nil), p...)
		}
		t.InsecureSkipVerify = len(cfg.CAPEM) == 0
		t.VerifyPeerCertificate = func(raw [][]byte, _ [][]*x509.Certificate) error { return checkSPKIPins(raw, pins) }
		return t, nil
	}
	if len(cfg.PinSHA256) > 0 {
		if len(cfg.PinSHA256) != sha256.Size {
			return nil, fmt.Errorf("sync client: certificate pin is %d bytes, want %d", len(cfg.PinSHA256), sha256.Size)
		}
		pin := append([]byte(nil), cfg.PinSHA256...)
		// With a CA the chain is verified as usual and the pin checked on
		// top; with a pin alone the pin is the whole check.
		t.InsecureSkipVerify = len(cfg.CAPEM) == 0
		t.VerifyPeerCertificate = func(raw [][]byte, _ [][]*x509.Certificate) error {
			if len(raw) == 0 {
				return errors.New("hub presented no certificate")
			}
			sum := sha256.Sum256(raw[0])
			if subtle.ConstantTimeCompare(sum[:], pin) != 1 {
				return errors.New("hub certificate does not match the pinned one")
			}
			return nil
		}
	}
	return t, nil
}

// SyncNow asks Run to start a round at once (it returns immediately).
func (c *Client) SyncNow() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// Status returns the current state; it never waits for the network.
func (c *Client) Status() Status {
	c.mu.Lock()
	st := c.status
	c.mu.Unlock()
	st.Pending = c.store.Pending()
	st.Rejected, _ = c.store.Rejected()
	now := c.clock.Now()
	if v, issued, expires, ok := c.store.TrustListInfo(); ok {
		st.TrustListVersion, st.TrustListAge, st.TrustListExpires = v, now.Sub(issued), expires
	}
	_, st.PolicyVersion = c.store.Policy()
	if ss, err := c.store.SyncState(); err == nil {
		st.RevocationSeq = ss.RevocationSeq
		st.RevocationAge = revocationAge(ss, now)
	}
	return st
}

// Run syncs until ctx ends: a round every Interval, after a failure an
// exponentially growing wait with full jitter, at once on SyncNow.
// Purging old records is not its job: the terminal runs one purge loop with
// the retention in force (signed or local policy).
func (c *Client) Run(ctx context.Context) error {
	for {
		err := c.Sync(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		now := c.clock.Now()
		c.mu.Lock()
		wait := c.cfg.Interval
		if err != nil {
			wait = backoff(c.status.Failures, c.cfg.MinBackoff, c.cfg.MaxBackoff)
		}
		if errors.Is(err, ErrRefused) {
			wait = c.cfg.RefusedRetry
		}
		c.status.NextAttempt = now.Add(wait)
		c.mu.Unlock()
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-c.kick:
			t.Stop()
		case <-t.C:
		}
	}
}

// backoff is the wait after failures failed rounds in a row: a uniformly
// random duration up to min·2^(failures-1), capped at max.
func backoff(failures int, min, max time.Duration) time.Duration {
	d := min
	for i := 1; i < failures && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	return min/2 + rand.N(d-min/2+1)
}

// Sync runs one round: push the outbox, then pull the trust list, the
// policy, the rule set and the revocations. Every step runs even when one fails, except
// after the hub refused this terminal (ErrRefused); the error joins all
// failures.
func (c *Client) Sync(ctx context.Context) error {
	var errs []error
	c.reached.Store(false)
	steps := []func() error{
		func() error { return c.push(ctx) },
		func() error {
			return c.pullDoc(ctx, wire.PathTrustList, nil, func(b []byte) error {
				return c.store.InstallTrustList(b, c.cfg.Roots, c.clock.Now())
			})
		},
		func() error {
			var have url.Values
			if st, err := c.store.SyncState(); err == nil && st.PolicyVersion > 0 {
				// Tell the hub what we hold, so a hub restored from a backup
				// does not hand our version out again.
				have = url.Values{"have": {strconv.FormatUint(st.PolicyVersion, 10)}, "dataset": {st.PolicyDataset.String()}}
			}
			return c.pullDoc(ctx, wire.PathPolicy, have, func(b []byte) error {
				return c.store.InstallPolicy(b, c.cfg.Roots)
			})
		},
		func() error { return c.pullRuleSet(ctx) }, // sync/rules.go
		func() error { return c.pullRevocations(ctx) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			errs = append(errs, err)
			if errors.Is(err, ErrRefused) {
				break // the hub refuses this terminal: the other steps would be refused too
			}
		}
	}
	return c.endRound(errors.Join(errs...))
}

// endRound records a round's outcome in the status and the log.
func (c *Client) endRound(err error) error {
	now := c.clock.Now()
	if err == nil {
		if serr := c.store.updateState(func(st *SyncState) { st.LastPull = now }); serr != nil {
			err = serr
		}
	}
	c.mu.Lock()
	c.status.LastAttempt = now
	c.status.Online = c.reached.Load()
	wasRefused, refused := c.status.Refused, errors.Is(err, ErrRefused)
	c.status.Refused = refused
	if err == nil {
		c.status.LastSync, c.status.LastError, c.status.Failures = now, "", 0
	} else {
		c.status.LastError = err.Error()
		c.status.Failures++
	}
	c.mu.Unlock()
	switch {
	case refused && !wasRefused:
		c.log.Error("hub refused this terminal (revoked, or a wrong token): not retrying every round", "err", err, "next_try_in", c.cfg.RefusedRetry)
	case refused:
		c.log.Warn("hub still refuses this terminal", "err", err)
	case err != nil:
		c.log.Warn("sync round failed", "err", err, "pending", c.store.Pending())
	default:
		c.log.Info("sync round done", "pending", c.store.Pending())
	}
	return err
}

// hubError is an unexpected answer from the hub (status 0: no answer).
type hubError struct {
	op     string
	status int
	msg    string
	err    error
}

func (e *hubError) Error() string {
	switch {
	case e.err != nil:
		return fmt.Sprintf("%s: %v", e.op, e.err)
	case e.msg != "":
		return fmt.Sprintf("%s: hub answered %d: %s", e.op, e.status, e.msg)
	}
	return fmt.Sprintf("%s: hub answered %d", e.op, e.status)
}

func (e *hubError) Unwrap() error { return e.err }

// ErrRefused matches (errors.Is) a hub answer of 401 Unauthorized or 403
// Forbidden: the hub does not accept this terminal's device id and token.
var ErrRefused = errors.New("hub refused this terminal")

// Is makes a 401 or 403 answer match ErrRefused.
func (e *hubError) Is(target error) bool {
	return target == ErrRefused && (e.status == http.StatusUnauthorized || e.status == http.StatusForbidden)
}

func (c *Client) do(ctx context.Context, op, method, path string, query url.Values, body []byte, hdr map[string]string) (*http.Response, context.CancelFunc, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.RequestTimeout)
	u := *c.base
	u.Path = c.base.Path + path
	u.RawQuery = query.Encode()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		cancel()
		return nil, nil, &hubError{op: op, err: err}
	}
	req.Header.Set(wire.HeaderDevice, c.cfg.DeviceID)
	req.Header.Set("Authorization", "Bearer "+c.cfg.Token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		cancel()
		return nil, nil, &hubError{op: op, err: err}
	}
	if resp.StatusCode < 500 {
		c.reached.Store(true)
	}
	return resp, cancel, nil
}

func errorFrom(op string, resp *http.Response) error {
	var eb wire.ErrorBody
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if json.Unmarshal(b, &eb) != nil {
		eb.Error = ""
	}
	return &hubError{op: op, status: resp.StatusCode, msg: eb.Error}
}

// Push sends the outbox to the hub now, without the pulls of a round:
// what the terminal does before it exits. Records not acknowledged stay in
// the outbox.
func (c *Client) Push(ctx context.Context) error { return c.push(ctx) }

// push sends the outbox in batches until it is empty or a batch fails.
func (c *Client) push(ctx context.Context) error {
	for {
		items, err := c.store.nextBatch(c.cfg.BatchSize)
		if err != nil {
			return err
		}
		if len(items) == 0 {
			return nil
		}
		if err := c.pushBatch(ctx, items); err != nil {
			return err
		}
	}
}

func (c *Client) pushBatch(ctx context.Context, items []outboxItem) error {
	const op = "pushing records"
	req := wire.PushRequest{Records: make([]checkpoint.Record, len(items))}
	bySeq := make(map[string]uint64, len(items))
	for i, it := range items {
		req.Records[i] = it.record
		bySeq[it.record.ID] = it.seq
	}
	body, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("%s: encoding: %w", op, err)
	}
	resp, cancel, err := c.do(ctx, op, http.MethodPost, wire.PathRecords, nil, body, nil)
	if err != nil {
		return err
	}
	defer cancel()
	defer resp.Body.Close()
	if refusesBatch(resp.StatusCode) {
		return c.splitRefused(ctx, items, errorFrom(op, resp))
	}
	if resp.StatusCode != http.StatusOK {
		return errorFrom(op, resp)
	}
	var ack wire.PushResponse
	if err := json.NewDecoder(io.LimitReader(resp.Body, wire.MaxPushBytes)).Decode(&ack); err != nil {
		return &hubError{op: op, status: resp.StatusCode, err: fmt.Errorf("unreadable acknowledgement: %w", err)}
	}
	acked := make([]uint64, 0, len(ack.Stored))
	for _, id := range ack.Stored {
		if seq, ok := bySeq[id]; ok {
			acked = append(acked, seq)
		}
	}
	rejected := map[uint64]string{}
	for _, r := range ack.Rejected {
		if seq, ok := bySeq[r.ID]; ok {
			rejected[seq] = r.Reason
			c.log.Error("hub rejected a record", "id", r.ID, "reason", r.Reason)
		}
	}
	if len(acked)+len(rejected) == 0 {
		return &hubError{op: op, status: resp.StatusCode, msg: "acknowledgement names none of the records sent"}
	}
	return c.store.acknowledge(acked, rejected, c.clock.Now())
}

// refusesBatch reports whether the hub refused a push body as such (it
// could not read it as a batch, or it is too large), which a retry of the
// same body can never change.
func refusesBatch(code int) bool {
	return code == http.StatusBadRequest || code == http.StatusRequestEntityTooLarge || code == http.StatusUnprocessableEntity
}

// splitRefused handles a batch the hub refused as a whole (a hub that
// cannot name the bad record): it pushes each half on its own, so the good
// records go through, and sets a single record the hub still refuses
// aside with the hub's answer instead of retrying it for ever.
func (c *Client) splitRefused(ctx context.Context, items []outboxItem, refusal error) error {
	if len(items) == 1 {
		it := items[0]
		c.log.Error("hub refused a record; set aside", "id", it.record.ID, "err", refusal)
		return c.store.acknowledge(nil, map[uint64]string{it.seq: refusal.Error()}, c.clock.Now())
	}
	half := len(items) / 2
	if err := c.pushBatch(ctx, items[:half]); err != nil {
		return err
	}
	return c.pushBatch(ctx, items[half:])
}

// pullDoc fetches a signed document conditionally and hands a new one to
// install. A document not newer than the installed one is no error.
func (c *Client) pullDoc(ctx context.Context, path string, query url.Values, install func([]byte) error) error {
	op := "pulling " + path
	c.mu.Lock()
	etag := c.etags[path]
	c.mu.Unlock()
	var hdr map[string]string
	if etag != "" {
		hdr = map[string]string{"If-None-Match": etag}
	}
	resp, cancel, err := c.do(ctx, op, http.MethodGet, path, query, nil, hdr)
	if err != nil {
		return err
	}
	defer cancel()
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusNotModified, http.StatusNotFound:
		return nil // unchanged, or nothing published yet
	case http.StatusOK:
	default:
		return errorFrom(op, resp)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, wire.MaxSignedDoc+1))
	if err != nil {
		return &hubError{op: op, status: resp.StatusCode, err: err}
	}
	if len(b) > wire.MaxSignedDoc {
		return fmt.Errorf("%s: document larger than %d bytes", op, wire.MaxSignedDoc)
	}
	if err := install(b); err != nil && (errors.Is(err, ErrHubBehind) || !errors.Is(err, ErrStaleList)) {
		return fmt.Errorf("%s: %w", op, err)
	}
	if t := resp.Header.Get("ETag"); t != "" {
		c.mu.Lock()
		c.etags[path] = t
		c.mu.Unlock()
	}
	return nil
}

// pullRevocations applies the batches after the stored sequence until the
// store holds what the hub announces.
func (c *Client) pullRevocations(ctx context.Context) error {
	const op = "pulling revocations"
	for range 1000 {
		st, err := c.store.SyncState()
		if err != nil {
			return err
		}
		q := url.Values{"since": {strconv.FormatUint(st.RevocationSeq, 10)}}
		if !st.RevocationDataset.IsZero() {
			q.Set("dataset", st.RevocationDataset.String())
		}
		if st.RevocationSeq > 0 && len(st.RevocationDocSHA256) == sha256.Size {
			q.Set("have", hex.EncodeToString(st.RevocationDocSHA256))
		}
		resp, cancel, err := c.do(ctx, op, http.MethodGet, wire.PathRevocations, q, nil, nil)
		if err != nil {
			return err
		}
		more, err := c.applyRevocations(op, resp, st.RevocationSeq)
		resp.Body.Close()
		cancel()
		if err != nil || !more {
			return err
		}
	}
	return fmt.Errorf("%s: still behind after 1000 downloads", op)
}

func (c *Client) applyRevocations(op string, resp *http.Response, since uint64) (more bool, err error) {
	announced, _ := strconv.ParseUint(resp.Header.Get(wire.HeaderRevocationSeq), 10, 64)
	switch resp.StatusCode {
	case http.StatusNotModified:
		if announced < since {
			return false, fmt.Errorf("%s: %w: hub announces batch %d, terminal holds %d", op, ErrHubBehind, announced, since)
		}
		return false, nil
	case http.StatusConflict:
		return false, fmt.Errorf("%w: %w", ErrHubBehind, errorFrom(op, resp))
	case http.StatusOK:
	default:
		return false, errorFrom(op, resp)
	}
	applied := 0
	for {
		frame, err := wire.ReadFrame(resp.Body, wire.MaxFrame)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return false, &hubError{op: op, status: resp.StatusCode, err: err}
		}
		if err := c.store.ApplyRevocationDelta(frame, c.cfg.Roots); err != nil {
			return false, fmt.Errorf("%s: %w", op, err)
		}
		applied++
	}
	st, err := c.store.SyncState()
	if err != nil {
		return false, err
	}
	if applied == 0 || st.RevocationSeq == since {
		if st.RevocationSeq < announced {
			return false, fmt.Errorf("%s: hub announces %d but sent nothing past %d", op, announced, since)
		}
		return false, nil
	}
	return st.RevocationSeq < announced, nil
}
