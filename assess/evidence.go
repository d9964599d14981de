package assess

import (
	"context"
	"fmt"
	"github.com/google/uuid"
	"sort"
	"strings"
	"sync"

	"article5"
	"article5/stix"
)

// Evidence is the merged content of one or more STIX bundles: every object
// version (for the evidence digest) and, per id, the latest version (for
// the facts).
type Evidence struct {
	All      []*stix.Object          // every object version in input order across bundles
	Latest   map[string]*stix.Object // id → greatest modified (else created)
	Warnings []string                // validation warnings worth showing, "object pointer: message"
	bySource map[string][]*stix.Object
	sums     []string // index-aligned with All: given canonical sha256, "" to compute; nil: none given

	digestOnce sync.Once
	digest     string
	digestErr  error
}

// Digest returns the evidence digest (see EvidenceDigest), computed once
// per Evidence: it depends on the objects only, as a stored object's
// canonical hash is fixed at ingest. The canonical hashes given to
// NewEvidenceHashed are used, not recomputed.
func (ev *Evidence) Digest(ctx context.Context, workers int) (string, error) {
	ev.digestOnce.Do(func() {
		ev.digest, ev.digestErr = EvidenceDigestHashed(ctx, ev.All, ev.sums, workers)
	})
	return ev.digest, ev.digestErr
}

// HashedBundle is a bundle with the canonical hash of each of its objects,
// as a node holds them: SHA256[i] is the lowercase hex sha256 of the RFC
// 8785 canonical JSON of Bundle.Objects[i] (article5.StoredObject.SHA256),
// or "" to have it computed. SHA256 nil: compute every one.
type HashedBundle struct {
	Bundle *stix.Bundle
	SHA256 []string
}

// NewEvidenceHashed is NewEvidence for bundles whose objects' canonical
// hashes the caller already holds, so that the evidence digest does not
// canonicalise every object again (a node re-assessing a case). The
// digest, and so the assessment hash, are those NewEvidence gives when the
// hashes are right; the caller vouches for them (see EvidenceDigestHashed).
//
// Errors: as NewEvidence; EINTERNAL when a SHA256 list is not nil and not
// as long as its bundle's objects, or holds a hash that is neither "" nor
// 64 lowercase hex digits.
func NewEvidenceHashed(bundles ...HashedBundle) (*Evidence, error) {
	bs := make([]*stix.Bundle, len(bundles))
	given := false
	for i, hb := range bundles {
		if hb.SHA256 != nil && len(hb.SHA256) != len(hb.Bundle.Objects) {
			return nil, article5.Errorf(article5.EINTERNAL, "bundle %d: %d canonical hashes for %d objects", i, len(hb.SHA256), len(hb.Bundle.Objects))
		}
		for j, h := range hb.SHA256 {
			if h != "" && !isSHA256Hex(h) {
				return nil, article5.Errorf(article5.EINTERNAL, "bundle %d, objects/%d: the canonical hash given is not 64 lowercase hex digits", i, j)
			}
		}
		bs[i] = hb.Bundle
		given = given || hb.SHA256 != nil
	}
	ev, err := NewEvidence(bs...)
	if err != nil || !given {
		return ev, err
	}
	ev.sums = make([]string, 0, len(ev.All))
	for _, hb := range bundles {
		if hb.SHA256 != nil {
			ev.sums = append(ev.sums, hb.SHA256...)
		} else {
			ev.sums = append(ev.sums, make([]string, len(hb.Bundle.Objects))...)
		}
	}
	return ev, nil
}

// uuidVersion returns the version of the UUID in a STIX id, 0 if none.
func uuidVersion(id string) int {
	_, u, ok := strings.Cut(id, "--")
	if !ok {
		return 0
	}
	x, err := uuid.Parse(u)
	if err != nil {
		return 0
	}
	return int(x.Version())
}

// NewEvidence validates and merges bundles. Any STIX error makes it fail
// with EINVALID whose details name each object and JSON pointer; warnings
// are kept. Several versions of one id are all kept; the latest is used for
// facts.
func NewEvidence(bundles ...*stix.Bundle) (*Evidence, error) {
	ev := &Evidence{Latest: map[string]*stix.Object{}, bySource: map[string][]*stix.Object{}}
	var details []article5.Detail
	for _, b := range bundles {
		rep := stix.Validate(b)
		for _, is := range rep.Errors() {
			details = append(details, article5.Detail{Object: is.Object, Pointer: is.Pointer, Message: is.Message})
		}
		// Warnings of one kind are shown up to three times, then counted.
		// Ids that are UUIDv5 rather than v4 (deterministic ids, as
		// importers make them) are a STIX SHOULD that does not touch the
		// assessment: one note with their count.
		byCode := map[string]int{}
		v5 := 0
		for _, is := range rep.Warnings() {
			if is.Code == "id-format" && uuidVersion(is.Object) == 5 {
				v5++
				continue
			}
			byCode[is.Code]++
			if byCode[is.Code] <= 3 {
				ev.Warnings = append(ev.Warnings, strings.TrimSpace(fmt.Sprintf("%s %s: %s [%s]", is.Object, is.Pointer, is.Message, is.Code)))
			}
		}
		codes := make([]string, 0, len(byCode))
		for c, n := range byCode {
			if n > 3 {
				codes = append(codes, c)
			}
		}
		sort.Strings(codes)
		for _, c := range codes {
			ev.Warnings = append(ev.Warnings, fmt.Sprintf("… and %d more warnings of the kind [%s]", byCode[c]-3, c))
		}
		if v5 > 0 {
			ev.Warnings = append(ev.Warnings, fmt.Sprintf("note: %s use UUIDv5 ids (deterministic, as importers make them); STIX 2.1 §2.9 says SDOs, SROs and meta objects should use UUIDv4. The assessment does not depend on it. [id-format]",
				map[bool]string{true: "1 object", false: article5.FormatNumber(float64(v5)) + " objects"}[v5 == 1]))
		}
		ev.All = append(ev.All, b.Objects...)
	}
	if len(details) > 0 {
		return nil, article5.Invalid("the STIX input is invalid", details...)
	}
	for _, o := range ev.All {
		cur, ok := ev.Latest[o.ID]
		if !ok || newer(o, cur) {
			ev.Latest[o.ID] = o
		}
	}
	// Relationships by source, latest versions only, not revoked.
	ids := make([]string, 0, len(ev.Latest))
	for id, o := range ev.Latest {
		if o.Type == "relationship" && !revoked(o) {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	for _, id := range ids {
		o := ev.Latest[id]
		src := o.String("source_ref")
		ev.bySource[src] = append(ev.bySource[src], o)
	}
	return ev, nil
}

// newer reports whether a is a later version than b (instants, never
// strings); at equal versions the later input wins.
func newer(a, b *stix.Object) bool {
	ta, oka := a.VersionTime()
	tb, okb := b.VersionTime()
	switch {
	case oka && okb:
		return ta.Compare(tb) >= 0
	case oka:
		return true
	case okb:
		return false
	}
	return true
}

func revoked(o *stix.Object) bool {
	b, _ := o.Props["revoked"].(bool)
	return b
}

// Object returns the latest, non-revoked version of id, or nil.
func (ev *Evidence) Object(id string) *stix.Object {
	o := ev.Latest[id]
	if o == nil || revoked(o) {
		return nil
	}
	return o
}

// Relationships returns the relationships of one type whose source is id.
func (ev *Evidence) Relationships(id, relType string) []*stix.Object {
	var out []*stix.Object
	for _, r := range ev.bySource[id] {
		if r.String("relationship_type") == relType {
			out = append(out, r)
		}
	}
	return out
}

// Incidents returns the case's incidents, sorted by id: those a grouping
// references, else every incident. EINVALID if there is none.
func (ev *Evidence) Incidents(group *stix.Object) ([]*stix.Object, error) {
	var out []*stix.Object
	if group != nil {
		for _, id := range group.Strings("object_refs") {
			if o := ev.Object(id); o != nil && o.Type == "incident" {
				out = append(out, o)
			}
		}
	} else {
		for _, o := range ev.Latest {
			if o.Type == "incident" && !revoked(o) {
				out = append(out, o)
			}
		}
	}
	if len(out) == 0 {
		return nil, article5.Invalid("no incident to assess", article5.Detail{Message: "expected at least one STIX incident object (in the grouping's object_refs when a grouping is given)"})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// Grouping returns the case grouping: the one grouping that references an
// incident. EINVALID if several do (assess one case at a time).
func (ev *Evidence) Grouping() (*stix.Object, error) {
	var found []*stix.Object
	for _, o := range ev.Latest {
		if o.Type != "grouping" || revoked(o) {
			continue
		}
		for _, id := range o.Strings("object_refs") {
			if x := ev.Latest[id]; x != nil && x.Type == "incident" {
				found = append(found, o)
				break
			}
		}
	}
	switch len(found) {
	case 0:
		return nil, nil
	case 1:
		return found[0], nil
	}
	sort.Slice(found, func(i, j int) bool { return found[i].ID < found[j].ID })
	var d []article5.Detail
	for _, g := range found {
		d = append(d, article5.Detail{Object: g.ID, Pointer: "/object_refs", Message: "this grouping also references incidents"})
	}
	return nil, article5.Invalid("several groupings reference incidents: assess one case at a time (give the files of one case, or merge the groupings)", d...)
}
