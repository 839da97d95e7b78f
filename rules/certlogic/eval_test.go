package certlogic

import (
	"encoding/json"
	"errors"
	"testing"
)

func mustJSON(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	return v
}

func TestCertLogicPlusTimeAndDates(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		amount   int
		unit     string
		want     string
	}{
		{"leap day plus a day", "2020-02-29", 1, "day", "2020-03-01T00:00:00.000Z"},
		{"leap day plus a month", "2020-02-29", 1, "month", "2020-03-29T00:00:00.000Z"},
		{"leap day plus a year rolls over", "2020-02-29", 1, "year", "2021-03-01T00:00:00.000Z"},
		{"year only is its last day", "2021", 0, "day", "2021-12-31T00:00:00.000Z"},
		{"year-month is its last day", "2020-02", 0, "day", "2020-02-29T00:00:00.000Z"},
		{"offset +h", "2021-06-01T12:00:00+2", 0, "hour", "2021-06-01T10:00:00.000Z"},
		{"offset -hmm", "2021-06-01T12:00:00-130", 0, "hour", "2021-06-01T13:30:00.000Z"},
		{"offset +hh:mm", "2021-06-01T12:00:00+05:30", 0, "hour", "2021-06-01T06:30:00.000Z"},
		{"offset +hhmm", "2021-06-01T12:00:00+0530", 0, "hour", "2021-06-01T06:30:00.000Z"},
		{"fraction truncated to ms", "2021-06-01T12:00:00.123987Z", 0, "hour", "2021-06-01T12:00:00.123Z"},
		{"one decimal", "2021-06-01T12:00:00.5", 0, "hour", "2021-06-01T12:00:00.500Z"},
		{"no zone means Z", "2021-06-01T12:00:00", -36, "hour", "2021-05-31T00:00:00.000Z"},
		{"minus a month", "2021-03-31", -1, "month", "2021-03-03T00:00:00.000Z"},
	} {
		d, err := ParseDateTime(tc.in)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if got := d.Plus(tc.amount, tc.unit).String(); got != tc.want {
			t.Errorf("%s: plusTime(%s, %d, %s) = %s, want %s", tc.name, tc.in, tc.amount, tc.unit, got, tc.want)
		}
	}
	for _, bad := range []string{"", "2021-13-01", "2021-02-30", "21-01-01", "2021-06-01 12:00:00", "2021-06-01T25:00:00Z", "yesterday"} {
		if _, err := ParseDateTime(bad); !errors.Is(err, ErrEvaluation) {
			t.Errorf("ParseDateTime(%q) = %v, want ErrEvaluation", bad, err)
		}
	}
	for in, want := range map[string]string{"1990": "1990-12-31T00:00:00.000Z", "1990-02": "1990-02-28T00:00:00.000Z", "1992-02": "1992-02-29T00:00:00.000Z", "1990-07-04": "1990-07-04T00:00:00.000Z"} {
		d, err := DateOfBirth(in)
		if err != nil || d.String() != want {
			t.Errorf("dccDateOfBirth(%s) = %v, %v; want %s", in, d, err, want)
		}
	}
	if _, err := DateOfBirth("1990-07-04T00:00:00Z"); err == nil {
		t.Error("dccDateOfBirth accepted a date-time")
	}
}

func TestCertLogicOperations(t *testing.T) {
	for _, tc := range []struct {
		name, expr, data, want string
	}{
		{"extractFromUVCI with prefix", `{"extractFromUVCI":[{"var":"u"},1]}`, `{"u":"URN:UVCI:01:NL:187/37512422923"}`, `"NL"`},
		{"extractFromUVCI without prefix", `{"extractFromUVCI":[{"var":"u"},0]}`, `{"u":"01:NL:187/37512422923"}`, `"01"`},
		{"extractFromUVCI empty fragments", `{"extractFromUVCI":[{"var":"u"},4]}`, `{"u":"a::c/#/f"}`, `""`},
		{"extractFromUVCI past the end", `{"extractFromUVCI":[{"var":"u"},6]}`, `{"u":"a::c/#/f"}`, `null`},
		{"extractFromUVCI of null", `{"extractFromUVCI":[{"var":"u"},0]}`, `{}`, `null`},
		{"minor by dccDateOfBirth", `{"after":[{"dccDateOfBirth":[{"var":"dob"}]},{"plusTime":[{"var":"now"},-18,"year"]}]}`, `{"dob":"2004","now":"2022-06-01T00:00:00Z"}`, `true`},
		{"adult by dccDateOfBirth", `{"after":[{"dccDateOfBirth":[{"var":"dob"}]},{"plusTime":[{"var":"now"},-18,"year"]}]}`, `{"dob":"2003-05","now":"2022-06-01T00:00:00Z"}`, `false`},
		{"reduce counts", `{"reduce":[{"var":"xs"},{"+":[{"var":"accumulator"},1]},0]}`, `{"xs":["a","b","c"]}`, `3`},
		{"ternary not-before", `{"not-before":[{"plusTime":["2021-01-02",0,"day"]},{"plusTime":["2021-01-01",0,"day"]},{"plusTime":["2021-01-01",0,"day"]}]}`, `null`, `true`},
	} {
		got, err := Evaluate(mustJSON(t, tc.expr), mustJSON(t, tc.data))
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		g, _ := json.Marshal(got)
		if string(g) != tc.want {
			t.Errorf("%s: got %s, want %s", tc.name, g, tc.want)
		}
	}
	for _, tc := range []struct{ name, expr, data string }{
		{"in needs an array", `{"in":["a","abc"]}`, `null`},
		{"plus needs integers", `{"+":[1,"2"]}`, `null`},
		{"comparison needs integers", `{"<":[1,{"var":"x"}]}`, `{"x":1.5}`},
		{"date comparison needs date-times", `{"before":["2021-01-01","2022-01-01"]}`, `null`},
		{"if guard neither truthy nor falsy", `{"if":[{"var":"x"},1,2]}`, `{"x":1.5}`},
		{"if needs three operands", `{"if":[true,1]}`, `null`},
		{"unknown operator", `{"max":[1,2]}`, `null`},
		{"two keys", `{"var":"x","if":[]}`, `null`},
		{"null literal", `null`, `null`},
		{"plusTime of a non-string", `{"plusTime":[1,0,"day"]}`, `null`},
		{"plusTime of a bad date", `{"plusTime":["2021-99",0,"day"]}`, `null`},
		{"plusTime with a bad unit", `{"plusTime":["2021-01-01",1,"week"]}`, `null`},
		{"reduce of a string", `{"reduce":["abc",1,0]}`, `null`},
		{"var with a default", `{"var":["x",1]}`, `null`},
	} {
		if _, err := Evaluate(mustJSON(t, tc.expr), mustJSON(t, tc.data)); !errors.Is(err, ErrEvaluation) {
			t.Errorf("%s: error %v, want ErrEvaluation", tc.name, err)
		}
	}
}

func TestCertLogicDepthLimit(t *testing.T) {
	var e any = true
	for i := 0; i < 10000; i++ {
		e = map[string]any{"!": []any{e}}
	}
	if _, err := Evaluate(e, nil); !errors.Is(err, ErrEvaluation) {
		t.Errorf("deep expression: %v", err)
	}
	if len(Validate(e)) == 0 {
		t.Error("deep expression validated")
	}
}

func FuzzEvaluate(f *testing.F) {
	f.Add(`{"and":[{"var":"a"},{"after":[{"plusTime":[{"var":"b"},1,"day"]},{"plusTime":["2021",0,"day"]}]}]}`, `{"a":1,"b":"2021-06-01T00:00:00+2"}`)
	f.Add(`{"reduce":[{"var":"x"},{"+":[{"var":"current"},{"var":"accumulator"}]},0]}`, `{"x":[1,2,3]}`)
	f.Add(`{"extractFromUVCI":[{"var":"u"},2]}`, `{"u":"URN:UVCI:01:NL:187/37512422923"}`)
	f.Fuzz(func(t *testing.T, expr, data string) {
		var e, d any
		if json.Unmarshal([]byte(expr), &e) != nil || json.Unmarshal([]byte(data), &d) != nil {
			return
		}
		_ = Validate(e)
		_, _ = Evaluate(e, d)
	})
}
