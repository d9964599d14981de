package release_test

import (
	"slices"
	"testing"

	"article5"
	"article5/release"
	"article5/stix"
)

func parse(t *testing.T, js string) *stix.Object {
	t.Helper()
	o, err := stix.ParseObject([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestObjectOf(t *testing.T) {
	cases := []struct {
		name string
		json string
		want release.Object
	}{
		{
			name: "reads created_by_ref, object and granular markings and red_recipients",
			json: `{
  "type": "incident", "spec_version": "2.1",
  "id": "incident--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
  "created": "2026-01-10T00:00:00.000Z", "modified": "2026-01-10T00:00:00.000Z",
  "name": "grid outage",
  "created_by_ref": "` + originator + `",
  "object_marking_refs": ["` + stix.TLPGreenID + `"],
  "granular_markings": [
    {"marking_ref": "` + stix.TLPRedID + `", "selectors": ["name"]},
    {"lang": "ja", "selectors": ["description"]},
    {"marking_ref": "` + stix.TLPGreenID + `", "selectors": ["created"]}
  ],
  "extensions": {
    "` + article5.ExtensionID + `": {
      "extension_type": "property-extension",
      "red_recipients": ["` + namedOrg + `", "` + namedUser + `"]
    }
  }
}`,
			want: release.Object{
				ID:            "incident--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
				CreatedBy:     originator,
				Markings:      []string{stix.TLPGreenID, stix.TLPRedID},
				RedRecipients: []string{namedOrg, namedUser},
			},
		},
		{
			name: "an object with none of them reads as unmarked with no originator",
			json: `{"type":"indicator","spec_version":"2.1","id":"indicator--0c1d8d8e-0000-4000-8000-0000000000aa"}`,
			want: release.Object{ID: "indicator--0c1d8d8e-0000-4000-8000-0000000000aa"},
		},
		{
			name: "red_recipients of another extension are not read",
			json: `{"type":"note","id":"note--0c1d8d8e-0000-4000-8000-0000000000ab",
  "extensions":{"extension-definition--00000000-0000-4000-8000-000000000000":{"red_recipients":["` + namedUser + `"]}}}`,
			want: release.Object{ID: "note--0c1d8d8e-0000-4000-8000-0000000000ab"},
		},
		{
			name: "properties of the wrong type are ignored",
			json: `{"type":"note","id":"note--0c1d8d8e-0000-4000-8000-0000000000ac","created_by_ref":7,
  "object_marking_refs":"` + stix.TLPRedID + `","granular_markings":[{"marking_ref":3},"x"],
  "extensions":{"` + article5.ExtensionID + `":{"red_recipients":"` + namedUser + `"}}}`,
			want: release.Object{ID: "note--0c1d8d8e-0000-4000-8000-0000000000ac"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := release.ObjectOf(parse(t, c.json))
			if got.ID != c.want.ID || got.CreatedBy != c.want.CreatedBy ||
				!slices.Equal(got.Markings, c.want.Markings) || !slices.Equal(got.RedRecipients, c.want.RedRecipients) {
				t.Fatalf("got %+v\nwant %+v", got, c.want)
			}
		})
	}
	t.Run("nil reads as the zero object", func(t *testing.T) {
		if got := release.ObjectOf(nil); got.ID != "" || got.Markings != nil {
			t.Fatalf("got %+v", got)
		}
	})
}

// TestGranularMarkingStricterThanObjectMarking proves end to end that a
// granular RED marking withholds the whole object, not just the marked
// property, from a recipient the object-level GREEN would admit.
func TestGranularMarkingStricterThanObjectMarking(t *testing.T) {
	o := parse(t, `{"type":"note","spec_version":"2.1","id":"note--0c1d8d8e-0000-4000-8000-0000000000ad",
  "created_by_ref":"`+originator+`","object_marking_refs":["`+stix.TLPGreenID+`"],
  "granular_markings":[{"marking_ref":"`+stix.TLPRedID+`","selectors":["content"]}],
  "extensions":{"`+article5.ExtensionID+`":{"extension_type":"property-extension","red_recipients":["`+namedUser+`"]}}}`)
	p := policy()
	for _, c := range []struct {
		name string
		r    release.Recipient
		want bool
	}{
		{"community member is refused", rCommunity, false},
		{"holder is refused", rHolder, false},
		{"named subject is served", rNamedUser, true},
		{"originator is served", rOriginator, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := p.Releasable(release.ObjectOf(o), c.r)
			if d.Allowed != c.want || d.Level != stix.TLPRed {
				t.Fatalf("got %+v, want allowed=%v at red", d, c.want)
			}
		})
	}
}
