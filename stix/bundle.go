package stix

import (
	"article5"
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gowebpki/jcs"
)

// Bundle is a STIX 2.1 bundle (STIX 2.1 §8): its id, its objects in input
// order (several versions of one id are all kept) and, for the STIX 2.0
// bundle form, the bundle-level spec_version.
type Bundle struct {
	ID          string    // the bundle's "id", "" if absent (always "" when Bare)
	Objects     []*Object // in input order; Object.Index is the position here
	SpecVersion string    // a bundle-level "spec_version" (STIX 2.0 bundles), "" if absent

	// Bare is true when the input was a single STIX object rather than a
	// bundle (e.g. the OASIS example interop-objectmarking-test.json); Parse
	// then returns a one-object bundle and Validate warns "bare-object".
	Bare bool

	props map[string]any // bundle-level properties other than "objects"
}

// Parse decodes a STIX bundle. The input is copied once; each object's Raw
// is its exact bytes. A single STIX object that is not a bundle (its "type"
// is a string other than "bundle") is accepted as a one-object bundle with
// Bare set, so that Validate warns about it. Malformed JSON, or input that is
// not a JSON object, fails with an EINVALID *article5.Error whose message
// gives the line and column. Elements of "objects" that are not JSON objects
// do not fail Parse; Validate reports them. Parse does not check STIX rules.
//
// The input must also be I-JSON (RFC 7493), as RFC 8785 canonicalisation
// (Canonical) requires: strings valid UTF-8 without unpaired surrogate
// escapes, no property name twice in one object, numbers within the range
// of an IEEE 754 double, and arrays and objects nested at most 10,000 deep
// in any one value (as encoding/json and RFC 8785 libraries allow).
// A fault inside an element of "objects" does not fail Parse: that object
// is kept as read by encoding/json (the last of two equal names wins) and
// Validate reports the fault as an error "malformed-json" naming the
// object and the JSON pointer, so one bad object leaves the rest valid. A
// fault anywhere else (a bundle-level property, or a bare object) fails
// Parse with EINVALID whose Details name the object ("bundle", the bare
// object's id) and the pointer.
func Parse(data []byte) (*Bundle, error) {
	return ParseWith(data, ParseOptions{})
}

// ParseOptions is what ParseWith does beside Parse's work.
type ParseOptions struct {
	// Admit, when set, is given the number of elements of the bundle's
	// "objects" array (CountObjects: those before the first syntax fault;
	// 0 for a bare object) before any element is decoded, at most once.
	// An error from it is ParseWith's error, and nothing is decoded: a
	// caller refuses a bundle too large for it, or over a quota, there
	// without a separate pass over the input.
	Admit func(objects int) error
	// Each, when set, is called with every decoded object and its index in
	// Bundle.Objects before ParseWith returns, on up to GOMAXPROCS
	// goroutines at once: work that needs one object alone (its canonical
	// hash, say) is done while the object is fresh and on every core. An
	// index may be given twice, when the parallel reading gives way to the
	// sequential one after decoding some objects; the later call has the
	// object ParseWith returns.
	Each func(i int, o *Object)
}

// ParseWith is Parse with opts: the same bundle and errors, with Admit
// called once the number of objects is known and Each for each object.
// An error from Admit is returned as is.
func ParseWith(data []byte, opts ParseOptions) (*Bundle, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, article5.Invalid("STIX bundle: empty input")
	}
	if trimmed[0] != '{' {
		line, col := lineCol(data, len(data)-len(bytes.TrimLeft(data, " \t\r\n")))
		return nil, article5.Invalid(fmt.Sprintf("STIX bundle: expected a JSON object at line %d, column %d", line, col))
	}
	data = bytes.Clone(data)
	admitted := false
	b, ok, err := parseClean(data, opts, &admitted)
	if err != nil {
		return nil, err
	}
	if ok {
		return b, nil
	}
	if opts.Admit != nil && !admitted {
		if err := opts.Admit(CountObjects(bytes.NewReader(data), nil)); err != nil {
			return nil, err
		}
	}
	b, err = parseStream(data)
	if err != nil {
		return nil, err
	}
	if opts.Each != nil {
		eachChunk(len(b.Objects), func(lo, hi int) {
			for i := lo; i < hi; i++ {
				if b.Objects[i] != nil {
					opts.Each(i, b.Objects[i])
				}
			}
		})
	}
	return b, nil
}

// parseStream is Parse's sequential reading of data, its own copy of the
// input: the path of every input that parseClean leaves, and the one that
// words every error.
func parseStream(data []byte) (*Bundle, error) {
	r := newTokenReader(data)
	dec := r.dec
	if _, err := dec.Token(); err != nil {
		return nil, syntaxError(data, err)
	}
	r.depth = 1
	b := &Bundle{props: map[string]any{}}
	var fault *jsonFault // the first fault outside the elements of "objects"
	seen := map[string]bool{}
	streamed := false
	for dec.More() {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return nil, syntaxError(data, err)
		}
		key, _ := tok.(string)
		r.reset()
		if msg := r.checkString(key, start); msg != "" {
			r.faultf("", "the property name %s", msg)
		} else if seen[key] {
			r.faultf(r.pointer(key), "the property name %s appears twice in one object; names must be unique (I-JSON, RFC 7493 §2.3; RFC 8785 §3.1)", strconv.Quote(shorten(key)))
		}
		seen[key] = true
		if fault == nil {
			fault = r.fault
		}
		if key == "objects" && !streamed && nextByte(data, int(dec.InputOffset())) == '[' {
			streamed = true
			if err := b.streamObjects(r); err != nil {
				return nil, err
			}
			continue
		}
		r.reset()
		r.path = append(r.path, key)
		v, err := r.value()
		if err != nil {
			return nil, readError(data, r, err)
		}
		if fault == nil {
			fault = r.fault
		}
		b.props[key] = v
	}
	if _, err := dec.Token(); err != nil {
		return nil, syntaxError(data, err)
	}
	if err := expectEOF(dec, data); err != nil {
		return nil, err
	}
	if t, ok := b.props["type"].(string); ok && t != "bundle" {
		o, err := ParseObject(data)
		if err != nil {
			return nil, err
		}
		return &Bundle{Objects: []*Object{o}, Bare: true}, nil
	}
	if fault != nil {
		return nil, faultError("bundle", fault)
	}
	if streamed {
		b.props["objects"] = []any{} // presence marker for Validate
	}
	b.ID, _ = b.props["id"].(string)
	b.SpecVersion, _ = b.props["spec_version"].(string)
	return b, nil
}

// streamObjects decodes the "objects" array element by element, slicing
// each element's bytes out of the input for Raw (one scan and one decode
// per object), and looks for I-JSON faults in each (see suspect).
func (b *Bundle) streamObjects(r *tokenReader) error {
	dec, data := r.dec, r.data
	if _, err := dec.Token(); err != nil { // '['
		return syntaxError(data, err)
	}
	for dec.More() {
		start := int(dec.InputOffset())
		var v any
		if err := dec.Decode(&v); err != nil {
			return syntaxError(data, err)
		}
		end := int(dec.InputOffset())
		raw := bytes.TrimLeft(data[start:end], " \t\r\n,")
		raw = raw[:len(raw):len(raw)]
		props, isObj := v.(map[string]any)
		if !isObj {
			props = map[string]any{}
		}
		o := newObject(props, raw, len(b.Objects))
		o.notObject = !isObj
		if suspect(raw, v) {
			o.malformed, _, _ = checkJSON(raw)
		}
		b.Objects = append(b.Objects, o)
	}
	if _, err := dec.Token(); err != nil { // ']'
		return syntaxError(data, err)
	}
	return nil
}

// nextByte returns the first byte at or after off that is neither white
// space nor ':' (0 at the end).
func nextByte(data []byte, off int) byte {
	for ; off < len(data); off++ {
		switch data[off] {
		case ' ', '\t', '\r', '\n', ':':
		default:
			return data[off]
		}
	}
	return 0
}

// Encode serialises the bundle as JSON: type, id, spec_version (only if
// set) and objects, each object written as its Raw bytes, so a Parse→Encode
// round trip keeps every property, number and timestamp digit as it was. An
// empty ID is left out. Objects without Raw are marshalled from Props; nil objects are skipped.
func (b *Bundle) Encode() []byte {
	var buf bytes.Buffer
	buf.WriteString(`{"type":"bundle"`)
	if b.ID != "" {
		buf.WriteString(`,"id":`)
		buf.Write(mustString(b.ID))
	}
	if b.SpecVersion != "" {
		buf.WriteString(`,"spec_version":`)
		buf.Write(mustString(b.SpecVersion))
	}
	buf.WriteString(`,"objects":[`)
	n := 0
	for _, o := range b.Objects {
		if o == nil {
			continue
		}
		if n > 0 {
			buf.WriteByte(',')
		}
		n++
		buf.WriteString("\n")
		raw := []byte(o.Raw)
		if len(raw) == 0 {
			var err error
			if raw, err = json.Marshal(o.Props); err != nil {
				raw = []byte("{}")
			}
		}
		buf.Write(raw)
	}
	buf.WriteString("\n]}\n")
	return buf.Bytes()
}

func mustString(s string) []byte {
	out, _ := json.Marshal(s) // a string always marshals
	return out
}

// Versions returns every object in the bundle whose id is id, oldest first by
// version instant (modified, else created; compared as instants with all
// fractional digits, never as strings). Objects without a version come
// first; equal versions keep input order. It scans the whole bundle.
func (b *Bundle) Versions(id string) []*Object {
	var out []*Object
	for _, o := range b.Objects {
		if o != nil && o.ID == id {
			out = append(out, o)
		}
	}
	slices.SortStableFunc(out, compareVersions)
	return out
}

func compareVersions(a, b *Object) int {
	at, aok := a.VersionTime()
	bt, bok := b.VersionTime()
	switch {
	case !aok && !bok:
		return 0
	case !aok:
		return -1
	case !bok:
		return 1
	}
	return at.Compare(bt)
}

// Latest returns the version of id with the greatest modified (else
// created), whatever the input order; among equal versions the last in the
// input. It returns nil when the bundle has no object with that id.
func (b *Bundle) Latest(id string) *Object {
	v := b.Versions(id)
	if len(v) == 0 {
		return nil
	}
	return v[len(v)-1]
}

// Canonical returns the RFC 8785 (JSON Canonicalization Scheme) form of the
// object. For an object Parse decoded it is written from the decoded
// properties in one pass (byte for byte what github.com/gowebpki/jcs gives
// for Raw); otherwise jcs computes it from Raw (or from Props when Raw is
// empty). Numbers are canonicalised as IEEE 754 doubles, as
// RFC 8785 requires. It fails with EINVALID if the bytes are not valid JSON
// or not I-JSON (RFC 7493, see Parse); the error's Details name the object
// and the JSON pointer of the fault where it can be found.
func Canonical(o *Object) ([]byte, error) {
	if o.malformed != nil {
		return nil, faultError(faultObjectName(o, fmt.Sprintf("objects/%d", o.Index)), o.malformed)
	}
	raw := []byte(o.Raw)
	if len(raw) == 0 {
		var err error
		if raw, err = json.Marshal(o.Props); err != nil {
			return nil, &article5.Error{Code: article5.EINVALID, Message: "canonical JSON: object cannot be encoded", Err: fmt.Errorf("marshal props: %w", err)}
		}
	} else if o.decoded && !o.notObject {
		// Props were decoded from Raw, which is I-JSON: written directly,
		// without jcs parsing Raw again (the same bytes; see appendCanonical).
		if out, ok := appendCanonical(make([]byte, 0, len(raw)), map[string]any(o.Props)); ok {
			return out, nil
		}
	}
	out, err := jcs.Transform(raw)
	if err != nil {
		if f, _, cerr := checkJSON(raw); cerr == nil && f != nil {
			e := faultError(objectName(o), f)
			e.Err = fmt.Errorf("jcs: %w", err)
			return nil, e
		}
		return nil, &article5.Error{Code: article5.EINVALID, Message: fmt.Sprintf("canonical JSON of %s: not valid JSON", objectName(o)), Err: fmt.Errorf("jcs: %w", err)}
	}
	return out, nil
}

func objectName(o *Object) string {
	if o.ID != "" {
		return o.ID
	}
	return fmt.Sprintf("objects/%d", o.Index)
}

// faultObjectName names an object with an I-JSON fault: its id, unless the
// id itself was not valid text (it then holds U+FFFD); else fallback.
func faultObjectName(o *Object, fallback string) string {
	if o.ID != "" && !strings.ContainsRune(o.ID, utf8.RuneError) {
		return o.ID
	}
	return fallback
}
