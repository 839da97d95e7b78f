package modbus

import (
	"bytes"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Published frames, not produced by this package: the CRC-16/MODBUS check
// value, and the worked examples widely used to validate RTU stacks
// (slave 0x11 reading holding registers 108..110 and input register 9;
// slave 10 refusing a read with exception 2).
const (
	specHoldingRequest  = "11 03 00 6B 00 03 76 87"
	specHoldingResponse = "11 03 06 AE 41 56 52 43 40 49 AD"
	specInputRequest    = "11 04 00 08 00 01 B2 98"
	specInputResponse   = "11 04 02 00 0A F8 F4"
	specException       = "0A 81 02 B0 53"
)

func TestCRC16CheckValue(t *testing.T) {
	if got := CRC16([]byte("123456789")); got != 0x4B37 {
		t.Fatalf("CRC16(123456789) = %#04x, want 0x4b37", got)
	}
}

func TestPublishedFramesCheck(t *testing.T) {
	for _, f := range []string{specHoldingRequest, specHoldingResponse, specInputRequest, specInputResponse, specException} {
		if !CheckCRC(unhex(t, f)) {
			t.Errorf("published frame %s fails the CRC", f)
		}
	}
}

func TestReadRequestMatchesPublishedFrames(t *testing.T) {
	cases := []struct {
		name       string
		slave, fn  byte
		start, qty uint16
		want       string
	}{
		{"holding registers 108..110 of slave 17", 0x11, 3, 0x6B, 3, specHoldingRequest},
		{"input register 9 of slave 17", 0x11, 4, 8, 1, specInputRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadRequest(tc.slave, tc.fn, tc.start, tc.qty)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, unhex(t, tc.want)) {
				t.Fatalf("got % X, want %s", got, tc.want)
			}
		})
	}
}

func TestReadRequestRefusesWhatTheSpecForbids(t *testing.T) {
	cases := []struct {
		name      string
		slave, fn byte
		start     uint16
		qty       uint16
	}{
		{"broadcast address", 0, 3, 0, 1},
		{"reserved address 248", 248, 3, 0, 1},
		{"function 6 is not a read", 1, 6, 0, 1},
		{"quantity 0", 1, 3, 0, 0},
		{"quantity 126", 1, 3, 0, 126},
		{"range past 65535", 1, 4, 0xFFFF, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ReadRequest(tc.slave, tc.fn, tc.start, tc.qty); !errors.Is(err, ErrBadRequest) {
				t.Fatalf("err = %v, want ErrBadRequest", err)
			}
		})
	}
}

func TestParseReadResponse(t *testing.T) {
	cases := []struct {
		name     string
		slave    byte
		fn       byte
		qty      uint16
		frame    string
		want     []uint16
		wantErr  error
		wantCode byte
	}{
		{"published holding response", 0x11, 3, 3, specHoldingResponse, []uint16{0xAE41, 0x5652, 0x4340}, nil, 0},
		{"published input response", 0x11, 4, 1, specInputResponse, []uint16{0x000A}, nil, 0},
		{"published exception", 0x0A, 1, 1, specException, nil, nil, 2},
		{"corrupted CRC", 0x11, 4, 1, "11 04 02 00 0A F8 F5", nil, ErrCRC, 0},
		{"another slave answered", 0x12, 4, 1, specInputResponse, nil, ErrWrongSlave, 0},
		{"answer to another function", 0x11, 3, 1, specInputResponse, nil, ErrWrongFunction, 0},
		{"byte count for another quantity", 0x11, 3, 2, specHoldingResponse, nil, ErrByteCount, 0},
		{"too short", 0x11, 3, 1, "11 03", nil, ErrShortFrame, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			regs, err := ParseReadResponse(tc.slave, tc.fn, tc.qty, unhex(t, tc.frame))
			var ex *ExceptionError
			switch {
			case tc.wantCode != 0:
				if !errors.As(err, &ex) || ex.Code != tc.wantCode || ex.Function != tc.fn {
					t.Fatalf("err = %v, want exception %d", err, tc.wantCode)
				}
			case tc.wantErr != nil:
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
			default:
				if err != nil || !slices.Equal(regs, tc.want) {
					t.Fatalf("got %04X, %v; want %04X", regs, err, tc.want)
				}
			}
		})
	}
}

func TestSlaveSideRoundTrip(t *testing.T) {
	req, err := ParseRequest(unhex(t, specHoldingRequest))
	if err != nil {
		t.Fatal(err)
	}
	if req != (Request{Slave: 0x11, Function: 3, Start: 0x6B, Quantity: 3}) {
		t.Fatalf("parsed %+v", req)
	}
	resp := ReadResponse(0x11, 3, []uint16{0xAE41, 0x5652, 0x4340})
	if !bytes.Equal(resp, unhex(t, specHoldingResponse)) {
		t.Fatalf("response % X, want %s", resp, specHoldingResponse)
	}
	if ex := ExceptionResponse(0x0A, 0x01, ExIllegalDataAddress); !bytes.Equal(ex, unhex(t, specException)) {
		t.Fatalf("exception % X, want %s", ex, specException)
	}
	if _, err := ParseRequest(unhex(t, "11 03 00 6B 00 03 76 88")); !errors.Is(err, ErrCRC) {
		t.Fatalf("bad CRC request: %v", err)
	}
}

func TestScanResponseResynchronises(t *testing.T) {
	good := unhex(t, specInputResponse)
	cases := []struct {
		name      string
		in        []byte
		done      bool
		want      []uint16
		exception byte
		crcErrors int
	}{
		{"clean frame", good, true, []uint16{10}, 0, 0},
		{"frame in two halves, first half only", good[:4], false, nil, 0, 0},
		{"noise before the frame", append(unhex(t, "00 FF 11 11 05"), good...), true, []uint16{10}, 0, 0},
		{"a corrupted copy, then the good one", append(unhex(t, "11 04 02 00 0A F8 F5"), good...), true, []uint16{10}, 0, 1},
		{"another slave's valid frame first", append(unhex(t, "12 04 02 00 0A F9 25"), good...), true, []uint16{10}, 0, 0},
		{"exception for our function", AppendCRC([]byte{0x11, 0x84, 0x02}), true, nil, 2, 0},
		{"exception for another function is noise", AppendCRC([]byte{0x11, 0x83, 0x02}), false, nil, 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sc := ScanResponse(0x11, 4, 1, tc.in)
			if sc.Done != tc.done || sc.CRCErrors != tc.crcErrors {
				t.Fatalf("done %v crc %d, want %v %d (%+v)", sc.Done, sc.CRCErrors, tc.done, tc.crcErrors, sc)
			}
			var ex *ExceptionError
			if tc.exception != 0 {
				if !errors.As(sc.Err, &ex) || ex.Code != tc.exception {
					t.Fatalf("err %v, want exception %d", sc.Err, tc.exception)
				}
			} else if tc.done && !slices.Equal(sc.Regs, tc.want) {
				t.Fatalf("regs %v, want %v", sc.Regs, tc.want)
			}
		})
	}
}

func TestFrameGap(t *testing.T) {
	cases := []struct {
		baud int
		want time.Duration
	}{
		{9600, 4010416 * time.Nanosecond}, // 3.5 × 11 bits / 9600
		{19200, 2005208 * time.Nanosecond},
		{38400, 1750 * time.Microsecond},
		{115200, 1750 * time.Microsecond},
	}
	for _, tc := range cases {
		if got := FrameGap(tc.baud); (got - tc.want).Abs() > time.Microsecond {
			t.Errorf("FrameGap(%d) = %s, want %s", tc.baud, got, tc.want)
		}
	}
}

func FuzzScanResponse(f *testing.F) {
	f.Add(byte(0x11), byte(4), uint16(1), unhex(f, specInputResponse))
	f.Add(byte(0x11), byte(3), uint16(3), unhex(f, specHoldingResponse))
	f.Add(byte(0x0A), byte(1), uint16(1), unhex(f, specException))
	f.Add(byte(0x11), byte(4), uint16(1), append(unhex(f, "00 FF 11 04 02 00"), unhex(f, specInputResponse)...))
	f.Fuzz(func(t *testing.T, slave, fn byte, qty uint16, b []byte) {
		sc := ScanResponse(slave, fn, qty, b)
		if !sc.Done {
			if sc.Discarded+len(sc.Rest) != len(b) {
				t.Fatalf("discarded %d + rest %d != %d", sc.Discarded, len(sc.Rest), len(b))
			}
			return
		}
		// A frame is only accepted with its CRC checking and its address,
		// function and length echoing the request.
		n := len(b) - sc.Discarded - len(sc.Rest)
		frame := b[sc.Discarded : sc.Discarded+n]
		if !CheckCRC(frame) || frame[0] != slave {
			t.Fatalf("accepted % X for slave %d", frame, slave)
		}
		if sc.Err == nil && (frame[1] != fn || len(sc.Regs) != int(qty)) {
			t.Fatalf("accepted % X as %d registers of function %d", frame, qty, fn)
		}
	})
}

func FuzzParseRequest(f *testing.F) {
	f.Add(unhex(f, specHoldingRequest))
	f.Add(unhex(f, specInputRequest))
	f.Add([]byte{1, 3, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		req, err := ParseRequest(b)
		if err != nil {
			return
		}
		// A parsed request re-encodes to the same bytes.
		again := AppendCRC([]byte{req.Slave, req.Function, byte(req.Start >> 8), byte(req.Start), byte(req.Quantity >> 8), byte(req.Quantity)})
		if !bytes.Equal(again, b) {
			t.Fatalf("re-encoded % X, parsed from % X", again, b)
		}
	})
}
