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
// ?limit, ?cursor (a previous page's next, sealed for the caller). The
// store releases inside its query: the page and its next are computed
// from what the caller may see only.
func (s *server) listIncidents(w http.ResponseWriter, r *http.Request) error {
	limit, err := limitParam(r, 100)
	if err != nil {
		return err
	}
	after, err := timeParam(r, "added_after")
	if err != nil {
		return err
	}
	cur, err := s.cursorParam(r)
	if err != nil {
		return err
	}
	aud := s.gate(r).Audience()
	page, err := s.n.Store.FindObjects(r.Context(), article5.ObjectFilter{
		Types: []string{"incident"}, AddedAfter: after, Limit: limit, Cursor: cur, Audience: &aud})
	if err != nil {
		return err
	}
	next, err := s.sealCursor(r, page.Next)
	if err != nil {
		return err
	}
	out := objectList{Objects: []json.RawMessage{}, Next: next}
	for _, o := range page.Objects {
		out.Objects = append(out.Objects, json.RawMessage(o.Raw))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
