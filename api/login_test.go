package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

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
	srv := httptest.NewServer(api.New(e.n, opts))
	tb.Cleanup(srv.Close)
	return &loginEnv{env: e, clock: clk, srv: srv}
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
	t.Run("per name", func(t *testing.T) {
		e := MustLoginEnv(t)
		e.MustUser(t, "aiko", article5.RoleLegal)
		for range api.LoginFailures {
			MustError(t, e.login(t, "aiko", "guess", ""), http.StatusUnauthorized, article5.EUNAUTHORIZED)
			e.clock.Advance(time.Second)
		}
		r := e.login(t, "aiko", "guess", "")
		MustError(t, r, http.StatusTooManyRequests, article5.EUNAUTHORIZED)
		if r.header.Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
		// Even the right password waits: the limit is not an oracle.
		MustError(t, e.login(t, "aiko", loginPassword, ""), http.StatusTooManyRequests, article5.EUNAUTHORIZED)
		e.clock.Advance(api.LoginWindow)
		MustSessionCookie(t, e.login(t, "aiko", loginPassword, ""))
	})
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
		if checked > api.LoginFailures {
			t.Errorf("%d of %d concurrent guesses were checked, want at most %d", checked, n, api.LoginFailures)
		}
	})
	t.Run("a success does not count against the address", func(t *testing.T) {
		e := MustLoginEnv(t)
		e.MustUser(t, "aiko", article5.RoleLegal)
		for range api.LoginFailures + 2 {
			MustSessionCookie(t, e.login(t, "aiko", loginPassword, ""))
		}
	})
	t.Run("per address", func(t *testing.T) {
		e := MustLoginEnv(t)
		e.MustUser(t, "aiko", article5.RoleLegal)
		for _, name := range []string{"a", "b", "c", "d", "e"} {
			MustError(t, e.login(t, name, "guess", ""), http.StatusUnauthorized, article5.EUNAUTHORIZED)
		}
		MustError(t, e.login(t, "aiko", loginPassword, ""), http.StatusTooManyRequests, article5.EUNAUTHORIZED)
	})
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
