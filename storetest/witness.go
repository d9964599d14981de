package storetest

import (
	"bytes"
	"context"
	"testing"
	"time"

	"article5"
	"article5/audit"
)

// testPartnerHeads: the node certificate is ENOTFOUND until set, then read
// back and replaced; a partner's witnessed head is saved, replaced and
// read back column for column; an inconsistency's event is stored with
// it, found by every recipient of the organisation it is filed for
// whatever their ceiling, by no other organisation's, and leaves the
// transparency log intact.
func testPartnerHeads(t *testing.T, s article5.Store) {
	ctx := context.Background()
	if _, _, err := s.NodeCertificate(ctx); article5.ErrorCode(err) != article5.ENOTFOUND {
		t.Fatalf("node certificate before one is set: %v", err)
	}
	for _, cert := range []string{`{"serial":"1"}`, `{"serial":"2"}`} {
		if err := s.SetNodeCertificate(ctx, "ed25519:ab", []byte(cert)); err != nil {
			t.Fatal(err)
		}
		if k, c, err := s.NodeCertificate(ctx); err != nil || k != "ed25519:ab" || string(c) != cert {
			t.Fatalf("node certificate %q %q, %v; want %q", k, c, err, cert)
		}
	}
	if hs, err := s.FindPartnerHeads(ctx, ""); err != nil || len(hs) != 0 {
		t.Fatalf("heads of a new store: %v, %v", hs, err)
	}
	at := time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC)
	h := &article5.PartnerHead{Partner: "jp", Signed: []byte("go.sum database tree\n5\nhash\n"), Size: 5, Hash: "aGFzaA==", Time: at,
		KeyID: "ed25519:cd", Party: article5.PartyJP, Certificate: []byte(`{}`), Witnessed: at, LastAttempt: at, Checks: 1}
	if err := s.SavePartnerHead(ctx, h, nil, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.SavePartnerHead(ctx, &article5.PartnerHead{Partner: "de", LastAttempt: at, LastError: "taxii: 503"}, nil, ""); err != nil {
		t.Fatal(err)
	}
	h.Inconsistencies, h.Conflict, h.ConflictReason, h.ConflictAt, h.LastError, h.ConflictOpen = 1, []byte("other"), "forked", at.Add(time.Second), "inconsistent: forked", true
	const org = "identity--0a000000-0000-4000-8000-00000000a0b1"
	e := &article5.Event{Type: article5.EventPartnerLogInconsistent, Partner: "jp", Party: article5.PartyJP, Hash: "b3RoZXI=", Time: at}
	if err := s.SavePartnerHead(ctx, h, e, org); err != nil {
		t.Fatal(err)
	}
	if e.Seq == 0 {
		t.Fatalf("the event has no sequence number")
	}
	hs, err := s.FindPartnerHeads(ctx, "")
	if err != nil || len(hs) != 2 || hs[0].Partner != "de" || hs[0].LastError != "taxii: 503" || len(hs[0].Signed) != 0 || !hs[0].Witnessed.IsZero() {
		t.Fatalf("heads %+v, %v", hs, err)
	}
	got := hs[1]
	if !bytes.Equal(got.Signed, h.Signed) || got.Size != 5 || got.Hash != h.Hash || !got.Time.Equal(at) || got.KeyID != h.KeyID ||
		got.Party != h.Party || string(got.Certificate) != `{}` || !got.Witnessed.Equal(at) || !got.LastAttempt.Equal(at) ||
		got.Checks != 1 || got.Inconsistencies != 1 || string(got.Conflict) != "other" || got.ConflictReason != "forked" ||
		!got.ConflictAt.Equal(h.ConflictAt) || got.LastError != h.LastError || !got.ConflictOpen || hs[0].ConflictOpen {
		t.Fatalf("head read back %+v, want %+v", got, h)
	}
	for _, tc := range []struct {
		name string
		a    article5.Audience
		want int
	}{
		{"the organisation, low ceiling", article5.Audience{Org: org, Subject: "user--a", Ceiling: 0, DefaultRank: 2}, 1},
		{"the organisation, high ceiling", article5.Audience{Org: org, Subject: "token--b", Ceiling: 4, DefaultRank: 2}, 1},
		{"another organisation", article5.Audience{Org: "identity--0a000000-0000-4000-8000-00000000a0a1", Ceiling: 4, DefaultRank: 2}, 0},
		{"no organisation", article5.Audience{Ceiling: 4}, 0},
		{"the node", article5.Audience{All: true}, 1},
	} {
		evs, err := s.FindEvents(ctx, article5.EventFilter{Audience: tc.a})
		if err != nil || len(evs) != tc.want {
			t.Fatalf("%s: %d events, want %d (%v)", tc.name, len(evs), tc.want, err)
		}
		if tc.want == 1 && (evs[0].Partner != "jp" || evs[0].Type != article5.EventPartnerLogInconsistent || evs[0].Case != "" || !evs[0].Time.Equal(at)) {
			t.Fatalf("%s: event %+v", tc.name, evs[0])
		}
	}
	if v, ok := s.(interface {
		AuditVerify(ctx context.Context) (*audit.Report, error)
	}); ok {
		rep, err := v.AuditVerify(ctx)
		if err != nil || !rep.Intact() {
			t.Fatalf("the log after a partner event: %+v, %v", rep, err)
		}
	}
}
