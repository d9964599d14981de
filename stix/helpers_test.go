package stix_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"article5/stix"
)

// MustParse parses a bundle or fails the test.
func MustParse(tb testing.TB, data []byte) *stix.Bundle {
	tb.Helper()
	b, err := stix.Parse(data)
	if err != nil {
		tb.Fatalf("Parse: %v", err)
	}
	return b
}

// MustParseObject parses one object or fails the test.
func MustParseObject(tb testing.TB, data []byte) *stix.Object {
	tb.Helper()
	o, err := stix.ParseObject(data)
	if err != nil {
		tb.Fatalf("ParseObject: %v", err)
	}
	return o
}

// MustTimestamp parses a timestamp or fails the test.
func MustTimestamp(tb testing.TB, s string) stix.Timestamp {
	tb.Helper()
	t, err := stix.ParseTimestamp(s)
	if err != nil {
		tb.Fatalf("ParseTimestamp(%q): %v", s, err)
	}
	return t
}

// MustDataDir returns ../shared/data/stix relative to the repository root
// (the directory holding go.mod), skipping the test when it is missing.
func MustDataDir(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("go.mod not found")
		}
		dir = parent
	}
	data := filepath.Join(dir, "..", "shared", "data", "stix")
	if _, err := os.Stat(data); err != nil {
		tb.Skipf("shared STIX data not found: %v", err)
	}
	return data
}

// bundleOf wraps objects (JSON texts) into a bundle text.
func bundleOf(objects ...string) []byte {
	return []byte(`{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[` + strings.Join(objects, ",") + `]}`)
}

// with returns the JSON object text obj with the given properties set
// (a nil value removes the property).
func with(tb testing.TB, obj string, kv ...any) string {
	tb.Helper()
	var m map[string]any
	dec := json.NewDecoder(strings.NewReader(obj))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		tb.Fatalf("with: %v in %s", err, obj)
	}
	for i := 0; i < len(kv); i += 2 {
		k := kv[i].(string)
		if kv[i+1] == nil {
			delete(m, k)
			continue
		}
		m[k] = kv[i+1]
	}
	out, err := json.Marshal(m)
	if err != nil {
		tb.Fatal(err)
	}
	return string(out)
}

// validate parses and validates a bundle text.
func validate(tb testing.TB, data []byte) stix.Report {
	tb.Helper()
	return stix.Validate(MustParse(tb, data))
}

// findIssue returns the first issue with that severity and code at that
// pointer ("*" for any pointer).
func findIssue(r stix.Report, sev stix.Severity, code, pointer string) (stix.Issue, bool) {
	for _, i := range r.Issues {
		if i.Severity == sev && i.Code == code && (pointer == "*" || i.Pointer == pointer) {
			return i, true
		}
	}
	return stix.Issue{}, false
}

func dump(r stix.Report) string {
	var b strings.Builder
	for _, i := range r.Issues {
		b.WriteString("\n  ")
		b.WriteString(i.String())
	}
	return b.String()
}
