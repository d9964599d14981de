package audit_test

import (
	"slices"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"article5"
	"article5/audit"
)

// db is a node's database as Verify reads it: the audit_entries and
// audit_tiles tables, the covered rows (ref → digest) and the newest
// signed tree head. Tests edit it directly, as an attacker with database
// access would.
type db struct {
	entries []audit.Entry
	tiles   []audit.Tile
	rows    map[string]string
	head    audit.TreeHead
}

// mustDB returns an intact database of n entries, one covered row each.
func mustDB(tb testing.TB, n int) *db {
	tb.Helper()
	l := MustLog(tb, n)
	d := &db{entries: l.Entries(), tiles: l.Tiles(), rows: map[string]string{}, head: MustHead(tb, l)}
	for _, e := range d.entries {
		d.rows[e.Ref] = e.Digest
	}
	return d
}

// rehash recomputes every tile from the entries, as an attacker
// rewriting history would (the signed head stays the old one).
func (d *db) rehash(tb testing.TB) {
	tb.Helper()
	l := audit.NewLog()
	for _, e := range d.entries {
		if _, err := l.Append(e); err != nil {
			tb.Fatal(err)
		}
	}
	d.tiles = l.Tiles()
}

func (d *db) verify(tb testing.TB) *audit.Report {
	tb.Helper()
	rep, err := audit.Verify(d.entries, d.tiles, d.rows, d.head)
	if err != nil {
		tb.Fatal(err)
	}
	return rep
}

func TestVerifyIntact(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 7, 8, 100, 101, 1000} {
		rep := mustDB(t, n).verify(t)
		if !rep.Intact() || rep.Err() != nil {
			t.Fatalf("intact log of %d entries: %v", n, rep.Err())
		}
	}
}

func TestVerifyNegativeHead(t *testing.T) {
	_, err := audit.Verify(nil, nil, nil, audit.TreeHead{N: -1})
	wantCode(t, err, article5.EINVALID)
}

func TestVerifyDetectsTampering(t *testing.T) {
	leaf := func(i int64) int64 { return tlog.StoredHashIndex(0, i) }
	ref := testEntry(37).Ref
	for _, tc := range []struct {
		name   string
		n      int
		tamper func(*db)
		want   []audit.Fault // Kind and Index must match; Ref too when set
	}{
		{
			name:   "entry edited",
			n:      100,
			tamper: func(d *db) { d.entries[37].Time = d.entries[37].Time.Add(time.Hour) },
			want:   []audit.Fault{{Kind: audit.FaultEntryEdited, Index: 37, Ref: ref}},
		},
		{
			name: "entry and its row edited together",
			n:    100,
			tamper: func(d *db) {
				d.entries[37].Digest = audit.Digest([]byte("forged"))
				d.rows[ref] = d.entries[37].Digest
			},
			want: []audit.Fault{{Kind: audit.FaultEntryEdited, Index: 37}},
		},
		{
			name:   "last entry of an odd-sized log edited",
			n:      101,
			tamper: func(d *db) { d.entries[100].Kind = audit.KindToken },
			want:   []audit.Fault{{Kind: audit.FaultEntryEdited, Index: 100}},
		},
		{
			name: "entry and its row deleted",
			n:    100,
			tamper: func(d *db) {
				d.entries = slices.Delete(d.entries, 37, 38)
				delete(d.rows, ref)
			},
			want: []audit.Fault{{Kind: audit.FaultEntryDeleted, Index: 37}},
		},
		{
			name:   "entry deleted, row kept",
			n:      100,
			tamper: func(d *db) { d.entries = slices.Delete(d.entries, 37, 38) },
			want:   []audit.Fault{{Kind: audit.FaultRowInserted, Index: -1, Ref: ref}, {Kind: audit.FaultEntryDeleted, Index: 37}},
		},
		{
			name: "log truncated",
			n:    100,
			tamper: func(d *db) {
				for _, e := range d.entries[97:] {
					delete(d.rows, e.Ref)
				}
				d.entries = d.entries[:97]
				d.tiles = MustLog(t, 97).Tiles()
			},
			want: []audit.Fault{
				{Kind: audit.FaultHeadMismatch, Index: -1},
				{Kind: audit.FaultEntryDeleted, Index: 97}, {Kind: audit.FaultEntryDeleted, Index: 98}, {Kind: audit.FaultEntryDeleted, Index: 99},
				{Kind: audit.FaultHashTampered, Index: leaf(97)}, {Kind: audit.FaultHashTampered, Index: leaf(98)}, {Kind: audit.FaultHashTampered, Index: leaf(99)},
			},
		},
		{
			name: "entry and row appended after the signed head",
			n:    100,
			tamper: func(d *db) {
				e := testEntry(500)
				e.Index = 100
				d.entries = append(d.entries, e)
				d.rows[e.Ref] = e.Digest
				d.rehash(t)
			},
			want: []audit.Fault{{Kind: audit.FaultRowInserted, Index: -1, Ref: testEntry(500).Ref}, {Kind: audit.FaultEntryInserted, Index: 100}},
		},
		{
			name: "entry inserted in the middle, history rewritten",
			n:    100,
			tamper: func(d *db) {
				e := testEntry(500)
				d.entries = slices.Insert(d.entries, 37, e)
				for i := range d.entries {
					d.entries[i].Index = int64(i)
				}
				d.rows[e.Ref] = e.Digest
				d.rehash(t)
			},
			want: []audit.Fault{
				{Kind: audit.FaultHeadMismatch, Index: -1},
				{Kind: audit.FaultRowInserted, Index: -1, Ref: testEntry(99).Ref},
				{Kind: audit.FaultEntryInserted, Index: 100},
			},
		},
		{
			name: "second entry at an index",
			n:    100,
			tamper: func(d *db) {
				e := d.entries[37]
				e.Digest = audit.DigestDeleted
				d.entries = append(d.entries, e)
			},
			want: []audit.Fault{{Kind: audit.FaultEntryInserted, Index: 37}},
		},
		{
			name: "history rewritten",
			n:    100,
			tamper: func(d *db) {
				d.entries[37].Digest = audit.Digest([]byte("forged"))
				d.rows[ref] = d.entries[37].Digest
				d.rehash(t)
			},
			want: []audit.Fault{{Kind: audit.FaultHeadMismatch, Index: -1}},
		},
		{
			name:   "entry in a complete tile edited",
			n:      600,
			tamper: func(d *db) { d.entries[300].Time = d.entries[300].Time.Add(time.Second) },
			want:   []audit.Fault{{Kind: audit.FaultEntryEdited, Index: 300}},
		},
		{
			name:   "stored record hash edited in the partial tile",
			n:      100,
			tamper: func(d *db) { tileHash(d, 0, 0, 37)[0] ^= 1 },
			want:   []audit.Fault{{Kind: audit.FaultHeadMismatch, Index: -1}, {Kind: audit.FaultHashTampered, Index: leaf(37)}},
		},
		{
			name:   "stored record hash edited in a complete tile",
			n:      600,
			tamper: func(d *db) { tileHash(d, 0, 1, 37)[0] ^= 1 },
			want:   []audit.Fault{{Kind: audit.FaultHashTampered, Index: leaf(256 + 37)}},
		},
		{
			name:   "stored hash of a higher tile edited",
			n:      600,
			tamper: func(d *db) { tileHash(d, 1, 0, 1)[31] ^= 1 },
			want:   []audit.Fault{{Kind: audit.FaultHeadMismatch, Index: -1}, {Kind: audit.FaultHashTampered, Index: tlog.StoredHashIndex(8, 1)}},
		},
		{
			name: "tile deleted",
			n:    600,
			tamper: func(d *db) {
				d.tiles = slices.DeleteFunc(d.tiles, func(t audit.Tile) bool { return t.Level == 0 && t.N == 1 })
			},
			want: []audit.Fault{{Kind: audit.FaultHashTampered, Index: leaf(256)}, {Kind: audit.FaultHashTampered, Index: leaf(511)}},
		},
		{
			name: "partial tile cut short",
			n:    600,
			tamper: func(d *db) {
				i := slices.IndexFunc(d.tiles, func(t audit.Tile) bool { return t.Level == 0 && t.N == 2 })
				d.tiles[i].Data = d.tiles[i].Data[:80*32]
			},
			want: []audit.Fault{{Kind: audit.FaultHeadMismatch, Index: -1}, {Kind: audit.FaultHashTampered, Index: leaf(512 + 80)}, {Kind: audit.FaultHashTampered, Index: leaf(599)}},
		},
		{
			name:   "stored record hash of the last entry edited",
			n:      101,
			tamper: func(d *db) { tileHash(d, 0, 0, 100)[0] ^= 1 },
			want:   []audit.Fault{{Kind: audit.FaultHeadMismatch, Index: -1}, {Kind: audit.FaultHashTampered, Index: leaf(100)}},
		},
		{
			name:   "covered row edited",
			n:      100,
			tamper: func(d *db) { d.rows[ref] = audit.Digest([]byte("edited row")) },
			want:   []audit.Fault{{Kind: audit.FaultRowEdited, Index: 37, Ref: ref}},
		},
		{
			name:   "covered row deleted",
			n:      100,
			tamper: func(d *db) { delete(d.rows, ref) },
			want:   []audit.Fault{{Kind: audit.FaultRowDeleted, Index: 37, Ref: ref}},
		},
		{
			name:   "covered row inserted",
			n:      100,
			tamper: func(d *db) { d.rows["cases/smuggled"] = audit.Digest([]byte("x")) },
			want:   []audit.Fault{{Kind: audit.FaultRowInserted, Index: -1, Ref: "cases/smuggled"}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := mustDB(t, tc.n)
			tc.tamper(d)
			rep := d.verify(t)
			if rep.Intact() {
				t.Fatal("tampering not detected")
			}
			t.Logf("faults: %v", rep.Faults)
			if !matchFaults(rep.Faults, tc.want) {
				t.Errorf("faults:\n%v\nwant:\n%v", rep.Faults, tc.want)
			}
			err := rep.Err()
			if !errRepresents(err, len(rep.Faults)) {
				t.Errorf("Err() = %v", err)
			}
		})
	}
}

func TestVerifyDeletionEntry(t *testing.T) {
	// A row deleted through the application is recorded by an entry with
	// DigestDeleted; bringing the row back afterwards is an insertion.
	l := MustLog(t, 10)
	gone := testEntry(3)
	gone.Digest = audit.DigestDeleted
	gone.Time = t0.Add(time.Hour)
	if _, err := l.Append(gone); err != nil {
		t.Fatal(err)
	}
	d := &db{entries: l.Entries(), tiles: l.Tiles(), rows: map[string]string{}, head: MustHead(t, l)}
	for _, e := range d.entries[:10] {
		if e.Index != 3 {
			d.rows[e.Ref] = e.Digest
		}
	}
	if rep := d.verify(t); !rep.Intact() {
		t.Fatalf("log with a recorded deletion: %v", rep.Err())
	}
	d.rows[gone.Ref] = testEntry(3).Digest
	want := []audit.Fault{{Kind: audit.FaultRowInserted, Index: 10, Ref: gone.Ref}}
	if rep := d.verify(t); !matchFaults(rep.Faults, want) {
		t.Fatalf("faults %v, want %v", rep.Faults, want)
	}
}

// tileHash returns hash k of tile (level, n) of d, to edit in place.
func tileHash(d *db, level int, n int64, k int) []byte {
	for _, t := range d.tiles {
		if t.Level == level && t.N == n {
			return t.Data[k*32 : (k+1)*32]
		}
	}
	panic("no such tile")
}

// matchFaults reports whether got has every fault of want (Kind, Index, and
// Ref when set) and only faults of the kinds in want.
func matchFaults(got, want []audit.Fault) bool {
	kinds := map[audit.FaultKind]bool{}
	for _, w := range want {
		kinds[w.Kind] = true
		if !slices.ContainsFunc(got, func(g audit.Fault) bool {
			return g.Kind == w.Kind && g.Index == w.Index && (w.Ref == "" || g.Ref == w.Ref)
		}) {
			return false
		}
	}
	for _, g := range got {
		if !kinds[g.Kind] {
			return false
		}
	}
	return true
}

func errRepresents(err error, faults int) bool {
	e, ok := err.(*article5.Error)
	return ok && e.Code == article5.ECONFLICT && len(e.Details) == faults
}
