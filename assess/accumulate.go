package assess

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"article5"
	"article5/doctrine"
)

// accumulate finds groups of incidents by one originator (or, where the
// doctrine says so, originators attributed to the same State, acting in
// concert), related by purpose (the analyst grouped them in this case) and
// close in time (each starts within window_days of the group's latest
// effect), and applies the doctrine to their added-up facts. Only
// disruptive or destructive incidents add up; espionage never does.
// Source: Tallinn Manual 2.0, commentary to Rule 71; NATO Brussels Summit
// Communiqué 2021 ¶32.
func accumulate(d *doctrine.Doctrine, incs []article5.IncidentReport, facts []*article5.Facts) (*article5.Cumulative, error) {
	c := &article5.Cumulative{Enabled: d.Accumulation.Enabled, Groups: []article5.CumulativeGroup{}, Tier: article5.TierBelowThreshold,
		ChangesIf: []article5.ChangeIf{}, Presumptions: []article5.Presumption{}}
	if !c.Enabled {
		c.Reason = "accumulation is switched off in this doctrine"
		return c, nil
	}
	type item struct {
		i   int
		key article5.Ref
	}
	byKey := map[string][]item{}
	keyRef := map[string]article5.Ref{}
	var skipped []string
	for i, f := range facts {
		op := f.Get(article5.FactOperationType)
		if !op.Known || (op.Value != "disruption" && op.Value != "destruction") {
			continue
		}
		var key *article5.Ref
		if d.Accumulation.Originator == "state" && f.State != nil {
			key = f.State
		} else if f.Actor != nil {
			key = f.Actor
		}
		if key == nil || f.Start.IsZero() {
			skipped = append(skipped, f.Incident)
			continue
		}
		byKey[key.ID] = append(byKey[key.ID], item{i: i, key: *key})
		keyRef[key.ID] = *key
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	window := windowDuration(d.Accumulation.WindowDays)
	for _, k := range keys {
		items := byKey[k]
		sort.Slice(items, func(a, b int) bool {
			fa, fb := facts[items[a].i], facts[items[b].i]
			if !fa.Start.Equal(fb.Start) {
				return fa.Start.Before(fb.Start)
			}
			return fa.Incident < fb.Incident
		})
		var cluster []*article5.Facts
		var latest time.Time
		flush := func() error {
			if len(cluster) >= 2 {
				g, err := group(d, keyRef[k], cluster)
				if err != nil {
					return err
				}
				c.Groups = append(c.Groups, g)
			}
			cluster = nil
			return nil
		}
		for _, it := range items {
			f := facts[it.i]
			if len(cluster) > 0 && f.Start.Sub(latest) > window {
				if err := flush(); err != nil {
					return nil, err
				}
			}
			cluster = append(cluster, f)
			end := f.End
			if end.IsZero() || end.Before(f.Start) {
				end = f.Start
			}
			if len(cluster) == 1 || end.After(latest) {
				latest = end
			}
		}
		if err := flush(); err != nil {
			return nil, err
		}
	}
	best := -1
	for i, g := range c.Groups {
		if best < 0 || caseTierOrder(g.Tier) > caseTierOrder(c.Groups[best].Tier) {
			best = i
		}
	}
	switch {
	case best >= 0:
		g := c.Groups[best]
		c.Tier = g.Tier
		c.ChangesIf, c.Presumptions, c.UndecidedBy = g.ChangesIf, g.Presumptions, g.UndecidedBy
		why := g.ArmedAttack.Reason
		if g.Tier == article5.TierIndeterminate {
			why = g.TierRule.Reason
		}
		c.Reason = fmt.Sprintf("%d incidents attributed to %s between %s and %s, taken together: %s (%s)",
			len(g.Incidents), refName(g.Originator), g.From, g.To, g.Tier, strings.TrimSuffix(why, "."))
	default:
		c.Reason = fmt.Sprintf("no two disruptive or destructive incidents by the same originator within %d days", d.Accumulation.WindowDays)
	}
	if len(skipped) > 0 {
		c.Reason += fmt.Sprintf("; %d disruptive or destructive incident(s) left out for unknown originator or time", len(skipped))
	}
	return c, nil
}

// windowDuration is days as a time.Duration, saturated at the longest
// Duration (about 292 years) rather than wrapped: a doctrine's window of
// 200,000 days must widen the window, not make it negative.
func windowDuration(days int) time.Duration {
	const day = 24 * time.Hour
	if days > int(math.MaxInt64/day) {
		return math.MaxInt64
	}
	return time.Duration(days) * day
}

func refName(r article5.Ref) string {
	if r.Name != "" {
		return r.Name
	}
	return r.ID
}

func group(d *doctrine.Doctrine, key article5.Ref, fs []*article5.Facts) (article5.CumulativeGroup, error) {
	agg := Aggregate(fs)
	k := key
	if d.Accumulation.Originator == "state" && fs[0].State != nil && fs[0].State.ID == key.ID {
		agg.State = &k
	} else {
		agg.Actor = &k
	}
	a, err := d.Evaluate(agg)
	if err != nil {
		return article5.CumulativeGroup{}, err
	}
	g := article5.CumulativeGroup{Originator: key, From: agg.Start.UTC().Format(time.RFC3339), To: agg.End.UTC().Format(time.RFC3339),
		Facts: map[string]any{}, ArmedAttack: a.ArmedAttack, Tier: a.Tier, TierOnKnownFacts: a.TierOnKnownFacts, TierRule: a.TierRule,
		ChangesIf: a.ChangesIf, Presumptions: a.Presumptions, UndecidedBy: a.UndecidedBy}
	for _, f := range fs {
		g.Incidents = append(g.Incidents, f.Incident)
	}
	sort.Strings(g.Incidents)
	for i, def := range article5.FactCatalogue() {
		if v := agg.Values[i]; v.Known && def.Accumulate != article5.AccSame {
			g.Facts[def.Name] = v.Value
		}
	}
	return g, nil
}

// Aggregate adds up the facts of several incidents by each fact's
// accumulation mode (article5.FactDef.Accumulate). Sums and maxima are over
// the known values (a lower bound when some are unknown); sums saturate at
// stix.MaxInteger (2^53−1 persons or USD), never wrap; "same" facts are
// known only when every incident agrees; duration is the union of the
// effect intervals.
func Aggregate(fs []*article5.Facts) *article5.Facts {
	out := article5.NewFacts("")
	cat := article5.FactCatalogue()
	for _, f := range fs {
		out.Intervals = append(out.Intervals, f.Intervals...)
		if !f.Start.IsZero() && (out.Start.IsZero() || f.Start.Before(out.Start)) {
			out.Start = f.Start
		}
		if f.End.After(out.End) {
			out.End = f.End
		}
	}
	for i, def := range cat {
		var ev []article5.Evidence
		var vals []any
		all := true
		for _, f := range fs {
			v := f.Values[i]
			if !v.Known {
				all = false
				continue
			}
			vals = append(vals, v.Value)
			ev = append(ev, v.Evidence...)
		}
		if def.Accumulate == article5.AccDerived {
			continue // recomputed below
		}
		if def.Accumulate == article5.AccIntervalUnion {
			if len(out.Intervals) > 0 {
				out.Values[i] = article5.FactValue{Known: true, Value: UnionHours(out.Intervals), Evidence: dedupe(ev)}
			}
			continue
		}
		if len(vals) == 0 {
			continue
		}
		var v any
		known := true
		switch def.Accumulate {
		case article5.AccSum:
			v = sum(vals)
		case article5.AccMax:
			v = extreme(def, vals, 1)
		case article5.AccMin:
			// The weakest link is unknown while any link is.
			v, known = extreme(def, vals, -1), all
		case article5.AccOr:
			anyTrue := false
			for _, x := range vals {
				anyTrue = anyTrue || x.(bool)
			}
			v, known = anyTrue, anyTrue || all
		case article5.AccAnd:
			allTrue := true
			for _, x := range vals {
				allTrue = allTrue && x.(bool)
			}
			v, known = allTrue, !allTrue || all
		case article5.AccUnion:
			set := map[string]bool{}
			var list []string
			for _, x := range vals {
				for _, s := range x.([]string) {
					if !set[s] {
						set[s] = true
						list = append(list, s)
					}
				}
			}
			sort.Strings(list)
			v = list
		case article5.AccSame:
			v = vals[0]
			known = all
			for _, x := range vals[1:] {
				if fmt.Sprint(x) != fmt.Sprint(v) {
					known = false
				}
			}
		}
		if known {
			out.Values[i] = article5.FactValue{Known: true, Value: v, Evidence: dedupe(ev)}
		}
	}
	article5.DeriveFacts(out)
	return out
}

// sum adds counts (int64) or amounts (float64), saturating at
// stix.MaxInteger; a negative value, which the facts reader never
// produces, counts as 0 so that it cannot hide the others.
func sum(vals []any) any {
	switch vals[0].(type) {
	case int64:
		var s int64
		for _, x := range vals {
			s, _ = addCount(s, max(x.(int64), 0))
		}
		return s
	case float64:
		var s float64
		for _, x := range vals {
			if f := x.(float64); f > 0 {
				s, _ = addAmount(s, f)
			}
		}
		return s
	}
	return vals[0]
}

// extreme returns the greatest (sign 1) or least (sign -1) value; strings
// by their position in the fact's closed vocabulary.
func extreme(def article5.FactDef, vals []any, sign int) any {
	best := vals[0]
	for _, x := range vals[1:] {
		var c int
		switch b := best.(type) {
		case int64:
			c = cmp3(float64(x.(int64)), float64(b))
		case float64:
			c = cmp3(x.(float64), b)
		case string:
			c = def.Ordinal(x.(string)) - def.Ordinal(b)
			if def.Ordinal(x.(string)) < 0 || def.Ordinal(b) < 0 {
				c = strings.Compare(x.(string), b)
			}
		}
		if c*sign > 0 {
			best = x
		}
	}
	return best
}

func cmp3(a, b float64) int {
	switch {
	case a > b:
		return 1
	case a < b:
		return -1
	}
	return 0
}
