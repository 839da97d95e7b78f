package certlogic

import (
	"regexp"
	"strconv"
	"time"
)

// DateTime is a CertLogic date-time: an instant with millisecond precision,
// in UTC. Only plusTime and dccDateOfBirth make one.
type DateTime struct{ t time.Time }

// NewDateTime truncates t to the millisecond.
func NewDateTime(t time.Time) DateTime { return DateTime{t.UTC().Truncate(time.Millisecond)} }

// Time returns the instant.
func (d DateTime) Time() time.Time { return d.t }

// UnixMilli is milliseconds since the Unix epoch.
func (d DateTime) UnixMilli() int64 { return d.t.UnixMilli() }

// String is ISO 8601 with milliseconds and Z, as JavaScript's toISOString.
func (d DateTime) String() string { return d.t.Format("2006-01-02T15:04:05.000Z") }

// Plus offsets d by amount units ("year", "month", "day", "hour") the way
// JavaScript's Date.setUTC<unit>(getUTC<unit>() + amount) does: a day that
// does not exist rolls over (2020-02-29 plus 1 year is 2021-03-01).
func (d DateTime) Plus(amount int, unit string) DateTime {
	switch unit {
	case "year":
		return DateTime{d.t.AddDate(amount, 0, 0)}
	case "month":
		return DateTime{d.t.AddDate(0, amount, 0)}
	case "day":
		return DateTime{d.t.AddDate(0, 0, amount)}
	}
	return DateTime{d.t.Add(time.Duration(amount) * time.Hour)}
}

var (
	datePartial = regexp.MustCompile(`^(\d{4})(?:-(\d{2}))?$`)
	dateTimeRe  = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{1,2}(?::?\d{2})?)?)?$`)
)

// ParseDateTime reads the date and date-time formats plusTime allows
// (CertLogic 1.3.3): YYYY, YYYY-MM (the last day of that year or month, as
// dccDateOfBirth), YYYY-MM-DD, and YYYY-MM-DDThh:mm:ss with optional
// fraction (truncated to milliseconds) and offset (Z, ±h, ±hh, ±hmm,
// ±hhmm, ±h:mm, ±hh:mm; none means Z). Errors wrap ErrEvaluation.
func ParseDateTime(s string) (DateTime, error) {
	if m := datePartial.FindStringSubmatch(s); m != nil {
		return DateOfBirth(s)
	}
	m := dateTimeRe.FindStringSubmatch(s)
	if m == nil {
		return DateTime{}, errf("not an allowed date or date-time format: %q", s)
	}
	num := func(x string) int { n, _ := strconv.Atoi(x); return n }
	year, month, day := num(m[1]), num(m[2]), num(m[3])
	if month < 1 || month > 12 || day < 1 || day > daysIn(year, time.Month(month)) {
		return DateTime{}, errf("not a valid date: %q", s)
	}
	hh, mm, ss := num(m[4]), num(m[5]), num(m[6])
	if hh > 23 || mm > 59 || ss > 59 {
		return DateTime{}, errf("not a valid time: %q", s)
	}
	ms := 0
	if frac := m[7]; frac != "" {
		for len(frac) < 3 {
			frac += "0"
		}
		ms = num(frac[:3])
	}
	offset := 0
	if z := m[8]; z != "" && z != "Z" {
		sign := 1
		if z[0] == '-' {
			sign = -1
		}
		digits := ""
		for _, r := range z[1:] {
			if r != ':' {
				digits += string(r)
			}
		}
		var oh, om int
		switch {
		case len(z) > 2 && containsColon(z):
			oh, om = num(digits[:len(digits)-2]), num(digits[len(digits)-2:])
		case len(digits) <= 2:
			oh = num(digits)
		default:
			oh, om = num(digits[:len(digits)-2]), num(digits[len(digits)-2:])
		}
		if om > 59 {
			return DateTime{}, errf("not a valid time zone offset: %q", s)
		}
		offset = sign * (oh*3600 + om*60)
	}
	t := time.Date(year, time.Month(month), day, hh, mm, ss, ms*int(time.Millisecond), time.FixedZone("", offset))
	return DateTime{t.UTC()}, nil
}

func containsColon(s string) bool {
	for _, r := range s {
		if r == ':' {
			return true
		}
	}
	return false
}

func daysIn(year int, month time.Month) int {
	return time.Date(year, month+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// DateOfBirth is CertLogic's dccDateOfBirth: YYYY is the 31st of December,
// YYYY-MM the last day of that month, YYYY-MM-DD that day, each at
// 00:00:00.000Z (the last date consistent with what is given). Errors wrap
// ErrEvaluation.
func DateOfBirth(s string) (DateTime, error) {
	if m := datePartial.FindStringSubmatch(s); m != nil {
		year, _ := strconv.Atoi(m[1])
		month := 12
		if m[2] != "" {
			month, _ = strconv.Atoi(m[2])
			if month < 1 || month > 12 {
				return DateTime{}, errf("not a valid date of birth: %q", s)
			}
		}
		return DateTime{time.Date(year, time.Month(month), daysIn(year, time.Month(month)), 0, 0, 0, 0, time.UTC)}, nil
	}
	if len(s) == len("2006-01-02") {
		if d, err := ParseDateTime(s); err == nil {
			return d, nil
		}
	}
	return DateTime{}, errf("not a valid date of birth: %q", s)
}
