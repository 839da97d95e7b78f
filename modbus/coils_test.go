package modbus

import (
	"bytes"
	"errors"
	"testing"
)

// The examples of the serial line guide and the application protocol
// specification (slave 0x11).
func TestCoilWriteFrames(t *testing.T) {
	on, err := WriteCoilRequest(0x11, 0x00AC, true)
	if err != nil || !bytes.Equal(on, []byte{0x11, 0x05, 0x00, 0xAC, 0xFF, 0x00, 0x4E, 0x8B}) {
		t.Fatalf("write coil 173 on = % X, %v", on, err)
	}
	many, err := WriteCoilsRequest(0x11, 0x0013, []bool{true, false, true, true, false, false, true, true, true, false})
	if err != nil || !bytes.Equal(many[:9], []byte{0x11, 0x0F, 0x00, 0x13, 0x00, 0x0A, 0x02, 0xCD, 0x01}) || !CheckCRC(many) {
		t.Fatalf("write 10 coils from 20 = % X, %v", many, err)
	}
	if _, err := WriteCoilRequest(0, 1, true); !errors.Is(err, ErrBadRequest) {
		t.Fatalf("broadcast accepted: %v", err)
	}
	if _, err := WriteCoilsRequest(1, 0xFFFF, []bool{true, true}); !errors.Is(err, ErrBadRequest) {
		t.Fatalf("coils past 65535 accepted: %v", err)
	}
}

func TestScanWriteResponse(t *testing.T) {
	req, _ := WriteCoilRequest(3, 7, true)
	cases := []struct {
		name string
		buf  []byte
		done bool
		err  error
		crc  int
	}{
		{"echo after noise", append([]byte{0x00, 0xFF}, req...), true, nil, 0},
		{"half an echo", req[:5], false, nil, 0},
		{"echo with another value", AppendCRC([]byte{3, 5, 0, 7, 0, 0}), true, ErrEcho, 0},
		{"echo with a bad CRC", append(append([]byte{}, req[:7]...), req[7]^1), false, nil, 1},
		{"exception", ExceptionResponse(3, 5, ExIllegalDataAddress), true, &ExceptionError{}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := ScanWriteResponse(req, tc.buf)
			if s.Done != tc.done || s.CRCErrors != tc.crc {
				t.Fatalf("scan %+v", s)
			}
			var ex *ExceptionError
			switch want := tc.err.(type) {
			case nil:
				if s.Err != nil {
					t.Fatalf("err %v", s.Err)
				}
			case *ExceptionError:
				if !errors.As(s.Err, &ex) || ex.Code != ExIllegalDataAddress {
					t.Fatalf("err %v", s.Err)
				}
			default:
				if !errors.Is(s.Err, want) {
					t.Fatalf("err %v, want %v", s.Err, want)
				}
			}
		})
	}
}

func FuzzScanWriteResponse(f *testing.F) {
	req, _ := WriteCoilRequest(1, 0, true)
	f.Add(req)
	f.Add(ExceptionResponse(1, 5, 2))
	f.Fuzz(func(t *testing.T, b []byte) {
		s := ScanWriteResponse(req, b)
		if s.Done && s.Err == nil && !bytes.Contains(b, req) {
			t.Fatalf("confirmed without an echo in % X", b)
		}
	})
}
