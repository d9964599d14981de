package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"article5"
	"article5/api"
)

// MustPartyUser stores a user of party with loginPassword.
func (e *loginEnv) MustPartyUser(tb testing.TB, name string, party article5.Party, roles ...article5.Role) *article5.User {
	tb.Helper()
	u := &article5.User{Name: name, Party: party, Roles: roles, Org: holderOrg, Communities: []string{"community--jp-gov"}, PasswordHash: api.HashPassword(loginPassword)}
	if err := e.db.CreateUser(context.Background(), u); err != nil {
		tb.Fatal(err)
	}
	return u
}

// MustLogin logs name in and returns the session secret.
func (e *loginEnv) MustLogin(tb testing.TB, name string) string {
	tb.Helper()
	return MustSessionCookie(tb, e.login(tb, name, loginPassword, "")).Value
}

// sendJSON calls the API with a session and a JSON body.
func (e *loginEnv) sendJSON(tb testing.TB, method, path, session string, body any) response {
	tb.Helper()
	data, err := json.Marshal(body)
	if err != nil {
		tb.Fatal(err)
	}
	return e.call(tb, method, path, session, map[string]string{"Content-Type": "application/json"}, data)
}

type adminUser struct {
	ID       string          `json:"id"`
	Name     string          `json:"name"`
	Party    article5.Party  `json:"party"`
	Roles    []article5.Role `json:"roles"`
	Disabled bool            `json:"disabled"`
}

// MustPointers checks r is a 400 whose details name every pointer in want.
func MustPointers(tb testing.TB, r response, want ...string) {
	tb.Helper()
	e := MustError(tb, r, http.StatusBadRequest, article5.EINVALID)
	var got []string
	for _, d := range e.Error.Details {
		got = append(got, d.Pointer)
	}
	for _, p := range want {
		if !slices.Contains(got, p) {
			tb.Errorf("no detail for %s among %v: %s", p, got, r.body)
		}
	}
}

func newUserBody(name string, party article5.Party, roles ...article5.Role) map[string]any {
	return map[string]any{"name": name, "party": party, "roles": roles, "org": holderOrg,
		"communities": []string{"community--jp-gov"}, "password": "a long enough passphrase"}
}

func TestAdminManagesOwnPartyUsers(t *testing.T) {
	e := MustLoginEnv(t)
	e.MustPartyUser(t, "hana", article5.PartyJP, article5.RoleAdmin)
	e.MustPartyUser(t, "aiko", article5.PartyJP, article5.RoleLegal)
	e.MustPartyUser(t, "bob", article5.PartyUS, article5.RoleAnalyst)
	admin := e.MustLogin(t, "hana")

	var list struct {
		Users []adminUser `json:"users"`
		Total int         `json:"total"`
	}
	r := e.call(t, "GET", "/api/v1/users", admin, nil, nil)
	MustDecode(t, r, &list)
	if list.Total != 2 || len(list.Users) != 2 || list.Users[0].Name != "aiko" || list.Users[1].Name != "hana" {
		t.Fatalf("JP admin's list: %s", r.body)
	}
	if strings.Contains(string(r.body), "argon2id") || strings.Contains(string(r.body), "password") {
		t.Fatalf("the list shows a password hash: %s", r.body)
	}

	r = e.sendJSON(t, "POST", "/api/v1/users", admin, newUserBody("kenji", article5.PartyJP, article5.RoleAnalyst, article5.RoleObserver))
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	var created struct{ User adminUser }
	if err := json.Unmarshal(r.body, &created); err != nil || created.User.Party != article5.PartyJP || len(created.User.Roles) != 2 ||
		r.header.Get("Location") != "/api/v1/users/"+created.User.ID || strings.Contains(string(r.body), "argon2id") {
		t.Fatalf("created %s (%v), Location %q", r.body, err, r.header.Get("Location"))
	}
	kenji := MustSessionCookie(t, e.login(t, "kenji", "a long enough passphrase", "")).Value // the password given works
	MustError(t, e.sendJSON(t, "POST", "/api/v1/users", admin, newUserBody("kenji", article5.PartyJP, article5.RoleAnalyst)),
		http.StatusConflict, article5.ECONFLICT)

	var changed struct{ User adminUser }
	MustDecode(t, e.sendJSON(t, "PATCH", "/api/v1/users/"+created.User.ID, admin, map[string]any{"roles": []string{"legal"}}), &changed)
	if !slices.Equal(changed.User.Roles, []article5.Role{article5.RoleLegal}) || changed.User.Disabled {
		t.Fatalf("after the role change: %+v", changed.User)
	}
	u, err := e.db.FindUserByID(context.Background(), created.User.ID)
	if err != nil || !slices.Equal(u.Roles, []article5.Role{article5.RoleLegal}) {
		t.Fatalf("stored roles: %+v, %v", u, err)
	}
	if r := e.call(t, "GET", "/api/v1/cases", kenji, nil, nil); r.status != http.StatusOK {
		t.Fatalf("kenji's session before disabling: %d %s", r.status, r.body)
	}
	MustDecode(t, e.sendJSON(t, "PATCH", "/api/v1/users/"+created.User.ID, admin, map[string]any{"disabled": true}), &changed)
	if !changed.User.Disabled {
		t.Fatalf("not disabled: %+v", changed.User)
	}
	MustError(t, e.call(t, "GET", "/api/v1/cases", kenji, nil, nil), http.StatusUnauthorized, article5.EUNAUTHORIZED)
	MustError(t, e.login(t, "kenji", "a long enough passphrase", ""), http.StatusUnauthorized, article5.EUNAUTHORIZED)

	rep := MustAuditIntact(t, e)
	if rep < 5 { // hana, aiko, bob, kenji created; kenji's roles; kenji disabled
		t.Errorf("audit log of %d entries after user administration", rep)
	}
}

// MustAuditIntact runs the audit verifier of the env's store and returns
// the number of entries.
func MustAuditIntact(tb testing.TB, e *loginEnv) int {
	tb.Helper()
	rep, err := e.db.AuditVerify(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	if !rep.Intact() {
		tb.Fatalf("audit log not intact: %v", rep.Err())
	}
	return rep.Entries
}

func TestUserAdminRefusals(t *testing.T) {
	e := MustLoginEnv(t)
	hana := e.MustPartyUser(t, "hana", article5.PartyJP, article5.RoleAdmin)
	e.MustPartyUser(t, "aiko", article5.PartyJP, article5.RoleLegal, article5.RoleApprover)
	bob := e.MustPartyUser(t, "bob", article5.PartyUS, article5.RoleAnalyst)
	admin, legal := e.MustLogin(t, "hana"), e.MustLogin(t, "aiko")

	t.Run("AdminOfTheOtherParty", func(t *testing.T) {
		// Another party's user answers exactly as an id that does not exist.
		other := e.sendJSON(t, "PATCH", "/api/v1/users/"+bob.ID, admin, map[string]any{"disabled": true})
		missing := e.sendJSON(t, "PATCH", "/api/v1/users/user--00000000-0000-4000-8000-000000000000", admin, map[string]any{"disabled": true})
		MustError(t, other, http.StatusNotFound, article5.ENOTFOUND)
		if string(other.body) != string(missing.body) {
			t.Fatalf("another party's user:\n%s\nno such user:\n%s", other.body, missing.body)
		}
		otherKeys := e.call(t, "GET", "/api/v1/users/"+bob.ID+"/keys", admin, nil, nil)
		missingKeys := e.call(t, "GET", "/api/v1/users/user--00000000-0000-4000-8000-000000000000/keys", admin, nil, nil)
		MustError(t, otherKeys, http.StatusNotFound, article5.ENOTFOUND)
		if string(otherKeys.body) != string(missingKeys.body) {
			t.Fatalf("another party's user's keys:\n%s\nno such user's:\n%s", otherKeys.body, missingKeys.body)
		}
		MustError(t, e.sendJSON(t, "POST", "/api/v1/users", admin, newUserBody("ben", article5.PartyUS, article5.RoleAnalyst)), http.StatusForbidden, article5.EFORBIDDEN)
		if u, err := e.db.FindUserByID(context.Background(), bob.ID); err != nil || u.Disabled {
			t.Fatalf("bob after a refused change: %+v, %v", u, err)
		}
	})
	t.Run("NotAnAdmin", func(t *testing.T) {
		MustError(t, e.call(t, "GET", "/api/v1/users", legal, nil, nil), http.StatusForbidden, article5.EFORBIDDEN)
		MustError(t, e.sendJSON(t, "POST", "/api/v1/users", legal, newUserBody("ken", article5.PartyJP, article5.RoleAdmin)), http.StatusForbidden, article5.EFORBIDDEN)
		MustError(t, e.sendJSON(t, "PATCH", "/api/v1/users/"+hana.ID, legal, map[string]any{"roles": []string{"observer"}}), http.StatusForbidden, article5.EFORBIDDEN)
		MustError(t, e.do(t, "GET", "/api/v1/users", e.analyst, "", nil), http.StatusForbidden, article5.EFORBIDDEN) // an API token
		MustError(t, e.call(t, "GET", "/api/v1/users", "", nil, nil), http.StatusUnauthorized, article5.EUNAUTHORIZED)
	})
	t.Run("AdminCannotLockThemselvesOut", func(t *testing.T) {
		r := e.sendJSON(t, "PATCH", "/api/v1/users/"+hana.ID, admin, map[string]any{"roles": []string{"observer"}})
		if er := MustError(t, r, http.StatusConflict, article5.ECONFLICT); !strings.Contains(er.Error.Message, "own admin role") {
			t.Errorf("message: %s", er.Error.Message)
		}
		r = e.sendJSON(t, "PATCH", "/api/v1/users/"+hana.ID, admin, map[string]any{"disabled": true})
		if er := MustError(t, r, http.StatusConflict, article5.ECONFLICT); !strings.Contains(er.Error.Message, "disable yourself") {
			t.Errorf("message: %s", er.Error.Message)
		}
		var ok struct{ User adminUser }
		MustDecode(t, e.sendJSON(t, "PATCH", "/api/v1/users/"+hana.ID, admin, map[string]any{"roles": []string{"admin", "observer"}}), &ok)
		if !slices.Contains(ok.User.Roles, article5.RoleAdmin) {
			t.Errorf("keeping admin while adding a role: %+v", ok.User)
		}
	})
	t.Run("BadInputNamesTheProperty", func(t *testing.T) {
		short := newUserBody("ken", article5.PartyJP, article5.RoleAnalyst)
		short["password"] = "too short"
		MustPointers(t, e.sendJSON(t, "POST", "/api/v1/users", admin, short), "/password")
		MustPointers(t, e.sendJSON(t, "POST", "/api/v1/users", admin, newUserBody("ken", article5.PartyJP, "analyst", "overlord")), "/roles/1")
		MustPointers(t, e.sendJSON(t, "POST", "/api/v1/users", admin, newUserBody("ken", "EU", article5.RoleAnalyst)), "/party")
		MustPointers(t, e.sendJSON(t, "POST", "/api/v1/users", admin, map[string]any{"name": "", "roles": []string{}, "org": "x"}),
			"/name", "/party", "/roles", "/org", "/password")
		MustPointers(t, e.sendJSON(t, "PATCH", "/api/v1/users/"+bob.ID, admin, map[string]any{"roles": []string{"root"}}), "/roles/0")
		MustPointers(t, e.sendJSON(t, "PATCH", "/api/v1/users/"+hana.ID, admin, map[string]any{"disabled": "yes"}), "/disabled")
		MustPointers(t, e.sendJSON(t, "PATCH", "/api/v1/users/"+hana.ID, admin, map[string]any{"admin": true}), "/admin")
		MustError(t, e.sendJSON(t, "PATCH", "/api/v1/users/user--missing", admin, map[string]any{"disabled": true}), http.StatusNotFound, article5.ENOTFOUND)
	})
}

// TestAdminCannotGrantOtherOrganisations: the organisation and communities
// decide what release control lets a user see, so an admin may grant only
// their own, or organisations the node lists for their Party.
func TestAdminCannotGrantOtherOrganisations(t *testing.T) {
	e := MustLoginEnv(t)
	e.MustPartyUser(t, "usadmin", article5.PartyUS, article5.RoleAdmin)
	admin := e.MustLogin(t, "usadmin")
	const usOrg = "identity--0d1c6a5e-3c3a-4a7e-9b8e-2f1a6c0e7d21"

	body := newUserBody("spy", article5.PartyUS, article5.RoleAnalyst)
	body["org"] = usOrg
	MustError(t, e.sendJSON(t, "POST", "/api/v1/users", admin, body), http.StatusForbidden, article5.EFORBIDDEN)

	body = newUserBody("spy", article5.PartyUS, article5.RoleAnalyst)
	body["communities"] = []string{"community--elsewhere"}
	r := MustError(t, e.sendJSON(t, "POST", "/api/v1/users", admin, body), http.StatusForbidden, article5.EFORBIDDEN)
	if len(r.Error.Details) != 1 || r.Error.Details[0].Pointer != "/communities/0" {
		t.Errorf("details %+v, want /communities/0", r.Error.Details)
	}

	e.n.Organisations = map[article5.Party][]string{article5.PartyUS: {usOrg}}
	body = newUserBody("miller", article5.PartyUS, article5.RoleLegal)
	body["org"] = usOrg
	if r := e.sendJSON(t, "POST", "/api/v1/users", admin, body); r.status != http.StatusCreated {
		t.Errorf("an organisation the node lists for US: %d %s", r.status, r.body)
	}
}
