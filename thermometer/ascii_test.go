package thermometer

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
)

// lineCase is one line as a module prints it and what the parser must make
// of it: a value in °C, or the kind of refusal.
type lineCase struct {
	name string
	line string
	want float64
	err  error // nil: want is read
}

// shapes are the output forms of common IR modules and serial bridges.
var shapes = []lineCase{
	{"bare value", "36.5", 36.5, nil},
	{"T= prefix", "T=36.52", 36.52, nil},
	{"TEMP: with glued C", "TEMP:36.5C", 36.5, nil},
	{"UTF-8 degree sign", "temp: 36.5 °C", 36.5, nil},
	{"UTF-8 degree sign glued", "37.9°C", 37.9, nil},
	{"masculine ordinal for degree", "37.9ºC", 37.9, nil},
	{"Latin-1 degree byte", "Temp 37.9\xb0C", 37.9, nil},
	{"Latin-1 ordinal byte", "Temp 37.9\xbaC", 37.9, nil},
	{"CP437 degree byte", "37.9\xf8C", 37.9, nil},
	{"asterisk for degree", "T=37.9*C", 37.9, nil},
	{"degree Celsius sign", "37.9℃", 37.9, nil},
	{"degree sign without letter", "37.9°", 37.9, nil},
	{"Fahrenheit glued", "98.6F", 37.0, nil},
	{"Fahrenheit with degree sign", "100.2 °F", 37.888889, nil},
	{"Fahrenheit Latin-1", "100.2\xb0F", 37.888889, nil},
	{"Fahrenheit sign", "100.2℉", 37.888889, nil},
	{"body label, F spaced", "Body 98.6 F", 37.0, nil},
	{"negative", "-5.25", -5.25, nil},
	{"negative after =", "T=-5.25", -5.25, nil},
	{"decimal comma (auto)", "37,9", 37.9, nil},
	{"decimal comma with unit", "Temp: 37,9 °C", 37.9, nil},
	{"decimal comma, Latin-1 degree", "37,9\xb0C", 37.9, nil},
	{"trailing comma is punctuation", "37.9,", 37.9, nil},
	{"object then ambient", "Object: 36.6 Ambient: 24.1", 36.6, nil},
	{"ambient then object", "Ambient: 24.1 Object: 36.6", 36.6, nil},
	{"MLX90614 board, asterisk units", "Ambient = 24.1*C  Object = 37.9*C", 37.9, nil},
	{"two-word labels", "Ambient Temp: 24.10 °C, Object Temp: 37.90 °C", 37.9, nil},
	{"TA/TO comma list", "TA=24.10,TO=37.90", 37.90, nil},
	{"obj=", "obj=36.9", 36.9, nil},
	{"target label, decimal comma", "Target: 37,9 Ambient: 24,1", 37.9, nil},
	{"model number is not a value", "MLX90614 T=37.9", 37.9, nil},
	{"percent is not a temperature", "Temp 37.9 C Hum 45%", 37.9, nil},
	{"time stamp before the value", "12:34:56 T=37.9", 37.9, nil},
	{"date and time stamp before the value", "2026-12-07 12:34:56.123 37,9°C", 37.9, nil},
	{"GB 2312 degree Celsius sign", "\xce\xc2\xb6\xc8 37.9\xa1\xe6", 37.9, nil},
	{"GB 2312 degree Fahrenheit sign", "100.2\xa1\xe9", 37.888889, nil},
	{"GB 2312 degree sign and C", "37.9\xa1\xe3C", 37.9, nil},
	{"labels glued to Temp", "ObjTemp=37.9 AmbTemp=24.1", 37.9, nil},
	{"labels joined with underscores", "T_amb=24.1 T_obj=37.9", 37.9, nil},
	{"labels glued to Temperature, ambient first", "AmbientTemperature: 24.1 ObjectTemperature: 37.9", 37.9, nil},
	{"one value in two units", "37.9C/100.2F", 37.9, nil},
	{"one value in two units, Fahrenheit first", "Temp: 100.2 °F (37.9 °C)", 37.9, nil},
	{"two units that disagree", "36.6C/100.2F", 0, ErrAmbiguous},
	{"two values, one without a unit", "37.9C 100.2", 0, ErrAmbiguous},
	{"degrees F spelt out", "99.5 degrees F", 37.5, nil},
	{"deg C spelt out", "Temp 37.9 deg C", 37.9, nil},
	{"deg F is not read as Celsius", "37.9 deg F", 3.277778, nil},
	{"kelvin glued", "310.9K", 37.75, nil},
	{"kelvin spaced", "T = 310.9 K", 37.75, nil},
	{"labels after the values, object first", "37.9C(Obj) 24.1C(Amb)", 37.9, nil},
	{"labels after the values, ambient first", "24.1 amb 37.9 obj", 37.9, nil},
	{"one value, label after it", "37.9 C object", 37.9, nil},
	{"labels before and after, direction unknown", "Amb 24.1 Obj 37.9 amb", 0, ErrAmbiguous},
	{"a range is no single value", "37.9-38.1", 0, ErrNoValue},
	{"ambient line alone", "Ambient = 24.1*C", 0, ErrAmbientOnly},
	{"TA alone", "TA=24.10", 0, ErrAmbientOnly},
	{"model name only", "MLX90614 ready", 0, ErrNoValue},
	{"error text", "Err", 0, ErrNoValue},
	{"dashes", "---.-", 0, ErrNoValue},
	{"empty", "", 0, ErrNoValue},
	{"version", "firmware 1.2.3", 0, ErrAmbiguous},
	{"two unlabelled values", "36.6 24.1", 0, ErrAmbiguous},
	{"two object values", "Object 36.6 Object 37.9", 0, ErrAmbiguous},
	{"comma list of integers", "36,6,24,1", 0, ErrAmbiguous},
	{"comma then a point", "37,24.1", 0, ErrAmbiguous},
	{"leading point", "T=.9", 0, ErrAmbiguous},
	{"milliseconds", "37ms", 0, ErrNoValue},
	{"out of range", "12345.6", 0, ErrNoValue},
}

func TestLineParserShapes(t *testing.T) {
	p, err := NewLineParser(ASCIIOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range shapes {
		t.Run(tc.name, func(t *testing.T) { checkLine(t, p, tc) })
	}
}

func checkLine(t *testing.T, p *LineParser, tc lineCase) {
	t.Helper()
	v, err := p.ParseValue([]byte(tc.line))
	if tc.err != nil {
		if !errors.Is(err, tc.err) {
			t.Fatalf("ParseValue(%q) = %+v, %v; want %v", tc.line, v, err, tc.err)
		}
		return
	}
	if err != nil || math.Abs(v.Celsius-tc.want) > 1e-4 {
		t.Fatalf("ParseValue(%q) = %+v, %v; want %v", tc.line, v, err, tc.want)
	}
}

func TestDecimalSeparatorSettings(t *testing.T) {
	cases := []struct {
		sep   string
		lines []lineCase
	}{
		{SeparatorPoint, []lineCase{
			{"point read", "37.9", 37.9, nil},
			{"decimal comma refused, never 37", "37,9", 0, ErrAmbiguous},
			{"decimal comma with unit refused", "T=37,9°C", 0, ErrAmbiguous},
			{"comma list of points", "36.6,24.1", 0, ErrAmbiguous}, // two unlabelled values
			{"labelled comma list", "TO=37.9,TA=24.1", 37.9, nil},
			{"ambient with comma ignored", "Ambient 24,1 Object 37.9", 37.9, nil},
			{"object with comma refused", "Ambient 24.1 Object 37,9", 0, ErrAmbiguous},
		}},
		{SeparatorComma, []lineCase{
			{"comma read", "37,9", 37.9, nil},
			{"point refused", "37.9", 0, ErrAmbiguous},
			{"integer read", "38", 38, nil},
			{"object label wins over an unknown one", "Objekt 24,1 Object 37,9 °C", 37.9, nil},
			{"labelled object and ambient", "Ambient 24,1 Object 37,9 °C", 37.9, nil},
			{"several commas refused", "37,9,24,1", 0, ErrAmbiguous},
		}},
		{SeparatorAuto, []lineCase{
			{"comma read", "37,9", 37.9, nil},
			{"point read", "37.9", 37.9, nil},
			{"several commas refused", "37,9,24", 0, ErrAmbiguous},
		}},
	}
	for _, c := range cases {
		p, err := NewLineParser(ASCIIOptions{DecimalSeparator: c.sep})
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range c.lines {
			t.Run(c.sep+" "+tc.name, func(t *testing.T) { checkLine(t, p, tc) })
		}
	}
	if _, err := NewLineParser(ASCIIOptions{DecimalSeparator: ";"}); err == nil {
		t.Fatal("separator ; accepted")
	}
}

// A module printing whole tenths reads through the scale; a number
// written with a decimal separator is then refused, never scaled into
// another number (37.9 is not 3.79).
func TestASCIIScale(t *testing.T) {
	p, err := NewLineParser(ASCIIOptions{Scale: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []lineCase{
		{"tenths", "379", 37.9, nil},
		{"tenths, signed and labelled", "T=+379", 37.9, nil},
		{"tenths, ambient negative", "Amb:-52 Obj:379", 37.9, nil},
		{"tenths of Fahrenheit", "1002F", 37.888889, nil},
		{"decimal point refused", "37.9", 0, ErrAmbiguous},
		{"decimal comma refused", "37,9", 0, ErrAmbiguous},
	} {
		t.Run(tc.name, func(t *testing.T) { checkLine(t, p, tc) })
	}
	pat, err := NewLineParser(ASCIIOptions{Scale: 0.01, Pattern: `T=(?P<celsius>\d+)`})
	if err != nil {
		t.Fatal(err)
	}
	checkLine(t, pat, lineCase{"pattern, hundredths", "T=3790", 37.9, nil})
	kel, err := NewLineParser(ASCIIOptions{Pattern: `T=(?P<celsius>[\d.]+)(?P<unit>[CFK])`})
	if err != nil {
		t.Fatal(err)
	}
	checkLine(t, kel, lineCase{"pattern, kelvin unit", "T=310.95K", 37.8, nil})
	for _, bad := range []float64{-0.1, 2, math.NaN(), math.Inf(1)} {
		if _, err := NewLineParser(ASCIIOptions{Scale: bad}); err == nil {
			t.Errorf("scale %v accepted", bad)
		}
	}
}

func TestConfiguredLabels(t *testing.T) {
	p, err := NewLineParser(ASCIIOptions{ObjectLabels: []string{"Temp"}, AmbientLabels: []string{"hum", "amb"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []lineCase{
		{"configured object label", "Temp: 37.9 Hum: 45.0", 37.9, nil},
		{"configured ambient label alone", "Hum: 45.0", 0, ErrAmbientOnly},
		{"default object label no longer special", "Object 24.1 Temp 37.9", 37.9, nil},
	} {
		t.Run(tc.name, func(t *testing.T) { checkLine(t, p, tc) })
	}
	if _, err := NewLineParser(ASCIIOptions{ObjectLabels: []string{"to"}, AmbientLabels: []string{"TO"}}); err == nil {
		t.Fatal("a label both object and ambient accepted")
	}
	if _, err := NewLineParser(ASCIIOptions{ObjectLabels: []string{"object temp"}}); err == nil {
		t.Fatal("a two-word label accepted")
	}
}

func TestCustomPatternRefusesPartOfANumber(t *testing.T) {
	p, err := NewLineParser(ASCIIOptions{Pattern: `T=(?P<celsius>\d+)`})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []lineCase{
		{"whole integer", "T=38 C", 38, nil},
		{"stops at a decimal comma", "T=37,9", 0, ErrAmbiguous},
		{"stops at a decimal point", "T=37.9", 0, ErrAmbiguous},
	} {
		t.Run(tc.name, func(t *testing.T) { checkLine(t, p, tc) })
	}
	p, err = NewLineParser(ASCIIOptions{Pattern: `T=(?P<celsius>[\d.,]+)`, DecimalSeparator: SeparatorComma})
	if err != nil {
		t.Fatal(err)
	}
	checkLine(t, p, lineCase{"comma through a pattern", "T=37,9", 37.9, nil})
	checkLine(t, p, lineCase{"point through a comma pattern", "T=37.9", 0, ErrAmbiguous})
}

// FuzzLineParser checks that no line parses to a number that is not in
// it: the value's text stands whole at its offset (no digit, and no point
// or comma followed by a digit, on either side), and the value is that
// text read with its comma as a point (converted when marked °F).
func FuzzLineParser(f *testing.F) {
	for _, tc := range shapes {
		f.Add([]byte(tc.line), "")
	}
	f.Add([]byte("37,9"), ".")
	f.Add([]byte("37,9"), ",")
	f.Add([]byte("TA=24,10,TO=37,90"), ",")
	f.Add([]byte("\xff"), "")
	parsers := map[string]*LineParser{}
	for _, sep := range []string{"", ".", ","} {
		p, err := NewLineParser(ASCIIOptions{DecimalSeparator: sep})
		if err != nil {
			f.Fatal(err)
		}
		parsers[sep] = p
	}
	f.Fuzz(func(t *testing.T, line []byte, sep string) {
		p := parsers[sep]
		if p == nil {
			p = parsers[""]
		}
		v, err := p.ParseValue(line)
		if err != nil {
			if v != (Value{}) {
				t.Fatalf("error %v with a value %+v", err, v)
			}
			return
		}
		if math.IsNaN(v.Celsius) || math.IsInf(v.Celsius, 0) || math.Abs(v.Celsius) > 1000 {
			t.Fatalf("Parse(%q) = %v", line, v.Celsius)
		}
		a, b := v.Offset, v.Offset+len(v.Text)
		if a < 0 || b > len(line) || string(line[a:b]) != v.Text {
			t.Fatalf("Parse(%q): text %q is not at offset %d", line, v.Text, v.Offset)
		}
		digit := func(i int) bool { return i >= 0 && i < len(line) && line[i] >= '0' && line[i] <= '9' }
		sepAt := func(i int) bool { return i >= 0 && i < len(line) && (line[i] == '.' || line[i] == ',') }
		if digit(a-1) || sepAt(a-1) && digit(a-2) || digit(b) || sepAt(b) && digit(b+1) {
			t.Fatalf("Parse(%q): %q is part of a longer number", line, v.Text)
		}
		want, perr := strconv.ParseFloat(strings.Replace(v.Text, ",", ".", 1), 64)
		if perr != nil {
			t.Fatalf("Parse(%q): text %q is not a number: %v", line, v.Text, perr)
		}
		if v.Fahrenheit {
			want = (want - 32) * 5 / 9
		}
		if v.Kelvin {
			want -= 273.15
		}
		if want != v.Celsius {
			t.Fatalf("Parse(%q) = %v, but its text %q says %v", line, v.Celsius, v.Text, want)
		}
		if sep == "." && strings.Contains(v.Text, ",") || sep == "," && strings.Contains(v.Text, ".") {
			t.Fatalf("Parse(%q) with separator %q read %q", line, sep, v.Text)
		}
	})
}
