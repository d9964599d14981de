package assess

import (
	"encoding/json"
	"fmt"
	"slices"
	"unicode/utf8"

	"article5"
	"article5/stix"

	"github.com/gowebpki/jcs"
)

// canonicalWriter appends the RFC 8785 canonical JSON of article5's own
// values to buf, without the marshal-then-transform round trip of
// canonical: the bytes are those that jcs.Transform gives for json.Marshal
// of the same value (TestCanonicalWriterMatchesJCS proves it on every
// example, on large synthetic cases and on hostile strings and numbers).
//
// Strings are written as json.Marshal and then jcs.Transform leave them:
// invalid UTF-8 becomes U+FFFD, byte by byte; only '"', '\\' and the C0
// controls are escaped (\b \t \n \f \r, else \u00xx); everything else,
// '<', '>', '&', U+2028 and U+2029 included, is written as is. Numbers
// are IEEE 754 doubles in ECMAScript form (jcs.NumberToJSON): an int64
// beyond 2^53 is rounded as json.Marshal then jcs.Transform round it.
// Object members are sorted by their UTF-16 code units.
//
// The first fault (a NaN or infinite number, a value canonical cannot
// encode) is kept in err and ends the writing; it is EINTERNAL.
type canonicalWriter struct {
	buf    []byte
	err    error
	orders []namesInOrder // see nameOrder
}

// namesInOrder is a list of member names and the canonical order of their
// indices (see canonicalWriter.nameOrder).
type namesInOrder struct {
	names []string
	order []int
}

const hexDigits = "0123456789abcdef"

// str writes s as a canonical JSON string.
func (w *canonicalWriter) str(s string) {
	b := append(w.buf, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c >= 0x20:
				b = append(b, c)
			case c == '\b':
				b = append(b, '\\', 'b')
			case c == '\f':
				b = append(b, '\\', 'f')
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, "\uFFFD"...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	w.buf = append(b, '"')
}

// num writes f in ECMAScript form; NaN and ±Inf are a fault.
func (w *canonicalWriter) num(f float64) {
	s, err := jcs.NumberToJSON(f)
	if err != nil {
		w.fail(fmt.Errorf("number %v: %w", f, err))
		return
	}
	w.buf = append(w.buf, s...)
}

func (w *canonicalWriter) boolean(v bool) {
	if v {
		w.buf = append(w.buf, "true"...)
	} else {
		w.buf = append(w.buf, "false"...)
	}
}

func (w *canonicalWriter) null() { w.buf = append(w.buf, "null"...) }

// key writes the member name k (with the comma before it unless first)
// and the colon. The caller writes members in canonical order.
func (w *canonicalWriter) key(first bool, k string) {
	if !first {
		w.buf = append(w.buf, ',')
	}
	w.str(k)
	w.buf = append(w.buf, ':')
}

func (w *canonicalWriter) fail(err error) {
	if w.err == nil {
		w.err = article5.Internal("canonicalise for hashing", err)
	}
}

// value writes v, one of the dynamic values of a report (fact values,
// divergence values): nil, string, Tier, Scope, bool, int, int64, float64,
// []string, map[string]any. Anything else goes through canonical, the
// reference path, so the bytes are the same whatever v holds.
func (w *canonicalWriter) value(v any) {
	switch x := v.(type) {
	case nil:
		w.null()
	case string:
		w.str(x)
	case article5.Tier:
		w.str(string(x))
	case article5.Scope:
		w.str(string(x))
	case bool:
		w.boolean(x)
	case int:
		w.num(float64(x))
	case int64:
		w.num(float64(x))
	case float64:
		w.num(x)
	case []string:
		if x == nil {
			w.null()
			return
		}
		w.buf = append(w.buf, '[')
		for i, s := range x {
			if i > 0 {
				w.buf = append(w.buf, ',')
			}
			w.str(s)
		}
		w.buf = append(w.buf, ']')
	case map[string]any:
		if x == nil {
			w.null()
			return
		}
		var kb [8]string
		keys, ok := sortedKeys(x, kb[:0])
		if !ok {
			w.raw(v)
			return
		}
		w.buf = append(w.buf, '{')
		for i, k := range keys {
			w.key(i == 0, k)
			w.value(x[k])
		}
		w.buf = append(w.buf, '}')
	default:
		w.raw(v)
	}
}

// raw writes v through canonical (json.Marshal, then jcs.Transform).
func (w *canonicalWriter) raw(v any) {
	c, err := canonical(v)
	if err != nil {
		if w.err == nil {
			w.err = err
		}
		return
	}
	w.buf = append(w.buf, c...)
}

// sortedKeys appends the keys of m to buf in RFC 8785 order (UTF-16 code
// units). ok is false when a key is not valid UTF-8: json.Marshal would
// turn it into U+FFFD, possibly into a duplicate, which only the reference
// path (canonical) handles as before.
func sortedKeys[V any](m map[string]V, buf []string) (keys []string, ok bool) {
	keys = buf
	for k := range m {
		if !utf8.ValidString(k) {
			return nil, false
		}
		keys = append(keys, k)
	}
	slices.SortFunc(keys, stix.CompareUTF16)
	return keys, true
}

// canonical returns the RFC 8785 canonical JSON of v: json.Marshal, then
// jcs.Transform. It is the reference the canonicalWriter is tested
// against, and its fallback for values of other types.
func canonical(v any) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, article5.Internal("marshal for hashing", err)
	}
	c, err := jcs.Transform(raw)
	if err != nil {
		return nil, article5.Internal("canonicalise for hashing", err)
	}
	return c, nil
}
