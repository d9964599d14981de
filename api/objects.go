package api

import (
	"bytes"
	"net/http"
	"strings"
	"time"

	"article5"
	"article5/audit"
)

// getObject returns every version of one object the recipient may see,
// oldest first, as a JSON array of the objects exactly as received; 404
// when none. The latest version decides first (an originator who raised
// the marking withholds the earlier versions too), except for unversioned
// objects (SCOs), whose copies are each their submitter's and are judged
// one by one. When the caller may see no version but its organisation
// holds quarantined copies under that id (DecideIngest), those it may read
// are what it gets: exactly what it would get had the node held nothing
// else.
func (s *server) getObject(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	g := s.gate(r)
	var out [][]byte
	vs, err := s.n.Store.FindObjectVersions(r.Context(), id)
	switch {
	case err == nil:
		latestOK, err := g.ID(r.Context(), id)
		if err != nil {
			return err
		}
		for _, v := range vs {
			if !v.Unversioned && !latestOK {
				continue
			}
			ok, err := g.Object(r.Context(), v)
			if err != nil {
				return err
			}
			if ok {
				out = append(out, v.Raw)
			}
		}
	case article5.ErrorCode(err) != article5.ENOTFOUND:
		return err
	}
	if len(out) == 0 {
		if org := g.Recipient().Org; org != "" {
			qs, err := s.n.Store.FindQuarantined(r.Context(), id, org)
			if err != nil && article5.ErrorCode(err) != article5.ENOTFOUND {
				return err
			}
			for _, q := range qs {
				ok, err := g.Object(r.Context(), q)
				if err != nil {
					return err
				}
				if ok {
					out = append(out, q.Raw)
				}
			}
		}
	}
	if len(out) == 0 {
		return article5.Errorf(article5.ENOTFOUND, "no such object")
	}
	writeRaw(w, http.StatusOK, append(append([]byte{'['}, bytes.Join(out, []byte{','})...), ']'))
	return nil
}

// versionProvenance is one version's provenance as GET
// /api/v1/objects/{id}/provenance shows it.
type versionProvenance struct {
	Version string    `json:"version"`
	Added   time.Time `json:"date_added"`
	// Submitter is the principal that handed the version in: shown only
	// to its own organisation (a user or token id is local to the node).
	Submitter    string `json:"submitter,omitempty"`
	SubmitterOrg string `json:"submitter_org,omitempty"`
	Custodian    string `json:"custodian,omitempty"`
	CreatedBy    string `json:"created_by_ref,omitempty"`
	Relayed      bool   `json:"relayed"`
	Quarantined  bool   `json:"quarantined,omitempty"`
	// LogIndex is the transparency-log entry that records the version:
	// GET /api/v1/audit/proof/{index} proves it against a signed head.
	LogIndex *int64 `json:"log_index,omitempty"`
	// LogBy is who the entry says made the change, as the entry has it.
	LogBy string `json:"log_by,omitempty"`
}

// getProvenance returns who handed in each version of an object the
// caller may see, in whose custody it is held, whether its created_by_ref
// is relayed, and the log entry that records it; 404 exactly when GET
// /api/v1/objects/{id} is.
func (s *server) getProvenance(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	g := s.gate(r)
	org := g.Recipient().Org
	var vs []*article5.StoredObject
	all, err := s.n.Store.FindObjectVersions(r.Context(), id)
	switch {
	case err == nil:
		latestOK, err := g.ID(r.Context(), id)
		if err != nil {
			return err
		}
		for _, v := range all {
			if !v.Unversioned && !latestOK {
				continue
			}
			ok, err := g.Object(r.Context(), v)
			if err != nil {
				return err
			}
			if ok {
				vs = append(vs, v)
			}
		}
	case article5.ErrorCode(err) != article5.ENOTFOUND:
		return err
	}
	quarantined := false
	if len(vs) == 0 && org != "" {
		qs, err := s.n.Store.FindQuarantined(r.Context(), id, org)
		if err != nil && article5.ErrorCode(err) != article5.ENOTFOUND {
			return err
		}
		for _, q := range qs {
			if ok, err := g.Object(r.Context(), q); err != nil {
				return err
			} else if ok {
				vs = append(vs, q)
				quarantined = true
			}
		}
	}
	if len(vs) == 0 {
		return article5.Errorf(article5.ENOTFOUND, "no such object")
	}
	a, _ := s.n.Store.(audit.Store)
	out := struct {
		ID       string              `json:"id"`
		Versions []versionProvenance `json:"versions"`
	}{ID: id}
	for _, v := range vs {
		p := versionProvenance{Version: v.Version, Added: v.Added, SubmitterOrg: v.SubmitterOrg, Custodian: article5.CustodianOf(v),
			CreatedBy: v.CreatedBy, Relayed: v.Relayed, Quarantined: quarantined}
		sameOrg := org != "" && v.SubmitterOrg == org
		if sameOrg {
			p.Submitter = v.Submitter
		}
		if a != nil {
			ref := audit.ObjectRef(v.ID, v.Version)
			if quarantined {
				ref = audit.QuarantineRef(v.ID, v.Version, v.SubmitterOrg, v.SHA256)
			}
			es, err := a.AuditEntriesByRef(r.Context(), ref)
			if err != nil {
				return err
			}
			if len(es) > 0 {
				e := es[len(es)-1]
				p.LogIndex = &e.Index
				if sameOrg {
					p.LogBy = e.By
				} else if _, orgPart, ok := strings.Cut(e.By, "@"); ok {
					p.LogBy = orgPart
				}
			}
		}
		out.Versions = append(out.Versions, p)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
