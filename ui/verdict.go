package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/assets"
)

// Panel colours: each outcome also has its own icon and words, so no guard
// depends on telling the colours apart.
var (
	colorReady   = color.NRGBA{R: 0x37, G: 0x47, B: 0x4f, A: 0xff} // blue grey
	colorPass    = color.NRGBA{R: 0x1b, G: 0x5e, B: 0x20, A: 0xff} // dark green
	colorDeny    = color.NRGBA{R: 0xb7, G: 0x1c, B: 0x1c, A: 0xff} // dark red
	colorRecheck = color.NRGBA{R: 0xbf, G: 0x36, B: 0x0c, A: 0xff} // deep orange
	colorMeasure = color.NRGBA{R: 0x0d, G: 0x47, B: 0xa1, A: 0xff} // dark blue
	colorWhite   = color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff}
)

// panelColor is the background of the verdict panel for an outcome.
func panelColor(o checkpoint.Outcome) color.NRGBA {
	switch o {
	case checkpoint.OutcomePass:
		return colorPass
	case checkpoint.OutcomeDeny:
		return colorDeny
	case checkpoint.OutcomeRecheck:
		return colorRecheck
	case checkpoint.OutcomeMeasure:
		return colorMeasure
	}
	return colorReady
}

// iconName is the assets/icons file shown for an outcome.
func iconName(o checkpoint.Outcome) string {
	switch o {
	case checkpoint.OutcomePass, checkpoint.OutcomeDeny, checkpoint.OutcomeRecheck, checkpoint.OutcomeMeasure:
		return o.String() + ".svg"
	}
	return "ready.svg"
}

// icons are the verdict icons as fyne resources, by file name.
type icons map[string]fyne.Resource

func loadIcons() (icons, error) {
	ics := icons{}
	for _, n := range []string{"ready.svg", "pass.svg", "deny.svg", "recheck.svg", "measure.svg"} {
		b, err := assets.Icons.ReadFile("icons/" + n)
		if err != nil {
			return nil, err
		}
		ics[n] = fyne.NewStaticResource(n, b)
	}
	return ics, nil
}

// verdictView is the large panel: icon and headline, the reason, details.
type verdictView struct {
	icons    icons
	root     *fyne.Container
	bg       *canvas.Rectangle
	icon     *canvas.Image
	headline *canvas.Text
	banner   *widget.Label // "TEST: not recorded" on the test-code screen
	reason   *widget.Label
	details  *fyne.Container
	shown    *checkpoint.Verdict // nil: ready to scan
	// starting, while set, replaces "ready to scan" with the start-up
	// panel and says what the terminal still waits for.
	starting string
}

func newVerdictView(ics icons, iconSize float32, maxHeadline float32) *verdictView {
	v := &verdictView{icons: ics}
	v.bg = canvas.NewRectangle(colorReady)
	v.icon = canvas.NewImageFromResource(ics["ready.svg"])
	v.icon.FillMode = canvas.ImageFillContain
	v.icon.SetMinSize(fyne.NewSquareSize(iconSize))
	v.headline = canvas.NewText("", colorWhite)
	v.headline.TextStyle = fyne.TextStyle{Bold: true}
	v.banner = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	v.banner.Importance = widget.WarningImportance
	v.banner.Hide()
	v.reason = widget.NewLabel("")
	v.reason.Wrapping = fyne.TextWrapWord
	v.reason.SizeName = sizeReason
	v.reason.TextStyle = fyne.TextStyle{Bold: true}
	v.details = container.NewVBox()
	head := container.NewBorder(nil, nil, v.icon, nil,
		container.New(&fitTextLayout{max: maxHeadline, min: 20}, v.headline))
	body := container.NewVBox(layout.NewSpacer(), v.banner, head, v.reason, v.details, layout.NewSpacer())
	v.root = container.NewStack(v.bg, container.NewPadded(container.NewPadded(body)))
	v.show(nil)
	return v
}

// show displays a verdict, or "ready to scan" for nil.
func (v *verdictView) show(vd *checkpoint.Verdict) {
	v.shown = vd
	o := checkpoint.OutcomeNone
	if vd != nil {
		o = vd.Outcome
	}
	v.bg.FillColor = panelColor(o)
	v.icon.Resource = v.icons[iconName(o)]
	v.headline.Text = outcomeText(o)
	v.details.RemoveAll()
	if vd == nil && v.starting != "" {
		v.headline.Text = tr("starting.headline")
		v.reason.SetText(v.starting)
	} else if vd == nil {
		v.reason.SetText(tr("ready.hint"))
	} else {
		v.reason.SetText(reasonText(*vd))
		for _, line := range detailLines(*vd) {
			// One line each, cut with an ellipsis, never wrapped: a long
			// claim must not grow the panel.
			l := widget.NewLabel(displayLine(line))
			l.SizeName = sizeDetail
			l.Wrapping = fyne.TextWrapOff
			l.Truncation = fyne.TextTruncateEllipsis
			v.details.Add(l)
		}
	}
	v.bg.Refresh()
	v.icon.Refresh()
	v.headline.Refresh()
	v.details.Refresh()
	v.root.Refresh()
}

// detailLines are the facts shown under the reason: never more than the
// code's masked name, colour, region, temperature and proxy status.
func detailLines(vd checkpoint.Verdict) []string {
	var lines []string
	sep := tr("detail.sep")
	if c := vd.Code; c != nil {
		if c.HolderMasked != "" {
			lines = append(lines, tr("detail.name")+sep+c.HolderMasked)
		}
		if vd.Failure == checkpoint.FailNone { // a refused code's colour is no longer its word
			lines = append(lines, tr("detail.color")+sep+colorText(c.Color))
		}
		if c.Region != "" {
			lines = append(lines, tr("detail.region")+sep+regionText(c.Region))
		}
	}
	if vd.Temperature != nil {
		lines = append(lines, tr("detail.temperature")+sep+formatTemp(vd.Temperature))
	}
	if c := vd.Code; c != nil {
		if c.Proxy {
			if c.Relation != "" {
				lines = append(lines, tr1("detail.proxy_relation", "Relation", c.Relation))
			} else {
				lines = append(lines, tr("detail.proxy"))
			}
		}
		if c.Kind == checkpoint.KindCard {
			lines = append(lines, tr("detail.card"))
		}
		if c.Note != "" {
			lines = append(lines, c.Note)
		}
		lines = append(lines, factLines(c, vd.DecidedAt)...)
	}
	return lines
}

// detailTexts returns what the detail labels show (tests).
func (v *verdictView) detailTexts() []string {
	var out []string
	for _, o := range v.details.Objects {
		if l, ok := o.(*widget.Label); ok {
			out = append(out, l.Text)
		}
	}
	return out
}

// fitTextLayout sizes a single canvas.Text to fill its width, between min
// and max points, so the headline is as large as the panel allows.
type fitTextLayout struct{ min, max float32 }

func (f *fitTextLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		t, ok := o.(*canvas.Text)
		if !ok {
			o.Resize(size)
			continue
		}
		ts := f.max
		if t.Text != "" {
			w := fyne.MeasureText(t.Text, 100, t.TextStyle).Width
			if w > 0 {
				ts = min(f.max, max(f.min, 100*size.Width/w*0.98))
			}
			if h := fyne.MeasureText(t.Text, ts, t.TextStyle).Height; h > size.Height && size.Height > 0 {
				ts = max(f.min, ts*size.Height/h)
			}
		}
		if t.TextSize != ts {
			t.TextSize = ts
			t.Refresh()
		}
		t.Resize(size)
		t.Move(fyne.NewPos(0, 0))
	}
}

func (f *fitTextLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objs {
		if t, ok := o.(*canvas.Text); ok {
			s = s.Max(fyne.NewSize(fyne.MeasureText(t.Text, f.min, t.TextStyle).Width,
				fyne.MeasureText("Mg", f.max, t.TextStyle).Height))
		}
	}
	return s
}
