package main

import (
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/healthcode"
	"github.com/checkpoint-terminal/checkpoint/scanner/qr"
)

func TestIssueTextAndPNG(t *testing.T) {
	dir := operatorSetup(t)
	pngPath := filepath.Join(dir, "code.png")
	out := mustHctool(t, "issue", "--key", filepath.Join(dir, "issuer.key"), "--region", "110000", "--issuer", "BJHC",
		"--color", "red", "--kind", "card", "--holder", "李*", "--proxy-for", "grandmother", "--png", pngPath, "--size", "300")
	text := strings.TrimSpace(out)
	if !strings.HasPrefix(text, healthcode.Prefix) {
		t.Fatalf("printed %q", out)
	}
	d, err := healthcode.Inspect(text)
	if err != nil {
		t.Fatal(err)
	}
	c := d.Claims
	if c.Color != checkpoint.ColorRed || c.Kind != checkpoint.KindCard || !c.Proxy || c.Relation != "grandmother" ||
		c.ExpiresAt.Sub(c.IssuedAt) < 300*24*60*60e9 {
		t.Fatalf("claims %+v", c)
	}
	f, err := os.Open(pngPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := decodeImage(t, img); err != nil || got != text {
		t.Fatalf("PNG decodes to %q, %v", got, err)
	}
	if _, errs, code := hctool(t, "issue", "--key", filepath.Join(dir, "issuer.key"), "--region", "110000", "--issuer", "BJHC", "--color", "purple"); code == 0 || strings.Count(errs, "\n") != 1 {
		t.Fatalf("purple: exit %d %q", code, errs)
	}
}

func decodeImage(t *testing.T, img image.Image) (string, error) {
	t.Helper()
	d, err := qr.NewDecoder(qr.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	return d.DecodeImage(img)
}
