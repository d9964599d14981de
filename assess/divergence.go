package assess

import (
	"fmt"
	"strings"

	"article5"
	"article5/doctrine"
)

// divergence lists where the doctrines differ on the same facts, for the
// case and for each incident: tier, self-defence, use of force, armed
// attack, attribution, and the cumulative finding. Each entry says why,
// from the rule each doctrine applied and its source.
func divergence(docs []*doctrine.Doctrine, rep *article5.Report) []article5.Divergence {
	out := []article5.Divergence{}
	if len(docs) < 2 {
		return out
	}
	out = append(out, compare("", docs, rep.Assessments, true)...)
	for _, inc := range rep.Incidents {
		out = append(out, compare(inc.ID, docs, inc.Assessments, false)...)
	}
	return out
}

func compare(incident string, docs []*doctrine.Doctrine, as map[string]*article5.DoctrineAssessment, isCase bool) []article5.Divergence {
	var out []article5.Divergence
	type aspect struct {
		name  string
		value func(a *article5.DoctrineAssessment) any
		why   func(id string, a *article5.DoctrineAssessment) string
	}
	aspects := []aspect{
		{"tier", func(a *article5.DoctrineAssessment) any { return a.Tier },
			func(id string, a *article5.DoctrineAssessment) string {
				return fmt.Sprintf("%s finds %s — %s (%s)", id, a.Tier, strings.TrimSuffix(a.TierRule.Reason, "."), a.TierRule.Source)
			}},
		{"self_defence_available", func(a *article5.DoctrineAssessment) any { return a.SelfDefenceAvailable },
			func(id string, a *article5.DoctrineAssessment) string {
				return fmt.Sprintf("%s: %s", id, a.SelfDefenceReason)
			}},
		{"use_of_force", func(a *article5.DoctrineAssessment) any { return a.UseOfForce.Met },
			func(id string, a *article5.DoctrineAssessment) string {
				return fmt.Sprintf("%s: %s", id, a.UseOfForce.Reason)
			}},
		{"armed_attack", func(a *article5.DoctrineAssessment) any { return a.ArmedAttack.Met },
			func(id string, a *article5.DoctrineAssessment) string {
				return fmt.Sprintf("%s: %s", id, a.ArmedAttack.Reason)
			}},
		{"attribution", func(a *article5.DoctrineAssessment) any { return a.Attribution.Sufficient },
			func(id string, a *article5.DoctrineAssessment) string {
				return fmt.Sprintf("%s: %s", id, a.Attribution.Reason)
			}},
	}
	if isCase {
		aspects = append(aspects, aspect{"cumulative", func(a *article5.DoctrineAssessment) any {
			if a.Cumulative == nil {
				return article5.TierBelowThreshold
			}
			return a.Cumulative.Tier
		}, func(id string, a *article5.DoctrineAssessment) string {
			if a.Cumulative == nil {
				return id + ": no accumulation"
			}
			return fmt.Sprintf("%s: %s", id, a.Cumulative.Reason)
		}})
	}
	for _, asp := range aspects {
		vals := map[string]any{}
		differ := false
		var first any
		for i, d := range docs {
			v := asp.value(as[d.ID])
			vals[d.ID] = v
			if i == 0 {
				first = v
			} else if fmt.Sprint(v) != fmt.Sprint(first) {
				differ = true
			}
		}
		if !differ {
			continue
		}
		var why []string
		for _, d := range docs {
			why = append(why, strings.TrimSuffix(asp.why(d.ID, as[d.ID]), "."))
		}
		out = append(out, article5.Divergence{Incident: incident, Aspect: asp.name, Values: vals, Why: strings.Join(why, "; ")})
	}
	// Factor scores that differ (same facts, different rules).
	if len(docs) >= 2 {
		base := as[docs[0].ID]
		for fi, f := range base.UseOfForce.Factors {
			vals := map[string]any{docs[0].ID: f.Score}
			differ := false
			var why []string
			why = append(why, fmt.Sprintf("%s: %s", docs[0].ID, strings.TrimSuffix(f.Reasons, ".")))
			for _, d := range docs[1:] {
				o := as[d.ID]
				if fi >= len(o.UseOfForce.Factors) || o.UseOfForce.Factors[fi].Name != f.Name {
					continue
				}
				vals[d.ID] = o.UseOfForce.Factors[fi].Score
				why = append(why, fmt.Sprintf("%s: %s", d.ID, strings.TrimSuffix(o.UseOfForce.Factors[fi].Reasons, ".")))
				if o.UseOfForce.Factors[fi].Score != f.Score {
					differ = true
				}
			}
			if differ {
				out = append(out, article5.Divergence{Incident: incident, Aspect: "factor:" + f.Name, Values: vals, Why: strings.Join(why, "; ")})
			}
		}
	}
	return out
}
