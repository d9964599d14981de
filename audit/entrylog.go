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

// refIndex finds the newest entry of a ref: the 64-bit hashes of the
// placed entries' refs, sorted (a radix sort: no map of a million refs to
// build, nothing for the collector to scan), each with its entry's index,
// and which entries are the newest of their refs.
type refIndex struct {
	seed   maphash.Seed
	keys   []refKey             // sorted by hash, then index
	shift  uint                 // a hash's bucket is hash >> shift
	bucket []int                // bucket b's keys are keys[bucket[b]:bucket[b+1]]
	newest []bool               // entry index → the newest entry of its ref
	ref    func(i int64) []byte // the ref of the entry at index i
}

type refKey struct {
	hash  uint64
	index int64
}

// newRefIndex indexes the entries placed at the indexes for which ref
// returns true, of a log of size entries.
func newRefIndex(size int64, placed func(i int64) bool, ref func(i int64) []byte) *refIndex {
	x := &refIndex{seed: maphash.MakeSeed(), newest: make([]bool, size), ref: ref}
	keys := make([]refKey, size)
	n := 0
	for i := range size {
		if placed(i) {
			keys[n] = refKey{index: i}
			n++
		}
	}
	keys = keys[:n]
	parallel(int64(n), func(lo, hi int64) {
		for j := lo; j < hi; j++ {
			keys[j].hash = maphash.Bytes(x.seed, ref(keys[j].index))
		}
	})
	x.keys = radixSort(keys)
	// Buckets of the hashes' top bits, about one key each: a ref is found
	// in its bucket, not by a binary search through a million keys.
	bits := uint(1)
	for bits < 32 && 1<<bits < len(x.keys) {
		bits++
	}
	x.shift = 64 - bits
	x.bucket = make([]int, 1<<bits+1)
	b := 0
	for j, k := range x.keys {
		for ; b <= int(k.hash>>x.shift); b++ {
			x.bucket[b] = j
		}
	}
	for ; b < len(x.bucket); b++ {
		x.bucket[b] = len(x.keys)
	}
	// In a run of equal hashes (one ref's entries, oldest first, but for
	// two refs of one hash), the last entry of each ref is its newest.
	for lo := 0; lo < len(x.keys); {
		hi := lo + 1
		for hi < len(x.keys) && x.keys[hi].hash == x.keys[lo].hash {
			hi++
		}
		last := x.keys[hi-1].index
		x.newest[last] = true
		for j := lo; j < hi-1; j++ {
			if i := x.keys[j].index; string(ref(i)) != string(ref(last)) {
				x.newest[i] = x.newerOf(x.keys[j+1:hi], i) // two refs of one hash
			}
		}
		lo = hi
	}
	return x
}

// newerOf reports whether no key of later holds a newer entry of entry i's
// ref.
func (x *refIndex) newerOf(later []refKey, i int64) bool {
	for _, k := range later {
		if string(x.ref(k.index)) == string(x.ref(i)) {
			return false
		}
	}
	return true
}

// radixSort sorts keys by hash, keeping the order of equal hashes (a
// least-significant-digit radix sort, a byte a pass).
func radixSort(keys []refKey) []refKey {
	tmp := make([]refKey, len(keys))
	for shift := uint(0); shift < 64; shift += 8 {
		var count [257]int
		for _, k := range keys {
			count[(k.hash>>shift)&0xff+1]++
		}
		if count[(keys0(keys)>>shift)&0xff+1] == len(keys) {
			continue // every key has the same byte here
		}
		for b := 1; b < len(count); b++ {
			count[b] += count[b-1]
		}
		for _, k := range keys {
			d := (k.hash >> shift) & 0xff
			tmp[count[d]] = k
			count[d]++
		}
		keys, tmp = tmp, keys
	}
	return keys
}

func keys0(keys []refKey) uint64 {
	if len(keys) == 0 {
		return 0
	}
	return keys[0].hash
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
	b := h >> x.shift
	for _, k := range x.keys[x.bucket[b]:x.bucket[b+1]] {
		if k.hash == h && x.newest[k.index] && string(x.ref(k.index)) == string(ref) {
			return k.index, true
		}
	}
	return 0, false
}
