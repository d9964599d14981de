package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"testing"
	"time"

	"article5"
	"article5/audit"
)

// doctrineYAML is a stand-in doctrine source: the store keeps bytes and
// does not parse them.
func doctrineYAML(id, party, version string) []byte {
	return []byte("id: " + id + "\nparty: " + party + "\nversion: \"" + version + "\"\ntitle: Test doctrine\n")
}

// MustSaveDoctrine saves a version and fails the test on error.
func MustSaveDoctrine(tb testing.TB, s article5.Store, v *article5.DoctrineVersion) string {
	tb.Helper()
	job, err := s.SaveDoctrine(context.Background(), v)
	if err != nil {
		tb.Fatalf("SaveDoctrine(%s): %v", v.ID, err)
	}
	return job
}

// testDoctrines proves DoctrineService: versions numbered per id, the
// latest per id listed, the source kept byte for byte with its sha256, and
// a full re-assessment job recorded with each version; a version names
// one text (ECONFLICT for another text under a held id and version).
func testDoctrines(t *testing.T, s article5.Store) {
	ctx := context.Background()
	if ds, err := s.FindDoctrines(ctx); err != nil || ds == nil || len(ds) != 0 {
		t.Fatalf("FindDoctrines on an empty store: %v, %v; want an empty slice", ds, err)
	}
	_, err := s.FindDoctrineVersions(ctx, "jp")
	wantCode(t, err, article5.ENOTFOUND)
	_, err = s.SaveDoctrine(ctx, &article5.DoctrineVersion{ID: "jp", Party: article5.PartyJP})
	wantCode(t, err, article5.EINVALID)

	MustIngest(t, s, Object(t, `{"type":"grouping","spec_version":"2.1","id":"`+grouping+`","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","name":"Port outage","context":"suspicious-activity","object_refs":["`+indicator+`"]}`, ""))
	drain(t, s)
	changed := time.Date(2025, 4, 1, 2, 3, 4, 5, time.UTC)
	first := &article5.DoctrineVersion{ID: "jp", Party: article5.PartyJP, Version: "2019.1", Title: "JP",
		Source: doctrineYAML("jp", "JP", "2019.1"), ChangedBy: "user--a", Changed: changed}
	job := MustSaveDoctrine(t, s, first)
	sum := sha256.Sum256(first.Source)
	if first.Seq != 1 || first.SHA256 != hex.EncodeToString(sum[:]) || !strings.HasPrefix(job, "job--") {
		t.Fatalf("first version: seq %d, sha256 %s, job %q", first.Seq, first.SHA256, job)
	}
	// The job re-assesses every case the node holds.
	got, err := s.ClaimJob(ctx, time.Minute, 10)
	if err != nil || !slices.Equal(got.Cases, []string{grouping}) {
		t.Fatalf("job recorded with the doctrine: %+v, %v; want every case (%s)", got, err, grouping)
	}
	if err := s.CompleteJob(ctx, got); err != nil {
		t.Fatal(err)
	}
	second := &article5.DoctrineVersion{ID: "jp", Party: article5.PartyJP, Version: "2019.2", Title: "JP",
		Source: doctrineYAML("jp", "JP", "2019.2"), ChangedBy: "user--b"}
	MustSaveDoctrine(t, s, second)
	MustSaveDoctrine(t, s, &article5.DoctrineVersion{ID: "us", Party: article5.PartyUS, Version: "2023.1", Title: "US",
		Source: doctrineYAML("us", "US", "2023.1"), ChangedBy: "user--c"})
	if second.Seq != 2 || second.Changed.IsZero() {
		t.Fatalf("second version: seq %d, changed %v", second.Seq, second.Changed)
	}

	// A version names one text: another text under a held version is
	// refused and nothing is stored; the same text again is stored.
	changedText := &article5.DoctrineVersion{ID: "jp", Party: article5.PartyJP, Version: "2019.2", Title: "JP",
		Source: append(doctrineYAML("jp", "JP", "2019.2"), "description: changed\n"...), ChangedBy: "user--b"}
	_, err = s.SaveDoctrine(ctx, changedText)
	wantCode(t, err, article5.ECONFLICT)
	if err == nil || !strings.Contains(err.Error(), "jp 2019.2 is already held with other text (sha256 "+second.SHA256+")") {
		t.Fatalf("another text under a held version: %v; want it to name the held sha256 %s", err, second.SHA256)
	}
	if vs, err := s.FindDoctrineVersions(ctx, "jp"); err != nil || len(vs) != 2 {
		t.Fatalf("after the refused save: %d versions, %v; want 2", len(vs), err)
	}
	// The same version under another id is another name.
	MustSaveDoctrine(t, s, &article5.DoctrineVersion{ID: "jp-alt", Party: article5.PartyJP, Version: "2019.2", Title: "JP",
		Source: changedText.Source, ChangedBy: "user--b"})
	again := &article5.DoctrineVersion{ID: "jp", Party: article5.PartyJP, Version: "2019.1", Title: "JP",
		Source: first.Source, ChangedBy: "user--b"}
	MustSaveDoctrine(t, s, again)
	if again.Seq != 3 {
		t.Fatalf("the first text again: seq %d, want 3", again.Seq)
	}

	latest, err := s.FindDoctrines(ctx)
	if err != nil || len(latest) != 3 || latest[0].ID != "jp" || latest[0].Seq != 3 || latest[1].ID != "jp-alt" || latest[2].ID != "us" || latest[2].Seq != 1 {
		t.Fatalf("FindDoctrines: %v, %v; want jp#3, jp-alt#1, us#1", latest, err)
	}
	vs, err := s.FindDoctrineVersions(ctx, "jp")
	if err != nil || len(vs) != 3 {
		t.Fatalf("FindDoctrineVersions(jp): %v, %v", vs, err)
	}
	v := vs[0]
	if v.Seq != 1 || v.Party != article5.PartyJP || v.Version != "2019.1" || v.Title != "JP" || string(v.Source) != string(first.Source) ||
		v.SHA256 != first.SHA256 || v.ChangedBy != "user--a" || !v.Changed.Equal(changed) {
		t.Fatalf("stored %+v, want %+v", v, first)
	}
}

// RunDoctrineAudit proves that the doctrines table and user
// administration are covered by the transparency log: each saved version
// and each enabling or disabling appends an entry, and a direct edit of a
// doctrines row is detected.
func RunDoctrineAudit(t *testing.T, d Dialect, open AuditOpen) {
	setup := func(t *testing.T) (article5.Store, Exec) {
		s, exec := open(t)
		for _, v := range []*article5.DoctrineVersion{
			{ID: "jp", Party: article5.PartyJP, Version: "1", Title: "JP", Source: doctrineYAML("jp", "JP", "1"), ChangedBy: "user--a"},
			{ID: "jp", Party: article5.PartyJP, Version: "2", Title: "JP", Source: doctrineYAML("jp", "JP", "2"), ChangedBy: "user--a"},
		} {
			MustSaveDoctrine(t, s, v)
		}
		return s, exec
	}
	t.Run("VersionsRecorded", func(t *testing.T) {
		s, _ := setup(t)
		rep := MustAuditVerify(t, s)
		if !rep.Intact() || rep.Head.N != 2 || rep.Rows != 2 {
			t.Fatalf("after two doctrine versions: %d entries, %d rows; %v", rep.Head.N, rep.Rows, rep.Err())
		}
		e, err := auditStore(t, s).AuditEntry(context.Background(), 1)
		if err != nil || e.Kind != audit.KindDoctrine || e.Ref != "doctrines/jp/2" {
			t.Fatalf("entry 1: %+v, %v; want kind doctrine, ref doctrines/jp/2", e, err)
		}
	})
	t.Run("UserAdministrationRecorded", func(t *testing.T) {
		s, _ := open(t)
		ctx := context.Background()
		u := testUser()
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if err := s.SetUserRoles(ctx, u.ID, []article5.Role{article5.RoleObserver}); err != nil {
			t.Fatal(err)
		}
		if err := s.SetUserDisabled(ctx, u.ID, true); err != nil {
			t.Fatal(err)
		}
		rep := MustAuditVerify(t, s)
		if !rep.Intact() || rep.Head.N != 3 {
			t.Fatalf("user created, roles changed, disabled: %d entries; %v", rep.Head.N, rep.Err())
		}
		for i, kind := range []string{audit.KindUser, audit.KindRole, audit.KindUser} {
			e, err := auditStore(t, s).AuditEntry(ctx, int64(i))
			if err != nil || e.Kind != kind || e.Ref != audit.UserRef(u.ID) {
				t.Errorf("entry %d: %+v, %v; want kind %s", i, e, err, kind)
			}
		}
	})
	editSource := `UPDATE doctrines SET source = CAST('id: jp' AS BLOB) WHERE seq = 2`
	if d == Postgres {
		editSource = `UPDATE doctrines SET source = 'id: jp'::bytea WHERE seq = 2`
	}
	for _, tc := range []struct {
		name string
		sql  string
		kind audit.FaultKind
	}{
		{"SourceEdited", editSource, audit.FaultRowEdited},
		{"PartyEdited", `UPDATE doctrines SET party = 'US'`, audit.FaultRowEdited},
		{"VersionDeleted", `DELETE FROM doctrines WHERE seq = 2`, audit.FaultRowDeleted},
	} {
		t.Run("Detects"+tc.name, func(t *testing.T) {
			s, exec := setup(t)
			exec(t, tc.sql)
			rep := MustAuditVerify(t, s)
			for _, f := range rep.Faults {
				if f.Kind == tc.kind && strings.HasPrefix(f.Ref, "doctrines/jp/") {
					return
				}
			}
			t.Fatalf("%s: no %s fault on doctrines/jp among %v", tc.sql, tc.kind, rep.Faults)
		})
	}
}
