package article5_test

import (
	"testing"

	"article5"
)

// fakeAccess is an IngestAccess of a submitter of organisation org who may
// read the versions whose id is in readable, version what is in the custody
// of org (or of an organisation in speaksFor), and who knows std as
// standard.
type fakeAccess struct {
	org       string
	readable  map[string]bool // "id version" → may read
	speaksFor []string
	std       string
}

func (a fakeAccess) MayRead(o *article5.StoredObject) bool { return a.readable[o.ID+" "+o.Version] }
func (a fakeAccess) MayVersion(c string) bool {
	if c == a.org {
		return true
	}
	for _, s := range a.speaksFor {
		if s == c {
			return true
		}
	}
	return false
}
func (a fakeAccess) Standard(id string) bool { return id == a.std }

func version(id, v string, sec int64, sha, custodian string) *article5.StoredObject {
	return &article5.StoredObject{ID: id, Version: v, VersionSec: sec, SHA256: sha, Custodian: custodian}
}

// TestDecideIngest covers the custody rules: who may version what, what a
// collision with an unreadable object does, SCO copies, standard objects.
func TestDecideIngest(t *testing.T) {
	const (
		inc = "incident--8c8a5b2c-2b5e-4f5e-9a55-1c0f6d1b8a11"
		jp  = "identity--jp"
		us  = "identity--us"
		x   = "identity--x"
	)
	v1 := version(inc, "2024-01-01T00:00:00.000Z", 100, "a", jp)
	v2 := version(inc, "2024-02-01T00:00:00.000Z", 200, "b", jp)
	legacy := &article5.StoredObject{ID: inc, Version: "2024-01-01T00:00:00.000Z", VersionSec: 100, SHA256: "a", CreatedBy: jp}
	readAll := map[string]bool{inc + " " + v1.Version: true, inc + " " + v2.Version: true}
	in := func(v string, sec int64, sha, org string) *article5.StoredObject {
		o := version(inc, v, sec, sha, "")
		o.SubmitterOrg = org
		return o
	}
	cases := []struct {
		name   string
		in     *article5.StoredObject
		stored []*article5.StoredObject
		acc    fakeAccess
		want   article5.IngestAction
		reason string
		cust   string
	}{
		{"first version: the submitter's organisation becomes custodian", in(v1.Version, 100, "a", x), nil, fakeAccess{org: x}, article5.IngestStore, "", x},
		{"the custodian adds a version", in("2024-03-01T00:00:00.000Z", 300, "c", jp), []*article5.StoredObject{v1, v2}, fakeAccess{org: jp, readable: readAll}, article5.IngestStore, "", jp},
		{"a delegate of the custodian adds a version", in("2024-03-01T00:00:00.000Z", 300, "c", x), []*article5.StoredObject{v1, v2}, fakeAccess{org: x, readable: readAll, speaksFor: []string{jp}}, article5.IngestStore, "", jp},
		{"a reader that is not custodian is refused, naming nothing", in("2024-03-01T00:00:00.000Z", 300, "c", us), []*article5.StoredObject{v1, v2}, fakeAccess{org: us, readable: readAll}, article5.IngestReject, article5.ReasonNotCustodian, ""},
		{"one who cannot read the latest version is quarantined", in("2024-03-01T00:00:00.000Z", 300, "c", x), []*article5.StoredObject{v1, v2}, fakeAccess{org: x}, article5.IngestQuarantine, "", ""},
		{"even claiming the custodian's created_by_ref", func() *article5.StoredObject {
			o := in("2024-03-01T00:00:00.000Z", 300, "c", x)
			o.CreatedBy = jp
			return o
		}(), []*article5.StoredObject{v1, v2}, fakeAccess{org: x}, article5.IngestQuarantine, "", ""},
		{"one who can read only an older version is quarantined", in("2024-03-01T00:00:00.000Z", 300, "c", x), []*article5.StoredObject{v1, v2}, fakeAccess{org: x, readable: map[string]bool{inc + " " + v1.Version: true}}, article5.IngestQuarantine, "", ""},
		{"the same version and content is a no-op", in(v2.Version, 200, "b", us), []*article5.StoredObject{v1, v2}, fakeAccess{org: us, readable: readAll}, article5.IngestUnchanged, "", ""},
		{"the same version with other content is refused", in(v2.Version, 200, "z", jp), []*article5.StoredObject{v1, v2}, fakeAccess{org: jp, readable: readAll}, article5.IngestReject, article5.ReasonVersionConflict, ""},
		{"the same version unreadable is quarantined, not refused", in(v2.Version, 200, "z", x), []*article5.StoredObject{v1, v2}, fakeAccess{org: x}, article5.IngestQuarantine, "", ""},
		{"an older version out of order, from the custodian", in("2023-06-01T00:00:00.000Z", 50, "o", jp), []*article5.StoredObject{v1, v2}, fakeAccess{org: jp, readable: readAll}, article5.IngestStore, "", jp},
		{"a legacy version's custodian is its created_by_ref", in("2024-03-01T00:00:00.000Z", 300, "c", jp), []*article5.StoredObject{legacy}, fakeAccess{org: jp, readable: map[string]bool{inc + " " + legacy.Version: true}}, article5.IngestStore, "", jp},
		{"a legacy version is not another's to version", in("2024-03-01T00:00:00.000Z", 300, "c", us), []*article5.StoredObject{legacy}, fakeAccess{org: us, readable: map[string]bool{inc + " " + legacy.Version: true}}, article5.IngestReject, article5.ReasonNotCustodian, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := article5.DecideIngest(c.in, c.stored, c.acc)
			if d.Action != c.want || d.Reason != c.reason || (c.want == article5.IngestStore && d.Custodian != c.cust) {
				t.Fatalf("got %+v; want action %d reason %q custodian %q", d, c.want, c.reason, c.cust)
			}
		})
	}
}

// TestDecideIngestSCO: an SCO is a no-op only against a copy the submitter
// can read; otherwise it is the submitter's own copy.
func TestDecideIngestSCO(t *testing.T) {
	const id = "domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7"
	theirs := &article5.StoredObject{ID: id, Version: "2024-01-01T00:00:00Z", Unversioned: true, SHA256: "same", Custodian: "identity--jp"}
	in := &article5.StoredObject{ID: id, Unversioned: true, SHA256: "same", SubmitterOrg: "identity--x"}
	if d := article5.DecideIngest(in, []*article5.StoredObject{theirs}, fakeAccess{org: "identity--x"}); d.Action != article5.IngestStore || d.Custodian != "identity--x" {
		t.Fatalf("unreadable identical copy: %+v, want the submitter's own copy", d)
	}
	if d := article5.DecideIngest(in, []*article5.StoredObject{theirs}, fakeAccess{org: "identity--x", readable: map[string]bool{id + " " + theirs.Version: true}}); d.Action != article5.IngestUnchanged {
		t.Fatalf("readable identical copy: %+v, want a no-op", d)
	}
	other := *in
	other.SHA256 = "more"
	if d := article5.DecideIngest(&other, []*article5.StoredObject{theirs}, fakeAccess{org: "identity--x", readable: map[string]bool{id + " " + theirs.Version: true}}); d.Action != article5.IngestStore {
		t.Fatalf("new content: %+v, want stored", d)
	}
}

// TestDecideIngestStandard: a standard object is taken from anyone once,
// is a no-op again, and is never versioned.
func TestDecideIngestStandard(t *testing.T) {
	const id = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
	acc := fakeAccess{org: "identity--x", std: id}
	in := &article5.StoredObject{ID: id, Version: "2022-10-01T00:00:00.000Z", VersionSec: 1, SHA256: "pub", SubmitterOrg: "identity--x"}
	if d := article5.DecideIngest(in, nil, acc); d.Action != article5.IngestStore || d.Custodian != article5.CustodyStandard {
		t.Fatalf("first copy: %+v", d)
	}
	held := *in
	held.Custodian = article5.CustodyStandard
	if d := article5.DecideIngest(in, []*article5.StoredObject{&held}, acc); d.Action != article5.IngestUnchanged {
		t.Fatalf("again: %+v", d)
	}
	forged := *in
	forged.SHA256, forged.Version, forged.VersionSec = "forged", "2030-01-01T00:00:00.000Z", 2
	if d := article5.DecideIngest(&forged, []*article5.StoredObject{&held}, acc); d.Action != article5.IngestReject || d.Reason != article5.ReasonStandardObject {
		t.Fatalf("a new version of a standard object: %+v", d)
	}
}

// TestPlaceIngest: a version is decided on what its submitter may read,
// in the store and in its organisation's quarantine, and placed in the
// quarantine when the store holds a version of the id it may not read.
func TestPlaceIngest(t *testing.T) {
	const (
		inc = "incident--8c8a5b2c-2b5e-4f5e-9a55-1c0f6d1b8a11"
		jp  = "identity--jp"
		x   = "identity--x"
	)
	hidden := version(inc, "2024-01-01T00:00:00.000Z", 100, "a", jp)
	older := version(inc, "2023-01-01T00:00:00.000Z", 50, "o", jp)
	mine := version(inc, "2024-02-01T00:00:00.000Z", 200, "m", x)
	in := func(v string, sec int64, sha string) *article5.StoredObject {
		o := version(inc, v, sec, sha, "")
		o.SubmitterOrg = x
		return o
	}
	readMine := fakeAccess{org: x, readable: map[string]bool{inc + " " + mine.Version: true}}
	cases := []struct {
		name       string
		in         *article5.StoredObject
		held, quar []*article5.StoredObject
		acc        fakeAccess
		want       article5.IngestAction
		place      article5.Placement
		custodian  string
		wantReason string
	}{
		{"nothing readable: a new object's answer, quarantined in the submitter's custody", in("2024-02-01T00:00:00.000Z", 200, "m"), []*article5.StoredObject{hidden}, nil, fakeAccess{org: x}, article5.IngestStore, article5.PlaceQuarantine, x, ""},
		{"an older version is readable: refused as from any reader", in("2024-02-01T00:00:00.000Z", 200, "m"), []*article5.StoredObject{older, hidden}, nil,
			fakeAccess{org: x, readable: map[string]bool{inc + " " + older.Version: true}}, article5.IngestReject, article5.PlaceStore, "", article5.ReasonNotCustodian},
		{"its readable quarantined copy again: unchanged", in(mine.Version, 200, "m"), []*article5.StoredObject{hidden}, []*article5.StoredObject{mine}, readMine, article5.IngestUnchanged, article5.PlaceStore, "", ""},
		{"a later version of its quarantined copy: quarantined", in("2024-03-01T00:00:00.000Z", 300, "n"), []*article5.StoredObject{hidden}, []*article5.StoredObject{mine}, readMine, article5.IngestStore, article5.PlaceQuarantine, x, ""},
		{"a quarantined copy it may not read counts for nothing", in(mine.Version, 200, "other"), []*article5.StoredObject{hidden}, []*article5.StoredObject{mine}, fakeAccess{org: x}, article5.IngestStore, article5.PlaceQuarantine, x, ""},
		{"all readable: the store", in("2024-02-01T00:00:00.000Z", 200, "m"), []*article5.StoredObject{older}, nil,
			fakeAccess{org: x, readable: map[string]bool{inc + " " + older.Version: true}, speaksFor: []string{jp}}, article5.IngestStore, article5.PlaceStore, jp, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, place := article5.PlaceIngest(c.in, c.held, c.quar, c.acc)
			if d.Action != c.want || place != c.place || d.Reason != c.wantReason || (c.want == article5.IngestStore && d.Custodian != c.custodian) {
				t.Fatalf("got %+v at %d; want action %d at %d, custodian %q, reason %q", d, place, c.want, c.place, c.custodian, c.wantReason)
			}
		})
	}
	// An SCO's copies are each their own: a new copy goes to the store
	// beside copies the submitter may not read.
	sco := &article5.StoredObject{ID: "domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7", Unversioned: true, SHA256: "s", SubmitterOrg: x}
	theirs := &article5.StoredObject{ID: sco.ID, Version: "2024-01-01T00:00:00Z", Unversioned: true, SHA256: "s", Custodian: jp}
	if d, place := article5.PlaceIngest(sco, []*article5.StoredObject{theirs}, nil, fakeAccess{org: x}); d.Action != article5.IngestStore || place != article5.PlaceStore || d.Custodian != x {
		t.Fatalf("SCO copy: %+v at %d", d, place)
	}
}
