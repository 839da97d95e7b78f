package camera

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Device is a V4L2 video device as ListDevices finds it.
type Device struct {
	// Path is the device node (/dev/video0); Index the number OpenCV takes
	// as camera.source ("0").
	Path  string
	Index int
	// Driver, Card and Bus are what the driver reports (VIDIOC_QUERYCAP).
	Driver, Card, Bus string
	// Capture is false for nodes that only carry metadata or output: UVC
	// webcams show two nodes, and only one of them captures.
	Capture bool
	// Formats are the capture pixel formats (FourCC and description),
	// each with its discrete frame sizes ("640x480").
	Formats []Format
	// Err says why the node could not be queried (permissions, not V4L2).
	Err error
}

// Format is one capture pixel format of a Device.
type Format struct {
	FourCC, Description string
	Sizes               []string
}

// V4L2 ioctl numbers and structure sizes (linux/videodev2.h).
const (
	vidiocQueryCap       = 0x80685600 // _IOR('V', 0, struct v4l2_capability), 104 bytes
	vidiocEnumFmt        = 0xc0405602 // _IOWR('V', 2, struct v4l2_fmtdesc), 64 bytes
	vidiocEnumFrameSizes = 0xc02c564a // _IOWR('V', 74, struct v4l2_frmsizeenum), 44 bytes
	bufTypeVideoCapture  = 1
	capVideoCapture      = 0x00000001
	capDeviceCaps        = 0x80000000
	frmSizeDiscrete      = 1
)

// ListDevices queries every video node under dev (normally "/dev"), in
// index order. A node that cannot be opened or queried is listed with Err
// set; no node makes ListDevices fail.
func ListDevices(dev string) ([]Device, error) {
	paths, err := filepath.Glob(filepath.Join(dev, "video*"))
	if err != nil {
		return nil, err
	}
	var out []Device
	for _, p := range paths {
		idx, err := strconv.Atoi(strings.TrimPrefix(filepath.Base(p), "video"))
		if err != nil {
			continue
		}
		d := Device{Path: p, Index: idx}
		d.Err = query(&d)
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Index < out[j].Index })
	return out, nil
}

func query(d *Device) error {
	fi, err := os.Stat(d.Path)
	if err != nil {
		return err
	}
	if fi.Mode()&os.ModeCharDevice == 0 {
		return fmt.Errorf("not a character device")
	}
	fd, err := unix.Open(d.Path, unix.O_RDWR|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	var cap [104]byte
	if err := ioctl(fd, vidiocQueryCap, unsafe.Pointer(&cap[0])); err != nil {
		return fmt.Errorf("VIDIOC_QUERYCAP: %w (not a V4L2 device?)", err)
	}
	d.Driver, d.Card, d.Bus = cstr(cap[0:16]), cstr(cap[16:48]), cstr(cap[48:80])
	caps := binary.LittleEndian.Uint32(cap[84:88])
	if caps&capDeviceCaps != 0 {
		caps = binary.LittleEndian.Uint32(cap[88:92])
	}
	d.Capture = caps&capVideoCapture != 0
	if !d.Capture {
		return nil
	}
	for i := uint32(0); i < 64; i++ {
		var fd2 [64]byte
		binary.LittleEndian.PutUint32(fd2[0:4], i)
		binary.LittleEndian.PutUint32(fd2[4:8], bufTypeVideoCapture)
		if err := ioctl(fd, vidiocEnumFmt, unsafe.Pointer(&fd2[0])); err != nil {
			break // EINVAL: no more formats
		}
		pix := binary.LittleEndian.Uint32(fd2[44:48])
		f := Format{FourCC: fourCC(pix), Description: cstr(fd2[12:44])}
		for j := uint32(0); j < 64; j++ {
			var fs [44]byte
			binary.LittleEndian.PutUint32(fs[0:4], j)
			binary.LittleEndian.PutUint32(fs[4:8], pix)
			if err := ioctl(fd, vidiocEnumFrameSizes, unsafe.Pointer(&fs[0])); err != nil {
				break
			}
			if binary.LittleEndian.Uint32(fs[8:12]) != frmSizeDiscrete {
				f.Sizes = append(f.Sizes, "any size")
				break
			}
			f.Sizes = append(f.Sizes, fmt.Sprintf("%dx%d", binary.LittleEndian.Uint32(fs[12:16]), binary.LittleEndian.Uint32(fs[16:20])))
		}
		d.Formats = append(d.Formats, f)
	}
	return nil
}

func ioctl(fd int, req uintptr, arg unsafe.Pointer) error {
	for {
		_, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), req, uintptr(arg))
		switch e {
		case 0:
			return nil
		case unix.EINTR:
			continue
		}
		return e
	}
}

func cstr(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return strings.ToValidUTF8(string(b), "?")
}

func fourCC(v uint32) string {
	b := []byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)}
	return strings.TrimRight(strings.ToValidUTF8(string(b), "?"), " \x00")
}
