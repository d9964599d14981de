package cli_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"article5/cmd/article5/cli"
	"article5/examples"
)

const (
	winterIncident = "incident--8427b4e1-d27a-49ee-a651-76bc585ab6e3"
	winterA5       = "/extensions/extension-definition--7e1ad871-e324-4401-b26f-04600fa74dcd"
)

// TestAssessNumbersAndMalformedInput: 'article5 assess FILE' on the inputs
// of the "numbers and bad input" report and their variants. Each used to
// exit 0 with a wrong tier (a wrapped casualty sum) or 3 ("internal
// error"); invalid input now exits 2 naming the object and the JSON
// pointer of the fault, and the valid extremes are assessed.
func TestAssessNumbersAndMalformedInput(t *testing.T) {
	winter, err := examples.Read("winter-grid-deaths")
	if err != nil {
		t.Fatal(err)
	}
	text := func(old, new string) []byte {
		if !bytes.Contains(winter, []byte(old)) {
			t.Fatalf("the example has no %q", old)
		}
		return bytes.Replace(winter, []byte(old), []byte(new), 1)
	}
	casualties := func(counts ...string) []byte {
		var b map[string]any
		dec := json.NewDecoder(bytes.NewReader(winter))
		dec.UseNumber()
		if err := dec.Decode(&b); err != nil {
			t.Fatal(err)
		}
		var list []any
		for _, c := range counts {
			list = append(list, map[string]any{"outcome": "death", "count": json.RawMessage(c), "causation": "direct", "status": "confirmed"})
		}
		for _, o := range b["objects"].([]any) {
			if m := o.(map[string]any); m["id"] == winterIncident {
				m["extensions"].(map[string]any)[strings.TrimPrefix(winterA5, "/extensions/")].(map[string]any)["casualties"] = list
			}
		}
		out, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	dir := t.TempDir()
	cases := []struct {
		name  string
		input []byte
		code  int
		wants []string // in stderr (or stdout when assessed)
	}{
		{"count 2^63−1 beside 2", casualties("9223372036854775807", "2"), cli.ExitInvalid,
			[]string{winterIncident, winterA5 + "/casualties/0/count", "outside the range of a STIX integer"}},
		{"count 2.5", casualties("2.5"), cli.ExitInvalid, []string{winterIncident, winterA5 + "/casualties/0/count", "not a whole number"}},
		{"count 2^53", casualties("1", "9007199254740992"), cli.ExitInvalid, []string{winterA5 + "/casualties/1/count"}},
		{"count -1", casualties("-1"), cli.ExitInvalid, []string{winterA5 + "/casualties/0/count", "≥ 0"}},
		{"count as a string", casualties(`"12"`), cli.ExitInvalid, []string{winterA5 + "/casualties/0/count", "is a string"}},
		{"count 1e999", text(`"count": 12,`, `"count": 1e999,`), cli.ExitInvalid, []string{winterIncident, winterA5 + "/casualties/0/count", "IEEE 754 double"}},
		{"invalid UTF-8 in a string", text(`"name": "HYPOTHETICAL: winter`, "\"name\": \"\xff\xfeHYPOTHETICAL: winter"), cli.ExitInvalid, []string{winterIncident, " /name:", "not valid UTF-8"}},
		{"invalid UTF-8 in a property name", text(`"military_target": false`, "\"military_\xfftarget\": false"), cli.ExitInvalid, []string{winterIncident, winterA5 + ":", "property name"}},
		{`lone surrogate \ud800 in a string`, text(`"name": "HYPOTHETICAL: winter`, `"name": "\ud800 HYPOTHETICAL: winter`), cli.ExitInvalid, []string{winterIncident, " /name:", "unpaired UTF-16 surrogate"}},
		{"a name twice in an object", text(`"outcome": "death",`, `"outcome": "death", "outcome": "injury",`), cli.ExitInvalid, []string{winterIncident, winterA5 + "/casualties/0/outcome", "appears twice"}},
		{"a name twice in a nested dictionary", text(`"individual": 450000,`, `"individual": 1, "individual": 450000,`), cli.ExitInvalid, []string{"impact--727e7cdf-3ad9-4c9e-9e99-bb7f3bbbbae9 /impacted_entity_counts/individual", "appears twice"}},
		{"a name twice at bundle level", text(`"type": "bundle",`, `"type": "bundle", "type": "bundle",`), cli.ExitInvalid, []string{"bundle /type", "appears twice"}},
		{"count 2^53−1 is assessed", casualties("9007199254740991"), cli.ExitOK, []string{"armed-attack-possible"}},
		{"count -0 is assessed as 0", casualties("-0"), cli.ExitOK, []string{"Assessment hash"}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, "case"+itoa(i)+".json")
			if err := os.WriteFile(path, c.input, 0o600); err != nil {
				t.Fatal(err)
			}
			out, errs, code := run(t, "assess", path)
			if code != c.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, c.code, errs)
			}
			got := errs
			if code == cli.ExitOK {
				got = out
			}
			for _, w := range c.wants {
				if !strings.Contains(got, w) {
					t.Errorf("output lacks %q:\n%s", w, got)
				}
			}
			if strings.Contains(errs, "internal error") {
				t.Errorf("an input fault reported as an internal error:\n%s", errs)
			}
		})
	}
}
