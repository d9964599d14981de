package assess_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"runtime"
	"syscall"
	"testing"
	"time"

	"article5/assess"
	"article5/stix"
)

// cpuTime is the CPU time (user and system) this process has used.
func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkReassessNewIncident re-assesses a case of n incidents after one
// new incident arrived, as a node does (doctrines loaded and warm, each
// object's canonical hash given), two ways in one run, interleaved:
//
//   - fresh: every incident evaluated (no FindingsCache);
//   - reuse: with a FindingsCache that holds the findings of the case's
//     assessment before the new incident (LargeCase(n-1), assessed
//     outside the timer for each iteration), so only the new incident is
//     evaluated.
//
// It reports each path's wall time per assessment (fresh-ms, reuse-ms),
// the process's CPU time for each (fresh-cpu-ms, reuse-cpu-ms: user and
// system, GC included) and reuse/fresh.
//
//	go test -run '^$' -bench ReassessNewIncident -benchtime 5x ./assess/
func BenchmarkReassessNewIncident(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("incidents=%d", n), func(b *testing.B) {
			before, err := stix.Parse(LargeCase(n - 1))
			if err != nil {
				b.Fatal(err)
			}
			bundle, err := stix.Parse(LargeCase(n))
			if err != nil {
				b.Fatal(err)
			}
			hashed := func(bu *stix.Bundle) assess.HashedBundle {
				sums := make([]string, len(bu.Objects))
				for i, o := range bu.Objects {
					c, err := stix.Canonical(o)
					if err != nil {
						b.Fatal(err)
					}
					sum := sha256.Sum256(c)
					sums[i] = hex.EncodeToString(sum[:])
				}
				return assess.HashedBundle{Bundle: bu, SHA256: sums}
			}
			hb, hbBefore := hashed(bundle), hashed(before)
			docs := MustDoctrines(b)
			run := func(h assess.HashedBundle, cache *assess.FindingsCache) string {
				ev, err := assess.NewEvidenceHashed(h)
				if err != nil {
					b.Fatal(err)
				}
				rep, err := assess.AssessEvidence(context.Background(), assess.Options{Doctrines: docs, Findings: cache}, ev)
				if err != nil {
					b.Fatal(err)
				}
				return rep.Hash
			}
			want := run(hb, nil) // warms the doctrines' memo
			var wallFresh, wallReuse, cpuFresh, cpuReuse time.Duration
			for b.Loop() {
				b.StopTimer()
				cache := assess.NewFindingsCache(0)
				run(hbBefore, cache)
				runtime.GC()
				b.StartTimer()

				c0, t0 := cpuTime(b), time.Now()
				got := run(hb, cache)
				wallReuse += time.Since(t0)
				cpuReuse += cpuTime(b) - c0
				if got != want {
					b.Fatalf("reused findings give hash %s, afresh %s", got, want)
				}

				b.StopTimer()
				runtime.GC()
				b.StartTimer()
				c0, t0 = cpuTime(b), time.Now()
				if got := run(hb, nil); got != want {
					b.Fatalf("hash %s, want %s", got, want)
				}
				wallFresh += time.Since(t0)
				cpuFresh += cpuTime(b) - c0
			}
			per := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(b.N) }
			b.ReportMetric(per(wallFresh), "fresh-ms")
			b.ReportMetric(per(wallReuse), "reuse-ms")
			b.ReportMetric(per(cpuFresh), "fresh-cpu-ms")
			b.ReportMetric(per(cpuReuse), "reuse-cpu-ms")
			b.ReportMetric(wallReuse.Seconds()/wallFresh.Seconds(), "reuse/fresh")
		})
	}
}
