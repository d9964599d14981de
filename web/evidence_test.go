package web_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestEvidenceBundle: the case page offers the case's evidence as a STIX
// bundle; it holds the example's grouping and incident exactly as filed,
// typed and named as a STIX download; a JP observer gets for a U.S.
// TLP:RED case exactly what a missing case gives.
func TestEvidenceBundle(t *testing.T) {
	e := MustEnv(t)
	e.MustIngest(t, "jp-analyst", MustExample(t, "dam-control"))
	c := e.client(t, "en")
	c.MustLogin(t, "jp-observer")
	if p := c.get(t, "/cases/"+damCase); !strings.Contains(p.body, `href="/cases/`+damCase+`/evidence.json"`) {
		t.Errorf("the case page does not offer the evidence bundle")
	}
	p := c.get(t, "/cases/"+damCase+"/evidence.json")
	if p.status != http.StatusOK {
		t.Fatalf("evidence.json: %d %.300s", p.status, p.body)
	}
	var b struct {
		Type    string `json:"type"`
		Objects []struct {
			Type string `json:"type"`
			ID   string `json:"id"`
		} `json:"objects"`
	}
	if err := json.Unmarshal([]byte(p.body), &b); err != nil || b.Type != "bundle" {
		t.Fatalf("evidence.json is not a STIX bundle: %v %.300s", err, p.body)
	}
	types := map[string]int{}
	var ids []string
	for _, o := range b.Objects {
		types[o.Type]++
		ids = append(ids, o.ID)
	}
	if types["grouping"] != 1 || types["incident"] < 1 || !strings.Contains(strings.Join(ids, " "), damCase) {
		t.Errorf("evidence bundle objects: %v", ids)
	}

	e2 := MustEnv(t)
	e2.MustIngest(t, "us-analyst", RedUS(t, "dam-control"))
	jp := e2.client(t, "en")
	jp.MustLogin(t, "jp-observer")
	const missing = "grouping--00000000-0000-4000-8000-000000000000"
	gone := jp.get(t, "/cases/"+damCase+"/evidence.json")
	none := jp.get(t, "/cases/"+missing+"/evidence.json")
	if gone.status != http.StatusNotFound || none.status != http.StatusNotFound ||
		strings.ReplaceAll(gone.body, damCase, "ID") != strings.ReplaceAll(none.body, missing, "ID") {
		t.Errorf("a RED case's evidence answers %d, a missing case's %d", gone.status, none.status)
	}
	if strings.Contains(gone.body, redName) || strings.Contains(gone.body, "incident--") {
		t.Errorf("the answer for a RED case leaks its content")
	}
}
