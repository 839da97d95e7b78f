package serialscan

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint/thermometer/sim"
)

func frames(cfg Config, chunks ...string) ([]string, int) {
	f := NewFramer(cfg)
	var got []string
	for _, c := range chunks {
		f.Feed([]byte(c), func(s string) { got = append(got, s) })
	}
	return got, f.Refused
}

func TestFramer(t *testing.T) {
	long := strings.Repeat("A", 300) // a 300-character code
	cases := []struct {
		name    string
		cfg     func(*Config)
		chunks  []string
		want    []string
		refused int
	}{
		{"CR, auto", nil, []string{"HC1:ABC\r"}, []string{"HC1:ABC"}, 0},
		{"CR LF, auto, split anywhere", nil, []string{"HC1:A", "BC\r", "\nHCN1:X\r\n"}, []string{"HC1:ABC", "HCN1:X"}, 0},
		{"300 characters in one burst", nil, []string{long + "\r"}, []string{long}, 0},
		{"LF only", func(c *Config) { c.Terminator = TermLF }, []string{"A\rB\n"}, []string{"A\rB"}, 0},
		{"CR LF", func(c *Config) { c.Terminator = TermCRLF }, []string{"AB\r\n", "C\n"}, []string{"AB", "C"}, 0},
		{"Tab", func(c *Config) { c.Terminator = TermTab }, []string{"AB\tCD\t"}, []string{"AB", "CD"}, 0},
		{"prefix and suffix stripped", func(c *Config) { c.Prefix, c.Suffix = "]Q1", "#" }, []string{"]Q1HC1:X#\r"}, []string{"HC1:X"}, 0},
		{"missing prefix refused", func(c *Config) { c.Prefix = "]Q1" }, []string{"HC1:X\r"}, nil, 1},
		{"over-long code dropped whole", func(c *Config) { c.MaxLen = 16 }, []string{strings.Repeat("x", 40) + "\rOK\r"}, []string{"OK"}, 1},
		{"no terminator: nothing until quiet", func(c *Config) { c.Terminator = TermNone }, []string{"ABC"}, nil, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			got, refused := frames(cfg, tc.chunks...)
			if !slices.Equal(got, tc.want) || refused != tc.refused {
				t.Fatalf("got %q refused %d, want %q refused %d", got, refused, tc.want, tc.refused)
			}
		})
	}
	// A code begun without its terminator is dropped after StaleQuiets
	// quiet reads, never glued to the front of the next one.
	for _, term := range []string{TermAuto, TermCR, TermCRLF, TermTab} {
		f := NewFramer(Config{Terminator: term, MaxLen: 64})
		var got []string
		emit := func(s string) { got = append(got, s) }
		f.Feed([]byte("HC1:LEFTOVER"), emit)
		for range StaleQuiets - 1 {
			f.Quiet(emit)
		}
		f.Feed([]byte("X"), emit) // a byte: the code goes on
		for range StaleQuiets {
			f.Quiet(emit)
		}
		end := map[string]string{TermAuto: "\r", TermCR: "\r", TermCRLF: "\r\n", TermTab: "\t"}[term]
		f.Feed([]byte("HC1:NEXT"+end), emit)
		if !slices.Equal(got, []string{"HC1:NEXT"}) || f.Refused != 1 {
			t.Fatalf("terminator %s: got %q refused %d, want only the next code, the leftover refused", term, got, f.Refused)
		}
	}
	f := NewFramer(Config{Terminator: TermNone, MaxLen: 64})
	var got []string
	f.Feed([]byte("ABC"), func(s string) { got = append(got, s) })
	f.Quiet(func(s string) { got = append(got, s) })
	if !slices.Equal(got, []string{"ABC"}) {
		t.Fatalf("terminator none: %q", got)
	}
}

func TestConfigValidate(t *testing.T) {
	for name, mut := range map[string]func(*Config){
		"bad terminator": func(c *Config) { c.Terminator = "semicolon" },
		"no port":        func(c *Config) { c.Port = "" },
		"odd baud":       func(c *Config) { c.Baud = 1234 },
		"tiny max_len":   func(c *Config) { c.MaxLen = 2 },
		"CR in suffix":   func(c *Config) { c.Suffix = "\r" },
	} {
		c := DefaultConfig()
		mut(&c)
		if err := c.Validate(); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// A code written to a pseudo-terminal arrives through tarm/serial whole,
// with a CR suffix, and the reader survives the device hanging up.
func TestReaderOverPTY(t *testing.T) {
	p, err := sim.OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	cfg := DefaultConfig()
	cfg.Port = p.SlaveName
	r, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got []string
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- r.Run(ctx, func(text string, at time.Time) {
			mu.Lock()
			got = append(got, text)
			mu.Unlock()
		})
	}()
	wait := func(what string, ok func() bool) {
		t.Helper()
		end := time.Now().Add(10 * time.Second)
		for !ok() {
			if time.Now().After(end) {
				t.Fatalf("waiting for %s; status %+v", what, r.Status())
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	wait("connected", func() bool { return r.Status().State == "connected" })
	long := strings.Repeat("7", 300)
	p.Master.Write([]byte("HC1:6BFOXN*TS0BI$ZD4N9:9S6RCVN5+O30K3/XIV0W23NTDEXWK G2EP4J0B\r" + long + "\r"))
	wait("two codes", func() bool { mu.Lock(); defer mu.Unlock(); return len(got) == 2 })
	mu.Lock()
	if got[0] != "HC1:6BFOXN*TS0BI$ZD4N9:9S6RCVN5+O30K3/XIV0W23NTDEXWK G2EP4J0B" || got[1] != long {
		t.Fatalf("got %q", got)
	}
	mu.Unlock()
	if st := r.Status(); st.Codes != 2 || st.Name != "serial:"+p.SlaveName {
		t.Fatalf("status %+v", st)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v", err)
	}
}

func FuzzFramer(f *testing.F) {
	f.Add([]byte("HC1:ABC\r\nX\r"), "]Q1", "")
	f.Fuzz(func(t *testing.T, b []byte, prefix, suffix string) {
		cfg := DefaultConfig()
		cfg.Prefix, cfg.Suffix, cfg.MaxLen = prefix, suffix, 64
		if cfg.Validate() != nil {
			return
		}
		NewFramer(cfg).Feed(b, func(s string) {
			if s == "" || len(s) > 64 || strings.ContainsAny(s, "\r\n") {
				t.Fatalf("code %q from %q", s, b)
			}
			if !strings.Contains(string(b), prefix+s+suffix) {
				t.Fatalf("code %q is not in the input %q", s, b)
			}
		})
	})
}

// A scanner unplugged and plugged back (its by-id link now naming a new
// device) is reopened and read again.
func TestReaderSurvivesReplug(t *testing.T) {
	p1, err := sim.OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	link := t.TempDir() + "/usb-scanner"
	if err := os.Symlink(p1.SlaveName, link); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.Port = link
	r, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 4)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go r.Run(ctx, func(text string, _ time.Time) { got <- text })
	waitState := func(want string) {
		t.Helper()
		end := time.Now().Add(10 * time.Second)
		for r.Status().State != want {
			if time.Now().After(end) {
				t.Fatalf("waiting for %s: %+v", want, r.Status())
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitState("connected")
	p1.Master.Write([]byte("FIRST\r"))
	if s := <-got; s != "FIRST" {
		t.Fatalf("got %q", s)
	}
	p1.Close() // unplugged
	waitState("reconnecting")
	p2, err := sim.OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	defer p2.Close()
	os.Remove(link)
	if err := os.Symlink(p2.SlaveName, link); err != nil {
		t.Fatal(err)
	}
	waitState("connected")
	p2.Master.Write([]byte("SECOND\r"))
	select {
	case s := <-got:
		if s != "SECOND" {
			t.Fatalf("after replug got %q", s)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("nothing after replug: %+v", r.Status())
	}
}

// Over a real line: a code the scanner never terminated (unplugged
// mid-code, a scanner set to another terminator) is dropped after a quiet
// half second and counted, and the next person's code arrives whole.
func TestLeftoverWithoutTerminatorOverPTY(t *testing.T) {
	p, err := sim.OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	cfg := DefaultConfig()
	cfg.Port = p.SlaveName
	r, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 4)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go r.Run(ctx, func(text string, at time.Time) { got <- text })
	for end := time.Now().Add(10 * time.Second); r.Status().State != "connected"; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("not connected: %+v", r.Status())
		}
	}
	p.Master.Write([]byte("HC1:6BFOXN*TS0BI$ZD4N9"))
	time.Sleep(StaleQuiets*100*time.Millisecond + 300*time.Millisecond)
	p.Master.Write([]byte("HC1:NEXT\r"))
	select {
	case s := <-got:
		if s != "HC1:NEXT" {
			t.Fatalf("code %q, want HC1:NEXT alone", s)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("no code; status %+v", r.Status())
	}
	if st := r.Status(); st.Refused != 1 || st.Codes != 1 {
		t.Fatalf("status %+v, want 1 code and the leftover refused", st)
	}
}
