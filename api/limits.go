package api

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"article5"
)

// Defaults of Limits. DESIGN.md §6, "Bounded work": every connection has
// timeouts.
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
	// DefaultMaxBundleObjects is the most objects one ingested bundle may
	// hold.
	DefaultMaxBundleObjects = 100_000
)

// Limits bounds what one connection and one client may take from the
// node. A zero field takes its default (the Default… constants).
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
	// MaxBundleObjects is the most objects one ingested bundle may hold;
	// more: 413 naming the limit and the count.
	MaxBundleObjects int
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
	if l.MaxBundleObjects <= 0 {
		l.MaxBundleObjects = DefaultMaxBundleObjects
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
