package hid

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// typeText records what a US-layout scanner sends for text: for each
// character a key press and release (with Shift around it where needed),
// each followed by EV_SYN, as the kernel delivers them; then the
// terminator key.
func typeText(text string, term uint16, at time.Time, step time.Duration) []byte {
	codes := map[rune][2]uint16{} // rune -> key, shift
	for c, k := range US {
		if _, ok := codes[k.plain]; !ok {
			codes[k.plain] = [2]uint16{c, 0}
		}
		if k.shift != k.plain {
			if _, ok := codes[k.shift]; !ok {
				codes[k.shift] = [2]uint16{c, 1}
			}
		}
	}
	var b []byte
	ev := func(typ, code uint16, v int32) {
		b = Event{Time: at, Type: typ, Code: code, Value: v}.Encode(b)
		b = Event{Time: at}.Encode(b) // EV_SYN SYN_REPORT
		at = at.Add(step)
	}
	for _, r := range text {
		k := codes[r]
		if k[1] == 1 {
			ev(EvKey, KeyLeftShift, 1)
		}
		ev(EvKey, k[0], 1)
		ev(EvKey, k[0], 0)
		if k[1] == 1 {
			ev(EvKey, KeyLeftShift, 0)
		}
	}
	if term != 0 {
		ev(EvKey, term, 1)
		ev(EvKey, term, 0)
	}
	return b
}

func decodeAll(d *Decoder, b []byte) []string {
	var out []string
	for len(b) >= EventSize {
		if s, ok := d.Feed(DecodeEvent(b)); ok {
			out = append(out, s)
		}
		b = b[EventSize:]
	}
	return out
}

// hc1 uses every character class of a Base45 EU DCC and our codes.
const hc1 = "HC1:6BFOXN*TS0BI$ZD4N9:9S6RCVN5+O30K3/XIV0W23NTDEXWK G2EP4J0B %.-"

func TestDecoderOnRecordedStreams(t *testing.T) {
	t0 := time.Unix(1700000000, 0)
	long := strings.Repeat("HCN1:ABCDEFGHIJ", 20) // 300 characters
	cases := []struct {
		name string
		term string
		in   []byte
		want []string
	}{
		{"Base45 with Shift, Enter", "enter", typeText(hc1, KeyEnter, t0, time.Millisecond), []string{hc1}},
		{"keypad Enter", "enter", typeText("abc", KeyKPEnter, t0, time.Millisecond), []string{"abc"}},
		{"300 characters in 100 ms", "enter", typeText(long, KeyEnter, t0, 100*time.Millisecond/time.Duration(4*len(long))), []string{long}},
		{"two codes back to back", "enter", append(typeText("a1", KeyEnter, t0, time.Millisecond), typeText("B2", KeyEnter, t0, time.Millisecond)...), []string{"a1", "B2"}},
		{"every printable ASCII character", "enter", typeText(printable(), KeyEnter, t0, time.Millisecond), []string{printable()}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := &Decoder{Layout: US, Terminator: tc.term}
			if got := decodeAll(d, tc.in); !slices.Equal(got, tc.want) {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
	// A code longer than MaxLen, or with a key the layout has no character
	// for (F1) or typed under Ctrl/Alt, is dropped whole, never handed on
	// cut short or with a character left out; the next code reads.
	key := func(b []byte, code uint16, v int32) []byte {
		return Event{Time: t0, Type: EvKey, Code: code, Value: v}.Encode(b)
	}
	for name, in := range map[string][]byte{
		"over-long": typeText(strings.Repeat("A", 20), KeyEnter, t0, time.Millisecond),
		"unknown key mid-code": append(key(key(typeText("HC1:AB", 0, t0, time.Millisecond), 59, 1), 59, 0),
			typeText("CD", KeyEnter, t0, time.Millisecond)...),
		"Alt+keypad mid-code": append(key(key(key(typeText("HC1:AB", 0, t0, time.Millisecond), 56, 1), 79, 1), 56, 0),
			typeText("CD", KeyEnter, t0, time.Millisecond)...),
	} {
		d := &Decoder{Layout: US, Terminator: "enter", MaxLen: 16}
		got := decodeAll(d, append(in, typeText("HC1:NEXT", KeyEnter, t0, time.Millisecond)...))
		if !slices.Equal(got, []string{"HC1:NEXT"}) || d.Refused != 1 {
			t.Errorf("%s: got %q refused %d, want only HC1:NEXT and one refused", name, got, d.Refused)
		}
	}
	// A scanner sending Tab then Enter, read with terminator tab: the Enter
	// after the code spoils neither it nor the next one.
	dt := &Decoder{Layout: US, Terminator: "tab"}
	in := append(typeText("ab", KeyTab, t0, time.Millisecond), key(key(nil, KeyEnter, 1), KeyEnter, 0)...)
	in = append(in, typeText("cd", KeyTab, t0, time.Millisecond)...)
	if got := decodeAll(dt, in); !slices.Equal(got, []string{"ab", "cd"}) || dt.Refused != 0 {
		t.Errorf("tab then enter: %q refused %d", got, dt.Refused)
	}
	// Num Lock pressed by a scanner before keypad digits types nothing.
	d0 := &Decoder{Layout: US, Terminator: "enter"}
	if got := decodeAll(d0, append(key(key(nil, 69, 1), 69, 0), typeText("a1", KeyEnter, t0, time.Millisecond)...)); !slices.Equal(got, []string{"a1"}) || d0.Refused != 0 {
		t.Errorf("num lock: %q refused %d", got, d0.Refused)
	}
	// Tab ends a code when it is the terminator; Enter then does not.
	d := &Decoder{Layout: US, Terminator: "tab"}
	if got := decodeAll(d, typeText("ab", KeyTab, t0, time.Millisecond)); !slices.Equal(got, []string{"ab"}) {
		t.Fatalf("tab: %q", got)
	}
	// Caps Lock inverts letters only; Shift still makes symbols.
	var b []byte
	b = Event{Time: t0, Type: EvKey, Code: KeyCapsLock, Value: 1}.Encode(b)
	b = Event{Time: t0, Type: EvKey, Code: KeyCapsLock, Value: 0}.Encode(b)
	b = append(b, typeText("aB1!", KeyEnter, t0, time.Millisecond)...)
	d = &Decoder{Layout: US, Terminator: "enter"}
	if got := decodeAll(d, b); !slices.Equal(got, []string{"Ab1!"}) {
		t.Fatalf("caps lock: %q", got)
	}
	// No terminator: the gap ends the code.
	d = &Decoder{Layout: US, Terminator: "none"}
	decodeAll(d, typeText("xyz", 0, t0, time.Millisecond))
	if _, ok := d.Idle(t0.Add(10*time.Millisecond), 50*time.Millisecond); ok {
		t.Fatal("ended before the gap")
	}
	if s, ok := d.Idle(t0.Add(time.Second), 50*time.Millisecond); !ok || s != "xyz" {
		t.Fatalf("gap: %q %v", s, ok)
	}
}

func printable() string {
	var b strings.Builder
	for c := ' '; c <= '~'; c++ {
		b.WriteRune(c)
	}
	return b.String()
}

// The reader reads a recorded event stream from a FIFO standing in for
// /dev/input/eventN (grab off: a FIFO takes no ioctl), and reopens it when
// the writer goes away (unplugged) and comes back.
func TestReaderOnARecordedStream(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "event7")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.Device, cfg.NoGrab = fifo, true
	r, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got []string
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- r.Run(ctx, func(s string, _ time.Time) { mu.Lock(); got = append(got, s); mu.Unlock() })
	}()
	wait := func(n int) {
		t.Helper()
		end := time.Now().Add(10 * time.Second)
		for {
			mu.Lock()
			l := len(got)
			mu.Unlock()
			if l >= n {
				return
			}
			if time.Now().After(end) {
				t.Fatalf("waiting for %d codes; status %+v", n, r.Status())
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	for i, text := range []string{hc1, "HCN1:SECOND"} {
		w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(typeText(text, KeyEnter, time.Now(), 0))
		wait(i + 1)
		w.Close() // unplugged
		// Plug back in only once the reader has let go of the old FIFO:
		// bytes written while its last reader closes it are discarded by
		// the kernel, which a real device's unplug never does.
		for end := time.Now().Add(10 * time.Second); r.Status().State == "connected"; time.Sleep(5 * time.Millisecond) {
			if time.Now().After(end) {
				t.Fatalf("the reader never noticed the unplug; status %+v", r.Status())
			}
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v", err)
	}
	if !slices.Equal(got, []string{hc1, "HCN1:SECOND"}) || r.Status().Codes != 2 {
		t.Fatalf("got %q, status %+v", got, r.Status())
	}
}

func TestGrabNeedsAnInputDevice(t *testing.T) {
	f := filepath.Join(t.TempDir(), "plain")
	os.WriteFile(f, nil, 0o600)
	cfg := DefaultConfig()
	cfg.Device = f
	r, _ := New(cfg, nil)
	if _, err := r.session(context.Background(), func(string, time.Time) {}); err == nil || !strings.Contains(err.Error(), "EVIOCGRAB") {
		t.Fatalf("grab on a plain file: %v", err)
	}
}
