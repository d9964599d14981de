package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"article5"
	"article5/audit"
)

// RunAudienceAudit proves that the precomputed audience of cases and
// events (case_audience, event_audience), which the log does not cover
// itself, cannot be edited behind the node's back unseen: a key inserted
// for a stranger releases the case to it, and AuditVerify then reports the
// case's index as edited; a key given to an event is reported as an edit
// of the event.
func RunAudienceAudit(t *testing.T, open AuditOpen) {
	ctx := context.Background()
	s, exec := open(t)
	verifier, ok := s.(interface {
		AuditVerify(ctx context.Context) (*audit.Report, error)
	})
	if !ok {
		t.Fatalf("%T cannot verify its log", s)
	}
	MustIngestAs(t, s, identA, withRed(Object(t, markedIdentity(1, tlpRed), "")))
	id := "grouping--00000000-0000-4000-8000-0000000000e1"
	c := &article5.CaseSummary{ID: id, Name: "red case", Hash: strings.Repeat("e", 64), Updated: time.Unix(7000, 0)}
	evs, err := s.SaveAssessment(ctx, c, []byte(`{}`), article5.CaseIndex{Case: id, Evidence: []article5.ObjectRef{{ID: identityID(1)}}})
	if err != nil {
		t.Fatal(err)
	}
	stranger := article5.Audience{Org: identB, Subject: "user--s", Ceiling: 0, DefaultRank: 2}
	faults := func() []audit.Fault {
		t.Helper()
		rep, err := verifier.AuditVerify(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return rep.Faults
	}
	if f := faults(); len(f) != 0 {
		t.Fatalf("an untouched store has faults: %+v", f)
	}
	key := stranger.Grants()[0]
	exec(t, fmt.Sprintf(`INSERT INTO case_audience (case_id, grant_key, updated) VALUES ('%s', '%s', %d)`, id, key, c.Updated.UnixNano()))
	if ok, err := s.CaseReleasable(ctx, id, stranger); err != nil || !ok {
		t.Fatalf("the inserted key did not release the case (%v, %v): the test proves nothing", ok, err)
	}
	// The case's index is reported (and its events, filed under other
	// keys than the case now has).
	if f := faults(); !slices.ContainsFunc(f, func(x audit.Fault) bool { return x.Ref == audit.CaseIndexRef(id) }) {
		t.Fatalf("a key inserted for a stranger: faults %+v, want one on %s", f, audit.CaseIndexRef(id))
	}
	exec(t, fmt.Sprintf(`DELETE FROM case_audience WHERE grant_key = '%s'`, key))
	if f := faults(); len(f) != 0 {
		t.Fatalf("the key removed again: faults %+v", f)
	}
	exec(t, fmt.Sprintf(`INSERT INTO event_audience (grant_key, seq) VALUES ('%s', %d)`, key, evs[0].Seq))
	if f := faults(); len(f) != 1 || f[0].Ref != audit.EventRef(evs[0].Seq) {
		t.Fatalf("a key given to an event: faults %+v, want one on %s", f, audit.EventRef(evs[0].Seq))
	}
}
