// Package terminal builds every part of a checkpoint terminal from its
// configuration and runs them together: camera -> scanner -> station, the
// thermometer feeding the station, the store recording verdicts and the sync
// client talking to the hub in the background. cmd/checkpoint only chooses
// the configuration and what shows the verdicts (the UI or JSON lines).
package terminal

import (
	"context"
	"crypto"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"os"
	"strings"
	gosync "sync"
	"sync/atomic"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/healthcode"
	"github.com/checkpoint-terminal/checkpoint/internal/config"
	"github.com/checkpoint-terminal/checkpoint/internal/station"
	"github.com/checkpoint-terminal/checkpoint/scanner"
	"github.com/checkpoint-terminal/checkpoint/scanner/camera"
	"github.com/checkpoint-terminal/checkpoint/scanner/qr"
	cpsync "github.com/checkpoint-terminal/checkpoint/sync"
	"github.com/checkpoint-terminal/checkpoint/thermometer"
)

// Options are the choices that are not in the config file.
type Options struct {
	Clock checkpoint.Clock // nil: the system clock
	Log   *slog.Logger     // nil: slog.Default()
	// LoopVideo replays a video-file camera source forever (demo mode).
	LoopVideo bool
	// Lockstep hands on every frame of a file source (tests, replays).
	Lockstep bool
	// Frames, when set, replaces the camera built from config (the demo
	// rotates freshly generated videos); it must still come from the
	// camera package's capture path.
	Frames FrameSource
}

// FrameSource is a camera: frames for the scanner, health and a preview.
type FrameSource interface {
	scanner.Frames
	Status() camera.Status
	Preview() (image.Image, time.Time)
	Close() error
}

// Terminal is a built terminal. Run it once.
type Terminal struct {
	Config   config.Config
	Roots    []crypto.PublicKey
	Store    *cpsync.Store
	Verifier *healthcode.Verifier
	Camera   *camera.Camera // nil when Options.Frames replaced it
	Scanner  *scanner.Scanner
	Sensor   *thermometer.Sensor // nil without a sensor
	Client   *cpsync.Client      // nil without a hub

	frames  FrameSource // the camera, or Options.Frames
	station *station.Station
	clock   checkpoint.Clock
	log     *slog.Logger
	manual  chan checkpoint.Reading
	closed  gosync.Once
	cerr    error
	// local is the policy from the config file or the settings screen,
	// used until the hub sends a signed one.
	local atomic.Pointer[checkpoint.Policy]
}

// Build opens the store, installs a seed trust list, and constructs the
// camera, scanner, thermometer, sync client and station. Nothing runs until
// Run. On error everything opened so far is closed.
func Build(ctx context.Context, cfg config.Config, opts Options) (_ *Terminal, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	t := &Terminal{Config: cfg, clock: opts.Clock, log: opts.Log, manual: make(chan checkpoint.Reading, 4)}
	if t.clock == nil {
		t.clock = checkpoint.SystemClock{}
	}
	if t.log == nil {
		t.log = slog.Default()
	}
	t.local.Store(&cfg.Policy)
	defer func() {
		if err != nil {
			t.closeAll()
		}
	}()

	if t.Roots, err = LoadRoots(cfg.Trust.Roots); err != nil {
		return nil, err
	}
	if len(t.Roots) == 0 {
		t.log.Warn("no pinned root keys configured: no trust list can be installed, every code will be refused")
	}
	if err = os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("creating data directory: %w", err)
	}
	if t.Store, err = cpsync.Open(cfg.StorePath(), cpsync.Options{Roots: t.Roots}); err != nil {
		return nil, fmt.Errorf("opening the store: %w", err)
	}
	for _, msg := range t.Store.SetAside() {
		t.log.Error(msg)
	}
	if cfg.Trust.TrustList != "" {
		t.seedTrustList(cfg.Trust.TrustList)
	}

	skew := cfg.Policy.ClockSkew
	if skew == 0 {
		skew = -1 // the verifier reads 0 as "its default"; the policy means none
	}
	trust := expiringTrust{store: t.Store, clock: t.clock, policy: t.Policy}
	t.Verifier = healthcode.NewVerifier(trust, t.Store, t.clock, healthcode.Options{
		ClockSkew: skew, DCC: cfg.DCC.Policy(),
	})
	if opts.Frames != nil {
		t.frames = opts.Frames
	} else {
		t.Camera, err = camera.Open(ctx, camera.Config{
			Source: cfg.Camera.Source, Width: cfg.Camera.Width, Height: cfg.Camera.Height, FPS: cfg.Camera.FPS,
			Loop: opts.LoopVideo, Lockstep: opts.Lockstep, PreviewFPS: int(cfg.UI.PreviewFPS + 0.5), Clock: t.clock,
		}, t.log.With("part", "camera"))
		if err != nil {
			return nil, fmt.Errorf("opening the camera: %w", err)
		}
		t.frames = t.Camera
	}
	dec, err := qr.NewDecoder(qr.DefaultOptions())
	if err != nil {
		return nil, fmt.Errorf("creating the QR decoder: %w", err)
	}
	t.Scanner = scanner.New(t.frames, dec, t.Verifier, t.clock, scanner.Config{Log: t.log.With("part", "scanner")})

	if cfg.Thermometer.Enabled {
		// The sensor's notion of "a forehead" must be the policy's.
		tc := cfg.Thermometer.Config
		tc.MinPlausible, tc.MaxPlausible = cfg.Policy.MinPlausible, cfg.Policy.MaxPlausible
		if t.Sensor, err = thermometer.New(tc, t.clock, t.log.With("part", "thermometer")); err != nil {
			return nil, fmt.Errorf("setting up the thermometer: %w", err)
		}
	}
	if cfg.Hub.URL != "" {
		if t.Client, err = t.newClient(); err != nil {
			return nil, err
		}
	}
	t.station, err = station.New(station.Config{
		TerminalID: cfg.TerminalID, SiteID: cfg.SiteID, Policy: t.Policy, Record: true,
	}, t.clock, t.Store, t.log.With("part", "station"))
	if err != nil {
		return nil, err
	}
	return t, nil
}

// seedTrustList installs a trust list file shipped with the terminal. A list
// the store already has (or a newer one) is not an error; a bad one is logged
// and the stored list kept.
func (t *Terminal) seedTrustList(path string) {
	b, err := os.ReadFile(path)
	if err != nil {
		t.log.Error("reading the seed trust list", "path", path, "err", err)
		return
	}
	if v, _, _, ok := t.Store.TrustListInfo(); ok {
		tl, perr := healthcode.ParseTrustList(b, t.Roots, t.clock.Now())
		if perr == nil && tl.Version() <= v {
			return
		}
	}
	if err := t.Store.InstallTrustList(b, t.Roots, t.clock.Now()); err != nil {
		t.log.Error("seed trust list refused; keeping the stored one", "path", path, "err", err)
	}
}

func (t *Terminal) newClient() (*cpsync.Client, error) {
	h := t.Config.Hub
	token, err := os.ReadFile(h.TokenFile)
	if err != nil {
		return nil, fmt.Errorf("reading the hub token: %w", err)
	}
	cc := cpsync.ClientConfig{
		HubURL: h.URL, DeviceID: h.DeviceID, Token: strings.TrimSpace(string(token)),
		Roots: t.Roots, Interval: h.Interval,
	}
	if h.CAFile != "" {
		if cc.CAPEM, err = os.ReadFile(h.CAFile); err != nil {
			return nil, fmt.Errorf("reading the hub CA: %w", err)
		}
	}
	if h.PinSHA256 != "" {
		if cc.PinSHA256, err = hex.DecodeString(h.PinSHA256); err != nil || len(cc.PinSHA256) != 32 {
			return nil, fmt.Errorf("hub.pin_sha256 must be 64 hex digits")
		}
	}
	for _, p := range h.Pins {
		b, err := cpsync.ParsePin(p)
		if err != nil {
			return nil, fmt.Errorf("hub.pins: %w", err)
		}
		cc.SPKIPins = append(cc.SPKIPins, b)
	}
	c, err := cpsync.NewClient(t.Store, cc, t.clock, t.log.With("part", "sync"))
	if err != nil {
		return nil, fmt.Errorf("setting up the hub client: %w", err)
	}
	return c, nil
}

// LoadRoots reads pinned root public keys from PEM files.
func LoadRoots(paths []string) ([]crypto.PublicKey, error) {
	var roots []crypto.PublicKey
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("reading root key: %w", err)
		}
		k, err := healthcode.ParsePublicKeyPEM(b)
		if err != nil {
			return nil, fmt.Errorf("root key %s: %w", p, err)
		}
		roots = append(roots, k)
	}
	return roots, nil
}

// Policy is the policy in force: the hub's signed one once installed, else
// the config file's.
func (t *Terminal) Policy() checkpoint.Policy {
	if p, v := t.Store.Policy(); v > 0 {
		return p
	}
	return *t.local.Load()
}

// SetLocalPolicy replaces the local policy (settings screen). A signed
// policy from the hub still takes precedence.
func (t *Terminal) SetLocalPolicy(p checkpoint.Policy) error {
	if err := p.Validate(); err != nil {
		return err
	}
	t.local.Store(&p)
	return nil
}

// ManualReading feeds a temperature the guard typed in (sensor down).
func (t *Terminal) ManualReading(r checkpoint.Reading) {
	r.Manual = true
	if r.At.IsZero() {
		r.At = t.clock.Now()
	}
	select {
	case t.manual <- r:
	default:
		t.log.Warn("manual reading dropped: the station is busy")
	}
}

// TestCode verifies and decides a code text without recording it: the
// operator's "test code" screen.
func (t *Terminal) TestCode(text string) checkpoint.Verdict {
	now := t.clock.Now()
	p := checkpoint.Presentation{CapturedAt: now}
	if code, err := t.Verifier.Verify(strings.TrimSpace(text)); err != nil {
		var ve *checkpoint.VerifyError
		if errors.As(err, &ve) {
			p.Failure, p.Detail, p.Code = ve.Failure, ve.Error(), ve.Code
		} else {
			p.Failure, p.Detail = checkpoint.FailMalformed, err.Error()
		}
	} else {
		p.Code = &code
	}
	var r *checkpoint.Reading
	if t.Sensor != nil {
		if latest, ok := t.Sensor.Latest(); ok {
			r = &latest
		}
	}
	return checkpoint.Decide(p, r, t.Policy(), now)
}

// Run runs every part until ctx ends or a file camera source ends, calling
// emit for each station event on the station's goroutine. It closes the
// camera and the store before returning; a verdict in flight is recorded
// first.
func (t *Terminal) Run(ctx context.Context, emit func(station.Event)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg gosync.WaitGroup
	errs := make(chan error, 4)
	goRun := func(name string, f func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(ctx); err != nil && !errors.Is(err, context.Canceled) {
				t.log.Error(name+" stopped", "err", err)
				errs <- fmt.Errorf("%s: %w", name, err)
			}
		}()
	}
	goRun("scanner", t.Scanner.Run)
	readings := make(chan checkpoint.Reading, 8)
	if t.Sensor != nil {
		goRun("thermometer", t.Sensor.Run)
		wg.Add(1)
		go func() {
			defer wg.Done()
			forward(ctx, t.Sensor.Readings(), readings)
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		forward(ctx, t.manual, readings)
	}()
	if t.Client != nil {
		goRun("sync", t.Client.Run)
	}
	goRun("purge", t.purgeLoop)

	err := t.station.Run(ctx, t.Scanner.Presentations(), readings, emit)
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	cancel()
	wg.Wait()
	t.finalPush()
	close(errs)
	for e := range errs {
		err = errors.Join(err, e)
	}
	return errors.Join(err, t.closeAll())
}

// finalPushTimeout bounds the push Run makes before it returns.
const finalPushTimeout = 15 * time.Second

// finalPush sends what is still in the outbox before the terminal exits
// (-once, SIGTERM), within finalPushTimeout; what does not go stays in the
// store for the next start.
func (t *Terminal) finalPush() {
	if t.Client == nil || t.Store.Pending() == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), finalPushTimeout)
	defer cancel()
	n := t.Store.Pending()
	if err := t.Client.Push(ctx); err != nil {
		t.log.Warn("final push before exit failed; records stay in the store", "pending", t.Store.Pending(), "err", err)
		return
	}
	t.log.Info("final push before exit", "sent", n-t.Store.Pending(), "pending", t.Store.Pending())
}

// forward copies readings until ctx ends or in closes.
func forward(ctx context.Context, in <-chan checkpoint.Reading, out chan<- checkpoint.Reading) {
	for {
		select {
		case <-ctx.Done():
			return
		case r, ok := <-in:
			if !ok {
				return
			}
			select {
			case out <- r:
			case <-ctx.Done():
				return
			}
		}
	}
}

// purgeLoop is the terminal's one purge loop: at start and then hourly it
// drops records older than the retention in force (t.Policy: the signed
// hub policy, else the local one). With a hub only acknowledged records
// go; an offline-only terminal (no hub) purges unsent records too, since
// nothing will ever send them.
func (t *Terminal) purgeLoop(ctx context.Context) error {
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	for {
		purge, what := t.Store.Purge, "acknowledged"
		if t.Client == nil {
			purge, what = t.Store.PurgeUnsent, "all (offline-only terminal)"
		}
		ret := t.Policy().Retention
		if n, err := purge(t.clock.Now(), ret); err != nil {
			t.log.Error("purging old records", "err", err)
		} else if n > 0 {
			t.log.Info("purged old records", "count", n, "retention", ret, "records", what)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// closeAll releases the camera and the store, once.
func (t *Terminal) closeAll() error {
	t.closed.Do(func() {
		if t.frames != nil {
			t.cerr = errors.Join(t.cerr, t.frames.Close())
		}
		if t.Store != nil {
			t.cerr = errors.Join(t.cerr, t.Store.Close())
		}
	})
	return t.cerr
}

// Close releases everything without running (Build succeeded, Run never
// called). Run closes by itself.
func (t *Terminal) Close() error { return t.closeAll() }

// Preview is the camera's latest colour picture.
func (t *Terminal) Preview() (image.Image, time.Time) { return t.frames.Preview() }

// CameraStatus is the capture's health.
func (t *Terminal) CameraStatus() camera.Status { return t.frames.Status() }
