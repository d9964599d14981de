package release_test

import (
	"slices"
	"testing"

	"pgregory.net/rapid"

	"article5"

	"article5/release"
	"article5/stix"
)

// The property tests draw ids from small pools so that recipients, holders,
// clients, community members, originators and named recipients collide often.
var (
	orgPool       = []string{"", "identity--org-0", "identity--org-1", "identity--org-2", "identity--org-3", "identity--org-4"}
	subjectPool   = []string{"", "user--0", "user--1", "token--2"}
	communityPool = []string{"community-0", "community-1", "community-2"}
	levels        = []stix.TLP{stix.TLPClear, stix.TLPGreen, stix.TLPAmber, stix.TLPAmberStrict, stix.TLPRed}
	tlp2IDs       = []string{stix.TLPClearID, stix.TLPGreenID, stix.TLPAmberID, stix.TLPAmberStrictID, stix.TLPRedID}
	tlp1IDs       = []string{stix.TLP1WhiteID, stix.TLP1GreenID, stix.TLP1AmberID, stix.TLP1RedID}
	unknownIDs    = []string{"marking-definition--unknown-0", "marking-definition--unknown-1", "marking-definition--unknown-2"}
	markingPool   = slices.Concat(tlp2IDs, tlp1IDs, unknownIDs)
	clearIDs      = []string{stix.TLPClearID, stix.TLP1WhiteID}
	redLikeIDs    = slices.Concat([]string{stix.TLPRedID, stix.TLP1RedID}, unknownIDs)
)

func subset(pool []string, maxLen int) *rapid.Generator[[]string] {
	return rapid.SliceOfNDistinct(rapid.SampledFrom(pool), 0, maxLen, rapid.ID[string])
}

func genMarkings(min int) *rapid.Generator[[]string] {
	return rapid.SliceOfNDistinct(rapid.SampledFrom(markingPool), min, 4, rapid.ID[string])
}

func genObject(markings *rapid.Generator[[]string]) *rapid.Generator[release.Object] {
	return rapid.Custom(func(t *rapid.T) release.Object {
		return release.Object{
			ID:            "note--prop",
			CreatedBy:     rapid.SampledFrom(orgPool).Draw(t, "created_by"),
			Markings:      markings.Draw(t, "markings"),
			RedRecipients: subset(slices.Concat(orgPool[1:], subjectPool[1:]), 3).Draw(t, "red_recipients"),
		}
	})
}

var genPolicy = rapid.Custom(func(t *rapid.T) release.Policy {
	members := subset(orgPool[1:], 3)
	return release.Policy{
		Holder:      rapid.SampledFrom(orgPool).Draw(t, "holder"),
		Clients:     rapid.MapOfN(rapid.SampledFrom(orgPool[1:]), members, 0, 3).Draw(t, "clients"),
		Communities: rapid.MapOfN(rapid.SampledFrom(communityPool), members, 0, 3).Draw(t, "communities"),
		Default:     rapid.SampledFrom(levels).Draw(t, "default"),
	}
})

var genRecipient = rapid.Custom(func(t *rapid.T) release.Recipient {
	return release.Recipient{
		Org:         rapid.SampledFrom(orgPool).Draw(t, "org"),
		Communities: subset(communityPool, 2).Draw(t, "recipient_communities"),
		Subject:     rapid.SampledFrom(subjectPool).Draw(t, "subject"),
	}
})

func isOriginator(o release.Object, r release.Recipient) bool {
	return o.CreatedBy != "" && r.Org == o.CreatedBy
}

func isNamed(o release.Object, r release.Recipient) bool {
	return (r.Org != "" && slices.Contains(o.RedRecipients, r.Org)) ||
		(r.Subject != "" && slices.Contains(o.RedRecipients, r.Subject))
}

func TestProperties(t *testing.T) {
	// The default applies only to an object with no marking at all, so an
	// unmarked object under a strict default may become more widely
	// releasable once it is explicitly marked CLEAR: monotonicity is a
	// property of objects that already carry a marking.
	t.Run("adding a marking to a marked object never widens its release", rapid.MakeCheck(func(t *rapid.T) {
		p, r := genPolicy.Draw(t, "policy"), genRecipient.Draw(t, "recipient")
		o := genObject(genMarkings(1)).Draw(t, "object")
		before := p.Releasable(o, r)
		o2 := o
		o2.Markings = append(slices.Clone(o.Markings), rapid.SampledFrom(markingPool).Draw(t, "added"))
		if after := p.Releasable(o2, r); after.Allowed && !before.Allowed {
			t.Fatalf("before %+v, after %+v", before, after)
		}
	}))

	t.Run("the order of markings does not matter", rapid.MakeCheck(func(t *rapid.T) {
		p, r := genPolicy.Draw(t, "policy"), genRecipient.Draw(t, "recipient")
		o := genObject(genMarkings(0)).Draw(t, "object")
		o2 := o
		o2.Markings = rapid.Permutation(o.Markings).Draw(t, "permuted")
		a, b := p.Releasable(o, r), p.Releasable(o2, r)
		if a.Allowed != b.Allowed || a.Level != b.Level {
			t.Fatalf("%v gives %+v; %v gives %+v", o.Markings, a, o2.Markings, b)
		}
	}))

	t.Run("an object marked only CLEAR is released to everyone", rapid.MakeCheck(func(t *rapid.T) {
		p, r := genPolicy.Draw(t, "policy"), genRecipient.Draw(t, "recipient")
		o := genObject(rapid.SliceOfNDistinct(rapid.SampledFrom(clearIDs), 1, 2, rapid.ID[string])).Draw(t, "object")
		if d := p.Releasable(o, r); !d.Allowed || d.Level != stix.TLPClear {
			t.Fatalf("got %+v", d)
		}
	}))

	t.Run("a RED or unknown marking releases only to the originator and named recipients", rapid.MakeCheck(func(t *rapid.T) {
		p, r := genPolicy.Draw(t, "policy"), genRecipient.Draw(t, "recipient")
		o := genObject(genMarkings(0)).Draw(t, "object")
		o.Markings = append(o.Markings, rapid.SampledFrom(redLikeIDs).Draw(t, "red"))
		d := p.Releasable(o, r)
		if want := isOriginator(o, r) || isNamed(o, r); d.Allowed != want || d.Level != stix.TLPRed {
			t.Fatalf("got %+v, want allowed=%v at red", d, want)
		}
	}))

	t.Run("the originator always gets its own object", rapid.MakeCheck(func(t *rapid.T) {
		p, r := genPolicy.Draw(t, "policy"), genRecipient.Draw(t, "recipient")
		o := genObject(genMarkings(0)).Draw(t, "object")
		o.CreatedBy = rapid.SampledFrom(orgPool[1:]).Draw(t, "originator")
		r.Org = o.CreatedBy
		if d := p.Releasable(o, r); !d.Allowed {
			t.Fatalf("got %+v", d)
		}
	}))

	t.Run("a stranger gets nothing but CLEAR", rapid.MakeCheck(func(t *rapid.T) {
		p := genPolicy.Draw(t, "policy")
		o := genObject(genMarkings(0)).Draw(t, "object")
		r := release.Recipient{
			Org:         rapid.SampledFrom([]string{"", "identity--stranger"}).Draw(t, "org"),
			Communities: subset([]string{"community-stranger"}, 1).Draw(t, "communities"),
			Subject:     rapid.SampledFrom([]string{"", "user--stranger"}).Draw(t, "subject"),
		}
		if d := p.Releasable(o, r); d.Allowed != (d.Level == stix.TLPClear) {
			t.Fatalf("got %+v", d)
		}
	}))

	t.Run("whoever a level admits every less restrictive level admits", rapid.MakeCheck(func(t *rapid.T) {
		p, r := genPolicy.Draw(t, "policy"), genRecipient.Draw(t, "recipient")
		o := genObject(genMarkings(0)).Draw(t, "object")
		i := rapid.IntRange(1, len(tlp2IDs)-1).Draw(t, "level")
		strict, lax := o, o
		strict.Markings, lax.Markings = []string{tlp2IDs[i]}, []string{tlp2IDs[i-1]}
		if p.Releasable(strict, r).Allowed && !p.Releasable(lax, r).Allowed {
			t.Fatalf("admitted at %s but not at %s", levels[i], levels[i-1])
		}
	}))

	t.Run("Filter keeps exactly the releasable objects in order", rapid.MakeCheck(func(t *rapid.T) {
		p, r := genPolicy.Draw(t, "policy"), genRecipient.Draw(t, "recipient")
		objs := rapid.SliceOfN(genObject(genMarkings(0)), 0, 5).Draw(t, "objects")
		var in, want []*stix.Object
		for i, o := range objs {
			so := toSTIX(t, i, o)
			in = append(in, so)
			if p.Releasable(o, r).Allowed {
				want = append(want, so)
			}
		}
		if got := p.Filter(in, r); !slices.Equal(got, want) {
			t.Fatalf("Filter kept %d objects, want %d", len(got), len(want))
		}
	}))
}

// toSTIX builds the STIX object whose ObjectOf is o (with a distinct id).
func toSTIX(t *rapid.T, i int, o release.Object) *stix.Object {
	props := map[string]any{"type": "note", "id": "note--prop-" + string(rune('a'+i))}
	if o.CreatedBy != "" {
		props["created_by_ref"] = o.CreatedBy
	}
	var refs []any
	for _, m := range o.Markings {
		refs = append(refs, m)
	}
	if refs != nil {
		props["object_marking_refs"] = refs
	}
	var rr []any
	for _, s := range o.RedRecipients {
		rr = append(rr, s)
	}
	if rr != nil {
		props["extensions"] = map[string]any{article5.ExtensionID: map[string]any{"red_recipients": rr}}
	}
	so := &stix.Object{Type: "note", ID: props["id"].(string), Props: props}
	if got := release.ObjectOf(so); !slices.Equal(got.Markings, o.Markings) || !slices.Equal(got.RedRecipients, o.RedRecipients) {
		t.Fatalf("ObjectOf round trip: got %+v, want %+v", got, o)
	}
	return so
}
