package taxii_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"article5"
	"article5/taxii"
)

func noSleep(context.Context, time.Duration) error { return nil }

func (e *env) client(token string) *taxii.Client {
	return &taxii.Client{APIRoot: e.srv.URL + root, HTTP: e.srv.Client(), Authorize: taxii.Bearer(token), Sleep: noSleep}
}

func TestClientCollectionsAndAdd(t *testing.T) {
	e := mustEnv(t, "sqlite")
	c := e.client(e.holder)
	cs, err := c.Collections(context.Background())
	if err != nil || len(cs) != 3 || cs[0].ID != taxii.AllCollectionID || !cs[0].CanWrite {
		t.Fatalf("collections: %+v, %v", cs, err)
	}
	st, err := c.Add(context.Background(), "all", []json.RawMessage{json.RawMessage(newIndicator("1"))})
	if err != nil || st.SuccessCount != 1 || st.Status != "complete" {
		t.Fatalf("add: %+v, %v", st, err)
	}
	// A server's TAXII error is article5's error code, with the message.
	_, err = c.Objects(context.Background(), "no-such-collection", taxii.Query{})
	var te *taxii.Error
	if article5.ErrorCode(err) != article5.ENOTFOUND || !errors.As(err, &te) || te.Status != 404 {
		t.Fatalf("unknown collection: %v", err)
	}
	bad := &taxii.Client{APIRoot: e.srv.URL + root, HTTP: e.srv.Client(), Authorize: taxii.Basic("alice", "wrong"), Sleep: noSleep}
	if _, err := bad.Collections(context.Background()); article5.ErrorCode(err) != article5.EUNAUTHORIZED {
		t.Fatalf("wrong password: %v", err)
	}
	basic := &taxii.Client{APIRoot: e.srv.URL + root, HTTP: e.srv.Client(), Authorize: taxii.Basic("alice", password), Sleep: noSleep}
	if _, err := basic.Collections(context.Background()); err != nil {
		t.Fatalf("basic: %v", err)
	}
}

// TestClientPull: a pull follows next within one pass over 120 objects
// sharing one date added and 5 more, keeps the last date added, and a
// pull with nothing new costs one request and moves nothing.
func TestClientPull(t *testing.T) {
	e := mustEnv(t, "sqlite")
	var objs []string
	for i := range 120 {
		objs = append(objs, newIndicator(fmt.Sprint(i+1)))
	}
	e.mustIngestAt(t, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), objs...)
	for i := range 5 {
		e.mustIngestAt(t, time.Date(2024, 1, 2, 0, 0, i, 0, time.UTC), newIndicator(fmt.Sprint(200+i)))
	}
	var requests atomic.Int64
	counting := countingServer(t, e, &requests)
	c := &taxii.Client{APIRoot: counting.URL + root, Authorize: taxii.Bearer(e.holder), Sleep: noSleep}
	seen := map[string]bool{}
	cursor, err := c.Pull(context.Background(), "all", "", 50, func(p *taxii.Page, safe string) error {
		for _, o := range p.Objects {
			seen[idOf(t, o)] = true
		}
		return nil
	})
	if err != nil || len(seen) != 125 || cursor != "2024-01-02T00:00:04.000000Z" || requests.Load() != 3 {
		t.Fatalf("pull: %d objects, cursor %q, %d requests, %v", len(seen), cursor, requests.Load(), err)
	}
	requests.Store(0)
	n := 0
	again, err := c.Pull(context.Background(), "all", cursor, 50, func(p *taxii.Page, _ string) error {
		n += len(p.Objects)
		return nil
	})
	if err != nil || again != cursor || n != 0 || requests.Load() != 1 {
		t.Fatalf("no-change pull: %d objects, cursor %q, %d requests, %v", n, again, requests.Load(), err)
	}
}

// TestClientPullResumes: a pull that stops on any page (a crash) and
// resumes from the safe cursor it was handed loses no object, however
// the page breaks fall in a tie of date added.
func TestClientPullResumes(t *testing.T) {
	e := mustEnv(t, "sqlite")
	var objs []string
	for i := range 30 {
		objs = append(objs, newIndicator(fmt.Sprint(i+1)))
	}
	e.mustIngestAt(t, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), objs[:13]...)
	e.mustIngestAt(t, time.Date(2024, 1, 1, 0, 0, 1, 0, time.UTC), objs[13:14]...)
	e.mustIngestAt(t, time.Date(2024, 1, 1, 0, 0, 2, 0, time.UTC), objs[14:]...)
	c := e.client(e.holder)
	for crashAt := 1; crashAt <= 7; crashAt++ {
		t.Run(fmt.Sprint("crash after page ", crashAt), func(t *testing.T) {
			seen := map[string]bool{}
			kept := ""
			pages := 0
			crash := errors.New("crash")
			_, err := c.Pull(context.Background(), "all", "", 5, func(p *taxii.Page, safe string) error {
				for _, o := range p.Objects {
					seen[idOf(t, o)] = true
				}
				kept = safe
				pages++
				if pages == crashAt {
					return crash
				}
				return nil
			})
			if err != nil && !errors.Is(err, crash) {
				t.Fatal(err)
			}
			_, err = c.Pull(context.Background(), "all", kept, 5, func(p *taxii.Page, _ string) error {
				for _, o := range p.Objects {
					seen[idOf(t, o)] = true
				}
				return nil
			})
			if err != nil || len(seen) != 30 {
				t.Fatalf("resumed from %q: %d objects, %v", kept, len(seen), err)
			}
		})
	}
}

// TestClientRetries: transient faults (503, 429 with Retry-After, a
// connection cut mid-answer) are retried with backoff; a refusal (403)
// is not; retries stop after Retries.
func TestClientRetries(t *testing.T) {
	e := mustEnv(t, "sqlite")
	e.mustIngestAt(t, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), newIndicator("1"))
	target, _ := url.Parse(e.srv.URL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	var faults atomic.Int64
	var mode atomic.Value
	mode.Store("")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if faults.Add(-1) >= 0 {
			switch mode.Load() {
			case "503":
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			case "429":
				w.Header().Set("Retry-After", "2")
				w.WriteHeader(http.StatusTooManyRequests)
				return
			case "cut":
				hj, _ := w.(http.Hijacker)
				conn, _, _ := hj.Hijack()
				_, _ = conn.Write([]byte("HTTP/1.1 200 OK\r\nContent-Type: application/taxii+json;version=2.1\r\nContent-Length: 500\r\n\r\n{\"more\":"))
				conn.Close()
				return
			case "403":
				w.Header().Set("Content-Type", taxiiJSON)
				w.WriteHeader(http.StatusForbidden)
				_, _ = w.Write([]byte(`{"title":"Forbidden","http_status":"403"}`))
				return
			}
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	var waits []time.Duration
	c := &taxii.Client{APIRoot: srv.URL + root, Authorize: taxii.Bearer(e.holder), Retries: 3,
		Sleep: func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }}
	for _, tc := range []struct {
		mode   string
		faults int64
		ok     bool
		tries  int
	}{
		{"503", 2, true, 2},
		{"429", 1, true, 1},
		{"cut", 3, true, 3},
		{"503", 4, false, 3},
		{"403", 1, false, 0},
	} {
		t.Run(fmt.Sprintf("%s×%d", tc.mode, tc.faults), func(t *testing.T) {
			mode.Store(tc.mode)
			faults.Store(tc.faults)
			waits = nil
			p, err := c.Objects(context.Background(), "all", taxii.Query{})
			if tc.ok != (err == nil) || len(waits) != tc.tries {
				t.Fatalf("err %v after %d retries", err, len(waits))
			}
			if tc.ok && len(p.Objects) != 1 {
				t.Fatalf("page %+v", p)
			}
			if tc.mode == "429" && waits[0] < 2*time.Second {
				t.Fatalf("Retry-After not honoured: waited %v", waits[0])
			}
			faults.Store(0)
		})
	}
}

// TestClientBoundsResponses: a response larger than MaxResponse is an
// error, not read whole into memory.
func TestClientBoundsResponses(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", taxiiJSON)
		_, _ = w.Write([]byte(`{"objects":["` + strings.Repeat("x", 1<<20) + `"]}`))
	}))
	t.Cleanup(srv.Close)
	c := &taxii.Client{APIRoot: srv.URL + "/", MaxResponse: 1 << 16, Sleep: noSleep}
	if _, err := c.Objects(context.Background(), "all", taxii.Query{}); article5.ErrorCode(err) != article5.EINVALID || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("got %v", err)
	}
}

// countingServer fronts e's server, counting requests.
func countingServer(t *testing.T, e *env, n *atomic.Int64) *httptest.Server {
	target, _ := url.Parse(e.srv.URL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func idOf(tb testing.TB, raw json.RawMessage) string {
	tb.Helper()
	var o struct{ ID string }
	if err := json.Unmarshal(raw, &o); err != nil {
		tb.Fatal(err)
	}
	return o.ID
}
