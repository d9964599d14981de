package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"article5"
)

// testCaseAudienceAgrees: the cases and events a store releases from its
// precomputed audience (FindCases, CaseReleasable, FindEvents) are exactly
// those whose every evidence object, at its latest stored version, passes
// the rule of article5.Audience object by object (the rule
// release.Policy.Releasable is proven equal to), over random evidence,
// markings, originators, relays, red recipients and audiences, before and
// after new versions change the markings of evidence.
func testCaseAudienceAgrees(t *testing.T, s article5.Store) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(9, 9))
	orgs := []string{identA, identB, "identity--00000000-0000-4000-8000-00000000c0de"}
	subjects := []string{"user--a", "user--b"}
	const (
		tlpClear       = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"
		tlpAmber       = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
		tlpAmberStrict = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"
	)
	marks := []string{"", tlpClear, tlpGreen, tlpAmber, tlpAmberStrict, tlpRed, "marking-definition--00000000-0000-4000-8000-0000000000ff"}
	const nObjects, nCases = 14, 40
	version := func(v int) string { return fmt.Sprintf("2024-01-01T00:00:%02d.000Z", v) }
	note := func(i, v int) *article5.StoredObject {
		org := orgs[rng.IntN(len(orgs))]
		js := fmt.Sprintf(`{"type":"note","spec_version":"2.1","id":"note--00000000-0000-4000-8000-%012d","created":"2024-01-01T00:00:00.000Z","modified":%q,"content":"n","object_refs":[%q],"created_by_ref":%q`,
			i, version(v), identA, org)
		if m := marks[rng.IntN(len(marks))]; m != "" {
			js += `,"object_marking_refs":["` + m + `"]`
		}
		var red []string
		for range rng.IntN(3) {
			red = append(red, slices.Concat(orgs, subjects)[rng.IntN(len(orgs)+len(subjects))])
		}
		if len(red) > 0 {
			js += `,"extensions":{"` + article5.ExtensionID + `":{"extension_type":"property-extension","red_recipients":["` + strings.Join(red, `","`) + `"]}}`
		}
		o := withRed(Object(t, js+"}", ""))
		o.Submitter, o.SubmitterOrg, o.Relayed = "token--x", org, rng.IntN(4) == 0
		return o
	}
	ingest := func(v int, which []int) {
		var objs []*article5.StoredObject
		for _, i := range which {
			objs = append(objs, note(i, v))
		}
		if _, err := s.IngestObjects(ctx, article5.IngestRequest{Objects: objs}); err != nil {
			t.Fatal(err)
		}
	}
	all := make([]int, nObjects)
	for i := range all {
		all[i] = i
	}
	ingest(1, all)
	evidence := map[string][]int{}
	var ids []string
	for c := range nCases {
		id := fmt.Sprintf("grouping--00000000-0000-4000-8000-%012d", 900+c)
		x := article5.CaseIndex{Case: id}
		n := 1 + rng.IntN(4)
		for _, i := range rng.Perm(nObjects)[:n] {
			evidence[id] = append(evidence[id], i)
			x.Evidence = append(x.Evidence, article5.ObjectRef{ID: fmt.Sprintf("note--00000000-0000-4000-8000-%012d", i)})
		}
		if c%13 == 5 {
			x.Evidence = nil // no index: no one
		}
		ids = append(ids, id)
		cs := &article5.CaseSummary{ID: id, Name: fmt.Sprintf("case %d", c), Hash: strings.Repeat("d", 64), Updated: time.Unix(int64(5000+c%7), 0)}
		if _, err := s.SaveAssessment(ctx, cs, []byte(`{}`), x); err != nil {
			t.Fatal(err)
		}
	}
	check := func(when string) {
		t.Helper()
		latest := map[int]*article5.StoredObject{}
		for i := range nObjects {
			vs := MustVersions(t, s, fmt.Sprintf("note--00000000-0000-4000-8000-%012d", i))
			latest[i] = vs[len(vs)-1]
		}
		for range 40 {
			a := article5.Audience{Ceiling: rng.IntN(7) - 1, DefaultRank: rng.IntN(5)}
			if rng.IntN(5) > 0 {
				a.Org = orgs[rng.IntN(len(orgs))]
			}
			if rng.IntN(3) > 0 {
				a.Subject = subjects[rng.IntN(len(subjects))]
			}
			var want []string
			for c, id := range ids {
				ok := c%13 != 5
				for _, i := range evidence[id] {
					o := latest[i]
					rank := article5.MarkingRank(o.Markings)
					if rank < 0 {
						rank = a.DefaultRank
					}
					ok = ok && (rank <= a.Ceiling || o.Custodian == article5.CustodyStandard ||
						(a.Org != "" && !o.Relayed && o.CreatedBy == a.Org) ||
						(a.Org != "" && slices.Contains(o.RedRecipients, a.Org)) ||
						(a.Subject != "" && slices.Contains(o.RedRecipients, a.Subject)))
				}
				if ok {
					want = append(want, id)
				}
				got, err := s.CaseReleasable(ctx, id, a)
				if err != nil {
					t.Fatal(err)
				}
				if got != ok {
					t.Fatalf("%s: CaseReleasable(%s, %+v) = %v, the rule says %v", when, id, a, got, ok)
				}
			}
			var listed []string
			f := article5.CaseFilter{Limit: 7, Audience: a}
			for {
				page, next, err := s.FindCases(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range page {
					listed = append(listed, c.ID)
				}
				if next == "" {
					break
				}
				f.Cursor = next
			}
			var events []string
			for after := int64(0); ; {
				evs, err := s.FindEvents(ctx, article5.EventFilter{After: after, Limit: 5, Audience: a})
				if err != nil {
					t.Fatal(err)
				}
				if len(evs) == 0 {
					break
				}
				for _, e := range evs {
					events = append(events, e.Case)
					after = e.Seq
				}
			}
			slices.Sort(want)
			slices.Sort(listed)
			slices.Sort(events)
			events = slices.Compact(events)
			if !slices.Equal(listed, want) {
				t.Fatalf("%s: FindCases for %+v listed %d cases %v, the rule releases %d %v", when, a, len(listed), listed, len(want), want)
			}
			if !slices.Equal(events, want) {
				t.Fatalf("%s: FindEvents for %+v told of %v, the rule releases %v", when, a, events, want)
			}
		}
	}
	check("as assessed")
	// New versions change the markings, originators and recipients of half
	// the evidence: the cases' audiences follow at once.
	ingest(2, rng.Perm(nObjects)[:nObjects/2])
	check("after new versions")
}
