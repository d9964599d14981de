package assess_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"testing"

	"article5/assess"
	"article5/examples"

	"github.com/gowebpki/jcs"
)

// TestAssessmentHashIsCanonicalWhole: the hash assembled from canonical
// parts equals sha256 of jcs.Transform over the whole hash input at once,
// and a changed finding changes it.
func TestAssessmentHashIsCanonicalWhole(t *testing.T) {
	for _, name := range []string{"hospital-series", "winter-grid-deaths", "gnss-jamming"} {
		rep := MustAssess(t, 2, MustExample(t, name))
		whole, err := json.Marshal(map[string]any{
			"case": rep.Case, "evidence_digest": rep.EvidenceDigest, "doctrines": rep.Doctrines,
			"findings": assess.HashedFindingsOf(rep),
		})
		if err != nil {
			t.Fatal(err)
		}
		c, err := jcs.Transform(whole)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(c)
		if want := hex.EncodeToString(sum[:]); rep.Hash != want {
			t.Errorf("%s: hash %s, canonical whole gives %s", name, rep.Hash, want)
		}
		rep.Incidents[0].Assessments["jp"].Severity++
		changed, err := assess.AssessmentHash(context.Background(), rep, 1)
		if err != nil {
			t.Fatal(err)
		}
		if changed == rep.Hash {
			t.Errorf("%s: a changed severity left the hash unchanged", name)
		}
	}
}

// TestCaseIDWithoutGrouping: without a grouping the case id is the UUIDv5
// of the sorted incident ids, whatever their order.
func TestCaseIDWithoutGrouping(t *testing.T) {
	a := assess.CaseID([]string{"incident--b", "incident--a"})
	b := assess.CaseID([]string{"incident--a", "incident--b"})
	if a != b || len(a) != len("grouping--")+36 {
		t.Fatalf("case ids %s %s", a, b)
	}
	if a == assess.CaseID([]string{"incident--a"}) {
		t.Fatal("different incident sets gave one case id")
	}
	data, err := examples.Read("dam-control")
	if err != nil {
		t.Fatal(err)
	}
	var bundle map[string]any
	if err := json.Unmarshal(data, &bundle); err != nil {
		t.Fatal(err)
	}
	var kept []any
	var incidents []string
	for _, o := range bundle["objects"].([]any) {
		m := o.(map[string]any)
		if m["type"] == "grouping" {
			continue
		}
		if m["type"] == "incident" {
			incidents = append(incidents, m["id"].(string))
		}
		kept = append(kept, m)
	}
	bundle["objects"] = kept
	raw, _ := json.Marshal(bundle)
	rep := MustAssess(t, 0, MustParse(t, raw))
	if rep.Case != assess.CaseID(incidents) {
		t.Errorf("case %s, want %s", rep.Case, assess.CaseID(incidents))
	}
}
