package assess_test

import (
	"context"
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
// the loop, with doctrines loaded afresh for each iteration (outside the
// timer) so that their memo of evaluations starts empty, as in a CLI run or
// the first assessment of a case on a node. Beside time and allocations it reports the peak heap in use
// during an iteration (peak-heap-B, sampled every millisecond, parsed
// bundle included) and the growth of the peak over the heap before the
// iteration per incident (heap-B/incident).
func BenchmarkLargeCase(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		b.Run(fmt.Sprintf("incidents=%d", n), func(b *testing.B) {
			bundle, err := stix.Parse(LargeCase(n))
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			var peak, base uint64
			for b.Loop() {
				b.StopTimer()
				opts := assess.Options{Doctrines: MustDoctrines(b)}
				runtime.GC()
				b.StartTimer()
				s := []metrics.Sample{{Name: heapObjects}}
				metrics.Read(s)
				p := startHeapPeak()
				ev, err := assess.NewEvidence(bundle)
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
		})
	}
}
