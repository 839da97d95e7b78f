package demo

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"gocv.io/x/gocv"

	"github.com/checkpoint-terminal/checkpoint"
)

// A second process of the same demo directory (`checkpoint doctor` while a
// demo runs) rewrites the demo video the first one keeps reopening: every
// open must find a whole video, and no temporary file may stay behind.
func TestVideoRewriteLeavesReadersAWholeFile(t *testing.T) {
	dir := t.TempDir()
	d, err := Prepare(context.Background(), dir, checkpoint.SystemClock{}, slog.New(slog.DiscardHandler), Options{Width: 320, Height: 240, FPS: 5, Once: true})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	path := filepath.Join(dir, "demo-0.avi")
	if _, err := d.WriteVideo(path); err != nil {
		t.Fatal(err)
	}
	var done atomic.Bool
	var opens, bad atomic.Int64
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		for !done.Load() {
			vc, err := gocv.VideoCaptureFileWithAPI(path, gocv.VideoCaptureFFmpeg)
			opens.Add(1)
			if err != nil || !vc.IsOpened() || vc.Get(gocv.VideoCaptureFrameCount) < 1 {
				bad.Add(1)
			}
			if vc != nil {
				vc.Close()
			}
		}
	}()
	for range 3 {
		if _, err := d.WriteVideo(path); err != nil {
			t.Fatal(err)
		}
	}
	done.Store(true)
	<-readerDone
	if opens.Load() < 3 {
		t.Fatalf("the reader opened the video only %d times", opens.Load())
	}
	if bad.Load() > 0 {
		t.Errorf("%d of %d opens found a partly written video", bad.Load(), opens.Load())
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if len(e.Name()) > 0 && e.Name()[0] == '.' {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}

// Two demos of one directory (a running demo and `checkpoint doctor`) each
// have their own simulated thermometer: the second ending leaves the first's
// device link in place. A link whose pty is gone is cleared at the next start.
func TestTwoDemosKeepTheirOwnSensor(t *testing.T) {
	dir := t.TempDir()
	dead := filepath.Join(dir, "ttySIM0")
	if err := os.Symlink("/dev/pts/no-such-pty", dead); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	first, err := Prepare(ctx, dir, checkpoint.SystemClock{}, log, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	if _, err := os.Lstat(dead); !os.IsNotExist(err) {
		t.Errorf("the dead link %s is still there (%v)", dead, err)
	}
	if err := first.startSim(ctx); err != nil {
		t.Fatal(err)
	}
	second, err := Prepare(ctx, dir, checkpoint.SystemClock{}, log, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := second.startSim(ctx); err != nil {
		t.Fatal(err)
	}
	if first.Config.Thermometer.Port == second.Config.Thermometer.Port {
		t.Fatalf("both demos use %s", first.Config.Thermometer.Port)
	}
	second.Close()
	if _, err := os.Stat(first.Config.Thermometer.Port); err != nil {
		t.Errorf("the first demo's sensor is gone after the second ended: %v", err)
	}
}
