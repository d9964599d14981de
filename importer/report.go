package importer

import (
	"fmt"
	"io"
	"sort"
)

// Report counts what an import could not map: values per column that no
// mapping table knows, and records rejected whole (with row and reason).
// Values are counted, never dropped silently.
type Report struct {
	Dataset  string
	Rows     int                       // data rows read
	Imported int                       // incidents written
	Unmapped map[string]map[string]int // column → value → count
	Rejected []Rejection
	Notes    map[string]int // other counted events, e.g. "end_date before start_date: end_time left out"
}

// Rejection is a record that could not be mapped at all.
type Rejection struct {
	Row    int    `json:"row"`
	Record string `json:"record"` // the dataset's record id, if any
	Reason string `json:"reason"`
}

// NewReport returns an empty report for a dataset.
func NewReport(dataset string) *Report {
	return &Report{Dataset: dataset, Unmapped: map[string]map[string]int{}, Notes: map[string]int{}}
}

// Unmap counts a value of a column that no table maps.
func (r *Report) Unmap(column, value string) {
	m := r.Unmapped[column]
	if m == nil {
		m = map[string]int{}
		r.Unmapped[column] = m
	}
	m[value]++
}

// Note counts an event.
func (r *Report) Note(what string) { r.Notes[what]++ }

// Reject records a record that could not be mapped.
func (r *Report) Reject(row int, record, reason string) {
	r.Rejected = append(r.Rejected, Rejection{Row: row, Record: record, Reason: reason})
}

// Write prints the report for people: counts first, then every unmapped
// value with its count (sorted), every note and every rejected record.
func (r *Report) Write(w io.Writer) {
	fmt.Fprintf(w, "%s: %d rows read, %d incidents written, %d records rejected\n", r.Dataset, r.Rows, r.Imported, len(r.Rejected))
	cols := make([]string, 0, len(r.Unmapped))
	for c := range r.Unmapped {
		cols = append(cols, c)
	}
	sort.Strings(cols)
	if len(cols) > 0 {
		fmt.Fprintln(w, "unmapped values (column: value ×count):")
	}
	for _, c := range cols {
		vals := make([]string, 0, len(r.Unmapped[c]))
		for v := range r.Unmapped[c] {
			vals = append(vals, v)
		}
		sort.Slice(vals, func(i, j int) bool {
			a, b := r.Unmapped[c][vals[i]], r.Unmapped[c][vals[j]]
			if a != b {
				return a > b
			}
			return vals[i] < vals[j]
		})
		for _, v := range vals {
			fmt.Fprintf(w, "  %s: %q ×%d\n", c, v, r.Unmapped[c][v])
		}
	}
	notes := make([]string, 0, len(r.Notes))
	for n := range r.Notes {
		notes = append(notes, n)
	}
	sort.Strings(notes)
	for _, n := range notes {
		fmt.Fprintf(w, "note: %s ×%d\n", n, r.Notes[n])
	}
	for _, rj := range r.Rejected {
		fmt.Fprintf(w, "rejected: row %d (record %s): %s\n", rj.Row, rj.Record, rj.Reason)
	}
}
