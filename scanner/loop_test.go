package scanner

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/scanner/videogen"
	"gocv.io/x/gocv"
)

// brokenVerifier stands at the loop's edge for a verifier whose store
// failed: it returns a plain error, not a *checkpoint.VerifyError.
type brokenVerifier struct{ calls int }

func (b *brokenVerifier) Verify(string) (checkpoint.Code, error) {
	b.calls++
	return checkpoint.Code{}, errors.New("trust store unreadable")
}

// TestUntypedVerifierErrorIsMalformed plays a folder of images through the
// real camera and decoder: a verifier error without a typed failure is
// presented as malformed (never as verified), once for the held code, and
// the held code is verified only once.
func TestUntypedVerifierErrorIsMalformed(t *testing.T) {
	dir := t.TempDir()
	r := videogen.NewRenderer(videogen.Options{Width: 320, Height: 240})
	defer r.Close()
	for i := range 5 {
		if err := r.Render(videogen.Scene{Text: "HCN1:WHATEVER", Size: 0.8, Rotate: float64(3 * i)}, 0); err != nil {
			t.Fatal(err)
		}
		if !gocv.IMWrite(filepath.Join(dir, fmt.Sprintf("%02d.png", i)), r.Frame) {
			t.Fatal("writing image")
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	cam, dec := openLockstep(t, ctx, dir)
	v := &brokenVerifier{}
	s := New(cam, dec, v, nil, Config{})
	go s.Run(ctx)
	var got []checkpoint.Presentation
	for p := range s.Presentations() {
		got = append(got, p)
	}
	if len(got) != 1 || got[0].Failure != checkpoint.FailMalformed || got[0].Verified() || got[0].Detail == "" {
		t.Fatalf("presentations %+v, want one malformed with a detail", got)
	}
	if v.calls != 1 {
		t.Errorf("verified %d times, want once for a held code", v.calls)
	}
}
