package taxii

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"

	"article5"
	"article5/api"
)

// envelope is TAXII 2.1 §3.7: a page of objects.
type envelope struct {
	More    bool              `json:"more"`
	Next    string            `json:"next,omitempty"`
	Objects []json.RawMessage `json:"objects,omitempty"`
}

// manifestRecord is TAXII 2.1 §5.3.1: one version of one object.
type manifestRecord struct {
	ID        string `json:"id"`
	DateAdded string `json:"date_added"`
	Version   string `json:"version"`
	MediaType string `json:"media_type"`
}

// page reads one page of q for the caller and seals its next.
func (s *server) page(r *http.Request, c *api.Caller, col *collection, kind, objectID string, q *query) (*article5.ObjectPage, string, error) {
	p, err := s.find(r, col, q.f)
	if err != nil {
		return nil, "", err
	}
	next, err := s.sealNext(c, col, kind, objectID, p.Next)
	if err != nil {
		return nil, "", err
	}
	return p, next, nil
}

// dateHeaders sets X-TAXII-Date-Added-First and -Last (TAXII 2.1 §3.3.1)
// from a non-empty page.
func dateHeaders(w http.ResponseWriter, objs []*article5.StoredObject) {
	if len(objs) == 0 {
		return
	}
	w.Header().Set("X-TAXII-Date-Added-First", timestamp(objs[0].Added))
	w.Header().Set("X-TAXII-Date-Added-Last", timestamp(objs[len(objs)-1].Added))
}

// getObjects is TAXII 2.1 §5.4: a page of the collection's objects the
// caller may read, with the filters of parseQuery, as an envelope.
func (s *server) getObjects(w http.ResponseWriter, r *http.Request, c *api.Caller) error {
	return s.listObjects(w, r, c, kindObjects, "")
}

// getObject is TAXII 2.1 §5.6: the versions of one object (by default
// the latest) as an envelope. 404 when the caller may read no version of
// it in this collection, exactly as when the node holds none; 200 with an
// empty envelope when it may, but the filters select none.
func (s *server) getObject(w http.ResponseWriter, r *http.Request, c *api.Caller) error {
	return s.listObjects(w, r, c, kindObject, r.PathValue("oid"))
}

func (s *server) listObjects(w http.ResponseWriter, r *http.Request, c *api.Caller, kind, objectID string) error {
	col, err := findCollection(r, c)
	if err != nil {
		return err
	}
	q, err := s.parseQuery(r, c, col, kind, objectID)
	if err != nil {
		return err
	}
	p, next, err := s.page(r, c, col, kind, objectID, q)
	if err != nil {
		return err
	}
	if objectID != "" && len(p.Objects) == 0 && q.next == "" {
		if err := s.mustExist(r, col, q, objectID); err != nil {
			return err
		}
	}
	out := envelope{More: next != "", Next: next}
	strip, err := s.stripsFor(r, c, p.Objects)
	if err != nil {
		return err
	}
	for _, o := range p.Objects {
		raw := o.Raw
		if strip {
			raw, _ = StripLocalRecipients(raw)
		}
		out.Objects = append(out.Objects, json.RawMessage(raw))
	}
	dateHeaders(w, p.Objects)
	writeTAXII(w, http.StatusOK, out)
	return nil
}

// mustExist is ENOTFOUND unless the caller may read some version of
// objectID in the collection (whatever the other filters say).
func (s *server) mustExist(r *http.Request, col *collection, q *query, objectID string) error {
	f := article5.ObjectFilter{IDs: []string{objectID}, AllVersions: true, Limit: 1, Audience: q.f.Audience,
		ExcludeTypes: q.f.ExcludeTypes, Custodian: q.f.Custodian}
	p, err := s.find(r, col, f)
	if err != nil {
		return err
	}
	if len(p.Objects) == 0 {
		return article5.Errorf(article5.ENOTFOUND, "no such object in this collection")
	}
	return nil
}

// getManifest is TAXII 2.1 §5.3: what getObjects would list, as manifest
// records.
func (s *server) getManifest(w http.ResponseWriter, r *http.Request, c *api.Caller) error {
	col, err := findCollection(r, c)
	if err != nil {
		return err
	}
	q, err := s.parseQuery(r, c, col, kindManifest, "")
	if err != nil {
		return err
	}
	p, next, err := s.page(r, c, col, kindManifest, "", q)
	if err != nil {
		return err
	}
	out := struct {
		More    bool             `json:"more"`
		Next    string           `json:"next,omitempty"`
		Objects []manifestRecord `json:"objects,omitempty"`
	}{More: next != "", Next: next}
	for _, o := range p.Objects {
		out.Objects = append(out.Objects, manifestRecord{ID: o.ID, DateAdded: timestamp(o.Added), Version: o.Version, MediaType: mediaOf(o)})
	}
	dateHeaders(w, p.Objects)
	writeTAXII(w, http.StatusOK, out)
	return nil
}

// mediaOf is the media type of a stored object: STIX of its spec_version.
func mediaOf(o *article5.StoredObject) string {
	if o.SpecVersion == "" || o.SpecVersion == "2.1" {
		return MediaSTIX
	}
	return "application/stix+json;version=" + o.SpecVersion
}

// getVersions is TAXII 2.1 §5.7: the versions of one object the caller may
// read, in the order the node added them; 404 as getObject.
func (s *server) getVersions(w http.ResponseWriter, r *http.Request, c *api.Caller) error {
	col, err := findCollection(r, c)
	if err != nil {
		return err
	}
	id := r.PathValue("oid")
	q, err := s.parseQuery(r, c, col, kindVersions, id)
	if err != nil {
		return err
	}
	p, next, err := s.page(r, c, col, kindVersions, id, q)
	if err != nil {
		return err
	}
	if len(p.Objects) == 0 && q.next == "" {
		if err := s.mustExist(r, col, q, id); err != nil {
			return err
		}
	}
	out := struct {
		More     bool     `json:"more"`
		Next     string   `json:"next,omitempty"`
		Versions []string `json:"versions,omitempty"`
	}{More: next != "", Next: next}
	for _, o := range p.Objects {
		out.Versions = append(out.Versions, o.Version)
	}
	dateHeaders(w, p.Objects)
	writeTAXII(w, http.StatusOK, out)
	return nil
}

// deleteObject is TAXII 2.1 §5.8, answered with the node's policy: 403.
// Nothing is deleted, whatever the object: a record signed over evidence
// must be reproducible from the evidence, so an object is withdrawn by a
// new version with "revoked": true. The collection must exist (404).
func (s *server) deleteObject(w http.ResponseWriter, r *http.Request, c *api.Caller) error {
	if _, err := findCollection(r, c); err != nil {
		return err
	}
	return article5.Errorf(article5.EFORBIDDEN, "objects are never deleted from this node: signed evidence must stay reproducible; "+
		"to withdraw an object, POST a new version of it with \"revoked\": true")
}

// postObjects is TAXII 2.1 §5.5: the envelope's objects are ingested
// through the node's one ingest path (node.Node.Ingest: validation,
// custody, provenance), and a status resource is returned (202),
// complete at once. The caller must be allowed to ingest (403); the body
// must be MediaTAXII (415), within the API's body and object limits (413)
// and the caller's ingest quota (429); an envelope that is not a JSON
// object with a non-empty "objects" array is 400.
func (s *server) postObjects(w http.ResponseWriter, r *http.Request, c *api.Caller) error {
	col, err := findCollection(r, c)
	if err != nil {
		return err
	}
	if !col.CanWrite {
		return article5.Errorf(article5.EFORBIDDEN, "you may not write to this collection")
	}
	if err := contentType(r.Header.Get("Content-Type")); err != nil {
		return err
	}
	if err := s.opts.Edge.IngestQuota(r, 1, false); err != nil {
		return err
	}
	data, count, err := s.opts.Edge.ReadBody(w, r)
	if err != nil {
		return err
	}
	if err := s.opts.Edge.IngestQuota(r, max(count, 1), true); err != nil {
		return err
	}
	objs, err := envelopeObjects(data)
	if err != nil {
		return err
	}
	st, err := s.ingest(r, c, objs)
	if err != nil {
		return err
	}
	writeTAXII(w, http.StatusAccepted, st)
	return nil
}

// envelopeObjects returns the objects of a TAXII envelope.
func envelopeObjects(data []byte) ([]json.RawMessage, error) {
	var env struct {
		Objects []json.RawMessage `json:"objects"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&env); err != nil {
		return nil, article5.Invalid("the body must be a TAXII envelope: a JSON object with an \"objects\" array",
			article5.Detail{Pointer: "", Message: "not a JSON object with an objects array"})
	}
	if len(env.Objects) == 0 {
		return nil, article5.Invalid("the envelope has no objects", article5.Detail{Pointer: "/objects", Message: "a non-empty array"})
	}
	return env.Objects, nil
}

// stripsFor reports whether node-local red_recipients must be stripped
// from objs for caller c: some object names one, and c is a partner's
// principal (PartnerOf). Node-local names never cross to another node.
func (s *server) stripsFor(r *http.Request, c *api.Caller, objs []*article5.StoredObject) (bool, error) {
	local := false
	for _, o := range objs {
		local = local || slices.ContainsFunc(o.RedRecipients, LocalRecipient)
	}
	if !local {
		return false, nil
	}
	p, err := PartnerOf(r.Context(), s.n, c.Principal)
	return p != nil, err
}
