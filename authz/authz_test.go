package authz_test

import (
	"errors"
	"fmt"
	"testing"

	"article5"
	"article5/authz"
)

// every is the expected decision for one role and one action, for the six
// (user party → target party) pairs in this order:
//
//	JP→JP  JP→US  JP→""  US→JP  US→US  US→""
//
// 'Y' allowed, 'N' refused. The target party is Request.Party, or
// Request.DoctrineOwner for change-doctrine. Written out by hand: it is
// the specification the policy table must meet, not a copy of it.
var every = []struct {
	role   article5.Role
	action article5.Action
	want   string
}{
	{"analyst", "read-case", "YYYYYY"},
	{"analyst", "ingest", "YYYYYY"},
	{"analyst", "open-case", "YYYYYY"},
	{"analyst", "request-consultation", "YYYYYY"},
	{"analyst", "record-position", "NNNNNN"},
	{"analyst", "send-rfi", "NNNNNN"},
	{"analyst", "answer-rfi", "NNNNNN"},
	{"analyst", "sign-position", "NNNNNN"},
	{"analyst", "close-case", "NNNNNN"},
	{"analyst", "export-record", "NNNNNN"},
	{"analyst", "manage-users", "NNNNNN"},
	{"analyst", "manage-keys", "NNNNNN"},
	{"analyst", "change-doctrine", "NNNNNN"},
	{"analyst", "read-audit", "NNNNNN"},

	{"legal", "read-case", "YYYYYY"},
	{"legal", "ingest", "NNNNNN"},
	{"legal", "open-case", "NNNNNN"},
	{"legal", "request-consultation", "NNNNNN"},
	{"legal", "record-position", "YNNNYN"},
	{"legal", "send-rfi", "YNNNYN"},
	{"legal", "answer-rfi", "YNNNYN"},
	{"legal", "sign-position", "NNNNNN"},
	{"legal", "close-case", "NNNNNN"},
	{"legal", "export-record", "YYYYYY"},
	{"legal", "manage-users", "NNNNNN"},
	{"legal", "manage-keys", "NNNNNN"},
	{"legal", "change-doctrine", "NNNNNN"},
	{"legal", "read-audit", "NNNNNN"},

	{"approver", "read-case", "YYYYYY"},
	{"approver", "ingest", "NNNNNN"},
	{"approver", "open-case", "NNNNNN"},
	{"approver", "request-consultation", "NNNNNN"},
	{"approver", "record-position", "NNNNNN"},
	{"approver", "send-rfi", "NNNNNN"},
	{"approver", "answer-rfi", "NNNNNN"},
	{"approver", "sign-position", "YNNNYN"},
	{"approver", "close-case", "YYYYYY"},
	{"approver", "export-record", "YYYYYY"},
	{"approver", "manage-users", "NNNNNN"},
	{"approver", "manage-keys", "NNNNNN"},
	{"approver", "change-doctrine", "NNNNNN"},
	{"approver", "read-audit", "NNNNNN"},

	{"observer", "read-case", "YYYYYY"},
	{"observer", "ingest", "NNNNNN"},
	{"observer", "open-case", "NNNNNN"},
	{"observer", "request-consultation", "NNNNNN"},
	{"observer", "record-position", "NNNNNN"},
	{"observer", "send-rfi", "NNNNNN"},
	{"observer", "answer-rfi", "NNNNNN"},
	{"observer", "sign-position", "NNNNNN"},
	{"observer", "close-case", "NNNNNN"},
	{"observer", "export-record", "YYYYYY"},
	{"observer", "manage-users", "NNNNNN"},
	{"observer", "manage-keys", "NNNNNN"},
	{"observer", "change-doctrine", "NNNNNN"},
	{"observer", "read-audit", "YYYYYY"},

	{"admin", "read-case", "YYYYYY"},
	{"admin", "ingest", "NNNNNN"},
	{"admin", "open-case", "NNNNNN"},
	{"admin", "request-consultation", "NNNNNN"},
	{"admin", "record-position", "NNNNNN"},
	{"admin", "send-rfi", "NNNNNN"},
	{"admin", "answer-rfi", "NNNNNN"},
	{"admin", "sign-position", "NNNNNN"},
	{"admin", "close-case", "YYYYYY"},
	{"admin", "export-record", "NNNNNN"},
	{"admin", "manage-users", "YNNNYN"},
	{"admin", "manage-keys", "YNNNYN"},
	{"admin", "change-doctrine", "YNNNYN"},
	{"admin", "read-audit", "YYYYYY"},
}

var pairs = []struct{ user, target article5.Party }{
	{"JP", "JP"}, {"JP", "US"}, {"JP", ""}, {"US", "JP"}, {"US", "US"}, {"US", ""},
}

func request(role article5.Role, user, target article5.Party, action article5.Action) authz.Request {
	r := authz.Request{
		User:   authz.User{ID: string(user) + "-" + string(role), Party: user, Roles: []article5.Role{role}},
		Action: action,
	}
	if action == article5.ActionChangeDoctrine {
		r.DoctrineOwner = target
	} else {
		r.Party = target
	}
	return r
}

// TestEveryRolePartyAction covers every (role × user party × target party ×
// action) with the expected decision written in the table above.
func TestEveryRolePartyAction(t *testing.T) {
	seen := map[string]bool{}
	for _, row := range every {
		if len(row.want) != len(pairs) {
			t.Fatalf("%s %s: want has %d entries, need %d", row.role, row.action, len(row.want), len(pairs))
		}
		seen[string(row.role)+" "+string(row.action)] = true
		for i, p := range pairs {
			want := row.want[i] == 'Y'
			name := fmt.Sprintf("%s %s %s for %q", p.user, row.role, row.action, p.target)
			t.Run(name, func(t *testing.T) {
				r := request(row.role, p.user, p.target, row.action)
				d := authz.Decide(r)
				if d.Allowed != want {
					t.Fatalf("Decide = %+v, want allowed=%v", d, want)
				}
				if d.Reason == "" {
					t.Error("Decide gave no reason")
				}
				err := authz.Check(r)
				switch {
				case want && err != nil:
					t.Fatalf("Check = %v, want nil", err)
				case !want && article5.ErrorCode(err) != article5.EFORBIDDEN:
					t.Fatalf("Check = %v, want EFORBIDDEN", err)
				}
			})
		}
	}
	// The table must cover every role and every action.
	for _, role := range article5.Roles {
		for _, action := range article5.Actions {
			if !seen[string(role)+" "+string(action)] {
				t.Errorf("table misses %s %s", role, action)
			}
		}
	}
}

// TestNamedRules states the rules the issue names, one by one.
func TestNamedRules(t *testing.T) {
	jp := func(roles ...article5.Role) authz.User { return authz.User{ID: "jp", Party: "JP", Roles: roles} }
	us := func(roles ...article5.Role) authz.User { return authz.User{ID: "us", Party: "US", Roles: roles} }
	tests := []struct {
		name string
		r    authz.Request
		want bool
	}{
		{"a JP approver cannot sign for US", authz.Request{User: jp("approver"), Action: "sign-position", Party: "US"}, false},
		{"a JP approver signs for JP", authz.Request{User: jp("approver"), Action: "sign-position", Party: "JP"}, true},
		{"a US legal adviser cannot record JP's position", authz.Request{User: us("legal"), Action: "record-position", Party: "JP"}, false},
		{"a US legal adviser records US's position", authz.Request{User: us("legal"), Action: "record-position", Party: "US"}, true},
		{"a JP admin cannot change the us doctrine", authz.Request{User: jp("admin"), Action: "change-doctrine", DoctrineOwner: "US"}, false},
		{"a JP admin changes the jp doctrine", authz.Request{User: jp("admin"), Action: "change-doctrine", DoctrineOwner: "JP"}, true},
		{"Party is ignored for change-doctrine", authz.Request{User: jp("admin"), Action: "change-doctrine", Party: "JP", DoctrineOwner: "US"}, false},
		{"a US approver cannot sign for JP even holding every role", authz.Request{User: us(article5.Roles...), Action: "sign-position", Party: "JP"}, false},
		{"a JP legal approver signs for JP", authz.Request{User: jp("legal", "approver"), Action: "sign-position", Party: "JP"}, true},
		{"a user with no roles cannot read", authz.Request{User: jp(), Action: "read-case"}, false},
		{"an unknown role grants nothing", authz.Request{User: jp("superuser"), Action: "read-case"}, false},
		{"a user of no party cannot read", authz.Request{User: authz.User{ID: "x", Roles: []article5.Role{"observer"}}, Action: "read-case"}, false},
		{"a user of another party cannot read", authz.Request{User: authz.User{ID: "x", Party: "GB", Roles: []article5.Role{"observer"}}, Action: "read-case"}, false},
		{"an unknown action is refused", authz.Request{User: jp(article5.Roles...), Action: "delete-case"}, false},
		{"sign-position with no party is refused", authz.Request{User: jp("approver"), Action: "sign-position"}, false},
		{"a US admin cannot manage JP keys", authz.Request{User: us("admin"), Action: "manage-keys", Party: "JP"}, false},
		{"a JP analyst opens a case", authz.Request{User: jp("analyst"), Action: "open-case"}, true},
		{"a US approver closes a case", authz.Request{User: us("approver"), Action: "close-case"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := authz.Decide(tt.r); got.Allowed != tt.want {
				t.Errorf("Decide = %+v, want allowed=%v", got, tt.want)
			}
		})
	}
}

// TestObserverOnlyReads: an observer can do nothing but read.
func TestObserverOnlyReads(t *testing.T) {
	reads := map[article5.Action]bool{"read-case": true, "export-record": true, "read-audit": true}
	for _, p := range pairs {
		for _, a := range article5.Actions {
			got := authz.Decide(request("observer", p.user, p.target, a)).Allowed
			if got != reads[a] {
				t.Errorf("%s observer %s for %q: allowed=%v, want %v", p.user, a, p.target, got, reads[a])
			}
		}
	}
}

func TestCheckError(t *testing.T) {
	err := authz.Check(authz.Request{User: authz.User{ID: "a", Party: "JP", Roles: []article5.Role{"approver"}}, Action: "sign-position", Party: "US"})
	var e *article5.Error
	if !errors.As(err, &e) || e.Code != article5.EFORBIDDEN {
		t.Fatalf("Check = %v, want *article5.Error EFORBIDDEN", err)
	}
	if !errors.Is(err, &article5.Error{Code: article5.EFORBIDDEN}) {
		t.Error("errors.Is EFORBIDDEN is false")
	}
}

func TestPartySpecific(t *testing.T) {
	want := map[article5.Action]bool{
		"record-position": true, "send-rfi": true, "answer-rfi": true, "sign-position": true,
		"manage-users": true, "manage-keys": true, "change-doctrine": true,
	}
	for _, a := range article5.Actions {
		if got := authz.PartySpecific(a); got != want[a] {
			t.Errorf("PartySpecific(%s) = %v, want %v", a, got, want[a])
		}
	}
}

func TestZeroAllocations(t *testing.T) {
	r := authz.Request{User: authz.User{ID: "u", Party: "JP", Roles: []article5.Role{"legal", "approver"}}, Action: "sign-position", Party: "JP"}
	denied := r
	denied.Party = "US"
	if n := testing.AllocsPerRun(100, func() { _ = authz.Check(r) }); n != 0 {
		t.Errorf("Check (allowed) allocates %v times", n)
	}
	if n := testing.AllocsPerRun(100, func() { _ = authz.Decide(denied) }); n != 0 {
		t.Errorf("Decide (refused) allocates %v times", n)
	}
}

// BenchmarkCheck measures one authorisation check (issue 5: target under
// 5 µs per request).
func BenchmarkCheck(b *testing.B) {
	// change-doctrine is near the end of the policy table and the user's
	// matching role is last: close to the worst case.
	r := authz.Request{
		User:          authz.User{ID: "u", Party: "JP", Roles: []article5.Role{"analyst", "legal", "approver", "observer", "admin"}},
		Action:        article5.ActionChangeDoctrine,
		DoctrineOwner: "JP",
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := authz.Check(r); err != nil {
			b.Fatal(err)
		}
	}
}
