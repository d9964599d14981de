package cli_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"article5"
	"article5/api"
	"article5/sqlite"
)

func TestUserCreate(t *testing.T) {
	dir := t.TempDir()
	org := "identity--7c477306-5df9-4487-b023-958c6583ffef"
	args := []string{"user", "create", "--data-dir", dir, "--name", "tanaka", "--party", "JP", "--role", "legal", "--role", "approver", "--org", org}

	t.Setenv("ARTICLE5_PASSWORD", "")
	if _, _, code := run(t, args...); code == 0 {
		t.Fatal("created a user without a password")
	}
	t.Setenv("ARTICLE5_PASSWORD", "short")
	if _, _, code := run(t, args...); code == 0 {
		t.Fatal("created a user with a short password")
	}
	if _, _, code := run(t, append(args, "--password", "a long enough password")...); code == 0 {
		t.Fatal("a --password flag was accepted")
	}
	if _, _, code := run(t, "user", "create", "--data-dir", dir, "--name", "x", "--party", "JP", "--role", "root", "--org", org); code == 0 {
		t.Fatal("an unknown role was accepted")
	}
	const pw = "a long enough password"
	t.Setenv("ARTICLE5_PASSWORD", pw)
	out, errs, code := run(t, args...)
	if code != 0 || !strings.Contains(out, "user user--") {
		t.Fatalf("user create: %d %s %s", code, out, errs)
	}
	if _, _, code := run(t, args...); code == 0 {
		t.Fatal("a second user with the same name was created")
	}
	if out, errs, code := run(t, "audit", "verify", "--data-dir", dir); code != 0 || !strings.Contains(out, "intact") {
		t.Fatalf("audit verify: %d %s %s", code, out, errs)
	}

	db, err := sqlite.Open(context.Background(), filepath.Join(dir, "article5.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	u, err := db.FindUserByName(context.Background(), "tanaka")
	if err != nil {
		t.Fatal(err)
	}
	if u.Party != article5.PartyJP || len(u.Roles) != 2 || u.Org != org || !api.CheckPassword(u.PasswordHash, pw) ||
		strings.Contains(u.PasswordHash, pw) {
		t.Errorf("stored user %+v", u)
	}
}
