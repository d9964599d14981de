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

// aspect is one finding compared across doctrines: its value (a Tier or a
// bool: equal values print alike) and, where they differ, each doctrine's
// reason.
type aspect struct {
	name  string
	value func(a *article5.DoctrineAssessment) any
	why   func(id string, a *article5.DoctrineAssessment) string
}

// incidentAspects are compared for the case and for each incident;
// caseAspects for the case only.
var (
	incidentAspects = []aspect{
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
	caseAspects = append(append([]aspect(nil), incidentAspects...), aspect{"cumulative", func(a *article5.DoctrineAssessment) any {
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
)

// compare lists the aspects and factor scores on which the doctrines'
// findings in as differ. Values and reasons are built only where they
// differ: this runs for every incident, and most aspects agree.
func compare(incident string, docs []*doctrine.Doctrine, as map[string]*article5.DoctrineAssessment, isCase bool) []article5.Divergence {
	var out []article5.Divergence
	aspects := incidentAspects
	if isCase {
		aspects = caseAspects
	}
	for _, asp := range aspects {
		first := asp.value(as[docs[0].ID])
		differ := false
		for _, d := range docs[1:] {
			if asp.value(as[d.ID]) != first {
				differ = true
				break
			}
		}
		if !differ {
			continue
		}
		vals := make(map[string]any, len(docs))
		why := make([]string, 0, len(docs))
		for _, d := range docs {
			vals[d.ID] = asp.value(as[d.ID])
			why = append(why, strings.TrimSuffix(asp.why(d.ID, as[d.ID]), "."))
		}
		out = append(out, article5.Divergence{Incident: incident, Aspect: asp.name, Values: vals, Why: strings.Join(why, "; ")})
	}
	// Factor scores that differ (same facts, different rules). A doctrine
	// whose factor at the same position has another name is left out.
	base := as[docs[0].ID]
	for fi, f := range base.UseOfForce.Factors {
		differ := false
		for _, d := range docs[1:] {
			o := as[d.ID]
			if fi < len(o.UseOfForce.Factors) && o.UseOfForce.Factors[fi].Name == f.Name && o.UseOfForce.Factors[fi].Score != f.Score {
				differ = true
				break
			}
		}
		if !differ {
			continue
		}
		vals := map[string]any{docs[0].ID: f.Score}
		why := []string{fmt.Sprintf("%s: %s", docs[0].ID, strings.TrimSuffix(f.Reasons, "."))}
		for _, d := range docs[1:] {
			o := as[d.ID]
			if fi >= len(o.UseOfForce.Factors) || o.UseOfForce.Factors[fi].Name != f.Name {
				continue
			}
			vals[d.ID] = o.UseOfForce.Factors[fi].Score
			why = append(why, fmt.Sprintf("%s: %s", d.ID, strings.TrimSuffix(o.UseOfForce.Factors[fi].Reasons, ".")))
		}
		out = append(out, article5.Divergence{Incident: incident, Aspect: "factor:" + f.Name, Values: vals, Why: strings.Join(why, "; ")})
	}
	return out
}
