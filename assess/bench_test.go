package assess_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"article5"
	"article5/assess"
	"article5/examples"
	"article5/stix"

	"github.com/google/uuid"
)

// syntheticCase builds one case of n incidents by replicating the example
// cases' incidents with fresh ids (references rewritten) and varied facts
// (casualty counts, availability, confidence), so that the fact sets are not
// all equal. One grouping references every incident.
func syntheticCase(tb testing.TB, n int) []byte {
	tb.Helper()
	type tmpl struct{ objs []map[string]any }
	var templates []tmpl
	for _, name := range examples.Names() {
		data, err := examples.Read(name)
		if err != nil {
			tb.Fatal(err)
		}
		var b struct {
			Objects []map[string]any `json:"objects"`
		}
		if err := json.Unmarshal(data, &b); err != nil {
			tb.Fatal(err)
		}
		var objs []map[string]any
		for _, o := range b.Objects {
			if o["type"] != "grouping" {
				objs = append(objs, o)
			}
		}
		templates = append(templates, tmpl{objs})
	}
	var out []any
	var incidents []string
	made := 0
	for rep := 0; made < n; rep++ {
		t := templates[rep%len(templates)]
		ids := map[string]string{}
		for _, o := range t.objs {
			id := o["id"].(string)
			typ := id[:strings.Index(id, "--")]
			ids[id] = typ + "--" + uuid.NewSHA1(uuid.NameSpaceOID, []byte(fmt.Sprintf("%d/%s", rep, id))).String()
		}
		for _, o := range t.objs {
			c := rewrite(o, ids, rep).(map[string]any)
			if c["type"] == "incident" {
				if made >= n {
					continue
				}
				made++
				incidents = append(incidents, c["id"].(string))
			}
			out = append(out, c)
		}
	}
	out = append(out, map[string]any{"type": "grouping", "spec_version": "2.1", "id": "grouping--6d1c6a0e-1a7c-4d7e-9c2a-5b1f0e3d2c10",
		"created": "2026-11-20T09:00:00.000Z", "modified": "2026-11-20T09:00:00.000Z", "name": fmt.Sprintf("synthetic case of %d incidents", n),
		"context": "suspicious-activity", "object_refs": incidents})
	data, err := json.Marshal(map[string]any{"type": "bundle", "id": "bundle--" + uuid.NewSHA1(uuid.NameSpaceOID, []byte(fmt.Sprint(n))).String(), "objects": out})
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// rewrite copies v, replacing known ids and varying a few counts by rep.
func rewrite(v any, ids map[string]string, rep int) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			switch k {
			case "count", "availability_impact":
				if f, ok := e.(float64); ok && f > 0 {
					lim := 1e9
					if k == "availability_impact" {
						lim = 100
					}
					e = float64(min(lim, float64(int(f)*(1+rep%7)/4+rep%3)))
				}
			case "confidence":
				if f, ok := e.(float64); ok {
					e = float64((int(f) + 13*rep) % 101)
				}
			}
			m[k] = rewrite(e, ids, rep)
		}
		return m
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = rewrite(e, ids, rep)
		}
		return s
	case string:
		if n, ok := ids[x]; ok {
			return n
		}
	}
	return v
}

// BenchmarkAssess measures the assessment of one case of n incidents with
// both doctrines, changes_if and accumulation, from validated evidence
// (facts, doctrines, divergence, hashes); µs/incident is reported so the
// growth from 100 to 10,000 incidents can be read off directly.
func BenchmarkAssess(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		b.Run(fmt.Sprintf("incidents=%d", n), func(b *testing.B) {
			bundle, err := stix.Parse(syntheticCase(b, n))
			if err != nil {
				b.Fatal(err)
			}
			ev, err := assess.NewEvidence(bundle)
			if err != nil {
				b.Fatal(err)
			}
			opts := assess.Options{Doctrines: MustDoctrines(b)}
			// The evidence digest is a property of the evidence, computed
			// once (as at ingest); BenchmarkEvidenceDigest measures it.
			if _, err := ev.Digest(context.Background(), 0); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			var rep *article5.Report
			for b.Loop() {
				rep, err = assess.AssessEvidence(context.Background(), opts, ev)
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(n), "µs/incident")
			if len(rep.Incidents) != n {
				b.Fatalf("%d incidents assessed, want %d", len(rep.Incidents), n)
			}
		})
	}
}

// BenchmarkEvidenceDigest measures the evidence digest of the 10,000-
// incident case (every object's canonical JSON hashed).
func BenchmarkEvidenceDigest(b *testing.B) {
	bundle, err := stix.Parse(syntheticCase(b, 10000))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(len(bundle.Objects)), "objects")
	for b.Loop() {
		if _, err := assess.EvidenceDigest(context.Background(), bundle.Objects, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAssessEndToEnd adds parsing and STIX validation of the bundle.
func BenchmarkAssessEndToEnd(b *testing.B) {
	data := syntheticCase(b, 10000)
	opts := assess.Options{Doctrines: MustDoctrines(b)}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		bundle, err := stix.Parse(data)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := assess.Assess(context.Background(), opts, bundle); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/10000, "µs/incident")
}

// TestSyntheticCaseIsValid keeps the benchmark input honest: it validates
// and every incident is assessed.
func TestSyntheticCaseIsValid(t *testing.T) {
	bundle, err := stix.Parse(syntheticCase(t, 60))
	if err != nil {
		t.Fatal(err)
	}
	rep := MustAssess(t, 0, bundle)
	if len(rep.Incidents) != 60 {
		t.Fatalf("%d incidents", len(rep.Incidents))
	}
	tiers := map[article5.Tier]bool{}
	for _, inc := range rep.Incidents {
		tiers[inc.Assessments["jp"].Tier] = true
	}
	if len(tiers) < 3 {
		t.Errorf("synthetic facts too uniform: tiers %v", tiers)
	}
}
