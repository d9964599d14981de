package cli

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

// selfSigned writes a certificate and key for 127.0.0.1 and returns their paths.
func selfSigned(t *testing.T, dir string) (string, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "article5 test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	cert, keyPath := filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	if err := os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	return cert, keyPath
}

// TestServeTLSAndGracefulShutdown runs `article5 serve` over HTTPS on
// loopback, calls /healthz, then cancels the context: the server shuts down
// and Run returns without error.
func TestServeTLSAndGracefulShutdown(t *testing.T) {
	dir := t.TempDir()
	cert, key := selfSigned(t, dir)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, []string{"serve", "--data-dir", filepath.Join(dir, "node"), "--addr", addr, "--tls-cert", cert, "--tls-key", key}, &out, &errb)
	}()
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	var resp *http.Response
	for i := 0; i < 100; i++ {
		resp, err = client.Get("https://" + addr + "/healthz")
		if err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		cancel()
		t.Fatalf("no HTTPS answer: %v\n%s", err, errb.String())
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.TLS == nil {
		t.Fatalf("status %d, TLS %v", resp.StatusCode, resp.TLS != nil)
	}
	if plain, err := http.Get("http://" + addr + "/healthz"); err == nil {
		plain.Body.Close()
		if plain.StatusCode == 200 {
			t.Error("plain HTTP was served on the TLS port")
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not shut down")
	}
	if !strings.Contains(out.String(), "https://") || !strings.Contains(errb.String(), "shutting down") {
		t.Errorf("stdout %q, log %q", out.String(), errb.String())
	}
}

// TestServeConfigPrecedence: a flag beats the environment, which beats the
// config file, which beats the default.
func TestServeConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "article5.yaml")
	if err := os.WriteFile(file, []byte("addr: 127.0.0.1:7001\ndata-dir: /from/file\nholder: identity--file\ndefault-tlp: green\ncommunities:\n  alliance: [identity--a, identity--b]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ARTICLE5_DATA_DIR", "/from/env")
	c := defaultServeConfig()
	var configPath string
	cmd := &cobra.Command{Use: "serve"}
	cmd.Flags().StringVar(&c.Addr, "addr", c.Addr, "")
	addStoreFlags(cmd, &c)
	cmd.Flags().StringVar(&c.TLSCert, "tls-cert", "", "")
	cmd.Flags().StringVar(&c.TLSKey, "tls-key", "", "")
	cmd.Flags().StringVar(&c.Holder, "holder", "", "")
	cmd.Flags().StringVar(&c.DefaultTLP, "default-tlp", c.DefaultTLP, "")
	cmd.Flags().Int64Var(&c.MaxBody, "max-body", c.MaxBody, "")
	cmd.Flags().StringVar(&configPath, "config", "", "")
	if err := cmd.ParseFlags([]string{"--holder", "identity--flag", "--config", file}); err != nil {
		t.Fatal(err)
	}
	if err := c.resolve(cmd, configPath); err != nil {
		t.Fatal(err)
	}
	if c.Holder != "identity--flag" || c.DataDir != "/from/env" || c.Addr != "127.0.0.1:7001" || c.DefaultTLP != "green" || c.Database != "" {
		t.Errorf("resolved %+v", c)
	}
	if len(c.Communities["alliance"]) != 2 {
		t.Errorf("communities from the file: %v", c.Communities)
	}
	if err := os.WriteFile(file, []byte("adress: typo\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c2 := defaultServeConfig()
	if err := c2.resolve(cmd, file); err == nil || ExitCode(err) != ExitInvalid {
		t.Errorf("an unknown key in the config file was accepted: %v", err)
	}
}

// TestServeAddressSettings: --trusted-proxies and --webhook-allow come
// from flags, the environment (comma-separated) or the config file, as
// CIDR prefixes or single addresses; anything else is a usage error.
func TestServeAddressSettings(t *testing.T) {
	newCmd := func(c *serveConfig) *cobra.Command {
		cmd := &cobra.Command{Use: "serve"}
		cmd.Flags().StringSliceVar(&c.TrustedProxies, "trusted-proxies", nil, "")
		addWebhookAllowFlag(cmd, c)
		return cmd
	}
	file := filepath.Join(t.TempDir(), "article5.yaml")
	if err := os.WriteFile(file, []byte("trusted-proxies: [10.0.0.0/8, 192.0.2.7]\nwebhook-allow: [127.0.0.0/8]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := defaultServeConfig()
	if err := c.resolve(newCmd(&c), file); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(c.trustedProxies) != "[10.0.0.0/8 192.0.2.7/32]" || fmt.Sprint(c.webhookAllow) != "[127.0.0.0/8]" {
		t.Errorf("from the file: trusted proxies %v, webhook allow %v", c.trustedProxies, c.webhookAllow)
	}

	t.Setenv("ARTICLE5_TRUSTED_PROXIES", "172.16.0.1/12,::1")
	c = defaultServeConfig()
	cmd := newCmd(&c)
	if err := cmd.ParseFlags([]string{"--webhook-allow", "10.1.0.0/16,fd00::/8"}); err != nil {
		t.Fatal(err)
	}
	if err := c.resolve(cmd, file); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(c.trustedProxies) != "[172.16.0.0/12 ::1/128]" || fmt.Sprint(c.webhookAllow) != "[10.1.0.0/16 fd00::/8]" {
		t.Errorf("env and flag over the file: trusted proxies %v, webhook allow %v", c.trustedProxies, c.webhookAllow)
	}

	t.Setenv("ARTICLE5_TRUSTED_PROXIES", "proxy.example")
	c = defaultServeConfig()
	if err := c.resolve(newCmd(&c), ""); ExitCode(err) != ExitInvalid {
		t.Errorf("a host name as a trusted proxy: %v, want a usage error", err)
	}
}

func TestLoginDeviceKeyKeptAcrossStarts(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	first, err := loginDeviceKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	again, err := loginDeviceKey(dir)
	if err != nil || len(first) != 32 || string(first) != string(again) {
		t.Fatalf("second start: %x, %v; want the first key %x", again, err, first)
	}
	if fi, err := os.Stat(filepath.Join(dir, "login-device.key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file: %v, %v; want mode 0600", fi, err)
	}
}
