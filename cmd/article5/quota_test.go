package main

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestQuotasSharedByTwoServers runs the real binary as two `serve`
// processes on one fresh PostgreSQL database and checks that a token's
// request and ingest quotas hold for both together (docs/scaling-out.md):
// of requests alternating between the two, only the burst is served, the
// rest get 429 with Retry-After; a bundle that fits the ingest quota on
// one process leaves too little for the next on the other.
//
// Skipped without ARTICLE5_TEST_POSTGRES and under -short.
func TestQuotasSharedByTwoServers(t *testing.T) {
	base := os.Getenv("ARTICLE5_TEST_POSTGRES")
	if base == "" {
		t.Skip("ARTICLE5_TEST_POSTGRES is not set: set it to a PostgreSQL URL whose role may create databases to run the two-server quota test")
	}
	if testing.Short() {
		t.Skip("builds the binary and runs two servers")
	}
	dsn := freshDatabase(t, base)
	dir := t.TempDir()
	bin := filepath.Join(dir, "article5")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	const org = "identity--5b2f3c1e-8b0a-4c51-9d35-2f0a1b3c4d5e"
	token := func(name string) string {
		out, err := exec.Command(bin, "token", "create", "--database", dsn, "--name", name, "--party", "JP", "--org", org).CombinedOutput()
		if err != nil {
			t.Fatalf("token create: %v\n%s", err, out)
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		return lines[len(lines)-1]
	}
	reader, sender := token("reader"), token("sender")
	// Rates so low that no token comes back during the test: what is
	// served is the burst, once for both processes.
	const burst = 10
	procs := make([]*serveProc, 2)
	for i := range procs {
		procs[i] = startServeProc(t, bin, filepath.Join(dir, fmt.Sprintf("node%d", i)),
			"--database", dsn, "--holder", org, "--worker=false", "--address-rate", "-1",
			"--request-rate", "0.0001", "--request-burst", strconv.Itoa(burst),
			"--ingest-rate", "0.0001", "--ingest-burst", "20", "--max-bundle-objects", "20")
	}

	served, refused := 0, 0
	for i := range 3 * burst {
		resp, err := procs[i%2].request("GET", "/api/v1/cases", reader, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusOK:
			served++
		case http.StatusTooManyRequests:
			refused++
			if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || s < 1 {
				t.Errorf("429 with Retry-After %q", resp.Header.Get("Retry-After"))
			}
		default:
			t.Fatalf("request %d: %d", i, resp.StatusCode)
		}
	}
	if served != burst || refused != 2*burst {
		t.Fatalf("%d requests alternating between two servers: %d served, %d refused; want the burst, %d, served once for both", 3*burst, served, refused, burst)
	}

	// dam-control has 16 objects, ddos-government 12: together more than
	// the ingest burst of 20.
	if _, err := procs[0].ingest(sender, copyOfExample(t, "dam-control")); err != nil {
		t.Fatal(err)
	}
	_, err := procs[1].ingest(sender, copyOfExample(t, "ddos-government"))
	if err == nil || !strings.Contains(err.Error(), "429") {
		t.Fatalf("a second bundle beyond the ingest quota, on the other server: %v; want 429", err)
	}
}
