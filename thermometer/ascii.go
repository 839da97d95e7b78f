package thermometer

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// Errors a LineParser returns; the sensor counts each kind apart (see
// Counters). None of them is ever turned into a temperature.
var (
	// ErrNoValue means an ASCII line held no temperature.
	ErrNoValue = errors.New("no temperature in line")
	// ErrAmbiguous means the line holds a number that could be read more
	// than one way ("37,9" where the decimal separator is "."; "36,6,24,1";
	// two unlabelled temperatures; a pattern that captured part of a
	// number). The line is refused rather than read as another number.
	ErrAmbiguous = errors.New("ambiguous temperature in line")
	// ErrAmbientOnly means the line carries only values labelled ambient
	// (sensors that alternate "Ambient = 24.1" and "Object = 36.6" lines):
	// not a forehead sample, and no reason to restart settling.
	ErrAmbientOnly = errors.New("only an ambient temperature in line")
)

// Decimal separator settings (Config.DecimalSeparator).
const (
	// SeparatorAuto reads "36.6" and "36,6" alike; a comma is a decimal
	// separator when a number holds exactly one comma and no point, a list
	// separator only between numbers that each carry a point ("36.6,24.1");
	// anything else with a comma ("36,6,24,1", "36,24.1") is refused.
	SeparatorAuto = "auto"
	// SeparatorPoint reads only "36.6"; "36,6" is refused, never read as 36.
	SeparatorPoint = "."
	// SeparatorComma reads only "36,6"; "36.6" is refused.
	SeparatorComma = ","
)

// DefaultObjectLabels name the forehead (object, target) value of a
// multi-value line; DefaultAmbientLabels name the sensor's own ambient
// value, which is never taken for a forehead. Labels are matched as whole
// words, case-insensitively, in the text before a value ("Object Temp: 36.6"
// carries the word "object").
var (
	DefaultObjectLabels  = []string{"object", "obj", "to", "tobj", "target", "tgt", "body", "forehead"}
	DefaultAmbientLabels = []string{"ambient", "amb", "ta", "tamb", "tenv", "env", "room", "die"}
)

// ASCIIOptions configure a LineParser.
type ASCIIOptions struct {
	// Pattern is a regular expression with a group named "celsius" and an
	// optional group "unit" (something ending in F converts from
	// Fahrenheit, in K from kelvin). Empty: the built-in reader (see
	// LineParser).
	Pattern string
	// DecimalSeparator is SeparatorAuto (""), SeparatorPoint or
	// SeparatorComma.
	DecimalSeparator string
	// ObjectLabels and AmbientLabels override the default label words;
	// nil means the defaults.
	ObjectLabels, AmbientLabels []string
	// Scale multiplies each number as written into °C, for modules that
	// print whole tenths or hundredths ("379" is 37.9 °C with 0.1). 0 or 1:
	// numbers are degrees as written. With any other scale a number
	// written with a decimal separator is refused (ErrAmbiguous), never
	// scaled into another number.
	Scale float64
}

// Value is a temperature read from a line, with where it stood.
type Value struct {
	// Celsius is the value in °C (converted when the line said °F).
	Celsius float64
	// Text is the number exactly as the line wrote it ("37,9"); Offset is
	// where it starts in the line.
	Text   string
	Offset int
	// Fahrenheit and Kelvin say the line marked the value as °F or K.
	Fahrenheit, Kelvin bool
	// Label is the text before the value that named it ("object"), "" when
	// unlabelled.
	Label string
}

// LineParser reads a temperature from one ASCII line as IR thermometer
// modules and serial bridges print them:
//
//   - numbers with a decimal point or comma (see the Separator constants);
//   - units °C/°F with the degree sign in UTF-8 (°, º), as one Latin-1 or
//     code page 437 byte (0xB0, 0xBA, 0xF8), in GB 2312 (°, ℃, ℉ of
//     Chinese modules), as "*", spelt "deg" or "degrees", or as ℃/℉; and K
//     (kelvin); °F and K are converted;
//   - one value per line ("36.5", "T=36.52", "TEMP:36.5C"), or several
//     labelled ones ("Ambient = 24.1*C  Object = 36.6*C"), of which the one
//     labelled with an object label is the forehead; a line with only
//     ambient-labelled values is ErrAmbientOnly.
//
// A number glued to letters ("MLX90614", "v1.2.3", "12ms"), followed by
// "%", or part of a time or date ("12:34:56", "2026-12-07") is not a
// temperature. Whatever the line, a returned Value is a whole
// number that stands in it, never part of one.
type LineParser struct {
	re              *regexp.Regexp
	celsius, unit   int
	sep             byte // 0: auto
	object, ambient map[string]bool
	objectList      string
	scale           float64 // 1: as written
}

// NewLineParser checks o and makes a parser.
func NewLineParser(o ASCIIOptions) (*LineParser, error) {
	p := &LineParser{celsius: -1, unit: -1, scale: 1}
	switch {
	case o.Scale == 0:
	case o.Scale > 0 && o.Scale <= 1:
		p.scale = o.Scale
	default:
		return nil, fmt.Errorf("ascii scale %v is not in (0, 1]", o.Scale)
	}
	switch o.DecimalSeparator {
	case "", SeparatorAuto:
	case SeparatorPoint:
		p.sep = '.'
	case SeparatorComma:
		p.sep = ','
	default:
		return nil, fmt.Errorf("decimal separator %q is not auto, \".\" or \",\"", o.DecimalSeparator)
	}
	if o.Pattern != "" {
		re, err := compilePattern(o.Pattern)
		if err != nil {
			return nil, err
		}
		p.re, p.celsius, p.unit = re, re.SubexpIndex("celsius"), re.SubexpIndex("unit")
	}
	obj, amb := o.ObjectLabels, o.AmbientLabels
	if obj == nil {
		obj = DefaultObjectLabels
	}
	if amb == nil {
		amb = DefaultAmbientLabels
	}
	var err error
	if p.object, err = labelSet("object", obj); err != nil {
		return nil, err
	}
	if p.ambient, err = labelSet("ambient", amb); err != nil {
		return nil, err
	}
	for w := range p.object {
		if p.ambient[w] {
			return nil, fmt.Errorf("label %q is both an object and an ambient label", w)
		}
	}
	p.objectList = strings.Join(obj, "/")
	return p, nil
}

func labelSet(what string, words []string) (map[string]bool, error) {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		lw := strings.ToLower(w)
		if lw == "" || strings.IndexFunc(lw, func(r rune) bool { return !isWordByte(r) }) >= 0 {
			return nil, fmt.Errorf("%s label %q is not one word of ASCII letters, digits or _", what, w)
		}
		m[lw] = true
	}
	return m, nil
}

func isWordByte[T byte | rune](c T) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// Parse returns the forehead temperature on line in °C, or an error
// wrapping ErrNoValue, ErrAmbiguous or ErrAmbientOnly.
func (p *LineParser) Parse(line []byte) (float64, error) {
	v, err := p.ParseValue(line)
	return v.Celsius, err
}

// ParseValue is Parse with where the value stood. Values beyond ±1000 °C
// are refused as noise (ErrNoValue).
func (p *LineParser) ParseValue(line []byte) (Value, error) {
	var (
		v   Value
		err error
	)
	if p.re != nil {
		v, err = p.parsePattern(line)
	} else {
		v, err = p.parseBuiltin(line)
	}
	if err != nil {
		return Value{}, err
	}
	if math.Abs(v.Celsius) > 1000 {
		return Value{}, fmt.Errorf("%w: %v is out of any sensor's range", ErrNoValue, v.Celsius)
	}
	return v, nil
}

// token is one number (or comma list of numbers) found in a line.
type token struct {
	start, end int    // the run of digits, points and commas (sign excluded)
	sign       int    // offset of a leading sign, or -1
	label      string // the text between the previous token and this one
	ambiguous  string // why it cannot be read, "" when it can
	nums       []Value
	notTemp    bool // glued to letters or followed by %
	unit       byte // the unit written after it (unitNone: none)
}

// parseBuiltin finds every number in line, reads each, labels each with
// the text before it, and picks the forehead value.
func (p *LineParser) parseBuiltin(line []byte) (Value, error) {
	var toks []token
	segStart := 0
	for i := 0; i < len(line); {
		c := line[i]
		if !isDigit(c) {
			i++
			continue
		}
		j := i
		for j < len(line) && (isDigit(line[j]) || line[j] == '.' || line[j] == ',') {
			j++
		}
		if i > 0 && isWordByte(line[i-1]) {
			// Digits inside a word: a model number, a version, "TA1".
			for j < len(line) && isWordByte(line[j]) {
				j++
			}
			i = j
			continue
		}
		t := token{start: i, end: j, sign: -1}
		if i > 0 && (line[i-1] == '.' || line[i-1] == ',') {
			t.ambiguous = fmt.Sprintf("number starts with %q", line[i-1])
		}
		if i > 0 && (line[i-1] == '-' || line[i-1] == '+') && (i == 1 || !isWordByte(line[i-2]) && !isDigit(line[i-2])) {
			t.sign = i - 1
			if t.sign >= 2 && (line[t.sign-1] == '.' || line[t.sign-1] == ',') && isDigit(line[t.sign-2]) {
				// "0,-5": the sign may continue the number before it.
				t.ambiguous = fmt.Sprintf("sign after %q", line[t.sign-2:i])
			}
		}
		// A trailing point or comma is punctuation ("36.6," "37."): no unit
		// follows it.
		for t.end > t.start && (line[t.end-1] == '.' || line[t.end-1] == ',') {
			t.end--
		}
		unit, k, glued := byte(unitNone), j, false
		if t.end == j {
			unit, k, glued = readUnit(line, j)
		}
		labelEnd := i
		if t.sign >= 0 {
			labelEnd = t.sign
		}
		t.label = strings.ToLower(string(line[segStart:labelEnd]))
		// Parts of a time or date ("12:34:56", "2026-12-07", "07/12")
		// are no temperature.
		joiner := func(c byte) bool { return c == ':' || c == '/' || c == '-' }
		if glued || i >= 2 && joiner(line[i-1]) && isDigit(line[i-2]) || j+1 < len(line) && joiner(line[j]) && isDigit(line[j+1]) {
			t.notTemp = true
		}
		if t.ambiguous == "" {
			t.nums, t.ambiguous = p.readRun(line, t.start, t.end)
		}
		if t.ambiguous == "" {
			t.ambiguous = p.applyScale(t.nums)
		}
		for n := range t.nums {
			if n == 0 && t.sign >= 0 && line[t.sign] == '-' {
				t.nums[n].Celsius = -t.nums[n].Celsius
				t.nums[n].Text = "-" + t.nums[n].Text
				t.nums[n].Offset--
			}
			if n == len(t.nums)-1 {
				switch unit {
				case unitFahrenheit:
					t.nums[n].Fahrenheit = true
					t.nums[n].Celsius = (t.nums[n].Celsius - 32) * 5 / 9
				case unitKelvin:
					t.nums[n].Kelvin = true
					t.nums[n].Celsius -= 273.15
				}
			}
		}
		t.unit = unit
		toks = append(toks, t)
		segStart, i = k, k
	}
	p.postfixLabels(toks, strings.ToLower(string(line[segStart:])))
	return p.choose(toks)
}

// postfixLabels moves labels onto the value before them when the line
// writes labels after values ("37.9C(Obj) 24.1C(Amb)", "36.6 obj"): the
// first value has no label word before it and the text after the last
// value holds one. Read prefix-wise, such a line would label the ambient
// value as the object. When both the first value and the tail carry a
// label word, nobody can tell which way the labels go; every token is
// made ambiguous.
func (p *LineParser) postfixLabels(toks []token, tail string) {
	labelled := func(s string) bool { return p.has(p.object, s) || p.has(p.ambient, s) }
	if len(toks) == 0 || !labelled(tail) {
		return
	}
	if labelled(toks[0].label) {
		for i := range toks {
			if toks[i].ambiguous == "" {
				toks[i].ambiguous = "labels both before the first value and after the last"
			}
		}
		return
	}
	for i := range toks {
		if i+1 < len(toks) {
			toks[i].label = toks[i+1].label
		} else {
			toks[i].label = tail
		}
	}
}

// readRun reads the run line[start:end] of digits, points and commas as
// one number or a comma list, per the decimal separator.
func (p *LineParser) readRun(line []byte, start, end int) ([]Value, string) {
	run := line[start:end]
	points, commas := bytes.Count(run, []byte{'.'}), bytes.Count(run, []byte{','})
	one := func(text string, off int) ([]Value, string) {
		s := strings.Replace(text, ",", ".", 1)
		if len(s) > 12 {
			return nil, fmt.Sprintf("%q is too long for a temperature", text)
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Sprintf("%q is not a number", text)
		}
		return []Value{{Celsius: v, Text: text, Offset: off}}, ""
	}
	switch {
	case commas == 0 && points <= 1:
		if points == 1 && p.sep == ',' {
			return nil, fmt.Sprintf("%q has a decimal point but the separator is \",\"", run)
		}
		return one(string(run), start)
	case commas == 0:
		return nil, fmt.Sprintf("%q has %d points", run, points)
	case commas == 1 && points == 0:
		if p.sep == '.' {
			return nil, fmt.Sprintf("%q has a decimal comma but the separator is \".\"", run)
		}
		return one(string(run), start)
	}
	// Several numbers separated by commas: only unambiguous when each
	// carries its own decimal point.
	if p.sep == ',' {
		return nil, fmt.Sprintf("%q mixes commas and points or has several commas", run)
	}
	var out []Value
	off := start
	for _, part := range bytes.Split(run, []byte{','}) {
		if bytes.Count(part, []byte{'.'}) != 1 || part[0] == '.' || part[len(part)-1] == '.' {
			return nil, fmt.Sprintf("%q: a comma that may be a decimal comma", run)
		}
		v, why := one(string(part), off)
		if why != "" {
			return nil, why
		}
		out = append(out, v...)
		off += len(part) + 1
	}
	return out, ""
}

// Units a value can be marked with (readUnit).
const (
	unitNone       = 0
	unitCelsius    = 'C' // written out; read as unitNone
	unitFahrenheit = 'F'
	unitKelvin     = 'K'
)

// applyScale scales numbers written as whole tenths or hundredths; it
// says why when one is written with a decimal separator, which a scaled
// module does not print.
func (p *LineParser) applyScale(nums []Value) string {
	if p.scale == 1 {
		return ""
	}
	for i := range nums {
		if strings.ContainsAny(nums[i].Text, ".,") {
			return fmt.Sprintf("%q has a decimal separator but the scale is %v", nums[i].Text, p.scale)
		}
		nums[i].Celsius *= p.scale
	}
	return ""
}

// readUnit reads what follows a number at line[j:]: spaces, a degree sign
// in any of its encodings or spelt "deg"/"degree(s)", and C, F or K. It
// returns the unit (unitNone for °C or none), where the text after the
// unit starts, and whether the number is glued to something that makes it
// no temperature ("12ms", "45%").
func readUnit(line []byte, j int) (unit byte, next int, glued bool) {
	k := j
	if k < len(line) && line[k] == '%' {
		return unitNone, k + 1, true
	}
	letterUnit := func(c byte) byte {
		switch c | 0x20 {
		case 'f':
			return unitFahrenheit
		case 'k':
			return unitKelvin
		}
		return unitCelsius
	}
	if k < len(line) && isLetter(line[k]) {
		// Directly glued letters: only a bare C, F or K unit is allowed.
		if c := line[k] | 0x20; (c == 'c' || c == 'f' || c == 'k') && (k+1 == len(line) || !isWordByte(line[k+1])) {
			return letterUnit(line[k]), k + 1, false
		}
		return unitNone, k, true
	}
	spaces := func(k int) int {
		for k < len(line) && (line[k] == ' ' || line[k] == '\t') {
			k++
		}
		return k
	}
	k = spaces(k)
	deg := 0
	switch {
	case bytes.HasPrefix(line[k:], []byte("\u2103")): // ℃
		return unitCelsius, k + 3, false
	case bytes.HasPrefix(line[k:], []byte("\u2109")): // ℉
		return unitFahrenheit, k + 3, false
	case bytes.HasPrefix(line[k:], []byte{0xA1, 0xE6}): // ℃ in GB 2312/GBK
		return unitCelsius, k + 2, false
	case bytes.HasPrefix(line[k:], []byte{0xA1, 0xE9}): // ℉ in GB 2312/GBK
		return unitFahrenheit, k + 2, false
	case bytes.HasPrefix(line[k:], []byte{0xA1, 0xE3}): // ° in GB 2312/GBK
		deg = 2
	case bytes.HasPrefix(line[k:], []byte("\u00b0")), bytes.HasPrefix(line[k:], []byte("\u00ba")):
		deg = 2 // UTF-8 degree sign or masculine ordinal
	case k < len(line) && (line[k] == 0xB0 || line[k] == 0xBA || line[k] == 0xF8 || line[k] == '*'):
		deg = 1 // Latin-1 ° or º, CP437 °, or an asterisk
	}
	if deg > 0 {
		k = spaces(k + deg)
	}
	word := func(k int) (string, int) {
		w := k
		for w < len(line) && isLetter(line[w]) {
			w++
		}
		return strings.ToLower(string(line[k:w])), w
	}
	u, w := word(k)
	if u == "deg" || u == "degree" || u == "degrees" {
		// "37.9 deg C", "99.5 degrees F": the unit is the next word.
		deg, k = 1, spaces(w)
		u, w = word(k)
	}
	switch u {
	case "c", "celsius", "degc":
		return unitCelsius, w, false
	case "f", "fahrenheit", "degf":
		return unitFahrenheit, w, false
	case "k", "kelvin":
		return unitKelvin, w, false
	}
	if deg > 0 {
		return unitNone, k, false
	}
	return unitNone, j, false
}

// labelWords splits a label text into lower-case words.
func labelWords(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r > 127 || !isWordByte(r) })
}

// has reports whether label holds a word of set, also glued to "temp" or
// "temperature" ("ObjTemp", "AmbientTemperature") or as a part of a word
// joined with "_" ("T_obj", "amb_temp").
func (p *LineParser) has(set map[string]bool, label string) bool {
	var words []string
	for _, w := range labelWords(label) {
		words = append(words, w)
		if strings.Contains(w, "_") {
			words = append(words, strings.Split(w, "_")...)
		}
	}
	for _, w := range words {
		if set[w] {
			return true
		}
		for _, suffix := range []string{"temperature", "temp"} {
			if b, ok := strings.CutSuffix(w, suffix); ok && b != "" && set[b] {
				return true
			}
		}
	}
	return false
}

// choose picks the forehead value among the tokens of a line.
func (p *LineParser) choose(toks []token) (Value, error) {
	var objects, others []int
	ambient := 0
	for i, t := range toks {
		switch {
		case p.has(p.object, t.label):
			objects = append(objects, i)
		case p.has(p.ambient, t.label):
			ambient++
		case t.notTemp && t.ambiguous == "":
		default:
			others = append(others, i)
		}
	}
	pick := func(i int) (Value, error) {
		t := toks[i]
		if t.ambiguous != "" {
			return Value{}, fmt.Errorf("%w: %s", ErrAmbiguous, t.ambiguous)
		}
		if t.notTemp {
			return Value{}, fmt.Errorf("%w: the value is glued to a unit that is not °C or °F", ErrNoValue)
		}
		if len(t.nums) != 1 {
			return Value{}, fmt.Errorf("%w: %d values in one list", ErrAmbiguous, len(t.nums))
		}
		v := t.nums[0]
		v.Label = strings.Join(labelWords(t.label), " ")
		return v, nil
	}
	switch {
	case len(objects) == 1:
		return pick(objects[0])
	case len(objects) > 1:
		return Value{}, fmt.Errorf("%w: %d values labelled %s", ErrAmbiguous, len(objects), p.objectList)
	case len(others) == 1:
		return pick(others[0])
	case len(others) == 2 && toks[others[0]].unit != toks[others[1]].unit && toks[others[0]].unit != unitNone && toks[others[1]].unit != unitNone:
		// One temperature in two units ("37.9C/100.2F"): read when they
		// agree, the one in °C.
		a, errA := pick(others[0])
		b, errB := pick(others[1])
		if errA == nil && errB == nil && math.Abs(a.Celsius-b.Celsius) <= 0.1 {
			if toks[others[1]].unit == unitCelsius {
				return b, nil
			}
			return a, nil
		}
		return Value{}, fmt.Errorf("%w: two values in different units that do not agree", ErrAmbiguous)
	case len(others) > 1:
		return Value{}, fmt.Errorf("%w: %d values and none labelled %s", ErrAmbiguous, len(others), p.objectList)
	case ambient > 0:
		return Value{}, ErrAmbientOnly
	}
	return Value{}, ErrNoValue
}

// parsePattern reads the "celsius" group of a configured pattern. The
// group must hold a whole number: a match that ends or starts inside one
// ("37" of "37,9") is refused as ambiguous.
func (p *LineParser) parsePattern(line []byte) (Value, error) {
	m := p.re.FindSubmatchIndex(line)
	if m == nil || m[2*p.celsius] < 0 {
		return Value{}, ErrNoValue
	}
	a, b := m[2*p.celsius], m[2*p.celsius+1]
	text := strings.TrimSpace(string(line[a:b]))
	a += strings.Index(string(line[a:b]), text)
	b = a + len(text)
	if text == "" {
		return Value{}, ErrNoValue
	}
	// A comma next to a number that has its decimal point is a list
	// separator ("$IRT,36.8,24.0"); otherwise a digit, or a point or comma
	// then a digit, next to the group means the number goes on.
	listComma := strings.Contains(text, ".")
	joins := func(c byte) bool { return c == '.' || c == ',' && !listComma }
	cut := a > 0 && (isDigit(line[a-1]) || joins(line[a-1]) && a > 1 && isDigit(line[a-2])) ||
		b < len(line) && (isDigit(line[b]) || joins(line[b]) && b+1 < len(line) && isDigit(line[b+1]))
	if cut {
		return Value{}, fmt.Errorf("%w: the pattern captured part of a number at %q", ErrAmbiguous, clip(line))
	}
	sign := ""
	body := text
	if body[0] == '-' || body[0] == '+' {
		sign, body = body[:1], body[1:]
	}
	if body == "" || !isDigit(body[0]) || strings.Trim(body, "0123456789.,") != "" {
		return Value{}, fmt.Errorf("%w: %q is not a number", ErrNoValue, text)
	}
	nums, why := p.readRun([]byte(body), 0, len(body))
	if why != "" {
		return Value{}, fmt.Errorf("%w: %s", ErrAmbiguous, why)
	}
	if len(nums) != 1 {
		return Value{}, fmt.Errorf("%w: %d values in the celsius group", ErrAmbiguous, len(nums))
	}
	if why := p.applyScale(nums); why != "" {
		return Value{}, fmt.Errorf("%w: %s", ErrAmbiguous, why)
	}
	v := Value{Celsius: nums[0].Celsius, Text: text, Offset: a}
	if sign == "-" {
		v.Celsius = -v.Celsius
	}
	if p.unit >= 0 && m[2*p.unit] >= 0 {
		u := strings.ToUpper(strings.TrimSpace(string(line[m[2*p.unit]:m[2*p.unit+1]])))
		switch {
		case strings.HasSuffix(u, "F") || strings.HasSuffix(u, "\u2109"):
			v.Celsius, v.Fahrenheit = (v.Celsius-32)*5/9, true
		case strings.HasSuffix(u, "K"):
			v.Celsius, v.Kelvin = v.Celsius-273.15, true
		}
	}
	return v, nil
}

// clip quotes at most 64 bytes of a line for logs and status.
func clip(line []byte) string { return fmt.Sprintf("%.64q", line) }

// lineSplitter cuts a byte stream into lines at CR, LF or both. A line
// longer than max is dropped whole and counted as an overflow.
type lineSplitter struct {
	buf      []byte
	max      int
	overflow bool
}

// feed appends p and calls line for each complete, non-empty line; it
// returns how many over-long lines were dropped.
func (l *lineSplitter) feed(p []byte, line func([]byte)) (overflows int) {
	for _, c := range p {
		if c == '\n' || c == '\r' {
			if l.overflow {
				overflows++
			} else if len(l.buf) > 0 {
				line(l.buf)
			}
			l.buf, l.overflow = l.buf[:0], false
			continue
		}
		if l.overflow {
			continue
		}
		if len(l.buf) >= l.max {
			l.overflow = true
			l.buf = l.buf[:0]
			continue
		}
		l.buf = append(l.buf, c)
	}
	return overflows
}
