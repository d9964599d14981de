package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"article5"
	"article5/doctrine"
)

// MustDoctrineSource returns a built-in doctrine's YAML with old replaced
// by new (once; the test fails if old is not there).
func MustDoctrineSource(tb testing.TB, id, old, new string) []byte {
	tb.Helper()
	src, err := doctrine.DefaultSource(id)
	if err != nil {
		tb.Fatal(err)
	}
	if !bytes.Contains(src, []byte(old)) {
		tb.Fatalf("doctrine %s has no %q", id, old)
	}
	return bytes.Replace(src, []byte(old), []byte(new), 1)
}

// putDoctrine puts a doctrine file with a session.
func (e *loginEnv) putDoctrine(tb testing.TB, id, session string, src []byte) response {
	tb.Helper()
	return e.call(tb, "PUT", "/api/v1/doctrines/"+id, session, map[string]string{"Content-Type": "application/yaml"}, src)
}

type doctrineView struct {
	ID, Version, Title, SHA256, Source, YAML string
	Party                                    article5.Party
	Stored                                   *struct {
		Seq       int64  `json:"seq"`
		ChangedBy string `json:"changed_by"`
	}
}

func TestAdminChangesOwnDoctrine(t *testing.T) {
	e := MustLoginEnv(t)
	ctx := context.Background()
	hana := e.MustPartyUser(t, "hana", article5.PartyJP, article5.RoleAdmin)
	admin := e.MustLogin(t, "hana")
	e.ingest(t, MustExample(t, "dam-control"), "")
	e.MustRunJobs(t)
	before, err := e.db.FindCaseByID(ctx, damCase)
	if err != nil {
		t.Fatal(err)
	}
	entries := MustAuditIntact(t, e)

	var list struct{ Doctrines []doctrineView }
	MustDecode(t, e.call(t, "GET", "/api/v1/doctrines", admin, nil, nil), &list)
	if len(list.Doctrines) != 2 || list.Doctrines[0].ID != "jp" || list.Doctrines[0].Source != "builtin" || list.Doctrines[0].Party != article5.PartyJP {
		t.Fatalf("doctrines before: %+v", list.Doctrines)
	}

	src := MustDoctrineSource(t, "jp", `version: "2.1.1"`, `version: "2.1.2"`)
	r := e.putDoctrine(t, "jp", admin, src)
	var put struct {
		Doctrine doctrineView
		Job      string
	}
	MustDecode(t, r, &put)
	if put.Doctrine.Version != "2.1.2" || put.Doctrine.Source != "api" || put.Doctrine.Stored == nil ||
		put.Doctrine.Stored.Seq != 1 || put.Doctrine.Stored.ChangedBy != hana.ID || !strings.HasPrefix(put.Job, "job--") {
		t.Fatalf("PUT answered %s", r.body)
	}
	if got := MustAuditIntact(t, e); got != entries+1 {
		t.Errorf("audit log of %d entries after the change, want %d", got, entries+1)
	}
	var one struct{ Doctrine doctrineView }
	MustDecode(t, e.call(t, "GET", "/api/v1/doctrines/jp", admin, nil, nil), &one)
	if one.Doctrine.YAML != string(src) || one.Doctrine.Version != "2.1.2" || one.Doctrine.Source != "api" {
		t.Fatalf("GET after the change: %+v", one.Doctrine)
	}
	if d, err := e.n.Doctrine("jp"); err != nil || d.Version != "2.1.2" {
		t.Fatalf("the node's jp doctrine: %v, %v", d, err)
	}

	e.MustRunJobs(t)
	after, err := e.db.FindCaseByID(ctx, damCase)
	if err != nil {
		t.Fatal(err)
	}
	if after.Hash == before.Hash {
		t.Fatalf("case not re-assessed under the new doctrine: hash %s unchanged", after.Hash)
	}
	rep, err := e.db.FindAssessment(ctx, damCase)
	if err != nil {
		t.Fatal(err)
	}
	var report struct {
		Doctrines []article5.DoctrineRef `json:"doctrines"`
	}
	if err := json.Unmarshal(rep, &report); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(rep), put.Doctrine.SHA256) {
		t.Errorf("the new assessment does not name the new doctrine %s: %+v", put.Doctrine.SHA256, report.Doctrines)
	}
	MustAuditIntact(t, e)

	// The same file again changes nothing.
	var same struct{ Unchanged bool }
	MustDecode(t, e.putDoctrine(t, "jp", admin, src), &same)
	if !same.Unchanged {
		t.Error("putting the doctrine in force again was not a no-op")
	}

	// Another text under the version in force (2.1.2, stored) or under
	// the built-in version (2.1.1) is refused: a version names one text.
	jpBuiltin, err := doctrine.Default("jp")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ version, held string }{{"2.1.2", put.Doctrine.SHA256}, {"2.1.1", jpBuiltin.SHA256}} {
		other := MustDoctrineSource(t, "jp", `version: "2.1.1"`, `version: "`+tc.version+`"`)
		other = bytes.Replace(other, []byte("\nparty: JP\n"), []byte("\nparty: JP\n# reworded\n"), 1)
		er := MustError(t, e.putDoctrine(t, "jp", admin, other), http.StatusConflict, article5.ECONFLICT)
		want := "jp " + tc.version + " is already held with other text (sha256 " + tc.held + "): give the new text its own version"
		if er.Error.Message != want {
			t.Errorf("another text under %s: %q, want %q", tc.version, er.Error.Message, want)
		}
	}
	if vs, err := e.db.FindDoctrineVersions(ctx, "jp"); err != nil || len(vs) != 1 {
		t.Errorf("after refused versions: %d stored, %v; want 1", len(vs), err)
	}
	if d, err := e.n.Doctrine("jp"); err != nil || d.SHA256 != put.Doctrine.SHA256 {
		t.Errorf("after refused versions the jp doctrine in force is %v, %v", d, err)
	}
	// The built-in text back under its own version is taken.
	MustDecode(t, e.putDoctrine(t, "jp", admin, jpBuiltin.Source), &put)
	if put.Doctrine.Version != "2.1.1" || put.Doctrine.Stored == nil || put.Doctrine.Stored.Seq != 2 {
		t.Errorf("the built-in text put back: %+v", put.Doctrine)
	}
}

func TestDoctrineChangeRefusals(t *testing.T) {
	e := MustLoginEnv(t)
	e.MustPartyUser(t, "hana", article5.PartyJP, article5.RoleAdmin)
	e.MustPartyUser(t, "aiko", article5.PartyJP, article5.RoleLegal)
	e.MustPartyUser(t, "bob", article5.PartyUS, article5.RoleAdmin)
	admin, legal := e.MustLogin(t, "hana"), e.MustLogin(t, "aiko")
	jp := MustDoctrineSource(t, "jp", `version: "2.1.1"`, `version: "2.1.2"`)

	t.Run("AdminOfTheOtherParty", func(t *testing.T) {
		us, err := doctrine.DefaultSource("us")
		if err != nil {
			t.Fatal(err)
		}
		MustError(t, e.putDoctrine(t, "us", admin, us), http.StatusForbidden, article5.EFORBIDDEN)
		MustError(t, e.putDoctrine(t, "jp", e.MustLogin(t, "bob"), jp), http.StatusForbidden, article5.EFORBIDDEN)
	})
	t.Run("Relabelled", func(t *testing.T) {
		us := MustDoctrineSource(t, "jp", "party: JP", "party: US")
		MustError(t, e.putDoctrine(t, "jp", admin, us), http.StatusForbidden, article5.EFORBIDDEN)
	})
	t.Run("NotAnAdmin", func(t *testing.T) {
		MustError(t, e.putDoctrine(t, "jp", legal, jp), http.StatusForbidden, article5.EFORBIDDEN)
		MustError(t, e.do(t, "PUT", "/api/v1/doctrines/jp", e.analyst, "application/yaml", jp), http.StatusForbidden, article5.EFORBIDDEN)
	})
	t.Run("InvalidYAML", func(t *testing.T) {
		bad := MustDoctrineSource(t, "jp", "party: JP\n", "party: JP\n  broken: [\n")
		er := MustError(t, e.putDoctrine(t, "jp", admin, bad), http.StatusBadRequest, article5.EINVALID)
		if len(er.Error.Details) == 0 || er.Error.Details[0].Message == "" {
			t.Errorf("no detail: %+v", er)
		}
	})
	t.Run("InvalidCEL", func(t *testing.T) {
		bad := MustDoctrineSource(t, "jp", `when: "availability_loss.orValue(0) >= 50 ||`, `when: "availability_loss.orValue(0) >= >= 50 ||`)
		er := MustError(t, e.putDoctrine(t, "jp", admin, bad), http.StatusBadRequest, article5.EINVALID)
		line := 1 + strings.Count(string(bad[:strings.Index(string(bad), ">= >= 50")]), "\n")
		if len(er.Error.Details) == 0 || er.Error.Details[0].Line != line {
			t.Errorf("want a detail on line %d: %+v", line, er.Error.Details)
		}
	})
	t.Run("OutOfRange", func(t *testing.T) {
		bad := MustDoctrineSource(t, "jp", "attribution_confidence_needed: 60", "attribution_confidence_needed: 600")
		er := MustError(t, e.putDoctrine(t, "jp", admin, bad), http.StatusBadRequest, article5.EINVALID)
		line := 1 + strings.Count(string(bad[:strings.Index(string(bad), ": 600")]), "\n")
		if len(er.Error.Details) != 1 || er.Error.Details[0].Line != line || er.Error.Details[0].Pointer != "parameters.attribution_confidence_needed" ||
			!strings.Contains(er.Error.Details[0].Message, "attribution_confidence_needed = 600: expected a STIX confidence: a whole number from 0 to 100") {
			t.Errorf("want one detail on line %d naming the parameter, the value and the range: %+v", line, er.Error.Details)
		}
	})
	t.Run("OtherID", func(t *testing.T) {
		other := MustDoctrineSource(t, "jp", "id: jp\n", "id: jp2\n")
		er := MustError(t, e.putDoctrine(t, "jp", admin, other), http.StatusBadRequest, article5.EINVALID)
		if len(er.Error.Details) == 0 || er.Error.Details[0].Pointer != "/id" {
			t.Errorf("want a detail on /id: %+v", er.Error.Details)
		}
	})
	t.Run("NotYAML", func(t *testing.T) {
		r := e.call(t, "PUT", "/api/v1/doctrines/jp", admin, map[string]string{"Content-Type": "application/json"}, jp)
		MustError(t, r, http.StatusUnsupportedMediaType, article5.EINVALID)
	})
	t.Run("Unknown", func(t *testing.T) {
		MustError(t, e.putDoctrine(t, "eu", admin, jp), http.StatusNotFound, article5.ENOTFOUND)
	})
	if d, err := e.n.Doctrine("jp"); err != nil || d.Version != "2.1.1" {
		t.Errorf("after refused changes the jp doctrine is %v, %v", d, err)
	}
	if vs, err := e.db.FindDoctrines(context.Background()); err != nil || len(vs) != 0 {
		t.Errorf("refused changes were stored: %v, %v", vs, err)
	}
}
