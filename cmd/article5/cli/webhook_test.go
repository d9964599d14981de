package cli_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"article5/sqlite"
)

func TestWebhookAddAndList(t *testing.T) {
	dir := t.TempDir()
	org := "identity--7c477306-5df9-4487-b023-958c6583ffef"
	for _, bad := range [][]string{
		{"--url", "ftp://soc.example.jp/a5", "--party", "JP", "--org", org},
		{"--url", "https://soc.example.jp/a5", "--party", "FR", "--org", org},
		{"--url", "https://soc.example.jp/a5", "--party", "JP", "--org", org, "--events", "tier-changed,nope"},
		{"--url", "http://10.0.0.5/a5", "--party", "JP", "--org", org},
		{"--url", "http://169.254.169.254/latest/meta-data/", "--party", "JP", "--org", org},
		{"--url", "http://127.0.0.1:9000/a5", "--party", "JP", "--org", org, "--webhook-allow", "10.0.0.0/8"},
		{"--url", "http://127.0.0.1:9000/a5", "--party", "JP", "--org", org, "--webhook-allow", "not-a-prefix"},
	} {
		if _, _, code := run(t, append([]string{"webhook", "add", "--data-dir", dir}, bad...)...); code != 2 {
			t.Errorf("webhook add %v: exit %d, want 2", bad, code)
		}
	}
	out, errs, code := run(t, "webhook", "add", "--data-dir", dir, "--url", "https://soc.example.jp/a5", "--party", "jp", "--org", org,
		"--events", "concluded,tier-changed")
	if code != 0 {
		t.Fatalf("webhook add: %d %s %s", code, out, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	secret := lines[len(lines)-1]
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "webhook webhook--") || len(secret) != 43 {
		t.Fatalf("output %q: want a summary line, then the secret", out)
	}
	id := strings.Fields(lines[0])[1]

	db, err := sqlite.Open(context.Background(), filepath.Join(dir, "article5.db"))
	if err != nil {
		t.Fatal(err)
	}
	w, err := db.FindWebhookByID(context.Background(), id)
	db.Close()
	if err != nil || w.Secret != secret || w.Party != "JP" || w.Org != org || strings.Join(w.Events, ",") != "concluded,tier-changed" {
		t.Fatalf("stored %+v, %v", w, err)
	}

	// A receiver on the node's own host, allowed as serve would be.
	if out, errs, code := run(t, "webhook", "add", "--data-dir", dir, "--url", "http://127.0.0.1:9000/a5", "--party", "JP", "--org", org,
		"--webhook-allow", "127.0.0.0/8"); code != 0 {
		t.Fatalf("webhook add to an allowed loopback receiver: %d %s %s", code, out, errs)
	}

	out, errs, code = run(t, "webhook", "list", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, id) || !strings.Contains(out, "https://soc.example.jp/a5") || strings.Contains(out, secret) {
		t.Fatalf("webhook list: %d %s %s", code, out, errs)
	}
}
