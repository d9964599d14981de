package api_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"article5"
	"article5/api"
)

// MustLimitedEnv is MustEnv served with opts (its Log is the env's) by
// the http.Server of api.NewServer, as article5 serve runs it.
func MustLimitedEnv(tb testing.TB, opts api.Options) *env {
	tb.Helper()
	e := MustEnv(tb, 0)
	opts.Log = slog.New(slog.NewJSONHandler(e.lw, nil))
	h := api.New(e.n, opts)
	ts := httptest.NewUnstartedServer(h)
	ts.Config = api.NewServer("", h, opts.Limits)
	ts.Start()
	tb.Cleanup(ts.Close)
	e2 := *e
	e2.srv = ts
	return &e2
}

// rawRequest opens a connection to e and writes a request head with
// token and a Content-Length, but no body.
func rawRequest(tb testing.TB, e *env, method, path, token string, length int) net.Conn {
	tb.Helper()
	c, err := net.Dial("tcp", e.srv.Listener.Addr().String())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close() })
	fmt.Fprintf(c, "%s %s HTTP/1.1\r\nHost: article5\r\nAuthorization: Bearer %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n",
		method, path, token, stixJSON, length)
	return c
}

// cutOff waits (at most 10 s) for the server to answer on c or close it.
// It returns the status of the answer (0 if c was closed without one) and
// whether the connection was then closed.
func cutOff(tb testing.TB, c net.Conn) (status int, closed bool) {
	tb.Helper()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			tb.Fatal("the server neither answered nor closed the connection within 10 s")
		}
		return 0, true
	}
	data, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode == http.StatusRequestTimeout {
		MustError(tb, response{status: res.StatusCode, body: data, header: res.Header}, http.StatusRequestTimeout, article5.EINVALID)
	}
	_, err = br.ReadByte()
	return res.StatusCode, err != nil && !errors.Is(err, os.ErrDeadlineExceeded)
}

// TestSlowBodyIsCutOff: clients that send a bundle at a few bytes a second
// are answered 408 and disconnected once the body timeout has passed
// without the minimum rate, while a normal client is served meanwhile.
func TestSlowBodyIsCutOff(t *testing.T) {
	e := MustLimitedEnv(t, api.Options{Limits: api.Limits{BodyTimeout: 300 * time.Millisecond, BodyMinRate: 1000}})
	stop := make(chan struct{})
	defer close(stop)
	var conns []net.Conn
	for range 5 {
		c := rawRequest(t, e, "POST", "/api/v1/bundles", e.analyst, 100_000)
		conns = append(conns, c)
		go func() { // one byte every 100 ms: 10 bytes/s
			for {
				select {
				case <-stop:
					return
				case <-time.After(100 * time.Millisecond):
				}
				if _, err := c.Write([]byte(" ")); err != nil {
					return
				}
			}
		}()
	}
	if r := e.ingest(t, MustExample(t, "dam-control"), ""); r.status != http.StatusOK {
		t.Errorf("a normal client beside the slow ones: %d %s", r.status, r.body)
	}
	for i, c := range conns {
		status, closed := cutOff(t, c)
		if (status != http.StatusRequestTimeout && status != 0) || !closed {
			t.Errorf("slow client %d: status %d, closed %v; want 408 (or none) and the connection closed", i, status, closed)
		}
	}
	// A body that never starts is cut off the same way.
	c := rawRequest(t, e, "PUT", "/api/v1/doctrines/jp", e.analyst, 10)
	if status, closed := cutOff(t, c); !closed || status == http.StatusOK {
		t.Errorf("a body that never came: status %d, closed %v", status, closed)
	}
}

// TestIdleConnectionIsClosed: a keep-alive connection serves a second
// request, and is closed once it has been idle for the idle timeout.
func TestIdleConnectionIsClosed(t *testing.T) {
	e := MustLimitedEnv(t, api.Options{Limits: api.Limits{IdleTimeout: 300 * time.Millisecond}})
	c, err := net.Dial("tcp", e.srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	for i := range 2 {
		fmt.Fprint(c, "GET /healthz HTTP/1.1\r\nHost: article5\r\n\r\n")
		res, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("request %d on the kept-alive connection: %v", i, err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || res.Close {
			t.Fatalf("request %d: %d, close %v", i, res.StatusCode, res.Close)
		}
	}
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := br.ReadByte(); !errors.Is(err, io.EOF) {
		t.Errorf("the idle connection was not closed by the server: %v", err)
	}
}

// TestEventStreamOutlivesWriteTimeout: the live stream stays open well
// past the write timeout of ordinary responses and sends keep-alive
// comments while there is nothing to say.
func TestEventStreamOutlivesWriteTimeout(t *testing.T) {
	const writeTimeout = 200 * time.Millisecond
	e := MustLimitedEnv(t, api.Options{StreamPoll: 20 * time.Millisecond, StreamKeepAlive: 100 * time.Millisecond,
		Limits: api.Limits{WriteTimeout: writeTimeout}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", e.srv.URL+"/api/v1/events/stream", nil)
	req.Header.Set("Authorization", "Bearer "+e.analyst)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("stream: %d", res.StatusCode)
	}
	lines := make(chan string)
	ended := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
		ended <- sc.Err()
	}()
	keepAlives := 0
	hold := time.After(5 * writeTimeout)
	for waiting := true; waiting; {
		select {
		case l := <-lines:
			if l == ": keep-alive" {
				keepAlives++
			}
		case err := <-ended:
			t.Fatalf("the stream ended within %s (write timeout %s): %v", 5*writeTimeout, writeTimeout, err)
		case <-hold:
			waiting = false
		}
	}
	if keepAlives < 2 {
		t.Errorf("%d keep-alive comments in %s with a keep-alive of 100 ms", keepAlives, 5*writeTimeout)
	}
	// And an event still arrives on it.
	if r := e.ingest(t, MustExample(t, "dam-control"), ""); r.status != http.StatusOK {
		t.Fatalf("ingest: %d %s", r.status, r.body)
	}
	e.MustRunJobs(t)
	timeout := time.After(30 * time.Second)
	for {
		select {
		case l := <-lines:
			if l == "event: assessed" {
				return
			}
		case err := <-ended:
			t.Fatalf("the stream ended: %v", err)
		case <-timeout:
			t.Fatal("no event on the stream")
		}
	}
}

// MustTooMany checks r is 429 in the error shape with a Retry-After of
// whole seconds.
func MustTooMany(tb testing.TB, r response) {
	tb.Helper()
	MustError(tb, r, http.StatusTooManyRequests, article5.EFORBIDDEN)
	if s, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || s < 1 {
		tb.Errorf("Retry-After %q", r.header.Get("Retry-After"))
	}
}

// TestRequestQuota: a token over its request quota gets 429 with
// Retry-After while another token is served; unauthenticated requests
// (failed authentications included) have a quota per client address that
// does not touch authenticated ones.
func TestRequestQuota(t *testing.T) {
	for _, shared := range []bool{false, true} {
		t.Run(fmt.Sprintf("shared=%v", shared), func(t *testing.T) { testRequestQuota(t, shared) })
	}
}

func testRequestQuota(t *testing.T, shared bool) {
	e := MustLimitedEnv(t, api.Options{Limits: api.Limits{RequestRate: 0.001, RequestBurst: 3, AddressRate: 0.001, AddressBurst: 2, Shared: shared}})
	for i := range 3 {
		if r := e.get(t, "/api/v1/cases"); r.status != http.StatusOK {
			t.Fatalf("request %d within the burst: %d %s", i, r.status, r.body)
		}
	}
	MustTooMany(t, e.get(t, "/api/v1/cases"))
	MustTooMany(t, e.do(t, "POST", "/api/v1/bundles", e.analyst, stixJSON, MustExample(t, "dam-control")))
	if r := e.do(t, "GET", "/api/v1/cases", e.named, "", nil); r.status != http.StatusOK {
		t.Errorf("another token: %d %s", r.status, r.body)
	}

	for i := range 2 {
		if r := e.do(t, "GET", "/healthz", "", "", nil); r.status != http.StatusOK {
			t.Fatalf("unauthenticated request %d within the burst: %d", i, r.status)
		}
	}
	MustTooMany(t, e.do(t, "GET", "/metrics", "", "", nil))
	MustTooMany(t, e.do(t, "GET", "/api/v1/cases", "not-a-token", "", nil))
	if r := e.do(t, "GET", "/api/v1/me", e.named, "", nil); r.status != http.StatusOK {
		t.Errorf("an authenticated request from the same address: %d %s", r.status, r.body)
	}
}

// TestIngestQuota: every object of a bundle counts against the sender's
// ingest quota; over it the bundle is refused with 429 and nothing is
// stored, while another token still ingests.
func TestIngestQuota(t *testing.T) {
	for _, shared := range []bool{false, true} {
		t.Run(fmt.Sprintf("shared=%v", shared), func(t *testing.T) { testIngestQuota(t, shared) })
	}
}

func testIngestQuota(t *testing.T, shared bool) {
	// dam-control has 16 objects, ddos-government 12.
	e := MustLimitedEnv(t, api.Options{Limits: api.Limits{IngestRate: 0.001, IngestBurst: 20, MaxBundleObjects: 20, RequestRate: -1, AddressRate: -1, Shared: shared}})
	ingestResult(t, e.ingest(t, MustExample(t, "dam-control"), ""))
	MustTooMany(t, e.ingest(t, MustExample(t, "ddos-government"), ""))
	if r := e.get(t, "/api/v1/cases/"+ddosCase); r.status != http.StatusNotFound {
		t.Errorf("the refused bundle's case: %d", r.status)
	}
	ingestResult(t, e.do(t, "POST", "/api/v1/bundles", e.named, stixJSON, MustExample(t, "ddos-government")))
}

// TestQuotaMemoryIsBounded: with room for one principal, others share one
// overflow bucket; a principal whose bucket is full again is forgotten,
// which makes room.
func TestQuotaMemoryIsBounded(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	e := MustLimitedEnv(t, api.Options{Now: clock, Limits: api.Limits{RequestRate: 1, RequestBurst: 1, MaxTracked: 1}})
	tok := func(name string) string {
		return MustToken(t, e.db, &article5.Token{Name: name, Party: article5.PartyJP, Org: holderOrg})
	}
	a, b, c, d := tok("a"), tok("b"), tok("c"), tok("d")
	call := func(token string) int { return e.do(t, "GET", "/api/v1/me", token, "", nil).status }
	if call(a) != http.StatusOK || call(b) != http.StatusOK {
		t.Fatal("a (its own bucket) and b (the overflow bucket) were refused")
	}
	if s := call(c); s != http.StatusTooManyRequests {
		t.Fatalf("c, a third principal with room for one: %d, want 429 (the overflow bucket is empty)", s)
	}
	mu.Lock()
	now = now.Add(2 * time.Second) // every bucket is full again
	mu.Unlock()
	// a is forgotten: c gets its own bucket, and d the refilled overflow one.
	if call(c) != http.StatusOK || call(d) != http.StatusOK {
		t.Error("an idle principal was not forgotten")
	}
}

// TestBundleObjectLimit: a bundle with more objects than the limit is 413
// naming the limit and the count, and nothing of it is stored; one at the
// limit is taken.
func TestBundleObjectLimit(t *testing.T) {
	dam := MustExample(t, "dam-control") // 16 objects
	e := MustLimitedEnv(t, api.Options{Limits: api.Limits{MaxBundleObjects: 15}})
	er := MustError(t, e.ingest(t, dam, ""), http.StatusRequestEntityTooLarge, article5.EINVALID)
	if !strings.Contains(er.Error.Message, "16 objects") || !strings.Contains(er.Error.Message, "at most 15") {
		t.Errorf("the message does not name the count and the limit: %q", er.Error.Message)
	}
	if r := e.get(t, "/api/v1/objects/"+damIncident); r.status != http.StatusNotFound {
		t.Errorf("something was stored: %d", r.status)
	}
	e = MustLimitedEnv(t, api.Options{Limits: api.Limits{MaxBundleObjects: 16}})
	ingestResult(t, e.ingest(t, dam, ""))
}
