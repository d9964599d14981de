package storetest

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"article5"
)

// The organisations of a node seeded by SeedScale.
const (
	// ScaleOrg created every object (the submitter's organisation).
	ScaleOrg = "identity--5eed5eed-0000-4000-8000-000000000000"
	// ScaleNamed is the red recipient named on every TLP:RED case.
	ScaleNamed = "identity--5eed5eed-0000-4000-8000-00000000000a"
)

// Markings of the TLP 2.0 levels.
const (
	TLPClear       = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"
	TLPGreen       = tlpGreen
	TLPAmber       = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
	TLPAmberStrict = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"
	TLPRed         = tlpRed
)

// ScaleMarking is the marking of every object of seeded case i: GREEN for
// six cases in ten, AMBER for two, AMBER+STRICT for one, and RED (naming
// ScaleNamed) for one.
func ScaleMarking(i int) string {
	switch i % 10 {
	case 6, 7:
		return TLPAmber
	case 8:
		return TLPAmberStrict
	case 9:
		return TLPRed
	}
	return TLPGreen
}

// ScaleCaseID is the id of seeded case i.
func ScaleCaseID(tag string, i int) string {
	return fmt.Sprintf("grouping--%s-0000-4000-8000-%012d", tag, i)
}

// ScaleIncidentID is the id of incident k (0–3) of seeded case i.
func ScaleIncidentID(tag string, i, k int) string {
	return fmt.Sprintf("incident--%s-%04x-4000-8000-%012d", tag, k, i)
}

// ScaleSizes returns the numbers of cases a benchmark at scale seeds:
// ARTICLE5_SCALE_CASES (comma-separated) if set, else def.
func ScaleSizes(def ...int) []int {
	v := os.Getenv("ARTICLE5_SCALE_CASES")
	if v == "" {
		return def
	}
	var out []int
	for _, f := range strings.Split(v, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil && n >= 100 {
			out = append(out, n)
		}
	}
	return out
}

// SeedScale stores n cases the way the worker leaves them, through the
// store's bulk paths (IngestObjects in batches of 10,000 objects, then
// article5.CaseLoader.SaveAssessments), never one case at a time: each
// case is ten objects (a grouping, four incidents, four "targets"
// relationships from its incidents to one of a hundred shared victim
// identities, and a note), all marked ScaleMarking(i) and created by
// ScaleOrg, with its assessment (a report naming only the case and its
// hash), its "assessed" event and an evidence
// index naming the ten. Case i is updated at 2025-01-01 plus i seconds and
// named "Case <i>: <word> at site <i mod 97>". The re-assessments the
// ingest queues are taken off the queue. 100,000 cases (1,000,100
// objects) take about a minute on SQLite. s must be a CaseLoader.
func SeedScale(tb testing.TB, s article5.Store, n int, tag string) {
	tb.Helper()
	ctx := context.Background()
	loader, ok := s.(article5.CaseLoader)
	if !ok {
		tb.Fatalf("storetest: %T has no bulk path for cases (article5.CaseLoader)", s)
	}
	words := []string{"outage", "jamming", "intrusion", "wiper", "ransomware", "spoofing", "sabotage", "espionage"}
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	const stamp = `"created":"2025-01-01T00:00:00.000Z","modified":"2025-01-01T00:00:00.000Z"`
	victim := func(v int) string { return fmt.Sprintf("identity--%s-0000-4000-8000-%012d", tag, 900000+v) }
	stored := func(raw string, red bool) *article5.StoredObject {
		o := Object(tb, raw, "")
		o.Submitter, o.SubmitterOrg = "token--5eed", ScaleOrg
		if red {
			o.RedRecipients = []string{ScaleNamed}
		}
		return o
	}
	var victims []*article5.StoredObject
	for v := range 100 {
		victims = append(victims, stored(fmt.Sprintf(`{"type":"identity","spec_version":"2.1","id":%q,%s,"name":"victim %d","identity_class":"organization","created_by_ref":%q}`,
			victim(v), stamp, v, ScaleOrg), false))
	}
	if _, err := s.IngestObjects(ctx, article5.IngestRequest{Objects: victims}); err != nil {
		tb.Fatal(err)
	}
	const batch = 1000
	for start := 0; start < n; start += batch {
		var objs []*article5.StoredObject
		var cases []article5.AssessedCase
		for i := start; i < min(n, start+batch); i++ {
			mark := ScaleMarking(i)
			red := mark == TLPRed
			extra := fmt.Sprintf(`,"created_by_ref":%q,"object_marking_refs":[%q]`, ScaleOrg, mark)
			if red {
				extra += `,"extensions":{"` + article5.ExtensionID + `":{"extension_type":"property-extension","red_recipients":["` + ScaleNamed + `"]}}`
			}
			g := ScaleCaseID(tag, i)
			x := article5.CaseIndex{Case: g}
			refs := ""
			var caseObjs []*article5.StoredObject
			for k := range 4 {
				inc := ScaleIncidentID(tag, i, k)
				rel := fmt.Sprintf("relationship--%s-%04x-4000-8000-%012d", tag, k, i)
				refs += fmt.Sprintf("%q,%q,", inc, rel)
				caseObjs = append(caseObjs,
					stored(fmt.Sprintf(`{"type":"incident","spec_version":"2.1","id":%q,%s,"name":"incident %d.%d"%s}`, inc, stamp, i, k, extra), red),
					stored(fmt.Sprintf(`{"type":"relationship","spec_version":"2.1","id":%q,%s,"relationship_type":"targets","source_ref":%q,"target_ref":%q%s}`,
						rel, stamp, inc, victim((i+k)%100), extra), red))
			}
			note := fmt.Sprintf("note--%s-0000-4000-8000-%012d", tag, i)
			caseObjs = append(caseObjs,
				stored(fmt.Sprintf(`{"type":"note","spec_version":"2.1","id":%q,%s,"content":"case %d","object_refs":[%q]%s}`, note, stamp, i, ScaleIncidentID(tag, i, 0), extra), red),
				stored(fmt.Sprintf(`{"type":"grouping","spec_version":"2.1","id":%q,%s,"name":"case %d","context":"suspicious-activity","object_refs":[%s%q]%s}`,
					g, stamp, i, refs, note, extra), red))
			for _, o := range caseObjs {
				x.Evidence = append(x.Evidence, article5.ObjectRef{ID: o.ID})
				x.Watched = append(x.Watched, o.ID)
			}
			objs = append(objs, caseObjs...)
			tier := article5.TierBelowThreshold
			if i%50 == 7 {
				tier = article5.TierArmedAttackPossible
			} else if i%3 == 0 {
				tier = article5.TierUseOfForcePossible
			}
			cases = append(cases, article5.AssessedCase{
				Summary: &article5.CaseSummary{ID: g, Name: fmt.Sprintf("Case %06d: %s at site %d", i, words[i%len(words)], i%97), Incidents: 4,
					Updated: base.Add(time.Duration(i) * time.Second), Hash: fmt.Sprintf("%064x", i+1),
					Tiers: map[string]article5.Tier{"jp": article5.TierBelowThreshold, "us": tier}, Scope: article5.ScopeIn},
				Report: []byte(`{"case":"` + g + `","hash":"` + fmt.Sprintf("%064x", i+1) + `"}`), Index: x})
		}
		if _, err := s.IngestObjects(ctx, article5.IngestRequest{Objects: objs}); err != nil {
			tb.Fatal(err)
		}
		if err := loader.SaveAssessments(ctx, cases); err != nil {
			tb.Fatal(err)
		}
	}
	for {
		j, err := s.ClaimJob(ctx, 0, 1000)
		if article5.ErrorCode(err) == article5.ENOTFOUND {
			return
		}
		if err != nil {
			tb.Fatal(err)
		}
		if err := s.CompleteJob(ctx, j); err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchReleasedPages times, on a store seeded by SeedScale with n cases
// and tag, the store's side of the pages a caller opens: the first page of
// 100 cases, a page 20 pages down (from its cursor), one case's release
// decision and the first page of 100 events, for the holder's analyst
// (ScaleHolder), the RED cases' named organisation (ScaleNamedOne) and a
// stranger who may see no case (ScaleStranger). It reports the mean µs of
// each (name-what-µs); run it at several n to see that none grows with
// the cases held.
func BenchReleasedPages(b *testing.B, s article5.Store, tag string, n int) {
	ctx := context.Background()
	for _, c := range []struct {
		name string
		a    article5.Audience
	}{{"holder", ScaleHolder}, {"named", ScaleNamedOne}, {"stranger", ScaleStranger}} {
		deep := ""
		f := article5.CaseFilter{Limit: 100, Audience: c.a}
		for range 20 {
			_, next, err := s.FindCases(ctx, f)
			if err != nil {
				b.Fatal(err)
			}
			if next == "" {
				break
			}
			f.Cursor, deep = next, next
		}
		ops := []struct {
			what string
			run  func() error
		}{
			{"list", func() error {
				_, _, err := s.FindCases(ctx, article5.CaseFilter{Limit: 100, Audience: c.a})
				return err
			}},
			{"deep", func() error {
				_, _, err := s.FindCases(ctx, article5.CaseFilter{Limit: 100, Cursor: deep, Audience: c.a})
				return err
			}},
			{"case", func() error {
				_, err := s.CaseReleasable(ctx, ScaleCaseID(tag, n/2), c.a)
				return err
			}},
			{"events", func() error {
				_, err := s.FindEvents(ctx, article5.EventFilter{Limit: 100, Audience: c.a})
				return err
			}},
		}
		for _, op := range ops {
			const rounds = 200
			start := time.Now()
			for range rounds {
				if err := op.run(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(time.Since(start).Microseconds())/rounds, c.name+"-"+op.what+"-µs")
		}
	}
}
