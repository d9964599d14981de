package web

import (
	"context"
	"net/url"
	"strings"

	"article5"
)

// liveTypes is the event types a live page (static/live.js) reloads on,
// space-separated.
var liveTypes = strings.Join(article5.WebhookEventTypes, " ")

// liveURL is the event stream a page listens to for user me
// (GET /api/v1/events/stream, with the login session: only events of
// cases the user may see), starting after the newest event stored when
// the page was made, so that the stream does not replay what the page
// already shows. The start is an event id sealed for the user; "" when it
// cannot be made, and the stream starts from the first event.
func (h *handler) liveURL(ctx context.Context, me *who) string {
	const stream = "/api/v1/events/stream"
	seq, err := h.n.Store.EventWatermark(ctx)
	if err != nil || seq <= 0 {
		return stream
	}
	id, err := h.n.EventID(me.user.ID, seq)
	if err != nil {
		return stream
	}
	return stream + "?after=" + url.QueryEscape(id)
}
