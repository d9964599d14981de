package cli

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"article5"
	"article5/api"
	"article5/node"
	"article5/postgres"
	"article5/release"
	"article5/sign"
	"article5/sqlite"
	"article5/stix"

	"github.com/goccy/go-yaml"
	"github.com/spf13/cobra"
)

const serveHelp = `Run an article5 node: the JSON API (and later the web UI and TAXII 2.1) in one process,
with a worker that re-assesses cases when evidence arrives.

Storage is SQLite in the data dir by default (created on first start), or PostgreSQL with
--database postgres://…; both behave the same. Every response passes the node's TLP 2.0
release control for the caller's API token (article5 token create).

Configuration comes from flags, then environment variables (ARTICLE5_ADDR, ARTICLE5_DATA_DIR,
ARTICLE5_DATABASE, ARTICLE5_TLS_CERT, ARTICLE5_TLS_KEY, ARTICLE5_HOLDER, ARTICLE5_DEFAULT_TLP,
ARTICLE5_TRUSTED_PROXIES, ARTICLE5_WEBHOOK_ALLOW),
then a YAML file (--config; keys as the flag names, plus "clients" and "communities" maps for
release control), then defaults.`

const serveExample = `  article5 serve                                     # SQLite in ./article5-data, http://127.0.0.1:8405
  article5 serve --addr 127.0.0.1:9000 --data-dir ./node-jp
  article5 serve --database postgres://article5:article5@127.0.0.1:5432/article5?sslmode=disable
  article5 serve --tls-cert c.pem --tls-key k.pem`

// serveConfig is the node configuration, from flags, env and file.
type serveConfig struct {
	Addr        string              `yaml:"addr"`
	DataDir     string              `yaml:"data-dir"`
	Database    string              `yaml:"database"`
	TLSCert     string              `yaml:"tls-cert"`
	TLSKey      string              `yaml:"tls-key"`
	Holder      string              `yaml:"holder"`      // the node's organisation (STIX identity id)
	DefaultTLP  string              `yaml:"default-tlp"` // for unmarked objects
	MaxBody     int64               `yaml:"max-body"`
	Clients     map[string][]string `yaml:"clients"`
	Communities map[string][]string `yaml:"communities"`
	Trust       []string            `yaml:"trust"` // public root key files of the Parties
	// Organisations lists, per Party (JP, US), the organisations whose
	// users that Party's admins may create through the API.
	Organisations map[string][]string `yaml:"organisations"`
	Party         string              `yaml:"party"` // the Party whose node this is
	NoWorker      bool                `yaml:"-"`
	// TrustedProxies are the reverse proxies (CIDR prefixes or addresses)
	// whose X-Forwarded-For names the client, for login throttling.
	TrustedProxies []string `yaml:"trusted-proxies"`
	// WebhookAllow are the special-purpose address ranges (loopback,
	// private, …) webhooks may reach all the same.
	WebhookAllow []string `yaml:"webhook-allow"`

	trustedProxies, webhookAllow []netip.Prefix // parsed by resolve
}

func defaultServeConfig() serveConfig {
	return serveConfig{Addr: "127.0.0.1:8405", DataDir: "article5-data", DefaultTLP: "amber", MaxBody: 64 << 20}
}

// storeFlags are the flags every command that opens the store shares.
func addStoreFlags(cmd *cobra.Command, c *serveConfig) {
	cmd.Flags().StringVar(&c.DataDir, "data-dir", c.DataDir, "directory of the SQLite database (created on first start) [ARTICLE5_DATA_DIR]")
	cmd.Flags().StringVar(&c.Database, "database", c.Database, "PostgreSQL URL; empty: SQLite in --data-dir [ARTICLE5_DATABASE]")
}

// resolve applies, for every flag the user did not set, the environment and
// then the config file.
func (c *serveConfig) resolve(cmd *cobra.Command, configPath string) error {
	var file serveConfig
	if configPath != "" {
		data, err := os.ReadFile(configPath)
		if err != nil {
			return article5.Errorf(article5.EINVALID, "--config %s: %v", configPath, err)
		}
		if err := yaml.UnmarshalWithOptions(data, &file, yaml.DisallowUnknownField()); err != nil {
			return article5.Invalid("--config "+configPath+" does not parse", article5.Detail{Object: configPath, Message: yaml.FormatError(err, false, true)})
		}
		c.Clients, c.Communities, c.Organisations = file.Clients, file.Communities, file.Organisations
	}
	set := func(flag, env string, dst *string, fileVal string) {
		if cmd.Flags().Changed(flag) {
			return
		}
		if v, ok := os.LookupEnv(env); ok {
			*dst = v
			return
		}
		if fileVal != "" {
			*dst = fileVal
		}
	}
	set("addr", "ARTICLE5_ADDR", &c.Addr, file.Addr)
	set("data-dir", "ARTICLE5_DATA_DIR", &c.DataDir, file.DataDir)
	set("database", "ARTICLE5_DATABASE", &c.Database, file.Database)
	set("tls-cert", "ARTICLE5_TLS_CERT", &c.TLSCert, file.TLSCert)
	set("tls-key", "ARTICLE5_TLS_KEY", &c.TLSKey, file.TLSKey)
	set("holder", "ARTICLE5_HOLDER", &c.Holder, file.Holder)
	set("default-tlp", "ARTICLE5_DEFAULT_TLP", &c.DefaultTLP, file.DefaultTLP)
	set("party", "ARTICLE5_PARTY", &c.Party, file.Party)
	if !cmd.Flags().Changed("trust") {
		if v, ok := os.LookupEnv("ARTICLE5_TRUST"); ok && v != "" {
			c.Trust = strings.Split(v, ",")
		} else if len(file.Trust) > 0 {
			c.Trust = file.Trust
		}
	}
	listSetting := func(flag, env string, dst *[]string, fileVal []string) {
		if cmd.Flags().Changed(flag) {
			return
		}
		if v, ok := os.LookupEnv(env); ok && v != "" {
			*dst = strings.Split(v, ",")
		} else if len(fileVal) > 0 {
			*dst = fileVal
		}
	}
	listSetting("trusted-proxies", "ARTICLE5_TRUSTED_PROXIES", &c.TrustedProxies, file.TrustedProxies)
	listSetting("webhook-allow", "ARTICLE5_WEBHOOK_ALLOW", &c.WebhookAllow, file.WebhookAllow)
	var err error
	if c.trustedProxies, err = parsePrefixes("--trusted-proxies", c.TrustedProxies); err != nil {
		return err
	}
	if c.webhookAllow, err = parsePrefixes("--webhook-allow", c.WebhookAllow); err != nil {
		return err
	}
	if c.Party != "" {
		if _, err := partyOf(c.Party); err != nil {
			return err
		}
	}
	if !cmd.Flags().Changed("max-body") && file.MaxBody > 0 {
		c.MaxBody = file.MaxBody
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return usageError{errors.New("--tls-cert and --tls-key go together")}
	}
	if c.Holder != "" && !strings.HasPrefix(c.Holder, "identity--") {
		return usageError{fmt.Errorf("--holder must be a STIX identity id (identity--…), got %q", c.Holder)}
	}
	if c.MaxBody <= 0 {
		return usageError{fmt.Errorf("--max-body must be a positive number of bytes, got %d", c.MaxBody)}
	}
	switch stix.TLP(c.DefaultTLP) {
	case stix.TLPClear, stix.TLPGreen, stix.TLPAmber, stix.TLPAmberStrict, stix.TLPRed:
	default:
		return usageError{fmt.Errorf("--default-tlp must be clear, green, amber, amber+strict or red, got %q", c.DefaultTLP)}
	}
	return nil
}

// openStore opens PostgreSQL when a database URL is given, else SQLite in
// the data dir.
func openStore(ctx context.Context, c serveConfig) (article5.Store, string, error) {
	if c.Database != "" {
		db, err := postgres.Open(ctx, c.Database)
		if err != nil {
			return nil, "", err
		}
		return db, "postgres", nil
	}
	if err := os.MkdirAll(c.DataDir, 0o750); err != nil {
		return nil, "", article5.Errorf(article5.EINVALID, "--data-dir %s: %v", c.DataDir, err)
	}
	path := filepath.Join(c.DataDir, "article5.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		return nil, "", err
	}
	return db, "sqlite " + path, nil
}

func newServeCmd(stdout, stderr io.Writer) *cobra.Command {
	c := defaultServeConfig()
	var configPath string
	cmd := &cobra.Command{
		Use:     "serve",
		Short:   "Run an article5 node (JSON API and re-assessment worker)",
		Long:    serveHelp,
		Example: serveExample,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := c.resolve(cmd, configPath); err != nil {
				return err
			}
			return runServe(cmd.Context(), c, stdout, stderr)
		},
	}
	f := cmd.Flags()
	f.StringVar(&c.Addr, "addr", c.Addr, "listen address [ARTICLE5_ADDR]")
	addStoreFlags(cmd, &c)
	f.StringVar(&c.TLSCert, "tls-cert", "", "TLS certificate (PEM) for HTTPS [ARTICLE5_TLS_CERT]")
	f.StringVar(&c.TLSKey, "tls-key", "", "TLS private key (PEM) [ARTICLE5_TLS_KEY]")
	f.StringVar(&c.Holder, "holder", "", "STIX identity id of this node's organisation (TLP: the holder) [ARTICLE5_HOLDER]")
	f.StringVar(&c.DefaultTLP, "default-tlp", c.DefaultTLP, "TLP level of unmarked objects: clear, green, amber, amber+strict, red [ARTICLE5_DEFAULT_TLP]")
	f.Int64Var(&c.MaxBody, "max-body", c.MaxBody, "largest request body in bytes")
	f.StringVar(&configPath, "config", "", "YAML configuration file")
	f.StringSliceVar(&c.Trust, "trust", nil, "a Party's public root key file (article5 party init); repeat for each Party [ARTICLE5_TRUST, comma-separated]")
	f.StringVar(&c.Party, "party", "", "the Party whose node this is, JP or US (the worker acts for it) [ARTICLE5_PARTY]")
	f.StringSliceVar(&c.TrustedProxies, "trusted-proxies", nil, "reverse proxies whose X-Forwarded-For names the client (CIDR prefixes, comma-separated) [ARTICLE5_TRUSTED_PROXIES]")
	addWebhookAllowFlag(cmd, &c)
	worker := f.Bool("worker", true, "run the re-assessment worker and the webhook dispatcher in this process")
	cmd.PreRun = func(cmd *cobra.Command, args []string) { c.NoWorker = !*worker }
	return cmd
}

func runServe(ctx context.Context, c serveConfig, stdout, stderr io.Writer) error {
	log := slog.New(slog.NewJSONHandler(stderr, nil))
	store, where, err := openStore(ctx, c)
	if err != nil {
		return err
	}
	defer store.Close()
	docs, err := loadDoctrines(nil)
	if err != nil {
		return err
	}
	roots, err := loadRoots(c.Trust)
	if err != nil {
		return err
	}
	orgs := map[article5.Party][]string{}
	for p, ids := range c.Organisations {
		party, err := partyOf(p)
		if err != nil {
			return article5.Errorf(article5.EINVALID, "config organisations: %v", err)
		}
		orgs[party] = ids
	}
	n := &node.Node{Store: store, Doctrines: docs, Log: log, Now: time.Now, Roots: roots, Party: article5.Party(strings.ToUpper(c.Party)), Organisations: orgs,
		Policy: release.Policy{Holder: c.Holder, Clients: c.Clients, Communities: c.Communities, Default: stix.TLP(c.DefaultTLP)}}
	if err := n.StoreExtension(ctx); err != nil { // the identity and extension-definition its own objects name
		return err
	}
	if err := n.LoadStoredDoctrines(ctx); err != nil { // doctrines changed through the API override the built-in ones
		return err
	}
	deviceKey, err := loginDeviceKey(c.DataDir)
	if err != nil {
		return err
	}
	hooks := node.WebhookOptions{Allow: c.webhookAllow}
	shutdown := make(chan struct{})
	handler := api.New(n, api.Options{MaxBodyBytes: c.MaxBody, Log: log, Shutdown: shutdown,
		TrustedProxies: c.trustedProxies, DeviceKey: deviceKey, Webhooks: hooks})
	srv := &http.Server{Addr: c.Addr, Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	srv.RegisterOnShutdown(func() { close(shutdown) }) // end event streams
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return article5.Errorf(article5.EINVALID, "--addr %s: %v", c.Addr, err)
	}
	scheme := "http"
	if c.TLSCert != "" {
		scheme = "https"
	}
	fmt.Fprintf(stdout, "article5 node listening on %s://%s (store: %s)\n", scheme, ln.Addr(), where)
	workerCtx, stopWorker := context.WithCancel(ctx)
	go sweepSessions(workerCtx, store, log, time.Hour)
	workerDone := make(chan struct{})
	go func() {
		defer close(workerDone)
		if !c.NoWorker {
			// Outbound webhooks (node/webhook.go) beside the worker: one
			// dispatcher per node, stopped with it.
			hooksDone := make(chan struct{})
			go func() { defer close(hooksDone); n.RunWebhooks(workerCtx, time.Second, hooks) }()
			n.RunWorker(workerCtx, time.Second)
			<-hooksDone
		}
	}()
	errc := make(chan error, 1)
	go func() {
		if c.TLSCert != "" {
			errc <- srv.ServeTLS(ln, c.TLSCert, c.TLSKey)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		stopWorker()
		<-workerDone
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			return article5.Internal("serve", err)
		}
		return nil
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err = srv.Shutdown(shutdownCtx)
	stopWorker()
	<-workerDone
	if err != nil {
		return article5.Internal("shutdown", err)
	}
	return nil
}

// partyOf checks a party code.
func partyOf(s string) (article5.Party, error) {
	switch p := article5.Party(strings.ToUpper(s)); p {
	case article5.PartyJP, article5.PartyUS:
		return p, nil
	}
	return "", usageError{fmt.Errorf("--party must be JP or US, got %q", s)}
}

// loadRoots reads the Parties' public root key files (--trust).
func loadRoots(paths []string) ([]sign.PublicRoot, error) {
	var roots []sign.PublicRoot
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, article5.Errorf(article5.EINVALID, "--trust %s: %v", p, err)
		}
		r, err := sign.ParsePublicRoot(data)
		if err != nil {
			return nil, wrapFile(p, err)
		}
		roots = append(roots, r)
	}
	return roots, nil
}

// addWebhookAllowFlag adds --webhook-allow (serve, webhook add).
func addWebhookAllowFlag(cmd *cobra.Command, c *serveConfig) {
	cmd.Flags().StringSliceVar(&c.WebhookAllow, "webhook-allow", nil,
		"special-purpose address ranges webhooks may reach, e.g. 127.0.0.0/8 for a receiver on this host (CIDR prefixes, comma-separated) [ARTICLE5_WEBHOOK_ALLOW]")
}

// parsePrefixes parses CIDR prefixes ("10.0.0.0/8") or single addresses
// (as /32 or /128) of a list setting.
func parsePrefixes(setting string, vals []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, v := range vals {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		p, err := netip.ParsePrefix(v)
		if err != nil {
			a, aerr := netip.ParseAddr(v)
			if aerr != nil {
				return nil, usageError{fmt.Errorf("%s: %q is not a CIDR prefix (e.g. 10.0.0.0/8) or an IP address", setting, v)}
			}
			p = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// loginDeviceKey reads the HMAC key of login device cookies from
// <dir>/login-device.key, making it (32 random bytes, mode 0600) on first
// start, so that known devices survive a restart (api.Options.DeviceKey).
func loginDeviceKey(dir string) ([]byte, error) {
	path := filepath.Join(dir, "login-device.key")
	key, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, article5.Errorf(article5.EINVALID, "--data-dir %s: %v", dir, err)
		}
		key = make([]byte, 32)
		_, _ = rand.Read(key) // crypto/rand.Read never fails (Go 1.24+)
		var f *os.File
		f, err = os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil {
			_, err = f.Write(key)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if errors.Is(err, os.ErrExist) { // another process made it first
			key, err = os.ReadFile(path)
		}
	}
	if err != nil {
		return nil, article5.Internal("login device key "+path, err)
	}
	if len(key) < 32 {
		return nil, article5.Errorf(article5.EINVALID, "%s: a login device key has 32 bytes, this file %d; remove it to make a new one", path, len(key))
	}
	return key, nil
}
