package audit

import (
	"crypto/sha256"
	"hash/maphash"

	"golang.org/x/mod/sumdb/tlog"
)

// EntryLog holds a log's entries as CheckEntryLog checks them: each
// entry's leaf data (Entry.Data), its index, and where its ref and digest
// are in the data, in blocks of bytes that hold no pointers (a million
// entries are about 200 MB that Go's collector then need not scan, where
// a million Entry values and their strings would be half as much again,
// all of it scanned). An adapter adds each entry as it reads it, so that a
// row it read is not kept. The zero EntryLog is empty and ready to use;
// it is not safe for concurrent use.
type EntryLog struct {
	blocks [][]byte
	recs   []entryRec
}

// entryRec places one added entry: its leaf data is
// blocks[block][lo:hi], its ref blocks[block][ref:dig-1] and its digest
// blocks[block][dig:end].
type entryRec struct {
	index                 int64
	block                 int32
	lo, ref, dig, end, hi int32
}

// entryBlockSize is the size of an EntryLog block; an entry whose data is
// larger gets a block of its own.
const entryBlockSize = 1 << 20

// NewEntryLog returns an empty EntryLog with room for n entries' records.
func NewEntryLog(n int) *EntryLog {
	return &EntryLog{recs: make([]entryRec, 0, max(n, 0))}
}

// Len returns the number of entries added.
func (l *EntryLog) Len() int { return len(l.recs) }

// Add appends e (its Index as stored, any value) to l.
func (l *EntryLog) Add(e *Entry) {
	need := 64 + len(e.Kind) + len(e.Ref) + len(e.Digest) + len(e.By)
	if len(l.blocks) == 0 || cap(l.blocks[len(l.blocks)-1])-len(l.blocks[len(l.blocks)-1]) < need {
		l.blocks = append(l.blocks, make([]byte, 0, max(entryBlockSize, need)))
	}
	b := l.blocks[len(l.blocks)-1]
	lo := len(b)
	b = e.appendData(b)
	// appendData writes "<index> <kind> <ref> <digest> …": ref and digest
	// end where their lengths say, counted from the fields before.
	ref := lo + decLen(e.Index) + 1 + len(e.Kind) + 1
	dig := ref + len(e.Ref) + 1
	l.blocks[len(l.blocks)-1] = b
	l.recs = append(l.recs, entryRec{index: e.Index, block: int32(len(l.blocks) - 1),
		lo: int32(lo), ref: int32(ref), dig: int32(dig), end: int32(dig + len(e.Digest)), hi: int32(len(b))})
}

// decLen returns the number of bytes of strconv.FormatInt(n, 10).
func decLen(n int64) int {
	d := 1
	u := uint64(n)
	if n < 0 {
		d, u = 2, -u
	}
	for ; u >= 10; u /= 10 {
		d++
	}
	return d
}

func (l *EntryLog) data(k int) []byte {
	r := &l.recs[k]
	return l.blocks[r.block][r.lo:r.hi]
}

func (l *EntryLog) ref(k int) []byte {
	r := &l.recs[k]
	return l.blocks[r.block][r.ref : r.dig-1]
}

func (l *EntryLog) digest(k int) []byte {
	r := &l.recs[k]
	return l.blocks[r.block][r.dig:r.end]
}

// recordHash returns entry k's leaf hash, Entry.RecordHash.
func (l *EntryLog) recordHash(k int) tlog.Hash {
	h := sha256.New()
	h.Write([]byte{0})
	h.Write(l.data(k))
	var out tlog.Hash
	h.Sum(out[:0])
	return out
}

// refIndex maps a ref to the index of its newest entry: a map of the refs'
// 64-bit hashes (no pointers for the collector to scan, no string to
// compare but the one entry found), and a map of refs for the rare ref
// whose hash another ref already has.
type refIndex struct {
	seed   maphash.Seed
	byHash map[uint64]int64
	other  map[string]int64
	ref    func(i int64) []byte // the ref of the entry at index i
}

func newRefIndex(n int, ref func(i int64) []byte) *refIndex {
	return &refIndex{seed: maphash.MakeSeed(), byHash: make(map[uint64]int64, n), ref: ref}
}

// put records i as the newest entry of ref and returns the one it
// replaces, if any.
func (x *refIndex) put(ref []byte, i int64) (prev int64, ok bool) {
	h := maphash.Bytes(x.seed, ref)
	j, found := x.byHash[h]
	if !found {
		x.byHash[h] = i
		return 0, false
	}
	if string(x.ref(j)) == string(ref) {
		x.byHash[h] = i
		return j, true
	}
	if x.other == nil {
		x.other = map[string]int64{}
	}
	prev, ok = x.other[string(ref)]
	x.other[string(ref)] = i
	return prev, ok
}

// getRef returns the index of ref's newest entry in x.
func getRef[S string | []byte](x *refIndex, ref S) (int64, bool) {
	var h uint64
	switch r := any(ref).(type) {
	case string:
		h = maphash.String(x.seed, r)
	case []byte:
		h = maphash.Bytes(x.seed, r)
	}
	j, found := x.byHash[h]
	if !found {
		return 0, false
	}
	if string(x.ref(j)) == string(ref) {
		return j, true
	}
	j, found = x.other[string(ref)]
	return j, found
}
