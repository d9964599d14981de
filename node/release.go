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
// a Gate asks release.Policy.Releasable (or the store, which applies the
// same rule in its queries through article5.Audience) and nothing else. A
// Gate caches its decisions and is meant for one request; it is not safe
// for concurrent use.
//
// The rules, on top of Releasable:
//   - an object is judged on itself: its markings, custody and named
//     recipients. Whether the objects it references exist, or may be seen,
//     never changes the answer, so that an object the recipient may not
//     read behaves exactly like one that does not exist (a reference is
//     an id, not content; an author who references a TLP:RED object marks
//     the reference accordingly);
//   - what the node derives from evidence is judged on the evidence: a
//     case (its summary, assessment, consultation and events) leaves only
//     if the latest version of every object of its evidence index may, and
//     article5's assessment and determination objects only with their case.
type Gate struct {
	n     *Node
	r     release.Recipient
	whole map[string]bool // id → may leave
	cases map[string]bool // case id → may leave
}

// Gate returns a release gate for recipient r.
func (n *Node) Gate(r release.Recipient) *Gate {
	return &Gate{n: n, r: r, whole: map[string]bool{}, cases: map[string]bool{}}
}

// Recipient returns the recipient the gate decides for.
func (g *Gate) Recipient() release.Recipient { return g.r }

// Audience returns the gate's recipient as a store applies it in queries.
func (g *Gate) Audience() article5.Audience { return g.n.AudienceOf(g.r) }

// AudienceOf returns recipient r as a store applies it in queries
// (article5.Audience): its organisation, subject and the ceiling the
// node's policy admits it to.
func (n *Node) AudienceOf(r release.Recipient) article5.Audience {
	return article5.Audience{Org: r.Org, Subject: r.Subject, Ceiling: n.Policy.Ceiling(r), DefaultRank: n.Policy.DefaultRank()}
}

// Object reports whether the stored version o may leave: Releasable on its
// own columns, and, for article5's assessment and determination objects,
// its case may leave too. Errors are the store's.
func (g *Gate) Object(ctx context.Context, o *article5.StoredObject) (bool, error) {
	if !g.n.Policy.Releasable(release.ObjectOfStored(o), g.r).Allowed {
		return false, nil
	}
	// An assessment (article5's conclusion on a case) names its evidence
	// inside its findings: it leaves only with its case.
	if o.Type == "article5-assessment" || o.Type == "article5-determination" {
		p, err := stix.ParseObject(o.Raw)
		if err != nil {
			return false, article5.Internal("release: parse stored "+o.ID, err)
		}
		return g.CaseID(ctx, p.String("case_ref"))
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

// Visible reports whether the node holds id and its latest version may
// leave: what "exists" means for the recipient.
func (g *Gate) Visible(ctx context.Context, id string) (bool, error) {
	if _, err := g.n.latest(ctx, id); err != nil {
		if article5.ErrorCode(err) == article5.ENOTFOUND {
			return false, nil
		}
		return false, err
	}
	return g.ID(ctx, id)
}

// CaseID reports whether the case id may leave: the node holds its
// assessment and the latest version of every object of its evidence index
// may leave (the store decides, from its index: Store.CaseReleasable).
func (g *Gate) CaseID(ctx context.Context, id string) (bool, error) {
	if ok, seen := g.cases[id]; seen {
		return ok, nil
	}
	if !strings.HasPrefix(id, "grouping--") {
		return false, nil
	}
	ok, err := g.n.Store.CaseReleasable(ctx, id, g.Audience())
	if err != nil {
		return false, err
	}
	g.cases[id] = ok
	return ok, nil
}

// Case is CaseID for a listed case.
func (g *Gate) Case(ctx context.Context, c *article5.CaseSummary) (bool, error) {
	return g.CaseID(ctx, c.ID)
}

// CaseByID returns the case if it may leave, else ENOTFOUND (the same error
// as for a case that does not exist, so withholding is not disclosed). The
// release decision is taken before the case is read.
func (g *Gate) CaseByID(ctx context.Context, id string) (*article5.CaseSummary, error) {
	ok, err := g.CaseID(ctx, id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, article5.Errorf(article5.ENOTFOUND, "no such case")
	}
	return g.n.Store.FindCaseByID(ctx, id)
}

// recipientOf returns the resolver release.Policy.Audience needs: who a
// red_recipients name stands for. An identity id is an organisation; a
// user or token id of this node is its user or token, with its
// organisation and communities; any other name is a recipient with no
// organisation (reached only where it is named).
func (n *Node) recipientOf(ctx context.Context) func(string) release.Recipient {
	return func(name string) release.Recipient {
		switch {
		case strings.HasPrefix(name, "identity--"):
			return n.Policy.OrgRecipient(name)
		case strings.HasPrefix(name, "user--"):
			if u, err := n.Store.FindUserByID(ctx, name); err == nil && !u.Disabled {
				return release.Recipient{Party: u.Party, Org: u.Org, Communities: u.Communities, Subject: u.ID}
			}
		case strings.HasPrefix(name, "token--"):
			if t, err := n.Store.FindTokenByID(ctx, name); err == nil {
				return release.Recipient{Party: t.Party, Org: t.Org, Communities: t.Communities, Subject: t.ID}
			}
		}
		return release.Recipient{Subject: name}
	}
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
		if versionAfterStored(v, best) {
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
