package api

import (
	"net/http"
	"strconv"
	"time"

	"article5"
	"article5/stix"
)

// maxLimit is the largest page size a client may ask for.
const maxLimit = 1000

// limitParam reads ?limit: 1…1000, def when absent.
func limitParam(r *http.Request, def int) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxLimit {
		return 0, article5.Invalid("limit must be an integer from 1 to 1000",
			article5.Detail{Pointer: "?limit", Message: "got " + strconv.Quote(v)})
	}
	return n, nil
}

// timeParam reads a STIX timestamp query parameter; zero when absent.
func timeParam(r *http.Request, name string) (time.Time, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	ts, err := stix.ParseTimestamp(v)
	if err != nil {
		return time.Time{}, article5.Invalid(name+" must be a timestamp such as 2024-01-01T00:00:00.000Z",
			article5.Detail{Pointer: "?" + name, Message: article5.ErrorMessage(err)})
	}
	return ts.Time, nil
}

// subjectOf is whom the request's cursors and event ids are sealed for:
// the API token or the session's user ("" when unauthenticated).
func subjectOf(r *http.Request) string {
	if p, ok := r.Context().Value(principalKey).(*principal); ok {
		return p.authz.ID
	}
	return ""
}

// afterParam returns the event sequence number sealed in ?after (an event
// id or a list's next; default 0); EINVALID if it is not one this node
// issued to the caller.
func (s *server) afterParam(r *http.Request) (int64, error) {
	v := r.URL.Query().Get("after")
	if v == "" {
		return 0, nil
	}
	seq, err := s.n.EventSeq(subjectOf(r), v)
	if article5.ErrorCode(err) == article5.EINTERNAL {
		return 0, err
	}
	if err != nil {
		return 0, article5.Invalid("after must be an event id or the next of a previous page",
			article5.Detail{Pointer: "?after", Message: "not an event id issued to this caller"})
	}
	return seq, nil
}

// cursorParam opens ?cursor (a page's next, sealed for the caller) into
// the store's position; "" when absent; EINVALID when it is not a cursor
// this node issued to this caller.
func (s *server) cursorParam(r *http.Request) (string, error) {
	v := r.URL.Query().Get("cursor")
	if v == "" {
		return "", nil
	}
	plain, err := s.n.OpenCursor(subjectOf(r), v)
	if article5.ErrorCode(err) == article5.EINTERNAL {
		return "", err
	}
	if err != nil {
		return "", article5.Invalid("cursor must be the next of a previous page",
			article5.Detail{Pointer: "?cursor", Message: "not a cursor issued to this caller"})
	}
	return plain, nil
}

// sealCursor seals a store position for the caller ("" stays "").
func (s *server) sealCursor(r *http.Request, plain string) (string, error) {
	if plain == "" {
		return "", nil
	}
	return s.n.SealCursor(subjectOf(r), plain)
}

// withIDs gives each event its opaque id for the caller.
func (s *server) withIDs(r *http.Request, evs []article5.Event) ([]article5.Event, error) {
	sub := subjectOf(r)
	for i := range evs {
		id, err := s.n.EventID(sub, evs[i].Seq)
		if err != nil {
			return nil, err
		}
		evs[i].ID = id
	}
	return evs, nil
}
