package article5

import (
	"context"
	"time"
)

// Partner is another article5 node (or any TAXII 2.1 server) this node
// pulls STIX objects from (docs/federation.md). Its objects are ingested
// as submitted by the principal PartnerPrincipal(Name) of organisation Org,
// which may create and version objects in the custody of the
// organisations in SpeaksFor.
type Partner struct {
	// Name is the operator's name for the partner: letters, digits, '-',
	// '_' and '.', at most 64.
	Name string
	// APIRoot is the partner's TAXII 2.1 API root URL, ending in "/":
	// https unless the host is a loopback address.
	APIRoot string
	// CA is a PEM bundle of the certificate authorities (or the pinned
	// certificate) the partner's TLS certificate must chain to; empty: the
	// host's roots.
	CA []byte
	// Token is the API token this node presents to the partner. A secret:
	// it is never printed, logged or returned by a listing.
	Token string
	// SpeaksFor are the STIX identity ids of the organisations the partner
	// speaks for; the first is the partner node's own organisation (Org).
	SpeaksFor []string
	// Collections are the partner's collections to pull, by id or alias;
	// empty: ["all"].
	Collections []string
	Created     time.Time
	// ClientCert and ClientKey are the PEM certificate chain and private
	// key this node presents to the partner for mutual TLS; empty: none.
	// ClientKey is a secret, as Token is.
	ClientCert []byte
	ClientKey  []byte
}

// Org is the partner node's own organisation: the first of SpeaksFor.
func (p *Partner) Org() string {
	if len(p.SpeaksFor) == 0 {
		return ""
	}
	return p.SpeaksFor[0]
}

// PullCollections returns the collections to pull: Collections, or "all".
func (p *Partner) PullCollections() []string {
	if len(p.Collections) == 0 {
		return []string{"all"}
	}
	return p.Collections
}

// PartnerPrincipalPrefix starts the principal id of a partner node.
const PartnerPrincipalPrefix = "partner--"

// PartnerPrincipal is the principal that submits what partner name sends:
// "partner--<name>", of the partner's organisation. Node-local, as a token
// or user id is.
func PartnerPrincipal(p *Partner) Principal {
	return Principal{ID: PartnerPrincipalPrefix + p.Name, Org: p.Org()}
}

// PartnerCursor is what this node keeps of its pulls of one partner
// collection: the added_after to resume from (the partner's
// X-TAXII-Date-Added-Last, or a safe point within a pass), when a pass last
// reached the end of the collection, the last attempt and its error ("" if
// it succeeded), and the objects pulled and the failed passes so far.
type PartnerCursor struct {
	Partner     string
	Collection  string
	AddedAfter  string
	LastSync    time.Time // zero: never completed
	LastAttempt time.Time
	LastError   string
	Pulled      int64
	Errors      int64
}

// PartnerService keeps partners and their cursors, shared by every serve
// process of the node. Adding and removing a partner are entries of the
// transparency log (whom a partner speaks for decides what it may store in
// their custody); the cursors are operational and not covered.
type PartnerService interface {
	// CreatePartner stores p; ECONFLICT if its name is taken.
	CreatePartner(ctx context.Context, p *Partner) error
	// FindPartners returns every partner, by name.
	FindPartners(ctx context.Context) ([]*Partner, error)
	// DeletePartner deletes partner name and its cursors; ENOTFOUND.
	DeletePartner(ctx context.Context, name string) error
	// FindPartnerCursors returns the cursors of partner name ("": of every
	// partner), by partner and collection.
	FindPartnerCursors(ctx context.Context, name string) ([]*PartnerCursor, error)
	// SavePartnerCursor stores c, replacing the cursor of its partner and
	// collection; ENOTFOUND if the partner is not held.
	SavePartnerCursor(ctx context.Context, c *PartnerCursor) error
}
