package stix_test

import (
	"errors"
	"strings"
	"testing"

	"article5"
	"article5/stix"
)

// The inputs below are the minimal reconstructions of
// ../shared/interop-cases.md, plus variants of each kind.

const (
	precisionIndicator = `{"type":"indicator","spec_version":"2.1","id":"indicator--c00cf988-b628-47c0-9ecb-195d4414f076","created":"2023-11-12T14:16:48.1699798608Z","modified":"2023-11-12T14:16:48.1699798608Z","pattern":"[ipv4-addr:value = '198.51.100.7']","pattern_type":"stix","valid_from":"2023-11-12T14:16:48Z"}`
	compareIdentity    = `{"type":"identity","spec_version":"2.1","id":"identity--d3e0f5b0-5c52-4d0f-9b0a-7d0e5a8e6f11","created":"2022-08-03T07:11:07.029Z","modified":"2022-08-03T07:11:07.029036Z","name":"Example Org","identity_class":"organization"}`
	legacyBundle       = `{"type":"bundle","id":"bundle--b33ec8b4-9eea-4c76-b191-2564f829e8db","objects":[{"type":"identity","id":"identity--08ca821f-e8b5-44f8-a093-65bbd15711c7","created":"2017-01-01T00:00:00.000Z","modified":"2017-01-01T00:00:00.000Z","name":"Legacy Org","identity_class":"organization"}]}`
	ipIdentity         = `{"type":"identity","spec_version":"2.1","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","id":"identity--92dcdf5d-be0b-4e5f-9e5f-f90016760e99","name":"Example Org","identity_class":"organization","ip":"192.0.2.1"}`
	acmeExtDef         = `{"type":"extension-definition","spec_version":"2.1","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","id":"extension-definition--d14e76d4-f042-48dc-87f2-0f1e57941e05","created_by_ref":"identity--7c477306-5df9-4487-b023-958c6583ffef","name":"acme-score","schema":"https://example.com/s.json","version":"1.0.0","extension_types":["toplevel-property-extension"],"extension_properties":["acme_score"]}`
	acmeIdentity       = `{"type":"identity","spec_version":"2.1","id":"identity--7c477306-5df9-4487-b023-958c6583ffef","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","name":"ACME","identity_class":"organization"}`
	whiteAsClear       = `{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9","created":"2017-01-20T00:00:00.000Z","definition_type":"tlp","name":"TLP:CLEAR","definition":{"tlp":"clear"}}`
	versionB           = `{"type":"identity","spec_version":"2.1","id":"identity--c4799acb-485e-43b1-b7f2-bf6c88e68f5c","created":"2020-01-01T00:00:00.000Z","modified":"2021-01-01T00:00:00.000Z","name":"B","identity_class":"organization"}`
	versionA           = `{"type":"identity","spec_version":"2.1","id":"identity--c4799acb-485e-43b1-b7f2-bf6c88e68f5c","created":"2020-01-01T00:00:00.000Z","modified":"2020-01-01T00:00:00.000Z","name":"A","identity_class":"organization"}`
)

func TestTimestampPrecision(t *testing.T) {
	t.Run("ten fractional digits are valid and kept through a round trip", func(t *testing.T) {
		b := MustParse(t, bundleOf(precisionIndicator))
		if r := stix.Validate(b); len(r.Errors()) > 0 {
			t.Fatalf("errors:%s", dump(r))
		}
		o := b.Objects[0]
		if o.Created.Raw != "2023-11-12T14:16:48.1699798608Z" || o.Version() != "2023-11-12T14:16:48.1699798608Z" {
			t.Errorf("created %q, version %q", o.Created.Raw, o.Version())
		}
		again := MustParse(t, b.Encode())
		if got := again.Objects[0].String("modified"); got != "2023-11-12T14:16:48.1699798608Z" {
			t.Errorf("modified after Encode→Parse = %q", got)
		}
	})
	for _, s := range []string{
		"2016-01-01T00:00:00Z",
		"2016-01-01T00:00:00.1Z",
		"2016-01-01T00:00:00.123Z",
		"2016-01-01T00:00:00.123456Z",
		"2016-01-01T00:00:00.123456789Z",
		"2016-01-01T00:00:00.1234567891Z",
		"2016-01-01T00:00:00.123456789123Z",
		"2016-12-31T23:59:60.5Z",
	} {
		t.Run("round trip keeps "+s, func(t *testing.T) {
			ts := MustTimestamp(t, s)
			if ts.String() != s || ts.Raw != s {
				t.Errorf("String() = %q", ts.String())
			}
			js, _ := ts.MarshalJSON()
			if string(js) != `"`+s+`"` {
				t.Errorf("MarshalJSON = %s", js)
			}
		})
	}
	t.Run("versions differing only beyond nanoseconds stay distinct", func(t *testing.T) {
		a := with(t, precisionIndicator, "modified", "2023-11-12T14:16:48.1699798608Z")
		b := with(t, precisionIndicator, "modified", "2023-11-12T14:16:48.1699798609Z", "name", "later")
		bu := MustParse(t, bundleOf(b, a))
		if got := len(bu.Versions("indicator--c00cf988-b628-47c0-9ecb-195d4414f076")); got != 2 {
			t.Fatalf("versions = %d, want 2", got)
		}
		if got := bu.Latest("indicator--c00cf988-b628-47c0-9ecb-195d4414f076").String("name"); got != "later" {
			t.Errorf("latest name = %q", got)
		}
		if r := stix.Validate(bu); len(r.Errors()) > 0 {
			t.Errorf("errors:%s", dump(r))
		}
	})
}

func TestTimestampCompare(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{
		{"2022-08-03T07:11:07.029036Z", "2022-08-03T07:11:07.029Z", 1},
		{"2022-08-03T07:11:07.028999Z", "2022-08-03T07:11:07.029Z", -1},
		{"2022-08-03T07:11:07.029Z", "2022-08-03T07:11:07.029000000Z", 0},
		{"2022-08-03T07:11:07Z", "2022-08-03T07:11:07.000Z", 0},
		{"2022-08-03T07:11:07.0290360001Z", "2022-08-03T07:11:07.029036Z", 1},
		{"2022-08-03T07:11:07.02903600000001Z", "2022-08-03T07:11:07.02903600000002Z", -1},
		{"2022-08-03T07:11:07.9Z", "2022-08-03T07:11:08Z", -1},
		{"2016-12-31T23:59:60Z", "2016-12-31T23:59:59.999999999999Z", 1},
		{"2016-12-31T23:59:60.5Z", "2017-01-01T00:00:00Z", -1},
		{"1999-12-31T23:59:59.99Z", "2000-01-01T00:00:00Z", -1},
	}
	for _, c := range cases {
		t.Run(c.a+" vs "+c.b, func(t *testing.T) {
			a, b := MustTimestamp(t, c.a), MustTimestamp(t, c.b)
			if got := a.Compare(b); got != c.want {
				t.Errorf("Compare = %d, want %d", got, c.want)
			}
			if got := b.Compare(a); got != -c.want {
				t.Errorf("reverse Compare = %d, want %d", got, -c.want)
			}
		})
	}
	t.Run("modified with more digits than created is valid", func(t *testing.T) {
		if r := validate(t, bundleOf(compareIdentity)); len(r.Errors()) > 0 {
			t.Errorf("errors:%s", dump(r))
		}
	})
	t.Run("modified a microsecond before created is invalid", func(t *testing.T) {
		r := validate(t, bundleOf(with(t, compareIdentity, "modified", "2022-08-03T07:11:07.028999Z")))
		if _, ok := findIssue(r, stix.SeverityError, "timestamp-order", "/modified"); !ok {
			t.Errorf("want timestamp-order error on /modified:%s", dump(r))
		}
	})
	t.Run("modified equal to created at different precision is valid", func(t *testing.T) {
		r := validate(t, bundleOf(with(t, compareIdentity, "modified", "2022-08-03T07:11:07.029000000000Z")))
		if len(r.Errors()) > 0 {
			t.Errorf("errors:%s", dump(r))
		}
	})
	t.Run("string order would mislead: .1Z vs .09Z", func(t *testing.T) {
		r := validate(t, bundleOf(with(t, compareIdentity, "created", "2022-08-03T07:11:07.090Z", "modified", "2022-08-03T07:11:07.1000Z")))
		if len(r.Errors()) > 0 {
			t.Errorf("errors:%s", dump(r))
		}
	})
	t.Run("other ordered pairs are compared as instants", func(t *testing.T) {
		cases := []struct {
			obj, prop string
			kv        []any
			ok        bool
		}{
			{precisionIndicator, "/valid_until", []any{"valid_until", "2023-11-12T14:16:48.000001Z"}, true},
			{precisionIndicator, "/valid_until", []any{"valid_until", "2023-11-12T14:16:48.000Z"}, false},
			{precisionIndicator, "/valid_until", []any{"valid_until", "2023-11-12T14:16:47.9999999999Z"}, false},
			{`{"type":"campaign","spec_version":"2.1","id":"campaign--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","name":"C"}`, "/last_seen", []any{"first_seen", "2020-01-01T00:00:00.5Z", "last_seen", "2020-01-01T00:00:00.50Z"}, true},
			{`{"type":"campaign","spec_version":"2.1","id":"campaign--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","name":"C"}`, "/last_seen", []any{"first_seen", "2020-01-01T00:00:00.5Z", "last_seen", "2020-01-01T00:00:00.49Z"}, false},
		}
		for _, c := range cases {
			r := validate(t, bundleOf(with(t, c.obj, c.kv...)))
			_, bad := findIssue(r, stix.SeverityError, "timestamp-order", c.prop)
			if bad == c.ok {
				t.Errorf("%v: ok=%v, issues:%s", c.kv, c.ok, dump(r))
			}
		}
	})
}

func TestTimestampPerProperty(t *testing.T) {
	t.Run("valid_from without fractional digits is valid", func(t *testing.T) {
		r := validate(t, bundleOf(with(t, precisionIndicator, "valid_from", "2016-01-01T00:00:00Z")))
		if len(r.Errors()) > 0 {
			t.Errorf("errors:%s", dump(r))
		}
	})
	invalid := []struct {
		name, prop string
		value      any
		code       string
	}{
		{"created without milliseconds", "created", "2019-06-27T14:27:55Z", "timestamp-precision"},
		{"modified with two fractional digits", "modified", "2023-11-12T14:16:48.16Z", "timestamp-precision"},
		{"bare dot", "valid_from", "2016-01-01T00:00:00.Z", "timestamp-format"},
		{"lowercase z", "valid_from", "2016-01-01T00:00:00z", "timestamp-format"},
		{"lowercase t", "valid_from", "2016-01-01t00:00:00Z", "timestamp-format"},
		{"offset +00:00", "valid_from", "2016-01-01T00:00:00+00:00", "timestamp-format"},
		{"offset after fraction", "valid_from", "2016-01-01T00:00:00.000-05:00", "timestamp-format"},
		{"no zone", "valid_from", "2016-01-01T00:00:00", "timestamp-format"},
		{"date only", "valid_from", "2016-01-01", "timestamp-format"},
		{"space separator", "valid_from", "2016-01-01 00:00:00Z", "timestamp-format"},
		{"February 30", "valid_from", "2016-02-30T00:00:00Z", "timestamp-format"},
		{"hour 24", "valid_from", "2016-01-01T24:00:00Z", "timestamp-format"},
		{"leap second not at 23:59", "valid_from", "2016-01-01T12:00:60Z", "timestamp-format"},
		{"number instead of string", "valid_from", 1451606400, "timestamp-format"},
	}
	for _, c := range invalid {
		t.Run(c.name+" is invalid", func(t *testing.T) {
			r := validate(t, bundleOf(with(t, precisionIndicator, c.prop, c.value)))
			if _, ok := findIssue(r, stix.SeverityError, c.code, "/"+c.prop); !ok {
				t.Errorf("want %s error on /%s:%s", c.code, c.prop, dump(r))
			}
			if s, ok := c.value.(string); ok {
				if _, err := stix.ParseTimestamp(s); err == nil && c.code == "timestamp-format" {
					t.Errorf("ParseTimestamp(%q) accepted it", s)
				} else if err != nil && !errors.Is(err, &article5.Error{Code: article5.EINVALID}) {
					t.Errorf("ParseTimestamp error is not EINVALID: %v", err)
				}
			}
		})
	}
	t.Run("timestamps inside a known extension are checked", func(t *testing.T) {
		impact := `{"type":"impact","spec_version":"2.1","id":"impact--1b5ea6d8-3a8a-4ab7-9e0c-2c9a8a1f6e01","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","impact_category":"availability","start_time":"2024-01-01T00:00:00Z","end_time":"2024-01-02T00:00:00+09:00","extensions":{"extension-definition--7cc33dd6-f6a1-489b-98ea-522d351d71b9":{"extension_type":"new-sdo"},"availability":{"availability_impact":90}}}`
		r := validate(t, bundleOf(impact))
		if _, ok := findIssue(r, stix.SeverityError, "timestamp-format", "/end_time"); !ok {
			t.Errorf("want timestamp-format on /end_time:%s", dump(r))
		}
		if len(r.Errors()) != 1 || len(r.Warnings()) != 0 {
			t.Errorf("want exactly that one issue:%s", dump(r))
		}
	})
}

func TestSpecVersionDefault(t *testing.T) {
	t.Run("identity without spec_version is handled as 2.0, not rejected", func(t *testing.T) {
		b := MustParse(t, []byte(legacyBundle))
		o := b.Objects[0]
		if o.SpecVersion != "2.0" || o.SpecVersionDeclared {
			t.Errorf("SpecVersion = %q declared=%v, want 2.0 undeclared", o.SpecVersion, o.SpecVersionDeclared)
		}
		r := stix.Validate(b)
		if len(r.Errors()) > 0 {
			t.Errorf("errors:%s", dump(r))
		}
		w, ok := findIssue(r, stix.SeverityWarning, "spec-version", "/spec_version")
		if !ok || !strings.Contains(w.Message, "handled as STIX 2.0") {
			t.Errorf("want a 'handled as STIX 2.0' warning:%s", dump(r))
		}
	})
	cases := []struct {
		name, obj, want string
		valid           bool
	}{
		{"SRO without spec_version is 2.0", `{"type":"relationship","id":"relationship--44298a74-ba52-4f0c-87a3-1824e67d7fad","created":"2016-04-06T20:06:37.000Z","modified":"2016-04-06T20:06:37.000Z","relationship_type":"related-to","source_ref":"identity--08ca821f-e8b5-44f8-a093-65bbd15711c7","target_ref":"identity--08ca821f-e8b5-44f8-a093-65bbd15711c7"}`, "2.0", true},
		{"marking-definition without spec_version is 2.0", `{"type":"marking-definition","id":"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da","created":"2017-01-20T00:00:00.000Z","definition_type":"tlp","definition":{"tlp":"green"}}`, "2.0", true},
		{"SCO without spec_version is 2.1", `{"type":"domain-name","id":"domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7","value":"example.com"}`, "2.1", true},
		{"2.0 indicator needs labels, not pattern_type", `{"type":"indicator","id":"indicator--53fe3b22-0201-47cf-85d0-97c02164528d","created":"2014-05-08T09:00:00.000Z","modified":"2014-05-08T09:00:00.000Z","labels":["malicious-activity"],"pattern":"[ipv4-addr:value = '10.0.0.0']","valid_from":"2014-05-08T09:00:00Z"}`, "2.0", true},
		{"2.0 indicator without labels is invalid", `{"type":"indicator","id":"indicator--53fe3b22-0201-47cf-85d0-97c02164528d","created":"2014-05-08T09:00:00.000Z","modified":"2014-05-08T09:00:00.000Z","pattern":"[ipv4-addr:value = '10.0.0.0']","valid_from":"2014-05-08T09:00:00Z"}`, "2.0", false},
		{"grouping without spec_version is invalid: no such type in 2.0", `{"type":"grouping","id":"grouping--84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","context":"suspicious-activity","object_refs":["identity--08ca821f-e8b5-44f8-a093-65bbd15711c7"]}`, "2.0", false},
		{"declared 2.0 is respected", with(t, precisionIndicator, "spec_version", "2.0", "labels", []string{"x"}, "created", "2023-11-12T14:16:48.169Z", "modified", "2023-11-12T14:16:48.169Z"), "2.0", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := MustParse(t, bundleOf(c.obj))
			if got := b.Objects[0].SpecVersion; got != c.want {
				t.Errorf("SpecVersion = %q, want %q", got, c.want)
			}
			r := stix.Validate(b)
			if got := r.ObjectValid(0); got != c.valid {
				t.Errorf("ObjectValid = %v, want %v:%s", got, c.valid, dump(r))
			}
		})
	}
	t.Run("spec_version 2.2 is an error on that object only", func(t *testing.T) {
		r := validate(t, bundleOf(with(t, compareIdentity, "spec_version", "2.2"), acmeIdentity))
		if _, ok := findIssue(r, stix.SeverityError, "spec-version", "/spec_version"); !ok || r.ObjectValid(0) || !r.ObjectValid(1) {
			t.Errorf("want a spec-version error on objects/0 only:%s", dump(r))
		}
	})
}

func TestBundleVersionDetection(t *testing.T) {
	withSV := strings.Replace(legacyBundle, `"objects":[`, `"spec_version":"2.1","objects":[`+precisionIndicator+",", 1)
	b := MustParse(t, []byte(withSV))
	t.Run("bundle-level spec_version is a warning and the objects are taken", func(t *testing.T) {
		if b.SpecVersion != "2.1" || len(b.Objects) != 2 {
			t.Fatalf("SpecVersion %q, %d objects", b.SpecVersion, len(b.Objects))
		}
		r := stix.Validate(b)
		if len(r.Errors()) > 0 {
			t.Errorf("errors:%s", dump(r))
		}
		if w, ok := findIssue(r, stix.SeverityWarning, "spec-version", "/spec_version"); !ok || w.Index != -1 || w.Object != "bundle" {
			t.Errorf("want a bundle warning:%s", dump(r))
		}
	})
	t.Run("each object keeps its own version", func(t *testing.T) {
		if b.Objects[0].SpecVersion != "2.1" || b.Objects[1].SpecVersion != "2.0" {
			t.Errorf("versions %q, %q", b.Objects[0].SpecVersion, b.Objects[1].SpecVersion)
		}
	})
	t.Run("a 2.0-form bundle with spec_version 2.0 also parses", func(t *testing.T) {
		r := validate(t, []byte(strings.Replace(legacyBundle, `"objects":[`, `"spec_version":"2.0","objects":[`, 1)))
		if len(r.Errors()) > 0 {
			t.Errorf("errors:%s", dump(r))
		}
	})
	t.Run("Encode keeps the bundle-level spec_version", func(t *testing.T) {
		if again := MustParse(t, b.Encode()); again.SpecVersion != "2.1" {
			t.Errorf("SpecVersion after round trip = %q", again.SpecVersion)
		}
	})
}

func TestPropertyNameLength(t *testing.T) {
	cases := []struct {
		name string
		obj  string
		sev  stix.Severity // "" for no issue on the property
		code string
		ptr  string
	}{
		{"two-letter custom property is an error", ipIdentity, stix.SeverityError, "property-name", "/ip"},
		{"x_ip passes silently", strings.Replace(ipIdentity, `"ip"`, `"x_ip"`, 1), "", "", "/x_ip"},
		{"three-letter custom property is a warning", strings.Replace(ipIdentity, `"ip"`, `"ipa"`, 1), stix.SeverityWarning, "custom-property", "/ipa"},
		{"uppercase custom property is an error", strings.Replace(ipIdentity, `"ip"`, `"X_IP"`, 1), stix.SeverityError, "property-name", "/X_IP"},
		{"hyphen in custom property is an error", strings.Replace(ipIdentity, `"ip"`, `"x-ip"`, 1), stix.SeverityError, "property-name", "/x-ip"},
		{"x_ alone is too short", strings.Replace(ipIdentity, `"ip"`, `"x_"`, 1), stix.SeverityError, "property-name", "/x_"},
		{"251 characters is too long", strings.Replace(ipIdentity, `"ip"`, `"x_`+strings.Repeat("a", 249)+`"`, 1), stix.SeverityError, "property-name", "/x_" + strings.Repeat("a", 249)},
		{"250 characters pass", strings.Replace(ipIdentity, `"ip"`, `"x_`+strings.Repeat("a", 248)+`"`, 1), "", "", "/x_" + strings.Repeat("a", 248)},
		{"spec-defined short name id is exempt", strings.Replace(ipIdentity, `,"ip":"192.0.2.1"`, ``, 1), "", "", "/id"},
		{"two-letter extension property is an error", strings.Replace(ipIdentity, `"ip":"192.0.2.1"`, `"extensions":{"extension-definition--5a1dd3a3-d9b8-4a5e-9d1c-1f1b9e1f2a33":{"extension_type":"property-extension","ip":"192.0.2.1"}}`, 1), stix.SeverityError, "property-name", "/extensions/extension-definition--5a1dd3a3-d9b8-4a5e-9d1c-1f1b9e1f2a33/ip"},
		{"two-letter property of a custom object type is an error", `{"type":"x-acme-thing","spec_version":"2.1","id":"x-acme-thing--5a1dd3a3-d9b8-4a5e-9d1c-1f1b9e1f2a33","ip":"192.0.2.1"}`, stix.SeverityError, "property-name", "/ip"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := validate(t, bundleOf(c.obj))
			var got []stix.Issue
			for _, i := range r.Issues {
				if i.Pointer == c.ptr {
					got = append(got, i)
				}
			}
			switch {
			case c.sev == "" && len(got) > 0:
				t.Errorf("want no issue on %s:%s", c.ptr, dump(r))
			case c.sev != "" && (len(got) != 1 || got[0].Severity != c.sev || got[0].Code != c.code):
				t.Errorf("want one %s %s on %s:%s", c.sev, c.code, c.ptr, dump(r))
			}
			if c.sev == stix.SeverityError {
				var e *article5.Error
				if err := r.Err(); !errors.As(err, &e) || e.Code != article5.EINVALID || e.Details[0].Object == "" || e.Details[0].Pointer != c.ptr {
					t.Errorf("Err() = %#v", err)
				}
			}
		})
	}
	t.Run("the ip error names the object and pointer", func(t *testing.T) {
		var e *article5.Error
		err := validate(t, bundleOf(ipIdentity)).Err()
		if !errors.As(err, &e) || e.Details[0].Object != "identity--92dcdf5d-be0b-4e5f-9e5f-f90016760e99" || e.Details[0].Pointer != "/ip" {
			t.Errorf("Err() = %v", err)
		}
	})
}

func TestExtensionDefinition(t *testing.T) {
	indicator := with(t, precisionIndicator, "acme_score", 80, "extensions", map[string]any{
		"extension-definition--d14e76d4-f042-48dc-87f2-0f1e57941e05": map[string]any{"extension_type": "toplevel-property-extension"},
	})
	t.Run("definition and its toplevel property give no warnings", func(t *testing.T) {
		r := validate(t, bundleOf(acmeIdentity, acmeExtDef, indicator))
		if len(r.Errors())+len(r.Warnings()) > 0 {
			t.Errorf("issues:%s", dump(r))
		}
	})
	t.Run("extension_types property is an error", func(t *testing.T) {
		r := validate(t, bundleOf(acmeIdentity, with(t, acmeExtDef, "extension_types", []string{"property"}), indicator))
		if _, ok := findIssue(r, stix.SeverityError, "vocabulary", "/extension_types/0"); !ok || r.ObjectValid(1) == true || !r.ObjectValid(2) {
			t.Errorf("want a vocabulary error on the definition only:%s", dump(r))
		}
	})
	t.Run("empty extension_types is an error", func(t *testing.T) {
		r := validate(t, bundleOf(acmeIdentity, with(t, acmeExtDef, "extension_types", []string{})))
		if _, ok := findIssue(r, stix.SeverityError, "empty-list", "/extension_types"); !ok {
			t.Errorf("issues:%s", dump(r))
		}
	})
	t.Run("toplevel property without the extension named is a warning", func(t *testing.T) {
		r := validate(t, bundleOf(acmeIdentity, acmeExtDef, with(t, precisionIndicator, "acme_score", 80)))
		if _, ok := findIssue(r, stix.SeverityWarning, "custom-property", "/acme_score"); !ok {
			t.Errorf("issues:%s", dump(r))
		}
	})
	t.Run("unknown extension_type inside extensions is an error", func(t *testing.T) {
		bad := with(t, indicator, "extensions", map[string]any{"extension-definition--d14e76d4-f042-48dc-87f2-0f1e57941e05": map[string]any{"extension_type": "property"}})
		r := validate(t, bundleOf(acmeIdentity, acmeExtDef, bad))
		if _, ok := findIssue(r, stix.SeverityError, "extension-type", "/extensions/extension-definition--d14e76d4-f042-48dc-87f2-0f1e57941e05/extension_type"); !ok {
			t.Errorf("issues:%s", dump(r))
		}
	})
	t.Run("missing required definition properties", func(t *testing.T) {
		r := validate(t, bundleOf(with(t, acmeExtDef, "schema", nil, "created_by_ref", nil)))
		for _, p := range []string{"/schema", "/created_by_ref"} {
			if _, ok := findIssue(r, stix.SeverityError, "missing-property", p); !ok {
				t.Errorf("want missing %s:%s", p, dump(r))
			}
		}
	})
	t.Run("unknown extension-definition is only info", func(t *testing.T) {
		obj := with(t, compareIdentity, "extensions", map[string]any{"extension-definition--0b1f0f3e-3f3a-4b7e-8e57-0b8fb5d1c0a1": map[string]any{"extension_type": "property-extension", "rank": 5}})
		r := validate(t, bundleOf(obj))
		if len(r.Errors())+len(r.Warnings()) > 0 {
			t.Errorf("issues:%s", dump(r))
		}
		if _, ok := findIssue(r, stix.SeverityInfo, "external-ref", "*"); !ok {
			t.Errorf("want external-ref info:%s", dump(r))
		}
	})
	t.Run("incident core extension values are checked", func(t *testing.T) {
		inc := `{"type":"incident","spec_version":"2.1","id":"incident--6f6b2c8f-7d0a-4a56-8d7e-2f1d6c1f0e11","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","name":"Outage","extensions":{"extension-definition--ef765651-680c-498d-9894-99799f2fa126":{"extension_type":"property-extension","determination":"successful-attempt","investigation_status":"open","criticality":80,"recoverability":"regular","impacted_entity_counts":{"individuals":12}}}}`
		if r := validate(t, bundleOf(inc)); len(r.Errors())+len(r.Warnings()) > 0 {
			t.Errorf("valid incident has issues:%s", dump(r))
		}
		bad := strings.NewReplacer(`"successful-attempt"`, `"confirmed"`, `"criticality":80`, `"criticality":101`, `"regular"`, `"weekly"`).Replace(inc)
		r := validate(t, bundleOf(bad))
		base := "/extensions/extension-definition--ef765651-680c-498d-9894-99799f2fa126/"
		for _, want := range []struct{ code, ptr string }{{"vocabulary", base + "determination"}, {"range", base + "criticality"}, {"vocabulary", base + "recoverability"}} {
			if _, ok := findIssue(r, stix.SeverityError, want.code, want.ptr); !ok {
				t.Errorf("want %s on %s:%s", want.code, want.ptr, dump(r))
			}
		}
		o := MustParse(t, bundleOf(inc)).Objects[0]
		if v, ok := o.Lookup(base + "impacted_entity_counts/individuals"); !ok || v.(interface{ String() string }).String() != "12" {
			t.Errorf("Lookup = %v, %v", v, ok)
		}
	})
	t.Run("impact sub-extensions are legitimate on impact only", func(t *testing.T) {
		impact := `{"type":"impact","spec_version":"2.1","id":"impact--1b5ea6d8-3a8a-4ab7-9e0c-2c9a8a1f6e01","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","impact_category":"availability","start_time":"2024-01-01T00:00:00Z","extensions":{"extension-definition--7cc33dd6-f6a1-489b-98ea-522d351d71b9":{"extension_type":"new-sdo"},"availability":{"availability_impact":90}}}`
		if r := validate(t, bundleOf(impact)); len(r.Errors())+len(r.Warnings()) > 0 {
			t.Errorf("impact has issues:%s", dump(r))
		}
		r := validate(t, bundleOf(with(t, compareIdentity, "extensions", map[string]any{"availability": map[string]any{"availability_impact": 90}})))
		if _, ok := findIssue(r, stix.SeverityWarning, "extension", "/extensions/availability"); !ok {
			t.Errorf("want a warning on identity:%s", dump(r))
		}
	})
	t.Run("article5 object types are covered", func(t *testing.T) {
		obj := `{"type":"article5-assessment","spec_version":"2.1","id":"article5-assessment--1b5ea6d8-3a8a-4ab7-9e0c-2c9a8a1f6e01","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","evidence_digest":"abc","extensions":{"extension-definition--7e1ad871-e324-4401-b26f-04600fa74dcd":{"extension_type":"new-sdo"}}}`
		if r := validate(t, bundleOf(obj)); len(r.Errors())+len(r.Warnings()) > 0 {
			t.Errorf("issues:%s", dump(r))
		}
	})
	t.Run("uncovered custom object type is a warning", func(t *testing.T) {
		r := validate(t, bundleOf(`{"type":"x-acme-thing","spec_version":"2.1","id":"x-acme-thing--5a1dd3a3-d9b8-4a5e-9d1c-1f1b9e1f2a33","acme":"yes"}`))
		if _, ok := findIssue(r, stix.SeverityWarning, "custom-object", "/type"); !ok || len(r.Errors()) > 0 {
			t.Errorf("issues:%s", dump(r))
		}
	})
	t.Run("RegisterExtension makes a new type known", func(t *testing.T) {
		stix.RegisterExtension(stix.ExtensionInfo{ID: "extension-definition--2c8f1f0e-1c57-4a2a-9d8e-6e2a4f5d0b77", Name: "test", Types: []string{stix.ExtNewSDO}, ObjectTypes: []string{"test-widget"}, Properties: []string{"size"}})
		r := validate(t, bundleOf(`{"type":"test-widget","spec_version":"2.1","id":"test-widget--5a1dd3a3-d9b8-4a5e-9d1c-1f1b9e1f2a33","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","size":1,"colour":"red"}`))
		if _, ok := findIssue(r, stix.SeverityWarning, "custom-property", "/colour"); !ok || len(r.Warnings()) != 1 || len(r.Errors()) > 0 {
			t.Errorf("issues:%s", dump(r))
		}
	})
}

func TestTLP2Recognition(t *testing.T) {
	campaign := `{"type":"campaign","spec_version":"2.1","id":"campaign--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","name":"C","object_marking_refs":["marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9","marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"]}`
	t.Run("TLP 1.0 WHITE id with TLP:CLEAR content is flagged, the rest imports", func(t *testing.T) {
		r := validate(t, bundleOf(whiteAsClear, campaign))
		e, ok := findIssue(r, stix.SeverityError, "tlp-conflict", "*")
		if !ok || e.Index != 0 || e.Object != "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9" {
			t.Errorf("want tlp-conflict on objects/0:%s", dump(r))
		}
		if !r.ObjectValid(1) || len(r.Errors()) != 1 {
			t.Errorf("the campaign must stay valid:%s", dump(r))
		}
	})
	variants := []struct {
		name, obj string
		conflict  bool
	}{
		{"TLP 1.0 WHITE as specified is fine", `{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9","created":"2017-01-20T00:00:00.000Z","definition_type":"tlp","name":"TLP:WHITE","definition":{"tlp":"white"}}`, false},
		{"TLP 1.0 GREEN id with amber content", `{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da","created":"2017-01-20T00:00:00.000Z","definition_type":"tlp","name":"TLP:GREEN","definition":{"tlp":"amber"}}`, true},
		{"TLP 1.0 id with TLP 2.0 extension", `{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9","created":"2017-01-20T00:00:00.000Z","name":"TLP:CLEAR","extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":{"extension_type":"property-extension","tlp_2_0":"clear"}}}`, true},
		{"TLP 2.0 CLEAR as published is fine", `{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487","created":"2022-10-01T00:00:00.000Z","name":"TLP:CLEAR","extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":{"extension_type":"property-extension","tlp_2_0":"clear"}}}`, false},
		{"TLP 2.0 AMBER+STRICT as published is fine", `{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003","created":"2022-10-01T00:00:00.000Z","name":"TLP:AMBER+STRICT","extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":{"extension_type":"property-extension","tlp_2_0":"amber+strict"}}}`, false},
		{"TLP 2.0 RED id re-declared as green", `{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1","created":"2022-10-01T00:00:00.000Z","name":"TLP:GREEN","extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":{"extension_type":"property-extension","tlp_2_0":"green"}}}`, true},
		{"TLP 2.0 id with TLP 1.0 content", `{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb","created":"2022-10-01T00:00:00.000Z","definition_type":"tlp","definition":{"tlp":"green"}}`, true},
		{"home-made TLP marking with a random id", `{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--0b1f0f3e-3f3a-4b7e-8e57-0b8fb5d1c0a1","created":"2022-10-01T00:00:00.000Z","definition_type":"tlp","definition":{"tlp":"amber"}}`, true},
		{"statement marking is fine", `{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--0b1f0f3e-3f3a-4b7e-8e57-0b8fb5d1c0a1","created":"2022-10-01T00:00:00.000Z","definition_type":"statement","definition":{"statement":"Copyright 2024 ACME"}}`, false},
	}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			r := validate(t, bundleOf(v.obj, campaign))
			_, got := findIssue(r, stix.SeverityError, "tlp-conflict", "*")
			if got != v.conflict {
				t.Errorf("conflict = %v, want %v:%s", got, v.conflict, dump(r))
			}
			if !v.conflict && len(r.Errors()) > 0 {
				t.Errorf("errors:%s", dump(r))
			}
			if !r.ObjectValid(1) {
				t.Errorf("campaign invalid:%s", dump(r))
			}
		})
	}
	t.Run("TLPOf maps TLP 2.0 and 1.0 ids", func(t *testing.T) {
		cases := map[string]stix.TLP{
			stix.TLPClearID: "clear", stix.TLPGreenID: "green", stix.TLPAmberID: "amber", stix.TLPAmberStrictID: "amber+strict", stix.TLPRedID: "red",
			"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": "clear",
			"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": "green",
			"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": "amber",
			"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": "red",
		}
		for id, want := range cases {
			if got, ok := stix.TLPOf(id); !ok || got != want || !stix.IsBuiltinMarking(id) {
				t.Errorf("TLPOf(%s) = %q, %v; want %q", id, got, ok, want)
			}
		}
		if _, ok := stix.TLPOf("marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ec"); ok || stix.IsBuiltinMarking("marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ec") {
			t.Error("unknown marking recognised as TLP")
		}
	})
	t.Run("built-in markings are never dangling", func(t *testing.T) {
		r := validate(t, bundleOf(campaign))
		if len(r.Issues) != 0 {
			t.Errorf("issues:%s", dump(r))
		}
	})
}

func TestMultiVersionBundle(t *testing.T) {
	const id = "identity--c4799acb-485e-43b1-b7f2-bf6c88e68f5c"
	for _, order := range []struct {
		name    string
		objects []string
	}{
		{"newer first", []string{versionB, versionA}},
		{"older first", []string{versionA, versionB}},
	} {
		t.Run(order.name+": both kept, latest is B", func(t *testing.T) {
			b := MustParse(t, bundleOf(order.objects...))
			if len(b.Objects) != 2 {
				t.Fatalf("objects = %d", len(b.Objects))
			}
			v := b.Versions(id)
			if len(v) != 2 || v[0].String("name") != "A" || v[1].String("name") != "B" {
				t.Errorf("Versions = %v", v)
			}
			if got := b.Latest(id).String("name"); got != "B" {
				t.Errorf("Latest = %q", got)
			}
			if r := stix.Validate(b); len(r.Errors())+len(r.Warnings()) > 0 {
				t.Errorf("issues:%s", dump(r))
			}
		})
	}
	t.Run("latest by instant, not by string", func(t *testing.T) {
		x := with(t, versionA, "modified", "2021-01-01T00:00:00.1Z", "name", "X")
		y := with(t, versionA, "modified", "2021-01-01T00:00:00.09999Z", "name", "Y")
		b := MustParse(t, bundleOf(x, y))
		if got := b.Latest(id).String("name"); got != "X" {
			t.Errorf("Latest = %q, want X", got)
		}
	})
	t.Run("same version with different content is an error naming the id", func(t *testing.T) {
		r := validate(t, bundleOf(versionB, with(t, versionB, "name", "B2")))
		e, ok := findIssue(r, stix.SeverityError, "duplicate-version", "/modified")
		if !ok || e.Object != id || !strings.Contains(e.Message, id) {
			t.Errorf("issues:%s", dump(r))
		}
	})
	t.Run("same version at another precision with different content is an error", func(t *testing.T) {
		r := validate(t, bundleOf(versionB, with(t, versionB, "name", "B2", "modified", "2021-01-01T00:00:00.000000Z")))
		if _, ok := findIssue(r, stix.SeverityError, "duplicate-version", "/modified"); !ok {
			t.Errorf("issues:%s", dump(r))
		}
	})
	t.Run("identical duplicates are a warning", func(t *testing.T) {
		reordered := `{"name":"B","type":"identity","spec_version":"2.1","id":"identity--c4799acb-485e-43b1-b7f2-bf6c88e68f5c","created":"2020-01-01T00:00:00.000Z","modified":"2021-01-01T00:00:00.000Z","identity_class":"organization"}`
		r := validate(t, bundleOf(versionB, reordered))
		if _, ok := findIssue(r, stix.SeverityWarning, "duplicate-object", ""); !ok || len(r.Errors()) > 0 {
			t.Errorf("issues:%s", dump(r))
		}
	})
	t.Run("SCO repeated with other content is an error", func(t *testing.T) {
		d := `{"type":"domain-name","spec_version":"2.1","id":"domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7","value":"example.com"}`
		r := validate(t, bundleOf(d, strings.Replace(d, "example.com", "example.org", 1)))
		if _, ok := findIssue(r, stix.SeverityError, "duplicate-version", ""); !ok {
			t.Errorf("issues:%s", dump(r))
		}
	})
	t.Run("marking-definition version is its created", func(t *testing.T) {
		o := MustParseObject(t, []byte(whiteAsClear))
		if o.Version() != "2017-01-20T00:00:00.000Z" {
			t.Errorf("Version = %q", o.Version())
		}
	})
}
