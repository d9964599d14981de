package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"article5"
	"article5/api"
	"article5/node"
)

// webhookView is a webhook as the API answers it.
type webhookView struct {
	ID          string         `json:"id"`
	URL         string         `json:"url"`
	Events      []string       `json:"events"`
	Party       article5.Party `json:"party"`
	Org         string         `json:"org"`
	Disabled    bool           `json:"disabled"`
	Secret      string         `json:"secret"`
	LastError   string         `json:"last_error"`
	NextAttempt string         `json:"next_attempt"`
}

func TestWebhooksAPI(t *testing.T) {
	e := MustLoginEnv(t)
	e.MustUser(t, "kanri", article5.RoleAdmin)
	e.MustUser(t, "aiko", article5.RoleLegal)
	admin := MustSessionCookie(t, e.login(t, "kanri", loginPassword, "")).Value
	legal := MustSessionCookie(t, e.login(t, "aiko", loginPassword, "")).Value
	us := &article5.User{Name: "usadmin", Party: article5.PartyUS, Roles: []article5.Role{article5.RoleAdmin}, Org: holderOrg, PasswordHash: api.HashPassword(loginPassword)}
	if err := e.db.CreateUser(context.Background(), us); err != nil {
		t.Fatal(err)
	}
	usAdmin := MustSessionCookie(t, e.login(t, "usadmin", loginPassword, "")).Value
	jsonHdr := map[string]string{"Content-Type": "application/json"}
	find := func(ws []webhookView, id string) *webhookView {
		for i := range ws {
			if ws[i].ID == id {
				return &ws[i]
			}
		}
		return nil
	}
	post := func(cookie, body string) response {
		return e.call(t, "POST", "/api/v1/webhooks", cookie, jsonHdr, []byte(body))
	}

	r := post(admin, `{"url":"https://hooks.example.jp/a5","events":["concluded","tier-changed","concluded"]}`)
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	var created webhookView
	if err := json.Unmarshal(r.body, &created); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(created.ID, "webhook--") || created.Secret == "" || created.Party != article5.PartyJP || created.Org != holderOrg ||
		strings.Join(created.Events, ",") != "concluded,tier-changed" || r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("created %+v (headers %v)", created, r.header)
	}
	stored, err := e.db.FindWebhookByID(context.Background(), created.ID)
	if err != nil || stored.Secret != created.Secret {
		t.Fatalf("stored %+v, %v: the secret shown is not the one kept", stored, err)
	}

	t.Run("defaults to tier changes and conclusions", func(t *testing.T) {
		var v webhookView
		r := post(admin, `{"url":"http://hooks.example.jp:9/hook"}`)
		if err := json.Unmarshal(r.body, &v); err != nil || r.status != http.StatusCreated {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if strings.Join(v.Events, ",") != "tier-changed,concluded" {
			t.Errorf("default events %v", v.Events)
		}
	})

	t.Run("list never shows a secret", func(t *testing.T) {
		r := e.call(t, "GET", "/api/v1/webhooks", admin, nil, nil)
		if r.status != http.StatusOK || strings.Contains(string(r.body), created.Secret) || strings.Contains(string(r.body), `"secret"`) {
			t.Fatalf("list: %d %s", r.status, r.body)
		}
		var l struct{ Webhooks []webhookView }
		MustDecode(t, r, &l)
		if len(l.Webhooks) != 2 || find(l.Webhooks, created.ID) == nil { // refused URLs are not stored
			t.Errorf("listed %+v", l.Webhooks)
		}
		// The other party's admin sees none of them.
		MustDecode(t, e.call(t, "GET", "/api/v1/webhooks", usAdmin, nil, nil), &l)
		if len(l.Webhooks) != 0 {
			t.Errorf("the US admin sees JP webhooks: %+v", l.Webhooks)
		}
	})

	t.Run("bad input names the property", func(t *testing.T) {
		for body, pointer := range map[string]string{
			`{"url":"ftp://hooks.example.jp/x"}`: "/url",
			`{"url":"/relative/path"}`:           "/url",
			`{"url":""}`:                         "/url",
			`{"url":"https://"}`:                 "/url",
			`{"url":"https://h.example/x","events":["tier-chngd"]}`: "/events/0",
			`{"url":"https://h.example/x","events":"concluded"}`:    "/events",
		} {
			er := MustError(t, post(admin, body), http.StatusBadRequest, article5.EINVALID)
			if len(er.Error.Details) == 0 || er.Error.Details[0].Pointer != pointer {
				t.Errorf("%s: details %+v, want pointer %s", body, er.Error.Details, pointer)
			}
		}
		MustError(t, post(admin, `{"url":"https://h.example/x","secret":"mine"}`), http.StatusBadRequest, article5.EINVALID)
		MustError(t, post(admin, `not json`), http.StatusBadRequest, article5.EINVALID)
	})

	t.Run("refuses destinations inside the node's networks", func(t *testing.T) {
		for _, u := range []string{"http://127.0.0.1:8080/hook", "http://10.0.0.7/h", "http://169.254.169.254/latest/meta-data/",
			"https://[::1]/h", "http://[::ffff:127.0.0.1]/h", "http://100.64.1.1/h", "https://[fd00::1]/h",
			"http://localhost.example.jp/h", "https://intranet.example.jp/h"} {
			er := MustError(t, post(admin, `{"url":"`+u+`"}`), http.StatusBadRequest, article5.EINVALID)
			if len(er.Error.Details) != 1 || er.Error.Details[0].Pointer != "/url" || !strings.Contains(er.Error.Details[0].Message, "webhook-allow") {
				t.Errorf("%s: %+v, want the refused address named at /url", u, er.Error)
			}
		}
	})

	t.Run("only admins", func(t *testing.T) {
		MustError(t, post(legal, `{"url":"https://h.example/x"}`), http.StatusForbidden, article5.EFORBIDDEN)
		MustError(t, e.call(t, "GET", "/api/v1/webhooks", legal, nil, nil), http.StatusForbidden, article5.EFORBIDDEN)
		MustError(t, e.do(t, "POST", "/api/v1/webhooks", e.analyst, "application/json", []byte(`{"url":"https://h.example/x"}`)), http.StatusForbidden, article5.EFORBIDDEN)
		MustError(t, e.call(t, "POST", "/api/v1/webhooks", "", jsonHdr, []byte(`{"url":"https://h.example/x"}`)), http.StatusUnauthorized, article5.EUNAUTHORIZED)
	})

	t.Run("delete disables, for the own party only", func(t *testing.T) {
		MustError(t, e.call(t, "DELETE", "/api/v1/webhooks/"+created.ID, usAdmin, nil, nil), http.StatusNotFound, article5.ENOTFOUND)
		MustError(t, e.call(t, "DELETE", "/api/v1/webhooks/webhook--missing", admin, nil, nil), http.StatusNotFound, article5.ENOTFOUND)
		if r := e.call(t, "DELETE", "/api/v1/webhooks/"+created.ID, admin, nil, nil); r.status != http.StatusNoContent {
			t.Fatalf("delete: %d %s", r.status, r.body)
		}
		var l struct{ Webhooks []webhookView }
		MustDecode(t, e.call(t, "GET", "/api/v1/webhooks", admin, nil, nil), &l)
		if got := find(l.Webhooks, created.ID); got == nil || !got.Disabled {
			t.Errorf("after delete: %+v", l.Webhooks)
		}
	})
}

func TestCheckWebhookURL(t *testing.T) {
	for _, ok := range []string{"https://hooks.example.jp/a5?x=1", "http://127.0.0.1:8080/hook", "https://[::1]/h"} {
		if err := api.CheckWebhookURL(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "example.jp/hook", "mailto:a@example.jp", "https:///path", "https://h.example/x#frag", "javascript:alert(1)", "https://" + strings.Repeat("a", 2100)} {
		err := api.CheckWebhookURL(bad)
		var e *article5.Error
		if article5.ErrorCode(err) != article5.EINVALID || !errors.As(err, &e) || len(e.Details) != 1 || e.Details[0].Pointer != "/url" {
			t.Errorf("%q: %v, want EINVALID naming /url", bad, err)
		}
	}
}

func TestWebhookAllowedDestination(t *testing.T) {
	e := MustLoginEnvWith(t, api.Options{Webhooks: node.WebhookOptions{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}})
	e.MustUser(t, "kanri", article5.RoleAdmin)
	admin := MustSessionCookie(t, e.login(t, "kanri", loginPassword, "")).Value
	post := func(u string) response {
		return e.call(t, "POST", "/api/v1/webhooks", admin, map[string]string{"Content-Type": "application/json"}, []byte(`{"url":"`+u+`"}`))
	}
	for _, u := range []string{"http://127.0.0.1:8080/hook", "http://localhost.example.jp/h"} {
		if r := post(u); r.status != http.StatusCreated {
			t.Errorf("%s with 127.0.0.0/8 allowed: %d %s", u, r.status, r.body)
		}
	}
	MustError(t, post("http://10.0.0.7/h"), http.StatusBadRequest, article5.EINVALID)
}
