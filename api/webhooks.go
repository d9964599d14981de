package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"article5"
	"article5/node"
)

// maxWebhookBody limits a webhook request body; maxWebhookURL a URL (bytes).
const (
	maxWebhookBody = 16 << 10
	maxWebhookURL  = 2048
)

// webhookJSON is a webhook as its admins see it: never the secret (shown
// once, on creation), nor its place in the node's event sequence (which
// would count the events of cases its recipient may not see).
type webhookJSON struct {
	ID          string         `json:"id"`
	URL         string         `json:"url"`
	Events      []string       `json:"events"`
	Party       article5.Party `json:"party"`
	Org         string         `json:"org"`
	Communities []string       `json:"communities"`
	Created     time.Time      `json:"created"`
	Disabled    bool           `json:"disabled"`
	Attempts    int            `json:"attempts"`
	NextAttempt *time.Time     `json:"next_attempt,omitempty"`
	LastError   string         `json:"last_error,omitempty"`
	Secret      string         `json:"secret,omitempty"`
}

func viewWebhook(w *article5.Webhook) webhookJSON {
	v := webhookJSON{ID: w.ID, URL: w.URL, Events: w.Events, Party: w.Party, Org: w.Org, Communities: w.Communities,
		Created: w.Created, Disabled: w.Disabled, Attempts: w.Attempts, LastError: w.LastError}
	if !w.NextAttempt.IsZero() {
		t := w.NextAttempt
		v.NextAttempt = &t
	}
	if v.Events == nil {
		v.Events = []string{}
	}
	if v.Communities == nil {
		v.Communities = []string{}
	}
	return v
}

// webhookAdmin authorises a webhook request: the caller must be an admin
// (manage-users) of their own party, the party webhooks deliver to.
func (s *server) webhookAdmin(r *http.Request) (article5.Party, error) {
	p, err := principalOf(r)
	if err != nil {
		return "", err
	}
	if err := s.authorizeFor(r, article5.ActionManageUsers, p.authz.Party); err != nil {
		if article5.ErrorCode(err) == article5.EFORBIDDEN {
			return "", article5.Errorf(article5.EFORBIDDEN, "managing webhooks needs the admin role (webhooks deliver to the admin's own Party)")
		}
		return "", err
	}
	return p.authz.Party, nil
}

// createWebhook serves POST /api/v1/webhooks {"url", "events"?}: 201 with
// the webhook and its secret, shown this once. The webhook delivers to the
// admin's own recipient (party, organisation, communities): release
// control decides for it as for the admin. Events default to
// article5.DefaultWebhookEvents. EINVALID names /url or /events/<i>; a URL
// whose host is, or resolves only to, an address the dispatcher refuses
// (node.CheckWebhookDestination under Options.Webhooks) is EINVALID too.
func (s *server) createWebhook(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.webhookAdmin(r); err != nil {
		return err
	}
	var in struct {
		URL    string   `json:"url"`
		Events []string `json:"events"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxWebhookBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return tooLarge(maxWebhookBody)
		}
		const msg = `the request body must be a JSON object {"url", "events"?}`
		if errors.Is(err, io.EOF) {
			return article5.Invalid(msg)
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return article5.Invalid(msg, article5.Detail{Pointer: "/" + strings.ReplaceAll(te.Field, ".", "/"), Message: "expected " + te.Type.String()})
		}
		return article5.Invalid(msg, article5.Detail{Message: "not a JSON object with only url and events"})
	}
	hook, err := s.addWebhook(r, in.URL, in.Events)
	if err != nil {
		return err
	}
	v := viewWebhook(hook)
	v.Secret = hook.Secret
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Location", "/api/v1/webhooks/"+url.PathEscape(hook.ID))
	writeJSON(w, http.StatusCreated, v)
	return nil
}

// addWebhook checks a webhook's URL and events and creates it for r's
// principal, an admin: it delivers to the admin's own recipient. The
// webhook returned carries its secret.
func (s *server) addWebhook(r *http.Request, rawURL string, events []string) (*article5.Webhook, error) {
	if _, err := s.webhookAdmin(r); err != nil {
		return nil, err
	}
	if err := CheckWebhookURL(rawURL); err != nil {
		return nil, err
	}
	if err := node.CheckWebhookDestination(r.Context(), rawURL, s.opts.Webhooks); err != nil {
		return nil, err
	}
	events, err := checkWebhookEvents(events)
	if err != nil {
		return nil, err
	}
	rcp := s.gate(r).Recipient()
	hook := &article5.Webhook{URL: rawURL, Secret: node.NewWebhookSecret(), Party: rcp.Party, Org: rcp.Org,
		Communities: rcp.Communities, Events: events, Created: s.now()}
	if err := s.n.Store.CreateWebhook(r.Context(), hook); err != nil {
		return nil, err
	}
	return hook, nil
}

// listWebhooks serves GET /api/v1/webhooks: the webhooks of the admin's
// party, disabled ones included, with their delivery state.
func (s *server) listWebhooks(w http.ResponseWriter, r *http.Request) error {
	party, err := s.webhookAdmin(r)
	if err != nil {
		return err
	}
	hooks, _, err := s.n.Store.FindWebhooks(r.Context(), article5.WebhookFilter{Party: party})
	if err != nil {
		return err
	}
	out := struct {
		Webhooks []webhookJSON `json:"webhooks"`
	}{Webhooks: []webhookJSON{}}
	for _, h := range hooks {
		out.Webhooks = append(out.Webhooks, viewWebhook(h))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// deleteWebhook serves DELETE /api/v1/webhooks/{id}: the webhook is
// disabled (kept, as the audit log covers it) and delivers nothing more.
// 204; ENOTFOUND for an unknown webhook or another party's.
func (s *server) deleteWebhook(w http.ResponseWriter, r *http.Request) error {
	party, err := s.webhookAdmin(r)
	if err != nil {
		return err
	}
	if err := s.removeWebhook(r, party, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// removeWebhook disables webhook id of party; ENOTFOUND for an unknown
// webhook or another party's.
func (s *server) removeWebhook(r *http.Request, party article5.Party, id string) error {
	hook, err := s.n.Store.FindWebhookByID(r.Context(), id)
	if err == nil && hook.Party != party {
		err = article5.Errorf(article5.ENOTFOUND, "webhook %s not found", id)
	}
	if err != nil {
		return err
	}
	return s.n.Store.DisableWebhook(r.Context(), id)
}

// CheckWebhookURL checks a webhook URL: absolute, http or https, with a
// host, no fragment, at most 2048 bytes. EINVALID naming /url otherwise.
func CheckWebhookURL(raw string) error {
	bad := func(why string) error {
		return article5.Invalid("the webhook URL is not usable", article5.Detail{Pointer: "/url", Message: why})
	}
	if raw == "" {
		return bad("required: an absolute http or https URL")
	}
	if len(raw) > maxWebhookURL {
		return bad(fmt.Sprintf("at most %d bytes", maxWebhookURL))
	}
	u, err := url.Parse(raw)
	if err != nil {
		return bad("not a URL: expected an absolute http or https URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return bad("expected an absolute http or https URL, got scheme " + strconv.Quote(u.Scheme))
	}
	if u.Host == "" || u.Hostname() == "" {
		return bad("expected an absolute http or https URL with a host")
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return bad("a webhook URL has no fragment")
	}
	return nil
}

// checkWebhookEvents checks the event types asked for (each one of
// article5.WebhookEventTypes), de-duplicated in order; none: the defaults.
func checkWebhookEvents(in []string) ([]string, error) {
	if len(in) == 0 {
		return append([]string(nil), article5.DefaultWebhookEvents...), nil
	}
	var out []string
	var bad []article5.Detail
	for i, e := range in {
		if !slices.Contains(article5.WebhookEventTypes, e) {
			bad = append(bad, article5.Detail{Pointer: "/events/" + strconv.Itoa(i),
				Message: "unknown event type " + strconv.Quote(e) + "; expected one of " + strings.Join(article5.WebhookEventTypes, ", ")})
			continue
		}
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	if len(bad) > 0 {
		return nil, article5.Invalid("unknown webhook event types", bad...)
	}
	return out, nil
}
