package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"article5/cmd/article5/cli"
	"article5/examples"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// run runs the CLI and returns stdout, stderr and the exit code.
func run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	err := cli.Run(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), cli.ExitCode(err)
}

// TestAssessTextGolden renders every example as text and compares it with
// its golden file (go test ./cmd/article5/cli -update rewrites them).
func TestAssessTextGolden(t *testing.T) {
	for _, name := range examples.Names() {
		t.Run(name, func(t *testing.T) {
			out, errs, code := run(t, "assess", "--example", name)
			if code != cli.ExitOK {
				t.Fatalf("exit %d: %s", code, errs)
			}
			golden := filepath.Join("testdata", name+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create)", err)
			}
			if out != string(want) {
				t.Errorf("text report differs from %s (run with -update after checking the change)\n%s", golden, firstDiff(string(want), out))
			}
		})
	}
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) && i < len(bl); i++ {
		if al[i] != bl[i] {
			return "line " + itoa(i+1) + ":\n- " + al[i] + "\n+ " + bl[i]
		}
	}
	return "lengths differ"
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}

func TestAssessJSONShape(t *testing.T) {
	out, errs, code := run(t, "assess", "--format", "json", "--example", "winter-grid-deaths")
	if code != cli.ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var rep map[string]any
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"case", "evidence_digest", "hash", "scope", "assessments", "divergence", "incidents"} {
		if _, ok := rep[k]; !ok {
			t.Errorf("JSON report lacks %q", k)
		}
	}
	as := rep["assessments"].(map[string]any)
	jp := as["jp"].(map[string]any)
	for _, k := range []string{"doctrine", "use_of_force", "armed_attack", "attribution", "severity", "priority", "tier", "self_defence_available", "cumulative", "changes_if"} {
		if _, ok := jp[k]; !ok {
			t.Errorf("assessment A lacks %q", k)
		}
	}
	f := jp["use_of_force"].(map[string]any)["factors"].([]any)[0].(map[string]any)
	for _, k := range []string{"name", "score", "reasons", "evidence"} {
		if _, ok := f[k]; !ok {
			t.Errorf("factor lacks %q", k)
		}
	}
}

func TestAssessSingleDoctrineAndFile(t *testing.T) {
	data, err := examples.Read("dam-control")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "case.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	out, errs, code := run(t, "assess", "--doctrine", "us", "--format", "json", path)
	if code != cli.ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var rep struct {
		Assessments map[string]json.RawMessage `json:"assessments"`
		Divergence  []any                      `json:"divergence"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Assessments) != 1 || rep.Assessments["us"] == nil {
		t.Errorf("want only the us doctrine, got %d", len(rep.Assessments))
	}
	if len(rep.Divergence) != 0 {
		t.Errorf("one doctrine cannot diverge, got %d entries", len(rep.Divergence))
	}
}

// TestExitCodes: assessed 0; invalid input 2 with a precise message;
// nothing panics.
func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	dam, _ := examples.Read("dam-control")
	tests := []struct {
		name  string
		args  []string
		code  int
		wants []string
	}{
		{"malformed JSON", []string{"assess", write("bad.json", `{"type":"bundle","objects":[{"type":"incident",}]}`)}, cli.ExitInvalid, []string{"bad.json", "line 1"}},
		{"spec_version 2.2", []string{"assess", write("v22.json", strings.Replace(string(dam), `"spec_version": "2.1"`, `"spec_version": "2.2"`, 1))}, cli.ExitInvalid, []string{"/spec_version"}},
		{"no such file", []string{"assess", filepath.Join(dir, "nope.json")}, cli.ExitInvalid, []string{"no such file"}},
		{"no incident", []string{"assess", write("empty.json", `{"type":"bundle","id":"bundle--b33ec8b4-9eea-4c76-b191-2564f829e8db","objects":[]}`)}, cli.ExitInvalid, []string{"no incident"}},
		{"unknown doctrine", []string{"assess", "--doctrine", "fr", "--example", "dam-control"}, cli.ExitInvalid, []string{"no built-in doctrine"}},
		{"doctrine type error", []string{"assess", "--doctrine", write("d.yaml", "id: x\nversion: \"1\"\ntiers:\n  - tier: below-threshold\n    when: \"deaths > 1\"\n"), "--example", "dam-control"}, cli.ExitInvalid, []string{"d.yaml line 5", "optional_type(int)"}},
		{"bad format", []string{"assess", "--format", "xml", "--example", "dam-control"}, cli.ExitInvalid, []string{"--format"}},
		{"unknown flag", []string{"assess", "--frobnicate"}, cli.ExitInvalid, []string{"frobnicate"}},
		{"too large", []string{"assess", "--max-bytes", "100", write("big.json", string(dam))}, cli.ExitInvalid, []string{"limit"}},
		{"bad article5 fact", []string{"assess", write("badfact.json", strings.Replace(string(dam), `"domain": "cyber"`, `"domain": "sea"`, 1))}, cli.ExitInvalid, []string{"/domain", "cyber, space, electromagnetic"}},
		{"same version twice, different content", []string{"assess", write("dup.json", duplicateVersion(t, dam))}, cli.ExitInvalid, []string{"incident--", "different content"}},
		{"200 MB file", []string{"assess", sparse(t, dir, "huge.json", 200<<20)}, cli.ExitInvalid, []string{"huge.json", "209715200 bytes", "--max-bytes"}},
		{"impossible coordinates", []string{"assess", write("lat.json", badLatitude(t, dam))}, cli.ExitInvalid, []string{"/latitude"}},
		{"assessed", []string{"assess", "--example", "dam-control"}, cli.ExitOK, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, errs, code := run(t, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tc.code, errs)
			}
			for _, w := range tc.wants {
				if !strings.Contains(errs, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errs)
				}
			}
		})
	}
}

// duplicateVersion adds a second copy of the bundle's first incident with
// the same id and modified but a different name.
func duplicateVersion(t *testing.T, data []byte) string {
	t.Helper()
	var b map[string]any
	if err := json.Unmarshal(data, &b); err != nil {
		t.Fatal(err)
	}
	objs := b["objects"].([]any)
	for _, o := range objs {
		m := o.(map[string]any)
		if m["type"] == "incident" {
			c := map[string]any{}
			for k, v := range m {
				c[k] = v
			}
			c["name"] = "a different account of the same version"
			b["objects"] = append(objs, c)
			break
		}
	}
	out, _ := json.Marshal(b)
	return string(out)
}

// badLatitude sets the first location's latitude to 91.
func badLatitude(t *testing.T, data []byte) string {
	t.Helper()
	var b map[string]any
	if err := json.Unmarshal(data, &b); err != nil {
		t.Fatal(err)
	}
	for _, o := range b["objects"].([]any) {
		m := o.(map[string]any)
		if m["type"] == "location" {
			if _, ok := m["latitude"]; ok {
				m["latitude"] = 91.0
				break
			}
		}
	}
	out, _ := json.Marshal(b)
	return string(out)
}

// sparse makes a file of the given size without writing its bytes.
func sparse(t *testing.T, dir, name string, size int64) string {
	t.Helper()
	p := filepath.Join(dir, name)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestExtensionCommand(t *testing.T) {
	out, errs, code := run(t, "extension", "bundle")
	if code != cli.ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var b struct {
		Objects []map[string]any `json:"objects"`
	}
	if err := json.Unmarshal([]byte(out), &b); err != nil {
		t.Fatal(err)
	}
	if len(b.Objects) != 2 || b.Objects[1]["id"] != "extension-definition--7e1ad871-e324-4401-b26f-04600fa74dcd" {
		t.Fatalf("unexpected bundle: %s", out)
	}
}

// TestOutOfScopeTierIsQualified: a case outside the territories under the
// administration of Japan that reaches armed-attack gravity (NotPetya) is
// not reported as engaging Article V without the qualification that the
// scope rules it out; a case in Japan carries no such line.
func TestOutOfScopeTierIsQualified(t *testing.T) {
	out, errs, code := run(t, "assess", "--casebook", "notpetya-2017")
	if code != 0 {
		t.Fatalf("assess notpetya: %d %s", code, errs)
	}
	flat := strings.Join(strings.Fields(out), " ")
	if !strings.Contains(flat, "Tier: armed-attack-possible") {
		t.Fatalf("the case no longer reaches armed-attack gravity; choose another: %s", out)
	}
	if n := strings.Count(flat, "so Article V is not engaged whatever the tier"); n != 2 {
		t.Fatalf("%d doctrine sections qualify the tier by the scope, want 2:\n%s", n, out)
	}
	in, _, _ := run(t, "assess", "--example", "dam-control")
	if strings.Contains(strings.Join(strings.Fields(in), " "), "Article V is not engaged") {
		t.Fatalf("a case in Japan is qualified as out of scope:\n%s", in)
	}
}
