// Package sanity computes the sanity report on real data: the EuRepoC
// Global Database 1.1 and the CFR Cyber Operations Tracker imported as
// STIX, every incident assessed on its own with the given doctrines (as
// `article5 assess --each`), and the counts that show what the importers and
// the doctrines make of them: tier by scope, DCID severity, indeterminate
// cases by missing fact, which facts the import sets, the rank of
// well-known incidents by severity, and the incidents with a Japanese
// receiver. Markdown renders it for docs/sanity.md; the test in this
// package keeps that page current (go test ./importer/sanity -update).
package sanity

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"article5"
	"article5/assess"
	"article5/doctrine"
	"article5/importer"
	"article5/importer/cfr"
	"article5/importer/eurepoc"
	"article5/stix"
)

// Report is the sanity report of both datasets.
type Report struct {
	Doctrines []string // doctrine ids, in the order applied
	Datasets  []*Dataset
}

// Dataset is what one dataset yields.
type Dataset struct {
	Name     string           // "EuRepoC Global Database 1.1", "CFR Cyber Operations Tracker"
	Import   *importer.Report // the import's run report
	Summary  assess.Summary   // tier × scope, severity, indeterminate
	Coverage Coverage         // which facts the import sets
	Ranks    []Rank           // named records ranked by severity (EuRepoC only)
	Japan    []JapanRow       // incidents with a Japanese receiver
	Notes    map[string]int   // import notes worth showing (conversions, extent not inferred …)
}

// Coverage counts incidents by the facts the import gives them.
type Coverage struct {
	Incidents       int
	DurationHours   int            // duration_hours known (effect intervals with start and end)
	EffectsDuration map[string]int // effects_duration class → incidents
	MilitaryTarget  int            // military_target true
	NotMilitary     int            // military_target false
	Extent          map[string]int // geographic_extent → incidents
	MultiSector     int            // more than one critical-infrastructure sector
	EconomicLoss    int            // economic_loss_usd known
}

// Rank is the severity rank of one named record: 1 + the number of
// incidents of strictly higher DCID severity under the first doctrine.
type Rank struct {
	Record, Name string
	Severity     int
	Rank, Of     int
}

// JapanRow is one incident with Japan among its receivers.
type JapanRow struct {
	Record, Name, Date string
	Severity           int
	Tiers              map[string]article5.Tier
}

// Named EuRepoC records whose rank the report shows: the acceptance cases of
// importer/eurepoc (Stuxnet, the Ukrainian grid attacks, Shamoon, NotPetya,
// Viasat KA-SAT), Colonial Pipeline, and the one record with a loss in euros.
var namedEuRepoC = []string{"46", "786", "947", "379", "1032", "1514", "1417", "1871"}

// Compute imports both datasets from their CSV files and assesses every
// incident on its own with docs. Errors are those of the import (EINVALID
// for a bad file, ENOTFOUND if a file is missing) or of the assessment.
func Compute(ctx context.Context, eurepocCSV, cfrCSV string, docs []*doctrine.Doctrine) (*Report, error) {
	r := &Report{}
	for _, d := range docs {
		r.Doctrines = append(r.Doctrines, d.ID)
	}
	for _, ds := range []struct {
		name, path string
		imp        func(context.Context, string, io.Reader, io.Writer) (*importer.Report, error)
		named      []string
	}{
		{eurepoc.Citation, eurepocCSV, eurepoc.Import, namedEuRepoC},
		{cfr.Citation, cfrCSV, cfr.Import, nil},
	} {
		d, err := dataset(ctx, ds.name, ds.path, ds.imp, docs, ds.named)
		if err != nil {
			return nil, err
		}
		r.Datasets = append(r.Datasets, d)
	}
	return r, nil
}

func dataset(ctx context.Context, name, path string, imp func(context.Context, string, io.Reader, io.Writer) (*importer.Report, error), docs []*doctrine.Doctrine, named []string) (*Dataset, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, article5.Errorf(article5.ENOTFOUND, "%s: %v", path, err)
	}
	defer f.Close()
	var out bytes.Buffer
	rep, err := imp(ctx, path, f, &out)
	if err != nil {
		return nil, err
	}
	b, err := stix.Parse(out.Bytes())
	if err != nil {
		return nil, fmt.Errorf("parse %s import: %w", name, err)
	}
	ev, err := assess.NewEvidence(b)
	if err != nil {
		return nil, fmt.Errorf("%s evidence: %w", name, err)
	}
	rows, err := assess.Each(ctx, assess.Options{Doctrines: docs}, ev, assess.EachFilter{}, nil)
	if err != nil {
		return nil, fmt.Errorf("%s assessment: %w", name, err)
	}
	var ids []string
	for _, d := range docs {
		ids = append(ids, d.ID)
	}
	d := &Dataset{Name: name, Import: rep, Summary: assess.Summarize(rows, ids), Notes: map[string]int{}}
	for k, v := range rep.Notes {
		if strings.HasPrefix(k, "loss converted") || strings.HasPrefix(k, "loss not converted") ||
			strings.HasPrefix(k, "several receiver countries") || strings.HasPrefix(k, "effect interval") {
			d.Notes[k] = v
		}
	}

	incs, err := ev.Incidents(nil)
	if err != nil {
		return nil, err
	}
	cases, err := assess.CaseFacts(ctx, ev, nil, incs, 0)
	if err != nil {
		return nil, err
	}
	d.Coverage = coverage(cases.Facts)

	// Ranks by the first doctrine's severity.
	first := docs[0].ID
	sev := map[string]int{}
	var all []int
	for _, row := range rows {
		if a := row.Assessments[first]; a != nil {
			sev[row.Record] = a.Severity
			all = append(all, a.Severity)
		}
	}
	for _, rec := range named {
		s, ok := sev[rec]
		if !ok {
			continue
		}
		n := 0
		for _, x := range all {
			if x > s {
				n++
			}
		}
		d.Ranks = append(d.Ranks, Rank{Record: rec, Name: nameOf(rows, rec), Severity: s, Rank: n + 1, Of: len(all)})
	}

	// Incidents with a Japanese receiver.
	for _, row := range rows {
		jp := false
		for _, c := range row.Receivers {
			jp = jp || c == "JP"
		}
		if !jp || row.Err != "" {
			continue
		}
		jr := JapanRow{Record: row.Record, Name: row.Name, Date: row.Date, Tiers: map[string]article5.Tier{}}
		for id, a := range row.Assessments {
			jr.Tiers[id] = a.Tier
		}
		if a := row.Assessments[first]; a != nil {
			jr.Severity = a.Severity
		}
		d.Japan = append(d.Japan, jr)
	}
	return d, nil
}

func nameOf(rows []assess.EachRow, rec string) string {
	for _, r := range rows {
		if r.Record == rec {
			return r.Name
		}
	}
	return ""
}

func coverage(facts []*article5.Facts) Coverage {
	c := Coverage{Incidents: len(facts), EffectsDuration: map[string]int{}, Extent: map[string]int{}}
	for _, f := range facts {
		if f.Get(article5.FactDurationHours).Known {
			c.DurationHours++
		}
		if v := f.Get(article5.FactEffectsDuration); v.Known {
			c.EffectsDuration[v.Value.(string)]++
		}
		if v := f.Get(article5.FactMilitaryTarget); v.Known && v.Value.(bool) {
			c.MilitaryTarget++
		} else if v.Known {
			c.NotMilitary++
		}
		if v := f.Get(article5.FactGeographicExtent); v.Known {
			c.Extent[v.Value.(string)]++
		}
		if v := f.Get(article5.FactCISectors); v.Known && len(v.Value.([]string)) > 1 {
			c.MultiSector++
		}
		if f.Get(article5.FactEconomicLossUSD).Known {
			c.EconomicLoss++
		}
	}
	return c
}

// Markdown writes the figures as the generated part of docs/sanity.md:
// deterministic, with no clock time, so that an unchanged input gives an
// unchanged page.
func (r *Report) Markdown(w io.Writer) error {
	var b strings.Builder
	for _, d := range r.Datasets {
		fmt.Fprintf(&b, "### %s\n\n", d.Name)
		fmt.Fprintf(&b, "%s rows read, %s incidents written, %d records rejected. Every incident is assessed on its own (no accumulation).\n\n",
			num(d.Import.Rows), num(d.Import.Imported), len(d.Import.Rejected))
		b.WriteString("| | in | space-consultative | uncertain | out | total |\n|---|---|---|---|---|---|\n")
		fmt.Fprintf(&b, "| scope | %s | %s | %s | %s | %s |\n", num(d.Summary.Scopes[article5.ScopeIn]), num(d.Summary.Scopes[article5.ScopeSpaceConsultative]),
			num(d.Summary.Scopes[article5.ScopeUncertain]), num(d.Summary.Scopes[article5.ScopeOut]), num(d.Summary.Rows))
		for _, ds := range d.Summary.Doctrines {
			for _, t := range assess.Tiers {
				fmt.Fprintf(&b, "| %s: %s |", ds.Doctrine, t)
				for _, sc := range assess.Scopes {
					fmt.Fprintf(&b, " %s |", num(ds.TierScope[t][sc]))
				}
				fmt.Fprintf(&b, " %s |\n", num(ds.Tiers[t]))
			}
		}
		b.WriteString("\n")
		same := true
		for _, ds := range d.Summary.Doctrines[1:] {
			same = same && ds.Severity == d.Summary.Doctrines[0].Severity
		}
		for i, ds := range d.Summary.Doctrines {
			if same && i > 0 {
				break
			}
			label := ds.Doctrine
			if same {
				label = "all doctrines"
			}
			fmt.Fprintf(&b, "- **DCID severity** (%s): %s.\n", label, histogram(ds.Severity))
		}
		for _, ds := range d.Summary.Doctrines {
			fmt.Fprintf(&b, "- **%s**: %d indeterminate", ds.Doctrine, ds.Indeterminate)
			if ds.Indeterminate > 0 {
				facts := make([]string, 0, len(ds.UndecidedBy))
				for f := range ds.UndecidedBy {
					facts = append(facts, f)
				}
				sort.Strings(facts)
				var parts []string
				for _, f := range facts {
					// The fact in plain words, not its name.
					name := "a fact not named"
					if f != "" {
						name = article5.FactLabel(f)
						if !strings.HasPrefix(name, "whether ") {
							name = "the " + name
						}
					}
					parts = append(parts, fmt.Sprintf("%s turning on %s", num(ds.UndecidedBy[f]), name))
				}
				fmt.Fprintf(&b, " (%s)", strings.Join(parts, ", "))
			}
			fmt.Fprintf(&b, "; self-defence available in %d.\n", ds.SelfDefence)
		}
		c := d.Coverage
		fmt.Fprintf(&b, "- **Facts set by the import** (of %s incidents): effect duration in hours %s; duration class %s; military target %s (known not to be one %s); geographic extent %s; more than one critical-infrastructure sector %s; economic loss in USD %s.\n",
			num(c.Incidents), num(c.DurationHours), classes(c.EffectsDuration, []string{"hours", "days", "weeks", "months"}), num(c.MilitaryTarget), num(c.NotMilitary),
			classes(c.Extent, []string{"local", "regional", "national", "international"}), num(c.MultiSector), num(c.EconomicLoss))
		if len(d.Notes) > 0 {
			keys := make([]string, 0, len(d.Notes))
			for k := range d.Notes {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				fmt.Fprintf(&b, "- Import note: %s ×%d.\n", k, d.Notes[k])
			}
		}
		if len(d.Ranks) > 0 {
			b.WriteString("\n**Named records by severity** (rank = 1 + the number of incidents of strictly higher DCID severity, first doctrine):\n\n| record | name | DCID | rank |\n|---|---|---|---|\n")
			for _, rk := range d.Ranks {
				fmt.Fprintf(&b, "| %s | %s | %d | %d of %s (top %.1f%%) |\n", rk.Record, short(rk.Name, 70), rk.Severity, rk.Rank, num(rk.Of), 100*float64(rk.Rank)/float64(rk.Of))
			}
		}
		fmt.Fprintf(&b, "\n**Incidents with a Japanese receiver** (%d; record, name, date, DCID, tiers):\n\n", len(d.Japan))
		var items []string
		for _, j := range d.Japan {
			var ts []string
			for _, id := range r.Doctrines {
				ts = append(ts, string(j.Tiers[id]))
			}
			tiers := strings.Join(ts, "/")
			items = append(items, fmt.Sprintf("%s (%s, %s, %d, %s)", j.Record, short(j.Name, 60), orUndated(j.Date), j.Severity, tiers))
		}
		b.WriteString(strings.Join(items, "; "))
		b.WriteString(".\n\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func histogram(s [11]int) string {
	var parts []string
	for i, n := range s {
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d: %s", i, num(n)))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func classes(m map[string]int, order []string) string {
	var parts []string
	total := 0
	for _, k := range order {
		if m[k] > 0 {
			parts = append(parts, fmt.Sprintf("%s %s", k, num(m[k])))
			total += m[k]
		}
	}
	if total == 0 {
		return "0"
	}
	return fmt.Sprintf("%s (%s)", num(total), strings.Join(parts, ", "))
}

// num writes a count with thousands separators (1,643).
func num(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func short(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	s = strings.NewReplacer("|", "/").Replace(s)
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func orUndated(d string) string {
	if d == "" {
		return "undated"
	}
	return d
}
