package cli_test

import (
	"encoding/json"
	"strings"
	"testing"

	"article5/cmd/article5/cli"
	"article5/examples"
)

// TestMistakesAreUsageErrors: what a user gets wrong on the command line
// exits 2 and says what to do, never "internal error" (exit 3).
func TestMistakesAreUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"a misspelt command names the one meant", []string{"asses"}, []string{`unknown command "asses"`, "Did you mean this?", "assess"}},
		{"an unknown subcommand", []string{"case", "shwo"}, []string{`unknown command "shwo" for "article5 case"`, "show"}},
		{"an unknown subcommand two levels down", []string{"audit", "verfy"}, []string{`unknown command "verfy"`, "verify"}},
		{"an unknown flag", []string{"assess", "--bogus"}, []string{"unknown flag: --bogus", "article5 assess --help"}},
		{"a missing argument", []string{"case", "show"}, []string{"accepts 1 arg(s), received 0", "article5 case show --help"}},
		{"an extra argument", []string{"doctrine", "list", "jp"}, []string{`unknown command "jp"`}},
		{"an unknown --format", []string{"doctrine", "list", "--format", "yaml"}, []string{`--format must be text or json, got "yaml"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errs, code := run(t, tc.args...)
			if code != cli.ExitInvalid {
				t.Errorf("exit %d, want %d (usage)\n%s%s", code, cli.ExitInvalid, out, errs)
			}
			if strings.Contains(errs, "internal error") {
				t.Errorf("a usage mistake is called an internal error:\n%s", errs)
			}
			for _, w := range tc.want {
				if !strings.Contains(errs, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errs)
				}
			}
		})
	}
	t.Run("a command group alone prints its help", func(t *testing.T) {
		for _, args := range [][]string{nil, {"case"}, {"audit"}} {
			out, errs, code := run(t, args...)
			if code != cli.ExitOK || !strings.Contains(out, "Available Commands") {
				t.Errorf("article5 %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
			}
		}
	})
}

// TestVersion: 'article5 version' and 'article5 --version' say which
// build this is; --format json gives the same as a record.
func TestVersion(t *testing.T) {
	out, errs, code := run(t, "version")
	if code != cli.ExitOK || !strings.HasPrefix(out, "article5 ") || !strings.Contains(out, "go1.") {
		t.Fatalf("version: exit %d\n%s%s", code, out, errs)
	}
	flagOut, errs, code := run(t, "--version")
	if code != cli.ExitOK || flagOut != out {
		t.Fatalf("--version: exit %d\n%q\nwant %q\n%s", code, flagOut, out, errs)
	}
	js, errs, code := run(t, "version", "--format", "json")
	var b cli.BuildInfo
	if code != cli.ExitOK || json.Unmarshal([]byte(js), &b) != nil || b.Version == "" || b.Go == "" || b.Platform == "" {
		t.Fatalf("version --format json: exit %d %+v\n%s%s", code, b, js, errs)
	}
	if want := cli.Build(); b != want {
		t.Errorf("version --format json = %+v, want %+v", b, want)
	}
}

// TestExamplesListing: 'article5 examples' shows what each example shows
// (its grouping's name) and its tiers, as 'assess --example' finds them.
func TestExamplesListing(t *testing.T) {
	out, errs, code := run(t, "examples", "--format", "json")
	if code != cli.ExitOK {
		t.Fatalf("examples --format json: exit %d %s", code, errs)
	}
	var listed []struct {
		Name, Description, Case, Scope string
		Tiers                          map[string]string
		SelfDefence                    []string `json:"self_defence"`
	}
	if err := json.Unmarshal([]byte(out), &listed); err != nil {
		t.Fatal(err)
	}
	if len(listed) != len(examples.Names()) {
		t.Fatalf("listed %d examples, there are %d", len(listed), len(examples.Names()))
	}
	text, errs, code := run(t, "examples")
	if code != cli.ExitOK {
		t.Fatalf("examples: exit %d %s", code, errs)
	}
	lines := strings.Split(text, "\n")
	for i, ex := range listed {
		var rep struct {
			CaseName    string `json:"case_name"`
			Scope       struct{ Value string }
			Assessments map[string]struct {
				Tier                 string
				SelfDefenceAvailable bool `json:"self_defence_available"`
			}
		}
		js, errs, code := run(t, "assess", "--example", ex.Name, "--format", "json")
		if code != cli.ExitOK || json.Unmarshal([]byte(js), &rep) != nil {
			t.Fatalf("assess --example %s: exit %d %s", ex.Name, code, errs)
		}
		if ex.Description == "" || ex.Description != rep.CaseName || ex.Scope != rep.Scope.Value {
			t.Errorf("%s: listed %q, scope %s; the case is %q, scope %s", ex.Name, ex.Description, ex.Scope, rep.CaseName, rep.Scope.Value)
		}
		for id, a := range rep.Assessments {
			if ex.Tiers[id] != a.Tier {
				t.Errorf("%s: listed %s tier %q, assess finds %q", ex.Name, id, ex.Tiers[id], a.Tier)
			}
		}
		line := lines[i+1] // after the header
		for _, w := range []string{ex.Name, ex.Description, ex.Tiers["jp"], ex.Tiers["us"]} {
			if !strings.Contains(line, w) {
				t.Errorf("text line %q lacks %q", line, w)
			}
		}
	}
}
