package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestFederationTwoServers builds the binary and runs `article5 demo
// federation`: two real `article5 serve` processes on loopback, each with
// its own data directory, database, approver keys and Party root; JP opens
// a case, the US node pulls it (`article5 sync`), each Party's legal
// adviser records and its approver signs on its own node, and both nodes
// pull each other. Then, outside the demonstration: both nodes named the
// same determination id and assessment hash; the record `case export`
// gave on each node verifies offline with `article5 verify` under both
// roots, and is refused under the JP root alone; and both records hold the
// same assessment object and determination, byte for byte.
//
// Skipped under -short (it builds the binary and runs two servers).
func TestFederationTwoServers(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs two servers")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "article5")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	demoDir := filepath.Join(dir, "demo")
	out, err := exec.Command(bin, "demo", "federation", "--dir", demoDir, "--timeout", "3m").CombinedOutput()
	if err != nil {
		logs, _ := os.ReadFile(filepath.Join(demoDir, "us-serve.log"))
		t.Fatalf("demo federation: %v\n%s\nUS log:\n%s", err, out, logs)
	}
	t.Logf("%s", out)

	line := regexp.MustCompile(`(?m)^   (JP|US): (article5-determination--[0-9a-f-]{36}) (concurred|diverged), assessment ([0-9a-f]{64})$`)
	got := map[string][]string{}
	for _, m := range line.FindAllStringSubmatch(string(out), -1) {
		got[m[1]] = m[2:]
	}
	if len(got["JP"]) == 0 || len(got["US"]) == 0 || strings.Join(got["JP"], " ") != strings.Join(got["US"], " ") {
		t.Fatalf("the nodes did not name the same determination and assessment: %v", got)
	}
	if !regexp.MustCompile(`(?m)^   US: case grouping--\S+ in-consultation on assessment ` + got["JP"][2] + `$`).Match(out) {
		t.Fatalf("the case did not arrive on US in consultation on the same assessment:\n%s", out)
	}

	verify := func(record string, roots ...string) (int, string) {
		args := []string{"verify", filepath.Join(demoDir, record)}
		for _, r := range roots {
			args = append(args, "--trust", filepath.Join(demoDir, r))
		}
		out, err := exec.Command(bin, args...).CombinedOutput()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode(), string(out)
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0, string(out)
	}
	type record struct {
		Assessment    json.RawMessage `json:"assessment"`
		Determination json.RawMessage `json:"determination"`
		Positions     []struct {
			ID string `json:"id"`
		} `json:"positions"`
	}
	var recs []record
	for _, name := range []string{"jp-record.json", "us-record.json"} {
		if code, out := verify(name, "jp-root.pub", "us-root.pub"); code != 0 {
			t.Fatalf("verify %s under both roots: exit %d\n%s", name, code, out)
		}
		if code, out := verify(name, "jp-root.pub"); code != 4 {
			t.Fatalf("verify %s under the JP root alone: exit %d, want 4 (refused)\n%s", name, code, out)
		}
		data, err := os.ReadFile(filepath.Join(demoDir, name))
		if err != nil {
			t.Fatal(err)
		}
		var r record
		if err := json.Unmarshal(data, &r); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r)
	}
	if !bytes.Equal(recs[0].Assessment, recs[1].Assessment) {
		t.Fatalf("the nodes' assessment objects differ:\nJP %.300s\nUS %.300s", recs[0].Assessment, recs[1].Assessment)
	}
	if !bytes.Equal(recs[0].Determination, recs[1].Determination) {
		t.Fatalf("the nodes' determinations differ:\nJP %s\nUS %s", recs[0].Determination, recs[1].Determination)
	}
	if len(recs[0].Positions) != 2 || len(recs[1].Positions) != 2 || recs[0].Positions[0].ID != recs[1].Positions[0].ID || recs[0].Positions[1].ID != recs[1].Positions[1].ID {
		t.Fatalf("the nodes' positions differ: %+v / %+v", recs[0].Positions, recs[1].Positions)
	}
}
