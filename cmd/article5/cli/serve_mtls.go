package cli

import (
	"crypto/tls"
	"crypto/x509"
	"os"

	"article5"
)

// clientCATLS is the TLS configuration of serve --tls-client-ca: client
// certificates are asked for and, when given, verified against the CAs of
// file (a certificate that does not verify ends the handshake); nil when
// file is "". The TAXII endpoint then refuses a request without a verified
// certificate (taxii.Options.RequireClientCert); the JSON API and the web
// UI, on the same listener, do not ask for one.
func clientCATLS(file string) (*tls.Config, error) {
	if file == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, article5.Errorf(article5.EINVALID, "--tls-client-ca %s: %v", file, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, article5.Errorf(article5.EINVALID, "--tls-client-ca %s: no PEM certificate", file)
	}
	return &tls.Config{MinVersion: tls.VersionTLS12, ClientCAs: pool, ClientAuth: tls.VerifyClientCertIfGiven}, nil
}
