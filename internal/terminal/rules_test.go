package terminal

import (
	"context"
	"crypto"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint"
	"github.com/checkpoint-terminal/checkpoint/healthcode"
	"github.com/checkpoint-terminal/checkpoint/rules"
	"github.com/checkpoint-terminal/checkpoint/scanner/camera"
)

// noFrames is a camera that never delivers a frame.
type noFrames struct{}

func (noFrames) Next(ctx context.Context) (*camera.Frame, error) { <-ctx.Done(); return nil, ctx.Err() }
func (noFrames) Status() camera.Status                           { return camera.Status{} }
func (noFrames) Preview() (image.Image, time.Time)               { return nil, time.Time{} }
func (noFrames) Close() error                                    { return nil }

func writePEM(t *testing.T, path string, pub crypto.PublicKey) {
	t.Helper()
	b, err := healthcode.MarshalPublicKeyPEM(pub)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// A terminal seeded with a signed rule set (rules.file) decides the test
// code through it, explains it, and picks up a newer set the store receives
// (as a sync round installs it) without a restart.
func TestTerminalDecidesThroughStoredRuleSets(t *testing.T) {
	dir := t.TempDir()
	root, _ := healthcode.GenerateKey(healthcode.ES256)
	issuer, _ := healthcode.GenerateKey(healthcode.ES256)
	writePEM(t, filepath.Join(dir, "root.pub"), root.Public())
	entry, err := healthcode.NewKeyEntry(issuer.Public(), "110000", "BJHC")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	list, err := healthcode.SignTrustList(healthcode.TrustListDoc{Version: 1, IssuedAt: now.Add(-time.Hour), ExpiresAt: now.Add(time.Hour), Entries: []healthcode.TrustListEntry{entry}}, root)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "list.cose"), list, 0o644)
	b, _ := os.ReadFile(filepath.Join("..", "..", "rules", "examples", "vaccination-2.json"))
	set, err := rules.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	signed, err := rules.Sign(set, root)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "set.cose"), signed, 0o644)

	cfg := testConfig(t)
	cfg.Trust.Roots = []string{filepath.Join(dir, "root.pub")}
	cfg.Trust.TrustList = filepath.Join(dir, "list.cose")
	cfg.Rules.File, cfg.Rules.Region = filepath.Join(dir, "set.cose"), "110105"
	term, err := Build(context.Background(), cfg, Options{Frames: noFrames{}})
	if err != nil {
		t.Fatal(err)
	}
	defer term.Close()
	text, err := healthcode.Issue(healthcode.Claims{Issuer: "BJHC", Region: "110000", ID: healthcode.NewCodeID(), Color: checkpoint.ColorGreen,
		IssuedAt: now.Add(-time.Second), ExpiresAt: now.Add(5 * time.Minute), Kind: checkpoint.KindDynamic}, issuer)
	if err != nil {
		t.Fatal(err)
	}
	x := term.ExplainCode(text)
	if x.Verdict.Outcome != checkpoint.OutcomeDeny || x.Verdict.Reason != "vaccination_required" || x.Verdict.RuleSet != "vaccination-2@3" || x.Verdict.Rule != "VACCINATION-2" {
		t.Fatalf("test code: %s/%s by %s %s", x.Verdict.Outcome, x.Verdict.Reason, x.Verdict.RuleSet, x.Verdict.Rule)
	}
	if txt := x.Text("zh-CN"); !strings.Contains(txt, "VACCINATION-2 [命中] 须接种至少2剂疫苗") {
		t.Errorf("explanation:\n%s", txt)
	}
	// A newer set arrives in the store (as a sync round installs it).
	outdoor := rules.Default()
	outdoor.ID, outdoor.Version = "builtin-copy", 9
	signed9, err := rules.Sign(outdoor, root)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := term.Store.InstallRuleSet(signed9, term.Roots); err != nil {
		t.Fatal(err)
	}
	if v := term.TestCode(text); v.RuleSet != "builtin-copy@9" || v.Reason != checkpoint.ReasonNoTemperature {
		t.Errorf("after the new set: %s/%s by %s", v.Outcome, v.Reason, v.RuleSet)
	}
}
