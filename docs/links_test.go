// Package docs_test checks the user's documentation: README.md and
// docs/*.md. Every relative link must lead to a file, and a link to a
// heading of a Markdown page (page.md#heading) must name a heading that page
// has; the code blocks marked runnable (docs/README.md, "Runnable examples")
// must run; and docs/api.md must be what api/openapi.json generates.
package docs_test

import (
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

// root is the repository root, relative to this package's directory.
const root = ".."

// pages returns the Markdown pages a user reads: README.md and docs/*.md,
// as paths relative to root, sorted.
func pages(t *testing.T) []string {
	t.Helper()
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	out := []string{"README.md"}
	for _, d := range docs {
		rel, err := filepath.Rel(root, d)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, rel)
	}
	return out
}

// fence matches the opening or closing line of a fenced code block; the
// group is the info string.
var fence = regexp.MustCompile("^\\s*(```+|~~~+)\\s*(.*)$")

// proseLines returns the lines of a Markdown text outside fenced code
// blocks, with their 1-based line numbers.
func proseLines(text string) (lines []string, numbers []int) {
	in := ""
	for i, line := range strings.Split(text, "\n") {
		if m := fence.FindStringSubmatch(line); m != nil {
			switch {
			case in == "":
				in = m[1][:1]
				continue
			case strings.HasPrefix(m[1], in) && strings.TrimSpace(m[2]) == "":
				in = ""
				continue
			}
		}
		if in == "" {
			lines = append(lines, line)
			numbers = append(numbers, i+1)
		}
	}
	return lines, numbers
}

var (
	// link matches an inline Markdown link or image, [text](target); the
	// group is the target. Text may hold one level of brackets.
	link = regexp.MustCompile(`\[(?:[^\[\]]|\[[^\]]*\])*\]\(([^()\s]+)(?:\s+"[^"]*")?\)`)
	// codeSpan matches an inline code span, whose text is not a link.
	codeSpan = regexp.MustCompile("`+[^`]*`+")
	heading  = regexp.MustCompile(`^#{1,6}\s+(.*?)\s*#*\s*$`)
)

// anchors returns the anchors GitHub gives the headings of a Markdown
// text: lower case, punctuation other than '-' and '_' dropped, spaces as
// '-', and a repeated anchor numbered -1, -2, ….
func anchors(text string) map[string]bool {
	lines, _ := proseLines(text)
	seen := map[string]int{}
	out := map[string]bool{}
	for _, line := range lines {
		m := heading.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		slug := slugOf(m[1])
		if n := seen[slug]; n > 0 {
			out[slug+"-"+itoa(n)] = true
		} else {
			out[slug] = true
		}
		seen[slug]++
	}
	return out
}

// slugOf is the GitHub anchor of one heading's text.
func slugOf(h string) string {
	// Links in a heading keep only their text.
	h = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`).ReplaceAllString(h, "$1")
	var b strings.Builder
	for _, r := range strings.ToLower(h) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

func itoa(n int) string {
	const digits = "0123456789"
	if n < 10 {
		return digits[n : n+1]
	}
	return itoa(n/10) + digits[n%10:n%10+1]
}

func TestRelativeLinksResolve(t *testing.T) {
	texts := map[string]string{} // Markdown pages by path relative to root
	read := func(rel string) (string, bool) {
		if s, ok := texts[rel]; ok {
			return s, true
		}
		b, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			return "", false
		}
		texts[rel] = string(b)
		return string(b), true
	}
	checked := 0
	for _, page := range pages(t) {
		text, ok := read(page)
		if !ok {
			t.Fatalf("%s: cannot read", page)
		}
		lines, numbers := proseLines(text)
		for i, line := range lines {
			line = codeSpan.ReplaceAllString(line, "")
			for _, m := range link.FindAllStringSubmatch(line, -1) {
				target := m[1]
				if u, err := url.Parse(target); err == nil && u.Scheme != "" {
					continue // http, https, mailto: not checked here
				}
				checked++
				where := page + ":" + itoa(numbers[i])
				file, frag, _ := strings.Cut(target, "#")
				rel := page
				if file != "" {
					if strings.HasPrefix(file, "/") {
						t.Errorf("%s: link %q is absolute; write it relative to the page", where, target)
						continue
					}
					unescaped, err := url.PathUnescape(file)
					if err != nil {
						t.Errorf("%s: link %q: %v", where, target, err)
						continue
					}
					rel = filepath.Clean(filepath.Join(filepath.Dir(page), unescaped))
					if _, err := os.Stat(filepath.Join(root, rel)); err != nil {
						t.Errorf("%s: link %q leads to %s, which does not exist", where, target, rel)
						continue
					}
				}
				if frag == "" || !strings.HasSuffix(rel, ".md") {
					continue
				}
				body, ok := read(rel)
				if !ok {
					t.Errorf("%s: link %q: cannot read %s", where, target, rel)
					continue
				}
				if !anchors(body)[frag] {
					t.Errorf("%s: link %q: %s has no heading with the anchor #%s", where, target, rel, frag)
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no relative links found: the link pattern is broken")
	}
}

// TestSlugOf pins the anchor rule on headings of these pages.
func TestSlugOf(t *testing.T) {
	for h, want := range map[string]string{
		"10. The doctrine file format":                                "10-the-doctrine-file-format",
		"Assessing a case: `article5 assess`":                         "assessing-a-case-article5-assess",
		"Rolling back the log, and reconciling":                       "rolling-back-the-log-and-reconciling",
		"Provenance: custody, relay, who may create and version what": "provenance-custody-relay-who-may-create-and-version-what",
		"7. Severity (DCID v2)":                                       "7-severity-dcid-v2",
		"The two defaults":                                            "the-two-defaults",
		"`GET /api/v1/cases/{id}`":                                    "get-apiv1casesid",
		"Japan–U.S. alliance":                                         "japanus-alliance",
		"Webhooks and server-side request forgery":                    "webhooks-and-server-side-request-forgery",
	} {
		if got := slugOf(h); got != want {
			t.Errorf("slugOf(%q) = %q, want %q", h, got, want)
		}
	}
	a := anchors("# A\n## B\n```\n# not a heading\n```\n## B\n")
	for _, want := range []string{"a", "b", "b-1"} {
		if !a[want] {
			t.Errorf("anchors: missing %q in %v", want, a)
		}
	}
	if a["not-a-heading"] {
		t.Error("anchors: a line in a code block taken as a heading")
	}
}

// TestTheTestCommand: CI (.ci/run) runs the README's test command, so the
// README shows it, in "The two commands", as CI runs it.
func TestTheTestCommand(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	ci, err := os.ReadFile(filepath.Join(root, ".ci", "run"))
	if err != nil {
		t.Fatal(err)
	}
	const command = "go test ./..."
	_, section, ok := strings.Cut(string(readme), "\n## The two commands\n")
	section, _, _ = strings.Cut(section, "\n## ")
	if !ok || !regexp.MustCompile(`(?m)^`+regexp.QuoteMeta(command)+`(\s|$)`).MatchString(section) {
		t.Errorf("README.md, \"The two commands\": no line starting %q", command)
	}
	if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(command) + `$`).Match(ci) {
		t.Errorf(".ci/run does not run %q", command)
	}
}
