package assess_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"article5/assess"
	"article5/stix"
)

// heapPeak samples the heap in use (runtime/metrics
// /memory/classes/heap/objects:bytes, the HeapAlloc of runtime.MemStats,
// live and not yet swept objects) every millisecond, without stopping the
// world, and keeps the greatest value seen.
type heapPeak struct {
	stop chan struct{}
	done sync.WaitGroup
	peak uint64
}

const heapObjects = "/memory/classes/heap/objects:bytes"

func startHeapPeak() *heapPeak {
	p := &heapPeak{stop: make(chan struct{})}
	s := []metrics.Sample{{Name: heapObjects}}
	read := func() {
		metrics.Read(s)
		if v := s[0].Value.Uint64(); v > p.peak {
			p.peak = v
		}
	}
	read()
	p.done.Add(1)
	go func() {
		defer p.done.Done()
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				read()
				return
			case <-t.C:
				read()
			}
		}
	}()
	return p
}

// Stop ends the sampling and returns the peak in bytes.
func (p *heapPeak) Stop() uint64 {
	close(p.stop)
	p.done.Wait()
	return p.peak
}

// BenchmarkLargeCase measures NewEvidence and AssessEvidence (validation,
// facts, both doctrines with changes_if and accumulation, divergence,
// evidence digest, assessment hash) on LargeCase(n), parsed once outside
// the loop, in two settings:
//
//   - first: doctrines loaded afresh for each iteration (outside the
//     timer), so their memo of evaluations starts empty, and every
//     object's canonical hash computed — a CLI run, or the first
//     assessment of a case on a node;
//   - again: the doctrines in force stay loaded (warmed by one untimed
//     assessment) and each object's canonical sha256 is given, as a node
//     holds it from ingest (NewEvidenceHashed) — a node re-assessing a case.
//
// Beside time and allocations it reports the peak heap in use during an
// iteration (peak-heap-B: sampled every millisecond, the parsed bundle
// included) and that peak less the heap in use before the iteration, per
// incident (heap-B/incident).
func BenchmarkLargeCase(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		b.Run(fmt.Sprintf("incidents=%d", n), func(b *testing.B) {
			bundle, err := stix.Parse(LargeCase(n))
			if err != nil {
				b.Fatal(err)
			}
			sums := make([]string, len(bundle.Objects))
			for i, o := range bundle.Objects {
				c, err := stix.Canonical(o)
				if err != nil {
					b.Fatal(err)
				}
				sum := sha256.Sum256(c)
				sums[i] = hex.EncodeToString(sum[:])
			}
			b.Run("first", func(b *testing.B) { benchmarkAssess(b, bundle, nil) })
			b.Run("again", func(b *testing.B) { benchmarkAssess(b, bundle, sums) })
		})
	}
}

// benchmarkAssess assesses bundle the first time (sums nil) or again
// (sums given, doctrines warmed); see BenchmarkLargeCase.
func benchmarkAssess(b *testing.B, bundle *stix.Bundle, sums []string) {
	again := sums != nil
	n := len(bundle.Objects) - 1 // incidents: all but the grouping
	opts := assess.Options{Doctrines: MustDoctrines(b)}
	if again {
		ev, err := assess.NewEvidence(bundle)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := assess.AssessEvidence(context.Background(), opts, ev); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	var peak, base uint64
	for b.Loop() {
		b.StopTimer()
		if !again {
			opts = assess.Options{Doctrines: MustDoctrines(b)}
		}
		runtime.GC()
		b.StartTimer()
		s := []metrics.Sample{{Name: heapObjects}}
		metrics.Read(s)
		p := startHeapPeak()
		var ev *assess.Evidence
		var err error
		if again {
			ev, err = assess.NewEvidenceHashed(assess.HashedBundle{Bundle: bundle, SHA256: sums})
		} else {
			ev, err = assess.NewEvidence(bundle)
		}
		if err != nil {
			b.Fatal(err)
		}
		rep, err := assess.AssessEvidence(context.Background(), opts, ev)
		if err != nil {
			b.Fatal(err)
		}
		if len(rep.Incidents) != n {
			b.Fatalf("%d incidents assessed, want %d", len(rep.Incidents), n)
		}
		if pk := p.Stop(); pk > peak {
			peak, base = pk, s[0].Value.Uint64()
		}
	}
	b.ReportMetric(float64(peak), "peak-heap-B")
	b.ReportMetric(float64(peak-base)/float64(n), "heap-B/incident")
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(n), "µs/incident")
}
