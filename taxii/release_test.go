package taxii_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"
)

// sameAsMissing fails unless a (about an object the caller may not read)
// and b (about one the node never held) are the same response: status,
// media type, TAXII headers and body (but error_id, a random id per
// error).
func sameAsMissing(tb testing.TB, a, b response) {
	tb.Helper()
	if a.status != b.status {
		tb.Fatalf("status %d for the withheld object, %d for a missing one", a.status, b.status)
	}
	for _, h := range []string{"Content-Type", "X-TAXII-Date-Added-First", "X-TAXII-Date-Added-Last", "Allow", "Retry-After"} {
		if a.header.Get(h) != b.header.Get(h) {
			tb.Fatalf("%s %q for the withheld object, %q for a missing one", h, a.header.Get(h), b.header.Get(h))
		}
	}
	if strip(tb, a.body) != strip(tb, b.body) {
		tb.Fatalf("bodies differ:\nwithheld %s\nmissing  %s", a.body, b.body)
	}
}

func strip(tb testing.TB, body []byte) string {
	tb.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		tb.Fatalf("not JSON: %s", body)
	}
	delete(m, "error_id")
	out, _ := json.Marshal(m)
	return string(out)
}

func marked(n, modified, marking string) string {
	return newIndicatorV(n, modified, `,"object_marking_refs":["`+marking+`"]`)
}

// TestWithheldIsMissing is the attacker's view: a principal who may not
// read an object gets, in every endpoint, exactly what it gets for an id
// the node never held — objects, object by id, versions, manifest, pages,
// more, next and the date headers — on every store. Withheld are: objects
// its TLP level does not reach, interleaved with ones it does; an object
// whose latest version was raised to RED (its earlier CLEAR version goes
// with it); and the RED first version of an object later released CLEAR
// (its first version for the caller is the CLEAR one).
func TestWithheldIsMissing(t *testing.T) {
	for _, kind := range storeKinds() {
		t.Run(kind, func(t *testing.T) {
			e := mustEnv(t, kind)
			at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
			var visible []string
			for i := 1; i <= 5; i++ {
				e.mustIngestAt(t, at.Add(time.Duration(i)*time.Minute), marked(fmt.Sprint(i), "2024-01-01T00:00:00.000Z", tlpClear))
				visible = append(visible, indicatorID(fmt.Sprint(i)))
				// Unmarked objects are AMBER on this node: withheld from the stranger.
				e.mustIngestAt(t, at.Add(time.Duration(i)*time.Minute+time.Second), newIndicator(fmt.Sprint(100+i)))
			}
			raised, lowered := "200", "300"
			// The lowered object is the holder's own (created_by_ref), or the
			// holder could not read its RED version and a new version would
			// be quarantined.
			own := `,"created_by_ref":"` + holderOrg + `","object_marking_refs":["%s"]`
			e.mustIngestAt(t, at.Add(time.Hour), marked(raised, "2024-01-01T00:00:00.000Z", tlpClear),
				newIndicatorV(lowered, "2024-01-01T00:00:00.000Z", fmt.Sprintf(own, tlpRed)))
			e.mustIngestAt(t, at.Add(2*time.Hour), marked(raised, "2024-02-01T00:00:00.000Z", tlpRed),
				newIndicatorV(lowered, "2024-02-01T00:00:00.000Z", fmt.Sprintf(own, tlpClear)))
			visible = append(visible, indicatorID(lowered))
			// A withheld object added last: the date headers must not show it.
			e.mustIngestAt(t, at.Add(3*time.Hour), newIndicator("400"))

			never := "indicator--0a0b0c0d-0000-4000-8000-00000000dead"
			for _, hidden := range []string{indicatorID("101"), indicatorID(raised), indicatorID("400")} {
				for _, q := range []string{
					"objects/%s/", "objects/%s/?match[version]=all", "objects/%s/?match[version]=first", "objects/%s/versions/",
					"objects/?match[id]=%s", "objects/?match[id]=%s&match[version]=all", "objects/?match[id]=%s&match[version]=first",
					"manifest/?match[id]=%s", "manifest/?match[id]=%s&match[version]=all",
					"objects/%s/?match[version]=2024-01-01T00:00:00.000Z",
				} {
					t.Run(fmt.Sprintf(q, hidden[len(hidden)-3:]), func(t *testing.T) {
						a := e.get(t, e.stranger, allCol+fmt.Sprintf(q, hidden))
						b := e.get(t, e.stranger, allCol+fmt.Sprintf(q, never))
						sameAsMissing(t, a, b)
					})
				}
				mustError(t, e.do(t, req{method: "DELETE", path: allCol + "objects/" + hidden + "/", auth: bearer(e.stranger)}), http.StatusForbidden)
			}
			// The holder sees them all: the test would fail if nothing were withheld.
			mustEnvelope(t, e.get(t, e.holder, allCol+"objects/"+indicatorID("101")+"/"))

			// Pages of one: one page per visible object, never an empty
			// page, more false exactly on the last.
			var got []string
			path := allCol + "objects/?limit=1"
			var last response
			for i := 0; i < 20; i++ {
				r := e.get(t, e.stranger, path)
				env := mustEnvelope(t, r)
				if len(env.Objects) != 1 {
					t.Fatalf("page %d has %d objects", i, len(env.Objects))
				}
				got = append(got, ids(t, env)...)
				last = r
				if !env.More {
					break
				}
				path = allCol + "objects/?limit=1&next=" + env.Next
			}
			if !slices.Equal(got, visible) {
				t.Fatalf("the stranger's pages: %v, want %v", got, visible)
			}
			if l := last.header.Get("X-TAXII-Date-Added-Last"); l != "2024-01-01T02:00:00.000000Z" {
				t.Fatalf("X-TAXII-Date-Added-Last %q: from a withheld object?", l)
			}
			// The same through the manifest and every version.
			var m manifest
			mustTAXII(t, e.get(t, e.stranger, allCol+"manifest/?match[version]=all"), http.StatusOK, &m)
			var mids []string
			for _, o := range m.Objects {
				mids = append(mids, o.ID+"@"+o.Version)
			}
			var want []string
			for _, id := range visible[:5] {
				want = append(want, id+"@2024-01-01T00:00:00.000Z")
			}
			want = append(want, indicatorID(lowered)+"@2024-02-01T00:00:00.000Z")
			if !slices.Equal(mids, want) {
				t.Fatalf("the stranger's manifest: %v, want %v", mids, want)
			}
			// The first version the stranger may read of the lowered object
			// is its CLEAR one.
			var vs versions
			mustTAXII(t, e.get(t, e.stranger, allCol+"objects/"+indicatorID(lowered)+"/versions/"), http.StatusOK, &vs)
			if !slices.Equal(vs.Versions, []string{"2024-02-01T00:00:00.000Z"}) {
				t.Fatalf("versions of the lowered object: %v", vs.Versions)
			}
			env := mustEnvelope(t, e.get(t, e.stranger, allCol+"objects/"+indicatorID(lowered)+"/?match[version]=first"))
			if len(env.Objects) != 1 {
				t.Fatalf("first version of the lowered object: %s", env.Objects)
			}
			// Writing to a withheld id tells what writing to a new one tells.
			sa := mustStatus(t, e.post(t, e.stranger, allCol+"objects/", marked("101", "2025-01-01T00:00:00.000Z", tlpClear)), http.StatusAccepted)
			sb := mustStatus(t, e.post(t, e.stranger, allCol+"objects/", marked("dead", "2025-01-01T00:00:00.000Z", tlpClear)), http.StatusAccepted)
			if sa.SuccessCount != 1 || sb.SuccessCount != 1 || sa.Successes[0].Message != sb.Successes[0].Message {
				t.Fatalf("writes: %+v / %+v", sa, sb)
			}
		})
	}
}
