package api

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"

	"article5"
	"article5/node"
)

// postBundle ingests a STIX bundle (node.Node.Ingest). Content-Type must be
// application/stix+json (version 2.1 if given) or application/json: else
// 415. A body over MaxBodyBytes, or a bundle of more than
// Limits.MaxBundleObjects objects: 413 (readBundle). ?atomic=true refuses
// the whole bundle if any object is invalid (409). 200 with the IngestResult when some
// object was stored or already held; 422 with the error shape and the
// result when every object was rejected.
//
// Ingest is authorised by authz (ActionIngest): a session user needs the
// analyst role; an API token acts as an analyst of its party. Every object
// counts against the principal's ingest quota: over it, 429 with
// Retry-After and nothing is ingested.
func (s *server) postBundle(w http.ResponseWriter, r *http.Request) error {
	if err := s.authorize(r, article5.ActionIngest); err != nil {
		return err
	}
	if err := stixContentType(r.Header.Get("Content-Type")); err != nil {
		return err
	}
	atomic := false
	if v := r.URL.Query().Get("atomic"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return article5.Invalid("atomic must be true or false", article5.Detail{Pointer: "?atomic", Message: "got " + strconv.Quote(v)})
		}
		atomic = b
	}
	if err := s.checkIngestQuota(r, 1, false); err != nil {
		return err // before reading a body that could not be taken
	}
	data, count, err := s.readBundle(w, r)
	if err != nil {
		return err
	}
	if err := s.checkIngestQuota(r, max(count, 1), true); err != nil {
		return err
	}
	g := s.gate(r)
	res, err := s.n.Ingest(r.Context(), data, atomic)
	if err != nil {
		return redactRefusal(r.Context(), g, err)
	}
	if err := redactIngest(r.Context(), g, res); err != nil {
		return err
	}
	s.metrics.ingested.WithLabelValues("accepted").Add(float64(len(res.Accepted)))
	s.metrics.ingested.WithLabelValues("unchanged").Add(float64(len(res.Unchanged)))
	s.metrics.ingested.WithLabelValues("rejected").Add(float64(len(res.Rejected)))
	if len(res.Accepted) == 0 && len(res.Unchanged) == 0 {
		e := &apiError{status: http.StatusUnprocessableEntity, code: article5.EINVALID,
			msg: fmt.Sprintf("every object was rejected (%d); nothing was stored", len(res.Rejected)), result: res}
		for _, rj := range res.Rejected {
			e.details = append(e.details, article5.Detail{Object: rj.ID, Pointer: rj.Pointer, Message: rj.Reason})
		}
		return e
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

// stixContentType accepts application/stix+json (version 2.1 if a version
// is given) and application/json; anything else is 415.
func stixContentType(ct string) error {
	bad := &apiError{status: http.StatusUnsupportedMediaType, code: article5.EINVALID,
		msg: "Content-Type must be application/stix+json;version=2.1, application/stix+json or application/json"}
	if ct == "" {
		return bad
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return bad
	}
	switch mt {
	case "application/json":
		return nil
	case "application/stix+json":
		if v, ok := params["version"]; ok && v != "2.1" {
			return bad
		}
		return nil
	}
	return bad
}

func tooLarge(limit int64) error {
	return &apiError{status: http.StatusRequestEntityTooLarge, code: article5.EINVALID,
		msg: fmt.Sprintf("the request body is larger than %d bytes", limit)}
}

// withheldConflict is what a sender reads when its object conflicts with a
// held object it may not see: no version, no creator, no content.
const withheldConflict = "refused: it conflicts with an object this node holds"

// redactIngest keeps the ingest result from telling the sender more about
// objects it may not see than that its own object was taken or refused: a
// re-sent object it may not see is reported as accepted (not "unchanged",
// which would confirm the node holds it), and a refusal over such an object
// gives no version or creator.
func redactIngest(ctx context.Context, g *node.Gate, res *article5.IngestResult) error {
	var unchanged []article5.ObjectRef
	for _, u := range res.Unchanged {
		ok, err := g.ID(ctx, u.ID)
		if err != nil {
			return err
		}
		if ok {
			unchanged = append(unchanged, u)
		} else {
			res.Accepted = append(res.Accepted, u)
		}
	}
	res.Unchanged = unchanged
	if res.Unchanged == nil {
		res.Unchanged = []article5.ObjectRef{}
	}
	for i, rj := range res.Rejected {
		ok, err := g.ID(ctx, rj.ID)
		if err != nil {
			return err
		}
		if !ok {
			res.Rejected[i].Reason = withheldConflict
			res.Rejected[i].Pointer = ""
		}
	}
	return nil
}

// redactRefusal does the same for an atomic refusal's details.
func redactRefusal(ctx context.Context, g *node.Gate, err error) error {
	var e *article5.Error
	if !errors.As(err, &e) || e.Code != article5.ECONFLICT {
		return err
	}
	c := *e
	c.Details = append([]article5.Detail(nil), e.Details...)
	for i, d := range c.Details {
		ok, gerr := g.ID(ctx, d.Object)
		if gerr != nil {
			return gerr
		}
		if !ok {
			c.Details[i].Message = withheldConflict
			c.Details[i].Pointer = ""
		}
	}
	return &c
}
