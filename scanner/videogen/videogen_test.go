package videogen

import (
	"path/filepath"
	"testing"

	"gocv.io/x/gocv"
)

// TestWriteVideoReadsBack writes an MJPG .avi and reads it back through
// OpenCV: every frame is there at the requested size, and frames with a
// code differ from the empty background.
func TestWriteVideoReadsBack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v.avi")
	scenes := []Scene{
		{Frames: 3},
		{Text: "hello", Frames: 4, Size: 0.5, Rotate: 15, Tilt: 0.2, Blur: 1, Glare: 0.5, Contrast: 0.5, Noise: 5, Hand: true},
		{Text: "big", Frames: 2, Others: []Scene{{Text: "small", Size: 0.2, X: 0.3}}},
	}
	if err := WriteVideo(path, scenes, Options{Width: 320, Height: 240, FPS: 25}); err != nil {
		t.Fatal(err)
	}
	vc, err := gocv.VideoCaptureFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer vc.Close()
	if fps := vc.Get(gocv.VideoCaptureFPS); fps != 25 {
		t.Errorf("fps = %v, want 25", fps)
	}
	m := gocv.NewMat()
	defer m.Close()
	var means []float64
	for vc.Read(&m) && !m.Empty() {
		if m.Cols() != 320 || m.Rows() != 240 {
			t.Fatalf("frame %d is %dx%d, want 320x240", len(means), m.Cols(), m.Rows())
		}
		g := gocv.NewMat()
		gocv.CvtColor(m, &g, gocv.ColorBGRToGray)
		sd := gocv.NewMat()
		mean := gocv.NewMat()
		gocv.MeanStdDev(g, &mean, &sd)
		means = append(means, sd.GetDoubleAt(0, 0))
		g.Close()
		sd.Close()
		mean.Close()
	}
	if len(means) != 9 {
		t.Fatalf("read %d frames, want 9", len(means))
	}
	// A code's black and white modules raise the contrast well above the
	// soft background's.
	if means[3] < 1.3*means[0] || means[7] < 2*means[0] {
		t.Errorf("frame contrast (std dev) %v: code frames should stand out from the background", means)
	}
}

func TestWriteVideoRejectsNothing(t *testing.T) {
	if err := WriteVideo(filepath.Join(t.TempDir(), "v.avi"), nil, Options{}); err == nil {
		t.Error("no scenes: want an error")
	}
}
