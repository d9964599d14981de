package importer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"article5"

	"github.com/google/uuid"
)

var namespace = uuid.MustParse(article5.Namespace)

// ID returns a reproducible STIX id: "<typ>--" and the UUIDv5 (article5
// namespace) of the parts joined by "\x1f", e.g. ID("incident", "eurepoc",
// "1.1", "46"). The same parts always give the same id.
func ID(typ string, parts ...string) string {
	return typ + "--" + uuid.NewSHA1(namespace, []byte(strings.Join(parts, "\x1f"))).String()
}

// Normalize folds a name for use in an id: trimmed, lower-case, inner
// whitespace collapsed, so "APT 28 " and "apt 28" are one actor.
func Normalize(name string) string {
	return strings.Join(strings.Fields(strings.ToLower(name)), " ")
}

// Builder collects STIX objects by id. Adding an id twice keeps the first
// (shared identities and actors are added by every record that names them).
type Builder struct {
	objs map[string]map[string]any
}

// NewBuilder returns an empty builder.
func NewBuilder() *Builder { return &Builder{objs: map[string]map[string]any{}} }

// Add records an object (it must have "id"); a second object with the same
// id is ignored and false returned.
func (b *Builder) Add(o map[string]any) bool {
	id, _ := o["id"].(string)
	if id == "" {
		panic("importer: object without id")
	}
	if _, ok := b.objs[id]; ok {
		return false
	}
	b.objs[id] = o
	return true
}

// Has reports whether an id was added.
func (b *Builder) Has(id string) bool { _, ok := b.objs[id]; return ok }

// Len returns the number of objects.
func (b *Builder) Len() int { return len(b.objs) }

// Write writes one STIX 2.1 bundle with the objects sorted by id, each on
// its own line, keys sorted (encoding/json), so that the same input gives
// byte-identical output. The bundle id is derived from bundleKey.
func (b *Builder) Write(w io.Writer, bundleKey string) error {
	ids := make([]string, 0, len(b.objs))
	for id := range b.objs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	if _, err := fmt.Fprintf(w, "{\"type\":\"bundle\",\"id\":%q,\"objects\":[\n", ID("bundle", bundleKey)); err != nil {
		return err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for i, id := range ids {
		buf.Reset()
		if err := enc.Encode(b.objs[id]); err != nil {
			return fmt.Errorf("encode %s: %w", id, err)
		}
		line := bytes.TrimRight(buf.Bytes(), "\n")
		if i < len(ids)-1 {
			line = append(line, ',')
		}
		line = append(line, '\n')
		if _, err := w.Write(line); err != nil {
			return err
		}
	}
	_, err := io.WriteString(w, "]}\n")
	return err
}
