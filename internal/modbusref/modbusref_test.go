package modbusref

import (
	"slices"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint/internal/testenv"
)

func require(t *testing.T) {
	t.Helper()
	ok, why := Available()
	testenv.Require(t, ok, "libmodbus: "+why)
}

// The harness itself: libmodbus's master reads libmodbus's slave across
// the null-modem line, and libmodbus's float helpers agree with IEEE 754.
func TestLibmodbusAgainstItselfOverTheLine(t *testing.T) {
	require(t)
	l, err := NewLine()
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	s, err := StartSlave(SlaveConfig{LineConfig: LineConfig{Device: l.B}, Slave: 9, HoldingStart: 100, HoldingLen: 4, InputStart: 7, InputLen: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.SetHolding(100, 0x1234, 0xABCD, 1, 2); err != nil {
		t.Fatal(err)
	}
	if err := s.SetInput(7, 365); err != nil {
		t.Fatal(err)
	}
	if err := s.SetInput(8, 1); err == nil {
		t.Fatal("SetInput outside the map succeeded")
	}
	m, err := OpenMaster(LineConfig{Device: l.A}, 9, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	regs, err := m.ReadRegisters(3, 100, 4)
	if err != nil || !slices.Equal(regs, []uint16{0x1234, 0xABCD, 1, 2}) {
		t.Fatalf("holding: %04X, %v", regs, err)
	}
	regs, err = m.ReadRegisters(4, 7, 1)
	if err != nil || !slices.Equal(regs, []uint16{365}) {
		t.Fatalf("input: %v, %v", regs, err)
	}
	_, err = m.ReadRegisters(3, 104, 1)
	if e, ok := err.(*Error); !ok {
		t.Fatalf("unmapped read: %v", err)
	} else if code, ok := e.Exception(); !ok || code != 2 {
		t.Fatalf("unmapped read: %v, want exception 2", err)
	}
	if st := s.Stats(); st.Requests != 3 {
		t.Fatalf("slave stats %+v, want 3 requests", st)
	}
	if a, b := l.Copied(); a == 0 || b == 0 {
		t.Fatalf("line copied %d and %d bytes", a, b)
	}

	// libmodbus's float decoders against IEEE 754 binary32 constants:
	// 36.52 is 0x4212147B, -12.5 is 0xC1480000.
	for _, tc := range []struct {
		order int
		regs  [2]uint16
		want  float32
	}{
		{ABCD, [2]uint16{0x4212, 0x147B}, 36.52}, {CDAB, [2]uint16{0x147B, 0x4212}, 36.52},
		{ABCD, [2]uint16{0xC148, 0x0000}, -12.5}, {CDAB, [2]uint16{0x0000, 0xC148}, -12.5},
	} {
		if f, err := GetFloat(tc.order, tc.regs); err != nil || f != tc.want {
			t.Errorf("GetFloat(%d, %04X) = %v %v, want %v", tc.order, tc.regs, f, err, tc.want)
		}
	}
}
