package cli

import (
	"net"
	"strings"
	"testing"
)

// TestWaitIdentifiesTheNode: 'article5 wait' exits 0 once the node named
// answers ready, and 4 when another node answers (at once) or none does
// (within --timeout), so that a walkthrough or a health check never waits
// forever nor talks to the wrong node.
func TestWaitIdentifiesTheNode(t *testing.T) {
	dir := t.TempDir()
	const holder = "identity--7c477306-5df9-4487-b023-958c6583ffef"
	MustCLI(t, "token", "create", "--data-dir", dir, "--name", "t", "--party", "JP", "--org", holder)
	key := strings.TrimSpace(MustCLI(t, "audit", "key", "--data-dir", dir))
	addr := startServe(t, "--data-dir", dir, "--holder", holder, "--party", "US")
	server := "http://" + addr

	out := MustCLI(t, "wait", "--server", server, "--timeout", "30s", "--holder", holder, "--party", "US", "--node-key", key)
	if !strings.Contains(out, "ready") || !strings.Contains(out, holder) {
		t.Errorf("wait printed:\n%s", out)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"another holder", []string{"--holder", "identity--00000000-0000-4000-8000-000000000000"}, "its holder is"},
		{"another Party", []string{"--party", "JP"}, "its Party is US, not JP"},
		{"another log key", []string{"--node-key", "article5-node-00000000+00000000+AQ=="}, "its log key is"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// A long timeout: another node answering fails at once.
			out, errOut, code := runCLI(t, append([]string{"wait", "--server", server, "--timeout", "10m"}, tc.args...)...)
			if code != ExitRefused || !strings.Contains(errOut, tc.want) || !strings.Contains(errOut, "another node") {
				t.Errorf("exit %d, want %d saying %q\n%s%s", code, ExitRefused, tc.want, out, errOut)
			}
		})
	}
	t.Run("no node answers", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		closed := "http://" + l.Addr().String()
		l.Close()
		out, errOut, code := runCLI(t, "wait", "--server", closed, "--timeout", "300ms")
		if code != ExitRefused || !strings.Contains(errOut, "no ready node answered at "+closed+" within 300ms") {
			t.Errorf("exit %d, want %d\n%s%s", code, ExitRefused, out, errOut)
		}
	})
	if _, errOut, code := runCLI(t, "wait", "--timeout", "0s"); code != ExitInvalid {
		t.Errorf("--timeout 0s: exit %d, want %d\n%s", code, ExitInvalid, errOut)
	}
}
