package taxii

import (
	"bytes"
	"encoding/json"
	"net/http"
	"time"

	"github.com/google/uuid"

	"article5"
	"article5/api"
	"article5/node"
)

// DefaultStatusTTL is how long a status resource is kept (in the node's
// store, so that every serve process of the node finds it): 24 hours.
const DefaultStatusTTL = 24 * time.Hour

// statusResource is TAXII 2.1 §4.3.1.
type statusResource struct {
	ID               string         `json:"id"`
	Status           string         `json:"status"`
	RequestTimestamp string         `json:"request_timestamp"`
	TotalCount       int            `json:"total_count"`
	SuccessCount     int            `json:"success_count"`
	Successes        []statusDetail `json:"successes,omitempty"`
	FailureCount     int            `json:"failure_count"`
	Failures         []statusDetail `json:"failures,omitempty"`
	PendingCount     int            `json:"pending_count"`
	Pendings         []statusDetail `json:"pendings,omitempty"`
}

// statusDetail is TAXII 2.1 §4.3.1's status-details: one object version.
type statusDetail struct {
	ID      string `json:"id"`
	Version string `json:"version"`
	Message string `json:"message,omitempty"`
}

// status is TAXII 2.1 §4.3: a status resource, readable only by the
// principal whose write made it; to anyone else, and once expired, 404 as
// for an id never issued.
func (s *server) status(w http.ResponseWriter, r *http.Request, c *api.Caller) error {
	if err := checkRoot(r); err != nil {
		return err
	}
	st, err := s.n.Store.FindTAXIIStatus(r.Context(), r.PathValue("sid"), c.ID, s.opts.Now().Add(-s.opts.StatusTTL))
	if err != nil {
		return err // ENOTFOUND: never issued, expired, or another's
	}
	w.Header().Set("Content-Type", MediaTAXII)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(st.Body)
	return nil
}

// ConflictMessage is the status failure of a version a partner node sent
// that has the id and modified of a held version but other content: held
// apart in the partner's quarantine, never evidence.
const ConflictMessage = "conflict: this version (id and modified) is held here with other content; yours is held apart in quarantine, never as evidence"

// ingest hands objs to the node as one bundle and returns the stored
// status resource: a success per version stored or already held (a
// quarantined version is reported as stored, as the node reports it), a
// failure per object refused, with the reason.
func (s *server) ingest(r *http.Request, c *api.Caller, objs []json.RawMessage) (*statusResource, error) {
	now := s.opts.Now()
	bundle := append([]byte(`{"type":"bundle","id":"bundle--`+uuid.NewString()+`","objects":[`), bytes.Join(rawBytes(objs), []byte{','})...)
	bundle = append(bundle, "]}"...)
	req := node.IngestRequest{Principal: c.Principal, Recipient: c.Recipient, Data: bundle}
	pn, err := partnerNode(r.Context(), s.n, c.Principal)
	if err != nil {
		return nil, err
	}
	if pn != nil {
		// A partner node pushing: ingested exactly as a pull of it would
		// be, with the partner node as submitter, so that its
		// consultation steps and signed positions apply (node/federation.go)
		// and nothing it sent is pushed back to it.
		req.Principal = article5.PartnerPrincipal(pn)
		req.SpeaksFor, req.MaxAhead, req.HoldConflicts = pn.SpeaksFor, DefaultMaxAhead, true
	}
	res, err := s.n.Ingest(r.Context(), req)
	if err != nil {
		return nil, err
	}
	st := &statusResource{ID: uuid.NewString(), Status: "complete", RequestTimestamp: timestamp(now), TotalCount: len(objs)}
	for _, a := range res.Accepted {
		st.Successes = append(st.Successes, statusDetail{ID: a.ID, Version: a.Version, Message: "stored"})
	}
	for _, u := range res.Unchanged {
		st.Successes = append(st.Successes, statusDetail{ID: u.ID, Version: u.Version, Message: "already held"})
	}
	for _, cf := range res.Conflicts {
		st.Failures = append(st.Failures, statusDetail{ID: cf.ID, Version: cf.Version, Message: ConflictMessage})
	}
	for _, rj := range res.Rejected {
		d := statusDetail{ID: rj.ID, Message: rj.Reason}
		if rj.Pointer != "" {
			d.Message = rj.Pointer + ": " + rj.Reason
		}
		if rj.Index >= 0 && rj.Index < len(objs) {
			d.Version = versionOf(objs[rj.Index])
		}
		st.Failures = append(st.Failures, d)
	}
	st.SuccessCount, st.FailureCount = len(st.Successes), len(st.Failures)
	body, err := json.Marshal(st)
	if err != nil {
		return nil, article5.Internal("taxii: status", err)
	}
	body = append(body, '\n')
	if err := s.n.Store.CreateTAXIIStatus(r.Context(), &article5.TAXIIStatus{ID: st.ID, Owner: c.ID, Created: now, Body: body},
		now.Add(-s.opts.StatusTTL)); err != nil {
		return nil, err
	}
	return st, nil
}

func rawBytes(objs []json.RawMessage) [][]byte {
	out := make([][]byte, len(objs))
	for i, o := range objs {
		out[i] = o
	}
	return out
}

// versionOf is the version a refused object names: its modified, else its
// created, else "".
func versionOf(raw json.RawMessage) string {
	var v struct {
		Modified any `json:"modified"`
		Created  any `json:"created"`
	}
	_ = json.Unmarshal(raw, &v)
	for _, t := range []any{v.Modified, v.Created} {
		if s, ok := t.(string); ok {
			return s
		}
	}
	return ""
}
