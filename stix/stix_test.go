package stix_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"article5"
	"article5/stix"
)

func TestParseMalformedJSON(t *testing.T) {
	cases := []struct {
		name, input string
		line, col   int
	}{
		{"missing comma on line 3", "{\"type\":\"bundle\",\n\"id\":\"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d\",\n\"objects\":[{\"type\":\"identity\" \"id\":\"x\"}]}", 3, 31},
		{"truncated", "{\"type\":\"bundle\",\n\"objects\":[", 2, 12},
		{"trailing garbage", "{\"type\":\"bundle\"}\n}", 2, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := stix.Parse([]byte(c.input))
			var e *article5.Error
			if !errors.As(err, &e) || e.Code != article5.EINVALID {
				t.Fatalf("err = %v, want EINVALID", err)
			}
			want := "line " + itoa(c.line) + ", column " + itoa(c.col)
			if !strings.Contains(e.Message, want) {
				t.Errorf("message %q does not contain %q", e.Message, want)
			}
		})
	}
	for _, in := range []string{"", "   ", "[]", "null", `"bundle"`} {
		t.Run("not an object: "+in, func(t *testing.T) {
			if _, err := stix.Parse([]byte(in)); !errors.Is(err, &article5.Error{Code: article5.EINVALID}) {
				t.Errorf("err = %v, want EINVALID", err)
			}
		})
	}
	t.Run("ParseObject reports line and column too", func(t *testing.T) {
		_, err := stix.ParseObject([]byte("{\n  \"type\": \"identity\",\n  \"id\": ]\n}"))
		if err == nil || !strings.Contains(err.Error(), "line 3, column 9:") {
			t.Errorf("err = %v", err)
		}
	})
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestBareObject(t *testing.T) {
	obj := `{"type":"campaign","spec_version":"2.1","id":"campaign--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061","created":"2016-05-12T08:17:27.000Z","modified":"2016-05-12T08:17:27.000Z","name":"Spear Phishing"}`
	b := MustParse(t, []byte("  "+obj+"\n"))
	if !b.Bare || len(b.Objects) != 1 || string(b.Objects[0].Raw) != obj || b.ID != "" {
		t.Fatalf("bundle = %+v", b)
	}
	r := stix.Validate(b)
	if _, ok := findIssue(r, stix.SeverityWarning, "bare-object", ""); !ok || len(r.Errors()) > 0 {
		t.Errorf("issues:%s", dump(r))
	}
	t.Run("a bare observed-data with an objects dictionary is still one object", func(t *testing.T) {
		od := `{"type":"observed-data","spec_version":"2.1","id":"observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf","created":"2016-04-06T19:58:16.000Z","modified":"2016-04-06T19:58:16.000Z","first_observed":"2015-12-21T19:00:00Z","last_observed":"2015-12-21T19:00:00Z","number_observed":1,"objects":{"0":{"type":"ipv4-addr","value":"198.51.100.3"},"1":{"type":"network-traffic","src_ref":"0","protocols":["tcp"]}}}`
		b := MustParse(t, []byte(od))
		if !b.Bare || len(b.Objects) != 1 || len(b.Objects[0].Refs()) != 0 {
			t.Fatalf("bundle = %+v", b)
		}
		if r := stix.Validate(b); len(r.Errors()) > 0 {
			t.Errorf("errors:%s", dump(r))
		}
	})
}

func TestBundleShape(t *testing.T) {
	cases := []struct {
		name, input, code, ptr string
	}{
		{"missing id", `{"type":"bundle","objects":[]}`, "missing-property", "/id"},
		{"id of another type", `{"type":"bundle","id":"report--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[]}`, "id-format", "/id"},
		{"no type", `{"id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[]}`, "missing-property", "/type"},
		{"objects not a list", `{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":{"a":1}}`, "property-type", "/objects"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := validate(t, []byte(c.input))
			if i, ok := findIssue(r, stix.SeverityError, c.code, c.ptr); !ok || i.Index != -1 || i.Object != "bundle" {
				t.Errorf("issues:%s", dump(r))
			}
		})
	}
	t.Run("an element that is not an object is an error on that element only", func(t *testing.T) {
		r := validate(t, bundleOf(`42`, versionA))
		if _, ok := findIssue(r, stix.SeverityError, "not-object", ""); !ok || r.ObjectValid(0) || !r.ObjectValid(1) {
			t.Errorf("issues:%s", dump(r))
		}
	})
}

func TestDanglingRefs(t *testing.T) {
	rel := `{"type":"relationship","spec_version":"2.1","id":"relationship--44298a74-ba52-4f0c-87a3-1824e67d7fad","created":"2016-04-06T20:06:37.000Z","modified":"2016-04-06T20:06:37.000Z","relationship_type":"mitigates","source_ref":"course-of-action--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","target_ref":"malware--fdd60b30-b67c-41e3-b0b9-f01faf20d111","object_marking_refs":["marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"]}`
	t.Run("targets outside the bundle are warnings, never errors", func(t *testing.T) {
		r := validate(t, bundleOf(rel))
		for _, p := range []string{"/source_ref", "/target_ref"} {
			if _, ok := findIssue(r, stix.SeverityWarning, "dangling-ref", p); !ok {
				t.Errorf("want dangling-ref on %s:%s", p, dump(r))
			}
		}
		if len(r.Errors()) > 0 || len(r.Warnings()) != 2 {
			t.Errorf("issues:%s", dump(r))
		}
	})
	t.Run("malformed references are errors", func(t *testing.T) {
		r := validate(t, bundleOf(with(t, rel, "target_ref", "malware--not-a-uuid", "created_by_ref", "report--fdd60b30-b67c-41e3-b0b9-f01faf20d111")))
		if _, ok := findIssue(r, stix.SeverityError, "ref-format", "/target_ref"); !ok {
			t.Errorf("issues:%s", dump(r))
		}
		if _, ok := findIssue(r, stix.SeverityError, "ref-type", "/created_by_ref"); !ok {
			t.Errorf("issues:%s", dump(r))
		}
	})
	t.Run("missing source_ref is an error", func(t *testing.T) {
		r := validate(t, bundleOf(with(t, rel, "source_ref", nil)))
		if _, ok := findIssue(r, stix.SeverityError, "missing-property", "/source_ref"); !ok {
			t.Errorf("issues:%s", dump(r))
		}
	})
	t.Run("Refs lists nested references with pointers", func(t *testing.T) {
		o := MustParseObject(t, []byte(with(t, rel, "granular_markings", []any{map[string]any{"marking_ref": stix.TLPGreenID, "selectors": []string{"relationship_type"}}})))
		var got []string
		for _, r := range o.Refs() {
			got = append(got, r.Pointer+"="+r.ID)
		}
		want := "/granular_markings/0/marking_ref=" + stix.TLPGreenID + " /object_marking_refs/0=marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1 /source_ref=course-of-action--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f /target_ref=malware--fdd60b30-b67c-41e3-b0b9-f01faf20d111"
		if strings.Join(got, " ") != want {
			t.Errorf("Refs = %v", got)
		}
	})
}

func TestLocation(t *testing.T) {
	loc := `{"type":"location","spec_version":"2.1","id":"location--a6e9345f-5a15-4c29-8bb3-7dcc5d168d64","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","latitude":35.68,"longitude":139.69}`
	cases := []struct {
		name string
		kv   []any
		ptr  string // "" valid
	}{
		{"Tokyo is valid", nil, ""},
		{"latitude 91 is impossible", []any{"latitude", 91}, "/latitude"},
		{"latitude -90.5 is impossible", []any{"latitude", -90.5}, "/latitude"},
		{"longitude 180.1 is impossible", []any{"longitude", 180.1}, "/longitude"},
		{"latitude without longitude", []any{"longitude", nil, "country", "JP"}, "/longitude"},
		{"negative precision", []any{"precision", -1}, "/precision"},
		{"precision 0 is fine", []any{"precision", 0}, ""},
		{"precision without coordinates", []any{"latitude", nil, "longitude", nil, "country", "JP", "precision", 10}, "/precision"},
		{"region alone is fine", []any{"latitude", nil, "longitude", nil, "region", "eastern-asia"}, ""},
		{"nothing to locate", []any{"latitude", nil, "longitude", nil, "name", "somewhere"}, "*"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := validate(t, bundleOf(with(t, loc, c.kv...)))
			if c.ptr == "" {
				if len(r.Errors()) > 0 {
					t.Errorf("errors:%s", dump(r))
				}
				return
			}
			found := false
			for _, i := range r.Errors() {
				if c.ptr == "*" || i.Pointer == c.ptr {
					found = true
				}
			}
			if !found {
				t.Errorf("want an error on %s:%s", c.ptr, dump(r))
			}
		})
	}
}

func TestGranularMarkings(t *testing.T) {
	base := `{"type":"campaign","spec_version":"2.1","id":"campaign--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","name":"C","description":"d","external_references":[{"source_name":"capec","url":"https://example.com"}]}`
	cases := []struct {
		name string
		gm   map[string]any
		ptr  string
	}{
		{"selector into a list", map[string]any{"marking_ref": stix.TLPAmberID, "selectors": []string{"description", "external_references.[0].url"}}, ""},
		{"lang marking", map[string]any{"lang": "ja", "selectors": []string{"name"}}, ""},
		{"selector to nothing", map[string]any{"marking_ref": stix.TLPAmberID, "selectors": []string{"external_references.[1].url"}}, "/granular_markings/0/selectors/0"},
		{"empty selectors", map[string]any{"marking_ref": stix.TLPAmberID, "selectors": []string{}}, "/granular_markings/0/selectors"},
		{"both marking_ref and lang", map[string]any{"marking_ref": stix.TLPAmberID, "lang": "en", "selectors": []string{"name"}}, "/granular_markings/0"},
		{"neither marking_ref nor lang", map[string]any{"selectors": []string{"name"}}, "/granular_markings/0"},
		{"marking_ref to an identity", map[string]any{"marking_ref": "identity--08ca821f-e8b5-44f8-a093-65bbd15711c7", "selectors": []string{"name"}}, "/granular_markings/0/marking_ref"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := validate(t, bundleOf(with(t, base, "granular_markings", []any{c.gm})))
			if c.ptr == "" {
				if len(r.Errors()) > 0 {
					t.Errorf("errors:%s", dump(r))
				}
				return
			}
			if _, ok := findIssue(r, stix.SeverityError, "*", c.ptr); !ok {
				found := false
				for _, i := range r.Errors() {
					found = found || i.Pointer == c.ptr
				}
				if !found {
					t.Errorf("want error on %s:%s", c.ptr, dump(r))
				}
			}
		})
	}
	t.Run("object_marking_refs must be marking-definitions", func(t *testing.T) {
		r := validate(t, bundleOf(with(t, base, "object_marking_refs", []string{"identity--08ca821f-e8b5-44f8-a093-65bbd15711c7"})))
		if _, ok := findIssue(r, stix.SeverityError, "ref-type", "/object_marking_refs/0"); !ok {
			t.Errorf("issues:%s", dump(r))
		}
	})
}

func TestObjectAccessors(t *testing.T) {
	o := MustParseObject(t, []byte(`{"type":"report","spec_version":"2.1","id":"report--84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3","created":"2015-12-21T19:59:11.000Z","modified":"2015-12-21T19:59:11.000Z","name":"R","published":"2016-01-20T17:00:00.000Z","object_refs":["indicator--26ffb872-1dd9-446e-b6f5-d58527e5b5d2","x"],"x_a/b":{"c~d":[1,2.50]},"confidence":85}`))
	if o.String("name") != "R" || o.String("confidence") != "" || o.String("missing") != "" {
		t.Error("String")
	}
	if got := o.Strings("object_refs"); len(got) != 2 || got[1] != "x" {
		t.Errorf("Strings = %v", got)
	}
	if o.Map("x_a/b") == nil || o.Map("name") != nil {
		t.Error("Map")
	}
	if v, ok := o.Lookup("/x_a~1b/c~0d/1"); !ok || v.(interface{ String() string }).String() != "2.50" {
		t.Errorf("Lookup = %v, %v", v, ok)
	}
	for _, p := range []string{"/x_a~1b/c~0d/2", "/x_a~1b/c~0d/01", "/name/x", "name"} {
		if _, ok := o.Lookup(p); ok {
			t.Errorf("Lookup(%q) succeeded", p)
		}
	}
	if v, ok := o.Lookup(""); !ok || v == nil {
		t.Error("Lookup of the whole object")
	}
	ts, ok := o.VersionTime()
	if !ok || ts.Raw != "2015-12-21T19:59:11.000Z" || ts.Time.Year() != 2015 {
		t.Errorf("VersionTime = %v", ts)
	}
	c, err := stix.Canonical(o)
	if err != nil || !strings.HasPrefix(string(c), `{"confidence":85,"created":"2015-12-21T19:59:11.000Z"`) || !strings.Contains(string(c), `[1,2.5]`) {
		t.Errorf("Canonical = %s, %v", c, err)
	}
}

func TestHandBuiltBundle(t *testing.T) {
	o := MustParseObject(t, []byte(versionA))
	b := &stix.Bundle{ID: "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", Objects: []*stix.Object{nil, o, {Type: "identity", Props: map[string]any{"type": "identity", "name": "no raw"}, Index: 2}}}
	t.Run("Validate reports nil and incomplete objects without panicking", func(t *testing.T) {
		r := stix.Validate(b)
		if r.ObjectValid(0) || !r.ObjectValid(1) || r.ObjectValid(2) {
			t.Errorf("issues:%s", dump(r))
		}
	})
	t.Run("Encode skips nil and marshals objects without Raw", func(t *testing.T) {
		again := MustParse(t, b.Encode())
		if len(again.Objects) != 2 || again.Objects[1].String("name") != "no raw" || again.ID != b.ID {
			t.Errorf("round trip: %s", b.Encode())
		}
	})
	t.Run("Canonical sorts keys and works from Props too", func(t *testing.T) {
		c, err := stix.Canonical(b.Objects[2])
		if err != nil || string(c) != `{"name":"no raw","type":"identity"}` {
			t.Errorf("Canonical = %s, %v", c, err)
		}
		if _, err := stix.Canonical(&stix.Object{Raw: []byte(`{"a":`)}); !errors.Is(err, &article5.Error{Code: article5.EINVALID}) {
			t.Errorf("Canonical of bad JSON: %v", err)
		}
	})
}

// TestRelationshipTypeSpelling: relationship_type is ASCII a–z, 0–9 and
// hyphens (STIX 2.1 §5.1); "Attributed-To" or "attributed to" is an error,
// never a relationship the assessment would silently not recognise.
func TestRelationshipTypeSpelling(t *testing.T) {
	rel := `{"type":"relationship","spec_version":"2.1","id":"relationship--44298a74-ba52-4f0c-87a3-1824e67d7fad","created":"2016-04-06T20:06:37.000Z","modified":"2016-04-06T20:06:37.000Z","relationship_type":"attributed-to","source_ref":"incident--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","target_ref":"threat-actor--fdd60b30-b67c-41e3-b0b9-f01faf20d111"}`
	for _, good := range []string{"attributed-to", "x-custom-2"} {
		if _, ok := findIssue(validate(t, bundleOf(with(t, rel, "relationship_type", good))), stix.SeverityError, "relationship-type", "/relationship_type"); ok {
			t.Errorf("%q refused", good)
		}
	}
	for _, bad := range []string{"Attributed-To", "attributed to", "attributed_to", "属する", ""} {
		r := validate(t, bundleOf(with(t, rel, "relationship_type", bad)))
		if _, ok := findIssue(r, stix.SeverityError, "relationship-type", "/relationship_type"); !ok {
			t.Errorf("%q: no relationship-type error:%s", bad, dump(r))
		}
	}
}
