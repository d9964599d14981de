package taxii

import (
	"net/http"

	"github.com/google/uuid"

	"article5"
)

// QuarantineCollectionID returns the id of the collection of the versions
// held in organisation org's quarantine.
func QuarantineCollectionID(org string) string {
	return uuid.NewSHA1(namespace, []byte("quarantine/"+org)).String()
}

// quarantineCollection is the collection (alias "quarantine") of the
// versions the node holds apart for organisation org (article5.PlaceIngest):
// those its principals submitted that collided with an object they may not
// read, and, for a partner node's organisation, the versions it sent with
// the id and modified of a held version but other content. It is seen by
// that organisation's callers only (to anyone else it does not exist),
// read-only, never evidence; every version is listed, in the order
// received.
func quarantineCollection(org string) collection {
	return collection{ID: QuarantineCollectionID(org), Title: "Versions your organisation submitted that are held apart",
		Alias: "quarantine",
		Description: "Versions submitted by " + org + " that this node holds apart in quarantine, never as evidence: they collided " +
			"with an object you may not read, or (from a partner node) share the id and modified of a held version with other content.",
		CanRead: true, MediaTypes: []string{MediaSTIX}, quarantine: org}
}

// find reads a page of collection col: from the store, or, for a
// quarantine collection, from its organisation's quarantine (f's IDs,
// Types, AddedAfter, Cursor and Limit apply; every version is listed).
func (s *server) find(r *http.Request, col *collection, f article5.ObjectFilter) (*article5.ObjectPage, error) {
	if col.quarantine != "" {
		return s.n.Store.FindQuarantinedFor(r.Context(), col.quarantine, f)
	}
	return s.n.Store.FindObjects(r.Context(), f)
}
