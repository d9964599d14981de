package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"article5"
)

// testReleasedPagesAgree: a page of objects released to an audience holds
// exactly the versions article5.Audience describes (a rank within the
// ceiling, an unmarked row at the default rank, the audience's own
// unrelayed objects, a red recipient naming its organisation or subject;
// with every version, only where the latest version of the id is released
// too), in the order added, without loss or repeat across pages of any
// size — on random objects, for random audiences, including those the
// store pages per way of release (a ceiling below the default rank).
func testReleasedPagesAgree(t *testing.T, s article5.Store) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(12, 5))
	orgs := []string{"identity--0a0a0a0a-0000-4000-8000-000000000001", "identity--0a0a0a0a-0000-4000-8000-000000000002",
		"identity--0a0a0a0a-0000-4000-8000-000000000003"}
	marks := []string{"", TLPClear, TLPGreen, TLPAmber, TLPAmberStrict, TLPRed}
	type row struct {
		o      *article5.StoredObject
		latest bool
	}
	var rows []*row
	latest := map[string]*row{}
	for batch := range 12 {
		var objs []*article5.StoredObject
		for k := range 1 + rng.IntN(8) {
			n := rng.IntN(40)
			id := fmt.Sprintf("identity--0b0b0b0b-0000-4000-8000-%012d", n)
			prev := latest[id]
			extra := ""
			if m := marks[rng.IntN(len(marks))]; m != "" {
				extra += `,"object_marking_refs":["` + m + `"]`
			}
			creator := ""
			if rng.IntN(3) == 0 {
				creator = orgs[rng.IntN(len(orgs))]
				extra += `,"created_by_ref":"` + creator + `"`
			}
			if rng.IntN(4) == 0 {
				names := []string{orgs[rng.IntN(len(orgs))]}
				if rng.IntN(2) == 0 {
					names = append(names, "token--reader")
				}
				extra += `,"extensions":{"` + article5.ExtensionID + `":{"extension_type":"property-extension","red_recipients":["` + strings.Join(names, `","`) + `"]}}`
			}
			modified := fmt.Sprintf("2024-01-%02dT00:00:%02d.000Z", batch+1, k)
			raw := fmt.Sprintf(`{"type":"identity","spec_version":"2.1","id":%q,"created":"2024-01-01T00:00:00.000Z","modified":%q,"name":"n%d","identity_class":"organization"%s}`,
				id, modified, n, extra)
			o := withRed(Object(t, raw, ""))
			o.Submitter, o.SubmitterOrg = "token--seed", orgs[0]
			o.Relayed = creator != "" && rng.IntN(3) == 0
			if slices.ContainsFunc(objs, func(x *article5.StoredObject) bool { return x.ID == id }) {
				continue
			}
			objs = append(objs, o)
			r := &row{o: o, latest: true}
			if prev != nil {
				prev.latest = false
			}
			latest[id] = r
			rows = append(rows, r)
		}
		MustIngest(t, s, objs...)
	}
	released := func(o *article5.StoredObject, a article5.Audience) bool {
		rank := article5.MarkingRank(o.Markings)
		if rank < 0 {
			rank = a.DefaultRank
		}
		return rank <= a.Ceiling || (a.Org != "" && !o.Relayed && o.CreatedBy == a.Org) ||
			(a.Org != "" && slices.Contains(o.RedRecipients, a.Org)) || (a.Subject != "" && slices.Contains(o.RedRecipients, a.Subject))
	}
	audiences := []article5.Audience{
		{Ceiling: 0, DefaultRank: 2},
		{Org: orgs[1], Subject: "token--reader", Ceiling: 0, DefaultRank: 2},
		{Org: orgs[2], Ceiling: 1, DefaultRank: 2},
		{Org: orgs[1], Ceiling: 1, DefaultRank: 3},
		{Org: orgs[0], Subject: "token--other", Ceiling: 3, DefaultRank: 2},
		{Org: orgs[2], Ceiling: 2, DefaultRank: 2},
	}
	for _, a := range audiences {
		for _, all := range []bool{false, true} {
			var want []string
			for _, r := range rows {
				o := r.o
				if !released(o, a) || (!all && !r.latest) || (all && !released(latest[o.ID].o, a)) {
					continue
				}
				want = append(want, o.ID+"@"+o.Version)
			}
			for _, limit := range []int{1, 3, 100} {
				t.Run(fmt.Sprintf("%+v/all=%v/limit=%d", a, all, limit), func(t *testing.T) {
					a := a
					f := article5.ObjectFilter{Audience: &a, AllVersions: all, Limit: limit}
					var got []string
					for range 1000 {
						p, err := s.FindObjects(ctx, f)
						if err != nil {
							t.Fatal(err)
						}
						if p.Next != "" && len(p.Objects) != limit {
							t.Fatalf("a page of %d with a next", len(p.Objects))
						}
						for _, o := range p.Objects {
							got = append(got, o.ID+"@"+o.Version)
						}
						if p.Next == "" {
							break
						}
						f.Cursor = p.Next
					}
					if !slices.Equal(got, want) {
						t.Fatalf("got %d versions %v\nwant %d %v", len(got), got, len(want), want)
					}
				})
			}
		}
	}
}
