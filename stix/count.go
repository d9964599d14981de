package stix

import (
	"io"

	"github.com/go-json-experiment/json/jsontext"
)

// CountObjects counts the elements of the first "objects" array of the
// JSON object rd holds (as Parse reads it), calling each(count), when it is
// not nil, after each element. It stops at the end of that object or at the first fault
// (syntax, or reading rd); the count so far is returned either way. Any
// element counts, an object or not (Validate reports the others).
//
// It only tokenises (jsontext: no values are built), so it costs a small
// part of the parse that follows; duplicate names and invalid UTF-8 are
// left for Parse to report with their pointers.
func CountObjects(rd io.Reader, each func(int)) int {
	dec := jsontext.NewDecoder(rd, jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	if dec.PeekKind() != '{' {
		return 0
	}
	if _, err := dec.ReadToken(); err != nil {
		return 0
	}
	n := 0
	seen := false
	for {
		switch dec.PeekKind() {
		case '}', 0: // the end of the bundle, or a fault
			return n
		}
		name, err := dec.ReadToken()
		if err != nil {
			return n
		}
		if name.String() != "objects" || seen || dec.PeekKind() != '[' {
			if dec.SkipValue() != nil {
				return n
			}
			continue
		}
		seen = true
		if _, err := dec.ReadToken(); err != nil { // '['
			return n
		}
		for {
			switch dec.PeekKind() {
			case ']':
				if _, err := dec.ReadToken(); err != nil {
					return n
				}
			case 0:
				return n
			default:
				if dec.SkipValue() != nil {
					return n
				}
				n++
				if each != nil {
					each(n)
				}
				continue
			}
			break
		}
	}
}
