package api

import (
	"bytes"
	"net/http"

	"article5"
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
