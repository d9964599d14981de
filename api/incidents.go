package api

import (
	"encoding/json"
	"net/http"

	"article5"
)

// objectList is the body of GET /api/v1/incidents.
type objectList struct {
	Objects []json.RawMessage `json:"objects"`
	Next    string            `json:"next,omitempty"`
}

// listIncidents lists the latest version of each incident the recipient
// may see, in the order the node added them: ?added_after (exclusive),
// ?limit, ?cursor.
func (s *server) listIncidents(w http.ResponseWriter, r *http.Request) error {
	limit, err := limitParam(r, 100)
	if err != nil {
		return err
	}
	after, err := timeParam(r, "added_after")
	if err != nil {
		return err
	}
	page, err := s.n.Store.FindObjects(r.Context(), article5.ObjectFilter{
		Types: []string{"incident"}, AddedAfter: after, Limit: limit, Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		return err
	}
	g := s.gate(r)
	out := objectList{Objects: []json.RawMessage{}, Next: page.Next}
	for _, o := range page.Objects {
		ok, err := g.Object(r.Context(), o)
		if err != nil {
			return err
		}
		if ok {
			out.Objects = append(out.Objects, json.RawMessage(o.Raw))
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
