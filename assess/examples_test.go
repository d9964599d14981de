package assess_test

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"runtime"
	"testing"

	"article5"
	"article5/assess"
	"article5/doctrine"
	"article5/examples"
	"article5/stix"
)

// MustDoctrines loads the built-in doctrines.
func MustDoctrines(tb testing.TB) []*doctrine.Doctrine {
	tb.Helper()
	var out []*doctrine.Doctrine
	for _, id := range doctrine.DefaultIDs {
		d, err := doctrine.Default(id)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, d)
	}
	return out
}

// MustExample parses a built-in example bundle.
func MustExample(tb testing.TB, name string) *stix.Bundle {
	tb.Helper()
	data, err := examples.Read(name)
	if err != nil {
		tb.Fatal(err)
	}
	b, err := stix.Parse(data)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// MustAssess assesses bundles with the built-in doctrines.
func MustAssess(tb testing.TB, workers int, bundles ...*stix.Bundle) *article5.Report {
	tb.Helper()
	rep, err := assess.Assess(context.Background(), assess.Options{Doctrines: MustDoctrines(tb), Workers: workers}, bundles...)
	if err != nil {
		tb.Fatal(err)
	}
	return rep
}

// TestExamplesHandExpectations checks every example against the outcome
// written by hand in examples_expect_test.go.
func TestExamplesHandExpectations(t *testing.T) {
	covered := map[string]bool{}
	for _, want := range handExpectations {
		t.Run(want.File, func(t *testing.T) {
			rep := MustAssess(t, 0, MustExample(t, want.File))
			if string(rep.Scope.Value) != want.Scope {
				t.Errorf("scope %s, want %s (%s)\n  basis: %s", rep.Scope.Value, want.Scope, want.Reason, rep.Scope.Basis)
			}
			covered["scope:"+string(rep.Scope.Value)] = true
			anyChanges := false
			for id, tier := range want.Tier {
				a := rep.Assessments[id]
				if a == nil {
					t.Fatalf("no assessment for doctrine %s", id)
				}
				covered["tier:"+string(a.Tier)] = true
				if string(a.Tier) != tier {
					t.Errorf("%s: tier %s, want %s\n  rule: %s\n  want because: %s [%s]", id, a.Tier, tier, a.TierRule.Reason, want.Reason, want.Source)
				}
				if sd, ok := want.SelfDefence[id]; ok && sd != a.SelfDefenceAvailable {
					t.Errorf("%s: self_defence_available %v, want %v", id, a.SelfDefenceAvailable, sd)
				}
				if len(a.ChangesIf) > 0 {
					anyChanges = true
				}
			}
			if want.ChangesIf && !anyChanges {
				t.Errorf("expected a non-empty changes_if for some doctrine (%s)", want.Reason)
			}
			if !want.ChangesIf && anyChanges {
				t.Errorf("expected no changes_if: every fact that could move the tier is stated (%s)", want.Reason)
			}
		})
	}
	for _, k := range []string{"scope:in", "scope:out", "scope:uncertain", "scope:space-consultative",
		"tier:below-threshold", "tier:use-of-force-possible", "tier:armed-attack-possible", "tier:indeterminate"} {
		if !covered[k] {
			t.Errorf("no example covers %s", k)
		}
	}
}

// TestEveryExampleHasAnExpectation keeps the table and the folder in step.
func TestEveryExampleHasAnExpectation(t *testing.T) {
	have := map[string]bool{}
	n := 0
	for _, e := range handExpectations {
		have[e.File] = true
		if e.ChangesIf {
			n++
		}
	}
	for _, name := range examples.Names() {
		if !have[name+".json"] {
			t.Errorf("example %s has no hand-written expectation", name)
		}
	}
	if len(examples.Names()) < 8 {
		t.Errorf("%d examples, want at least 8", len(examples.Names()))
	}
	if n < 3 {
		t.Errorf("%d examples expect a non-empty changes_if, want at least 3", n)
	}
}

// TestChangesIfReappliedOnExamples re-applies every changes_if entry of
// every incident of every example and checks the promised tier.
func TestChangesIfReappliedOnExamples(t *testing.T) {
	docs := MustDoctrines(t)
	for _, name := range examples.Names() {
		b := MustExample(t, name)
		ev, err := assess.NewEvidence(b)
		if err != nil {
			t.Fatal(err)
		}
		g, _ := ev.Grouping()
		incs, err := ev.Incidents(g)
		if err != nil {
			t.Fatal(err)
		}
		cases, err := assess.CaseFacts(context.Background(), ev, nil, incs, 0)
		if err != nil {
			t.Fatal(err)
		}
		for i, f := range cases.Facts {
			for _, d := range docs {
				a, err := d.Evaluate(f)
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range a.ChangesIf {
					g := *f
					g.Values = append([]article5.FactValue(nil), f.Values...)
					g.Set(c.Fact, c.Value)
					for k, v := range c.With {
						g.Set(k, v)
					}
					got, err := d.Tier(&g)
					if err != nil {
						t.Fatal(err)
					}
					if got != c.Tier {
						t.Errorf("%s incident %d %s: %s=%v promised %s, got %s", name, i, d.ID, c.Fact, c.Value, c.Tier, got)
					}
				}
			}
		}
	}
}

// TestHashesIndependentOfOrderAndWorkers: the case id, evidence digest and
// assessment hash are identical with 1 and 2 workers, GOMAXPROCS 1 and 2,
// and with the bundle's objects shuffled.
func TestHashesIndependentOfOrderAndWorkers(t *testing.T) {
	for _, name := range examples.Names() {
		t.Run(name, func(t *testing.T) {
			ref := MustAssess(t, 1, MustExample(t, name))
			refJSON, _ := json.Marshal(ref)
			prev := runtime.GOMAXPROCS(0)
			defer runtime.GOMAXPROCS(prev)
			rng := rand.New(rand.NewPCG(1, uint64(len(name))))
			for round := 0; round < 4; round++ {
				runtime.GOMAXPROCS(1 + round%2)
				b := MustExample(t, name)
				rng.Shuffle(len(b.Objects), func(i, j int) { b.Objects[i], b.Objects[j] = b.Objects[j], b.Objects[i] })
				got := MustAssess(t, 1+round%2, b)
				if got.Case != ref.Case || got.EvidenceDigest != ref.EvidenceDigest || got.Hash != ref.Hash {
					t.Fatalf("round %d: case/digest/hash changed: %s %s %s vs %s %s %s", round, got.Case, got.EvidenceDigest, got.Hash, ref.Case, ref.EvidenceDigest, ref.Hash)
				}
				gotJSON, _ := json.Marshal(got)
				if string(gotJSON) != string(refJSON) {
					t.Fatalf("round %d: report differs with shuffled input", round)
				}
			}
		})
	}
}

// MustParse parses a bundle.
func MustParse(tb testing.TB, data []byte) *stix.Bundle {
	tb.Helper()
	b, err := stix.Parse(data)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
