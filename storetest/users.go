package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"article5"
)

const testPasswordHash = "$argon2id$v=19$m=65536,t=3,p=2$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"

func testUser() *article5.User {
	return &article5.User{ID: "user--0b7a1a1e-0000-4000-8000-000000000001", Name: "aiko", Party: article5.PartyJP,
		Roles: []article5.Role{article5.RoleLegal, article5.RoleApprover}, Org: identA,
		Communities: []string{"community--a"}, PasswordHash: testPasswordHash, Created: time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC)}
}

func testUsers(t *testing.T, s article5.Store) {
	ctx := context.Background()
	u := testUser()
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	same := func(got *article5.User) {
		t.Helper()
		if got.ID != u.ID || got.Name != u.Name || got.Party != u.Party || fmt.Sprint(got.Roles) != fmt.Sprint(u.Roles) ||
			got.Org != u.Org || fmt.Sprint(got.Communities) != fmt.Sprint(u.Communities) || got.PasswordHash != u.PasswordHash ||
			!got.Created.Equal(u.Created) || got.Disabled {
			t.Fatalf("found %+v, want %+v", got, u)
		}
	}
	got, err := s.FindUserByName(ctx, "aiko")
	if err != nil {
		t.Fatal(err)
	}
	same(got)
	got, err = s.FindUserByID(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	same(got)
	_, err = s.FindUserByName(ctx, "nobody")
	wantCode(t, err, article5.ENOTFOUND)
	_, err = s.FindUserByID(ctx, "user--missing")
	wantCode(t, err, article5.ENOTFOUND)

	dup := testUser()
	dup.ID = "user--0b7a1a1e-0000-4000-8000-000000000002"
	wantCode(t, s.CreateUser(ctx, dup), article5.ECONFLICT)
	wantCode(t, s.CreateUser(ctx, &article5.User{Name: "nohash", Party: article5.PartyJP}), article5.EINVALID)

	auto := &article5.User{Name: "ben", Party: article5.PartyUS, PasswordHash: testPasswordHash}
	if err := s.CreateUser(ctx, auto); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(auto.ID, "user--") || auto.Created.IsZero() {
		t.Fatalf("defaults not filled: %+v", auto)
	}

	if err := s.SetUserRoles(ctx, u.ID, []article5.Role{article5.RoleObserver}); err != nil {
		t.Fatal(err)
	}
	got, err = s.FindUserByID(ctx, u.ID)
	if err != nil || len(got.Roles) != 1 || got.Roles[0] != article5.RoleObserver {
		t.Fatalf("roles after SetUserRoles: %+v, %v", got, err)
	}
	wantCode(t, s.SetUserRoles(ctx, "user--missing", nil), article5.ENOTFOUND)
}

func testSessions(t *testing.T, s article5.Store) {
	ctx := context.Background()
	u := testUser()
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	hash := strings.Repeat("5e", 32)
	now := time.Now().UTC()
	sess := &article5.Session{UserID: u.ID, Created: now, Expires: now.Add(time.Hour)}
	if err := s.CreateSession(ctx, sess, hash); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(sess.ID, "session--") {
		t.Fatalf("session id %q", sess.ID)
	}
	got, err := s.FindSessionByHash(ctx, hash)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != sess.ID || got.UserID != u.ID || !got.Expires.Equal(sess.Expires) {
		t.Fatalf("found %+v, want %+v", got, sess)
	}
	_, err = s.FindSessionByHash(ctx, strings.Repeat("5f", 32))
	wantCode(t, err, article5.ENOTFOUND)
	wantCode(t, s.CreateSession(ctx, &article5.Session{UserID: u.ID, Expires: now.Add(time.Hour)}, hash), article5.ECONFLICT)
	wantCode(t, s.CreateSession(ctx, &article5.Session{UserID: "user--missing", Expires: now.Add(time.Hour)}, strings.Repeat("60", 32)), article5.ENOTFOUND)

	expired := &article5.Session{UserID: u.ID, Created: now.Add(-2 * time.Hour), Expires: now.Add(-time.Hour)}
	if err := s.CreateSession(ctx, expired, strings.Repeat("61", 32)); err != nil {
		t.Fatal(err)
	}
	_, err = s.FindSessionByHash(ctx, strings.Repeat("61", 32))
	wantCode(t, err, article5.ENOTFOUND)

	if err := s.DeleteSession(ctx, sess.ID); err != nil {
		t.Fatal(err)
	}
	_, err = s.FindSessionByHash(ctx, hash)
	wantCode(t, err, article5.ENOTFOUND)
	if err := s.DeleteSession(ctx, sess.ID); err != nil {
		t.Fatalf("deleting a deleted session: %v", err)
	}
}
