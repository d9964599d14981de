package cli

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"article5"

	_ "modernc.org/sqlite"
)

// consultEnv is a node served on loopback by `article5 serve`, with JP and
// US users, root keys and registered approver keys, all made with the CLI.
type consultEnv struct {
	t      *testing.T
	dir    string
	server string
	token  string
}

const (
	jpOrg = "identity--169612a8-b4f8-4371-9087-e3ae6513ac57" // the example's NISC desk: the holder
	usOrg = "identity--0d1c6a5e-3c3a-4a7e-9b8e-2f1a6c0e7d21"
)

// MustCLI runs the CLI and fails the test unless it exits 0.
func MustCLI(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, code := runCLI(t, args...)
	if code != 0 {
		t.Fatalf("article5 %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

func (e *consultEnv) path(name string) string { return filepath.Join(e.dir, name) }

// as runs a `case` subcommand as the user whose session file is name.session.
func (e *consultEnv) as(name string, args ...string) (string, string, int) {
	e.t.Helper()
	full := append([]string{"case", args[0], "--session", e.path(name + ".session"), "--server", e.server}, args[1:]...)
	return runCLI(e.t, full...)
}

func (e *consultEnv) mustAs(name string, args ...string) string {
	e.t.Helper()
	out, errOut, code := e.as(name, args...)
	if code != 0 {
		e.t.Fatalf("%s: article5 case %s: exit %d\n%s%s", name, strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// MustConsultEnv sets the node up as the walkthrough in docs/consultations.md does and
// starts it; the server stops when the test ends.
func MustConsultEnv(t *testing.T) *consultEnv {
	t.Helper()
	dir := t.TempDir()
	e := &consultEnv{t: t, dir: dir}
	t.Setenv("ARTICLE5_PASSPHRASE", "jp root passphrase, kept offline")
	MustCLI(t, "party", "init", "--party", "JP", "--out", e.path("jp-root"))
	t.Setenv("ARTICLE5_PASSPHRASE", "us root passphrase, kept offline")
	MustCLI(t, "party", "init", "--party", "US", "--out", e.path("us-root"))
	node := e.path("node")
	for _, u := range []struct{ name, party, role, org string }{
		{"sato", "JP", "analyst", jpOrg}, {"suzuki", "JP", "legal", jpOrg}, {"tanaka", "JP", "approver", jpOrg},
		{"miller", "US", "legal", usOrg}, {"jones", "US", "approver", usOrg}, {"kato", "JP", "approver", jpOrg},
	} {
		if err := os.WriteFile(e.path(u.name+".pw"), []byte("password of "+u.name+", long enough\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		MustCLI(t, "user", "create", "--data-dir", node, "--name", u.name, "--party", u.party, "--role", u.role, "--org", u.org, "--password-file", e.path(u.name+".pw"))
	}
	for _, a := range []struct{ name, party, root string }{{"tanaka", "JP", "jp"}, {"jones", "US", "us"}} {
		MustCLI(t, "key", "new", "--out", e.path(a.name), "--password-file", e.path(a.name+".pw"))
		t.Setenv("ARTICLE5_PASSPHRASE", a.root+" root passphrase, kept offline")
		MustCLI(t, "party", "certify", "--root", e.path(a.root+"-root.key"), "--subject", e.path(a.name+".pub"), "--role", "approver",
			"--name", a.name+" ("+a.party+")", "--out", e.path(a.name+".cert"))
		MustCLI(t, "key", "add", "--data-dir", node, "--user", a.name, "--key", e.path(a.name+".key"), "--cert", e.path(a.name+".cert"),
			"--trust", e.path("jp-root.pub"), "--trust", e.path("us-root.pub"))
	}
	config := fmt.Sprintf("holder: %s\nclients:\n  %s: [%s]\ntrust: [%s, %s]\n", jpOrg, jpOrg, usOrg, e.path("jp-root.pub"), e.path("us-root.pub"))
	if err := os.WriteFile(e.path("node.yaml"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	out := MustCLI(t, "token", "create", "--data-dir", node, "--name", "feed", "--party", "JP", "--org", jpOrg)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	e.token = lines[len(lines)-1]

	nodeKey := strings.TrimSpace(MustCLI(t, "audit", "key", "--data-dir", node))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	e.server = "http://" + addr
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var sout, serr bytes.Buffer
	go func() {
		done <- Run(ctx, []string{"serve", "--data-dir", node, "--config", e.path("node.yaml"), "--addr", addr}, &sout, &serr)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	MustCLI(t, "wait", "--server", e.server, "--timeout", "30s", "--holder", jpOrg, "--node-key", nodeKey)
	for _, name := range []string{"sato", "suzuki", "tanaka", "miller", "jones", "kato"} {
		MustCLI(t, "login", "--server", e.server, "--name", name, "--password-file", e.path(name+".pw"), "--session", e.path(name+".session"))
	}
	return e
}

// ingest posts a STIX bundle with the feed's token.
func (e *consultEnv) ingest(bundle []byte) {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.server+"/api/v1/bundles", bytes.NewReader(bundle))
	req.Header.Set("Authorization", "Bearer "+e.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		e.t.Fatalf("ingest: %s", resp.Status)
	}
}

// status returns the consultation's JSON view.
func (e *consultEnv) status(caseID string) map[string]any {
	e.t.Helper()
	out := e.mustAs("sato", "status", caseID, "--format", "json")
	var v map[string]any
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		e.t.Fatalf("status JSON: %v\n%s", err, out)
	}
	return v
}

const winterIncident = "incident--8427b4e1-d27a-49ee-a651-76bc585ab6e3"

var caseLine = regexp.MustCompile(`(?m)^case (grouping--[0-9a-f-]{36}): (\S+)$`)

// TestConsultationEndToEnd is the "done when": a scripted two-Party
// consultation through the real HTTP API, from incidents to a concluded
// case, the record exported and verified offline against the two root
// keys; then new evidence re-opens the case and the old record still
// verifies; and the node's audit log is intact (tampering with it is
// detected).
func TestConsultationEndToEnd(t *testing.T) {
	e := MustConsultEnv(t)
	bundle, err := os.ReadFile("../../../examples/winter-grid-deaths.json")
	if err != nil {
		t.Fatal(err)
	}
	e.ingest(bundle)

	// The analyst opens a case from the incident and requests consultation.
	out := e.mustAs("sato", "open", "--name", "Sapporo winter blackout", winterIncident)
	m := caseLine.FindStringSubmatch(out)
	if m == nil || m[2] != "in-consultation" {
		t.Fatalf("case open printed no case in consultation:\n%s", out)
	}
	caseID := m[1]

	// Roles and Parties are enforced through the API.
	refusals := []struct {
		user string
		args []string
		want string
	}{
		{"sato", []string{"position", caseID, "--party", "JP", "--tier", "armed-attack-possible", "--opinion", "agree", "--reasons", "x"}, "needs the legal role"},
		{"suzuki", []string{"position", caseID, "--party", "US", "--tier", "armed-attack-possible", "--opinion", "agree", "--reasons", "x"}, "only for their own party"},
		{"tanaka", []string{"sign", caseID, "--yes", "--password-file", e.path("tanaka.pw")}, "has recorded no position"},
		{"suzuki", []string{"position", caseID, "--tier", "war", "--opinion", "agree", "--reasons", "x"}, "/tier"},
	}
	for _, r := range refusals {
		out, errOut, code := e.as(r.user, r.args...)
		if code == 0 || !strings.Contains(out+errOut, r.want) {
			t.Errorf("%s: case %s: exit %d, want a refusal saying %q:\n%s%s", r.user, strings.Join(r.args, " "), code, r.want, out, errOut)
		}
	}

	// The legal advisers exchange an RFI and record their positions.
	e.mustAs("miller", "rfi", caseID, "--question", "Has Japan corroborated the State X attribution with its own reporting?")
	e.mustAs("suzuki", "answer", caseID, "rfi-1", "--answer", "Yes: two independent sources, confidence 80.")
	e.mustAs("suzuki", "position", caseID, "--tier", "use-of-force-possible", "--opinion", "agree",
		"--reasons", "Days without heating in winter, by a State organ: a use of force. Deaths are only suspected, so not yet damage on a par with a physical attack.")
	e.mustAs("miller", "position", caseID, "--tier", "use-of-force-possible", "--opinion", "agree",
		"--reasons", "A use of force by State X, attributed at high confidence; on the U.S. view it may be met in self-defence.")

	// A JP approver cannot sign for the US; a wrong password signs nothing;
	// an approver with no registered key cannot sign.
	if out, errOut, code := e.as("tanaka", "sign", caseID, "--yes", "--party", "US", "--password-file", e.path("tanaka.pw")); code == 0 || !strings.Contains(out+errOut, "only for their own party") {
		t.Errorf("JP approver signing for US: exit %d\n%s%s", code, out, errOut)
	}
	if out, errOut, code := e.as("tanaka", "sign", caseID, "--yes", "--password-file", e.path("jones.pw")); code == 0 || !strings.Contains(out+errOut, "wrong password") {
		t.Errorf("wrong password: exit %d\n%s%s", code, out, errOut)
	}
	if out, errOut, code := e.as("kato", "sign", caseID, "--yes", "--password-file", e.path("kato.pw")); code == 0 || !strings.Contains(out+errOut, "no signing key") {
		t.Errorf("approver without a key: exit %d\n%s%s", code, out, errOut)
	}

	// Both approvers sign: the consultation concludes, concurred.
	e.mustAs("tanaka", "sign", caseID, "--yes", "--password-file", e.path("tanaka.pw"))
	if st := e.status(caseID)["state"]; st != string(article5.StateInConsultation) {
		t.Fatalf("after one signature the state is %v, want in-consultation", st)
	}
	out = e.mustAs("jones", "sign", caseID, "--yes", "--password-file", e.path("jones.pw"))
	if m := caseLine.FindStringSubmatch(out); m == nil || m[2] != string(article5.StateConcurred) {
		t.Fatalf("after both signatures:\n%s", out)
	}
	if out := e.mustAs("sato", "list"); !regexp.MustCompile(caseID + `\s.*concluded-concurred`).MatchString(out) {
		t.Errorf("case list does not show the concluded consultation:\n%s", out)
	}
	if out, errOut, code := e.as("suzuki", "position", caseID, "--tier", "below-threshold", "--opinion", "disagree", "--reasons", "changed my mind"); code == 0 {
		t.Errorf("a position changed after conclusion: exit 0\n%s%s", out, errOut)
	}

	// Export and verify offline against the two roots.
	record := e.mustAs("suzuki", "export", caseID)
	if err := os.WriteFile(e.path("record.json"), []byte(record), 0o600); err != nil {
		t.Fatal(err)
	}
	out = MustCLI(t, "verify", e.path("record.json"), "--trust", e.path("jp-root.pub"), "--trust", e.path("us-root.pub"))
	if !strings.Contains(out, "determination: concurred") {
		t.Fatalf("verify:\n%s", out)
	}
	// The same record as a STIX bundle of the stored objects verifies too.
	bundleOut := e.mustAs("suzuki", "export", caseID, "--format", "stix")
	var sb struct {
		Type    string `json:"type"`
		Objects []struct {
			Type         string   `json:"type"`
			CreatedByRef string   `json:"created_by_ref"`
			Markings     []string `json:"object_marking_refs"`
		} `json:"objects"`
	}
	if err := json.Unmarshal([]byte(bundleOut), &sb); err != nil || sb.Type != "bundle" {
		t.Fatalf("export --format stix is not a bundle: %v\n%s", err, bundleOut)
	}
	var types []string
	for _, o := range sb.Objects {
		types = append(types, o.Type)
	}
	if strings.Join(types, ",") != "grouping,article5-assessment,opinion,opinion,article5-determination,identity,extension-definition" {
		t.Errorf("bundle objects %v", types)
	}
	// The creator the node's own objects name is in the bundle.
	if len(sb.Objects) == 7 && (sb.Objects[1].CreatedByRef != article5.ExtensionCreatorID || sb.Objects[4].CreatedByRef != article5.ExtensionCreatorID) {
		t.Errorf("the assessment and determination are created by %q and %q, want article5's identity", sb.Objects[1].CreatedByRef, sb.Objects[4].CreatedByRef)
	}
	if len(sb.Objects) == 7 && (sb.Objects[2].CreatedByRef != jpOrg || sb.Objects[3].CreatedByRef != usOrg) {
		t.Errorf("the opinions are created by %q and %q, want the signers' organisations", sb.Objects[2].CreatedByRef, sb.Objects[3].CreatedByRef)
	}
	// What the node derives (the assessment, the opinions on it, the
	// determination) carries the audience of the evidence: one TLP marking,
	// the same on each.
	if len(sb.Objects) == 7 {
		want := sb.Objects[1].Markings
		if len(want) != 1 {
			t.Errorf("the assessment carries markings %v, want its evidence's one TLP", want)
		}
		for _, o := range sb.Objects[2:5] {
			if strings.Join(o.Markings, ",") != strings.Join(want, ",") {
				t.Errorf("the %s is marked %v, the assessment it derives from %v", o.Type, o.Markings, want)
			}
		}
	}
	if err := os.WriteFile(e.path("record.stix.json"), []byte(bundleOut), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := MustCLI(t, "verify", e.path("record.stix.json"), "--trust", e.path("jp-root.pub"), "--trust", e.path("us-root.pub")); !strings.Contains(out, "determination: concurred") {
		t.Errorf("verify of the STIX bundle:\n%s", out)
	}
	tampered := strings.Replace(bundleOut, `"explanation": "Days without heating`, `"explanation": "Weeks without heating`, 1)
	if tampered == bundleOut {
		t.Fatalf("the bundle has no JP explanation to tamper with:\n%s", bundleOut)
	}
	if err := os.WriteFile(e.path("tampered.stix.json"), []byte(tampered), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, errOut, code := runCLI(t, "verify", e.path("tampered.stix.json"), "--trust", e.path("jp-root.pub"), "--trust", e.path("us-root.pub")); code != ExitRefused || !strings.Contains(errOut, "reasons do not match") {
		t.Errorf("verify of an opinion with altered reasons: exit %d\n%s%s", code, out, errOut)
	}

	// Findings edited after signing: the recomputed hash differs (exit 4).
	var rec map[string]any
	if err := json.Unmarshal([]byte(record), &rec); err != nil {
		t.Fatal(err)
	}
	rec["assessment"].(map[string]any)["findings"].(map[string]any)["assessments"].(map[string]any)["jp"].(map[string]any)["tier"] = "below-threshold"
	forged, _ := json.Marshal(rec)
	if err := os.WriteFile(e.path("forged.json"), forged, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, errOut, code := runCLI(t, "verify", e.path("forged.json"), "--trust", e.path("jp-root.pub"), "--trust", e.path("us-root.pub")); code != ExitRefused || !strings.Contains(errOut, "altered after signing") {
		t.Errorf("verify of edited findings: exit %d, want %d\n%s%s", code, ExitRefused, out, errOut)
	}
	// With only the JP root the US signature rests on an untrusted key.
	if out, errOut, code := runCLI(t, "verify", e.path("record.json"), "--trust", e.path("jp-root.pub")); code != ExitRefused {
		t.Errorf("verify with one root: exit 0\n%s%s", out, errOut)
	}
	// An analyst may not take the legal record out of the node.
	if _, _, code := e.as("sato", "export", caseID); code == 0 {
		t.Errorf("analyst exported the record")
	}

	// New evidence: a new version of the incident re-opens the case on a
	// new assessment; the signed record still verifies.
	oldHash := e.status(caseID)["assessment_hash"].(string)
	e.ingest(newVersion(t, bundle, winterIncident))
	var st map[string]any
	for i := 0; ; i++ {
		st = e.status(caseID)
		if st["state"] == string(article5.StateInConsultation) && st["assessment_hash"] != oldHash {
			break
		}
		if i == 400 {
			t.Fatalf("new evidence did not re-open the case: %v", st["state"])
		}
		time.Sleep(25 * time.Millisecond)
	}
	if past, _ := st["past_determinations"].([]any); len(past) != 1 {
		t.Fatalf("past determinations %v, want the superseded one", st["past_determinations"])
	}
	// Tanaka's key is revoked: it signs nothing more, but what it signed
	// before still verifies (the export carries the revocation).
	out = MustCLI(t, "party", "revoke", "--root", e.path("jp-root.key"), "--key-id", keyIDOf(t, e.path("tanaka.cert")),
		"--reason", "laptop lost", "--out", e.path("rev.json"), "--passphrase-file", writeTemp(t, e.dir, "jp root passphrase, kept offline"))
	MustCLI(t, "key", "revoke", "--data-dir", e.path("node"), "--revocation", e.path("rev.json"), "--trust", e.path("jp-root.pub"), "--trust", e.path("us-root.pub"))
	e.mustAs("suzuki", "position", caseID, "--tier", "use-of-force-possible", "--opinion", "agree", "--reasons", "The update changes nothing in substance.")
	if out, errOut, code := e.as("tanaka", "sign", caseID, "--yes", "--password-file", e.path("tanaka.pw")); code == 0 || !strings.Contains(out+errOut, "no signing key") {
		t.Errorf("signing with a revoked key: exit %d\n%s%s", code, out, errOut)
	}
	// Plain export is of the current assessment, on which nothing is signed
	// yet: it says so and names the superseded determination's hash.
	if out, errOut, code := e.as("suzuki", "export", caseID); code == 0 || !strings.Contains(errOut, "--assessment "+oldHash) {
		t.Errorf("export after new evidence: exit %d, want a refusal naming --assessment %s\n%s%s", code, oldHash, out, errOut)
	}
	old := e.mustAs("suzuki", "export", caseID, "--assessment", oldHash)
	if !strings.Contains(old, "laptop lost") {
		t.Errorf("the export of the old record lacks the revocation of its key:\n%s", old)
	}
	if err := os.WriteFile(e.path("old.json"), []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	MustCLI(t, "verify", e.path("old.json"), "--trust", e.path("jp-root.pub"), "--trust", e.path("us-root.pub"))
	MustCLI(t, "verify", e.path("record.json"), "--trust", e.path("jp-root.pub"), "--trust", e.path("us-root.pub"))

	// The whole history is in the node's audit log, intact; a direct edit
	// of the consultation is detected.
	db := e.path("node")
	if out := MustCLI(t, "audit", "verify", "--data-dir", db); !strings.Contains(out, "intact") {
		t.Fatalf("audit verify:\n%s", out)
	}
	sqldb, err := sql.Open("sqlite", filepath.Join(db, "article5.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer sqldb.Close()
	if _, err := sqldb.Exec(`UPDATE consultations SET state = 'concluded-diverged'`); err != nil {
		t.Fatal(err)
	}
	if out, errOut, code := runCLI(t, "audit", "verify", "--data-dir", db); code == 0 || !strings.Contains(out+errOut, "consultations/"+caseID) {
		t.Errorf("tampered consultation not detected: exit %d\n%s%s", code, out, errOut)
	}
}

// newVersion returns a bundle holding a new version of the incident id
// (modified one hour later, with more confirmed deaths), so that its
// assessment changes.
func newVersion(t *testing.T, bundle []byte, id string) []byte {
	t.Helper()
	var b map[string]any
	if err := json.Unmarshal(bundle, &b); err != nil {
		t.Fatal(err)
	}
	for _, o := range b["objects"].([]any) {
		obj := o.(map[string]any)
		if obj["id"] != id {
			continue
		}
		mod, err := time.Parse(time.RFC3339Nano, obj["modified"].(string))
		if err != nil {
			t.Fatal(err)
		}
		obj["modified"] = mod.Add(time.Hour).UTC().Format("2006-01-02T15:04:05.000Z")
		obj["description"] = fmt.Sprint(obj["description"], " Update: the toll has risen.")
		out, err := json.Marshal(map[string]any{"type": "bundle", "id": "bundle--6b0f8a53-2d0e-4a47-9b5e-55a0f4a1c9e1", "objects": []any{obj}})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	t.Fatalf("no %s in the bundle", id)
	return nil
}

// keyIDOf reads the subject key id of a certificate file.
func keyIDOf(t *testing.T, certPath string) string {
	t.Helper()
	data, err := os.ReadFile(certPath)
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		SubjectKeyID string `json:"subject_key_id"`
	}
	if err := json.Unmarshal(data, &c); err != nil || c.SubjectKeyID == "" {
		t.Fatalf("certificate %s: %v", certPath, err)
	}
	return c.SubjectKeyID
}

// writeTemp writes text to a new file in dir and returns its path.
func writeTemp(t *testing.T, dir, text string) string {
	t.Helper()
	f, err := os.CreateTemp(dir, "secret-*")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
	return f.Name()
}
