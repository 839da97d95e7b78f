package scanner

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/healthcode"
	"github.com/checkpoint-terminal/checkpoint/scanner/camera"
	"github.com/checkpoint-terminal/checkpoint/scanner/qr"
	"github.com/checkpoint-terminal/checkpoint/scanner/videogen"
)

// issuer signs codes the way a regional health-code authority does, and
// builds the verifier a terminal trusting it would run.
type issuer struct {
	t       *testing.T
	sign    func(healthcode.Claims) string
	revoked *healthcode.MemoryRevocations
	ver     *healthcode.Verifier
}

func newIssuer(t *testing.T) *issuer {
	t.Helper()
	key, err := healthcode.GenerateKey(healthcode.ES256)
	if err != nil {
		t.Fatal(err)
	}
	entry, err := healthcode.NewKeyEntry(key.Public(), "110000", "BJHC")
	if err != nil {
		t.Fatal(err)
	}
	tl, err := healthcode.NewTrustList(entry)
	if err != nil {
		t.Fatal(err)
	}
	is := &issuer{t: t, revoked: healthcode.NewMemoryRevocations()}
	is.ver = healthcode.NewVerifier(tl, is.revoked, checkpoint.SystemClock{}, healthcode.Options{})
	is.sign = func(c healthcode.Claims) string {
		s, err := healthcode.Issue(c, key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	return is
}

// code issues a code; it returns the text and the code id.
func (is *issuer) code(color checkpoint.Color, kind checkpoint.CodeKind, proxy bool) (string, string) {
	now := time.Now()
	id := healthcode.NewCodeID()
	c := healthcode.Claims{Issuer: "BJHC", Region: "110000", ID: id, Color: color, ColorSince: now.Add(-24 * time.Hour),
		IssuedAt: now.Add(-time.Minute), ExpiresAt: now.Add(time.Hour), Kind: kind, HolderMasked: "王*"}
	if kind == checkpoint.KindDynamic {
		// A phone code lives minutes: one living longer than the policy's
		// max_dynamic_age (plus skew) is refused as invalid_claims.
		c.ExpiresAt = now.Add(4 * time.Minute)
	}
	if proxy {
		c.Proxy, c.Relation = true, "mother"
	}
	return is.sign(c), id
}

// want is one expected presentation: the code id (or the failure) and the
// frame range its capture must fall in.
type want struct {
	name     string
	id       string
	failure  checkpoint.Failure
	from, to int // frame indexes (inclusive) the capture time may be
}

// TestScanRealVideo writes a video of codes from our own issuer under the
// perturbations a checkpoint camera sees, plays it through scanner/camera
// (OpenCV decoding the MJPG file), scanner/qr and healthcode, and asserts
// the exact sequence of presentations: one per person, a held code never
// twice, a different code at once, the largest of two codes, typed
// failures for revoked and foreign codes, and each easy code presented
// within two frames of entering the view.
func TestScanRealVideo(t *testing.T) {
	is := newIssuer(t)
	a, idA := is.code(checkpoint.ColorGreen, checkpoint.KindDynamic, false)
	b, idB := is.code(checkpoint.ColorYellow, checkpoint.KindDynamic, true)
	c, idC := is.code(checkpoint.ColorGreen, checkpoint.KindCard, false)
	d, idD := is.code(checkpoint.ColorRed, checkpoint.KindDynamic, false)
	e, idE := is.code(checkpoint.ColorGreen, checkpoint.KindCard, false)
	small, _ := is.code(checkpoint.ColorGreen, checkpoint.KindDynamic, false)
	h, err := healthcode.RevocationHashForCodeID(idE)
	if err != nil {
		t.Fatal(err)
	}
	is.revoked.Add(h)

	type step struct {
		sc videogen.Scene
		w  *want
	}
	steps := []step{
		{sc: videogen.Scene{Frames: 6}},
		{sc: videogen.Scene{Text: a, Frames: 12, Size: 0.7, Rotate: 8}, w: &want{name: "A enters", id: idA}},
		{sc: videogen.Scene{Text: a, Frames: 12, Size: 0.65, Rotate: -5, Tilt: 0.25, Blur: 1}}, // A held: nothing new
		{sc: videogen.Scene{Text: b, Frames: 12, Size: 0.7, Rotate: 20, Glare: 0.7}, w: &want{name: "relative's code on the same phone", id: idB}},
		{sc: videogen.Scene{Frames: 8}},
		{sc: videogen.Scene{Text: c, Frames: 16, Size: 0.75, Contrast: 0.45, Noise: 6}, w: &want{name: "dim card, noisy sensor", id: idC}},
		{sc: videogen.Scene{Text: d, Frames: 16, Size: 0.7, Rotate: -30, Hand: true, X: -0.1}, w: &want{name: "hand moving in", id: idD}},
		{sc: videogen.Scene{Frames: 8}},
		{sc: videogen.Scene{Text: e, Frames: 12, Size: 0.7, Others: []videogen.Scene{{Text: small, Size: 0.3, X: 0.36, Y: -0.3}}}, w: &want{name: "revoked card, a smaller code behind", failure: checkpoint.FailRevoked}},
		{sc: videogen.Scene{Text: "https://example.org/menu", Frames: 10, Size: 0.5}, w: &want{name: "not a health code", failure: checkpoint.FailUnknownFormat}},
		{sc: videogen.Scene{Frames: 40}}, // longer than the hold-off
		{sc: videogen.Scene{Text: a, Frames: 10, Size: 0.7}, w: &want{name: "A again after the hold-off", id: idA}},
	}
	var scenes []videogen.Scene
	var wants []want
	frame := 0
	for _, s := range steps {
		scenes = append(scenes, s.sc)
		if s.w != nil {
			w := *s.w
			w.from, w.to = frame, frame+1 // presented from the first or second frame
			if s.sc.Contrast > 0 || s.sc.Hand {
				w.to = frame + s.sc.Frames - 1 // hard scenes: somewhere within the scene
			}
			wants = append(wants, w)
		}
		frame += s.sc.Frames
	}
	const fps = 30
	path := filepath.Join(t.TempDir(), "checkpoint.avi")
	if err := videogen.WriteVideo(path, scenes, videogen.Options{Width: 640, Height: 480, FPS: fps}); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Second)
	defer cancel()
	cam, dec := openLockstep(t, ctx, path)
	rec := &firstFrame{Frames: cam}
	s := New(rec, dec, is.ver, checkpoint.SystemClock{}, Config{HoldOff: time.Second})
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	var got []checkpoint.Presentation
	for p := range s.Presentations() {
		got = append(got, p)
	}
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}

	// Frame index of a capture time: lockstep capture times are media
	// times counted from frame 0.
	base := rec.first
	idx := func(p checkpoint.Presentation, base time.Time) int {
		return int((p.CapturedAt.Sub(base) + time.Second/(2*fps)) * fps / time.Second)
	}
	for i, p := range got {
		desc := p.Failure.String()
		if p.Code != nil {
			desc = p.Code.ID + " " + p.Code.Color.String()
		}
		t.Logf("presentation %d at frame %d: %s (%s)", i, idx(p, base), desc, p.Detail)
	}
	if len(got) != len(wants) {
		t.Fatalf("got %d presentations, want %d", len(got), len(wants))
	}
	for i, w := range wants {
		p := got[i]
		if w.id != "" {
			if !p.Verified() || p.Code.ID != w.id {
				t.Errorf("%s: got failure %v code %+v, want verified code %s", w.name, p.Failure, p.Code, w.id)
			}
		} else if p.Failure != w.failure {
			t.Errorf("%s: got failure %v, want %v", w.name, p.Failure, w.failure)
		}
		if n := idx(p, base); n < w.from || n > w.to {
			t.Errorf("%s: presented from frame %d, want frames %d..%d", w.name, n, w.from, w.to)
		}
	}
	if d, ok := s.LastDetection(); !ok || d.FrameSize.X != 640 || d.FrameSize.Y != 480 {
		t.Errorf("last detection %+v %v: want one in a 640x480 frame", d, ok)
	} else {
		for _, c := range d.Corners {
			if c.X < 0 || c.Y < 0 || c.X > 640 || c.Y > 480 {
				t.Errorf("detection corner %v outside the frame", c)
			}
		}
	}
}

// firstFrame passes the camera's frames on and remembers frame 0's capture
// time.
type firstFrame struct {
	Frames
	first time.Time
}

func (f *firstFrame) Next(ctx context.Context) (*camera.Frame, error) {
	fr, err := f.Frames.Next(ctx)
	if err == nil && fr.Seq == 1 {
		f.first = fr.CapturedAt
	}
	return fr, err
}

// openLockstep opens a file or folder source that hands on every frame, and
// the terminal's decoder; both are closed when the test ends.
func openLockstep(t *testing.T, ctx context.Context, source string) (*camera.Camera, *qr.Decoder) {
	t.Helper()
	cam, err := camera.Open(ctx, camera.Config{Source: source, Lockstep: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cam.Close() })
	dec, err := qr.NewDecoder(qr.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dec.Close() })
	return cam, dec
}
