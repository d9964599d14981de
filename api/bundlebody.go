package api

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"

	"article5"

	"github.com/go-json-experiment/json/jsontext"
)

// readBundle reads a bundle's request body (at most Options.MaxBodyBytes,
// else 413) and counts the elements of its "objects" array as they arrive,
// with one streaming pass of a JSON tokenizer that keeps no object. A bundle
// with more than Limits.MaxBundleObjects objects is 413 naming the limit
// and the count; once over the limit the rest of the body is counted but
// not kept. A body that is not JSON is not refused here: node.Node.Ingest
// parses it and says precisely where it breaks. It returns the body and
// the count (0 when there is no "objects" array, e.g. a bare object).
func (s *server) readBundle(w http.ResponseWriter, r *http.Request) ([]byte, int, error) {
	limit := s.opts.MaxBodyBytes
	if r.ContentLength > limit {
		return nil, 0, tooLarge(limit)
	}
	keep := &dropBuffer{}
	if r.ContentLength > 0 {
		// Declared and within the limit: one allocation, not a doubling
		// series of copies of a large body.
		keep.buf.Grow(int(r.ContentLength))
	}
	src := &readErr{r: http.MaxBytesReader(w, r.Body, limit)}
	tee := io.TeeReader(src, keep)
	max := s.opts.Limits.MaxBundleObjects
	n := countObjects(tee, func(n int) {
		if n > max {
			keep.drop()
		}
	})
	if src.err == nil {
		_, _ = io.Copy(io.Discard, tee) // what the count did not read: trailing data, or after a syntax error
	}
	if err := src.err; err != nil {
		var mb *http.MaxBytesError
		switch {
		case errors.As(err, &mb):
			return nil, 0, tooLarge(limit)
		case errors.Is(err, errSlowBody):
			return nil, 0, err // 408 (endpoint)
		}
		return nil, 0, article5.Invalid("could not read the request body")
	}
	if n > max {
		return nil, n, &apiError{status: http.StatusRequestEntityTooLarge, code: article5.EINVALID,
			msg:     fmt.Sprintf("the bundle has %d objects; this node takes at most %d in one bundle: send it in parts", n, max),
			details: []article5.Detail{{Pointer: "/objects", Message: fmt.Sprintf("%d objects, at most %d", n, max)}}}
	}
	return keep.buf.Bytes(), n, nil
}

// countObjects counts the elements of the first "objects" array of the
// JSON object rd holds (as stix.Parse reads it), calling each(count) after
// each element. It stops at the end of that object or at the first fault
// (syntax, or reading rd); the count so far is returned either way. Any
// element counts, an object or not (Validate reports the others).
//
// It only tokenises (jsontext: no values are built), so it costs a small
// part of the parse that follows; duplicate names and invalid UTF-8 are
// left for stix.Parse to report with their pointers.
func countObjects(rd io.Reader, each func(int)) int {
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
				each(n)
				continue
			}
			break
		}
	}
}

// readErr remembers the first error of r other than io.EOF: a fault of
// reading, as opposed to one of parsing.
type readErr struct {
	r   io.Reader
	err error
}

func (e *readErr) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF && e.err == nil {
		e.err = err
	}
	return n, err
}

// dropBuffer keeps what is written to it until drop, then frees it and
// discards the rest.
type dropBuffer struct {
	buf     bytes.Buffer
	dropped bool
}

func (d *dropBuffer) Write(p []byte) (int, error) {
	if d.dropped {
		return len(p), nil
	}
	return d.buf.Write(p)
}

func (d *dropBuffer) drop() {
	if !d.dropped {
		d.dropped = true
		d.buf = bytes.Buffer{}
	}
}
