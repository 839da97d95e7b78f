package qr_test

import (
	"strconv"
	"testing"

	"github.com/checkpoint-terminal/checkpoint/scanner/qr"
	"github.com/checkpoint-terminal/checkpoint/scanner/videogen"
	"gocv.io/x/gocv"
)

// frameOf renders one synthetic camera frame as a grey plane.
func frameOf(tb testing.TB, w, h int, sc videogen.Scene) qr.Gray {
	r := videogen.NewRenderer(videogen.Options{Width: w, Height: h})
	defer r.Close()
	if err := r.Render(sc, 0); err != nil {
		tb.Fatal(err)
	}
	grey := gocv.NewMat()
	defer grey.Close()
	gocv.CvtColor(r.Frame, &grey, gocv.ColorBGRToGray)
	g, err := qr.GrayFromMat(grey)
	if err != nil {
		tb.Fatal(err)
	}
	return g
}

func BenchmarkStage(b *testing.B) {
	d, err := qr.NewDecoder(qr.DefaultOptions())
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	for _, c := range []struct {
		name string
		sc   videogen.Scene
	}{{"present", videogen.Scene{Text: "HC2:ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", Size: 0.4, Rotate: 10}}, {"absent", videogen.Scene{}}} {
		for _, sz := range [][2]int{{640, 480}, {1280, 720}} {
			g := frameOf(b, sz[0], sz[1], c.sc)
			for _, st := range qr.Stages() {
				b.Run(c.name+"/"+strconv.Itoa(sz[0])+"/"+st.Name, func(b *testing.B) {
					for b.Loop() {
						st.Run(d, g)
					}
				})
			}
		}
	}
}
