package assess_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"article5"
	"article5/assess"
	"article5/doctrine"
	"article5/examples"
	"article5/stix"
)

const (
	winterIncident = "incident--8427b4e1-d27a-49ee-a651-76bc585ab6e3"
	a5Casualties   = "/extensions/" + article5.ExtensionID + "/casualties"
)

// deaths returns n confirmed direct deaths entries of count each.
func deaths(n int, count string) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = map[string]any{"outcome": "death", "count": json.Number(count), "causation": "direct", "status": "confirmed"}
	}
	return out
}

// mutateObjects returns an example bundle with fn applied to every object
// (as a generic map, numbers as json.Number).
func mutateObjects(t *testing.T, name string, fn func(o map[string]any)) *stix.Bundle {
	t.Helper()
	data, err := examples.Read(name)
	if err != nil {
		t.Fatal(err)
	}
	var b map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&b); err != nil {
		t.Fatal(err)
	}
	for _, o := range b["objects"].([]any) {
		fn(o.(map[string]any))
	}
	if data, err = json.Marshal(b); err != nil {
		t.Fatal(err)
	}
	out, err := stix.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func withCasualties(t *testing.T, list []any) *stix.Bundle {
	return mutateObjects(t, "winter-grid-deaths", func(o map[string]any) {
		if o["id"] == winterIncident {
			ext(o, article5.ExtensionID)["casualties"] = list
		}
	})
}

// TestCasualtyCountsAtTheBoundary: the reported inputs — a count of 2^63−1
// beside a count of 2 (which wrapped and cleared the casualties criterion)
// and a count of 2.5 — are invalid input naming the incident and the
// pointer, and so are the variants around them.
func TestCasualtyCountsAtTheBoundary(t *testing.T) {
	cases := []struct {
		name  string
		list  []any
		index string // the entry at fault
	}{
		{"2^63−1 beside 2", append(deaths(1, "9223372036854775807"), deaths(1, "2")...), "0"},
		{"2 beside 2^63−1", append(deaths(1, "2"), deaths(1, "9223372036854775807")...), "1"},
		{"2^53", deaths(1, "9007199254740992"), "0"},
		{"2.5", deaths(1, "2.5"), "0"},
		{"-1", deaths(1, "-1"), "0"},
		{"1e300", deaths(1, "1e300"), "0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := assess.Assess(context.Background(), assess.Options{Doctrines: MustDoctrines(t)}, withCasualties(t, c.list))
			var e *article5.Error
			if !errors.As(err, &e) || e.Code != article5.EINVALID {
				t.Fatalf("err = %v, want EINVALID", err)
			}
			want := a5Casualties + "/" + c.index + "/count"
			for _, d := range e.Details {
				if d.Object == winterIncident && d.Pointer == want {
					return
				}
			}
			t.Errorf("no detail on %s %s: %v", winterIncident, want, err)
		})
	}
	t.Run("a count as a string", func(t *testing.T) {
		list := deaths(1, "0")
		list[0].(map[string]any)["count"] = "12"
		_, err := assess.Assess(context.Background(), assess.Options{Doctrines: MustDoctrines(t)}, withCasualties(t, list))
		if !errors.Is(err, &article5.Error{Code: article5.EINVALID}) || !strings.Contains(err.Error(), a5Casualties+"/0/count") {
			t.Errorf("err = %v", err)
		}
	})
}

// TestCasualtySumsSaturate: valid counts whose sum passes 2^63 (1,100
// entries of 2^53−1) used to wrap to a negative number of deaths and clear
// the casualties criterion; the sum now saturates at 2^53−1, says so, and
// the tier stays at armed-attack-possible.
func TestCasualtySumsSaturate(t *testing.T) {
	rep, err := assess.Assess(context.Background(), assess.Options{Doctrines: MustDoctrines(t)}, withCasualties(t, deaths(1100, "9007199254740991")))
	if err != nil {
		t.Fatal(err)
	}
	for id, a := range rep.Assessments {
		if a.Tier != article5.TierArmedAttackPossible {
			t.Errorf("%s: tier %s, want armed-attack-possible", id, a.Tier)
		}
	}
	saturated := false
	for _, w := range rep.Warnings {
		saturated = saturated || strings.Contains(w, "saturate")
	}
	if !saturated {
		t.Errorf("no warning about the saturated sum: %q", rep.Warnings)
	}
	ev, err := assess.NewEvidence(withCasualties(t, deaths(1100, "9007199254740991")))
	if err != nil {
		t.Fatal(err)
	}
	cases, err := assess.CaseFacts(context.Background(), ev, nil, []*stix.Object{ev.Object(winterIncident)}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got := cases.Facts[0].Get(article5.FactDeaths); !got.Known || got.Value != int64(stix.MaxInteger) {
		t.Errorf("deaths = %v, want %d", got.Value, int64(stix.MaxInteger))
	}
}

// TestEconomicLossSaturates: two USD amounts near the greatest double used
// to add up to +Inf, which no JSON report or canonical hash can hold; the
// sum now saturates at 2^53−1 USD with a warning.
func TestEconomicLossSaturates(t *testing.T) {
	var monetary int
	huge := map[string]any{"variety": "response-and-recovery", "currency": "USD", "min_amount": json.Number("1e308"), "max_amount": json.Number("1.7e308")}
	b := mutateObjects(t, "winter-grid-deaths", func(o map[string]any) {
		if o["type"] != "impact" {
			return
		}
		exts := o["extensions"].(map[string]any)
		if _, ok := exts["monetary"]; ok {
			monetary++
			exts["monetary"] = huge
		}
		if _, ok := exts["integrity"]; ok { // a second monetary impact in its place
			o["impact_category"] = "monetary"
			delete(exts, "integrity")
			exts["monetary"] = huge
		}
	})
	if monetary != 1 {
		t.Fatalf("expected one monetary impact in the example, found %d", monetary)
	}
	rep, err := assess.Assess(context.Background(), assess.Options{Doctrines: MustDoctrines(t)}, b)
	if err != nil {
		t.Fatalf("Assess: %v", err)
	}
	if _, err := json.Marshal(rep); err != nil {
		t.Fatalf("the report cannot be encoded: %v", err)
	}
	ev, err := assess.NewEvidence(b)
	if err != nil {
		t.Fatal(err)
	}
	cases, err := assess.CaseFacts(context.Background(), ev, nil, []*stix.Object{ev.Object(winterIncident)}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got := cases.Facts[0].Get(article5.FactEconomicLossUSD); got.Value != float64(stix.MaxInteger) {
		t.Errorf("economic_loss_usd = %v, want %d", got.Value, int64(stix.MaxInteger))
	}
	if !strings.Contains(strings.Join(cases.Warnings, "\n"), "saturate") {
		t.Errorf("no warning about the saturated sum: %q", cases.Warnings)
	}
}

// TestAggregateSaturates: sums over incidents saturate at 2^53−1 (persons,
// USD), whatever the facts hold — before, 2^63−1 + 2 deaths wrapped to a
// negative number and 1e308 + 1e308 USD became +Inf.
func TestAggregateSaturates(t *testing.T) {
	facts := func(deaths int64, usd float64, people int64) *article5.Facts {
		f := article5.NewFacts("")
		f.Set(article5.FactDeaths, deaths)
		f.Set(article5.FactEconomicLossUSD, usd)
		f.Set(article5.FactPeopleAffected, people)
		return f
	}
	cases := []struct {
		name  string
		in    []*article5.Facts
		dead  int64
		usd   float64
		ppl   int64
		check bool
	}{
		{"2^63−1 + 2 deaths", []*article5.Facts{facts(math.MaxInt64, 1, 1), facts(2, 1, 1)}, stix.MaxInteger, 2, 2, true},
		{"2^53−1 twice", []*article5.Facts{facts(stix.MaxInteger, 1e308, stix.MaxInteger), facts(stix.MaxInteger, 1e308, stix.MaxInteger)}, stix.MaxInteger, stix.MaxInteger, stix.MaxInteger, true},
		{"ordinary sums are exact", []*article5.Facts{facts(3, 1.5e9, 1000), facts(4, 2.5e9, 20)}, 7, 4e9, 1020, true},
		{"a negative count cannot hide the others", []*article5.Facts{facts(-5, -1e9, -7), facts(4, 2e9, 20)}, 4, 2e9, 20, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := assess.Aggregate(c.in)
			if v := got.Get(article5.FactDeaths).Value; v != c.dead {
				t.Errorf("deaths = %v, want %d", v, c.dead)
			}
			if v := got.Get(article5.FactEconomicLossUSD).Value; v != c.usd {
				t.Errorf("economic_loss_usd = %v, want %v", v, c.usd)
			}
			if v := got.Get(article5.FactPeopleAffected).Value; v != c.ppl {
				t.Errorf("people_affected = %v, want %d", v, c.ppl)
			}
		})
	}
}

// TestUnionHoursLongIntervals: the union of effect intervals is exact for
// any STIX timestamps; before, a total beyond 292 years (the range of a
// time.Duration) wrapped to a negative duration or saturated.
func TestUnionHoursLongIntervals(t *testing.T) {
	at := func(s string) time.Time {
		ts, err := stix.ParseTimestamp(s)
		if err != nil {
			t.Fatal(err)
		}
		return ts.Time
	}
	iv := func(a, b string) article5.Interval { return article5.Interval{Start: at(a), End: at(b)} }
	cases := []struct {
		name string
		in   []article5.Interval
		want float64
	}{
		{"two spans of 249 and 250 years", []article5.Interval{iv("0001-01-01T00:00:00Z", "0250-01-01T00:00:00Z"), iv("0300-01-01T00:00:00Z", "0550-01-01T00:00:00Z")}, 4374144},
		{"the whole STIX range", []article5.Interval{iv("0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z")}, 87649416},
		{"overlaps count once", []article5.Interval{iv("2026-01-22T08:10:00Z", "2026-01-25T08:00:00Z"), iv("2026-01-22T08:10:00Z", "2026-01-24T00:00:00Z")}, 71.83},
		{"nanoseconds across a second boundary", []article5.Interval{iv("2026-01-01T00:00:00.9Z", "2026-01-01T01:00:00.1Z")}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := assess.UnionHours(c.in); got != c.want {
				t.Errorf("UnionHours = %v, want %v", got, c.want)
			}
		})
	}
}

// TestAccumulationWindowSaturates: a doctrine's accumulation window of
// 200,000 days overflowed time.Duration into a negative window, so no
// incidents were ever accumulated; it now saturates and hospital-series
// accumulates as with 90 days.
func TestAccumulationWindowSaturates(t *testing.T) {
	src, err := doctrine.DefaultSource("jp")
	if err != nil {
		t.Fatal(err)
	}
	src = bytes.Replace(src, []byte("window_days: 90"), []byte("window_days: 200000"), 1)
	d, err := doctrine.Parse("jp-wide.yaml", src)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := assess.Assess(context.Background(), assess.Options{Doctrines: []*doctrine.Doctrine{d}}, MustExample(t, "hospital-series"))
	if err != nil {
		t.Fatal(err)
	}
	c := rep.Assessments[d.ID].Cumulative
	if c == nil || len(c.Groups) == 0 {
		t.Fatalf("no accumulated group with a 200,000-day window: %+v", c)
	}
}
