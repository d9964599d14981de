package api

import (
	"net/http"

	"article5"
)

// eventList is the body of GET /api/v1/events.
type eventList struct {
	Events []article5.Event `json:"events"`
	Next   string           `json:"next,omitempty"` // the value for ?after of the next page
}

// listEvents lists the events about cases the caller may see, after the
// event whose id is ?after (an event id, or a previous page's next;
// default: from the first), at most ?limit. Events of other cases are not
// read at all (the store releases inside its query), so neither the page,
// its next, nor an event's id tells the caller anything about them.
func (s *server) listEvents(w http.ResponseWriter, r *http.Request) error {
	limit, err := limitParam(r, 100)
	if err != nil {
		return err
	}
	after, err := s.afterParam(r)
	if err != nil {
		return err
	}
	evs, err := s.n.Store.FindEvents(r.Context(), article5.EventFilter{After: after, Limit: limit, Audience: s.gate(r).Audience()})
	if err != nil {
		return err
	}
	evs, err = s.withIDs(r, evs)
	if err != nil {
		return err
	}
	out := eventList{Events: evs}
	if out.Events == nil {
		out.Events = []article5.Event{}
	}
	if len(evs) == limit {
		out.Next = evs[len(evs)-1].ID
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
