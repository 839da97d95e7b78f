package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/checkpoint-terminal/checkpoint/scanner/camera"
	"github.com/checkpoint-terminal/checkpoint/thermometer"
)

func init() {
	register(command{
		name:    "devices",
		summary: "list cameras (V4L2, with formats and sizes) and serial ports (by id) for camera.source and thermometer.port",
		run:     runDevices,
	})
}

func runDevices(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("devices", "[flags]", stderr)
	dev := fs.String("dev", "/dev", "device directory to look in")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	cams, err := camera.ListDevices(*dev)
	fmt.Fprintln(stdout, "cameras (camera.source takes the index or the path):")
	switch {
	case err != nil:
		fmt.Fprintf(stdout, "  cannot list: %s\n", printable(err.Error()))
	case len(cams) == 0:
		fmt.Fprintf(stdout, "  none (%s/video*); a video file, an image folder or an rtsp:// URL also works\n", *dev)
	}
	for _, c := range cams {
		switch {
		case c.Err != nil:
			fmt.Fprintf(stdout, "  %d  %s  cannot query: %s\n", c.Index, c.Path, printable(c.Err.Error()))
		case !c.Capture:
			fmt.Fprintf(stdout, "  %d  %s  %s (%s): no capture (metadata node)\n", c.Index, c.Path, printable(c.Card), printable(c.Driver))
		default:
			fmt.Fprintf(stdout, "  %d  %s  %s (%s, %s)\n", c.Index, c.Path, printable(c.Card), printable(c.Driver), printable(c.Bus))
			for _, f := range c.Formats {
				fmt.Fprintf(stdout, "       %-4s %s: %s\n", printable(f.FourCC), printable(f.Description), strings.Join(f.Sizes, " "))
			}
		}
	}
	ports := thermometer.ListPorts(*dev)
	fmt.Fprintln(stdout, "serial ports (thermometer.port; prefer the by-id name, it survives replugging):")
	if len(ports) == 0 {
		fmt.Fprintf(stdout, "  none (%s/serial/by-id, ttyUSB*, ttyACM*, ttyAMA*)\n", *dev)
	}
	for _, p := range ports {
		switch {
		case p.ByID != "" && p.Path != "":
			fmt.Fprintf(stdout, "  %s -> %s\n", printable(p.ByID), printable(p.Path))
		case p.ByID != "":
			fmt.Fprintf(stdout, "  %s (dangling link)\n", printable(p.ByID))
		default:
			fmt.Fprintf(stdout, "  %s\n", printable(p.Path))
		}
	}
	return nil
}
