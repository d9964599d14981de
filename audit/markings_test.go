package audit_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"article5/audit"
)

// TestParseMarkings: the fast path agrees with encoding/json on every form
// IngestObjects writes, and refuses what is not an array of strings.
func TestParseMarkings(t *testing.T) {
	for _, ids := range [][]string{{}, {"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"},
		{"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"},
		{`odd "quoted" id`, "tab\there"}} {
		b, _ := json.Marshal(ids)
		// jsonb's text form puts a space after each comma.
		for _, form := range []string{string(b), strings.ReplaceAll(string(b), `","`, `", "`)} {
			if got := audit.ParseMarkings(form); !slices.Equal(got, ids) || got == nil {
				t.Errorf("audit.ParseMarkings(%s) = %q, want %q", form, got, ids)
			}
		}
	}
	for _, bad := range []string{"", "null", "{}", `["a"`, "[1,2]"} {
		if got := audit.ParseMarkings(bad); got != nil {
			t.Errorf("audit.ParseMarkings(%q) = %q, want nil", bad, got)
		}
	}
}
