package cli

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"article5"
	"article5/assess"
	"article5/doctrine"
	"article5/stix"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// eachFlagNames are the flags that only make sense with --each.
var eachFlagNames = []string{"receiver", "initiator", "from", "to", "scope", "tier", "summary"}

// checkEachFlags validates the batch flags and returns the filter. Without
// --each, any batch flag is a usage error.
func checkEachFlags(fs interface{ Changed(string) bool }, fl assessFlags) (assess.EachFilter, error) {
	var filter assess.EachFilter
	if !fl.each {
		for _, name := range eachFlagNames {
			if fs.Changed(name) {
				return filter, usageError{fmt.Errorf("--%s needs --each\nrun 'article5 assess --help' for usage", name)}
			}
		}
		return filter, nil
	}
	switch fl.format {
	case "text", "json", "csv":
	default:
		return filter, usageError{fmt.Errorf("--format must be text, json or csv with --each, got %q", fl.format)}
	}
	filter.Receiver = strings.TrimSpace(fl.receiver)
	filter.Initiator = strings.TrimSpace(fl.initiator)
	if fl.scope != "" {
		filter.Scope = article5.Scope(fl.scope)
		if !filter.Scope.Valid() {
			return filter, usageError{fmt.Errorf("--scope must be in, out, uncertain or space-consultative, got %q", fl.scope)}
		}
	}
	if fl.tier != "" {
		filter.Tier = article5.Tier(fl.tier)
		if !filter.Tier.Valid() {
			return filter, usageError{fmt.Errorf("--tier must be below-threshold, use-of-force-possible, armed-attack-possible or indeterminate, got %q", fl.tier)}
		}
	}
	var err error
	if fl.from != "" {
		if filter.From, err = time.Parse(time.DateOnly, fl.from); err != nil {
			return filter, usageError{fmt.Errorf("--from must be a date YYYY-MM-DD, got %q", fl.from)}
		}
	}
	if fl.to != "" {
		var to time.Time
		if to, err = time.Parse(time.DateOnly, fl.to); err != nil {
			return filter, usageError{fmt.Errorf("--to must be a date YYYY-MM-DD, got %q", fl.to)}
		}
		filter.To = to.Add(24*time.Hour - time.Nanosecond) // the whole day
	}
	if !filter.From.IsZero() && !filter.To.IsZero() && filter.To.Before(filter.From) {
		return filter, usageError{fmt.Errorf("--to %s is before --from %s", fl.to, fl.from)}
	}
	return filter, nil
}

// runEach assesses every incident of the merged bundles on its own and
// writes the table, the summary, JSON or CSV to stdout; progress and
// warnings go to stderr.
func runEach(ctx context.Context, fl assessFlags, filter assess.EachFilter, docs []*doctrine.Doctrine, bundles []*stix.Bundle, stdout, stderr io.Writer) error {
	ev, err := assess.NewEvidence(bundles...)
	if err != nil {
		return err
	}
	incs, err := ev.Incidents(nil)
	if err != nil {
		return err
	}
	total := len(incs)
	prog, finish := newProgress(stderr)
	rows, err := assess.Each(ctx, assess.Options{Doctrines: docs}, ev, filter, prog)
	finish()
	if err != nil {
		return err
	}
	ids := make([]string, len(docs))
	for i, d := range docs {
		ids[i] = d.ID
	}
	switch {
	case fl.summary && fl.format == "json":
		err = writeJSON(stdout, assess.Summarize(rows, ids))
	case fl.summary && fl.format == "csv":
		err = writeSummaryCSV(stdout, assess.Summarize(rows, ids))
	case fl.summary:
		err = writeSummaryText(stdout, assess.Summarize(rows, ids), docs, total)
	case fl.format == "json":
		err = writeJSON(stdout, rows)
	case fl.format == "csv":
		err = writeEachCSV(stdout, rows, ids)
	default:
		err = writeEachText(stdout, rows, ids, total, filter)
	}
	if err != nil {
		return article5.Internal("write report", err)
	}
	for _, w := range ev.Warnings {
		fmt.Fprintln(stderr, warningLine(w))
	}
	for _, r := range rows {
		for _, w := range r.Warnings {
			fmt.Fprintln(stderr, warningLine(w))
		}
	}
	return nil
}

// newProgress returns the progress callback for assess.Each and a function
// to call when it is done. On a terminal it draws a progress bar on w;
// otherwise it prints a plain line at most every second, and a final line.
func newProgress(w io.Writer) (func(done, total int), func()) {
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		var bar *progressbar.ProgressBar
		return func(done, total int) {
				if bar == nil {
					bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(w),
						progressbar.OptionSetDescription("assessing incidents"), progressbar.OptionShowCount(),
						progressbar.OptionSetPredictTime(true), progressbar.OptionThrottle(100*time.Millisecond),
						progressbar.OptionClearOnFinish())
				}
				_ = bar.Set(done)
			}, func() {
				if bar != nil {
					_ = bar.Finish()
					fmt.Fprintf(w, "assessed %d/%d incidents\n", int(bar.State().CurrentNum), int(bar.State().Max))
				}
			}
	}
	return plainProgress(w, time.Second)
}

// plainProgress prints "assessed N/M incidents" to w at most every
// interval, and once more at the end.
func plainProgress(w io.Writer, interval time.Duration) (func(done, total int), func()) {
	var mu sync.Mutex
	last := time.Now()
	cur, max, printed := 0, 0, -1
	return func(done, total int) {
			mu.Lock()
			defer mu.Unlock()
			cur, max = done, total
			if time.Since(last) >= interval && done != printed {
				fmt.Fprintf(w, "assessed %d/%d incidents\n", done, total)
				last, printed = time.Now(), done
			}
		}, func() {
			mu.Lock()
			defer mu.Unlock()
			if max > 0 && cur != printed {
				fmt.Fprintf(w, "assessed %d/%d incidents\n", cur, max)
			}
		}
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func shortScope(s article5.Scope) string {
	if s == article5.ScopeSpaceConsultative {
		return "space"
	}
	return string(s)
}

// shortID drops the type prefix and keeps the first 13 characters of the
// UUID ("8427b4e1-d3f1").
func shortID(id string) string {
	_, u, ok := strings.Cut(id, "--")
	if !ok {
		u = id
	}
	if len(u) > 13 {
		u = u[:13]
	}
	return u
}

func cell(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	return fmt.Sprintf("%-*s", n, short(s, n))
}

const tableWidth = 200

// writeEachText renders the rows as a table readable at 160 columns, then
// the faulty incidents in full and a footer with counts.
func writeEachText(w io.Writer, rows []assess.EachRow, ids []string, total int, filter assess.EachFilter) error {
	b := bufio.NewWriter(w)
	const (
		wID, wDate, wName, wRecv, wInit, wScope, wSev, wPrio, wTier, wSD = 13, 10, 26, 10, 16, 9, 3, 4, 21, 8
	)
	fixed := wID + wDate + wName + wRecv + wInit + wScope + wSev + wPrio + 9 + len(ids)*(wTier+1) + wSD
	wReason := tableWidth - fixed - 1
	if wReason < 20 {
		wReason = 20
	}
	first := ""
	if len(ids) > 0 {
		first = ids[0]
	}
	head := fmt.Sprintf("%s %s %s %s %s %s %*s %*s", cell("RECORD", wID), cell("DATE", wDate), cell("NAME", wName),
		cell("RECEIVER", wRecv), cell("INITIATOR", wInit), cell("SCOPE", wScope), wSev, "SEV", wPrio, "PRIO")
	for _, id := range ids {
		head += " " + cell(strings.ToUpper(id), wTier)
	}
	head += " " + cell("SELF-DEF", wSD) + " REASON (" + first + ")"
	fmt.Fprintln(b, strings.TrimRight(head, " "))
	fmt.Fprintln(b, strings.Repeat("-", tableWidth))
	errs := 0
	tiers := make([]map[article5.Tier]int, len(ids))
	for i := range tiers {
		tiers[i] = map[article5.Tier]int{}
	}
	for _, r := range rows {
		date := r.Date
		if date == "" {
			date = "?"
		}
		recID := r.Record
		if recID == "" {
			recID = shortID(r.ID)
		}
		line := fmt.Sprintf("%s %s %s %s %s", cell(recID, wID), cell(date, wDate), cell(r.Name, wName),
			cell(receiverCell(r.Receivers), wRecv), cell(r.Initiator, wInit))
		if r.Err != "" {
			errs++
			line += " " + short("NOT ASSESSED: "+strings.Join(strings.Fields(r.Err), " "), tableWidth-len([]rune(line))-1)
			fmt.Fprintln(b, line)
			continue
		}
		a := r.Assessments[first]
		sev, prio, reason := "", "", ""
		if a != nil {
			sev, prio, reason = strconv.Itoa(a.Severity), fmt.Sprintf("%.0f", a.Priority.Score), assess.TopReason(a)
		}
		line += fmt.Sprintf(" %s %*s %*s", cell(shortScope(r.Scope.Value), wScope), wSev, sev, wPrio, prio)
		var sd []string
		for i, id := range ids {
			t := article5.Tier("")
			if x := r.Assessments[id]; x != nil {
				t = x.Tier
				tiers[i][t]++
				sd = append(sd, yesNo(x.SelfDefenceAvailable))
			}
			line += " " + cell(string(t), wTier)
		}
		line += " " + cell(strings.Join(sd, "/"), wSD)
		line += " " + short(strings.Join(strings.Fields(reason), " "), wReason)
		fmt.Fprintln(b, strings.TrimRight(line, " "))
	}
	fmt.Fprintln(b, strings.Repeat("-", tableWidth))
	if errs > 0 {
		fmt.Fprintf(b, "\nNOT ASSESSED (%d): the incident's facts are faulty; fix them and run again\n", errs)
		for _, r := range rows {
			if r.Err != "" {
				fmt.Fprintf(b, "  %s\n", r.ID)
				if len(r.ErrDetails) == 0 {
					fmt.Fprintf(b, "    %s\n", r.Err)
				}
				for _, d := range r.ErrDetails {
					fmt.Fprintf(b, "    %s\n", d.String())
				}
			}
		}
		fmt.Fprintln(b)
	}
	fmt.Fprintf(b, "%d incidents in the evidence, each assessed as its own case: %d shown, %d of them not assessed (faulty facts)", total, len(rows), errs)
	if f := filterText(filter); f != "" {
		fmt.Fprintf(b, "; filter: %s", f)
	}
	fmt.Fprintln(b)
	for i, id := range ids {
		var parts []string
		for _, t := range assess.Tiers {
			parts = append(parts, fmt.Sprintf("%d %s", tiers[i][t], t))
		}
		fmt.Fprintf(b, "  %-4s %s\n", id+":", strings.Join(parts, ", "))
	}
	if first != "" {
		fmt.Fprintf(b, "RECORD is the source's own id (EuRepoC ID, CFR data row); SELF-DEF is self_defence_available per doctrine (%s).\n", strings.Join(ids, "/"))
		fmt.Fprintf(b, "SEV (DCID 0-10), PRIO (notional NCISS-style, 0-100) and REASON (the deciding rule or factor) are the %s doctrine's; every finding in full: --format json\n", first)
	}
	return b.Flush()
}

// receiverCell shows the receiver countries (ISO codes) when there are
// any, else the target identities' names.
func receiverCell(recv []string) string {
	var codes []string
	for _, r := range recv {
		if len(r) == 2 && strings.ToUpper(r) == r {
			codes = append(codes, r)
		}
	}
	if len(codes) > 0 {
		return strings.Join(codes, ",")
	}
	return strings.Join(recv, ", ")
}

func filterText(f assess.EachFilter) string {
	var parts []string
	add := func(k, v string) {
		if v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	add("receiver", f.Receiver)
	add("initiator", f.Initiator)
	if !f.From.IsZero() {
		add("from", f.From.Format(time.DateOnly))
	}
	if !f.To.IsZero() {
		add("to", f.To.Format(time.DateOnly))
	}
	add("scope", string(f.Scope))
	add("tier", string(f.Tier))
	return strings.Join(parts, " ")
}

// writeEachCSV writes one line per row: the incident, then per doctrine
// its tier, severity and priority, then the first doctrine's reason and
// the error of a row not assessed.
func writeEachCSV(w io.Writer, rows []assess.EachRow, ids []string) error {
	cw := csv.NewWriter(w)
	head := []string{"id", "date", "name", "receivers", "initiator", "scope", "article"}
	for _, id := range ids {
		head = append(head, id+"_tier", id+"_severity", id+"_priority")
	}
	head = append(head, "reason", "error")
	if err := cw.Write(head); err != nil {
		return err
	}
	for _, r := range rows {
		rec := []string{r.ID, r.Date, r.Name, strings.Join(r.Receivers, "; "), r.Initiator, string(r.Scope.Value), r.Scope.Article}
		reason := ""
		for i, id := range ids {
			a := r.Assessments[id]
			if a == nil {
				rec = append(rec, "", "", "")
				continue
			}
			rec = append(rec, string(a.Tier), strconv.Itoa(a.Severity), strconv.FormatFloat(a.Priority.Score, 'f', 1, 64))
			if i == 0 {
				reason = assess.TopReason(a)
			}
		}
		rec = append(rec, reason, r.Err)
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// writeSummaryCSV writes the summary in long form: doctrine, tier, scope,
// count, every combination (zeros included).
func writeSummaryCSV(w io.Writer, s assess.Summary) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"doctrine", "tier", "scope", "count"}); err != nil {
		return err
	}
	for _, d := range s.Doctrines {
		for _, t := range assess.Tiers {
			for _, sc := range assess.Scopes {
				if err := cw.Write([]string{d.Doctrine, string(t), string(sc), strconv.Itoa(d.TierScope[t][sc])}); err != nil {
					return err
				}
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// writeSummaryText renders the summary per doctrine: tier × scope with
// totals, the severity histogram and the indeterminate count by the needed
// fact that decides it.
func writeSummaryText(w io.Writer, s assess.Summary, docs []*doctrine.Doctrine, total int) error {
	b := bufio.NewWriter(w)
	titles := map[string]string{}
	for _, d := range docs {
		titles[d.ID] = d.Title
	}
	fmt.Fprintf(b, "SUMMARY — %d incidents in the evidence, each assessed as its own case: %d tabulated, %d not assessed (faulty facts)\n",
		total, s.Rows, s.Errors)
	for _, d := range s.Doctrines {
		fmt.Fprintf(b, "\n%s — %s\n", d.Doctrine, titles[d.Doctrine])
		widths := make([]int, len(assess.Scopes))
		fmt.Fprintf(b, "  %-23s", "tier \\ scope")
		for i, sc := range assess.Scopes {
			widths[i] = len(sc)
			if widths[i] < 5 {
				widths[i] = 5
			}
			fmt.Fprintf(b, "  %*s", widths[i], sc)
		}
		fmt.Fprintf(b, "  %5s\n", "total")
		colTotals := make([]int, len(assess.Scopes))
		for _, t := range assess.Tiers {
			fmt.Fprintf(b, "  %-23s", t)
			for i, sc := range assess.Scopes {
				n := d.TierScope[t][sc]
				colTotals[i] += n
				fmt.Fprintf(b, "  %*d", widths[i], n)
			}
			fmt.Fprintf(b, "  %5d\n", d.Tiers[t])
		}
		fmt.Fprintf(b, "  %-23s", "total")
		sum := 0
		for i := range assess.Scopes {
			sum += colTotals[i]
			fmt.Fprintf(b, "  %*d", widths[i], colTotals[i])
		}
		fmt.Fprintf(b, "  %5d\n", sum)

		fmt.Fprintf(b, "  severity (DCID 0-10)\n")
		max := 0
		for _, n := range d.Severity {
			if n > max {
				max = n
			}
		}
		for v, n := range d.Severity {
			bar := 0
			if max > 0 {
				bar = (n*40 + max - 1) / max
			}
			fmt.Fprintf(b, "    %2d %5d %s\n", v, n, strings.Repeat("#", bar))
		}
		fmt.Fprintf(b, "  indeterminate: %d", d.Indeterminate)
		if d.Indeterminate > 0 {
			facts := make([]string, 0, len(d.UndecidedBy))
			for f := range d.UndecidedBy {
				facts = append(facts, f)
			}
			sortByCount(facts, d.UndecidedBy)
			var parts []string
			for _, f := range facts {
				name := "a fact not named"
				if f != "" {
					name = article5.FactLabel(f) // plain words, not the fact's name
				}
				parts = append(parts, fmt.Sprintf("%s: %d", name, d.UndecidedBy[f]))
			}
			fmt.Fprintf(b, ", of which turning on %s", strings.Join(parts, "; "))
		}
		fmt.Fprintln(b)
		fmt.Fprintf(b, "  self-defence available: %d\n", d.SelfDefence)
	}
	return b.Flush()
}

// sortByCount orders keys by descending count, then name.
func sortByCount(keys []string, n map[string]int) {
	sort.Slice(keys, func(i, j int) bool {
		if n[keys[i]] != n[keys[j]] {
			return n[keys[i]] > n[keys[j]]
		}
		return keys[i] < keys[j]
	})
}
