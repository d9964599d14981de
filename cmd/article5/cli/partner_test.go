package cli

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"article5"
	"article5/sqlite"
)

const (
	fedJP        = "identity--0a000000-0000-4000-8000-00000000a0a1"
	fedUS        = "identity--0a000000-0000-4000-8000-00000000a0b1"
	fedCommunity = "identity--0a000000-0000-4000-8000-0000000000c1"
	fedGreen     = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
	fedRed       = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
)

func fedObject(n, marking string) string {
	return `{"type":"indicator","spec_version":"2.1","id":"indicator--0a0b0c0d-0000-4000-8000-00000000000` + n +
		`","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","created_by_ref":"` + fedJP +
		`","object_marking_refs":["` + marking + `"],"pattern":"[ipv4-addr:value = '198.51.100.7']","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z"}`
}

func mustTokenCLI(t *testing.T, dir, party, org string, extra ...string) string {
	t.Helper()
	var out bytes.Buffer
	if err := Run(context.Background(), append([]string{"token", "create", "--data-dir", dir, "--name", "t", "--party", party, "--org", org}, extra...), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	return lines[len(lines)-1]
}

// TestPartnerAndSync runs two real nodes on loopback, each with its own
// SQLite database: JP over HTTPS with its own certificate, US pulling it.
// partner add keeps the token secret; sync brings the GREEN object JP
// shares with US's community and never the RED one naming no one; partner
// list shows the cursor and figures; a serve of US with --sync-every pulls
// what JP adds later by itself and shows the figures in /metrics; partner
// remove forgets the partner.
func TestPartnerAndSync(t *testing.T) {
	dir := t.TempDir()
	jpDir, usDir := filepath.Join(dir, "jp"), filepath.Join(dir, "us")
	cfg := func(holder string) string {
		p := filepath.Join(dir, holder[len(holder)-4:]+".yaml")
		if err := os.WriteFile(p, []byte("holder: "+holder+"\ncommunities:\n  "+fedCommunity+": ["+fedJP+", "+fedUS+"]\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	jpCfg, usCfg := cfg(fedJP), cfg(fedUS)
	analyst := mustTokenCLI(t, jpDir, "JP", fedJP)
	forUS := mustTokenCLI(t, jpDir, "US", fedUS, "--community", fedCommunity)
	cert, key := selfSigned(t, dir)
	jpAddr := startServe(t, "--data-dir", jpDir, "--config", jpCfg, "--tls-cert", cert, "--tls-key", key)
	pem, err := os.ReadFile(cert)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	post := func(objs ...string) {
		t.Helper()
		req, _ := http.NewRequest("POST", "https://"+jpAddr+"/taxii2/article5/collections/all/objects/", strings.NewReader(`{"objects":[`+strings.Join(objs, ",")+`]}`))
		req.Header.Set("Authorization", "Bearer "+analyst)
		req.Header.Set("Content-Type", "application/taxii+json;version=2.1")
		req.Header.Set("Accept", "application/taxii+json;version=2.1")
		res, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusAccepted || !strings.Contains(string(body), `"failure_count":0`) {
			t.Fatalf("post to JP: %d %s", res.StatusCode, body)
		}
	}
	post(fedObject("1", fedGreen), fedObject("2", fedRed))

	// http to a host that is not loopback is refused; a token is required.
	if _, errs, code := runCLI(t, "partner", "add", "jp", "http://jp.example", "--token", "x", "--speaks-for", fedJP, "--data-dir", usDir); code != ExitInvalid || !strings.Contains(errs, "https is required") {
		t.Fatalf("partner add over http: exit %d %s", code, errs)
	}
	out, errs, code := runCLI(t, "partner", "add", "jp", "https://"+jpAddr, "--ca", cert, "--token", forUS, "--speaks-for", fedJP, "--data-dir", usDir)
	if code != 0 || strings.Contains(out+errs, forUS) || !strings.Contains(out, "/taxii2/article5/") {
		t.Fatalf("partner add: exit %d\n%s%s", code, out, errs)
	}
	if _, errs, code := runCLI(t, "partner", "add", "jp", "https://"+jpAddr, "--token", forUS, "--speaks-for", fedJP, "--data-dir", usDir); code != ExitInvalid || !strings.Contains(errs, "already exists") {
		t.Fatalf("partner add twice: exit %d %s", code, errs)
	}

	out, errs, code = runCLI(t, "sync", "--data-dir", usDir, "--config", usCfg)
	if code != 0 || !strings.Contains(out, "jp/all: 2 accepted, 0 unchanged, 0 rejected") || strings.Contains(out+errs, forUS) {
		t.Fatalf("sync: exit %d\n%s%s", code, out, errs)
	}
	// What crossed: the GREEN indicator (and article5's extension-definition), never the RED one.
	db, err := sqlite.Open(context.Background(), filepath.Join(usDir, "article5.db"))
	if err != nil {
		t.Fatal(err)
	}
	for n, want := range map[string]int{"1": 1, "2": 0} {
		page, err := db.FindObjects(context.Background(), article5.ObjectFilter{IDs: []string{"indicator--0a0b0c0d-0000-4000-8000-00000000000" + n}, AllVersions: true})
		if err != nil || len(page.Objects) != want {
			t.Fatalf("indicator %s on US: %d versions, want %d (%v)", n, len(page.Objects), want, err)
		}
		if want == 1 && (page.Objects[0].Submitter != "partner--jp" || page.Objects[0].SubmitterOrg != fedJP) {
			t.Fatalf("indicator %s submitted by %s of %s", n, page.Objects[0].Submitter, page.Objects[0].SubmitterOrg)
		}
	}
	db.Close()
	out, _, code = runCLI(t, "sync", "--data-dir", usDir, "--config", usCfg, "--format", "json")
	if code != 0 || !strings.Contains(out, `"accepted": []`) {
		t.Fatalf("sync again: exit %d\n%s", code, out)
	}

	list := func() (string, map[string]any) {
		t.Helper()
		out, errs, code := runCLI(t, "partner", "list", "--data-dir", usDir, "--format", "json")
		var v struct {
			Partners []struct {
				Name        string           `json:"name"`
				URL         string           `json:"url"`
				SpeaksFor   []string         `json:"speaks_for"`
				Collections []map[string]any `json:"collections"`
			} `json:"partners"`
		}
		if err := json.Unmarshal([]byte(out), &v); code != 0 || err != nil || len(v.Partners) != 1 || len(v.Partners[0].Collections) != 1 {
			t.Fatalf("partner list: exit %d %v\n%s%s", code, err, out, errs)
		}
		return out, v.Partners[0].Collections[0]
	}
	raw, col := list()
	if strings.Contains(raw, forUS) || col["collection"] != "all" || col["pulled"] != 2.0 || col["last_sync"] == nil || col["added_after"] == "" || col["last_error"] != "" {
		t.Fatalf("partner list: %s", raw)
	}
	if out, _, _ := runCLI(t, "partner", "list", "--data-dir", usDir); !strings.Contains(out, "speaks for "+fedJP) || !strings.Contains(out, "LAST SYNC") {
		t.Fatalf("partner list text:\n%s", out)
	}

	// The background sync of serve, and its figures.
	post(fedObject("3", fedGreen))
	usAddr := startServe(t, "--data-dir", usDir, "--config", usCfg, "--sync-every", "50ms")
	pulled := regexp.MustCompile(`article5_partner_objects_pulled_total\{collection="all",partner="jp"\} (\d+)`)
	var metrics string
	for i := 0; i < 400; i++ {
		res, err := http.Get("http://" + usAddr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		metrics = string(b)
		if m := pulled.FindStringSubmatch(metrics); m != nil && m[1] == "3" {
			break
		}
		time.Sleep(25 * time.Millisecond)
	}
	for _, want := range []string{`article5_partner_objects_pulled_total{collection="all",partner="jp"} 3`,
		`article5_partner_sync_errors_total{collection="all",partner="jp"} 0`, `article5_partner_last_sync_ok{collection="all",partner="jp"} 1`,
		`article5_partner_lag_seconds{collection="all",partner="jp"}`, `article5_partner_last_sync_timestamp_seconds{collection="all",partner="jp"}`} {
		if !strings.Contains(metrics, want) {
			t.Fatalf("metrics lack %s:\n%s", want, grepLines(metrics, "article5_partner"))
		}
	}
	if strings.Contains(metrics, forUS) {
		t.Fatal("the token is in /metrics")
	}
}

// TestPartnerRemove: remove forgets a partner; removing it again is not found.
func TestPartnerRemove(t *testing.T) {
	dir := t.TempDir()
	if _, errs, code := runCLI(t, "partner", "add", "jp", "http://127.0.0.1:1", "--token", "secret-token", "--speaks-for", fedJP, "--data-dir", dir); code != 0 {
		t.Fatal(errs)
	}
	if out, errs, code := runCLI(t, "sync", "--data-dir", dir, "--holder", fedUS); code != ExitInternal || !strings.Contains(out, "error:") || strings.Contains(out+errs, "secret-token") {
		t.Fatalf("sync of an unreachable partner: exit %d\n%s%s", code, out, errs)
	}
	if out, _, _ := runCLI(t, "partner", "list", "--data-dir", dir, "--format", "json"); !strings.Contains(out, `"errors": 1`) || strings.Contains(out, "secret-token") {
		t.Fatalf("partner list after a failed sync:\n%s", out)
	}
	if out, errs, code := runCLI(t, "partner", "remove", "jp", "--data-dir", dir); code != 0 || !strings.Contains(out, "removed") {
		t.Fatalf("remove: exit %d %s", code, errs)
	}
	if _, _, code := runCLI(t, "partner", "remove", "jp", "--data-dir", dir); code != ExitInvalid {
		t.Fatalf("remove again: exit %d", code)
	}
	if out, _, _ := runCLI(t, "partner", "list", "--data-dir", dir); !strings.Contains(out, "no partners") {
		t.Fatalf("list after remove: %s", out)
	}
}

func grepLines(s, sub string) string {
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			fmt.Fprintln(&b, l)
		}
	}
	return b.String()
}
