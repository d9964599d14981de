package audit

import (
	"context"
	"fmt"
	"sort"

	"golang.org/x/mod/sumdb/tlog"

	"article5"
)

// TileHeight is the height of the hash tiles an adapter stores (tlog.Tile
// H; https://research.swtch.com/tlog#tiling_a_log): a tile of level L
// holds up to 2^8 = 256 consecutive hashes of tree level 8·L, and every
// stored hash of the levels in between is recomputed from them
// (tlog.HashFromTile). A log of 1,000,000 entries keeps 3,922 tiles
// (3,907 + 16 + 1 + 1 per level, partial tiles included) instead of
// 1,999,993 stored hashes.
const TileHeight = 8

// TileWidth is the number of hashes in a complete tile, 2^TileHeight.
const TileWidth = 1 << TileHeight

// Tile is one stored hash tile: tile N of level Level (tlog.Tile{H:
// TileHeight, L: Level, N: N}), whose Data is its hashes of tree level
// Level·TileHeight, left to right, 32 bytes each (tlog's tile data). A
// partial tile (the rightmost of its level) holds fewer than TileWidth
// hashes and grows as the log does; the hashes it holds never change, so
// a tile stored wider than a tree needs serves that tree too.
type Tile struct {
	Level int
	N     int64
	Data  []byte
}

// Width returns the number of whole hashes in t.Data.
func (t Tile) Width() int { return len(t.Data) / tlog.HashSize }

// TileReader reads a log's stored tiles. ReadTiles returns, for each
// (level, n) asked, the tile's data as stored (possibly wider than the
// caller needs), or nil where no tile is stored. An adapter implements it
// with a query on audit_tiles inside its transaction.
type TileReader interface {
	ReadTiles(ctx context.Context, keys []TileKey) ([][]byte, error)
}

// TileKey names a tile: its level and its index within the level.
type TileKey struct {
	Level int
	N     int64
}

// TileReaderFunc is a function implementing TileReader.
type TileReaderFunc func(ctx context.Context, keys []TileKey) ([][]byte, error)

// ReadTiles calls f.
func (f TileReaderFunc) ReadTiles(ctx context.Context, keys []TileKey) ([][]byte, error) {
	return f(ctx, keys)
}

// TileHashReader returns a HashReader of the stored hashes a log's tiles
// hold (any stored hash index: those of the levels between the tiles' are
// recomputed with tlog.HashFromTile). It reads each tile it needs once, in
// one ReadTiles call per ReadHashes, and keeps what it read: use one per
// transaction. An index whose tile is missing or too narrow is an error.
// Proofs made through it are those made from the stored hashes
// themselves: the same hashes, byte for byte.
func TileHashReader(r TileReader) HashReader {
	cache := map[TileKey][]byte{}
	return HashReaderFunc(func(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
		tiles := make([]tlog.Tile, len(indexes))
		var missing []TileKey
		for i, x := range indexes {
			if x < 0 {
				return nil, fmt.Errorf("stored hash index %d is negative", x)
			}
			t := tlog.TileForIndex(TileHeight, x)
			tiles[i] = t
			k := TileKey{t.L, t.N}
			if d, ok := cache[k]; (!ok || len(d) < t.W*tlog.HashSize) && !containsKey(missing, k) {
				missing = append(missing, k)
			}
		}
		if len(missing) > 0 {
			data, err := r.ReadTiles(ctx, missing)
			if err != nil {
				return nil, err
			}
			if len(data) != len(missing) {
				return nil, fmt.Errorf("read %d tiles, got %d", len(missing), len(data))
			}
			for i, k := range missing {
				cache[k] = data[i]
			}
		}
		out := make([]tlog.Hash, len(indexes))
		for i, x := range indexes {
			t := tiles[i]
			h, err := hashFromTile(t, cache[TileKey{t.L, t.N}], x)
			if err != nil {
				return nil, err
			}
			out[i] = h
		}
		return out, nil
	})
}

func containsKey(ks []TileKey, k TileKey) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

// hashFromTile returns stored hash index x from data, the stored data of
// tile t (t = tlog.TileForIndex(TileHeight, x), the least width holding
// x), which may be wider than t.
func hashFromTile(t tlog.Tile, data []byte, x int64) (tlog.Hash, error) {
	if len(data) < t.W*tlog.HashSize {
		return tlog.Hash{}, fmt.Errorf("stored hash %d: tile (level %d, n %d) holds %d bytes, want %d", x, t.L, t.N, len(data), t.W*tlog.HashSize)
	}
	return tlog.HashFromTile(t, data[:t.W*tlog.HashSize], x)
}

// AppendTiles returns the tiles that change when b is appended to its log
// (tlog.NewTiles from the old size to b.Head.N), each with its whole data:
// the hashes it held, read through r (a TileHashReader over the same
// transaction), then b's. The adapter writes each over the stored tile of
// the same (Level, N), or inserts it. EINTERNAL if r fails.
func AppendTiles(ctx context.Context, r HashReader, b *Batch) ([]Tile, error) {
	oldN := b.Head.N - int64(len(b.Entries))
	read := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		var old []int64
		for i, x := range indexes {
			if x >= b.HashIndex {
				if x-b.HashIndex >= int64(len(b.Hashes)) {
					return nil, fmt.Errorf("stored hash %d beyond the batch", x)
				}
				out[i] = b.Hashes[x-b.HashIndex]
			} else {
				old = append(old, x)
			}
		}
		if len(old) == 0 {
			return out, nil
		}
		hs, err := r.ReadHashes(ctx, old)
		if err != nil {
			return nil, err
		}
		if len(hs) != len(old) {
			return nil, fmt.Errorf("read %d stored hashes, got %d", len(old), len(hs))
		}
		k := 0
		for i, x := range indexes {
			if x < b.HashIndex {
				out[i] = hs[k]
				k++
			}
		}
		return out, nil
	})
	var out []Tile
	for _, t := range tlog.NewTiles(TileHeight, oldN, b.Head.N) {
		data, err := tlog.ReadTileData(t, read)
		if err != nil {
			return nil, article5.Internal("audit append: tile", err)
		}
		out = append(out, Tile{Level: t.L, N: t.N, Data: data})
	}
	return out, nil
}

// TilesFromHashes returns every tile of the tree of n entries (complete
// and partial, by level then N) holding the stored hashes in hashes,
// indexed by stored hash index (tlog.StoredHashIndex); a hash beyond
// hashes is left zero, which Verify reports as missing. It is how an
// adapter converts a log kept as one row per stored hash.
func TilesFromHashes(n int64, hashes []tlog.Hash) []Tile {
	var out []Tile
	for _, t := range tlog.NewTiles(TileHeight, 0, n) {
		data := make([]byte, t.W*tlog.HashSize)
		for i := range t.W {
			x := tlog.StoredHashIndex(t.L*TileHeight, t.N<<TileHeight+int64(i))
			if x < int64(len(hashes)) {
				copy(data[i*tlog.HashSize:], hashes[x][:])
			}
		}
		out = append(out, Tile{Level: t.L, N: t.N, Data: data})
	}
	return out
}

// tileSet indexes tiles by level and N for Verify; a later tile of the
// same (level, N) replaces an earlier one.
type tileSet [][][]byte

func newTileSet(tiles []Tile) tileSet {
	var s tileSet
	sorted := make([]Tile, 0, len(tiles))
	for _, t := range tiles {
		if t.Level >= 0 && t.Level < 64 && t.N >= 0 {
			sorted = append(sorted, t)
		}
	}
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Level < sorted[j].Level })
	for _, t := range sorted {
		for len(s) <= t.Level {
			s = append(s, nil)
		}
		if t.N >= int64(len(s[t.Level])) {
			if t.N > 1<<40 {
				continue // not a tile of any log this size
			}
			s[t.Level] = append(s[t.Level], make([][]byte, t.N+1-int64(len(s[t.Level])))...)
		}
		s[t.Level][t.N] = t.Data
	}
	return s
}

// tile returns the stored data of tile (level, n), nil if none.
func (s tileSet) tile(level int, n int64) []byte {
	if level < 0 || level >= len(s) || n < 0 || n >= int64(len(s[level])) {
		return nil
	}
	return s[level][n]
}

// hash returns the stored hash of node j of tree level level·TileHeight
// (a tile's own hash, not one recomputed), and whether it is stored (a
// zero hash counts as missing).
func (s tileSet) hash(level int, j int64) (tlog.Hash, bool) {
	d := s.tile(level, j>>TileHeight)
	off := int(j&(TileWidth-1)) * tlog.HashSize
	var h tlog.Hash
	if off+tlog.HashSize > len(d) {
		return h, false
	}
	copy(h[:], d[off:off+tlog.HashSize])
	return h, h != tlog.Hash{}
}

// reader returns a tlog.HashReader of any stored hash index, through the
// tiles (tlog.HashFromTile).
func (s tileSet) reader() tlog.HashReader {
	return tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, x := range indexes {
			t := tlog.TileForIndex(TileHeight, x)
			h, err := hashFromTile(t, s.tile(t.L, t.N), x)
			if err != nil {
				return nil, err
			}
			out[i] = h
		}
		return out, nil
	})
}

// root returns the hash of the complete tile (level, n) computed from its
// stored data (the node of tree level (level+1)·TileHeight it stands
// for), and false if the tile is not stored complete.
func (s tileSet) root(level int, n int64) (tlog.Hash, bool) {
	d := s.tile(level, n)
	if len(d) < TileWidth*tlog.HashSize {
		return tlog.Hash{}, false
	}
	// The two halves are the tile's nodes of its top level; their parent
	// is stored in the tile above, so it is hashed here.
	t := tlog.Tile{H: TileHeight, L: level, N: n, W: TileWidth}
	top := level*TileHeight + TileHeight - 1
	l, errl := tlog.HashFromTile(t, d[:TileWidth*tlog.HashSize], tlog.StoredHashIndex(top, 2*n))
	r, errr := tlog.HashFromTile(t, d[:TileWidth*tlog.HashSize], tlog.StoredHashIndex(top, 2*n+1))
	if errl != nil || errr != nil {
		return tlog.Hash{}, false
	}
	return tlog.NodeHash(l, r), true
}
