package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"article5"
	"article5/audit"
)

const opinionID = "opinion--0b7a1a1e-0000-4000-8000-0000000000a1"

func opinionJSON(explanation string) string {
	return `{"type":"opinion","spec_version":"2.1","id":"` + opinionID + `","created":"2024-04-01T00:00:00.000Z","modified":"2024-04-01T00:00:00.000Z","opinion":"agree","explanation":"` + explanation + `","object_refs":["` + indicator + `"]}`
}

// Who made the test's consultation steps, as the log records them.
const (
	openerBy = "user--00000000-0000-4000-8000-000000000001@identity--00000000-0000-4000-8000-0000000000a1"
	signerBy = "user--00000000-0000-4000-8000-000000000002@identity--00000000-0000-4000-8000-0000000000b2"
)

// testConsultations: a consultation is saved with its objects and events
// in one transaction, versions are checked, and a refused object refuses
// the whole save.
func testConsultations(t *testing.T, s article5.Store) {
	ctx := context.Background()
	if _, err := s.FindConsultation(ctx, grouping); article5.ErrorCode(err) != article5.ENOTFOUND {
		t.Fatalf("FindConsultation before any: %v, want ENOTFOUND", err)
	}
	c := &article5.Consultation{Case: grouping, State: article5.StateOpen, Version: 1, Data: []byte(`{"state":"open"}`)}
	evs, err := s.SaveConsultation(ctx, c, article5.ConsultationSave{Kinds: []string{audit.KindCase}, By: openerBy,
		Events: []article5.Event{{Type: article5.EventConsultationOpened, Case: grouping, Hash: strings.Repeat("a", 64)}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].Seq == 0 || evs[0].Time.IsZero() {
		t.Fatalf("events %+v: want one with a seq and a time", evs)
	}

	// Version 1 again: another request got there first.
	again := &article5.Consultation{Case: grouping, State: article5.StateInConsultation, Version: 1, Data: []byte(`{"x":1}`)}
	if _, err := s.SaveConsultation(ctx, again, article5.ConsultationSave{Kinds: []string{audit.KindCase}}); article5.ErrorCode(err) != article5.ECONFLICT {
		t.Fatalf("stale version: %v, want ECONFLICT", err)
	}
	skip := &article5.Consultation{Case: grouping, State: article5.StateInConsultation, Version: 3, Data: []byte(`{"x":1}`)}
	if _, err := s.SaveConsultation(ctx, skip, article5.ConsultationSave{Kinds: []string{audit.KindCase}}); article5.ErrorCode(err) != article5.ECONFLICT {
		t.Fatalf("skipped version: %v, want ECONFLICT", err)
	}

	// Version 2 with an opinion and a concluded event.
	v2 := &article5.Consultation{Case: grouping, State: article5.StateConcurred, Version: 2, Data: []byte(`{"state":"concluded-concurred"}`)}
	// The signature that concludes: two entries of the row, the signature's
	// and the determination's, both by the signer, as is its event.
	evs, err = s.SaveConsultation(ctx, v2, article5.ConsultationSave{Kinds: []string{audit.KindSignature, audit.KindDetermination}, By: signerBy,
		Objects: []*article5.StoredObject{Object(t, opinionJSON("signed"), "")},
		Events:  []article5.Event{{Type: article5.EventConcluded, Case: grouping, Party: article5.PartyUS, Outcome: article5.Concurred}}})
	if err != nil {
		t.Fatal(err)
	}
	a := auditStore(t, s)
	rows, err := a.AuditEntriesByRef(ctx, audit.ConsultationRef(grouping))
	if err != nil {
		t.Fatal(err)
	}
	var kinds, bys []string
	for _, e := range rows {
		kinds, bys = append(kinds, e.Kind), append(bys, e.By)
	}
	if want := []string{audit.KindCase, audit.KindSignature, audit.KindDetermination}; !slices.Equal(kinds, want) || !slices.Equal(bys, []string{openerBy, signerBy, signerBy}) {
		t.Fatalf("consultation entries: kinds %v by %v, want %v by the opener, then the signer twice", kinds, bys, want)
	}
	if ev, err := a.AuditEntriesByRef(ctx, audit.EventRef(evs[0].Seq)); err != nil || len(ev) != 1 || ev[0].By != signerBy {
		t.Fatalf("the concluded event's entry: %+v %v, want one by the signer", ev, err)
	}
	if rep := MustAuditVerify(t, s); !rep.Intact() {
		t.Fatalf("the log after saves with By: %v", rep.Err())
	}
	got, err := s.FindConsultation(ctx, grouping)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 2 || got.State != article5.StateConcurred || string(got.Data) != string(v2.Data) || got.Updated.IsZero() {
		t.Fatalf("found %+v, want version 2 concluded-concurred with its data", got)
	}
	if _, err := s.FindObjectVersions(ctx, opinionID); err != nil {
		t.Fatalf("the opinion saved with the consultation: %v", err)
	}
	all, err := s.FindEvents(ctx, article5.EventFilter{After: 0, Limit: 100, Audience: article5.Audience{All: true}})
	if err != nil {
		t.Fatal(err)
	}
	last := all[len(all)-1]
	if last.Seq != evs[0].Seq || last.Type != article5.EventConcluded || last.Party != article5.PartyUS || last.Outcome != article5.Concurred {
		t.Fatalf("last event %+v, want the concluded event with its party and outcome", last)
	}

	// A refused object (same version, other content) refuses the whole save.
	v3 := &article5.Consultation{Case: grouping, State: article5.StateClosed, Version: 3, Data: []byte(`{"state":"closed"}`)}
	_, err = s.SaveConsultation(ctx, v3, article5.ConsultationSave{Kinds: []string{audit.KindCase},
		Objects: []*article5.StoredObject{Object(t, opinionJSON("altered"), "")}, Events: []article5.Event{{Type: article5.EventClosed, Case: grouping}}})
	if article5.ErrorCode(err) != article5.ECONFLICT {
		t.Fatalf("save with a refused object: %v, want ECONFLICT", err)
	}
	if got, _ := s.FindConsultation(ctx, grouping); got.Version != 2 {
		t.Fatalf("after a refused save the version is %d, want 2 (nothing written)", got.Version)
	}
	if after, _ := s.FindEvents(ctx, article5.EventFilter{After: 0, Limit: 100, Audience: article5.Audience{All: true}}); len(after) != len(all) {
		t.Fatalf("a refused save added %d events", len(after)-len(all))
	}
	if _, err := s.SaveConsultation(ctx, &article5.Consultation{Case: grouping, Version: 1}, article5.ConsultationSave{Kinds: []string{audit.KindCase}}); article5.ErrorCode(err) != article5.EINVALID {
		t.Fatalf("consultation without state or data: %v, want EINVALID", err)
	}
	// No kind, a bad kind or a By the log cannot record: EINVALID naming
	// it, nothing written.
	for _, bad := range []struct {
		save article5.ConsultationSave
		ptr  string
	}{
		{article5.ConsultationSave{}, "/kinds"},
		{article5.ConsultationSave{Kinds: []string{"Not A Kind"}}, "/kind"},
		{article5.ConsultationSave{Kinds: []string{audit.KindCase}, By: "a user with spaces"}, "/by"},
	} {
		_, err := s.SaveConsultation(ctx, &article5.Consultation{Case: grouping, State: article5.StateClosed, Version: 3, Data: []byte(`{"state":"closed"}`)}, bad.save)
		var e *article5.Error
		if article5.ErrorCode(err) != article5.EINVALID || !errors.As(err, &e) || len(e.Details) == 0 || e.Details[0].Pointer != bad.ptr {
			t.Errorf("save %+v: %v, want EINVALID at %s", bad.save, err, bad.ptr)
		}
		if got, _ := s.FindConsultation(ctx, grouping); got.Version != 2 {
			t.Fatalf("after a refused save (%+v) the version is %d, want 2", bad.save, got.Version)
		}
	}
}

// testApproverKeys: keys are stored per user, newest first, revoked once.
func testApproverKeys(t *testing.T, s article5.Store) {
	ctx := context.Background()
	u := testUser()
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	k1 := &article5.ApproverKey{KeyID: "ed25519:" + strings.Repeat("1", 32), UserID: u.ID, Party: u.Party, Sealed: []byte{1, 2, 3, 0, 255}, Certificate: []byte(`{"c":1}`), Created: t0}
	k2 := &article5.ApproverKey{KeyID: "ed25519:" + strings.Repeat("2", 32), UserID: u.ID, Party: u.Party, Sealed: []byte{4}, Certificate: []byte(`{"c":2}`), Created: t0.Add(time.Hour)}
	for _, k := range []*article5.ApproverKey{k1, k2} {
		if err := s.CreateApproverKey(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateApproverKey(ctx, k1); article5.ErrorCode(err) != article5.ECONFLICT {
		t.Fatalf("duplicate key: %v, want ECONFLICT", err)
	}
	orphan := *k1
	orphan.KeyID, orphan.UserID = "ed25519:"+strings.Repeat("3", 32), "user--nobody"
	if err := s.CreateApproverKey(ctx, &orphan); article5.ErrorCode(err) != article5.ENOTFOUND {
		t.Fatalf("key of an unknown user: %v, want ENOTFOUND", err)
	}
	keys, err := s.FindApproverKeys(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || keys[0].KeyID != k2.KeyID || keys[1].KeyID != k1.KeyID {
		t.Fatalf("keys %v, want k2 then k1 (newest first)", keys)
	}
	if string(keys[1].Sealed) != string(k1.Sealed) || string(keys[1].Certificate) != `{"c":1}` || keys[1].Revocation != nil || !keys[1].Created.Equal(t0) {
		t.Fatalf("k1 read back as %+v", keys[1])
	}
	if err := s.RevokeApproverKey(ctx, k1.KeyID, []byte(`{"r":1}`)); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeApproverKey(ctx, k1.KeyID, []byte(`{"r":2}`)); article5.ErrorCode(err) != article5.ECONFLICT {
		t.Fatalf("second revocation: %v, want ECONFLICT", err)
	}
	if err := s.RevokeApproverKey(ctx, "ed25519:"+strings.Repeat("9", 32), []byte(`{}`)); article5.ErrorCode(err) != article5.ENOTFOUND {
		t.Fatalf("revoking an unknown key: %v, want ENOTFOUND", err)
	}
	k, err := s.FindApproverKey(ctx, k1.KeyID)
	if err != nil {
		t.Fatal(err)
	}
	if string(k.Revocation) != `{"r":1}` {
		t.Fatalf("revocation %q, want the first one", k.Revocation)
	}
}

// testConsultationTamper: edits of the consultations and approver_keys
// tables are detected by AuditVerify.
func testConsultationTamper(t *testing.T, open AuditOpen) {
	for _, tc := range []struct {
		name string
		sql  string
		ref  string
		kind audit.FaultKind
	}{
		{"ConsultationStateEdited", `UPDATE consultations SET state = 'concluded-diverged'`, "consultations/" + grouping, audit.FaultRowEdited},
		{"ConsultationDataEdited", `UPDATE consultations SET data = '{"state":"open"}'`, "consultations/" + grouping, audit.FaultRowEdited},
		{"ConsultationDeleted", `DELETE FROM consultations`, "consultations/" + grouping, audit.FaultRowDeleted},
		{"KeyRevocationCleared", `UPDATE approver_keys SET revocation = ''`, "approver_keys/ed25519:" + strings.Repeat("1", 32), audit.FaultRowEdited},
		{"KeyCertificateSwapped", `UPDATE approver_keys SET certificate = '{"forged":true}'`, "approver_keys/ed25519:" + strings.Repeat("1", 32), audit.FaultRowEdited},
	} {
		t.Run("Detects"+tc.name, func(t *testing.T) {
			s, exec := open(t)
			ctx := context.Background()
			testApproverKeys(t, s)
			c := &article5.Consultation{Case: grouping, State: article5.StateConcurred, Version: 1, Data: []byte(`{"state":"concluded-concurred"}`)}
			if _, err := s.SaveConsultation(ctx, c, article5.ConsultationSave{Kinds: []string{audit.KindSignature}}); err != nil {
				t.Fatal(err)
			}
			if rep := MustAuditVerify(t, s); !rep.Intact() {
				t.Fatalf("not intact before tampering: %v", rep.Err())
			}
			exec(t, tc.sql)
			rep := MustAuditVerify(t, s)
			for _, f := range rep.Faults {
				if f.Kind == tc.kind && f.Ref == tc.ref {
					return
				}
			}
			t.Errorf("%s: no %s fault on %s among %v", tc.sql, tc.kind, tc.ref, rep.Faults)
		})
	}
}

// testConcurrentWriters: consultation saves (with an object and an event),
// ingests and assessments running at once all succeed: the writers'
// locks are taken in one order, so none deadlocks.
func testConcurrentWriters(t *testing.T, s article5.Store) {
	ctx := context.Background()
	const rounds = 25
	errs := make(chan error, 3*rounds)
	var wg sync.WaitGroup
	wg.Go(func() {
		for r := range rounds {
			id := fmt.Sprintf("grouping--00000000-0000-4000-8000-%012d", r)
			c := &article5.Consultation{Case: id, State: article5.StateOpen, Version: 1, Data: []byte(`{"state":"open"}`)}
			if _, err := s.SaveConsultation(ctx, c, article5.ConsultationSave{Kinds: []string{audit.KindCase}, Objects: SyntheticBatch(10_000+r, 1),
				Events: []article5.Event{{Type: article5.EventConsultationOpened, Case: id}}}); err != nil {
				errs <- fmt.Errorf("consultation %d: %w", r, err)
			}
		}
	})
	wg.Go(func() {
		for r := range rounds {
			if _, err := s.IngestObjects(ctx, article5.IngestRequest{Objects: SyntheticBatch(20_000+10*r, 10)}); err != nil {
				errs <- fmt.Errorf("ingest %d: %w", r, err)
			}
		}
	})
	wg.Go(func() {
		for r := range rounds {
			c := &article5.CaseSummary{ID: grouping, Name: "c", Hash: fmt.Sprintf("%064x", r+1),
				Tiers: map[string]article5.Tier{"jp": article5.TierBelowThreshold}}
			if _, err := s.SaveAssessment(ctx, c, []byte(`{}`), EvidenceOf(c)); err != nil {
				errs <- fmt.Errorf("assessment %d: %w", r, err)
			}
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("%v (%v)", err, errors.Unwrap(errors.Unwrap(err)))
	}
}

// testConsultationLogBeforeBy: a log whose consultation entries were
// written before they named who made them (no By: the five-field leaf)
// and then gains entries that do still verifies, normally and deeply, and
// the older entries read back exactly as written.
func testConsultationLogBeforeBy(t *testing.T, s article5.Store) {
	ctx := context.Background()
	a := auditStore(t, s)
	c := &article5.Consultation{Case: grouping, State: article5.StateOpen, Version: 1, Data: []byte(`{"state":"open"}`)}
	if _, err := s.SaveConsultation(ctx, c, article5.ConsultationSave{Kinds: []string{audit.KindCase}}); err != nil {
		t.Fatal(err)
	}
	old, err := a.AuditEntriesByRef(ctx, audit.ConsultationRef(grouping))
	if err != nil || len(old) != 1 {
		t.Fatalf("entries before: %+v %v", old, err)
	}
	if f := strings.Fields(string(old[0].Data())); len(f) != 5 {
		t.Fatalf("an entry without By has leaf %q, want the five-field line", old[0].Data())
	}
	v2 := &article5.Consultation{Case: grouping, State: article5.StateConcurred, Version: 2, Data: []byte(`{"state":"concluded-concurred"}`)}
	if _, err := s.SaveConsultation(ctx, v2, article5.ConsultationSave{Kinds: []string{audit.KindSignature, audit.KindDetermination}, By: signerBy,
		Events: []article5.Event{{Type: article5.EventConcluded, Case: grouping, Outcome: article5.Concurred}}}); err != nil {
		t.Fatal(err)
	}
	for _, rep := range []*audit.Report{MustAuditVerify(t, s), MustAuditVerifyDeep(t, s)} {
		if !rep.Intact() {
			t.Fatalf("a log with entries before and after By: %v", rep.Err())
		}
	}
	all, err := a.AuditEntriesByRef(ctx, audit.ConsultationRef(grouping))
	if err != nil || len(all) != 3 || all[0] != old[0] || all[1].By != signerBy || all[2].By != signerBy {
		t.Fatalf("entries after: %+v %v, want the first unchanged then two by the signer", all, err)
	}
	p, err := a.AuditInclusion(ctx, old[0].Index, 0)
	if err != nil {
		t.Fatal(err)
	}
	if p.Entry != old[0] {
		t.Fatalf("the older entry's proof is of %+v, want %+v", p.Entry, old[0])
	}
}
