package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// TestFederationTwoServers builds the binary and runs `article5 demo
// federation`: two real `article5 serve` processes on loopback, each with
// its own data directory, database, approver keys, tree-head key and Party
// root; each node's tree-head key is certified by its Party's root and
// installed before serving. JP opens a case and holds two TLP:RED
// indicators, one for JP's organisation only and one naming the US
// organisation; the US node pulls (`article5 sync`), each Party's legal
// adviser records and its approver signs on its own node, and both nodes
// pull and push to each other. Then, outside the demonstration, it proves:
//
//   - the determination: both nodes named the same determination id and
//     assessment hash; the records `case export` gave on each node are
//     byte-identical and verify offline under both roots, and are refused
//     under the JP root alone;
//   - TLP at the boundary: the RED indicator for JP only, which both the
//     US node's pulls and JP's pushes passed over, is not on the US node,
//     neither to a US admin on the API nor to a US token over TAXII, nor
//     anywhere in the US node's database files (while JP's hold it); the
//     one naming the US organisation is there;
//   - witnessing: each node's `partner list --format json` shows a head of
//     the other Party witnessed with no error and no inconsistency, the
//     restarted US node's /metrics says its witnessing is ok, and the head
//     each node exported with `partner head` verifies on the other node
//     with `audit verify --witnessed` (and is refused by the node that
//     exported it: it is not that node's log).
//
// Skipped under -short (it builds the binary and runs servers).
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
	jpRec, _ := os.ReadFile(filepath.Join(demoDir, "jp-record.json"))
	usRec, _ := os.ReadFile(filepath.Join(demoDir, "us-record.json"))
	if !bytes.Equal(jpRec, usRec) {
		t.Fatalf("the records exported on JP and on US differ (%d and %d bytes)", len(jpRec), len(usRec))
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
	t.Run("witnessing", func(t *testing.T) { checkWitnessing(t, bin, demoDir) })
	t.Run("tlp", func(t *testing.T) { checkTLPBoundary(t, bin, demoDir) })
}

// The demonstration's TLP:RED indicators (cli/demo.go).
const (
	redJPOnly   = "indicator--5b0e8c1e-2f3a-4d7e-9c61-0a4b7f2d9e11"
	redToUS     = "indicator--5b0e8c1e-2f3a-4d7e-9c61-0a4b7f2d9e12"
	redJPOnlyNm = "JP eyes only: the sensor that saw the intrusion"
	usOrg       = "identity--0d1c6a5e-3c3a-4a7e-9b8e-2f1a6c0e7d21"
)

// run runs the binary and returns its exit status and combined output.
func run(t *testing.T, bin string, args ...string) (int, string) {
	t.Helper()
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

func checkWitnessing(t *testing.T, bin, demoDir string) {
	for _, w := range []struct{ node, partner, party string }{{"jp", "us", "US"}, {"us", "jp", "JP"}} {
		code, out := run(t, bin, "partner", "list", "--data-dir", filepath.Join(demoDir, w.node), "--format", "json")
		if code != 0 {
			t.Fatalf("partner list on %s: exit %d\n%s", w.node, code, out)
		}
		var list struct {
			Partners []struct {
				Name string `json:"name"`
				Log  struct {
					Size            *int64  `json:"size"`
					Hash            string  `json:"hash"`
					KeyID           string  `json:"key_id"`
					Party           string  `json:"party"`
					Witnessed       *string `json:"witnessed"`
					Checks          int64   `json:"checks"`
					Inconsistencies int64   `json:"inconsistencies"`
					LastError       string  `json:"last_error"`
					ConflictOpen    bool    `json:"conflict_open"`
				} `json:"log"`
			} `json:"partners"`
		}
		if err := json.Unmarshal([]byte(out), &list); err != nil {
			t.Fatalf("partner list on %s: %v\n%s", w.node, err, out)
		}
		if len(list.Partners) != 1 || list.Partners[0].Name != w.partner {
			t.Fatalf("partners on %s: %s", w.node, out)
		}
		l := list.Partners[0].Log
		if l.Size == nil || *l.Size == 0 || l.Hash == "" || l.Witnessed == nil || l.Party != w.party || l.Checks < 1 ||
			l.LastError != "" || l.Inconsistencies != 0 || l.ConflictOpen {
			t.Fatalf("%s did not witness %s's log cleanly: %s", w.node, w.partner, out)
		}

		code, head := run(t, bin, "partner", "head", w.partner, "--data-dir", filepath.Join(demoDir, w.node))
		if code != 0 {
			t.Fatalf("partner head %s on %s: exit %d\n%s", w.partner, w.node, code, head)
		}
		note := filepath.Join(t.TempDir(), w.partner+".note")
		if err := os.WriteFile(note, []byte(head), 0o600); err != nil {
			t.Fatal(err)
		}
		if code, out := run(t, bin, "audit", "verify", "--data-dir", filepath.Join(demoDir, w.partner), "--witnessed", note); code != 0 {
			t.Fatalf("the head %s witnessed does not verify on %s: exit %d\n%s", w.node, w.partner, code, out)
		}
		if code, out := run(t, bin, "audit", "verify", "--data-dir", filepath.Join(demoDir, w.node), "--witnessed", note); code != 4 {
			t.Fatalf("the head %s witnessed of %s, against %s's own log: exit %d, want 4 (refused)\n%s", w.node, w.partner, w.node, code, out)
		}
	}
}

// checkTLPBoundary restarts the US node and asks it, as a US admin on the
// API and as a US token over TAXII, for the two RED indicators; then reads
// the US node's database files for the one it must never have held.
func checkTLPBoundary(t *testing.T, bin, demoDir string) {
	us := filepath.Join(demoDir, "us")
	pw := filepath.Join(demoDir, "adams.pw")
	if err := os.WriteFile(pw, []byte("password of adams, long enough"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out := run(t, bin, "user", "create", "--data-dir", us, "--name", "adams", "--party", "US", "--role", "admin", "--org", usOrg, "--password-file", pw); code != 0 {
		t.Fatalf("user create: exit %d\n%s", code, out)
	}
	code, out := run(t, bin, "token", "create", "--data-dir", us, "--name", "us-reader", "--party", "US", "--org", usOrg)
	if code != 0 {
		t.Fatalf("token create: exit %d\n%s", code, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	token := lines[len(lines)-1]

	url, stop := startServe(t, bin, us, filepath.Join(demoDir, "us.yaml"))
	if code, out := run(t, bin, "wait", "--server", url, "--party", "US", "--timeout", "30s"); code != 0 {
		t.Fatalf("wait: exit %d\n%s", code, out)
	}
	session := filepath.Join(demoDir, "adams.session")
	if code, out := run(t, bin, "login", "--server", url, "--name", "adams", "--password-file", pw, "--session", session); code != 0 {
		t.Fatalf("login: exit %d\n%s", code, out)
	}
	var sf struct {
		Secret string `json:"session"`
	}
	data, err := os.ReadFile(session)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &sf); err != nil || sf.Secret == "" {
		t.Fatalf("session file: %v", err)
	}
	get := func(path string, auth func(*http.Request)) (int, []byte) {
		req, err := http.NewRequest(http.MethodGet, url+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		auth(req)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, body
	}
	admin := func(r *http.Request) { r.AddCookie(&http.Cookie{Name: "article5_session", Value: sf.Secret}) }
	taxiiTok := func(r *http.Request) {
		r.Header.Set("Authorization", "Bearer "+token)
		r.Header.Set("Accept", "application/taxii+json;version=2.1")
	}
	taxiiHas := func(id string) bool {
		code, body := get("/taxii2/article5/collections/all/objects/?match[id]="+id, taxiiTok)
		if code == http.StatusNotFound {
			return false
		}
		if code != http.StatusOK {
			t.Fatalf("TAXII get %s: %d %s", id, code, body)
		}
		var env struct {
			Objects []struct {
				ID string `json:"id"`
			} `json:"objects"`
		}
		if err := json.Unmarshal(body, &env); err != nil {
			t.Fatalf("TAXII get %s: %v\n%s", id, err, body)
		}
		for _, o := range env.Objects {
			if o.ID == id {
				return true
			}
		}
		return false
	}

	if code, body := get("/api/v1/objects/"+redToUS, admin); code != http.StatusOK {
		t.Fatalf("the RED indicator naming US, as a US admin: %d %s", code, body)
	}
	if !taxiiHas(redToUS) {
		t.Fatal("the RED indicator naming US is not in US's TAXII collection")
	}
	if code, body := get("/api/v1/objects/"+redJPOnly, admin); code != http.StatusNotFound {
		t.Fatalf("the RED indicator for JP only, as a US admin: %d %s", code, body)
	}
	if taxiiHas(redJPOnly) {
		t.Fatal("the RED indicator for JP only is in US's TAXII collection")
	}
	if code, body := get("/metrics", func(*http.Request) {}); code != http.StatusOK ||
		!regexp.MustCompile(`(?m)^article5_partner_log_witness_ok\{partner="jp"\} 1$`).Match(body) {
		t.Fatalf("US /metrics: %d, want article5_partner_log_witness_ok{partner=\"jp\"} 1:\n%s", code, grepLines(body, "partner_log"))
	}
	stop()

	// Nothing of it in any file of the US node (database, WAL, keys);
	// JP's files hold it, so the search can find it.
	for _, n := range []struct {
		dir  string
		want bool
	}{{us, false}, {filepath.Join(demoDir, "jp"), true}} {
		found := false
		err := filepath.WalkDir(n.dir, func(path string, e os.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			if bytes.Contains(data, []byte(redJPOnly)) || bytes.Contains(data, []byte(redJPOnlyNm)) {
				found = true
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if found != n.want {
			t.Fatalf("%s holds the RED indicator for JP only: %v, want %v", n.dir, found, n.want)
		}
	}
}

func grepLines(body []byte, sub string) string {
	var out []string
	for _, l := range strings.Split(string(body), "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// startServe starts `article5 serve` on loopback with no syncing and
// returns its URL (from the line it prints when listening) and a stop
// function (an interrupt, then waiting for it to end; also a cleanup).
func startServe(t *testing.T, bin, dataDir, config string) (string, func()) {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--data-dir", dataDir, "--config", config, "--addr", "127.0.0.1:0", "--sync-every", "0")
	var logs bytes.Buffer
	cmd.Stderr = &logs
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			_ = cmd.Process.Signal(os.Interrupt)
			_ = cmd.Wait()
		})
	}
	t.Cleanup(stop)
	line, err := bufio.NewReader(pipe).ReadString('\n')
	if err != nil {
		stop()
		t.Fatalf("serve: %v\n%s", err, logs.String())
	}
	go func() { _, _ = io.Copy(io.Discard, pipe) }()
	_, addr, ok := strings.Cut(strings.TrimSpace(line), "listening on ")
	if !ok {
		stop()
		t.Fatalf("serve printed %q\n%s", line, logs.String())
	}
	url, _, _ := strings.Cut(addr, " ")
	return url, stop
}
