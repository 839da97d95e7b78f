package hid

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// uinput ioctls from <linux/uinput.h>.
const (
	uiSetEvBit   = 0x40045564 // _IOW('U', 100, int)
	uiSetKeyBit  = 0x40045565 // _IOW('U', 101, int)
	uiDevSetup   = 0x405c5503 // _IOW('U', 3, struct uinput_setup), 92 bytes
	uiDevCreate  = 0x5501     // _IO('U', 1)
	uiDevDestroy = 0x5502     // _IO('U', 2)
	uiGetSysname = 0x8040552c // _IOC(_IOC_READ, 'U', 44, 64)
)

// A virtual keyboard made through /dev/uinput types a code; the reader
// grabs the real evdev node and reads it. Skipped where the machine has no
// /dev/uinput (containers, CI).
func TestReaderOnAUinputKeyboard(t *testing.T) {
	fd, err := unix.Open("/dev/uinput", unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Skipf("no uinput here: %v", err)
	}
	defer unix.Close(fd)
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	must("UI_SET_EVBIT", unix.IoctlSetInt(fd, uiSetEvBit, EvKey))
	for code := range US {
		must("UI_SET_KEYBIT", unix.IoctlSetInt(fd, uiSetKeyBit, int(code)))
	}
	for _, code := range []uint16{KeyEnter, KeyLeftShift} {
		must("UI_SET_KEYBIT", unix.IoctlSetInt(fd, uiSetKeyBit, int(code)))
	}
	var setup [92]byte
	setup[0] = 0x03 // BUS_USB
	copy(setup[8:8+79], "checkpoint test scanner")
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uiDevSetup, uintptr(unsafe.Pointer(&setup[0]))); e != 0 {
		t.Fatalf("UI_DEV_SETUP: %v", e)
	}
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uiDevCreate, 0); e != 0 {
		t.Fatalf("UI_DEV_CREATE: %v", e)
	}
	defer unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uiDevDestroy, 0)
	var name [64]byte
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uiGetSysname, uintptr(unsafe.Pointer(&name[0]))); e != 0 {
		t.Fatalf("UI_GET_SYSNAME: %v", e)
	}
	sys := "/sys/devices/virtual/input/" + strings.TrimRight(string(name[:]), "\x00")
	var dev string
	for end := time.Now().Add(5 * time.Second); dev == "" && time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		m, _ := filepath.Glob(sys + "/event*")
		if len(m) > 0 {
			dev = "/dev/input/" + filepath.Base(m[0])
		}
	}
	if _, err := os.Stat(dev); err != nil {
		t.Skipf("the event node of %s did not appear: %v", sys, err)
	}
	cfg := DefaultConfig()
	cfg.Device = dev
	r, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go r.Run(ctx, func(s string, _ time.Time) { got <- s })
	for end := time.Now().Add(5 * time.Second); r.Status().State != "connected"; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("reader never connected: %+v", r.Status())
		}
	}
	if _, err := unix.Write(fd, typeText(hc1, KeyEnter, time.Now(), 0)); err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-got:
		if s != hc1 {
			t.Fatalf("got %q", s)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("no code; status %+v", r.Status())
	}
}
