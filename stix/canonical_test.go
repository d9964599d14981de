package stix_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gowebpki/jcs"

	"article5/examples"
	"article5/stix"
)

// TestCanonicalLargeMatchesJCS: the canonical bytes of large documents
// are jcs's, on large random documents (keys that sort differently in
// UTF-16 and UTF-8, escapes, numbers) and on the example bundles.
func TestCanonicalLargeMatchesJCS(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 8))
	keys := []string{"b", "a", "é", "\U0001F600", "\uFFFD", "z\u2028", "<&>", "10", "1", "A"}
	var gen func(depth int) any
	gen = func(depth int) any {
		switch k := rng.IntN(7); {
		case depth > 3 || k == 0:
			return rng.Float64() * 1e9
		case k == 1:
			return strings.Repeat(keys[rng.IntN(len(keys))], rng.IntN(50)) + "\"\\\n"
		case k == 2:
			return rng.IntN(2) == 0
		case k == 3 || k == 4:
			m := map[string]any{}
			for range rng.IntN(12) {
				m[keys[rng.IntN(len(keys))]+fmt.Sprint(rng.IntN(30))] = gen(depth + 1)
			}
			return m
		default:
			var l []any
			for range rng.IntN(40) {
				l = append(l, gen(depth+1))
			}
			return l
		}
	}
	for i := range 6 {
		var incidents []any
		for range 300 + rng.IntN(500) {
			incidents = append(incidents, map[string]any{"facts": gen(1), "é": gen(2), "\U0001F600": gen(2), "id": fmt.Sprint(rng.Uint64())})
		}
		doc := map[string]any{"findings": map[string]any{"incidents": incidents, "z": gen(1)}, "incidents": gen(1), "n": i}
		raw, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		want, err := jcs.Transform(raw)
		if err != nil {
			t.Fatal(err)
		}
		if len(raw) < 64<<10 {
			t.Fatalf("document of %d bytes: not large enough to be taken apart", len(raw))
		}
		got, err := stix.CanonicalLarge(raw)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("document %d (%d bytes): differs from jcs (%v)", i, len(raw), err)
		}
	}
	for _, name := range examples.Names() {
		raw, err := examples.Read(name)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := jcs.Transform(raw)
		if got, err := stix.CanonicalLarge(raw); err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s differs from jcs: %v", name, err)
		}
	}
}

// TestCanonicalMatchesJCS: Canonical, written from the decoded properties,
// and CanonicalLarge, written from the bytes, give byte for byte what
// jcs.Transform gives for the object's bytes, on
// every example object and on objects of hostile names, strings and
// numbers.
func TestCanonicalMatchesJCS(t *testing.T) {
	var bundles [][]byte
	for _, name := range examples.Names() {
		data, err := examples.Read(name)
		if err != nil {
			t.Fatal(err)
		}
		bundles = append(bundles, data)
	}
	hostile := []string{
		`{"type":"x-test","id":"x-test--1","b":1,"a":2,"\u00e9":3,"\ud83d\ude00":4,"\ufffd":5,"z\u2028":6,"A":7,"":8,"\uE000":9}`,
		`{"s":"\u0000\u0001\u001f\u007f\b\f\n\r\t\"\\\/ <>&\u2028\u2029 é 😀 \ud83d\ude00 \u00ff"}`,
		`{"n":[0,-0,1,-1,0.1,1.0,1e21,1e-7,1E+2,123456789012345678901234567890,9007199254740993,-9223372036854775808,5e-324,1.7976931348623157e308,0.000001,100,1e20]}`,
		`{"nested":{"z":[{"y":{},"x":[]},[],{}],"a":null,"t":true,"f":false}}`,
		`  {"ws" :  [ 1 , 2 ] , "k" : "v" }  `,
	}
	for _, h := range hostile {
		bundles = append(bundles, []byte(`{"type":"bundle","id":"bundle--00000000-0000-4000-8000-000000000000","objects":[`+h+`]}`))
	}
	n := 0
	for _, data := range bundles {
		b, err := stix.Parse(data)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range b.Objects {
			want, err := jcs.Transform(o.Raw)
			if err != nil {
				t.Fatalf("%s: jcs: %v", o.Raw, err)
			}
			got, err := stix.Canonical(o)
			if err != nil {
				t.Fatalf("%s: %v", o.Raw, err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("canonical of %s:\n got %s\nwant %s", o.Raw, got, want)
			}
			if got, err := stix.CanonicalLarge(o.Raw); err != nil || !bytes.Equal(got, want) {
				t.Fatalf("CanonicalLarge of %s:\n got %s\nwant %s (%v)", o.Raw, got, want, err)
			}
			n++
		}
	}
	if n < 50 {
		t.Fatalf("only %d objects compared", n)
	}
}
