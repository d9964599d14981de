package stix_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"article5/stix"
)

var (
	benchOnce    sync.Once
	benchData    []byte
	benchObjects int
)

var uuidRE = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)

// benchBundle replicates the objects of the OASIS examples, with fresh ids
// (every UUID consistently replaced per copy, so references still resolve),
// into one in-memory bundle of at least 100,000 objects.
func benchBundle(b *testing.B) ([]byte, int) {
	b.Helper()
	benchOnce.Do(func() {
		var raws [][]byte
		for _, f := range exampleFiles(b) {
			data, err := os.ReadFile(f)
			if err != nil {
				b.Fatal(err)
			}
			bu := MustParse(b, data)
			for _, o := range bu.Objects {
				raws = append(raws, o.Raw)
			}
		}
		uuids := map[string]bool{}
		for _, r := range raws {
			for _, u := range uuidRE.FindAll(r, -1) {
				uuids[string(u)] = true
			}
		}
		rng := rand.New(rand.NewPCG(1, 2))
		var buf bytes.Buffer
		buf.WriteString(`{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[`)
		n := 0
		for copyNo := 0; n < 100000; copyNo++ {
			pairs := make([]string, 0, 2*len(uuids))
			for u := range uuids {
				pairs = append(pairs, u, fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", rng.Uint32(), rng.Uint32()&0xffff, rng.Uint32()&0xfff, 0x8000|rng.Uint32()&0x3fff, rng.Uint64()&0xffffffffffff))
			}
			rep := strings.NewReplacer(pairs...)
			for _, r := range raws {
				if n > 0 {
					buf.WriteString(",\n")
				}
				buf.WriteString(rep.Replace(string(r)))
				n++
			}
		}
		buf.WriteString("]}")
		benchData, benchObjects = buf.Bytes(), n
	})
	return benchData, benchObjects
}

func reportRates(b *testing.B, objects int, start time.Time) {
	secs := time.Since(start).Seconds()
	b.ReportMetric(float64(objects*b.N)/secs, "objects/s")
}

// BenchmarkParseValidate measures Parse followed by Validate on ≥ 100,000
// objects; compare with BenchmarkDecodeBaseline.
func BenchmarkParseValidate(b *testing.B) {
	data, n := benchBundle(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		bu, err := stix.Parse(data)
		if err != nil {
			b.Fatal(err)
		}
		r := stix.Validate(bu)
		if len(bu.Objects) != n || len(r.Errors()) != 0 {
			b.Fatalf("%d objects, errors:%s", len(bu.Objects), dump(stix.Report{Issues: r.Errors()[:1]}))
		}
	}
	reportRates(b, n, start)
}

// BenchmarkDecodeBaseline measures plain encoding/json decoding of the same
// bytes into the bundle's objects as []map[string]any.
func BenchmarkDecodeBaseline(b *testing.B) {
	data, n := benchBundle(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		var v struct {
			Objects []map[string]any `json:"objects"`
		}
		if err := json.Unmarshal(data, &v); err != nil {
			b.Fatal(err)
		}
		if len(v.Objects) != n {
			b.Fatal("short")
		}
	}
	reportRates(b, n, start)
}
