package article5

import (
	"context"
	"time"
)

// PartnerPush is what this node keeps of its pushes to one partner
// (docs/federation.md, "Pushing"): the position in this node's objects
// (in the order it added them: an opaque ObjectPage.End) up to which every
// version has been judged and, if releasable to the partner, accepted by
// it; the partner collection pushed to; when a push last reached the end,
// the last attempt and its error ("" if it succeeded); and running totals
// of the versions sent, of those the partner refused, and of failed pushes.
type PartnerPush struct {
	Partner     string
	Collection  string
	Position    string
	LastPush    time.Time // zero: never completed
	LastAttempt time.Time
	LastError   string
	Pushed      int64
	Refused     int64
	Errors      int64
}

// PartnerPushService keeps the push positions of partners, shared by every
// serve process of the node. Operational, like the pull cursors: not
// covered by the transparency log.
type PartnerPushService interface {
	// FindPartnerPushes returns the push records of partner name ("": of
	// every partner), by partner.
	FindPartnerPushes(ctx context.Context, name string) ([]*PartnerPush, error)
	// SavePartnerPush stores p, replacing the record of its partner;
	// ENOTFOUND if the partner is not held (it was removed).
	SavePartnerPush(ctx context.Context, p *PartnerPush) error
	// FindQuarantinedFor returns a page of the versions held in
	// organisation org's quarantine, in the order received: for a
	// partner's organisation, the versions it sent that conflicted with
	// one held (same id and modified, other content) or collided with an
	// object it may not read. Of f, only IDs, Types, AddedAfter, Cursor
	// and Limit apply: every quarantined version is listed.
	FindQuarantinedFor(ctx context.Context, org string, f ObjectFilter) (*ObjectPage, error)
}
