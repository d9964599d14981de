package storetest

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"article5"
	"article5/audit"
)

// Dialect names the SQL an Exec understands: "sqlite" or "postgres".
type Dialect string

// The dialects of the adapters.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Exec runs one SQL statement directly on the store's database, behind
// the store's back: how the audit suite tampers with it.
type Exec func(tb testing.TB, query string)

// AuditOpen returns a fresh, empty store (which must be an audit.Store)
// and an Exec on its database.
type AuditOpen func(t *testing.T) (article5.Store, Exec)

// auditStore returns s as an audit.Store, failing the test if it is not.
func auditStore(tb testing.TB, s article5.Store) audit.Store {
	tb.Helper()
	a, ok := s.(audit.Store)
	if !ok {
		tb.Fatalf("%T is not an audit.Store", s)
	}
	return a
}

// auditSequence makes a realistic history: ingests (two versions of an
// indicator, identities, a grouping), two assessments of a case (the
// second changes a tier, so events), a token created and revoked.
func auditSequence(tb testing.TB, s article5.Store) {
	tb.Helper()
	ctx := context.Background()
	MustIngestAs(tb, s, identA, Object(tb, identityJSON(1), ""), Object(tb, identityJSON(2), ""))
	MustIngest(tb, s, Object(tb, indicatorJSON(indicator, identA, "2024-02-01T00:00:00.000Z", "first"), ""))
	MustIngest(tb, s, Object(tb, indicatorJSON(indicator, identA, "2024-03-01T00:00:00.000Z", "second"), ""))
	MustIngest(tb, s, Object(tb, `{"type":"grouping","spec_version":"2.1","id":"`+grouping+`","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","name":"Port outage","context":"suspicious-activity","object_refs":["`+indicator+`"]}`, ""))
	for i, tier := range []article5.Tier{article5.TierBelowThreshold, article5.TierUseOfForcePossible} {
		c := &article5.CaseSummary{ID: grouping, Name: "Port outage", Incidents: 1, Hash: fmt.Sprintf("%064x", i+1),
			Tiers: map[string]article5.Tier{"jp-2019": tier, "us-2023": article5.TierBelowThreshold}, Scope: "cyber"}
		if _, err := s.SaveAssessment(ctx, c, []byte(`{"case":"`+grouping+`","n":`+fmt.Sprint(i)+`}`), EvidenceOf(c)); err != nil {
			tb.Fatal(err)
		}
	}
	tok := &article5.Token{ID: "token--0b7a1a1e-0000-4000-8000-00000000a0d1", Name: "feed", Party: article5.PartyJP,
		Org: identA, Communities: []string{"community--a"}, Hash: strings.Repeat("ab", 32), Created: time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC)}
	if err := s.CreateToken(ctx, tok); err != nil {
		tb.Fatal(err)
	}
	if r, ok := s.(Revoker); ok {
		if err := r.RevokeToken(ctx, tok.ID); err != nil {
			tb.Fatal(err)
		}
	}
}

// MustAuditVerify runs AuditVerify and fails the test on error.
func MustAuditVerify(tb testing.TB, s article5.Store) *audit.Report {
	tb.Helper()
	rep, err := auditStore(tb, s).AuditVerify(context.Background())
	if err != nil {
		tb.Fatalf("AuditVerify: %v", err)
	}
	return rep
}

// MustAuditVerifyDeep runs AuditVerifyDeep and fails the test on error.
func MustAuditVerifyDeep(tb testing.TB, s article5.Store) *audit.Report {
	tb.Helper()
	rep, err := auditStore(tb, s).AuditVerifyDeep(context.Background())
	if err != nil {
		tb.Fatalf("AuditVerifyDeep: %v", err)
	}
	return rep
}

// RunAudit runs the transparency log suite against an adapter: the log
// records every change in the same transaction, proofs check against the
// signed heads, and every direct edit of the database is detected.
func RunAudit(t *testing.T, d Dialect, open AuditOpen) {
	t.Run("IntactAfterHistory", func(t *testing.T) {
		s, _ := open(t)
		auditSequence(t, s)
		rep := MustAuditVerify(t, s)
		if !rep.Intact() {
			t.Fatalf("fresh log not intact: %v", rep.Err())
		}
		// 2+1+1+1 objects, 2 cases, 2 assessments, 1+2 events (assessed,
		// then assessed and tier-changed), 2 case indexes, 2 tokens.
		if rep.Head.N != 16 || rep.Entries != 16 {
			t.Errorf("log of %d entries (head %d), want 16", rep.Entries, rep.Head.N)
		}
		if rep.Rows != 5+1+2+3+1+1 {
			t.Errorf("%d covered rows, want 13", rep.Rows)
		}
		// The submitter is in its versions' entries.
		e, err := auditStore(t, s).AuditEntry(context.Background(), 0)
		if err != nil || e.By != "token--"+identA+"@"+identA {
			t.Errorf("entry 0 by %q, %v; want the submitter", e.By, err)
		}
	})
	t.Run("EmptyStoreHasSignedHead", func(t *testing.T) {
		s, _ := open(t)
		a := auditStore(t, s)
		ctx := context.Background()
		key, err := a.AuditKey(ctx)
		if err != nil || !strings.HasPrefix(key, "article5-node-") {
			t.Fatalf("verifier key %q, %v", key, err)
		}
		vs, err := audit.NewVerifiers(key)
		if err != nil {
			t.Fatal(err)
		}
		signed, err := a.AuditHead(ctx)
		if err != nil {
			t.Fatal(err)
		}
		h, err := audit.VerifyTreeHead(signed, vs)
		if err != nil || h.N != 0 || h.Hash != audit.EmptyTreeHash() {
			t.Fatalf("head of the empty log %+v, %v", h, err)
		}
		if rep := MustAuditVerify(t, s); !rep.Intact() {
			t.Fatal(rep.Err())
		}
	})
	t.Run("ProofsCheckAgainstSignedHeads", func(t *testing.T) { testAuditProofs(t, open) })
	t.Run("ProofsMatchTheReferenceLog", func(t *testing.T) { testProofsMatchReference(t, open) })
	testConsultationTamper(t, open)
	t.Run("ConcurrentWritersKeepOneLog", func(t *testing.T) {
		s, _ := open(t)
		ctx := context.Background()
		const writers, rounds = 4, 10
		var wg sync.WaitGroup
		errs := make(chan error, writers*rounds*3)
		for w := range writers {
			wg.Go(func() {
				for r := range rounds {
					k := (w*rounds + r) * 3
					if _, err := s.IngestObjects(ctx, article5.IngestRequest{Objects: SyntheticBatch(k, 3)}); err != nil {
						errs <- err
					}
					tok := &article5.Token{Name: "w", Party: article5.PartyJP, Org: identA, Hash: fmt.Sprintf("%064x", k+1)}
					if err := s.CreateToken(ctx, tok); err != nil {
						errs <- err
					}
					c := &article5.CaseSummary{ID: fmt.Sprintf("grouping--00000000-0000-4000-8000-%012d", w), Name: "c",
						Hash: fmt.Sprintf("%064x", k+7), Tiers: map[string]article5.Tier{"jp": article5.TierBelowThreshold}}
					if _, err := s.SaveAssessment(ctx, c, []byte(`{}`), EvidenceOf(c)); err != nil {
						errs <- err
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		rep := MustAuditVerify(t, s)
		// Per round: 3 objects, 1 token, a case, an assessment, an
		// assessed event and the case's index.
		if !rep.Intact() || rep.Head.N != writers*rounds*8 {
			t.Fatalf("after concurrent writers: %d entries, want %d; %v", rep.Head.N, writers*rounds*8, rep.Err())
		}
	})
	t.Run("FailedChangeLeavesNoEntry", func(t *testing.T) {
		s, _ := open(t)
		auditSequence(t, s)
		ctx := context.Background()
		before := MustAuditVerify(t, s).Head.N
		// A refused atomic ingest and a duplicate token change nothing.
		bad := Object(t, indicatorJSON(indicator, identA, "2024-03-01T00:00:00.000Z", "changed"), "")
		if _, err := s.IngestObjects(ctx, article5.IngestRequest{Objects: []*article5.StoredObject{bad}, Atomic: true}); err == nil {
			t.Fatal("conflicting atomic ingest accepted")
		}
		dup := &article5.Token{Name: "dup", Party: article5.PartyJP, Org: identA, Hash: strings.Repeat("ab", 32)}
		if err := s.CreateToken(ctx, dup); err == nil {
			t.Fatal("duplicate token accepted")
		}
		rep := MustAuditVerify(t, s)
		if !rep.Intact() || rep.Head.N != before {
			t.Fatalf("after refused changes: head %d (was %d), %v", rep.Head.N, before, rep.Err())
		}
	})

	t.Run("UsersRecordedAndHashEditDetected", func(t *testing.T) {
		s, exec := open(t)
		ctx := context.Background()
		u := testUser()
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if err := s.SetUserRoles(ctx, u.ID, []article5.Role{article5.RoleAdmin}); err != nil {
			t.Fatal(err)
		}
		sess := &article5.Session{UserID: u.ID, Expires: time.Now().Add(time.Hour)}
		if err := s.CreateSession(ctx, sess, strings.Repeat("5e", 32)); err != nil {
			t.Fatal(err)
		}
		rep := MustAuditVerify(t, s)
		// A user created and its roles changed, and a session: three
		// entries, two rows.
		if !rep.Intact() || rep.Head.N != 3 || rep.Rows != 2 {
			t.Fatalf("after a user and a session: %d entries, %d rows; %v", rep.Head.N, rep.Rows, rep.Err())
		}
		exec(t, `UPDATE users SET password_hash = 'forged'`)
		rep = MustAuditVerify(t, s)
		for _, f := range rep.Faults {
			if f.Kind == audit.FaultRowEdited && f.Ref == "users/"+u.ID {
				return
			}
		}
		t.Fatalf("replaced password hash not detected: %v", rep.Faults)
	})

	t.Run("PartnersRecordedAndSpeaksForEditDetected", func(t *testing.T) {
		s, exec := open(t)
		ctx := context.Background()
		p := &article5.Partner{Name: "us", APIRoot: "https://us.example/taxii2/article5/", Token: "secret-token",
			SpeaksFor: []string{"identity--0d1c6a5e-3c3a-4a7e-9b8e-2f1a6c0e7d21"}, Created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
		if err := s.CreatePartner(ctx, p); err != nil {
			t.Fatal(err)
		}
		gone := &article5.Partner{Name: "gone", APIRoot: "https://gone.example/taxii2/article5/", Token: "t",
			SpeaksFor: []string{"identity--6f0e2c1a-0000-4000-8000-000000000001"}}
		if err := s.CreatePartner(ctx, gone); err != nil {
			t.Fatal(err)
		}
		if err := s.DeletePartner(ctx, "gone"); err != nil {
			t.Fatal(err)
		}
		rep := MustAuditVerify(t, s)
		// Two partners added and one removed: three entries, one row.
		if !rep.Intact() || rep.Head.N != 3 || rep.Rows != 1 {
			t.Fatalf("after partners added and removed: %d entries, %d rows; %v", rep.Head.N, rep.Rows, rep.Err())
		}
		// Whom a partner speaks for, widened behind the node's back.
		exec(t, `UPDATE partners SET speaks_for = '["identity--0d1c6a5e-3c3a-4a7e-9b8e-2f1a6c0e7d21","identity--169612a8-b4f8-4371-9087-e3ae6513ac57"]'`)
		// A partner planted without an entry.
		exec(t, `INSERT INTO partners (name, api_root, ca, token, speaks_for, collections, created) SELECT 'planted', api_root, ca, token, speaks_for, collections, created FROM partners WHERE name = 'us'`)
		rep = MustAuditVerify(t, s)
		var edited, inserted bool
		for _, f := range rep.Faults {
			edited = edited || f.Kind == audit.FaultRowEdited && f.Ref == audit.PartnerRef("us")
			inserted = inserted || f.Kind == audit.FaultRowInserted && f.Ref == audit.PartnerRef("planted")
		}
		if !edited || !inserted {
			t.Fatalf("an edited partner (%v) or a planted one (%v) not detected: %v", edited, inserted, rep.Faults)
		}
	})

	t.Run("SessionsRecordedAndAnInsertedLoginDetected", func(t *testing.T) {
		s, exec := open(t)
		ctx := context.Background()
		u := testUser()
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		sess := &article5.Session{UserID: u.ID, Expires: time.Now().Add(time.Hour)}
		if err := s.CreateSession(ctx, sess, strings.Repeat("5e", 32)); err != nil {
			t.Fatal(err)
		}
		gone := &article5.Session{UserID: u.ID, Expires: time.Now().Add(time.Hour)}
		if err := s.CreateSession(ctx, gone, strings.Repeat("6f", 32)); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteSession(ctx, gone.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.SetUserDisabled(ctx, u.ID, true); err != nil { // ends sess too
			t.Fatal(err)
		}
		if rep := MustAuditVerify(t, s); !rep.Intact() || rep.Rows != 1 {
			t.Fatalf("after logins, a logout and a disabled user: %d rows; %v", rep.Rows, rep.Err())
		}
		if err := s.SetUserDisabled(ctx, u.ID, false); err != nil {
			t.Fatal(err)
		}
		// A row inserted behind the store's back is a login nobody made.
		exec(t, `INSERT INTO sessions (id, hash, user_id, created, expires) VALUES ('session--forged', '`+strings.Repeat("7a", 32)+`', '`+u.ID+`', 1, 9000000000000000000)`)
		if _, err := s.FindSessionByHash(ctx, strings.Repeat("7a", 32)); err != nil {
			t.Fatalf("the forged session should exist for the test: %v", err)
		}
		rep := MustAuditVerify(t, s)
		for _, f := range rep.Faults {
			if f.Kind == audit.FaultRowInserted && f.Ref == audit.SessionRef("session--forged") {
				return
			}
		}
		t.Fatalf("an inserted session was not detected: %v", rep.Faults)
	})

	const (
		hexDigest = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
		objRef    = "objects/" + indicator + "/2024-02-01T00:00:00.000Z"
	)
	insertObject := `INSERT INTO objects (id, version, version_sec, version_nsec, added_sec, added_nsec, seq, type, sha256, raw)
		VALUES ('indicator--00000000-0000-4000-8000-00000000dead', '2024-01-01T00:00:00Z', 1704067200, 0, 1704067200, 0, 99999, 'indicator', 'x', CAST('{}' AS BLOB))`
	// Leaf 1's hash, bytes 33 to 64 of the first tile of level 0.
	tamperHash := `UPDATE audit_tiles SET data = CAST(substr(data, 1, 32) || randomblob(32) || substr(data, 65) AS BLOB) WHERE level = 0 AND idx = 0`
	flipRevoked := `UPDATE tokens SET revoked = 1 - revoked`
	flipLatest := `UPDATE objects SET latest = 1 - latest WHERE id = '` + indicator + `'`
	clearLatest := `UPDATE objects SET latest = 0 WHERE id = 'identity--00000000-0000-4000-8000-000000000001'`
	setLatest := `UPDATE objects SET latest = 1 WHERE id = '` + indicator + `'`
	dropEvidence := `UPDATE case_index SET evidence = 0 WHERE object_id = '` + grouping + `'`
	// An edit of raw alone that names a red recipient (the red column,
	// which the release decisions read, is left as it was).
	redExt := `'"pattern_type"', '"extensions":{"` + article5.ExtensionID + `":{"red_recipients":["user--mallory"]}},"pattern_type"'`
	addRedToRaw := `UPDATE objects SET raw = CAST(replace(CAST(raw AS TEXT), ` + redExt + `) AS BLOB) WHERE id = '` + indicator + `' AND version = '2024-02-01T00:00:00.000Z'`
	if d == Postgres {
		addRedToRaw = `UPDATE objects SET raw = convert_to(replace(convert_from(raw, 'UTF8'), ` + redExt + `), 'UTF8') WHERE id = '` + indicator + `' AND version = '2024-02-01T00:00:00.000Z'`
		insertObject = `INSERT INTO objects (id, version, version_sec, version_nsec, added_sec, added_nsec, type, sha256, raw)
		VALUES ('indicator--00000000-0000-4000-8000-00000000dead', '2024-01-01T00:00:00Z', 1704067200, 0, 1704067200, 0, 'indicator', 'x', '{}'::bytea)`
		tamperHash = `UPDATE audit_tiles SET data = overlay(data placing decode(md5('a') || md5('b'), 'hex') from 33 for 32) WHERE level = 0 AND idx = 0`
		flipRevoked = `UPDATE tokens SET revoked = NOT revoked`
		flipLatest = `UPDATE objects SET latest = NOT latest WHERE id = '` + indicator + `'`
		clearLatest = `UPDATE objects SET latest = false WHERE id = 'identity--00000000-0000-4000-8000-000000000001'`
		setLatest = `UPDATE objects SET latest = true WHERE id = '` + indicator + `'`
		dropEvidence = `UPDATE case_index SET evidence = false WHERE object_id = '` + grouping + `'`
	}
	ident1 := "objects/identity--00000000-0000-4000-8000-000000000001/2024-01-01T00:00:00.000Z"
	for _, tc := range []struct {
		name  string
		sql   []string
		kind  audit.FaultKind
		index int64  // the fault's Index, or -2 for any
		ref   string // the fault's Ref, or "" for any
		// deep: only AuditVerifyDeep detects it. The routine check takes an
		// object's raw bytes as its raw_sha256 column says, so an edit of
		// raw alone is found by the check that reads raw (docs/audit.md).
		deep bool
	}{
		{"ObjectRawEdited", []string{`UPDATE objects SET raw = raw || raw WHERE id = '` + indicator + `' AND version = '2024-02-01T00:00:00.000Z'`}, audit.FaultRowEdited, -2, objRef, true},
		{"ObjectRawRedRecipientsAdded", []string{addRedToRaw}, audit.FaultRowEdited, -2, objRef, true},
		{"ObjectRawHashEdited", []string{`UPDATE objects SET raw_sha256 = '` + hexDigest + `' WHERE id = '` + indicator + `' AND version = '2024-02-01T00:00:00.000Z'`}, audit.FaultRowEdited, -2, objRef, false},
		{"ObjectRawAndHashEdited", []string{`UPDATE objects SET raw = raw || raw, raw_sha256 = '` + hexDigest + `' WHERE id = '` + indicator + `' AND version = '2024-02-01T00:00:00.000Z'`}, audit.FaultRowEdited, -2, objRef, false},
		{"ObjectCanonicalHashEdited", []string{`UPDATE objects SET sha256 = '` + hexDigest + `' WHERE id = '` + indicator + `' AND version = '2024-02-01T00:00:00.000Z'`}, audit.FaultRowEdited, -2, objRef, false},
		{"ObjectMarkingsEdited", []string{`UPDATE objects SET markings = '["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"]' WHERE id = '` + indicator + `' AND version = '2024-03-01T00:00:00.000Z'`}, audit.FaultRowEdited, -2, "", false},
		{"ObjectDeleted", []string{`DELETE FROM objects WHERE id = '` + indicator + `' AND version = '2024-02-01T00:00:00.000Z'`}, audit.FaultRowDeleted, -2, objRef, false},
		{"ObjectInsertedWithoutEntry", []string{insertObject}, audit.FaultRowInserted, -1, "objects/indicator--00000000-0000-4000-8000-00000000dead/2024-01-01T00:00:00Z", false},
		{"CaseTierEdited", []string{`UPDATE cases SET tiers = '{"jp-2019":"armed-attack-possible","us-2023":"below-threshold"}'`}, audit.FaultRowEdited, -2, "cases/" + grouping, false},
		{"AssessmentReportEdited", []string{`UPDATE assessments SET report = '{"forged":true}'`}, audit.FaultRowEdited, -2, "", false},
		{"EventEdited", []string{`UPDATE events SET to_tier = 'armed-attack-possible' WHERE type = 'tier-changed'`}, audit.FaultRowEdited, -2, "", false},
		{"EventDeleted", []string{`DELETE FROM events WHERE type = 'tier-changed'`}, audit.FaultRowDeleted, -2, "", false},
		{"TokenUnrevoked", []string{flipRevoked}, audit.FaultRowEdited, -2, "tokens/token--0b7a1a1e-0000-4000-8000-00000000a0d1", false},
		{"EntryDigestEdited", []string{`UPDATE audit_entries SET digest = '` + hexDigest + `' WHERE idx = 1`}, audit.FaultEntryEdited, 1, "", false},
		{"EntryDeleted", []string{`DELETE FROM audit_entries WHERE idx = 1`}, audit.FaultEntryDeleted, 1, "", false},
		{"EntryInserted", []string{`INSERT INTO audit_entries (idx, kind, ref, digest, time) VALUES (16, 'stix-object', 'objects/x/y', '` + hexDigest + `', 1)`}, audit.FaultEntryInserted, 16, "", false},
		{"EntrySubmitterEdited", []string{`UPDATE audit_entries SET actor = 'token--someone-else' WHERE idx = 0`}, audit.FaultEntryEdited, 0, "", false},
		{"ObjectCustodianEdited", []string{`UPDATE objects SET custodian = 'identity--thief' WHERE custodian <> ''`}, audit.FaultRowEdited, -2, ident1, false},
		{"ObjectSubmitterEdited", []string{`UPDATE objects SET submitter = 'token--someone-else' WHERE submitter <> ''`}, audit.FaultRowEdited, -2, ident1, false},
		{"ObjectTLPRankLowered", []string{`UPDATE objects SET tlp_rank = 0`}, audit.FaultRowEdited, -2, objRef, false},
		{"ObjectRedRecipientAdded", []string{`UPDATE objects SET red = ',user--mallory,'`}, audit.FaultRowEdited, -2, objRef, false},
		{"LatestFlagMoved", []string{flipLatest}, audit.FaultRowEdited, -2, objRef, false},
		{"LatestFlagCleared", []string{clearLatest}, audit.FaultRowEdited, -2, ident1, false},
		{"LatestFlagDoubled", []string{setLatest}, audit.FaultRowEdited, -2, objRef, false},
		{"CaseEvidenceDropped", []string{dropEvidence}, audit.FaultRowEdited, -2, audit.CaseIndexRef(grouping), false},
		{"CaseIndexDeleted", []string{`DELETE FROM case_index`}, audit.FaultRowDeleted, -2, audit.CaseIndexRef(grouping), false},
		{"StoredHashEdited", []string{tamperHash}, audit.FaultHashTampered, 1, "", false},
		{"NewestHeadDeleted", []string{`DELETE FROM audit_heads WHERE n = (SELECT max(n) FROM audit_heads)`}, audit.FaultEntryInserted, -2, "", false},
		{"HeadForged", []string{`UPDATE audit_heads SET n = n + 1 WHERE n = (SELECT max(n) FROM audit_heads)`}, audit.FaultHeadMismatch, -1, "", false},
		{"HistoryTruncated", []string{`DELETE FROM audit_entries WHERE idx >= 8`, `DELETE FROM audit_heads WHERE n > 8`}, audit.FaultRowInserted, -2, "", false},
	} {
		t.Run("Detects"+tc.name, func(t *testing.T) {
			s, exec := open(t)
			auditSequence(t, s)
			if rep := MustAuditVerify(t, s); !rep.Intact() {
				t.Fatalf("not intact before tampering: %v", rep.Err())
			}
			for _, q := range tc.sql {
				exec(t, q)
			}
			verify := MustAuditVerify
			if tc.deep {
				verify = MustAuditVerifyDeep
			}
			rep := verify(t, s)
			if rep.Intact() {
				t.Fatalf("tampering not detected: %s", strings.Join(tc.sql, "; "))
			}
			for _, f := range rep.Faults {
				if f.Kind == tc.kind && (tc.index == -2 || f.Index == tc.index) && (tc.ref == "" || f.Ref == tc.ref) {
					return
				}
			}
			t.Errorf("no %s fault (index %d, ref %q) among %v", tc.kind, tc.index, tc.ref, rep.Faults)
		})
	}
}

func testAuditProofs(t *testing.T, open AuditOpen) {
	s, _ := open(t)
	a := auditStore(t, s)
	ctx := context.Background()
	MustIngest(t, s, Object(t, identityJSON(1), ""))
	oldSigned, err := a.AuditHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	auditSequence(t, s)
	newSigned, err := a.AuditHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	key, err := a.AuditKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	vs, err := audit.NewVerifiers(key)
	if err != nil {
		t.Fatal(err)
	}
	oldHead, err := audit.VerifyTreeHead(oldSigned, vs)
	if err != nil {
		t.Fatal(err)
	}
	newHead, err := audit.VerifyTreeHead(newSigned, vs)
	if err != nil {
		t.Fatal(err)
	}
	if oldHead.N != 1 || newHead.N <= oldHead.N {
		t.Fatalf("heads of %d and %d entries", oldHead.N, newHead.N)
	}
	at, err := a.AuditHeadAt(ctx, oldHead.N)
	if err != nil || string(at) != string(oldSigned) {
		t.Fatalf("AuditHeadAt(%d) = %q, %v", oldHead.N, at, err)
	}
	_, err = a.AuditHeadAt(ctx, newHead.N+5)
	wantCode(t, err, article5.ENOTFOUND)
	for i := range newHead.N {
		p, err := a.AuditInclusion(ctx, i, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Check(newHead); err != nil {
			t.Fatalf("inclusion of %d: %v", i, err)
		}
		e, err := a.AuditEntry(ctx, i)
		if err != nil || e != p.Entry {
			t.Fatalf("AuditEntry(%d) = %+v, %v; proof has %+v", i, e, err, p.Entry)
		}
	}
	p, err := a.AuditInclusion(ctx, 0, oldHead.N)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Check(oldHead); err != nil {
		t.Fatal(err)
	}
	_, err = a.AuditInclusion(ctx, newHead.N, 0)
	wantCode(t, err, article5.ENOTFOUND)
	_, err = a.AuditInclusion(ctx, 0, newHead.N+1)
	wantCode(t, err, article5.EINVALID)
	cp, err := a.AuditConsistency(ctx, oldHead.N, newHead.N)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := audit.CheckSignedConsistency(oldSigned, newSigned, vs, cp); err != nil {
		t.Fatal(err)
	}
	_, err = a.AuditConsistency(ctx, 1, newHead.N+1)
	wantCode(t, err, article5.EINVALID)
}

// referenceLog returns the store's entries (the first n) appended to an
// in-memory audit.Log, the reference the adapters behave like.
func referenceLog(tb testing.TB, a audit.Store, n int64) *audit.Log {
	tb.Helper()
	l := audit.NewLog()
	entries := make([]audit.Entry, n)
	for i := range n {
		e, err := a.AuditEntry(context.Background(), i)
		if err != nil {
			tb.Fatal(err)
		}
		entries[i] = e
	}
	if _, err := l.Append(entries...); err != nil {
		tb.Fatal(err)
	}
	return l
}

// proofTexts returns the store's inclusion proofs of a sample of entries
// in trees of each size in sizes, and its consistency proofs between
// them, as text.
func proofTexts(tb testing.TB, a audit.Store, sizes []int64) []string {
	tb.Helper()
	ctx := context.Background()
	var out []string
	for _, size := range sizes {
		for _, i := range []int64{0, 1, 5, 255, 256, size / 2, size - 1} {
			if i < 0 || i >= size {
				continue
			}
			p, err := a.AuditInclusion(ctx, i, size)
			if err != nil {
				tb.Fatal(err)
			}
			out = append(out, string(mustMarshal(tb, p)))
		}
		for _, old := range sizes {
			if old > size {
				continue
			}
			p, err := a.AuditConsistency(ctx, old, size)
			if err != nil {
				tb.Fatal(err)
			}
			out = append(out, string(mustMarshal(tb, p)))
		}
	}
	return out
}

// referenceProofTexts is proofTexts from the reference log.
func referenceProofTexts(tb testing.TB, l *audit.Log, sizes []int64) []string {
	tb.Helper()
	var out []string
	for _, size := range sizes {
		for _, i := range []int64{0, 1, 5, 255, 256, size / 2, size - 1} {
			if i < 0 || i >= size {
				continue
			}
			p, err := l.InclusionProof(i, size)
			if err != nil {
				tb.Fatal(err)
			}
			out = append(out, string(mustMarshal(tb, p)))
		}
		for _, old := range sizes {
			if old > size {
				continue
			}
			p, err := l.ConsistencyProof(old, size)
			if err != nil {
				tb.Fatal(err)
			}
			out = append(out, string(mustMarshal(tb, p)))
		}
	}
	return out
}

func mustMarshal(tb testing.TB, m interface{ MarshalText() ([]byte, error) }) []byte {
	tb.Helper()
	b, err := m.MarshalText()
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// longHistory appends, in transactions of many sizes, a log that crosses
// the first tile boundary (256 entries) at several offsets, and returns
// the size of every head it signed.
func longHistory(tb testing.TB, s article5.Store) []int64 {
	tb.Helper()
	ctx := context.Background()
	a := auditStore(tb, s)
	var sizes []int64
	k := 0
	for i, size := range []int{1, 3, 250, 1, 1, 300, 2} {
		MustIngest(tb, s, SyntheticBatch(k, size)...)
		k += size
		if i%2 == 0 {
			tok := &article5.Token{Name: "t", Party: article5.PartyJP, Org: identA, Hash: fmt.Sprintf("%064x", 1000+i)}
			if err := s.CreateToken(ctx, tok); err != nil {
				tb.Fatal(err)
			}
		}
		rep := MustAuditVerify(tb, s)
		if !rep.Intact() {
			tb.Fatalf("after %d entries: %v", rep.Head.N, rep.Err())
		}
		sizes = append(sizes, rep.Head.N)
	}
	if h, err := a.AuditHeadAt(ctx, sizes[len(sizes)-1]); err != nil || len(h) == 0 {
		tb.Fatalf("newest head: %v", err)
	}
	return sizes
}

// testProofsMatchReference: the store's proofs are those of the reference
// log of the same entries, byte for byte (the tiles change how hashes are
// kept, never which hashes a proof holds), and its heads hash alike.
func testProofsMatchReference(t *testing.T, open AuditOpen) {
	s, _ := open(t)
	a := auditStore(t, s)
	sizes := longHistory(t, s)
	n := sizes[len(sizes)-1]
	ref := referenceLog(t, a, n)
	key, err := a.AuditKey(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	vs, err := audit.NewVerifiers(key)
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range sizes {
		signed, err := a.AuditHeadAt(context.Background(), size)
		if err != nil {
			t.Fatal(err)
		}
		h, err := audit.VerifyTreeHead(signed, vs)
		if err != nil {
			t.Fatal(err)
		}
		want, err := ref.TreeHead(size)
		if err != nil || h.Hash != want.Hash {
			t.Fatalf("head of %d entries %v, reference %v (%v)", size, h.Hash, want.Hash, err)
		}
	}
	got, want := proofTexts(t, a, sizes), referenceProofTexts(t, ref, sizes)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("proofs differ from the reference log's")
	}
}

// AuditReopen returns a fresh, empty store (an audit.Store), an Exec on
// its database, and reopen, which closes the store and opens the same
// database again (a node restarted on a new version).
type AuditReopen func(t *testing.T) (s article5.Store, exec Exec, reopen func() article5.Store)

// RunAuditUpgrade checks that a log kept as one audit_hashes row per
// stored hash (before migration 0008) is converted to tiles in place on
// open: it verifies, keeps its heads and proofs byte for byte, and a
// stored hash tampered with before the upgrade is still detected.
func RunAuditUpgrade(t *testing.T, d Dialect, open AuditReopen) {
	// downgrade puts the store back to its schema before migration 0008,
	// its log's hashes as audit_hashes rows (leaf 5's forged if forge).
	downgrade := func(t *testing.T, s article5.Store, exec Exec, forge bool) {
		a := auditStore(t, s)
		n := MustAuditVerify(t, s).Head.N
		hashes := referenceLog(t, a, n).Hashes()
		exec(t, `DROP TABLE audit_tiles`)
		exec(t, `DELETE FROM schema_migrations WHERE name = '0008_audit_tiles.sql'`)
		for lo := 0; lo < len(hashes); lo += 200 {
			var vals []string
			for i := lo; i < min(lo+200, len(hashes)); i++ {
				h := hashes[i]
				if forge && int64(i) == tlog.StoredHashIndex(0, 5) {
					h[0] ^= 1
				}
				lit := "X'" + hex.EncodeToString(h[:]) + "'"
				if d == Postgres {
					lit = `'\x` + hex.EncodeToString(h[:]) + `'::bytea`
				}
				vals = append(vals, fmt.Sprintf("(%d, %s)", i, lit))
			}
			exec(t, `INSERT INTO audit_hashes (idx, hash) VALUES `+strings.Join(vals, ", "))
		}
	}
	t.Run("ConvertedInPlace", func(t *testing.T) {
		s, exec, reopen := open(t)
		auditSequence(t, s)
		sizes := longHistory(t, s)
		before := proofTexts(t, auditStore(t, s), sizes)
		head, err := auditStore(t, s).AuditHead(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		downgrade(t, s, exec, false)
		s = reopen()
		rep := MustAuditVerify(t, s)
		if !rep.Intact() || rep.Head.N != sizes[len(sizes)-1] {
			t.Fatalf("after the upgrade: %d entries, %v", rep.Head.N, rep.Err())
		}
		if after := proofTexts(t, auditStore(t, s), sizes); strings.Join(after, "\n") != strings.Join(before, "\n") {
			t.Fatal("proofs changed in the upgrade")
		}
		if h, err := auditStore(t, s).AuditHead(context.Background()); err != nil || string(h) != string(head) {
			t.Fatalf("newest head changed in the upgrade: %v", err)
		}
		// The converted log takes appends.
		MustIngest(t, s, SyntheticBatch(10_000, 3)...)
		if rep := MustAuditVerify(t, s); !rep.Intact() {
			t.Fatalf("append after the upgrade: %v", rep.Err())
		}
	})
	t.Run("ConvertedOnce", func(t *testing.T) {
		// Rows put in audit_hashes after the upgrade are never read: the
		// tiles are not rebuilt from them on the next open.
		s, exec, reopen := open(t)
		auditSequence(t, s)
		lit := "X'" + strings.Repeat("00", 32) + "'"
		if d == Postgres {
			lit = `'\x` + strings.Repeat("00", 32) + `'::bytea`
		}
		exec(t, `INSERT INTO audit_hashes (idx, hash) VALUES (1, `+lit+`)`)
		s = reopen()
		if rep := MustAuditVerify(t, s); !rep.Intact() {
			t.Fatalf("a row put in audit_hashes changed the log: %v", rep.Err())
		}
	})
	t.Run("TamperedHashStillDetected", func(t *testing.T) {
		s, exec, reopen := open(t)
		auditSequence(t, s)
		longHistory(t, s)
		downgrade(t, s, exec, true)
		s = reopen()
		rep := MustAuditVerify(t, s)
		for _, f := range rep.Faults {
			if f.Kind == audit.FaultHashTampered && f.Index == tlog.StoredHashIndex(0, 5) {
				return
			}
		}
		t.Fatalf("a stored hash forged before the upgrade is not detected after it: %v", rep.Faults)
	})
}
