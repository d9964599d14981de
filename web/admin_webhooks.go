package web

import (
	"net/http"

	"article5"
)

// adminWebhooksData is the webhooks page's data. Created (with its
// secret) is set only in the answer to the form that created it.
type adminWebhooksData struct {
	adminData
	Webhooks   []*article5.Webhook
	Events     []string
	URL        string
	FormEvents map[string]bool
	Created    *article5.Webhook
}

func (h *handler) adminWebhooksPage(w http.ResponseWriter, r *http.Request, me *who) {
	h.renderWebhooks(w, r, me, http.StatusOK, adminWebhooksData{adminData: adminData{Done: done(r, "removed")}})
}

func (h *handler) renderWebhooks(w http.ResponseWriter, r *http.Request, me *who, status int, d adminWebhooksData) {
	hooks, err := h.s.Webhooks(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d.Section, d.Webhooks, d.Events = "webhooks", hooks, article5.WebhookEventTypes
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	if d.FormEvents == nil {
		d.FormEvents = map[string]bool{}
		for _, e := range article5.DefaultWebhookEvents {
			d.FormEvents[e] = true
		}
	}
	if d.Created != nil {
		w.Header().Set("Cache-Control", "no-store")
	}
	h.render(w, r, status, "admin_webhooks", me.user, "", d)
}

// adminWebhooksCreate registers a webhook (url, events) for the admin's
// Party and shows its secret once.
func (h *handler) adminWebhooksCreate(w http.ResponseWriter, r *http.Request, me *who) {
	if err := mayAdmin(me); err != nil {
		h.fail(w, r, err)
		return
	}
	if err := parseAdminForm(w, r); err != nil {
		h.fail(w, r, err)
		return
	}
	d := adminWebhooksData{URL: r.PostForm.Get("url"), FormEvents: map[string]bool{}}
	events := r.PostForm["events"]
	for _, e := range events {
		d.FormEvents[e] = true
	}
	hook, err := h.s.CreateWebhook(r, d.URL, events)
	switch article5.ErrorCode(err) {
	case "":
		h.renderWebhooks(w, r, me, http.StatusCreated, adminWebhooksData{adminData: adminData{Done: "admin.done.webhook"}, Created: hook})
	case article5.EINVALID:
		d.Errors = fieldErrors(err, map[string]string{"url": "admin.err.url", "events": "admin.err.events"}, "admin.err.url")
		h.renderWebhooks(w, r, me, http.StatusBadRequest, d)
	default:
		h.fail(w, r, err)
	}
}

// adminWebhooksRemove disables a webhook of the admin's Party.
func (h *handler) adminWebhooksRemove(w http.ResponseWriter, r *http.Request, me *who) {
	if err := mayAdmin(me); err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.s.DeleteWebhook(r, r.PathValue("id")); err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/webhooks?done=removed", http.StatusSeeOther)
}
