package demo

import (
	"context"
	"errors"
	"fmt"
	"image"
	"os"
	"path/filepath"
	gosync "sync"
	"time"

	"github.com/checkpoint-terminal/checkpoint/scanner/camera"
)

// Rotator is the demo's camera. It plays a generated video through
// camera.Open, the terminal's real capture path, and every Refresh switches
// to a new video of freshly issued codes. The first video is written in the
// background so the screen is up at once.
type Rotator struct {
	d      *Demo
	ready  chan struct{} // closed once the first camera is open (or failed)
	cancel context.CancelFunc
	done   chan struct{}

	mu      gosync.Mutex
	cur     *camera.Camera
	curPath string
	err     error // why the first video could not be played
	cases   []Case
	closed  bool
}

// NewRotator starts generating and playing the demo video.
func (d *Demo) NewRotator(ctx context.Context) *Rotator {
	ctx, cancel := context.WithCancel(ctx)
	r := &Rotator{d: d, ready: make(chan struct{}), cancel: cancel, done: make(chan struct{})}
	go r.loop(ctx)
	return r
}

func (r *Rotator) loop(ctx context.Context) {
	defer close(r.done)
	first := true
	for gen := 1; ; gen++ {
		err := r.rotate(ctx, gen)
		if first {
			if err != nil {
				r.mu.Lock()
				r.err = err
				r.mu.Unlock()
			}
			close(r.ready)
			first = false
		}
		if err != nil && ctx.Err() == nil {
			r.d.log.Error("demo video", "err", err)
		}
		if r.d.opts.Once {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(r.d.opts.Refresh):
		}
	}
}

// rotate writes video gen and switches the camera to it.
func (r *Rotator) rotate(ctx context.Context, gen int) error {
	path := filepath.Join(r.d.Config.DataDir, fmt.Sprintf("demo-%d.avi", gen%2))
	start := time.Now()
	cases, err := r.d.WriteVideo(path)
	if err != nil {
		return err
	}
	rendered := time.Since(start)
	if err := r.d.startSim(ctx); err != nil {
		return err
	}
	// Start on the sensor's script boundary so each code is shown while its
	// holder stands at the simulated sensor.
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(r.d.untilNextPass()):
	}
	cam, err := camera.Open(ctx, camera.Config{
		Source: path, Loop: !r.d.opts.Once, Lockstep: r.d.opts.Lockstep,
		PreviewFPS: 5, Clock: r.d.clock,
	}, r.d.log.With("part", "camera"))
	if err != nil {
		return fmt.Errorf("opening the demo video: %w", err)
	}
	r.d.log.Info("demo video playing", "path", path, "codes", len(cases), "rendered_in", rendered.Round(time.Millisecond))
	r.mu.Lock()
	old, oldPath := r.cur, r.curPath
	if r.closed {
		r.mu.Unlock()
		return cam.Close()
	}
	r.cur, r.curPath, r.cases = cam, path, cases
	r.mu.Unlock()
	if old != nil {
		old.Close() // a scanner blocked in Next gets ErrClosed and moves on
		if oldPath != path {
			os.Remove(oldPath)
		}
	}
	return nil
}

func (r *Rotator) camera(ctx context.Context) (*camera.Camera, error) {
	select {
	case <-r.ready:
	case <-ctx.Done():
		return nil, camera.ErrClosed
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, camera.ErrClosed
	}
	if r.cur == nil {
		return nil, r.err
	}
	return r.cur, nil
}

// Next returns the next frame of the current video.
func (r *Rotator) Next(ctx context.Context) (*camera.Frame, error) {
	for {
		cam, err := r.camera(ctx)
		if err != nil {
			return nil, err
		}
		f, err := cam.Next(ctx)
		if errors.Is(err, camera.ErrClosed) && ctx.Err() == nil {
			r.mu.Lock()
			switched := r.cur != cam && !r.closed
			r.mu.Unlock()
			if switched {
				continue
			}
		}
		return f, err
	}
}

// Status is the current video capture's health.
func (r *Rotator) Status() camera.Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.cur != nil:
		return r.cur.Status()
	case r.err != nil:
		return camera.Status{State: camera.StateFailed, Err: r.err}
	}
	return camera.Status{State: camera.StateReconnecting, Err: errors.New("preparing the demo video")}
}

// Preview is the current video's latest picture.
func (r *Rotator) Preview() (image.Image, time.Time) {
	r.mu.Lock()
	cam := r.cur
	r.mu.Unlock()
	if cam == nil {
		return nil, time.Time{}
	}
	return cam.Preview()
}

// Cases are the codes of the video now playing (nil before the first).
func (r *Rotator) Cases() []Case {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cases
}

// Close stops rotating and closes the camera.
func (r *Rotator) Close() error {
	r.cancel()
	<-r.done
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	if r.cur != nil {
		return r.cur.Close()
	}
	return nil
}
