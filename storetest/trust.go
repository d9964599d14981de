package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"article5"
)

// markedIdentity is identityJSON(n) with markings and, optionally, red
// recipients in article5's release extension.
func markedIdentity(n int, marking string, red ...string) string {
	js := strings.TrimSuffix(identityJSON(n), "}")
	if marking != "" {
		js += `,"object_marking_refs":["` + marking + `"]`
	}
	if len(red) > 0 {
		js += `,"extensions":{"` + article5.ExtensionID + `":{"extension_type":"property-extension","red_recipients":["` + strings.Join(red, `","`) + `"]}}`
	}
	return js + "}"
}

// withRed sets the red recipients a node would read from the raw bytes.
func withRed(o *article5.StoredObject) *article5.StoredObject {
	o.RedRecipients = article5.RedRecipientsOf(o.Raw)
	return o
}

// testCaseAudience: cases and their events are released inside the query:
// a case is listed, found releasable and its events read only when every
// object of its evidence index may reach the audience; a case without an
// index reaches no one; the page and its cursor skip what is withheld.
func testCaseAudience(t *testing.T, s article5.Store) {
	ctx := context.Background()
	const tlpAmberStrict = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"
	named := "user--named"
	MustIngestAs(t, s, identA,
		withRed(Object(t, markedIdentity(1, tlpGreen), "")),
		withRed(Object(t, markedIdentity(2, tlpRed, named), "")),
		withRed(Object(t, markedIdentity(3, tlpAmberStrict), "")),
		withRed(Object(t, identityJSON(4), "")))
	cases := []struct {
		id       string
		evidence []int
	}{
		{"grouping--00000000-0000-4000-8000-0000000000a1", []int{1}},    // GREEN
		{"grouping--00000000-0000-4000-8000-0000000000a2", []int{1, 2}}, // GREEN + RED
		{"grouping--00000000-0000-4000-8000-0000000000a3", []int{3}},    // AMBER+STRICT
		{"grouping--00000000-0000-4000-8000-0000000000a4", []int{4}},    // unmarked: the default
	}
	for i, c := range cases {
		x := article5.CaseIndex{Case: c.id, Watched: []string{c.id}}
		for _, n := range c.evidence {
			x.Evidence = append(x.Evidence, article5.ObjectRef{ID: identityID(n)})
		}
		cs := &article5.CaseSummary{ID: c.id, Name: fmt.Sprintf("case %d", i), Hash: strings.Repeat("b", 64), Updated: time.Unix(int64(1000+i), 0)}
		if _, err := s.SaveAssessment(ctx, cs, []byte(`{}`), x); err != nil {
			t.Fatal(err)
		}
	}
	// A case row without an index (from before the index existed).
	unindexed := &article5.CaseSummary{ID: "grouping--00000000-0000-4000-8000-0000000000a5", Name: "old", Hash: strings.Repeat("c", 64)}
	if _, err := s.SaveAssessment(ctx, unindexed, []byte(`{}`), article5.CaseIndex{}); err != nil {
		t.Fatal(err)
	}
	stranger := article5.Audience{Org: identB, Subject: "user--s", Ceiling: 0, DefaultRank: 2}
	member := article5.Audience{Org: identB, Subject: "user--m", Ceiling: 1, DefaultRank: 2}
	holder := article5.Audience{Org: "identity--holder", Subject: "user--h", Ceiling: 3, DefaultRank: 2}
	namedUser := article5.Audience{Org: identB, Subject: named, Ceiling: 3, DefaultRank: 2}
	custodian := article5.Audience{Org: identA, Subject: "user--a", Ceiling: 0, DefaultRank: 2}
	for _, tc := range []struct {
		name string
		a    article5.Audience
		want []int // indexes into cases, newest first
	}{
		{"a stranger sees nothing (even clear-less GREEN needs a community)", stranger, nil},
		{"a community member sees the GREEN case only", member, []int{0}},
		{"the holder sees all but the RED one", holder, []int{3, 2, 0}},
		{"a named RED recipient at holder level sees the RED one too", namedUser, []int{3, 2, 1, 0}},
		{"custody grants nothing: TLP decides", custodian, nil},
		{"the node sees every case", article5.Audience{All: true}, []int{4, 3, 2, 1, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var want []string
			for _, i := range tc.want {
				if i == 4 {
					want = append(want, unindexed.ID)
					continue
				}
				want = append(want, cases[i].id)
			}
			// Listed one by one: every page and cursor comes from what
			// the audience sees only.
			var got []string
			cursor := ""
			for range 10 {
				page, next, err := s.FindCases(ctx, article5.CaseFilter{Limit: 1, Cursor: cursor, Audience: tc.a})
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range page {
					got = append(got, c.ID)
				}
				if next == "" {
					break
				}
				if len(page) == 0 {
					t.Fatal("an empty page with a next cursor")
				}
				cursor = next
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("listed %v, want %v", got, want)
			}
			for i, c := range append(cases, struct {
				id       string
				evidence []int
			}{unindexed.ID, nil}) {
				ok, err := s.CaseReleasable(ctx, c.id, tc.a)
				if err != nil {
					t.Fatal(err)
				}
				in := strings.Contains(fmt.Sprint(want), c.id)
				if ok != in {
					t.Errorf("CaseReleasable(%d) = %v, want %v", i, ok, in)
				}
			}
			evs, err := s.FindEvents(ctx, article5.EventFilter{Audience: tc.a, Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			var evCases []string
			for _, e := range evs {
				evCases = append(evCases, e.Case)
			}
			for _, c := range evCases {
				if !strings.Contains(fmt.Sprint(want), c) {
					t.Errorf("an event of withheld case %s was read", c)
				}
			}
			if len(evs) != len(want) {
				t.Errorf("%d events, want one per visible case (%d)", len(evs), len(want))
			}
		})
	}
	if ok, err := s.CaseReleasable(ctx, "grouping--00000000-0000-4000-8000-0000000000ff", article5.Audience{All: true}); err != nil || ok {
		t.Fatalf("a case the store does not hold: %v, %v", ok, err)
	}
	// A new version raising a marking withholds the case at once, before
	// any re-assessment.
	MustIngestAs(t, s, identA, withRed(Object(t, strings.Replace(markedIdentity(1, tlpRed), `"modified":"2024-01-01T00:00:00.000Z"`, `"modified":"2024-06-01T00:00:00.000Z"`, 1), "")))
	if ok, _ := s.CaseReleasable(ctx, cases[0].id, member); ok {
		t.Fatal("the case stayed released after its evidence turned RED")
	}
}

// testObjectAudience: FindObjects with an Audience reads only the versions
// the audience may see, so a page and its next never depend on the rest.
func testObjectAudience(t *testing.T, s article5.Store) {
	const relayedBy = "identity--0d0d0d0d-0000-4000-8000-00000000000d"
	MustIngestAs(t, s, identA,
		withRed(Object(t, markedIdentity(1, tlpRed), "")),
		withRed(Object(t, markedIdentity(2, tlpGreen), "")),
		withRed(Object(t, markedIdentity(3, tlpRed, identB), "")),
		withRed(Object(t, markedIdentity(4, tlpRed), "")))
	// A RED object relayed for an organisation the node does not know:
	// the claim grants that organisation nothing.
	relayed := withRed(Object(t, strings.Replace(markedIdentity(5, tlpRed), `"name"`, `"created_by_ref":"`+relayedBy+`","name"`, 1), ""))
	relayed.Relayed = true
	MustIngestAs(t, s, identA, relayed)
	for _, tc := range []struct {
		name string
		a    article5.Audience
		want []int
	}{
		{"a member of the community", article5.Audience{Org: identB, Ceiling: 1, DefaultRank: 2}, []int{2, 3}},
		{"a stranger", article5.Audience{Org: "identity--x", Ceiling: 0, DefaultRank: 2}, nil},
		{"custody grants nothing: TLP decides", article5.Audience{Org: identA, Ceiling: 0, DefaultRank: 2}, nil},
		{"the relayed creator", article5.Audience{Org: relayedBy, Ceiling: 0, DefaultRank: 2}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			f := article5.ObjectFilter{Types: []string{"identity"}, Limit: 1, Audience: &tc.a}
			for range 10 {
				p := MustFind(t, s, f)
				got = append(got, idsOf(p.Objects)...)
				if p.Next == "" {
					break
				}
				f.Cursor = p.Next
			}
			var want []string
			for _, n := range tc.want {
				want = append(want, identityID(n))
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("got %v, want %v", got, want)
			}
		})
	}
}

// testProvenance: every stored version keeps its submitter, custodian,
// relay and red recipients as given.
func testProvenance(t *testing.T, s article5.Store) {
	o := withRed(Object(t, markedIdentity(6, tlpRed, "user--a", identB), ""))
	o.Relayed = true
	MustIngestAs(t, s, identA, o)
	v := MustVersions(t, s, identityID(6))[0]
	if v.Submitter != "token--"+identA || v.SubmitterOrg != identA || v.Custodian != identA || !v.Relayed ||
		fmt.Sprint(v.RedRecipients) != fmt.Sprint([]string{"user--a", identB}) {
		t.Fatalf("stored %+v", v)
	}
	p := MustFind(t, s, article5.ObjectFilter{IDs: []string{identityID(6)}})
	if len(p.Objects) != 1 || p.Objects[0].Custodian != identA || !p.Objects[0].Relayed {
		t.Fatalf("FindObjects: %+v", p.Objects)
	}
}

// testNodeSecrets: the first read makes a secret; a rotation makes a newer
// one that comes first, and deletes those older than keep.
func testNodeSecrets(t *testing.T, s article5.Store) {
	ctx := context.Background()
	first, err := s.NodeSecrets(ctx)
	if err != nil || len(first) != 1 || len(first[0].Secret) != 32 || first[0].ID == "" {
		t.Fatalf("first secrets: %+v, %v", first, err)
	}
	again, err := s.NodeSecrets(ctx)
	if err != nil || len(again) != 1 || again[0].ID != first[0].ID {
		t.Fatalf("read again: %+v, %v; want the same secret", again, err)
	}
	time.Sleep(2 * time.Millisecond)
	n, err := s.RotateNodeSecret(ctx, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	both, err := s.NodeSecrets(ctx)
	if err != nil || len(both) != 2 || both[0].ID != n.ID || both[1].ID != first[0].ID {
		t.Fatalf("after a rotation: %+v, %v; want the new one first, the old one kept", both, err)
	}
	time.Sleep(2 * time.Millisecond)
	n2, err := s.RotateNodeSecret(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	only, err := s.NodeSecrets(ctx)
	if err != nil || len(only) != 1 || only[0].ID != n2.ID {
		t.Fatalf("after a rotation keeping nothing: %+v, %v", only, err)
	}
}

// testOrganisations: the organisations of users and tokens, once each.
func testOrganisations(t *testing.T, s article5.Store) {
	ctx := context.Background()
	u := testUser()
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	for i, org := range []string{identB, u.Org} {
		if err := s.CreateToken(ctx, &article5.Token{Name: fmt.Sprint(i), Party: article5.PartyJP, Org: org, Hash: strings.Repeat(fmt.Sprint(i), 64)}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.FindOrganisations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{identB, u.Org}
	if identB > u.Org {
		want = []string{u.Org, identB}
	}
	if u.Org == identB {
		want = []string{identB}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("organisations %v, want %v", got, want)
	}
}
