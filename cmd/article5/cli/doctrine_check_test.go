package cli

import (
	"os"
	"path/filepath"
	"regexp"
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

// TestDoctrineCheckPrintsEveryFault: a file with more than ten faults gets
// each named on the command line, not the first ten and a count.
func TestDoctrineCheckPrintsEveryFault(t *testing.T) {
	src := MustCLI(t, "doctrine", "show", "jp")
	bad := regexp.MustCompile(`(?m)^(  [a-z_]+: )\d+`).ReplaceAllString(src, "${1}-7")
	if n := strings.Count(bad, ": -7"); n <= 10 {
		t.Fatalf("only %d parameters made bad: the test proves nothing", n)
	}
	f := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(f, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errs, code := runCLI(t, "doctrine", "check", f)
	// Each bad value is named once ("= -7", or "= -7.0" for a number read
	// as a double); one of them (accumulation's window) is named by path.
	named := strings.Count(errs, "= -7") + strings.Count(errs, "window_days: expected")
	if code != 2 || strings.Contains(errs, "… and") || named != strings.Count(bad, ": -7") {
		t.Fatalf("doctrine check: exit %d, %d of %d faults named\n%s", code, named, strings.Count(bad, ": -7"), errs)
	}
}
