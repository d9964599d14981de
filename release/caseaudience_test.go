package release_test

import (
	"math/rand/v2"
	"slices"
	"testing"

	"article5"
	"article5/release"
	"article5/stix"
)

// TestCaseAudienceMatchesReleasable proves that the keys a store files a
// case under (article5.CaseAudience, precomputed when the case's evidence
// or markings change) and the keys it looks under for a recipient
// (Audience.Grants) meet exactly when Releasable allows every object of
// the case's evidence, over random cases, recipients and policies; and,
// for any ceiling and default rank, exactly when every object passes the
// rule in columns (TestCeilingMatchesReleasable). The pools are small so
// that originators, named recipients and subjects collide often, and a
// case is often seen only through its organisation and its subject
// together.
func TestCaseAudienceMatchesReleasable(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	orgs := []string{"", holder, client, peer, originator, namedOrg, outsider}
	subjects := []string{"", "user--a", "user--b", namedUser}
	marks := []string{stix.TLPClearID, stix.TLPGreenID, stix.TLPAmberID, stix.TLPAmberStrictID, stix.TLPRedID, stix.TLP1AmberID, unknownID}
	defaults := []stix.TLP{stix.TLPClear, stix.TLPGreen, stix.TLPAmber, stix.TLPAmberStrict, stix.TLPRed, ""}
	pick := func(xs []string) string { return xs[rng.IntN(len(xs))] }
	seen := map[bool]int{}
	for i := range 30000 {
		p := policy()
		p.Default = defaults[rng.IntN(len(defaults))]
		if rng.IntN(5) == 0 {
			p.Holder = ""
		}
		var objs []release.Object
		var rows []article5.ReleaseRow
		for range 1 + rng.IntN(6) {
			o := release.Object{ID: "x", CreatedBy: pick(orgs), Relayed: rng.IntN(3) == 0}
			if rng.IntN(8) == 0 {
				o.Custodian = article5.CustodyStandard
			}
			for range rng.IntN(3) {
				o.Markings = append(o.Markings, pick(marks))
			}
			for range rng.IntN(4) {
				o.RedRecipients = append(o.RedRecipients, pick(append(orgs[1:], subjects[1:]...)))
			}
			objs = append(objs, o)
			rows = append(rows, article5.ReleaseRow{Rank: release.MarkingRank(o.Markings), CreatedBy: o.CreatedBy,
				Relayed: o.Relayed, Custodian: o.Custodian, Red: o.RedRecipients})
		}
		keys := article5.CaseAudience(rows)
		r := release.Recipient{Org: pick(orgs), Subject: pick(subjects)}
		if rng.IntN(2) == 0 {
			r.Communities = []string{pick([]string{community, otherComm})}
		}
		want := true
		for _, o := range objs {
			want = want && p.Releasable(o, r).Allowed
		}
		a := article5.Audience{Org: r.Org, Subject: r.Subject, Ceiling: p.Ceiling(r), DefaultRank: p.DefaultRank()}
		if got := meets(keys, a.Grants()); got != want {
			t.Fatalf("case %d: %+v to %+v under %+v: keys %q, grants %q: %v, Releasable %v", i, objs, r, p, keys, a.Grants(), got, want)
		}
		seen[want]++

		// Any ceiling and default rank, against the rule in columns.
		a.Ceiling, a.DefaultRank = rng.IntN(9)-2, rng.IntN(9)-2
		want = true
		for _, row := range rows {
			rank := row.Rank
			if rank < 0 {
				rank = a.DefaultRank
			}
			ok := rank <= a.Ceiling || row.Custodian == article5.CustodyStandard ||
				(a.Org != "" && !row.Relayed && row.CreatedBy == a.Org) ||
				(a.Org != "" && slices.Contains(row.Red, a.Org)) || (a.Subject != "" && slices.Contains(row.Red, a.Subject))
			want = want && ok
		}
		if got := meets(keys, a.Grants()); got != want {
			t.Fatalf("case %d: rows %+v to %+v: keys %q: %v, rule %v", i, rows, a, keys, got, want)
		}
	}
	if seen[true] < 1000 || seen[false] < 1000 {
		t.Fatalf("the draw is lopsided: %v", seen)
	}
}

// TestCaseAudienceNeedsBoth: a case of two RED objects, one naming the
// recipient's organisation and one its user, is seen only by that user of
// that organisation, through the key of the two together.
func TestCaseAudienceNeedsBoth(t *testing.T) {
	keys := article5.CaseAudience([]article5.ReleaseRow{
		{Rank: 4, CreatedBy: originator, Red: []string{namedOrg}},
		{Rank: 4, CreatedBy: originator, Red: []string{namedUser}},
	})
	both := article5.Audience{Org: namedOrg, Subject: namedUser, Ceiling: 3, DefaultRank: 2}
	if !meets(keys, both.Grants()) {
		t.Fatalf("the organisation and user named together were refused: keys %q", keys)
	}
	for _, a := range []article5.Audience{
		{Org: namedOrg, Subject: "user--other", Ceiling: 3},
		{Org: outsider, Subject: namedUser, Ceiling: 3},
		{Org: holder, Subject: "user--h", Ceiling: 3},
	} {
		if meets(keys, a.Grants()) {
			t.Fatalf("%+v was admitted by keys %q", a, keys)
		}
	}
	if len(article5.CaseAudience(nil)) == 0 {
		t.Fatal("a case whose evidence is all public has no key")
	}
}

func meets(keys, grants []string) bool {
	for _, g := range grants {
		if slices.Contains(keys, g) {
			return true
		}
	}
	return false
}
