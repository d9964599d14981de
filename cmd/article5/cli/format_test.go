package cli

import (
	"io"
	"sort"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestFormatFlagIsConsistent: every command that prints a record takes
// --format, text by default for people and json for programs, with one
// help text; the commands whose --format names other forms are the ones
// listed here, and no other command takes --format.
func TestFormatFlagIsConsistent(t *testing.T) {
	textJSON := []string{
		"article5 audit certificate", "article5 audit certificate install", "article5 audit check", "article5 audit consistency", "article5 audit head", "article5 audit key", "article5 audit proof",
		"article5 audit reconcile", "article5 audit verify", "article5 backup",
		"article5 case answer", "article5 case assess", "article5 case close", "article5 case list", "article5 case open",
		"article5 case position", "article5 case request", "article5 case rfi", "article5 case show", "article5 case sign",
		"article5 case status", "article5 casebook", "article5 doctrine check", "article5 doctrine list", "article5 doctrine put",
		"article5 doctrine show", "article5 examples", "article5 key add", "article5 key new", "article5 key revoke",
		"article5 login", "article5 partner add", "article5 partner conflicts", "article5 partner head", "article5 partner list", "article5 party certify", "article5 party init", "article5 party revoke", "article5 restore",
		"article5 secret rotate", "article5 send", "article5 sync", "article5 token create", "article5 user create", "article5 user list", "article5 verify",
		"article5 version", "article5 wait", "article5 webhook add", "article5 webhook list",
	}
	other := map[string]string{
		"article5 assess":               "text or json (with --each also csv)",             // the report; --each adds csv
		"article5 case export":          "record",                                          // the signed record: record JSON or a STIX bundle
		"article5 import":               "text the run report's format, on standard error", // stdout may be the bundle
		"article5 extension definition": "json output format: json (the document) or text", // a JSON document by nature
		"article5 extension schema":     "json output format: json (the document) or text",
		"article5 extension bundle":     "json output format: json (the document) or text",
	}
	var got []string
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if f := c.Flags().Lookup("format"); f != nil {
			if want, ok := other[c.CommandPath()]; ok {
				if !strings.Contains(f.DefValue+" "+f.Usage, want) {
					t.Errorf("%s --format: default %q, %q", c.CommandPath(), f.DefValue, f.Usage)
				}
			} else {
				got = append(got, c.CommandPath())
				if f.DefValue != "text" || f.Usage != "output format: text or json" {
					t.Errorf("%s --format: default %q, usage %q; want text, \"output format: text or json\"", c.CommandPath(), f.DefValue, f.Usage)
				}
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRoot(io.Discard, io.Discard))
	sort.Strings(got)
	if strings.Join(got, "\n") != strings.Join(textJSON, "\n") {
		t.Errorf("commands with --format text|json:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(textJSON, "\n"))
	}
	for _, path := range append(textJSON, "article5 import", "article5 extension definition", "article5 extension schema", "article5 extension bundle") {
		args := append(strings.Fields(path)[1:], "--format", "yaml")
		if _, errOut, code := runCLI(t, args...); code != ExitInvalid || !strings.Contains(errOut, `--format must be text or json, got "yaml"`) {
			t.Errorf("%s --format yaml: exit %d\n%s", path, code, errOut)
		}
	}
}
