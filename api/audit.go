package api

import (
	"net/http"
	"strconv"

	"article5"
	"article5/audit"
)

// The transparency log's routes serve what the partner node witnesses:
// signed tree heads, the node's verifier key, and inclusion and
// consistency proofs, as text (the sumdb note format and
// audit.InclusionProof/ConsistencyProof's MarshalText).

// auditStore returns the node's log, or ENOTFOUND if its store keeps none.
func (s *server) auditStore() (audit.Store, error) {
	a, ok := s.n.Store.(audit.Store)
	if !ok {
		return nil, article5.Errorf(article5.ENOTFOUND, "this node's store keeps no transparency log")
	}
	return a, nil
}

// writeText writes a text/plain body with status 200.
func writeText(w http.ResponseWriter, data []byte) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data)
}

// sizeParam reads a non-negative tree size from query parameter name; def
// when absent.
func sizeParam(r *http.Request, name string, def int64) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, article5.Invalid(name+" must be a non-negative tree size",
			article5.Detail{Pointer: "?" + name, Message: "got " + strconv.Quote(v)})
	}
	return n, nil
}

// getAuditHead returns the newest signed tree head, or with ?size=N the one
// signed when the log had N entries (404 if no transaction ended there).
func (s *server) getAuditHead(w http.ResponseWriter, r *http.Request) error {
	a, err := s.auditStore()
	if err != nil {
		return err
	}
	size, err := sizeParam(r, "size", -1)
	if err != nil {
		return err
	}
	var signed []byte
	if size < 0 {
		signed, err = a.AuditHead(r.Context())
	} else {
		signed, err = a.AuditHeadAt(r.Context(), size)
	}
	if err != nil {
		return err
	}
	writeText(w, signed)
	return nil
}

// getAuditKey returns the node's note verifier key, one line.
func (s *server) getAuditKey(w http.ResponseWriter, r *http.Request) error {
	a, err := s.auditStore()
	if err != nil {
		return err
	}
	key, err := a.AuditKey(r.Context())
	if err != nil {
		return err
	}
	writeText(w, []byte(key+"\n"))
	return nil
}

// getAuditProof returns the inclusion proof of entry {index} in the tree
// of ?size entries (default: the newest signed head's). An entry naming a
// row the recipient may not see is 404, as if it did not exist. An entry
// whose By names a principal of another organisation is proved without its
// line (audit.LeafProof's text form).
func (s *server) getAuditProof(w http.ResponseWriter, r *http.Request) error {
	a, err := s.auditStore()
	if err != nil {
		return err
	}
	v := r.PathValue("index")
	index, err := strconv.ParseInt(v, 10, 64)
	if err != nil || index < 0 {
		return article5.Invalid("index must be a non-negative audit entry index",
			article5.Detail{Pointer: "/index", Message: "got " + strconv.Quote(v)})
	}
	size, err := sizeParam(r, "size", 0)
	if err != nil {
		return err
	}
	p, err := a.AuditInclusion(r.Context(), index, size)
	if err != nil {
		return err
	}
	ok, err := s.entryVisible(r, p.Entry)
	if err != nil {
		return err
	}
	if !ok {
		return article5.Errorf(article5.ENOTFOUND, "audit entry %d not found", index)
	}
	// The entry's line names who made the change; a principal of
	// another organisation than the recipient's is not disclosed, so the
	// leaf is proved by its hash alone (audit.LeafProof).
	var text []byte
	if p.Entry.DisclosedTo(s.gate(r).Recipient().Org) {
		text, err = p.MarshalText()
	} else {
		text, err = p.Leaf().MarshalText()
	}
	if err != nil {
		return article5.Internal("marshal inclusion proof", err)
	}
	writeText(w, text)
	return nil
}

// entryVisible reports whether the row an entry names may leave to the
// recipient: an object version by the release gate, a case, assessment,
// evidence index or consultation by its case, a quarantined copy only to
// the organisation that holds it, a token only to itself, an event (whose
// ref names only its sequence number) to anyone. Rows of other tables
// (users, sessions, keys, doctrines, webhooks) are withheld until their
// release rule is written here.
func (s *server) entryVisible(r *http.Request, e audit.Entry) (bool, error) {
	g := s.gate(r)
	ctx := r.Context()
	table, parts := audit.SplitRef(e.Ref)
	switch table {
	case "objects":
		if len(parts) != 2 {
			return false, nil
		}
		ok, err := g.ID(ctx, parts[0])
		if err != nil || !ok {
			return false, err
		}
		vs, err := s.n.Store.FindObjectVersions(ctx, parts[0])
		if article5.ErrorCode(err) == article5.ENOTFOUND {
			return e.Digest == audit.DigestDeleted, nil
		}
		if err != nil {
			return false, err
		}
		for _, v := range vs {
			if v.Version == parts[1] {
				return g.Object(ctx, v)
			}
		}
		return e.Digest == audit.DigestDeleted, nil
	case "cases", "assessments", "case_index", "consultations":
		if len(parts) < 1 {
			return false, nil
		}
		return g.CaseID(ctx, parts[0])
	case "quarantine":
		// Held for its submitter's organisation alone.
		if len(parts) != 4 || parts[2] == "" || parts[2] != g.Recipient().Org {
			return false, nil
		}
		qs, err := s.n.Store.FindQuarantined(ctx, parts[0], parts[2])
		if err != nil {
			return e.Digest == audit.DigestDeleted && article5.ErrorCode(err) == article5.ENOTFOUND, nil
		}
		for _, q := range qs {
			if q.Version == parts[1] && q.SHA256 == parts[3] {
				return g.Object(ctx, q)
			}
		}
		return false, nil
	case "tokens":
		return len(parts) == 1 && parts[0] != "" && parts[0] == g.Recipient().Subject, nil
	case "events":
		return true, nil
	}
	return false, nil
}

// getAuditConsistency returns the proof that the tree of ?old entries is a
// prefix of the tree of ?new entries (default: the newest signed head's).
func (s *server) getAuditConsistency(w http.ResponseWriter, r *http.Request) error {
	a, err := s.auditStore()
	if err != nil {
		return err
	}
	if r.URL.Query().Get("old") == "" {
		return article5.Invalid("old is required", article5.Detail{Pointer: "?old", Message: "the size of the older tree head"})
	}
	oldSize, err := sizeParam(r, "old", 0)
	if err != nil {
		return err
	}
	newSize, err := sizeParam(r, "new", -1)
	if err != nil {
		return err
	}
	if newSize < 0 {
		signed, err := a.AuditHead(r.Context())
		if err != nil {
			return err
		}
		key, err := a.AuditKey(r.Context())
		if err != nil {
			return err
		}
		vs, err := audit.NewVerifiers(key)
		if err != nil {
			return err
		}
		head, err := audit.VerifyTreeHead(signed, vs)
		if err != nil {
			return article5.Internal("audit head", err)
		}
		newSize = head.N
	}
	p, err := a.AuditConsistency(r.Context(), oldSize, newSize)
	if err != nil {
		return err
	}
	text, err := p.MarshalText()
	if err != nil {
		return article5.Internal("marshal consistency proof", err)
	}
	writeText(w, text)
	return nil
}
