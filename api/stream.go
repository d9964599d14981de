package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"article5"
)

// Defaults of the event stream.
const (
	// DefaultStreamPoll is how often the stream looks for new events.
	DefaultStreamPoll = time.Second
	// streamBatch is how many events one store read fetches.
	streamBatch = 100
)

// streamEvents serves GET /api/v1/events/stream: the events of
// GET /api/v1/events as server-sent events (text/event-stream, WHATWG HTML
// §9.2), live. Each event is sent as
//
//	id: <the event's opaque id>
//	event: <type>            (e.g. tier-changed)
//	data: <the Event as JSON>
//
// It starts after the event whose id is in the Last-Event-ID header (what
// a reconnecting EventSource sends) or ?after (default: from the first
// event). Events about cases the caller may not see are not read, as in
// the list. EINVALID for a Last-Event-ID or ?after this node did not issue
// to the caller. Events are read from the store, so a stream on any serve
// process of the node sees the events every process records (woken by
// the store's news of them, ClusterService.Changes, else every
// Options.StreamPoll), and an id one process issued resumes on another. The stream ends when the client goes away or
// Options.Shutdown closes.
//
// The stream is exempt from the response write deadline
// (Limits.WriteTimeout) as a whole, but each of its writes must finish
// within it; after Options.StreamKeepAlive of silence it sends the SSE
// comment ": keep-alive", so that a client that is gone is found by a
// failed write and proxies keep the connection open.
func (s *server) streamEvents(w http.ResponseWriter, r *http.Request) error {
	after, err := s.streamStart(r)
	if err != nil {
		return err
	}
	rc := http.NewResponseController(w)
	// A stream outlives the response write deadline; each write (arm)
	// and flush is held to it instead, and the deadline is cleared while
	// the stream waits (an HTTP/2 stream is reset when its deadline
	// passes, writing or not).
	arm := func() { _ = rc.SetWriteDeadline(time.Now().Add(s.opts.Limits.WriteTimeout)) }
	flush := func() error {
		arm()
		err := rc.Flush()
		_ = rc.SetWriteDeadline(time.Time{})
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	// Tell EventSource how long to wait before reconnecting (ms).
	fmt.Fprintf(w, "retry: %d\n\n", (3 * time.Second).Milliseconds())
	if err := flush(); err != nil {
		return nil // the client is gone, or the writer cannot stream
	}
	ctx := r.Context()
	g := s.gate(r)
	poll := s.opts.StreamPoll
	tick := time.NewTicker(poll)
	defer tick.Stop()
	quiet := time.Now()
	for {
		// Taken before the read: an event committed after it (by any
		// process of the node) closes it, so none waits for the tick.
		changed := s.n.Store.Changes(article5.TopicEvents)
		evs, err := s.n.Store.FindEvents(ctx, article5.EventFilter{After: after, Limit: streamBatch, Audience: g.Audience()})
		if err != nil {
			if ctx.Err() == nil {
				s.log.ErrorContext(ctx, "event stream", "err", err)
			}
			return nil // headers are sent: the client reconnects with Last-Event-ID
		}
		sent := false
		evs, err = s.withIDs(r, evs)
		if err != nil {
			return nil
		}
		for _, e := range evs {
			after = e.Seq
			data, err := json.Marshal(e)
			if err != nil {
				return nil
			}
			arm()
			fmt.Fprintf(w, "id: %s\nevent: %s\ndata: %s\n\n", e.ID, sseField(e.Type), data)
			sent = true
		}
		if sent {
			if flush() != nil {
				return nil
			}
			quiet = time.Now()
		}
		if len(evs) == streamBatch {
			continue // more are waiting
		}
		select {
		case <-ctx.Done():
			return nil
		case <-s.opts.Shutdown: // nil: never
			return nil
		case <-tick.C:
		case <-changed:
		}
		if time.Since(quiet) >= s.opts.StreamKeepAlive {
			fmt.Fprint(w, ": keep-alive\n\n")
			if flush() != nil {
				return nil
			}
			quiet = time.Now()
		}
	}
}

// streamStart returns the sequence number the stream starts after, from
// Last-Event-ID (preferred) or ?after.
func (s *server) streamStart(r *http.Request) (int64, error) {
	if v := r.Header.Get("Last-Event-ID"); v != "" {
		n, err := s.n.EventSeq(subjectOf(r), v)
		if err != nil {
			return 0, article5.Invalid("Last-Event-ID must be the id of an event this stream sent",
				article5.Detail{Pointer: "Last-Event-ID", Message: "not an event id issued to this caller"})
		}
		return n, nil
	}
	return s.afterParam(r)
}

// sseField keeps a value on one SSE line.
func sseField(s string) string {
	return strings.NewReplacer("\r", " ", "\n", " ").Replace(s)
}
