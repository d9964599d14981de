package audit_test

import (
	"encoding/hex"
	"fmt"
	"slices"
	"testing"
	"time"

	"article5/audit"
)

// TestRowDigestAsRow: a row given as a RowDigest (or its sum and ref
// bytes, RowSum) is checked exactly as Row checks its hex digest: the same
// faults for a row that matches, one edited, one with no entry, one after
// its deletion, a second row of a ref, and one whose digest names a bad
// column; in the order of their entries or not.
func TestRowDigestAsRow(t *testing.T) {
	l := MustLog(t, 40)
	// Rows updated again (a newest entry later in the log) and deleted.
	var more []audit.Entry
	for _, i := range []int{5, 6, 7, 7, 7} {
		e := testEntry(i)
		e.Digest, e.Time = audit.Digest(fmt.Appendf(nil, "v%d", len(more))), t0.Add(time.Hour)
		more = append(more, e)
	}
	gone := testEntry(9)
	gone.Digest, gone.Time = audit.DigestDeleted, t0.Add(time.Hour)
	if _, err := l.Append(append(more, gone)...); err != nil {
		t.Fatal(err)
	}
	newest := map[string]string{}
	for _, e := range l.Entries() {
		newest[e.Ref] = e.Digest
	}
	type row struct {
		ref    string
		digest string
		bad    string
	}
	var rows []row
	for i := range 40 {
		if i == 9 || i == 3 { // 9 deleted; 3 missing: a deleted row
			continue
		}
		ref := testEntry(i).Ref
		rows = append(rows, row{ref: ref, digest: newest[ref]})
	}
	edited := audit.Digest([]byte("edited"))
	rows[1].digest = edited                                      // an edited row
	rows[2].bad = "(tlp_rank 9 is not the rank of the markings)" // a bad column
	rows = append(rows,
		row{ref: "objects/indicator--99999999/2026-11-29T08:00:00Z", digest: edited}, // no entry
		row{ref: testEntry(9).Ref, digest: testEntry(9).Digest},                      // after its deletion
		row{ref: testEntry(7).Ref, digest: newest[testEntry(7).Ref]},                 // a second row
	)
	rows[5].digest = testEntry(6).Digest // rows[5] is 6's: an older entry's digest, edited
	orders := map[string][]row{"log order": rows, "reversed": slices.Clone(rows)}
	slices.Reverse(orders["reversed"])
	for name, rows := range orders {
		t.Run(name, func(t *testing.T) {
			check := func(give func(c *audit.LogCheck, r row, d *audit.RowDigest)) []audit.Fault {
				c, err := audit.CheckLog(l.Entries(), l.Tiles(), MustHead(t, l))
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range rows {
					var d audit.RowDigest
					if _, err := hex.Decode(d.Sum[:], []byte(r.digest)); err != nil {
						t.Fatal(err)
					}
					d.Bad = r.bad
					give(c, r, &d)
				}
				rep := c.Report()
				if rep.Rows != len(rows) {
					t.Fatalf("%d rows counted, %d given", rep.Rows, len(rows))
				}
				return rep.Faults
			}
			want := check(func(c *audit.LogCheck, r row, d *audit.RowDigest) { c.Row(r.ref, d.String()) })
			if len(want) != 7 {
				t.Fatalf("Row: %d faults, want 7: %v", len(want), want)
			}
			if got := check(func(c *audit.LogCheck, r row, d *audit.RowDigest) { c.RowDigest(r.ref, d) }); !slices.Equal(got, want) {
				t.Fatalf("RowDigest: faults %v\nwant (Row) %v", got, want)
			}
			got := check(func(c *audit.LogCheck, r row, d *audit.RowDigest) {
				if d.Bad != "" {
					c.RowDigest(r.ref, d)
				} else {
					c.RowSum([]byte(r.ref), &d.Sum)
				}
			})
			if !slices.Equal(got, want) {
				t.Fatalf("RowSum: faults %v\nwant (Row) %v", got, want)
			}
		})
	}
}

// TestVerifyManyEntriesOfOneRef: a row changed many times is checked
// against its newest entry only, and a row whose newest entry is older
// than another ref's is still found.
func TestVerifyManyEntriesOfOneRef(t *testing.T) {
	l := audit.NewLog()
	var last string
	for i := range 3000 {
		e := testEntry(i % 3)
		if i%3 == 0 {
			e.Ref = "cases/case--1"
			e.Kind = audit.KindCase
			e.By = "token--1@identity--1"
		}
		e.Digest, e.Time = audit.Digest(fmt.Appendf(nil, "%d", i)), t0.Add(time.Duration(i))
		if i%3 == 0 {
			last = e.Digest
		}
		if _, err := l.Append(e); err != nil {
			t.Fatal(err)
		}
	}
	rows := map[string]string{"cases/case--1": last}
	for _, e := range l.Entries()[len(l.Entries())-2:] {
		rows[e.Ref] = e.Digest
	}
	rep, err := audit.Verify(l.Entries(), l.Tiles(), rows, MustHead(t, l))
	if err != nil || !rep.Intact() {
		t.Fatalf("intact log: %v %v", err, rep.Err())
	}
	rows["cases/case--1"] = l.Entries()[2994].Digest // the digest of an older entry of the ref
	rep, err = audit.Verify(l.Entries(), l.Tiles(), rows, MustHead(t, l))
	if err != nil {
		t.Fatal(err)
	}
	want := []audit.Fault{{Kind: audit.FaultRowEdited, Index: 2997, Ref: "cases/case--1"}}
	if !matchFaults(rep.Faults, want) || len(rep.Faults) != 1 {
		t.Fatalf("faults %v, want %v", rep.Faults, want)
	}
}
