package node

import (
	"context"
	"strings"

	"article5"
	"article5/release"
	"article5/stix"
)

// Gate decides, for one recipient, what may leave the node. Every path out
// (API reads, exports, later TAXII, web pages and webhooks) asks a Gate, and
// a Gate asks release.Policy.Releasable and nothing else. A Gate caches its
// decisions and is meant for one request; it is not safe for concurrent use.
//
// The rules, on top of Releasable:
//   - an object leaves only if Releasable admits it and every object it
//     references that the node holds (other than marking-definitions) is
//     admitted too, so that a withheld object's id never leaves inside
//     another (a grouping's object_refs, a relationship's target_ref);
//   - a case leaves only if every object of its evidence may leave, and so
//     does article5's assessment (or determination) of it.
type Gate struct {
	n     *Node
	r     release.Recipient
	self  map[string]bool // id → Releasable on its latest version
	whole map[string]bool // id → the latest version and its references may leave
	cases map[string]bool // case id → may leave
	rels  relIndex        // relationships by source, read once per gate
}

// Gate returns a release gate for recipient r.
func (n *Node) Gate(r release.Recipient) *Gate {
	return &Gate{n: n, r: r, self: map[string]bool{}, whole: map[string]bool{}, cases: map[string]bool{}}
}

// Recipient returns the recipient the gate decides for.
func (g *Gate) Recipient() release.Recipient { return g.r }

// Object reports whether the stored version o may leave: it is releasable
// and so is every held object it references. Errors are the store's.
func (g *Gate) Object(ctx context.Context, o *article5.StoredObject) (bool, error) {
	p, err := stix.ParseObject(o.Raw)
	if err != nil {
		return false, article5.Internal("release: parse stored "+o.ID, err)
	}
	if !g.n.Policy.Releasable(release.ObjectOf(p), g.r).Allowed {
		return false, nil
	}
	for _, ref := range p.Refs() {
		if ref.ID == o.ID || strings.HasPrefix(ref.ID, "marking-definition--") {
			continue
		}
		ok, err := g.selfOK(ctx, ref.ID)
		if err != nil {
			return false, err
		}
		if !ok {
			return false, nil
		}
	}
	// An assessment (article5's conclusion on a case) names its evidence
	// inside its findings: it leaves only with its case.
	if p.Type == "article5-assessment" || p.Type == "article5-determination" {
		if _, err := g.CaseByID(ctx, p.String("case_ref")); err != nil {
			if article5.ErrorCode(err) == article5.ENOTFOUND {
				return false, nil
			}
			return false, err
		}
	}
	return true, nil
}

// ID reports whether the latest version of the object id may leave (see
// Object). An id the node does not hold has nothing to withhold: true.
func (g *Gate) ID(ctx context.Context, id string) (bool, error) {
	if ok, seen := g.whole[id]; seen {
		return ok, nil
	}
	o, err := g.n.latest(ctx, id)
	if article5.ErrorCode(err) == article5.ENOTFOUND {
		g.whole[id] = true
		return true, nil
	}
	if err != nil {
		return false, err
	}
	ok, err := g.Object(ctx, o)
	if err != nil {
		return false, err
	}
	g.whole[id] = ok
	return ok, nil
}

// selfOK is Releasable on the latest version of id alone; true when the
// node does not hold id.
func (g *Gate) selfOK(ctx context.Context, id string) (bool, error) {
	if ok, seen := g.self[id]; seen {
		return ok, nil
	}
	o, err := g.n.latest(ctx, id)
	if article5.ErrorCode(err) == article5.ENOTFOUND {
		g.self[id] = true
		return true, nil
	}
	if err != nil {
		return false, err
	}
	p, err := stix.ParseObject(o.Raw)
	if err != nil {
		return false, article5.Internal("release: parse stored "+id, err)
	}
	ok := g.n.Policy.Releasable(release.ObjectOf(p), g.r).Allowed
	g.self[id] = ok
	return ok, nil
}

// Case reports whether a case may leave: every object of its evidence
// (Node.CaseEvidence: the objects the node holds now, which include those
// of its latest assessment) may. A case whose grouping is gone is judged on
// its id alone.
func (g *Gate) Case(ctx context.Context, c *article5.CaseSummary) (bool, error) {
	if ok, seen := g.cases[c.ID]; seen {
		return ok, nil
	}
	ids, err := g.n.caseEvidenceIDs(ctx, c.ID, &g.rels)
	if article5.ErrorCode(err) == article5.ENOTFOUND {
		ids, err = []string{c.ID}, nil
	}
	if err != nil {
		return false, err
	}
	ok, err := g.allIDs(ctx, ids)
	if err != nil {
		return false, err
	}
	g.cases[c.ID] = ok
	return ok, nil
}

func (g *Gate) allIDs(ctx context.Context, ids []string) (bool, error) {
	for _, id := range ids {
		ok, err := g.ID(ctx, id)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

// CaseByID returns the case if it may leave, else ENOTFOUND (the same error
// as for a case that does not exist, so withholding is not disclosed).
func (g *Gate) CaseByID(ctx context.Context, id string) (*article5.CaseSummary, error) {
	c, err := g.n.Store.FindCaseByID(ctx, id)
	if err != nil {
		return nil, err
	}
	ok, err := g.Case(ctx, c)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, article5.Errorf(article5.ENOTFOUND, "no such case")
	}
	return c, nil
}

// latest returns the latest stored version of id; ENOTFOUND if none.
func (n *Node) latest(ctx context.Context, id string) (*article5.StoredObject, error) {
	vs, err := n.Store.FindObjectVersions(ctx, id)
	if err != nil {
		return nil, err
	}
	if len(vs) == 0 {
		return nil, article5.Errorf(article5.ENOTFOUND, "no such object")
	}
	return latestOf(vs), nil
}

// latestOf picks the greatest version: by instant, then raw string; an
// unversioned object's versions are ordered by the date added.
func latestOf(vs []*article5.StoredObject) *article5.StoredObject {
	best := vs[0]
	for _, v := range vs[1:] {
		if v.VersionSec > best.VersionSec ||
			(v.VersionSec == best.VersionSec && v.VersionNsec > best.VersionNsec) ||
			(v.VersionSec == best.VersionSec && v.VersionNsec == best.VersionNsec && versionAfter(v.Version, best.Version)) {
			best = v
		}
	}
	return best
}

// versionAfter compares equal-to-the-nanosecond raw timestamps by their
// further digits.
func versionAfter(a, b string) bool {
	ta, err1 := stix.ParseTimestamp(a)
	tb, err2 := stix.ParseTimestamp(b)
	if err1 != nil || err2 != nil {
		return a > b
	}
	return ta.Compare(tb) > 0
}
