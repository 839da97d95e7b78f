// Package config reads the terminal's one TOML file. Every option has a
// default (Default), is documented in README.md, and is validated before any
// part is built, so a typo fails at start-up with the key's name instead of
// silently doing something else.
package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/gate"
	"github.com/checkpoint-terminal/checkpoint/healthcode"
	"github.com/checkpoint-terminal/checkpoint/internal/pin"
	"github.com/checkpoint-terminal/checkpoint/scanner/hid"
	"github.com/checkpoint-terminal/checkpoint/scanner/serialscan"
	"github.com/checkpoint-terminal/checkpoint/thermometer"
)

// Config is the whole terminal configuration.
type Config struct {
	// TerminalID and SiteID go into every record.
	TerminalID string `toml:"terminal_id"`
	SiteID     string `toml:"site_id"`
	// DataDir holds the bbolt store (checkpoint.db).
	DataDir string `toml:"data_dir"`
	// Language is "en", "zh-CN", or empty to follow the system locale.
	Language string `toml:"language"`

	Camera      Camera            `toml:"camera"`
	Thermometer Thermometer       `toml:"thermometer"`
	Trust       Trust             `toml:"trust"`
	Hub         Hub               `toml:"hub"`
	UI          UI                `toml:"ui"`
	Policy      checkpoint.Policy `toml:"policy"`
	DCC         DCC               `toml:"dcc"`
	Rules       Rules             `toml:"rules"`
	// Gate is the gate or turnstile relay (package gate); driver "none" by
	// default.
	Gate gate.Config `toml:"gate"`
	// Scanner lists the hand scanners beside the camera.
	Scanner Scanners `toml:"scanner"`
	// Voice speaks each verdict after its cue (ui.mute silences both).
	Voice Voice `toml:"voice"`
}

// Voice configures the spoken prompts (ui/sound).
type Voice struct {
	// Enabled speaks PASS, DENY (with its reason class), RECHECK and
	// MEASURE in the UI's language (en or zh-CN).
	Enabled bool `toml:"enabled"`
	// Volume scales cues and voice, 0..1.
	Volume float64 `toml:"volume"`
}

// Scanners are the hand scanners ([[scanner.serial]], [[scanner.hid]]):
// each code they read goes through the camera's verifier and hold-off.
// Keys a table leaves out take the package defaults.
type Scanners struct {
	Serial []serialscan.Config `toml:"serial"`
	HID    []hid.Config        `toml:"hid"`
}

// Camera selects the capture source.
type Camera struct {
	// Source: a V4L2 index ("0") or path ("/dev/video0"), a video file, an
	// rtsp:// or http(s):// stream URL, or a folder of images.
	Source string `toml:"source"`
	Width  int    `toml:"width"`
	Height int    `toml:"height"`
	FPS    int    `toml:"fps"`
}

// Thermometer configures the serial infrared sensor: every key of
// thermometer.Config (see its doc for each) plus whether one is attached.
type Thermometer struct {
	// Enabled false runs without a sensor: every green code then needs a
	// manual measurement (when the policy requires temperature).
	Enabled            bool `toml:"enabled"`
	thermometer.Config `toml:""`
}

// Trust pins the roots that sign trust lists, revocations and policies.
type Trust struct {
	// Roots are PEM public-key files; a list signed by anything else is
	// refused. Several roots may be trusted (national platform, gateways).
	Roots []string `toml:"roots"`
	// TrustList is a signed trust list file installed at start when the
	// store has none (or an older one): how an offline terminal is seeded.
	TrustList string `toml:"trust_list"`
	// Revocations is a signed revocation snapshot file installed at start
	// when newer than the stored set: the same offline seeding for the
	// revocation list (a delta is refused).
	Revocations string `toml:"revocations"`
}

// Hub is where records go and lists come from. Empty URL: offline only.
type Hub struct {
	URL      string `toml:"url"`
	DeviceID string `toml:"device_id"`
	// TokenFile holds the device token an operator registered for this
	// terminal (`hub device register`).
	TokenFile string `toml:"token_file"`
	// PinSHA256 is the hex SHA-256 of the hub's certificate (DER): when set,
	// only exactly that certificate is accepted.
	PinSHA256 string `toml:"pin_sha256"`
	// Pins are SHA-256 pins of the hub's public key (SubjectPublicKeyInfo),
	// as `hub serve` logs them: colon-separated hex ("AB:CD:..."), plain
	// hex or "sha256/<base64>"; several allowed (the current key and a
	// backup). They survive certificate renewal with the same key.
	Pins []string `toml:"pins"`
	// CAFile is a private CA (PEM) for the hub's TLS certificate; empty uses
	// the system roots. Plain http:// is accepted only to loopback.
	CAFile   string        `toml:"ca_file"`
	Interval time.Duration `toml:"interval"`
}

// UI configures the guard's screen.
type UI struct {
	Fullscreen bool `toml:"fullscreen"`
	// VerdictSeconds is how long a verdict stays before "ready to scan".
	VerdictSeconds float64 `toml:"verdict_seconds"`
	Mute           bool    `toml:"mute"`
	// PIN opens the operator screens.
	PIN string `toml:"pin"`
	// PreviewFPS throttles the live camera preview (0 hides it).
	PreviewFPS float64 `toml:"preview_fps"`
	// Font is a single .ttf/.otf CJK font to use instead of the bundled GB
	// 2312 subset, e.g. the full DroidSansFallbackFull.ttf for rare
	// characters (about 35 MB more memory).
	Font string `toml:"font"`
}

// DCC is the site policy for EU Digital COVID Certificates.
type DCC struct {
	AcceptVaccination bool `toml:"accept_vaccination"`
	AcceptTest        bool `toml:"accept_test"`
	AcceptRecovery    bool `toml:"accept_recovery"`
	// VaccinationWait: a completed primary series counts this long after the
	// last dose; a booster (dose number above the series) counts at once.
	VaccinationWait time.Duration `toml:"vaccination_wait"`
	// OneDoseAfterRecovery: a 1/1 vaccination with a two-dose product is the
	// single dose after a recovery and counts at once.
	OneDoseAfterRecovery bool `toml:"one_dose_after_recovery"`
	// TestValidity: a negative test counts this long after sampling.
	TestValidity time.Duration `toml:"test_validity"`
}

// Policy returns the verifier's form of the DCC policy.
func (d DCC) Policy() healthcode.DCCPolicy {
	return healthcode.DCCPolicy{
		RejectVaccination:    !d.AcceptVaccination,
		RejectTest:           !d.AcceptTest,
		RejectRecovery:       !d.AcceptRecovery,
		VaccinationWait:      d.VaccinationWait,
		OneDoseAfterRecovery: d.OneDoseAfterRecovery,
		TestValidity:         d.TestValidity,
	}
}

// DefaultPIN is the operator PIN when none is configured; outside demo mode
// the terminal refuses to start while it is in use.
const DefaultPIN = pin.Default

// Default returns the configuration used for every option the file omits.
func Default() Config {
	return Config{
		TerminalID:  hostname(),
		SiteID:      "site-1",
		DataDir:     defaultDataDir(),
		Camera:      Camera{Source: "0", Width: 1280, Height: 720, FPS: 30},
		Thermometer: Thermometer{Enabled: true, Config: thermometer.DefaultConfig()},
		Hub:         Hub{Interval: 30 * time.Second},
		UI:          UI{Fullscreen: true, VerdictSeconds: 4, PIN: DefaultPIN, PreviewFPS: 5},
		Policy:      checkpoint.DefaultPolicy(),
		DCC: DCC{AcceptVaccination: true, AcceptTest: true, AcceptRecovery: true,
			VaccinationWait: 14 * 24 * time.Hour, TestValidity: 72 * time.Hour},
		Gate:  gate.DefaultConfig(),
		Voice: Voice{Enabled: true, Volume: 1},
	}
}

// Load reads path over the defaults. Unknown keys are an error.
func Load(path string) (Config, error) {
	cfg := Default()
	md, err := toml.DecodeFile(path, &cfg)
	if err != nil {
		return Config{}, fmt.Errorf("reading config %s: %w", path, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
			if k.String() == "thermometer.min_plausible" || k.String() == "thermometer.max_plausible" {
				return Config{}, fmt.Errorf("config %s: [thermometer] %s is no longer read: the forehead range has one home, "+
					"[policy] min_plausible and max_plausible (the sensor follows the policy in force)", path, k[len(k)-1])
			}
		}
		return Config{}, fmt.Errorf("config %s: unknown keys: %s", path, strings.Join(keys, ", "))
	}
	if err := applyOverride(path, &cfg); err != nil {
		return Config{}, err
	}
	base := filepath.Dir(path)
	for i, r := range cfg.Trust.Roots {
		cfg.Trust.Roots[i] = relTo(base, r)
	}
	cfg.Trust.TrustList = relTo(base, cfg.Trust.TrustList)
	cfg.Trust.Revocations = relTo(base, cfg.Trust.Revocations)
	cfg.Rules.File = relTo(base, cfg.Rules.File)
	cfg.Hub.TokenFile = relTo(base, cfg.Hub.TokenFile)
	cfg.Hub.CAFile = relTo(base, cfg.Hub.CAFile)
	cfg.DataDir = relTo(base, cfg.DataDir)
	cfg.UI.Font = relTo(base, cfg.UI.Font)
	cfg.Camera.Source = sourceRelTo(base, cfg.Camera.Source)
	cfg.Thermometer.Port = relTo(base, cfg.Thermometer.Port)
	cfg.Gate.Port = relTo(base, cfg.Gate.Port) // the GPIO chip is a name, not a path
	for i := range cfg.Scanner.Serial {
		cfg.Scanner.Serial[i].Port = relTo(base, cfg.Scanner.Serial[i].Port)
	}
	for i := range cfg.Scanner.HID {
		cfg.Scanner.HID[i].Device = relTo(base, cfg.Scanner.HID[i].Device)
	}
	return cfg, cfg.Validate()
}

// Validate reports every setting that cannot work.
func (c Config) Validate() error {
	var errs []error
	if c.TerminalID == "" {
		errs = append(errs, errors.New("terminal_id is empty"))
	}
	if c.DataDir == "" {
		errs = append(errs, errors.New("data_dir is empty"))
	}
	switch c.Language {
	case "", "en", "zh-CN":
	default:
		errs = append(errs, fmt.Errorf("language %q: want en, zh-CN or empty", c.Language))
	}
	if c.Camera.Source == "" {
		errs = append(errs, errors.New("camera.source is empty"))
	}
	if c.Camera.Width < 0 || c.Camera.Height < 0 || c.Camera.FPS < 0 {
		errs = append(errs, errors.New("camera width, height and fps must not be negative"))
	}
	if c.Thermometer.Enabled {
		if err := c.Thermometer.Config.Validate(); err != nil {
			errs = append(errs, err) // already says "thermometer: ..."
		}
	}
	if err := c.Rules.Validate(); err != nil {
		errs = append(errs, err)
	}
	for _, sc := range c.Scanner.Serial {
		if err := sc.WithDefaults().Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	for _, sc := range c.Scanner.HID {
		if err := sc.WithDefaults().Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	if !(c.Voice.Volume >= 0 && c.Voice.Volume <= 1) {
		errs = append(errs, fmt.Errorf("voice.volume %v outside 0..1", c.Voice.Volume))
	}
	if err := c.Gate.Validate(); err != nil {
		errs = append(errs, err) // already says "gate: ..."
	}
	if c.Hub.URL != "" && c.Hub.DeviceID == "" {
		errs = append(errs, errors.New("hub.device_id is required with hub.url"))
	}
	if c.Hub.DeviceID != "" && c.Hub.DeviceID != c.TerminalID {
		// The hub accepts a device's records only under its own id.
		errs = append(errs, fmt.Errorf("hub.device_id %q must equal terminal_id %q", c.Hub.DeviceID, c.TerminalID))
	}
	if c.Hub.URL != "" && c.Hub.TokenFile == "" {
		errs = append(errs, errors.New("hub.token_file is required with hub.url"))
	}
	if c.UI.VerdictSeconds <= 0 {
		errs = append(errs, errors.New("ui.verdict_seconds must be positive"))
	}
	if err := pin.Validate(c.UI.PIN); err != nil {
		errs = append(errs, fmt.Errorf("ui.pin: %w", err))
	}
	if err := c.Policy.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("policy: %w", err))
	}
	return errors.Join(errs...)
}

// StorePath is the bbolt file inside DataDir.
func (c Config) StorePath() string { return filepath.Join(c.DataDir, "checkpoint.db") }

func relTo(base, p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	if abs, err := filepath.Abs(filepath.Join(base, p)); err == nil {
		return abs
	}
	return filepath.Join(base, p)
}

// sourceRelTo resolves a camera source that is a file or folder path
// against base; a device index ("0") or a URL ("rtsp://...") is left as is.
func sourceRelTo(base, src string) string {
	if src == "" || strings.Contains(src, "://") || strings.Trim(src, "0123456789") == "" {
		return src
	}
	return relTo(base, src)
}

func hostname() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "terminal-1"
	}
	return h
}

// defaultDataDir follows the XDG base directory convention for data.
func defaultDataDir() string {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "checkpoint")
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".local", "share", "checkpoint")
	}
	return "checkpoint-data"
}

// Save writes cfg to path atomically (a temporary file renamed over it), so
// a crash never leaves half a config. Comments in an existing file are not
// kept.
func Save(path string, cfg Config) error {
	var b strings.Builder
	b.WriteString("# Written by the checkpoint terminal's settings screen.\n")
	if err := toml.NewEncoder(&b).Encode(cfg); err != nil {
		return fmt.Errorf("encoding config: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o600); err != nil {
		return fmt.Errorf("writing config: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("writing config: %w", err)
	}
	return nil
}
