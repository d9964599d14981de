package taxii

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"

	"article5"
	"article5/node"
)

// Sync defaults.
const (
	// DefaultMaxAhead is how far after this node's clock a partner's
	// version may be modified: a version modified later is refused.
	DefaultMaxAhead = 5 * time.Minute
	// SyncLeaseName is the store lease under which one process of a node
	// syncs its partners at a time; SyncLease is how long it lasts from
	// its last renewal (before each partner collection and each page).
	SyncLeaseName = "partner-sync"
	SyncLease     = 2 * time.Minute
)

// PartnerAPIRoot checks a partner's URL and returns its TAXII API root:
// the URL itself when its path names one ("…/taxii2/article5/"), or, for a
// URL with no path, the article5 API root under it (/taxii2/article5/).
// The scheme must be https, or http to a loopback host (localhost,
// 127.0.0.0/8, ::1). A URL with credentials, a query or a fragment is
// refused: the token goes in --token.
func PartnerAPIRoot(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "", article5.Errorf(article5.EINVALID, "partner URL %q: want https://host[:port][/api-root/]", raw)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", article5.Errorf(article5.EINVALID, "partner URL %q: no credentials, query or fragment (the token goes in --token)", redactURL(u))
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !loopback(u.Hostname()) {
			return "", article5.Errorf(article5.EINVALID, "partner URL %q: https is required unless the host is loopback", raw)
		}
	default:
		return "", article5.Errorf(article5.EINVALID, "partner URL %q: the scheme must be https", raw)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = Prefix + RootName + "/"
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	return u.String(), nil
}

func redactURL(u *url.URL) string {
	c := *u
	c.User, c.RawQuery, c.Fragment = nil, "", ""
	return c.String()
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// PartnerClient returns a Client of partner p's API root: TLS 1.2 or
// later, chaining to p.CA when given (else the host's roots), presenting
// p.ClientCert when given (mutual TLS), following no redirect, presenting
// p.Token as a bearer token.
func PartnerClient(p *article5.Partner) (*Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	if len(p.CA) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(p.CA) {
			return nil, article5.Errorf(article5.EINVALID, "partner %s: its CA holds no PEM certificate", p.Name)
		}
		tr.TLSClientConfig.RootCAs = pool
	}
	if len(p.ClientCert) > 0 || len(p.ClientKey) > 0 { // mutual TLS
		cert, err := tls.X509KeyPair(p.ClientCert, p.ClientKey)
		if err != nil {
			return nil, article5.Errorf(article5.EINVALID, "partner %s: its client certificate and key do not make a pair: %v", p.Name, err)
		}
		tr.TLSClientConfig.Certificates = []tls.Certificate{cert}
	}
	hc := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &Client{APIRoot: p.APIRoot, HTTP: hc, Authorize: Bearer(p.Token)}, nil
}

// SyncOptions tunes Sync; the zero value is usable.
type SyncOptions struct {
	// Limit is the page size asked of the partner; 0: the partner's default.
	Limit int
	// MaxAhead: see DefaultMaxAhead (0: the default).
	MaxAhead time.Duration
	// Client, when set, returns the client of a partner (tests); nil:
	// PartnerClient.
	Client func(p *article5.Partner) (*Client, error)
	// Renew, when set, is called before each collection and each page;
	// an error stops the sync (the lease was lost).
	Renew func(ctx context.Context) error
	// NoPush: SyncAll only pulls; PushBatch: PushOptions.Batch.
	NoPush    bool
	PushBatch int
}

// CollectionReport is what one pull of a partner collection moved: the
// versions accepted (stored), found unchanged, and rejected with the
// reason; the pages read and the cursor kept; the error that stopped it.
type CollectionReport struct {
	Collection string               `json:"collection"`
	Pages      int                  `json:"pages"`
	Accepted   []article5.ObjectRef `json:"accepted"`
	Unchanged  []article5.ObjectRef `json:"unchanged"`
	Rejected   []article5.Rejection `json:"rejected"`
	Conflicts  []article5.ObjectRef `json:"conflicts"`
	Cursor     string               `json:"added_after"`
	Error      string               `json:"error,omitempty"`
}

// SyncReport is what Sync moved from one partner.
type SyncReport struct {
	Partner     string              `json:"partner"`
	Collections []*CollectionReport `json:"collections"`
	// Witness is what witnessing the partner's log found (witness.go).
	Witness *node.WitnessReport `json:"witness,omitempty"`
	// Push is what SyncAll pushed to the partner after pulling (nil: not
	// pushed).
	Push *PushReport `json:"push,omitempty"`
}

// Failed reports whether a collection's pull ended in error.
func (r *SyncReport) Failed() bool {
	for _, c := range r.Collections {
		if c.Error != "" {
			return true
		}
	}
	return r.Push != nil && r.Push.Error != ""
}

// Sync pulls every collection of partner p (Partner.PullCollections) into
// node n. Each collection is pulled with Client.Pull from the cursor kept
// in the store; each page is ingested through n.Ingest as the partner's
// principal (article5.PartnerPrincipal: submitter the partner, submitter
// organisation the partner's), which may create and version objects in
// the custody of the organisations p speaks for, so the custody rules
// apply (docs/federation.md): a created_by_ref naming an organisation
// registered on this node that p does not speak for is refused, an unknown
// one is relayed, a new version of an object in another custody is
// refused, and a version modified more than MaxAhead after n's clock is
// refused. After each page the cursor safe to resume from is saved, so a
// sync stopped at any point loses nothing and stores nothing twice. A pull
// that fails records its error on the cursor and Sync goes on with the next
// collection; the report says what each moved. An error is returned
// for a fault of the store outside a pull, or when ctx ends.
func Sync(ctx context.Context, n *node.Node, p *article5.Partner, opts SyncOptions) (*SyncReport, error) {
	if opts.MaxAhead <= 0 {
		opts.MaxAhead = DefaultMaxAhead
	}
	mk := opts.Client
	if mk == nil {
		mk = PartnerClient
	}
	c, err := mk(p)
	if err != nil {
		return nil, err
	}
	held, err := n.Store.FindPartnerCursors(ctx, p.Name)
	if err != nil {
		return nil, err
	}
	cursors := map[string]*article5.PartnerCursor{}
	for _, cur := range held {
		cursors[cur.Collection] = cur
	}
	principal := article5.PartnerPrincipal(p)
	recipient := n.Policy.OrgRecipient(principal.Org)
	recipient.Subject = principal.ID
	rep := &SyncReport{Partner: p.Name}
	now := func() time.Time {
		if n.Now != nil {
			return n.Now().UTC()
		}
		return time.Now().UTC()
	}
	for _, col := range p.PullCollections() {
		cur := cursors[col]
		if cur == nil {
			cur = &article5.PartnerCursor{Partner: p.Name, Collection: col}
		}
		cr := &CollectionReport{Collection: col, Accepted: []article5.ObjectRef{}, Unchanged: []article5.ObjectRef{}, Rejected: []article5.Rejection{}, Conflicts: []article5.ObjectRef{}}
		rep.Collections = append(rep.Collections, cr)
		cur.LastAttempt = now()
		renew := func() error {
			if opts.Renew != nil {
				return opts.Renew(ctx)
			}
			return nil
		}
		err := renew()
		if err == nil {
			_, err = c.Pull(ctx, col, cur.AddedAfter, opts.Limit, func(pg *Page, safe string) error {
				cr.Pages++
				if len(pg.Objects) > 0 {
					data, err := json.Marshal(map[string]any{"type": "bundle", "id": "bundle--" + uuid.NewString(), "objects": pg.Objects})
					if err != nil {
						return article5.Internal("sync: bundle", err)
					}
					res, err := n.Ingest(ctx, node.IngestRequest{Principal: principal, Recipient: recipient, Data: data,
						SpeaksFor: p.SpeaksFor, MaxAhead: opts.MaxAhead, HoldConflicts: true})
					if err != nil {
						return err
					}
					cr.Accepted = append(cr.Accepted, res.Accepted...)
					cr.Unchanged = append(cr.Unchanged, res.Unchanged...)
					cr.Rejected = append(cr.Rejected, res.Rejected...)
					cr.Conflicts = append(cr.Conflicts, res.Conflicts...)
					cur.Pulled += int64(len(pg.Objects))
				}
				cur.AddedAfter = safe
				if err := n.Store.SavePartnerCursor(ctx, cur); err != nil {
					return err
				}
				if pg.More {
					return renew()
				}
				return nil
			})
		}
		cr.Cursor = cur.AddedAfter
		if err != nil {
			cr.Error = syncError(err)
			cur.LastError = cr.Error
			cur.Errors++
			// Record the fault even when ctx was cancelled (a stop).
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			serr := n.Store.SavePartnerCursor(sctx, cur)
			cancel()
			if ctx.Err() != nil {
				return rep, ctx.Err()
			}
			if serr != nil && article5.ErrorCode(serr) != article5.ENOTFOUND {
				return rep, serr
			}
			continue
		}
		cur.LastSync, cur.LastError = now(), ""
		if err := n.Store.SavePartnerCursor(ctx, cur); err != nil && article5.ErrorCode(err) != article5.ENOTFOUND {
			return rep, err
		}
	}
	w, err := n.WitnessPartner(ctx, p, c.Head)
	rep.Witness = w
	return rep, err
}

// syncError is the text kept of a failed pull, for the operator: an
// internal fault (a network error, a store fault) with its cause.
func syncError(err error) string {
	var e *article5.Error
	if errors.As(err, &e) && e.Code == article5.EINTERNAL && e.Err != nil {
		return e.Err.Error()
	}
	return article5.ErrorMessage(err)
}

// SyncAll syncs every partner (or only the one named, ENOTFOUND if not
// held), then, unless opts.NoPush, pushes to it (Push), under the store
// lease SyncLeaseName, so that one process of the node syncs at a time. held is false, with no reports, when another
// process holds the lease.
func SyncAll(ctx context.Context, n *node.Node, only string, opts SyncOptions) (reports []*SyncReport, held bool, err error) {
	holder := n.HolderID()
	ok, err := n.Store.AcquireLease(ctx, SyncLeaseName, holder, SyncLease)
	if err != nil || !ok {
		return nil, false, err
	}
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		_ = n.Store.ReleaseLease(rctx, SyncLeaseName, holder)
		cancel()
	}()
	inner := opts.Renew
	opts.Renew = func(ctx context.Context) error {
		ok, err := n.Store.AcquireLease(ctx, SyncLeaseName, holder, SyncLease)
		if err != nil {
			return err
		}
		if !ok {
			return article5.Errorf(article5.ECONFLICT, "sync: another process took the lease %s", SyncLeaseName)
		}
		if inner != nil {
			return inner(ctx)
		}
		return nil
	}
	partners, err := n.Store.FindPartners(ctx)
	if err != nil {
		return nil, true, err
	}
	found := only == ""
	for _, p := range partners {
		if only != "" && p.Name != only {
			continue
		}
		found = true
		r, err := Sync(ctx, n, p, opts)
		if r != nil {
			reports = append(reports, r)
		}
		if err != nil {
			return reports, true, err
		}
		if r != nil && !opts.NoPush { // then push (push.go)
			if r.Push, err = Push(ctx, n, p, PushOptions{Batch: opts.PushBatch, Client: opts.Client, Renew: opts.Renew}); err != nil {
				return reports, true, err
			}
		}
	}
	if !found {
		return nil, true, article5.Errorf(article5.ENOTFOUND, "no partner %s", only)
	}
	return reports, true, nil
}
