package taxii_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestMediaTypeNegotiation: the kind media-type-negotiation of
// ../shared/interop-cases.md. A client that admits TAXII 2.1 in any form
// the HTTP rules allow gets it, with Content-Type
// application/taxii+json;version=2.1; 406 with a TAXII error body only
// when nothing acceptable is admitted.
func TestMediaTypeNegotiation(t *testing.T) {
	e := mustEnv(t, "sqlite")
	for _, tc := range []struct {
		accept string
		ok     bool
	}{
		{"application/taxii+json", true},
		{"application/taxii+json;version=2.1", true},
		{"application/taxii+json; version=2.1", true},
		{"APPLICATION/TAXII+JSON;version=2.1", true},
		{"application/json, text/plain, */*", true},
		{"application/*", true},
		{"text/html, application/taxii+json;q=0.5", true},
		{"application/taxii+json;version=2.0, application/taxii+json;version=2.1", true},
		{"application/taxii+json;version=2.0", false},
		{"application/json", false},
		{"application/stix+json;version=2.1", false},
		{"text/html", false},
		{"application/taxii+json;q=0", false},
		{"*/*;q=0", false},
	} {
		t.Run(tc.accept, func(t *testing.T) {
			for _, path := range []string{"/taxii2/", root + "collections/", allCol + "objects/", allCol + "manifest/"} {
				r := e.do(t, req{path: path, auth: bearer(e.holder), accept: tc.accept})
				if tc.ok {
					mustTAXII(t, r, http.StatusOK, nil)
				} else {
					mustError(t, r, http.StatusNotAcceptable)
				}
			}
		})
	}
	// No Accept header at all admits anything.
	hr, _ := http.NewRequest("GET", e.srv.URL+root+"collections/", nil)
	hr.Header.Set("Authorization", bearer(e.holder))
	res, err := e.srv.Client().Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != taxiiJSON {
		t.Fatalf("no Accept: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
}

// TestPaginationTies: the kind pagination-ties of
// ../shared/interop-cases.md, on every store: far more objects than limit
// share one date_added; next never loses or repeats one, more is false on
// the last page, and added_after equal to that date added (exclusive)
// selects none. Also across an object added between two pages, and for
// the manifest and every version.
func TestPaginationTies(t *testing.T) {
	for _, kind := range storeKinds() {
		t.Run(kind, func(t *testing.T) {
			e := mustEnv(t, kind)
			at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
			var objs []string
			for i := range 120 {
				objs = append(objs, newIndicator(fmt.Sprint(i+1)))
			}
			e.mustIngestAt(t, at, objs...)
			var sizes []int
			seen := map[string]bool{}
			path := allCol + "objects/?limit=50"
			for page := 0; ; page++ {
				if page > 5 {
					t.Fatal("more than 5 pages")
				}
				r := e.get(t, e.holder, path)
				env := mustEnvelope(t, r)
				sizes = append(sizes, len(env.Objects))
				for _, id := range ids(t, env) {
					if seen[id] {
						t.Fatalf("%s repeated on page %d", id, page)
					}
					seen[id] = true
				}
				wantLast := "2024-01-01T00:00:00.000000Z"
				if page == 2 {
					wantLast = "2024-01-01T00:00:01.000000Z" // the object added between pages
				}
				if r.header.Get("X-TAXII-Date-Added-First") != "2024-01-01T00:00:00.000000Z" || r.header.Get("X-TAXII-Date-Added-Last") != wantLast {
					t.Fatalf("page %d headers %v", page, r.header)
				}
				if !env.More {
					if env.Next != "" {
						t.Fatal("next without more")
					}
					break
				}
				if page == 0 {
					// An object added between two pages comes after the rest.
					e.mustIngestAt(t, at.Add(time.Second), newIndicator("999"))
				}
				path = allCol + "objects/?limit=50&next=" + env.Next
			}
			if !slices.Equal(sizes, []int{50, 50, 21}) || len(seen) != 121 {
				t.Fatalf("pages %v, %d distinct", sizes, len(seen))
			}
			env := mustEnvelope(t, e.get(t, e.holder, allCol+"objects/?added_after=2024-01-01T00:00:00.000000Z"))
			if got := ids(t, env); !slices.Equal(got, []string{indicatorID("999")}) {
				t.Fatalf("added_after the tie: %v", got)
			}
			// The manifest and every version page the same way.
			for _, q := range []string{"manifest/?limit=7", "objects/?limit=7&match[version]=all", "manifest/?limit=7&match[version]=first"} {
				n := 0
				seen := map[string]bool{}
				path := allCol + q
				for i := 0; i < 100; i++ {
					var m manifest
					mustTAXII(t, e.get(t, e.holder, path), http.StatusOK, &m)
					if strings.HasPrefix(q, "objects") {
						var env envelope
						mustTAXII(t, e.get(t, e.holder, path), http.StatusOK, &env)
						for _, id := range ids(t, env) {
							seen[id] = true
						}
						n += len(env.Objects)
					} else {
						for _, o := range m.Objects {
							seen[o.ID] = true
						}
						n += len(m.Objects)
					}
					if !m.More {
						break
					}
					path = allCol + q + "&next=" + m.Next
				}
				if n != 121 || len(seen) != 121 {
					t.Fatalf("%s: %d listed, %d distinct", q, n, len(seen))
				}
			}
		})
	}
}

// TestNextIsBound: a next is honoured only for the caller, collection and
// endpoint it was issued for (a next from another collection, another
// caller or another list is 400, never a page of something else).
func TestNextIsBound(t *testing.T) {
	e := mustEnv(t, "sqlite")
	e.mustIngestAt(t, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), newIndicator("1"), newIndicator("2"), newIndicator("3"))
	env := mustEnvelope(t, e.get(t, e.holder, allCol+"objects/?limit=1"))
	if env.Next == "" {
		t.Fatal("no next")
	}
	for _, tc := range []struct{ name, token, path string }{
		{"another collection", e.holder, root + "collections/custody/objects/?next=" + env.Next},
		{"another caller", e.stranger, allCol + "objects/?next=" + env.Next},
		{"another endpoint", e.holder, allCol + "manifest/?next=" + env.Next},
		{"one object's list", e.holder, allCol + "objects/" + indicatorID("1") + "/?next=" + env.Next},
		{"tampered", e.holder, allCol + "objects/?next=" + env.Next[:len(env.Next)-2] + "AA"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mustError(t, e.get(t, tc.token, tc.path), http.StatusBadRequest)
		})
	}
	mustEnvelope(t, e.get(t, e.holder, allCol+"objects/?next="+env.Next))
}

// TestUnversionedObjects: the kind unversioned-objects of
// ../shared/interop-cases.md as TAXII shows it: a marking-definition's
// version is its created, an SCO's the date the node added it (TAXII 2.1
// §5.3.1), in the manifest and the versions endpoint alike.
func TestUnversionedObjects(t *testing.T) {
	e := mustEnv(t, "sqlite")
	at := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	e.mustIngestAt(t, at,
		`{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--0a0b0c0d-1111-4000-8000-000000000001","created":"2017-01-20T00:00:00.000Z","definition_type":"statement","definition":{"statement":"Copyright 2024 Example"}}`,
		`{"type":"domain-name","spec_version":"2.1","id":"domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7","value":"example.com"}`)
	var m manifest
	mustTAXII(t, e.get(t, e.holder, allCol+"manifest/"), http.StatusOK, &m)
	got := map[string]string{}
	for _, o := range m.Objects {
		got[o.ID] = o.Version
	}
	if got["marking-definition--0a0b0c0d-1111-4000-8000-000000000001"] != "2017-01-20T00:00:00.000Z" ||
		!strings.HasPrefix(got["domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7"], "2024-03-01T12:00:00") {
		t.Fatalf("versions: %v", got)
	}
	var vs versions
	mustTAXII(t, e.get(t, e.holder, allCol+"objects/domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7/versions/"), http.StatusOK, &vs)
	if len(vs.Versions) != 1 || vs.Versions[0] != got["domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7"] {
		t.Fatalf("SCO versions: %v", vs.Versions)
	}
}

// TestTimestampPrecision: a version with ten fractional digits is listed
// and matched with every digit kept (timestamp-precision, as TAXII shows
// it).
func TestTimestampPrecision(t *testing.T) {
	e := mustEnv(t, "sqlite")
	ind := `{"type":"indicator","spec_version":"2.1","id":"indicator--c00cf988-b628-47c0-9ecb-195d4414f076","created":"2023-11-12T14:16:48.1699798608Z","modified":"2023-11-12T14:16:48.1699798608Z","pattern":"[ipv4-addr:value = '198.51.100.7']","pattern_type":"stix","valid_from":"2023-11-12T14:16:48Z"}`
	e.mustIngestAt(t, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), ind)
	var vs versions
	mustTAXII(t, e.get(t, e.holder, allCol+"objects/indicator--c00cf988-b628-47c0-9ecb-195d4414f076/versions/"), http.StatusOK, &vs)
	if !slices.Equal(vs.Versions, []string{"2023-11-12T14:16:48.1699798608Z"}) {
		t.Fatalf("versions %v", vs.Versions)
	}
	env := mustEnvelope(t, e.get(t, e.holder, allCol+"objects/?match[version]=2023-11-12T14:16:48.1699798608Z"))
	if len(env.Objects) != 1 || !strings.Contains(string(env.Objects[0]), "48.1699798608Z") {
		t.Fatalf("match[version]: %s", env.Objects)
	}
}
