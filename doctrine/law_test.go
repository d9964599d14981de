package doctrine_test

import (
	"fmt"
	"strings"
	"testing"

	"article5"
)

// TestStateOrganPresumedOrganised: a State organ's operation (ARSIWA
// Art. 4), attributed at 90, that destroyed a dam's gates and killed 40
// people is far above Japan's armed-attack line. That it was organised and
// planned is not asserted, but the conduct of a State organ is presumed
// so (Diet, May 2019: organised and planned; ARSIWA Art. 4). Expected for
// jp: armed-attack-possible, the presumption shown with its reason and
// rebuttal, and changes_if listing the rebuttal (shown not organised and
// planned: a use of force below armed-attack gravity).
func TestStateOrganPresumedOrganised(t *testing.T) {
	jp := MustDefault(t, "jp")
	f := MustFacts(t, stateOrgan(map[string]any{"operation_type": "destruction", "physical_damage": "destruction", "deaths": 40,
		"ci_sectors": []string{"us-ppd-21:dams"}, "people_affected": 20000, "duration_hours": 72.0}))
	a, err := jp.Evaluate(f)
	if err != nil {
		t.Fatal(err)
	}
	if a.Tier != article5.TierArmedAttackPossible {
		t.Fatalf("tier %s (%s), want armed-attack-possible", a.Tier, a.TierRule.Reason)
	}
	var p *article5.Presumption
	for i := range a.Presumptions {
		if a.Presumptions[i].Fact == "organised_and_planned" {
			p = &a.Presumptions[i]
		}
	}
	if p == nil || p.Value != true || p.RebuttedBy.Fact != "organised_and_planned" || p.RebuttedBy.Value != false || p.Because == "" || !strings.Contains(p.Source, "ARSIWA") {
		t.Fatalf("presumption %+v", p)
	}
	found := false
	for _, c := range a.ChangesIf {
		if c.Fact == "organised_and_planned" && c.Value == false && c.Tier == article5.TierUseOfForcePossible {
			found = true
		}
	}
	if !found {
		t.Errorf("changes_if lacks the rebuttal: %+v", a.ChangesIf)
	}
	// An explicit false rebuts it: no presumption, a use of force.
	f.Set("organised_and_planned", false)
	b, err := jp.Evaluate(f)
	if err != nil {
		t.Fatal(err)
	}
	if b.Tier != article5.TierUseOfForcePossible || len(b.Presumptions) != 1 || b.Presumptions[0].Fact != "deliberate" {
		t.Errorf("rebutted: tier %s presumptions %+v, want use-of-force-possible and only deliberate presumed", b.Tier, b.Presumptions)
	}
}

// TestSeverityDoctrineSide: DCID severity reads the duration, gives
// military networks their weight and counts a sector on both lists once.
// Each expectation follows the DCID v2 scale (Valeriano & Maness) as
// DESIGN.md gives it.
func TestSeverityDoctrineSide(t *testing.T) {
	tests := []struct {
		name  string
		facts map[string]any
		want  int
		why   string
	}{
		{"suspected intrusion into a military network", map[string]any{"operation_type": "espionage", "military_target": true, "data_loss": "suspected-loss"}, 3,
			"an intrusion into a military network weighs at least as theft from one network (DCID 3)"},
		{"suspected intrusion into one private firm on both lists", map[string]any{"operation_type": "espionage", "data_loss": "suspected-loss",
			"ci_sectors": []string{"jp-nisc:finance", "us-ppd-21:financial-services"}}, 1,
			"one firm, one sector named on both lists, nothing shown lost: access only (DCID 1), not several networks"},
		{"theft from a military network", map[string]any{"operation_type": "espionage", "military_target": true, "data_loss": "confirmed-loss"}, 4,
			"theft from military networks (DCID 4: intrusion into government, military, economic or critical networks)"},
		{"national power outage, six hours", map[string]any{"operation_type": "disruption", "ci_sectors": []string{"jp-nisc:electric-power"},
			"availability_loss": 95, "geographic_extent": "national", "duration_hours": 6.0}, 2,
			"recoverable disruption: six hours is not critical national economic disruption (DCID 2)"},
		{"national power outage, four days", map[string]any{"operation_type": "disruption", "ci_sectors": []string{"jp-nisc:electric-power"},
			"availability_loss": 95, "geographic_extent": "national", "duration_hours": 96.0}, 8,
			"national disruption of critical infrastructure for days (DCID 8)"},
		{"regional outage for weeks (class only)", map[string]any{"operation_type": "disruption", "ci_sectors": []string{"us-ppd-21:water-wastewater"},
			"availability_loss": 100, "geographic_extent": "regional", "effects_duration": "weeks"}, 6,
			"function near zero for a sustained period (DCID 6); the duration class gives at least a week"},
	}
	for _, id := range []string{"jp", "us"} {
		d := MustDefault(t, id)
		for _, tc := range tests {
			a, err := d.Evaluate(MustFacts(t, tc.facts))
			if err != nil {
				t.Fatal(err)
			}
			if a.Severity != tc.want {
				t.Errorf("%s %s: severity %d (%s), want %d: %s", id, tc.name, a.Severity, a.SeverityReason, tc.want, tc.why)
			}
		}
	}
}

// TestProbeTextsInPlainWords: changes_if texts use units, thousands
// separators and the right number, never a fact name.
func TestProbeTextsInPlainWords(t *testing.T) {
	us := MustDefault(t, "us")
	a, err := us.Evaluate(MustFacts(t, stateOrgan(map[string]any{"operation_type": "destruction", "physical_damage": "damaged-functional",
		"ci_sectors": []string{"jp-nisc:electric-power"}, "people_affected": 450000, "availability_loss": 95, "duration_hours": 60.0, "deaths": 0})))
	if err != nil {
		t.Fatal(err)
	}
	all := ""
	for _, c := range a.ChangesIf {
		all += c.Text + "\n"
	}
	for _, want := range []string{"at least 1 death were confirmed", "1,000,000 people", "(now: 450,000 people)", "(confirmed direct deaths now: none)"} {
		if !strings.Contains(all, want) {
			t.Errorf("changes_if texts lack %q:\n%s", want, all)
		}
	}
	for _, bad := range []string{"1 deaths", "1000000", "deaths_indirect", "people_affected", "_"} {
		if strings.Contains(all, bad) {
			t.Errorf("changes_if texts contain %q:\n%s", bad, all)
		}
	}
}

// TestFormatValue pins the plain-word rendering of fact values.
func TestFormatValue(t *testing.T) {
	cat := article5.FactCatalogue()
	def := func(n string) article5.FactDef {
		i, _ := article5.FactIndex(n)
		return cat[i]
	}
	for _, tc := range []struct {
		fact string
		v    any
		want string
	}{
		{"deaths", int64(1), "1 death"}, {"deaths", int64(12), "12 deaths"}, {"deaths", int64(0), "none"}, {"deaths", nil, "unknown"},
		{"people_affected", int64(1000000), "1,000,000 people"}, {"people_affected", int64(1), "1 person"},
		{"duration_hours", 36.5, "36.5 hours"}, {"duration_hours", 1.0, "1 hour"},
		{"availability_loss", int64(100), "100%"}, {"economic_loss_usd", 1e9, "USD 1,000,000,000"},
		{"state_nexus_confidence", int64(60), "60/100"}, {"physical_damage", "destruction", "destruction"},
		{"ci_sectors", []string{"jp-nisc:electric-power"}, "electric power (Japan's list)"},
	} {
		if got := article5.FormatValue(def(tc.fact), tc.v); got != tc.want {
			t.Errorf("%s %v: %q, want %q", tc.fact, tc.v, got, tc.want)
		}
	}
	if got := fmt.Sprint(article5.CountSectors([]string{"jp-nisc:railways", "jp-nisc:airports", "us-ppd-21:transportation-systems", "us-ppd-21:water-wastewater"})); got != "3" {
		t.Errorf("sectors counted %s, want 3 (railways, airports, water)", got)
	}
}
