package main

import (
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestHostileClaimsScreenshotUnderXvfb runs the real binary on a virtual X
// display, shows a yellow code whose name and relation are 3,000
// characters with a newline, a line reading "PASS" and an RTL override
// (ui.HostileName), and compares the screenshot with the ordinary
// deny-yellow screen: the status bar, the counters and the Operator button
// must be where they always are, and nothing may spill outside the verdict
// panel. The PNGs are kept in the test's temp dir (SCREENSHOT_DIR keeps
// them elsewhere, to look at).
func TestHostileClaimsScreenshotUnderXvfb(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and starts Xvfb")
	}
	for _, tool := range []string{"Xvfb", "import", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is missing (scripts/deps.sh installs it)", tool)
		}
	}
	dir := t.TempDir()
	out := os.Getenv("SCREENSHOT_DIR")
	if out == "" {
		out = dir
	}
	bin := filepath.Join(dir, "checkpoint")
	if b, err := exec.Command("go", "build", "-tags="+goTags(t), "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("building: %v\n%s", err, b)
	}
	disp := startXvfb(t, "1280x800x24")
	shot := func(state string) image.Image {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, "--screenshot-state", state, "--lang", "en")
		cmd.Env = append(os.Environ(), "DISPLAY="+disp, "LIBGL_ALWAYS_SOFTWARE=1")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
		time.Sleep(4 * time.Second) // start-up and first frames under software GL
		path := filepath.Join(out, state+".png")
		if b, err := exec.Command("import", "-display", disp, "-window", "root", path).CombinedOutput(); err != nil {
			t.Fatalf("import: %v\n%s", err, b)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		img, err := png.Decode(f)
		if err != nil {
			t.Fatal(err)
		}
		return img
	}
	base, hostile := shot("deny-yellow"), shot("hostile-claims")
	if base.Bounds() != hostile.Bounds() || base.Bounds().Dx() != 1280 || base.Bounds().Dy() != 800 {
		t.Fatalf("screenshots are %v and %v, want 1280x800", base.Bounds(), hostile.Bounds())
	}
	// Regions that must not change: the status bar right of the clock, and
	// the side column's counters and Operator button at the bottom.
	for _, r := range []struct {
		name string
		rect image.Rectangle
	}{
		{"status bar", image.Rect(130, 0, 1280, 52)},
		{"counters and Operator button", image.Rect(952, 420, 1280, 800)},
	} {
		if diff := differing(base, hostile, r.rect); diff > 0.01 {
			t.Errorf("%s differs from the ordinary screen in %.1f%% of its pixels (see %s)", r.name, 100*diff, out)
		}
	}
	// The Operator button is drawn (not pushed off the screen): its area at
	// the bottom right is not the plain background.
	if n := distinctColors(hostile, image.Rect(952, 750, 1280, 795)); n < 10 {
		t.Errorf("bottom of the side column has %d colours: the Operator button is gone (see %s)", n, out)
	}
	// Nothing spills out of the panel: its left margin and bottom rows keep
	// the deny colour from top to bottom.
	panel := hostile.At(10, 70)
	for _, p := range []image.Point{{8, 100}, {8, 400}, {8, 700}, {8, 790}, {470, 790}, {935, 790}, {935, 480}} {
		if !near(hostile.At(p.X, p.Y), panel) {
			t.Errorf("panel colour at %v is %v, want %v like the rest of the panel (see %s)", p, hostile.At(p.X, p.Y), panel, out)
		}
	}
	if r, g, b, _ := panel.RGBA(); !(r>>8 > 150 && g>>8 < 80 && b>>8 < 80) {
		t.Errorf("panel is %v, want the deny red", panel)
	}
}
