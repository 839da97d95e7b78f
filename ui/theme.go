package ui

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"
	"log/slog"
	"os"
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"github.com/checkpoint-terminal/checkpoint/assets"
)

// Size names of the terminal's own text sizes.
const (
	sizeReason   fyne.ThemeSizeName = "checkpoint.reason"
	sizeDetail   fyne.ThemeSizeName = "checkpoint.detail"
	sizeBig      fyne.ThemeSizeName = "checkpoint.big"
	sizeCounters fyne.ThemeSizeName = "checkpoint.counter"
)

// kioskTheme is fyne's dark theme with larger text and a CJK font. The font
// holds CJK glyphs only; fyne's renderer falls back per glyph to its own
// font for Latin text, digits and symbols.
type kioskTheme struct {
	cjk fyne.Resource
}

func (k kioskTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	return theme.DefaultTheme().Color(n, theme.VariantDark)
}

func (k kioskTheme) Font(s fyne.TextStyle) fyne.Resource {
	if s.Monospace || s.Symbol || k.cjk == nil {
		return theme.DefaultTheme().Font(s)
	}
	return k.cjk
}

func (k kioskTheme) Icon(n fyne.ThemeIconName) fyne.Resource { return theme.DefaultTheme().Icon(n) }

func (k kioskTheme) Size(n fyne.ThemeSizeName) float32 {
	switch n {
	case theme.SizeNameText:
		return 18
	case theme.SizeNameSubHeadingText:
		return 22
	case theme.SizeNameHeadingText:
		return 28
	case sizeReason:
		return 34
	case sizeDetail:
		return 24
	case sizeBig:
		return 44
	case sizeCounters:
		return 30
	}
	return theme.DefaultTheme().Size(n)
}

// errFontCollection: fyne panics on .ttc/.otc collections.
var errFontCollection = errors.New("font collections (.ttc) are not supported: use a single .ttf or .otf")

// checkFont accepts a single TrueType or OpenType font by its magic bytes.
func checkFont(b []byte) error {
	if len(b) < 4 {
		return errors.New("file too short for a font")
	}
	switch magic := b[:4]; {
	case bytes.Equal(magic, []byte("ttcf")):
		return errFontCollection
	case bytes.Equal(magic, []byte{0, 1, 0, 0}), bytes.Equal(magic, []byte("OTTO")), bytes.Equal(magic, []byte("true")):
		return nil
	}
	return fmt.Errorf("not a TrueType or OpenType font (magic % x)", b[:4])
}

// loadFont returns the font at path, or the bundled CJK font when path is
// empty or unusable (with a warning saying why).
func loadFont(path string, log *slog.Logger) fyne.Resource {
	bundled := fyne.NewStaticResource(assets.CJKFontName, assets.CJKFont)
	if path == "" {
		return bundled
	}
	b, err := os.ReadFile(path)
	if err == nil {
		err = checkFont(b)
	}
	if err != nil {
		log.Warn("font unusable, using the bundled CJK font", "path", path, "fallback", assets.CJKFontName, "err", err)
		return bundled
	}
	return fyne.NewStaticResource(filepath.Base(path), b)
}
