package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// mustJSON runs a command that must succeed and decodes what it printed
// on stdout (or, with fromStderr, on stderr) as JSON into v.
func mustJSON(t *testing.T, v any, fromStderr bool, args ...string) {
	t.Helper()
	out, errOut, code := runCLI(t, args...)
	if code != 0 {
		t.Fatalf("article5 %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
	}
	text := out
	if fromStderr {
		text = errOut
	}
	if err := json.Unmarshal([]byte(text), v); err != nil {
		t.Fatalf("article5 %s: not JSON: %v\n%s", strings.Join(args, " "), err, text)
	}
}

// TestOfflineKeyCommandsPrintJSON: party init, key new, party certify and
// party revoke print, with --format json, what they made: the key ids and
// files, the certificate and the revocation as written to their files.
func TestOfflineKeyCommandsPrintJSON(t *testing.T) {
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	t.Setenv("ARTICLE5_PASSPHRASE", "root passphrase for the test")
	t.Setenv("ARTICLE5_PASSWORD", "approver password for the test")

	var root map[string]string
	mustJSON(t, &root, false, "party", "init", "--party", "JP", "--out", p("jp-root"), "--format", "json")
	if root["party"] != "JP" || !strings.HasPrefix(root["key_id"], "ed25519:") || root["key_file"] != p("jp-root.key") || root["public_file"] != p("jp-root.pub") {
		t.Errorf("party init --format json: %v", root)
	}
	for _, f := range []string{root["key_file"], root["public_file"]} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("party init: %v", err)
		}
	}

	var key map[string]string
	mustJSON(t, &key, false, "key", "new", "--out", p("tanaka"), "--format", "json")
	pub, _ := os.ReadFile(p("tanaka.pub"))
	if !strings.HasPrefix(key["key_id"], "ed25519:") || key["public_key"] != strings.TrimSpace(string(pub)) || key["key_file"] != p("tanaka.key") {
		t.Errorf("key new --format json: %v (tanaka.pub %q)", key, pub)
	}

	var cert struct {
		File        string          `json:"file"`
		Certificate json.RawMessage `json:"certificate"`
	}
	mustJSON(t, &cert, false, "party", "certify", "--root", p("jp-root.key"), "--subject", p("tanaka.pub"),
		"--name", "Tanaka", "--out", p("tanaka.cert"), "--format", "json")
	var printed, written map[string]any
	onFile, _ := os.ReadFile(p("tanaka.cert"))
	if err := json.Unmarshal(cert.Certificate, &printed); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(onFile, &written); err != nil {
		t.Fatal(err)
	}
	if cert.File != p("tanaka.cert") || printed["subject_key_id"] != key["key_id"] || printed["issuer_key_id"] != root["key_id"] ||
		printed["signature"] != written["signature"] {
		t.Errorf("party certify --format json: %s\nfile: %s", cert.Certificate, onFile)
	}

	var rev struct {
		File       string         `json:"file"`
		Revocation map[string]any `json:"revocation"`
	}
	mustJSON(t, &rev, false, "party", "revoke", "--root", p("jp-root.key"), "--key-id", key["key_id"],
		"--reason", "laptop lost", "--out", p("rev.json"), "--format", "json")
	if rev.File != p("rev.json") || rev.Revocation["key_id"] != key["key_id"] || rev.Revocation["reason"] != "laptop lost" || rev.Revocation["revoked_at"] == "" {
		t.Errorf("party revoke --format json: %+v", rev)
	}

	// Text stays the default.
	if out := MustCLI(t, "key", "new", "--out", p("other")); !strings.HasPrefix(out, "key ed25519:") {
		t.Errorf("key new (text): %q", out)
	}
}

// TestLocalCommandsPrintJSON: doctrine check, casebook, secret rotate and
// import print JSON with --format json; extension prints its JSON
// documents by default and a summary with --format text.
func TestLocalCommandsPrintJSON(t *testing.T) {
	dir := t.TempDir()
	mine := filepath.Join(dir, "mine.yaml")
	if err := os.WriteFile(mine, []byte(MustCLI(t, "doctrine", "show", "jp")), 0o644); err != nil {
		t.Fatal(err)
	}
	var checked []map[string]any
	mustJSON(t, &checked, false, "doctrine", "check", mine, mine, "--format", "json")
	if len(checked) != 2 || checked[0]["file"] != mine || checked[0]["id"] != "jp" || checked[0]["sha256"] == "" {
		t.Errorf("doctrine check --format json: %v", checked)
	}

	var cases []map[string]any
	mustJSON(t, &cases, false, "casebook", "--format", "json")
	text := MustCLI(t, "casebook")
	if len(cases) == 0 {
		t.Fatal("casebook --format json: no cases")
	}
	for _, c := range cases {
		name, _ := c["case"].(string)
		tiers, _ := c["tier"].(map[string]any)
		if name == "" || !strings.Contains(text, name) || tiers["jp"] == nil || tiers["us"] == nil || c["dcid"] == nil {
			t.Errorf("casebook --format json: a case unlike the text list: %v", c)
		}
	}

	var secret map[string]any
	mustJSON(t, &secret, false, "secret", "rotate", "--data-dir", filepath.Join(dir, "node"), "--format", "json")
	if id, _ := secret["id"].(string); id == "" || secret["created"] == nil {
		t.Errorf("secret rotate --format json: %v", secret)
	}

	data := filepath.Join("..", "..", "..", "..", "shared", "data", "cfr", "cyber-operations-incidents.csv")
	var rep struct {
		Dataset  string `json:"dataset"`
		Rows     int    `json:"rows"`
		Imported int    `json:"imported"`
		Rejected []struct {
			Row    int    `json:"row"`
			Reason string `json:"reason"`
		} `json:"rejected"`
	}
	mustJSON(t, &rep, true, "import", "cfr", data, "--out", filepath.Join(dir, "cfr.json"), "--format", "json")
	if rep.Rows == 0 || rep.Imported == 0 || rep.Imported+len(rep.Rejected) != rep.Rows || len(rep.Rejected) == 0 || rep.Rejected[0].Reason == "" {
		t.Errorf("import --format json: %+v", rep)
	}

	for _, sub := range []string{"definition", "schema", "bundle"} {
		var doc map[string]any
		mustJSON(t, &doc, false, "extension", sub)
		out := MustCLI(t, "extension", sub, "--format", "text")
		if strings.HasPrefix(out, "{") || !strings.Contains(out, "article5") {
			t.Errorf("extension %s --format text: %q", sub, out)
		}
	}
}

// TestNodeClientCommandsPrintJSON: 'case open -q' prints the new case's
// id alone, so a script takes it with CASE=$(article5 case open -q …);
// 'login --format json' says who is logged in where, without the session
// secret; 'doctrine put --format json' prints the node's answer.
func TestNodeClientCommandsPrintJSON(t *testing.T) {
	e := MustConsultEnv(t)
	bundle, err := os.ReadFile("../../../examples/winter-grid-deaths.json")
	if err != nil {
		t.Fatal(err)
	}
	e.ingest(bundle)

	out := e.mustAs("sato", "open", "-q", "--name", "Sapporo winter blackout", winterIncident)
	id := strings.TrimSuffix(out, "\n")
	if !strings.HasPrefix(id, "grouping--") || strings.ContainsAny(id, " \n") {
		t.Fatalf("case open -q printed %q, want the case id alone on a line", out)
	}
	if st := e.status(id); st["case"] != id || st["state"] != "in-consultation" {
		t.Errorf("the case case open -q named: %v", st)
	}

	session := e.path("sato-json.session")
	var login map[string]any
	mustJSON(t, &login, false, "login", "--server", e.server, "--name", "sato", "--password-file", e.path("sato.pw"),
		"--session", session, "--format", "json")
	saved, _ := os.ReadFile(session)
	var sf sessionFile
	if err := json.Unmarshal(saved, &sf); err != nil || sf.Secret == "" {
		t.Fatalf("session file: %v %s", err, saved)
	}
	if login["user"] != "sato" || login["party"] != "JP" || login["server"] != e.server || login["session"] != session || login["expires"] == nil {
		t.Errorf("login --format json: %v", login)
	}
	for k, v := range login {
		if s, _ := v.(string); strings.Contains(s, sf.Secret) {
			t.Errorf("login --format json shows the session secret in %q", k)
		}
	}

	// An admin puts the doctrine in force again: the node answers that
	// nothing changed.
	MustCLI(t, "user", "create", "--data-dir", e.path("node"), "--name", "admin-jp", "--party", "JP", "--role", "admin",
		"--org", jpOrg, "--password-file", e.path("sato.pw"))
	MustCLI(t, "login", "--server", e.server, "--name", "admin-jp", "--password-file", e.path("sato.pw"), "--session", e.path("admin.session"))
	jp := e.path("jp.yaml")
	if err := os.WriteFile(jp, []byte(MustCLI(t, "doctrine", "show", "jp")), 0o644); err != nil {
		t.Fatal(err)
	}
	var put struct {
		Unchanged bool `json:"unchanged"`
		Doctrine  struct {
			ID     string `json:"id"`
			SHA256 string `json:"sha256"`
		} `json:"doctrine"`
	}
	mustJSON(t, &put, false, "doctrine", "put", "jp", jp, "--server", e.server, "--session", e.path("admin.session"), "--format", "json")
	if !put.Unchanged || put.Doctrine.ID != "jp" || put.Doctrine.SHA256 == "" {
		t.Errorf("doctrine put --format json: %+v", put)
	}
	if out := MustCLI(t, "doctrine", "put", "jp", jp, "--server", e.server, "--session", e.path("admin.session")); !strings.HasPrefix(out, "doctrine jp unchanged") {
		t.Errorf("doctrine put (text): %q", out)
	}
	// Another text under the version the node holds is refused, and the
	// doctrine in force stays.
	m3 := e.path("m3.yaml")
	if err := os.WriteFile(m3, []byte(strings.Replace(MustCLI(t, "doctrine", "show", "jp"), "\nparty: JP\n", "\nparty: JP\n# reworded\n", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errs, code := runCLI(t, "doctrine", "put", "jp", m3, "--server", e.server, "--session", e.path("admin.session"))
	want := "jp 2.1.1 is already held with other text (sha256 " + put.Doctrine.SHA256 + "): give the new text its own version"
	if code != 2 || out != "" || !strings.Contains(errs, want) {
		t.Errorf("doctrine put of another text under 2.1.1: exit %d, stdout %q, stderr %q; want exit 2 and %q", code, out, errs, want)
	}
	if out := MustCLI(t, "doctrine", "put", "jp", jp, "--server", e.server, "--session", e.path("admin.session")); !strings.HasPrefix(out, "doctrine jp unchanged") {
		t.Errorf("doctrine put of the text in force after the refusal: %q", out)
	}
}
