package taxii

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"article5"
	"article5/api"
	"article5/stix"
)

// query is a list request's filters (TAXII 2.1 §3.4): the store filter
// they make, and the page's next as the client sent it.
type query struct {
	f    article5.ObjectFilter
	next string
}

// endpoint kinds a next is bound to.
const (
	kindObjects  = "objects"
	kindManifest = "manifest"
	kindObject   = "object"
	kindVersions = "versions"
)

// parseQuery reads added_after, limit, next and the match[] filters of
// TAXII 2.1 §3.4 for a list of kind in collection col (objectID for the
// endpoints of one object). match[id], match[type], match[version] and
// match[spec_version] each take a comma-separated list (or the parameter
// repeated); values within one filter are ORed, filters are ANDed.
// match[version] is first, last (the default), all, or STIX timestamps;
// the versions endpoint lists every version and takes no match[version].
// Bad values are EINVALID naming the parameter. The page is released to
// the caller inside the store's query; the types the node derives are
// never listed.
func (s *server) parseQuery(r *http.Request, c *api.Caller, col *collection, kind, objectID string) (*query, error) {
	v := r.URL.Query()
	aud := s.n.AudienceOf(c.Recipient)
	q := &query{f: article5.ObjectFilter{Audience: &aud, ExcludeTypes: derived, Custodian: col.custodian, Limit: DefaultPage}}
	if objectID != "" {
		q.f.IDs = []string{objectID}
	}
	if raw := v.Get("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 {
			return nil, invalid("limit", "a positive integer", raw)
		}
		q.f.Limit = min(n, MaxPage)
	}
	if raw := v.Get("added_after"); raw != "" {
		t, err := stix.ParseTimestamp(raw)
		if err != nil {
			return nil, invalid("added_after", "a timestamp such as 2024-01-01T00:00:00.000Z", raw)
		}
		q.f.AddedAfter = t.Time
	}
	if objectID == "" { // else the path names the object
		q.f.IDs = list(v, "match[id]")
	}
	q.f.Types = list(v, "match[type]")
	q.f.SpecVersions = list(v, "match[spec_version]")
	versions := list(v, "match[version]")
	if kind == kindVersions {
		if len(versions) > 0 {
			return nil, invalid("match[version]", "no match[version]: the versions endpoint lists every version", strings.Join(versions, ","))
		}
		versions = []string{"all"}
	}
	if len(versions) == 0 {
		versions = []string{"last"}
	}
	var m article5.VersionMatch
	all := false
	for _, ver := range versions {
		switch ver {
		case "all":
			all = true
		case "last":
			m.Last = true
		case "first":
			m.First = true
		default:
			t, err := stix.ParseTimestamp(ver)
			if err != nil {
				return nil, invalid("match[version]", "first, last, all or a STIX timestamp", ver)
			}
			m.At = append(m.At, t.Time)
		}
	}
	switch {
	case all:
		q.f.AllVersions = true
	case m.Last && !m.First && len(m.At) == 0:
		// the latest version of each id: the store's fast path
	default:
		q.f.AllVersions, q.f.Versions = true, m
	}
	q.next = v.Get("next")
	if q.next != "" {
		pos, err := s.openNext(c, col, kind, objectID, q.next)
		if err != nil {
			return nil, err
		}
		q.f.Cursor = pos
	}
	return q, nil
}

// list returns the comma-separated values of a repeated parameter,
// without empty ones.
func list(v url.Values, name string) []string {
	var out []string
	for _, raw := range v[name] {
		for _, s := range strings.Split(raw, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

func invalid(param, want, got string) error {
	return article5.Invalid("bad "+param+": want "+want,
		article5.Detail{Pointer: "?" + param, Message: "got " + strconv.Quote(got)})
}

// sealNext seals the store's position for the caller, bound to the
// collection, the endpoint kind and the object.
func (s *server) sealNext(c *api.Caller, col *collection, kind, objectID, pos string) (string, error) {
	if pos == "" {
		return "", nil
	}
	return s.n.SealCursor(c.ID, "taxii1\x00"+col.ID+"\x00"+kind+"\x00"+objectID+"\x00"+pos)
}

// openNext opens a next issued to this caller for this collection,
// endpoint and object; EINVALID otherwise (a next of another collection
// or endpoint, or another caller's, or a forged one).
func (s *server) openNext(c *api.Caller, col *collection, kind, objectID, next string) (string, error) {
	bad := article5.Invalid("bad next: it must be the next of the previous page of this list",
		article5.Detail{Pointer: "?next", Message: "not a next issued to this caller for this collection and endpoint"})
	plain, err := s.n.OpenCursor(c.ID, next)
	if article5.ErrorCode(err) == article5.EINTERNAL {
		return "", err
	}
	if err != nil {
		return "", bad
	}
	parts := strings.SplitN(plain, "\x00", 5)
	if len(parts) != 5 || parts[0] != "taxii1" || parts[1] != col.ID || parts[2] != kind || parts[3] != objectID {
		return "", bad
	}
	return parts[4], nil
}

// timestamp formats a date added as TAXII shows it: UTC, with six
// fractional digits, or nine when the instant has a finer part (so that
// X-TAXII-Date-Added-Last given back as added_after loses nothing).
func timestamp(t time.Time) string {
	t = t.UTC()
	if t.Nanosecond()%1000 == 0 {
		return t.Format("2006-01-02T15:04:05.000000Z")
	}
	return t.Format("2006-01-02T15:04:05.000000000Z")
}
