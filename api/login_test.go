package api_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"

	"article5"
	"article5/api"
)

const loginPassword = "correct horse battery staple"

// clock is an injectable clock for the login rate limiter and sessions.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// loginEnv is an env whose API has an injectable clock, with users.
type loginEnv struct {
	*env
	clock *clock
	srv   *httptest.Server
}

func MustLoginEnv(tb testing.TB) *loginEnv {
	tb.Helper()
	return MustLoginEnvWith(tb, api.Options{})
}

// MustLoginEnvWith is MustLoginEnv with options; the clock is the env's,
// and webhook host names resolve by testHosts unless opts say otherwise.
func MustLoginEnvWith(tb testing.TB, opts api.Options) *loginEnv {
	tb.Helper()
	e := MustEnv(tb, 0)
	clk := &clock{t: time.Now()}
	opts.Now = clk.Now
	if opts.Webhooks.Resolver == nil {
		opts.Webhooks.Resolver = testHosts
	}
	if opts.Limits == (api.Limits{}) {
		opts.Limits = noQuotas // the login throttling is under test, not the request quotas
	}
	srv := httptest.NewServer(api.New(e.n, opts))
	tb.Cleanup(srv.Close)
	return &loginEnv{env: e, clock: clk, srv: srv}
}

// loopbackProxies trusts the test client's connection as a reverse proxy,
// so that X-Forwarded-For names the client (as from a proxy in front of
// the node).
var loopbackProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}

// MustCheapUser stores a user with loginPassword under a cheap argon2id
// hash (64 KiB, one pass), so that tests can check many passwords;
// CheckPassword reads the parameters from the hash.
func (e *loginEnv) MustCheapUser(tb testing.TB, name string, roles ...article5.Role) *article5.User {
	tb.Helper()
	salt := []byte("article5-test-salt")
	key := argon2.IDKey([]byte(loginPassword), salt, 1, 64, 1, 32)
	hash := fmt.Sprintf("$argon2id$v=%d$m=64,t=1,p=1$%s$%s", argon2.Version,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
	u := &article5.User{Name: name, Party: article5.PartyJP, Roles: roles, Org: holderOrg, PasswordHash: hash}
	if err := e.db.CreateUser(context.Background(), u); err != nil {
		tb.Fatal(err)
	}
	return u
}

// attempt logs in as name from the client address from (sent as
// X-Forwarded-For; "" sends xff instead), with a device cookie if any.
func (e *loginEnv) attempt(tb testing.TB, name, password, from string, device *http.Cookie, xff ...string) response {
	tb.Helper()
	body, _ := json.Marshal(map[string]string{"name": name, "password": password})
	req, err := http.NewRequest("POST", e.srv.URL+"/api/v1/login", bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if from != "" {
		xff = []string{from}
	}
	for _, v := range xff {
		req.Header.Add("X-Forwarded-For", v)
	}
	if device != nil {
		req.AddCookie(&http.Cookie{Name: device.Name, Value: device.Value})
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return response{status: res.StatusCode, body: data, header: res.Header}
}

// hammer guesses name's password from addr for d of the env's clock,
// retrying the moment each Retry-After allows.
func (e *loginEnv) hammer(tb testing.TB, name, addr string, d time.Duration) {
	tb.Helper()
	for end := e.clock.Now().Add(d); e.clock.Now().Before(end); {
		r := e.attempt(tb, name, "guess", addr, nil)
		switch r.status {
		case http.StatusUnauthorized:
		case http.StatusTooManyRequests:
			e.clock.Advance(MustRetryAfter(tb, r))
		default:
			tb.Fatalf("hammer: %d %s", r.status, r.body)
		}
	}
}

// spray makes failed logins as name from ever new addresses, each
// staying within its free failures, until the name's ceiling refuses one;
// it returns how many were checked (401) before, and the refusal.
func (e *loginEnv) spray(tb testing.TB, name string) (int, response) {
	tb.Helper()
	for i := 0; i <= 2*api.LoginNameCeiling; i++ {
		addr := fmt.Sprintf("10.77.%d.%d", i/api.LoginFreeFailures/250, i/api.LoginFreeFailures%250+1)
		r := e.attempt(tb, name, "guess", addr, nil)
		if r.status == http.StatusTooManyRequests {
			MustError(tb, r, http.StatusTooManyRequests, article5.EUNAUTHORIZED)
			return i, r
		}
		MustError(tb, r, http.StatusUnauthorized, article5.EUNAUTHORIZED)
	}
	tb.Fatalf("%d failures for %s from many addresses, and no ceiling", 2*api.LoginNameCeiling, name)
	return 0, response{}
}

// MustRetryAfter returns a 429's Retry-After, which must be a positive
// number of seconds.
func MustRetryAfter(tb testing.TB, r response) time.Duration {
	tb.Helper()
	secs, err := strconv.Atoi(r.header.Get("Retry-After"))
	if err != nil || secs <= 0 {
		tb.Fatalf("Retry-After %q on %d", r.header.Get("Retry-After"), r.status)
	}
	return time.Duration(secs) * time.Second
}

// MustDeviceCookie returns the device cookie a 200 login set.
func MustDeviceCookie(tb testing.TB, r response) *http.Cookie {
	tb.Helper()
	MustSessionCookie(tb, r)
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == api.DeviceCookie && c.Value != "" {
			if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/api/v1/login" {
				tb.Errorf("device cookie attributes: %+v", c)
			}
			return c
		}
	}
	tb.Fatalf("login set no %s cookie: %v", api.DeviceCookie, r.header)
	return nil
}

// testHosts resolves the webhook host names of the API tests without DNS.
var testHosts = resolverFunc(func(host string) []netip.Addr {
	switch host {
	case "hooks.example.jp", "h.example":
		return []netip.Addr{netip.MustParseAddr("93.184.215.14")}
	case "intranet.example.jp":
		return []netip.Addr{netip.MustParseAddr("10.20.30.40"), netip.MustParseAddr("fd00::40")}
	case "localhost.example.jp":
		return []netip.Addr{netip.MustParseAddr("127.0.0.1")}
	}
	return nil
})

// resolverFunc is a node.HostResolver from a function; an empty answer is
// "no such host".
type resolverFunc func(host string) []netip.Addr

func (f resolverFunc) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a := f(host); len(a) > 0 {
		return a, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// MustUser stores a user with loginPassword.
func (e *loginEnv) MustUser(tb testing.TB, name string, roles ...article5.Role) *article5.User {
	tb.Helper()
	u := &article5.User{Name: name, Party: article5.PartyJP, Roles: roles, Org: holderOrg, PasswordHash: api.HashPassword(loginPassword)}
	if err := e.db.CreateUser(context.Background(), u); err != nil {
		tb.Fatal(err)
	}
	return u
}

// call makes a request with an optional session cookie and extra headers.
func (e *loginEnv) call(tb testing.TB, method, path, cookie string, hdr map[string]string, body []byte) response {
	tb.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		tb.Fatal(err)
	}
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: api.SessionCookie, Value: cookie})
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return response{status: res.StatusCode, body: data, header: res.Header}
}

func (e *loginEnv) login(tb testing.TB, name, password, cookie string) response {
	tb.Helper()
	body, _ := json.Marshal(map[string]string{"name": name, "password": password})
	return e.call(tb, "POST", "/api/v1/login", cookie, map[string]string{"Content-Type": "application/json"}, body)
}

// MustSessionCookie returns the session cookie a 200 login set.
func MustSessionCookie(tb testing.TB, r response) *http.Cookie {
	tb.Helper()
	if r.status != http.StatusOK {
		tb.Fatalf("login: %d %s", r.status, r.body)
	}
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == api.SessionCookie && c.Value != "" {
			return c
		}
	}
	tb.Fatalf("login set no %s cookie: %v", api.SessionCookie, r.header)
	return nil
}

func TestLoginSessionWorksOnCases(t *testing.T) {
	e := MustLoginEnv(t)
	u := e.MustUser(t, "aiko", article5.RoleLegal)
	r := e.login(t, "aiko", loginPassword, "")
	c := MustSessionCookie(t, r)
	if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || c.Secure {
		t.Errorf("cookie attributes: %+v (Secure only over TLS)", c)
	}
	var out struct {
		User struct {
			ID, Name     string
			PasswordHash string `json:"password_hash"`
		}
	}
	MustDecode(t, r, &out)
	if out.User.ID != u.ID || out.User.Name != "aiko" || strings.Contains(string(r.body), "argon2id") {
		t.Errorf("login answered %s", r.body)
	}
	if got := e.call(t, "GET", "/api/v1/cases", c.Value, nil, nil); got.status != http.StatusOK {
		t.Errorf("GET /api/v1/cases with the session: %d %s", got.status, got.body)
	}
	MustDecode(t, e.call(t, "GET", "/api/v1/me", c.Value, nil, nil), &out)
	if out.User.ID != u.ID {
		t.Errorf("me: %+v", out)
	}
	if got := e.call(t, "GET", "/api/v1/cases", "", nil, nil); got.status != http.StatusUnauthorized {
		t.Errorf("GET /api/v1/cases without a session: %d", got.status)
	}
}

func TestLoginRefusals(t *testing.T) {
	e := MustLoginEnv(t)
	e.MustUser(t, "aiko", article5.RoleLegal)
	wrong := MustError(t, e.login(t, "aiko", "not the password", ""), http.StatusUnauthorized, article5.EUNAUTHORIZED)
	unknown := MustError(t, e.login(t, "nobody", loginPassword, ""), http.StatusUnauthorized, article5.EUNAUTHORIZED)
	if wrong.Error.Message != unknown.Error.Message {
		t.Errorf("wrong password %q and unknown user %q answer differently", wrong.Error.Message, unknown.Error.Message)
	}
	MustError(t, e.login(t, "", "", ""), http.StatusBadRequest, article5.EINVALID)
	MustError(t, e.login(t, strings.Repeat("n", 257), "x", ""), http.StatusBadRequest, article5.EINVALID)
	MustError(t, e.call(t, "POST", "/api/v1/login", "", nil, []byte("{")), http.StatusBadRequest, article5.EINVALID)

	d := &article5.User{Name: "gone", Party: article5.PartyJP, Roles: []article5.Role{article5.RoleAnalyst}, Org: holderOrg,
		PasswordHash: api.HashPassword(loginPassword), Disabled: true}
	if err := e.db.CreateUser(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	got := MustError(t, e.login(t, "gone", loginPassword, ""), http.StatusUnauthorized, article5.EUNAUTHORIZED)
	if got.Error.Message != wrong.Error.Message {
		t.Errorf("disabled user answered %q", got.Error.Message)
	}
}

func TestLoginRateLimited(t *testing.T) {
	t.Run("concurrent guesses count", func(t *testing.T) {
		e := MustLoginEnv(t)
		e.MustUser(t, "aiko", article5.RoleLegal)
		const n = 12
		statuses := make(chan int, n)
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() { statuses <- e.login(t, "aiko", "guess", "").status })
		}
		wg.Wait()
		close(statuses)
		checked := 0
		for st := range statuses {
			switch st {
			case http.StatusUnauthorized:
				checked++
			case http.StatusTooManyRequests:
			default:
				t.Errorf("status %d", st)
			}
		}
		if checked > api.LoginFreeFailures {
			t.Errorf("%d of %d concurrent guesses were checked, want at most %d", checked, n, api.LoginFreeFailures)
		}
	})
	t.Run("a success does not count against the address", func(t *testing.T) {
		e := MustLoginEnv(t)
		e.MustUser(t, "aiko", article5.RoleLegal)
		for range api.LoginFreeFailures + 2 {
			MustSessionCookie(t, e.login(t, "aiko", loginPassword, ""))
		}
	})
}

// TestLoginSlowsTheGuesser: past its free failures, a (name, client) pair
// waits before each attempt (429 with Retry-After), the wait doubling;
// the right password waits too; other pairs are not slowed.
func TestLoginSlowsTheGuesser(t *testing.T) {
	e := MustLoginEnvWith(t, api.Options{TrustedProxies: loopbackProxies})
	e.MustCheapUser(t, "aiko", article5.RoleLegal)
	e.MustCheapUser(t, "kenji", article5.RoleLegal)
	const a, b = "198.51.100.7", "203.0.113.9"
	for range api.LoginFreeFailures {
		MustError(t, e.attempt(t, "aiko", "guess", a, nil), http.StatusUnauthorized, article5.EUNAUTHORIZED)
	}
	for i := range 4 {
		want := api.LoginBackoffBase << i
		r := e.attempt(t, "aiko", "guess", a, nil)
		MustError(t, r, http.StatusTooManyRequests, article5.EUNAUTHORIZED)
		if got := MustRetryAfter(t, r); got != want {
			t.Errorf("wait %d: Retry-After %v, want %v", i+1, got, want)
		}
		// The right password waits too: the limit is not an oracle.
		MustError(t, e.attempt(t, "aiko", loginPassword, a, nil), http.StatusTooManyRequests, article5.EUNAUTHORIZED)
		e.clock.Advance(want - time.Millisecond)
		MustError(t, e.attempt(t, "aiko", "guess", a, nil), http.StatusTooManyRequests, article5.EUNAUTHORIZED)
		e.clock.Advance(time.Millisecond)
		MustError(t, e.attempt(t, "aiko", "guess", a, nil), http.StatusUnauthorized, article5.EUNAUTHORIZED)
	}
	// Only that pair waits: the name from another address, and another
	// name from that address, are checked at once.
	MustError(t, e.attempt(t, "aiko", "guess", b, nil), http.StatusUnauthorized, article5.EUNAUTHORIZED)
	MustError(t, e.attempt(t, "kenji", "guess", a, nil), http.StatusUnauthorized, article5.EUNAUTHORIZED)
	// After the wait, the owner at that address logs in, and the pair's
	// failures are forgiven.
	e.clock.Advance(api.LoginBackoffBase << 4)
	MustSessionCookie(t, e.attempt(t, "aiko", loginPassword, a, nil))
	MustError(t, e.attempt(t, "aiko", "guess", a, nil), http.StatusUnauthorized, article5.EUNAUTHORIZED)
}

// TestLoginOwnerNotLockedOut: no attack from other clients stops the owner.
func TestLoginOwnerNotLockedOut(t *testing.T) {
	t.Run("from a known device, whatever the attack", func(t *testing.T) {
		e := MustLoginEnvWith(t, api.Options{TrustedProxies: loopbackProxies})
		e.MustCheapUser(t, "tanaka", article5.RoleApprover)
		e.MustCheapUser(t, "aiko", article5.RoleLegal)
		const home, attacker = "198.51.100.20", "203.0.113.66"
		device := MustDeviceCookie(t, e.attempt(t, "tanaka", loginPassword, home, nil))
		aikos := MustDeviceCookie(t, e.attempt(t, "aiko", loginPassword, home, nil))

		// One address guesses as fast as the node lets it, and many
		// addresses spend the name's ceiling between them.
		e.hammer(t, "tanaka", attacker, 2*time.Hour)
		e.spray(t, "tanaka")
		// Clients that are not a known device wait, even with the right
		// password.
		MustError(t, e.attempt(t, "tanaka", loginPassword, "192.0.2.1", nil), http.StatusTooManyRequests, article5.EUNAUTHORIZED)

		// The owner's device logs in, from home or even from the
		// attacker's address.
		MustSessionCookie(t, e.attempt(t, "tanaka", loginPassword, home, device))
		MustSessionCookie(t, e.attempt(t, "tanaka", loginPassword, attacker, device))
		// A device cookie proves a device of its own name only, and only
		// as the node signed it.
		MustError(t, e.attempt(t, "tanaka", loginPassword, home, aikos), http.StatusTooManyRequests, article5.EUNAUTHORIZED)
		forged := *aikos
		parts := strings.Split(forged.Value, ".")
		parts[2] = base64.RawURLEncoding.EncodeToString([]byte("tanaka"))
		forged.Value = strings.Join(parts, ".")
		MustError(t, e.attempt(t, "tanaka", loginPassword, home, &forged), http.StatusTooManyRequests, article5.EUNAUTHORIZED)
		// A device cookie expires.
		e.clock.Advance(api.DeviceCookieTTL)
		e.spray(t, "tanaka")
		MustError(t, e.attempt(t, "tanaka", loginPassword, home, device), http.StatusTooManyRequests, article5.EUNAUTHORIZED)
	})
	t.Run("from a new address, at once, while one address attacks", func(t *testing.T) {
		e := MustLoginEnvWith(t, api.Options{TrustedProxies: loopbackProxies})
		e.MustCheapUser(t, "tanaka", article5.RoleApprover)
		const attacker = "203.0.113.66"
		// For three hours the attacker guesses until refused, every 10 s
		// (or sooner, when Retry-After allows); every 20 minutes, right
		// after a round of guesses, the owner logs in from an address the
		// node has never seen, without a device cookie.
		start := e.clock.Now()
		next, owner := start, 0
		checked := 0
		for e.clock.Now().Sub(start) < 3*time.Hour {
			var r response
			for r = e.attempt(t, "tanaka", "guess", attacker, nil); r.status == http.StatusUnauthorized; r = e.attempt(t, "tanaka", "guess", attacker, nil) {
				checked++
			}
			MustError(t, r, http.StatusTooManyRequests, article5.EUNAUTHORIZED)
			if !e.clock.Now().Before(next) {
				owner++
				MustSessionCookie(t, e.attempt(t, "tanaka", loginPassword, fmt.Sprintf("192.0.2.%d", owner), nil))
				next = next.Add(20 * time.Minute)
			}
			e.clock.Advance(min(MustRetryAfter(t, r), 10*time.Second))
		}
		// 5 free, 10 doublings from 1 s to 512 s (17 min), then one per
		// 15 min: about 25 guesses in three hours.
		if checked > 30 || owner != 9 {
			t.Errorf("the attacker had %d guesses checked in 3 h; the owner logged in %d times of 9", checked, owner)
		}
	})
}

// TestLoginNameCeiling: failures from clients that are not a known device
// of the name are capped per name, across addresses; a known device is
// not held to the cap, and a new device waits at most Retry-After once
// the attack pauses.
func TestLoginNameCeiling(t *testing.T) {
	e := MustLoginEnvWith(t, api.Options{TrustedProxies: loopbackProxies})
	e.MustCheapUser(t, "tanaka", article5.RoleApprover)
	e.MustCheapUser(t, "aiko", article5.RoleLegal)
	device := MustDeviceCookie(t, e.attempt(t, "tanaka", loginPassword, "198.51.100.20", nil))
	if checked, _ := e.spray(t, "tanaka"); checked != api.LoginNameCeiling {
		t.Errorf("%d guesses checked from many addresses, want the ceiling, %d", checked, api.LoginNameCeiling)
	}
	// Now a client that is not a known device waits, whatever its
	// address and password.
	r := e.attempt(t, "tanaka", loginPassword, "192.0.2.200", nil)
	MustError(t, r, http.StatusTooManyRequests, article5.EUNAUTHORIZED)
	wait := MustRetryAfter(t, r)
	if wait > api.LoginCeilingWindow/api.LoginNameCeiling {
		t.Errorf("Retry-After %v, want at most one token's refill, %v", wait, api.LoginCeilingWindow/api.LoginNameCeiling)
	}
	MustSessionCookie(t, e.attempt(t, "tanaka", loginPassword, "192.0.2.201", device))
	MustSessionCookie(t, e.attempt(t, "aiko", loginPassword, "192.0.2.200", nil)) // other names are not capped
	e.clock.Advance(wait)
	MustSessionCookie(t, e.attempt(t, "tanaka", loginPassword, "192.0.2.200", nil))
}

// TestLoginAddressCeiling: one address spraying guesses over many names is
// capped, though no (name, address) pair is past its free failures; a
// known device at that address is not.
func TestLoginAddressCeiling(t *testing.T) {
	e := MustLoginEnvWith(t, api.Options{TrustedProxies: loopbackProxies})
	const sprayer = "203.0.113.5"
	users := api.LoginAddressCeiling/api.LoginFreeFailures + 1
	for i := range users {
		e.MustCheapUser(t, fmt.Sprintf("user%d", i), article5.RoleAnalyst)
	}
	last := fmt.Sprintf("user%d", users-1)
	device := MustDeviceCookie(t, e.attempt(t, last, loginPassword, sprayer, nil))
	for i := range users - 1 {
		for range api.LoginFreeFailures {
			MustError(t, e.attempt(t, fmt.Sprintf("user%d", i), "guess", sprayer, nil), http.StatusUnauthorized, article5.EUNAUTHORIZED)
		}
	}
	r := e.attempt(t, last, "guess", sprayer, nil)
	MustError(t, r, http.StatusTooManyRequests, article5.EUNAUTHORIZED)
	MustRetryAfter(t, r)
	MustSessionCookie(t, e.attempt(t, last, loginPassword, sprayer, device))
	MustError(t, e.attempt(t, last, "guess", "203.0.113.6", nil), http.StatusUnauthorized, article5.EUNAUTHORIZED)
}

// TestLoginClientAddress: X-Forwarded-For decides the client only when
// the connection comes from a trusted proxy.
func TestLoginClientAddress(t *testing.T) {
	for _, tc := range []struct {
		name    string
		trusted []netip.Prefix
		other   []string // X-Forwarded-For after five failures from 198.51.100.7
		status  int
	}{
		{"ignored without trusted proxies", nil, []string{"203.0.113.9"}, http.StatusTooManyRequests},
		{"ignored from a peer that is not a trusted proxy", []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, []string{"203.0.113.9"}, http.StatusTooManyRequests},
		{"honoured from a trusted proxy", loopbackProxies, []string{"203.0.113.9"}, http.StatusUnauthorized},
		{"a spoofed entry left of the client is ignored", loopbackProxies, []string{"203.0.113.9, 198.51.100.7"}, http.StatusTooManyRequests},
		{"trusted hops are skipped right to left", append([]netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, loopbackProxies...),
			[]string{"203.0.113.9, 198.51.100.7, 10.1.2.3"}, http.StatusTooManyRequests},
		{"every X-Forwarded-For header counts, in order", loopbackProxies, []string{"203.0.113.9", "198.51.100.7"}, http.StatusTooManyRequests},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := MustLoginEnvWith(t, api.Options{TrustedProxies: tc.trusted})
			e.MustCheapUser(t, "aiko", article5.RoleLegal)
			for range api.LoginFreeFailures {
				MustError(t, e.attempt(t, "aiko", "guess", "198.51.100.7", nil), http.StatusUnauthorized, article5.EUNAUTHORIZED)
			}
			MustError(t, e.attempt(t, "aiko", "guess", "", nil, tc.other...), tc.status, article5.EUNAUTHORIZED)
		})
	}
}

func TestClientAddr(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
	for _, tc := range []struct {
		remote string
		xff    []string
		want   string
	}{
		{"192.0.2.1:5000", nil, "192.0.2.1"},
		{"192.0.2.1:5000", []string{"198.51.100.1"}, "192.0.2.1"}, // not from a proxy
		{"10.0.0.1:5000", nil, "10.0.0.1"},
		{"10.0.0.1:5000", []string{"198.51.100.1"}, "198.51.100.1"},
		{"10.0.0.1:5000", []string{"6.6.6.6, 198.51.100.1"}, "198.51.100.1"},
		{"10.0.0.1:5000", []string{"198.51.100.1, 10.9.9.9"}, "198.51.100.1"},
		{"10.0.0.1:5000", []string{"10.2.2.2, 10.3.3.3"}, "10.2.2.2"}, // all trusted: the leftmost
		{"10.0.0.1:5000", []string{"198.51.100.1:4711"}, "198.51.100.1"},
		{"10.0.0.1:5000", []string{"[2001:db8::1]:4711"}, "2001:db8::1"},
		{"10.0.0.1:5000", []string{"[2001:db8::1]"}, "2001:db8::1"},
		{"10.0.0.1:5000", []string{"::ffff:198.51.100.1"}, "198.51.100.1"},
		{"10.0.0.1:5000", []string{"198.51.100.1, unknown"}, "10.0.0.1"}, // garbage from the proxy: the proxy
		{"10.0.0.1:5000", []string{"unknown, 198.51.100.1"}, "198.51.100.1"},
		{"10.0.0.1:5000", []string{""}, "10.0.0.1"},
		{"[fd00::5]:443", []string{"198.51.100.1"}, "198.51.100.1"},
		{"[::ffff:10.0.0.1]:443", []string{"198.51.100.1"}, "198.51.100.1"},
		{"@", []string{"198.51.100.1"}, "invalid IP"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.remote
		for _, h := range tc.xff {
			r.Header.Add("X-Forwarded-For", h)
		}
		if got := api.ClientAddr(r, trusted).String(); got != tc.want {
			t.Errorf("ClientAddr(%s, %q) = %s, want %s", tc.remote, tc.xff, got, tc.want)
		}
	}
}

func TestLoginSessionFixation(t *testing.T) {
	e := MustLoginEnv(t)
	e.MustUser(t, "aiko", article5.RoleLegal)
	t.Run("a planted cookie is not adopted", func(t *testing.T) {
		planted := "attacker-chosen-session-value"
		c := MustSessionCookie(t, e.login(t, "aiko", loginPassword, planted))
		if c.Value == planted {
			t.Fatal("login kept the session id sent before it")
		}
		MustError(t, e.call(t, "GET", "/api/v1/me", planted, nil, nil), http.StatusUnauthorized, article5.EUNAUTHORIZED)
	})
	t.Run("a new session at every login; the old one ends", func(t *testing.T) {
		first := MustSessionCookie(t, e.login(t, "aiko", loginPassword, ""))
		second := MustSessionCookie(t, e.login(t, "aiko", loginPassword, first.Value))
		if first.Value == second.Value {
			t.Fatal("the same session id was issued twice")
		}
		MustError(t, e.call(t, "GET", "/api/v1/me", first.Value, nil, nil), http.StatusUnauthorized, article5.EUNAUTHORIZED)
		if r := e.call(t, "GET", "/api/v1/me", second.Value, nil, nil); r.status != http.StatusOK {
			t.Errorf("new session refused: %d %s", r.status, r.body)
		}
	})
}

func TestLogoutEndsSession(t *testing.T) {
	e := MustLoginEnv(t)
	e.MustUser(t, "aiko", article5.RoleLegal)
	c := MustSessionCookie(t, e.login(t, "aiko", loginPassword, ""))
	r := e.call(t, "POST", "/api/v1/logout", c.Value, nil, nil)
	if r.status != http.StatusNoContent {
		t.Fatalf("logout: %d %s", r.status, r.body)
	}
	MustError(t, e.call(t, "GET", "/api/v1/cases", c.Value, nil, nil), http.StatusUnauthorized, article5.EUNAUTHORIZED)
	if r := e.call(t, "POST", "/api/v1/logout", c.Value, nil, nil); r.status != http.StatusNoContent {
		t.Errorf("second logout: %d", r.status)
	}
}

func TestSessionExpires(t *testing.T) {
	e := MustLoginEnv(t)
	e.db.Now = e.clock.Now // the store's clock decides expiry
	e.MustUser(t, "aiko", article5.RoleLegal)
	c := MustSessionCookie(t, e.login(t, "aiko", loginPassword, ""))
	e.clock.Advance(api.DefaultSessionTTL + time.Minute)
	MustError(t, e.call(t, "GET", "/api/v1/me", c.Value, nil, nil), http.StatusUnauthorized, article5.EUNAUTHORIZED)
}

func TestCrossOriginStateChangeRefused(t *testing.T) {
	e := MustLoginEnv(t)
	e.MustUser(t, "aiko", article5.RoleAnalyst)
	bundle := MustExample(t, "dam-control")
	for _, tc := range []struct {
		name string
		hdr  map[string]string
	}{
		{"Sec-Fetch-Site cross-site", map[string]string{"Sec-Fetch-Site": "cross-site"}},
		{"foreign Origin", map[string]string{"Origin": "https://evil.example"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hdr := map[string]string{"Content-Type": stixJSON, "Authorization": "Bearer " + e.analyst}
			for k, v := range tc.hdr {
				hdr[k] = v
			}
			MustError(t, e.call(t, "POST", "/api/v1/bundles", "", hdr, bundle), http.StatusForbidden, article5.EFORBIDDEN)
			body := []byte(`{"name":"aiko","password":"` + loginPassword + `"}`)
			tc.hdr["Content-Type"] = "application/json"
			MustError(t, e.call(t, "POST", "/api/v1/login", "", tc.hdr, body), http.StatusForbidden, article5.EFORBIDDEN)
			// A cross-origin read is not state-changing: it passes.
			if r := e.call(t, "GET", "/api/v1/cases", "", map[string]string{"Authorization": "Bearer " + e.analyst, "Sec-Fetch-Site": "cross-site"}, nil); r.status != http.StatusOK {
				t.Errorf("cross-origin GET: %d", r.status)
			}
		})
	}
	// Same-origin browser requests pass.
	body := []byte(`{"name":"aiko","password":"` + loginPassword + `"}`)
	MustSessionCookie(t, e.call(t, "POST", "/api/v1/login", "", map[string]string{"Content-Type": "application/json", "Sec-Fetch-Site": "same-origin"}, body))
}

func TestIngestAuthorised(t *testing.T) {
	e := MustLoginEnv(t)
	e.MustUser(t, "oscar", article5.RoleObserver)
	e.MustUser(t, "ana", article5.RoleAnalyst)
	bundle := MustExample(t, "dam-control")
	obs := MustSessionCookie(t, e.login(t, "oscar", loginPassword, ""))
	got := MustError(t, e.call(t, "POST", "/api/v1/bundles", obs.Value, map[string]string{"Content-Type": stixJSON}, bundle),
		http.StatusForbidden, article5.EFORBIDDEN)
	if !strings.Contains(got.Error.Message, "analyst") {
		t.Errorf("refusal does not say why: %q", got.Error.Message)
	}
	ana := MustSessionCookie(t, e.login(t, "ana", loginPassword, ""))
	if r := e.call(t, "POST", "/api/v1/bundles", ana.Value, map[string]string{"Content-Type": stixJSON}, bundle); r.status != http.StatusOK {
		t.Errorf("analyst session ingest: %d %.300s", r.status, r.body)
	}
	// A token acts as an analyst of its party.
	if r := e.call(t, "POST", "/api/v1/bundles", "", map[string]string{"Content-Type": stixJSON, "Authorization": "Bearer " + e.analyst}, bundle); r.status != http.StatusOK {
		t.Errorf("token ingest: %d %.300s", r.status, r.body)
	}
	// Re-assessment writes an assessment and events, so it is authorised
	// like ingest: refused to an observer, allowed to an analyst.
	e.MustRunJobs(t)
	MustError(t, e.call(t, "POST", "/api/v1/cases/"+damCase+"/assess", obs.Value, nil, nil), http.StatusForbidden, article5.EFORBIDDEN)
	if r := e.call(t, "POST", "/api/v1/cases/"+damCase+"/assess", ana.Value, nil, nil); r.status != http.StatusOK {
		t.Errorf("analyst re-assess: %d %.300s", r.status, r.body)
	}
}

func TestPasswordHash(t *testing.T) {
	h := api.HashPassword("s3cret")
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=2$") {
		t.Fatalf("hash %q", h)
	}
	if h == api.HashPassword("s3cret") {
		t.Error("two hashes of one password are equal: no random salt")
	}
	if !api.CheckPassword(h, "s3cret") || api.CheckPassword(h, "s3cre") {
		t.Error("CheckPassword")
	}
	for _, bad := range []string{"", "plain", "$argon2id$v=19$m=9999999,t=3,p=2$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", h[:len(h)-4]} {
		if api.CheckPassword(bad, "s3cret") {
			t.Errorf("malformed hash %q matched", bad)
		}
	}
}
