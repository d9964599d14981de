package taxii_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"article5"
	"article5/api"
	"article5/node"
	"article5/release"
	"article5/stix"
	"article5/taxii"
)

// testCA is a certificate authority made for one test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

var serial int64 = 100

func mustCA(tb testing.TB, name string) *testCA {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	serial++
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	return &testCA{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// issue returns the PEM certificate and key of a leaf for name: a server
// certificate for 127.0.0.1, or a client certificate.
func (ca *testCA) issue(tb testing.TB, name string, server bool) (certPEM, keyPEM []byte) {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	serial++
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	if server {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.IPAddresses = []net.IP{net.ParseIP("127.0.0.1")}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		tb.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		tb.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
}

// TestMutualTLS: node JP serves TAXII over HTTPS and requires a client
// certificate of its client CA besides a token. US, with a certificate of
// that CA, pulls and pushes; with none, every request is 401 (nothing
// crosses); with one of another CA, the handshake fails. A token alone
// is not enough, nor a certificate alone.
func TestMutualTLS(t *testing.T) {
	for _, kind := range storeKinds() {
		t.Run(kind, func(t *testing.T) { testMutualTLS(t, kind) })
	}
}

func testMutualTLS(t *testing.T, kind string) {
	ctx := context.Background()
	serverCA, clientCA, rogueCA := mustCA(t, "jp server CA"), mustCA(t, "jp client CA"), mustCA(t, "rogue CA")
	srvCert, srvKey := serverCA.issue(t, "jp-node", true)

	clk := &clock{t: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
	s := openStore(t, kind, clk)
	log := slog.New(slog.DiscardHandler)
	jp := &node.Node{Store: s, Log: log, Now: clk.Now, Policy: release.Policy{Holder: jpOrg, Default: stix.TLPAmber,
		Communities: map[string][]string{community: {jpOrg, usOrg}}}}
	h := api.New(jp, api.Options{Log: log, Limits: api.Limits{RequestRate: -1, AddressRate: -1, IngestRate: -1}, Now: time.Now,
		Surfaces: []api.Surface{{Pattern: taxii.Prefix, New: func(e api.Edge) http.Handler {
			return taxii.New(jp, taxii.Options{Edge: e, Now: clk.Now, RequireClientCert: true})
		}}}})
	srv := httptest.NewUnstartedServer(h)
	pair, err := tls.X509KeyPair(srvCert, srvKey)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(clientCA.cert)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{pair}, ClientCAs: pool, ClientAuth: tls.VerifyClientCertIfGiven}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	usTok := mustToken(t, s, &article5.Token{Name: "us-node", Party: article5.PartyUS, Org: usOrg, Communities: []string{community}})
	clk.Set(time.Date(2024, 1, 1, 0, 0, 1, 0, time.UTC))
	if _, err := jp.Ingest(ctx, node.IngestRequest{Principal: article5.Principal{ID: "token--x", Org: jpOrg}, Recipient: jp.Policy.OrgRecipient(jpOrg),
		Data: []byte(`{"type":"bundle","id":"bundle--0a000000-0000-4000-8000-000000000601","objects":[` +
			fedIndicator("601", pushModDate, jpOrg, tlpGreen, "") + `]}`)}); err != nil {
		t.Fatal(err)
	}

	us := mustFedNode(t, kind, usOrg)
	us.post(t, us.analyst, time.Date(2024, 1, 1, 0, 0, 2, 0, time.UTC), fedIndicator("602", pushModDate, usOrg, tlpGreen, ""))
	us.clock.Set(time.Date(2024, 1, 1, 0, 1, 0, 0, time.UTC))
	clk.Set(time.Date(2024, 1, 1, 0, 1, 0, 0, time.UTC))
	root, err := taxii.PartnerAPIRoot(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	goodCert, goodKey := clientCA.issue(t, "us-node", false)
	rogueCert, rogueKey := rogueCA.issue(t, "us-node", false)
	fast := func(p *article5.Partner) (*taxii.Client, error) {
		c, err := taxii.PartnerClient(p)
		if c != nil {
			c.Retries = -1
		}
		return c, err
	}
	for _, tc := range []struct {
		name       string
		cert, key  []byte
		token      string
		wantErr    string
		wantHeldJP bool
	}{
		{"no certificate", nil, nil, usTok, "401", false},
		{"another CA's certificate", rogueCert, rogueKey, usTok, "certificate", false},
		{"a certificate without a token", goodCert, goodKey, "not-a-token", "401", false},
		{"a certificate and the token", goodCert, goodKey, usTok, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &article5.Partner{Name: "jp", APIRoot: root, CA: serverCA.pem, Token: tc.token, SpeaksFor: []string{jpOrg},
				ClientCert: tc.cert, ClientKey: tc.key}
			if err := us.store.CreatePartner(ctx, p); err != nil {
				t.Fatal(err)
			}
			defer us.store.DeletePartner(ctx, "jp")
			reports, _, err := taxii.SyncAll(ctx, us.n, "jp", taxii.SyncOptions{Client: fast})
			if err != nil {
				t.Fatal(err)
			}
			pull, push := reports[0].Collections[0], reports[0].Push
			if tc.wantErr == "" {
				if pull.Error != "" || push.Error != "" || len(pull.Accepted) != 1 || len(push.Sent) != 1 {
					t.Fatalf("pull %+v, push %+v", pull, push)
				}
			} else if !strings.Contains(pull.Error, tc.wantErr) || !strings.Contains(push.Error, tc.wantErr) {
				t.Fatalf("pull error %q, push error %q; want %q", pull.Error, push.Error, tc.wantErr)
			}
			if strings.Contains(pull.Error+push.Error, tc.token) {
				t.Fatal("an error shows the token")
			}
			got, err := s.FindObjects(ctx, article5.ObjectFilter{IDs: []string{indicatorID("602")}})
			if err != nil || (len(got.Objects) == 1) != tc.wantHeldJP {
				t.Fatalf("JP holds US's object: %d, %v", len(got.Objects), err)
			}
		})
	}
}
