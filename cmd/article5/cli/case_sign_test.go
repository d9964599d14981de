package cli

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"article5/sign"
)

// setConfirm makes 'case sign' see a terminal (or not) with input on
// stdin, until the test ends.
func setConfirm(t *testing.T, terminal bool, input string) {
	t.Helper()
	in, isTerm := confirmIn, confirmIsTerminal
	confirmIn, confirmIsTerminal = strings.NewReader(input), func() bool { return terminal }
	t.Cleanup(func() { confirmIn, confirmIsTerminal = in, isTerm })
}

// TestCaseSignShowsAndAsks: 'case sign' shows what the signature covers
// (assessment hash, evidence digest, doctrine versions, the Party's tier,
// the reasons' sha256), asks on a terminal, signs only on "y", and
// without a terminal refuses unless --yes.
func TestCaseSignShowsAndAsks(t *testing.T) {
	e := MustConsultEnv(t)
	bundle, err := os.ReadFile("../../../examples/winter-grid-deaths.json")
	if err != nil {
		t.Fatal(err)
	}
	e.ingest(bundle)
	m := caseLine.FindStringSubmatch(e.mustAs("sato", "open", "--name", "Sapporo winter blackout", winterIncident))
	if m == nil {
		t.Fatal("case open printed no case")
	}
	caseID := m[1]
	const reasons = "Days without heating in winter, by a State organ: a use of force."
	e.mustAs("suzuki", "position", caseID, "--tier", "use-of-force-possible", "--opinion", "agree", "--reasons", reasons)
	st := e.status(caseID)
	signed := func() bool {
		p, _ := e.status(caseID)["positions"].(map[string]any)["JP"].(map[string]any)
		return p["signed"] == true
	}
	pw := e.path("tanaka.pw")

	t.Run("without a terminal it refuses unless --yes", func(t *testing.T) {
		setConfirm(t, false, "y\n")
		out, errOut, code := e.as("tanaka", "sign", caseID, "--password-file", pw)
		if code != ExitInvalid || !strings.Contains(errOut, "pass --yes") || signed() {
			t.Fatalf("exit %d, want %d saying to pass --yes, nothing signed\n%s%s", code, ExitInvalid, out, errOut)
		}
	})

	// What a signature covers, as the node shows it.
	want := []string{caseID, st["assessment_hash"].(string), st["evidence_digest"].(string), "tier (JP)", "use-of-force-possible",
		"agree", sign.ReasonsSHA256(reasons)}
	for _, d := range st["doctrines"].([]any) {
		d := d.(map[string]any)
		want = append(want, d["id"].(string)+" "+d["version"].(string)+" (sha256 "+d["sha256"].(string)+")")
	}

	t.Run("on a terminal, no signs nothing", func(t *testing.T) {
		setConfirm(t, true, "n\n")
		out, errOut, code := e.as("tanaka", "sign", caseID, "--password-file", pw)
		if code != ExitInvalid || !strings.Contains(errOut, "not signed") || signed() {
			t.Fatalf("exit %d after answering no\n%s%s", code, out, errOut)
		}
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("case sign does not show %q before asking:\n%s", w, out)
			}
		}
		if !strings.Contains(out, "Sign? [y/N]") {
			t.Errorf("no question:\n%s", out)
		}
	})
	t.Run("on a terminal, yes signs what was shown", func(t *testing.T) {
		setConfirm(t, true, "y\n")
		out, errOut, code := e.as("tanaka", "sign", caseID, "--password-file", pw, "--format", "json")
		if code != ExitOK || !signed() {
			t.Fatalf("exit %d after answering yes\n%s%s", code, out, errOut)
		}
		var v struct {
			Positions map[string]struct {
				AssessmentHash string `json:"assessment_hash"`
				ReasonsSHA256  string `json:"reasons_sha256"`
			}
		}
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Fatalf("with --format json stdout is the consultation alone: %v\n%s", err, out)
		}
		if p := v.Positions["JP"]; p.AssessmentHash != st["assessment_hash"] || p.ReasonsSHA256 != sign.ReasonsSHA256(reasons) {
			t.Errorf("signed %+v", p)
		}
		for _, w := range want {
			if !strings.Contains(errOut, w) {
				t.Errorf("with --format json, what is signed goes to stderr; it lacks %q:\n%s", w, errOut)
			}
		}
	})
}
