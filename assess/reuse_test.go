package assess_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"article5"
	"article5/assess"
	"article5/doctrine"
	"article5/stix"
)

// mustAssess assesses bundle data with the doctrines and the findings
// cache (nil: none) and returns the report and its JSON.
func mustAssess(tb testing.TB, data []byte, docs []*doctrine.Doctrine, cache *assess.FindingsCache) (*article5.Report, []byte) {
	tb.Helper()
	b, err := stix.Parse(data)
	if err != nil {
		tb.Fatal(err)
	}
	rep, err := assess.Assess(context.Background(), assess.Options{Doctrines: docs, Findings: cache}, b)
	if err != nil {
		tb.Fatal(err)
	}
	out, err := json.Marshal(rep)
	if err != nil {
		tb.Fatal(err)
	}
	return rep, out
}

// TestFindingsReuse proves that findings reused from a FindingsCache give
// the report computing afresh gives, byte for byte, and that a changed
// fact or a changed doctrine version is evaluated afresh.
func TestFindingsReuse(t *testing.T) {
	const n = 300
	docs := MustDoctrines(t)
	cache := assess.NewFindingsCache(0)
	mustAssess(t, LargeCase(n-1), docs, cache) // the case before its last incident

	t.Run("one new incident", func(t *testing.T) {
		_, fresh := mustAssess(t, LargeCase(n), docs, nil)
		h0, m0, _ := cache.Stats()
		_, reused := mustAssess(t, LargeCase(n), docs, cache)
		h1, m1, _ := cache.Stats()
		if !bytes.Equal(reused, fresh) {
			t.Fatal("the report with reused findings differs from the report computed afresh")
		}
		if h1-h0 != n-1 || m1-m0 != 1 {
			t.Fatalf("reused %d and evaluated %d incidents; want %d and 1", h1-h0, m1-m0, n-1)
		}
	})

	t.Run("a changed fact", func(t *testing.T) {
		// Incident 0 without its casualties (an injury): a fact changes.
		orig := LargeCase(n)
		changed := bytes.Replace(orig, []byte(`,"casualties":[{"outcome":"injury","count":0,"causation":"direct","status":"confirmed"}]`), nil, 1)
		if bytes.Equal(changed, orig) {
			t.Fatal("the test changes nothing")
		}
		_, before := mustAssess(t, orig, docs, nil)
		_, fresh := mustAssess(t, changed, docs, nil)
		if bytes.Equal(before, fresh) {
			t.Fatal("the changed fact changes no finding: the test proves nothing")
		}
		h0, m0, _ := cache.Stats()
		_, reused := mustAssess(t, changed, docs, cache)
		h1, m1, _ := cache.Stats()
		if !bytes.Equal(reused, fresh) {
			t.Fatal("after a fact changed, the report with the cache differs from the report computed afresh")
		}
		if h1-h0 != n-1 || m1-m0 != 1 {
			t.Fatalf("reused %d and evaluated %d incidents; want %d and 1", h1-h0, m1-m0, n-1)
		}
	})

	t.Run("a new doctrine version", func(t *testing.T) {
		src, err := os.ReadFile(filepath.Join("..", "doctrine", "jp.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		next := bytes.Replace(src, []byte(`version: "2.1.1"`), []byte(`version: "2.1.2-test"`), 1)
		if bytes.Equal(next, src) {
			t.Fatal("the test changes nothing")
		}
		jp, err := doctrine.Parse("jp.yaml", next)
		if err != nil {
			t.Fatal(err)
		}
		docs2 := []*doctrine.Doctrine{jp, docs[1]}
		if docs[1].ID != "us" {
			t.Fatalf("doctrines %s, %s: want jp, us", docs[0].ID, docs[1].ID)
		}
		_, fresh := mustAssess(t, LargeCase(n), docs2, nil)
		h0, m0, _ := cache.Stats()
		_, reused := mustAssess(t, LargeCase(n), docs2, cache)
		h1, m1, _ := cache.Stats()
		if !bytes.Equal(reused, fresh) {
			t.Fatal("after a doctrine version changed, the report with the cache differs from the report computed afresh")
		}
		if h1-h0 != 0 || m1-m0 != n {
			t.Fatalf("reused %d and evaluated %d incidents; want 0 and %d", h1-h0, m1-m0, n)
		}
	})

	t.Run("bounded", func(t *testing.T) {
		small := assess.NewFindingsCache(10)
		mustAssess(t, LargeCase(50), docs, small)
		if _, _, held := small.Stats(); held != 10 {
			t.Fatalf("a cache of 10 holds %d incidents", held)
		}
		_, fresh := mustAssess(t, LargeCase(50), docs, nil)
		_, reused := mustAssess(t, LargeCase(50), docs, small)
		if !bytes.Equal(reused, fresh) {
			t.Fatal("a full cache changes the report")
		}
	})
}
