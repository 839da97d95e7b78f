package doctor_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/internal/config"
	"github.com/checkpoint-terminal/checkpoint/internal/demo"
	"github.com/checkpoint-terminal/checkpoint/internal/doctor"
)

type fixedClock time.Time

func (c fixedClock) Now() time.Time { return time.Time(c) }

func noNTP(context.Context) (bool, bool) { return false, false }

// TestDoctor runs the checks against the demo's real parts (camera path
// with a rendered video, simulated thermometer on a pty, bbolt store), then
// breaks one part at a time and checks that exactly that line fails with a
// next step.
func TestDoctor(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()
	clock := checkpoint.SystemClock{}
	dm, err := demo.Prepare(ctx, dir, clock, slog.New(slog.NewTextHandler(io.Discard, nil)), demo.Options{Width: 320, Height: 240, FPS: 15, CodeTime: time.Second, GapTime: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer dm.Close()
	if err := doctor.SeedDemo(dm.Config, clock.Now()); err != nil {
		t.Fatal(err)
	}
	rot := dm.NewRotator(ctx)
	defer rot.Close()
	opts := doctor.Options{Demo: true, Frames: rot, FirstFrame: 2 * time.Minute, Window: time.Second, NTP: noNTP, RevocationsRequired: true}

	report := doctor.Run(ctx, dm.Config, opts)
	var out bytes.Buffer
	report.Write(&out)
	t.Logf("\n%s", out.String())
	for _, name := range []string{"config", "trust roots", "disk", "store", "trust list", "revocations", "clock", "camera", "thermometer"} {
		if c, ok := report.Find(name); !ok || c.Result != doctor.OK {
			t.Errorf("%s: %+v, want ok", name, c)
		}
	}
	if c, _ := report.Find("hub"); c.Result != doctor.Skip {
		t.Errorf("hub: %+v, want skip (no hub configured)", c)
	}
	if report.Failed() {
		t.Fatal("the demo's parts fail")
	}

	expectFail := func(t *testing.T, r doctor.Report, name, detail string) {
		t.Helper()
		c, ok := r.Find(name)
		if !ok || c.Result != doctor.Fail || !strings.Contains(c.Detail, detail) || c.Next == "" {
			t.Errorf("%s: %+v, want FAIL saying %q with a next step", name, c, detail)
		}
		if !r.Failed() {
			t.Error("Failed() is false")
		}
		var out bytes.Buffer
		r.Write(&out)
		if !strings.Contains(out.String(), "Next steps:\n") || !strings.Contains(out.String(), "\n- "+name+": ") {
			t.Errorf("the table does not give the next step for %s:\n%s", name, out.String())
		}
	}
	t.Run("clock behind the newest list", func(t *testing.T) {
		o := opts
		o.Clock = fixedClock(time.Now().Add(-48 * time.Hour))
		expectFail(t, doctor.Run(ctx, dm.Config, o), "clock", "before the newest list or record")
	})
	t.Run("thermometer unplugged", func(t *testing.T) {
		cfg := dm.Config
		cfg.Thermometer.Port = dir + "/ttyNONE"
		o := opts
		o.SensorWait = time.Second
		expectFail(t, doctor.Run(ctx, cfg, o), "thermometer", "no value within")
	})
	t.Run("camera missing", func(t *testing.T) {
		cfg := dm.Config
		cfg.Camera.Source = "/dev/video99"
		o := opts
		o.Frames, o.Demo, o.FirstFrame = nil, false, time.Second
		expectFail(t, doctor.Run(ctx, cfg, o), "camera", "/dev/video99")
	})
	t.Run("trust list seed missing", func(t *testing.T) {
		cfg := dm.Config
		cfg.DataDir = t.TempDir() // no store: the seed file is checked
		cfg.Trust.TrustList = dir + "/none.cose"
		expectFail(t, doctor.Run(ctx, cfg, opts), "trust list", "none.cose")
	})
	t.Run("damaged store", func(t *testing.T) {
		b, err := os.ReadFile(dm.Config.StorePath())
		if err != nil {
			t.Fatal(err)
		}
		cfg := dm.Config
		cfg.DataDir = t.TempDir()
		if err := os.WriteFile(cfg.StorePath(), b[:len(b)/2], 0o600); err != nil {
			t.Fatal(err)
		}
		expectFail(t, doctor.Run(ctx, cfg, opts), "store", "cut short")
	})
}

// TestLogAtStart: the checks run at start leave out the devices and log
// what does not pass with its next step.
func TestLogAtStart(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Thermometer.Enabled = true
	cfg.Trust.Roots = nil
	r := doctor.Run(context.Background(), cfg, doctor.Options{SkipDevices: true, NTP: noNTP})
	if _, ok := r.Find("camera"); ok {
		t.Error("camera checked with SkipDevices")
	}
	var buf bytes.Buffer
	r.Log(slog.New(slog.NewTextHandler(&buf, nil)))
	if !strings.Contains(buf.String(), `level=ERROR msg="self-test: trust roots failed"`) || !strings.Contains(buf.String(), "next=") {
		t.Errorf("log lacks the failed root check with its next step:\n%s", buf.String())
	}
	// What the status bar gets: every failed and warned check, by name.
	failed, warned := r.NotPassed()
	for _, c := range r {
		var list []string
		switch c.Result {
		case doctor.Fail:
			list = failed
		case doctor.Warn:
			list = warned
		default:
			continue
		}
		if !slices.Contains(list, c.Name) {
			t.Errorf("%s (%v) missing from NotPassed: failed %q, warned %q", c.Name, c.Result, failed, warned)
		}
	}
	if len(failed) == 0 {
		t.Error("no failed check given to the status bar, want trust roots")
	}
}
