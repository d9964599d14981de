package web_test

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/google/uuid"
)

// copies returns n copies of an example bundle, each with fresh ids (every
// UUID replaced consistently within a copy; the TLP markings and
// article5's extension keep theirs).
func copies(tb testing.TB, name string, n int) [][]byte {
	tb.Helper()
	src := MustExample(tb, name)
	re := regexp.MustCompile(`(grouping|incident|location|relationship|impact|identity|threat-actor|infrastructure|bundle|attack-pattern|malware|intrusion-set|campaign|indicator|observed-data|note|report|sighting|tool|vulnerability)--[0-9a-f-]{36}`)
	out := make([][]byte, n)
	for i := range out {
		m := map[string]string{}
		out[i] = re.ReplaceAllFunc(src, func(id []byte) []byte {
			s := string(id)
			if v, ok := m[s]; ok {
				return []byte(v)
			}
			typ := s[:len(s)-38]
			v := typ + "--" + uuid.NewString()
			m[s] = v
			return []byte(v)
		})
	}
	return out
}

// BenchmarkDashboard measures the dashboard's server time (through the
// API's handler chain on loopback) with 10 and with 100 visible cases;
// compare the two: the page reads at most 1,000 cases, 100 assessments and
// 50 consultations, so its time grows with the cases up to those bounds.
//
//	go test ./web -run '^$' -bench Dashboard -benchtime 20x
func BenchmarkDashboard(b *testing.B) {
	for _, n := range []int{10, 100} {
		b.Run(fmt.Sprintf("cases=%d", n), func(b *testing.B) {
			e := MustEnv(b)
			for _, bundle := range copies(b, "winter-grid-deaths", n) {
				e.MustIngest(b, "jp-analyst", bundle)
			}
			c := e.client(b, "ja")
			c.MustLogin(b, "jp-analyst")
			b.ResetTimer()
			for b.Loop() {
				if r := c.get(b, "/"); r.status != 200 {
					b.Fatalf("dashboard: %d", r.status)
				}
			}
		})
	}
}

// BenchmarkCasePage measures the case page's server time with 1 and with
// 100 cases in the store: the page reads one case, so the two should be
// close.
//
//	go test ./web -run '^$' -bench CasePage -benchtime 20x
func BenchmarkCasePage(b *testing.B) {
	for _, n := range []int{1, 100} {
		b.Run(fmt.Sprintf("cases=%d", n), func(b *testing.B) {
			e := MustEnv(b)
			bundles := copies(b, "hospital-series", n)
			for _, bundle := range bundles {
				e.MustIngest(b, "jp-analyst", bundle)
			}
			id := regexp.MustCompile(`grouping--[0-9a-f-]{36}`).Find(bundles[0])
			c := e.client(b, "ja")
			c.MustLogin(b, "jp-analyst")
			b.ResetTimer()
			for b.Loop() {
				if r := c.get(b, "/cases/"+string(id)); r.status != 200 {
					b.Fatalf("case page: %d", r.status)
				}
			}
		})
	}
}
