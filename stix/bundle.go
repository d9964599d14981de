package stix

import (
	"article5"
	"bytes"
	"encoding/json"
	"fmt"
	"slices"

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
func Parse(data []byte) (*Bundle, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, article5.Invalid("STIX bundle: empty input")
	}
	if trimmed[0] != '{' {
		line, col := lineCol(data, len(data)-len(bytes.TrimLeft(data, " \t\r\n")))
		return nil, article5.Invalid(fmt.Sprintf("STIX bundle: expected a JSON object at line %d, column %d", line, col))
	}
	data = bytes.Clone(data)
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil {
		return nil, syntaxError(data, err)
	}
	b := &Bundle{props: map[string]any{}}
	streamed := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, syntaxError(data, err)
		}
		key, _ := tok.(string)
		if key == "objects" && !streamed && nextByte(data, int(dec.InputOffset())) == '[' {
			streamed = true
			if err := b.streamObjects(dec, data); err != nil {
				return nil, err
			}
			continue
		}
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, syntaxError(data, err)
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
	if streamed {
		b.props["objects"] = []any{} // presence marker for Validate
	}
	b.ID, _ = b.props["id"].(string)
	b.SpecVersion, _ = b.props["spec_version"].(string)
	return b, nil
}

// streamObjects decodes the "objects" array element by element, slicing each
// element's bytes out of data for Raw (one scan and one decode per object).
func (b *Bundle) streamObjects(dec *json.Decoder, data []byte) error {
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
// object, computed from Raw (or from Props when Raw is empty) with
// github.com/gowebpki/jcs. Numbers are canonicalised as IEEE 754 doubles, as
// RFC 8785 requires. It fails with EINVALID if the bytes are not valid JSON.
func Canonical(o *Object) ([]byte, error) {
	raw := []byte(o.Raw)
	if len(raw) == 0 {
		var err error
		if raw, err = json.Marshal(o.Props); err != nil {
			return nil, &article5.Error{Code: article5.EINVALID, Message: "canonical JSON: object cannot be encoded", Err: fmt.Errorf("marshal props: %w", err)}
		}
	}
	out, err := jcs.Transform(raw)
	if err != nil {
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
