package release_test

import (
	"testing"

	"article5"
	"article5/release"
	"article5/stix"
)

// Fixture ids. They need only be distinct strings: the decision compares ids,
// it does not validate them.
const (
	holder     = "identity--0c1d8d8e-0001-4000-8000-000000000001"
	client     = "identity--0c1d8d8e-0002-4000-8000-000000000002"
	peer       = "identity--0c1d8d8e-0003-4000-8000-000000000003" // another member of the holder's community
	originator = "identity--0c1d8d8e-0004-4000-8000-000000000004"
	namedOrg   = "identity--0c1d8d8e-0005-4000-8000-000000000005"
	outsider   = "identity--0c1d8d8e-0006-4000-8000-000000000006"
	community  = "community-jp-us-cyber"
	otherComm  = "community-elsewhere"
	namedUser  = "user--alice"
	unknownID  = "marking-definition--00000000-0000-4000-8000-00000000beef"
)

func policy() release.Policy {
	return release.Policy{
		Holder:      holder,
		Clients:     map[string][]string{holder: {client}, outsider: {peer}},
		Communities: map[string][]string{community: {holder, peer}, otherComm: {outsider}},
		Default:     stix.TLPAmber,
	}
}

// The recipient kinds of the table.
var (
	rHolder     = release.Recipient{Party: article5.PartyJP, Org: holder, Subject: "user--h"}
	rClient     = release.Recipient{Party: article5.PartyJP, Org: client, Subject: "user--c"}
	rCommunity  = release.Recipient{Party: article5.PartyUS, Org: peer, Communities: []string{community}, Subject: "user--p"}
	rStranger   = release.Recipient{Party: article5.PartyUS, Org: outsider, Communities: []string{otherComm}, Subject: "user--s"}
	rOriginator = release.Recipient{Party: article5.PartyUS, Org: originator, Subject: "user--o"}
	rNamedOrg   = release.Recipient{Party: article5.PartyUS, Org: namedOrg, Subject: "user--n"}
	rNamedUser  = release.Recipient{Party: article5.PartyUS, Org: outsider, Subject: namedUser}
	rAnonymous  = release.Recipient{}
)

func object(markings ...string) release.Object {
	return release.Object{
		ID:            "indicator--0c1d8d8e-0000-4000-8000-0000000000aa",
		CreatedBy:     originator,
		Markings:      markings,
		RedRecipients: []string{namedOrg, namedUser},
	}
}

// TestLevelByRecipient is the matrix of each TLP level against each kind of
// recipient.
func TestLevelByRecipient(t *testing.T) {
	recipients := []struct {
		name string
		r    release.Recipient
	}{
		{"holder", rHolder}, {"client", rClient}, {"community member", rCommunity},
		{"stranger", rStranger}, {"anonymous", rAnonymous}, {"originator", rOriginator},
		{"named org", rNamedOrg}, {"named subject", rNamedUser},
	}
	// want[i] is the outcome for recipients[i].
	levels := []struct {
		marking string
		level   stix.TLP
		want    [8]bool
	}{
		{stix.TLPClearID, stix.TLPClear, [8]bool{true, true, true, true, true, true, true, true}},
		{stix.TLPGreenID, stix.TLPGreen, [8]bool{true, true, true, false, false, true, true, true}},
		{stix.TLPAmberID, stix.TLPAmber, [8]bool{true, true, false, false, false, true, true, true}},
		{stix.TLPAmberStrictID, stix.TLPAmberStrict, [8]bool{true, false, false, false, false, true, true, true}},
		{stix.TLPRedID, stix.TLPRed, [8]bool{false, false, false, false, false, true, true, true}},
	}
	p := policy()
	for _, l := range levels {
		for i, rc := range recipients {
			want := l.want[i]
			name := string(l.level) + "/" + rc.name
			if want {
				name += " is released"
			} else {
				name += " is withheld"
			}
			t.Run(name, func(t *testing.T) {
				d := p.Releasable(object(l.marking), rc.r)
				if d.Allowed != want || d.Level != l.level {
					t.Fatalf("got %+v; want allowed=%v level=%s", d, want, l.level)
				}
				if d.Reason == "" {
					t.Fatal("empty reason")
				}
			})
		}
	}
}

// TestEffectiveLevel checks how markings combine into one level.
func TestEffectiveLevel(t *testing.T) {
	cases := []struct {
		name     string
		markings []string
		deflt    stix.TLP
		want     stix.TLP
	}{
		{"TLP 1.0 WHITE maps to clear", []string{stix.TLP1WhiteID}, stix.TLPAmber, stix.TLPClear},
		{"TLP 1.0 GREEN maps to green", []string{stix.TLP1GreenID}, stix.TLPAmber, stix.TLPGreen},
		{"TLP 1.0 AMBER maps to amber", []string{stix.TLP1AmberID}, stix.TLPClear, stix.TLPAmber},
		{"TLP 1.0 RED maps to red", []string{stix.TLP1RedID}, stix.TLPAmber, stix.TLPRed},
		{"unknown marking counts as red", []string{unknownID}, stix.TLPClear, stix.TLPRed},
		{"unknown marking beside clear counts as red", []string{stix.TLPClearID, unknownID}, stix.TLPClear, stix.TLPRed},
		{"two markings give the most restrictive", []string{stix.TLPGreenID, stix.TLPAmberStrictID}, stix.TLPClear, stix.TLPAmberStrict},
		{"most restrictive whatever the order", []string{stix.TLPAmberStrictID, stix.TLPGreenID}, stix.TLPClear, stix.TLPAmberStrict},
		{"TLP 1.0 and 2.0 ids mix", []string{stix.TLP1AmberID, stix.TLPGreenID}, stix.TLPClear, stix.TLPAmber},
		{"unmarked takes the default", nil, stix.TLPGreen, stix.TLPGreen},
		{"unmarked with an explicit clear default is clear", nil, stix.TLPClear, stix.TLPClear},
		{"unmarked with no default counts as red", nil, "", stix.TLPRed},
		{"unmarked with an invalid default counts as red", nil, "white", stix.TLPRed},
		{"a marking overrides the default", []string{stix.TLPClearID}, stix.TLPRed, stix.TLPClear},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := policy()
			p.Default = c.deflt
			if d := p.Releasable(object(c.markings...), rStranger); d.Level != c.want {
				t.Fatalf("level %s, want %s (%s)", d.Level, c.want, d.Reason)
			}
		})
	}
}

// TestRules covers the edges of the individual rules.
func TestRules(t *testing.T) {
	cases := []struct {
		name string
		p    func(*release.Policy)
		o    release.Object
		r    release.Recipient
		want bool
	}{
		{"TLP 1.0 WHITE releases to a stranger", nil, object(stix.TLP1WhiteID), rStranger, true},
		{"TLP 1.0 AMBER reaches a client", nil, object(stix.TLP1AmberID), rClient, true},
		{"TLP 1.0 RED withholds from the holder", nil, object(stix.TLP1RedID), rHolder, false},
		{"unknown marking withholds from the holder", nil, object(unknownID), rHolder, false},
		{"unknown marking still reaches a named recipient", nil, object(unknownID), rNamedUser, true},
		{"unknown marking still reaches the originator", nil, object(unknownID), rOriginator, true},
		{"unmarked under an amber default reaches a client", nil, object(), rClient, true},
		{"unmarked under an amber default withholds from the community", nil, object(), rCommunity, false},
		{"granular red beside object-level green withholds the whole object from the community",
			nil, object(stix.TLPGreenID, stix.TLPRedID), rCommunity, false},
		{"red without red_recipients goes to no one but the originator", nil,
			release.Object{CreatedBy: originator, Markings: []string{stix.TLPRedID}}, rNamedOrg, false},
		{"an object without created_by_ref has no originator", nil,
			release.Object{Markings: []string{stix.TLPRedID}}, rAnonymous, false},
		{"a recipient without an org is not the holder of a holderless policy",
			func(p *release.Policy) { p.Holder = "" }, object(stix.TLPAmberStrictID), rAnonymous, false},
		{"an empty subject does not match an empty red recipient", nil,
			release.Object{Markings: []string{stix.TLPRedID}, RedRecipients: []string{""}}, rAnonymous, false},
		{"a client of another organisation is not a client of the holder", nil,
			object(stix.TLPAmberID), release.Recipient{Org: peer}, false},
		{"green needs a community the holder belongs to", nil,
			object(stix.TLPGreenID), release.Recipient{Org: outsider, Communities: []string{otherComm}}, false},
		{"green membership is the recipient's, whatever its org", nil,
			object(stix.TLPGreenID), release.Recipient{Communities: []string{community}}, true},
		{"an unconfigured community releases nothing", nil,
			object(stix.TLPGreenID), release.Recipient{Org: outsider, Communities: []string{"community-nowhere"}}, false},
		{"the zero policy releases clear", func(p *release.Policy) { *p = release.Policy{} },
			object(stix.TLPClearID), rAnonymous, true},
		{"the zero policy withholds unmarked objects", func(p *release.Policy) { *p = release.Policy{} },
			object(), rHolder, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := policy()
			if c.p != nil {
				c.p(&p)
			}
			if d := p.Releasable(c.o, c.r); d.Allowed != c.want {
				t.Fatalf("got %+v, want allowed=%v", d, c.want)
			}
		})
	}
}

func TestFilterKeepsReleasableObjectsInOrder(t *testing.T) {
	mk := func(id, marking string) *stix.Object {
		o, err := stix.ParseObject([]byte(`{"type":"note","spec_version":"2.1","id":"` + id +
			`","created_by_ref":"` + originator + `","object_marking_refs":["` + marking + `"]}`))
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	objs := []*stix.Object{
		mk("note--00000000-0000-4000-8000-000000000001", stix.TLPClearID),
		mk("note--00000000-0000-4000-8000-000000000002", stix.TLPRedID),
		nil,
		mk("note--00000000-0000-4000-8000-000000000003", stix.TLPAmberID),
		mk("note--00000000-0000-4000-8000-000000000004", stix.TLPAmberStrictID),
		mk("note--00000000-0000-4000-8000-000000000005", stix.TLPGreenID),
	}
	got := policy().Filter(objs, rClient)
	want := []string{"note--00000000-0000-4000-8000-000000000001", "note--00000000-0000-4000-8000-000000000003", "note--00000000-0000-4000-8000-000000000005"}
	if len(got) != len(want) {
		t.Fatalf("got %d objects, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].ID != want[i] {
			t.Errorf("object %d is %s, want %s", i, got[i].ID, want[i])
		}
	}
	if objs[1] == nil || objs[2] != nil {
		t.Error("Filter modified its input")
	}
	if got := (release.Policy{}).Filter(nil, rClient); got == nil || len(got) != 0 {
		t.Errorf("Filter(nil) = %v, want an empty slice", got)
	}
}
