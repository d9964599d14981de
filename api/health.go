package api

import (
	"context"
	"net/http"
	"strings"
	"time"

	"article5"
	"article5/audit"
)

// healthz reports that the process is up; it touches nothing else.
func (s *server) healthz(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

// readiness is the answer of /readyz when the store answers: it names the
// node, so that a client (article5 wait, a health check) can tell it
// reached the node it meant and not another one on the same address.
type readiness struct {
	Status  string         `json:"status"`            // "ready"
	Holder  string         `json:"holder,omitempty"`  // the node's organisation (serve --holder), a STIX identity id
	Party   article5.Party `json:"party"`             // the Party whose node this is (JP when not configured)
	Version string         `json:"version,omitempty"` // the article5 version serving
	// NodeKey names the key that signs the node's transparency log: the
	// "<name>+<hash>" of its note verifier key ('article5 audit key'),
	// without the key itself.
	NodeKey string `json:"node_key,omitempty"`
}

// readyz reports whether the store answers (Store.Ping): 200 with the
// node's identity (readiness), else 503.
func (s *server) readyz(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	if err := s.n.Store.Ping(ctx); err != nil {
		s.log.WarnContext(r.Context(), "not ready", "err", err.Error())
		writeJSON(w, http.StatusServiceUnavailable, errorBody{Error: errorObj{Code: "internal", Message: "the store is not available"}})
		return nil
	}
	party := s.n.Party
	if party == "" {
		party = article5.PartyJP
	}
	v := readiness{Status: "ready", Holder: s.n.Policy.Holder, Party: party, Version: s.opts.Version}
	if a, ok := s.n.Store.(audit.Store); ok {
		if k, err := a.AuditKey(ctx); err == nil {
			v.NodeKey = NodeKeyID(k)
		}
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// NodeKeyID returns the "<name>+<hash>" of a note verifier key
// ("<name>+<hash>+<key>", surrounding space ignored): what /readyz reports
// as node_key. A string without two '+' is returned trimmed.
func NodeKeyID(verifierKey string) string {
	k := strings.TrimSpace(verifierKey)
	name, rest, ok := strings.Cut(k, "+")
	if !ok {
		return k
	}
	hash, _, ok := strings.Cut(rest, "+")
	if !ok {
		return k
	}
	return name + "+" + hash
}
