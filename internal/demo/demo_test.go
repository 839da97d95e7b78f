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
