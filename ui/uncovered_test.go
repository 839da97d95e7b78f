package ui

import (
	"image"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"

	"github.com/checkpoint-terminal/checkpoint"
)

// uncovered is text beyond Latin and GB 2312 Chinese that a code may carry:
// Greek and Cyrillic (fyne's Noto Sans has them) and what neither bundled
// font has: Arabic, Devanagari, hanzi outside GB 2312, emoji (with a joiner,
// a skin tone and a flag), stacked combining marks. Built with
// scripts/go-tags the renderer has no system fonts to fall back to, so the
// latter are drawn as missing-glyph boxes: they must be drawn, and quickly.
var uncovered = []string{
	"Παπαδοπούλου*", // Greek (a DCC's standardised name is Latin, its name field need not be)
	"Иванова*",      // Cyrillic
	"محمد*",         // Arabic, right to left
	"देवी*",         // Devanagari
	"龘*䶮𠮷",          // hanzi outside GB 2312 (Ext A, Ext B)
	"👨‍👩‍👧 👍🏽 🇨🇳",   // emoji: ZWJ family, skin tone, flag
	"Z\u0351\u0352\u0353\u0354\u0355\u0356\u0357\u0358*", // stacked marks
}

// TestUncoveredTextIsDrawn draws a verdict whose claims are each string of
// uncovered, with the bundled CJK font, through fyne's software painter (the
// same shaping and glyph lookup as the window), in both languages.
func TestUncoveredTextIsDrawn(t *testing.T) {
	for _, lang := range []string{LangEnglish, LangChinese} {
		h := newHarness(t, func(c *Config, _ *Deps) { c.defaultFont = false; c.Settings.Language = lang })
		h.win.Resize(fyne.NewSize(800, 480)) // the screens' minimum: a third of the pixels to draw
		c := h.win.Canvas()
		show := func(claim string) image.Image {
			code := h.code(checkpoint.ColorGreen)
			code.Proxy = true
			code.HolderMasked = checkpoint.CleanText(claim, 0)
			code.Relation = checkpoint.CleanText(strings.Repeat(claim+" ", 40), 0)
			code.Note = checkpoint.CleanText(claim, 0)
			h.term.showVerdict(h.decide(code, 0, 36.5))
			h.shows(code.HolderMasked)
			return c.Capture()
		}
		blank := show("*")
		for _, s := range uncovered {
			start := time.Now()
			img := show(s)
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("%s %q: drawing took %v", lang, s, d)
			}
			if n := differing(blank, img); n < 50 {
				t.Errorf("%s %q: %d pixels differ from a blank claim: the text is not drawn", lang, s, n)
			}
		}
	}
}

// differing counts the pixels where a and b differ.
func differing(a, b image.Image) int {
	n := 0
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if a.At(x, y) != b.At(x, y) {
				n++
			}
		}
	}
	return n
}
