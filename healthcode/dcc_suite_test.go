package healthcode

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	_ "image/png"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/checkpoint-terminal/checkpoint/scanner/qr"

	"github.com/checkpoint-terminal/checkpoint"
	b45 "github.com/checkpoint-terminal/checkpoint/healthcode/base45"
	"github.com/checkpoint-terminal/checkpoint/internal/testenv"
)

// dccCase is one dgc-testdata case, read tolerantly: a UTF-8 BOM, nested
// EXPECTEDRESULTS objects, "_2DCODE" for "2DCODE" and the misspelt
// "EXPTECTEDEXPIRED" all occur in the public corpus.
type dccCase struct {
	prefix   string
	png      []byte
	certDER  []byte
	clock    time.Time
	expected map[string]bool
}

// dccExpectations are the checks the suite runs, in pipeline order.
var dccExpectations = []string{
	"EXPECTEDPICTUREDECODE", "EXPECTEDUNPREFIX", "EXPECTEDB45DECODE", "EXPECTEDCOMPRESSION",
	"EXPECTEDDECODE", "EXPECTEDVERIFY", "EXPECTEDEXPIRATIONCHECK", "EXPECTEDKEYUSAGE",
}

func loadDCCCase(path string) (*dccCase, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	c := &dccCase{expected: map[string]bool{}}
	c.prefix, _ = doc["PREFIX"].(string)
	for _, k := range []string{"2DCODE", "_2DCODE"} {
		if s, ok := doc[k].(string); ok && s != "" {
			if c.png, err = base64.StdEncoding.DecodeString(s); err != nil {
				return nil, fmt.Errorf("%s: %s: %w", path, k, err)
			}
		}
	}
	if c.png == nil {
		// Some countries ship the picture beside the case instead of inside
		// it: <COUNTRY>/png/<name>.png for <COUNTRY>/2DCode/raw/<name>[_Raw].json.
		stem := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(path), ".json"), "_Raw")
		if b, err := os.ReadFile(filepath.Join(filepath.Dir(path), "..", "..", "png", stem+".png")); err == nil {
			c.png = b
		}
	}
	ctx, _ := doc["TESTCTX"].(map[string]any)
	if s, ok := ctx["CERTIFICATE"].(string); ok && s != "" {
		if c.certDER, err = base64.StdEncoding.DecodeString(s); err != nil {
			return nil, fmt.Errorf("%s: certificate: %w", path, err)
		}
	}
	if s, ok := ctx["VALIDATIONCLOCK"].(string); ok {
		if c.clock, err = parseDCCTime(s); err != nil {
			return nil, fmt.Errorf("%s: clock: %w", path, err)
		}
	}
	var misspelt, hasMisspelt bool
	var walk func(m map[string]any)
	walk = func(m map[string]any) {
		for k, v := range m {
			switch x := v.(type) {
			case map[string]any:
				walk(x)
			case bool:
				if k == "EXPTECTEDEXPIRED" {
					// Misspelt in the corpus for EXPECTEDEXPIRATIONCHECK
					// (true where the certificate is within its validity).
					misspelt, hasMisspelt = x, true
					continue
				}
				c.expected[k] = x
			}
		}
	}
	if er, ok := doc["EXPECTEDRESULTS"].(map[string]any); ok {
		walk(er)
	}
	if _, ok := c.expected["EXPECTEDEXPIRATIONCHECK"]; hasMisspelt && !ok {
		c.expected["EXPECTEDEXPIRATIONCHECK"] = misspelt
	}
	return c, nil
}

// dccResults runs each check of the pipeline on its own, so that every
// stated expectation can be compared even when an earlier one fails. A
// check that cannot run because an earlier layer failed did not pass.
func dccResults(c *dccCase) map[string]bool {
	got := map[string]bool{}
	for _, k := range dccExpectations {
		got[k] = false
	}
	if c.png != nil {
		text, err := decodePNG(c.png)
		got["EXPECTEDPICTUREDECODE"] = err == nil && text == c.prefix
	}
	format, b45text, err := splitPrefix(c.prefix)
	got["EXPECTEDUNPREFIX"] = err == nil && format == checkpoint.FormatDCC
	if err != nil {
		// The later layers are judged on the text as it stands.
		b45text = c.prefix
	}
	compressed, err := b45.Decode(b45text)
	got["EXPECTEDB45DECODE"] = err == nil
	if err != nil {
		return got
	}
	inflated, err := inflate(compressed)
	got["EXPECTEDCOMPRESSION"] = err == nil
	if err != nil {
		return got
	}
	env, err := parseCOSE(inflated, cborDec, true)
	var claims *cwtClaims
	if err == nil {
		env.format = checkpoint.FormatDCC
		claims, err = decodePayload(env)
	}
	got["EXPECTEDDECODE"] = err == nil
	if err != nil {
		return got
	}

	var trust *TrustList
	if c.certDER != nil {
		e, err := NewCertificateEntry(c.certDER, "")
		if err == nil {
			trust, err = NewTrustList(e)
		}
		if err != nil {
			got["EXPECTEDVERIFY"] = false
			return got
		}
	}
	v := NewVerifier(trust, nil, checkpoint.ClockFunc(func() time.Time { return c.clock }), Options{})
	key, err := v.checkSignature(env)
	got["EXPECTEDVERIFY"] = err == nil
	if err != nil {
		return got
	}
	r := &verified{key: key}
	if claims.Iat != nil {
		r.iat, r.hasIat = claims.Iat.t, true
	}
	if claims.Exp != nil {
		r.exp, r.hasExp = claims.Exp.t, true
	}
	got["EXPECTEDEXPIRATIONCHECK"] = v.checkDCCTimes(r, c.clock) == nil
	d, err := decodeDGC(claims)
	if err == nil {
		err = checkKeyUsage(key.Certificate, d.kind())
	}
	got["EXPECTEDKEYUSAGE"] = err == nil
	return got
}

func decodePNG(b []byte) (string, error) {
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return "", err
	}
	d, err := qr.NewDecoder(qr.DefaultOptions())
	if err != nil {
		return "", err
	}
	defer d.Close()
	return d.DecodeImage(img)
}

func TestDCCSuite(t *testing.T) {
	root := testenv.Data(t, "dcc")
	files, err := filepath.Glob(filepath.Join(root, "*", "2DCode", "raw", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no cases under %s", root)
	}
	sort.Strings(files)
	stated := map[string]int{}
	met := map[string]int{}
	// A case stating EXPECTEDPICTUREDECODE without carrying a picture
	// cannot be checked; it is counted as not applicable, not as met.
	na := map[string]int{}
	var misses []string
	for _, f := range files {
		name, _ := filepath.Rel(root, f)
		c, err := loadDCCCase(f)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		got := dccResults(c)
		if msg := fullPipelineAgrees(c); msg != "" {
			misses = append(misses, name+" "+msg)
		}
		for _, k := range dccExpectations {
			want, ok := c.expected[k]
			if !ok {
				continue
			}
			if k == "EXPECTEDPICTUREDECODE" && c.png == nil {
				na[k]++
				continue
			}
			stated[k]++
			if got[k] == want {
				met[k]++
				continue
			}
			misses = append(misses, fmt.Sprintf("%s %s: want %v, got %v", name, k, want, got[k]))
		}
	}
	var tbl strings.Builder
	fmt.Fprintf(&tbl, "DCC suite, %d cases\n%-26s %5s / %-6s %s\n", len(files), "expectation", "met", "stated", "n/a (stated, no picture in the case)")
	totalMet, totalStated := 0, 0
	for _, k := range dccExpectations {
		fmt.Fprintf(&tbl, "%-26s %5d / %-6d %d\n", k, met[k], stated[k], na[k])
		totalMet += met[k]
		totalStated += stated[k]
	}
	fmt.Fprintf(&tbl, "%-26s %5d / %-6d\n", "total", totalMet, totalStated)
	t.Log("\n" + tbl.String())
	for _, m := range misses {
		t.Error(m)
	}
}

// fullPipelineAgrees runs the Verifier itself on the case: a case that
// states a failing signature, validity or key usage must be refused for
// that reason class; a case that states at least verification and validity
// and only true expectations must verify, or be refused only by the site
// policy or the schema.
func fullPipelineAgrees(c *dccCase) string {
	if c.certDER == nil {
		return ""
	}
	e, err := NewCertificateEntry(c.certDER, "")
	if err != nil {
		return ""
	}
	tl, err := NewTrustList(e)
	if err != nil {
		return "trust list: " + err.Error()
	}
	v := NewVerifier(tl, NewMemoryRevocations(), checkpoint.ClockFunc(func() time.Time { return c.clock }), Options{CacheSize: -1})
	code, err := v.Verify(c.prefix)
	var ve *checkpoint.VerifyError
	if err != nil && !errors.As(err, &ve) {
		return fmt.Sprintf("Verify returned %T, not *checkpoint.VerifyError", err)
	}
	allTrue, anyFalse := true, false
	for _, k := range dccExpectations[1:] { // the picture is not the text
		if want, ok := c.expected[k]; ok {
			allTrue = allTrue && want
			anyFalse = anyFalse || !want
		}
	}
	switch {
	case anyFalse && err == nil:
		return "Verify accepted a case that states a failing check"
	case allTrue && !anyFalse && err != nil && ve.Failure != checkpoint.FailNotAccepted && ve.Failure != checkpoint.FailInvalidClaims:
		if c.expected["EXPECTEDVERIFY"] && c.expected["EXPECTEDEXPIRATIONCHECK"] {
			return "Verify refused a case whose stated checks all pass: " + err.Error()
		}
	case err == nil && (code.Format != checkpoint.FormatDCC || code.Color != checkpoint.ColorGreen || code.Kind != checkpoint.KindCard || code.ID == ""):
		return fmt.Sprintf("verified DCC mapped to %+v", code)
	}
	return ""
}
