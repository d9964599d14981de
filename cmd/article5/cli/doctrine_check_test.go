package cli

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestDoctrineCheckRefusesOutOfRangeParameters: the file a user made of
// `doctrine show jp` with a confidence of 600 and -5 direct deaths is
// refused (exit 2), each value named with its line, column, parameter,
// the value and the range expected; nothing is reported ok.
func TestDoctrineCheckRefusesOutOfRangeParameters(t *testing.T) {
	src := MustCLI(t, "doctrine", "show", "jp")
	for _, r := range [][2]string{
		{"attribution_confidence_needed: 60\n", "attribution_confidence_needed: 600\n"},
		{"aa_deaths_direct: 5 ", "aa_deaths_direct: -5 "},
	} {
		if !strings.Contains(src, r[0]) {
			t.Fatalf("doctrine show jp has no %q", r[0])
		}
		src = strings.Replace(src, r[0], r[1], 1)
	}
	m3 := filepath.Join(t.TempDir(), "m3.yaml")
	if err := os.WriteFile(m3, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	lineOf := func(s string) string {
		return strconv.Itoa(1 + strings.Count(src[:strings.Index(src, s)], "\n"))
	}
	out, errs, code := runCLI(t, "doctrine", "check", m3)
	if code != 2 || strings.Contains(out, "ok") {
		t.Fatalf("doctrine check: exit %d, stdout %q; want exit 2 and no ok", code, out)
	}
	for _, want := range []string{
		"m3.yaml line " + lineOf("attribution_confidence_needed: 600") + " parameters.attribution_confidence_needed: column 34: attribution_confidence_needed = 600: expected a STIX confidence: a whole number from 0 to 100",
		"m3.yaml line " + lineOf("aa_deaths_direct: -5") + " parameters.aa_deaths_direct: column 21: aa_deaths_direct = -5: expected a number of persons: a whole number of at least 1",
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("doctrine check: stderr %q; want %q", errs, want)
		}
	}
}
