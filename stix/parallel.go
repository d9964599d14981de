package stix

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
)

// parallelMin is the fewest objects for which Parse and Validate share
// their per-object work among goroutines: below it, starting them costs
// more than they save.
const parallelMin = 128

// parallelChunk is how many consecutive objects one goroutine takes at a
// time.
const parallelChunk = 64

// eachChunk calls fn(lo, hi) for consecutive ranges covering [0, n), on up
// to GOMAXPROCS goroutines when n is at least parallelMin (else on the
// caller's), and returns when every call has. The ranges are fixed by n
// alone (parallelChunk each), so results that fn keeps per range can be
// joined in range order for the same outcome as one sequential pass.
func eachChunk(n int, fn func(lo, hi int)) {
	workers := min(runtime.GOMAXPROCS(0), (n+parallelChunk-1)/parallelChunk)
	if n < parallelMin || workers < 2 {
		for lo := 0; lo < n; lo += parallelChunk {
			fn(lo, min(lo+parallelChunk, n))
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				lo := int(next.Add(parallelChunk)) - parallelChunk
				if lo >= n {
					return
				}
				fn(lo, min(lo+parallelChunk, n))
			}
		})
	}
	wg.Wait()
}

// parseClean is Parse's path for clean input, the common case: a bundle
// that is strict JSON as github.com/go-json-experiment/json/jsontext reads
// it by default (valid UTF-8, no property name twice in one object) with
// one "objects" array. The array's elements are found by that tokenizer,
// which builds no values, and decoded on several goroutines (eachChunk)
// exactly as Parse's stream decodes them. ok is false, and nothing is
// returned, for anything else (a syntax error, an I-JSON fault outside the
// elements, a bare object, no "objects" array, an element that
// encoding/json refuses): Parse then reads the input the sequential way,
// which words every error. data is Parse's own copy of the input.
// opts.Admit is called, and *admitted set, once the elements are found and
// before any is decoded; its error is parseClean's (with ok false).
// opts.Each is called for each element as it is decoded.
func parseClean(data []byte, opts ParseOptions, admitted *bool) (b *Bundle, ok bool, err error) {
	// A Buffer: read in place, not copied. This pass only finds where
	// each element starts and ends: the elements' UTF-8 and duplicate
	// names are checked where they are decoded (elementDecoder, on
	// several goroutines), the bundle's own names here.
	dec := jsontext.NewDecoder(bytes.NewBuffer(data), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '{' {
		return nil, false, nil
	}
	b = &Bundle{props: map[string]any{}}
	seen := map[string]bool{}
	var elems [][2]int // each element's bytes in data: [start, end)
	streamed := false
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil {
			return nil, false, nil
		}
		key := tok.String()
		if seen[key] || !utf8.ValidString(key) || strings.ContainsRune(key, utf8.RuneError) {
			return nil, false, nil // the sequential way words it
		}
		seen[key] = true
		if key == "objects" && dec.PeekKind() == '[' {
			streamed = true
			if _, err := dec.ReadToken(); err != nil {
				return nil, false, nil
			}
			for dec.PeekKind() != ']' {
				v, err := dec.ReadValue()
				if err != nil {
					return nil, false, nil
				}
				end := int(dec.InputOffset())
				elems = append(elems, [2]int{end - len(v), end})
			}
			if _, err := dec.ReadToken(); err != nil {
				return nil, false, nil
			}
			continue
		}
		raw, err := dec.ReadValue()
		if err != nil {
			return nil, false, nil
		}
		// Bundle-level values are read as Parse reads them, with the
		// I-JSON checks; any fault goes the sequential way.
		r := newTokenReader(bytes.Clone(raw))
		r.depth = 1
		r.path = append(r.path, key)
		v, err := r.value()
		if err != nil || r.fault != nil {
			return nil, false, nil
		}
		b.props[key] = v
	}
	if _, err := dec.ReadToken(); err != nil { // '}'
		return nil, false, nil
	}
	if _, err := dec.ReadToken(); err != io.EOF {
		return nil, false, nil
	}
	if !streamed {
		return nil, false, nil
	}
	if t, isString := b.props["type"].(string); isString && t != "bundle" {
		return nil, false, nil
	}
	if opts.Admit != nil {
		*admitted = true
		if err := opts.Admit(len(elems)); err != nil {
			return nil, false, err
		}
	}
	b.Objects = make([]*Object, len(elems))
	var failed atomic.Bool
	eachChunk(len(elems), func(lo, hi int) {
		d := &elementDecoder{dec: jsontext.NewDecoder(bytes.NewBuffer(nil)), names: map[string]any{}}
		for i := lo; i < hi && !failed.Load(); i++ {
			raw := data[elems[i][0]:elems[i][1]:elems[i][1]]
			o, err := d.decode(raw, i)
			if err != nil {
				failed.Store(true)
				return
			}
			b.Objects[i] = o
			if opts.Each != nil {
				opts.Each(i, o)
			}
		}
	})
	if failed.Load() {
		return nil, false, nil
	}
	b.props["objects"] = []any{} // presence marker for Validate
	b.ID, _ = b.props["id"].(string)
	b.SpecVersion, _ = b.props["spec_version"].(string)
	return b, true, nil
}

// errNotOne is an element that holds more than one JSON value.
var errNotOne = errors.New("more than one value")

// elementDecoder decodes elements of "objects" on one goroutine.
type elementDecoder struct {
	dec   *jsontext.Decoder
	names map[string]any // property names and short strings seen, each allocated (and boxed) once
	huge  bool           // the element being decoded holds a number beyond a double
	width int            // how many properties the last element had: the next one's map is made that large
}

// maxShared is the longest string value elementDecoder.names keeps (type
// names, vocabulary values, "2.1"); longer ones (ids, timestamps, text)
// are seldom repeated.
const maxShared = 20

// maxNames bounds elementDecoder.names.
const maxNames = 1024

// decode decodes element i of "objects", raw (strict JSON, as parseClean
// found it), into what streamObjects would give: the values encoding/json
// builds with UseNumber (map[string]any, []any, string, json.Number, bool,
// nil), built from jsontext's tokens, without encoding/json's slower scan.
// It fails on what encoding/json would refuse or read differently (nesting
// beyond maxDepth, more than one value), which parseClean leaves to the
// sequential path.
func (d *elementDecoder) decode(raw []byte, i int) (*Object, error) {
	d.dec.Reset(bytes.NewBuffer(raw))
	d.huge = false
	v, err := d.value(0)
	if err != nil {
		return nil, err
	}
	if _, err := d.dec.ReadToken(); err != io.EOF {
		return nil, errNotOne
	}
	props, isObj := v.(map[string]any)
	if !isObj {
		props = map[string]any{}
	}
	o := newObject(props, raw, i)
	o.notObject = !isObj
	// jsontext read raw as strict JSON: valid UTF-8, no unpaired
	// surrogate, no name twice in one object. What is left of I-JSON's
	// faults (see suspect) is a number beyond a double.
	if d.huge {
		o.malformed, _, _ = checkJSON(raw)
	}
	return o, nil
}

// value reads the next value as encoding/json decodes it into an any with
// UseNumber; depth is how deep the value nests already.
func (d *elementDecoder) value(depth int) (any, error) {
	dec := d.dec
	if dec.PeekKind() == '"' {
		q, err := dec.ReadValue()
		if err != nil {
			return nil, err
		}
		return d.shared(q, maxShared)
	}
	tok, err := dec.ReadToken()
	if err != nil {
		return nil, err
	}
	switch tok.Kind() {
	case '{':
		if depth++; depth > maxDepth {
			return nil, errTooDeep
		}
		var m map[string]any
		if depth == 1 {
			m = make(map[string]any, d.width) // one allocation, not a small map grown into a table
		} else {
			m = map[string]any{}
		}
		for dec.PeekKind() != '}' {
			name, err := dec.ReadValue()
			if err != nil {
				return nil, err
			}
			key, err := d.str(name, math.MaxInt)
			if err != nil {
				return nil, err
			}
			v, err := d.value(depth)
			if err != nil {
				return nil, err
			}
			m[key] = v
		}
		if _, err := dec.ReadToken(); err != nil {
			return nil, err
		}
		if depth == 1 {
			d.width = len(m)
		}
		return m, nil
	case '[':
		if depth++; depth > maxDepth {
			return nil, errTooDeep
		}
		l := []any{}
		for dec.PeekKind() != ']' {
			v, err := d.value(depth)
			if err != nil {
				return nil, err
			}
			l = append(l, v)
		}
		if _, err := dec.ReadToken(); err != nil {
			return nil, err
		}
		return l, nil
	case '"':
		return tok.String(), nil
	case '0':
		num := tok.String()
		if !d.huge {
			if _, err := strconv.ParseFloat(num, 64); err != nil {
				d.huge = true
			}
		}
		return json.Number(num), nil
	case 't':
		return true, nil
	case 'f':
		return false, nil
	case 'n':
		return nil, nil
	}
	return nil, errNotOne
}

// str is the string whose quoted form is q; one of at most share bytes
// is allocated once per decoder (for the first maxNames such strings).
func (d *elementDecoder) str(q jsontext.Value, share int) (string, error) {
	v, err := d.shared(q, share)
	if err != nil {
		return "", err
	}
	return v.(string), nil
}

// shared is str's string as an any: one kept by the decoder is boxed
// once, so the many objects that repeat it (type names, "2.1",
// vocabulary values, property names) do not each allocate it again.
func (d *elementDecoder) shared(q jsontext.Value, share int) (any, error) {
	if len(q) < 2 || q[0] != '"' {
		return "", errNotOne
	}
	if bytes.IndexByte(q, '\\') >= 0 {
		b, err := jsontext.AppendUnquote(nil, q)
		return string(b), err
	}
	b := q[1 : len(q)-1]
	if len(b) > share {
		return string(b), nil
	}
	if v, ok := d.names[string(b)]; ok {
		return v, nil
	}
	var v any = string(b)
	if len(d.names) < maxNames {
		d.names[string(b)] = v
	}
	return v, nil
}
