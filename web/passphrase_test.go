package web_test

import (
	"context"
	"crypto/rand"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"article5"
	"article5/api"
	"article5/web"
)

// TestSigningPassphrase: an approver sets a signing passphrase on its page
// (checked: length, confirmation, a current secret that opens the key;
// nothing changes on a refusal), then signs with it, and no longer with
// the login password the key was sealed with; other roles may not set
// one.
func TestSigningPassphrase(t *testing.T) {
	e := MustEnv(t)
	e.MustApprovers(t)
	e.MustIngest(t, "jp-analyst", MustExample(t, "dam-control"))
	const id = "grouping--eb902b1f-89f8-47b0-ab8f-a81479941a41"
	const pass = "river gauge at dawn 42"
	a := e.client(t, "en")
	a.MustLogin(t, "jp-approver")
	if p := a.get(t, "/account/passphrase"); p.status != 200 || !strings.Contains(p.body, `action="/account/passphrase"`) {
		t.Fatalf("passphrase page: %d", p.status)
	}
	for _, c := range []struct {
		name string
		form url.Values
		want int
		says string
	}{
		{"short", url.Values{"current": {password}, "passphrase": {"short"}, "confirm": {"short"}}, 400, "At least 12"},
		{"confirm", url.Values{"current": {password}, "passphrase": {pass}, "confirm": {pass + "x"}}, 400, "differ"},
		{"wrong current", url.Values{"current": {"not the password"}, "passphrase": {pass}, "confirm": {pass}}, 403, "opens none"},
	} {
		if r := a.do(t, "POST", "/account/passphrase", c.form); r.status != c.want || !strings.Contains(r.body, c.says) {
			t.Errorf("%s: %d, want %d saying %q", c.name, r.status, c.want, c.says)
		}
	}
	if r := a.do(t, "POST", "/account/passphrase", url.Values{"current": {password}, "passphrase": {pass}, "confirm": {pass}}); r.status != http.StatusSeeOther {
		t.Fatalf("set passphrase: %d %.300s", r.status, r.body)
	}
	if p := a.get(t, "/account/passphrase?done=ok"); !strings.Contains(p.body, `id="passphrase-done"`) {
		t.Errorf("no confirmation")
	}
	// Sign: the login password no longer opens the key; the passphrase does.
	o := e.client(t, "en")
	o.MustLogin(t, "jp-observer")
	if r := o.get(t, "/account/passphrase"); r.status != http.StatusForbidden {
		t.Errorf("an observer's passphrase page: %d", r.status)
	}
	post := func(user, action string, form url.Values) {
		c := e.client(t, "en")
		c.MustLogin(t, user)
		if r := c.do(t, "POST", "/cases/"+id+"/"+action, form); r.status != http.StatusSeeOther {
			t.Fatalf("%s %s: %d", user, action, r.status)
		}
	}
	post("jp-analyst", "open", url.Values{})
	post("jp-analyst", "request", url.Values{})
	post("jp-legal", "position", url.Values{"tier": {"armed-attack-possible"}, "opinion": {"agree"}, "reasons": {"r"}})
	if r := a.do(t, "POST", "/cases/"+id+"/sign", url.Values{"password": {password}}); r.status != http.StatusForbidden || !strings.Contains(r.body, "nothing was signed") {
		t.Errorf("signing with the old password: %d", r.status)
	}
	if r := a.do(t, "POST", "/cases/"+id+"/sign", url.Values{"password": {pass}}); r.status != http.StatusSeeOther {
		t.Errorf("signing with the passphrase: %d %.300s", r.status, r.body)
	}
	if c, _, _ := e.n.Consultation(context.Background(), id); c == nil || c.Positions[article5.PartyJP] == nil || c.Positions[article5.PartyJP].Signature == nil {
		t.Errorf("the JP position is not signed")
	}
}

// TestOIDCApproverSigns: an approver who has no password on the node
// logs in through the Party's identity provider and signs with the
// passphrase their key is sealed with, after setting a new one.
func TestOIDCApproverSigns(t *testing.T) {
	p := newIDP(t)
	e := MustEnv(t, web.Options{OIDC: []web.OIDCProvider{{Party: article5.PartyJP, Issuer: p.srv.URL, ClientID: "article5-web", ClientSecret: "s3cret"}}})
	e.MustApprovers(t)
	// A user who logs in only through the provider: a password nobody
	// knows (the node's user model requires one).
	u := article5.User{Name: "jp-sso-approver", Party: article5.PartyJP, Roles: []article5.Role{article5.RoleApprover}, Org: e.holder,
		PasswordHash: api.HashPassword(rand.Text())}
	if err := e.db.CreateUser(context.Background(), &u); err != nil {
		t.Fatal(err)
	}
	const first, second = "first key passphrase", "second key passphrase"
	e.MustApproverKey(t, &u, first)
	e.MustIngest(t, "jp-analyst", MustExample(t, "dam-control"))
	const id = "grouping--eb902b1f-89f8-47b0-ab8f-a81479941a41"
	c := e.client(t, "en")
	p.as(map[string]any{"sub": "jp-sso-approver"}, "")
	if r := oidcLogin(t, c, p, "/account/passphrase"); r.status != http.StatusSeeOther {
		t.Fatalf("OIDC login: %d", r.status)
	}
	if r := c.do(t, "POST", "/account/passphrase", url.Values{"current": {first}, "passphrase": {second}, "confirm": {second}}); r.status != http.StatusSeeOther {
		t.Fatalf("set passphrase: %d %.300s", r.status, r.body)
	}
	for _, s := range []struct{ user, action string }{{"jp-analyst", "open"}, {"jp-analyst", "request"}} {
		x := e.client(t, "en")
		x.MustLogin(t, s.user)
		x.do(t, "POST", "/cases/"+id+"/"+s.action, url.Values{})
	}
	l := e.client(t, "en")
	l.MustLogin(t, "jp-legal")
	l.do(t, "POST", "/cases/"+id+"/position", url.Values{"tier": {"armed-attack-possible"}, "opinion": {"agree"}, "reasons": {"r"}})
	if r := c.get(t, "/cases/"+id); !strings.Contains(r.body, `id="sign-form"`) || !strings.Contains(r.body, "signing passphrase") {
		t.Fatalf("the OIDC approver is not offered to sign")
	}
	if r := c.do(t, "POST", "/cases/"+id+"/sign", url.Values{"password": {first}}); r.status != http.StatusForbidden {
		t.Errorf("signing with the replaced passphrase: %d", r.status)
	}
	if r := c.do(t, "POST", "/cases/"+id+"/sign", url.Values{"password": {second}}); r.status != http.StatusSeeOther {
		t.Errorf("signing with the passphrase: %d %.300s", r.status, r.body)
	}
}
