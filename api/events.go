package api

import (
	"net/http"
	"strconv"

	"article5"
)

// eventList is the body of GET /api/v1/events.
type eventList struct {
	Events []article5.Event `json:"events"`
	Next   string           `json:"next,omitempty"` // the value for ?after of the next page
}

// listEvents lists events after sequence number ?after (default 0), at most
// ?limit, leaving out events about cases the recipient may not see.
func (s *server) listEvents(w http.ResponseWriter, r *http.Request) error {
	limit, err := limitParam(r, 100)
	if err != nil {
		return err
	}
	after, err := afterParam(r)
	if err != nil {
		return err
	}
	evs, err := s.n.Store.FindEvents(r.Context(), after, limit)
	if err != nil {
		return err
	}
	g := s.gate(r)
	out := eventList{Events: []article5.Event{}}
	for _, e := range evs {
		ok, err := g.Case(r.Context(), &article5.CaseSummary{ID: e.Case})
		if err != nil {
			return err
		}
		if ok {
			out.Events = append(out.Events, e)
		}
	}
	if len(evs) == limit {
		out.Next = strconv.FormatInt(evs[len(evs)-1].Seq, 10)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
