package taxii_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"article5/api"
	"article5/taxii"
)

// The objects of medallion's seed data (default_data.json, "High Value
// Indicator Collection"), by id.
const (
	relID       = "relationship--2f9a9aa9-108a-4333-83e2-4fb25add0463"
	poisonInd   = "indicator--cd981c25-8042-4166-8945-51178443bdac"
	siteInd     = "indicator--6770298f-0fd8-471a-ab8c-1c658a46574e"
	greenMark   = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"
	poisonIvy   = "malware--c0931cc6-c75e-47e5-9036-78fabc95d4ec"
	seedDataRel = "../../shared/data/taxii/default_data.json"
	// legacyOrg is STIX 2.0 (no spec_version: ../shared/interop-cases.md,
	// spec-version-default), added after the seed.
	legacyID  = "identity--08ca821f-e8b5-44f8-a093-65bbd15711c7"
	legacyOrg = `{"type":"identity","id":"` + legacyID + `","created":"2017-01-01T00:00:00.000Z","modified":"2017-01-01T00:00:00.000Z","name":"Legacy Org","identity_class":"organization"}`
)

// seedWithLegacy is seedMedallion and legacyOrg added at 2018-06-01.
func seedWithLegacy(tb testing.TB, e *env) {
	tb.Helper()
	seedMedallion(tb, e)
	e.mustIngestAt(tb, time.Date(2018, 6, 1, 0, 0, 0, 0, time.UTC), legacyOrg)
}

// seedMedallion stores the objects of medallion's seed collection
// through POST, each version at the date_added its manifest gives, in
// that order (versions sharing a date added in one envelope). It returns
// the number of versions stored.
func seedMedallion(tb testing.TB, e *env) int {
	tb.Helper()
	data, err := os.ReadFile(seedDataRel)
	if err != nil {
		tb.Fatalf("the TAXII seed data (../shared/data/taxii/default_data.json): %v", err)
	}
	var d struct {
		Trustgroup struct {
			Collections []struct {
				Objects  []json.RawMessage `json:"objects"`
				Manifest []struct {
					ID        string `json:"id"`
					DateAdded string `json:"date_added"`
					Version   string `json:"version"`
				} `json:"manifest"`
			} `json:"collections"`
		} `json:"trustgroup1"`
	}
	if err := json.Unmarshal(data, &d); err != nil {
		tb.Fatal(err)
	}
	n := 0
	for _, c := range d.Trustgroup.Collections {
		if len(c.Objects) == 0 {
			continue
		}
		byKey := map[string]string{}
		for _, raw := range c.Objects {
			var o struct{ ID, Modified, Created string }
			if err := json.Unmarshal(raw, &o); err != nil {
				tb.Fatal(err)
			}
			v := o.Modified
			if v == "" {
				v = o.Created
			}
			byKey[o.ID+" "+v] = string(raw)
		}
		m := c.Manifest
		slices.SortStableFunc(m, func(a, b struct {
			ID        string `json:"id"`
			DateAdded string `json:"date_added"`
			Version   string `json:"version"`
		}) int {
			return strings.Compare(a.DateAdded, b.DateAdded)
		})
		for i := 0; i < len(m); {
			j := i
			var objs []string
			for ; j < len(m) && m[j].DateAdded == m[i].DateAdded; j++ {
				raw, ok := byKey[m[j].ID+" "+m[j].Version]
				if !ok {
					tb.Fatalf("seed: no object %s %s", m[j].ID, m[j].Version)
				}
				objs = append(objs, raw)
			}
			t, err := time.Parse(time.RFC3339Nano, m[i].DateAdded)
			if err != nil {
				tb.Fatal(err)
			}
			e.clock.Set(t)
			st := mustStatus(tb, e.post(tb, e.holder, allCol+"objects/", objs...), http.StatusAccepted)
			for _, f := range st.Failures {
				// The malware version without spec_version is STIX 2.0
				// (STIX 2.1 §3.2), where malware requires labels: the
				// node refuses it, naming the property.
				if f.ID != poisonIvy || f.Version != "2018-02-23T18:30:00.000Z" || !strings.Contains(f.Message, "/labels") {
					tb.Fatalf("seed refused %+v", f)
				}
			}
			n += st.SuccessCount
			i = j
		}
	}
	return n
}

func TestDiscoveryAndAPIRoot(t *testing.T) {
	e := mustEnv(t, "sqlite")
	var d struct {
		Title    string   `json:"title"`
		Default  string   `json:"default"`
		APIRoots []string `json:"api_roots"`
	}
	mustTAXII(t, e.get(t, e.holder, "/taxii2/"), http.StatusOK, &d)
	if d.Title == "" || d.Default != e.srv.URL+root || !slices.Equal(d.APIRoots, []string{e.srv.URL + root}) {
		t.Fatalf("discovery: %+v", d)
	}
	var ar struct {
		Versions         []string `json:"versions"`
		MaxContentLength int64    `json:"max_content_length"`
	}
	mustTAXII(t, e.get(t, e.holder, root), http.StatusOK, &ar)
	if !slices.Equal(ar.Versions, []string{taxiiJSON}) || ar.MaxContentLength <= 0 {
		t.Fatalf("api root: %+v", ar)
	}
	// HEAD answers as GET, without the body.
	if r := e.do(t, req{method: "HEAD", path: allCol + "objects/", auth: bearer(e.holder)}); r.status != http.StatusOK ||
		r.header.Get("Content-Type") != taxiiJSON || len(r.body) != 0 {
		t.Fatalf("HEAD: %d %v %q", r.status, r.header, r.body)
	}
	mustError(t, e.do(t, req{method: "POST", path: "/taxii2/", auth: bearer(e.holder)}), http.StatusMethodNotAllowed)
	mustError(t, e.get(t, e.holder, "/taxii2/api1/"), http.StatusNotFound)
	mustError(t, e.get(t, e.holder, "/taxii2/api1/collections/"), http.StatusNotFound)
	mustError(t, e.get(t, e.holder, "/taxii2/nowhere/at/all"), http.StatusNotFound)
}

func TestAuthentication(t *testing.T) {
	e := mustEnv(t, "sqlite")
	basic := func(name, pw string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(name+":"+pw))
	}
	for _, tc := range []struct {
		name, auth string
		want       int
	}{
		{"no credentials", "", http.StatusUnauthorized},
		{"an unknown token", "Bearer nope", http.StatusUnauthorized},
		{"a wrong password", basic("alice", "wrong"), http.StatusUnauthorized},
		{"an unknown user", basic("mallory", password), http.StatusUnauthorized},
		{"not base64", "Basic !!!", http.StatusUnauthorized},
		{"a token", bearer(e.holder), http.StatusOK},
		{"a user's name and password", basic("alice", password), http.StatusOK},
		{"again, remembered", basic("alice", password), http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(t, req{path: root + "collections/", auth: tc.auth})
			if tc.want != http.StatusOK {
				mustError(t, r, tc.want)
				ch := strings.Join(r.header.Values("WWW-Authenticate"), ", ")
				if !strings.Contains(ch, "Basic") || !strings.Contains(ch, "Bearer") {
					t.Fatalf("WWW-Authenticate %q: want both challenges", ch)
				}
				return
			}
			mustTAXII(t, r, http.StatusOK, nil)
		})
	}
}

// TestBasicIsThrottled: failed Basic logins are throttled like the login
// endpoint's (429 with Retry-After), so a password is not guessed through
// TAXII.
func TestBasicIsThrottled(t *testing.T) {
	e := mustEnv(t, "sqlite")
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte("alice:guess"))
	for i := 0; i < 50; i++ {
		r := e.do(t, req{path: root, auth: auth})
		if r.status == http.StatusTooManyRequests {
			mustError(t, r, http.StatusTooManyRequests)
			if r.header.Get("Retry-After") == "" {
				t.Fatal("429 without Retry-After")
			}
			return
		}
		mustError(t, r, http.StatusUnauthorized)
	}
	t.Fatal("50 wrong passwords were never throttled")
}

func TestCollections(t *testing.T) {
	e := mustEnv(t, "sqlite")
	olga := "Basic " + base64.StdEncoding.EncodeToString([]byte("olga:"+password))
	type col struct {
		ID       string `json:"id"`
		Title    string `json:"title"`
		CanRead  bool   `json:"can_read"`
		CanWrite bool   `json:"can_write"`
		Media    []string
	}
	var cs struct {
		Collections []col `json:"collections"`
	}
	mustTAXII(t, e.get(t, e.holder, root+"collections/"), http.StatusOK, &cs)
	if len(cs.Collections) != 3 || cs.Collections[0].ID != taxii.AllCollectionID || cs.Collections[1].ID != taxii.CustodyCollectionID(holderOrg) ||
		!cs.Collections[0].CanRead || !cs.Collections[0].CanWrite || cs.Collections[2].ID != taxii.QuarantineCollectionID(holderOrg) ||
		!cs.Collections[2].CanRead || cs.Collections[2].CanWrite {
		t.Fatalf("holder's collections: %+v", cs)
	}
	mustTAXII(t, e.do(t, req{path: root + "collections/", auth: olga}), http.StatusOK, &cs)
	if len(cs.Collections) != 3 || !cs.Collections[0].CanRead || cs.Collections[0].CanWrite {
		t.Fatalf("an observer may read, not write: %+v", cs)
	}
	var one col
	mustTAXII(t, e.get(t, e.holder, allCol), http.StatusOK, &one)
	if one.ID != taxii.AllCollectionID {
		t.Fatalf("collection: %+v", one)
	}
	mustError(t, e.get(t, e.holder, root+"collections/472c94ae-3113-4e3e-a4dd-a9f4ac7471d4/"), http.StatusNotFound)
	// Another organisation's custody collection is as unknown as a random id.
	mustError(t, e.get(t, e.stranger, root+"collections/"+taxii.CustodyCollectionID(holderOrg)+"/"), http.StatusNotFound)
	mustError(t, e.get(t, e.stranger, root+"collections/"+taxii.CustodyCollectionID(holderOrg)+"/objects/"), http.StatusNotFound)
	// Another organisation's quarantine too; one's own is read-only.
	mustError(t, e.get(t, e.stranger, root+"collections/"+taxii.QuarantineCollectionID(holderOrg)+"/objects/"), http.StatusNotFound)
	mustError(t, e.do(t, req{method: "POST", path: root + "collections/quarantine/objects/", auth: bearer(e.holder), ctype: taxiiJSON,
		body: []byte(`{"objects":[` + newIndicator("1") + `]}`)}), http.StatusForbidden)
	// An observer may not write.
	r := e.do(t, req{method: "POST", path: allCol + "objects/", auth: olga, ctype: taxiiJSON, body: []byte(`{"objects":[` + newIndicator("1") + `]}`)})
	mustError(t, r, http.StatusForbidden)
}

func TestGetObjects(t *testing.T) {
	e := mustEnv(t, "sqlite")
	if n := seedMedallion(t, e); n != 7 {
		t.Fatalf("seeded %d versions, want 7", n)
	}
	r := e.get(t, e.holder, allCol+"objects/")
	env := mustEnvelope(t, r)
	// The latest version of each of the five ids, in the order added.
	want := []string{relID, poisonInd, greenMark, poisonIvy, siteInd}
	if got := ids(t, env); !slices.Equal(got, want) || env.More || env.Next != "" {
		t.Fatalf("objects: %v more %v, want %v", got, env.More, want)
	}
	if f, l := r.header.Get("X-TAXII-Date-Added-First"), r.header.Get("X-TAXII-Date-Added-Last"); f != "2014-05-08T09:00:00.000000Z" || l != "2017-12-31T13:49:53.935000Z" {
		t.Fatalf("date headers %q %q", f, l)
	}
	var latest struct{ Modified string }
	_ = json.Unmarshal(env.Objects[4], &latest)
	if latest.Modified != "2017-01-27T13:49:53.935Z" {
		t.Fatalf("the indicator's version listed is %s, want the latest", latest.Modified)
	}
	mustError(t, e.get(t, e.holder, root+"collections/91a7b528-80eb-42ed-a74d-c6fbd5a26116/objects/"), http.StatusNotFound)
}

func TestFilters(t *testing.T) {
	for _, kind := range storeKinds() {
		t.Run(kind, func(t *testing.T) { testFilters(t, kind) })
	}
}

func testFilters(t *testing.T, kind string) {
	e := mustEnv(t, kind)
	seedWithLegacy(t, e)
	objs := allCol + "objects/"
	for _, tc := range []struct {
		name, query string
		want        []string // id@modified
	}{
		{"match[type]", "?match[type]=indicator", []string{poisonInd + "@2014-05-08T09:00:00.000Z", siteInd + "@2017-01-27T13:49:53.935Z"}},
		{"match[type] list", "?match[type]=relationship,malware", []string{relID + "@2014-05-08T09:00:00.000Z", poisonIvy + "@2017-01-27T13:49:53.997Z"}},
		{"match[id]", "?match[id]=" + siteInd, []string{siteInd + "@2017-01-27T13:49:53.935Z"}},
		{"match[id] repeated", "?match[id]=" + siteInd + "&match[id]=" + relID, []string{relID + "@2014-05-08T09:00:00.000Z", siteInd + "@2017-01-27T13:49:53.935Z"}},
		{"match[version]=first", "?match[id]=" + siteInd + "&match[version]=first", []string{siteInd + "@2016-11-03T12:30:59.000Z"}},
		{"match[version]=last", "?match[id]=" + siteInd + "&match[version]=last", []string{siteInd + "@2017-01-27T13:49:53.935Z"}},
		{"match[version]=all", "?match[id]=" + siteInd + "&match[version]=all",
			[]string{siteInd + "@2016-11-03T12:30:59.000Z", siteInd + "@2016-12-25T12:30:59.444Z", siteInd + "@2017-01-27T13:49:53.935Z"}},
		{"match[version]=first,last", "?match[id]=" + siteInd + "&match[version]=first,last",
			[]string{siteInd + "@2016-11-03T12:30:59.000Z", siteInd + "@2017-01-27T13:49:53.935Z"}},
		{"match[version]=a timestamp", "?match[id]=" + siteInd + "&match[version]=2016-12-25T12:30:59.444Z", []string{siteInd + "@2016-12-25T12:30:59.444Z"}},
		{"match[version]=a timestamp, other digits", "?match[id]=" + siteInd + "&match[version]=2016-12-25T12:30:59.444000Z", []string{siteInd + "@2016-12-25T12:30:59.444Z"}},
		{"match[version]=a timestamp no version has", "?match[version]=2000-01-01T00:00:00Z", nil},
		{"match[spec_version]=2.0", "?match[spec_version]=2.0", []string{legacyID + "@2017-01-01T00:00:00.000Z"}},
		{"match[spec_version]=2.1 leaves 2.0 out", "?match[spec_version]=2.1&match[type]=identity", nil},
		{"match[spec_version]=2.0,2.1", "?match[spec_version]=2.0,2.1&match[type]=identity", []string{legacyID + "@2017-01-01T00:00:00.000Z"}},
		{"added_after", "?added_after=2016-12-27T13:49:59.000000Z",
			[]string{greenMark + "@", poisonIvy + "@2017-01-27T13:49:53.997Z", siteInd + "@2017-01-27T13:49:53.935Z", legacyID + "@2017-01-01T00:00:00.000Z"}},
		{"added_after is exclusive", "?added_after=2018-06-01T00:00:00Z", nil},
		{"added_after, every version", "?added_after=2017-01-01T00:00:00Z&match[version]=all&match[type]=malware,indicator",
			[]string{poisonIvy + "@2017-01-27T13:49:53.997Z", siteInd + "@2017-01-27T13:49:53.935Z"}},
		{"filters combine", "?match[type]=indicator&match[version]=all&added_after=2016-11-03T12:30:59.001Z",
			[]string{siteInd + "@2016-12-25T12:30:59.444Z", siteInd + "@2017-01-27T13:49:53.935Z"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := mustEnvelope(t, e.get(t, e.holder, objs+tc.query))
			var got []string
			for _, raw := range env.Objects {
				var o struct{ ID, Modified string }
				_ = json.Unmarshal(raw, &o)
				got = append(got, o.ID+"@"+o.Modified)
			}
			if !slices.Equal(sorted(got), sorted(tc.want)) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
	for _, bad := range []string{"?limit=0", "?limit=-1", "?limit=x", "?added_after=yesterday", "?added_after=2016-01-01T00:00:00+00:00",
		"?match[version]=newest", "?next=garbage"} {
		t.Run("bad "+bad, func(t *testing.T) {
			te := mustError(t, e.get(t, e.holder, objs+bad), http.StatusBadRequest)
			if te.Description == "" {
				t.Fatal("no description")
			}
		})
	}
}

func TestObjectByIDVersionsManifest(t *testing.T) {
	e := mustEnv(t, "sqlite")
	seedWithLegacy(t, e)
	env := mustEnvelope(t, e.get(t, e.holder, allCol+"objects/"+siteInd+"/"))
	if len(env.Objects) != 1 || !strings.Contains(string(env.Objects[0]), "2017-01-27T13:49:53.935Z") {
		t.Fatalf("object by id: %s", env.Objects)
	}
	env = mustEnvelope(t, e.get(t, e.holder, allCol+"objects/"+siteInd+"/?match[version]=all"))
	if len(env.Objects) != 3 {
		t.Fatalf("object by id, every version: %d", len(env.Objects))
	}
	// Filters that select nothing of a held object: an empty envelope.
	env = mustEnvelope(t, e.get(t, e.holder, allCol+"objects/"+siteInd+"/?match[version]=2000-01-01T00:00:00Z"))
	if len(env.Objects) != 0 || env.More {
		t.Fatalf("filtered out: %+v", env)
	}
	mustError(t, e.get(t, e.holder, allCol+"objects/indicator--00000000-0000-4000-8000-000000000000/"), http.StatusNotFound)

	var vs versions
	r := e.get(t, e.holder, allCol+"objects/"+siteInd+"/versions/")
	mustTAXII(t, r, http.StatusOK, &vs)
	if !slices.Equal(vs.Versions, []string{"2016-11-03T12:30:59.000Z", "2016-12-25T12:30:59.444Z", "2017-01-27T13:49:53.935Z"}) || vs.More {
		t.Fatalf("versions: %+v", vs)
	}
	if r.header.Get("X-TAXII-Date-Added-First") != "2016-11-03T12:30:59.001000Z" || r.header.Get("X-TAXII-Date-Added-Last") != "2017-12-31T13:49:53.935000Z" {
		t.Fatalf("versions headers: %v", r.header)
	}
	mustTAXII(t, e.get(t, e.holder, allCol+"objects/"+siteInd+"/versions/?limit=2"), http.StatusOK, &vs)
	if len(vs.Versions) != 2 || !vs.More || vs.Next == "" {
		t.Fatalf("versions page: %+v", vs)
	}
	mustTAXII(t, e.get(t, e.holder, allCol+"objects/"+siteInd+"/versions/?limit=2&next="+vs.Next), http.StatusOK, &vs)
	if !slices.Equal(vs.Versions, []string{"2017-01-27T13:49:53.935Z"}) || vs.More {
		t.Fatalf("versions second page: %+v", vs)
	}
	mustError(t, e.get(t, e.holder, allCol+"objects/"+siteInd+"/versions/?match[version]=first"), http.StatusBadRequest)
	mustError(t, e.get(t, e.holder, allCol+"objects/indicator--00000000-0000-4000-8000-000000000000/versions/"), http.StatusNotFound)

	var m manifest
	r = e.get(t, e.holder, allCol+"manifest/?match[version]=all")
	mustTAXII(t, r, http.StatusOK, &m)
	if len(m.Objects) != 8 || m.More { // seven seeded versions and the legacy identity
		t.Fatalf("manifest: %+v", m)
	}
	for _, rec := range m.Objects {
		want := "application/stix+json;version=2.1"
		if rec.ID == legacyID {
			want = "application/stix+json;version=2.0"
		}
		if rec.MediaType != want || rec.DateAdded == "" || rec.Version == "" {
			t.Fatalf("manifest record %+v", rec)
		}
		if rec.ID == greenMark && rec.Version != "2017-01-20T00:00:00.000Z" {
			t.Fatalf("a marking-definition's version is its created: %+v", rec)
		}
	}
	mustTAXII(t, e.get(t, e.holder, allCol+"manifest/?match[type]=indicator&limit=1"), http.StatusOK, &m)
	if len(m.Objects) != 1 || m.Objects[0].ID != poisonInd || !m.More {
		t.Fatalf("manifest page: %+v", m)
	}
	// A manifest's next is not an objects list's.
	mustError(t, e.get(t, e.holder, allCol+"objects/?match[type]=indicator&limit=1&next="+m.Next), http.StatusBadRequest)
	mustTAXII(t, e.get(t, e.holder, allCol+"manifest/?match[type]=indicator&limit=1&next="+m.Next), http.StatusOK, &m)
	if len(m.Objects) != 1 || m.Objects[0].ID != siteInd || m.More {
		t.Fatalf("manifest second page: %+v", m)
	}
}

// newIndicator is a valid STIX 2.1 indicator with id suffix n.
func newIndicator(n string) string {
	return newIndicatorV(n, "2024-01-01T00:00:00.000Z", "")
}

func newIndicatorV(n, modified, extra string) string {
	id := "indicator--0a0b0c0d-0000-4000-8000-" + strings.Repeat("0", 12-len(n)) + n
	return `{"type":"indicator","spec_version":"2.1","id":"` + id + `","created":"2024-01-01T00:00:00.000Z","modified":"` + modified +
		`","pattern":"[ipv4-addr:value = '198.51.100.7']","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z"` + extra + `}`
}

func indicatorID(n string) string {
	return "indicator--0a0b0c0d-0000-4000-8000-" + strings.Repeat("0", 12-len(n)) + n
}

func TestPostObjectsAndStatus(t *testing.T) {
	e := mustEnv(t, "sqlite")
	bad := `{"type":"indicator","spec_version":"2.1","id":"indicator--0a0b0c0d-0000-4000-8000-00000000bad1","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z"}`
	r := e.post(t, e.holder, allCol+"objects/", newIndicator("1"), newIndicator("2"), bad)
	st := mustStatus(t, r, http.StatusAccepted)
	if st.Status != "complete" || st.TotalCount != 3 || st.SuccessCount != 2 || st.FailureCount != 1 || st.PendingCount != 0 || st.ID == "" {
		t.Fatalf("status: %s", r.body)
	}
	if st.Failures[0].ID != "indicator--0a0b0c0d-0000-4000-8000-00000000bad1" || st.Failures[0].Version != "2024-01-01T00:00:00.000Z" || st.Failures[0].Message == "" {
		t.Fatalf("failure: %+v", st.Failures[0])
	}
	// The status is there to read again, by the caller that made it.
	again := mustStatus(t, e.get(t, e.holder, root+"status/"+st.ID+"/"), http.StatusOK)
	if again.ID != st.ID || again.SuccessCount != 2 {
		t.Fatalf("status again: %+v", again)
	}
	// The objects are in the collection.
	env := mustEnvelope(t, e.get(t, e.holder, allCol+"objects/?match[type]=indicator"))
	if got := ids(t, env); !slices.Equal(got, []string{indicatorID("1"), indicatorID("2")}) {
		t.Fatalf("after POST: %v", got)
	}
	// And in the custody collection of the holder's organisation.
	env = mustEnvelope(t, e.get(t, e.holder, root+"collections/"+taxii.CustodyCollectionID(holderOrg)+"/objects/"))
	if len(env.Objects) != 2 {
		t.Fatalf("custody: %d objects", len(env.Objects))
	}
	// Sending the same again: already held, a success.
	st = mustStatus(t, e.post(t, e.holder, allCol+"objects/", newIndicator("1")), http.StatusAccepted)
	if st.SuccessCount != 1 || !strings.Contains(st.Successes[0].Message, "already") {
		t.Fatalf("again: %+v", st)
	}
	// A new version is listed as the latest; versions lists both.
	mustStatus(t, e.post(t, e.holder, allCol+"objects/", newIndicatorV("1", "2024-02-01T00:00:00.000Z", "")), http.StatusAccepted)
	var vs versions
	mustTAXII(t, e.get(t, e.holder, allCol+"objects/"+indicatorID("1")+"/versions/"), http.StatusOK, &vs)
	if !slices.Equal(vs.Versions, []string{"2024-01-01T00:00:00.000Z", "2024-02-01T00:00:00.000Z"}) {
		t.Fatalf("versions: %v", vs.Versions)
	}
	for _, tc := range []struct {
		name  string
		ctype string
		body  string
		want  int
	}{
		{"a STIX bundle media type", "application/stix+json;version=2.1", `{"objects":[` + newIndicator("3") + `]}`, http.StatusUnsupportedMediaType},
		{"TAXII 2.0", "application/taxii+json;version=2.0", `{"objects":[` + newIndicator("3") + `]}`, http.StatusUnsupportedMediaType},
		{"no objects", taxiiJSON, `{"objects":[]}`, http.StatusBadRequest},
		{"not an envelope", taxiiJSON, `[1,2,3]`, http.StatusBadRequest},
		{"garbage", taxiiJSON, strings.Repeat("\x00garbage", 1000), http.StatusBadRequest},
		{"malformed JSON in an object", taxiiJSON, `{"objects":[{"type":"indicator",]}`, http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(t, req{method: "POST", path: allCol + "objects/", auth: bearer(e.holder), ctype: tc.ctype, body: []byte(tc.body)})
			mustError(t, r, tc.want)
		})
	}
	// DELETE is answered with the policy, for any object.
	for _, id := range []string{indicatorID("1"), "indicator--00000000-0000-4000-8000-000000000000"} {
		te := mustError(t, e.do(t, req{method: "DELETE", path: allCol + "objects/" + id + "/", auth: bearer(e.holder)}), http.StatusForbidden)
		if !strings.Contains(te.Description, "reproducible") || !strings.Contains(te.Description, "revoked") {
			t.Fatalf("DELETE policy: %+v", te)
		}
	}
	mustEnvelope(t, e.get(t, e.holder, allCol+"objects/"+indicatorID("1")+"/"))
	// A method the resource does not have: 405 with Allow.
	r = e.do(t, req{method: "PUT", path: allCol + "objects/", auth: bearer(e.holder)})
	mustError(t, r, http.StatusMethodNotAllowed)
	if r.header.Get("Allow") != "GET, HEAD, POST" {
		t.Fatalf("Allow %q", r.header.Get("Allow"))
	}
}

// TestStatusIsTheCreators: a status resource is read only by the
// principal whose write made it; anyone else gets what an id never
// issued gets.
func TestStatusIsTheCreators(t *testing.T) {
	e := mustEnv(t, "sqlite")
	st := mustStatus(t, e.post(t, e.holder, allCol+"objects/", newIndicator("1")), http.StatusAccepted)
	alice := "Basic " + base64.StdEncoding.EncodeToString([]byte("alice:"+password))
	other := e.do(t, req{path: root + "status/" + st.ID + "/", auth: alice})
	never := e.do(t, req{path: root + "status/2d086da7-4bdc-4f91-900e-d77486753710/", auth: alice})
	mustError(t, other, http.StatusNotFound)
	sameAsMissing(t, other, never)
	mustError(t, e.get(t, e.stranger, root+"status/"+st.ID+"/"), http.StatusNotFound)
}

// TestBodyLimit: a body larger than the API's limit is 413, in the TAXII
// error shape.
func TestBodyLimit(t *testing.T) {
	e := mustEnv(t, "sqlite")
	body := `{"objects":[` + newIndicator("1") + `],"pad":"` + strings.Repeat("x", 65<<20) + `"}`
	r := e.do(t, req{method: "POST", path: allCol + "objects/", auth: bearer(e.holder), ctype: taxiiJSON, body: []byte(body)})
	mustError(t, r, http.StatusRequestEntityTooLarge)
}

// TestStatusIsSharedAndExpires: a status is kept in the node's store, so
// another serve process of the node finds it, and is gone after a day.
func TestStatusIsSharedAndExpires(t *testing.T) {
	e := mustEnv(t, "sqlite")
	st := mustStatus(t, e.post(t, e.holder, allCol+"objects/", newIndicator("1")), http.StatusAccepted)
	other := httptest.NewServer(api.New(e.n, api.Options{Limits: api.Limits{RequestRate: -1, AddressRate: -1, IngestRate: -1},
		Surfaces: []api.Surface{{Pattern: taxii.Prefix, New: func(edge api.Edge) http.Handler {
			return taxii.New(e.n, taxii.Options{Edge: edge, Now: e.clock.Now})
		}}}}))
	t.Cleanup(other.Close)
	read := func() response {
		hr, _ := http.NewRequest("GET", other.URL+root+"status/"+st.ID+"/", nil)
		hr.Header.Set("Authorization", bearer(e.holder))
		res, err := other.Client().Do(hr)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return response{status: res.StatusCode, body: body, header: res.Header}
	}
	if got := mustStatus(t, read(), http.StatusOK); got.ID != st.ID || got.SuccessCount != 1 {
		t.Fatalf("from another process: %+v", got)
	}
	e.clock.Set(e.clock.Now().Add(taxii.DefaultStatusTTL + time.Second))
	mustError(t, read(), http.StatusNotFound)
}
