package qr

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/internal/testenv"
)

// rateFloor is the least number of the 153 shared photographs the cascade
// must decode. Measured: 153 (gozxing alone: 138).
const rateFloor = 152

type sample struct{ path, want string }

// corpus lists the shared QR photographs with their expected texts.
func corpus(t testing.TB) []sample {
	t.Helper()
	root := testenv.Data(t, "qr")
	var out []sample
	err := filepath.WalkDir(root, func(p string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".png", ".jpg", ".jpeg", ".webp":
		default:
			return nil
		}
		b, err := os.ReadFile(strings.TrimSuffix(p, filepath.Ext(p)) + ".txt")
		if err != nil {
			return nil // an image without an expected text is not a case
		}
		out = append(out, sample{p, strings.TrimRight(string(b), " \t\r\n")})
		return nil
	})
	if err != nil {
		t.Fatalf("listing the QR corpus: %v", err)
	}
	if len(out) == 0 {
		t.Fatalf("no QR photographs under %s", root)
	}
	return out
}

// TestDecodeRate runs the whole still cascade (DecodeStill, what hctool
// decode uses) on every shared photograph, prints the rate and which step
// decoded how many, and fails below the floor. A wrong text is a failure
// of its own: the cascade must never misread.
func TestDecodeRate(t *testing.T) {
	samples := corpus(t)
	type outcome struct {
		stage string
		wrong string
		err   error
	}
	outcomes := make([]outcome, len(samples))
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		d, err := NewDecoder(DefaultOptions())
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer d.Close()
			for i := range next {
				g, err := ReadFile(samples[i].path)
				if err != nil {
					outcomes[i].err = err
					continue
				}
				rs, err := d.DecodeStill(g)
				outcomes[i].err = err
				for _, r := range rs {
					if strings.TrimRight(r.Text, " \t\r\n") == samples[i].want {
						outcomes[i].stage = r.Stage
						break
					}
					outcomes[i].wrong = r.Text
				}
			}
		}()
	}
	for i := range samples {
		next <- i
	}
	close(next)
	wg.Wait()

	ok := 0
	byStage := map[string]int{}
	for i, o := range outcomes {
		rel, _ := filepath.Rel(filepath.Dir(filepath.Dir(filepath.Dir(samples[i].path))), samples[i].path)
		switch {
		case o.stage != "":
			ok++
			byStage[o.stage]++
		case o.wrong != "":
			t.Errorf("%s: misread as %q", rel, o.wrong)
		default:
			t.Logf("not decoded: %s (%v)", rel, o.err)
		}
	}
	names := make([]string, 0, len(byStage))
	for n := range byStage {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return byStage[names[i]] > byStage[names[j]] })
	var parts []string
	for _, n := range names {
		parts = append(parts, n+"="+strconv.Itoa(byStage[n]))
	}
	t.Logf("decode rate: %d/%d (%.1f%%); by step: %s", ok, len(samples), 100*float64(ok)/float64(len(samples)), strings.Join(parts, " "))
	if ok < rateFloor {
		t.Errorf("decode rate %d/%d is below the floor of %d", ok, len(samples), rateFloor)
	}
}

// firstFrameFloor is the least number of the 153 shared photographs
// DecodeFrame must read on a code's first frame. Measured: 145.
const firstFrameFloor = 140

// TestFirstFrameRate shows each shared photograph to DecodeFrame as the
// first frame of a code entering the view of a scan loop that has been
// running (the step costs learnt, the scene forgotten), with the frame
// budget measured in the thread's CPU time so the machine's load does not
// decide what runs. It prints how many are read on the first frame and
// within 8 frames, and fails below firstFrameFloor.
func TestFirstFrameRate(t *testing.T) {
	samples := corpus(t)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	d, err := NewDecoder(Options{Clock: ThreadClock{}})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	planes := make([]Gray, len(samples))
	for i, s := range samples {
		if planes[i], err = ReadFile(s.path); err != nil {
			t.Fatal(err)
		}
	}
	read := func(rs []Result, want string) bool {
		for _, r := range rs {
			if strings.TrimRight(r.Text, " \t\r\n") == want {
				return true
			}
		}
		return false
	}
	// one pass to learn the steps' costs, as a running loop has
	for _, g := range planes {
		d.ResetFrames()
		d.DecodeFrame(g)
	}
	first, within := 0, 0
	byStage := map[string]int{}
	for i, g := range planes {
		d.ResetFrames()
		for n := 1; n <= 8; n++ {
			rs, err := d.DecodeFrame(g)
			if err != nil {
				t.Fatalf("%s: %v", samples[i].path, err)
			}
			if read(rs, samples[i].want) {
				if n == 1 {
					first++
					byStage[rs[0].Stage]++
				}
				within++
				break
			}
			if n == 1 {
				t.Logf("not read on the first frame: %s", samples[i].path)
			}
		}
	}
	t.Logf("first frame: %d/%d; within 8 frames: %d/%d; first-frame steps: %v", first, len(samples), within, len(samples), byStage)
	if first < firstFrameFloor {
		t.Errorf("first-frame rate %d/%d is below the floor of %d", first, len(samples), firstFrameFloor)
	}
}

// TestDecodeStillIgnoresLoad: a still image gets the same answer however
// busy the machine is. DecodeStill runs on the shared photographs the
// plain decode misses (those that need the deeper steps) with a clock
// that stands still and with one that leaps an hour at every reading, on
// a decoder whose frame state was left mid-scene by DecodeFrame: the texts
// and the steps that read them must agree.
func TestDecodeStillIgnoresLoad(t *testing.T) {
	var frozen, leaping time.Time
	calm, err := NewDecoder(Options{Clock: checkpoint.ClockFunc(func() time.Time { return frozen })})
	if err != nil {
		t.Fatal(err)
	}
	defer calm.Close()
	busy, err := NewDecoder(Options{Clock: checkpoint.ClockFunc(func() time.Time {
		leaping = leaping.Add(time.Hour)
		return leaping
	})})
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	describe := func(rs []Result, err error) string {
		var parts []string
		for _, r := range rs {
			parts = append(parts, r.Stage+":"+r.Text)
		}
		return fmt.Sprintf("%q %v", parts, err)
	}
	hard := 0
	for _, s := range corpus(t) {
		g, err := ReadFile(s.path)
		if err != nil {
			t.Fatal(err)
		}
		if rs, _ := calm.zx.decode(g, hybrid, false, true); len(rs) > 0 {
			continue // the plain decode reads it: no deeper step involved
		}
		hard++
		want := describe(calm.DecodeStill(g))
		for range 3 { // leave the live loop's state mid-scene
			busy.DecodeFrame(g)
		}
		if got := describe(busy.DecodeStill(g)); got != want {
			t.Errorf("%s: under load %s, calm %s", s.path, got, want)
		}
	}
	if hard == 0 {
		t.Fatal("no photograph needed more than the plain decode: nothing checked")
	}
	t.Logf("%d photographs needing the deeper steps agree under load", hard)
}
