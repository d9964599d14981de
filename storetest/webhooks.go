package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"article5"
	"article5/audit"
)

func testWebhook() *article5.Webhook {
	return &article5.Webhook{ID: "webhook--0b7a1a1e-0000-4000-8000-0000000000e1", URL: "https://hooks.example.jp/article5",
		Secret: "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2U", Party: article5.PartyJP, Org: identA,
		Communities: []string{"community--a"}, Events: []string{"tier-changed"}, Created: time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC)}
}

// testWebhooks proves the webhook subscriptions and their durable delivery
// cursors: defaults, round trip, filters, delivery and failure records,
// disabling, and that the log covers the subscription but not the cursor.
func testWebhooks(t *testing.T, s article5.Store) {
	ctx := context.Background()
	// Two events exist before the webhook: its cursor starts after them.
	c := &article5.CaseSummary{ID: grouping, Name: "Port outage", Incidents: 1, Hash: "h1",
		Tiers: map[string]article5.Tier{"jp": article5.TierBelowThreshold}, Scope: article5.ScopeIn}
	if _, err := s.SaveAssessment(ctx, c, []byte(`{}`), EvidenceOf(c)); err != nil {
		t.Fatal(err)
	}
	c.Hash, c.Tiers = "h2", map[string]article5.Tier{"jp": article5.TierUseOfForcePossible}
	evs, err := s.SaveAssessment(ctx, c, []byte(`{}`), EvidenceOf(c))
	if err != nil {
		t.Fatal(err)
	}
	newest := evs[len(evs)-1].Seq
	var rowsBefore int
	if _, ok := s.(audit.Store); ok {
		rowsBefore = MustAuditVerify(t, s).Rows
	}

	w := testWebhook()
	if err := s.CreateWebhook(ctx, w); err != nil {
		t.Fatal(err)
	}
	if w.Cursor != newest {
		t.Errorf("cursor after create = %d, want the newest event %d", w.Cursor, newest)
	}
	same := func(got *article5.Webhook, want *article5.Webhook) {
		t.Helper()
		if got.ID != want.ID || got.URL != want.URL || got.Secret != want.Secret || got.Party != want.Party || got.Org != want.Org ||
			fmt.Sprint(got.Communities) != fmt.Sprint(want.Communities) || fmt.Sprint(got.Events) != fmt.Sprint(want.Events) ||
			!got.Created.Equal(want.Created) || got.Disabled != want.Disabled || got.Cursor != want.Cursor ||
			got.Attempts != want.Attempts || !got.NextAttempt.Equal(want.NextAttempt) || got.LastError != want.LastError {
			t.Fatalf("found %+v, want %+v", got, want)
		}
	}
	got, err := s.FindWebhookByID(ctx, w.ID)
	if err != nil {
		t.Fatal(err)
	}
	same(got, w)
	if !got.NextAttempt.IsZero() {
		t.Errorf("a new webhook's next attempt is %v, want zero (due now)", got.NextAttempt)
	}

	t.Run("defaults and refusals", func(t *testing.T) {
		auto := &article5.Webhook{URL: "http://127.0.0.1:9/x", Secret: "s", Party: article5.PartyUS, Org: identA}
		if err := s.CreateWebhook(ctx, auto); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(auto.ID, "webhook--") || auto.Created.IsZero() ||
			fmt.Sprint(auto.Events) != fmt.Sprint(article5.DefaultWebhookEvents) || auto.Communities != nil {
			t.Fatalf("defaults not filled: %+v", auto)
		}
		got, err := s.FindWebhookByID(ctx, auto.ID)
		if err != nil || len(got.Communities) != 0 || fmt.Sprint(got.Events) != fmt.Sprint(article5.DefaultWebhookEvents) {
			t.Fatalf("stored defaults: %+v, %v", got, err)
		}
		wantCode(t, s.CreateWebhook(ctx, testWebhook()), article5.ECONFLICT)
		for _, bad := range []*article5.Webhook{{Secret: "s", Party: article5.PartyJP}, {URL: "https://x", Party: article5.PartyJP}, {URL: "https://x", Secret: "s"}} {
			wantCode(t, s.CreateWebhook(ctx, bad), article5.EINVALID)
		}
		_, err = s.FindWebhookByID(ctx, "webhook--missing")
		wantCode(t, err, article5.ENOTFOUND)
		wantCode(t, s.DisableWebhook(ctx, "webhook--missing"), article5.ENOTFOUND)
		wantCode(t, s.RecordDelivery(ctx, "webhook--missing", 1), article5.ENOTFOUND)
		wantCode(t, s.RecordFailure(ctx, "webhook--missing", 1, time.Now(), "x"), article5.ENOTFOUND)
		if err := s.DisableWebhook(ctx, auto.ID); err != nil {
			t.Fatal(err)
		}
	})

	ids := func(f article5.WebhookFilter) string {
		t.Helper()
		ws, n, err := s.FindWebhooks(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if n != len(ws) {
			t.Fatalf("FindWebhooks count %d for %d webhooks", n, len(ws))
		}
		var out []string
		for _, w := range ws {
			out = append(out, string(w.Party))
		}
		return strings.Join(out, ",")
	}
	if got := ids(article5.WebhookFilter{}); got != "JP,US" {
		t.Errorf("all webhooks by party: %s, want JP,US (oldest first)", got)
	}
	if got := ids(article5.WebhookFilter{Active: true}); got != "JP" {
		t.Errorf("active webhooks: %s, want JP (US's is disabled)", got)
	}
	if got := ids(article5.WebhookFilter{Party: article5.PartyUS}); got != "US" {
		t.Errorf("US webhooks: %s, want US", got)
	}

	// A failure: attempts, next attempt (ns kept) and error; not due before it.
	next := time.Date(2030, 1, 2, 3, 4, 5, 123456789, time.UTC)
	if err := s.RecordFailure(ctx, w.ID, 2, next, "HTTP 503"); err != nil {
		t.Fatal(err)
	}
	w.Attempts, w.NextAttempt, w.LastError = 2, next, "HTTP 503"
	got, err = s.FindWebhookByID(ctx, w.ID)
	if err != nil {
		t.Fatal(err)
	}
	same(got, w)
	if got := ids(article5.WebhookFilter{Active: true, DueBy: next.Add(-time.Nanosecond)}); got != "" {
		t.Errorf("due before its next attempt: %s", got)
	}
	if got := ids(article5.WebhookFilter{Active: true, DueBy: next}); got != "JP" {
		t.Errorf("due at its next attempt: %q, want JP", got)
	}

	// A delivery moves the cursor forward, never back, and clears the failure.
	if err := s.RecordDelivery(ctx, w.ID, newest+5); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordDelivery(ctx, w.ID, newest+1); err != nil {
		t.Fatal(err)
	}
	w.Cursor, w.Attempts, w.NextAttempt, w.LastError = newest+5, 0, time.Time{}, ""
	got, err = s.FindWebhookByID(ctx, w.ID)
	if err != nil {
		t.Fatal(err)
	}
	same(got, w)

	if err := s.DisableWebhook(ctx, w.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DisableWebhook(ctx, w.ID); err != nil {
		t.Fatalf("disabling twice: %v", err)
	}
	w.Disabled = true
	got, err = s.FindWebhookByID(ctx, w.ID)
	if err != nil {
		t.Fatal(err)
	}
	same(got, w)
	if got := ids(article5.WebhookFilter{Active: true}); got != "" {
		t.Errorf("active webhooks after disabling both: %q", got)
	}

	if _, ok := s.(audit.Store); ok {
		rep := MustAuditVerify(t, s)
		if !rep.Intact() {
			t.Fatalf("log not intact after webhook changes and deliveries: %v", rep.Faults)
		}
		if rep.Rows != rowsBefore+2 {
			t.Errorf("covered rows %d, want %d (+2 webhooks)", rep.Rows, rowsBefore+2)
		}
	}
}
