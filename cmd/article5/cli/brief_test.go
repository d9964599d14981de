package cli

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestBriefPDF: `article5 brief CASE --pdf FILE` writes the PDF the node
// prints for the login session's user, or for an API token; an unknown
// case and an unknown token are refused with a clear message and write
// nothing.
// Without chromium the node answers 503 and the command says why (the
// test then checks that answer, unless ARTICLE5_REQUIRE_BROWSER is set).
func TestBriefPDF(t *testing.T) {
	e := MustConsultEnv(t)
	bundle, err := os.ReadFile("../../../examples/winter-grid-deaths.json")
	if err != nil {
		t.Fatal(err)
	}
	e.ingest(bundle)
	m := caseLine.FindStringSubmatch(e.mustAs("sato", "open", "--name", "Sapporo winter blackout", winterIncident))
	if m == nil {
		t.Fatal("no case opened")
	}
	caseID := m[1]
	out := e.path("brief.pdf")
	brief := func(args ...string) (string, string, int) {
		return runCLI(t, append([]string{"brief", "--server", e.server}, args...)...)
	}
	if _, errOut, code := brief("grouping--00000000-0000-4000-8000-000000000000", "--session", e.path("suzuki.session"), "--pdf", out); code == 0 || !strings.Contains(errOut, "not found") {
		t.Errorf("unknown case: exit %d: %s", code, errOut)
	}
	if _, errOut, code := brief(caseID, "--token", "a5_not-a-token", "--pdf", out); code == 0 || !strings.Contains(errOut, "unknown or revoked") {
		t.Errorf("unknown token: exit %d: %s", code, errOut)
	}
	if _, errOut, code := brief("grouping--00000000-0000-4000-8000-000000000000", "--token", e.token, "--pdf", out); code == 0 || !strings.Contains(errOut, "not found") {
		t.Errorf("unknown case with a token: exit %d: %s", code, errOut)
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("a refused brief wrote a file")
	}
	stdout, errOut, code := brief(caseID, "--session", e.path("suzuki.session"), "--pdf", out)
	if _, lerr := exec.LookPath("chromium"); lerr != nil && os.Getenv("ARTICLE5_REQUIRE_BROWSER") == "" {
		if code == 0 || !strings.Contains(errOut, "cannot make PDF briefs") {
			t.Errorf("without chromium: exit %d: %s", code, errOut)
		}
		t.Skip("chromium not found: the PDF itself is not checked")
	}
	if code != 0 {
		t.Fatalf("article5 brief: exit %d: %s%s", code, stdout, errOut)
	}
	isPDF := func(out string) {
		t.Helper()
		pdf, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(pdf, []byte("%PDF-")) || !bytes.Contains(pdf[max(0, len(pdf)-1024):], []byte("%%EOF")) || !bytes.Contains(pdf, []byte("/Type /Page")) {
			t.Errorf("%s is not a PDF with pages (%d bytes)", out, len(pdf))
		}
	}
	isPDF(out)
	// With an API token alone (a script, no login session).
	byToken := e.path("brief-token.pdf")
	if stdout, errOut, code := brief(caseID, "--token", e.token, "--pdf", byToken); code != 0 {
		t.Fatalf("article5 brief --token: exit %d: %s%s", code, stdout, errOut)
	}
	isPDF(byToken)
}
