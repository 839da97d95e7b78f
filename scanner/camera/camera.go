// Package camera owns the OpenCV capture device. A reader goroutine grabs
// frames from a V4L2 device, a video file, a network stream (RTSP, MJPEG
// over HTTP) or a folder of images, converts each to an 8-bit grey plane
// and keeps only the latest: a slow consumer never makes frames queue up and
// the capture never waits for the decoder (unless Config.Lockstep asks for
// every frame, as tests and offline replays do).
//
// A device or stream that fails is reopened with backoff; Status reports
// the state for the UI. Preview gives a throttled colour picture for the
// screen.
package camera

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"gocv.io/x/gocv"
)

// Config says what to capture.
type Config struct {
	// Source is a device index ("0"), a device path ("/dev/video0"), a
	// video file, a stream URL (rtsp://..., http://.../video.mjpg) or a
	// folder of images (played in name order).
	Source string
	// Width, Height and FPS are requested from devices and streams (0
	// leaves the driver's default). For files and folders FPS paces the
	// replay (default: the file's own rate, else 30).
	Width, Height, FPS int
	// Loop replays a file or folder forever (demo mode).
	Loop bool
	// Lockstep hands on every frame of a file or folder and waits for the
	// consumer to take each one instead of dropping: for tests and
	// offline replays, never for live cameras. Capture times are then
	// media times: the first frame's wall time plus its index times the
	// frame period.
	Lockstep bool
	// PreviewFPS is how often Preview is refreshed (default 5).
	PreviewFPS int
	// PreviewWidth bounds the preview's width (default 640).
	PreviewWidth int
	// Clock stamps capture times (default the system clock).
	Clock checkpoint.Clock
	// Backoff is the first reconnect delay (default 500 ms), doubling up
	// to MaxBackoff (default 10 s).
	Backoff, MaxBackoff time.Duration
}

// State is the capture's health.
type State int

const (
	// StateOK: frames are arriving.
	StateOK State = iota
	// StateReconnecting: the source failed and is being reopened.
	StateReconnecting
	// StateFailed: the source cannot be used (a missing file, a folder
	// without images); nothing more will come.
	StateFailed
	// StateEnded: a file or folder was played to its end (Loop off).
	StateEnded
)

// String names the state for logs and the UI.
func (s State) String() string {
	switch s {
	case StateOK:
		return "ok"
	case StateReconnecting:
		return "reconnecting"
	case StateFailed:
		return "failed"
	case StateEnded:
		return "ended"
	}
	return "unknown"
}

// Status is a snapshot of the capture's health.
type Status struct {
	State State
	// Err is the last error (nil when none).
	Err error
	// Since is when State was entered.
	Since time.Time
	// Frames counts frames captured; Dropped those replaced before the
	// consumer took them.
	Frames, Dropped uint64
}

// Frame is one captured frame as an 8-bit grey plane: pixel (x, y) is
// Pix[y*Stride+x]. Pix is reused: it is valid only until the next call to
// Next.
type Frame struct {
	Pix                   []byte
	Width, Height, Stride int
	// Seq numbers frames from 1 in capture order (gaps are drops).
	Seq uint64
	// CapturedAt is when the frame was grabbed.
	CapturedAt time.Time
}

// ErrClosed is returned by Next after Close or after the context ended.
var ErrClosed = errors.New("camera closed")

// Camera is an open capture. Next must be called from one goroutine.
type Camera struct {
	cfg   Config
	log   *slog.Logger
	clock checkpoint.Clock

	cancel context.CancelFunc
	done   chan struct{}

	mu      sync.Mutex
	cond    *sync.Cond
	free    []*Frame // buffers nobody holds
	latest  *Frame   // newest frame not yet taken
	held    *Frame   // the consumer's frame
	status  Status
	closed  bool
	end     error // io.EOF when the source ended, set before closing
	preview image.Image
	prevAt  time.Time
}

type kind int

const (
	kindDevice kind = iota
	kindFile
	kindFolder
	kindStream
)

func classify(src string) (kind, error) {
	if src == "" {
		return 0, errors.New("no camera source configured")
	}
	if _, err := strconv.Atoi(src); err == nil || strings.HasPrefix(src, "/dev/video") {
		return kindDevice, nil
	}
	if strings.Contains(src, "://") {
		return kindStream, nil
	}
	fi, err := os.Stat(src)
	if err != nil {
		return 0, fmt.Errorf("camera source %s: %w", src, err)
	}
	if fi.IsDir() {
		return kindFolder, nil
	}
	return kindFile, nil
}

// Open starts capturing from cfg.Source. Configuration errors (no source,
// a missing file or folder) are returned; a device or stream that cannot be
// opened yet is retried in the background and shows up in Status.
func Open(ctx context.Context, cfg Config, log *slog.Logger) (*Camera, error) {
	k, err := classify(cfg.Source)
	if err != nil {
		return nil, fmt.Errorf("opening camera: %w", err)
	}
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Clock == nil {
		cfg.Clock = checkpoint.SystemClock{}
	}
	if cfg.PreviewFPS <= 0 {
		cfg.PreviewFPS = 5
	}
	if cfg.PreviewWidth <= 0 {
		cfg.PreviewWidth = 640
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = 500 * time.Millisecond
	}
	if cfg.MaxBackoff < cfg.Backoff {
		cfg.MaxBackoff = max(10*time.Second, cfg.Backoff)
	}
	var src source
	switch k {
	case kindFolder:
		src, err = newFolderSource(cfg)
	default:
		src = &captureSource{cfg: cfg, kind: k}
	}
	if err != nil {
		return nil, fmt.Errorf("opening camera: %w", err)
	}
	if k == kindFile || k == kindFolder {
		// A file that cannot be opened now will not open later.
		if err := src.open(); err != nil {
			src.close()
			return nil, fmt.Errorf("opening camera %s: %w", cfg.Source, err)
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	c := &Camera{cfg: cfg, log: log.With("camera", cfg.Source), clock: cfg.Clock, cancel: cancel, done: make(chan struct{})}
	c.cond = sync.NewCond(&c.mu)
	c.status = Status{State: StateReconnecting, Since: c.clock.Now()}
	for range 3 {
		c.free = append(c.free, &Frame{})
	}
	go c.run(ctx, src, k)
	go func() {
		<-ctx.Done()
		c.mu.Lock()
		c.closed = true
		c.cond.Broadcast()
		c.mu.Unlock()
	}()
	return c, nil
}

// Close stops the reader and releases the device.
func (c *Camera) Close() error {
	c.cancel()
	<-c.done
	c.mu.Lock()
	c.closed = true
	c.cond.Broadcast()
	c.mu.Unlock()
	return nil
}

// Status returns the capture's current health.
func (c *Camera) Status() Status {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.status
}

// Preview returns the latest colour preview (nil before the first frame)
// and when its frame was captured. The image is never modified afterwards.
func (c *Camera) Preview() (image.Image, time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.preview, c.prevAt
}

// Next returns the newest frame not yet returned, waiting for one. The
// previous frame's buffer is reused, so its Pix must no longer be read.
// It returns io.EOF when a file or folder ended, ErrClosed after Close or
// when ctx ends.
func (c *Camera) Next(ctx context.Context) (*Frame, error) {
	stop := context.AfterFunc(ctx, func() {
		c.mu.Lock()
		c.cond.Broadcast()
		c.mu.Unlock()
	})
	defer stop()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.held != nil {
		c.free = append(c.free, c.held)
		c.held = nil
		c.cond.Broadcast()
	}
	for c.latest == nil || c.closed {
		if ctx.Err() != nil || c.closed {
			return nil, ErrClosed
		}
		if c.end != nil {
			return nil, c.end
		}
		if c.closed {
			return nil, ErrClosed
		}
		c.cond.Wait()
	}
	c.held, c.latest = c.latest, nil
	c.cond.Broadcast()
	return c.held, nil
}

func (c *Camera) setState(s State, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.status.State != s {
		c.status.Since = c.clock.Now()
		c.log.Info("camera state", "state", s.String(), "err", err)
	}
	c.status.State = s
	if err != nil {
		c.status.Err = err
	}
}

// run is the reader goroutine.
func (c *Camera) run(ctx context.Context, src source, k kind) {
	defer close(c.done)
	defer src.close()
	bgr := gocv.NewMat()
	defer bgr.Close()
	grey := gocv.NewMat()
	defer grey.Close()
	live := k == kindDevice || k == kindStream
	backoff := c.cfg.Backoff
	opened := k == kindFile || k == kindFolder // opened in Open
	var period time.Duration
	var next time.Time
	var lastPreview, start time.Time
	var index int64
	for ctx.Err() == nil {
		if !opened {
			if err := src.open(); err != nil {
				src.close()
				c.setState(StateReconnecting, err)
				if !sleep(ctx, backoff) {
					return
				}
				backoff = min(2*backoff, c.cfg.MaxBackoff)
				continue
			}
			opened = true
		}
		if !live && period == 0 {
			fps := float64(c.cfg.FPS)
			if fps <= 0 {
				fps = src.fps()
			}
			if fps <= 0 || fps > 240 {
				fps = 30
			}
			period = time.Duration(float64(time.Second) / fps)
			next = time.Now()
		}
		ok, err := src.read(&bgr)
		if err == nil && !ok {
			err = io.EOF
		}
		if err != nil {
			if !live {
				if errors.Is(err, io.EOF) && c.cfg.Loop {
					if rerr := src.rewind(); rerr == nil {
						continue
					} else {
						err = rerr
					}
				}
				c.finish(err)
				return
			}
			src.close()
			opened = false
			c.setState(StateReconnecting, fmt.Errorf("reading a frame: %w", err))
			if !sleep(ctx, backoff) {
				return
			}
			backoff = min(2*backoff, c.cfg.MaxBackoff)
			continue
		}
		at := c.clock.Now()
		if !live && c.cfg.Lockstep {
			// Media time: frames are as far apart as the file says, however
			// fast the consumer takes them, so replays are reproducible.
			if start.IsZero() {
				start = at
			}
			at = start.Add(time.Duration(index) * period)
			index++
		}
		backoff = c.cfg.Backoff
		if err := c.publish(ctx, bgr, &grey, at); err != nil {
			c.setState(StateReconnecting, err)
			continue
		}
		c.setState(StateOK, nil)
		if now := time.Now(); now.Sub(lastPreview) >= time.Second/time.Duration(c.cfg.PreviewFPS) {
			lastPreview = now
			c.makePreview(bgr, at)
		}
		if !live && !c.cfg.Lockstep {
			next = next.Add(period)
			if d := time.Until(next); d > 0 {
				if !sleep(ctx, d) {
					return
				}
			} else if d < -time.Second {
				next = time.Now() // fell far behind: do not burst
			}
		}
	}
}

// finish records the end of a file or folder.
func (c *Camera) finish(err error) {
	state := StateEnded
	if !errors.Is(err, io.EOF) {
		state = StateFailed
		c.log.Warn("camera source failed", "err", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.status.State = state
	c.status.Since = c.clock.Now()
	if state == StateFailed {
		c.status.Err = err
		c.end = err
	} else {
		c.end = io.EOF
	}
	c.cond.Broadcast()
}

// publish converts bgr to grey into a free buffer and makes it the latest
// frame, dropping an untaken older one (or, in lockstep, waiting for the
// consumer to take it).
func (c *Camera) publish(ctx context.Context, bgr gocv.Mat, grey *gocv.Mat, at time.Time) error {
	switch bgr.Channels() {
	case 1:
		bgr.CopyTo(grey)
	case 3:
		gocv.CvtColor(bgr, grey, gocv.ColorBGRToGray)
	case 4:
		gocv.CvtColor(bgr, grey, gocv.ColorBGRAToGray)
	default:
		return fmt.Errorf("frame with %d channels", bgr.Channels())
	}
	if grey.Type() != gocv.MatTypeCV8UC1 || grey.Empty() {
		return fmt.Errorf("frame of type %v cannot be made 8-bit grey", bgr.Type())
	}
	data, err := grey.DataPtrUint8()
	if err != nil {
		return fmt.Errorf("reading grey frame: %w", err)
	}
	w, h, step := grey.Cols(), grey.Rows(), grey.Step()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cfg.Lockstep {
		for c.latest != nil && !c.closed && ctx.Err() == nil {
			c.cond.Wait()
		}
	}
	var f *Frame
	if c.latest != nil {
		f, c.latest = c.latest, nil
		c.status.Dropped++
	} else if n := len(c.free); n > 0 {
		f = c.free[n-1]
		c.free = c.free[:n-1]
	} else {
		f = &Frame{}
	}
	c.status.Frames++
	if cap(f.Pix) < w*h {
		f.Pix = make([]byte, w*h)
	}
	f.Pix = f.Pix[:w*h]
	for y := range h {
		copy(f.Pix[y*w:(y+1)*w], data[y*step:y*step+w])
	}
	f.Width, f.Height, f.Stride = w, h, w
	f.Seq = c.status.Frames
	f.CapturedAt = at
	c.latest = f
	c.cond.Broadcast()
	return nil
}

// makePreview stores a downscaled colour copy of the frame for the UI.
func (c *Camera) makePreview(bgr gocv.Mat, at time.Time) {
	if bgr.Channels() != 3 {
		return
	}
	small := gocv.NewMat()
	defer small.Close()
	src := bgr
	if bgr.Cols() > c.cfg.PreviewWidth {
		h := bgr.Rows() * c.cfg.PreviewWidth / bgr.Cols()
		gocv.Resize(bgr, &small, image.Pt(c.cfg.PreviewWidth, h), 0, 0, gocv.InterpolationArea)
		src = small
	}
	img, err := src.ToImage()
	if err != nil {
		return
	}
	c.mu.Lock()
	c.preview, c.prevAt = img, at
	c.mu.Unlock()
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// source is one kind of frame supplier.
type source interface {
	open() error
	// read fills m; false with a nil error is the end of the source.
	read(m *gocv.Mat) (bool, error)
	rewind() error
	fps() float64
	close()
}

// captureSource wraps gocv.VideoCapture (devices, files, streams).
type captureSource struct {
	cfg  Config
	kind kind
	vc   *gocv.VideoCapture
}

func (s *captureSource) open() error {
	var vc *gocv.VideoCapture
	var err error
	switch {
	case s.kind == kindDevice:
		if n, aerr := strconv.Atoi(s.cfg.Source); aerr == nil {
			vc, err = gocv.VideoCaptureDevice(n)
		} else {
			vc, err = gocv.VideoCaptureFileWithAPI(s.cfg.Source, gocv.VideoCaptureV4L2)
		}
	case s.kind == kindStream:
		vc, err = gocv.VideoCaptureFileWithAPI(s.cfg.Source, gocv.VideoCaptureFFmpeg)
	default:
		vc, err = gocv.VideoCaptureFile(s.cfg.Source)
	}
	if err == nil && !vc.IsOpened() {
		vc.Close()
		err = errors.New("OpenCV could not open it")
	}
	if err != nil {
		return fmt.Errorf("opening %s: %w", s.cfg.Source, err)
	}
	if s.kind == kindDevice || s.kind == kindStream {
		if s.cfg.Width > 0 && s.cfg.Height > 0 {
			vc.Set(gocv.VideoCaptureFrameWidth, float64(s.cfg.Width))
			vc.Set(gocv.VideoCaptureFrameHeight, float64(s.cfg.Height))
		}
		if s.cfg.FPS > 0 {
			vc.Set(gocv.VideoCaptureFPS, float64(s.cfg.FPS))
		}
		vc.Set(gocv.VideoCaptureBufferSize, 1) // the latest frame, not a queue
	}
	s.vc = vc
	return nil
}

func (s *captureSource) read(m *gocv.Mat) (bool, error) {
	if s.vc == nil {
		return false, errors.New("not open")
	}
	if !s.vc.Read(m) || m.Empty() {
		if s.kind == kindFile {
			return false, nil
		}
		return false, errors.New("no frame from the device")
	}
	return true, nil
}

func (s *captureSource) rewind() error {
	s.close()
	return s.open()
}

func (s *captureSource) fps() float64 {
	if s.vc == nil {
		return 0
	}
	return s.vc.Get(gocv.VideoCaptureFPS)
}

func (s *captureSource) close() {
	if s.vc != nil {
		s.vc.Close()
		s.vc = nil
	}
}

// folderSource plays the images of a folder in name order.
type folderSource struct {
	files []string
	i     int
}

var imageExts = []string{".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff", ".pgm", ".ppm"}

func newFolderSource(cfg Config) (*folderSource, error) {
	ents, err := os.ReadDir(cfg.Source)
	if err != nil {
		return nil, fmt.Errorf("listing %s: %w", cfg.Source, err)
	}
	s := &folderSource{}
	for _, e := range ents {
		if !e.IsDir() && slices.Contains(imageExts, strings.ToLower(filepath.Ext(e.Name()))) {
			s.files = append(s.files, filepath.Join(cfg.Source, e.Name()))
		}
	}
	if len(s.files) == 0 {
		return nil, fmt.Errorf("folder %s holds no images", cfg.Source)
	}
	slices.Sort(s.files)
	return s, nil
}

func (s *folderSource) open() error { return nil }

func (s *folderSource) read(m *gocv.Mat) (bool, error) {
	if s.i >= len(s.files) {
		return false, nil
	}
	f := s.files[s.i]
	s.i++
	img := gocv.IMRead(f, gocv.IMReadColor)
	defer img.Close()
	if img.Empty() {
		return false, fmt.Errorf("reading image %s: not an image OpenCV can read", f)
	}
	img.CopyTo(m)
	return true, nil
}

func (s *folderSource) rewind() error { s.i = 0; return nil }
func (s *folderSource) fps() float64  { return 0 }
func (s *folderSource) close()        {}
