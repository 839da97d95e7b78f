package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/checkpoint-terminal/checkpoint/rules"
)

func TestRulesSignTestExplain(t *testing.T) {
	dir := operatorSetup(t)
	rootKey, rootPub, list := filepath.Join(dir, "root.key"), filepath.Join(dir, "root.pub"), filepath.Join(dir, "list.cose")
	example := filepath.Join("..", "..", "rules", "examples", "vaccination-2.json")
	signed := filepath.Join(dir, "vacc.cose")

	out := mustHctool(t, "rules", "sign", "--root", rootKey, "--out", signed, example)
	if !strings.Contains(out, "signed vaccination-2@3") {
		t.Errorf("sign: %s", out)
	}
	out = mustHctool(t, "rules", "test", "--root-pub", rootPub, signed)
	if !strings.Contains(out, "vaccination-2@3: 4/4 test cases pass") {
		t.Errorf("test of the signed set: %s", out)
	}
	// A signed set checked against the wrong root is refused.
	if _, errs, code := hctool(t, "rules", "test", "--root-pub", filepath.Join(dir, "issuer.pub"), signed); code != 1 || errs == "" {
		t.Errorf("wrong root: exit %d %q", code, errs)
	}
	// A set whose own case is wrong: test lists it and fails, sign refuses.
	b, _ := os.ReadFile(example)
	s, err := rules.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	s.Tests[0].Expect.Result = rules.Deny
	broken := filepath.Join(dir, "broken.json")
	b, _ = json.Marshal(s)
	os.WriteFile(broken, b, 0o644)
	out, _, code := hctool(t, "rules", "test", broken)
	if code != 1 || !strings.Contains(out, "FAIL  green, 2 doses") || !strings.Contains(out, "3/4 test cases pass") {
		t.Errorf("broken set: exit %d\n%s", code, out)
	}
	if _, errs, code := hctool(t, "rules", "sign", "--root", rootKey, "--out", filepath.Join(dir, "b.cose"), broken); code != 1 || !strings.Contains(errs, "fails its own tests") {
		t.Errorf("sign of a broken set: exit %d %q", code, errs)
	}

	// explain: a green code without vaccination facts, 36.6 °C.
	text := strings.TrimSpace(mustHctool(t, "issue", "--key", filepath.Join(dir, "issuer.key"), "--region", "110000", "--issuer", "BJHC", "--color", "green"))
	out = mustHctool(t, "rules", "explain", "--rules", signed, "--trustlist", list, "--root-pub", rootPub, "--temp", "36.6", "--context", text)
	for _, want := range []string{"Verdict: DENY (vaccination_required)", "Rule set vaccination-2@3", "=> VACCINATION-2 [fired] At least 2 doses", "YELLOW [false]", `"deci_celsius": 366`} {
		if !strings.Contains(out, want) {
			t.Errorf("explain lacks %q:\n%s", want, out)
		}
	}
	out = mustHctool(t, "rules", "explain", "--trustlist", list, "--root-pub", rootPub, "--temp", "37.9", "--lang", "zh-CN", text)
	if !strings.Contains(out, "结果： RECHECK (fever)") || !strings.Contains(out, "FEVER [命中]") {
		t.Errorf("explain with the built-in set, zh-CN:\n%s", out)
	}
	out = mustHctool(t, "rules", "explain", "--rules", signed, "--trustlist", list, "--root-pub", rootPub, "not a code")
	if !strings.Contains(out, "DENY") || !strings.Contains(out, "built-in policy") {
		t.Errorf("explain of garbage:\n%s", out)
	}
}

func TestIssueWithTestAndVaccination(t *testing.T) {
	dir := operatorSetup(t)
	list, rootPub := filepath.Join(dir, "list.cose"), filepath.Join(dir, "root.pub")
	text := strings.TrimSpace(mustHctool(t, "issue", "--key", filepath.Join(dir, "issuer.key"), "--region", "110000", "--issuer", "BJHC",
		"--test-sampled", "26h", "--vacc-doses", "3", "--vacc-series", "2", "--vacc-last", "2026-03-01"))
	out := mustHctool(t, "verify", "--trustlist", list, "--root-pub", rootPub, text)
	for _, want := range []string{"test:        nucleic_acid negative, sampled", "vaccination: 3 dose(s) of 2, last 2026-03-01", "VALID"} {
		if !strings.Contains(out, want) {
			t.Errorf("verify lacks %q:\n%s", want, out)
		}
	}
	for _, bad := range [][]string{
		{"--test-sampled", "yesterday"},
		{"--test-sampled", "2h", "--test-result", "unclear"},
		{"--vacc-doses", "2"}, // no date of the last dose
		{"--vacc-doses", "1", "--vacc-last", "01/03/2026"},
	} {
		args := append([]string{"issue", "--key", filepath.Join(dir, "issuer.key"), "--region", "110000", "--issuer", "BJHC"}, bad...)
		if _, errs, code := hctool(t, args...); code != 1 || errs == "" {
			t.Errorf("%v: exit %d %q", bad, code, errs)
		}
	}
	// The vaccination example set, explained for this code: passes.
	example := filepath.Join("..", "..", "rules", "examples", "vaccination-2.json")
	out = mustHctool(t, "rules", "explain", "--rules", example, "--trustlist", list, "--root-pub", rootPub, "--temp", "36.5", text)
	if !strings.Contains(out, "Verdict: PASS (green)") {
		t.Errorf("explain:\n%s", out)
	}
}
