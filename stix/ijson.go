package stix

import (
	"article5"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxDepth is the deepest nesting of JSON arrays and objects Parse accepts,
// counted from the top-level value: the limit of encoding/json and of
// github.com/gowebpki/jcs, so that whatever Parse accepts can be
// canonicalised.
const maxDepth = 10000

// jsonFault is the first place where an input breaks I-JSON (RFC 7493),
// the profile of JSON that RFC 8785 canonicalisation requires: a string
// that is not valid Unicode, a property name given twice in one object, or
// a number beyond the range of an IEEE 754 double.
type jsonFault struct {
	pointer string // RFC 6901 pointer of the fault, relative to the value being read
	message string // what is wrong and what was expected
}

// suspect reports whether raw, one JSON value that encoding/json decoded
// into v, may not be I-JSON. It never misses a fault and is cheap (one pass
// over raw, one walk of v), so the exact but slower tokenReader only runs
// on what it flags: bytes that are not UTF-8, a \uD… escape (a surrogate,
// paired or not), a number beyond a double, or more members in raw's
// objects (name separators outside strings) than names in v's (which
// keeps one of two equal names).
func suspect(raw []byte, v any) bool {
	if !utf8.Valid(raw) || bytes.Contains(raw, []byte(`\ud`)) || bytes.Contains(raw, []byte(`\uD`)) {
		return true
	}
	names, ok := countNames(v)
	return !ok || names != nameSeparators(raw)
}

// countNames returns how many names v's objects hold, at any depth, and
// whether every number in v fits a double.
func countNames(v any) (int, bool) {
	switch x := v.(type) {
	case map[string]any:
		n := len(x)
		for _, e := range x {
			m, ok := countNames(e)
			if !ok {
				return 0, false
			}
			n += m
		}
		return n, true
	case []any:
		n := 0
		for _, e := range x {
			m, ok := countNames(e)
			if !ok {
				return 0, false
			}
			n += m
		}
		return n, true
	case json.Number:
		_, err := strconv.ParseFloat(string(x), 64)
		return 0, err == nil
	}
	return 0, true
}

// nameSeparators counts the ':' outside string literals in raw, valid
// JSON: one per object member.
func nameSeparators(raw []byte) int {
	n, inString := 0, false
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; {
		case inString && c == '\\':
			i++ // the escaped byte
		case c == '"':
			inString = !inString
		case c == ':' && !inString:
			n++
		}
	}
	return n
}

// tokenReader builds JSON values (map[string]any, []any, string,
// json.Number, bool, nil) from the token stream of a json.Decoder and
// checks each token against I-JSON on the way. encoding/json alone decodes
// such input leniently (the last of two equal names wins; invalid UTF-8 and
// unpaired surrogates become U+FFFD; 1e999 stays a json.Number), so the
// checks look at the decoded tokens and, only when a decoded string holds
// U+FFFD, at the bytes it came from.
//
// The reader records the first fault and keeps reading with the lenient
// result, so that the rest of a bundle is still read; syntax errors and
// nesting beyond maxDepth stop it.
type tokenReader struct {
	dec   *json.Decoder
	data  []byte   // the whole input: dec reads it from offset 0
	path  []string // reference tokens (unescaped) of the value being read
	depth int
	fault *jsonFault // the first fault since the last reset, nil if none
}

func newTokenReader(data []byte) *tokenReader {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return &tokenReader{dec: dec, data: data}
}

// errTooDeep stops reading when arrays and objects nest beyond maxDepth.
var errTooDeep = errors.New("too deep")

// reset starts a new value whose pointers are relative to it.
func (r *tokenReader) reset() {
	r.path = r.path[:0]
	r.fault = nil
}

// pointer renders the current path as an RFC 6901 pointer, with extra
// reference tokens appended.
func (r *tokenReader) pointer(extra ...string) string {
	var b strings.Builder
	for _, p := range append(r.path[:len(r.path):len(r.path)], extra...) {
		b.WriteByte('/')
		b.WriteString(escapePointer(p))
	}
	return b.String()
}

func (r *tokenReader) faultf(ptr, format string, args ...any) {
	if r.fault == nil {
		r.fault = &jsonFault{pointer: ptr, message: fmt.Sprintf(format, args...)}
	}
}

// value reads the next value.
func (r *tokenReader) value() (any, error) {
	start := r.dec.InputOffset()
	tok, err := r.dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			return r.object()
		case '[':
			return r.array()
		}
		return nil, fmt.Errorf("unexpected %q", rune(t)) // json.Decoder reports a misplaced delimiter itself
	case string:
		if msg := r.checkString(t, start); msg != "" {
			r.faultf(r.pointer(), "the string %s", msg)
		}
		return t, nil
	case json.Number:
		if _, err := strconv.ParseFloat(string(t), 64); err != nil {
			r.faultf(r.pointer(), "the number %s is beyond the range of an IEEE 754 double (about ±1.8e308); JSON numbers must fit one (I-JSON, RFC 7493 §2.2; RFC 8785 §3.2.2.3)", shorten(string(t)))
		}
		return t, nil
	}
	return tok, nil // bool or nil
}

func (r *tokenReader) enter() error {
	r.depth++
	if r.depth > maxDepth {
		return errTooDeep
	}
	return nil
}

// object reads the members of an object whose '{' has been read.
func (r *tokenReader) object() (map[string]any, error) {
	if err := r.enter(); err != nil {
		return nil, err
	}
	m := map[string]any{}
	for r.dec.More() {
		start := r.dec.InputOffset()
		tok, err := r.dec.Token()
		if err != nil {
			return nil, err
		}
		key, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("expected a property name, got %v", tok) // json.Decoder reports this itself
		}
		if msg := r.checkString(key, start); msg != "" {
			r.faultf(r.pointer(), "the property name %s", msg)
		} else if _, dup := m[key]; dup {
			r.faultf(r.pointer(key), "the property name %s appears twice in one object; names must be unique (I-JSON, RFC 7493 §2.3; RFC 8785 §3.1)", strconv.Quote(shorten(key)))
		}
		r.path = append(r.path, key)
		v, err := r.value()
		r.path = r.path[:len(r.path)-1]
		if err != nil {
			return nil, err
		}
		m[key] = v
	}
	if _, err := r.dec.Token(); err != nil { // '}'
		return nil, err
	}
	r.depth--
	return m, nil
}

// array reads the elements of an array whose '[' has been read.
func (r *tokenReader) array() ([]any, error) {
	if err := r.enter(); err != nil {
		return nil, err
	}
	l := []any{}
	for r.dec.More() {
		r.path = append(r.path, strconv.Itoa(len(l)))
		v, err := r.value()
		r.path = r.path[:len(r.path)-1]
		if err != nil {
			return nil, err
		}
		l = append(l, v)
	}
	if _, err := r.dec.Token(); err != nil { // ']'
		return nil, err
	}
	r.depth--
	return l, nil
}

// checkString returns "" when the string token s, read from the input at
// offset start, is valid Unicode as written; else what is wrong with it,
// as a predicate ("is not valid UTF-8 …"). encoding/json turns both faults
// into U+FFFD, so only strings holding U+FFFD are looked at again.
func (r *tokenReader) checkString(s string, start int64) string {
	if !strings.ContainsRune(s, utf8.RuneError) {
		return ""
	}
	raw := r.data[start:r.dec.InputOffset()] // the literal, after white space, ',' or ':'
	q := strconv.Quote(shorten(s))
	switch {
	case !utf8.Valid(raw):
		return q + " is not valid UTF-8 (shown here with U+FFFD for the bad bytes); JSON text must be UTF-8 (RFC 8259 §8.1; I-JSON, RFC 7493 §2.1)"
	case unpairedSurrogate(raw):
		return q + ` holds a \u escape of an unpaired UTF-16 surrogate (\uD800–\uDFFF), which encodes no character (RFC 8259 §8.2; I-JSON, RFC 7493 §2.1)`
	}
	return ""
}

// unpairedSurrogate reports whether a JSON string literal (its bytes as
// written, already accepted by encoding/json) holds a \u escape of a
// high surrogate not followed by a \u escape of a low surrogate, or of a
// low surrogate not preceded by a high one.
func unpairedSurrogate(lit []byte) bool {
	for i := 0; i < len(lit); i++ {
		if lit[i] != '\\' {
			continue
		}
		i++ // the escaped character; the loop skips it
		if i >= len(lit) || lit[i] != 'u' {
			continue
		}
		u, ok := hex4(lit, i+1)
		if !ok {
			return false // encoding/json accepted the literal: cannot happen
		}
		i += 4
		switch {
		case u >= 0xDC00 && u <= 0xDFFF:
			return true
		case u >= 0xD800 && u <= 0xDBFF:
			if i+2 >= len(lit) || lit[i+1] != '\\' || lit[i+2] != 'u' {
				return true
			}
			low, ok := hex4(lit, i+3)
			if !ok || low < 0xDC00 || low > 0xDFFF {
				return true
			}
			i += 6
		}
	}
	return false
}

// hex4 reads four hexadecimal digits at b[i:].
func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b[i:i+4]), 16, 16)
	return rune(n), err == nil
}

// shorten cuts s to 40 bytes (at a character boundary) for a message.
func shorten(s string) string {
	const n = 40
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

// readError turns an error of the token reader into an EINVALID error:
// nesting too deep, or the syntax error with its line and column.
func readError(data []byte, r *tokenReader, err error) error {
	if errors.Is(err, errTooDeep) {
		line, col := lineCol(data, int(r.dec.InputOffset())-1)
		msg := fmt.Sprintf("malformed JSON at line %d, column %d: arrays and objects nest more than %d deep", line, col, maxDepth)
		return &article5.Error{Code: article5.EINVALID, Message: msg,
			Details: []article5.Detail{{Message: fmt.Sprintf("column %d: nesting deeper than %d", col, maxDepth), Line: line}}}
	}
	return syntaxError(data, err)
}

// faultError is the EINVALID error for a fault in object (a STIX id,
// "objects/N" or "bundle"; "" for a lone value without one). Its Details
// say where; Error() prints them under the message.
func faultError(object string, f *jsonFault) *article5.Error {
	return &article5.Error{
		Code:    article5.EINVALID,
		Message: "malformed JSON: not I-JSON (RFC 7493), which canonical JSON (RFC 8785) requires",
		Details: []article5.Detail{{Object: object, Pointer: f.pointer, Message: f.message}},
	}
}

// checkJSON reads data, one JSON value, and returns its first I-JSON fault
// (nil if none), or the EINVALID error of a syntax error.
func checkJSON(data []byte) (*jsonFault, map[string]any, error) {
	r := newTokenReader(data)
	v, err := r.value()
	if err != nil {
		return nil, nil, readError(data, r, err)
	}
	m, _ := v.(map[string]any)
	return r.fault, m, nil
}
