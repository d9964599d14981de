package stix

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"article5"

	"github.com/gowebpki/jcs"
)

// CanonicalLarge returns the RFC 8785 canonical JSON of raw, byte for byte
// what jcs.Transform(raw) returns, written in one pass over raw without a
// parse tree (see rawCanon): it is for documents the node writes itself
// (an assessment of a case of 10,000 incidents holds tens of megabytes of
// findings). raw must be valid I-JSON; an error is EINTERNAL.
func CanonicalLarge(raw []byte) ([]byte, error) {
	c := rawCanon{data: raw}
	out, err := c.value(make([]byte, 0, len(raw)), 0)
	if err == nil {
		c.space()
		if c.i != len(raw) {
			err = fmt.Errorf("data after the value at offset %d", c.i)
		}
	}
	if err != nil {
		return nil, article5.Internal("canonical JSON", err)
	}
	return out, nil
}

// rawCanon writes the canonical form of JSON bytes as it reads them. A
// string without escapes is copied as it is (jcs writes such a string
// unchanged); one with escapes is decoded and written as jcs writes it
// (appendCanonicalString). An integer of up to 15 digits is copied; any
// other number goes through strconv.ParseFloat and jcs.NumberToJSON.
// Object members are written in the order read, each value canonical, and
// then moved into UTF-16 order of their names if they are not in it
// already (json.Marshal writes a map's members sorted, a struct's in
// declaration order).
type rawCanon struct {
	data    []byte
	i       int
	scratch []byte
}

// maxCanonicalDepth bounds nesting, as jcs does.
const maxCanonicalDepth = 10000

func (c *rawCanon) space() {
	for c.i < len(c.data) {
		switch c.data[c.i] {
		case ' ', '\t', '\n', '\r':
			c.i++
		default:
			return
		}
	}
}

func (c *rawCanon) value(b []byte, depth int) ([]byte, error) {
	if depth > maxCanonicalDepth {
		return b, errors.New("nested too deep")
	}
	c.space()
	if c.i >= len(c.data) {
		return b, errors.New("unexpected end of data")
	}
	switch ch := c.data[c.i]; {
	case ch == '{':
		return c.object(b, depth)
	case ch == '[':
		c.i++
		b = append(b, '[')
		c.space()
		if c.i < len(c.data) && c.data[c.i] == ']' {
			c.i++
			return append(b, ']'), nil
		}
		for first := true; ; first = false {
			if !first {
				b = append(b, ',')
			}
			var err error
			if b, err = c.value(b, depth+1); err != nil {
				return b, err
			}
			c.space()
			if c.i >= len(c.data) {
				return b, errors.New("unexpected end of array")
			}
			if c.data[c.i] == ']' {
				c.i++
				return append(b, ']'), nil
			}
			if c.data[c.i] != ',' {
				return b, fmt.Errorf("expected ',' or ']' at offset %d", c.i)
			}
			c.i++
		}
	case ch == '"':
		raw, s, err := c.str()
		if err != nil {
			return b, err
		}
		if raw != nil {
			return append(append(append(b, '"'), raw...), '"'), nil
		}
		return appendCanonicalString(b, s), nil
	case ch == '-' || (ch >= '0' && ch <= '9'):
		return c.number(b)
	default:
		for _, lit := range [...]string{"true", "false", "null"} {
			if bytes.HasPrefix(c.data[c.i:], []byte(lit)) {
				c.i += len(lit)
				return append(b, lit...), nil
			}
		}
		return b, fmt.Errorf("unexpected %q at offset %d", ch, c.i)
	}
}

// member is one written member of an object: its name and where its bytes
// (name, colon and value) lie in the output.
type member struct {
	name       string
	start, end int
}

func (c *rawCanon) object(b []byte, depth int) ([]byte, error) {
	c.i++ // '{'
	b = append(b, '{')
	c.space()
	if c.i < len(c.data) && c.data[c.i] == '}' {
		c.i++
		return append(b, '}'), nil
	}
	var mb [16]member
	ms := mb[:0]
	sorted := true
	for {
		c.space()
		if c.i >= len(c.data) || c.data[c.i] != '"' {
			return b, fmt.Errorf("expected a member name at offset %d", c.i)
		}
		raw, name, err := c.str()
		if err != nil {
			return b, err
		}
		if len(ms) > 0 {
			b = append(b, ',')
		}
		start := len(b)
		if raw != nil {
			name = string(raw)
			b = append(append(append(b, '"'), raw...), '"')
		} else {
			b = appendCanonicalString(b, name)
		}
		c.space()
		if c.i >= len(c.data) || c.data[c.i] != ':' {
			return b, fmt.Errorf("expected ':' at offset %d", c.i)
		}
		c.i++
		b = append(b, ':')
		if b, err = c.value(b, depth+1); err != nil {
			return b, err
		}
		if n := len(ms); n > 0 && sorted && CompareUTF16(ms[n-1].name, name) >= 0 {
			sorted = false
		}
		ms = append(ms, member{name: name, start: start, end: len(b)})
		c.space()
		if c.i >= len(c.data) {
			return b, errors.New("unexpected end of object")
		}
		if c.data[c.i] == '}' {
			c.i++
			break
		}
		if c.data[c.i] != ',' {
			return b, fmt.Errorf("expected ',' or '}' at offset %d", c.i)
		}
		c.i++
	}
	if !sorted {
		from := ms[0].start
		c.scratch = append(c.scratch[:0], b[from:]...)
		slices.SortStableFunc(ms, func(x, y member) int { return CompareUTF16(x.name, y.name) })
		for k := 1; k < len(ms); k++ {
			if ms[k].name == ms[k-1].name {
				return b, fmt.Errorf("member %q twice", ms[k].name)
			}
		}
		b = b[:from]
		for k, m := range ms {
			if k > 0 {
				b = append(b, ',')
			}
			b = append(b, c.scratch[m.start-from:m.end-from]...)
		}
	}
	return append(b, '}'), nil
}

// str reads a string at c.i: raw, its bytes between the quotes, when it
// holds no escape; else s, the string decoded (and raw nil).
func (c *rawCanon) str() (raw []byte, s string, err error) {
	start := c.i + 1
	escaped := false
	for j := start; j < len(c.data); j++ {
		switch ch := c.data[j]; {
		case ch == '\\':
			escaped = true
			j++
		case ch == '"':
			c.i = j + 1
			if !escaped {
				raw = c.data[start:j:j]
				if !utf8.Valid(raw) {
					return nil, "", fmt.Errorf("string at offset %d is not UTF-8", start-1)
				}
				return raw, "", nil
			}
			if err := json.Unmarshal(c.data[start-1:j+1], &s); err != nil {
				return nil, "", err
			}
			return nil, s, nil
		case ch < 0x20:
			return nil, "", fmt.Errorf("control character in the string at offset %d", start-1)
		}
	}
	return nil, "", errors.New("unterminated string")
}

func (c *rawCanon) number(b []byte) ([]byte, error) {
	start := c.i
	digits, simple := 0, true
	for ; c.i < len(c.data); c.i++ {
		ch := c.data[c.i]
		if ch >= '0' && ch <= '9' {
			digits++
			continue
		}
		if ch == '-' && c.i == start {
			continue
		}
		if ch == '.' || ch == 'e' || ch == 'E' || ch == '+' || ch == '-' {
			simple = false
			continue
		}
		break
	}
	lit := c.data[start:c.i]
	if simple && digits > 0 && digits <= 15 && (digits == 1 || lit[len(lit)-digits] != '0') && string(lit) != "-0" {
		return append(b, lit...), nil // an integer a double holds exactly: written as it is
	}
	f, err := strconv.ParseFloat(string(lit), 64)
	if err != nil {
		return b, fmt.Errorf("number %q: %w", lit, err)
	}
	n, err := jcs.NumberToJSON(f)
	if err != nil {
		return b, err
	}
	return append(b, n...), nil
}

// CompareUTF16 orders strings by their UTF-16 code units, as RFC 8785
// §3.2.3 sorts an object's member names: negative, zero or positive as a
// sorts before, with or after b. For valid UTF-8 it differs from byte
// order only where a supplementary character (a surrogate pair) meets one
// in U+E000–U+FFFF.
func CompareUTF16(a, b string) int {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ra != rb {
			ua, ub := units(ra), units(rb)
			if ua[0] != ub[0] {
				return int(ua[0]) - int(ub[0])
			}
			return int(ua[1]) - int(ub[1])
		}
		a, b = a[na:], b[nb:]
	}
	return len(a) - len(b)
}

// units returns the UTF-16 code units of r (the second 0 if one).
func units(r rune) [2]uint16 {
	if r >= 0x10000 {
		h, l := utf16.EncodeRune(r)
		return [2]uint16{uint16(h), uint16(l)}
	}
	return [2]uint16{uint16(r), 0}
}

// appendCanonical appends the RFC 8785 canonical JSON of v to b: v is a
// value Parse decoded from I-JSON (map[string]any, []any, string,
// json.Number, bool, nil), so the bytes are those jcs.Transform gives for
// the bytes v was decoded from (TestCanonicalMatchesJCS, FuzzParse). ok is
// false for any other value, or a number that is not a finite double,
// which only jcs then handles.
//
// Strings are escaped as jcs escapes them: '"', '\\' and the C0 controls
// (\b \t \n \f \r, else \u00xx); every other character is written as is.
// Numbers are IEEE 754 doubles in ECMAScript form (jcs.NumberToJSON).
// Members are sorted by their UTF-16 code units.
func appendCanonical(b []byte, v any) (_ []byte, ok bool) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), true
	case bool:
		if x {
			return append(b, "true"...), true
		}
		return append(b, "false"...), true
	case string:
		return appendCanonicalString(b, x), true
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil {
			return b, false
		}
		s, err := jcs.NumberToJSON(f)
		if err != nil {
			return b, false
		}
		return append(b, s...), true
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			if b, ok = appendCanonical(b, e); !ok {
				return b, false
			}
		}
		return append(b, ']'), true
	case map[string]any:
		var kb [16]string
		keys := kb[:0]
		ascii := true
		for k := range x {
			keys = append(keys, k)
			ascii = ascii && isASCII(k)
		}
		if ascii {
			slices.Sort(keys) // byte order is UTF-16 order for ASCII
		} else {
			slices.SortFunc(keys, CompareUTF16)
		}
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendCanonicalString(b, k)
			b = append(b, ':')
			if b, ok = appendCanonical(b, x[k]); !ok {
				return b, false
			}
		}
		return append(b, '}'), true
	}
	return b, false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

const hexDigits = "0123456789abcdef"

// appendCanonicalString appends s, valid UTF-8, as jcs writes a string.
func appendCanonicalString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\b':
			b = append(b, '\\', 'b')
		case '\f':
			b = append(b, '\\', 'f')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
