package healthcode

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
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
// EXPECTEDRESULTS objects, "_2DCODE" for "2DCODE", the misspelt
// "EXPTECTEDEXPIRED", expectations written as strings, clocks without a
// zone or with microseconds, and pictures beside the case all occur in the
// public corpus.
type dccCase struct {
	prefix string
	// start is the first layer the case gives: the QR text (PREFIX, or the
	// picture's text), else BASE45, COMPRESSED or COSE (hex).
	start    string
	b45      string
	raw      []byte // COMPRESSED or COSE bytes when the case starts there
	png      []byte
	certDER  []byte
	clock    time.Time
	hasClock bool
	expected map[string]bool
}

// dccExpectations are the checks the suite runs, in pipeline order.
var dccExpectations = []string{
	"EXPECTEDPICTUREDECODE", "EXPECTEDUNPREFIX", "EXPECTEDB45DECODE", "EXPECTEDCOMPRESSION",
	"EXPECTEDDECODE", "EXPECTEDVERIFY", "EXPECTEDEXPIRATIONCHECK", "EXPECTEDKEYUSAGE",
	"EXPECTEDVALIDOBJECT", "EXPECTEDVALIDJSON", "EXPECTEDSCHEMAVALIDATION",
}

// dccDataChecks judges the checks on the decoded certificate itself:
// EXPECTEDVALIDOBJECT, the eu_dgc_v1 map decodes into the certificate's
// fields with their types; EXPECTEDVALIDJSON, it converts to a JSON object;
// EXPECTEDSCHEMAVALIDATION, the rules the verifier applies to its content
// hold (fields of the schema's types, entries of exactly one type) and the
// fields every schema version requires are present. The last is not a full
// JSON-schema validation: value sets and patterns are not checked.
func dccDataChecks(claims *cwtClaims, got map[string]bool) {
	raw, err := hcertPayload(claims)
	if err != nil {
		return
	}
	var d dgc
	got["EXPECTEDVALIDOBJECT"] = cborDec.Unmarshal(raw, &d) == nil
	var v any
	if cborDec.Unmarshal(raw, &v) == nil {
		b, err := json.Marshal(textKeys(v))
		got["EXPECTEDVALIDJSON"] = err == nil && len(b) > 0 && b[0] == '{'
	}
	_, err = decodeDGC(claims)
	got["EXPECTEDSCHEMAVALIDATION"] = err == nil && dgcRequiredFields(v) == nil
}

// dgcRequiredFields checks the fields every eu_dgc_v1 schema version
// (1.0.0 to 1.3.x) requires: ver, nam with fnt, dob, and per entry type the
// fields all versions require of it.
func dgcRequiredFields(v any) error {
	m, ok := v.(map[any]any)
	if !ok {
		return errors.New("not a map")
	}
	nam, _ := m["nam"].(map[any]any)
	for _, k := range []string{"ver", "dob"} {
		if _, ok := m[k].(string); !ok {
			return fmt.Errorf("no %s", k)
		}
	}
	if _, ok := nam["fnt"].(string); !ok {
		return errors.New("no nam.fnt")
	}
	need := map[string][]string{
		"v": {"tg", "vp", "mp", "ma", "dn", "sd", "dt", "co", "is", "ci"},
		"t": {"tg", "tt", "sc", "tr", "co", "is", "ci"},
		"r": {"tg", "fr", "df", "du", "co", "is", "ci"},
	}
	for typ, fields := range need {
		entries, _ := m[typ].([]any)
		for i, e := range entries {
			em, ok := e.(map[any]any)
			if !ok {
				return fmt.Errorf("%s[%d] is not a map", typ, i)
			}
			for _, f := range fields {
				if _, ok := em[f]; !ok {
					return fmt.Errorf("%s[%d] has no %s", typ, i, f)
				}
			}
		}
	}
	return nil
}

// dccCaseFiles finds every case under root: each .json file below a
// "2DCode" folder (<COUNTRY>/2DCode/raw/*.json in dgc-testdata), at any
// depth and in any letter case.
func dccCaseFiles(root string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.EqualFold(filepath.Ext(path), ".json") {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		for _, seg := range strings.Split(filepath.ToSlash(filepath.Dir(rel)), "/") {
			if strings.EqualFold(seg, "2DCode") {
				files = append(files, path)
				break
			}
		}
		return nil
	})
	sort.Strings(files)
	return files, err
}

// caseBool reads an expectation: a JSON boolean, or "true"/"false".
func caseBool(v any) (bool, bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	return false, false
}

// caseBase64 decodes base64 as cases write it: standard or URL alphabet,
// padded or not, with line breaks, PEM armour or a data: URL prefix.
func caseBase64(s string) ([]byte, error) {
	if i := strings.Index(s, "base64,"); i >= 0 && strings.HasPrefix(s, "data:") {
		s = s[i+len("base64,"):]
	}
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "-----") {
			continue
		}
		b.WriteString(strings.Map(func(r rune) rune {
			if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
				return -1
			}
			return r
		}, line))
	}
	s = strings.TrimRight(b.String(), "=")
	if out, err := base64.RawStdEncoding.DecodeString(s); err == nil {
		return out, nil
	}
	return base64.RawURLEncoding.DecodeString(s)
}

// caseClock reads VALIDATIONCLOCK (or validationClockInstant): an ISO 8601
// date-time with or without zone (none is UTC) and fraction, or a number of
// seconds (milliseconds above 1e11) since the epoch.
func caseClock(v any) (time.Time, error) {
	switch x := v.(type) {
	case string:
		return parseDCCTime(x)
	case float64:
		if x > 1e11 {
			return time.UnixMilli(int64(x)).UTC(), nil
		}
		return time.Unix(int64(x), 0).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("clock %v is neither a date-time nor a number", v)
}

func loadDCCCase(path string) (*dccCase, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("not a JSON object: %w", err)
	}
	c := &dccCase{expected: map[string]bool{}}
	c.prefix, _ = doc["PREFIX"].(string)
	c.prefix = strings.TrimRight(c.prefix, "\r\n")
	for _, k := range []string{"2DCODE", "_2DCODE"} {
		if s, ok := doc[k].(string); ok && s != "" {
			if c.png, err = caseBase64(s); err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
		}
	}
	if c.png == nil {
		// Some countries ship the picture beside the case instead of inside
		// it: <COUNTRY>/png/<name>.png or <COUNTRY>/2DCode/png/<name>.png
		// for <COUNTRY>/2DCode/raw/<name>[_Raw].json, the name in any
		// letter case and with '-' or '_' alike.
		norm := func(name string) string {
			name = strings.TrimSuffix(name, filepath.Ext(name))
			return strings.ReplaceAll(strings.ToLower(strings.TrimSuffix(name, "_Raw")), "-", "_")
		}
		stem := norm(filepath.Base(path))
		for _, dir := range []string{filepath.Join("..", "..", "png"), filepath.Join("..", "png")} {
			dir = filepath.Join(filepath.Dir(path), dir)
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if c.png == nil && strings.EqualFold(filepath.Ext(e.Name()), ".png") && norm(e.Name()) == stem {
					c.png, _ = os.ReadFile(filepath.Join(dir, e.Name()))
				}
			}
		}
	}
	ctx, _ := doc["TESTCTX"].(map[string]any)
	if s, ok := ctx["CERTIFICATE"].(string); ok && strings.TrimSpace(s) != "" {
		if c.certDER, err = caseBase64(s); err != nil {
			return nil, fmt.Errorf("certificate: %w", err)
		}
	}
	for _, k := range []string{"VALIDATIONCLOCK", "validationClockInstant"} {
		if v, ok := ctx[k]; ok && v != nil && v != "" {
			if c.clock, err = caseClock(v); err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			c.hasClock = true
			break
		}
	}
	var misspelt, hasMisspelt bool
	var walk func(m map[string]any)
	walk = func(m map[string]any) {
		for k, v := range m {
			if x, ok := v.(map[string]any); ok {
				walk(x)
				continue
			}
			b, ok := caseBool(v)
			if !ok {
				continue
			}
			if k == "EXPTECTEDEXPIRED" {
				// Misspelt in the corpus for EXPECTEDEXPIRATIONCHECK
				// (true where the certificate is within its validity).
				misspelt, hasMisspelt = b, true
				continue
			}
			c.expected[k] = b
		}
	}
	if er, ok := doc["EXPECTEDRESULTS"].(map[string]any); ok {
		walk(er)
	}
	if _, ok := c.expected["EXPECTEDEXPIRATIONCHECK"]; hasMisspelt && !ok {
		c.expected["EXPECTEDEXPIRATIONCHECK"] = misspelt
	}
	// The first layer the case gives.
	hexField := func(k string) []byte {
		s, _ := doc[k].(string)
		b, err := hex.DecodeString(strings.TrimSpace(s))
		if err != nil || len(b) == 0 {
			return nil
		}
		return b
	}
	switch {
	case c.prefix != "":
		c.start = "PREFIX"
	case c.png != nil:
		c.start = "2DCODE"
		if c.prefix, err = decodePNG(c.png); err != nil {
			return nil, fmt.Errorf("no PREFIX and the picture does not decode: %w", err)
		}
	case doc["BASE45"] != nil && doc["BASE45"] != "":
		c.start = "BASE45"
		c.b45, _ = doc["BASE45"].(string)
	case hexField("COMPRESSED") != nil:
		c.start, c.raw = "COMPRESSED", hexField("COMPRESSED")
	case hexField("COSE") != nil:
		c.start, c.raw = "COSE", hexField("COSE")
	default:
		return nil, errors.New("no input: none of PREFIX, 2DCODE, BASE45, COMPRESSED, COSE")
	}
	return c, nil
}

// applies reports whether expectation k can be judged for c: the case
// gives an input at or before the layer k checks, and a picture for the
// picture check, and a clock for the expiration check.
func (c *dccCase) applies(k string) bool {
	layer := map[string]int{"EXPECTEDPICTUREDECODE": 0, "EXPECTEDUNPREFIX": 1, "EXPECTEDB45DECODE": 2, "EXPECTEDCOMPRESSION": 3}
	start := map[string]int{"PREFIX": 1, "2DCODE": 1, "BASE45": 2, "COMPRESSED": 3, "COSE": 4}[c.start]
	switch {
	case k == "EXPECTEDPICTUREDECODE":
		return c.png != nil
	case k == "EXPECTEDEXPIRATIONCHECK":
		return c.hasClock
	}
	if l, ok := layer[k]; ok {
		return l >= start
	}
	return true
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
	var inflated []byte
	switch c.start {
	case "COSE":
		inflated = c.raw
	case "COMPRESSED":
		var err error
		inflated, err = inflate(c.raw)
		got["EXPECTEDCOMPRESSION"] = err == nil
		if err != nil {
			return got
		}
	default:
		b45text := c.b45
		if c.start != "BASE45" {
			var format checkpoint.Format
			var err error
			format, b45text, err = splitPrefix(c.prefix)
			got["EXPECTEDUNPREFIX"] = err == nil && format == checkpoint.FormatDCC
			if err != nil {
				// The later layers are judged on the text as it stands.
				b45text = c.prefix
			}
		}
		compressed, err := b45.Decode(b45text)
		got["EXPECTEDB45DECODE"] = err == nil
		if err != nil {
			return got
		}
		inflated, err = inflate(compressed)
		got["EXPECTEDCOMPRESSION"] = err == nil
		if err != nil {
			return got
		}
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
	dccDataChecks(claims, got)

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

// TestDCCSuite runs every case of the dgc-testdata layout under
// CHECKPOINT_TESTDATA/dcc and meets every expectation a case states; a case
// that cannot be loaded fails the test. The table counts cases found and
// loaded, and per expectation how many were met of those stated, and how
// many were stated but cannot be judged (no picture, no clock, or the case
// starts after that layer).
//
// CHECKPOINT_DCC names another folder of the same layout (a checkout of
// dgc-testdata, say) instead of CHECKPOINT_TESTDATA/dcc.
func TestDCCSuite(t *testing.T) {
	root := os.Getenv("CHECKPOINT_DCC")
	if root == "" {
		root = testenv.Data(t, "dcc")
	} else if _, err := os.Stat(root); err != nil {
		t.Fatalf("CHECKPOINT_DCC: %v", err)
	}
	files, err := dccCaseFiles(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no cases (*.json below a 2DCode folder) under %s", root)
	}
	stated := map[string]int{}
	met := map[string]int{}
	na := map[string]int{}
	var misses, unloadable []string
	loaded := 0
	for _, f := range files {
		name, _ := filepath.Rel(root, f)
		c, err := loadDCCCase(f)
		if err != nil {
			unloadable = append(unloadable, fmt.Sprintf("%s: cannot load the case: %v", name, err))
			continue
		}
		loaded++
		got := dccResults(c)
		if c.start == "PREFIX" || c.start == "2DCODE" {
			if msg := fullPipelineAgrees(c); msg != "" {
				misses = append(misses, name+" "+msg)
			}
		}
		for _, k := range dccExpectations {
			want, ok := c.expected[k]
			if !ok {
				continue
			}
			if !c.applies(k) {
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
	fmt.Fprintf(&tbl, "DCC suite under %s: %d cases found, %d loaded, %d not loadable, 0 skipped\n", root, len(files), loaded, len(unloadable))
	fmt.Fprintf(&tbl, "%-26s %5s / %-6s %s\n", "expectation", "met", "stated", "n/a (stated; no picture, no clock, or input after this layer)")
	totalMet, totalStated := 0, 0
	for _, k := range dccExpectations {
		fmt.Fprintf(&tbl, "%-26s %5d / %-6d %d\n", k, met[k], stated[k], na[k])
		totalMet += met[k]
		totalStated += stated[k]
	}
	fmt.Fprintf(&tbl, "%-26s %5d / %-6d\n", "total", totalMet, totalStated)
	t.Log("\n" + tbl.String())
	for _, m := range unloadable {
		t.Error(m)
	}
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

// TestDCCCaseLoader reads the forms other countries' cases take: a clock
// without zone and with microseconds, expectations nested, misspelt or
// written as strings, a BOM, the picture beside the case under another
// spelling; a case that cannot be loaded is an error, never skipped.
func TestDCCCaseLoader(t *testing.T) {
	root := t.TempDir()
	dsc := newDSC(t)
	text := dsc.dccText(t, vaccination(2, 2, "2026-01-01"), t0.AddDate(0, -1, 0), t0.AddDate(1, 0, 0))
	write := func(rel, content string) string {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cert := base64.StdEncoding.EncodeToString(dsc.der)
	ok := write("XX/2DCode/raw/case-1_Raw.json", "\xef\xbb\xbf"+`{"PREFIX": "`+text+"\\n"+`", "TESTCTX": {"CERTIFICATE": "`+cert+`", "VALIDATIONCLOCK": "2026-11-23T08:00:00.123456"},
		"EXPECTEDRESULTS": {"EXPECTEDVERIFY": "true", "nested": {"EXPTECTEDEXPIRED": true}, "EXPECTEDKEYUSAGE": true}}`)
	write("XX/png/CASE_1.png", "not a png")
	noZone := write("YY/sub/2DCode/raw/2.json", `{"COSE": "d28443a10126a0404100", "TESTCTX": {"VALIDATIONCLOCK": "2021-05-25 12:00:00"}, "EXPECTEDRESULTS": {"EXPECTEDDECODE": false, "EXPECTEDUNPREFIX": true}}`)
	bad := write("ZZ/2DCode/raw/3.json", `{"PREFIX": "HC1:...", "TESTCTX": {"VALIDATIONCLOCK": "yesterday"}}`)
	write("ZZ/notes.json", `{"not": "a case"}`)

	files, err := dccCaseFiles(root)
	if err != nil || len(files) != 3 {
		t.Fatalf("found %v (%v), want the 3 files below 2DCode folders", files, err)
	}
	c, err := loadDCCCase(ok)
	if err != nil {
		t.Fatal(err)
	}
	if c.prefix != text || !c.clock.Equal(t0.Add(123456*time.Microsecond)) || c.png == nil || c.certDER == nil ||
		!c.expected["EXPECTEDVERIFY"] || !c.expected["EXPECTEDEXPIRATIONCHECK"] || !c.expected["EXPECTEDKEYUSAGE"] {
		t.Fatalf("case read as %+v", c)
	}
	got := dccResults(c)
	for _, k := range []string{"EXPECTEDVERIFY", "EXPECTEDEXPIRATIONCHECK", "EXPECTEDKEYUSAGE"} {
		if !got[k] {
			t.Errorf("%s not met", k)
		}
	}
	c, err = loadDCCCase(noZone)
	if err != nil {
		t.Fatal(err)
	}
	if c.start != "COSE" || !c.clock.Equal(time.Date(2021, 5, 25, 12, 0, 0, 0, time.UTC)) || c.applies("EXPECTEDUNPREFIX") || !c.applies("EXPECTEDDECODE") {
		t.Fatalf("COSE-only case read as %+v", c)
	}
	if _, err := loadDCCCase(bad); err == nil {
		t.Fatal("a case with an unreadable clock loaded")
	}
}
