package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/healthcode"
	"github.com/checkpoint-terminal/checkpoint/scanner/videogen"
)

// TestScanPrintsOnePresentationPerPerson runs hctool scan on a video with
// a signed trust list and its root key, as an integrator would.
func TestScanPrintsOnePresentationPerPerson(t *testing.T) {
	dir := t.TempDir()
	root, err := healthcode.GenerateKey(healthcode.ES256)
	if err != nil {
		t.Fatal(err)
	}
	issuerKey, err := healthcode.GenerateKey(healthcode.ES256)
	if err != nil {
		t.Fatal(err)
	}
	entry, err := healthcode.NewKeyEntry(issuerKey.Public(), "310000", "SHHC")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	signed, err := healthcode.SignTrustList(healthcode.TrustListDoc{Version: 1, IssuedAt: now.Add(-time.Hour), ExpiresAt: now.Add(24 * time.Hour), Entries: []healthcode.TrustListEntry{entry}}, root)
	if err != nil {
		t.Fatal(err)
	}
	rootPEM, err := healthcode.MarshalPublicKeyPEM(root.Public())
	if err != nil {
		t.Fatal(err)
	}
	trustPath, rootPath := filepath.Join(dir, "trust.bin"), filepath.Join(dir, "root.pem")
	if err := os.WriteFile(trustPath, signed, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(rootPath, rootPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	var ids []string
	var scenes []videogen.Scene
	for i, color := range []checkpoint.Color{checkpoint.ColorGreen, checkpoint.ColorRed} {
		id := healthcode.NewCodeID()
		ids = append(ids, id)
		text, err := healthcode.Issue(healthcode.Claims{Issuer: "SHHC", Region: "310000", ID: id, Color: color,
			IssuedAt: now.Add(-time.Minute), ExpiresAt: now.Add(time.Hour), Kind: checkpoint.KindDynamic}, issuerKey)
		if err != nil {
			t.Fatal(err)
		}
		scenes = append(scenes, videogen.Scene{Frames: 4}, videogen.Scene{Text: text, Frames: 8, Size: 0.7, Rotate: float64(10 * i)})
	}
	video := filepath.Join(dir, "v.avi")
	if err := videogen.WriteVideo(video, scenes, videogen.Options{}); err != nil {
		t.Fatal(err)
	}

	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(t.Context(), 40*time.Second)
	defer cancel()
	if code := run(ctx, []string{"scan", "-trust", trustPath, "-root", rootPath, video}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d lines, want 2:\n%s", len(lines), out.String())
	}
	for i, l := range lines {
		var p checkpoint.Presentation
		if err := json.Unmarshal([]byte(l), &p); err != nil {
			t.Fatalf("line %d is not a presentation: %v: %s", i, err, l)
		}
		if !p.Verified() || p.Code.ID != ids[i] || p.CapturedAt.IsZero() {
			t.Errorf("line %d: %s, want verified code %s with a capture time", i, l, ids[i])
		}
	}

	errb.Reset()
	if code := run(ctx, []string{"scan", video}, &out, &errb); code == 0 || !strings.Contains(errb.String(), "-trust") {
		t.Errorf("scan without a trust list: exit %d, stderr %q", code, errb.String())
	}
}
