package node

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"article5"
	"article5/release"
)

// Headers of a webhook delivery.
const (
	// HeaderEvent is the event's type ("tier-changed").
	HeaderEvent = "X-Article5-Event"
	// HeaderDelivery identifies the delivery: the event's opaque id for the
	// webhook (its sequence number sealed for it, package cursor).
	// A retried delivery carries the same value (deliveries are at least
	// once): receivers use it to drop duplicates.
	HeaderDelivery = "X-Article5-Delivery"
	// HeaderTimestamp is when the delivery was signed, in unix seconds.
	HeaderTimestamp = "X-Article5-Timestamp"
	// HeaderSignature is "sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>".
	HeaderSignature = "X-Article5-Signature"
)

// Defaults of the webhook dispatcher.
const (
	// DefaultWebhookTimeout bounds one delivery (connect, send, response headers and body).
	DefaultWebhookTimeout = 10 * time.Second
	// DefaultWebhookBackoff is the delay after a webhook's first failure;
	// it doubles with each failure after that (with jitter).
	DefaultWebhookBackoff = time.Second
	// DefaultWebhookMaxBackoff caps the delay between attempts.
	DefaultWebhookMaxBackoff = time.Hour
	// webhookBatch is how many events one read of the outbox fetches, and
	// how many deliveries one webhook gets per pass.
	webhookBatch = 100
	// maxErrorText bounds the failure reason kept.
	maxErrorText = 500
)

// NewWebhookSecret returns a new webhook secret: 32 bytes from
// crypto/rand, base64url without padding. Its ASCII text is the HMAC key.
func NewWebhookSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// SignWebhook returns the X-Article5-Signature value of a delivery:
// "sha256=" and the hex HMAC-SHA256 (RFC 2104, FIPS 180-4) under secret of
// timestamp (unix seconds, as in X-Article5-Timestamp), ".", and the body.
func SignWebhook(secret, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// VerifySignature is what a receiver runs on a delivery: it checks the
// X-Article5-Signature value signature against secret, the
// X-Article5-Timestamp value timestamp and the raw request body, in
// constant time, and, when tolerance is positive, that the timestamp is
// within tolerance of now (against replays; 5 minutes is usual). It
// returns nil if the delivery is authentic, else an EUNAUTHORIZED error
// saying which check failed.
func VerifySignature(secret, timestamp, signature string, body []byte, now time.Time, tolerance time.Duration) error {
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return article5.Errorf(article5.EUNAUTHORIZED, "webhook: %s is not unix seconds", HeaderTimestamp)
	}
	if !hmac.Equal([]byte(signature), []byte(SignWebhook(secret, timestamp, body))) {
		return article5.Errorf(article5.EUNAUTHORIZED, "webhook: %s does not match the body", HeaderSignature)
	}
	if tolerance > 0 {
		if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
			return article5.Errorf(article5.EUNAUTHORIZED, "webhook: %s is more than %v from now", HeaderTimestamp, tolerance)
		}
	}
	return nil
}

// WebhookOptions configures the dispatcher. Zero values are the defaults.
type WebhookOptions struct {
	// Client sends the deliveries; nil: a client with
	// DefaultWebhookTimeout that follows no redirect (a redirect is a
	// failure: a signed event goes only to the URL an admin set). A Client
	// given here is used with its Timeout and Jar, but its transport (nil
	// or an *http.Transport) is cloned with the destination check as its
	// dialer and no proxy, and it follows at most WebhookMaxRedirects
	// redirects, each dialled through the same check. Any other
	// http.RoundTripper is used as given and must check destinations
	// itself.
	Client *http.Client
	// Backoff is the delay after the first failure; DefaultWebhookBackoff.
	Backoff time.Duration
	// MaxBackoff caps the delay; DefaultWebhookMaxBackoff.
	MaxBackoff time.Duration
	// Allow lists the address ranges webhooks may reach although
	// SpecialAddress refuses them, e.g. 127.0.0.0/8 for a receiver on the
	// node's own host (serve --webhook-allow). IPv4-mapped IPv6 prefixes
	// count as the IPv4 prefix they carry. nil: none.
	Allow []netip.Prefix
	// Resolver resolves webhook host names, at registration
	// (CheckWebhookDestination) and at every dial; nil: net.DefaultResolver.
	Resolver HostResolver

	guarded bool // withDefaults has run: Client checks destinations
}

// HostResolver resolves a host name to IP addresses, as
// (*net.Resolver).LookupNetIP does (network "ip", "ip4" or "ip6").
type HostResolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// WebhookMaxRedirects is how many redirects a delivery follows at most when
// WebhookOptions.Client follows redirects at all (the default client
// follows none).
const WebhookMaxRedirects = 3

// withDefaults fills in the defaults and puts the destination check
// (webhookDialer) under the client. It is idempotent.
func (o WebhookOptions) withDefaults() WebhookOptions {
	if o.guarded {
		return o
	}
	if o.Resolver == nil {
		o.Resolver = net.DefaultResolver
	}
	d := &webhookDialer{allow: o.Allow, resolver: o.Resolver}
	if o.Client == nil {
		o.Client = &http.Client{
			Timeout:       DefaultWebhookTimeout,
			Transport:     d.transport(nil),
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	} else {
		c := *o.Client
		c.Transport = d.transport(c.Transport)
		c.CheckRedirect = capRedirects(c.CheckRedirect)
		o.Client = &c
	}
	if o.Backoff <= 0 {
		o.Backoff = DefaultWebhookBackoff
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = DefaultWebhookMaxBackoff
	}
	o.guarded = true
	return o
}

// capRedirects stops a client that follows redirects after
// WebhookMaxRedirects of them; below that, next (if any) decides.
func capRedirects(next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if len(via) > WebhookMaxRedirects {
			return fmt.Errorf("webhook: stopped after %d redirects", WebhookMaxRedirects)
		}
		if next != nil {
			return next(req, via)
		}
		return nil
	}
}

// WebhookBackoff is the delay before the next attempt after attempts
// failures in a row (attempts ≥ 1): base·2^(attempts−1), capped at max,
// with "equal jitter" (half fixed, half uniformly random), so that
// receivers that failed together do not retry together.
func WebhookBackoff(attempts int, base, maxDelay time.Duration) time.Duration {
	d := base
	for i := 1; i < attempts && d < maxDelay; i++ {
		d *= 2
	}
	d = min(d, maxDelay)
	half := d / 2
	return half + mrand.N(d-half+1)
}

// RunWebhooks delivers webhooks until ctx is done: a pass over the due
// webhooks (DeliverWebhooks), then the next at once if the pass delivered
// anything, else after poll. Of several processes on one store, the one
// holding the dispatcher's lease delivers; the others wait to take it
// over, and it is released when ctx ends. Deliveries in flight are abandoned when ctx
// ends (they are retried: delivery is at least once). Faults are logged;
// the dispatcher never stops for them.
func (n *Node) RunWebhooks(ctx context.Context, poll time.Duration, opts WebhookOptions) {
	if poll <= 0 {
		poll = time.Second
	}
	opts = opts.withDefaults()
	defer opts.Client.CloseIdleConnections()
	defer func() { // stopping: another process takes over at once
		if n.webhookLease.Load() {
			if err := n.Store.ReleaseLease(context.WithoutCancel(ctx), WebhookLeaseName, n.HolderID()); err != nil {
				n.log().WarnContext(ctx, "release webhook lease", "err", err)
			}
		}
	}()
	t := time.NewTimer(poll)
	defer t.Stop()
	for ctx.Err() == nil {
		sent, err := n.DeliverWebhooks(ctx, opts)
		if err != nil && ctx.Err() == nil {
			n.log().ErrorContext(ctx, "webhooks", "err", err)
		}
		if sent > 0 && err == nil {
			continue
		}
		t.Reset(poll)
		select {
		case <-ctx.Done():
		case <-t.C:
		}
	}
}

// WebhookLease is how long the webhook dispatcher's lease (the store lease
// WebhookLeaseName) lasts from its last renewal: one serve process of a
// node delivers webhooks at a time, renewing it before every delivery, and
// when that process dies another takes over within WebhookLease and its
// poll. It exceeds DefaultWebhookTimeout, so that a delivery begun under
// the lease ends before the lease does.
const WebhookLease = 30 * time.Second

// WebhookLeaseName is the name of the webhook dispatcher's lease.
const WebhookLeaseName = "webhooks"

// holdWebhookLease takes or renews the dispatcher's lease for this
// process, logging when it takes it over or loses it.
func (n *Node) holdWebhookLease(ctx context.Context) (bool, error) {
	held, err := n.Store.AcquireLease(ctx, WebhookLeaseName, n.HolderID(), WebhookLease)
	if err != nil {
		return false, fmt.Errorf("webhook lease: %w", err)
	}
	if was := n.webhookLease.Swap(held); was != held {
		if held {
			n.log().InfoContext(ctx, "lease taken", "lease", WebhookLeaseName, "holder", n.HolderID())
		} else {
			n.log().InfoContext(ctx, "lease lost", "lease", WebhookLeaseName, "holder", n.HolderID())
		}
	}
	return held, nil
}

// DeliverWebhooks makes one pass, if this process holds or can take the
// dispatcher's lease (WebhookLease; else it delivers nothing): every
// active webhook whose next attempt is due (by the node's clock) gets, in event order, the events after its
// cursor that it subscribes to and its recipient may see, until one fails
// or webhookBatch are sent. Webhooks are served concurrently, each in
// order. It returns how many deliveries succeeded.
//
// For each webhook, in order: an event whose type the webhook does not
// subscribe to, or about a case its recipient may not see (the node's
// Gate, as for GET /api/v1/events), is passed over; the next is POSTed
// as its JSON (article5.Event) with the X-Article5-* headers. A 2xx
// answer moves the durable cursor past it; anything else (another status,
// a timeout, a refused connection) records the failure and a next attempt
// after WebhookBackoff, and the same event is tried again then.
//
// Every connection goes only to an address SpecialAddress does not refuse
// or opts.Allow lists, checked on the address dialled (a refused one is a
// failed delivery whose reason names the range). The default client
// follows no redirect; see WebhookOptions.Client.
func (n *Node) DeliverWebhooks(ctx context.Context, opts WebhookOptions) (int, error) {
	if !opts.guarded { // a client of this pass only
		opts = opts.withDefaults()
		defer opts.Client.CloseIdleConnections()
	}
	if held, err := n.holdWebhookLease(ctx); err != nil || !held {
		return 0, err
	}
	hooks, _, err := n.Store.FindWebhooks(ctx, article5.WebhookFilter{Active: true, DueBy: n.now()})
	if err != nil {
		return 0, fmt.Errorf("find webhooks: %w", err)
	}
	var (
		mu   sync.Mutex
		sent int
		errs []error
		wg   sync.WaitGroup
	)
	for _, w := range hooks {
		wg.Go(func() {
			k, err := n.deliverWebhook(ctx, w, opts)
			mu.Lock()
			defer mu.Unlock()
			sent += k
			if err != nil {
				errs = append(errs, fmt.Errorf("webhook %s: %w", w.ID, err))
			}
		})
	}
	wg.Wait()
	return sent, errors.Join(errs...)
}

// deliverWebhook serves one due webhook (see DeliverWebhooks). Errors are
// the store's; a failed delivery is recorded, not returned.
func (n *Node) deliverWebhook(ctx context.Context, w *article5.Webhook, opts WebhookOptions) (int, error) {
	g := n.Gate(release.Recipient{Party: w.Party, Org: w.Org, Communities: w.Communities, Subject: w.ID})
	events := w.Events
	if len(events) == 0 {
		events = article5.DefaultWebhookEvents
	}
	sent := 0
	cursor := w.Cursor
	for sent < webhookBatch {
		// Read before the events: every event up to it that the query
		// does not return is one the recipient may not see.
		mark, err := n.Store.EventWatermark(ctx)
		if err != nil {
			return sent, err
		}
		evs, err := n.Store.FindEvents(ctx, article5.EventFilter{After: cursor, Limit: webhookBatch, Audience: g.Audience()})
		if err != nil {
			return sent, err
		}
		var next *article5.Event
		for i := range evs {
			e := &evs[i]
			if slices.Contains(events, e.Type) {
				next = e
				break
			}
		}
		if next == nil {
			// Every event read is passed over: move past them for good,
			// and past those the query withheld, so that no pass reads
			// them again.
			past := cursor
			if len(evs) > 0 {
				past = evs[len(evs)-1].Seq
			}
			if len(evs) < webhookBatch {
				past = max(past, mark)
			}
			if past == cursor {
				return sent, nil
			}
			cursor = past
			if err := n.Store.RecordDelivery(ctx, w.ID, cursor); err != nil {
				return sent, err
			}
			if len(evs) < webhookBatch {
				return sent, nil
			}
			continue
		}
		// Renewed before each delivery, so that it is made under the
		// lease: once another process may hold it, no more are made here.
		if held, err := n.holdWebhookLease(ctx); err != nil || !held {
			return sent, err
		}
		if err := n.post(ctx, w, next, opts.Client); err != nil {
			if ctx.Err() != nil {
				return sent, nil // stopping: the attempt does not count
			}
			attempts := w.Attempts + 1
			if cursor != w.Cursor {
				attempts = 1 // the cursor moved in this pass: a new event's first failure
			}
			at := n.now().Add(WebhookBackoff(attempts, opts.Backoff, opts.MaxBackoff))
			n.log().WarnContext(ctx, "webhook delivery failed", "webhook", w.ID, "seq", next.Seq, "attempts", attempts, "next", at, "err", err)
			return sent, n.Store.RecordFailure(ctx, w.ID, attempts, at, truncate(err.Error(), maxErrorText))
		}
		cursor = next.Seq
		if err := n.Store.RecordDelivery(ctx, w.ID, cursor); err != nil {
			return sent, err
		}
		sent++
	}
	return sent, nil
}

// webhookPrincipal is whom a webhook's event ids are sealed for.
func webhookPrincipal(w *article5.Webhook) string { return "webhook:" + w.ID }

// WebhookEventID returns the id webhook w's deliveries give the event of
// sequence number seq (its X-Article5-Delivery header and body "id"): the
// sequence sealed for the webhook, the same on every retry.
func (n *Node) WebhookEventID(w *article5.Webhook, seq int64) (string, error) {
	return n.EventID(webhookPrincipal(w), seq)
}

// post sends one event to w's URL, signed; nil on a 2xx answer.
func (n *Node) post(ctx context.Context, w *article5.Webhook, e *article5.Event, c *http.Client) error {
	ev := *e
	id, err := n.EventID(webhookPrincipal(w), e.Seq)
	if err != nil {
		return err
	}
	ev.ID = id
	body, err := json.Marshal(ev)
	if err != nil {
		return article5.Internal("webhook: encode event", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("bad URL: %w", err)
	}
	ts := strconv.FormatInt(n.now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "article5-webhook/1")
	req.Header.Set(HeaderEvent, e.Type)
	req.Header.Set(HeaderDelivery, ev.ID)
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderSignature, SignWebhook(w.Secret, ts, body))
	res, err := c.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	// Read a little of the answer, so that the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return fmt.Errorf("HTTP %d", res.StatusCode)
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

// specialRange is a special-purpose address range webhooks refuse by
// default, named with its source.
type specialRange struct {
	prefix netip.Prefix
	name   string
}

// specialRanges are the ranges SpecialAddress refuses, most specific
// first: the IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC
// 6890 and its updates) less the ranges they mark globally reachable, and
// IPv6 outside global unicast.
var specialRanges = func() []specialRange {
	var out []specialRange
	for _, r := range [][2]string{
		{"0.0.0.0/8", `"this network", including the unspecified address (RFC 791, RFC 1122 §3.2.1.3)`},
		{"10.0.0.0/8", "private-use (RFC 1918)"},
		{"100.64.0.0/10", "shared address space, carrier-grade NAT (RFC 6598)"},
		{"127.0.0.0/8", "loopback (RFC 1122 §3.2.1.3)"},
		{"169.254.0.0/16", "link-local, where cloud metadata services live (RFC 3927)"},
		{"172.16.0.0/12", "private-use (RFC 1918)"},
		{"192.0.0.0/24", "IETF protocol assignments (RFC 6890)"},
		{"192.0.2.0/24", "documentation, TEST-NET-1 (RFC 5737)"},
		{"192.88.99.0/24", "6to4 relay anycast (RFC 7526)"},
		{"192.168.0.0/16", "private-use (RFC 1918)"},
		{"198.18.0.0/15", "benchmarking (RFC 2544)"},
		{"198.51.100.0/24", "documentation, TEST-NET-2 (RFC 5737)"},
		{"203.0.113.0/24", "documentation, TEST-NET-3 (RFC 5737)"},
		{"224.0.0.0/4", "multicast (RFC 5771)"},
		{"240.0.0.0/4", "reserved, including limited broadcast (RFC 1112 §4, RFC 919)"},
		{"::/128", "unspecified (RFC 4291 §2.5.2)"},
		{"::1/128", "loopback (RFC 4291 §2.5.3)"},
		{"::/96", "IPv4-compatible, deprecated (RFC 4291 §2.5.5.1)"},
		{"64:ff9b:1::/48", "local-use NAT64 (RFC 8215)"},
		{"100::/64", "discard-only (RFC 6666)"},
		{"2001:db8::/32", "documentation (RFC 3849)"},
		{"2001::/23", "IETF protocol assignments, including Teredo (RFC 2928, RFC 4380)"},
		{"2002::/16", "6to4 (RFC 3056, RFC 7526)"},
		{"3fff::/20", "documentation (RFC 9637)"},
		{"5f00::/16", "SRv6 SIDs (RFC 9602)"},
		{"fc00::/7", "unique local (RFC 4193)"},
		{"fe80::/10", "link-local (RFC 4291 §2.5.6)"},
		{"fec0::/10", "site-local, deprecated (RFC 3879)"},
		{"ff00::/8", "multicast (RFC 4291 §2.7)"},
	} {
		out = append(out, specialRange{netip.MustParsePrefix(r[0]), r[1]})
	}
	return out
}()

// nat64 is the NAT64 well-known prefix (RFC 6052): its addresses stand for
// the IPv4 address in their last 32 bits, and are judged as that address.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// globalUnicast6 is IPv6's global unicast space (RFC 4291 §2.4); the rest
// of IPv6 is special or unassigned.
var globalUnicast6 = netip.MustParsePrefix("2000::/3")

// SpecialAddress reports whether a webhook may not reach a unless the
// node allows it (WebhookOptions.Allow), and names the range a is in with
// its source: loopback, private-use, carrier-grade NAT, link-local (cloud
// metadata at 169.254.169.254), unspecified, multicast, documentation,
// benchmarking, reserved, unique local (fc00::/7), IPv6 outside global
// unicast (2000::/3), and the rest of the IANA IPv4 and IPv6
// Special-Purpose Address Registries (RFC 6890) that are not globally
// reachable. An IPv4-mapped IPv6 address (::ffff:a.b.c.d, RFC 4291
// §2.5.5.2) and a NAT64 address (64:ff9b::/96, RFC 6052) are judged as the
// IPv4 address they carry. The zero Addr is special.
func SpecialAddress(a netip.Addr) (rangeName string, special bool) {
	if !a.IsValid() {
		return "not an IP address", true
	}
	a = a.Unmap().WithZone("")
	if a.Is6() && nat64.Contains(a) {
		b := a.As16()
		v4 := netip.AddrFrom4([4]byte(b[12:]))
		if name, bad := SpecialAddress(v4); bad {
			return "NAT64 (RFC 6052) of " + v4.String() + ", " + name, true
		}
		return "", false
	}
	for _, r := range specialRanges {
		if r.prefix.Contains(a) {
			return r.name, true
		}
	}
	if a.Is6() && !globalUnicast6.Contains(a) {
		return "IPv6 outside global unicast 2000::/3 (RFC 4291 §2.4)", true
	}
	return "", false
}

// RefusedAddressError is the error of a webhook destination whose address
// SpecialAddress refuses and WebhookOptions.Allow does not list. It is
// what a delivery fails with at dial time, and the cause of
// CheckWebhookDestination's EINVALID.
type RefusedAddressError struct {
	Host  string     // the host as in the URL (a name or an address)
	Addr  netip.Addr // the address refused
	Range string     // the range it is in (SpecialAddress)
}

func (e *RefusedAddressError) Error() string {
	what := e.Addr.String()
	if e.Host != "" && e.Host != what {
		what = e.Host + " (" + what + ")"
	}
	return "webhook destination " + what + " refused: " + e.Range + ", and not in the node's webhook-allow list"
}

// webhookRefusal returns the error for a webhook to host at a, or nil when a
// webhook may reach a: it is not special, or allow lists it.
func webhookRefusal(allow []netip.Prefix, host string, a netip.Addr) error {
	a = a.Unmap().WithZone("")
	for _, p := range allow {
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		if p.Contains(a) {
			return nil
		}
	}
	if name, bad := SpecialAddress(a); bad {
		return &RefusedAddressError{Host: host, Addr: a, Range: name}
	}
	return nil
}

// registrationLookup bounds the name lookup of CheckWebhookDestination.
const registrationLookup = 5 * time.Second

// CheckWebhookDestination is the early check of a webhook URL, at
// registration: EINVALID naming /url (with a *RefusedAddressError as its
// cause) when the URL's host is an IP address a webhook may not reach
// (SpecialAddress, less opts.Allow), or a name whose every address (by
// opts.Resolver, within 5 s) is such. A name that does not resolve now,
// or resolves to some address a webhook may reach, passes: the check that
// decides is the one at every delivery, on the address actually dialled,
// which also catches a name that later resolves elsewhere (DNS
// rebinding). rawURL is assumed to be syntactically checked already.
func CheckWebhookDestination(ctx context.Context, rawURL string, opts WebhookOptions) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return article5.Invalid("the webhook URL is not usable", article5.Detail{Pointer: "/url", Message: "not a URL"})
	}
	host := u.Hostname()
	bad := func(err error) error {
		e := article5.Invalid("the webhook URL is not usable", article5.Detail{Pointer: "/url", Message: err.Error()})
		e.Err = err
		return e
	}
	if a, err := netip.ParseAddr(host); err == nil {
		if err := webhookRefusal(opts.Allow, host, a); err != nil {
			return bad(err)
		}
		return nil
	}
	resolver := opts.Resolver
	if resolver == nil {
		resolver = net.DefaultResolver
	}
	ctx, cancel := context.WithTimeout(ctx, registrationLookup)
	defer cancel()
	addrs, err := resolver.LookupNetIP(ctx, "ip", host)
	if err != nil || len(addrs) == 0 {
		return nil // the dispatcher retries, and checks what it dials
	}
	var first error
	for _, a := range addrs {
		err := webhookRefusal(opts.Allow, host, a)
		if err == nil {
			return nil
		}
		if first == nil {
			first = err
		}
	}
	return bad(fmt.Errorf("%w (every address of %s is refused)", first, host))
}

// webhookDialer dials webhook destinations: it resolves the host itself
// and connects only to addresses a webhook may reach, and its
// net.Dialer's Control hook checks again the address of every connect
// system call, so that what is checked is what is dialled (no second
// lookup for DNS rebinding to answer differently).
type webhookDialer struct {
	allow    []netip.Prefix
	resolver HostResolver
}

// transport returns rt (nil: a clone of http.DefaultTransport; an
// *http.Transport: a clone of it) dialling through d, with no proxy: a
// proxy would connect to the destination on the node's behalf, unchecked.
// Any other RoundTripper is returned as is.
func (d *webhookDialer) transport(rt http.RoundTripper) http.RoundTripper {
	var t *http.Transport
	switch v := rt.(type) {
	case nil:
		t = http.DefaultTransport.(*http.Transport).Clone()
	case *http.Transport:
		t = v.Clone()
	default:
		return rt
	}
	t.Proxy = nil
	t.DialContext = d.dialContext
	t.DialTLSContext = nil
	t.Dial, t.DialTLS = nil, nil // deprecated hooks that would take precedence
	return t
}

func (d *webhookDialer) dialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, fmt.Errorf("webhook: dial %s: %w", address, err)
	}
	var addrs []netip.Addr
	if a, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{a}
	} else if addrs, err = d.resolver.LookupNetIP(ctx, "ip", host); err != nil {
		return nil, fmt.Errorf("webhook: look up %s: %w", host, err)
	}
	dialer := &net.Dialer{Timeout: DefaultWebhookTimeout, Control: func(_, hostport string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(hostport)
		if err != nil {
			return fmt.Errorf("webhook: dial %s: not an IP address and port", hostport)
		}
		return webhookRefusal(d.allow, host, ap.Addr())
	}}
	var errs []error
	for _, a := range addrs {
		if err := webhookRefusal(d.allow, host, a); err != nil {
			errs = append(errs, err)
			continue
		}
		c, err := dialer.DialContext(ctx, network, net.JoinHostPort(a.String(), port))
		if err == nil {
			return c, nil
		}
		errs = append(errs, err)
	}
	if len(errs) == 0 {
		return nil, fmt.Errorf("webhook: %s has no address", host)
	}
	return nil, errors.Join(errs...)
}
