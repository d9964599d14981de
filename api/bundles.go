package api

import (
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
// Limits.MaxBundleObjects objects: 413, counted as the bundle is parsed
// (IngestRequest.Admit), before any object is decoded. ?atomic=true refuses
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
	data, err := s.readBody(w, r)
	if err != nil {
		return err
	}
	p, err := principalOf(r)
	if err != nil {
		return err
	}
	// The bundle is counted as it is parsed, before any object is decoded:
	// 413 over the size limit, 429 over the sender's quota (every object
	// counts), nothing decoded or stored either way.
	admit := func(count int) error {
		if err := s.tooManyObjects(count); err != nil {
			return err
		}
		return s.checkIngestQuota(r, max(count, 1), true)
	}
	res, err := s.n.Ingest(r.Context(), node.IngestRequest{Principal: p.article5(), Recipient: s.gate(r).Recipient(), Data: data, Atomic: atomic, Admit: admit})
	if err != nil {
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
