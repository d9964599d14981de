package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"article5"
	"article5/api"
)

const outsiderOrg = "identity--5e0f3c1a-9b2d-4c8e-a7f6-0d1e2c3b4a59"

// consultEnv is a login env holding the dam-control example, assessed, with
// a JP analyst, a JP legal adviser and a US legal adviser of an
// organisation the example's TLP:AMBER does not reach.
type consultEnv struct {
	*loginEnv
	analyst, legal, outsider string // session cookies
}

func MustConsultEnv(tb testing.TB) *consultEnv {
	tb.Helper()
	e := MustLoginEnv(tb)
	if r := e.ingest(tb, MustExample(tb, "dam-control"), ""); r.status != http.StatusOK && r.status != http.StatusCreated && r.status != http.StatusAccepted {
		tb.Fatalf("ingest: %d %s", r.status, r.body)
	}
	e.MustRunJobs(tb)
	e.MustUser(tb, "sato", article5.RoleAnalyst)
	e.MustUser(tb, "suzuki", article5.RoleLegal)
	out := &article5.User{Name: "miller", Party: article5.PartyUS, Roles: []article5.Role{article5.RoleLegal}, Org: outsiderOrg, PasswordHash: api.HashPassword(loginPassword)}
	if err := e.db.CreateUser(context.Background(), out); err != nil {
		tb.Fatal(err)
	}
	c := &consultEnv{loginEnv: e}
	c.analyst = MustSessionCookie(tb, e.login(tb, "sato", loginPassword, "")).Value
	c.legal = MustSessionCookie(tb, e.login(tb, "suzuki", loginPassword, "")).Value
	c.outsider = MustSessionCookie(tb, e.login(tb, "miller", loginPassword, "")).Value
	return c
}

func (c *consultEnv) json(tb testing.TB, method, path, cookie string, body any) response {
	tb.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		tb.Fatal(err)
	}
	return c.call(tb, method, path, cookie, map[string]string{"Content-Type": "application/json"}, b)
}

func TestConsultationRefusals(t *testing.T) {
	c := MustConsultEnv(t)
	base := "/api/v1/cases/" + damCase
	if r := c.json(t, "POST", base+"/consultation", c.analyst, map[string]bool{"request_consultation": true}); r.status != http.StatusCreated {
		t.Fatalf("open: %d %s", r.status, r.body)
	}

	t.Run("OpenedTwiceConflicts", func(t *testing.T) {
		MustError(t, c.json(t, "POST", base+"/consultation", c.analyst, map[string]bool{}), http.StatusConflict, article5.ECONFLICT)
	})
	t.Run("PositionOnACaseTheUserCannotSee", func(t *testing.T) {
		// The case is TLP:AMBER for the holder's organisation: the outsider
		// neither sees it nor can act on it, and learns nothing from trying.
		pos := map[string]string{"tier": "below-threshold", "opinion": "disagree", "reasons": "not an armed attack"}
		MustError(t, c.json(t, "PUT", base+"/positions/US", c.outsider, pos), http.StatusNotFound, article5.ENOTFOUND)
		MustError(t, c.call(t, "GET", base+"/consultation", c.outsider, nil, nil), http.StatusNotFound, article5.ENOTFOUND)
		MustError(t, c.json(t, "POST", base+"/rfis", c.outsider, map[string]string{"question": "?"}), http.StatusNotFound, article5.ENOTFOUND)
		var v struct {
			Positions map[string]any `json:"positions"`
			RFIs      []any          `json:"rfis"`
		}
		MustDecode(t, c.call(t, "GET", base+"/consultation", c.legal, nil, nil), &v)
		if len(v.Positions) != 0 || len(v.RFIs) != 0 {
			t.Errorf("the refused requests changed the consultation: %+v", v)
		}
	})
	t.Run("BadPositionNamesTheField", func(t *testing.T) {
		e := MustError(t, c.json(t, "PUT", base+"/positions/JP", c.legal, map[string]string{"tier": "armed-attack-possible", "opinion": "maybe", "reasons": "x"}), http.StatusBadRequest, article5.EINVALID)
		if len(e.Error.Details) != 1 || e.Error.Details[0].Pointer != "/opinion" {
			t.Errorf("details %+v, want /opinion", e.Error.Details)
		}
		e = MustError(t, c.json(t, "PUT", base+"/positions/JP", c.legal, map[string]string{"tier": "armed-attack-possible", "opinon": "agree"}), http.StatusBadRequest, article5.EINVALID)
		if len(e.Error.Details) == 0 || e.Error.Details[0].Pointer != "/opinon" {
			t.Errorf("an unknown field is not named: %+v", e.Error)
		}
		MustError(t, c.json(t, "PUT", base+"/positions/XX", c.legal, map[string]string{}), http.StatusBadRequest, article5.EINVALID)
	})
	t.Run("TokenCannotSign", func(t *testing.T) {
		r := c.do(t, "POST", base+"/positions/JP/signature", c.env.analyst, "application/json", []byte(`{"password":"x"}`))
		MustError(t, r, http.StatusForbidden, article5.EFORBIDDEN)
	})
	t.Run("LegalCannotSign", func(t *testing.T) {
		if r := c.json(t, "PUT", base+"/positions/JP", c.legal, map[string]string{"tier": "use-of-force-possible", "opinion": "agree", "reasons": "r"}); r.status != http.StatusOK {
			t.Fatalf("position: %d %s", r.status, r.body)
		}
		MustError(t, c.json(t, "POST", base+"/positions/JP/signature", c.legal, map[string]string{"password": loginPassword}), http.StatusForbidden, article5.EFORBIDDEN)
	})
	t.Run("WrongPasswordsRateLimited", func(t *testing.T) {
		c.MustUser(t, "tanaka", article5.RoleApprover)
		approver := MustSessionCookie(t, c.login(t, "tanaka", loginPassword, "")).Value
		var last response
		for i := 0; i < 6; i++ {
			last = c.json(t, "POST", base+"/positions/JP/signature", approver, map[string]string{"password": "not the password at all"})
			if i < 5 {
				MustError(t, last, http.StatusForbidden, article5.EFORBIDDEN)
			}
		}
		if last.status != http.StatusTooManyRequests {
			t.Errorf("sixth wrong password: %d %s, want 429", last.status, last.body)
		}
		// The right password is refused too while the limit holds: a guesser
		// cannot tell it from a wrong one.
		if r := c.json(t, "POST", base+"/positions/JP/signature", approver, map[string]string{"password": loginPassword}); r.status != http.StatusTooManyRequests {
			t.Errorf("right password during the limit: %d %s, want 429", r.status, r.body)
		}
		if r := c.json(t, "POST", base+"/positions/JP/signature", approver, map[string]string{"password": "not the password at all"}); r.header.Get("Retry-After") == "" {
			t.Errorf("429 without Retry-After: %v", r.header)
		}
	})
	t.Run("WrongPasswordsInAnotherSessionDoNotLockTheApprover", func(t *testing.T) {
		// A session of the approver that someone else holds (a stolen
		// cookie) guesses until refused; the approver's own session is
		// still checked: a wrong password is 403, the right one passes the
		// check (and is then refused for the want of a signing key).
		c.MustCheapUser(t, "kato", article5.RoleApprover)
		stolen := MustSessionCookie(t, c.login(t, "kato", loginPassword, "")).Value
		own := MustSessionCookie(t, c.login(t, "kato", loginPassword, "")).Value
		for i := 0; ; i++ {
			r := c.json(t, "POST", base+"/positions/JP/signature", stolen, map[string]string{"password": "a guess"})
			if r.status == http.StatusTooManyRequests {
				break
			}
			MustError(t, r, http.StatusForbidden, article5.EFORBIDDEN)
			if i > api.LoginFreeFailures {
				t.Fatalf("%d wrong passwords and no 429", i)
			}
		}
		MustError(t, c.json(t, "POST", base+"/positions/JP/signature", own, map[string]string{"password": "a typo"}), http.StatusForbidden, article5.EFORBIDDEN)
		r := c.json(t, "POST", base+"/positions/JP/signature", own, map[string]string{"password": loginPassword})
		if er := MustError(t, r, http.StatusForbidden, article5.EFORBIDDEN); strings.HasPrefix(er.Error.Message, "wrong password") {
			t.Errorf("the right password in the approver's own session: %s", r.body)
		}
	})
	t.Run("CaseFromUnknownIncident", func(t *testing.T) {
		e := MustError(t, c.json(t, "POST", "/api/v1/cases", c.analyst, map[string]any{"name": "x", "incidents": []string{"incident--00000000-0000-4000-8000-000000000000", "indicator--x"}}), http.StatusBadRequest, article5.EINVALID)
		if len(e.Error.Details) != 2 || e.Error.Details[0].Pointer != "/incidents/0" || e.Error.Details[1].Pointer != "/incidents/1" {
			t.Errorf("details %+v, want /incidents/0 and /incidents/1", e.Error.Details)
		}
	})
	t.Run("RecordBeforeAnySignature", func(t *testing.T) {
		MustError(t, c.call(t, "GET", base+"/record", c.legal, nil, nil), http.StatusNotFound, article5.ENOTFOUND)
	})
	t.Run("AnalystCannotExport", func(t *testing.T) {
		MustError(t, c.call(t, "GET", base+"/record", c.analyst, nil, nil), http.StatusForbidden, article5.EFORBIDDEN)
	})
}

// TestWithheldShownOnlyToWhoMayRead: on a node with a partner, a
// consultation leaves out of its assessment the evidence the partner may
// not receive (here a TLP:AMBER+STRICT relationship) and lists it to the
// holder's users with the rule. A user of a client organisation, who
// reads TLP:AMBER but not that relationship, cannot read the case either
// (a case carries the audience of all its evidence): its consultation
// answers exactly as one that does not exist, naming nothing withheld.
func TestWithheldShownOnlyToWhoMayRead(t *testing.T) {
	const clientOrg = "identity--5e0f3c1a-9b2d-4c8e-a7f6-0d1e2c3b4a60"
	const strictRel = "relationship--5e0f3c1a-9b2d-4c8e-a7f6-0d1e2c3b4a61"
	const strictID = "identity--5e0f3c1a-9b2d-4c8e-a7f6-0d1e2c3b4a62"
	c := MustConsultEnv(t)
	ctx := context.Background()
	c.n.Policy.Clients = map[string][]string{holderOrg: {clientOrg}}
	if err := c.db.CreatePartner(ctx, &article5.Partner{Name: "us", APIRoot: "http://127.0.0.1:1/taxii2/article5/", Token: "unused", SpeaksFor: []string{clientOrg}}); err != nil {
		t.Fatal(err)
	}
	client := &article5.User{Name: "brown", Party: article5.PartyUS, Roles: []article5.Role{article5.RoleLegal}, Org: clientOrg, PasswordHash: api.HashPassword(loginPassword)}
	if err := c.db.CreateUser(ctx, client); err != nil {
		t.Fatal(err)
	}
	clientSession := MustSessionCookie(t, c.login(t, "brown", loginPassword, "")).Value
	strict := `{"type":"bundle","id":"bundle--5e0f3c1a-9b2d-4c8e-a7f6-0d1e2c3b4a63","objects":[
	 {"type":"identity","spec_version":"2.1","id":"` + strictID + `","created":"2026-11-20T10:00:00.000Z","modified":"2026-11-20T10:00:00.000Z","name":"a source","identity_class":"individual","created_by_ref":"` + holderOrg + `","object_marking_refs":["marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"]},
	 {"type":"relationship","spec_version":"2.1","id":"` + strictRel + `","created":"2026-11-20T10:00:00.000Z","modified":"2026-11-20T10:00:00.000Z","relationship_type":"related-to","source_ref":"` + damIncident + `","target_ref":"` + strictID + `","created_by_ref":"` + holderOrg + `","object_marking_refs":["marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"]}]}`
	if r := c.ingest(t, []byte(strict), ""); r.status >= 300 {
		t.Fatalf("ingest: %d %s", r.status, r.body)
	}
	c.MustRunJobs(t)
	base := "/api/v1/cases/" + damCase
	if r := c.json(t, "POST", base+"/consultation", c.analyst, map[string]bool{"request_consultation": true}); r.status != http.StatusCreated {
		t.Fatalf("open: %d %s", r.status, r.body)
	}
	type view struct {
		Withheld []struct {
			ID, Partner, Reason string
		} `json:"withheld"`
	}
	var own view
	MustDecode(t, c.call(t, "GET", base+"/consultation", c.legal, nil, nil), &own)
	var ids []string
	for _, w := range own.Withheld {
		ids = append(ids, w.ID)
		if w.Partner != "us" || !strings.Contains(w.Reason, "amber+strict") {
			t.Errorf("withheld %+v", w)
		}
	}
	if strings.Join(ids, " ") != strictID+" "+strictRel {
		t.Fatalf("the holder's legal adviser is shown %v", ids)
	}
	r := c.call(t, "GET", base+"/consultation", clientSession, nil, nil)
	missing := c.call(t, "GET", "/api/v1/cases/grouping--5e0f3c1a-9b2d-4c8e-a7f6-0d1e2c3b4a64/consultation", clientSession, nil, nil)
	MustError(t, r, http.StatusNotFound, article5.ENOTFOUND)
	if string(r.body) != string(missing.body) || strings.Contains(string(r.body), strictRel) || strings.Contains(string(r.body), strictID) {
		t.Fatalf("the client's user learns of what it may not read: %s (a case that does not exist: %s)", r.body, missing.body)
	}
}
