package taxii

import (
	"net/http"

	"github.com/google/uuid"

	"article5"
	"article5/api"
	"article5/authz"
)

// namespace is the UUID namespace of collection ids (a UUIDv5 of
// "article5 TAXII collections" under the URL namespace): a collection's id
// is the same on every node and in every release.
var namespace = uuid.NewSHA1(uuid.NameSpaceURL, []byte("article5 TAXII collections"))

// AllCollectionID is the id of the collection of every object the caller
// may read.
var AllCollectionID = uuid.NewSHA1(namespace, []byte("all")).String()

// CustodyCollectionID returns the id of the collection of the objects held
// in the custody of organisation org (a STIX identity id).
func CustodyCollectionID(org string) string {
	return uuid.NewSHA1(namespace, []byte("custody/"+org)).String()
}

// derived are the types the node derives from a case, which leave only
// with their case (node.Gate) and are in no collection.
var derived = []string{"article5-assessment", "article5-determination"}

// collection is one collection as a caller sees it.
type collection struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Alias       string   `json:"alias,omitempty"`
	CanRead     bool     `json:"can_read"`
	CanWrite    bool     `json:"can_write"`
	MediaTypes  []string `json:"media_types"`

	custodian  string // "" for all
	quarantine string // the organisation whose quarantine it is (quarantine.go)
}

// collectionsOf returns the collections caller c sees: "all", and, when c
// has an organisation, "custody" of it. Both can be read by every
// authenticated caller (each read is released to the caller); both can be
// written by a caller authz lets ingest (a session user with the analyst
// role, an API token); a write lands in the same store either way.
func collectionsOf(c *api.Caller) []collection {
	write := authz.Check(authz.Request{User: c.Authz, Action: article5.ActionIngest}) == nil
	out := []collection{{ID: AllCollectionID, Title: "All objects", Alias: "all",
		Description: "Every STIX object this node holds that you may read, in the order the node added them.",
		CanRead:     true, CanWrite: write, MediaTypes: []string{MediaSTIX}}}
	if c.Recipient.Org != "" {
		out = append(out, collection{ID: CustodyCollectionID(c.Recipient.Org), Title: "Objects in the custody of your organisation",
			Alias:       "custody",
			Description: "The STIX objects this node holds in the custody of " + c.Recipient.Org + " (first submitted by it, or relayed by it), that you may read.",
			CanRead:     true, CanWrite: write, MediaTypes: []string{MediaSTIX}, custodian: c.Recipient.Org})
		out = append(out, quarantineCollection(c.Recipient.Org))
	}
	return out
}

// findCollection returns the collection {cid} of the request's API root as
// caller c sees it; ENOTFOUND otherwise (another organisation's custody
// collection is as unknown as a random id).
func findCollection(r *http.Request, c *api.Caller) (*collection, error) {
	if err := checkRoot(r); err != nil {
		return nil, err
	}
	id := r.PathValue("cid")
	for _, col := range collectionsOf(c) {
		if col.ID == id || col.Alias == id {
			return &col, nil
		}
	}
	return nil, article5.Errorf(article5.ENOTFOUND, "no such collection")
}

// listCollections is TAXII 2.1 §5.1.
func (s *server) listCollections(w http.ResponseWriter, r *http.Request, c *api.Caller) error {
	if err := checkRoot(r); err != nil {
		return err
	}
	writeTAXII(w, http.StatusOK, map[string]any{"collections": collectionsOf(c)})
	return nil
}

// getCollection is TAXII 2.1 §5.2.
func (s *server) getCollection(w http.ResponseWriter, r *http.Request, c *api.Caller) error {
	col, err := findCollection(r, c)
	if err != nil {
		return err
	}
	writeTAXII(w, http.StatusOK, col)
	return nil
}
