package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"article5"
	"article5/api"
	"article5/sign"
)

// MustApprovers gives the node trusted JP and US root keys and creates
// jp-approver and us-approver, each with a signing key sealed with their
// login password and certified by their Party's root, plus us-legal.
func (e *env) MustApprovers(tb testing.TB) {
	tb.Helper()
	ctx := context.Background()
	roots := map[article5.Party]*sign.RootKey{}
	for _, p := range []article5.Party{article5.PartyJP, article5.PartyUS} {
		r, err := sign.NewRootKey(p)
		if err != nil {
			tb.Fatal(err)
		}
		roots[p] = r
		e.n.Roots = append(e.n.Roots, r.Public())
	}
	e.roots = roots
	for _, u := range []article5.User{
		{Name: "jp-approver", Party: article5.PartyJP, Roles: []article5.Role{article5.RoleApprover}, Org: e.holder},
		{Name: "us-approver", Party: article5.PartyUS, Roles: []article5.Role{article5.RoleApprover}, Org: usOrg},
		{Name: "us-legal", Party: article5.PartyUS, Roles: []article5.Role{article5.RoleLegal}, Org: usOrg},
	} {
		u.PasswordHash = api.HashPassword(password)
		if err := e.db.CreateUser(ctx, &u); err != nil {
			tb.Fatal(err)
		}
		if u.Roles[0] == article5.RoleApprover {
			e.MustApproverKey(tb, &u, password)
		}
	}
}

// MustApproverKey gives user u a signing key sealed with secret,
// certified by the root MustApprovers made for u's Party.
func (e *env) MustApproverKey(tb testing.TB, u *article5.User, secret string) {
	tb.Helper()
	pub, sealed, err := sign.NewApproverKey([]byte(secret))
	if err != nil {
		tb.Fatal(err)
	}
	now := time.Now()
	cert, err := e.roots[u.Party].Certify(pub, sign.RoleApprover, u.Name, now.Add(-time.Hour), now.Add(24*time.Hour))
	if err != nil {
		tb.Fatal(err)
	}
	cj, err := json.Marshal(cert)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := e.n.RegisterApproverKey(context.Background(), u, sealed, cj); err != nil {
		tb.Fatal(err)
	}
}

// TestConsultationToDetermination takes a case through the case page's
// forms only: a JP analyst opens the consultation and requests
// consultations, the JP and US legal advisers record their positions, each
// approver sees exactly what they sign and signs with their password
// again (a wrong one signs nothing), and both see the joint determination.
func TestConsultationToDetermination(t *testing.T) {
	e := MustEnv(t)
	e.MustApprovers(t)
	e.MustIngest(t, "jp-analyst", MustExample(t, "dam-control"))
	const id = "grouping--eb902b1f-89f8-47b0-ab8f-a81479941a41"
	path := "/cases/" + id
	as := func(name string) *client {
		c := e.client(t, "en")
		c.MustLogin(t, name)
		return c
	}
	post := func(c *client, action string, form url.Values, want int) response {
		t.Helper()
		r := c.do(t, "POST", path+"/"+action, form)
		if r.status != want {
			t.Fatalf("%s: %d, want %d: %.400s", action, r.status, want, r.body)
		}
		return r
	}
	analyst := as("jp-analyst")
	post(analyst, "open", url.Values{}, http.StatusSeeOther)
	post(analyst, "request", url.Values{}, http.StatusSeeOther)
	jpLegal, usLegal := as("jp-legal"), as("us-legal")
	if p := jpLegal.get(t, path); !strings.Contains(p.body, `action="`+path+`/position"`) || strings.Contains(p.body, `id="sign-form"`) {
		t.Errorf("the JP legal adviser is not offered to record a position, or is offered to sign")
	}
	// A request for information and its answer, through the thread.
	post(jpLegal, "rfi", url.Values{"question": {"Were the floodgate controllers reached from the Internet?"}}, http.StatusSeeOther)
	p := usLegal.get(t, path)
	rfi := regexp.MustCompile(`name="rfi" value="([^"]+)"`).FindStringSubmatch(p.body)
	if rfi == nil || !strings.Contains(p.body, "Were the floodgate controllers") {
		t.Fatalf("the US legal adviser is not offered to answer the request: %.500s", p.body)
	}
	if strings.Contains(jpLegal.get(t, path).body, `name="rfi" value=`) {
		t.Errorf("the asking Party is offered to answer its own request")
	}
	post(usLegal, "answer", url.Values{"rfi": {rfi[1]}, "answer": {"Yes, through a vendor's remote access."}}, http.StatusSeeOther)
	if p := jpLegal.get(t, path); !strings.Contains(p.body, "through a vendor&#39;s remote access") {
		t.Errorf("the answer is not in the thread")
	}
	post(jpLegal, "position", url.Values{"tier": {"armed-attack-possible"}, "opinion": {"agree"}, "reasons": {"Floodgates opened above a city; 38 deaths."}}, http.StatusSeeOther)
	post(usLegal, "position", url.Values{"tier": {"armed-attack-possible"}, "opinion": {"agree"}, "reasons": {"Koh's dam example."}}, http.StatusSeeOther)
	// A refused position says why, next to the form.
	r := post(jpLegal, "position", url.Values{"tier": {"no-such-tier"}, "opinion": {"agree"}, "reasons": {"x"}}, http.StatusBadRequest)
	if !strings.Contains(r.body, "The form was not valid") {
		t.Errorf("refused position: %.400s", r.body)
	}
	jpApp, usApp := as("jp-approver"), as("us-approver")
	p = jpApp.get(t, path)
	hash := regexp.MustCompile(`id="sign-hash">([0-9a-f]{64})<`).FindStringSubmatch(p.body)
	if hash == nil || !strings.Contains(p.body, "Floodgates opened above a city") || !strings.Contains(p.body, "Evidence digest") {
		t.Fatalf("the sign form does not show what is signed: %.600s", p.body)
	}
	if !strings.Contains(p.body, `<code translate="no">`+hash[1]+`</code>`) {
		t.Errorf("the signed hash is not the case's assessment hash")
	}
	if r := post(jpApp, "sign", url.Values{"password": {"wrong"}}, http.StatusForbidden); !strings.Contains(r.body, "nothing was signed") {
		t.Errorf("wrong password: %.300s", r.body)
	}
	post(jpApp, "sign", url.Values{"password": {password}}, http.StatusSeeOther)
	post(usApp, "sign", url.Values{"password": {password}}, http.StatusSeeOther)
	for _, c := range []*client{analyst, usLegal} {
		p := c.get(t, path)
		if !strings.Contains(p.body, "concluded: concurred") || !strings.Contains(p.body, `class="determination"`) {
			t.Errorf("no joint determination on the case page: %.300s", p.body)
		}
	}
	if p := jpApp.get(t, path); !strings.Contains(p.body, `action="`+path+`/close"`) {
		t.Errorf("the approver is not offered to close the concluded case")
	}
	if p := analyst.get(t, path); strings.Contains(p.body, `action="`+path+`/close"`) {
		t.Errorf("the analyst is offered to close the case, which the role may not")
	}
}
