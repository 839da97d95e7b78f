package certlogic_test

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/checkpoint-terminal/checkpoint/internal/testenv"
	"github.com/checkpoint-terminal/checkpoint/rules/certlogic"
)

// suiteFile is either an evaluation suite (cases with assertions) or a
// validation suite (cases with the issues a validator must report).
type suiteFile struct {
	Name      string      `json:"name"`
	Directive string      `json:"directive"`
	Cases     []suiteCase `json:"cases"`
}

// present is a JSON value that remembers whether it was there at all (an
// expression may be the literal null, which must still be tested).
type present struct {
	set bool
	raw json.RawMessage
}

func (p *present) UnmarshalJSON(b []byte) error {
	p.set, p.raw = true, append(json.RawMessage(nil), b...)
	return nil
}

type suiteCase struct {
	Name       string  `json:"name"`
	Expr       present `json:"certLogicExpression"`
	Directive  string  `json:"directive"`
	Assertions []struct {
		Expr      present         `json:"certLogicExpression"`
		Data      json.RawMessage `json:"data"`
		Expected  json.RawMessage `json:"expected"`
		Directive string          `json:"directive"`
		Message   string          `json:"message"`
	} `json:"assertions"`
	Issues *[]struct {
		Message string `json:"message"`
	} `json:"issues"`
}

func decode(t *testing.T, raw json.RawMessage) any {
	t.Helper()
	var v any
	if len(raw) == 0 {
		return nil
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	return v
}

// plain turns date-times in a result into the ISO 8601 strings JavaScript's
// toISOString gives ("2021-06-01T00:00:00.000Z"), so that a suite may state
// an expected date-time as a string.
func plain(v any) any {
	switch x := v.(type) {
	case certlogic.DateTime:
		return x.String()
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = plain(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = plain(e)
		}
		return out
	}
	return v
}

// TestCertLogicSuite runs every JSON file of the CertLogic specification's
// test suites found under CHECKPOINT_TESTDATA/certlogic (any depth):
// evaluation assertions must produce the expected value, validation cases
// must be accepted exactly when they list no issues. Cases, files and
// assertions marked "skip" are counted apart. The figures are logged (see
// scripts/certlogic-suite.sh).
func TestCertLogicSuite(t *testing.T) {
	root := testenv.Data(t, "certlogic")
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".json") && !strings.HasSuffix(p, ".schema.json") {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var met, total, skipped, vMet, vTotal int
	for _, p := range files {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var f suiteFile
		if err := json.Unmarshal(raw, &f); err != nil || f.Cases == nil {
			continue // not a suite file (a schema, say)
		}
		rel, _ := filepath.Rel(root, p)
		for ci, c := range f.Cases {
			if c.Issues != nil { // validation suite
				if !c.Expr.set {
					t.Errorf("%s case %d: no certLogicExpression", rel, ci)
					continue
				}
				vTotal++
				issues := certlogic.Validate(decode(t, c.Expr.raw))
				if (len(issues) == 0) == (len(*c.Issues) == 0) {
					vMet++
				} else {
					t.Errorf("%s case %d %s: validator gave %v, suite expects %d issues %v", rel, ci, c.Expr.raw, issues, len(*c.Issues), *c.Issues)
				}
				continue
			}
			for ai, a := range c.Assertions {
				if f.Directive == "skip" || c.Directive == "skip" || a.Directive == "skip" {
					skipped++
					continue
				}
				total++
				exprRaw := c.Expr
				if a.Expr.set {
					exprRaw = a.Expr
				}
				if !exprRaw.set {
					t.Errorf("%s %q assertion %d: no expression", rel, c.Name, ai)
					continue
				}
				expr := decode(t, exprRaw.raw)
				got, err := certlogic.Evaluate(expr, decode(t, a.Data))
				want := decode(t, a.Expected)
				switch {
				case err != nil:
					t.Errorf("%s %q assertion %d (%s): %s on %s: error %v, want %s", rel, c.Name, ai, a.Message, exprRaw.raw, a.Data, err, a.Expected)
				case !reflect.DeepEqual(plain(got), want):
					t.Errorf("%s %q assertion %d (%s): %s on %s = %#v, want %s", rel, c.Name, ai, a.Message, exprRaw.raw, a.Data, got, a.Expected)
				default:
					met++
				}
			}
		}
	}
	if total+vTotal == 0 {
		t.Fatalf("no CertLogic suite assertions found under %s", root)
	}
	t.Logf("CertLogic evaluation suite: %d/%d assertions met (%d skipped as marked) in %d files", met, total, skipped, len(files))
	t.Logf("CertLogic validation suite: %d/%d cases met", vMet, vTotal)
}
