package article5

import (
	"context"
	"time"
)

// Webhook is a subscription to the node's events, delivered by HTTP POST
// to URL and signed with HMAC-SHA256 under Secret (package node delivers
// them).
//
// A webhook has a recipient, like an API token: Party, Org (STIX identity
// id) and Communities. An event is delivered only if the node's release
// control would show it to that recipient (an event about a case only if
// the case may leave), and only if its Type is in Events.
//
// The subscription (ID through Disabled) is covered by the transparency
// log; the delivery state (Cursor through LastError) changes on every
// delivery and is operational state, not covered. Secret is kept at rest
// (it is needed to sign); the log records only its sha256.
type Webhook struct {
	ID          string
	URL         string // absolute http or https URL
	Secret      string // the HMAC key: the secret as shown once on creation
	Party       Party
	Org         string
	Communities []string
	Events      []string // event types delivered; see DefaultWebhookEvents
	Created     time.Time
	Disabled    bool // a disabled webhook delivers nothing more

	Cursor      int64     // the sequence number of the last event delivered (or passed over)
	Attempts    int       // failed attempts at the event after Cursor; 0 after a delivery
	NextAttempt time.Time // zero: due now
	LastError   string    // why the last attempt failed ("" after a delivery)
}

// DefaultWebhookEvents are the event types a webhook gets when it names
// none: a tier changed, and a consultation concluded.
var DefaultWebhookEvents = []string{"tier-changed", "concluded"}

// WebhookEventTypes are the event types a webhook may subscribe to.
var WebhookEventTypes = []string{
	"assessed", "tier-changed",
	"consultation-opened", "consultation-requested", "position-recorded", "rfi-sent", "rfi-answered",
	"position-signed", "concluded", "reopened", "closed",
	EventPartnerLogInconsistent,
}

// WebhookFilter selects webhooks. Zero values select everything.
type WebhookFilter struct {
	Party  Party     // only webhooks delivering to this party
	Active bool      // only webhooks that are not disabled
	DueBy  time.Time // only webhooks whose next attempt is at or before this instant
}

// WebhookService stores webhook subscriptions and their durable delivery
// cursors. Creating or disabling a webhook appends a transparency-log
// entry (ref "webhooks/<id>") in the same transaction; recording a
// delivery or a failure does not.
type WebhookService interface {
	// CreateWebhook stores w. An empty ID is filled with
	// "webhook--<uuid>", a zero Created with the store's clock, empty
	// Events with DefaultWebhookEvents. The cursor starts at the newest
	// event held (read in the same transaction), so a webhook delivers what
	// happens after it was made. EINVALID without a URL, a secret or a
	// party; ECONFLICT if the id is taken.
	CreateWebhook(ctx context.Context, w *Webhook) error
	// FindWebhookByID returns a webhook, disabled or not; ENOTFOUND.
	FindWebhookByID(ctx context.Context, id string) (*Webhook, error)
	// FindWebhooks returns the webhooks f selects, oldest first, and how
	// many there are.
	FindWebhooks(ctx context.Context, f WebhookFilter) ([]*Webhook, int, error)
	// DisableWebhook disables a webhook (it is kept: the log covers it);
	// disabling one already disabled is not an error. ENOTFOUND.
	DisableWebhook(ctx context.Context, id string) error
	// RecordDelivery moves a webhook's cursor forward to seq (never back)
	// and clears its attempts, next attempt and last error. ENOTFOUND.
	RecordDelivery(ctx context.Context, id string, seq int64) error
	// RecordFailure records a failed attempt: the attempts so far, when to
	// try again and why it failed. ENOTFOUND.
	RecordFailure(ctx context.Context, id string, attempts int, next time.Time, errText string) error
}
