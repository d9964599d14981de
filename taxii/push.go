package taxii

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"article5"
	"article5/node"
)

// DefaultPushBatch is how many object versions one push request carries.
const DefaultPushBatch = 500

// PushReport is what one push to a partner moved: the partner collection
// written to, the requests (batches) made, the versions the partner
// accepted or already held (Sent), those it refused (with its reason), the
// versions this node held apart from it as conflicts on its side, the
// versions judged and withheld (not releasable to the partner, or its own
// or its organisations' objects: no echo), and the error that stopped the
// push.
type PushReport struct {
	Collection string               `json:"collection"`
	Batches    int                  `json:"batches"`
	Sent       []article5.ObjectRef `json:"sent"`
	Refused    []article5.Rejection `json:"refused"`
	Withheld   int                  `json:"withheld"`
	Stripped   int                  `json:"stripped"`
	Error      string               `json:"error,omitempty"`
}

// Pushable decides whether the stored version o may be pushed to partner
// p: never its own objects back (no echo: o was submitted by the
// partner's principal, or is in the custody of an organisation it speaks
// for), never a standard object or article5's own (the partner holds its
// own copy); a TLP:RED object whose red_recipients name an organisation
// the partner speaks for; otherwise only what the release rule lets reach
// the partner node's organisation: g, its gate (PartnerGate), decides by
// release.Policy.Releasable, TLP 2.0 as DESIGN.md §5 has it (CLEAR;
// GREEN to a shared community; AMBER to a client of the holder;
// AMBER+STRICT only to the holder). Derived objects (assessments,
// determinations) are never read for a push. Errors are the store's.
func Pushable(ctx context.Context, g *node.Gate, p *article5.Partner, o *article5.StoredObject) (bool, error) {
	custodian := article5.CustodianOf(o)
	if o.Submitter == article5.PartnerPrincipal(p).ID || slices.Contains(p.SpeaksFor, custodian) {
		return false, nil
	}
	if custodian == article5.CustodyStandard || custodian == article5.ExtensionCreatorID || node.StandardObject(o.ID) {
		return false, nil
	}
	for _, r := range o.RedRecipients {
		if slices.Contains(p.SpeaksFor, r) {
			return true, nil
		}
	}
	return g.Object(ctx, o)
}

// PartnerGate is the release gate Pushable judges with: the partner
// node's organisation as n's policy sees it (its communities).
func PartnerGate(n *node.Node, p *article5.Partner) *node.Gate {
	return n.Gate(n.Policy.OrgRecipient(p.Org()))
}

// PushOptions tunes Push; the zero value is usable.
type PushOptions struct {
	// Batch is how many versions one request carries; 0: DefaultPushBatch;
	// at most MaxPage.
	Batch int
	// Client, when set, returns the client of a partner (tests); nil:
	// PartnerClient.
	Client func(p *article5.Partner) (*Client, error)
	// Renew: as SyncOptions.Renew, before each batch.
	Renew func(ctx context.Context) error
}

// Push sends partner p what this node added since the last push that the
// partner may have (Pushable), in the order the node added it, every
// version of an object (an object whose latest version may not go is
// withheld whole), each with node-local red_recipients stripped
// (StripLocalRecipients), as TAXII envelopes POSTed to the partner's
// collection (the first of p.PullCollections), following each status
// until complete (Client.AddAndWait; transient faults retried with
// backoff). The position in this node's objects is saved after every
// batch the partner answered, so a push stopped at any point resumes
// where it stopped; a batch sent twice is found "already held" by the
// partner. A push with nothing new makes no request. A failed push
// records its error for partner list and /metrics and is reported, not
// returned; an error is returned for a fault of this node's store, or
// when ctx ends.
func Push(ctx context.Context, n *node.Node, p *article5.Partner, opts PushOptions) (*PushReport, error) {
	batch := opts.Batch
	if batch <= 0 {
		batch = DefaultPushBatch
	}
	batch = min(batch, MaxPage)
	mk := opts.Client
	if mk == nil {
		mk = PartnerClient
	}
	recs, err := n.Store.FindPartnerPushes(ctx, p.Name)
	if err != nil {
		return nil, err
	}
	rec := &article5.PartnerPush{Partner: p.Name}
	if len(recs) > 0 {
		rec = recs[0]
	}
	rec.Collection = p.PullCollections()[0]
	rep := &PushReport{Collection: rec.Collection, Sent: []article5.ObjectRef{}, Refused: []article5.Rejection{}}
	now := func() time.Time {
		if n.Now != nil {
			return n.Now().UTC()
		}
		return time.Now().UTC()
	}
	rec.LastAttempt = now()
	c, err := mk(p)
	if err == nil {
		err = pushPages(ctx, n, p, c, rec, rep, batch, opts.Renew)
	}
	if err != nil {
		if isStoreFault(err) && ctx.Err() == nil {
			return rep, err
		}
		rep.Error = syncError(err)
		rec.LastError = rep.Error
		rec.Errors++
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		serr := n.Store.SavePartnerPush(sctx, rec)
		cancel()
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
		if serr != nil && article5.ErrorCode(serr) != article5.ENOTFOUND {
			return rep, serr
		}
		return rep, nil
	}
	rec.LastPush, rec.LastError = now(), ""
	if err := n.Store.SavePartnerPush(ctx, rec); err != nil && article5.ErrorCode(err) != article5.ENOTFOUND {
		return rep, err
	}
	return rep, nil
}

// storeFault marks an error of this node's store during a push, which
// Push returns rather than records.
type storeFault struct{ err error }

func (e *storeFault) Error() string { return e.err.Error() }
func (e *storeFault) Unwrap() error { return e.err }

func isStoreFault(err error) bool {
	_, ok := err.(*storeFault)
	return ok
}

// pushPages is Push's loop over this node's objects from rec.Position.
func pushPages(ctx context.Context, n *node.Node, p *article5.Partner, c *Client, rec *article5.PartnerPush, rep *PushReport,
	batch int, renew func(context.Context) error) error {
	for {
		if renew != nil {
			if err := renew(ctx); err != nil {
				return err
			}
		}
		pg, err := n.Store.FindObjects(ctx, article5.ObjectFilter{AllVersions: true, Audience: &article5.Audience{All: true},
			ExcludeTypes: derived, Cursor: rec.Position, Limit: batch})
		if err != nil {
			return &storeFault{err}
		}
		if len(pg.Objects) == 0 {
			return nil
		}
		// An object whose latest version may not go is withheld whole (its
		// originator raised the marking): one read of the page's latest
		// versions.
		var ids []string
		seen := map[string]bool{}
		for _, o := range pg.Objects {
			if !o.Unversioned && !seen[o.ID] {
				seen[o.ID] = true
				ids = append(ids, o.ID)
			}
		}
		g := PartnerGate(n, p)
		pushable := func(o *article5.StoredObject) (bool, error) {
			ok, err := Pushable(ctx, g, p, o)
			if err != nil {
				return false, &storeFault{err}
			}
			return ok, nil
		}
		latest := map[string]bool{} // id → its latest version may go
		if len(ids) > 0 {
			lp, err := n.Store.FindObjects(ctx, article5.ObjectFilter{IDs: ids, Audience: &article5.Audience{All: true}, Limit: len(ids)})
			if err != nil {
				return &storeFault{err}
			}
			for _, l := range lp.Objects {
				if latest[l.ID], err = pushable(l); err != nil {
					return err
				}
			}
		}
		var objs []json.RawMessage
		for _, o := range pg.Objects {
			ok, err := pushable(o)
			if err != nil {
				return err
			}
			if !ok || (!o.Unversioned && !latest[o.ID]) {
				rep.Withheld++
				continue
			}
			raw, stripped := StripLocalRecipients(o.Raw)
			if stripped {
				rep.Stripped++
			}
			objs = append(objs, raw)
		}
		if len(objs) > 0 {
			st, err := c.AddAndWait(ctx, rec.Collection, objs)
			if err != nil {
				return err
			}
			rep.Batches++
			for _, s := range st.Successes {
				rep.Sent = append(rep.Sent, article5.ObjectRef{ID: s.ID, Version: s.Version})
			}
			for _, f := range st.Failures {
				rep.Refused = append(rep.Refused, article5.Rejection{ID: f.ID, Index: -1, Reason: f.Message})
			}
			rec.Pushed += int64(len(st.Successes))
			rec.Refused += int64(len(st.Failures))
		}
		rec.Position = pg.End
		if err := n.Store.SavePartnerPush(ctx, rec); article5.ErrorCode(err) == article5.ENOTFOUND {
			return nil // the partner was removed meanwhile: nothing more to push to it
		} else if err != nil {
			return &storeFault{err}
		}
		if pg.Next == "" {
			return nil
		}
	}
}
