package doctrine_test

import (
	"strings"
	"testing"

	"article5"
)

// shownReasons is every "met" or score reason a doctrine shows for an
// incident: the Schmitt factors that score, the gravity criteria met, the use-of-force
// and armed-attack findings when met, and the tier rule.
func shownReasons(a *article5.DoctrineAssessment) map[string]string {
	out := map[string]string{"tier " + string(a.Tier): a.TierRule.Reason}
	for _, f := range a.UseOfForce.Factors {
		if f.Score > 0 {
			out["factor "+f.Name] = f.Reasons
		}
	}
	for _, c := range a.ArmedAttack.Criteria {
		if c.Met {
			out["criterion "+c.Name] = c.Reasons
		}
	}
	if a.UseOfForce.Met {
		out["use of force"] = a.UseOfForce.Reason
	}
	if a.ArmedAttack.Met {
		out["armed attack"] = a.ArmedAttack.Reason
	}
	return out
}

// TestReasonsNameOnlyEstablishedFacts: a reason shown as met, or as the
// reason for a score, describes what met the rule, not a fact that is not
// established. A rule met on one of several branches either has a reason
// per branch or words its reason to be true of each branch.
//
// The first case is NotPetya-like: no deaths or injuries, objects damaged
// but working, a critical function lost for ten days without foreseeable
// recovery, national scale, by a State organ. Under us it is an armed
// attack through the critical-function and scale criteria, not through
// casualties or destruction, and its measurability rests on the number of
// deaths being known (zero), the cost and the duration.
func TestReasonsNameOnlyEstablishedFacts(t *testing.T) {
	notPetya := stateOrgan(map[string]any{"operation_type": "destruction", "deaths": 0, "injuries": 0,
		"physical_damage": "damaged-functional", "integrity_alteration": "full-destruction", "recoverability": "not-recoverable",
		"availability_loss": 100, "duration_hours": 240.0, "ci_sectors": []string{"us-ppd-21:energy", "jp-nisc:electric-power"},
		"geographic_extent": "international", "economic_loss_usd": 1e10, "organised_and_planned": true})
	wiper := stateOrgan(map[string]any{"operation_type": "destruction", "deaths": 0, "injuries": 0,
		"integrity_alteration": "full-destruction", "ci_sectors": []string{"jp-nisc:gas"}, "military_target": false,
		"duration_hours": 48.0, "economic_loss_usd": 2e6})
	blast := stateOrgan(map[string]any{"operation_type": "destruction", "deaths": 0, "injuries": 0, "physical_damage": "destruction",
		"ci_sectors": []string{"jp-nisc:gas"}, "duration_hours": 24.0, "geographic_extent": "regional", "organised_and_planned": true})
	// Phrases a reason may use only when the fact behind them is established.
	noCasualties := []string{"casualties", "death, injury", "confirmed deaths", "deaths or injuries"}
	noDestruction := []string{"physical destruction", "objects were destroyed", "death, injury or destruction"}
	noMilitary := []string{"military", "space systems"}
	for _, tc := range []struct {
		name      string
		facts     map[string]any
		forbidden []string
	}{
		{"NotPetya-like", notPetya, append(append([]string{}, noCasualties...), noDestruction...)},
		{"pipeline destroyed, nobody hurt", blast, noCasualties},
		{"wiper in critical infrastructure", wiper, append(append(append([]string{}, noCasualties...), noDestruction...), noMilitary...)},
	} {
		for _, id := range []string{"jp", "us"} {
			a, err := MustDefault(t, id).Evaluate(MustFacts(t, tc.facts))
			if err != nil {
				t.Fatal(err)
			}
			for where, reason := range shownReasons(a) {
				low := strings.ToLower(reason)
				for _, f := range tc.forbidden {
					if strings.Contains(low, f) && !oneOfRoutes(low, f) {
						t.Errorf("%s, doctrine %s, %s: reason names %q, which is not established: %s", tc.name, id, where, f, reason)
					}
				}
			}
			if tc.name == "NotPetya-like" && id == "us" && !a.ArmedAttack.Met {
				t.Errorf("NotPetya-like under us: armed attack not met; the case must reach it through critical function and scale")
			}
		}
	}
}

// oneOfRoutes reports whether the phrase appears only in an alternative
// ("… or …") that the reason offers as one of several routes, which is
// true of each branch.
func oneOfRoutes(reason, phrase string) bool {
	i := strings.Index(reason, phrase)
	return i >= 0 && strings.Contains(reason[:i], "at least one of")
}

// TestNeededFactReasonInPlainWords: the tier rule of a finding left
// undecided by a needed fact reads as prose for legal advisers: it says
// what the tier would be on the known facts and what it would be if the
// fact were established, without the program's terms ("needed facts",
// "needed-fact-…") in the reason or its source.
func TestNeededFactReasonInPlainWords(t *testing.T) {
	a, err := MustDefault(t, "jp").Evaluate(MustFacts(t, map[string]any{"operation_type": "destruction", "physical_damage": "destruction",
		"deaths": 15, "ci_sectors": []string{"jp-nisc:gas"}, "organised_and_planned": true}))
	if err != nil {
		t.Fatal(err)
	}
	if a.Tier != article5.TierIndeterminate || a.UndecidedBy != "state_nexus" {
		t.Fatalf("tier %s undecided by %q, want indeterminate by state_nexus", a.Tier, a.UndecidedBy)
	}
	r := a.TierRule
	for _, bad := range []string{"needed fact", "needed-fact", "state_nexus", ": armed-attack-possible"} {
		if strings.Contains(r.Reason, bad) || strings.Contains(r.Source, bad) {
			t.Errorf("the tier rule uses the program's term %q: %s [%s]", bad, r.Reason, r.Source)
		}
	}
	if !strings.Contains(r.Reason, "On the known facts the tier would be below-threshold; it would be armed-attack-possible if ") {
		t.Errorf("the reason does not say the tier on the known facts and the tier if the fact were established: %s", r.Reason)
	}
}

// TestConsentQuestionNamesTheTerritorialState: consent precludes
// wrongfulness when given by the State whose rights the conduct affects
// (ARSIWA Art. 20), for a use of force the territorial State. The
// checklist asks about that State in general terms, so an incident
// outside Japan is not asked whether Japan consented.
func TestConsentQuestionNamesTheTerritorialState(t *testing.T) {
	for _, id := range []string{"jp", "us"} {
		a, err := MustDefault(t, id).Evaluate(MustFacts(t, map[string]any{"scope": "out", "operation_type": "disruption", "availability_loss": 60}))
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, it := range a.Checklist {
			if it.Fact != "consent" {
				continue
			}
			found = true
			if strings.HasPrefix(it.Question, "Had Japan") || !strings.Contains(it.Question, "the State in whose territory") {
				t.Errorf("doctrine %s asks about consent as if the incident were in Japan: %s", id, it.Question)
			}
		}
		if !found {
			t.Errorf("doctrine %s does not ask about consent", id)
		}
	}
}
