package api

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"time"

	"article5"
	"article5/node"
)

// maxDoctrineBody limits a doctrine file put through the API: 1 MiB.
const maxDoctrineBody = 1 << 20

// Where a doctrine in force came from.
const (
	sourceBuiltin = "builtin" // embedded in the binary (doctrine.DefaultIDs)
	sourceFile    = "file"    // a YAML file loaded at start
	sourceAPI     = "api"     // put through PUT /api/v1/doctrines/{id} (stored)
)

// doctrineJSON is a doctrine in force as the API lists it.
type doctrineJSON struct {
	ID      string         `json:"id"`
	Version string         `json:"version"`
	Party   article5.Party `json:"party"`
	Title   string         `json:"title"`
	SHA256  string         `json:"sha256"`
	Source  string         `json:"source"` // builtin, file or api
	// Stored is the stored version (source api only).
	Stored *storedDoctrineJSON `json:"stored,omitempty"`
	YAML   string              `json:"yaml,omitempty"` // GET /api/v1/doctrines/{id} only
}

type storedDoctrineJSON struct {
	Seq       int64     `json:"seq"`
	ChangedBy string    `json:"changed_by"`
	Changed   time.Time `json:"changed"`
}

// viewDoctrine describes d; stored is the latest stored version of d.ID
// (nil if none).
func viewDoctrine(d node.DoctrineInfo, stored *article5.DoctrineVersion) doctrineJSON {
	v := doctrineJSON{ID: d.ID, Version: d.Version, Party: d.Party, Title: d.Title, SHA256: d.SHA256, Source: sourceFile}
	switch {
	case stored != nil && stored.SHA256 == d.SHA256:
		v.Source = sourceAPI
		v.Stored = &storedDoctrineJSON{Seq: stored.Seq, ChangedBy: stored.ChangedBy, Changed: stored.Changed}
	case d.Builtin:
		v.Source = sourceBuiltin
	}
	return v
}

// storedDoctrines returns the latest stored version of each doctrine, by id.
func (s *server) storedDoctrines(r *http.Request) (map[string]*article5.DoctrineVersion, error) {
	vs, err := s.n.Store.FindDoctrines(r.Context())
	if err != nil {
		return nil, err
	}
	out := make(map[string]*article5.DoctrineVersion, len(vs))
	for _, v := range vs {
		out[v.ID] = v
	}
	return out, nil
}

// listDoctrines lists the doctrines in force: {"doctrines":[…]}, each with
// its id, version, owning party, title, sha256 and source (builtin, file
// or api). Any authenticated caller may read them.
func (s *server) listDoctrines(w http.ResponseWriter, r *http.Request) error {
	if err := s.n.SyncDoctrines(r.Context()); err != nil {
		return err
	}
	stored, err := s.storedDoctrines(r)
	if err != nil {
		return err
	}
	docs := s.n.InForce()
	out := make([]doctrineJSON, len(docs))
	for i, d := range docs {
		out[i] = viewDoctrine(node.Describe(d), stored[d.ID])
	}
	writeJSON(w, http.StatusOK, map[string]any{"doctrines": out})
	return nil
}

// getDoctrine shows one doctrine in force with its YAML source: 200
// {"doctrine":{…,"yaml":…}}; 404 if no doctrine with that id is in force.
func (s *server) getDoctrine(w http.ResponseWriter, r *http.Request) error {
	if err := s.n.SyncDoctrines(r.Context()); err != nil {
		return err
	}
	d, err := s.n.Doctrine(r.PathValue("id"))
	if err != nil {
		return err
	}
	stored, err := s.storedDoctrines(r)
	if err != nil {
		return err
	}
	v := viewDoctrine(node.Describe(d), stored[d.ID])
	v.YAML = string(d.Source)
	writeJSON(w, http.StatusOK, map[string]any{"doctrine": v})
	return nil
}

// putDoctrine replaces the doctrine {id} in force with the YAML body
// (Content-Type application/yaml or text/yaml, else 415): only an admin of
// the party that owns the doctrine in force may (authz change-doctrine,
// 403), and the file must keep that party (403: a doctrine cannot be
// handed to the other party) and the id (400). A file that does not parse
// or check is 400 with a detail per fault, naming its line; a file whose
// id and version already name another text is 409 (a version names one
// text: article5.VersionHeld). On success the
// version is stored and logged (node.Node.ChangeDoctrine), put in force,
// and every case is re-assessed under it by the job returned: 200
// {"doctrine":…,"job":…}. The same file as the one in force changes
// nothing (200, "unchanged": true).
func (s *server) putDoctrine(w http.ResponseWriter, r *http.Request) error {
	p, err := principalOf(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := s.n.SyncDoctrines(r.Context()); err != nil { // the version another process put may be the one in force
		return err
	}
	cur, err := s.n.Doctrine(id)
	if err != nil {
		return err
	}
	if err := s.authorizeFor(r, article5.ActionChangeDoctrine, cur.Party); err != nil {
		return err
	}
	if err := yamlContentType(r.Header.Get("Content-Type")); err != nil {
		return err
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxDoctrineBody))
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return tooLarge(maxDoctrineBody)
		}
		return article5.Invalid("the request body could not be read")
	}
	now, v, job, err := s.changeDoctrine(r, p, id, body)
	if err != nil {
		return err
	}
	if v == nil {
		stored, err := s.storedDoctrines(r)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, map[string]any{"doctrine": viewDoctrine(now, stored[id]), "unchanged": true})
		return nil
	}
	writeJSON(w, http.StatusOK, map[string]any{"doctrine": viewDoctrine(now, v), "job": job})
	return nil
}

// changeDoctrine parses body as the new version of doctrine id in force,
// which p must be allowed to change (change-doctrine for its owner:
// EFORBIDDEN), and, unless it is the same file, puts it in force through
// node.Node.ChangeDoctrine. It returns the doctrine in force after it; v
// is nil when nothing changed. A file that does not parse or check is
// EINVALID with a detail per fault, naming its line; nothing is stored
// then. EFORBIDDEN too when the file names another party; ECONFLICT when
// its version already names another text; ENOTFOUND when no doctrine id
// is in force.
func (s *server) changeDoctrine(r *http.Request, p *principal, id string, body []byte) (now node.DoctrineInfo, v *article5.DoctrineVersion, job string, err error) {
	cur, err := s.n.Doctrine(id)
	if err != nil {
		return now, nil, "", err
	}
	if err := s.authorizeFor(r, article5.ActionChangeDoctrine, cur.Party); err != nil {
		return now, nil, "", err
	}
	d, err := node.ParseDoctrine(id, body)
	if err != nil {
		return now, nil, "", err
	}
	if d.Party != cur.Party {
		return now, nil, "", article5.Errorf(article5.EFORBIDDEN, "change-doctrine refused: doctrine %s is owned by %s and must keep party %s (got %s)",
			id, cur.Party, cur.Party, d.Party)
	}
	if d.SHA256 == cur.SHA256 {
		return node.Describe(cur), nil, "", nil
	}
	v, job, err = s.n.ChangeDoctrine(r.Context(), d, p.authz.ID)
	if err != nil {
		return now, nil, "", err
	}
	return node.Describe(d), v, job, nil
}

// yamlContentType accepts application/yaml, text/yaml and their x-
// variants; anything else is 415.
func yamlContentType(ct string) error {
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil {
		switch mt {
		case "application/yaml", "text/yaml", "application/x-yaml", "text/x-yaml":
			return nil
		}
	}
	return &apiError{status: http.StatusUnsupportedMediaType, code: article5.EINVALID,
		msg: "Content-Type must be application/yaml or text/yaml"}
}
