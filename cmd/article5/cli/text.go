package cli

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"

	"article5"
	"article5/doctrine"
)

// WriteText renders a report for people: the case summary side by side per
// doctrine, where the doctrines differ, each doctrine's reasons with
// evidence, then each incident. Golden-tested (testdata/*.golden).
func WriteText(w io.Writer, rep *article5.Report, docs []*doctrine.Doctrine) error {
	b := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	ids := make([]string, 0, len(rep.Assessments))
	for id := range rep.Assessments {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	titles := map[string]string{}
	for _, d := range docs {
		titles[d.ID] = d.Title
	}

	title := rep.CaseName
	if title == "" {
		title = "(unnamed case)"
	}
	p("ARTICLE V ASSESSMENT — %s\n", title)
	p("%s\n", strings.Repeat("=", 78))
	p("Case             %s\n", rep.Case)
	p("Evidence digest  %s\n", rep.EvidenceDigest)
	p("Assessment hash  %s   (the value both parties sign)\n", rep.Hash)
	for _, d := range rep.Doctrines {
		p("Doctrine         %s %s  sha256 %s\n", d.ID, d.Version, d.SHA256)
	}
	p("Incidents        %d\n", len(rep.Incidents))
	p("\nSCOPE: %s — Article %s\n", rep.Scope.Value, rep.Scope.Article)
	wrap(b, "  ", rep.Scope.Basis)
	if rep.Scope.Facility != "" {
		p("  U.S. facility: %s\n", rep.Scope.Facility)
	}

	// Side-by-side summary.
	p("\nCASE FINDINGS\n")
	row := func(label string, f func(a *article5.DoctrineAssessment) string) {
		p("  %-22s", label)
		for _, id := range ids {
			p(" %-30s", short(f(rep.Assessments[id]), 30))
		}
		p("\n")
	}
	row("", func(a *article5.DoctrineAssessment) string { return a.Doctrine.ID })
	row("tier", func(a *article5.DoctrineAssessment) string { return string(a.Tier) })
	row("self-defence available", func(a *article5.DoctrineAssessment) string { return yesNo(a.SelfDefenceAvailable) })
	row("use of force (R69)", func(a *article5.DoctrineAssessment) string { return metStr(a.UseOfForce.Met) })
	row("armed attack (R71)", func(a *article5.DoctrineAssessment) string { return metStr(a.ArmedAttack.Met) })
	row("attribution", func(a *article5.DoctrineAssessment) string {
		return attributionShort(a.Attribution)
	})
	row("attribution sufficient", func(a *article5.DoctrineAssessment) string { return yesNo(a.Attribution.Sufficient) })
	row("severity (DCID 0-10)", func(a *article5.DoctrineAssessment) string { return fmt.Sprint(a.Severity) })
	row("priority (notional)", func(a *article5.DoctrineAssessment) string {
		return fmt.Sprintf("%.1f %s", a.Priority.Score, a.Priority.Level)
	})
	row("cumulative", func(a *article5.DoctrineAssessment) string {
		if a.Cumulative == nil || !a.Cumulative.Enabled {
			return "off"
		}
		if len(a.Cumulative.Groups) == 0 {
			return "no group to add up"
		}
		s := string(a.Cumulative.Tier)
		if a.Cumulative.Raised {
			s += ", raised"
		}
		return s
	})

	p("\nWHERE THE DOCTRINES DIFFER\n")
	n := 0
	for _, d := range rep.Divergence {
		if d.Incident != "" {
			continue
		}
		n++
		p("  - %s: %s\n", d.Aspect, valuesStr(d.Values))
		wrap(b, "      ", d.Why)
	}
	if n == 0 {
		p("  The doctrines agree on the case.\n")
	}
	// Incident-level differences that only repeat a case-level one (the
	// same aspect and values: a one-incident case) are not "further".
	caseLevel := map[string]bool{}
	for _, d := range rep.Divergence {
		if d.Incident == "" {
			caseLevel[d.Aspect+"\x00"+valuesStr(d.Values)] = true
		}
	}
	m := 0
	for _, d := range rep.Divergence {
		if d.Incident != "" && !caseLevel[d.Aspect+"\x00"+valuesStr(d.Values)] {
			m++
		}
	}
	switch {
	case m == 1:
		p("  (1 further difference on a single incident: see INCIDENTS)\n")
	case m > 1:
		p("  (%d further differences on single incidents: see INCIDENTS)\n", m)
	}

	for _, id := range ids {
		a := rep.Assessments[id]
		p("\nDOCTRINE %s — %s\n", id, titles[id])
		p("%s\n", strings.Repeat("-", 78))
		p("Tier: %s", a.Tier)
		if a.Tier == article5.TierIndeterminate {
			p(" (on the known facts: %s)", a.TierOnKnownFacts)
		}
		p("\n")
		wrap(b, "  ", fmt.Sprintf("%s [%s]", a.TierRule.Reason, a.TierRule.Source))
		p("Self-defence available: %s — %s\n", yesNo(a.SelfDefenceAvailable), a.SelfDefenceReason)
		if a.LeadIncident != "" && len(rep.Incidents) > 1 {
			p("Lead incident: %s\n", a.LeadIncident)
		}
		writeFindings(b, a, "")
		if a.Cumulative != nil && len(a.Cumulative.Groups) == 0 {
			p("Cumulative (accumulation): no group to add up\n")
			wrap(b, "  ", a.Cumulative.Reason)
		} else if a.Cumulative != nil {
			p("Cumulative (accumulation): %s\n", a.Cumulative.Tier)
			wrap(b, "  ", a.Cumulative.Reason)
			for _, g := range a.Cumulative.Groups {
				p("  group: %s, %d incidents, %s … %s: %s\n", refStr(&g.Originator), len(g.Incidents), g.From, g.To, g.Tier)
			}
		}
	}

	p("\nINCIDENTS\n")
	for _, inc := range rep.Incidents {
		p("%s\n", strings.Repeat("-", 78))
		p("%s  %s\n", inc.ID, inc.Name)
		p("  scope: %s — Article %s\n", inc.Scope.Value, inc.Scope.Article)
		wrap(b, "    ", inc.Scope.Basis)
		for _, id := range ids {
			a := inc.Assessments[id]
			p("  %s: %s; self-defence %s; severity %d; priority %.1f %s\n", id, a.Tier, yesNo(a.SelfDefenceAvailable), a.Severity, a.Priority.Score, a.Priority.Level)
			if len(rep.Incidents) > 1 {
				writeFindings(b, a, "    ")
			}
		}
		for _, d := range rep.Divergence {
			if d.Incident == inc.ID {
				p("  differs on %s: %s\n", d.Aspect, valuesStr(d.Values))
			}
		}
	}
	p("\nThe tool recommends and documents; people decide. Severity: DCID v2 scale\n(Valeriano & Maness). Priority: notional weights, never decides the tier.\n")
	return b.Flush()
}

func writeFindings(b *bufio.Writer, a *article5.DoctrineAssessment, ind string) {
	p := func(format string, args ...any) { fmt.Fprintf(b, ind+format, args...) }
	p("Use of force (Tallinn Manual 2.0 Rule 69): %s\n", metStr(a.UseOfForce.Met))
	wrap(b, ind+"  ", a.UseOfForce.Reason)
	for _, f := range a.UseOfForce.Factors {
		p("  %-21s %d/3  %s\n", f.Name, f.Score, f.Reasons)
		if len(f.Evidence) > 0 {
			p("  %-21s      evidence: %s\n", "", evidenceStr(f.Evidence))
		}
	}
	p("Armed attack (scale and effects, Rule 71): %s\n", metStr(a.ArmedAttack.Met))
	wrap(b, ind+"  ", a.ArmedAttack.Reason)
	for _, c := range a.ArmedAttack.Criteria {
		mark := "[ ]"
		if c.Met {
			mark = "[x]"
		}
		p("  %s %-22s %s\n", mark, c.Name, c.Reasons)
		if len(c.Evidence) > 0 {
			p("      %-22s evidence: %s\n", "", evidenceStr(c.Evidence))
		}
	}
	at := a.Attribution
	p("Attribution: %s\n", attributionLong(at))
	wrap(b, ind+"  ", at.Reason)
	p("Severity: %d — %s\n", a.Severity, a.SeverityReason)
	p("Priority (notional NCISS-style): %.1f %s\n", a.Priority.Score, a.Priority.Level)
	if len(a.ChangesIf) > 0 {
		p("Would change the tier:\n")
		for _, c := range a.ChangesIf {
			wrap(b, ind+"  - ", c.Text)
		}
	} else {
		p("Would change the tier: no single fact the doctrine probes\n")
	}
	if len(a.Unknown) > 0 {
		wrap(b, ind, "Unknown facts: "+strings.Join(a.Unknown, ", "))
	}
}

func metStr(b bool) string {
	if b {
		return "met"
	}
	return "not met"
}

func refStr(r *article5.Ref) string {
	if r == nil {
		return "unknown"
	}
	if r.Name != "" {
		return r.Name
	}
	return r.ID
}

func attributionShort(at article5.Attribution) string {
	if at.Actor == nil {
		return "unattributed"
	}
	if at.State != nil {
		if at.StateConfidence != nil {
			return fmt.Sprintf("%s (%d)", refStr(at.State), *at.StateConfidence)
		}
		return refStr(at.State)
	}
	if at.Confidence != nil {
		return fmt.Sprintf("%s (%d)", refStr(at.Actor), *at.Confidence)
	}
	return refStr(at.Actor)
}

func attributionLong(at article5.Attribution) string {
	if at.Actor == nil {
		return "unattributed (no attributed-to relationship)"
	}
	s := "actor " + refStr(at.Actor) + " (" + at.Actor.ID + ")"
	if at.State != nil {
		s += "; State " + refStr(at.State)
	}
	s += "; legal basis " + at.LegalBasis
	if at.Confidence != nil {
		s += fmt.Sprintf("; confidence %d/100", *at.Confidence)
	} else {
		s += "; confidence unknown"
	}
	if at.State != nil && at.StateConfidence != nil {
		s += fmt.Sprintf("; State link %d/100", *at.StateConfidence)
	}
	if at.Sufficient {
		s += "; sufficient"
	} else {
		s += "; not sufficient"
	}
	return s
}

func evidenceStr(ev []article5.Evidence) string {
	var parts []string
	for i, e := range ev {
		if i == 4 {
			parts = append(parts, fmt.Sprintf("… %d more", len(ev)-4))
			break
		}
		parts = append(parts, strings.TrimSpace(e.Object+" "+e.Pointer))
	}
	return strings.Join(parts, "; ")
}

func valuesStr(m map[string]any) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %v", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

// wrap writes s wrapped at 78 columns: the first line starts with prefix,
// continuation lines with as many spaces.
func wrap(b *bufio.Writer, prefix, s string) {
	indent := strings.Repeat(" ", len([]rune(prefix)))
	line, start := prefix, true
	for _, word := range strings.Fields(s) {
		if !start && len([]rune(line))+1+len([]rune(word)) > 78 {
			b.WriteString(line + "\n")
			line, start = indent, true
		}
		if !start {
			line += " "
		}
		line += word
		start = false
	}
	b.WriteString(line + "\n")
}
