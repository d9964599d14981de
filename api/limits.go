package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/netip"
	"os"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"article5"
)

// Defaults of Limits. DESIGN.md §6, "Bounded work": every connection has
// timeouts and no one client takes the node's capacity.
const (
	// DefaultReadHeaderTimeout bounds reading a request's headers (and the
	// TLS handshake), from the first byte of the request.
	DefaultReadHeaderTimeout = 10 * time.Second
	// DefaultIdleTimeout is how long a keep-alive connection may wait for
	// its next request before the server closes it.
	DefaultIdleTimeout = 2 * time.Minute
	// DefaultWriteTimeout bounds writing a response, from its first byte.
	DefaultWriteTimeout = time.Minute
	// DefaultBodyTimeout is the grace period of a request body: its first
	// bytes must arrive within it, and no later pause may last longer.
	DefaultBodyTimeout = 20 * time.Second
	// DefaultBodyMinRate is the least average rate of a request body after
	// DefaultBodyTimeout, in bytes per second (8 KiB/s: a 64 MiB bundle
	// may take up to about 2¼ hours).
	DefaultBodyMinRate = 8 << 10
	// DefaultStreamKeepAlive is how long the event stream may stay silent
	// before it sends an SSE comment line.
	DefaultStreamKeepAlive = 15 * time.Second
	// DefaultRequestRate and DefaultRequestBurst are each principal's
	// request quota: requests per second, and how many may come at once.
	DefaultRequestRate  = 20
	DefaultRequestBurst = 100
	// DefaultAddressRate and DefaultAddressBurst are the request quota of
	// unauthenticated requests, per client address.
	DefaultAddressRate  = 10
	DefaultAddressBurst = 50
	// DefaultIngestRate and DefaultIngestBurst are each principal's ingest
	// quota in STIX objects: per second, and how many at once.
	DefaultIngestRate  = 1000
	DefaultIngestBurst = DefaultMaxBundleObjects
	// DefaultMaxBundleObjects is the most objects one ingested bundle may
	// hold.
	DefaultMaxBundleObjects = 100_000
	// DefaultMaxTracked is how many principals (or client addresses) each
	// quota tracks at most.
	DefaultMaxTracked = 10_000
)

// Limits bounds what one connection and one client may take from the
// node. A zero field takes its default (the Default… constants); a
// negative rate turns that quota off.
//
// The connection deadlines work per request: ReadHeaderTimeout and
// IdleTimeout are the http.Server's (NewServer sets them); the others are
// set by the handler of New through http.ResponseController, so that an
// upload is held to a rate rather than a fixed time and the event stream
// is exempt from the write deadline.
type Limits struct {
	// ReadHeaderTimeout: http.Server.ReadHeaderTimeout. A client that is
	// slower has its connection closed.
	ReadHeaderTimeout time.Duration
	// IdleTimeout: http.Server.IdleTimeout. An idle keep-alive connection
	// is closed after it.
	IdleTimeout time.Duration
	// WriteTimeout bounds writing a response, from its first byte (the
	// time a handler works before it answers does not count). The event
	// stream is exempt as a whole; each of its writes is held to it. A
	// client that reads more slowly has its connection closed.
	WriteTimeout time.Duration
	// BodyTimeout and BodyMinRate (bytes/s) bound reading a request body:
	// the read deadline starts at BodyTimeout after the request and each
	// byte received extends it by 1/BodyMinRate s, but never to more than
	// BodyTimeout after the latest read. A body that misses it gets 408 in
	// the error shape (the connection is closed).
	BodyTimeout time.Duration
	BodyMinRate int64
	// RequestRate (requests/s) and RequestBurst bound each principal (API
	// token, or session user) with a token bucket; over it: 429 with
	// Retry-After.
	RequestRate  float64
	RequestBurst int
	// AddressRate and AddressBurst do the same for unauthenticated
	// requests (and requests whose authentication fails), per client
	// address (an IPv6 address by its /64).
	AddressRate  float64
	AddressBurst int
	// IngestRate (STIX objects/s) and IngestBurst bound what each
	// principal ingests (POST /api/v1/bundles counts every object of the
	// bundle); over it: 429 with Retry-After. An IngestBurst below
	// MaxBundleObjects is raised to it, so that every bundle within the
	// object limit can be taken.
	IngestRate  float64
	IngestBurst int
	// MaxBundleObjects is the most objects one ingested bundle may hold;
	// more: 413 naming the limit and the count.
	MaxBundleObjects int
	// Shared counts the request, address and ingest quotas in the store
	// (article5.ClusterService.TakeQuota), so that every serve process of
	// the node draws on one bucket per principal or address: behind n
	// processes a client still gets the rate once. Without it each
	// process counts in its own memory. serve sets it on PostgreSQL. When
	// the store cannot be reached, a process counts in its own memory
	// until it can.
	Shared bool
	// MaxTracked bounds the memory of each quota: principals (or
	// addresses) whose bucket is full again are forgotten, and when
	// MaxTracked are still tracked a new one shares one overflow bucket.
	MaxTracked int
}

// withDefaults fills the zero fields.
func (l Limits) withDefaults() Limits {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&l.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	def(&l.IdleTimeout, DefaultIdleTimeout)
	def(&l.WriteTimeout, DefaultWriteTimeout)
	def(&l.BodyTimeout, DefaultBodyTimeout)
	if l.BodyMinRate <= 0 {
		l.BodyMinRate = DefaultBodyMinRate
	}
	quota := func(r *float64, b *int, dr float64, db int) {
		if *r == 0 {
			*r = dr
		}
		if *b <= 0 {
			*b = db
		}
	}
	quota(&l.RequestRate, &l.RequestBurst, DefaultRequestRate, DefaultRequestBurst)
	quota(&l.AddressRate, &l.AddressBurst, DefaultAddressRate, DefaultAddressBurst)
	quota(&l.IngestRate, &l.IngestBurst, DefaultIngestRate, DefaultIngestBurst)
	if l.MaxBundleObjects <= 0 {
		l.MaxBundleObjects = DefaultMaxBundleObjects
	}
	l.IngestBurst = max(l.IngestBurst, l.MaxBundleObjects)
	if l.MaxTracked <= 0 {
		l.MaxTracked = DefaultMaxTracked
	}
	return l
}

// NewServer returns the http.Server for handler h (from New) on addr, with
// the server-side deadlines of l: ReadHeaderTimeout and IdleTimeout. It
// sets no ReadTimeout or WriteTimeout: the handler of New sets those per
// request (see Limits).
func NewServer(addr string, h http.Handler, l Limits) *http.Server {
	l = l.withDefaults()
	return &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: l.ReadHeaderTimeout, IdleTimeout: l.IdleTimeout}
}

// guardBody starts the deadlines of request r: the write deadline is
// cleared (a keep-alive connection keeps the last response's) until the
// response's first byte, and a body is wrapped in a minRateBody.
func (s *server) guardBody(w http.ResponseWriter, r *http.Request, start time.Time) *http.Request {
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{})
	if r.Body == nil || r.Body == http.NoBody {
		return r
	}
	b := &minRateBody{body: r.Body, rc: rc, start: start, grace: s.opts.Limits.BodyTimeout, rate: s.opts.Limits.BodyMinRate}
	_ = rc.SetReadDeadline(start.Add(b.grace))
	r2 := *r
	r2.Body = b
	return &r2
}

// errSlowBody is what a minRateBody returns when its deadline passed.
var errSlowBody = errors.New("request body too slow")

// minRateBody is a request body held to a minimum rate (Limits.BodyTimeout,
// BodyMinRate) by moving the connection's read deadline as bytes arrive.
// At EOF the deadline is cleared: the server reads the connection in the
// background once the body is done, and a deadline passing then would
// cancel the request's context.
type minRateBody struct {
	body     io.ReadCloser
	rc       *http.ResponseController
	start    time.Time
	grace    time.Duration
	rate     int64 // bytes/s
	n        int64 // bytes read
	done     bool  // EOF seen, deadline cleared
	timedOut bool
}

func (b *minRateBody) Read(p []byte) (int, error) {
	n, err := b.body.Read(p)
	b.n += int64(n)
	switch {
	case err == io.EOF:
		if !b.done {
			b.done = true
			_ = b.rc.SetReadDeadline(time.Time{})
		}
	case err != nil && errors.Is(err, os.ErrDeadlineExceeded):
		b.timedOut = true
		return n, fmt.Errorf("%w: %w", errSlowBody, err)
	case n > 0 && !b.done:
		now := time.Now()
		earned := b.start.Add(b.grace + time.Duration(float64(b.n)/float64(b.rate)*float64(time.Second)))
		d := now.Add(b.grace)
		if earned.Before(d) {
			d = earned
		}
		_ = b.rc.SetReadDeadline(d)
	}
	return n, err
}

func (b *minRateBody) Close() error { return b.body.Close() }

// slowBody is the answer to a request whose body missed its deadline: 408,
// and an HTTP/1 connection is closed (the rest of the body is not read;
// an HTTP/2 stream is reset by the server on its own).
func (s *server) slowBody(w http.ResponseWriter, r *http.Request) error {
	if r.ProtoMajor == 1 {
		w.Header().Set("Connection", "close")
	}
	l := s.opts.Limits
	return &apiError{status: http.StatusRequestTimeout, code: article5.EINVALID,
		msg: fmt.Sprintf("the request body arrived too slowly: it must start within %s, pause no longer than that, and average at least %d bytes/s",
			l.BodyTimeout, l.BodyMinRate)}
}

// bodyTimedOut reports whether r's body missed its deadline.
func bodyTimedOut(r *http.Request) bool {
	b, ok := r.Body.(*minRateBody)
	return ok && b.timedOut
}

// quotas are the token buckets of Limits; a nil set is no quota.
type quotas struct {
	requests *bucketSet // per principal
	address  *bucketSet // per client address, unauthenticated
	ingest   *bucketSet // STIX objects per principal
}

// takeQuota takes n tokens of key from set (with take false: only looks)
// and returns how long until they would be there (0: they were). With
// Limits.Shared the bucket is the store's, under key prefixed by the
// quota's name (so that the quotas of one principal are apart); if the
// store fails, this process's bucket answers and the fault is logged (at
// most once a minute).
func (s *server) takeQuota(ctx context.Context, set *bucketSet, name, key string, n int, take bool) time.Duration {
	if set == nil {
		return 0
	}
	now := s.now()
	if s.opts.Limits.Shared {
		interval := max(time.Duration(float64(time.Second)/float64(set.limit)), 1)
		wait, err := s.n.Store.TakeQuota(ctx, name+":"+key, now, int64(n), interval, int64(set.burst), take)
		if err == nil {
			return wait
		}
		if last := s.quotaWarned.Load(); now.UnixNano()-last >= int64(time.Minute) && s.quotaWarned.CompareAndSwap(last, now.UnixNano()) {
			s.log.WarnContext(ctx, "shared quota unavailable: counted in this process", "quota", name, "err", err)
		}
	}
	return set.reserve(key, now, n, !take)
}

func newQuotas(l Limits) quotas {
	return quotas{
		requests: newBucketSet(l.RequestRate, l.RequestBurst, l.MaxTracked),
		address:  newBucketSet(l.AddressRate, l.AddressBurst, l.MaxTracked),
		ingest:   newBucketSet(l.IngestRate, l.IngestBurst, l.MaxTracked),
	}
}

// bucketSet is one token bucket (golang.org/x/time/rate) per key. Memory
// is bounded: a bucket that is full again is dropped (a new one would be
// the same), at most once a second when max keys are tracked, else once a
// minute; when max keys are still tracked, new keys share one overflow
// bucket.
type bucketSet struct {
	limit    rate.Limit
	burst    int
	max      int
	mu       sync.Mutex
	m        map[string]*rate.Limiter
	overflow *rate.Limiter
	swept    time.Time
}

// newBucketSet returns a set of buckets of perSec tokens a second holding
// burst; nil (no quota) when perSec is negative.
func newBucketSet(perSec float64, burst, max int) *bucketSet {
	if perSec < 0 {
		return nil
	}
	return &bucketSet{limit: rate.Limit(perSec), burst: burst, max: max,
		m: map[string]*rate.Limiter{}, overflow: rate.NewLimiter(rate.Limit(perSec), burst)}
}

// reserve takes n tokens from key's bucket at now (with peek, only looks):
// 0 if they were there, else how long until they would be (nothing is
// taken then). More than the burst is never there: math.MaxInt64.
func (b *bucketSet) reserve(key string, now time.Time, n int, peek bool) time.Duration {
	if b == nil {
		return 0
	}
	lim := b.bucket(key, now)
	res := lim.ReserveN(now, n)
	if !res.OK() {
		return time.Duration(math.MaxInt64)
	}
	d := res.DelayFrom(now)
	if d > 0 || peek {
		res.CancelAt(now)
	}
	return d
}

// bucket returns key's bucket, made when new.
func (b *bucketSet) bucket(key string, now time.Time) *rate.Limiter {
	b.mu.Lock()
	defer b.mu.Unlock()
	if lim, ok := b.m[key]; ok {
		return lim
	}
	full := len(b.m) >= b.max
	if (full && now.Sub(b.swept) >= time.Second) || now.Sub(b.swept) >= time.Minute {
		b.swept = now
		for k, lim := range b.m {
			if lim.TokensAt(now) >= float64(b.burst) {
				delete(b.m, k)
			}
		}
		full = len(b.m) >= b.max
	}
	if full {
		return b.overflow
	}
	lim := rate.NewLimiter(b.limit, b.burst)
	b.m[key] = lim
	return lim
}

// quotaKey is the quota key of an authenticated principal.
func quotaKey(p *principal) string {
	if p.token != nil {
		return "token:" + p.token.ID
	}
	return "user:" + p.user.ID
}

// addressKey is the quota key of an unauthenticated request: its client
// address (ClientAddr: X-Forwarded-For only from a trusted proxy), an IPv6
// address by its /64, which one host usually holds whole.
func addressKey(r *http.Request, trusted []netip.Prefix) string {
	a := ClientAddr(r, trusted)
	if !a.IsValid() {
		return "addr:" + r.RemoteAddr
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return "addr:" + p.String()
	}
	return "addr:" + a.String()
}

// tooManyRequests is 429 with Retry-After: the whole seconds until wait
// has passed (at least 1).
func tooManyRequests(what string, wait time.Duration) error {
	secs := int64(math.Ceil(wait.Seconds()))
	if wait == time.Duration(math.MaxInt64) || secs > 86400 {
		secs = 86400
	}
	secs = max(secs, 1)
	return &apiError{status: http.StatusTooManyRequests, code: article5.EFORBIDDEN, retryAfter: secs,
		msg: fmt.Sprintf("%s; retry in %d s", what, secs)}
}

// checkRequestQuota takes one request from the quota of r's principal
// (after authentication) or, without one, of its client address.
func (s *server) checkRequestQuota(r *http.Request) error {
	if p, ok := r.Context().Value(principalKey).(*principal); ok {
		if wait := s.takeQuota(r.Context(), s.quotas.requests, "requests", quotaKey(p), 1, true); wait > 0 {
			return tooManyRequests("request quota exceeded for this token or user", wait)
		}
		return nil
	}
	if wait := s.takeQuota(r.Context(), s.quotas.address, "requests", addressKey(r, s.opts.TrustedProxies), 1, true); wait > 0 {
		return tooManyRequests("request quota exceeded for unauthenticated requests from this address", wait)
	}
	return nil
}

// checkIngestQuota takes n objects from the ingest quota of r's
// principal. With take false it only checks that one object could be
// taken, so that a body is not read for nothing.
func (s *server) checkIngestQuota(r *http.Request, n int, take bool) error {
	p, err := principalOf(r)
	if err != nil {
		return err
	}
	if wait := s.takeQuota(r.Context(), s.quotas.ingest, "ingest", quotaKey(p), n, take); wait > 0 {
		return tooManyRequests(fmt.Sprintf("ingest quota exceeded for this token or user (%d objects; %g objects/s, at most %d at once)",
			n, s.opts.Limits.IngestRate, s.opts.Limits.IngestBurst), wait)
	}
	return nil
}
