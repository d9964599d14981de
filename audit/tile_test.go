package audit_test

import (
	"bytes"
	"context"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"article5/audit"
)

// tileTable is an adapter's audit_tiles table in memory.
type tileTable map[audit.TileKey][]byte

// ReadTiles implements audit.TileReader.
func (tt tileTable) ReadTiles(_ context.Context, keys []audit.TileKey) ([][]byte, error) {
	out := make([][]byte, len(keys))
	for i, k := range keys {
		out[i] = tt[k]
	}
	return out, nil
}

// TestTilesAsAnAdapterKeepsThem: a log appended batch by batch through
// tiles, as an adapter does (Append, then AppendTiles, each tile written
// over the stored one), holds every stored hash of the reference Log, the
// same heads, and makes the same proofs byte for byte, across tile
// boundaries of every level.
func TestTilesAsAnAdapterKeepsThem(t *testing.T) {
	ctx := context.Background()
	ref := audit.NewLog()
	tt := tileTable{}
	var n int64
	k := 0
	for _, size := range []int{1, 2, 5, 248, 1, 1, 300, 3, 512, 7, 255, 1, 66_000, 1} {
		batch := make([]audit.Entry, size)
		for i := range batch {
			batch[i] = testEntry(k)
			k++
		}
		r := audit.TileHashReader(tt)
		b, err := audit.Append(ctx, r, n, batch)
		if err != nil {
			t.Fatal(err)
		}
		tiles, err := audit.AppendTiles(ctx, r, b)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range tiles {
			if old := tt[audit.TileKey{Level: x.Level, N: x.N}]; !bytes.HasPrefix(x.Data, old) {
				t.Fatalf("tile (%d, %d) rewritten, not grown", x.Level, x.N)
			}
			tt[audit.TileKey{Level: x.Level, N: x.N}] = x.Data
		}
		head, err := ref.Append(batch...)
		if err != nil {
			t.Fatal(err)
		}
		if b.Head != head {
			t.Fatalf("after %d entries: head %+v, reference %+v", b.Head.N, b.Head, head)
		}
		n = b.Head.N
	}
	want := audit.TilesFromHashes(n, ref.Hashes())
	if len(want) != len(tt) {
		t.Fatalf("%d tiles stored, want %d", len(tt), len(want))
	}
	for _, x := range want {
		if !bytes.Equal(tt[audit.TileKey{Level: x.Level, N: x.N}], x.Data) {
			t.Fatalf("tile (%d, %d) differs from the reference", x.Level, x.N)
		}
	}
	hashes := ref.Hashes()
	r := audit.TileHashReader(tt)
	for x := int64(0); x < int64(len(hashes)); x += 97 {
		h, err := r.ReadHashes(ctx, []int64{x})
		if err != nil || h[0] != hashes[x] {
			t.Fatalf("stored hash %d through tiles: %v, %v; want %v", x, h, err, hashes[x])
		}
	}
	for _, size := range []int64{1, 256, 257, 1000, 65_536, 65_537, n} {
		for _, i := range []int64{0, 1, 255, 256, size / 2, size - 1} {
			if i < 0 || i >= size {
				continue
			}
			got, err := audit.ProveInclusion(ctx, r, ref.Entries()[i], size)
			if err != nil {
				t.Fatal(err)
			}
			want, err := ref.InclusionProof(i, size)
			if err != nil {
				t.Fatal(err)
			}
			if g, w := mustText(t, got), mustText(t, want); !bytes.Equal(g, w) {
				t.Fatalf("inclusion of %d in %d:\n%s\nwant\n%s", i, size, g, w)
			}
		}
		for _, old := range []int64{1, 3, 256, size - 1} {
			if old < 1 || old > size {
				continue
			}
			got, err := audit.ProveConsistency(ctx, r, old, size)
			if err != nil {
				t.Fatal(err)
			}
			want, err := ref.ConsistencyProof(old, size)
			if err != nil {
				t.Fatal(err)
			}
			if g, w := mustText(t, got), mustText(t, want); !bytes.Equal(g, w) {
				t.Fatalf("consistency of %d and %d:\n%s\nwant\n%s", old, size, g, w)
			}
		}
	}
	// A tile cut short is an error, not a wrong hash.
	tt[audit.TileKey{Level: 0, N: 0}] = tt[audit.TileKey{Level: 0, N: 0}][:64]
	if _, err := audit.TileHashReader(tt).ReadHashes(ctx, []int64{tlog.StoredHashIndex(0, 5)}); err == nil {
		t.Fatal("a hash beyond a short tile was read")
	}
}

func mustText(tb testing.TB, m interface{ MarshalText() ([]byte, error) }) []byte {
	tb.Helper()
	b, err := m.MarshalText()
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
