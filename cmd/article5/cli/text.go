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

// WriteText renders a report for legal advisers: where the case falls,
// the findings side by side per doctrine, where the doctrines differ, each
// doctrine's reasons with presumptions and evidence, then each incident
// with the evidence an analyst should add. Sentences use plain words,
// units and thousands separators; fact names stay in the JSON.
// Golden-tested (testdata/*.golden).
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
	p("Incidents        %s\n", article5.FormatNumber(float64(len(rep.Incidents))))
	p("\nSCOPE: %s\n", scopeWords(rep.Scope))
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
	row("presumed", func(a *article5.DoctrineAssessment) string {
		if len(a.Presumptions) == 0 {
			return "nothing"
		}
		return plural(len(a.Presumptions), "fact", "facts")
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

	if len(ids) > 1 {
		p("\nWHERE THE DOCTRINES DIFFER\n")
		n := 0
		for _, d := range rep.Divergence {
			if d.Incident != "" {
				continue
			}
			n++
			p("  - %s: %s\n", aspectWords(d.Aspect), valuesStr(d.Values))
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
		if m > 0 {
			p("  (%s on single incidents: see INCIDENTS)\n", plural(m, "further difference", "further differences"))
		}
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
		if q := scopeQualifier(rep.Scope.Value); q != "" {
			wrap(b, "  ", q)
		}
		wrap(b, "", fmt.Sprintf("Self-defence available: %s — %s", yesNo(a.SelfDefenceAvailable), a.SelfDefenceReason))
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
				wrap(b, "  ", fmt.Sprintf("group: %s, %s, %s to %s: %s", refStr(&g.Originator), plural(len(g.Incidents), "incident", "incidents"), g.From, g.To, g.Tier))
			}
		}
	}

	p("\nINCIDENTS\n")
	for _, inc := range rep.Incidents {
		p("%s\n", strings.Repeat("-", 78))
		p("%s  %s\n", inc.ID, inc.Name)
		p("  scope: %s\n", scopeWords(inc.Scope))
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
				p("  differs on %s: %s\n", aspectWords(d.Aspect), valuesStr(d.Values))
			}
		}
		writeChecklist(b, inc.Checklist, len(ids) > 1)
	}
	p("\nThe tool recommends and documents; people decide. Severity: DCID v2 scale\n(Valeriano & Maness). Priority: notional weights, never decides the tier.\n")
	return b.Flush()
}

// writeChecklist lists the evidence an analyst should add, most decisive
// first.
func writeChecklist(b *bufio.Writer, items []article5.ChecklistItem, many bool) {
	if len(items) == 0 {
		return
	}
	fmt.Fprintf(b, "  Evidence to add, most decisive first:\n")
	for i, it := range items {
		tag := map[string]string{"decides": "would change the tier", "needed": "needed for a finding",
			"presumed": "presumed; its rebuttal would change the tier", "refines": "refines the finding"}[it.Weight]
		if many && len(it.Doctrines) > 0 {
			tag += ", " + strings.Join(it.Doctrines, " and ")
		}
		wrap(b, fmt.Sprintf("  %2d. ", i+1), fmt.Sprintf("%s (%s)", it.Question, tag))
		wrap(b, "      ", "Record as: "+it.RecordAs+".")
	}
}

func writeFindings(b *bufio.Writer, a *article5.DoctrineAssessment, ind string) {
	p := func(format string, args ...any) { fmt.Fprintf(b, ind+format, args...) }
	for _, pr := range a.Presumptions {
		wrap(b, ind, fmt.Sprintf("Presumed: %s, because %s Rebutted if %s. [%s]",
			pr.Statement, lowerFirst(ensureStop(pr.Because)), pr.Rebuttal, pr.Source))
	}
	p("Use of force (Tallinn Manual 2.0 Rule 69): %s\n", metStr(a.UseOfForce.Met))
	wrap(b, ind+"  ", a.UseOfForce.Reason)
	for _, f := range a.UseOfForce.Factors {
		p("  %-21s %d/3  %s\n", humanName(f.Name), f.Score, f.Reasons)
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
		p("  %s %-22s %s\n", mark, humanName(c.Name), c.Reasons)
		if len(c.Evidence) > 0 {
			p("      %-22s evidence: %s\n", "", evidenceStr(c.Evidence))
		}
	}
	at := a.Attribution
	wrap(b, ind, "Attribution: "+attributionLong(at))
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
		labels := make([]string, len(a.Unknown))
		for i, n := range a.Unknown {
			labels[i] = article5.FactLabel(n)
		}
		wrap(b, ind, "Not known: "+strings.Join(labels, "; ")+".")
	}
}

// scopeWords says where an incident falls and the Treaty article engaged.
func scopeWords(s article5.ScopeFinding) string {
	where := map[article5.Scope]string{
		article5.ScopeIn:                "in the territories under the administration of Japan",
		article5.ScopeOut:               "outside the territories under the administration of Japan",
		article5.ScopeUncertain:         "uncertain whether inside the territories under the administration of Japan",
		article5.ScopeSpaceConsultative: "an attack to, from or within space, decided case by case under the 2023 statement",
	}[s.Value]
	if where == "" {
		where = string(s.Value)
	}
	switch s.Article {
	case "V":
		return fmt.Sprintf("%s (%s) — Article V", s.Value, where)
	case "IV":
		if strings.Contains(s.Basis, "Article IV presumed") {
			return fmt.Sprintf("%s (%s) — Article IV consultations, presumed because the place lies in the Far East", s.Value, where)
		}
		return fmt.Sprintf("%s (%s) — Article IV consultations: the security of Japan or of the Far East is threatened", s.Value, where)
	case "none":
		return fmt.Sprintf("%s (%s) — none: neither Article V nor Article IV (no threat to the security of Japan or of the Far East is found)", s.Value, where)
	}
	if s.Value == article5.ScopeUncertain {
		return fmt.Sprintf("%s (%s) — Article V if inside; otherwise Article IV to be decided", s.Value, where)
	}
	return fmt.Sprintf("%s (%s) — Article IV to be decided: whether it threatens the security of Japan or international peace and security in the Far East (area: Government of Japan, unified view of 26 February 1960)", s.Value, where)
}

// humanName renders a factor, criterion or aspect name in words.
func humanName(n string) string {
	if w, ok := map[string]string{"state_involvement": "State involvement", "koh_examples": "Koh's examples",
		"critical_function_lost": "critical function lost", "organised_and_planned": "organised and planned"}[n]; ok {
		return w
	}
	return strings.ReplaceAll(n, "_", " ")
}

func aspectWords(a string) string {
	if f, ok := strings.CutPrefix(a, "factor:"); ok {
		return "Schmitt factor " + humanName(f)
	}
	return map[string]string{"tier": "tier", "self_defence_available": "self-defence available", "use_of_force": "use of force",
		"armed_attack": "armed attack", "attribution": "attribution sufficient", "cumulative": "cumulative finding"}[a]
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return article5.FormatNumber(float64(n)) + " " + many
}

func ensureStop(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || strings.HasSuffix(s, ".") {
		return s
	}
	return s + "."
}

func lowerFirst(s string) string {
	if s == "" || strings.HasPrefix(s, "ARSIWA") {
		return s
	}
	r := []rune(s)
	if len(r) > 1 && r[1] >= 'A' && r[1] <= 'Z' {
		return s // an acronym
	}
	if r[0] >= 'A' && r[0] <= 'Z' && !strings.HasPrefix(s, "The Tallinn") && !strings.HasPrefix(s, "Activity of United") {
		r[0] += 'a' - 'A'
	}
	return string(r)
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
	lb, _ := article5.FactIndex(article5.FactLegalBasis)
	s += "; legal basis: " + article5.FormatValue(article5.FactCatalogue()[lb], at.LegalBasis)
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

// valuesStr renders a divergence's values per doctrine ("jp no, us yes").
func valuesStr(m map[string]any) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		v := m[k]
		if b, ok := v.(bool); ok { // a reader's yes/no, as in CASE FINDINGS, not Go's true/false
			v = "no"
			if b {
				v = "yes"
			}
		}
		parts = append(parts, fmt.Sprintf("%s %v", k, v))
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

// scopeQualifier returns the sentence that keeps a tier from being read as
// a finding that Article V is engaged when the case's scope does not put it
// there: a tier states the gravity of the conduct (Tallinn Manual 2.0 Rules
// 69 and 71), while Article V covers only an armed attack "in the
// territories under the administration of Japan" (Treaty Art. V). Empty
// for in and space-consultative.
func scopeQualifier(s article5.Scope) string {
	switch s {
	case article5.ScopeOut:
		return "Scope: the incident is outside the territories under the administration of Japan, so Article V is not engaged whatever the tier; the tier states the gravity of the conduct under this doctrine, as it would stand had the conduct occurred there (see SCOPE for Article IV)."
	case article5.ScopeUncertain:
		return "Scope: whether the incident is in the territories under the administration of Japan is not established; Article V is engaged only if it is (see SCOPE)."
	}
	return ""
}
