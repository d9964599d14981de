package assess_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"article5"
	"article5/assess"

	"github.com/google/uuid"
)

// LargeCase returns a STIX bundle of one case: n minimal but valid
// incidents (Incident Core Extension and article5's extension, no
// relationships) and one grouping that references them all, about 480
// bytes per incident. The facts vary with the index (operation type,
// activity, criticality, casualties, first seen) so that the doctrines see
// a few thousand distinct fact sets, as a real case of that size would;
// the output is a pure function of n.
func LargeCase(n int) []byte {
	ops := []string{"probing", "espionage", "influence", "disruption", "destruction"}
	acts := []string{"imminent", "ongoing", "ended"}
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var b bytes.Buffer
	b.Grow(n*512 + 1024)
	ids := make([]string, n)
	// UUIDv4 from a seeded generator: valid STIX ids, the same every run.
	rnd := rand.NewChaCha8([32]byte{'a', 'r', 't', 'i', 'c', 'l', 'e', '5'})
	v4 := func() string { return uuid.Must(uuid.NewRandomFromReader(rnd)).String() }
	b.WriteString(`{"type":"bundle","id":"bundle--` + v4() + `","objects":[`)
	for i := 0; i < n; i++ {
		ids[i] = "incident--" + v4()
		b.WriteString("\n")
		fmt.Fprintf(&b, `{"type":"incident","spec_version":"2.1","id":%q,"created":"2026-11-20T09:00:00.000Z","modified":"2026-11-20T09:00:00.000Z","name":"synthetic incident %d",`, ids[i], i)
		fmt.Fprintf(&b, `"extensions":{%q:{"extension_type":"property-extension","determination":"successful-attempt","investigation_status":"closed","criticality":%d},`, article5.IncidentCoreID, (i*7)%101)
		fmt.Fprintf(&b, `%q:{"extension_type":"property-extension","domain":"cyber","affected_parties":["JP"],"activity":%q,"operation_type":%q,"first_seen":%q`,
			article5.ExtensionID, acts[i%len(acts)], ops[(i/3)%len(ops)], start.Add(time.Duration(i%997)*time.Hour).Format("2006-01-02T15:04:05Z"))
		if i%4 == 0 {
			fmt.Fprintf(&b, `,"casualties":[{"outcome":"injury","count":%d,"causation":"direct","status":"confirmed"}]`, i%13)
		}
		b.WriteString("}}},")
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, `{"type":"grouping","spec_version":"2.1","id":"grouping--6d1c6a0e-1a7c-4d7e-9c2a-5b1f0e3d2c11","created":"2026-11-20T09:00:00.000Z","modified":"2026-11-20T09:00:00.000Z","name":"large synthetic case of %d incidents","context":"suspicious-activity","object_refs":[`, n)
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Quote(id))
	}
	b.WriteString("]}\n]}\n")
	return b.Bytes()
}

var (
	largeN   = flag.Int("large.n", 0, "with -run TestWriteLargeCase: the number of incidents")
	largeOut = flag.String("large.out", "", "with -run TestWriteLargeCase: the file to write")
)

// TestWriteLargeCase writes LargeCase(-large.n) to -large.out, for
// measuring the CLI (see docs/benchmarks-assess.md); skipped without them:
//
//	go test ./assess -run TestWriteLargeCase -large.n 100000 -large.out /tmp/big.json
func TestWriteLargeCase(t *testing.T) {
	if *largeN <= 0 || *largeOut == "" {
		t.Skip("set -large.n and -large.out to write a large case")
	}
	if err := os.WriteFile(*largeOut, LargeCase(*largeN), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestLargeCaseIsValid keeps the generator honest: the case validates,
// every incident is assessed, and the facts are not all alike.
func TestLargeCaseIsValid(t *testing.T) {
	rep := MustAssess(t, 0, MustParse(t, LargeCase(200)))
	if len(rep.Incidents) != 200 {
		t.Fatalf("%d incidents assessed, want 200", len(rep.Incidents))
	}
	if len(rep.Warnings) > 0 {
		t.Errorf("warnings: %v", rep.Warnings)
	}
	tiers := map[article5.Tier]bool{}
	for _, inc := range rep.Incidents {
		tiers[inc.Assessments["jp"].Tier] = true
	}
	if len(tiers) < 2 {
		t.Errorf("facts too uniform: tiers %v", tiers)
	}
}

// TestAssessAllocationGrowsLinearly guards against work that grows faster
// than the case (per-incident copies of the evidence, pairs of incidents,
// the hash input held whole…): the bytes allocated per incident by
// NewEvidence and AssessEvidence on a case ten times larger are no more
// than on the smaller one, give or take a quarter. Allocation, not time:
// it does not depend on the machine.
func TestAssessAllocationGrowsLinearly(t *testing.T) {
	if testing.Short() {
		t.Skip("assesses 4,400 incidents")
	}
	perIncident := func(n int) float64 {
		bundle := MustParse(t, LargeCase(n))
		opts := assess.Options{Doctrines: MustDoctrines(t), Workers: 1}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		ev, err := assess.NewEvidence(bundle)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := assess.AssessEvidence(context.Background(), opts, ev); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		return float64(after.TotalAlloc-before.TotalAlloc) / float64(n)
	}
	small, large := perIncident(400), perIncident(4000)
	t.Logf("allocated per incident: %.0f B at 400 incidents, %.0f B at 4,000", small, large)
	if large > 1.25*small {
		t.Errorf("allocation per incident grows with the case: %.0f B at 400 incidents, %.0f B at 4,000", small, large)
	}
}
