package audit

import (
	"context"
	"fmt"
	"math/bits"
	"slices"
	"sync"

	"golang.org/x/mod/sumdb/tlog"

	"article5"
)

// HashReader reads stored hashes of a log by their tlog stored hash index
// (tlog.StoredHashIndex). ReadHashes returns exactly one hash per index, in
// order, or an error. An adapter reads them from its tiles inside its
// transaction (TileHashReader).
type HashReader interface {
	ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error)
}

// HashReaderFunc is a function implementing HashReader.
type HashReaderFunc func(ctx context.Context, indexes []int64) ([]tlog.Hash, error)

// ReadHashes calls f.
func (f HashReaderFunc) ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	return f(ctx, indexes)
}

// tlogReader adapts r to tlog.HashReader, checking the count it returns.
func tlogReader(ctx context.Context, r HashReader) tlog.HashReader {
	return tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		hs, err := r.ReadHashes(ctx, indexes)
		if err != nil {
			return nil, err
		}
		if len(hs) != len(indexes) {
			return nil, fmt.Errorf("read %d stored hashes, got %d", len(indexes), len(hs))
		}
		return hs, nil
	})
}

// Batch is what an adapter writes, in the transaction of the change, to
// append entries to a log of N entries.
type Batch struct {
	// Entries are the appended entries with Index set to N, N+1, …; insert
	// them into audit_entries.
	Entries []Entry
	// HashIndex is the stored hash index of Hashes[0], tlog.StoredHashCount(N).
	HashIndex int64
	// Hashes are the new stored hashes; insert Hashes[i] into audit_hashes
	// at idx HashIndex+i.
	Hashes []tlog.Hash
	// Head is the tree head of the log after the batch, N+len(Entries)
	// entries, with Time the newest entry time; sign it with SignTreeHead.
	Head TreeHead
}

// frontier returns the stored hash indexes of the complete subtrees that
// make up a tree of n records, left to right: the only old hashes needed
// to append to it or to compute its tree hash.
func frontier(n int64) []int64 {
	var idx []int64
	var lo int64
	for level := 63 - bits.LeadingZeros64(uint64(n)); level >= 0; level-- {
		if n&(1<<level) != 0 {
			idx = append(idx, tlog.StoredHashIndex(level, lo>>level))
			lo += 1 << level
		}
	}
	return idx
}

// Append computes the batch that appends entries to a log of n entries
// whose stored hashes r reads (at most 63 hashes, in one call). It
// validates every entry (EINVALID naming the first at fault), assigns
// indexes n, n+1, … and leaves entries itself unchanged. It returns
// EINTERNAL if r fails.
func Append(ctx context.Context, r HashReader, n int64, entries []Entry) (*Batch, error) {
	if n < 0 {
		return nil, article5.Errorf(article5.EINVALID, "audit log size %d is negative", n)
	}
	b := &Batch{Entries: make([]Entry, len(entries)), HashIndex: tlog.StoredHashCount(n)}
	for i, e := range entries {
		e.Index = n + int64(i)
		if err := e.Validate(); err != nil {
			return nil, err
		}
		e.Time = e.Time.UTC()
		b.Entries[i] = e
		if e.Time.After(b.Head.Time) {
			b.Head.Time = e.Time
		}
	}
	old := make(map[int64]tlog.Hash)
	if idx := frontier(n); len(idx) > 0 {
		hs, err := r.ReadHashes(ctx, idx)
		if err != nil {
			return nil, article5.Internal("audit append: read frontier", err)
		}
		if len(hs) != len(idx) {
			return nil, article5.Internal("audit append", fmt.Errorf("read %d stored hashes, got %d", len(idx), len(hs)))
		}
		for i, x := range idx {
			old[x] = hs[i]
		}
	}
	b.Hashes = make([]tlog.Hash, 0, 2*len(entries)+1)
	read := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, x := range indexes {
			if x >= b.HashIndex {
				if x-b.HashIndex >= int64(len(b.Hashes)) {
					return nil, fmt.Errorf("stored hash %d not yet computed", x)
				}
				out[i] = b.Hashes[x-b.HashIndex]
				continue
			}
			h, ok := old[x]
			if !ok {
				return nil, fmt.Errorf("stored hash %d outside the frontier", x)
			}
			out[i] = h
		}
		return out, nil
	})
	for _, e := range b.Entries {
		hs, err := tlog.StoredHashesForRecordHash(e.Index, e.RecordHash(), read)
		if err != nil {
			return nil, article5.Internal("audit append", err)
		}
		b.Hashes = append(b.Hashes, hs...)
	}
	b.Head.N = n + int64(len(entries))
	th, err := tlog.TreeHash(b.Head.N, read)
	if err != nil {
		return nil, article5.Internal("audit append: tree hash", err)
	}
	b.Head.Hash = th
	return b, nil
}

// Log is an in-memory transparency log: the entries and their stored hashes
// (tlog's hash tiles, flattened by stored hash index). It is the reference
// the adapters behave like, and what tests and benchmarks use. A Log is
// safe for concurrent use.
type Log struct {
	mu      sync.RWMutex
	entries []Entry
	hashes  []tlog.Hash
}

// NewLog returns an empty log.
func NewLog() *Log { return &Log{} }

// Append appends entries (in order, as Append does for an adapter) and
// returns the new tree head. On error the log is unchanged.
func (l *Log) Append(entries ...Entry) (TreeHead, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, err := Append(context.Background(), l.reader(), int64(len(l.entries)), entries)
	if err != nil {
		return TreeHead{}, err
	}
	l.entries = append(l.entries, b.Entries...)
	l.hashes = append(l.hashes, b.Hashes...)
	return b.Head, nil
}

// N returns the number of entries in the log.
func (l *Log) N() int64 {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return int64(len(l.entries))
}

// Entries returns a copy of the log's entries, in index order.
func (l *Log) Entries() []Entry {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return slices.Clone(l.entries)
}

// Hashes returns a copy of the log's stored hashes: Hashes()[i] has stored
// hash index i.
func (l *Log) Hashes() []tlog.Hash {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return slices.Clone(l.hashes)
}

// Tiles returns the log's stored hashes as the tiles an adapter keeps
// (TilesFromHashes): what Verify reads.
func (l *Log) Tiles() []Tile {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return TilesFromHashes(int64(len(l.entries)), l.hashes)
}

// ReadHashes implements HashReader; it returns ENOTFOUND for an index not
// (yet) stored.
func (l *Log) ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.reader().ReadHashes(ctx, indexes)
}

// reader reads l.hashes; the caller holds l.mu.
func (l *Log) reader() HashReader {
	return HashReaderFunc(func(_ context.Context, indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, x := range indexes {
			if x < 0 || x >= int64(len(l.hashes)) {
				return nil, article5.Errorf(article5.ENOTFOUND, "stored hash %d not found", x)
			}
			out[i] = l.hashes[x]
		}
		return out, nil
	})
}

// TreeHead returns the head of the tree of the first n entries; Time is
// the newest of their entry times. It returns EINVALID if n is out of
// range.
func (l *Log) TreeHead(n int64) (TreeHead, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if n < 0 || n > int64(len(l.entries)) {
		return TreeHead{}, article5.Errorf(article5.EINVALID, "tree size %d is outside the log (0 to %d)", n, len(l.entries))
	}
	th, err := tlog.TreeHash(n, tlogReader(context.Background(), l.reader()))
	if err != nil {
		return TreeHead{}, article5.Internal("audit tree head", err)
	}
	head := TreeHead{N: n, Hash: th}
	for _, e := range l.entries[:n] {
		if e.Time.After(head.Time) {
			head.Time = e.Time
		}
	}
	return head, nil
}

// InclusionProof proves that entry index is in the tree of treeSize
// entries (see ProveInclusion).
func (l *Log) InclusionProof(index, treeSize int64) (*InclusionProof, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if index < 0 || index >= int64(len(l.entries)) {
		return nil, article5.Errorf(article5.ENOTFOUND, "audit entry %d not found", index)
	}
	return ProveInclusion(context.Background(), l.reader(), l.entries[index], treeSize)
}

// ConsistencyProof proves that the tree of oldSize entries is a prefix of
// the tree of newSize entries (see ProveConsistency).
func (l *Log) ConsistencyProof(oldSize, newSize int64) (*ConsistencyProof, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if newSize > int64(len(l.entries)) {
		return nil, article5.Errorf(article5.EINVALID, "tree size %d is beyond the log (%d entries)", newSize, len(l.entries))
	}
	return ProveConsistency(context.Background(), l.reader(), oldSize, newSize)
}
