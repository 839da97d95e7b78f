package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
)

var colorDemo = color.NRGBA{R: 0xff, G: 0xc1, B: 0x07, A: 0xff} // amber

// demoBanner is the large "DEMO" block at the top of the side column in
// demo mode: black on amber, bold, 48 points (the side column must still fit a 800 px screen).
func demoBanner() fyne.CanvasObject {
	txt := canvas.NewText(tr("demo.banner"), color.Black)
	txt.TextSize = 48
	txt.TextStyle = fyne.TextStyle{Bold: true}
	txt.Alignment = fyne.TextAlignCenter
	return container.NewStack(canvas.NewRectangle(colorDemo), txt)
}
