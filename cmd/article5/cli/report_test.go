package cli_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"article5/cmd/article5/cli"
	"article5/examples"
)

// TestReportForLegalAdvisers reads the text report as a legal adviser
// would: numbers with separators and units, singular and plural right, no
// fact names in sentences, suspected deaths not shown as unknown deaths,
// presumptions stated with their rebuttal, the evidence to add listed.
func TestReportForLegalAdvisers(t *testing.T) {
	out, errs, code := run(t, "assess", "--example", "winter-grid-deaths")
	if code != cli.ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	flat := strings.Join(strings.Fields(out), " ") // the report wraps at 78 columns
	for _, want := range []string{
		"if 1,000,000 people were affected (now: 450,000 people)",
		"at least 1 death were confirmed",
		"making 12 deaths confirmed indirect (now: none)",
		"Presumed: the conduct was deliberate, because",
		"Rebutted if the conduct were shown to be an accident.",
		"Evidence to add, most decisive first:",
		"legal basis: conduct of a State organ (ARSIWA Art. 4)",
	} {
		if !strings.Contains(flat, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	for _, bad := range []string{"1 deaths", "1000000", "deaths_indirect", "people_affected", "state-organ", "organised_and_planned were"} {
		if strings.Contains(flat, bad) {
			t.Errorf("report contains %q", bad)
		}
	}
	// Twelve suspected deaths: the confirmed deaths are none so far, not
	// unknown.
	notKnown := regexp.MustCompile(`(?s)Not known: (.*?)\.\n`).FindAllStringSubmatch(out, -1)
	for _, m := range notKnown {
		if strings.Contains(m[1], "deaths") {
			t.Errorf("deaths listed as not known next to twelve suspected deaths: %q", m[1])
		}
	}
}

// TestOneDoctrineDoesNotAgree: a run with one doctrine has nothing to
// compare, so it says nothing about agreement.
func TestOneDoctrineDoesNotAgree(t *testing.T) {
	out, errs, code := run(t, "assess", "--doctrine", "jp", "--example", "port-ransomware")
	if code != cli.ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if strings.Contains(out, "doctrines agree") || strings.Contains(out, "WHERE THE DOCTRINES DIFFER") {
		t.Errorf("one-doctrine report speaks of agreement:\n%s", out[:min(len(out), 2000)])
	}
}

// TestArticleIVWording: an incident outside Japan's administered
// territories whose threat to the Far East is not stated has Article IV
// "to be decided", never plain Article IV.
func TestArticleIVWording(t *testing.T) {
	out, _, code := run(t, "assess", "--example", "guam-prepositioning")
	if code != cli.ExitOK {
		t.Fatal(code)
	}
	if !strings.Contains(strings.Join(strings.Fields(out), " "), "Article IV to be decided") || strings.Contains(out, "— Article IV\n") {
		t.Errorf("scope line: %s", regexp.MustCompile(`SCOPE: .*`).FindString(out))
	}
}

// TestUUIDv5NoteOnce: ids made by importers are UUIDv5; the report says so
// once, with the count, not once per object.
func TestUUIDv5NoteOnce(t *testing.T) {
	data, err := examples.Read("port-ransomware")
	if err != nil {
		t.Fatal(err)
	}
	// Turn every UUIDv4 id of the example into a UUIDv5-shaped one.
	v5 := regexp.MustCompile(`(--[0-9a-f]{8}-[0-9a-f]{4}-)4([0-9a-f]{3}-)`).ReplaceAll(data, []byte("${1}5${2}"))
	path := filepath.Join(t.TempDir(), "v5.json")
	if err := os.WriteFile(path, v5, 0o600); err != nil {
		t.Fatal(err)
	}
	_, errs, code := run(t, "assess", path)
	if code != cli.ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if n := strings.Count(errs, "UUIDv5"); n != 1 || !regexp.MustCompile(`note: [0-9,]+ objects use UUIDv5 ids`).MatchString(errs) {
		t.Errorf("want one note with the count, got %d mentions:\n%s", n, errs)
	}
}
