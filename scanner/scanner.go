// Package scanner runs the scan loop: frames from the camera go through the
// QR decoder, texts through the verifier, and out comes one
// checkpoint.Presentation per person.
//
// The same code held in front of the lens for many frames is presented
// once: a code is not presented again until it has been out of sight for
// Config.HoldOff. A different code (the next person, or a relative's code on
// the same phone) is presented at once. When several codes are in one frame
// the largest is the person at the counter and the others are ignored.
package scanner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"io"
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/scanner/camera"
	"github.com/checkpoint-terminal/checkpoint/scanner/qr"
)

// Verifier turns a decoded text into a verified code; its errors are
// *checkpoint.VerifyError (healthcode.Verifier implements it).
type Verifier interface {
	Verify(text string) (checkpoint.Code, error)
}

// Input is a code reader beside the camera: a hand scanner on a serial
// line (scanner/serialscan) or a USB HID keyboard wedge (scanner/hid).
// Run reads until ctx ends, calling emit with each code's text and the
// time it arrived; emit may block while the station is busy.
type Input interface {
	Name() string
	Run(ctx context.Context, emit func(text string, at time.Time)) error
}

// Frames supplies frames; *camera.Camera implements it. Next returns io.EOF
// when a file source ended.
type Frames interface {
	Next(ctx context.Context) (*camera.Frame, error)
}

// Decoder finds codes in a frame, largest first; *qr.Decoder implements it.
type Decoder interface {
	DecodeFrame(g qr.Gray) ([]qr.Result, error)
}

// Config tunes the loop.
type Config struct {
	// HoldOff is how long a code must be out of sight before it is
	// presented again (default 3 s).
	HoldOff time.Duration
	// Log receives decode errors and presentations (default: discard).
	Log *slog.Logger
}

// DefaultHoldOff is Config.HoldOff's default.
const DefaultHoldOff = 3 * time.Second

// Detection is where the last code was seen, for the UI's overlay.
type Detection struct {
	// Corners outline the code in frame pixels, clockwise.
	Corners [4]image.Point
	// FrameSize is the frame's width and height, to scale the overlay.
	FrameSize image.Point
	// CapturedAt is the frame's capture time.
	CapturedAt time.Time
	// Presented is true when this sighting produced a presentation (not a
	// code held under hold-off).
	Presented bool
}

// Scanner is the loop. Run it once.
type Scanner struct {
	frames Frames
	dec    Decoder
	ver    Verifier
	clock  checkpoint.Clock
	cfg    Config
	out    chan checkpoint.Presentation

	inputs []Input

	// loop guards seen and cache: the camera loop and every hand scanner
	// share one verifier cache and one hold-off per code.
	loop sync.Mutex
	// seen maps a code's key (its id, or a hash of the text when it did not
	// verify) to when it was last in sight.
	seen map[string]time.Time
	// cache holds the last text's verification so a held code is not
	// verified again on every frame.
	cache struct {
		text string
		key  string
		p    checkpoint.Presentation
	}

	mu   sync.Mutex
	last Detection
	have bool
}

// New builds a scanner. Hold-off is measured in frame capture times; clock
// (nil: the system clock) only measures the latency logged per
// presentation.
func New(frames Frames, dec Decoder, ver Verifier, clock checkpoint.Clock, cfg Config) *Scanner {
	if cfg.HoldOff <= 0 {
		cfg.HoldOff = DefaultHoldOff
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if clock == nil {
		clock = checkpoint.SystemClock{}
	}
	return &Scanner{frames: frames, dec: dec, ver: ver, clock: clock, cfg: cfg,
		out: make(chan checkpoint.Presentation, 16), seen: map[string]time.Time{}}
}

// Presentations delivers one presentation per person. It is closed when
// Run returns.
func (s *Scanner) Presentations() <-chan checkpoint.Presentation { return s.out }

// LastDetection returns where a code was last seen; false before any.
func (s *Scanner) LastDetection() (Detection, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last, s.have
}

// AddInput adds a hand scanner whose codes go through the same verifier
// and the same hold-off per code as the camera's. Call it before Run.
func (s *Scanner) AddInput(in Input) { s.inputs = append(s.inputs, in) }

// Run reads frames (and every added input) until ctx ends (returning nil)
// or the camera source ends (nil for a file's end) or fails (its error).
func (s *Scanner) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
		close(s.out)
	}()
	for _, in := range s.inputs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := in.Run(ctx, func(text string, at time.Time) { s.hand(ctx, in.Name(), text, at) })
			if err != nil && ctx.Err() == nil {
				s.cfg.Log.Error("hand scanner stopped", "input", in.Name(), "err", err)
			}
		}()
	}
	if s.frames == nil {
		<-ctx.Done()
		return nil
	}
	for {
		f, err := s.frames.Next(ctx)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, io.EOF) || errors.Is(err, camera.ErrClosed) {
				return nil
			}
			return fmt.Errorf("reading a frame: %w", err)
		}
		p, ok := s.scan(f)
		if !ok {
			continue
		}
		select {
		case s.out <- p:
		case <-ctx.Done():
			return nil
		}
	}
}

// scan handles one frame and returns a presentation when one is due.
func (s *Scanner) scan(f *camera.Frame) (checkpoint.Presentation, bool) {
	rs, err := s.dec.DecodeFrame(qr.Gray{Pix: f.Pix, Width: f.Width, Height: f.Height, Stride: f.Stride})
	if err != nil {
		s.cfg.Log.Warn("decoding a frame", "seq", f.Seq, "err", err)
	}
	at := f.CapturedAt
	s.loop.Lock()
	defer s.loop.Unlock()
	s.prune(at)
	if len(rs) == 0 {
		return checkpoint.Presentation{}, false
	}
	r := rs[0] // the largest: the person at the counter
	key, p, cached := s.verify(r.Text, false)
	last, held := s.seen[key]
	s.seen[key] = at
	due := !held || at.Sub(last) > s.cfg.HoldOff
	s.setDetection(r.Corners, f, due)
	if !due {
		return checkpoint.Presentation{}, false
	}
	if cached {
		// Back after the hold-off: verify afresh (revocations and trust
		// may have changed meanwhile).
		key, p, _ = s.verify(r.Text, true)
		s.seen[key] = at
	}
	p.CapturedAt = at
	s.cfg.Log.Info("presentation", "verified", p.Verified(), "failure", p.Failure.String(),
		"seq", f.Seq, "latency", s.clock.Now().Sub(at))
	return p, true
}

// hand takes a code from a hand scanner: the same verifier and hold-off
// as a camera sighting (a scanner triggered twice on the same phone is one
// person), then on to the station.
func (s *Scanner) hand(ctx context.Context, input, text string, at time.Time) {
	s.loop.Lock()
	s.prune(at)
	key, p, cached := s.verify(text, false)
	last, held := s.seen[key]
	s.seen[key] = at
	due := !held || at.Sub(last) > s.cfg.HoldOff
	if due && cached {
		key, p, _ = s.verify(text, true)
		s.seen[key] = at
	}
	s.loop.Unlock()
	if !due {
		return
	}
	p.CapturedAt = at
	s.cfg.Log.Info("presentation", "input", input, "verified", p.Verified(), "failure", p.Failure.String(),
		"latency", s.clock.Now().Sub(at))
	select {
	case s.out <- p:
	case <-ctx.Done():
	}
}

// verify verifies text (or reuses the last verification of the same text)
// and returns the hold-off key and the presentation without its time.
// cached says the result came from the cache.
func (s *Scanner) verify(text string, fresh bool) (key string, p checkpoint.Presentation, cached bool) {
	if !fresh && s.cache.key != "" && s.cache.text == text {
		return s.cache.key, s.cache.p, true
	}
	code, err := s.ver.Verify(text)
	p = checkpoint.PresentationOf(code, err, time.Time{})
	if err == nil && code.ID != "" {
		key = "id:" + string(code.Format) + ":" + code.ID
	} else {
		key = textKey(text)
	}
	s.cache.text, s.cache.key, s.cache.p = text, key, p
	return key, p, false
}

func textKey(text string) string {
	h := sha256.Sum256([]byte(text))
	return "text:" + hex.EncodeToString(h[:16])
}

// prune forgets codes out of sight for longer than the hold-off.
func (s *Scanner) prune(now time.Time) {
	if len(s.seen) < 64 {
		return
	}
	for k, t := range s.seen {
		if now.Sub(t) > s.cfg.HoldOff {
			delete(s.seen, k)
		}
	}
}

func (s *Scanner) setDetection(q qr.Quad, f *camera.Frame, presented bool) {
	var d Detection
	for i, p := range q {
		d.Corners[i] = image.Pt(int(math.Round(p.X)), int(math.Round(p.Y)))
	}
	d.FrameSize = image.Pt(f.Width, f.Height)
	d.CapturedAt = f.CapturedAt
	d.Presented = presented
	s.mu.Lock()
	s.last, s.have = d, true
	s.mu.Unlock()
}
