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
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
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
	// failure: a signed event goes only to the URL an admin set).
	Client *http.Client
	// Backoff is the delay after the first failure; DefaultWebhookBackoff.
	Backoff time.Duration
	// MaxBackoff caps the delay; DefaultWebhookMaxBackoff.
	MaxBackoff time.Duration
}

func (o WebhookOptions) withDefaults() WebhookOptions {
	if o.Client == nil {
		o.Client = &http.Client{
			Timeout:       DefaultWebhookTimeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	if o.Backoff <= 0 {
		o.Backoff = DefaultWebhookBackoff
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = DefaultWebhookMaxBackoff
	}
	return o
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
// anything, else after poll. Deliveries in flight are abandoned when ctx
// ends (they are retried: delivery is at least once). Faults are logged;
// the dispatcher never stops for them.
func (n *Node) RunWebhooks(ctx context.Context, poll time.Duration, opts WebhookOptions) {
	if poll <= 0 {
		poll = time.Second
	}
	opts = opts.withDefaults()
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

// DeliverWebhooks makes one pass: every active webhook whose next attempt
// is due (by the node's clock) gets, in event order, the events after its
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
func (n *Node) DeliverWebhooks(ctx context.Context, opts WebhookOptions) (int, error) {
	opts = opts.withDefaults()
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
		evs, err := n.Store.FindEvents(ctx, article5.EventFilter{After: cursor, Limit: webhookBatch, Audience: g.Audience()})
		if err != nil {
			return sent, err
		}
		if len(evs) == 0 {
			return sent, nil
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
			// Every event read is passed over: move past them for good.
			cursor = evs[len(evs)-1].Seq
			if err := n.Store.RecordDelivery(ctx, w.ID, cursor); err != nil {
				return sent, err
			}
			continue
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

// post sends one event to w's URL, signed; nil on a 2xx answer.
func (n *Node) post(ctx context.Context, w *article5.Webhook, e *article5.Event, c *http.Client) error {
	ev := *e
	ev.ID = n.EventID(webhookPrincipal(w), e.Seq)
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
