package main

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint/scanner/camera"
	"github.com/checkpoint-terminal/checkpoint/thermometer"
)

func TestCameraTestCountsFrames(t *testing.T) {
	var frames atomic.Uint64
	ok := func() camera.Status { return camera.Status{State: camera.StateOK, Frames: frames.Add(30)} }
	msg, err := testCamera(context.Background(), ok, "/dev/video0")
	if err != nil || !strings.Contains(msg, "30 frames in 2s") {
		t.Errorf("working camera: %q, %v", msg, err)
	}
	stuck := func() camera.Status { return camera.Status{State: camera.StateOK, Frames: 7} }
	if _, err := testCamera(context.Background(), stuck, "/dev/video0"); err == nil || !strings.Contains(err.Error(), "no frames") {
		t.Errorf("stuck camera: %v", err)
	}
	failed := func() camera.Status {
		return camera.Status{State: camera.StateReconnecting, Err: errors.New("no such device")}
	}
	if _, err := testCamera(context.Background(), failed, "/dev/video0"); err == nil || !strings.Contains(err.Error(), "no such device") {
		t.Errorf("failed camera: %v", err)
	}
}

func TestSensorTestWaitsForAFreshSample(t *testing.T) {
	start := time.Now()
	live := func() thermometer.Status {
		return thermometer.Status{State: thermometer.StateConnected, Port: "/dev/ttyUSB0", Protocol: "ascii", LastSample: time.Now()}
	}
	if msg, err := testSensor(context.Background(), live); err != nil || !strings.Contains(msg, "samples arriving") {
		t.Errorf("live sensor: %q %v", msg, err)
	}
	silent := func() thermometer.Status {
		return thermometer.Status{State: thermometer.StateConnected, Port: "/dev/ttyUSB0", Protocol: "modbus", LastSample: start.Add(-time.Minute), LastError: "timeout"}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if _, err := testSensor(ctx, silent); err == nil || !strings.Contains(err.Error(), "no sample") || !strings.Contains(err.Error(), "timeout") {
		t.Errorf("silent sensor: %v", err)
	}
}
