// Package qr finds and decodes QR codes in camera frames and photographs.
//
// gozxing is the decoder of record. When its plain decode fails, a cascade
// of general remedies is tried: TRY_HARDER, another binariser, down- and
// up-scaling, inversion, contrast stretching, sharpening, an added quiet
// zone, the outline implied by the finder patterns gozxing found but could
// not read past warped flat, and OpenCV's QRCodeDetector as a locator whose
// corners are used to warp the code flat before gozxing reads it. (Debian
// 12's OpenCV 4.6 has no QR decoding library, so OpenCV only ever locates.)
// For live video the cascade is spread over successive frames
// (DecodeFrame): at most one expensive step per frame under a time budget,
// aimed at the code gozxing's finder patterns point to, so that no frame
// blows the budget; for single images it runs to the end (Decode).
package qr

import (
	"errors"
	"fmt"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
)

// Result is one decoded code.
type Result struct {
	// Text is the code's content.
	Text string
	// Corners outline the code in the input's pixel coordinates
	// (clockwise from the top-left as seen by the decoder).
	Corners Quad
	// Stage names the cascade step that decoded it (for diagnostics).
	Stage string
}

// Options configure a Decoder. The zero value is what the terminal uses.
type Options struct {
	// NoLocator disables OpenCV's QRCodeDetector (the cascade then stays
	// within gozxing and plain image operations).
	NoLocator bool
	// FrameBudget is the time DecodeFrame aims to stay within: a further
	// attempt on a code seen but not read runs in the same frame only when
	// its measured cost still fits (at least one always runs). 0 means
	// DefaultFrameBudget.
	FrameBudget time.Duration
	// Clock measures the time spent on a frame (nil: the system clock).
	Clock checkpoint.Clock
}

// DefaultFrameBudget is Options.FrameBudget's default: well within a frame
// at 30 fps, leaving the rest for verification, the screen and capture.
const DefaultFrameBudget = 12 * time.Millisecond

// DefaultOptions is what the terminal uses.
func DefaultOptions() Options { return Options{} }

// Decoder decodes QR codes. It holds OpenCV state and scratch buffers and is
// not safe for concurrent use; Close releases it.
type Decoder struct {
	opts Options
	zx   *zxing
	loc  *locator
	fs   frameState
	// fast is set while DecodeFrame runs: steps try one variant each.
	fast bool
}

// NewDecoder creates a decoder with its OpenCV locators.
func NewDecoder(opts Options) (*Decoder, error) {
	if opts.FrameBudget <= 0 {
		opts.FrameBudget = DefaultFrameBudget
	}
	if opts.Clock == nil {
		opts.Clock = checkpoint.SystemClock{}
	}
	d := &Decoder{opts: opts, zx: newZxing()}
	if !opts.NoLocator {
		loc, err := newLocator()
		if err != nil {
			return nil, fmt.Errorf("creating the QR decoder: %w", err)
		}
		d.loc = loc
	}
	return d, nil
}

// Close frees the OpenCV state.
func (d *Decoder) Close() error {
	d.loc.close()
	return nil
}

// Decode runs the whole cascade on one image and returns the codes of the
// first step that decoded any, largest first. Where the histogram says
// light-on-dark (lightOnDark), the negative is tried second. No code is an empty slice and
// a nil error; an error means an input or OpenCV failure.
func (d *Decoder) Decode(g Gray) ([]Result, error) {
	if err := g.check(); err != nil {
		return nil, err
	}
	// Every step in full, whatever DecodeFrame left behind: no frame
	// budget, no clock, no scene state reaches a still image.
	d.fast = false
	var errs []error
	order := stages
	if lightOnDark(g) {
		order = invertedFirst
	}
	for _, s := range order {
		rs, err := s.run(d, g)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", s.name, err))
		}
		if len(rs) > 0 {
			return largestFirst(tag(rs, s.name)), nil
		}
	}
	return nil, errors.Join(errs...)
}

// invertedFirst is the cascade for an image whose histogram says
// light-on-dark: the negative is tried right after the plain decode.
var invertedFirst = func() []stage {
	out := []stage{stages[0]}
	for _, s := range stages[1:] {
		if s.name == "inverted" {
			out = append(out[:1], append([]stage{s}, out[1:]...)...)
		} else {
			out = append(out, s)
		}
	}
	return out
}()

// largestFirst sorts by outline area, largest first (the person at the
// counter holds the largest code), and drops repeated texts.
func largestFirst(rs []Result) []Result {
	for i := 1; i < len(rs); i++ {
		for j := i; j > 0 && rs[j].Corners.Area() > rs[j-1].Corners.Area(); j-- {
			rs[j], rs[j-1] = rs[j-1], rs[j]
		}
	}
	out := rs[:0]
	seen := map[string]bool{}
	for _, r := range rs {
		if !seen[r.Text] {
			seen[r.Text] = true
			out = append(out, r)
		}
	}
	return out
}
