package stix

import (
	"article5"
	"fmt"
	"time"
)

// Timestamp is a STIX 2.1 timestamp (STIX 2.1 §2.15): the original text in
// Raw, and the instant in Time (UTC, truncated to nanoseconds). Compare uses
// every fractional digit of Raw, so two timestamps that differ only beyond the
// ninth fractional digit still compare as different instants.
type Timestamp struct {
	Raw  string    // the text exactly as found in the input
	Time time.Time // the instant, UTC, truncated to nanoseconds
}

// ParseTimestamp parses s as a STIX 2.1 timestamp: RFC 3339 in UTC, of the
// form YYYY-MM-DDTHH:MM:SS[.F…]Z with an uppercase "T" and "Z", no offsets,
// and any number (≥ 1) of fractional digits after a ".". A leap second
// (second 60, RFC 3339 §5.7) is accepted only at 23:59:60 and orders after
// 23:59:59.999…; its Time is 23:59:59.999999999. The returned error is an
// *article5.Error with code EINVALID that says what was expected.
func ParseTimestamp(s string) (Timestamp, error) {
	if err := checkTimestamp(s); err != "" {
		return Timestamp{}, article5.Invalid(fmt.Sprintf("timestamp %q: %s", s, err))
	}
	y := atoi(s[0:4])
	mo := atoi(s[5:7])
	d := atoi(s[8:10])
	h := atoi(s[11:13])
	mi := atoi(s[14:16])
	sec := atoi(s[17:19])
	ns := 0
	if len(s) > 20 {
		frac := s[20 : len(s)-1]
		for i := 0; i < 9; i++ {
			ns *= 10
			if i < len(frac) {
				ns += int(frac[i] - '0')
			}
		}
	}
	if sec == 60 {
		sec, ns = 59, 999999999
	}
	return Timestamp{Raw: s, Time: time.Date(y, time.Month(mo), d, h, mi, sec, ns, time.UTC)}, nil
}

// checkTimestamp returns "" if s is a well-formed STIX timestamp, else what
// is wrong with it.
func checkTimestamp(s string) string {
	const expect = "expected YYYY-MM-DDTHH:MM:SS[.fraction]Z in UTC"
	if len(s) < 20 {
		return expect
	}
	for i := 0; i < 19; i++ {
		c := s[i]
		switch i {
		case 4, 7:
			if c != '-' {
				return expect
			}
		case 10:
			if c != 'T' {
				if c == 't' {
					return "the date/time separator must be an uppercase T"
				}
				return expect
			}
		case 13, 16:
			if c != ':' {
				return expect
			}
		default:
			if c < '0' || c > '9' {
				return expect
			}
		}
	}
	rest := s[19:]
	switch {
	case rest == "Z":
	case rest == "z":
		return "the time zone must be an uppercase Z"
	case rest[0] == '+' || rest[0] == '-':
		return "offsets are not allowed; the time zone must be Z (UTC)"
	case rest[0] == '.':
		n := 0
		for n < len(rest)-1 && rest[1+n] >= '0' && rest[1+n] <= '9' {
			n++
		}
		tail := rest[1+n:]
		switch {
		case n == 0:
			return "a \".\" must be followed by at least one fractional digit"
		case tail == "Z":
		case tail == "z":
			return "the time zone must be an uppercase Z"
		case tail != "" && (tail[0] == '+' || tail[0] == '-'):
			return "offsets are not allowed; the time zone must be Z (UTC)"
		default:
			return expect
		}
	default:
		return expect
	}
	y, mo, d := atoi(s[0:4]), atoi(s[5:7]), atoi(s[8:10])
	h, mi, sec := atoi(s[11:13]), atoi(s[14:16]), atoi(s[17:19])
	if mo < 1 || mo > 12 {
		return "month out of range 01–12"
	}
	if d < 1 || d > daysIn(y, mo) {
		return "day out of range for the month"
	}
	if h > 23 {
		return "hour out of range 00–23"
	}
	if mi > 59 {
		return "minute out of range 00–59"
	}
	if sec > 60 || (sec == 60 && (h != 23 || mi != 59)) {
		return "second out of range 00–59 (60 only as a leap second at 23:59:60)"
	}
	return ""
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// fraction returns the fractional digits of a well-formed timestamp text
// ("" when it has none).
func (t Timestamp) fraction() string {
	if len(t.Raw) > 21 && t.Raw[19] == '.' {
		return t.Raw[20 : len(t.Raw)-1]
	}
	return ""
}

func (t Timestamp) leap() bool { return len(t.Raw) >= 19 && t.Raw[17:19] == "60" }

// FractionDigits returns how many fractional-second digits the original text
// has (0 for "…:05Z", 3 for "…:05.000Z").
func (t Timestamp) FractionDigits() int { return len(t.fraction()) }

// Compare returns -1, 0 or +1 as t is before, at or after u as instants. All
// fractional digits count, beyond nanoseconds too ("….0290360001Z" is after
// "….029036Z"); trailing zeros do not ("….029Z" equals "….029000Z").
func (t Timestamp) Compare(u Timestamp) int {
	ts, us := t.Time.Unix(), u.Time.Unix()
	switch {
	case ts < us:
		return -1
	case ts > us:
		return 1
	}
	if tl, ul := t.leap(), u.leap(); tl != ul {
		if tl {
			return 1
		}
		return -1
	}
	a, b := t.fraction(), u.fraction()
	n := max(len(a), len(b))
	for i := 0; i < n; i++ {
		var x, y byte = '0', '0'
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

// String returns the original text, Raw.
func (t Timestamp) String() string { return t.Raw }

// MarshalJSON writes the original text as a JSON string, so a Timestamp
// keeps every digit when it is re-encoded.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	return fmt.Appendf(nil, "%q", t.Raw), nil
}
