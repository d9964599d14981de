package assess

import (
	"container/list"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash"
	"math"
	"sync"
	"time"

	"article5"
)

// DefaultFindingsCacheSize is how many incidents' findings a
// FindingsCache made with size 0 keeps: two cases of the largest size a
// node takes by default (serve --max-case-incidents, 10,000).
const DefaultFindingsCacheSize = 20_000

// FindingsCache keeps the findings of single incidents between
// assessments, so that re-assessing a case evaluates only the incidents
// whose facts, or the doctrines applied to them, changed. An entry is
// keyed by the SHA-256 of the doctrines' identities (id, version and the
// SHA-256 of their source, article5.DoctrineRef) and of every part of the
// incident's facts (values, their evidence, intervals, times, actor,
// State), which is all that the doctrines' evaluation (doctrine.Evaluate)
// and the merged checklist (MergeChecklists) read; a reused entry is
// therefore what computing afresh gives, and a changed fact or doctrine
// version is a different key. It holds at most its size of incidents,
// dropping the least recently used; entries are shared, read-only, by the
// reports that use them. Safe for concurrent use.
type FindingsCache struct {
	mu    sync.Mutex
	size  int
	ll    *list.List // of *cachedFindings, most recently used first
	byKey map[[sha256.Size]byte]*list.Element

	hits, misses int64
}

// cachedFindings is one incident's findings by doctrine id, and their
// merged checklist.
type cachedFindings struct {
	key       [sha256.Size]byte
	as        map[string]*article5.DoctrineAssessment
	checklist []article5.ChecklistItem
}

// NewFindingsCache returns a cache of at most size incidents' findings
// (DefaultFindingsCacheSize when size is 0 or less).
func NewFindingsCache(size int) *FindingsCache {
	if size <= 0 {
		size = DefaultFindingsCacheSize
	}
	return &FindingsCache{size: size, ll: list.New(), byKey: map[[sha256.Size]byte]*list.Element{}}
}

// Stats returns how many lookups found findings to reuse and how many
// did not, since the cache was made, and how many incidents it holds.
func (c *FindingsCache) Stats() (hits, misses int64, held int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hits, c.misses, c.ll.Len()
}

func (c *FindingsCache) get(k [sha256.Size]byte) *cachedFindings {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byKey[k]
	if !ok {
		c.misses++
		return nil
	}
	c.hits++
	c.ll.MoveToFront(e)
	return e.Value.(*cachedFindings)
}

func (c *FindingsCache) put(f *cachedFindings) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byKey[f.key]; ok {
		c.ll.MoveToFront(e)
		return
	}
	c.byKey[f.key] = c.ll.PushFront(f)
	for c.ll.Len() > c.size {
		old := c.ll.Back()
		c.ll.Remove(old)
		delete(c.byKey, old.Value.(*cachedFindings).key)
	}
}

// findingsKeyer hashes the doctrines' identities once and then each
// incident's facts after them.
type findingsKeyer struct {
	h      hash.Hash
	prefix []byte // the doctrines' identities, encoded
	buf    []byte
}

func newFindingsKeyer(refs []article5.DoctrineRef) *findingsKeyer {
	k := &findingsKeyer{h: sha256.New()}
	k.prefix = binary.AppendUvarint(k.prefix, uint64(len(refs)))
	for _, r := range refs {
		k.prefix = appendStr(appendStr(appendStr(k.prefix, r.ID), r.Version), r.SHA256)
	}
	return k
}

// key is the cache key of an incident with facts f: every part of f,
// each length-prefixed or tagged so that no two fact sets encode alike.
// ok is false for a fact value of a type it does not know, which is then
// not cached.
func (k *findingsKeyer) key(f *article5.Facts) (key [sha256.Size]byte, ok bool) {
	b := append(k.buf[:0], k.prefix...)
	b = appendStr(b, f.Incident)
	b = binary.AppendUvarint(b, uint64(len(f.Values)))
	for _, v := range f.Values {
		if !v.Known {
			b = append(b, '?')
		} else {
			switch x := v.Value.(type) {
			case int64:
				b = binary.AppendVarint(append(b, 'i'), x)
			case float64:
				b = binary.BigEndian.AppendUint64(append(b, 'f'), math.Float64bits(x))
			case bool:
				if x {
					b = append(b, 't')
				} else {
					b = append(b, 'F')
				}
			case string:
				b = appendStr(append(b, 's'), x)
			case []string:
				b = binary.AppendUvarint(append(b, 'l'), uint64(len(x)))
				for _, s := range x {
					b = appendStr(b, s)
				}
			default:
				return key, false
			}
		}
		b = binary.AppendUvarint(b, uint64(len(v.Evidence)))
		for _, e := range v.Evidence {
			b = appendStr(appendStr(b, e.Object), e.Pointer)
		}
	}
	b = binary.AppendUvarint(b, uint64(len(f.Intervals)))
	for _, iv := range f.Intervals {
		b = appendTime(appendTime(b, iv.Start), iv.End)
	}
	b = appendTime(appendTime(b, f.Start), f.End)
	b = appendRef(appendRef(b, f.Actor), f.State)
	k.buf = b
	k.h.Reset()
	k.h.Write(b)
	k.h.Sum(key[:0])
	return key, true
}

func appendStr(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// appendTime encodes t as written (its instant, and its zone's name and
// offset, which a rendering of it could show).
func appendTime(b []byte, t time.Time) []byte {
	name, off := t.Zone()
	b = binary.AppendVarint(b, t.Unix())
	b = binary.AppendVarint(b, int64(t.Nanosecond()))
	return binary.AppendVarint(appendStr(b, name), int64(off))
}

func appendRef(b []byte, r *article5.Ref) []byte {
	if r == nil {
		return append(b, 0)
	}
	return appendStr(appendStr(append(b, 1), r.ID), r.Name)
}

// String describes the cache for logs.
func (c *FindingsCache) String() string {
	h, m, n := c.Stats()
	return fmt.Sprintf("findings cache: %d incidents held of %d, %d reused, %d evaluated", n, c.size, h, m)
}
