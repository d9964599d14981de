package api

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"

	"article5"
	"article5/stix"
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
	n := stix.CountObjects(tee, func(n int) {
		if n > max {
			keep.drop()
		}
	})
	if src.err == nil {
		_, _ = io.Copy(io.Discard, tee) // what the count did not read: trailing data, or after a syntax error
	}
	if err := src.err; err != nil {
		return nil, 0, bodyFault(err, limit)
	}
	if err := s.tooManyObjects(n); err != nil {
		return nil, n, err
	}
	return keep.buf.Bytes(), n, nil
}

// readBody reads a request body whole, at most Options.MaxBodyBytes (else
// 413), into one buffer of its declared length: a bundle that
// node.Node.Ingest counts (IngestRequest.Admit) and parses in one pass.
func (s *server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	limit := s.opts.MaxBodyBytes
	if r.ContentLength > limit {
		return nil, tooLarge(limit)
	}
	var buf bytes.Buffer
	if r.ContentLength > 0 {
		// Room for the end of input to be seen without growing.
		buf.Grow(int(r.ContentLength) + bytes.MinRead)
	}
	src := &readErr{r: http.MaxBytesReader(w, r.Body, limit)}
	_, _ = buf.ReadFrom(src)
	if err := src.err; err != nil {
		return nil, bodyFault(err, limit)
	}
	return buf.Bytes(), nil
}

// bodyFault is the error for a fault reading a request body: 413 over
// limit, 408 for a body below its minimum rate, else 400.
func bodyFault(err error, limit int64) error {
	var mb *http.MaxBytesError
	switch {
	case errors.As(err, &mb):
		return tooLarge(limit)
	case errors.Is(err, errSlowBody):
		return err // 408 (endpoint)
	}
	return article5.Invalid("could not read the request body")
}

// tooManyObjects is 413 for a bundle of n objects over
// Limits.MaxBundleObjects, naming the limit and the count; nil within it.
func (s *server) tooManyObjects(n int) error {
	max := s.opts.Limits.MaxBundleObjects
	if n <= max {
		return nil
	}
	return &apiError{status: http.StatusRequestEntityTooLarge, code: article5.EINVALID,
		msg:     fmt.Sprintf("the bundle has %d objects; this node takes at most %d in one bundle: send it in parts", n, max),
		details: []article5.Detail{{Pointer: "/objects", Message: fmt.Sprintf("%d objects, at most %d", n, max)}}}
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
