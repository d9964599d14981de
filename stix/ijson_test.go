package stix_test

import (
	"errors"
	"strings"
	"testing"

	"article5"
	"article5/stix"
)

// ijsonObject is a valid identity; the cases below break it at one place.
const (
	ijsonID     = "identity--0f3c1ab4-7a53-4d47-9a1b-3b1e3d0a9c11"
	ijsonObject = `{"type":"identity","spec_version":"2.1","id":"` + ijsonID + `","created":"2020-01-01T00:00:00.000Z","modified":"2020-01-01T00:00:00.000Z","identity_class":"organization",%s}`
)

func ijson(props string) string { return strings.Replace(ijsonObject, "%s", props, 1) }

// TestParseRejectsNonIJSONObject: an element of "objects" that is not
// I-JSON (RFC 7493) — invalid UTF-8, an unpaired surrogate, a name twice,
// a number beyond a double — is an error "malformed-json" on that object
// alone, naming its id and the JSON pointer; the other objects stay valid,
// and Canonical refuses it with the same place instead of "not valid JSON".
func TestParseRejectsNonIJSONObject(t *testing.T) {
	cases := []struct {
		name, props, ptr, says string
	}{
		{"name twice", `"name":"A","name":"B"`, "/name", `"name" appears twice`},
		{"name twice, second spelled with an escape", `"name":"A","n\u0061me":"B"`, "/name", `"name" appears twice`},
		{"name twice in a nested dictionary", `"name":"A","x_d":{"k":{"a":1,"b":2,"a":3}}`, "/x_d/k/a", `"a" appears twice`},
		{"name twice inside a list element", `"name":"A","x_l":[{"a":1},{"a":1,"a":1}]`, "/x_l/1/a", `"a" appears twice`},
		{"pointer escapes ~ and /", `"name":"A","x_d":{"a/b~c":1,"a/b~c":2}`, "/x_d/a~1b~0c", "appears twice"},
		{"invalid UTF-8 byte in a value", "\"name\":\"A\xff\"", "/name", "not valid UTF-8"},
		{"truncated UTF-8 sequence", "\"name\":\"A\xe3\x81\"", "/name", "not valid UTF-8"},
		{"overlong UTF-8 encoding of /", "\"name\":\"\xc0\xaf\"", "/name", "not valid UTF-8"},
		{"surrogate encoded as UTF-8 bytes", "\"name\":\"\xed\xa0\x80\"", "/name", "not valid UTF-8"},
		{"invalid UTF-8 in a property name", "\"name\":\"A\",\"x_d\":{\"k\xff\":1}", "/x_d", "property name"},
		{"invalid UTF-8 in a list element", "\"name\":\"A\",\"x_l\":[\"ok\",\"b\xffd\"]", "/x_l/1", "not valid UTF-8"},
		{`lone high surrogate \ud800`, `"name":"A\ud800"`, "/name", "unpaired UTF-16 surrogate"},
		{`lone high surrogate, uppercase \uD800`, `"name":"\uD800B"`, "/name", "unpaired"},
		{`lone low surrogate \udc00`, `"name":"\udc00"`, "/name", "unpaired"},
		{`high surrogate followed by a non-surrogate escape`, `"name":"\ud800\u0041"`, "/name", "unpaired"},
		{`surrogates in the wrong order`, `"name":"\udc00\ud800"`, "/name", "unpaired"},
		{`high surrogate at the end after a valid pair`, `"name":"\ud83d\ude00\ud83d"`, "/name", "unpaired"},
		{`lone surrogate in a property name`, `"name":"A","x_\ud800":1`, "", "property name"},
		{"number beyond a double", `"name":"A","x_n":1e999`, "/x_n", "1e999 is beyond the range"},
		{"negative number beyond a double", `"name":"A","x_n":-1e999`, "/x_n", "beyond the range"},
		{"number just beyond the greatest double", `"name":"A","x_l":[1,1.8e308]`, "/x_l/1", "beyond the range"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bad := ijson(c.props)
			b := MustParse(t, bundleOf(versionA, bad))
			r := stix.Validate(b)
			is, ok := findIssue(r, stix.SeverityError, "malformed-json", c.ptr)
			if !ok || is.Object != ijsonID || is.Index != 1 || !strings.Contains(is.Message, c.says) {
				t.Fatalf("want malformed-json on %s %q saying %q; issues:%s", ijsonID, c.ptr, c.says, dump(r))
			}
			if r.ObjectValid(1) || !r.ObjectValid(0) {
				t.Errorf("only the malformed object should be invalid:%s", dump(r))
			}
			_, err := stix.Canonical(b.Objects[1])
			mustDetail(t, err, ijsonID, c.ptr, c.says)
			_, err = stix.ParseObject([]byte(bad))
			mustDetail(t, err, ijsonID, c.ptr, c.says)
		})
	}
}

// TestParseAcceptsIJSON: what looks like a fault but is not one.
func TestParseAcceptsIJSON(t *testing.T) {
	cases := []struct{ name, props string }{
		{"a surrogate pair", `"name":"\ud83d\ude00 and \uD83D\uDE00"`},
		{"an escaped backslash before ud800 is text, not an escape", `"name":"\\ud800"`},
		{"U+FFFD written as an escape", `"name":"\ufffd"`},
		{"U+FFFD written as UTF-8", "\"name\":\"\xef\xbf\xbd\""},
		{"U+FFFD beside a valid pair", `"name":"\ufffd\ud83d\ude00"`},
		{"equal names in different objects", `"name":"A","x_d":{"name":1,"k":{"name":2}}`},
		{"the greatest double", `"name":"A","x_n":1.7976931348623157e308`},
		{"a number that underflows to 0, as RFC 8785 reads it", `"name":"A","x_n":1e-400`},
		{"-0", `"name":"A","x_n":-0`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := MustParse(t, bundleOf(ijson(c.props)))
			if r := stix.Validate(b); len(r.Errors()) > 0 {
				t.Fatalf("errors:%s", dump(r))
			}
			if _, err := stix.Canonical(b.Objects[0]); err != nil {
				t.Errorf("Canonical: %v", err)
			}
		})
	}
}

// TestParseRejectsNonIJSONBundle: a fault outside the elements of
// "objects" fails Parse with EINVALID naming "bundle" (or a bare object's
// id) and the pointer.
func TestParseRejectsNonIJSONBundle(t *testing.T) {
	const head = `{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d",`
	cases := []struct {
		name, input, object, ptr, says string
	}{
		{"type twice at bundle level", `{"type":"bundle","type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[` + versionA + `]}`, "bundle", "/type", `"type" appears twice`},
		{"objects twice", head + `"objects":[` + versionA + `],"objects":[]}`, "bundle", "/objects", `"objects" appears twice`},
		{"invalid UTF-8 in the bundle id", "{\"type\":\"bundle\",\"id\":\"bundle--5d0092c5\xff\",\"objects\":[]}", "bundle", "/id", "not valid UTF-8"},
		{"lone surrogate in a bundle-level name", head + `"x_\udfff":1,"objects":[]}`, "bundle", "", "property name"},
		{"number beyond a double at bundle level", head + `"x_n":{"v":[1e400]},"objects":[]}`, "bundle", "/x_n/v/0", "beyond the range"},
		{"bare object with a name twice", ijson(`"name":"A","name":"B"`), ijsonID, "/name", "appears twice"},
		{"bare object whose id is not valid UTF-8", strings.Replace(ijson(`"name":"A"`), ijsonID, "identity--\xff", 1), "", "/id", "not valid UTF-8"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := stix.Parse([]byte(c.input))
			mustDetail(t, err, c.object, c.ptr, c.says)
		})
	}
}

// TestParseNestingLimit: arrays and objects nest at most 10,000 deep in
// each object (the limit of encoding/json and of the RFC 8785 library, so
// what Parse accepts can be canonicalised) and in the bundle's own
// properties; deeper input is EINVALID, not a crash.
func TestParseNestingLimit(t *testing.T) {
	object := func(depth int) string { // depth counts the object itself
		inner := depth - 1
		return ijson(`"name":"A","x_l":` + strings.Repeat("[", inner) + strings.Repeat("]", inner))
	}
	b, err := stix.Parse(bundleOf(object(10000)))
	if err != nil {
		t.Fatalf("depth 10000: %v", err)
	}
	if _, err := stix.Canonical(b.Objects[0]); err != nil {
		t.Errorf("depth 10000: Canonical: %v", err)
	}
	for name, input := range map[string][]byte{
		"an object 10001 deep":           bundleOf(object(10001)),
		"a lone object 10001 deep":       []byte(object(10001)),
		"a bundle property 2^20 deep":    []byte(`{"type":"bundle","x":` + strings.Repeat("[", 1<<20) + strings.Repeat("]", 1<<20) + `}`),
		"a bundle property 10000+1 deep": []byte(`{"type":"bundle","x":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `}`),
	} {
		_, err := stix.Parse(input)
		if !errors.Is(err, &article5.Error{Code: article5.EINVALID}) || !strings.Contains(err.Error(), "depth") && !strings.Contains(err.Error(), "nest") {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

// mustDetail checks that err is EINVALID with a detail on object and ptr
// whose message contains says.
func mustDetail(tb testing.TB, err error, object, ptr, says string) {
	tb.Helper()
	var e *article5.Error
	if !errors.As(err, &e) || e.Code != article5.EINVALID {
		tb.Fatalf("err = %v, want EINVALID", err)
	}
	for _, d := range e.Details {
		if d.Object == object && d.Pointer == ptr && strings.Contains(d.Message, says) {
			return
		}
	}
	tb.Errorf("no detail %s %q saying %q in: %v", object, ptr, says, err)
}
