package article5

import (
	"context"
	"time"
)

// EventPartnerLogInconsistent is the event a node records when a partner
// node's transparency log is found inconsistent with what this node
// witnessed before: a signed tree head that does not verify with the
// partner's node key, a key not certified by a trusted root of the
// partner's Party, a tree smaller than the one witnessed, a tree of the
// same size with another hash, or a larger tree that does not extend the
// witnessed one (RFC 6962 consistency proof). docs/federation.md,
// "Witnessing".
const EventPartnerLogInconsistent = "partner-log-inconsistent"

// PartnerHead is what this node witnessed of a partner node's
// transparency log: the newest signed tree head that verified and
// extended every head witnessed before it, the certificate of the key
// that signed it, and the faults found since.
type PartnerHead struct {
	Partner string
	// Signed is the newest consistent signed tree head (sumdb note), as
	// received; empty until a first one verified. Export it with
	// `article5 partner head NAME` for `audit verify --witnessed` on the
	// partner.
	Signed []byte
	Size   int64     // entries of Signed's tree
	Hash   string    // base64 Merkle tree hash of Signed
	Time   time.Time // Signed's own time line
	// KeyID ("ed25519:<hex>", sign.KeyID) and Party are of the partner's
	// node key; Certificate is its certificate by the Party's root (JSON
	// of sign.Certificate, role "node").
	KeyID       string
	Party       Party
	Certificate []byte
	// Witnessed is when a head last verified and was consistent;
	// LastAttempt when one was last asked for; LastError why the last
	// attempt failed ("" after a success): a transport fault or an
	// inconsistency.
	Witnessed   time.Time
	LastAttempt time.Time
	LastError   string
	Checks      int64 // successful witnessings
	// Inconsistencies counts the incidents found: a head contradicting
	// Signed when none was open (ConflictOpen), each recorded as an
	// event. Conflict is the last signed head that contradicted Signed
	// (kept as evidence: two heads signed by the partner's key that no
	// honest log signs both of), ConflictReason why, ConflictAt when.
	// ConflictOpen is set by a contradicting head and cleared by a head
	// that verifies and extends Signed, or by the operator accepting
	// Conflict (node.AcceptPartnerHead).
	Inconsistencies int64
	Conflict        []byte
	ConflictReason  string
	ConflictAt      time.Time
	ConflictOpen    bool
}

// WitnessService keeps what this node witnessed of its partners' logs and
// the certificate of its own node key. Operational: not covered by the
// node's own transparency log (a head and a certificate verify by their
// signatures).
type WitnessService interface {
	// FindPartnerHeads returns the heads witnessed of partner name ("":
	// of every partner), by partner. A partner removed and added again
	// keeps its head: a log rewritten in between is still found.
	FindPartnerHeads(ctx context.Context, name string) ([]*PartnerHead, error)
	// SavePartnerHead stores h, replacing the partner's row. When e is
	// not nil it records the event too, in the same transaction, filed
	// for every recipient of organisation org (OrgGrants), and sets e.Seq.
	SavePartnerHead(ctx context.Context, h *PartnerHead, e *Event, org string) error
	// SetNodeCertificate stores the certificate (JSON of sign.Certificate)
	// of this node's tree-head key keyID, replacing any earlier one.
	SetNodeCertificate(ctx context.Context, keyID string, cert []byte) error
	// NodeCertificate returns the stored certificate and the key id it
	// was stored for; ENOTFOUND if none.
	NodeCertificate(ctx context.Context) (keyID string, cert []byte, err error)
}

// OrgGrants returns the audience keys under which every recipient of
// organisation org finds a row whatever its ceiling (Audience.Grants):
// the keys of an event about no case, meant for the node's own
// organisation.
func OrgGrants(org string) []string {
	out := make([]string, 0, len(buckets))
	for _, b := range buckets {
		out = append(out, "o:"+org+"|"+b)
	}
	return out
}
