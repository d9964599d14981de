package audit_test

import (
	"sync"
	"testing"

	"article5/audit"
)

// BenchmarkAppend measures bulk ingest: each op appends one batch of 1,000
// entries (one adapter transaction) to a growing log. Target (issue):
// ≥ 10,000 entries/s.
func BenchmarkAppend(b *testing.B) {
	const batch = 1000
	entries := make([]audit.Entry, batch)
	for i := range entries {
		entries[i] = testEntry(i)
	}
	l := audit.NewLog()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := l.Append(entries...); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "entries/s")
}

var bigDB struct {
	once sync.Once
	d    *db
}

// BenchmarkVerify1M measures Verify over a 1,000,000-entry log with one
// covered row per entry (built once, outside the timer). Target (issue):
// under 3 s per verification.
func BenchmarkVerify1M(b *testing.B) {
	const n = 1_000_000
	bigDB.once.Do(func() {
		l := audit.NewLog()
		batch := make([]audit.Entry, 0, 1000)
		for i := range n {
			batch = append(batch, testEntry(i))
			if len(batch) == cap(batch) {
				if _, err := l.Append(batch...); err != nil {
					b.Fatal(err)
				}
				batch = batch[:0]
			}
		}
		d := &db{entries: l.Entries(), tiles: l.Tiles(), rows: make(map[string]string, n), head: MustHead(b, l)}
		for _, e := range d.entries {
			d.rows[e.Ref] = e.Digest
		}
		bigDB.d = d
	})
	d := bigDB.d
	b.ResetTimer()
	for range b.N {
		rep := d.verify(b)
		if !rep.Intact() {
			b.Fatal(rep.Err())
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/verify")
}
