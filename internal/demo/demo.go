// Package demo sets up a terminal that runs with no hardware: demo keys and
// a signed trust list, demo codes of every kind played as a generated video
// through the real camera path, a simulated thermometer on a pseudo-terminal
// read through the real serial path, and a real bbolt store.
//
// Dynamic phone codes go stale after a few minutes (that is their point), so
// the demo issues fresh codes and switches the camera to a new video every
// few minutes, as fresh phones would.
package demo

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/healthcode"
	"github.com/checkpoint-terminal/checkpoint/internal/config"
	"github.com/checkpoint-terminal/checkpoint/scanner/videogen"
	"github.com/checkpoint-terminal/checkpoint/sync/wire"
	"github.com/checkpoint-terminal/checkpoint/thermometer/sim"
)

// Options tune the demo; zero values are the defaults.
type Options struct {
	// Width and Height of the generated video (default 640x480: the video
	// is rendered at start-up and on every refresh, so it is kept small).
	Width, Height int
	// FPS of the video (default 15: rendering is the slow part of start-up).
	FPS int
	// CodeTime is how long each person holds up a code (default 2.5 s);
	// GapTime the empty moment between two people (default 1.5 s).
	CodeTime, GapTime time.Duration
	// Refresh is how often fresh codes are issued (default 3 minutes).
	Refresh time.Duration
	// Protocol the simulated sensor speaks (default "ascii").
	Protocol string
	// Once plays the video once instead of looping (tests, headless runs).
	Once bool
	// Lockstep hands on every frame (tests).
	Lockstep bool
}

// Demo is a prepared demo: its configuration and the parts it runs.
type Demo struct {
	Config config.Config
	// Cases lists what the video shows, in order, for tests and the log.
	Cases []Case
	keys  *keys
	opts  Options
	clock checkpoint.Clock
	log   *slog.Logger
	simMu sync.Mutex
	sim   *sim.Sim
	// simStart is when the simulated sensor's first person steps up; videos
	// are started on a script boundary so that each code is shown while its
	// holder stands at the sensor.
	simStart time.Time
}

// Case is one person in the demo video.
type Case struct {
	Name string // e.g. "green", "forged"
	Text string
	// Celsius is the forehead temperature the simulated sensor shows
	// while this person stands there.
	Celsius float64
}

// Prepare creates (or reuses) the demo's keys under dir, writes a signed
// trust list, starts the simulated thermometer and returns a configuration
// pointing at them. The caller builds the terminal with Frames from
// NewRotator, and calls Close at the end.
func Prepare(ctx context.Context, dir string, clock checkpoint.Clock, log *slog.Logger, opts Options) (*Demo, error) {
	if opts.Width == 0 {
		opts.Width, opts.Height = 640, 480
	}
	if opts.FPS == 0 {
		opts.FPS = 15
	}
	if opts.CodeTime == 0 {
		opts.CodeTime = 2500 * time.Millisecond
	}
	if opts.GapTime == 0 {
		opts.GapTime = 1500 * time.Millisecond
	}
	if opts.Refresh == 0 {
		opts.Refresh = 3 * time.Minute
	}
	if opts.Protocol == "" {
		opts.Protocol = "ascii"
	}
	if clock == nil {
		clock = checkpoint.SystemClock{}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating the demo directory: %w", err)
	}
	k, err := loadKeys(dir)
	if err != nil {
		return nil, err
	}
	d := &Demo{keys: k, opts: opts, clock: clock, log: log}
	now := clock.Now()
	list, err := k.trustList(now)
	if err != nil {
		return nil, err
	}
	listPath := filepath.Join(dir, "trustlist.cose")
	if err := writeFile(listPath, list); err != nil {
		return nil, err
	}
	if d.Cases, err = k.cases(now); err != nil {
		return nil, err
	}
	revs, err := k.revocations(now)
	if err != nil {
		return nil, err
	}
	revPath := filepath.Join(dir, "revocations.cose")
	if err := writeFile(revPath, revs); err != nil {
		return nil, err
	}

	// The simulated sensor starts with the first video (startSim), at a
	// device link that exists from then on; the thermometer retries until.
	// The link is this demo's own: `checkpoint doctor` in demo mode while a
	// demo runs shares the directory, and its simulator's link (removed
	// when the doctor ends) must not replace the running demo's.
	removeDeadLinks(dir) // links left by earlier runs point at dead ptys
	port := filepath.Join(dir, fmt.Sprintf("ttySIM-%d-%d", os.Getpid(), linkSeq.Add(1)))

	cfg := config.Default()
	cfg.TerminalID, cfg.SiteID = "demo-terminal", "demo-site"
	cfg.DataDir = dir
	cfg.Camera = config.Camera{Source: "demo video", Width: opts.Width, Height: opts.Height, FPS: opts.FPS}
	cfg.Thermometer.Enabled = true
	cfg.Thermometer.Port = port
	cfg.Thermometer.Protocol = opts.Protocol
	cfg.Trust.Roots = []string{filepath.Join(dir, "root.pub.pem")}
	cfg.Trust.TrustList = listPath
	// The snapshot revokes the demo's revoked card.
	cfg.Trust.Revocations = revPath
	cfg.UI.Fullscreen = false
	// The demo video loops, so its dynamic codes come round again within
	// their life: a replay by construction, not a shared code.
	cfg.Policy.AllowReusedDynamic = true
	d.Config = cfg
	return d, nil
}

// linkSeq numbers the simulator links of one process.
var linkSeq atomic.Int64

// removeDeadLinks removes dir's simulator links whose pty is gone.
func removeDeadLinks(dir string) {
	links, _ := filepath.Glob(filepath.Join(dir, "ttySIM*"))
	for _, l := range links {
		if _, err := os.Stat(l); errors.Is(err, os.ErrNotExist) {
			os.Remove(l)
		}
	}
}

// simRise and simFall are how long the simulated reading takes to climb to
// a person's temperature and to drop back to ambient.
const (
	simRise = 300 * time.Millisecond
	simFall = 200 * time.Millisecond
)

// startSim starts the simulated sensor once. It walks through the same
// people as the video, in step with it: each holder steps up as their code
// appears (rise), stays while it is shown (hold), steps away (fall) and
// nobody is there for the rest of the gap, so the sensor reports "no
// person" between people.
func (d *Demo) startSim(ctx context.Context) error {
	d.simMu.Lock()
	defer d.simMu.Unlock()
	if d.sim != nil {
		return nil
	}
	script := make([]sim.Person, len(d.Cases))
	for i, c := range d.Cases {
		script[i] = sim.Person{Celsius: c.Celsius, Hold: d.codeDur() - simRise}
	}
	s, err := sim.New(ctx, sim.Options{
		Protocol: d.opts.Protocol, Script: script, Loop: true, Link: d.Config.Thermometer.Port,
		Gap: d.gapDur() - simFall, Rise: simRise, Fall: simFall,
	})
	if err != nil {
		return fmt.Errorf("starting the simulated thermometer: %w", err)
	}
	// The script's clock starts with its first sample, one interval in,
	// and opens with the gap before the first person.
	d.simStart = time.Now().Add(s.Options().Interval + d.gapDur() - simFall)
	d.sim = s
	return nil
}

// Close stops the simulated thermometer.
func (d *Demo) Close() {
	d.simMu.Lock()
	defer d.simMu.Unlock()
	if d.sim != nil {
		d.sim.Close()
	}
}

func (d *Demo) codeDur() time.Duration { return d.opts.CodeTime }
func (d *Demo) gapDur() time.Duration  { return d.opts.GapTime }

// period is the length of one pass through the cases, video and sensor alike.
func (d *Demo) period() time.Duration {
	return time.Duration(len(d.Cases)) * (d.codeDur() + d.gapDur())
}

// untilNextPass is how long until the simulated sensor starts its script
// again (measured on the real clock: both sides pace in real time).
func (d *Demo) untilNextPass() time.Duration {
	d.simMu.Lock()
	defer d.simMu.Unlock()
	p := d.period()
	if p <= 0 {
		return 0
	}
	el := time.Since(d.simStart)
	if el < 0 { // the first person has not stepped up yet
		return -el
	}
	return (p - el%p) % p
}

// Scenes turns the cases into video scenes: each code held up for a while
// under a different real-world perturbation, then an empty gap.
func (d *Demo) Scenes(cases []Case) []videogen.Scene {
	perturb := []func(*videogen.Scene){
		func(s *videogen.Scene) {},
		func(s *videogen.Scene) { s.Rotate = 12; s.X = -0.1 },
		func(s *videogen.Scene) { s.Tilt = 0.2; s.Glare = 0.5 },
		func(s *videogen.Scene) { s.Contrast = 0.5; s.Noise = 4 },
		func(s *videogen.Scene) { s.Size = 0.45; s.Y = 0.1; s.Hand = true },
		func(s *videogen.Scene) { s.Blur = 1; s.Rotate = -8 },
	}
	fps := float64(d.opts.FPS)
	var scenes []videogen.Scene
	for i, c := range cases {
		s := videogen.Scene{Text: c.Text, Frames: int(d.codeDur().Seconds() * fps), Size: 0.6}
		if len(c.Text) > 300 {
			// A dense code (an EU certificate) at 640x480 needs every pixel:
			// it is held up close and straight, as people do with paper.
			s.Size = 0.9
		} else {
			perturb[i%len(perturb)](&s)
		}
		scenes = append(scenes, s, videogen.Scene{Frames: int(d.gapDur().Seconds() * fps)})
	}
	return scenes
}

// WriteVideo issues fresh codes and writes them as a video at path.
func (d *Demo) WriteVideo(path string) ([]Case, error) {
	cases, err := d.keys.cases(d.clock.Now())
	if err != nil {
		return nil, err
	}
	// Written beside path and renamed over it: another process of the same
	// demo directory (a running demo while `checkpoint doctor` checks the
	// demo's parts) may be reading path, and reopens it at each loop. The
	// name ends in .avi (OpenCV picks the container by it) and starts with
	// a dot (no demo-*.avi glob sees it).
	tmp := filepath.Join(filepath.Dir(path), fmt.Sprintf(".writing-%d-%s", os.Getpid(), filepath.Base(path)))
	err = videogen.WriteVideo(tmp, d.Scenes(cases), videogen.Options{Width: d.opts.Width, Height: d.opts.Height, FPS: float64(d.opts.FPS)})
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return nil, fmt.Errorf("writing the demo video: %w", err)
	}
	return cases, nil
}

// keys are the demo's root and issuers, kept in the demo directory so that
// records and lists from earlier runs stay verifiable.
type keys struct {
	root, beijing, shenzhen, forger crypto.Signer
	// dsc signs the demo's EU DCC; dscCert is its certificate (DER).
	dsc     crypto.Signer
	dscCert []byte
}

func loadKeys(dir string) (*keys, error) {
	k := &keys{}
	for _, kk := range []struct {
		name string
		alg  healthcode.Algorithm
		dst  *crypto.Signer
	}{
		{"root", healthcode.ES256, &k.root},
		{"issuer-beijing", healthcode.ES256, &k.beijing},
		{"issuer-shenzhen", healthcode.SM2, &k.shenzhen},
		{"forger", healthcode.ES256, &k.forger},
		{"dcc-signer", healthcode.ES256, &k.dsc},
	} {
		key, err := loadOrCreateKey(filepath.Join(dir, kk.name+".key.pem"), kk.alg)
		if err != nil {
			return nil, err
		}
		*kk.dst = key
	}
	pub, err := healthcode.MarshalPublicKeyPEM(k.root.Public())
	if err != nil {
		return nil, err
	}
	if k.dscCert, err = loadOrCreateDSC(filepath.Join(dir, "dcc-signer.crt"), k.dsc); err != nil {
		return nil, err
	}
	return k, writeFile(filepath.Join(dir, "root.pub.pem"), pub)
}

// loadOrCreateDSC returns the demo DCC document signer's certificate: a
// self-signed "DE" certificate allowed to sign vaccination certificates
// (extended key usage 1.3.6.1.4.1.1847.2021.1.2), valid for ten years.
func loadOrCreateDSC(path string, key crypto.Signer) ([]byte, error) {
	if der, err := os.ReadFile(path); err == nil {
		if c, err := x509.ParseCertificate(der); err == nil && c.PublicKey != nil && publicKeysEqual(c.PublicKey, key.Public()) {
			return der, nil
		}
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:       big.NewInt(now.UnixNano()),
		Subject:            pkix.Name{Country: []string{"DE"}, CommonName: "Checkpoint demo DCC signer"},
		NotBefore:          now.AddDate(0, 0, -1),
		NotAfter:           now.AddDate(10, 0, 0),
		UnknownExtKeyUsage: []asn1.ObjectIdentifier{{1, 3, 6, 1, 4, 1, 1847, 2021, 1, 2}},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("creating the demo DCC signer certificate: %w", err)
	}
	return der, writeFile(path, der)
}

func publicKeysEqual(a, b crypto.PublicKey) bool {
	ea, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && ea.Equal(b)
}

func loadOrCreateKey(path string, alg healthcode.Algorithm) (crypto.Signer, error) {
	if b, err := os.ReadFile(path); err == nil {
		k, err := healthcode.ParsePrivateKeyPEM(b)
		if err != nil {
			return nil, fmt.Errorf("demo key %s: %w", path, err)
		}
		return k, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("reading demo key: %w", err)
	}
	k, err := healthcode.GenerateKey(alg)
	if err != nil {
		return nil, err
	}
	b, err := healthcode.MarshalPrivateKeyPEM(k)
	if err != nil {
		return nil, err
	}
	return k, writeFile(path, b)
}

func (k *keys) trustList(now time.Time) ([]byte, error) {
	bj, err := healthcode.NewKeyEntry(k.beijing.Public(), "110000", "BJHC")
	if err != nil {
		return nil, err
	}
	sz, err := healthcode.NewKeyEntry(k.shenzhen.Public(), "440300", "SZHC")
	if err != nil {
		return nil, err
	}
	de, err := healthcode.NewCertificateEntry(k.dscCert, "DE")
	if err != nil {
		return nil, err
	}
	return healthcode.SignTrustList(healthcode.TrustListDoc{
		Version: uint64(now.Unix()), IssuedAt: now, ExpiresAt: now.Add(30 * 24 * time.Hour),
		Entries: []healthcode.TrustListEntry{bj, sz, de},
	}, k.root)
}

// cases issues the demo's codes at now: one of every situation a guard meets.
func (k *keys) cases(now time.Time) ([]Case, error) {
	dyn := func(color checkpoint.Color, name string) healthcode.Claims {
		return healthcode.Claims{Issuer: "BJHC", Region: "110000", ID: healthcode.NewCodeID(), Color: color,
			ColorSince: now.AddDate(0, 0, -20), IssuedAt: now, ExpiresAt: now.Add(5 * time.Minute),
			Kind: checkpoint.KindDynamic, HolderMasked: name, IDLast4: "123X", BirthYear: 1988}
	}
	green := dyn(checkpoint.ColorGreen, "张*")
	yellow := dyn(checkpoint.ColorYellow, "李*")
	red := dyn(checkpoint.ColorRed, "王*")
	expired := dyn(checkpoint.ColorGreen, "赵*")
	expired.Kind = checkpoint.KindCard
	expired.IssuedAt, expired.ExpiresAt = now.AddDate(-1, 0, 0), now.AddDate(0, 0, -1)
	relative := dyn(checkpoint.ColorGreen, "陈*")
	relative.Kind, relative.ExpiresAt = checkpoint.KindCard, now.AddDate(1, 0, 0)
	relative.Proxy, relative.Relation, relative.BirthYear = true, "mother", 1946
	revoked := dyn(checkpoint.ColorGreen, "周*")
	revoked.ID, revoked.Kind, revoked.ExpiresAt = revokedCardID, checkpoint.KindCard, now.AddDate(1, 0, 0)
	fever := dyn(checkpoint.ColorGreen, "刘*")
	fever.Issuer, fever.Region = "SZHC", "440300"
	// HCN1 1.1 facts on some codes: a recent negative test, vaccinations.
	green.Test = &checkpoint.TestFact{SampledAt: now.Add(-26 * time.Hour), Result: checkpoint.TestNegative, Type: checkpoint.TestNucleicAcid}
	green.Vaccination = &checkpoint.VaccinationFact{Doses: 3, SeriesDoses: 2, LastDose: now.AddDate(0, -8, 0).Truncate(24 * time.Hour)}
	relative.Vaccination = &checkpoint.VaccinationFact{Doses: 2, SeriesDoses: 2, LastDose: now.AddDate(-1, 0, 0).Truncate(24 * time.Hour)}
	fever.Test = &checkpoint.TestFact{SampledAt: now.Add(-50 * time.Hour), Result: checkpoint.TestNegative, Type: checkpoint.TestAntigen}

	var cases []Case
	add := func(name string, c healthcode.Claims, key crypto.Signer, celsius float64) error {
		text, err := healthcode.Issue(c, key)
		if err != nil {
			return fmt.Errorf("issuing the %s demo code: %w", name, err)
		}
		cases = append(cases, Case{Name: name, Text: text, Celsius: celsius})
		return nil
	}
	dcc, err := healthcode.IssueDCC("DE", map[string]any{
		"ver": "1.3.0", "dob": "1979-04-14",
		"nam": map[string]any{"fn": "Musterfrau", "fnt": "MUSTERFRAU", "gn": "Erika", "gnt": "ERIKA"},
		"v": []any{map[string]any{
			"tg": "840539006", "vp": "1119349007", "mp": "EU/1/20/1528", "ma": "ORG-100030215",
			"dn": 2, "sd": 2, "dt": now.AddDate(0, -2, 0).Format("2006-01-02"), "co": "DE",
			"is": "Robert Koch-Institut", "ci": "URN:UVCI:01DE/DEMO/" + healthcode.NewCodeID(),
		}},
	}, k.dsc, k.dscCert, now, now.AddDate(0, 6, 0))
	if err != nil {
		return nil, fmt.Errorf("issuing the demo DCC: %w", err)
	}
	for _, c := range []struct {
		name    string
		claims  healthcode.Claims
		key     crypto.Signer
		celsius float64
	}{
		{"green", green, k.beijing, 36.5},
		{"yellow", yellow, k.beijing, 36.7},
		{"red", red, k.beijing, 36.4},
		{"relative", relative, k.beijing, 36.3},
		{"expired", expired, k.beijing, 36.6},
		{"forged", dyn(checkpoint.ColorGreen, "孙*"), k.forger, 36.5},
		{"revoked", revoked, k.beijing, 36.6},
		{"fever", fever, k.shenzhen, 38.2},
	} {
		if err := add(c.name, c.claims, c.key, c.celsius); err != nil {
			return nil, err
		}
	}
	// A traveller's EU certificate, recognised through the trust list.
	cases = append(cases, Case{Name: "dcc", Text: dcc, Celsius: 36.4})
	return cases, nil
}

// revokedCardID is the code id of the demo's revoked printed card.
const revokedCardID = "de0de0de0de0de0de0de0de0de0de0de"

// revocations signs a snapshot of the demo's revocation list. Its sequence
// number is the time, so each run's snapshot supersedes the last one.
func (k *keys) revocations(now time.Time) ([]byte, error) {
	h, err := healthcode.RevocationHashForCodeID(revokedCardID)
	if err != nil {
		return nil, err
	}
	doc := wire.RevocationDoc{Kind: wire.KindSnapshot, Seq: uint64(now.Unix()), IssuedAt: now, ExpiresAt: now.AddDate(1, 0, 0), Hashes: []checkpoint.RevocationHash{h}}
	signed, err := healthcode.SignDocument(doc.Marshal(), k.root)
	if err != nil {
		return nil, fmt.Errorf("signing the demo revocation list: %w", err)
	}
	return signed, nil
}

func writeFile(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
