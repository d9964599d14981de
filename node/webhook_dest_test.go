package node_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"article5"
	"article5/node"
)

// allowListed is the phrase of a delivery refused by the destination
// check (node.RefusedAddressError), as an operator reads it in the
// webhook's last error.
const allowListed = "not in the node's webhook-allow list"

// resolverFunc is a node.HostResolver for tests: names map to addresses
// without DNS.
type resolverFunc func(host string) []netip.Addr

func (f resolverFunc) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a := f(host); len(a) > 0 {
		return a, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// names resolves from a fixed table.
func names(m map[string]string) resolverFunc {
	return func(host string) []netip.Addr {
		var out []netip.Addr
		for _, a := range strings.Split(m[host], ",") {
			if a != "" {
				out = append(out, netip.MustParseAddr(a))
			}
		}
		return out
	}
}

func TestSpecialAddress(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1":              "loopback",
		"127.255.0.9":            "loopback",
		"10.1.2.3":               "private-use",
		"172.16.0.1":             "private-use",
		"192.168.1.1":            "private-use",
		"169.254.169.254":        "link-local",
		"0.0.0.0":                "this network",
		"100.64.0.1":             "carrier-grade NAT",
		"192.0.2.1":              "documentation",
		"198.18.0.1":             "benchmarking",
		"224.0.0.1":              "multicast",
		"255.255.255.255":        "limited broadcast",
		"::":                     "unspecified",
		"::1":                    "loopback",
		"::ffff:127.0.0.1":       "loopback",
		"::ffff:10.0.0.1":        "private-use",
		"::ffff:169.254.169.254": "link-local",
		"64:ff9b::7f00:1":        "NAT64 (RFC 6052) of 127.0.0.1, loopback",
		"64:ff9b:1::1":           "local-use NAT64",
		"fc00::1":                "unique local",
		"fd12:3456::1":           "unique local",
		"fe80::1":                "link-local",
		"fe80::1%eth0":           "link-local",
		"ff02::1":                "multicast",
		"2001:db8::1":            "documentation",
		"2001::1":                "Teredo",
		"2002:7f00:1::1":         "6to4",
		"4000::1":                "outside global unicast",
	} {
		name, special := node.SpecialAddress(netip.MustParseAddr(addr))
		if !special || !strings.Contains(name, want) {
			t.Errorf("SpecialAddress(%s) = %q, %v; want refused as %q", addr, name, special, want)
		}
	}
	for _, addr := range []string{"8.8.8.8", "93.184.215.14", "1.1.1.1", "::ffff:8.8.8.8", "2606:4700::1111", "64:ff9b::808:808", "100.128.0.1", "172.32.0.1"} {
		if name, special := node.SpecialAddress(netip.MustParseAddr(addr)); special {
			t.Errorf("SpecialAddress(%s) = %q: a public address refused", addr, name)
		}
	}
	if _, special := node.SpecialAddress(netip.Addr{}); !special {
		t.Error("the zero Addr is not refused")
	}
}

func TestCheckWebhookDestination(t *testing.T) {
	ctx := context.Background()
	res := names(map[string]string{
		"hooks.example.jp":  "93.184.215.14",
		"localhost.example": "127.0.0.1,::1",
		"intranet.example":  "10.0.0.5,192.168.1.5",
		"dual.example":      "10.0.0.5,93.184.215.14",
		"metadata.example":  "169.254.169.254",
	})
	opts := node.WebhookOptions{Resolver: res}
	for _, raw := range []string{
		"http://127.0.0.1:8080/hook", "http://10.0.0.1/h", "http://169.254.169.254/latest/meta-data/", "https://[::1]/h",
		"http://[::ffff:127.0.0.1]/h", "http://0.0.0.0:9/h", "http://100.64.0.1/h", "http://[fc00::1]/h", "http://[fe80::1%25eth0]/h",
		"http://localhost.example/h", "https://intranet.example/h", "http://metadata.example/",
	} {
		err := node.CheckWebhookDestination(ctx, raw, opts)
		var e *article5.Error
		var ref *node.RefusedAddressError
		if article5.ErrorCode(err) != article5.EINVALID || !errors.As(err, &e) || len(e.Details) != 1 || e.Details[0].Pointer != "/url" ||
			!errors.As(err, &ref) || !strings.Contains(e.Details[0].Message, allowListed) {
			t.Errorf("%s: %v, want EINVALID naming /url and the refused address", raw, err)
		}
	}
	for _, raw := range []string{
		"https://hooks.example.jp/a5", "http://8.8.8.8/h",
		"http://dual.example/h",        // one address may be reached: dial time decides
		"http://unresolvable.example/", // does not resolve now: dial time decides
	} {
		if err := node.CheckWebhookDestination(ctx, raw, opts); err != nil {
			t.Errorf("%s: %v, want accepted", raw, err)
		}
	}
	allowed := node.WebhookOptions{Resolver: res, Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128"), netip.MustParsePrefix("10.0.0.0/8")}}
	for _, raw := range []string{"http://127.0.0.1:8080/hook", "http://[::ffff:127.0.0.1]/h", "http://localhost.example/h", "https://[::1]/h", "http://10.0.0.1/h"} {
		if err := node.CheckWebhookDestination(ctx, raw, allowed); err != nil {
			t.Errorf("%s with %v allowed: %v", raw, allowed.Allow, err)
		}
	}
}

// MustRefused checks that w's delivery failed once at the destination
// check, naming want.
func MustRefused(tb testing.TB, s article5.Store, w *article5.Webhook, want string) {
	tb.Helper()
	got := MustFindWebhook(tb, s, w.ID)
	if got.Attempts != 1 || !strings.Contains(got.LastError, allowListed) || !strings.Contains(got.LastError, want) {
		tb.Errorf("%s: attempts %d, last error %q; want one failure refusing %s", w.URL, got.Attempts, got.LastError, want)
	}
}

func TestWebhookRefusesSpecialDestinations(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)}
	n, db := webhookNode(t, t.TempDir()+"/a5.db", clk)
	rc := MustReceiver(t, nil)
	port := rc.srv.Listener.Addr().(*net.TCPAddr).Port
	// Stored directly, past the registration check: the dispatcher must
	// refuse on its own.
	direct := MustWebhook(t, db, rc.srv.URL)
	others := map[string]*article5.Webhook{}
	for url, want := range map[string]string{
		fmt.Sprintf("http://[::ffff:127.0.0.1]:%d/", port): "loopback",
		fmt.Sprintf("http://0.0.0.0:%d/", port):            "this network",
		fmt.Sprintf("http://[::1]:%d/", port):              "loopback",
		"http://10.0.0.1:9/h":                              "private-use",
		"http://169.254.169.254/latest/meta-data/":         "link-local",
		"http://100.64.0.1/h":                              "carrier-grade NAT",
	} {
		others[want+" "+url] = MustWebhook(t, db, url)
	}
	MustTierChange(t, db, visibleCase)

	if sent := MustDeliver(t, n, node.WebhookOptions{}); sent != 0 || len(rc.deliveries()) != 0 {
		t.Fatalf("sent %d, received %d: a webhook reached a loopback receiver the node does not allow", sent, len(rc.deliveries()))
	}
	MustRefused(t, db, direct, "127.0.0.1")
	for k, w := range others {
		MustRefused(t, db, w, strings.Fields(k)[0])
	}

	// Allowed when configured: the same webhook, at its next attempt (the
	// first backoff is at most a second).
	clk.Set(clk.Now().Add(time.Minute))
	// ::ffff:127.0.0.1 is 127.0.0.1, allowed too; 0.0.0.0 and ::1 are not.
	if sent := MustDeliver(t, n, node.WebhookOptions{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}); sent != 2 || len(rc.deliveries()) != 2 {
		t.Fatalf("with 127.0.0.1/32 allowed: sent %d, received %d; want the event delivered to 127.0.0.1 and ::ffff:127.0.0.1", sent, len(rc.deliveries()))
	}
	for _, k := range []string{"private-use http://10.0.0.1:9/h", fmt.Sprintf("this network http://0.0.0.0:%d/", port), fmt.Sprintf("loopback http://[::1]:%d/", port)} {
		if got := MustFindWebhook(t, db, others[k].ID); got.Attempts != 2 || !strings.Contains(got.LastError, allowListed) {
			t.Errorf("%s was not refused again under an allow-list of 127.0.0.1/32: %+v", others[k].URL, got)
		}
	}
}

func TestWebhookNameReboundToLoopbackRefusedAtDial(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)}
	n, db := webhookNode(t, t.TempDir()+"/a5.db", clk)
	rc := MustReceiver(t, nil)
	port := rc.srv.Listener.Addr().(*net.TCPAddr).Port
	// receiver.example answers a public address first (at registration),
	// then 127.0.0.1 (at delivery): DNS rebinding.
	var mu sync.Mutex
	lookups := 0
	res := resolverFunc(func(host string) []netip.Addr {
		if host != "receiver.example" {
			return nil
		}
		mu.Lock()
		defer mu.Unlock()
		lookups++
		if lookups == 1 {
			return []netip.Addr{netip.MustParseAddr("93.184.215.14")}
		}
		return []netip.Addr{netip.MustParseAddr("127.0.0.1")}
	})
	url := fmt.Sprintf("http://receiver.example:%d/hook", port)
	opts := node.WebhookOptions{Resolver: res}
	if err := node.CheckWebhookDestination(context.Background(), url, opts); err != nil {
		t.Fatalf("registration while the name looks public: %v", err)
	}
	w := MustWebhook(t, db, url)
	e := MustTierChange(t, db, visibleCase)
	if sent := MustDeliver(t, n, opts); sent != 0 || len(rc.deliveries()) != 0 {
		t.Fatalf("sent %d, received %d: the rebound name reached loopback", sent, len(rc.deliveries()))
	}
	MustRefused(t, db, w, "receiver.example (127.0.0.1)")

	// The same name and resolver reach the receiver once loopback is
	// allowed: the refusal above was the check, not a broken name.
	clk.Set(MustFindWebhook(t, db, w.ID).NextAttempt)
	if sent := MustDeliver(t, n, node.WebhookOptions{Resolver: res, Allow: loopback}); sent != 1 || len(rc.deliveries()) != 1 {
		t.Fatalf("with loopback allowed: sent %d, received %d", sent, len(rc.deliveries()))
	}
	if h := rc.deliveries()[0]; h.header.Get(node.HeaderDelivery) != MustEventID(t, n, w, e) {
		t.Errorf("delivery %v", h.header)
	}
}

// MustInternal starts a server on 127.0.0.2 (loopback, but outside an
// allow-list of 127.0.0.1/32) that counts the requests reaching it.
func MustInternal(tb testing.TB) (*httptest.Server, func() int) {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		tb.Skipf("cannot listen on 127.0.0.2 here: %v", err)
	}
	var mu sync.Mutex
	hits := 0
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits++
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	tb.Cleanup(srv.Close)
	return srv, func() int {
		mu.Lock()
		defer mu.Unlock()
		return hits
	}
}

func TestWebhookRedirectToRefusedAddressNotFollowed(t *testing.T) {
	internal, hits := MustInternal(t)
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, internal.URL+"/steal", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(redirector.Close)
	only1 := []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	follows := &http.Client{Timeout: 5 * time.Second} // follows redirects, as an operator's client might

	for _, tc := range []struct {
		name     string
		opts     node.WebhookOptions
		hits     int    // requests reaching the internal server
		lastErr  string // in the recorded failure; "" for a delivery
		attempts int
	}{
		{"the default client follows no redirect", node.WebhookOptions{Allow: only1}, 0, "HTTP 307", 1},
		{"a client that follows redirects dials every hop through the check", node.WebhookOptions{Allow: only1, Client: follows}, 0, "127.0.0.2", 1},
		{"followed when the hop is allowed", node.WebhookOptions{Allow: loopback, Client: follows}, 1, "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := hits()
			clk := &fakeClock{t: time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)}
			n, db := webhookNode(t, t.TempDir()+"/a5.db", clk)
			w := MustWebhook(t, db, redirector.URL)
			MustTierChange(t, db, visibleCase)
			MustDeliver(t, n, tc.opts)
			if got := hits() - before; got != tc.hits {
				t.Errorf("the internal server got %d requests, want %d", got, tc.hits)
			}
			got := MustFindWebhook(t, db, w.ID)
			if got.Attempts != tc.attempts || !strings.Contains(got.LastError, tc.lastErr) {
				t.Errorf("attempts %d, last error %q; want %d and %q", got.Attempts, got.LastError, tc.attempts, tc.lastErr)
			}
			if tc.name == "a client that follows redirects dials every hop through the check" && !strings.Contains(got.LastError, allowListed) {
				t.Errorf("the hop failed, but not at the destination check: %q", got.LastError)
			}
		})
	}
}

func TestWebhookRedirectsCapped(t *testing.T) {
	var mu sync.Mutex
	requests := 0
	var loop *httptest.Server
	loop = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		requests++
		mu.Unlock()
		http.Redirect(w, r, loop.URL+"/again", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(loop.Close)
	clk := &fakeClock{t: time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)}
	n, db := webhookNode(t, t.TempDir()+"/a5.db", clk)
	w := MustWebhook(t, db, loop.URL)
	MustTierChange(t, db, visibleCase)
	MustDeliver(t, n, node.WebhookOptions{Allow: loopback, Client: &http.Client{Timeout: 5 * time.Second}})
	mu.Lock()
	defer mu.Unlock()
	if requests != 1+node.WebhookMaxRedirects {
		t.Errorf("%d requests, want the first and %d redirects", requests, node.WebhookMaxRedirects)
	}
	if got := MustFindWebhook(t, db, w.ID); got.Attempts != 1 || !strings.Contains(got.LastError, "redirects") {
		t.Errorf("attempts %d, last error %q; want a failure naming the redirects", got.Attempts, got.LastError)
	}
}
