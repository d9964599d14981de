package cli

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"article5/sqlite"
)

// clientCA writes a CA and a client certificate it issued (PEM files in
// dir): the CA file, the client certificate and its key.
func clientCA(t *testing.T, dir string) (caFile, certFile, keyFile string) {
	t.Helper()
	write := func(name, typ string, der []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "partner client CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(8), Subject: pkix.Name{CommonName: "us-node"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return write("client-ca.pem", "CERTIFICATE", caDER), write("client.pem", "CERTIFICATE", der), write("client.key", "EC PRIVATE KEY", kder)
}

// TestPartnerPushMutualTLS runs two real nodes on loopback, each with its
// own SQLite database. JP serves HTTPS and requires a client certificate
// of its client CA on /taxii2/; US registers JP with --cert/--key and, in
// serve's background sync, pushes the GREEN object its analyst posted
// (JP's RED one it pulls; its own RED one naming no one of JP stays).
// partner list and /metrics show what was pushed; partner conflicts lists
// nothing held apart; the token and key are never shown. A TAXII request
// to JP without a client certificate is refused.
func TestPartnerPushMutualTLS(t *testing.T) {
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
	forUS := mustTokenCLI(t, jpDir, "US", fedUS, "--community", fedCommunity)
	usAnalyst := mustTokenCLI(t, usDir, "US", fedUS)
	cert, key := selfSigned(t, dir)
	caFile, clientCert, clientKey := clientCA(t, dir)
	if _, errs, code := runCLI(t, "serve", "--data-dir", jpDir, "--tls-client-ca", caFile); code != ExitInvalid || !strings.Contains(errs, "--tls-client-ca needs --tls-cert") {
		t.Fatalf("serve --tls-client-ca without TLS: exit %d %s", code, errs)
	}
	jpAddr := startServe(t, "--data-dir", jpDir, "--config", jpCfg, "--tls-cert", cert, "--tls-key", key, "--tls-client-ca", caFile, "--sync-every", "0")

	// Without a client certificate, JP's TAXII answers 401.
	serverPEM, _ := os.ReadFile(cert)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(serverPEM)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	req, _ := http.NewRequest("GET", "https://"+jpAddr+"/taxii2/", nil)
	req.Header.Set("Authorization", "Bearer "+forUS)
	res, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("TAXII without a client certificate: %d", res.StatusCode)
	}

	if _, errs, code := runCLI(t, "partner", "add", "jp", "https://"+jpAddr, "--ca", cert, "--token", forUS, "--speaks-for", fedJP,
		"--cert", clientCert, "--data-dir", usDir); code != ExitInvalid || !strings.Contains(errs, "--cert and --key go together") {
		t.Fatalf("--cert without --key: exit %d %s", code, errs)
	}
	out, errs, code := runCLI(t, "partner", "add", "jp", "https://"+jpAddr, "--ca", cert, "--token", forUS, "--speaks-for", fedJP,
		"--cert", clientCert, "--key", clientKey, "--data-dir", usDir)
	if code != 0 {
		t.Fatalf("partner add: exit %d %s%s", code, out, errs)
	}

	usAddr := startServe(t, "--data-dir", usDir, "--config", usCfg, "--sync-every", "50ms")
	green := strings.ReplaceAll(strings.ReplaceAll(fedObject("7", fedGreen), fedJP, fedUS), "00000000000"+"7", "000000000077")
	red := strings.ReplaceAll(strings.ReplaceAll(fedObject("8", fedRed), fedJP, fedUS), "00000000000"+"8", "000000000078")
	body := `{"objects":[` + green + `,` + red + `]}`
	req, _ = http.NewRequest("POST", "http://"+usAddr+"/taxii2/article5/collections/all/objects/", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+usAnalyst)
	req.Header.Set("Content-Type", "application/taxii+json;version=2.1")
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusAccepted || !strings.Contains(string(b), `"failure_count":0`) {
		t.Fatalf("post to US: %d %s", res.StatusCode, b)
	}

	pushed := regexp.MustCompile(`article5_partner_objects_pushed_total\{collection="all",partner="jp"\} (\d+)`)
	var metrics string
	for i := 0; i < 400; i++ {
		res, err := http.Get("http://" + usAddr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		metrics = string(b)
		if m := pushed.FindStringSubmatch(metrics); m != nil && m[1] == "1" {
			break
		}
		time.Sleep(25 * time.Millisecond)
	}
	for _, want := range []string{`article5_partner_objects_pushed_total{collection="all",partner="jp"} 1`,
		`article5_partner_push_errors_total{collection="all",partner="jp"} 0`, `article5_partner_last_push_ok{collection="all",partner="jp"} 1`,
		`article5_partner_objects_push_refused_total{collection="all",partner="jp"} 0`} {
		if !strings.Contains(metrics, want) {
			t.Fatalf("metrics lack %s:\n%s", want, grepLines(metrics, "article5_partner"))
		}
	}
	// JP holds the GREEN object, submitted by US's token; not the RED one.
	for id, want := range map[string]int{"indicator--0a0b0c0d-0000-4000-8000-000000000077": 200, "indicator--0a0b0c0d-0000-4000-8000-000000000078": 404} {
		req, _ := http.NewRequest("GET", "https://"+jpAddr+"/taxii2/article5/collections/all/objects/"+id+"/", nil)
		req.Header.Set("Authorization", "Bearer "+forUS)
		c, err := tls.LoadX509KeyPair(clientCert, clientKey)
		if err != nil {
			t.Fatal(err)
		}
		mc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{c}}}}
		res, err := mc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Fatalf("%s on JP: %d, want %d", id, res.StatusCode, want)
		}
	}

	out, _, code = runCLI(t, "partner", "list", "--data-dir", usDir, "--format", "json")
	var v struct {
		Partners []struct {
			Push map[string]any `json:"push"`
		} `json:"partners"`
	}
	if err := json.Unmarshal([]byte(out), &v); code != 0 || err != nil || len(v.Partners) != 1 {
		t.Fatalf("partner list: %d %v %s", code, err, out)
	}
	if p := v.Partners[0].Push; p["pushed"] != 1.0 || p["last_push"] == nil || p["last_error"] != "" {
		t.Fatalf("partner list push: %v", p)
	}
	key2, _ := os.ReadFile(clientKey)
	if strings.Contains(out, forUS) || strings.Contains(out, strings.TrimSpace(string(key2))[30:60]) {
		t.Fatal("partner list shows a secret")
	}
	// The token and the client key are sealed in the database; after a
	// rotation of the node's secret they still open (the push above and
	// the list below).
	raw, err := sql.Open("sqlite", filepath.Join(usDir, "article5.db"))
	if err != nil {
		t.Fatal(err)
	}
	var tokenCol, keyCol string
	if err := raw.QueryRow(`SELECT token, client_key FROM partners WHERE name = 'jp'`).Scan(&tokenCol, &keyCol); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	if strings.Contains(tokenCol, forUS) || !strings.HasPrefix(tokenCol, "sealed1:") || !strings.HasPrefix(keyCol, "sealed1:") {
		t.Fatalf("the partner's secrets are stored as %.20q, %.20q", tokenCol, keyCol)
	}
	if out, errs, code := runCLI(t, "secret", "rotate", "--keep", "0s", "--data-dir", usDir); code != 0 {
		t.Fatalf("secret rotate: %s%s", out, errs)
	}
	db, err := sqlite.Open(context.Background(), filepath.Join(usDir, "article5.db"))
	if err != nil {
		t.Fatal(err)
	}
	ps, err := db.FindPartners(context.Background())
	db.Close()
	if err != nil || len(ps) != 1 || ps[0].Token != forUS || !strings.Contains(string(ps[0].ClientKey), "PRIVATE KEY") {
		t.Fatalf("the partner after a rotation: %d, %v", len(ps), err)
	}
	if out, _, _ := runCLI(t, "partner", "list", "--data-dir", usDir); !strings.Contains(out, "PUSH TO") {
		t.Fatalf("partner list text:\n%s", out)
	}
	if out, errs, code := runCLI(t, "partner", "conflicts", "jp", "--data-dir", usDir); code != 0 || !strings.Contains(out, "nothing from jp is held apart") {
		t.Fatalf("partner conflicts: exit %d %s%s", code, out, errs)
	}
	if _, _, code := runCLI(t, "partner", "conflicts", "nobody", "--data-dir", usDir); code != ExitInvalid {
		t.Fatalf("partner conflicts of an unknown partner: exit %d", code)
	}
}
