package api

import (
	"bytes"
	"net/http"

	"article5"
)

// getObject returns every version of one object the recipient may see,
// oldest first, as a JSON array of the objects exactly as received; 404
// when none.
func (s *server) getObject(w http.ResponseWriter, r *http.Request) error {
	vs, err := s.n.Store.FindObjectVersions(r.Context(), r.PathValue("id"))
	if err != nil {
		return notFoundAs(err, "no such object")
	}
	g := s.gate(r)
	// The latest version decides first: an originator who raised the
	// marking withholds the earlier versions too.
	if ok, err := g.ID(r.Context(), vs[0].ID); err != nil || !ok {
		if err != nil {
			return err
		}
		return article5.Errorf(article5.ENOTFOUND, "no such object")
	}
	var buf bytes.Buffer
	buf.WriteByte('[')
	n := 0
	for _, v := range vs {
		ok, err := g.Object(r.Context(), v)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if n > 0 {
			buf.WriteByte(',')
		}
		buf.Write(v.Raw)
		n++
	}
	buf.WriteByte(']')
	if n == 0 {
		return article5.Errorf(article5.ENOTFOUND, "no such object")
	}
	writeRaw(w, http.StatusOK, buf.Bytes())
	return nil
}
