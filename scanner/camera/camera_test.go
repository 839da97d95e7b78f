package camera

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint/scanner/videogen"
	"gocv.io/x/gocv"
)

func writeVideo(t *testing.T, frames int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "v.avi")
	err := videogen.WriteVideo(path, []videogen.Scene{{Frames: frames / 2}, {Text: "x", Frames: frames - frames/2}}, videogen.Options{Width: 320, Height: 240, FPS: 30})
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// TestLockstepFileGivesEveryFrame reads a real MJPG file: every frame
// arrives once, in order, as a grey plane of the file's size, with media
// capture times 1/30 s apart, then io.EOF and the ended state.
func TestLockstepFileGivesEveryFrame(t *testing.T) {
	path := writeVideo(t, 12)
	ctx := t.Context()
	c, err := Open(ctx, Config{Source: path, Lockstep: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var first time.Time
	for i := range 12 {
		f, err := c.Next(ctx)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if f.Seq != uint64(i+1) || f.Width != 320 || f.Height != 240 || f.Stride < 320 || len(f.Pix) < 320*240 {
			t.Fatalf("frame %d: seq %d %dx%d stride %d len %d", i, f.Seq, f.Width, f.Height, f.Stride, len(f.Pix))
		}
		if i == 0 {
			first = f.CapturedAt
		} else if d := f.CapturedAt.Sub(first); d != time.Duration(i)*(time.Second/30) {
			t.Errorf("frame %d captured %v after the first, want %v", i, d, time.Duration(i)*(time.Second/30))
		}
	}
	if _, err := c.Next(ctx); !errors.Is(err, io.EOF) {
		t.Fatalf("after the last frame: %v, want io.EOF", err)
	}
	st := c.Status()
	if st.State != StateEnded || st.Frames != 12 || st.Dropped != 0 {
		t.Errorf("status %+v, want ended after 12 frames, none dropped", st)
	}
	if img, _ := c.Preview(); img == nil || img.Bounds().Dx() != 320 {
		t.Errorf("preview %v, want a 320-wide image", img)
	}
}

// TestSlowConsumerGetsLatestFrame: a paced file read by a consumer slower
// than the frame rate drops frames instead of queueing them.
func TestSlowConsumerGetsLatestFrame(t *testing.T) {
	path := writeVideo(t, 20)
	ctx := t.Context()
	c, err := Open(ctx, Config{Source: path, FPS: 100}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var seqs []uint64
	for {
		f, err := c.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, f.Seq)
		time.Sleep(50 * time.Millisecond) // 5 frame periods
	}
	for i := 1; i < len(seqs); i++ {
		if seqs[i] <= seqs[i-1] {
			t.Fatalf("sequence not increasing: %v", seqs)
		}
	}
	st := c.Status()
	if len(seqs) >= 20 || st.Dropped == 0 || st.Frames != 20 {
		t.Errorf("got frames %v, status %+v: want fewer than 20 handed on and drops counted", seqs, st)
	}
}

// TestLoopReplaysForever: with Loop a file restarts at its end.
func TestLoopReplaysForever(t *testing.T) {
	path := writeVideo(t, 4)
	ctx := t.Context()
	c, err := Open(ctx, Config{Source: path, Loop: true, Lockstep: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := range 10 {
		if _, err := c.Next(ctx); err != nil {
			t.Fatalf("frame %d of a looping 4-frame file: %v", i, err)
		}
	}
}

// TestFolderOfImages plays images in name order.
func TestFolderOfImages(t *testing.T) {
	dir := t.TempDir()
	for i, v := range []float64{10, 120, 240} {
		m := gocv.NewMatWithSizeFromScalar(gocv.NewScalar(v, v, v, 0), 60, 80, gocv.MatTypeCV8UC3)
		if !gocv.IMWrite(filepath.Join(dir, fmt.Sprintf("%02d.png", i)), m) {
			t.Fatal("writing test image")
		}
		m.Close()
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not an image"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	c, err := Open(ctx, Config{Source: dir, Lockstep: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i, want := range []byte{10, 120, 240} {
		f, err := c.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if f.Width != 80 || f.Height != 60 || f.Pix[0] != want {
			t.Errorf("image %d: %dx%d first pixel %d, want 80x60 %d", i, f.Width, f.Height, f.Pix[0], want)
		}
	}
	if _, err := c.Next(ctx); !errors.Is(err, io.EOF) {
		t.Errorf("after the last image: %v, want io.EOF", err)
	}
}

// TestBadSources: configuration errors are returned at once; a device
// that is not there is retried in the background and reported.
func TestBadSources(t *testing.T) {
	ctx := t.Context()
	for _, src := range []string{"", filepath.Join(t.TempDir(), "missing.avi"), t.TempDir()} {
		if c, err := Open(ctx, Config{Source: src}, nil); err == nil {
			c.Close()
			t.Errorf("Open(%q): want an error", src)
		}
	}
	garbage := filepath.Join(t.TempDir(), "garbage.avi")
	if err := os.WriteFile(garbage, []byte("RIFF not really a video"), 0o644); err != nil {
		t.Fatal(err)
	}
	if c, err := Open(ctx, Config{Source: garbage}, nil); err == nil {
		c.Close()
		t.Error("Open(garbage file): want an error")
	}

	c, err := Open(ctx, Config{Source: "/dev/video97", Backoff: 10 * time.Millisecond}, nil)
	if err != nil {
		t.Fatalf("a missing device is retried, not refused: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for c.Status().Err == nil && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	st := c.Status()
	if st.State != StateReconnecting || st.Err == nil {
		t.Errorf("status %+v, want reconnecting with an error", st)
	}
	nctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := c.Next(nctx); !errors.Is(err, ErrClosed) {
		t.Errorf("Next with a cancelled context: %v, want ErrClosed", err)
	}
	c.Close()
	if _, err := c.Next(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("Next after Close: %v, want ErrClosed", err)
	}
}
