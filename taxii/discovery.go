package taxii

import (
	"net/http"

	"article5"
	"article5/api"
)

// discoveryResource is TAXII 2.1 §4.1.1.
type discoveryResource struct {
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Contact     string   `json:"contact,omitempty"`
	Default     string   `json:"default"`
	APIRoots    []string `json:"api_roots"`
}

// apiRootResource is TAXII 2.1 §4.2.1.
type apiRootResource struct {
	Title            string   `json:"title"`
	Description      string   `json:"description,omitempty"`
	Versions         []string `json:"versions"`
	MaxContentLength int64    `json:"max_content_length"`
}

// discovery is TAXII 2.1 §4.1: the server's one API root, which is also
// the default.
func (s *server) discovery(w http.ResponseWriter, r *http.Request, _ *api.Caller) error {
	root := s.baseURL(r) + Prefix + RootName + "/"
	writeTAXII(w, http.StatusOK, discoveryResource{Title: s.opts.Title, Description: s.opts.Description,
		Contact: s.opts.Contact, Default: root, APIRoots: []string{root}})
	return nil
}

// checkRoot answers 404 for any API root but RootName.
func checkRoot(r *http.Request) error {
	if r.PathValue("root") != RootName {
		return article5.Errorf(article5.ENOTFOUND, "no such API root")
	}
	return nil
}

// apiRoot is TAXII 2.1 §4.2.
func (s *server) apiRoot(w http.ResponseWriter, r *http.Request, _ *api.Caller) error {
	if err := checkRoot(r); err != nil {
		return err
	}
	writeTAXII(w, http.StatusOK, apiRootResource{Title: s.opts.Title, Description: s.opts.Description,
		Versions: []string{MediaTAXII}, MaxContentLength: s.opts.MaxContentLength})
	return nil
}
