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
	"github.com/checkpoint-terminal/checkpoint/gate"
	"github.com/checkpoint-terminal/checkpoint/healthcode"
	"github.com/checkpoint-terminal/checkpoint/internal/config"
	"github.com/checkpoint-terminal/checkpoint/internal/station"
	"github.com/checkpoint-terminal/checkpoint/rules"
	"github.com/checkpoint-terminal/checkpoint/scanner"
	"github.com/checkpoint-terminal/checkpoint/scanner/camera"
	"github.com/checkpoint-terminal/checkpoint/scanner/handscan"
	"github.com/checkpoint-terminal/checkpoint/scanner/hid"
	"github.com/checkpoint-terminal/checkpoint/scanner/qr"
	"github.com/checkpoint-terminal/checkpoint/scanner/serialscan"
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
	// Demo marks the camera and the sensor as simulated in Health, and
	// their wait for the demo's first video as starting, not failed.
	Demo bool
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
	Rules    *rules.Engine       // site rule sets; decides as Decide without one

	rulesVersion atomic.Uint64 // newest rule set version loaded into Rules
	Gate         *gate.Gate    // nil without a gate relay
	// Hand lists the hand scanners beside the camera, each with its status.
	Hand []HandScanner

	sentinel *gate.Sentinel
	// StoreIncident is set when the store file was damaged at start and
	// was moved aside for a fresh one (an alarm for the guard's screen).
	StoreIncident *cpsync.Incident

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
	demo  bool
	// storeErr is the last final verdict's store failure ("" once one is
	// stored again), for Health.
	storeErr atomic.Pointer[string]
	// selfTest is the start-up self-test's outcome (SetSelfTest).
	selfTest atomic.Pointer[[2][]string]
}

// Build opens the store, installs a seed trust list, and constructs the
// camera, scanner, thermometer, sync client and station. Nothing runs until
// Run. On error everything opened so far is closed.
func Build(ctx context.Context, cfg config.Config, opts Options) (_ *Terminal, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	t := &Terminal{Config: cfg, clock: opts.Clock, log: opts.Log, manual: make(chan checkpoint.Reading, 4), demo: opts.Demo}
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

	if t.Roots, err = healthcode.ReadPublicKeys(cfg.Trust.Roots...); err != nil {
		return nil, fmt.Errorf("pinned root key: %w", err)
	}
	if len(t.Roots) == 0 {
		t.log.Warn("no pinned root keys configured: no trust list can be installed, every code will be refused")
	}
	if err = os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("creating data directory: %w", err)
	}
	if t.Store, t.StoreIncident, err = cpsync.OpenOrRecover(cfg.StorePath(), cpsync.Options{Roots: t.Roots, Clock: t.clock, RulesFor: &cpsync.RulesTerminal{Region: cfg.Rules.Region, Site: cfg.SiteID, Terminal: cfg.TerminalID}}, t.clock.Now()); err != nil {
		return nil, fmt.Errorf("opening the store: %w", err)
	}
	if inc := t.StoreIncident; inc != nil {
		t.log.Error("the store file was damaged: moved it aside and started a fresh store",
			"reason", inc.Reason, "moved_to", inc.MovedTo, "unsent_records_lost", inc.Unsent, "unsent_count_complete", inc.UnsentKnown)
	}
	for _, msg := range t.Store.SetAside() {
		t.log.Error(msg)
	}
	t.seed(cfg.Trust.TrustList, cfg.Trust.Revocations)

	trust := expiringTrust{store: t.Store, clock: t.clock, policy: t.Policy}
	t.Verifier = healthcode.NewVerifier(trust, t.Store, t.clock, healthcode.Options{
		ClockSkew: func() time.Duration { return t.Policy().ClockSkew }, DCC: cfg.DCC.Policy(),
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
	if err := t.addHandScanners(); err != nil {
		return nil, err
	}

	if cfg.Thermometer.Enabled {
		// The sensor's notion of "a forehead" is the policy in force, read
		// live: a range changed on the settings screen or by the hub
		// applies to its next sample.
		if t.Sensor, err = thermometer.New(cfg.Thermometer.Config, t.clock, t.log.With("part", "thermometer")); err != nil {
			return nil, fmt.Errorf("setting up the thermometer: %w", err)
		}
		t.Sensor.FollowPlausible(func() (float64, float64) {
			p := t.Policy()
			return p.MinPlausible, p.MaxPlausible
		})
	}
	if cfg.Hub.URL != "" {
		if t.Client, err = t.newClient(); err != nil {
			return nil, err
		}
	}
	t.Rules = t.newRules()
	sc := station.Config{TerminalID: cfg.TerminalID, SiteID: cfg.SiteID, Policy: t.Policy, Record: true, Decide: t.decide}
	if cfg.Gate.Driver != "" && cfg.Gate.Driver != gate.DriverNone {
		if err := t.openGate(); err != nil {
			return nil, err
		}
		sc.Gate = t.Gate
	}
	t.station, err = station.New(sc, t.clock, t.Store, t.log.With("part", "station"))
	if err != nil {
		return nil, err
	}
	// The replay rule (already_used) survives a restart: the dynamic codes
	// that received a verdict within their life are read back from the store.
	if recs, err := t.Store.Recent(replaySeedRecords); err != nil {
		t.log.Warn("replay rule not seeded from the store", "err", err)
	} else {
		t.station.RememberUsed(recs)
	}
	return t, nil
}

// replaySeedRecords is how many of the newest records seed the replay rule
// at start-up: more than a lane sees within a dynamic code's life.
const replaySeedRecords = 2000

// seed installs the lists shipped with the terminal ([trust] trust_list
// and revocations) through the store, which keeps what it holds when that
// is as new. A file that cannot be read or is refused is logged and the
// stored list kept: the terminal still starts.
func (t *Terminal) seed(trustList, revocations string) {
	read := func(what, path string) []byte {
		if path == "" {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.log.Error("reading the seed "+what, "path", path, "err", err)
		}
		return b
	}
	if b := read("trust list", trustList); b != nil {
		if ok, err := t.Store.SeedTrustList(b, t.Roots, t.clock.Now()); err != nil {
			t.log.Error("seed trust list refused; keeping the stored one", "path", trustList, "err", err)
		} else if ok {
			t.log.Info("installed the seed trust list", "path", trustList)
		}
	}
	if b := read("revocation list", revocations); b != nil {
		if ok, err := t.Store.SeedRevocations(b, t.Roots); err != nil {
			t.log.Error("seed revocation list refused; keeping the stored one", "path", revocations, "err", err)
		} else if ok {
			t.log.Info("installed the seed revocation list", "path", revocations)
		}
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
		Region: t.Config.Rules.Region, Roots: t.Roots, Interval: h.Interval,
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
// operator's "test code" screen (ExplainCode says how it was decided).
func (t *Terminal) TestCode(text string) checkpoint.Verdict {
	return t.ExplainCode(text).Verdict
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

	err := t.station.Run(ctx, t.Scanner.Presentations(), readings, func(ev station.Event) {
		if ev.Final {
			msg := ""
			if ev.StoreErr != nil {
				msg = ev.StoreErr.Error()
			}
			t.storeErr.Store(&msg)
		}
		emit(ev)
	})
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

// HandScanner is a hand scanner input and its status for the operator.
type HandScanner struct {
	scanner.Input
	Status func() handscan.Status
}

// Peripherals is the status of the hand scanners and the gate relay, for
// the operator's status screen and logs.
type Peripherals struct {
	// Scanners holds each hand scanner's status, in configuration order.
	Scanners []handscan.Status `json:"scanners,omitempty"`
	// Gate is nil without a gate relay.
	Gate *gate.Status `json:"gate,omitempty"`
}

// PeripheralStatus snapshots the hand scanners and the gate.
func (t *Terminal) PeripheralStatus() Peripherals {
	var p Peripherals
	for _, h := range t.Hand {
		p.Scanners = append(p.Scanners, h.Status())
	}
	if t.Gate != nil {
		st := t.Gate.Status()
		p.Gate = &st
	}
	return p
}

// addHandScanners adds every configured hand scanner to the scan loop.
func (t *Terminal) addHandScanners() error {
	for _, c := range t.Config.Scanner.Serial {
		r, err := serialscan.New(c.WithDefaults(), t.log.With("part", "scanner"))
		if err != nil {
			return fmt.Errorf("setting up a serial scanner: %w", err)
		}
		t.Scanner.AddInput(r)
		t.Hand = append(t.Hand, HandScanner{Input: r, Status: r.Status})
	}
	for _, c := range t.Config.Scanner.HID {
		r, err := hid.New(c.WithDefaults(), t.log.With("part", "scanner"))
		if err != nil {
			return fmt.Errorf("setting up a HID scanner: %w", err)
		}
		t.Scanner.AddInput(r)
		t.Hand = append(t.Hand, HandScanner{Input: r, Status: r.Status})
	}
	return nil
}

// openGate opens the relay (closing it: whatever a crash left) and starts
// the sentinel that closes it should the terminal die mid-pulse (the
// binary calls gate.RunSentinelIfAsked first thing in main).
func (t *Terminal) openGate() error {
	g, err := gate.New(t.Config.Gate, t.log.With("part", "gate"))
	if err != nil {
		return fmt.Errorf("setting up the gate relay: %w", err)
	}
	t.Gate = g
	if t.sentinel, err = gate.StartSentinel(t.Config.Gate); err != nil {
		t.log.Error("no gate sentinel: a crash mid-pulse leaves the relay energised until the next start", "err", err)
	}
	return nil
}

// closeAll releases the camera and the store, once.
func (t *Terminal) closeAll() error {
	t.closed.Do(func() {
		if t.Gate != nil {
			t.cerr = errors.Join(t.cerr, t.Gate.Close())
		}
		if t.sentinel != nil {
			t.sentinel.Stop()
		}
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
