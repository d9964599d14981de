package api_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"article5"
)

// bigCase writes a bundle of n minimal assessable incidents and one
// grouping of all of them, and returns it with the grouping's id.
func bigCase(n int) ([]byte, string) {
	var b bytes.Buffer
	g := fmt.Sprintf("grouping--b16b16b1-0000-4000-8000-%012d", n)
	b.WriteString(`{"type":"bundle","id":"bundle--b16b16b1-0000-4000-8000-000000000001","objects":[`)
	refs := make([]string, n)
	for i := range n {
		id := fmt.Sprintf("incident--b16b16b1-%04x-4000-8000-%012d", n%0x10000, i)
		refs[i] = `"` + id + `"`
		fmt.Fprintf(&b, `{"type":"incident","spec_version":"2.1","id":%q,"created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"outage %d","object_marking_refs":[%q],"extensions":{%q:{"extension_type":"property-extension","domain":"cyber","affected_parties":["JP"],"operation_type":"disruption"}}},`,
			id, i, tlpGreen, article5.ExtensionID)
	}
	fmt.Fprintf(&b, `{"type":"grouping","spec_version":"2.1","id":%q,"created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"big case","context":"suspicious-activity","object_marking_refs":[%q],"object_refs":[%s]}]}`,
		g, tlpGreen, strings.Join(refs, ","))
	return b.Bytes(), g
}

// peakHeap samples the heap in use until stop is closed and returns the
// greatest value seen, in bytes.
func peakHeap(stop <-chan struct{}) func() uint64 {
	var peak atomic.Uint64
	var wg sync.WaitGroup
	wg.Go(func() {
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > peak.Load() {
				peak.Store(m.HeapAlloc)
			}
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	})
	return func() uint64 { wg.Wait(); return peak.Load() }
}

// TestCaseSizeLimits: a bundle of more objects than the node takes is 413
// naming the limit, before it is parsed; a grouping of more incidents than
// a case may hold is refused naming the limit; a case of 10,000 incidents
// is assessed, and the heap it takes is logged.
func TestCaseSizeLimits(t *testing.T) {
	if testing.Short() {
		t.Skip("ingests and assesses a case of 10,000 incidents")
	}
	e := MustEnv(t, 0)

	t.Run("100,000 incidents and a grouping: 413 naming the limit", func(t *testing.T) {
		data, _ := bigCase(100_000)
		runtime.GC()
		stop := make(chan struct{})
		peak := peakHeap(stop)
		r := e.ingest(t, data, "")
		close(stop)
		er := MustError(t, r, http.StatusRequestEntityTooLarge, article5.EINVALID)
		if !strings.Contains(er.Error.Message, "100001 objects") && !strings.Contains(er.Error.Message, "100,001") {
			t.Errorf("the refusal does not count the objects: %q", er.Error.Message)
		}
		if !strings.Contains(er.Error.Message, "100000") && !strings.Contains(er.Error.Message, "100,000") {
			t.Errorf("the refusal does not name the limit: %q", er.Error.Message)
		}
		t.Logf("a %.1f MB bundle of 100,001 objects refused; peak heap %.0f MB (client and server in one process)", float64(len(data))/1e6, float64(peak())/1e6)
	})

	t.Run("a grouping of more incidents than a case may hold is refused naming the limit", func(t *testing.T) {
		prev := e.n.MaxCaseIncidents
		e.n.MaxCaseIncidents = 9
		defer func() { e.n.MaxCaseIncidents = prev }()
		data, g := bigCase(10)
		r := e.ingest(t, data, "")
		var res article5.IngestResult
		MustDecode(t, r, &res)
		if len(res.Rejected) != 1 || res.Rejected[0].ID != g || res.Rejected[0].Pointer != "/object_refs" ||
			!strings.Contains(res.Rejected[0].Reason, "at most 9 incidents") || !strings.Contains(res.Rejected[0].Reason, "names 10") {
			t.Fatalf("%+v", res.Rejected)
		}
	})

	t.Run("a case of 10,000 incidents is assessed", func(t *testing.T) {
		data, g := bigCase(10_000)
		res := ingestResult(t, e.ingest(t, data, ""))
		if len(res.Accepted) != 10_001 {
			t.Fatalf("%d accepted", len(res.Accepted))
		}
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		stop := make(chan struct{})
		peak := peakHeap(stop)
		start := time.Now()
		e.MustRunJobs(t)
		took := time.Since(start)
		close(stop)
		c, err := e.db.FindCaseByID(context.Background(), g)
		if err != nil || c.Incidents != 10_000 {
			t.Fatalf("case %+v, %v", c, err)
		}
		p := peak()
		t.Logf("10,000-incident case assessed in %v; peak heap %.0f MB (%.0f MB above the idle heap, %.1f KB per incident)",
			took.Round(time.Millisecond), float64(p)/1e6, float64(p-before.HeapAlloc)/1e6, float64(p-before.HeapAlloc)/1e4/1e3)
	})
}
