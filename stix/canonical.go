package stix

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"article5"

	"github.com/gowebpki/jcs"
)

// canonicalChunk is the size below which CanonicalLarge hands a value to
// jcs whole; above it, an object or array is taken apart one level.
const canonicalChunk = 64 << 10

// CanonicalLarge returns the RFC 8785 canonical JSON of raw, byte for byte
// what jcs.Transform(raw) returns, but without ever holding the parse tree
// of the whole document: an object or array larger than 64 KiB is taken
// apart one level (members sorted by their UTF-16 code units, RFC 8785
// §3.2.3) and each part canonicalised on its own. It is for documents the
// node writes itself (an assessment of a case of 10,000 incidents holds
// tens of megabytes of findings). raw must be valid I-JSON; an error is
// EINTERNAL.
func CanonicalLarge(raw []byte) ([]byte, error) {
	var out bytes.Buffer
	out.Grow(len(raw))
	if err := canonicalInto(&out, raw); err != nil {
		return nil, article5.Internal("canonical JSON", err)
	}
	return out.Bytes(), nil
}

func canonicalInto(out *bytes.Buffer, raw []byte) error {
	v := bytes.TrimSpace(raw)
	if len(v) < canonicalChunk || (v[0] != '{' && v[0] != '[') {
		c, err := jcs.Transform(v)
		if err != nil {
			return err
		}
		out.Write(c)
		return nil
	}
	if v[0] == '[' {
		var elems []json.RawMessage
		if err := json.Unmarshal(v, &elems); err != nil {
			return err
		}
		out.WriteByte('[')
		for i, e := range elems {
			if i > 0 {
				out.WriteByte(',')
			}
			if err := canonicalInto(out, e); err != nil {
				return err
			}
		}
		out.WriteByte(']')
		return nil
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(v, &members); err != nil {
		return err
	}
	keys := make([]string, 0, len(members))
	for k := range members {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compareUTF16)
	out.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			out.WriteByte(',')
		}
		name, err := json.Marshal(k)
		if err != nil {
			return err
		}
		cn, err := jcs.Transform(name)
		if err != nil {
			return err
		}
		out.Write(cn)
		out.WriteByte(':')
		if err := canonicalInto(out, members[k]); err != nil {
			return err
		}
	}
	out.WriteByte('}')
	return nil
}

// compareUTF16 orders strings by their UTF-16 code units (RFC 8785
// §3.2.3).
func compareUTF16(a, b string) int {
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
			slices.SortFunc(keys, compareUTF16)
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
