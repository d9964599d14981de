package cli_test

import (
	"strings"
	"testing"
)

func TestUserList(t *testing.T) {
	dir := t.TempDir()
	org := "identity--7c477306-5df9-4487-b023-958c6583ffef"
	t.Setenv("ARTICLE5_PASSWORD", "a long enough password")
	for _, u := range [][]string{{"tanaka", "JP", "admin"}, {"smith", "US", "legal"}} {
		if out, errs, code := run(t, "user", "create", "--data-dir", dir, "--name", u[0], "--party", u[1], "--role", u[2], "--org", org); code != 0 {
			t.Fatalf("user create %s: %d %s %s", u[0], code, out, errs)
		}
	}
	out, errs, code := run(t, "user", "list", "--data-dir", dir, "--party", "jp")
	if code != 0 || !strings.Contains(out, "tanaka") || strings.Contains(out, "smith") || !strings.Contains(out, "admin") || strings.Contains(out, "argon2id") {
		t.Fatalf("user list --party jp: %d\n%s%s", code, out, errs)
	}
	if out, _, code := run(t, "user", "list", "--data-dir", dir); code != 0 || !strings.Contains(out, "smith") {
		t.Fatalf("user list: %d\n%s", code, out)
	}
}
