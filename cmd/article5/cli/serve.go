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
	"strconv"
	"strings"
	"time"

	"article5"
	"article5/api"
	"article5/audit"
	"article5/node"
	"article5/postgres"
	"article5/release"
	"article5/sign"
	"article5/sqlite"
	"article5/stix"
	"article5/taxii"
	"article5/web"

	"github.com/goccy/go-yaml"
	"github.com/spf13/cobra"
)

const serveHelp = `Run an article5 node: the web interface (/, in Japanese and English), the JSON API
(/api/v1/) and a TAXII 2.1 server (/taxii2/) on one listener, with a worker that re-assesses
cases when evidence arrives.

Storage is SQLite in the data dir by default (created on first start), or PostgreSQL with
--database postgres://…; both behave the same. Every response passes the node's TLP 2.0
release control for the caller's API token (article5 token create).

Configuration comes from flags, then environment variables (ARTICLE5_ADDR, ARTICLE5_DATA_DIR,
ARTICLE5_DATABASE, ARTICLE5_TLS_CERT, ARTICLE5_TLS_KEY, ARTICLE5_HOLDER, ARTICLE5_DEFAULT_TLP,
ARTICLE5_TRUSTED_PROXIES, ARTICLE5_WEBHOOK_ALLOW, and for each connection limit and quota the one
named in its flag's help),
then a YAML file (--config; keys as the flag names, plus "clients" and "communities" maps for
release control, "organisations" per Party and "speaks-for" delegations), then defaults.

Several serve processes may run on one PostgreSQL database, behind a load balancer: they
share sessions, login throttling, cursor secrets and doctrine changes through it; each runs
re-assessment jobs under a lease per case, and one at a time delivers webhooks (the others take
over within 30 s when it dies). SQLite is for one process. See docs/scaling-out.md.

Trust: every stored version records who submitted it; the first version of an id makes the
submitter's organisation its custodian, and only it (or an organisation it has delegated to
under speaks-for) adds versions. See docs/security.md.

Every connection has deadlines and every client a quota: a request body must start within
--body-timeout and then average --body-min-rate bytes/s (else 408); a response must be written
within --write-timeout of its first byte (the event stream excepted: it sends a keep-alive
comment every --stream-keepalive); each API token or login user may make --request-rate
requests/s (bursts of --request-burst) and ingest --ingest-rate objects/s (--ingest-burst at
once), and unauthenticated clients --address-rate requests/s per address (429 with
Retry-After beyond). A negative rate turns that quota off. A bundle may hold at most
--max-bundle-objects objects (413).`

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
	TLSClientCA string              `yaml:"tls-client-ca"` // mutual TLS on /taxii2/ (serve_mtls.go)
	Holder      string              `yaml:"holder"`        // the node's organisation (STIX identity id)
	DefaultTLP  string              `yaml:"default-tlp"`   // for unmarked objects
	MaxBody     int64               `yaml:"max-body"`
	Clients     map[string][]string `yaml:"clients"`
	Communities map[string][]string `yaml:"communities"`
	Trust       []string            `yaml:"trust"` // public root key files of the Parties
	// Organisations lists, per Party (JP, US), the organisations whose
	// users that Party's admins may create through the API.
	Organisations map[string][]string `yaml:"organisations"`
	Party         string              `yaml:"party"` // the Party whose node this is
	// SpeaksFor lists, per organisation (or user or token id), the
	// organisations it is registered to speak for: it may create objects
	// as them and version objects in their custody.
	SpeaksFor map[string][]string `yaml:"speaks-for"`
	// MaxCaseIncidents and MaxCaseObjects bound the work of one case.
	MaxCaseIncidents int  `yaml:"max-case-incidents"`
	MaxCaseObjects   int  `yaml:"max-case-objects"`
	NoWorker         bool `yaml:"-"`

	// Connection deadlines, quotas and the bundle limit (api.Limits).
	ReadHeaderTimeout time.Duration `yaml:"read-header-timeout"`
	IdleTimeout       time.Duration `yaml:"idle-timeout"`
	WriteTimeout      time.Duration `yaml:"write-timeout"`
	BodyTimeout       time.Duration `yaml:"body-timeout"`
	BodyMinRate       int64         `yaml:"body-min-rate"` // bytes/s
	StreamKeepAlive   time.Duration `yaml:"stream-keepalive"`
	RequestRate       float64       `yaml:"request-rate"` // per s; negative: off
	RequestBurst      int           `yaml:"request-burst"`
	AddressRate       float64       `yaml:"address-rate"`
	AddressBurst      int           `yaml:"address-burst"`
	IngestRate        float64       `yaml:"ingest-rate"` // objects/s
	IngestBurst       int           `yaml:"ingest-burst"`
	MaxBundleObjects  int           `yaml:"max-bundle-objects"`
	// TrustedProxies are the reverse proxies (CIDR prefixes or addresses)
	// whose X-Forwarded-For names the client, for login throttling.
	TrustedProxies []string `yaml:"trusted-proxies"`
	// WebhookAllow are the special-purpose address ranges (loopback,
	// private, …) webhooks may reach all the same.
	WebhookAllow []string `yaml:"webhook-allow"`
	// OIDC are the Parties' identity providers for the web interface's
	// login (--config only; oidc.go).
	OIDC []oidcConfig `yaml:"oidc"`
	// SyncEvery is how often serve pulls the partner nodes (--sync-every); 0: never.
	SyncEvery time.Duration `yaml:"-"`

	trustedProxies, webhookAllow []netip.Prefix // parsed by resolve
	oidc                         []web.OIDCProvider
}

func defaultServeConfig() serveConfig {
	return serveConfig{Addr: "127.0.0.1:8405", DataDir: "article5-data", DefaultTLP: "amber", MaxBody: 64 << 20,
		MaxCaseIncidents: node.DefaultMaxCaseIncidents, MaxCaseObjects: node.DefaultMaxCaseObjects,
		ReadHeaderTimeout: api.DefaultReadHeaderTimeout, IdleTimeout: api.DefaultIdleTimeout,
		WriteTimeout: api.DefaultWriteTimeout, BodyTimeout: api.DefaultBodyTimeout, BodyMinRate: api.DefaultBodyMinRate,
		StreamKeepAlive: api.DefaultStreamKeepAlive,
		RequestRate:     api.DefaultRequestRate, RequestBurst: api.DefaultRequestBurst,
		AddressRate: api.DefaultAddressRate, AddressBurst: api.DefaultAddressBurst,
		IngestRate: api.DefaultIngestRate, IngestBurst: api.DefaultIngestBurst,
		MaxBundleObjects: api.DefaultMaxBundleObjects}
}

// limits are the api.Limits of the configuration.
func (c serveConfig) limits() api.Limits {
	return api.Limits{ReadHeaderTimeout: c.ReadHeaderTimeout, IdleTimeout: c.IdleTimeout, WriteTimeout: c.WriteTimeout,
		BodyTimeout: c.BodyTimeout, BodyMinRate: c.BodyMinRate,
		RequestRate: c.RequestRate, RequestBurst: c.RequestBurst, AddressRate: c.AddressRate, AddressBurst: c.AddressBurst,
		IngestRate: c.IngestRate, IngestBurst: c.IngestBurst, MaxBundleObjects: c.MaxBundleObjects,
		// On PostgreSQL several serve processes may share the node: they
		// count the quotas together, in the store.
		Shared: c.Database != ""}
}

// addLimitFlags adds the flags of the connection deadlines, quotas and
// bundle limit.
func addLimitFlags(cmd *cobra.Command, c *serveConfig) {
	f := cmd.Flags()
	f.DurationVar(&c.ReadHeaderTimeout, "read-header-timeout", c.ReadHeaderTimeout, "time to read a request's headers (and TLS handshake) [ARTICLE5_READ_HEADER_TIMEOUT]")
	f.DurationVar(&c.IdleTimeout, "idle-timeout", c.IdleTimeout, "a keep-alive connection idle this long is closed [ARTICLE5_IDLE_TIMEOUT]")
	f.DurationVar(&c.WriteTimeout, "write-timeout", c.WriteTimeout, "time to write a response from its first byte; the event stream is exempt [ARTICLE5_WRITE_TIMEOUT]")
	f.DurationVar(&c.BodyTimeout, "body-timeout", c.BodyTimeout, "a request body must start within this, and never pause longer [ARTICLE5_BODY_TIMEOUT]")
	f.Int64Var(&c.BodyMinRate, "body-min-rate", c.BodyMinRate, "least average rate of a request body after --body-timeout, bytes/s (else 408) [ARTICLE5_BODY_MIN_RATE]")
	f.DurationVar(&c.StreamKeepAlive, "stream-keepalive", c.StreamKeepAlive, "the event stream sends a keep-alive comment after this much silence [ARTICLE5_STREAM_KEEPALIVE]")
	f.Float64Var(&c.RequestRate, "request-rate", c.RequestRate, "requests/s per API token or login user; negative: no quota [ARTICLE5_REQUEST_RATE]")
	f.IntVar(&c.RequestBurst, "request-burst", c.RequestBurst, "requests a token or user may make at once [ARTICLE5_REQUEST_BURST]")
	f.Float64Var(&c.AddressRate, "address-rate", c.AddressRate, "unauthenticated requests/s per client address; negative: no quota [ARTICLE5_ADDRESS_RATE]")
	f.IntVar(&c.AddressBurst, "address-burst", c.AddressBurst, "unauthenticated requests an address may make at once [ARTICLE5_ADDRESS_BURST]")
	f.Float64Var(&c.IngestRate, "ingest-rate", c.IngestRate, "STIX objects/s a token or user may ingest; negative: no quota [ARTICLE5_INGEST_RATE]")
	f.IntVar(&c.IngestBurst, "ingest-burst", c.IngestBurst, "STIX objects a token or user may ingest at once; at least --max-bundle-objects [ARTICLE5_INGEST_BURST]")
	f.IntVar(&c.MaxBundleObjects, "max-bundle-objects", c.MaxBundleObjects, "most objects in one ingested bundle (else 413) [ARTICLE5_MAX_BUNDLE_OBJECTS]")
}

// resolveValue applies to a flag the user did not set the environment
// variable env (parsed by parse), else the config file's value when it is
// not zero.
func resolveValue[T comparable](cmd *cobra.Command, flag, env string, dst *T, fileVal T, parse func(string) (T, error)) error {
	if cmd.Flags().Changed(flag) {
		return nil
	}
	if v, ok := os.LookupEnv(env); ok {
		x, err := parse(v)
		if err != nil {
			return usageError{fmt.Errorf("%s=%q: %v", env, v, err)}
		}
		*dst = x
		return nil
	}
	var zero T
	if fileVal != zero {
		*dst = fileVal
	}
	return nil
}

func parseInt(s string) (int, error)     { return strconv.Atoi(s) }
func parseInt64(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) }
func parseFloat(s string) (float64, error) {
	return strconv.ParseFloat(s, 64)
}

// resolveLimits applies the environment and the file to the limit flags
// and checks them.
func (c *serveConfig) resolveLimits(cmd *cobra.Command, file serveConfig) error {
	durations := []struct {
		flag, env string
		dst       *time.Duration
		file      time.Duration
	}{
		{"read-header-timeout", "ARTICLE5_READ_HEADER_TIMEOUT", &c.ReadHeaderTimeout, file.ReadHeaderTimeout},
		{"idle-timeout", "ARTICLE5_IDLE_TIMEOUT", &c.IdleTimeout, file.IdleTimeout},
		{"write-timeout", "ARTICLE5_WRITE_TIMEOUT", &c.WriteTimeout, file.WriteTimeout},
		{"body-timeout", "ARTICLE5_BODY_TIMEOUT", &c.BodyTimeout, file.BodyTimeout},
		{"stream-keepalive", "ARTICLE5_STREAM_KEEPALIVE", &c.StreamKeepAlive, file.StreamKeepAlive},
	}
	for _, d := range durations {
		if err := resolveValue(cmd, d.flag, d.env, d.dst, d.file, time.ParseDuration); err != nil {
			return err
		}
		if *d.dst <= 0 {
			return usageError{fmt.Errorf("--%s must be a positive duration, got %s", d.flag, *d.dst)}
		}
	}
	rates := []struct {
		flag, env string
		dst       *float64
		file      float64
	}{
		{"request-rate", "ARTICLE5_REQUEST_RATE", &c.RequestRate, file.RequestRate},
		{"address-rate", "ARTICLE5_ADDRESS_RATE", &c.AddressRate, file.AddressRate},
		{"ingest-rate", "ARTICLE5_INGEST_RATE", &c.IngestRate, file.IngestRate},
	}
	for _, r := range rates {
		if err := resolveValue(cmd, r.flag, r.env, r.dst, r.file, parseFloat); err != nil {
			return err
		}
		if *r.dst == 0 {
			return usageError{fmt.Errorf("--%s must be positive, or negative for no quota, got 0", r.flag)}
		}
	}
	counts := []struct {
		flag, env string
		dst       *int
		file      int
	}{
		{"request-burst", "ARTICLE5_REQUEST_BURST", &c.RequestBurst, file.RequestBurst},
		{"address-burst", "ARTICLE5_ADDRESS_BURST", &c.AddressBurst, file.AddressBurst},
		{"ingest-burst", "ARTICLE5_INGEST_BURST", &c.IngestBurst, file.IngestBurst},
		{"max-bundle-objects", "ARTICLE5_MAX_BUNDLE_OBJECTS", &c.MaxBundleObjects, file.MaxBundleObjects},
	}
	for _, n := range counts {
		if err := resolveValue(cmd, n.flag, n.env, n.dst, n.file, parseInt); err != nil {
			return err
		}
		if *n.dst <= 0 {
			return usageError{fmt.Errorf("--%s must be a positive number, got %d", n.flag, *n.dst)}
		}
	}
	if err := resolveValue(cmd, "body-min-rate", "ARTICLE5_BODY_MIN_RATE", &c.BodyMinRate, file.BodyMinRate, parseInt64); err != nil {
		return err
	}
	if c.BodyMinRate <= 0 {
		return usageError{fmt.Errorf("--body-min-rate must be a positive number of bytes/s, got %d", c.BodyMinRate)}
	}
	if c.IngestRate > 0 && c.IngestBurst < c.MaxBundleObjects {
		return usageError{fmt.Errorf("--ingest-burst (%d) must be at least --max-bundle-objects (%d), or no bundle that large could be taken", c.IngestBurst, c.MaxBundleObjects)}
	}
	return nil
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
		c.Clients, c.Communities, c.Organisations, c.SpeaksFor = file.Clients, file.Communities, file.Organisations, file.SpeaksFor
		c.OIDC = file.OIDC
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
	set("tls-client-ca", "ARTICLE5_TLS_CLIENT_CA", &c.TLSClientCA, file.TLSClientCA)
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
	if !cmd.Flags().Changed("max-case-incidents") && file.MaxCaseIncidents > 0 {
		c.MaxCaseIncidents = file.MaxCaseIncidents
	}
	if !cmd.Flags().Changed("max-case-objects") && file.MaxCaseObjects > 0 {
		c.MaxCaseObjects = file.MaxCaseObjects
	}
	if c.MaxCaseIncidents <= 0 || c.MaxCaseObjects <= 0 {
		return usageError{fmt.Errorf("--max-case-incidents and --max-case-objects must be positive, got %d and %d", c.MaxCaseIncidents, c.MaxCaseObjects)}
	}
	for k, orgs := range c.SpeaksFor {
		for _, o := range orgs {
			if !strings.HasPrefix(o, "identity--") {
				return usageError{fmt.Errorf("config speaks-for: %s may speak only for STIX identity ids (identity--…), got %q", k, o)}
			}
		}
	}
	if err := c.resolveLimits(cmd, file); err != nil {
		return err
	}
	if c.oidc, err = oidcProviders(c.OIDC); err != nil {
		return err
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return usageError{errors.New("--tls-cert and --tls-key go together")}
	}
	if c.TLSClientCA != "" && c.TLSCert == "" {
		return usageError{errors.New("--tls-client-ca needs --tls-cert and --tls-key: client certificates are a TLS matter")}
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
	f.StringVar(&c.TLSClientCA, "tls-client-ca", "", "PEM CAs of the client certificates required on /taxii2/ (mutual TLS with partner nodes), besides a token [ARTICLE5_TLS_CLIENT_CA]")
	f.StringVar(&c.Holder, "holder", "", "STIX identity id of this node's organisation (TLP: the holder) [ARTICLE5_HOLDER]")
	f.StringVar(&c.DefaultTLP, "default-tlp", c.DefaultTLP, "TLP level of unmarked objects: clear, green, amber, amber+strict, red [ARTICLE5_DEFAULT_TLP]")
	f.Int64Var(&c.MaxBody, "max-body", c.MaxBody, "largest request body in bytes")
	f.StringVar(&configPath, "config", "", "YAML configuration file")
	f.StringSliceVar(&c.Trust, "trust", nil, "a Party's public root key file (article5 party init); repeat for each Party [ARTICLE5_TRUST, comma-separated]")
	f.StringVar(&c.Party, "party", "", "the Party whose node this is, JP or US (the worker acts for it) [ARTICLE5_PARTY]")
	f.IntVar(&c.MaxCaseIncidents, "max-case-incidents", c.MaxCaseIncidents, "most incidents one case may hold (a larger grouping is refused at ingest)")
	f.IntVar(&c.MaxCaseObjects, "max-case-objects", c.MaxCaseObjects, "most object versions one case's evidence may hold when it is assessed")
	addLimitFlags(cmd, &c)
	f.StringSliceVar(&c.TrustedProxies, "trusted-proxies", nil, "reverse proxies whose X-Forwarded-For names the client (CIDR prefixes, comma-separated) [ARTICLE5_TRUSTED_PROXIES]")
	addWebhookAllowFlag(cmd, &c)
	f.DurationVar(&c.SyncEvery, "sync-every", 5*time.Minute, "pull the partner nodes (article5 partner add) this often; 0: never (one process of the node syncs at a time)")
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
	// Refuse a log that does not extend the head this node published
	// (a restored backup), before anything is written to it.
	logStore, hasLog := store.(audit.Store)
	if hasLog {
		if _, err := publishedState(ctx, logStore, c.DataDir); err != nil {
			return err
		}
	}
	n, err := newNode(c, store, log)
	if err != nil {
		return err
	}
	if err := n.LoadCursors(ctx); err != nil { // the node's secrets for page cursors and event ids
		return err
	}
	if err := n.StoreExtension(ctx); err != nil { // the identity and extension-definition its own objects name
		return err
	}
	if err := n.LoadStoredDoctrines(ctx); err != nil { // doctrines changed through the API override the built-in ones
		return err
	}
	// Login device cookies must verify on every serve process: on
	// PostgreSQL the key is the database's; SQLite keeps its file.
	var deviceKey []byte
	if c.Database != "" {
		deviceKey, err = store.SharedKey(ctx, "login-device")
	} else {
		deviceKey, err = loginDeviceKey(c.DataDir)
	}
	if err != nil {
		return err
	}
	recorded := int64(-1)
	if hasLog {
		if recorded, err = recordPublished(ctx, logStore, c.DataDir, -1); err != nil {
			return err
		}
	}
	hooks := node.WebhookOptions{Allow: c.webhookAllow}
	shutdown := make(chan struct{})
	limits := c.limits()
	handler := api.New(n, api.Options{MaxBodyBytes: c.MaxBody, Log: log, Shutdown: shutdown, StreamKeepAlive: c.StreamKeepAlive, Limits: limits,
		TrustedProxies: c.trustedProxies, DeviceKey: deviceKey, Webhooks: hooks, Version: Build().Version,
		Surfaces: []api.Surface{taxiiSurface(n, c.MaxBody, c.TLSClientCA != "")},
		// The browser user interface, on the same listener and login sessions.
		UI: func(s api.Sessions) http.Handler {
			return web.New(n, s, web.Options{Log: log, Chromium: os.Getenv("ARTICLE5_CHROMIUM"), OIDC: c.oidc})
		}})
	srv := api.NewServer(c.Addr, handler, limits)
	if srv.TLSConfig, err = clientCATLS(c.TLSClientCA); err != nil {
		return err
	}
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
	log.Info("serving", "addr", ln.Addr().String(), "store", where, "holder", n.HolderID(), "worker", !c.NoWorker)
	workerCtx, stopWorker := context.WithCancel(ctx)
	go sweepSessions(workerCtx, store, log, time.Hour)
	headsDone := make(chan struct{})
	go func() {
		defer close(headsDone)
		if hasLog {
			recordHeads(workerCtx, logStore, c.DataDir, recorded, time.Second, log)
		}
	}()
	workerDone := make(chan struct{})
	go func() {
		defer close(workerDone)
		if !c.NoWorker {
			// Outbound webhooks (node/webhook.go) beside the worker: one
			// dispatcher per node, stopped with it.
			hooksDone := make(chan struct{})
			go func() { defer close(hooksDone); n.RunWebhooks(workerCtx, time.Second, hooks) }()
			syncDone := make(chan struct{})
			go func() {
				defer close(syncDone)
				if c.SyncEvery > 0 {
					runSyncEvery(workerCtx, n, c.SyncEvery, log)
				}
			}()
			n.RunWorker(workerCtx, time.Second)
			<-hooksDone
			<-syncDone
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
		<-headsDone
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
	<-headsDone
	if err != nil {
		return article5.Internal("shutdown", err)
	}
	return nil
}

// newNode is the node of configuration c on store: its doctrines, trusted
// roots, organisations per Party and release policy (serve, sync).
func newNode(c serveConfig, store article5.Store, log *slog.Logger) (*node.Node, error) {
	docs, err := loadDoctrines(nil)
	if err != nil {
		return nil, err
	}
	roots, err := loadRoots(c.Trust)
	if err != nil {
		return nil, err
	}
	orgs := map[article5.Party][]string{}
	for p, ids := range c.Organisations {
		party, err := partyOf(p)
		if err != nil {
			return nil, article5.Errorf(article5.EINVALID, "config organisations: %v", err)
		}
		orgs[party] = ids
	}
	n := &node.Node{Store: store, Doctrines: docs, Log: log, Now: time.Now, Roots: roots, Party: article5.Party(strings.ToUpper(c.Party)), Organisations: orgs,
		Policy:    release.Policy{Holder: c.Holder, Clients: c.Clients, Communities: c.Communities, Default: stix.TLP(c.DefaultTLP)},
		SpeaksFor: c.SpeaksFor, MaxCaseIncidents: c.MaxCaseIncidents, MaxCaseObjects: c.MaxCaseObjects}
	return n, nil
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

// taxiiSurface mounts the TAXII 2.1 server (package taxii) at /taxii2/
// beside the API, authenticated by the API's edge.
func taxiiSurface(n *node.Node, maxBody int64, clientCert bool) api.Surface {
	return api.Surface{Pattern: taxii.Prefix, New: func(e api.Edge) http.Handler {
		return taxii.New(n, taxii.Options{Edge: e, MaxContentLength: maxBody, RequireClientCert: clientCert,
			Title: "article5 node", Description: "STIX 2.1 objects this node holds, released to each caller under TLP 2.0."})
	}}
}
