package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

// TestLoginKeepsDeviceCookie: `article5 login` keeps the device cookie the
// node gives it and presents it at the next login, so that failed logins
// for the same name from the same address (someone guessing) do not slow
// its owner; without the cookie the same login waits (429).
func TestLoginKeepsDeviceCookie(t *testing.T) {
	dir := t.TempDir()
	node := filepath.Join(dir, "node")
	pw := filepath.Join(dir, "sato.pw")
	if err := os.WriteFile(pw, []byte("password of sato, long enough\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	MustCLI(t, "user", "create", "--data-dir", node, "--name", "sato", "--party", "JP", "--role", "analyst", "--org", jpOrg, "--password-file", pw)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	server := "http://" + addr
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var sout, serr bytes.Buffer
	go func() {
		done <- Run(ctx, []string{"serve", "--data-dir", node, "--addr", addr}, &sout, &serr)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v\n%s", err, serr.String())
		}
	})
	MustCLI(t, "wait", "--server", server, "--timeout", "30s")

	session := filepath.Join(dir, "cfg", "sato.session")
	MustCLI(t, "login", "--server", server, "--name", "sato", "--password-file", pw, "--session", session)
	devicesFile := filepath.Join(dir, "cfg", "login-devices.json")
	var held map[string]map[string]string
	data, err := os.ReadFile(devicesFile)
	if err != nil || json.Unmarshal(data, &held) != nil || held[server]["sato"] == "" {
		t.Fatalf("devices file after login: %s, %v", data, err)
	}
	if fi, err := os.Stat(devicesFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("devices file mode: %v, %v", fi, err)
	}
	// A second login ends the session the file held: it could no longer
	// be logged out of.
	first, err := os.ReadFile(session)
	if err != nil {
		t.Fatal(err)
	}
	MustCLI(t, "login", "--server", server, "--name", "sato", "--password-file", pw, "--session", session)
	stale := filepath.Join(dir, "stale.session")
	if err := os.WriteFile(stale, first, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, errOut, code := runCLI(t, "case", "list", "--server", server, "--session", stale); code == 0 {
		t.Fatalf("the session a second login replaced still works:\n%s%s", out, errOut)
	}
	MustCLI(t, "case", "list", "--server", server, "--session", session)
	MustCLI(t, "logout", "--session", session)
	if _, err := os.Stat(devicesFile); err != nil {
		t.Fatalf("logout removed the devices file: %v", err)
	}

	// Someone guesses sato's password from this address: past the free
	// failures, the (name, address) pair waits.
	for range 7 {
		body, _ := json.Marshal(map[string]string{"name": "sato", "password": "a wrong guess, long enough"})
		resp, err := http.Post(server+"/api/v1/login", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	// The owner's device is held to its own failures only: it logs in.
	MustCLI(t, "login", "--server", server, "--name", "sato", "--password-file", pw, "--session", session)

	// The same login without the device cookie waits behind the guesses.
	if err := os.Remove(devicesFile); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runCLI(t, "login", "--server", server, "--name", "sato", "--password-file", pw, "--session", session)
	if code == 0 || !bytes.Contains([]byte(out+errOut), []byte("too many failed logins")) {
		t.Fatalf("a login without the device cookie after the guesses: exit %d\n%s%s", code, out, errOut)
	}
}

// TestMalformedIDsAreUsageErrors: an id that cannot name a case (or a
// holder) is refused with exit 2 and what is wrong, before any node is
// asked, where it read "no such case" (or exit 4 from wait).
func TestMalformedIDsAreUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"case", "show", "notanid", "--server", "http://127.0.0.1:1"},
		{"case", "status", "identity--0b0c1d2e-3f40-4152-8637-48596a7b8c9d", "--server", "http://127.0.0.1:1"},
		{"case", "export", "grouping--xyz", "--server", "http://127.0.0.1:1"},
		{"wait", "--holder", "notanid", "--server", "http://127.0.0.1:1", "--timeout", "1s"},
	} {
		out, errOut, code := runCLI(t, args...)
		if code != 2 || !bytes.Contains([]byte(errOut), []byte("STIX")) {
			t.Errorf("article5 %v: exit %d\n%s%s", args, code, out, errOut)
		}
	}
}
