package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestWitnessCLI walks witnessing with the CLI on two real nodes, each
// with its own SQLite database: JP's root certifies JP's tree-head key
// (audit key --public-out, party certify --role node, audit certificate
// install); US's sync witnesses JP's signed tree head, first and then as
// extended; partner list shows it; the head US exported (partner head)
// passes audit verify --witnessed on JP. A certificate under a root the
// node does not trust, and the certificate of another key, are refused.
func TestWitnessCLI(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("ARTICLE5_PASSPHRASE", "a long root passphrase")
	jpDir, usDir := filepath.Join(dir, "jp"), filepath.Join(dir, "us")
	p := func(name string) string { return filepath.Join(dir, name) }
	for _, party := range []string{"JP", "US"} {
		if _, errs, code := runCLI(t, "party", "init", "--party", party, "--out", p(strings.ToLower(party)+"-root")); code != 0 {
			t.Fatalf("party init %s: %s", party, errs)
		}
	}
	cfg := func(holder string) string {
		f := p(holder[len(holder)-4:] + ".yaml")
		if err := os.WriteFile(f, []byte("holder: "+holder+"\ncommunities:\n  "+fedCommunity+": ["+fedJP+", "+fedUS+"]\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return f
	}
	jpCfg, usCfg := cfg(fedJP), cfg(fedUS)
	analyst := mustTokenCLI(t, jpDir, "JP", fedJP)
	forUS := mustTokenCLI(t, jpDir, "US", fedUS, "--community", fedCommunity)

	_, errs, code := runCLI(t, "audit", "key", "--data-dir", jpDir, "--public-out", p("jp-node.pub"))
	m := regexp.MustCompile(`--name (\S+)`).FindStringSubmatch(errs)
	if code != 0 || m == nil {
		t.Fatalf("audit key --public-out: exit %d %s", code, errs)
	}
	if _, errs, code := runCLI(t, "party", "certify", "--root", p("jp-root.key"), "--subject", p("jp-node.pub"), "--role", "node",
		"--name", m[1], "--days", "30", "--out", p("jp-node.cert")); code != 0 {
		t.Fatalf("party certify --role node: %s", errs)
	}
	if _, errs, code := runCLI(t, "audit", "certificate", "install", p("jp-node.cert"), "--trust", p("us-root.pub"), "--data-dir", jpDir); code != ExitInvalid ||
		!strings.Contains(errs, "not a trusted root") {
		t.Fatalf("install under a root the node does not trust: exit %d %s", code, errs)
	}
	if _, errs, code := runCLI(t, "party", "certify", "--root", p("jp-root.key"), "--subject", p("jp-node.pub"), "--role", "node",
		"--name", "another-name", "--days", "30", "--out", p("jp-misnamed.cert")); code != 0 {
		t.Fatal(errs)
	}
	if _, errs, code := runCLI(t, "audit", "certificate", "install", p("jp-misnamed.cert"), "--trust", p("jp-root.pub"), "--data-dir", jpDir); code != ExitInvalid ||
		!strings.Contains(errs, "/subject_name") {
		t.Fatalf("install a certificate naming the key otherwise: exit %d %s", code, errs)
	}
	if out, errs, code := runCLI(t, "audit", "certificate", "install", p("jp-node.cert"), "--trust", p("jp-root.pub"), "--trust", p("us-root.pub"), "--data-dir", jpDir); code != 0 ||
		!strings.Contains(out, "installed") {
		t.Fatalf("audit certificate install: exit %d %s%s", code, out, errs)
	}
	if out, _, code := runCLI(t, "audit", "certificate", "--data-dir", jpDir); code != 0 || !strings.Contains(out, `"role": "node"`) {
		t.Fatalf("audit certificate: exit %d %s", code, out)
	}

	jpAddr := startServe(t, "--data-dir", jpDir, "--config", jpCfg)
	post := func(obj string) {
		t.Helper()
		req, _ := http.NewRequest("POST", "http://"+jpAddr+"/taxii2/article5/collections/all/objects/", strings.NewReader(`{"objects":[`+obj+`]}`))
		req.Header.Set("Authorization", "Bearer "+analyst)
		req.Header.Set("Content-Type", "application/taxii+json;version=2.1")
		req.Header.Set("Accept", "application/taxii+json;version=2.1")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusAccepted {
			t.Fatalf("post to JP: %d %s", res.StatusCode, body)
		}
	}
	post(fedObject("1", fedGreen))
	if _, errs, code := runCLI(t, "partner", "add", "jp", "http://"+jpAddr, "--token", forUS, "--speaks-for", fedJP, "--data-dir", usDir); code != 0 {
		t.Fatal(errs)
	}
	trust := []string{"--trust", p("jp-root.pub"), "--trust", p("us-root.pub")}
	out, errs, code := runCLI(t, append([]string{"sync", "--data-dir", usDir, "--config", usCfg}, trust...)...)
	if code != 0 || !strings.Contains(out, "jp: log witnessed:") || !strings.Contains(out, "(first head, key ed25519:") {
		t.Fatalf("first sync: exit %d\n%s%s", code, out, errs)
	}
	post(fedObject("2", fedGreen))
	out, errs, code = runCLI(t, append([]string{"sync", "--data-dir", usDir, "--config", usCfg}, trust...)...)
	if code != 0 || !regexp.MustCompile(`jp: log witnessed: \d+ entries, extends the \d+ witnessed before`).MatchString(out) {
		t.Fatalf("second sync: exit %d\n%s%s", code, out, errs)
	}
	if out, _, _ := runCLI(t, "partner", "list", "--data-dir", usDir); !strings.Contains(out, "log: witnessed") || !strings.Contains(out, "2 checks") {
		t.Fatalf("partner list:\n%s", out)
	}
	out, _, _ = runCLI(t, "partner", "list", "--data-dir", usDir, "--format", "json")
	var list struct {
		Partners []struct {
			Log map[string]any `json:"log"`
		} `json:"partners"`
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil || len(list.Partners) != 1 || list.Partners[0].Log["checks"] != 2.0 ||
		list.Partners[0].Log["inconsistencies"] != 0.0 || list.Partners[0].Log["party"] != "JP" {
		t.Fatalf("partner list json: %v\n%s", err, out)
	}

	// What US witnessed, checked on JP.
	note, errs, code := runCLI(t, "partner", "head", "jp", "--data-dir", usDir)
	if code != 0 || !strings.HasPrefix(note, "go.sum database tree\n") {
		t.Fatalf("partner head: exit %d %s%s", code, note, errs)
	}
	if err := os.WriteFile(p("jp.note"), []byte(note), 0o644); err != nil {
		t.Fatal(err)
	}
	post(fedObject("3", fedGreen))
	var vout, verr bytes.Buffer
	err := Run(context.Background(), []string{"audit", "verify", "--data-dir", jpDir, "--witnessed", p("jp.note")}, &vout, &verr)
	if err != nil || !strings.Contains(vout.String(), "intact") {
		t.Fatalf("audit verify --witnessed on JP: %v\n%s%s", err, vout.String(), verr.String())
	}
	if _, errs, code := runCLI(t, "partner", "head", "jp", "--conflict", "--data-dir", usDir); code != ExitInvalid || !strings.Contains(errs, "contradicted") {
		t.Fatalf("partner head --conflict with none: exit %d %s", code, errs)
	}
	if _, errs, code := runCLI(t, "partner", "head", "jp", "--accept-conflict", "--data-dir", usDir); code != ExitInvalid || !strings.Contains(errs, "contradicted") {
		t.Fatalf("partner head --accept-conflict with none: exit %d %s", code, errs)
	}
}
