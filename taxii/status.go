package taxii

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/google/uuid"

	"article5"
	"article5/api"
	"article5/node"
)

// DefaultStatusTTL is how long a status resource is kept: 24 hours.
const DefaultStatusTTL = 24 * time.Hour

// DefaultMaxStatuses bounds the status resources kept: 10,000.
const DefaultMaxStatuses = 10000

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

// statusStore keeps status resources in memory, each with the caller
// that made it, for ttl and at most max of them (the oldest go first).
// Ingest is synchronous, so a status is complete when it is stored; it is
// kept so that a client may read it again by id.
type statusStore struct {
	mu    sync.Mutex
	ttl   time.Duration
	max   int
	m     map[string]*heldStatus
	order []string // ids, oldest first
}

type heldStatus struct {
	owner   string
	expires time.Time
	res     *statusResource
}

func newStatusStore(ttl time.Duration, max int) *statusStore {
	if ttl <= 0 {
		ttl = DefaultStatusTTL
	}
	if max <= 0 {
		max = DefaultMaxStatuses
	}
	return &statusStore{ttl: ttl, max: max, m: map[string]*heldStatus{}}
}

func (st *statusStore) put(owner string, res *statusResource, now time.Time) {
	st.mu.Lock()
	defer st.mu.Unlock()
	for len(st.order) > 0 {
		h, ok := st.m[st.order[0]]
		if ok && len(st.m) < st.max && now.Before(h.expires) {
			break
		}
		delete(st.m, st.order[0])
		st.order = st.order[1:]
	}
	st.m[res.ID] = &heldStatus{owner: owner, expires: now.Add(st.ttl), res: res}
	st.order = append(st.order, res.ID)
}

func (st *statusStore) get(owner, id string, now time.Time) (*statusResource, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	h, ok := st.m[id]
	if !ok || h.owner != owner || !now.Before(h.expires) {
		return nil, false
	}
	return h.res, true
}

// status is TAXII 2.1 §4.3: a status resource, readable only by the
// principal whose write made it; to anyone else, and once expired, 404 as
// for an id never issued.
func (s *server) status(w http.ResponseWriter, r *http.Request, c *api.Caller) error {
	if err := checkRoot(r); err != nil {
		return err
	}
	res, ok := s.statuses.get(c.ID, r.PathValue("sid"), s.opts.Now())
	if !ok {
		return article5.Errorf(article5.ENOTFOUND, "no such status")
	}
	writeTAXII(w, http.StatusOK, res)
	return nil
}

// ingest hands objs to the node as one bundle and returns the stored
// status resource: a success per version stored or already held (a
// quarantined version is reported as stored, as the node reports it), a
// failure per object refused, with the reason.
func (s *server) ingest(r *http.Request, c *api.Caller, objs []json.RawMessage) (*statusResource, error) {
	now := s.opts.Now()
	bundle := append([]byte(`{"type":"bundle","id":"bundle--`+uuid.NewString()+`","objects":[`), bytes.Join(rawBytes(objs), []byte{','})...)
	bundle = append(bundle, "]}"...)
	res, err := s.n.Ingest(r.Context(), node.IngestRequest{Principal: c.Principal, Recipient: c.Recipient, Data: bundle})
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
	s.statuses.put(c.ID, st, now)
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
