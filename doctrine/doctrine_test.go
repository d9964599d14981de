package doctrine_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"article5"
	"article5/doctrine"
)

// MustDefault loads a built-in doctrine or fails the test.
func MustDefault(tb testing.TB, id string) *doctrine.Doctrine {
	tb.Helper()
	d, err := doctrine.Default(id)
	if err != nil {
		tb.Fatalf("load %s: %v", id, err)
	}
	return d
}

// MustFacts builds an incident's facts from name → value (ints as int).
func MustFacts(tb testing.TB, m map[string]any) *article5.Facts {
	tb.Helper()
	f := article5.NewFacts("incident--00000000-0000-4000-8000-000000000000")
	for k, v := range m {
		if _, ok := article5.FactIndex(k); !ok {
			tb.Fatalf("unknown fact %q", k)
		}
		if i, ok := v.(int); ok {
			v = int64(i)
		}
		f.Set(k, v, article5.Evidence{Object: "test", Pointer: "/" + k})
	}
	return f
}

func TestDefaultsLoad(t *testing.T) {
	for _, id := range doctrine.DefaultIDs {
		t.Run(id, func(t *testing.T) {
			d := MustDefault(t, id)
			if d.ID != id || d.Version == "" || len(d.SHA256) != 64 {
				t.Fatalf("got id %q version %q sha256 %q", d.ID, d.Version, d.SHA256)
			}
			again := MustDefault(t, id)
			if again.SHA256 != d.SHA256 {
				t.Fatal("sha256 differs between loads")
			}
		})
	}
}

func TestLoadFromFileAndUnknownRef(t *testing.T) {
	src, err := doctrine.DefaultSource("us")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "mine.yaml")
	mine := strings.Replace(string(src), "id: us", "id: us-variant", 1)
	if err := os.WriteFile(path, []byte(mine), 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := doctrine.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if d.ID != "us-variant" {
		t.Fatalf("id %q", d.ID)
	}
	if _, err := doctrine.Load("nato"); !errors.Is(err, &article5.Error{Code: article5.ENOTFOUND}) {
		t.Fatalf("unknown built-in: got %v", err)
	}
	if _, err := doctrine.Load("./missing.yaml"); !errors.Is(err, &article5.Error{Code: article5.ENOTFOUND}) {
		t.Fatalf("missing file: got %v", err)
	}
}

// TestParseErrors proves each kind of doctrine fault is refused with the
// line and the YAML path named.
func TestParseErrors(t *testing.T) {
	base, err := doctrine.DefaultSource("jp")
	if err != nil {
		t.Fatal(err)
	}
	src := string(base)
	lineOf := func(s, needle string) int {
		i := strings.Index(s, needle)
		if i < 0 {
			t.Fatalf("needle %q not in doctrine", needle)
		}
		return strings.Count(s[:i], "\n") + 1
	}
	tests := []struct {
		name      string
		old, new  string
		wantLine  bool
		wantParts []string
	}{
		{"unknown top-level field", "id: jp\n", "id: jp\nthreshold: 3\n", true, []string{"threshold"}},
		{"type error in a rule", `when: "organised_and_planned.orValue(false)"`, `when: "organised_and_planned.orValue(0) > 1"`, true, []string{"armed_attack.criteria[4].when"}},
		{"unknown fact", `when: "military_target.orValue(false) || us_facility.orValue(false)"`, `when: "military_targets.orValue(false)"`, true, []string{"undeclared reference", "military_targets"}},
		{"optional used as a value", `when: "deaths.orValue(0) > 100"`, `when: "deaths > 100"`, true, []string{"severity[0]"}},
		{"rule reads a later stage", `when: "uof.presumptive_legality >= 2 &&`, `when: "tier == 'x' && uof.presumptive_legality >= 2 &&`, true, []string{"tier", "computed later"}},
		{"non-boolean condition", `when: "aa.met && uof.met && attribution.sufficient"`, `when: "1 + 1"`, true, []string{"tiers[3].when", "bool"}},
		{"unknown tier", "tier: use-of-force-possible\n", "tier: use-of-force\n", true, []string{"tiers[4].tier"}},
		{"no fallback tier", "  - tier: below-threshold\n    name: below-threshold\n    when: \"true\"", "  - tier: below-threshold\n    name: below-threshold\n    when: \"false\"", false, []string{"last tier rule"}},
		{"unknown needed fact", "needed:\n  - fact: state_nexus", "needed:\n  - fact: nexus", false, []string{"needed[0]", "nexus"}},
		{"probe of wrong type", `values: ["params.aa_deaths_direct", "101"]`, `values: ["'many'"]`, true, []string{"probes[0].values[0]", "int"}},
		{"bad accumulation originator", "originator: state", "originator: everyone", false, []string{"accumulation.originator"}},
		{"not YAML", "id: jp\n", "id: [jp\n", false, []string{"does not parse"}},
		{"presumption of a derived fact", "presumptions:\n  - fact: organised_and_planned", "presumptions:\n  - fact: ci_sector_count", false, []string{"presumptions[0].fact", "derived"}},
		{"presumption without its rebuttal", `    rebuttal: "the operation were shown not to be organised and planned"`, `    rebuttal: ""`, false, []string{"presumptions[0].rebuttal"}},
		{"presumption rebutted by an unknown fact", "rebutted_by: {fact: organised_and_planned, value: \"false\"}", "rebutted_by: {fact: planned, value: \"false\"}", false, []string{"presumptions[0].rebutted_by.fact"}},
		{"requirement of the wrong type", `established: "operation_type.hasValue() ||`, `established: "operation_type ||`, false, []string{"below_threshold_requires[0].established"}},
		{"checklist of an unknown fact", "checklist:\n  - fact: operation_type", "checklist:\n  - fact: operation", false, []string{"checklist[0].fact"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(src, tc.old) {
				t.Fatalf("test is stale: %q not in jp.yaml", tc.old)
			}
			bad := strings.Replace(src, tc.old, tc.new, 1)
			_, err := doctrine.Parse("bad.yaml", []byte(bad))
			if err == nil {
				t.Fatal("accepted a faulty doctrine")
			}
			var e *article5.Error
			if !errors.As(err, &e) || e.Code != article5.EINVALID {
				t.Fatalf("want EINVALID, got %v", err)
			}
			msg := err.Error()
			for _, part := range tc.wantParts {
				if !strings.Contains(msg, part) {
					t.Errorf("message lacks %q:\n%s", part, msg)
				}
			}
			if tc.wantLine {
				want := lineOf(bad, tc.new)
				found := false
				for _, d := range e.Details {
					if d.Line == want || d.Line == want+1 || strings.Contains(d.Message, "line "+itoa(want)) || strings.Contains(d.Message, "["+itoa(want)) {
						found = true
					}
				}
				if !found && !strings.Contains(msg, itoa(want)) {
					t.Errorf("no detail names line %d:\n%s", want, msg)
				}
			}
		})
	}
}

func itoa(i int) string {
	const digits = "0123456789"
	if i == 0 {
		return "0"
	}
	var b []byte
	for i > 0 {
		b = append([]byte{digits[i%10]}, b...)
		i /= 10
	}
	return string(b)
}

// TestParseYAMLFaultPosition: a file that is not YAML, or names a property
// the format does not have, is refused with the fault's line in the
// detail (Detail.Line) and its column at the head of the message, so that
// an editor or the web page can point at it.
func TestParseYAMLFaultPosition(t *testing.T) {
	base, err := doctrine.DefaultSource("jp")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(base), "\n")
	for _, tc := range []struct {
		name, insert string
		col          int
	}{
		{"unknown property", "no_such_property: 1", 1},
		{"unclosed flow sequence", "extra: [1, 2", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			at := 7 // after the header comment and id, version, party
			src := strings.Join(append(append(append([]string{}, lines[:at]...), tc.insert), lines[at:]...), "\n")
			_, err := doctrine.Parse("jp.yaml", []byte(src))
			var e *article5.Error
			if !errors.As(err, &e) || e.Code != article5.EINVALID || len(e.Details) != 1 {
				t.Fatalf("want one EINVALID detail, got %v", err)
			}
			d := e.Details[0]
			if d.Line < at+1 || d.Line > at+2 || !strings.HasPrefix(d.Message, "column "+itoa(tc.col)+": ") {
				t.Errorf("detail %+v: want line %d (or the next) and column %d", d, at+1, tc.col)
			}
		})
	}
}
