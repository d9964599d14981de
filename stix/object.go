package stix

import (
	"article5"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// Object is one STIX object as found in the input: its common properties
// decoded for convenience, every property in Props, and its exact original
// bytes in Raw.
type Object struct {
	Type string // the "type" property, "" if absent or not a string
	ID   string // the "id" property, "" if absent or not a string

	// SpecVersion is the effective STIX version of this object: the declared
	// spec_version if it is a string; else "2.0" for SDOs, SROs and
	// marking-definitions (STIX 2.1 §3.2 makes spec_version required in 2.1,
	// so an object of those kinds without it is a STIX 2.0 object); else
	// "2.1" (SCOs and other objects, whose spec_version is optional).
	SpecVersion         string
	SpecVersionDeclared bool // whether the object itself carries spec_version

	Created, Modified *Timestamp // nil when absent or not a valid timestamp

	Props map[string]any  // every property; numbers as json.Number (do not modify: Canonical writes from it)
	Raw   json.RawMessage // the exact original bytes of this object (from Parse: a slice of its one copy of the input; do not modify)
	Index int             // position in the bundle's "objects" array (0 for a lone object)

	notObject bool       // the array element was not a JSON object
	decoded   bool       // Props were decoded from Raw by Parse or ParseObject
	malformed *jsonFault // the first I-JSON fault in Raw (see Parse), nil if none
}

// Ref is one reference from an object to another STIX object: the JSON
// pointer (RFC 6901) of the value inside the referring object and the id it
// holds.
type Ref struct {
	Pointer string // e.g. "/object_refs/2" or "/created_by_ref"
	ID      string // the referenced identifier, as written
}

// ParseObject decodes one JSON object as a STIX object. The bytes are copied
// into Raw. It fails with an EINVALID *article5.Error when data is not a
// single well-formed JSON object (the message gives line:column), or when it
// is not I-JSON (RFC 7493, see Parse: the Details name the object's id and
// the JSON pointer of the fault); it does not check STIX rules — that is
// Validate's job.
func ParseObject(data []byte) (*Object, error) {
	raw := bytes.TrimSpace(data)
	if len(raw) == 0 || raw[0] != '{' {
		return nil, article5.Invalid("STIX object: expected a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var props map[string]any
	if err := dec.Decode(&props); err != nil {
		return nil, syntaxError(raw, err)
	}
	if err := expectEOF(dec, raw); err != nil {
		return nil, err
	}
	o := newObject(props, bytes.Clone(raw), 0)
	if suspect(raw, props) {
		if f, _, _ := checkJSON(raw); f != nil {
			return nil, faultError(faultObjectName(o, ""), f)
		}
	}
	return o, nil
}

// expectEOF fails unless dec has nothing left but white space.
func expectEOF(dec *json.Decoder, data []byte) error {
	if _, err := dec.Token(); err != io.EOF {
		return syntaxError(data, fmt.Errorf("unexpected data after the top-level value at offset %d", dec.InputOffset()))
	}
	return nil
}

// syntaxError turns a decoding error into an EINVALID error that names the
// line and column of the fault. The streaming decoder's offsets are not
// absolute, so the position comes from re-checking the whole input with
// json.Unmarshal, which reports the absolute offset.
func syntaxError(data []byte, err error) error {
	var probe any
	if perr := json.Unmarshal(data, &probe); perr != nil {
		err = perr
	}
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return &article5.Error{Code: article5.EINVALID, Message: "malformed JSON", Err: fmt.Errorf("decode json: %w", err)}
	}
	off := int(se.Offset) - 1 // Offset counts the offending byte
	if strings.Contains(se.Error(), "unexpected end") {
		off = int(se.Offset)
	}
	line, col := lineCol(data, off)
	return &article5.Error{
		Code:    article5.EINVALID,
		Message: fmt.Sprintf("malformed JSON at line %d, column %d: %v", line, col, se),
		Details: []article5.Detail{{Message: fmt.Sprintf("column %d: %v", col, se), Line: line}},
		Err:     fmt.Errorf("decode json: %w", err),
	}
}

// lineCol converts a byte offset into 1-based line and column (in bytes).
func lineCol(data []byte, off int) (line, col int) {
	off = min(max(off, 0), len(data))
	line = 1 + bytes.Count(data[:off], []byte{'\n'})
	col = off - bytes.LastIndexByte(data[:off], '\n')
	return line, col
}

// newObject fills the convenience fields from the decoded properties.
func newObject(props map[string]any, raw json.RawMessage, index int) *Object {
	o := &Object{Props: props, Raw: raw, Index: index, decoded: true}
	o.Type, _ = props["type"].(string)
	o.ID, _ = props["id"].(string)
	if sv, ok := props["spec_version"].(string); ok {
		o.SpecVersion, o.SpecVersionDeclared = sv, true
	} else if _, present := props["spec_version"]; present {
		o.SpecVersionDeclared = true
	} else if k := kindOf(o.Type); k == kindSDO || k == kindSRO || o.Type == "marking-definition" {
		o.SpecVersion = "2.0"
	} else {
		o.SpecVersion = "2.1"
	}
	o.Created = timestampProp(props, "created")
	o.Modified = timestampProp(props, "modified")
	return o
}

func timestampProp(props map[string]any, name string) *Timestamp {
	s, ok := props[name].(string)
	if !ok {
		return nil
	}
	t, err := ParseTimestamp(s)
	if err != nil {
		return nil
	}
	return &t
}

// Version returns the object's version as written: the "modified" string,
// else the "created" string, else "" (SCOs and other unversioned objects;
// TAXII 2.1 §5.3.1 uses created for marking-definitions). The text is
// returned even when it is not a valid timestamp; Validate reports that.
func (o *Object) Version() string {
	if s, ok := o.Props["modified"].(string); ok {
		return s
	}
	s, _ := o.Props["created"].(string)
	return s
}

// VersionTime returns the object's version instant: a valid modified, else
// a valid created; false when it has neither.
func (o *Object) VersionTime() (Timestamp, bool) {
	switch {
	case o.Modified != nil:
		return *o.Modified, true
	case o.Created != nil:
		return *o.Created, true
	}
	return Timestamp{}, false
}

// String returns the top-level property prop if it is a string, else "".
func (o *Object) String(prop string) string {
	s, _ := o.Props[prop].(string)
	return s
}

// Strings returns the string elements of the top-level list property prop
// (non-strings skipped), nil if absent or not a list.
func (o *Object) Strings(prop string) []string {
	l, ok := o.Props[prop].([]any)
	if !ok {
		return nil
	}
	out := make([]string, 0, len(l))
	for _, v := range l {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// Map returns the top-level dictionary property prop, nil if absent or not
// a JSON object. The map is the object's own: do not modify it.
func (o *Object) Map(prop string) map[string]any {
	m, _ := o.Props[prop].(map[string]any)
	return m
}

// Lookup resolves an RFC 6901 JSON pointer against Props, e.g.
// "/extensions/extension-definition--ef765651-…/impacted_entity_counts/individual".
// "" is the whole object. It reports false when any step is missing.
func (o *Object) Lookup(pointer string) (any, bool) {
	if pointer == "" {
		return o.Props, true
	}
	if pointer[0] != '/' {
		return nil, false
	}
	var cur any = o.Props
	for _, tok := range strings.Split(pointer[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch v := cur.(type) {
		case map[string]any:
			next, ok := v[tok]
			if !ok {
				return nil, false
			}
			cur = next
		case []any:
			i, ok := arrayIndex(tok)
			if !ok || i >= len(v) {
				return nil, false
			}
			cur = v[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// arrayIndex parses an RFC 6901 array index: decimal, no leading zeros.
func arrayIndex(tok string) (int, bool) {
	if tok == "" || (len(tok) > 1 && tok[0] == '0') {
		return 0, false
	}
	for i := 0; i < len(tok); i++ {
		if tok[i] < '0' || tok[i] > '9' {
			return 0, false
		}
	}
	i, err := strconv.Atoi(tok)
	return i, err == nil
}

// escapePointer escapes one RFC 6901 reference token.
func escapePointer(tok string) string {
	if !strings.ContainsAny(tok, "~/") {
		return tok
	}
	return strings.ReplaceAll(strings.ReplaceAll(tok, "~", "~0"), "/", "~1")
}

// Refs returns every reference the object holds: each string value of a
// property whose name ends in "_ref", and each string element of a list
// property whose name ends in "_refs", at any depth (inside extensions,
// granular_markings and other nested structures too), sorted by pointer.
// The deprecated observed-data "objects" container is skipped: its *_ref
// values are local keys, not identifiers (STIX 2.1 §4.13).
func (o *Object) Refs() []Ref {
	var refs []Ref
	walkRefs(o.Props, "", o.Type == "observed-data", func(r Ref) { refs = append(refs, r) })
	slices.SortFunc(refs, func(a, b Ref) int { return strings.Compare(a.Pointer, b.Pointer) })
	return refs
}

// walkRefs calls fn for every reference under v (unordered).
func walkRefs(v any, ptr string, skipObjects bool, fn func(Ref)) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if skipObjects && k == "objects" {
				continue
			}
			isRef, isRefs := strings.HasSuffix(k, "_ref"), strings.HasSuffix(k, "_refs")
			if !isRef && !isRefs && !container(x) {
				continue // nothing under it: no pointer to build
			}
			p := ptr + "/" + escapePointer(k)
			switch {
			case isRef:
				if s, ok := x.(string); ok {
					fn(Ref{Pointer: p, ID: s})
					continue
				}
			case isRefs:
				if l, ok := x.([]any); ok {
					for i, e := range l {
						if s, ok := e.(string); ok {
							fn(Ref{Pointer: p + "/" + strconv.Itoa(i), ID: s})
						} else {
							walkRefs(e, p+"/"+strconv.Itoa(i), false, fn)
						}
					}
					continue
				}
			}
			walkRefs(x, p, false, fn)
		}
	case []any:
		for i, e := range v {
			if container(e) {
				walkRefs(e, ptr+"/"+strconv.Itoa(i), false, fn)
			}
		}
	}
}

// container reports whether v is a JSON object or array (what walkRefs
// looks into).
func container(v any) bool {
	switch v.(type) {
	case map[string]any, []any:
		return true
	}
	return false
}
