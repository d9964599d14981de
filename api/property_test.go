package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"article5"
	"article5/api"
	"article5/release"
)

// graph is a random set of STIX objects, each with the token that submits
// it, built the same on every node it is loaded into.
type graph struct {
	objs    []map[string]any
	by      []string // "jp", "us", "x", "named": who submits objs[i]
	content map[string]string
}

// tokens of a trustEnv by name.
func (e *trustEnv) token(name string) string {
	switch name {
	case "us":
		return e.us
	case "x":
		return e.x
	case "named":
		return e.named
	}
	return e.analyst
}

func (e *trustEnv) org(name string) string {
	switch name {
	case "us":
		return usOrg
	case "x":
		return xOrg
	}
	return jpOrg
}

// randomGraph makes incidents, groupings of them and relationships
// between them, with random markings (RED naming random recipients),
// submitters and created_by_ref (own, none, or an unknown vendor).
func randomGraph(rng *rand.Rand) *graph {
	g := &graph{content: map[string]string{}}
	who := []string{"jp", "us", "x", "named"}
	marks := []string{"", tlpClear, tlpGreen, "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", tlpAS, tlpRed}
	orgOf := map[string]string{"jp": jpOrg, "us": usOrg, "x": xOrg, "named": jpOrg}
	id := func(kind string, n int) string {
		return fmt.Sprintf("%s--%08x-0000-4000-8000-%012x", kind, rng.Uint32(), n)
	}
	mark := func(o map[string]any) {
		switch m := marks[rng.IntN(len(marks))]; m {
		case "":
		case tlpRed:
			var names []string
			for _, n := range []string{namedToken, jpOrg, usOrg, xOrg} {
				if rng.IntN(3) == 0 {
					names = append(names, n)
				}
			}
			red(o, names...)
		default:
			o["object_marking_refs"] = []any{m}
		}
	}
	creator := func(b string) string {
		switch rng.IntN(3) {
		case 0:
			return ""
		case 1:
			return "identity--9e9e9e9e-0000-4000-8000-0000000000aa" // a vendor: relayed
		}
		return orgOf[b]
	}
	add := func(o map[string]any, b string) {
		marker := fmt.Sprintf("content-%d-%d", len(g.objs), rng.Uint32())
		o["description"] = marker
		g.content[o["id"].(string)] = marker
		g.objs = append(g.objs, o)
		g.by = append(g.by, b)
	}
	var incs []string
	for i := range 2 + rng.IntN(4) {
		b := who[rng.IntN(len(who))]
		o := incident(id("incident", i), "2026-02-01T00:00:00.000Z", creator(b))
		mark(o)
		add(o, b)
		incs = append(incs, o["id"].(string))
	}
	for i := range 1 + rng.IntN(2) {
		b := who[rng.IntN(len(who))]
		var refs []string
		for _, in := range incs {
			if rng.IntN(2) == 0 {
				refs = append(refs, in)
			}
		}
		if len(refs) == 0 {
			refs = incs[:1]
		}
		o := grouping(id("grouping", i), "2026-02-01T00:00:00.000Z", creator(b), refs)
		mark(o)
		add(o, b)
	}
	for i := range rng.IntN(3) {
		b := who[rng.IntN(len(who))]
		o := map[string]any{"type": "relationship", "spec_version": "2.1", "id": id("relationship", i), "created": "2026-01-01T00:00:00.000Z",
			"modified": "2026-02-01T00:00:00.000Z", "relationship_type": "related-to",
			"source_ref": incs[rng.IntN(len(incs))], "target_ref": incs[rng.IntN(len(incs))]}
		if c := creator(b); c != "" {
			o["created_by_ref"] = c
		}
		mark(o)
		add(o, b)
	}
	return g
}

// load ingests the graph into e, each object by its submitter, and runs
// the worker.
func (g *graph) load(tb testing.TB, e *trustEnv) {
	tb.Helper()
	for i, o := range g.objs {
		if r := e.post(tb, e.token(g.by[i]), "", o); r.status >= 500 {
			tb.Fatalf("load: %d %s", r.status, r.body)
		}
	}
	e.MustRunJobs(tb)
}

// normalise masks what two nodes loaded alike still differ in: instants,
// opaque sealed ids (each node has its own secret) and ids the nodes make.
var (
	instantRe = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z`)
	sealedRe  = regexp.MustCompile(`[A-Za-z0-9_-]{40,}`)
	madeIDRe  = regexp.MustCompile(`(grouping|rfi|session)--[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}`)
)

func normalise(body, probe string) string {
	s := strings.ReplaceAll(body, probe, "<probe>")
	s = instantRe.ReplaceAllString(s, "<instant>")
	s = madeIDRe.ReplaceAllString(s, "<made>")
	return sealedRe.ReplaceAllString(s, "<sealed>")
}

// TestHiddenBehavesAsMissing is a property test over random graphs of
// objects, markings and principals: for an object the caller may not
// read, every route and method of the API answers exactly as it does for
// an id the node has never held (same status, Content-Type and body, once
// the probe id, instants and sealed ids are masked), and no content of an
// object the caller may not read appears in any answer. Each probe runs
// on two nodes loaded alike, one asked about the hidden id, the other
// about a fresh one, so that writes leave them alike.
func TestHiddenBehavesAsMissing(t *testing.T) {
	iterations := 12
	if testing.Short() {
		iterations = 3
	}
	callers := []string{"jp", "us", "x", "named"}
	probes := 0
	for it := range iterations {
		rng := rand.New(rand.NewPCG(uint64(it), 42))
		g := randomGraph(rng)
		a, b := MustTrustEnv(t), MustTrustEnv(t)
		g.load(t, a)
		g.load(t, b)
		doc := MustOpenAPI(t, a.env)
		caller := callers[rng.IntN(len(callers))]
		gate := a.n.Gate(release.Recipient{Org: a.org(caller), Subject: tokenID(t, a, caller)})
		var hidden []map[string]any
		for _, o := range g.objs {
			ok, err := gate.ID(context.Background(), o["id"].(string))
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				hidden = append(hidden, o)
			}
		}
		for k, x := range hidden {
			xid := x["id"].(string)
			typ := x["type"].(string)
			fresh := fmt.Sprintf("%s--f1f1f1f1-0000-4000-8000-%06x%06x", typ, it, k)
			for _, op := range doc.operations() {
				method, path, _ := strings.Cut(op, " ")
				reqs := probeRequests(method, path, x, fresh)
				for _, rq := range reqs {
					ra := a.do(t, method, rq.pathX, a.token(caller), rq.ctype, rq.bodyX)
					rb := b.do(t, method, rq.pathY, b.token(caller), rq.ctype, rq.bodyY)
					probes++
					na, nb := normalise(string(ra.body), xid), normalise(string(rb.body), fresh)
					if ra.status != rb.status || na != nb || ra.header.Get("Content-Type") != rb.header.Get("Content-Type") {
						t.Errorf("graph %d, caller %s, %s %s: hidden %s answered unlike a missing %s:\n%d %.300s\n%d %.300s",
							it, caller, method, rq.pathX, xid, fresh, ra.status, na, rb.status, nb)
					}
				}
			}
		}
		// No answer to the caller carries content it may not read.
		for _, p := range []string{"/api/v1/incidents?limit=1000", "/api/v1/cases?limit=1000", "/api/v1/events?limit=1000"} {
			r := a.do(t, "GET", p, a.token(caller), "", nil)
			for _, x := range hidden {
				if strings.Contains(string(r.body), g.content[x["id"].(string)]) {
					t.Errorf("graph %d: GET %s shows %s's content to %s", it, p, x["id"], caller)
				}
			}
		}
	}
	t.Logf("%d probes of hidden objects over %d graphs", probes, iterations)
}

// tokenID returns the id of the token named by name in e.
func tokenID(tb testing.TB, e *trustEnv, name string) string {
	tb.Helper()
	tok, err := e.db.FindTokenByHash(context.Background(), api.HashToken(e.token(name)))
	if err != nil {
		tb.Fatal(err)
	}
	return tok.ID
}

// probe is one request about the hidden object x and its twin about y.
type probe struct {
	pathX, pathY string
	bodyX, bodyY []byte
	ctype        string
}

// probeRequests returns the requests of route (method, path) that name
// the hidden object x, and their twins naming fresh: the id in the path,
// a case opened from it, a bundle that re-sends it, versions it, or links
// to it. Routes that name no STIX object give none.
func probeRequests(method, path string, x map[string]any, fresh string) []probe {
	xid := x["id"].(string)
	sub := func(p, id string) string {
		p = strings.ReplaceAll(p, "{id}", id)
		p = strings.ReplaceAll(p, "{party}", "JP")
		return strings.ReplaceAll(p, "{rfi}", "rfi--00000000-0000-4000-8000-000000000001")
	}
	body := func(id string) []byte {
		return []byte(strings.ReplaceAll(`{"tier":"below-threshold","opinion":"agree","reasons":"r","question":"q","answer":"a","password":"p","name":"probe","incidents":["<id>"]}`, "<id>", id))
	}
	withID := func(id string) map[string]any {
		c := map[string]any{}
		for k, v := range x {
			c[k] = v
		}
		c["id"] = id
		return c
	}
	bundle := func(objs ...map[string]any) []byte {
		b, _ := json.Marshal(map[string]any{"type": "bundle", "id": "bundle--7b7b7b7b-0000-4000-8000-000000000001", "objects": objs})
		return b
	}
	switch {
	case strings.Contains(path, "{id}") && !strings.HasPrefix(path, "/api/v1/users/") && !strings.HasPrefix(path, "/api/v1/doctrines/") && !strings.HasPrefix(path, "/api/v1/webhooks/"):
		return []probe{{pathX: sub(path, xid), pathY: sub(path, fresh), bodyX: body(xid), bodyY: body(fresh), ctype: "application/json"}}
	case method == "POST" && path == "/api/v1/cases":
		return []probe{{pathX: path, pathY: path, bodyX: body(xid), bodyY: body(fresh), ctype: "application/json"}}
	case method == "POST" && path == "/api/v1/bundles":
		later := func(id string) map[string]any {
			c := withID(id)
			c["modified"] = "2026-03-01T00:00:00.000Z"
			c["object_marking_refs"] = []any{tlpClear}
			delete(c, "extensions")
			if c["type"] == "incident" {
				c["extensions"] = map[string]any{article5.ExtensionID: map[string]any{"extension_type": "property-extension", "domain": "cyber"}}
			}
			delete(c, "created_by_ref")
			return c
		}
		link := func(id string) map[string]any {
			return map[string]any{"type": "relationship", "spec_version": "2.1", "id": "relationship--7c7c7c7c-0000-4000-8000-" + xid[len(xid)-12:],
				"created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z", "relationship_type": "related-to",
				"source_ref": id, "target_ref": id}
		}
		return []probe{
			{pathX: path, pathY: path, bodyX: bundle(withID(xid)), bodyY: bundle(withID(fresh)), ctype: stixJSON},
			{pathX: path, pathY: path, bodyX: bundle(later(xid)), bodyY: bundle(later(fresh)), ctype: stixJSON},
			{pathX: path + "?atomic=true", pathY: path + "?atomic=true", bodyX: bundle(later(xid)), bodyY: bundle(later(fresh)), ctype: stixJSON},
			{pathX: path, pathY: path, bodyX: bundle(link(xid)), bodyY: bundle(link(fresh)), ctype: stixJSON},
		}
	}
	return nil
}
