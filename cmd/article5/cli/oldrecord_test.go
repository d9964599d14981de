package cli

import (
	"context"
	"crypto/sha256"
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
	"article5/sign"
	"article5/stix"
)

// TestRecordUnderOldDoctrineVerifies: a record signed on an assessment
// made under older doctrines still verifies with `article5 verify`,
// findings re-hashed included: jp and us 1.0.0 (testdata/v1: the report
// article5 produced for examples/dam-control.json before doctrines 2.0.0)
// 2.0.0 (testdata/v2: the same before 2.1.0) and 2.1.0 (testdata/v2.1: the
// same before 2.1.1). The record carries its doctrines' ids, versions and
// sha256, which are those of the files kept in doctrine/testdata/v1, v2 and
// v2.1; today's doctrines give the same evidence another assessment hash.
// The evidence is testdata/dam-control.evidence.json, the example as those
// records were made on (examples/dam-control.json has since written its
// entity count under the standard key "individual").
func TestRecordUnderOldDoctrineVerifies(t *testing.T) {
	for _, v := range []struct{ dir, version string }{{"v1", "1.0.0"}, {"v2", "2.0.0"}, {"v2.1", "2.1.0"}} {
		t.Run(v.version, func(t *testing.T) { recordUnderOldDoctrineVerifies(t, v.dir, v.version) })
	}
}

func recordUnderOldDoctrineVerifies(t *testing.T, dir, version string) {
	old, err := os.ReadFile(filepath.Join("testdata", dir, "dam-control.report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep article5.Report
	if err := json.Unmarshal(old, &rep); err != nil {
		t.Fatal(err)
	}
	for _, d := range rep.Doctrines {
		src, err := os.ReadFile(filepath.Join("..", "..", "..", "doctrine", "testdata", dir, d.ID+"-"+version+".yaml"))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(src)
		if d.Version != version || d.SHA256 != hex.EncodeToString(sum[:]) {
			t.Fatalf("the old report names %s %s %s, not the %s file (%x)", d.ID, d.Version, d.SHA256, version, sum)
		}
	}

	// Today's doctrines: same evidence, another hash.
	data, err := os.ReadFile(filepath.Join("testdata", "dam-control.evidence.json"))
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
	now, err := assess.Assess(context.Background(), assess.Options{Doctrines: docs}, b)
	if err != nil {
		t.Fatal(err)
	}
	if now.EvidenceDigest != rep.EvidenceDigest || now.Hash == rep.Hash || now.Doctrines[0].Version == version {
		t.Fatalf("digest %s vs %s, hash %s vs %s: want the same evidence and a new hash under %s", now.EvidenceDigest, rep.EvidenceDigest, now.Hash, rep.Hash, now.Doctrines[0].Version)
	}

	// Keys, positions on the old hash, and the record.
	tmp := t.TempDir()
	t.Setenv("ARTICLE5_PASSPHRASE", "root passphrase for the test")
	t.Setenv("ARTICLE5_PASSWORD", "approver password for the test")
	p := func(name string) string { return filepath.Join(tmp, name) }
	for _, party := range []string{"JP", "US"} {
		lower := strings.ToLower(party)
		for _, args := range [][]string{
			{"party", "init", "--party", party, "--out", p(lower + "-root")},
			{"key", "new", "--out", p(lower + "-approver")},
			{"party", "certify", "--root", p(lower + "-root.key"), "--subject", p(lower + "-approver.pub"), "--role", "approver",
				"--name", party + " approver", "--days", "30", "--out", p(lower + "-approver.cert")},
		} {
			if _, errs, code := runCLI(t, args...); code != 0 {
				t.Fatalf("%v: %s", args, errs)
			}
		}
	}
	assessmentID := "article5-assessment--3c1d8e52-7a44-4f0e-9b1e-5d2a6c9f0b17"
	obj, _ := json.Marshal(map[string]any{"type": "article5-assessment", "spec_version": "2.1", "id": assessmentID,
		"created": "2026-11-29T00:00:00.000Z", "modified": "2026-11-29T00:00:00.000Z", "case_ref": rep.Case,
		"evidence_digest": rep.EvidenceDigest, "assessment_hash": rep.Hash, "doctrines": rep.Doctrines,
		"findings": json.RawMessage(old), "extensions": map[string]any{article5.ExtensionID: map[string]any{"extension_type": "new-sdo"}}})
	var positions []sign.SignedPosition
	for _, party := range []string{"JP", "US"} {
		lower := strings.ToLower(party)
		sealed, _ := os.ReadFile(p(lower + "-approver.key"))
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
		reasons := party + " reasons under doctrine " + version + "."
		payload := article5.PositionPayload{Purpose: article5.PositionPurpose, Case: rep.Case, AssessmentHash: rep.Hash,
			EvidenceDigest: rep.EvidenceDigest, Doctrines: rep.Doctrines, Party: article5.Party(party), Tier: article5.TierArmedAttackPossible,
			Opinion: "agree", ReasonsSHA256: sign.ReasonsSHA256(reasons), KeyID: sign.KeyID(pub), SignedAt: sign.FormatTime(time.Now().UTC())}
		sig, _, err := sign.SignPosition(payload, priv)
		if err != nil {
			t.Fatal(err)
		}
		positions = append(positions, sign.SignedPosition{Payload: payload, Reasons: reasons, Signature: sig, Certificate: &cert})
	}
	det, err := sign.NewDetermination(assessmentID, positions)
	if err != nil {
		t.Fatal(err)
	}
	recData, _ := json.Marshal(sign.Record{Case: rep.Case, Assessment: obj, Positions: positions, Determination: det})
	if err := os.WriteFile(p("record.json"), recData, 0o600); err != nil {
		t.Fatal(err)
	}
	out, errs, code := runCLI(t, "verify", p("record.json"), "--trust", p("jp-root.pub"), "--trust", p("us-root.pub"))
	if code != 0 || !strings.Contains(out, "determination: concurred") || !strings.Contains(out, "hash to the signed assessment hash "+rep.Hash) {
		t.Fatalf("verify of the %s record: exit %d\n%s%s", version, code, out, errs)
	}
}
