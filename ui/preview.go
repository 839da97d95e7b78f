package ui

import (
	"image"
	"image/color"

	"golang.org/x/image/draw"
)

var outlineColor = color.RGBA{R: 0x00, G: 0xe6, B: 0x76, A: 0xff}

// renderPreview scales img to fit within maxW x maxH (keeping its aspect
// ratio, nearest neighbour: cheap) and outlines quad, given in img's pixel
// coordinates, with a 3-pixel line.
func renderPreview(img image.Image, quad []image.Point, maxW, maxH int) *image.RGBA {
	b := img.Bounds()
	if b.Dx() <= 0 || b.Dy() <= 0 {
		return image.NewRGBA(image.Rect(0, 0, 1, 1))
	}
	w, h := maxW, b.Dy()*maxW/b.Dx()
	if h > maxH {
		w, h = b.Dx()*maxH/b.Dy(), maxH
	}
	w, h = max(w, 1), max(h, 1)
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	if src, ok := img.(*image.RGBA); ok {
		scaleRGBA(dst, src)
	} else {
		draw.NearestNeighbor.Scale(dst, dst.Bounds(), img, b, draw.Src, nil)
	}
	if len(quad) < 2 {
		return dst
	}
	sx, sy := float64(w)/float64(b.Dx()), float64(h)/float64(b.Dy())
	pts := make([]image.Point, len(quad))
	for i, p := range quad {
		// Clamp: a corner far outside the frame must not make a long line.
		x := min(max(float64(p.X-b.Min.X)*sx, float64(-w)), float64(2*w))
		y := min(max(float64(p.Y-b.Min.Y)*sy, float64(-h)), float64(2*h))
		pts[i] = image.Pt(int(x), int(y))
	}
	for i := range pts {
		drawLine(dst, pts[i], pts[(i+1)%len(pts)], 3, outlineColor)
	}
	return dst
}

// scaleRGBA is nearest-neighbour scaling of the common camera frame type,
// copying whole pixels: several times faster than the generic path.
func scaleRGBA(dst, src *image.RGBA) {
	sb, db := src.Bounds(), dst.Bounds()
	sw, sh, dw, dh := sb.Dx(), sb.Dy(), db.Dx(), db.Dy()
	xs := make([]int, dw)
	for x := range xs {
		xs[x] = ((2*x+1)*sw/(2*dw))*4 + (sb.Min.X-src.Rect.Min.X)*4 // sample pixel centres
	}
	for y := 0; y < dh; y++ {
		sy := (2*y+1)*sh/(2*dh) + sb.Min.Y - src.Rect.Min.Y
		srow := src.Pix[sy*src.Stride:]
		drow := dst.Pix[y*dst.Stride : y*dst.Stride+dw*4]
		for x, off := range xs {
			copy(drow[x*4:x*4+4], srow[off:off+4])
		}
	}
}

// drawLine draws a thick line (Bresenham, square pen), clipped to dst.
func drawLine(dst *image.RGBA, a, b image.Point, width int, c color.RGBA) {
	dx, dy := abs(b.X-a.X), -abs(b.Y-a.Y)
	sx, sy := 1, 1
	if a.X > b.X {
		sx = -1
	}
	if a.Y > b.Y {
		sy = -1
	}
	err := dx + dy
	r := dst.Bounds()
	for steps := 0; steps <= dx-dy+1; steps++ {
		for ox := -width / 2; ox <= width/2; ox++ {
			for oy := -width / 2; oy <= width/2; oy++ {
				p := image.Pt(a.X+ox, a.Y+oy)
				if p.In(r) {
					dst.SetRGBA(p.X, p.Y, c)
				}
			}
		}
		if a == b {
			return
		}
		e2 := 2 * err
		if e2 >= dy {
			err += dy
			a.X += sx
		}
		if e2 <= dx {
			err += dx
			a.Y += sy
		}
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
