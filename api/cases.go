package api

import (
	"context"
	"net/http"
	"slices"

	"article5"
	"article5/assess"
)

// caseList is the body of GET /api/v1/cases.
type caseList struct {
	Cases []*article5.CaseSummary `json:"cases"`
	Next  string                  `json:"next,omitempty"`
}

// listCases lists the cases the recipient may see: ?q (substring of the
// name), ?tier (under any doctrine), ?limit, ?cursor (a previous page's
// next, sealed for the caller). The store releases inside its query, so a
// page, its next and the answer to ?q are computed only from the cases the
// caller may see; next is "" on the last page.
func (s *server) listCases(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, err := limitParam(r, 100)
	if err != nil {
		return err
	}
	tier := article5.Tier(q.Get("tier"))
	if tier != "" && !slices.Contains(assess.Tiers, tier) {
		return article5.Invalid("tier must be below-threshold, use-of-force-possible, armed-attack-possible or indeterminate",
			article5.Detail{Pointer: "?tier", Message: "got " + string(tier)})
	}
	cur, err := s.cursorParam(r)
	if err != nil {
		return err
	}
	cases, next, err := s.n.Store.FindCases(r.Context(), article5.CaseFilter{Query: q.Get("q"), Tier: tier, Limit: limit, Cursor: cur, Audience: s.gate(r).Audience()})
	if err != nil {
		return err
	}
	sealed, err := s.sealCursor(r, next)
	if err != nil {
		return err
	}
	out := caseList{Cases: cases, Next: sealed}
	if out.Cases == nil {
		out.Cases = []*article5.CaseSummary{}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// getCase shows one case; 404 when it does not exist or is withheld.
func (s *server) getCase(w http.ResponseWriter, r *http.Request) error {
	c, err := s.gate(r).CaseByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return notFoundAs(err, "no such case")
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

// getAssessment returns the latest assessment report of a case as JSON.
func (s *server) getAssessment(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if _, err := s.gate(r).CaseByID(r.Context(), id); err != nil {
		return notFoundAs(err, "no such case")
	}
	rep, err := s.n.Store.FindAssessment(r.Context(), id)
	if err != nil {
		return notFoundAs(err, "the case has no assessment yet")
	}
	writeRaw(w, http.StatusOK, rep)
	return nil
}

// assessCase re-assesses a case now and returns the events it caused.
func (s *server) assessCase(w http.ResponseWriter, r *http.Request) error {
	// Re-assessment writes an assessment and events: authorised as ingest.
	if err := s.authorize(r, article5.ActionIngest); err != nil {
		return err
	}
	id := r.PathValue("id")
	g := s.gate(r)
	if _, err := g.CaseByID(r.Context(), id); err != nil {
		return notFoundAs(err, "no such case")
	}
	evs, err := s.n.AssessCase(context.WithoutCancel(r.Context()), id)
	if err != nil {
		return notFoundAs(err, "no such case")
	}
	// The new assessment may draw on evidence the caller may not see.
	c, err := s.n.Gate(g.Recipient()).CaseByID(r.Context(), id)
	if err != nil {
		return notFoundAs(err, "no such case")
	}
	if evs == nil {
		evs = []article5.Event{}
	}
	if evs, err = s.withIDs(r, evs); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"case": c, "events": evs})
	return nil
}

// notFoundAs replaces the message of an ENOTFOUND with msg, so that store
// messages never name anything; other errors pass.
func notFoundAs(err error, msg string) error {
	if article5.ErrorCode(err) == article5.ENOTFOUND {
		return article5.Errorf(article5.ENOTFOUND, "%s", msg)
	}
	return err
}
