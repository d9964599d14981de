package stix

import (
	"bytes"
	"encoding/json"
	"slices"
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
