package storetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"article5"
)

// testUserAdmin proves the user administration methods: FindUsers by
// party with a page and a total, SetUserDisabled (which ends the user's
// sessions) and DeleteExpiredSessions.
func testUserAdmin(t *testing.T, s article5.Store) {
	ctx := context.Background()
	for i, name := range []string{"chika", "aiko", "bob", "dana"} {
		party := article5.PartyJP
		if name == "bob" || name == "dana" {
			party = article5.PartyUS
		}
		u := &article5.User{ID: "user--0b7a1a1e-0000-4000-8000-00000000010" + string(rune('0'+i)), Name: name, Party: party,
			Roles: []article5.Role{article5.RoleObserver}, Org: identA, PasswordHash: testPasswordHash}
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	names := func(us []*article5.User) string {
		var out []string
		for _, u := range us {
			out = append(out, u.Name)
		}
		return strings.Join(out, ",")
	}
	t.Run("FindUsersByParty", func(t *testing.T) {
		us, total, err := s.FindUsers(ctx, article5.UserFilter{Party: article5.PartyJP})
		if err != nil || names(us) != "aiko,chika" || total != 2 {
			t.Fatalf("JP users %q (total %d), %v; want aiko,chika (2)", names(us), total, err)
		}
		us, total, err = s.FindUsers(ctx, article5.UserFilter{})
		if err != nil || names(us) != "aiko,bob,chika,dana" || total != 4 {
			t.Fatalf("all users %q (total %d), %v", names(us), total, err)
		}
		us, total, err = s.FindUsers(ctx, article5.UserFilter{Limit: 2, Offset: 1})
		if err != nil || names(us) != "bob,chika" || total != 4 {
			t.Fatalf("page of 2 from 1: %q (total %d), %v", names(us), total, err)
		}
		us, total, err = s.FindUsers(ctx, article5.UserFilter{Party: "XX"})
		if err != nil || us == nil || len(us) != 0 || total != 0 {
			t.Fatalf("no users: %v (total %d), %v; want an empty slice", us, total, err)
		}
	})
	t.Run("DisablingEndsSessions", func(t *testing.T) {
		u, err := s.FindUserByName(ctx, "aiko")
		if err != nil {
			t.Fatal(err)
		}
		other, err := s.FindUserByName(ctx, "chika")
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC()
		for i, id := range []string{u.ID, u.ID, other.ID} {
			if err := s.CreateSession(ctx, &article5.Session{UserID: id, Created: now, Expires: now.Add(time.Hour)},
				strings.Repeat(string(rune('a'+i)), 64)); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.SetUserDisabled(ctx, u.ID, true); err != nil {
			t.Fatal(err)
		}
		got, err := s.FindUserByID(ctx, u.ID)
		if err != nil || !got.Disabled {
			t.Fatalf("after disabling: %+v, %v", got, err)
		}
		for _, h := range []string{strings.Repeat("a", 64), strings.Repeat("b", 64)} {
			_, err := s.FindSessionByHash(ctx, h)
			wantCode(t, err, article5.ENOTFOUND)
		}
		if _, err := s.FindSessionByHash(ctx, strings.Repeat("c", 64)); err != nil {
			t.Fatalf("another user's session was ended: %v", err)
		}
		if err := s.SetUserDisabled(ctx, u.ID, false); err != nil {
			t.Fatal(err)
		}
		if got, err := s.FindUserByID(ctx, u.ID); err != nil || got.Disabled {
			t.Fatalf("after enabling: %+v, %v", got, err)
		}
		wantCode(t, s.SetUserDisabled(ctx, "user--missing", true), article5.ENOTFOUND)
	})
	t.Run("DeleteExpiredSessions", func(t *testing.T) {
		u, err := s.FindUserByName(ctx, "bob")
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC()
		for i, exp := range []time.Time{now.Add(-time.Hour), now.Add(-time.Minute), now.Add(time.Hour)} {
			if err := s.CreateSession(ctx, &article5.Session{UserID: u.ID, Created: now.Add(-2 * time.Hour), Expires: exp},
				strings.Repeat(string(rune('k'+i)), 64)); err != nil {
				t.Fatal(err)
			}
		}
		n, err := s.DeleteExpiredSessions(ctx)
		if err != nil || n != 2 {
			t.Fatalf("DeleteExpiredSessions = %d, %v; want 2", n, err)
		}
		if _, err := s.FindSessionByHash(ctx, strings.Repeat("m", 64)); err != nil {
			t.Fatalf("the unexpired session was deleted: %v", err)
		}
		if n, err := s.DeleteExpiredSessions(ctx); err != nil || n != 0 {
			t.Fatalf("again: %d, %v; want 0", n, err)
		}
	})
}
