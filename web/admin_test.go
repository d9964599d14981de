package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"article5"
	"article5/api"
	"article5/doctrine"
	"article5/node"
	"article5/release"
	"article5/sign"
	"article5/sqlite"
	"article5/stix"
	"article5/web"
)

// jpCommunity is the community the JP admin belongs to (and may grant).
const jpCommunity = "community--jp-cert"

// MustAdmins adds the administrators jp-admin (of jpOrg, in jpCommunity)
// and us-admin.
func (e *env) MustAdmins(tb testing.TB) {
	tb.Helper()
	for _, u := range []article5.User{
		{Name: "jp-admin", Party: article5.PartyJP, Roles: []article5.Role{article5.RoleAdmin}, Org: jpOrg, Communities: []string{jpCommunity}},
		{Name: "us-admin", Party: article5.PartyUS, Roles: []article5.Role{article5.RoleAdmin}, Org: usOrg},
	} {
		u.PasswordHash = api.HashPassword(password)
		if err := e.db.CreateUser(context.Background(), &u); err != nil {
			tb.Fatal(err)
		}
	}
}

// mustUser returns the stored user called name.
func (e *env) mustUser(tb testing.TB, name string) *article5.User {
	tb.Helper()
	u, err := e.db.FindUserByName(context.Background(), name)
	if err != nil {
		tb.Fatal(err)
	}
	return u
}

// upload posts a doctrine source to /doctrines/{id} as the form's text.
func (c *client) upload(tb testing.TB, id, src string) response {
	tb.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("source", strings.ReplaceAll(src, "\n", "\r\n")) // as a browser sends a text area
	mw.Close()
	req, _ := http.NewRequest("POST", c.e.srv.URL+"/doctrines/"+id, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept-Language", c.lang)
	res, err := c.c.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(res.Body)
	return response{status: res.StatusCode, body: b.String(), header: res.Header}
}

// TestAdminPagesRefuseNonAdmins: an analyst, an observer and a legal
// adviser get the administration pages and forms refused exactly as the
// API refuses them (403), see no link to them, and cannot put a doctrine;
// without a login the pages send to the login page and the forms get 401.
func TestAdminPagesRefuseNonAdmins(t *testing.T) {
	e := MustEnv(t)
	e.MustAdmins(t)
	target := e.mustUser(t, "jp-analyst")
	for _, name := range []string{"jp-analyst", "jp-observer", "jp-legal"} {
		c := e.client(t, "en")
		c.MustLogin(t, name)
		apiUsers := c.get(t, "/api/v1/users")
		for _, p := range []string{"/admin/users", "/admin/tokens", "/admin/webhooks"} {
			if r := c.get(t, p); r.status != apiUsers.status || r.status != http.StatusForbidden || strings.Contains(r.body, "jp-analyst</bdi></th>") {
				t.Errorf("%s: GET %s: %d (the API: %d)", name, p, r.status, apiUsers.status)
			}
		}
		for _, f := range []struct {
			path string
			form url.Values
		}{
			{"/admin/users", url.Values{"name": {"mallory"}, "password": {strings.Repeat("p", 20)}, "roles": {"admin"}, "org": {jpOrg}}},
			{"/admin/users/" + target.ID, url.Values{"op": {"roles"}, "roles": {"admin"}}},
			{"/admin/users/" + target.ID, url.Values{"op": {"disable"}}},
			{"/admin/tokens", url.Values{"name": {"t"}, "org": {jpOrg}}},
			{"/admin/webhooks", url.Values{"url": {"https://93.184.216.34/hook"}}},
		} {
			if r := c.do(t, "POST", f.path, f.form); r.status != http.StatusForbidden {
				t.Errorf("%s: POST %s: %d, want 403", name, f.path, r.status)
			}
		}
		if r := c.upload(t, "jp", "id: jp\n"); r.status != http.StatusForbidden {
			t.Errorf("%s: upload a doctrine: %d, want 403", name, r.status)
		}
		if r := c.get(t, "/doctrines/jp"); r.status != 200 || strings.Contains(r.body, `id="upload-form"`) || strings.Contains(r.body, `href="/admin/users"`) {
			t.Errorf("%s: the doctrine page: %d, or it offers the upload or the administration", name, r.status)
		}
	}
	if u := e.mustUser(t, "jp-analyst"); len(u.Roles) != 1 || u.Roles[0] != article5.RoleAnalyst || u.Disabled {
		t.Errorf("jp-analyst was changed by non-admins: %+v", u)
	}
	if _, err := e.db.FindUserByName(context.Background(), "mallory"); article5.ErrorCode(err) != article5.ENOTFOUND {
		t.Errorf("a non-admin created a user: %v", err)
	}
	anon := e.client(t, "en")
	if r := anon.get(t, "/admin/users"); r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/login") {
		t.Errorf("GET /admin/users without a login: %d %s", r.status, r.header.Get("Location"))
	}
	if r := anon.do(t, "POST", "/admin/users", url.Values{"name": {"x"}}); r.status != http.StatusUnauthorized {
		t.Errorf("POST /admin/users without a login: %d", r.status)
	}
	// A form posted from another site is refused before anything else.
	c := e.client(t, "en")
	c.MustLogin(t, "jp-admin")
	req, _ := http.NewRequest("POST", e.srv.URL+"/admin/users/"+target.ID, strings.NewReader("op=disable"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	res, err := c.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden || e.mustUser(t, "jp-analyst").Disabled {
		t.Errorf("a cross-site form: %d", res.StatusCode)
	}
}

// TestAdminUsers: a JP admin lists, creates, changes and disables the
// users of Japan only; bad input is refused next to its field and
// nothing is stored; a U.S. user is, for the JP admin, a user that does
// not exist.
func TestAdminUsers(t *testing.T) {
	e := MustEnv(t)
	e.MustAdmins(t)
	c := e.client(t, "en")
	c.MustLogin(t, "jp-admin")
	p := c.get(t, "/admin/users")
	if p.status != 200 || !strings.Contains(p.body, "jp-analyst") || !strings.Contains(p.body, `href="/admin/users" aria-current="page"`) {
		t.Fatalf("users page: %d %.500s", p.status, p.body)
	}
	if strings.Contains(p.body, "us-analyst") || strings.Contains(p.body, "us-admin") || strings.Contains(p.body, usOrg) {
		t.Errorf("the JP admin's users page shows U.S. users")
	}
	if !strings.Contains(p.body, "TLP:CLEAR") {
		t.Errorf("the page has no TLP banner")
	}

	t.Run("bad input is shown by its field and stores nothing", func(t *testing.T) {
		r := c.do(t, "POST", "/admin/users", url.Values{"name": {"ken"}, "password": {"short"}, "org": {jpOrg}})
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, `id="e-password"`) || !strings.Contains(r.body, `id="e-roles"`) {
			t.Errorf("%d %.300s", r.status, r.body)
		}
		if strings.Contains(r.body, "short") {
			t.Errorf("the password is sent back in the page")
		}
		r = c.do(t, "POST", "/admin/users", url.Values{"name": {"ken"}, "password": {strings.Repeat("x", 20)}, "roles": {"analyst"}, "org": {usOrg}})
		if r.status != http.StatusForbidden || !strings.Contains(r.body, `id="e-org"`) {
			t.Errorf("an organisation the admin may not grant: %d", r.status)
		}
		r = c.do(t, "POST", "/admin/users", url.Values{"name": {"ken"}, "password": {strings.Repeat("x", 20)}, "roles": {"analyst"}, "org": {jpOrg}, "communities": {"community--other"}})
		if r.status != http.StatusForbidden || !strings.Contains(r.body, `id="e-communities"`) {
			t.Errorf("a community the admin is not in: %d", r.status)
		}
		r = c.do(t, "POST", "/admin/users", url.Values{"name": {"jp-legal"}, "password": {strings.Repeat("x", 20)}, "roles": {"analyst"}, "org": {jpOrg}})
		if r.status != http.StatusConflict || !strings.Contains(r.body, `id="e-name"`) {
			t.Errorf("a name taken: %d", r.status)
		}
		if _, err := e.db.FindUserByName(context.Background(), "ken"); article5.ErrorCode(err) != article5.ENOTFOUND {
			t.Errorf("a refused user was stored: %v", err)
		}
	})

	t.Run("create a user who can then log in", func(t *testing.T) {
		r := c.do(t, "POST", "/admin/users", url.Values{"name": {"hana"}, "password": {"a long enough password"}, "roles": {"legal", "observer"},
			"org": {jpOrg}, "communities": {jpCommunity}})
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "/admin/users?done=created" {
			t.Fatalf("%d %.300s", r.status, r.body)
		}
		u := e.mustUser(t, "hana")
		if u.Party != article5.PartyJP || len(u.Roles) != 2 || u.Org != jpOrg || len(u.Communities) != 1 {
			t.Errorf("stored %+v", u)
		}
		h := e.client(t, "en")
		if r := h.do(t, "POST", "/login", url.Values{"name": {"hana"}, "password": {"a long enough password"}}); r.status != http.StatusSeeOther {
			t.Errorf("the new user cannot log in: %d", r.status)
		}
	})

	t.Run("change roles and disable, but not oneself", func(t *testing.T) {
		an := e.mustUser(t, "jp-analyst")
		if r := c.do(t, "POST", "/admin/users/"+an.ID, url.Values{"op": {"roles"}, "roles": {"analyst", "approver"}}); r.status != http.StatusSeeOther {
			t.Errorf("change roles: %d %.300s", r.status, r.body)
		}
		if u := e.mustUser(t, "jp-analyst"); len(u.Roles) != 2 || u.Roles[1] != article5.RoleApprover {
			t.Errorf("roles now %v", u.Roles)
		}
		if r := c.do(t, "POST", "/admin/users/"+an.ID, url.Values{"op": {"roles"}}); r.status != http.StatusBadRequest {
			t.Errorf("no role at all: %d", r.status)
		}
		obs := e.client(t, "en")
		obs.MustLogin(t, "jp-observer")
		if r := c.do(t, "POST", "/admin/users/"+e.mustUser(t, "jp-observer").ID, url.Values{"op": {"disable"}}); r.status != http.StatusSeeOther {
			t.Errorf("disable: %d", r.status)
		}
		if r := obs.get(t, "/"); r.status != http.StatusSeeOther {
			t.Errorf("the disabled user's session still works: %d", r.status)
		}
		me := e.mustUser(t, "jp-admin")
		r := c.do(t, "POST", "/admin/users/"+me.ID, url.Values{"op": {"disable"}})
		if r.status != http.StatusConflict || !strings.Contains(r.body, "You cannot disable yourself") {
			t.Errorf("disable oneself: %d", r.status)
		}
		r = c.do(t, "POST", "/admin/users/"+me.ID, url.Values{"op": {"roles"}, "roles": {"observer"}})
		if r.status != http.StatusConflict {
			t.Errorf("remove one's own admin role: %d", r.status)
		}
		if u := e.mustUser(t, "jp-admin"); u.Disabled || len(u.Roles) != 1 || u.Roles[0] != article5.RoleAdmin {
			t.Errorf("the admin changed themselves: %+v", u)
		}
		if strings.Contains(c.get(t, "/admin/users").body, `action="/admin/users/`+me.ID+`" class="inline"`) {
			t.Errorf("the page offers the admin to disable themselves")
		}
	})

	t.Run("a U.S. user does not exist for the JP admin", func(t *testing.T) {
		us := e.mustUser(t, "us-analyst")
		for _, f := range []url.Values{{"op": {"disable"}}, {"op": {"roles"}, "roles": {"observer"}}} {
			got := c.do(t, "POST", "/admin/users/"+us.ID, f)
			none := c.do(t, "POST", "/admin/users/user--00000000-0000-4000-8000-000000000000", f)
			if got.status != http.StatusNotFound || none.status != http.StatusNotFound || got.body != none.body {
				t.Errorf("%v on a U.S. user: %d; on no user: %d (the pages must be the same)", f, got.status, none.status)
			}
		}
		if u := e.mustUser(t, "us-analyst"); u.Disabled || u.Roles[0] != article5.RoleAnalyst {
			t.Errorf("the JP admin changed a U.S. user: %+v", u)
		}
	})
}

// TestAdminTokens: a JP admin creates a token whose secret is shown once
// and works, lists it without its secret, and revokes it; the U.S. admin
// neither sees nor revokes it.
func TestAdminTokens(t *testing.T) {
	e := MustEnv(t)
	e.MustAdmins(t)
	c := e.client(t, "en")
	c.MustLogin(t, "jp-admin")
	if r := c.do(t, "POST", "/admin/tokens", url.Values{"name": {" "}, "org": {jpOrg}}); r.status != http.StatusBadRequest || !strings.Contains(r.body, `id="e-name"`) {
		t.Errorf("a token without a name: %d", r.status)
	}
	if r := c.do(t, "POST", "/admin/tokens", url.Values{"name": {"feed"}, "org": {usOrg}}); r.status != http.StatusForbidden || !strings.Contains(r.body, `id="e-org"`) {
		t.Errorf("a token of an organisation not the admin's: %d", r.status)
	}
	r := c.do(t, "POST", "/admin/tokens", url.Values{"name": {"feed"}, "org": {jpOrg}, "communities": {jpCommunity}})
	m := regexp.MustCompile(`id="token-secret" readonly value="([A-Za-z0-9_-]{43})"`).FindStringSubmatch(r.body)
	if r.status != http.StatusCreated || m == nil || r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("create: %d %q %.400s", r.status, r.header.Get("Cache-Control"), r.body)
	}
	secret := m[1]
	me := func() int {
		req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if s := me(); s != 200 {
		t.Errorf("the new token is refused by the API: %d", s)
	}
	list := c.get(t, "/admin/tokens")
	if !strings.Contains(list.body, "feed") || strings.Contains(list.body, secret) {
		t.Errorf("the list lacks the token, or shows its secret")
	}
	toks, err := e.db.FindTokens(context.Background(), article5.PartyJP)
	if err != nil || len(toks) != 1 {
		t.Fatalf("tokens %v %v", toks, err)
	}
	us := e.client(t, "en")
	us.MustLogin(t, "us-admin")
	if strings.Contains(us.get(t, "/admin/tokens").body, "feed") {
		t.Errorf("the U.S. admin sees the JP token")
	}
	got := us.do(t, "POST", "/admin/tokens/"+toks[0].ID+"/revoke", url.Values{})
	none := us.do(t, "POST", "/admin/tokens/token--00000000-0000-4000-8000-000000000000/revoke", url.Values{})
	if got.status != http.StatusNotFound || got.body != none.body || me() != 200 {
		t.Errorf("the U.S. admin revoking a JP token: %d (no token: %d)", got.status, none.status)
	}
	if r := c.do(t, "POST", "/admin/tokens/"+toks[0].ID+"/revoke", url.Values{}); r.status != http.StatusSeeOther {
		t.Errorf("revoke: %d", r.status)
	}
	if s := me(); s != http.StatusUnauthorized {
		t.Errorf("the revoked token still works: %d", s)
	}
	if strings.Contains(c.get(t, "/admin/tokens").body, "feed") {
		t.Errorf("the revoked token is still listed")
	}
}

// TestAdminWebhooks: a JP admin adds a webhook (its secret shown once),
// sees it with its delivery state, and removes it; a bad URL is refused
// by its field; the U.S. admin neither sees nor removes it.
func TestAdminWebhooks(t *testing.T) {
	e := MustEnv(t)
	e.MustAdmins(t)
	c := e.client(t, "en")
	c.MustLogin(t, "jp-admin")
	if r := c.do(t, "POST", "/admin/webhooks", url.Values{"url": {"ftp://93.184.216.34/x"}}); r.status != http.StatusBadRequest || !strings.Contains(r.body, `id="e-url"`) {
		t.Errorf("an ftp URL: %d", r.status)
	}
	if r := c.do(t, "POST", "/admin/webhooks", url.Values{"url": {"http://127.0.0.1:9/x"}}); r.status != http.StatusBadRequest || !strings.Contains(r.body, `id="e-url"`) {
		t.Errorf("a loopback URL: %d", r.status)
	}
	r := c.do(t, "POST", "/admin/webhooks", url.Values{"url": {"https://93.184.216.34/hook"}, "events": {"tier-changed", "closed"}})
	if r.status != http.StatusCreated || !regexp.MustCompile(`id="webhook-secret" readonly value="[^"]{20,}"`).MatchString(r.body) {
		t.Fatalf("add: %d %.400s", r.status, r.body)
	}
	hooks, _, err := e.db.FindWebhooks(context.Background(), article5.WebhookFilter{Party: article5.PartyJP})
	if err != nil || len(hooks) != 1 || len(hooks[0].Events) != 2 {
		t.Fatalf("webhooks %+v %v", hooks, err)
	}
	list := c.get(t, "/admin/webhooks")
	if !strings.Contains(list.body, "https://93.184.216.34/hook") || !strings.Contains(list.body, "delivering") || strings.Contains(list.body, hooks[0].Secret) {
		t.Errorf("the list lacks the webhook or its state, or shows its secret")
	}
	us := e.client(t, "en")
	us.MustLogin(t, "us-admin")
	if strings.Contains(us.get(t, "/admin/webhooks").body, "93.184.216.34") {
		t.Errorf("the U.S. admin sees the JP webhook")
	}
	got := us.do(t, "POST", "/admin/webhooks/"+hooks[0].ID+"/remove", url.Values{})
	none := us.do(t, "POST", "/admin/webhooks/webhook--00000000-0000-4000-8000-000000000000/remove", url.Values{})
	if got.status != http.StatusNotFound || got.body != none.body {
		t.Errorf("the U.S. admin removing a JP webhook: %d (none: %d)", got.status, none.status)
	}
	if r := c.do(t, "POST", "/admin/webhooks/"+hooks[0].ID+"/remove", url.Values{}); r.status != http.StatusSeeOther {
		t.Errorf("remove: %d", r.status)
	}
	if h, _ := e.db.FindWebhookByID(context.Background(), hooks[0].ID); h == nil || !h.Disabled {
		t.Errorf("the webhook is not disabled")
	}
	if !strings.Contains(c.get(t, "/admin/webhooks").body, ">removed<") {
		t.Errorf("the removed webhook is not shown as removed")
	}
}

// brokenDoctrine returns the built-in jp doctrine with a fault on the
// line of its party (an unknown property inserted after it): the line of
// the fault, 1-based.
func brokenDoctrine(tb testing.TB) (string, int) {
	tb.Helper()
	src, err := doctrine.DefaultSource("jp")
	if err != nil {
		tb.Fatal(err)
	}
	lines := strings.Split(string(src), "\n")
	for i, l := range lines {
		if l == "party: JP" {
			out := append(append(append([]string{}, lines[:i+1]...), "no_such_property: 1"), lines[i+1:]...)
			return strings.Join(out, "\n"), i + 2
		}
	}
	tb.Fatal("the jp doctrine has no party line")
	return "", 0
}

// TestAdminDoctrineUpload: a JP admin's broken jp doctrine is shown back
// with the fault next to its line (and column) and nothing is stored; a
// CEL fault is placed on its line too; a good one is stored, put in force
// and can be compared with the built-in version; the U.S. admin cannot put
// the jp doctrine.
func TestAdminDoctrineUpload(t *testing.T) {
	e := MustEnv(t)
	e.MustAdmins(t)
	c := e.client(t, "en")
	c.MustLogin(t, "jp-admin")
	p := c.get(t, "/doctrines/jp")
	if p.status != 200 || !strings.Contains(p.body, `id="upload-form"`) || !strings.Contains(p.body, "built in") {
		t.Fatalf("doctrine page: %d %.300s", p.status, p.body)
	}
	ctx := context.Background()
	before, _ := e.n.Doctrine("jp")
	src, line := brokenDoctrine(t)
	r := c.upload(t, "jp", src)
	if r.status != http.StatusBadRequest {
		t.Fatalf("a broken doctrine: %d", r.status)
	}
	row := regexp.MustCompile(`(?s)<tr id="L(\d+)" class="bad">.*?</tr>`).FindStringSubmatch(r.body)
	if row == nil || row[1] != itoa(line) || !strings.Contains(row[0], "line "+itoa(line)+", column 1") || !strings.Contains(row[0], "unknown field") {
		t.Errorf("the fault is not next to line %d: %q", line, row)
	}
	if !strings.Contains(r.body, `href="#L`+itoa(line)+`"`) || !strings.Contains(r.body, "Nothing was stored") {
		t.Errorf("the summary does not link the line or say nothing was stored")
	}
	// A CEL fault (an unknown fact) is placed on the line of its expression.
	good, _ := doctrine.DefaultSource("jp")
	i := strings.Index(string(good), "when: \"")
	if i < 0 {
		t.Fatal("no CEL expression in the jp doctrine")
	}
	celLine := strings.Count(string(good[:i]), "\n") + 1
	badCEL := string(good[:i]) + `when: "no_such_fact > 1"` + string(good[i:])[strings.Index(string(good[i:]), "\n"):]
	r = c.upload(t, "jp", badCEL)
	if r.status != http.StatusBadRequest || !regexp.MustCompile(`<tr id="L`+itoa(celLine)+`" class="bad">`).MatchString(r.body) {
		t.Errorf("a CEL fault on line %d: %d", celLine, r.status)
	}
	if _, err := e.db.FindDoctrineVersions(ctx, "jp"); article5.ErrorCode(err) != article5.ENOTFOUND {
		t.Errorf("a refused doctrine was stored: %v", err)
	}
	if now, _ := e.n.Doctrine("jp"); now.SHA256 != before.SHA256 {
		t.Errorf("a refused doctrine is in force")
	}

	us := e.client(t, "en")
	us.MustLogin(t, "us-admin")
	if r := us.get(t, "/doctrines/jp"); r.status != 200 || strings.Contains(r.body, `id="upload-form"`) {
		t.Errorf("the U.S. admin is offered to change the jp doctrine: %d", r.status)
	}
	newer := strings.Replace(string(good), `version: "`+before.Version+`"`, `version: "`+before.Version+`-web"`, 1)
	if r := us.upload(t, "jp", newer); r.status != http.StatusForbidden {
		t.Errorf("the U.S. admin puts the jp doctrine: %d", r.status)
	}

	r = c.upload(t, "jp", newer)
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/doctrines/jp?done=uploaded&seq=1" {
		t.Fatalf("a good doctrine: %d %s %.300s", r.status, r.header.Get("Location"), r.body)
	}
	vs, err := e.db.FindDoctrineVersions(ctx, "jp")
	if err != nil || len(vs) != 1 || string(vs[0].Source) != newer {
		t.Fatalf("stored %d versions (%v); the text must be kept as written, with LF", len(vs), err)
	}
	if now, _ := e.n.Doctrine("jp"); now.Version != before.Version+"-web" {
		t.Errorf("in force: %s", now.Version)
	}
	d := c.get(t, "/doctrines/jp?from=builtin&to=1")
	if d.status != 200 || !strings.Contains(d.body, `<tr class="d-del">`) || !strings.Contains(d.body, `version: &#34;`+before.Version+`-web&#34;`) {
		t.Errorf("the diff: %d %.300s", d.status, d.body)
	}
	if n := strings.Count(d.body, `<tr class="d-add">`); n != 1 {
		t.Errorf("the diff adds %d lines, want 1", n)
	}
	if r := c.get(t, "/doctrines/jp?from=builtin&to=9"); r.status != http.StatusBadRequest || !strings.Contains(r.body, `id="e-to"`) {
		t.Errorf("a diff to no version: %d", r.status)
	}
	if r := c.get(t, "/doctrines/nope"); r.status != http.StatusNotFound {
		t.Errorf("no such doctrine: %d", r.status)
	}
	list := c.get(t, "/doctrines")
	if !strings.Contains(list.body, "stored version 1") {
		t.Errorf("the list does not say where jp comes from now")
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestUIQuotaPerUser: the pages are held to the request quota of the
// logged-in user (the one their API requests use), not of their address:
// a user who spends theirs gets 429, another user at the same address
// does not.
func TestUIQuotaPerUser(t *testing.T) {
	db, err := sqlite.Open(context.Background(), t.TempDir()+"/article5.db")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var docs []*doctrine.Doctrine
	for _, id := range doctrine.DefaultIDs {
		d, _ := doctrine.Default(id)
		docs = append(docs, d)
	}
	n := &node.Node{Store: db, Doctrines: docs, Now: time.Now, Policy: release.Policy{Holder: jpOrg, Default: stix.TLPAmber}}
	frozen := time.Now()
	const burst = 5
	h := api.New(n, api.Options{Now: func() time.Time { return frozen },
		Limits: api.Limits{RequestRate: 0.001, RequestBurst: burst, AddressRate: 0.001, AddressBurst: 1000, IngestRate: -1},
		UI:     func(s api.Sessions) http.Handler { return web.New(n, s, web.Options{}) }})
	srv := httptest.NewServer(h)
	defer srv.Close()
	e := &env{db: db, n: n, srv: srv}
	for _, name := range []string{"alice", "bob"} {
		u := article5.User{Name: name, Party: article5.PartyJP, Roles: []article5.Role{article5.RoleAnalyst}, Org: jpOrg, PasswordHash: api.HashPassword(password)}
		if err := db.CreateUser(context.Background(), &u); err != nil {
			t.Fatal(err)
		}
	}
	alice, bob := e.client(t, "en"), e.client(t, "en")
	alice.MustLogin(t, "alice")
	bob.MustLogin(t, "bob")
	for i := range burst {
		if r := alice.get(t, "/search"); r.status != 200 {
			t.Fatalf("request %d of alice: %d", i+1, r.status)
		}
	}
	if r := alice.get(t, "/search"); r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
		t.Errorf("alice over her quota: %d", r.status)
	}
	if r := alice.get(t, "/api/v1/me"); r.status != http.StatusTooManyRequests {
		t.Errorf("alice's API requests do not share her quota: %d", r.status)
	}
	if r := bob.get(t, "/search"); r.status != 200 {
		t.Errorf("bob, at the same address, is held to alice's quota: %d", r.status)
	}
}

// TestAdminCatalogue: every message key the administration code names
// is in both catalogues.
func TestAdminCatalogue(t *testing.T) {
	cat, err := web.Messages()
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("admin*.go")
	re := regexp.MustCompile(`"(admin\.[a-z.]+[a-z])"`)
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			n++
			for _, l := range web.Languages {
				if _, ok := cat[l][m[1]]; !ok {
					t.Errorf("%s names %q, not in the %s catalogue", f, m[1], l)
				}
			}
		}
	}
	for _, k := range []string{"created", "roles", "disabled", "enabled", "revoked", "removed", "uploaded", "unchanged"} {
		if _, ok := cat["ja"]["admin.done."+k]; !ok {
			t.Errorf("no message for ?done=%s", k)
		}
	}
	for _, k := range article5.WebhookEventTypes {
		if _, ok := cat["ja"]["event."+k]; !ok {
			t.Errorf("no message for the event type %s", k)
		}
	}
	if n < 20 {
		t.Errorf("only %d keys found in admin*.go", n)
	}
}

// files posts files (field → content) as a multipart form to path.
func (c *client) files(tb testing.TB, path string, files map[string][]byte) response {
	tb.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for field, b := range files {
		fw, err := mw.CreateFormFile(field, field+".json")
		if err != nil {
			tb.Fatal(err)
		}
		fw.Write(b)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", c.e.srv.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept-Language", c.lang)
	res, err := c.c.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(res.Body)
	return response{status: res.StatusCode, body: b.String(), header: res.Header}
}

// TestAdminKeys: a JP admin registers an approver's signing key from its
// files, a key certified by the other Party's root is refused, and a
// root-signed revocation revokes it; the U.S. admin cannot see the JP
// approver's keys nor revoke them, and an analyst is refused.
func TestAdminKeys(t *testing.T) {
	e := MustEnv(t)
	e.MustAdmins(t)
	ctx := context.Background()
	roots := map[article5.Party]*sign.RootKey{}
	for _, p := range []article5.Party{article5.PartyJP, article5.PartyUS} {
		r, err := sign.NewRootKey(p)
		if err != nil {
			t.Fatal(err)
		}
		roots[p] = r
		e.n.Roots = append(e.n.Roots, r.Public())
	}
	signer := article5.User{Name: "jp-signer", Party: article5.PartyJP, Roles: []article5.Role{article5.RoleApprover}, Org: jpOrg, PasswordHash: api.HashPassword(password)}
	if err := e.db.CreateUser(ctx, &signer); err != nil {
		t.Fatal(err)
	}
	pub, sealed, err := sign.NewApproverKey([]byte(password))
	if err != nil {
		t.Fatal(err)
	}
	certBy := func(p article5.Party) []byte {
		now := time.Now()
		cert, err := roots[p].Certify(pub, sign.RoleApprover, "jp-signer", now.Add(-time.Hour), now.Add(24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(cert)
		return b
	}
	keysPath := "/admin/users/" + signer.ID + "/keys"
	an := e.client(t, "en")
	an.MustLogin(t, "jp-analyst")
	if r := an.get(t, keysPath); r.status != http.StatusForbidden {
		t.Errorf("an analyst reads the keys page: %d", r.status)
	}
	if r := an.files(t, keysPath, map[string][]byte{"key": sealed, "cert": certBy(article5.PartyJP)}); r.status != http.StatusForbidden {
		t.Errorf("an analyst registers a key: %d", r.status)
	}
	c := e.client(t, "en")
	c.MustLogin(t, "jp-admin")
	if r := c.files(t, keysPath, map[string][]byte{"key": sealed, "cert": certBy(article5.PartyUS)}); r.status != http.StatusBadRequest || !strings.Contains(r.body, `id="e-key"`) {
		t.Errorf("a key certified by the U.S. root: %d", r.status)
	}
	if keys, _ := e.db.FindApproverKeys(ctx, signer.ID); len(keys) != 0 {
		t.Fatalf("a refused key was stored")
	}
	r := c.files(t, keysPath, map[string][]byte{"key": sealed, "cert": certBy(article5.PartyJP)})
	if r.status != http.StatusSeeOther {
		t.Fatalf("register: %d %.400s", r.status, r.body)
	}
	keys, err := e.db.FindApproverKeys(ctx, signer.ID)
	if err != nil || len(keys) != 1 {
		t.Fatalf("keys %v %v", keys, err)
	}
	page := c.get(t, keysPath)
	if !strings.Contains(page.body, keys[0].KeyID) || strings.Contains(page.body, string(sealed[:20])) {
		t.Errorf("the keys page lacks the key or shows the sealed key")
	}
	us := e.client(t, "en")
	us.MustLogin(t, "us-admin")
	got := us.get(t, keysPath)
	none := us.get(t, "/admin/users/user--00000000-0000-4000-8000-000000000000/keys")
	// The pages differ only by the address (the language switch returns to it).
	if got.status != http.StatusNotFound || strings.ReplaceAll(got.body, signer.ID, "") != strings.ReplaceAll(none.body, "user--00000000-0000-4000-8000-000000000000", "") {
		t.Errorf("the U.S. admin reads the JP approver's keys: %d (none: %d)", got.status, none.status)
	}
	rev, err := roots[article5.PartyJP].Revoke(keys[0].KeyID, "key lost", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	rj, _ := json.Marshal(rev)
	usPath := "/admin/users/" + e.mustUser(t, "us-admin").ID + "/keys/revocation"
	if r := us.files(t, usPath, map[string][]byte{"revocation": rj}); r.status != http.StatusNotFound {
		t.Errorf("the U.S. admin revokes a JP key: %d", r.status)
	}
	if r := c.files(t, keysPath+"/revocation", map[string][]byte{"revocation": rj}); r.status != http.StatusSeeOther {
		t.Fatalf("revoke: %d %.400s", r.status, r.body)
	}
	if k, err := e.db.FindApproverKey(ctx, keys[0].KeyID); err != nil || len(k.Revocation) == 0 {
		t.Errorf("the key is not revoked: %v", err)
	}
	if !strings.Contains(c.get(t, keysPath).body, ">revoked<") {
		t.Errorf("the keys page does not show the key revoked")
	}
}

// TestAdminDoctrineRefusesRangesAndHeldVersions: a parameter out of its
// range is shown next to its line and column with the value and the range
// expected, and another text under the version the node holds is shown
// next to the version line (409); nothing is stored either way.
func TestAdminDoctrineRefusesRangesAndHeldVersions(t *testing.T) {
	e := MustEnv(t)
	e.MustAdmins(t)
	c := e.client(t, "en")
	c.MustLogin(t, "jp-admin")
	before, _ := e.n.Doctrine("jp")
	good, _ := doctrine.DefaultSource("jp")
	bad := strings.Replace(string(good), "attribution_confidence_needed: 60", "attribution_confidence_needed: 600", 1)
	line := strings.Count(bad[:strings.Index(bad, ": 600")], "\n") + 1
	r := c.upload(t, "jp", bad)
	row := regexp.MustCompile(`(?s)<tr id="L(\d+)" class="bad">.*?</tr>`).FindStringSubmatch(r.body)
	if r.status != http.StatusBadRequest || row == nil || row[1] != itoa(line) || !strings.Contains(row[0], "line "+itoa(line)+", column 34") ||
		!strings.Contains(row[0], "attribution_confidence_needed = 600: expected a STIX confidence: a whole number from 0 to 100") {
		t.Errorf("a confidence of 600: %d; the fault is not next to line %d: %q", r.status, line, row)
	}

	held := strings.Replace(string(good), "\nparty: JP\n", "\nparty: JP\n# reworded\n", 1)
	vline := strings.Count(held[:strings.Index(held, "\nversion:")+1], "\n") + 1
	r = c.upload(t, "jp", held)
	row = regexp.MustCompile(`(?s)<tr id="L(\d+)" class="bad">.*?</tr>`).FindStringSubmatch(r.body)
	want := "jp " + before.Version + " is already held with other text (sha256 " + before.SHA256 + "): give the new text its own version"
	if r.status != http.StatusConflict || row == nil || row[1] != itoa(vline) || !strings.Contains(row[0], want) ||
		!strings.Contains(r.body, "already held with another text") || !strings.Contains(r.body, "# reworded") {
		t.Errorf("another text under %s: %d; want 409 with the fault next to line %d: %q", before.Version, r.status, vline, row)
	}
	if _, err := e.db.FindDoctrineVersions(context.Background(), "jp"); article5.ErrorCode(err) != article5.ENOTFOUND {
		t.Errorf("a refused doctrine was stored: %v", err)
	}
	if now, _ := e.n.Doctrine("jp"); now.SHA256 != before.SHA256 {
		t.Errorf("a refused doctrine is in force")
	}
}
