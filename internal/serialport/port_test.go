package serialport

import (
	"errors"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint/thermometer/sim"
)

// TestHungUpPortIsGone covers what a pulled USB adapter looks like to
// tarm/serial: reads return (0, io.EOF) at once instead of after the
// timeout. The port must call that gone, not "no data yet".
func TestHungUpPortIsGone(t *testing.T) {
	p, err := sim.OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	port, err := Open(Config{Path: p.SlaveName, Baud: 9600, ReadTimeout: 100 * time.Millisecond})
	if err != nil {
		p.Close()
		t.Fatal(err)
	}
	defer port.Close()
	buf := make([]byte, 16)
	if n, err := port.Read(buf); n != 0 || err != nil {
		t.Fatalf("quiet line: %d %v, want (0, nil)", n, err)
	}
	p.Close()
	for range 10 {
		if _, err = port.Read(buf); err != nil {
			break
		}
	}
	t.Logf("after hang-up: %v", err)
	if !errors.Is(err, ErrGone) {
		t.Fatalf("after hang-up: %v, want ErrGone", err)
	}
}

func TestConfigValidate(t *testing.T) {
	good := Config{Path: "/dev/ttyUSB0", Baud: 9600, ReadTimeout: 100 * time.Millisecond}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]Config{
		"no path":        {Baud: 9600, ReadTimeout: time.Second},
		"odd baud":       {Path: "x", Baud: 9601, ReadTimeout: time.Second},
		"zero timeout":   {Path: "x", Baud: 9600},
		"parity X":       {Path: "x", Baud: 9600, ReadTimeout: time.Second, Parity: "X"},
		"three stopbits": {Path: "x", Baud: 9600, ReadTimeout: time.Second, StopBits: 3},
	} {
		if c.Validate() == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
