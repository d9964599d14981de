package assess_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"article5"
	"article5/assess"
	"article5/examples"
	"article5/stix"
)

// eachEvidence merges the named examples (all when none) into one body of
// evidence; extra bundles are added as given.
func eachEvidence(t *testing.T, names []string, extra ...*stix.Bundle) *assess.Evidence {
	t.Helper()
	if names == nil {
		names = examples.Names()
	}
	var bundles []*stix.Bundle
	for _, n := range names {
		bundles = append(bundles, MustExample(t, n))
	}
	ev, err := assess.NewEvidence(append(bundles, extra...)...)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func runEach(t *testing.T, ev *assess.Evidence, workers int, f assess.EachFilter) []assess.EachRow {
	t.Helper()
	rows, err := assess.Each(context.Background(), assess.Options{Doctrines: MustDoctrines(t), Workers: workers}, ev, f, nil)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// mutateExample returns an example bundle changed by fn, which receives
// the incident (as a generic map) to change.
func mutateExample(t *testing.T, name string, fn func(inc map[string]any)) *stix.Bundle {
	t.Helper()
	data, err := examples.Read(name)
	if err != nil {
		t.Fatal(err)
	}
	var b map[string]any
	if err := json.Unmarshal(data, &b); err != nil {
		t.Fatal(err)
	}
	for _, o := range b["objects"].([]any) {
		if m := o.(map[string]any); m["type"] == "incident" {
			fn(m)
		}
	}
	data, err = json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	out, err := stix.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func ext(inc map[string]any, id string) map[string]any {
	return inc["extensions"].(map[string]any)[id].(map[string]any)
}

func namesOf(rows []assess.EachRow) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r.Name)
	}
	return out
}

func date(s string) time.Time {
	d, _ := time.Parse(time.DateOnly, s)
	return d
}

// TestEachFilters checks each filter on the 14 examples merged (16
// incidents; the counts are written by hand from the example files). One of
// them, plain-stix-hospital, is core STIX with no date: it sorts last.
func TestEachFilters(t *testing.T) {
	ev := eachEvidence(t, nil)
	all := runEach(t, ev, 0, assess.EachFilter{})
	if len(all) != 16 {
		t.Fatalf("%d rows, want the 16 incidents of the examples", len(all))
	}
	if last := all[len(all)-1]; last.Date != "" || !strings.HasPrefix(last.Name, "Ransomware at Osaka General Medical Center") {
		t.Errorf("last row %q dated %q, want the undated core-STIX export", last.Name, last.Date)
	}
	all = all[:len(all)-1]
	for i := 1; i < len(all); i++ {
		a, b := all[i-1], all[i]
		if a.Date > b.Date || (a.Date == b.Date && a.ID >= b.ID) {
			t.Errorf("rows not sorted by date then id: %s %s before %s %s", a.Date, a.ID, b.Date, b.ID)
		}
	}
	for _, r := range all {
		if r.Err != "" || len(r.Assessments) != 2 || r.Date == "" {
			t.Errorf("%s: err %q, %d assessments, date %q", r.ID, r.Err, len(r.Assessments), r.Date)
		}
	}
	guam := all[0] // 2021-06-01, the earliest
	if !strings.HasPrefix(guam.Name, "Volt Typhoon") || guam.Date != "2021-06-01" ||
		guam.Initiator != "Government of the People's Republic of China" || guam.Receivers[0] != "GU" || guam.Scope.Value != article5.ScopeOut {
		t.Errorf("first row %+v", guam)
	}

	cases := []struct {
		name   string
		filter assess.EachFilter
		want   int
	}{
		{"receiver JP", assess.EachFilter{Receiver: "JP"}, 13},              // all but Guam, GNSS (no country) and Himawari (no location)
		{"receiver jp lower-case", assess.EachFilter{Receiver: "jp"}, 13},   // case-insensitive
		{"receiver country name", assess.EachFilter{Receiver: "japan"}, 15}, // the 13 in JP, and targets named "Japan Meteorological Agency", "… Sea of Japan …"
		{"receiver Guam by name", assess.EachFilter{Receiver: "guam"}, 1},
		{"receiver target identity", assess.EachFilter{Receiver: "hospitals"}, 3},
		{"receiver US is a code, not a substring", assess.EachFilter{Receiver: "US"}, 0},
		{"initiator actor", assess.EachFilter{Initiator: "killnet"}, 1},
		{"initiator State", assess.EachFilter{Initiator: "state x"}, 10},
		{"initiator State name of Volt Typhoon", assess.EachFilter{Initiator: "china"}, 1},
		{"date range", assess.EachFilter{From: date("2026-01-01"), To: date("2026-03-31")}, 3},
		{"from only", assess.EachFilter{From: date("2026-09-01")}, 3},
		{"to only", assess.EachFilter{To: date("2023-06-30")}, 3},
		{"scope out", assess.EachFilter{Scope: article5.ScopeOut}, 1},
		{"scope space", assess.EachFilter{Scope: article5.ScopeSpaceConsultative}, 1},
		{"scope uncertain", assess.EachFilter{Scope: article5.ScopeUncertain}, 1},
		{"scope in", assess.EachFilter{Scope: article5.ScopeIn}, 13},
		{"tier indeterminate", assess.EachFilter{Tier: article5.TierIndeterminate}, 3},
		{"tier armed attack, any doctrine", assess.EachFilter{Tier: article5.TierArmedAttackPossible}, 3},
		{"combined", assess.EachFilter{Receiver: "JP", Initiator: "State X", Tier: article5.TierUseOfForcePossible, From: date("2026-03-01")}, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rows := runEach(t, ev, 0, c.filter)
			if len(rows) != c.want {
				t.Errorf("%d rows, want %d: %q", len(rows), c.want, namesOf(rows))
			}
		})
	}
	if _, err := assess.Each(context.Background(), assess.Options{Doctrines: MustDoctrines(t)}, ev, assess.EachFilter{Tier: "high"}, nil); article5.ErrorCode(err) != article5.EINVALID {
		t.Errorf("unknown tier: %v, want EINVALID", err)
	}
	if _, err := assess.Each(context.Background(), assess.Options{Doctrines: MustDoctrines(t)}, ev, assess.EachFilter{Scope: "inside"}, nil); article5.ErrorCode(err) != article5.EINVALID {
		t.Errorf("unknown scope: %v, want EINVALID", err)
	}
}

// TestEachUndated: an incident without a date sorts last and is left out
// by any date filter.
func TestEachUndated(t *testing.T) {
	undated := mutateExample(t, "space-agency-espionage", func(inc map[string]any) {
		delete(ext(inc, article5.IncidentCoreID), "impact_refs")
		a5 := ext(inc, article5.ExtensionID)
		delete(a5, "first_seen")
		delete(a5, "last_seen")
	})
	ev := eachEvidence(t, []string{"dam-control", "port-ransomware"}, undated)
	rows := runEach(t, ev, 0, assess.EachFilter{})
	if len(rows) != 3 || rows[2].Date != "" || !strings.Contains(rows[2].Name, "JAXA") {
		t.Fatalf("want the undated JAXA incident last, got %q", namesOf(rows))
	}
	rows = runEach(t, ev, 0, assess.EachFilter{To: date("2100-01-01")})
	if len(rows) != 2 {
		t.Errorf("date filter kept %q, want the two dated incidents", namesOf(rows))
	}
}

// TestSummarizeHandCounted tabulates six examples whose scope, tiers and
// severity are written by hand here (from examples_expect_test.go and the
// golden reports).
func TestSummarizeHandCounted(t *testing.T) {
	ev := eachEvidence(t, []string{"gnss-jamming", "guam-prepositioning", "unattributed-pipeline", "atc-low-confidence", "dam-control", "satellite-takeover"})
	rows := runEach(t, ev, 2, assess.EachFilter{})
	s := assess.Summarize(rows, []string{"jp", "us"})
	if s.Rows != 6 || s.Errors != 0 {
		t.Fatalf("rows %d errors %d, want 6 and 0", s.Rows, s.Errors)
	}
	wantScopes := map[article5.Scope]int{"in": 3, "out": 1, "uncertain": 1, "space-consultative": 1}
	for sc, n := range wantScopes {
		if s.Scopes[sc] != n {
			t.Errorf("scope %s: %d, want %d", sc, s.Scopes[sc], n)
		}
	}
	type cellKey struct {
		tier  article5.Tier
		scope article5.Scope
	}
	want := map[string]map[cellKey]int{
		"jp": {{"below-threshold", "uncertain"}: 1, {"below-threshold", "out"}: 1, {"indeterminate", "in"}: 2,
			{"armed-attack-possible", "in"}: 1, {"use-of-force-possible", "space-consultative"}: 1},
		"us": {{"below-threshold", "uncertain"}: 1, {"below-threshold", "out"}: 1,
			{"armed-attack-possible", "in"}: 3, {"use-of-force-possible", "space-consultative"}: 1},
	}
	// GNSS jamming 2: recoverable disruption, not an intrusion into
	// networks (DCID 2; aviation on Japan's list and transportation on the
	// U.S. list are one sector); Guam 4: suspected theft across networks of
	// international extent; Himawari 5; pipeline, ATC, dam 9.
	wantSeverity := [11]int{2: 1, 4: 1, 5: 1, 9: 3}
	for i, d := range s.Doctrines {
		if d.Doctrine != []string{"jp", "us"}[i] {
			t.Fatalf("doctrine %d is %s", i, d.Doctrine)
		}
		sum := 0
		for _, tier := range assess.Tiers {
			rowSum := 0
			for _, sc := range assess.Scopes {
				n := d.TierScope[tier][sc]
				if n != want[d.Doctrine][cellKey{tier, sc}] {
					t.Errorf("%s %s × %s: %d, want %d", d.Doctrine, tier, sc, n, want[d.Doctrine][cellKey{tier, sc}])
				}
				rowSum += n
			}
			if rowSum != d.Tiers[tier] {
				t.Errorf("%s %s: tier total %d, cells add up to %d", d.Doctrine, tier, d.Tiers[tier], rowSum)
			}
			sum += d.Tiers[tier]
		}
		sev := 0
		for _, n := range d.Severity {
			sev += n
		}
		if sum != len(rows) || sev != len(rows) {
			t.Errorf("%s: tiers add up to %d, severities to %d, want %d", d.Doctrine, sum, sev, len(rows))
		}
		if d.Severity != wantSeverity {
			t.Errorf("%s severity %v, want %v", d.Doctrine, d.Severity, wantSeverity)
		}
	}
	jp, us := s.Doctrines[0], s.Doctrines[1]
	if jp.Indeterminate != 2 || jp.UndecidedBy["state_nexus"] != 1 || jp.UndecidedBy["state_nexus_confidence"] != 1 {
		t.Errorf("jp indeterminate %d by %v, want 2: state_nexus 1 (pipeline), state_nexus_confidence 1 (ATC)", jp.Indeterminate, jp.UndecidedBy)
	}
	if us.Indeterminate != 0 || len(us.UndecidedBy) != 0 {
		t.Errorf("us indeterminate %d by %v, want none", us.Indeterminate, us.UndecidedBy)
	}
	// Doctrines from the rows when not given.
	if s2 := assess.Summarize(rows, nil); len(s2.Doctrines) != 2 || s2.Doctrines[0].Doctrine != "jp" {
		t.Errorf("Summarize(nil) doctrines %+v", s2.Doctrines)
	}
}

// TestEachFaultyIncident: a malformed fact makes its incident an error row;
// the others are assessed, and the summary counts it apart.
func TestEachFaultyIncident(t *testing.T) {
	bad := mutateExample(t, "port-ransomware", func(inc map[string]any) {
		ext(inc, article5.ExtensionID)["domain"] = "underwater"
	})
	var names []string
	for _, n := range examples.Names() {
		if n != "port-ransomware" {
			names = append(names, n)
		}
	}
	ev := eachEvidence(t, names, bad)
	var last, calls int
	rows, err := assess.Each(context.Background(), assess.Options{Doctrines: MustDoctrines(t), Workers: 2}, ev, assess.EachFilter{},
		func(done, total int) {
			if done < last || total != 16 {
				t.Errorf("progress %d/%d after %d", done, total, last)
			}
			last = done
			calls++
		})
	if err != nil {
		t.Fatalf("one faulty incident stopped the batch: %v", err)
	}
	if last != 16 || calls < 2 {
		t.Errorf("progress ended at %d after %d calls, want 16", last, calls)
	}
	if len(rows) != 16 {
		t.Fatalf("%d rows, want 16", len(rows))
	}
	var faulty []assess.EachRow
	for _, r := range rows {
		if r.Err != "" {
			faulty = append(faulty, r)
		} else if len(r.Assessments) != 2 {
			t.Errorf("%s not assessed", r.ID)
		}
	}
	if len(faulty) != 1 {
		t.Fatalf("%d error rows, want 1", len(faulty))
	}
	f := faulty[0]
	if f.ID != "incident--e60f1fec-0bd8-41c0-bb39-3c883f25ed32" || f.Assessments != nil || len(f.ErrDetails) == 0 ||
		!strings.Contains(f.Err, "/extensions/"+article5.ExtensionID+"/domain") || f.Name == "" || f.Date == "" {
		t.Errorf("error row %+v", f)
	}
	s := assess.Summarize(rows, []string{"jp", "us"})
	if s.Rows != 15 || s.Errors != 1 {
		t.Errorf("summary rows %d errors %d, want 15 and 1", s.Rows, s.Errors)
	}
	// Filters do not hide a row that could not be assessed.
	rows = runEach(t, ev, 1, assess.EachFilter{Scope: article5.ScopeOut})
	if len(rows) != 2 {
		t.Errorf("scope out: %q, want Guam and the faulty incident", namesOf(rows))
	}
	// The whole-case assessment still refuses it.
	if _, err := assess.AssessEvidence(context.Background(), assess.Options{Doctrines: MustDoctrines(t)}, eachEvidence(t, []string{"dam-control"}, bad)); article5.ErrorCode(err) != article5.EINVALID {
		t.Errorf("AssessEvidence: %v, want EINVALID", err)
	}
}

// TestEachDeterministic: the rows are identical with 1 and 2 workers.
func TestEachDeterministic(t *testing.T) {
	ev := eachEvidence(t, nil)
	enc := func(workers int) string {
		b, err := json.Marshal(runEach(t, ev, workers, assess.EachFilter{}))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	one := enc(1)
	for i := 0; i < 3; i++ {
		if two := enc(2); two != one {
			t.Fatal("rows differ between 1 and 2 workers")
		}
	}
}

// TestTopReasonInWords checks that the one-line reason of a batch row names
// Schmitt factors in words ("presumptive legality", "State involvement"), as
// the text report does, never by their JSON names: legal advisers read it.
func TestTopReasonInWords(t *testing.T) {
	rows := runEach(t, eachEvidence(t, nil), 2, assess.EachFilter{})
	factorLines := 0
	for _, r := range rows {
		for id, a := range r.Assessments {
			reason := assess.TopReason(a)
			head, _, _ := strings.Cut(reason, " — ")
			if strings.Contains(head, "/3") {
				factorLines++
			}
			if strings.Contains(head, "_") {
				t.Errorf("%s, doctrine %s: reason %q names a factor by its JSON name", r.ID, id, head)
			}
		}
	}
	if factorLines == 0 {
		t.Fatal("no reason named a Schmitt factor: the test checks nothing")
	}
}
