package importer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
)

// Stream writes a STIX 2.1 bundle as records are mapped, in bounded memory:
// each record's objects are written together, sorted by id; objects shared
// between records (actors, States, country locations) are written once, on
// first use, remembered by id only. The output is byte-identical for the
// same input. Call Close to end the bundle.
type Stream struct {
	w      io.Writer
	shared map[string]bool
	n      int
	buf    bytes.Buffer
	enc    *json.Encoder
	err    error
}

// NewStream starts a bundle whose id is derived from bundleKey.
func NewStream(w io.Writer, bundleKey string) *Stream {
	s := &Stream{w: w, shared: map[string]bool{}}
	s.enc = json.NewEncoder(&s.buf)
	s.enc.SetEscapeHTML(false)
	_, s.err = fmt.Fprintf(w, "{\"type\":\"bundle\",\"id\":%q,\"objects\":[\n", ID("bundle", bundleKey))
	return s
}

// Record holds the objects of one record until it is written.
type Record struct {
	objs []map[string]any
}

// Add appends an object to the record.
func (r *Record) Add(o map[string]any) { r.objs = append(r.objs, o) }

// Shared writes an object shared between records unless its id was written
// before; it reports whether it was new.
func (s *Stream) Shared(o map[string]any) bool {
	id, _ := o["id"].(string)
	if s.shared[id] {
		return false
	}
	s.shared[id] = true
	s.write(o)
	return true
}

// Written reports whether a shared object with this id was written.
func (s *Stream) Written(id string) bool { return s.shared[id] }

// Write writes a record's objects, sorted by id.
func (s *Stream) Write(r *Record) {
	sort.Slice(r.objs, func(i, j int) bool { return r.objs[i]["id"].(string) < r.objs[j]["id"].(string) })
	for _, o := range r.objs {
		s.write(o)
	}
}

func (s *Stream) write(o map[string]any) {
	if s.err != nil {
		return
	}
	s.buf.Reset()
	if s.n > 0 {
		s.buf.WriteString(",\n")
	}
	if err := s.enc.Encode(o); err != nil {
		s.err = fmt.Errorf("encode %v: %w", o["id"], err)
		return
	}
	s.buf.Truncate(s.buf.Len() - 1) // the encoder's newline
	_, s.err = s.w.Write(s.buf.Bytes())
	s.n++
}

// Close ends the bundle and returns the first write error.
func (s *Stream) Close() error {
	if s.err == nil {
		_, s.err = io.WriteString(s.w, "\n]}\n")
	}
	return s.err
}

// Objects returns the number of objects written.
func (s *Stream) Objects() int { return s.n }
