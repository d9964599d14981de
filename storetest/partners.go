package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"article5"
)

// testPartners: a partner is kept with its secret token, CA and
// organisations; a name is taken once; a cursor is saved, replaced and
// read back; a cursor of a partner not held is ENOTFOUND; removing a
// partner removes its cursors.
func testPartners(t *testing.T, s article5.Store) {
	ctx := context.Background()
	p := &article5.Partner{Name: "jp", APIRoot: "https://jp.example/taxii2/article5/", CA: []byte("-----BEGIN CERTIFICATE-----"),
		Token: "secret", SpeaksFor: []string{"identity--0a000000-0000-4000-8000-00000000a0a1", "identity--0a000000-0000-4000-8000-00000000a0a2"}}
	if err := s.CreatePartner(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := s.CreatePartner(ctx, &article5.Partner{Name: "jp", APIRoot: "https://other/"}); article5.ErrorCode(err) != article5.ECONFLICT {
		t.Fatalf("same name again: %v", err)
	}
	if err := s.CreatePartner(ctx, &article5.Partner{Name: "de", APIRoot: "https://de/", Collections: []string{"custody"}}); err != nil {
		t.Fatal(err)
	}
	ps, err := s.FindPartners(ctx)
	if err != nil || len(ps) != 2 || ps[0].Name != "de" || ps[1].Name != "jp" {
		t.Fatalf("partners %v, %v", ps, err)
	}
	got := ps[1]
	if got.Token != "secret" || string(got.CA) != string(p.CA) || !slices.Equal(got.SpeaksFor, p.SpeaksFor) || got.APIRoot != p.APIRoot ||
		len(got.Collections) != 0 || !got.Created.Equal(p.Created) || got.Org() != p.SpeaksFor[0] || !slices.Equal(got.PullCollections(), []string{"all"}) {
		t.Fatalf("partner read back %+v", got)
	}
	if !slices.Equal(ps[0].Collections, []string{"custody"}) {
		t.Fatalf("collections %v", ps[0].Collections)
	}
	at := time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC)
	c := &article5.PartnerCursor{Partner: "jp", Collection: "all", AddedAfter: "2024-01-01T00:00:00.000000Z", LastAttempt: at, Pulled: 3}
	if err := s.SavePartnerCursor(ctx, c); err != nil {
		t.Fatal(err)
	}
	c.LastSync, c.AddedAfter, c.Pulled, c.LastError, c.Errors = at, "2024-01-02T00:00:00.000000Z", 5, "", 0
	if err := s.SavePartnerCursor(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := s.SavePartnerCursor(ctx, &article5.PartnerCursor{Partner: "de", Collection: "custody", LastError: "taxii: 503", Errors: 1, LastAttempt: at}); err != nil {
		t.Fatal(err)
	}
	if err := s.SavePartnerCursor(ctx, &article5.PartnerCursor{Partner: "gone", Collection: "all"}); article5.ErrorCode(err) != article5.ENOTFOUND {
		t.Fatalf("cursor of a partner not held: %v", err)
	}
	cs, err := s.FindPartnerCursors(ctx, "jp")
	if err != nil || len(cs) != 1 || *cs[0] != *c {
		t.Fatalf("cursors %+v, %v; want %+v", cs, err, c)
	}
	if cs, err := s.FindPartnerCursors(ctx, ""); err != nil || len(cs) != 2 || cs[0].Partner != "de" || cs[0].LastError != "taxii: 503" || !cs[0].LastSync.IsZero() {
		t.Fatalf("every cursor %+v, %v", cs, err)
	}
	if err := s.DeletePartner(ctx, "jp"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeletePartner(ctx, "jp"); article5.ErrorCode(err) != article5.ENOTFOUND {
		t.Fatalf("delete again: %v", err)
	}
	if cs, err := s.FindPartnerCursors(ctx, ""); err != nil || len(cs) != 1 {
		t.Fatalf("cursors after delete %+v, %v", cs, err)
	}
}

// testPartnerPushes: a partner's client certificate and key are kept; its
// push record is saved, replaced and read back; a record of a partner not
// held is ENOTFOUND; removing the partner removes it.
func testPartnerPushes(t *testing.T, s article5.Store) {
	ctx := context.Background()
	p := &article5.Partner{Name: "us", APIRoot: "https://us.example/taxii2/article5/", Token: "secret",
		SpeaksFor: []string{"identity--0a000000-0000-4000-8000-00000000a0b1"}, ClientCert: []byte("cert pem"), ClientKey: []byte("key pem")}
	if err := s.CreatePartner(ctx, p); err != nil {
		t.Fatal(err)
	}
	ps, err := s.FindPartners(ctx)
	if err != nil || len(ps) != 1 || string(ps[0].ClientCert) != "cert pem" || string(ps[0].ClientKey) != "key pem" {
		t.Fatalf("partners %+v, %v", ps, err)
	}
	// The token and key are kept sealed with the node's secret: a rotation
	// that deletes every older secret seals them anew.
	if _, err := s.RotateNodeSecret(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if ps, err := s.FindPartners(ctx); err != nil || len(ps) != 1 || ps[0].Token != "secret" || string(ps[0].ClientKey) != "key pem" {
		t.Fatalf("partners after a rotation %+v, %v", ps, err)
	}
	at := time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC)
	r := &article5.PartnerPush{Partner: "us", Collection: "all", Position: "abc", LastAttempt: at, Pushed: 3, Refused: 1}
	if err := s.SavePartnerPush(ctx, r); err != nil {
		t.Fatal(err)
	}
	r.LastPush, r.Position, r.Pushed, r.LastError, r.Errors = at, "def", 5, "taxii: 503", 2
	if err := s.SavePartnerPush(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := s.SavePartnerPush(ctx, &article5.PartnerPush{Partner: "gone", Collection: "all"}); article5.ErrorCode(err) != article5.ENOTFOUND {
		t.Fatalf("push record of a partner not held: %v", err)
	}
	for _, name := range []string{"us", ""} {
		rs, err := s.FindPartnerPushes(ctx, name)
		if err != nil || len(rs) != 1 || *rs[0] != *r {
			t.Fatalf("push records (%q) %+v, %v; want %+v", name, rs, err, r)
		}
	}
	if err := s.DeletePartner(ctx, "us"); err != nil {
		t.Fatal(err)
	}
	if rs, err := s.FindPartnerPushes(ctx, ""); err != nil || len(rs) != 0 {
		t.Fatalf("push records after delete %+v, %v", rs, err)
	}
	if qs, err := s.FindQuarantinedFor(ctx, "identity--0a000000-0000-4000-8000-00000000a0b1", article5.ObjectFilter{}); err != nil || len(qs.Objects) != 0 || qs.End != "" {
		t.Fatalf("an empty quarantine: %+v, %v", qs, err)
	}
}
