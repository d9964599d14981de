package taxii_test

import (
	"strconv"
	"testing"
	"time"

	"article5/taxii"
)

// BenchmarkSyncWitness: what witnessing adds to a sync. "unwitnessed" and
// "witnessed" sync a partner with nothing new (one request, two with the
// head); "witnessed-growing" adds one object on JP before each sync, so
// each witnessing checks a consistency proof. SQLite on both nodes, on
// loopback.
//
//	go test -run '^$' -bench BenchmarkSyncWitness ./taxii/
func BenchmarkSyncWitness(b *testing.B) {
	for _, name := range []string{"unwitnessed", "witnessed", "witnessed-growing"} {
		b.Run(name, func(b *testing.B) {
			jp, us, _, _ := witnessPair(b, "sqlite")
			if name == "unwitnessed" {
				us.n.Roots = nil
			}
			t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
			jp.post(b, jp.analyst, t0, fedIndicator("1", "2024-01-01T00:00:00.000Z", jpOrg, tlpGreen, ""))
			us.clock.Set(time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC))
			mustSync(b, us, taxii.SyncOptions{})
			n := 2
			for b.Loop() {
				if name == "witnessed-growing" {
					b.StopTimer()
					jp.post(b, jp.analyst, t0.Add(time.Duration(n)*time.Millisecond), fedIndicator(strconv.Itoa(n), "2024-01-01T00:00:00.000Z", jpOrg, tlpGreen, ""))
					n++
					b.StartTimer()
				}
				rep := mustSync(b, us, taxii.SyncOptions{})
				if rep.Failed() || (name != "unwitnessed" && (rep.Witness.Error != "" || rep.Witness.Inconsistent)) {
					b.Fatalf("sync: %+v %+v", rep.Collections[0], rep.Witness)
				}
			}
		})
	}
}
