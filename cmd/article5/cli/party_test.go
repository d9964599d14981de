package cli

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"article5"
	"article5/assess"
	"article5/doctrine"
	"article5/examples"
	"article5/sign"
	"article5/stix"
)

func runCLI(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	err := Run(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), ExitCode(err)
}

// TestPartyKeysCertifyAndVerifyOffline walks the offline key ceremony with
// the CLI (party init, key new, party certify), signs both Parties'
// positions on a real assessment, and verifies the record with `article5
// verify` against the two public roots; then proves the refusals.
func TestPartyKeysCertifyAndVerifyOffline(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("ARTICLE5_PASSPHRASE", "root passphrase for the test")
	t.Setenv("ARTICLE5_PASSWORD", "approver password for the test")
	p := func(name string) string { return filepath.Join(dir, name) }
	for _, party := range []string{"JP", "US"} {
		lower := strings.ToLower(party)
		if _, errs, code := runCLI(t, "party", "init", "--party", party, "--out", p(lower+"-root")); code != 0 {
			t.Fatalf("party init %s: %s", party, errs)
		}
		if _, errs, code := runCLI(t, "key", "new", "--out", p(lower+"-approver")); code != 0 {
			t.Fatalf("key new: %s", errs)
		}
		if _, errs, code := runCLI(t, "party", "certify", "--root", p(lower+"-root.key"), "--subject", p(lower+"-approver.pub"),
			"--role", "approver", "--name", party+" approver", "--days", "30", "--out", p(lower+"-approver.cert")); code != 0 {
			t.Fatalf("certify: %s", errs)
		}
	}
	if _, _, code := runCLI(t, "party", "init", "--party", "JP", "--out", p("jp-root")); code != ExitInvalid {
		t.Error("party init overwrote an existing key")
	}

	// A real assessment of an example, as the node keeps it.
	data, err := examples.Read("dam-control")
	if err != nil {
		t.Fatal(err)
	}
	b, err := stix.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	var docs []*doctrine.Doctrine
	for _, id := range doctrine.DefaultIDs {
		d, _ := doctrine.Default(id)
		docs = append(docs, d)
	}
	rep, err := assess.Assess(context.Background(), assess.Options{Doctrines: docs}, b)
	if err != nil {
		t.Fatal(err)
	}
	assessmentID := "article5-assessment--9d9e1c4a-2f51-4b9c-9a1d-2b0e6c7f8a10"
	assessmentObj, _ := json.Marshal(map[string]any{"type": "article5-assessment", "spec_version": "2.1", "id": assessmentID,
		"created": "2026-11-29T00:00:00.000Z", "modified": "2026-11-29T00:00:00.000Z", "case_ref": rep.Case,
		"evidence_digest": rep.EvidenceDigest, "assessment_hash": rep.Hash, "doctrines": rep.Doctrines,
		"findings": rep, "extensions": map[string]any{article5.ExtensionID: map[string]any{"extension_type": "new-sdo"}}})

	signFor := func(party string, tier article5.Tier) sign.SignedPosition {
		lower := strings.ToLower(party)
		sealed, err := os.ReadFile(p(lower + "-approver.key"))
		if err != nil {
			t.Fatal(err)
		}
		priv, err := sign.Unseal(sealed, []byte("approver password for the test"))
		if err != nil {
			t.Fatal(err)
		}
		certData, _ := os.ReadFile(p(lower + "-approver.cert"))
		var cert sign.Certificate
		if err := json.Unmarshal(certData, &cert); err != nil {
			t.Fatal(err)
		}
		pubHex, _ := os.ReadFile(p(lower + "-approver.pub"))
		pub, _ := hex.DecodeString(strings.TrimSpace(string(pubHex)))
		reasons := party + " reasons: deaths and destruction on the scale of a physical attack."
		payload := article5.PositionPayload{Purpose: article5.PositionPurpose, Case: rep.Case, AssessmentHash: rep.Hash,
			EvidenceDigest: rep.EvidenceDigest, Doctrines: rep.Doctrines, Party: article5.Party(party), Tier: tier, Opinion: "agree",
			ReasonsSHA256: sign.ReasonsSHA256(reasons), KeyID: sign.KeyID(pub), SignedAt: sign.FormatTime(time.Now().UTC())}
		sig, _, err := sign.SignPosition(payload, priv)
		if err != nil {
			t.Fatal(err)
		}
		return sign.SignedPosition{Payload: payload, Reasons: reasons, Signature: sig, Certificate: &cert}
	}
	positions := []sign.SignedPosition{signFor("JP", article5.TierArmedAttackPossible), signFor("US", article5.TierArmedAttackPossible)}
	det, err := sign.NewDetermination(assessmentID, positions)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, r sign.Record) string {
		data, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p(name), data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p(name)
	}
	good := write("record.json", sign.Record{Case: rep.Case, Assessment: assessmentObj, Positions: positions, Determination: det})
	out, errs, code := runCLI(t, "verify", good, "--trust", p("jp-root.pub"), "--trust", p("us-root.pub"))
	if code != 0 || !strings.Contains(out, "determination: concurred") {
		t.Fatalf("verify: exit %d\n%s%s", code, out, errs)
	}
	t.Run("--format json", func(t *testing.T) {
		var v struct {
			Verified       bool   `json:"verified"`
			Case           string `json:"case"`
			AssessmentHash string `json:"assessment_hash"`
			Outcome        string `json:"outcome"`
			Positions      []struct {
				Party, Tier string
				KeyID       string `json:"key_id"`
			} `json:"positions"`
			Checks []string `json:"checks"`
		}
		mustJSON(t, &v, false, "verify", good, "--trust", p("jp-root.pub"), "--trust", p("us-root.pub"), "--format", "json")
		if !v.Verified || v.Case != rep.Case || v.AssessmentHash != rep.Hash || v.Outcome != "concurred" || len(v.Positions) != 2 ||
			v.Positions[0].KeyID == "" || len(v.Checks) == 0 {
			t.Errorf("verify --format json: %+v", v)
		}
		// A record that does not verify prints nothing on stdout.
		if out, _, code := runCLI(t, "verify", good, "--trust", p("jp-root.pub"), "--format", "json"); code != ExitRefused || out != "" {
			t.Errorf("verify --format json of a record not verified: exit %d, stdout %q", code, out)
		}
	})

	t.Run("a key not certified by a trusted root", func(t *testing.T) {
		if _, errs, code := runCLI(t, "verify", good, "--trust", p("jp-root.pub")); code != ExitRefused || !strings.Contains(errs, "US") {
			t.Errorf("with only JP's root trusted: exit %d %s", code, errs)
		}
	})
	t.Run("a tampered tier", func(t *testing.T) {
		bad := append([]sign.SignedPosition(nil), positions...)
		bad[1].Payload.Tier = article5.TierUseOfForcePossible
		path := write("tampered.json", sign.Record{Case: rep.Case, Assessment: assessmentObj, Positions: bad, Determination: det})
		if _, errs, code := runCLI(t, "verify", path, "--trust", p("jp-root.pub"), "--trust", p("us-root.pub")); code != ExitRefused {
			t.Errorf("a tampered position verified: exit %d %s", code, errs)
		}
	})
	t.Run("a JP approver signing for US", func(t *testing.T) {
		wrong := signFor("JP", article5.TierArmedAttackPossible)
		wrong.Payload.Party = article5.PartyUS
		path := write("wrongparty.json", sign.Record{Case: rep.Case, Assessment: assessmentObj, Positions: []sign.SignedPosition{positions[0], wrong}})
		if _, errs, code := runCLI(t, "verify", path, "--trust", p("jp-root.pub"), "--trust", p("us-root.pub")); code != ExitRefused {
			t.Errorf("a JP key signing as US verified: exit %d %s", code, errs)
		}
	})
}
