package stix_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"article5"
	"article5/examples"
	"article5/stix"
)

// TestInteger: a STIX integer is a whole number within ±(2^53−1) (STIX
// 2.1 §2.10), judged by its IEEE 754 double value as RFC 8785 reads it.
func TestInteger(t *testing.T) {
	cases := []struct {
		in   any
		want int64
		bad  string // part of the error message; "" when valid
	}{
		{json.Number("0"), 0, ""},
		{json.Number("-0"), 0, ""},
		{json.Number("-0.0"), 0, ""},
		{json.Number("7"), 7, ""},
		{json.Number("-7"), -7, ""},
		{json.Number("2.0"), 2, ""},
		{json.Number("2e0"), 2, ""},
		{json.Number("1E2"), 100, ""},
		{json.Number("9007199254740991"), stix.MaxInteger, ""},
		{json.Number("-9007199254740991"), -stix.MaxInteger, ""},
		{json.Number("9007199254740992"), 0, "outside the range of a STIX integer"},
		{json.Number("-9007199254740992"), 0, "outside the range"},
		{json.Number("9223372036854775807"), 0, "outside the range"},
		{json.Number("9223372036854775808"), 0, "outside the range"},
		{json.Number("1e16"), 0, "outside the range"},
		{json.Number("1e999"), 0, "outside the range"},
		{json.Number("2.5"), 0, "not a whole number"},
		{json.Number("0.1"), 0, "not a whole number"},
		{json.Number("-1e-1"), 0, "not a whole number"},
		{"12", 0, "a string, not a number"},
		{true, 0, "a boolean, not a number"},
		{nil, 0, "null is null, not a number"},
		{[]any{json.Number("1")}, 0, "not a number"},
		{float64(3), 3, ""},
		{2.5, 0, "not a whole number"},
		{math.Inf(1), 0, "outside the range"},
		{math.NaN(), 0, "outside the range"},
		{int64(1) << 60, 0, "outside the range"},
		{int(42), 42, ""},
	}
	for _, c := range cases {
		t.Run(describeValue(c.in), func(t *testing.T) {
			got, err := stix.Integer(c.in)
			switch {
			case c.bad == "" && (err != nil || got != c.want):
				t.Errorf("Integer = %d, %v; want %d", got, err, c.want)
			case c.bad != "" && (!errors.Is(err, &article5.Error{Code: article5.EINVALID}) || !strings.Contains(err.Error(), c.bad)):
				t.Errorf("Integer = %d, %v; want EINVALID saying %q", got, err, c.bad)
			}
		})
	}
	t.Run("Number accepts any finite double, refuses the rest", func(t *testing.T) {
		for in, ok := range map[any]bool{json.Number("2.5"): true, json.Number("-1e308"): true, json.Number("1e-400"): true,
			json.Number("1e309"): false, "1": false, math.Inf(-1): false, nil: false} {
			if _, err := stix.Number(in); (err == nil) != ok {
				t.Errorf("Number(%v): err = %v", in, err)
			}
		}
	})
}

func describeValue(v any) string { return fmt.Sprintf("%T %v", v, v) }

const (
	winterIncident = "incident--8427b4e1-d27a-49ee-a651-76bc585ab6e3"
	winterAvail    = "impact--727e7cdf-3ad9-4c9e-9e99-bb7f3bbbbae9"
	winterIntegr   = "impact--c2a0aad3-a3d2-4227-835b-1a81510af912"
	winterMoney    = "impact--8e509a0c-2891-4477-b353-6fb952b2338e"
	a5             = "/extensions/" + stix.Article5ExtensionID
	core           = "/extensions/" + stix.IncidentCoreExtensionID
)

// TestValidateNumbers: every count, amount and percentage article5 reads —
// article5's casualties and NORAD numbers, the Incident Core Extension's
// entity counts, criticality and scores, the impact SDO's availability,
// record counts and sizes and monetary amounts — is checked for type and
// range, the error naming the object and the JSON pointer. Before, a count
// of 2.5 or 2^63−1 was stored without a word.
func TestValidateNumbers(t *testing.T) {
	base, err := examples.Read("winter-grid-deaths")
	if err != nil {
		t.Fatal(err)
	}
	if r := stix.Validate(MustParse(t, base)); len(r.Errors()) > 0 {
		t.Fatalf("the example itself is invalid:%s", dump(r))
	}
	cases := []struct {
		name      string
		id, ptr   string // where to set
		value     string // JSON text
		code      string // "" when valid
		issuePtr  string // "" means ptr
		mustQuote string
	}{
		{"casualty count 2^63−1", winterIncident, a5 + "/casualties/0/count", "9223372036854775807", "range", "", "STIX 2.1 §2.10"},
		{"casualty count 2^53", winterIncident, a5 + "/casualties/0/count", "9007199254740992", "range", "", "outside the range"},
		{"casualty count 2^53−1", winterIncident, a5 + "/casualties/0/count", "9007199254740991", "", "", ""},
		{"casualty count 2.5", winterIncident, a5 + "/casualties/1/count", "2.5", "property-type", "", "not a whole number"},
		{"casualty count 2.0 is the integer 2", winterIncident, a5 + "/casualties/1/count", "2.0", "", "", ""},
		{"casualty count 1e2 is the integer 100", winterIncident, a5 + "/casualties/1/count", "1e2", "", "", ""},
		{"casualty count -0 is 0", winterIncident, a5 + "/casualties/1/count", "-0", "", "", ""},
		{"casualty count -1", winterIncident, a5 + "/casualties/0/count", "-1", "range", "", "expected an integer ≥ 0"},
		{"casualty count as a string", winterIncident, a5 + "/casualties/0/count", `"12"`, "property-type", "", "is a string"},
		{"casualty count null", winterIncident, a5 + "/casualties/0/count", `null`, "property-type", "", "is null"},
		{"casualties not a list", winterIncident, a5 + "/casualties", `"twelve"`, "property-type", "", "expected a dictionary or list"},
		{"NORAD number 0", winterIncident, a5 + "/space_objects", `[{"norad_id":0}]`, "range", a5 + "/space_objects/0/norad_id", "≥ 1"},
		{"NORAD number 1.5", winterIncident, a5 + "/space_objects", `[{"norad_id":1.5}]`, "property-type", a5 + "/space_objects/0/norad_id", "whole"},
		{"entity count of the incident 2.5", winterIncident, core + "/impacted_entity_counts/individual", "2.5", "property-type", "", "entity-count"},
		{"entity count of the incident negative", winterIncident, core + "/impacted_entity_counts/facilities", "-9", "range", "", "≥ 0"},
		{"entity count of the incident 1e300", winterIncident, core + "/impacted_entity_counts/individual", "1e300", "range", "", "outside the range"},
		{"entity counts not a dictionary", winterIncident, core + "/impacted_entity_counts", "7", "property-type", "", "dictionary"},
		{"criticality 2^53", winterIncident, core + "/criticality", "9007199254740992", "range", "", "STIX 2.1 §2.10"},
		{"criticality 101", winterIncident, core + "/criticality", "101", "range", "", "0–100"},
		{"score that is not a number", winterIncident, core + "/scores", `[{"name":"x","value":"high"}]`, "property-type", core + "/scores/0/value", "a number"},
		{"score of any finite value", winterIncident, core + "/scores", `[{"name":"x","value":-12.5}]`, "", "", ""},
		{"availability 101 percent", winterAvail, "/extensions/availability/availability_impact", "101", "range", "", "≤ 100"},
		{"availability 50.5 percent", winterAvail, "/extensions/availability/availability_impact", "50.5", "property-type", "", "whole"},
		{"impact entity count 2^53", winterAvail, "/impacted_entity_counts/individual", "9007199254740992", "range", "", "outside the range"},
		{"impact criticality 2.5", winterAvail, "/criticality", "2.5", "property-type", "", "whole"},
		{"record count negative", winterIntegr, "/extensions/integrity/record_count", "-1", "range", "", "≥ 0"},
		{"record size fractional", winterIntegr, "/extensions/integrity/record_size", "1.5", "property-type", "", "whole"},
		{"max amount zero", winterMoney, "/extensions/monetary/max_amount", "0", "range", "", "> 0"},
		{"max amount negative", winterMoney, "/extensions/monetary/max_amount", "-60000000", "range", "", "> 0"},
		{"min amount as a string", winterMoney, "/extensions/monetary/min_amount", `"40000000"`, "property-type", "", "a number"},
		{"max amount fractional is fine", winterMoney, "/extensions/monetary/max_amount", "60000000.5", "", "", ""},
		{"conversion rate zero", winterMoney, "/extensions/monetary/conversion_rate", "0", "range", "", "> 0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := stix.Validate(MustParse(t, setJSON(t, base, c.id, c.ptr, c.value)))
			if c.code == "" {
				if len(r.Errors()) > 0 {
					t.Fatalf("errors:%s", dump(r))
				}
				return
			}
			want := c.issuePtr
			if want == "" {
				want = c.ptr
			}
			is, ok := findIssue(r, stix.SeverityError, c.code, want)
			if !ok || is.Object != c.id || !strings.Contains(is.Message, c.mustQuote) {
				t.Fatalf("want %s on %s %s saying %q; issues:%s", c.code, c.id, want, c.mustQuote, dump(r))
			}
		})
	}
	t.Run("a copy of the Incident Core definition in the bundle does not lift its rules", func(t *testing.T) {
		def := `{"type":"extension-definition","spec_version":"2.1","id":"` + stix.IncidentCoreExtensionID + `","created_by_ref":"identity--169612a8-b4f8-4371-9087-e3ae6513ac57","created":"2022-01-01T00:00:00.000Z","modified":"2022-01-01T00:00:00.000Z","name":"Incident Core Extension","schema":"https://example.invalid/schema.json","version":"2.0.0","extension_types":["property-extension"]}`
		data := setJSON(t, base, winterIncident, core+"/impacted_entity_counts/individual", "2.5")
		data = bytes.Replace(data, []byte(`"objects":[`), []byte(`"objects":[`+def+`,`), 1)
		r := stix.Validate(MustParse(t, data))
		if _, ok := findIssue(r, stix.SeverityError, "property-type", core+"/impacted_entity_counts/individual"); !ok {
			t.Errorf("issues:%s", dump(r))
		}
	})
	t.Run("STIX integers elsewhere are held to ±(2^53−1) too", func(t *testing.T) {
		file := `{"type":"file","spec_version":"2.1","id":"file--e277603e-1060-5ad4-9937-c26c97f1ca68","name":"a","size":9007199254740992}`
		r := validate(t, bundleOf(file))
		if _, ok := findIssue(r, stix.SeverityError, "range", "/size"); !ok {
			t.Errorf("issues:%s", dump(r))
		}
	})
}

// TestNumberRulesMatchExtensionSchema: for article5's own extension, the
// native rules and the published JSON Schema (extension/schema.json, the
// oracle) agree on every casualty count and NORAD number below.
func TestNumberRulesMatchExtensionSchema(t *testing.T) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(article5.ExtensionSchema()))
	if err != nil {
		t.Fatal(err)
	}
	comp := jsonschema.NewCompiler()
	const url = "https://article5.invalid/extension/v1/schema.json"
	if err := comp.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	schema, err := comp.Compile(url + "#/$defs/incident-extension")
	if err != nil {
		t.Fatal(err)
	}
	base, err := examples.Read("winter-grid-deaths")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"0", "-0", "1", "2.0", "1e2", "-1", "2.5", "9007199254740991", "9007199254740992", "9223372036854775807", `"3"`, "null"} {
		for _, at := range []string{"/casualties/0/count", "/space_objects/0/norad_id"} {
			payload := `{"extension_type":"property-extension","domain":"cyber","casualties":[{"outcome":"death","count":0,"causation":"direct","status":"confirmed"}],"space_objects":[{"norad_id":1}]}`
			payload = string(setRaw(t, []byte(payload), at, v))
			inst, err := jsonschema.UnmarshalJSON(strings.NewReader(payload))
			if err != nil {
				t.Fatal(err)
			}
			schemaOK := schema.Validate(inst) == nil
			r := stix.Validate(MustParse(t, setJSON(t, base, winterIncident, a5, payload)))
			nativeOK := len(r.Errors()) == 0
			if schemaOK != nativeOK {
				t.Errorf("%s = %s: schema valid %v, Validate valid %v:%s", at, v, schemaOK, nativeOK, dump(r))
			}
		}
	}
}

// setJSON returns the bundle data with the value at pointer ptr of the
// object id replaced by the JSON text value (maps created as needed).
func setJSON(tb testing.TB, data []byte, id, ptr, value string) []byte {
	tb.Helper()
	var b map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&b); err != nil {
		tb.Fatal(err)
	}
	for _, o := range b["objects"].([]any) {
		m := o.(map[string]any)
		if m["id"] != id {
			continue
		}
		raw, err := json.Marshal(m)
		if err != nil {
			tb.Fatal(err)
		}
		var obj any
		d := json.NewDecoder(bytes.NewReader(setRaw(tb, raw, ptr, value)))
		d.UseNumber()
		if err := d.Decode(&obj); err != nil {
			tb.Fatal(err)
		}
		for k := range m {
			delete(m, k)
		}
		for k, v := range obj.(map[string]any) {
			m[k] = v
		}
		out, err := json.Marshal(b)
		if err != nil {
			tb.Fatal(err)
		}
		return out
	}
	tb.Fatalf("no object %s", id)
	return nil
}

// setRaw sets the JSON text value at pointer ptr of the JSON object text
// data, keeping numbers as written.
func setRaw(tb testing.TB, data []byte, ptr, value string) []byte {
	tb.Helper()
	var root any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&root); err != nil {
		tb.Fatal(err)
	}
	toks := strings.Split(ptr[1:], "/")
	cur := root
	for i, tok := range toks {
		last := i == len(toks)-1
		switch c := cur.(type) {
		case map[string]any:
			if last {
				c[tok] = json.RawMessage(value)
				break
			}
			next, ok := c[tok]
			if !ok {
				next = map[string]any{}
				c[tok] = next
			}
			cur = next
		case []any:
			n, err := strconv.Atoi(tok)
			if err != nil || n >= len(c) {
				tb.Fatalf("setRaw: bad index %q in %s", tok, ptr)
			}
			if last {
				c[n] = json.RawMessage(value)
				break
			}
			cur = c[n]
		default:
			tb.Fatalf("setRaw: %s does not lead to a container", ptr)
		}
	}
	out, err := json.Marshal(root)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}
