package audit

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"sync"

	"golang.org/x/mod/sumdb/tlog"

	"article5"
)

// FaultKind names a way the log or the rows it covers were tampered with.
type FaultKind string

// The faults Verify reports.
const (
	// FaultEntryEdited: an entry's record hash differs from its stored hash
	// while the stored tree is consistent, so the entry row was changed.
	FaultEntryEdited FaultKind = "entry-edited"
	// FaultEntryDeleted: an index below the signed tree size has no entry.
	FaultEntryDeleted FaultKind = "entry-deleted"
	// FaultEntryInserted: an entry beyond the signed tree size, with a
	// negative index, or a second entry at an index.
	FaultEntryInserted FaultKind = "entry-inserted"
	// FaultHashTampered: a hash a tile stores (Fault.Index is its tlog
	// stored hash index) is missing or disagrees with both its entries and
	// its place in the stored tree.
	FaultHashTampered FaultKind = "hash-tampered"
	// FaultHeadMismatch: the stored tree does not hash to the signed tree
	// head: a rewritten history (entries and hashes recomputed) or a
	// truncated log.
	FaultHeadMismatch FaultKind = "head-mismatch"
	// FaultRowEdited: a covered row's current digest differs from the
	// digest of its newest entry.
	FaultRowEdited FaultKind = "row-edited"
	// FaultRowDeleted: the newest entry for a ref records a row that no
	// longer exists.
	FaultRowDeleted FaultKind = "row-deleted"
	// FaultRowInserted: a covered row that no signed entry records, or that
	// exists after the entry recording its deletion.
	FaultRowInserted FaultKind = "row-inserted"
)

// Fault is one finding of Verify.
type Fault struct {
	Kind FaultKind
	// Index is the entry index, the stored hash index for
	// FaultHashTampered, or -1 when no entry is concerned (a row with no
	// entry, the tree head).
	Index   int64
	Ref     string // the covered row, when one is concerned
	Message string // what was found and what was expected
}

// String renders the fault as "kind index ref: message".
func (f Fault) String() string {
	s := string(f.Kind)
	if f.Index >= 0 {
		s += " " + strconv.FormatInt(f.Index, 10)
	}
	if f.Ref != "" {
		s += " " + f.Ref
	}
	return s + ": " + f.Message
}

// Report is the result of Verify.
type Report struct {
	Head    TreeHead // the signed head verified against
	Entries int      // entry rows read
	Tiles   int      // hash tiles read
	Rows    int      // covered rows read
	Faults  []Fault  // sorted by Index, then Kind, then Ref; empty if intact
}

// Intact reports whether Verify found no fault.
func (r *Report) Intact() bool { return len(r.Faults) == 0 }

// Err returns nil if the log is intact, else an ECONFLICT *article5.Error
// with one Detail per fault (what `article5 audit verify` prints before
// exiting non-zero).
func (r *Report) Err() error {
	if r.Intact() {
		return nil
	}
	e := &article5.Error{Code: article5.ECONFLICT, Message: fmt.Sprintf("audit log is not intact: %d faults", len(r.Faults))}
	for _, f := range r.Faults {
		d := article5.Detail{Object: f.Ref, Message: string(f.Kind) + ": " + f.Message}
		if f.Index >= 0 {
			prefix := "entry "
			if f.Kind == FaultHashTampered {
				prefix = "stored hash "
			}
			if d.Object != "" {
				d.Object = " " + d.Object
			}
			d.Object = prefix + strconv.FormatInt(f.Index, 10) + d.Object
		}
		e.Details = append(e.Details, d)
	}
	return e
}

// Verify checks a whole log against its newest signed tree head and the
// rows it covers. entries are the audit_entries rows (any order; Verify
// uses their Index); tiles are the audit_tiles rows (any order; see Tile);
// covered maps the ref of every row of the covered tables to its current
// Digest; head is the newest signed head, already checked with
// VerifyTreeHead (ideally the newest one the partner witnessed, so that a
// truncated log and its re-signed head are caught too).
//
// Verify recomputes the tree (RFC 6962) from the entries and compares it
// with every hash the tiles store (tree levels 0, 8, 16, …; the levels in
// between are not stored, so there is nothing to tamper with). It reports
// every fault it finds (see FaultKind): edited, deleted and inserted
// entries; edited, deleted and inserted covered rows; tampered or missing
// tile hashes; and a stored tree that does not hash to head. Tile hashes
// beyond the signed tree are ignored. An entry beyond head.N is a fault:
// the adapter contract signs a head in every transaction. It returns an
// error only for a head with a negative size. It hashes every entry once,
// on all CPUs.
func Verify(entries []Entry, tiles []Tile, covered map[string]string, head TreeHead) (*Report, error) {
	c, err := CheckLog(entries, tiles, head)
	if err != nil {
		return nil, err
	}
	return c.Rows(covered), nil
}

// LogCheck is a log checked against its signed tree head whose covered
// rows are still to be checked: Verify in steps, CheckLog (or
// CheckEntryLog), then Row for every covered row (or Rows for them all)
// and Report, so that an adapter checks the log (most of the hashing) and
// each row while it still reads the others. A LogCheck is not safe for
// concurrent use.
type LogCheck struct {
	rep     *Report
	log     *EntryLog
	slot    []int     // entry index → position in log, -1 if none
	newest  []bool    // entry index → the newest entry of its ref
	last    *refIndex // ref → index of its newest entry
	live    int       // refs whose newest entry records a row (not DigestDeleted)
	seen    []bool    // entry index → a row of its ref was checked (newest entries only)
	present int       // rows checked that their ref's newest entry records
	next    int64     // the index after the last row's entry: where the next row's is likely to be
}

// CheckLog checks entries and tiles against head, the first step of
// Verify (see there). It returns an error only for a head with a negative
// size.
func CheckLog(entries []Entry, tiles []Tile, head TreeHead) (*LogCheck, error) {
	l := NewEntryLog(len(entries))
	for i := range entries {
		l.Add(&entries[i])
	}
	return CheckEntryLog(l, tiles, head)
}

// CheckEntryLog is CheckLog of the entries added to l, which it keeps
// (add no more).
func CheckEntryLog(l *EntryLog, tiles []Tile, head TreeHead) (*LogCheck, error) {
	if head.N < 0 {
		return nil, article5.Errorf(article5.EINVALID, "tree head size %d is negative", head.N)
	}
	rep := &Report{Head: head, Entries: l.Len(), Tiles: len(tiles)}
	add := func(kind FaultKind, index int64, ref, format string, args ...any) {
		rep.Faults = append(rep.Faults, Fault{Kind: kind, Index: index, Ref: ref, Message: fmt.Sprintf(format, args...)})
	}
	ts := newTileSet(tiles)

	// Place entries at their indexes.
	size := head.N
	slot := make([]int, size)
	for i := range slot {
		slot[i] = -1
	}
	for k := range l.recs {
		index := l.recs[k].index
		switch {
		case index < 0 || index >= size:
			add(FaultEntryInserted, index, string(l.ref(k)), "entry beyond the signed tree of %d entries", size)
		case slot[index] < 0:
			slot[index] = k
		default:
			// Two rows at one index: keep the one the stored hash vouches for.
			extra := k
			if s, ok := ts.hash(0, index); ok && l.recordHash(k) == s && l.recordHash(slot[index]) != s {
				slot[index], extra = k, slot[index]
			}
			add(FaultEntryInserted, index, string(l.ref(extra)), "second entry at index %d", index)
		}
	}

	// Recompute the tree from the entries, level by level. A deleted
	// entry's leaf is taken from the stored tiles so the rest still checks.
	levels := [][]tlog.Hash{make([]tlog.Hash, size)}
	parallel(size, func(lo, hi int64) {
		leaves := levels[0]
		var buf []byte
		for i := lo; i < hi; i++ {
			if k := slot[i]; k >= 0 {
				buf = append(append(buf[:0], 0), l.data(k)...)
				leaves[i] = sha256.Sum256(buf)
			} else {
				leaves[i], _ = ts.hash(0, i)
			}
		}
	})
	for i, k := range slot {
		if k < 0 {
			add(FaultEntryDeleted, int64(i), "", "no entry at index %d of the signed tree of %d entries", i, size)
		}
	}
	for prev := levels[0]; len(prev) >= 2; prev = levels[len(levels)-1] {
		cur := make([]tlog.Hash, len(prev)/2)
		parallel(int64(len(cur)), func(lo, hi int64) {
			for j := lo; j < hi; j++ {
				cur[j] = tlog.NodeHash(prev[2*j], prev[2*j+1])
			}
		})
		levels = append(levels, cur)
	}

	// The stored tree's hash at the signed size.
	storedTree, err := tlog.TreeHash(size, ts.reader())
	storedMatchesHead := err == nil && storedTree == head.Hash

	// Compare the tiles' hashes with the recomputed ones and explain each
	// difference: a tile hash that agrees with the tile below it (or a
	// tile of leaves that agrees with the tile above, or the signed head)
	// is original, so the entries below changed; otherwise the tile was
	// changed.
	for level := 0; level < len(levels); level += TileHeight {
		hs, tl := levels[level], level/TileHeight
		for j := range int64(len(hs)) {
			si := tlog.StoredHashIndex(level, j)
			s, ok := ts.hash(tl, j)
			if !ok {
				add(FaultHashTampered, si, "", "stored hash (level %d, node %d) is missing from tile (level %d, n %d)", level, j, tl, j>>TileHeight)
				continue
			}
			if s == hs[j] {
				continue
			}
			if tl > 0 {
				if r, ok := ts.root(tl-1, j); ok && r == s {
					continue // explained by a fault below
				}
				add(FaultHashTampered, si, "", "stored hash (level %d, node %d) matches neither the entries nor the tile below it", level, j)
				continue
			}
			var consistent bool
			if n := j >> TileHeight; int64(len(hs)) < (n+1)<<TileHeight {
				consistent = storedMatchesHead // a partial tile: only the head vouches for it
			} else if r, ok := ts.root(0, n); ok {
				p, okp := ts.hash(1, n)
				consistent = okp && p == r
			}
			ref := string(l.ref(slot[j]))
			if consistent {
				add(FaultEntryEdited, j, ref, "entry does not match its stored record hash")
			} else {
				add(FaultHashTampered, si, ref, "stored record hash of entry %d matches neither the entry nor the stored tree", j)
			}
		}
	}
	if !storedMatchesHead {
		add(FaultHeadMismatch, -1, "", "stored tree of %d entries does not hash to the signed tree head", size)
	} else if len(rep.Faults) == 0 {
		if th, err := tlog.TreeHash(size, levelReader(levels)); err != nil || th != head.Hash {
			add(FaultHeadMismatch, -1, "", "entries do not hash to the signed tree head")
		}
	}

	// The newest signed entry per ref states its row's digest.
	c := &LogCheck{rep: rep, log: l, slot: slot, seen: make([]bool, size)}
	c.last = newRefIndex(size, func(i int64) bool { return slot[i] >= 0 }, func(i int64) []byte { return l.ref(slot[i]) })
	c.newest = c.last.newest
	for i, k := range slot {
		if c.newest[i] && !c.deleted(k) {
			c.live++
		}
	}
	return c, nil
}

// deleted reports whether entry k of the log records a deletion.
func (c *LogCheck) deleted(k int) bool { return string(c.log.digest(k)) == DigestDeleted }

// find returns the index of ref's newest entry. Rows come mostly in the
// order of their entries, so the entry after the last row's is tried
// first.
func find[S string | []byte](c *LogCheck, ref S) (int64, bool) {
	if i := c.next; i < int64(len(c.newest)) && c.newest[i] && string(c.log.ref(c.slot[i])) == string(ref) {
		return i, true
	}
	return getRef(c.last, ref)
}

// Rows checks covered, the ref and current Digest of every row of the
// covered tables, against the newest entry of each ref (Row), and returns
// the report of the whole check (Report).
func (c *LogCheck) Rows(covered map[string]string) *Report {
	// Row for each, in the order of the entries: the newest entry of
	// each ref finds its row in covered, and only if some rows are left
	// is every row looked for among the entries (a row with no entry).
	matched := 0
	for i, k := range c.slot {
		if !c.newest[i] {
			continue
		}
		ref := c.log.ref(k)
		if digest, ok := covered[string(ref)]; ok {
			matched++
			c.rep.Rows++
			if !c.deleted(k) && !c.seen[i] && digest == string(c.log.digest(k)) {
				c.next, c.seen[i] = int64(i)+1, true
				c.present++
			} else {
				c.rowAt(int64(i), string(ref), digest) // the fault
			}
		}
	}
	if matched < len(covered) {
		for ref, digest := range covered {
			if _, ok := getRef(c.last, ref); !ok {
				c.Row(ref, digest)
			}
		}
	}
	return c.Report()
}

func (c *LogCheck) add(kind FaultKind, index int64, ref, format string, args ...any) {
	c.rep.Faults = append(c.rep.Faults, Fault{Kind: kind, Index: index, Ref: ref, Message: fmt.Sprintf(format, args...)})
}

// Row checks one covered row, its ref and current Digest, against the
// newest entry of its ref. Each row is given once.
func (c *LogCheck) Row(ref, digest string) {
	c.rep.Rows++
	i, ok := find(c, ref)
	if !ok {
		c.add(FaultRowInserted, -1, ref, "row has no entry in the signed log")
		return
	}
	c.rowAt(i, ref, digest)
}

// rowAt is Row of a row whose ref's newest entry is entry i.
func (c *LogCheck) rowAt(i int64, ref, digest string) {
	c.next = i + 1
	k := c.slot[i]
	switch {
	case c.deleted(k):
		c.add(FaultRowInserted, i, ref, "row exists after entry %d recorded its deletion", i)
		return
	case c.seen[i]:
		c.add(FaultRowInserted, i, ref, "a second row with the ref of entry %d", i)
		return
	case digest != string(c.log.digest(k)):
		c.add(FaultRowEdited, i, ref, "row digest %s differs from %s recorded by entry %d", digest, c.log.digest(k), i)
	}
	c.seen[i] = true
	c.present++
}

// RowDigest is Row of a digest given as a RowDigest (what CoverObjects
// computes), compared without making its hex string.
func (c *LogCheck) RowDigest(ref string, d *RowDigest) {
	if d.Bad != "" {
		c.Row(ref, d.String())
		return
	}
	rowSum(c, ref, &d.Sum)
}

// RowSum is RowDigest of a digest without Bad, of a ref given as bytes
// (which it does not keep).
func (c *LogCheck) RowSum(ref []byte, sum *[sha256.Size]byte) { rowSum(c, ref, sum) }

func rowSum[S string | []byte](c *LogCheck, ref S, sum *[sha256.Size]byte) {
	var h [2 * sha256.Size]byte
	hex.Encode(h[:], sum[:])
	i, ok := find(c, ref)
	if !ok {
		c.Row(string(ref), string(h[:])) // the fault, as Row words it
		return
	}
	k := c.slot[i]
	if c.deleted(k) || c.seen[i] || string(h[:]) != string(c.log.digest(k)) {
		c.Row(string(ref), string(h[:]))
		return
	}
	c.rep.Rows++
	c.next = i + 1
	c.seen[i] = true
	c.present++
}

// RowEdited reports a covered row as edited for a reason its digest does
// not show (a column derived from others that does not say what they do:
// an objects row's latest flag).
func (c *LogCheck) RowEdited(ref, why string) {
	i, ok := getRef(c.last, ref)
	if !ok {
		i = -1
	}
	c.add(FaultRowEdited, i, ref, "%s", why)
}

// Report ends the check: every ref whose newest entry records a row that
// Row was not given is a deleted row. It returns the report of the whole
// check, faults sorted by Index, then Kind, then Ref. Call it once.
func (c *LogCheck) Report() *Report {
	if c.present < c.live {
		for i, k := range c.slot {
			if c.newest[i] && !c.seen[i] && !c.deleted(k) {
				c.add(FaultRowDeleted, int64(i), string(c.log.ref(k)), "row recorded by entry %d is missing", i)
			}
		}
	}
	rep := c.rep
	slices.SortStableFunc(rep.Faults, func(a, b Fault) int {
		return cmp.Or(cmp.Compare(a.Index, b.Index), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Ref, b.Ref))
	})
	return rep
}

// levelReader reads stored hashes from levels[level][n].
func levelReader(levels [][]tlog.Hash) tlog.HashReader {
	return tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			level, n := tlog.SplitStoredHashIndex(x)
			if level >= len(levels) || n >= int64(len(levels[level])) {
				return nil, fmt.Errorf("hash %d outside the tree", x)
			}
			out[i] = levels[level][n]
		}
		return out, nil
	})
}

// parallel runs f over [0, n) in chunks on GOMAXPROCS goroutines.
func parallel(n int64, f func(lo, hi int64)) {
	workers := int64(runtime.GOMAXPROCS(0))
	if n < 4096 || workers == 1 {
		f(0, n)
		return
	}
	chunk := (n + workers - 1) / workers
	var wg sync.WaitGroup
	for lo := int64(0); lo < n; lo += chunk {
		wg.Go(func() { f(lo, min(lo+chunk, n)) })
	}
	wg.Wait()
}
