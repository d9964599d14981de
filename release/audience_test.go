package release_test

import (
	"math/rand/v2"

	"article5"
	"slices"
	"testing"

	"article5/release"
	"article5/stix"
)

// TestCustodyAndRelay: custody grants no access of its own (a relay of a
// RED object naming others is not among them); a relayed created_by_ref
// grants the organisation it names nothing; a standard object is public.
func TestCustodyAndRelay(t *testing.T) {
	p := policy()
	o := object(stix.TLPRedID)
	o.RedRecipients = nil
	o.Custodian = client
	if p.Releasable(o, rClient).Allowed {
		t.Fatal("custody granted a RED object its relay did not name")
	}
	if !p.Releasable(o, rOriginator).Allowed {
		t.Fatal("a proven originator was refused")
	}
	o.Relayed = true
	if p.Releasable(o, rOriginator).Allowed {
		t.Fatal("a relayed created_by_ref granted its organisation a RED object")
	}
	o.Custodian = article5.CustodyStandard
	if !p.Releasable(o, rAnonymous).Allowed {
		t.Fatal("a standard object was withheld")
	}
}

// TestCeilingMatchesReleasable proves that the rule a store applies in SQL
// (allowed ⇔ originator or custodian, or named, or rank ≤ Ceiling, with
// unmarked objects at DefaultRank) is exactly Releasable, over random
// objects, recipients and policies.
func TestCeilingMatchesReleasable(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	orgs := []string{"", holder, client, peer, originator, namedOrg, outsider}
	marks := []string{stix.TLPClearID, stix.TLPGreenID, stix.TLPAmberID, stix.TLPAmberStrictID, stix.TLPRedID, stix.TLP1AmberID, unknownID}
	defaults := []stix.TLP{stix.TLPClear, stix.TLPGreen, stix.TLPAmber, stix.TLPAmberStrict, stix.TLPRed, ""}
	pick := func(xs []string) string { return xs[rng.IntN(len(xs))] }
	for i := range 20000 {
		p := policy()
		p.Default = defaults[rng.IntN(len(defaults))]
		if rng.IntN(5) == 0 {
			p.Holder = ""
		}
		o := release.Object{ID: "x", CreatedBy: pick(orgs), Custodian: pick(append(orgs, article5.CustodyStandard)), Relayed: rng.IntN(2) == 0}
		for range rng.IntN(3) {
			o.Markings = append(o.Markings, pick(marks))
		}
		for range rng.IntN(3) {
			o.RedRecipients = append(o.RedRecipients, pick(append(orgs, "user--a", "user--b")))
		}
		r := release.Recipient{Org: pick(orgs), Subject: pick([]string{"", "user--a", "user--b"})}
		if rng.IntN(2) == 0 {
			r.Communities = []string{pick([]string{community, otherComm})}
		}
		want := p.Releasable(o, r).Allowed
		rank := release.MarkingRank(o.Markings)
		if rank < 0 {
			rank = p.DefaultRank()
		}
		exempt := r.Org != "" && !o.Relayed && r.Org == o.CreatedBy
		named := (r.Org != "" && slices.Contains(o.RedRecipients, r.Org)) || (r.Subject != "" && slices.Contains(o.RedRecipients, r.Subject))
		got := exempt || named || rank <= p.Ceiling(r) || o.Custodian == article5.CustodyStandard
		if got != want {
			t.Fatalf("case %d: %+v to %+v under %+v: rule %v, Releasable %v", i, o, r, p, got, want)
		}
	}
}

// TestAudience: a derived object carries the most restrictive level of its
// evidence and, at RED, only the recipients every RED piece admits.
func TestAudience(t *testing.T) {
	p := policy()
	green := release.Object{Markings: []string{stix.TLPGreenID}}
	amber := release.Object{Markings: []string{stix.TLPAmberID}}
	unmarked := release.Object{}
	redA := release.Object{Markings: []string{stix.TLPRedID}, CreatedBy: holder, RedRecipients: []string{namedOrg, namedUser}}
	redB := release.Object{Markings: []string{stix.TLPRedID}, CreatedBy: namedOrg, RedRecipients: []string{holder}}
	redRelayed := release.Object{Markings: []string{stix.TLPRedID}, CreatedBy: outsider, Relayed: true, Custodian: holder, RedRecipients: []string{holder, namedOrg}}
	cases := []struct {
		name string
		objs []release.Object
		mark string
		red  []string
	}{
		{"the most restrictive level", []release.Object{green, amber}, stix.TLPAmberID, nil},
		{"unmarked evidence counts at the default", []release.Object{green, unmarked}, stix.TLPAmberID, nil},
		{"no evidence: the default", nil, stix.TLPAmberID, nil},
		{"one RED: its recipients and originator", []release.Object{amber, redA}, stix.TLPRedID, []string{holder}},
		{"one RED alone: every recipient it names", []release.Object{redA}, stix.TLPRedID, []string{holder, namedOrg, namedUser}},
		{"beside GREEN evidence: only names GREEN reaches", []release.Object{green, redA}, stix.TLPRedID, []string{holder}},
		{"two RED: the intersection", []release.Object{redA, redB}, stix.TLPRedID, []string{holder, namedOrg}},
		{"a relayed creator is no recipient", []release.Object{redRelayed}, stix.TLPRedID, []string{holder, namedOrg}},
		{"disjoint RED: nobody", []release.Object{{Markings: []string{stix.TLPRedID}, CreatedBy: client}, {Markings: []string{stix.TLPRedID}, CreatedBy: peer}}, stix.TLPRedID, nil},
		{"an unknown marking is RED", []release.Object{{Markings: []string{unknownID}, CreatedBy: client}}, stix.TLPRedID, []string{client}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, red := p.Audience(c.objs, nil)
			if m != c.mark || !slices.Equal(red, c.red) {
				t.Fatalf("Audience = %s %v, want %s %v", m, red, c.mark, c.red)
			}
			// The derived object never reaches anyone some evidence would not.
			derived := release.Object{ID: "derived", Markings: []string{m}, RedRecipients: red}
			for _, r := range []release.Recipient{rHolder, rClient, rCommunity, rStranger, rOriginator, rNamedOrg, rNamedUser, rAnonymous} {
				if !p.Releasable(derived, r).Allowed {
					continue
				}
				for _, o := range c.objs {
					if !p.Releasable(o, r).Allowed {
						t.Errorf("the derived object reaches %+v, whom %+v does not", r, o)
					}
				}
			}
		})
	}
}

// TestMarkingRankAgreesWithStix: the root package's rank table (what the
// stores use) and package stix's TLP ids say the same of every id.
func TestMarkingRankAgreesWithStix(t *testing.T) {
	ids := []string{stix.TLPClearID, stix.TLPGreenID, stix.TLPAmberID, stix.TLPAmberStrictID, stix.TLPRedID,
		stix.TLP1WhiteID, stix.TLP1GreenID, stix.TLP1AmberID, stix.TLP1RedID, unknownID}
	for _, id := range ids {
		want := 4
		if lvl, ok := stix.TLPOf(id); ok {
			want = release.Rank(lvl)
		}
		if got := release.MarkingRank([]string{id}); got != want {
			t.Errorf("%s: rank %d, want %d", id, got, want)
		}
	}
	if release.MarkingRank(nil) != -1 {
		t.Error("no marking must rank -1 (the default applies)")
	}
}
