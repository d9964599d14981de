package assess

import (
	"context"
	"runtime"
	"sort"
	"sync"

	"article5"
	"article5/doctrine"
	"article5/geo"
	"article5/stix"
)

// Options configures an assessment.
type Options struct {
	Doctrines    []*doctrine.Doctrine // applied in this order; at least one
	Jurisdiction *geo.Jurisdiction    // nil: geo.Default()
	Workers      int                  // parallel incident evaluations; 0: GOMAXPROCS. Never changes the result.
	// Findings, when set, keeps each incident's findings between
	// assessments and reuses them while the incident's facts and the
	// doctrines are unchanged (see FindingsCache). Never changes the
	// result.
	Findings *FindingsCache
}

// Assess applies the doctrines to the case in the bundles and returns the
// explained report. The case is the grouping that references incidents, else
// all incidents. EINVALID (with details naming object and pointer) for
// invalid STIX or article5 facts; EINTERNAL for faults of a doctrine at run
// time. The result is byte-identical across runs, input order and workers.
func Assess(ctx context.Context, opts Options, bundles ...*stix.Bundle) (*article5.Report, error) {
	ev, err := NewEvidence(bundles...)
	if err != nil {
		return nil, err
	}
	return AssessEvidence(ctx, opts, ev)
}

// AssessEvidence is Assess on already merged evidence.
func AssessEvidence(ctx context.Context, opts Options, ev *Evidence) (*article5.Report, error) {
	if len(opts.Doctrines) == 0 {
		return nil, article5.Errorf(article5.EINVALID, "no doctrine to apply")
	}
	if opts.Jurisdiction == nil {
		opts.Jurisdiction = geo.Default()
	}
	group, err := ev.Grouping()
	if err != nil {
		return nil, err
	}
	incidents, err := ev.Incidents(group)
	if err != nil {
		return nil, err
	}
	cases, err := CaseFacts(ctx, ev, opts.Jurisdiction, incidents, opts.Workers)
	if err != nil {
		return nil, err
	}
	rep := &article5.Report{Assessments: map[string]*article5.DoctrineAssessment{}, Warnings: ev.Warnings}
	rep.Warnings = append(rep.Warnings, cases.Warnings...)
	if group != nil {
		rep.Case = group.ID
		rep.CaseName = group.String("name")
	} else {
		rep.Case = CaseID(incidentIDs(incidents))
	}
	rep.EvidenceDigest, err = ev.Digest(ctx, opts.Workers)
	if err != nil {
		return nil, err
	}
	docs := sortedDoctrines(opts.Doctrines)
	for _, d := range docs {
		rep.Doctrines = append(rep.Doctrines, d.Ref())
	}

	// Single-incident findings, in parallel, stored by index: reused
	// from opts.Findings when the incident's facts and the doctrines are
	// those they were computed from.
	n := len(incidents)
	results := make([]map[string]*article5.DoctrineAssessment, n)
	checklists := make([][]article5.ChecklistItem, n)
	var keyers sync.Pool
	if opts.Findings != nil {
		keyers.New = func() any { return newFindingsKeyer(rep.Doctrines) }
	}
	if err := parallel(ctx, n, opts.Workers, func(i int) error {
		var key [32]byte
		cacheable := false
		if opts.Findings != nil {
			k := keyers.Get().(*findingsKeyer)
			key, cacheable = k.key(cases.Facts[i])
			keyers.Put(k)
			if cacheable {
				if c := opts.Findings.get(key); c != nil {
					results[i], checklists[i] = c.as, c.checklist
					return nil
				}
			}
		}
		m := make(map[string]*article5.DoctrineAssessment, len(docs))
		for _, d := range docs {
			a, err := d.Evaluate(cases.Facts[i])
			if err != nil {
				return err
			}
			m[d.ID] = a
		}
		results[i], checklists[i] = m, MergeChecklists(docs, m)
		if cacheable {
			opts.Findings.put(&cachedFindings{key: key, as: m, checklist: checklists[i]})
		}
		return nil
	}); err != nil {
		return nil, err
	}
	rep.Incidents = make([]article5.IncidentReport, n)
	for i, inc := range incidents {
		rep.Incidents[i] = article5.IncidentReport{ID: inc.ID, Name: inc.String("name"),
			Scope: cases.Scopes[i], Assessments: results[i], Checklist: checklists[i]}
	}
	rep.Scope = caseScope(cases.Scopes)

	// Case-level findings per doctrine, with accumulation.
	for _, d := range docs {
		a, err := caseAssessment(d, rep.Incidents, cases.Facts)
		if err != nil {
			return nil, err
		}
		rep.Assessments[d.ID] = a
	}
	rep.Divergence = divergence(docs, rep)
	rep.Hash, err = AssessmentHash(ctx, rep, opts.Workers)
	if err != nil {
		return nil, err
	}
	return rep, nil
}

// MergeChecklists merges the doctrines' evidence checklists for one
// incident: each fact once, with the most decisive weight any doctrine
// gives it and the doctrines that give it that weight, most decisive first
// (then in the order of the first doctrine that lists it). Never nil.
func MergeChecklists(docs []*doctrine.Doctrine, as map[string]*article5.DoctrineAssessment) []article5.ChecklistItem {
	// A checklist has a few dozen items at most: a linear search and an
	// insertion sort cost less here than a map and sort.SliceStable, and
	// this runs once per incident (a 10,000-incident case merges 10,000).
	n := 0
	for _, d := range docs {
		if a := as[d.ID]; a != nil {
			n += len(a.Checklist)
		}
	}
	out := make([]article5.ChecklistItem, 0, n)
	for _, d := range docs {
		a := as[d.ID]
		if a == nil {
			continue
		}
		for _, it := range a.Checklist {
			i := -1
			for j := range out {
				if out[j].Fact == it.Fact {
					i = j
					break
				}
			}
			if i < 0 {
				it.Doctrines = []string{d.ID}
				out = append(out, it)
				continue
			}
			o := &out[i]
			switch r, ro := checklistRank(it.Weight), checklistRank(o.Weight); {
			case r < ro:
				o.Weight, o.Why, o.Doctrines = it.Weight, it.Why, []string{d.ID}
			case r == ro:
				o.Doctrines = append(o.Doctrines, d.ID)
			}
		}
	}
	// Stable by weight, most decisive first.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && checklistRank(out[j].Weight) < checklistRank(out[j-1].Weight); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// checklistRank orders checklist weights, most decisive first: decides,
// needed, presumed, refines; any other weight ranks with decides (as the
// zero value of a map lookup did).
func checklistRank(w string) int {
	switch w {
	case "needed":
		return 1
	case "presumed":
		return 2
	case "refines":
		return 3
	}
	return 0
}

// Cases is the facts of a set of incidents, index-aligned with them.
type Cases struct {
	Facts    []*article5.Facts
	Scopes   []article5.ScopeFinding
	Warnings []string
}

// CaseFacts reads the facts and scope of each incident. EINVALID with every
// fault found (object, pointer, expectation) if any incident's facts are
// malformed.
//
// Incidents are read on up to workers goroutines (0: GOMAXPROCS); faults and
// warnings are reported in incident order whatever the number.
func CaseFacts(ctx context.Context, ev *Evidence, j *geo.Jurisdiction, incidents []*stix.Object, workers int) (*Cases, error) {
	if j == nil {
		j = geo.Default()
	}
	n := len(incidents)
	c := &Cases{Facts: make([]*article5.Facts, n), Scopes: make([]article5.ScopeFinding, n)}
	readers := make([]*reader, n)
	if err := parallel(ctx, n, workers, func(i int) error {
		r := &reader{ev: ev, juris: j}
		c.Facts[i], c.Scopes[i] = r.incidentFacts(incidents[i])
		readers[i] = r
		return nil
	}); err != nil {
		return nil, err
	}
	var details []article5.Detail
	for _, r := range readers {
		details = append(details, r.details...)
		c.Warnings = append(c.Warnings, r.warn...)
	}
	if len(details) > 0 {
		return nil, article5.Invalid("the incident facts are invalid", details...)
	}
	return c, nil
}

func incidentIDs(incs []*stix.Object) []string {
	ids := make([]string, len(incs))
	for i, o := range incs {
		ids[i] = o.ID
	}
	return ids
}

func sortedDoctrines(ds []*doctrine.Doctrine) []*doctrine.Doctrine {
	out := append([]*doctrine.Doctrine(nil), ds...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// parallel runs fn(0..n-1) on up to workers goroutines and returns the
// first error by index (deterministic).
func parallel(ctx context.Context, n, workers int, fn func(int) error) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if workers > n {
		workers = n
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				errs[i] = fn(i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return article5.Errorf(article5.EINTERNAL, "assessment cancelled")
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// caseScope combines incident scopes: in > space-consultative > uncertain > out.
func caseScope(scopes []article5.ScopeFinding) article5.ScopeFinding {
	order := map[article5.Scope]int{article5.ScopeIn: 3, article5.ScopeSpaceConsultative: 2, article5.ScopeUncertain: 1, article5.ScopeOut: 0}
	best := 0
	for i, s := range scopes {
		if order[s.Value] > order[scopes[best].Value] {
			best = i
		}
	}
	out := scopes[best]
	out.Locations = nil
	if len(scopes) > 1 {
		var ev []article5.Evidence
		for _, s := range scopes {
			ev = append(ev, s.Evidence...)
		}
		out.Evidence = dedupe(ev)
	}
	return out
}

func dedupe(ev []article5.Evidence) []article5.Evidence { return article5.SortEvidence(ev) }

// caseTierOrder ranks tiers for picking the case tier: a determinate
// armed-attack-possible outranks indeterminate, which outranks lower tiers
// (the case cannot be decided without the missing fact).
func caseTierOrder(t article5.Tier) int {
	switch t {
	case article5.TierArmedAttackPossible:
		return 4
	case article5.TierIndeterminate:
		return 3
	case article5.TierUseOfForcePossible:
		return 2
	case article5.TierBelowThreshold:
		return 1
	}
	return 0
}

// caseAssessment takes the lead incident's findings (highest tier, then
// severity, then priority, then id) and adds the cumulative finding; the
// case tier is raised to the cumulative tier when accumulation reaches
// higher.
func caseAssessment(d *doctrine.Doctrine, incs []article5.IncidentReport, facts []*article5.Facts) (*article5.DoctrineAssessment, error) {
	lead := 0
	for i := 1; i < len(incs); i++ {
		a, b := incs[i].Assessments[d.ID], incs[lead].Assessments[d.ID]
		switch {
		case caseTierOrder(a.Tier) != caseTierOrder(b.Tier):
			if caseTierOrder(a.Tier) > caseTierOrder(b.Tier) {
				lead = i
			}
		case a.Severity != b.Severity:
			if a.Severity > b.Severity {
				lead = i
			}
		case a.Priority.Score > b.Priority.Score:
			lead = i
		}
	}
	la := *incs[lead].Assessments[d.ID]
	out := &la
	out.LeadIncident = incs[lead].ID
	cum, err := accumulate(d, incs, facts)
	if err != nil {
		return nil, err
	}
	out.Cumulative = cum
	// The cumulative finding decides the case when it ranks higher, by the
	// same order as single incidents: a determinate armed attack, then
	// indeterminate, then use of force, then below the threshold. An
	// accumulated group that a needed fact leaves undecided makes the case
	// undecided too, with the group's changes_if.
	if cum.Enabled && caseTierOrder(cum.Tier) > caseTierOrder(out.Tier) {
		cum.Raised = true
		var g *article5.CumulativeGroup
		for i := range cum.Groups {
			if cum.Groups[i].Tier == cum.Tier {
				g = &cum.Groups[i]
				break
			}
		}
		out.ArmedAttack = g.ArmedAttack
		out.Tier = cum.Tier
		out.TierOnKnownFacts = g.TierOnKnownFacts
		out.Presumptions = g.Presumptions
		out.UndecidedBy = g.UndecidedBy
		out.ChangesIf = make([]article5.ChangeIf, len(g.ChangesIf))
		for i, c := range g.ChangesIf {
			c.Text = "for the incidents taken together, " + c.Text
			out.ChangesIf[i] = c
		}
		reason := "Taken together, related incidents by the same originator meet the test that none meets alone: " + cum.Reason
		if cum.Tier == article5.TierIndeterminate {
			reason = "Taken together, related incidents by the same originator may meet the test that none meets alone, but a fact the doctrine needs is not established for them: " + g.TierRule.Reason
		}
		out.TierRule = article5.Rule{Name: "accumulation", Reason: reason, Source: d.Accumulation.Source}
		sd, why, err := d.SelfDefence(facts[lead], out.Tier)
		if err != nil {
			return nil, err
		}
		out.SelfDefenceAvailable, out.SelfDefenceReason = sd, why
	}
	return out, nil
}
