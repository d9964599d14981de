package assess

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"article5"
	"article5/doctrine"
	"article5/geo"
	"article5/stix"

	"github.com/biter777/countries"
)

// EachFilter selects incidents in a batch; zero values select all.
type EachFilter struct {
	// Receiver matches, case-insensitively, a receiver country's ISO 3166-1
	// alpha-2 code (exactly: a two-letter query is taken as a code only) or
	// English name (substring), or a target identity's name (substring).
	Receiver string
	// Initiator is a case-insensitive substring of the attributed actor's or
	// State's name; unattributed incidents never match it.
	Initiator string
	// From, To bound the incident start (Facts.Start) within [From, To],
	// inclusive; incidents without a date are excluded when either is set.
	From, To time.Time
	Scope    article5.Scope // "" = any
	Tier     article5.Tier  // "" = any; matches if any doctrine gives that tier
}

// EachRow is one incident assessed on its own (no accumulation: each
// incident is its own case).
//
// A row whose Err is set was not assessed: its facts are faulty (ErrDetails
// names the object, pointer and expectation) or a doctrine failed on them.
// Such rows are returned whatever the filter (their facts cannot be relied
// on to apply it) and Summarize counts them apart.
type EachRow struct {
	ID          string                                  `json:"id"`
	Record      string                                  `json:"record,omitempty"` // the source's own record id ("46", "row 157"): the first external_reference's external_id
	Source      string                                  `json:"source,omitempty"` // that reference's source_name ("EuRepoC Global Database 1.1")
	Name        string                                  `json:"name,omitempty"`
	Date        string                                  `json:"date"`      // f.Start as YYYY-MM-DD (UTC), "" if unknown
	Receivers   []string                                `json:"receivers"` // receiver country codes (sorted), then target identity names (sorted)
	Initiator   string                                  `json:"initiator"` // State name if any, else actor name, else ""
	Scope       article5.ScopeFinding                   `json:"scope"`
	Assessments map[string]*article5.DoctrineAssessment `json:"assessments,omitempty"` // doctrine id → findings; nil when Err is set
	Warnings    []string                                `json:"warnings,omitempty"`    // warnings met reading the incident's facts
	Err         string                                  `json:"error,omitempty"`
	ErrDetails  []article5.Detail                       `json:"error_details,omitempty"`
}

// Each assesses every incident of the evidence independently with every
// doctrine, in parallel (opts.Workers), calling progress(done, total) now
// and then (may be nil; calls are serialised and done never decreases; the
// last call has done == total), and returns the rows that pass the filter,
// sorted by Date (undated rows last) then ID. Groupings are ignored. The
// result is deterministic whatever the workers.
//
// Faults in one incident's facts do not stop the batch: the incident
// becomes a row with Err set. EINVALID if there is no incident, no doctrine
// or the filter holds an unknown scope or tier.
func Each(ctx context.Context, opts Options, ev *Evidence, filter EachFilter, progress func(done, total int)) ([]EachRow, error) {
	if len(opts.Doctrines) == 0 {
		return nil, article5.Errorf(article5.EINVALID, "no doctrine to apply")
	}
	if filter.Scope != "" && !filter.Scope.Valid() {
		return nil, article5.Errorf(article5.EINVALID, "unknown scope %q (in, out, uncertain or space-consultative)", filter.Scope)
	}
	if filter.Tier != "" && !filter.Tier.Valid() {
		return nil, article5.Errorf(article5.EINVALID, "unknown tier %q (below-threshold, use-of-force-possible, armed-attack-possible or indeterminate)", filter.Tier)
	}
	j := opts.Jurisdiction
	if j == nil {
		j = geo.Default()
	}
	incidents, err := ev.Incidents(nil)
	if err != nil {
		return nil, err
	}
	n := len(incidents)
	rows := make([]EachRow, n)
	keep := make([]bool, n)
	var mu sync.Mutex
	done := 0
	step := n / 200
	if step < 1 {
		step = 1
	}
	if progress != nil {
		progress(0, n)
	}
	if err := parallel(ctx, n, opts.Workers, func(i int) error {
		rows[i], keep[i] = eachIncident(ev, j, opts.Doctrines, incidents[i], &filter)
		if progress != nil {
			mu.Lock()
			done++
			if done%step == 0 || done == n {
				progress(done, n)
			}
			mu.Unlock()
		}
		return nil
	}); err != nil {
		return nil, err
	}
	out := make([]EachRow, 0, n)
	for i, k := range keep {
		if k {
			out = append(out, rows[i])
		}
	}
	sort.Slice(out, func(a, b int) bool {
		da, db := out[a].Date, out[b].Date
		if da != db {
			if da == "" || db == "" {
				return db == "" // undated last
			}
			return da < db
		}
		return out[a].ID < out[b].ID
	})
	return out, nil
}

// eachIncident reads and assesses one incident and says whether its row
// passes the filter. The facts are read by a reader of its own, so a fault
// stays with this incident.
func eachIncident(ev *Evidence, j *geo.Jurisdiction, docs []*doctrine.Doctrine, inc *stix.Object, filter *EachFilter) (row EachRow, keep bool) {
	row = EachRow{ID: inc.ID, Name: inc.String("name"), Receivers: []string{}}
	if refs, ok := inc.Props["external_references"].([]any); ok {
		for _, x := range refs {
			if m, ok := x.(map[string]any); ok {
				if id, ok := m["external_id"].(string); ok && id != "" {
					row.Record, _ = id, true
					row.Source, _ = m["source_name"].(string)
					break
				}
			}
		}
	}
	defer func() {
		if p := recover(); p != nil {
			row.Assessments = nil
			row.Err = fmt.Sprintf("internal error while assessing this incident: %v", p)
			keep = true
		}
	}()
	r := &reader{ev: ev, juris: j}
	f, scope := r.incidentFacts(inc)
	row.Scope = scope
	row.Warnings = r.warn
	if !f.Start.IsZero() {
		row.Date = f.Start.UTC().Format(time.DateOnly)
	}
	codes, targets := receivers(r, inc)
	row.Receivers = append(append(row.Receivers, codes...), targets...)
	switch {
	case f.State != nil && f.State.Name != "":
		row.Initiator = f.State.Name
	case f.Actor != nil:
		row.Initiator = f.Actor.Name
	}
	if len(r.details) > 0 {
		row.ErrDetails = r.details
		row.Err = faultText("the incident's facts are invalid", r.details)
		return row, true
	}
	if !filter.matchFacts(f, scope, codes, targets) {
		return row, false
	}
	row.Assessments = make(map[string]*article5.DoctrineAssessment, len(docs))
	for _, d := range docs {
		a, err := d.Evaluate(f)
		if err != nil {
			row.Assessments = nil
			row.Err = fmt.Sprintf("doctrine %s failed on this incident: %v", d.ID, err)
			var e *article5.Error
			if asError(err, &e) && e.Err != nil {
				row.Err += ": " + e.Err.Error()
			}
			return row, true
		}
		row.Assessments[d.ID] = a
	}
	if filter.Tier != "" {
		for _, a := range row.Assessments {
			if a.Tier == filter.Tier {
				return row, true
			}
		}
		return row, false
	}
	return row, true
}

func faultText(msg string, details []article5.Detail) string {
	parts := make([]string, 0, len(details)+1)
	parts = append(parts, msg)
	for _, d := range details {
		parts = append(parts, d.String())
	}
	return strings.Join(parts, "; ")
}

// receivers returns the incident's receiver countries (ISO codes, from the
// `country` of the locations of the targeted systems and their effects,
// sorted, deduplicated; an English country name is turned into its code)
// and the names of the identities it targets (sorted, deduplicated).
func receivers(r *reader, inc *stix.Object) (codes, targets []string) {
	locs, _ := r.locations(inc)
	seen := map[string]bool{}
	for _, lo := range locs {
		c := normCountry(lo.String("country"))
		if c != "" && !seen[c] {
			seen[c] = true
			codes = append(codes, c)
		}
	}
	sort.Strings(codes)
	seen = map[string]bool{}
	for _, rel := range r.ev.Relationships(inc.ID, "targets") {
		o := r.ev.Object(rel.String("target_ref"))
		if o == nil || o.Type != "identity" {
			continue
		}
		if name := strings.TrimSpace(o.String("name")); name != "" && !seen[name] {
			seen[name] = true
			targets = append(targets, name)
		}
	}
	sort.Strings(targets)
	return codes, targets
}

// normCountry returns the ISO 3166-1 alpha-2 code of a STIX `country`
// value (a code, or an English name the table knows), else the value as
// given, trimmed.
func normCountry(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if len(s) == 2 {
		return strings.ToUpper(s)
	}
	if c, ok := countryCode(s); ok {
		return c
	}
	return s
}

// matchFacts applies the parts of the filter that need no doctrine.
func (fl *EachFilter) matchFacts(f *article5.Facts, scope article5.ScopeFinding, codes, targets []string) bool {
	if fl.Scope != "" && scope.Value != fl.Scope {
		return false
	}
	if !fl.From.IsZero() || !fl.To.IsZero() {
		if f.Start.IsZero() {
			return false
		}
		if !fl.From.IsZero() && f.Start.Before(fl.From) {
			return false
		}
		if !fl.To.IsZero() && f.Start.After(fl.To) {
			return false
		}
	}
	if q := strings.ToLower(strings.TrimSpace(fl.Initiator)); q != "" {
		ok := false
		for _, ref := range []*article5.Ref{f.Actor, f.State} {
			if ref != nil && strings.Contains(strings.ToLower(ref.Name), q) {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	if q := strings.TrimSpace(fl.Receiver); q != "" && !matchReceiver(q, codes, targets) {
		return false
	}
	return true
}

// matchReceiver: a two-letter query is an ISO code, matched exactly (so
// "US" does not match "Russia"); a longer one matches a code, a country
// name or a target identity name as a case-insensitive substring.
func matchReceiver(q string, codes, targets []string) bool {
	if len(q) == 2 {
		for _, c := range codes {
			if strings.EqualFold(c, q) {
				return true
			}
		}
		return false
	}
	lq := strings.ToLower(q)
	alias, isAlias := countryCode(lq) // "USA", "Russian Federation", …
	for _, c := range codes {
		if isAlias && c == alias {
			return true
		}
		if strings.EqualFold(c, q) || strings.Contains(strings.ToLower(countryName(c)), lq) {
			return true
		}
	}
	for _, t := range targets {
		if strings.Contains(strings.ToLower(t), lq) {
			return true
		}
	}
	return false
}

// Summary tabulates rows per doctrine. Rows with an error are not
// tabulated; they are counted in Errors.
type Summary struct {
	Rows      int                    `json:"rows"`   // rows tabulated (assessed)
	Errors    int                    `json:"errors"` // rows not assessed (Err set)
	Scopes    map[article5.Scope]int `json:"scopes"` // rows by scope (the same for every doctrine)
	Doctrines []DoctrineSummary      `json:"doctrines"`
}

// DoctrineSummary is one doctrine's tabulation.
type DoctrineSummary struct {
	Doctrine      string                                   `json:"doctrine"`
	TierScope     map[article5.Tier]map[article5.Scope]int `json:"tier_scope"` // tier → scope → rows
	Tiers         map[article5.Tier]int                    `json:"tiers"`      // tier → rows, whatever the scope
	Severity      [11]int                                  `json:"severity"`   // DCID 0–10 → rows
	Indeterminate int                                      `json:"indeterminate"`
	SelfDefence   int                                      `json:"self_defence_available"` // rows where the doctrine finds self-defence available
	UndecidedBy   map[string]int                           `json:"undecided_by"`           // needed fact → indeterminate rows it decides ("" when not named)
}

// Tiers lists the tiers in display order, lowest first, indeterminate last.
var Tiers = []article5.Tier{article5.TierBelowThreshold, article5.TierUseOfForcePossible, article5.TierArmedAttackPossible, article5.TierIndeterminate}

// Scopes lists the scopes in display order.
var Scopes = []article5.Scope{article5.ScopeIn, article5.ScopeSpaceConsultative, article5.ScopeUncertain, article5.ScopeOut}

// Summarize tabulates rows: per doctrine (in the order given; nil: every
// doctrine in the rows, sorted), tier × scope counts (tier independently of
// scope too), the severity (DCID 0–10) distribution, and the indeterminate
// count by the needed fact that decides it (DoctrineAssessment.UndecidedBy).
func Summarize(rows []EachRow, doctrines []string) Summary {
	if doctrines == nil {
		set := map[string]bool{}
		for _, r := range rows {
			for id := range r.Assessments {
				set[id] = true
			}
		}
		for id := range set {
			doctrines = append(doctrines, id)
		}
		sort.Strings(doctrines)
	}
	s := Summary{Scopes: map[article5.Scope]int{}, Doctrines: make([]DoctrineSummary, len(doctrines))}
	for i, id := range doctrines {
		ds := DoctrineSummary{Doctrine: id, TierScope: map[article5.Tier]map[article5.Scope]int{},
			Tiers: map[article5.Tier]int{}, UndecidedBy: map[string]int{}}
		for _, t := range Tiers {
			ds.TierScope[t] = map[article5.Scope]int{}
			for _, sc := range Scopes {
				ds.TierScope[t][sc] = 0
			}
			ds.Tiers[t] = 0
		}
		s.Doctrines[i] = ds
	}
	for _, sc := range Scopes {
		s.Scopes[sc] = 0
	}
	for _, r := range rows {
		if r.Err != "" {
			s.Errors++
			continue
		}
		s.Rows++
		s.Scopes[r.Scope.Value]++
		for i := range s.Doctrines {
			ds := &s.Doctrines[i]
			a := r.Assessments[ds.Doctrine]
			if a == nil {
				continue
			}
			if ds.TierScope[a.Tier] == nil {
				ds.TierScope[a.Tier] = map[article5.Scope]int{}
			}
			ds.TierScope[a.Tier][r.Scope.Value]++
			ds.Tiers[a.Tier]++
			if a.Severity >= 0 && a.Severity <= 10 {
				ds.Severity[a.Severity]++
			}
			if a.Tier == article5.TierIndeterminate {
				ds.Indeterminate++
				ds.UndecidedBy[a.UndecidedBy]++
			}
			if a.SelfDefenceAvailable {
				ds.SelfDefence++
			}
		}
	}
	return s
}

// countryName returns the English short name of an ISO 3166-1 alpha-2
// code (github.com/biter777/countries), or "".
func countryName(code string) string {
	if len(code) != 2 {
		return ""
	}
	c := countries.ByName(code)
	if c == countries.Unknown {
		return ""
	}
	return c.String()
}

// countryAliases are names the country library misreads or lacks.
var countryAliases = map[string]string{
	"north korea": "KP", "dprk": "KP", "korea (democratic people's republic of)": "KP",
	"korea, democratic people's republic of": "KP", "south korea": "KR", "usa": "US", "uk": "GB",
}

// countryCode resolves a country name to its ISO code: aliases first, then
// the country library; ok is false for an unknown name.
func countryCode(name string) (string, bool) {
	l := strings.ToLower(strings.TrimSpace(name))
	if c, ok := countryAliases[l]; ok {
		return c, true
	}
	c := countries.ByName(l)
	if c == countries.Unknown {
		return "", false
	}
	return c.Alpha2(), true
}

// TopReason is the one line that best says why a doctrine gave its tier:
// the deciding rule for indeterminate and armed-attack findings; for a use
// of force, the test's reason with the strongest Schmitt factor; below the
// threshold, what kept it there (the severity factor, or the missing State
// nexus).
func TopReason(a *article5.DoctrineAssessment) string {
	switch a.Tier {
	case article5.TierIndeterminate:
		return a.TierRule.Reason
	case article5.TierArmedAttackPossible:
		return "armed attack: " + a.ArmedAttack.Reason
	}
	var strongest, sev, legality *article5.Factor
	for i := range a.UseOfForce.Factors {
		f := &a.UseOfForce.Factors[i]
		switch f.Name {
		case "severity":
			sev = f
		case "presumptive_legality":
			legality = f
		}
		if strongest == nil || f.Score > strongest.Score {
			strongest = f
		}
	}
	switch {
	case a.Tier == article5.TierUseOfForcePossible && strongest != nil:
		return fmt.Sprintf("use of force: %s %d/3 — %s", factorWords(strongest.Name), strongest.Score, strongest.Reasons)
	case a.UseOfForce.Met:
		return "effects of a use of force, but " + a.Attribution.Reason
	case legality != nil && legality.Score == 0:
		return fmt.Sprintf("no use of force: presumptive legality 0/3 — %s", legality.Reasons)
	case sev != nil:
		return fmt.Sprintf("no use of force: severity %d/3 — %s", sev.Score, sev.Reasons)
	}
	return a.TierRule.Reason
}

// factorWords names a Schmitt factor in words, as the text report does
// ("State involvement" for state_involvement).
func factorWords(name string) string {
	if name == "state_involvement" {
		return "State involvement"
	}
	return strings.ReplaceAll(name, "_", " ")
}
