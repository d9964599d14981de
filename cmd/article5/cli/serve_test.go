package cli

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
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

// startServe runs `article5 serve` on a free loopback port with args and
// waits until /healthz answers; it returns the address. The server is
// stopped, and must shut down cleanly, when the test ends.
func startServe(t *testing.T, args ...string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb bytes.Buffer
	done := make(chan error, 1)
	go func() { done <- Run(ctx, append([]string{"serve", "--addr", addr}, args...), &out, &errb) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve returned %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("serve did not shut down")
		}
	})
	for i := 0; i < 100; i++ {
		res, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			res.Body.Close()
			return addr
		}
		select {
		case err := <-done:
			t.Fatalf("serve exited: %v\n%s", err, errb.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("serve did not answer\n%s", errb.String())
	return ""
}

// TestServeConnectionLimits runs `article5 serve` with small limits and
// checks each as a client meets it: an idle keep-alive connection is
// closed, a slow request body is cut off with 408, a bundle over
// --max-bundle-objects is 413 naming the limit, and a token over its
// request quota gets 429 with Retry-After.
func TestServeConnectionLimits(t *testing.T) {
	dir := t.TempDir()
	node := filepath.Join(dir, "node")
	var out bytes.Buffer
	if err := Run(context.Background(), []string{"token", "create", "--data-dir", node, "--name", "feed", "--party", "JP",
		"--org", "identity--1d4a0f0e-7d55-4c1b-9a5e-3f2d8c6b7a01"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	token := lines[len(lines)-1]
	addr := startServe(t, "--data-dir", node, "--idle-timeout", "300ms", "--body-timeout", "300ms", "--body-min-rate", "1000",
		"--max-bundle-objects", "2", "--request-rate", "0.001", "--request-burst", "3")

	t.Run("an idle keep-alive connection is closed", func(t *testing.T) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fmt.Fprint(c, "GET /healthz HTTP/1.1\r\nHost: article5\r\n\r\n")
		br := bufio.NewReader(c)
		res, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		if res.StatusCode != http.StatusOK || res.Close {
			t.Fatalf("%d, close %v", res.StatusCode, res.Close)
		}
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := br.ReadByte(); !errors.Is(err, io.EOF) {
			t.Errorf("not closed by the server: %v", err)
		}
	})

	t.Run("a slow request body is cut off", func(t *testing.T) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fmt.Fprintf(c, "POST /api/v1/bundles HTTP/1.1\r\nHost: article5\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n", token)
		stop := make(chan struct{})
		defer close(stop)
		go func() {
			for {
				select {
				case <-stop:
					return
				case <-time.After(100 * time.Millisecond):
				}
				if _, err := c.Write([]byte(" ")); err != nil {
					return
				}
			}
		}()
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		br := bufio.NewReader(c)
		res, err := http.ReadResponse(br, nil)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatal("neither answered nor closed within 10 s")
		}
		if err == nil {
			res.Body.Close()
			if res.StatusCode != http.StatusRequestTimeout {
				t.Errorf("status %d, want 408", res.StatusCode)
			}
			if _, err := br.ReadByte(); errors.Is(err, os.ErrDeadlineExceeded) {
				t.Error("the connection was left open")
			}
		}
	})

	post := func(body string) *http.Response {
		req, _ := http.NewRequest("POST", "http://"+addr+"/api/v1/bundles", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	t.Run("a bundle over the object limit is 413", func(t *testing.T) {
		res := post(`{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[{},{},{}]}`)
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), "at most 2") || !strings.Contains(string(body), "3 objects") {
			t.Errorf("%d %s", res.StatusCode, body)
		}
	})

	t.Run("over the request quota is 429", func(t *testing.T) {
		// The slow body and the bundle took two of the three.
		for i, want := range []int{http.StatusOK, http.StatusTooManyRequests} {
			req, _ := http.NewRequest("GET", "http://"+addr+"/api/v1/me", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != want {
				t.Fatalf("request %d: %d, want %d", i, res.StatusCode, want)
			}
			if want == http.StatusTooManyRequests && res.Header.Get("Retry-After") == "" {
				t.Error("no Retry-After")
			}
		}
	})
}

// TestServeLimitsConfig: the limit settings follow the same precedence as
// the others (flag, environment, file, default), and settings that would
// make no sense are usage errors.
func TestServeLimitsConfig(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "article5.yaml")
	newCmd := func() (*cobra.Command, *serveConfig) {
		c := defaultServeConfig()
		cmd := &cobra.Command{Use: "serve"}
		addLimitFlags(cmd, &c)
		return cmd, &c
	}
	write := func(s string) {
		if err := os.WriteFile(file, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("write-timeout: 5s\nidle-timeout: 1m\nrequest-rate: -1\nmax-bundle-objects: 500\ningest-burst: 500\nbody-min-rate: 2048\n")
	t.Setenv("ARTICLE5_IDLE_TIMEOUT", "7s")
	cmd, c := newCmd()
	if err := cmd.ParseFlags([]string{"--body-min-rate", "100"}); err != nil {
		t.Fatal(err)
	}
	if err := c.resolve(cmd, file); err != nil {
		t.Fatal(err)
	}
	l := c.limits()
	if l.WriteTimeout != 5*time.Second || l.IdleTimeout != 7*time.Second || l.RequestRate != -1 || l.MaxBundleObjects != 500 ||
		l.IngestBurst != 500 || l.BodyMinRate != 100 || l.ReadHeaderTimeout != 10*time.Second || c.StreamKeepAlive != 15*time.Second {
		t.Errorf("resolved %+v", l)
	}

	for _, bad := range []struct{ name, file, env, val string }{
		{name: "ingest-burst below max-bundle-objects", file: "max-bundle-objects: 200000\n"},
		{name: "a duration that does not parse", env: "ARTICLE5_WRITE_TIMEOUT", val: "soon"},
		{name: "a negative body rate", env: "ARTICLE5_BODY_MIN_RATE", val: "-5"},
		{name: "a zero timeout", env: "ARTICLE5_BODY_TIMEOUT", val: "0s"},
	} {
		t.Run(bad.name, func(t *testing.T) {
			write(bad.file)
			if bad.env != "" {
				t.Setenv(bad.env, bad.val)
			}
			cmd, c := newCmd()
			if err := c.resolve(cmd, file); ExitCode(err) != ExitInvalid {
				t.Errorf("accepted: %v", err)
			}
		})
	}
	cmd, c = newCmd()
	if err := cmd.ParseFlags([]string{"--ingest-rate", "0"}); err != nil {
		t.Fatal(err)
	}
	if err := c.resolve(cmd, ""); ExitCode(err) != ExitInvalid {
		t.Errorf("--ingest-rate 0 was accepted: %v", err)
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
