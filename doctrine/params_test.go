package doctrine_test

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"article5"
	"article5/doctrine"
)

// withParam returns the jp source with the parameter name set to value
// (added at the top of the section if jp does not set it), and the line
// of the value.
func withParam(t *testing.T, name, value string) ([]byte, int) {
	t.Helper()
	src, err := doctrine.DefaultSource("jp")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(name) + `: [^#\n]*`)
	s := string(src)
	if loc := re.FindStringIndex(s); loc != nil {
		s = s[:loc[0]] + "  " + name + ": " + value + " " + s[loc[1]:]
	} else {
		s = strings.Replace(s, "\nparameters:\n", "\nparameters:\n  "+name+": "+value+"\n", 1)
	}
	i := strings.Index(s, "\n  "+name+": ")
	return []byte(s), strings.Count(s[:i+1], "\n") + 1
}

// mustRefuse parses src and returns the one detail the parser gives,
// failing unless it is EINVALID with exactly one detail.
func mustRefuse(t *testing.T, src []byte) article5.Detail {
	t.Helper()
	_, err := doctrine.Parse("m3.yaml", src)
	var e *article5.Error
	if !errors.As(err, &e) || e.Code != article5.EINVALID || len(e.Details) != 1 {
		t.Fatalf("Parse: %v; want EINVALID with one detail", err)
	}
	return e.Details[0]
}

// TestParameterRanges refuses, for every parameter of the table, values
// outside its kind, naming the line and column of the value, the
// parameter, the value given and what was expected; values inside are
// taken.
func TestParameterRanges(t *testing.T) {
	bad := map[string][]string{
		doctrine.KindConfidence.Name: {"600", "101", "-1", "59.5", `"60"`, "true"},
		doctrine.KindPercent.Name:    {"101", "-10", "90.5", "null"},
		doctrine.KindPersons.Name:    {"-5", "0", "2.5", `"ten"`},
		doctrine.KindUSD.Name:        {"-1.0", "0", "0.5", ".nan", "[1]"},
		doctrine.KindBool.Name:       {"1", `"true"`, "{}"},
		"int hours":                  {"-1", "12.5"},
		"double hours":               {"-0.5", "-.inf", `"72h"`},
	}
	good := map[string][]string{
		doctrine.KindConfidence.Name: {"0", "100"},
		doctrine.KindPercent.Name:    {"0", "100"},
		doctrine.KindPersons.Name:    {"1", "3.0"},
		doctrine.KindUSD.Name:        {"1", "2.5e9"},
		doctrine.KindBool.Name:       {"true", "false"},
		"int hours":                  {"0", "36"},
		"double hours":               {"0", "72", "0.5"},
	}
	for _, p := range doctrine.Parameters {
		kind := p.Kind.Name
		if kind == "hours" {
			kind = p.Kind.Type + " hours"
		}
		if bad[kind] == nil || good[kind] == nil {
			t.Fatalf("parameter %s: no test values for its kind %q", p.Name, kind)
		}
		for _, v := range bad[kind] {
			t.Run(p.Name+"="+v, func(t *testing.T) {
				src, line := withParam(t, p.Name, v)
				if p.Name == "aa_deaths_total" {
					src, _ = withParamIn(t, src, "aa_deaths_direct", "1")
				}
				d := mustRefuse(t, src)
				want := fmt.Sprintf("%s = %s: expected %s", p.Name, v, p.Kind.Expected)
				if d.Line != line || d.Pointer != "parameters."+p.Name || !strings.HasPrefix(d.Message, "column ") || !strings.Contains(d.Message, want) {
					t.Fatalf("got %s (line %d); want line %d, a column and %q", d, d.Line, line, want)
				}
			})
		}
		for _, v := range good[kind] {
			src, _ := withParam(t, p.Name, v)
			if strings.HasPrefix(p.Name, "aa_deaths_") {
				src, _ = withParamIn(t, src, "aa_deaths_direct", "1")
			}
			if _, err := doctrine.Parse("m3.yaml", src); err != nil {
				t.Errorf("%s = %s refused: %v", p.Name, v, err)
			}
		}
	}
}

// withParamIn is withParam on src rather than the jp source.
func withParamIn(t *testing.T, src []byte, name, value string) ([]byte, int) {
	t.Helper()
	re := regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(name) + `: [^#\n]*`)
	loc := re.FindIndex(src)
	if loc == nil {
		t.Fatalf("no parameter %s", name)
	}
	s := string(src[:loc[0]]) + "  " + name + ": " + value + " " + string(src[loc[1]:])
	return []byte(s), strings.Count(string(src[:loc[0]]), "\n") + 1
}

func TestParameterUnknownRefused(t *testing.T) {
	src, line := withParam(t, "aa_deaths_directt", "5")
	d := mustRefuse(t, src)
	if d.Line != line || !strings.Contains(d.Message, `unknown parameter "aa_deaths_directt"`) || !strings.Contains(d.Message, "aa_deaths_direct,") {
		t.Fatalf("got %s; want line %d naming the parameter and the known ones", d, line)
	}
}

// TestParameterOrder refuses a direct-deaths threshold above the total
// one: the total counts direct deaths too.
func TestParameterOrder(t *testing.T) {
	src, _ := withParam(t, "aa_deaths_direct", "20")
	d := mustRefuse(t, src)
	_, line := withParam(t, "aa_deaths_total", "10")
	if d.Line != line || d.Pointer != "parameters.aa_deaths_total" || !strings.Contains(d.Message, "aa_deaths_total = 10: expected at least aa_deaths_direct (20)") {
		t.Fatalf("got %s; want line %d", d, line)
	}
}

// TestFactorScoreRange refuses a Schmitt factor score off the 0–3 scale.
func TestFactorScoreRange(t *testing.T) {
	src, err := doctrine.DefaultSource("jp")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(src), "        - score: 3\n", "        - score: 4\n", 1)
	line := strings.Count(s[:strings.Index(s, "score: 4")], "\n") + 2 // the level's when: is on the next line
	d := mustRefuse(t, []byte(s))
	if d.Line != line || !strings.HasSuffix(d.Pointer, ".score") || !strings.Contains(d.Message, "0 to 3, got 4") {
		t.Fatalf("got %s; want line %d", d, line)
	}
}

// TestParametersDocumented: docs/doctrine.md lists every parameter of the
// table with what its value must be, and no other.
func TestParametersDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/doctrine.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := regexp.MustCompile("(?m)^\\| `([a-z_]+)` \\| ([^|]+) \\|").FindAllStringSubmatch(string(doc), -1)
	documented := map[string]string{}
	for _, r := range rows {
		documented[r[1]] = r[2]
	}
	known := map[string]bool{}
	for _, p := range doctrine.Parameters {
		known[p.Name] = true
		want, _, _ := strings.Cut(p.Kind.Expected, " (")
		if !strings.HasPrefix(documented[p.Name], want) {
			t.Errorf("docs/doctrine.md: parameter %s is documented as %q, want %q", p.Name, documented[p.Name], want)
		}
	}
	section := string(doc)[strings.Index(string(doc), "### Parameters"):]
	section = section[:strings.Index(section, "### The tier")]
	for _, r := range regexp.MustCompile("(?m)^\\| `([a-z_]+)` \\|").FindAllStringSubmatch(section, -1) {
		if !known[r[1]] {
			t.Errorf("docs/doctrine.md documents a parameter %s that a doctrine may not set", r[1])
		}
	}
}

// TestParseHeldTakesValuesAsWritten: a doctrine a node already holds (put
// before the ranges were checked, or named by a signed record) is read with
// its values as written, so that the node starts and past records are
// re-checked; Parse still refuses the same text.
func TestParseHeldTakesValuesAsWritten(t *testing.T) {
	src, err := doctrine.DefaultSource("jp")
	if err != nil {
		t.Fatal(err)
	}
	bad := regexp.MustCompile(`(?m)^(\s*attribution_confidence_needed:\s*)\d+`).ReplaceAll(src, []byte("${1}600"))
	if string(bad) == string(src) {
		t.Fatal("the jp doctrine sets no attribution_confidence_needed: the test proves nothing")
	}
	if _, err := doctrine.Parse("jp.yaml", bad); err == nil {
		t.Fatal("Parse took a confidence of 600")
	}
	d, err := doctrine.ParseHeld("jp.yaml", bad)
	if err != nil {
		t.Fatalf("ParseHeld: %v", err)
	}
	held, err := doctrine.ParseHeld("jp.yaml", src)
	if err != nil {
		t.Fatal(err)
	}
	strict, err := doctrine.Parse("jp.yaml", src)
	if err != nil {
		t.Fatal(err)
	}
	if d.SHA256 == strict.SHA256 || held.SHA256 != strict.SHA256 {
		t.Fatalf("hashes: held-bad %s, held %s, strict %s", d.SHA256, held.SHA256, strict.SHA256)
	}
}
