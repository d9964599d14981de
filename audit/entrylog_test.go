package audit

import (
	"strings"
	"testing"
	"time"
)

// TestEntryLogFields: an EntryLog gives back each entry's ref, digest and
// record hash as the Entry has them, whatever its index (negative, as a
// row edited by hand may hold), with or without By, across blocks.
func TestEntryLogFields(t *testing.T) {
	t0 := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	entries := []Entry{
		{Index: 0, Kind: KindCase, Ref: "cases/c", Digest: DigestDeleted, Time: t0},
		{Index: -12, Kind: KindSTIXObject, Ref: "objects/x/y", Digest: strings.Repeat("ab", 32), Time: t0, By: "token--1@identity--2"},
		{Index: 1234567890123, Kind: "k", Ref: strings.Repeat("r", entryBlockSize), Digest: "(unreadable)", Time: time.Unix(0, -5)},
		{Index: 7, Kind: "", Ref: "", Digest: "", Time: t0},
	}
	for i := range 3000 { // more than a block
		entries = append(entries, Entry{Index: int64(i), Kind: KindToken, Ref: "tokens/" + strings.Repeat("t", i%700), Digest: strings.Repeat("0", 64), Time: t0})
	}
	l := NewEntryLog(0)
	for i := range entries {
		l.Add(&entries[i])
	}
	if len(l.blocks) < 3 {
		t.Fatalf("%d blocks, want several", len(l.blocks))
	}
	for k, e := range entries {
		if l.recs[k].index != e.Index || string(l.ref(k)) != e.Ref || string(l.digest(k)) != e.Digest || l.recordHash(k) != e.RecordHash() {
			t.Fatalf("entry %d: index %d ref %.40q digest %q, want %d %.40q %q (or the record hash differs)",
				k, l.recs[k].index, l.ref(k), l.digest(k), e.Index, e.Ref, e.Digest)
		}
	}
}
