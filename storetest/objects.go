package storetest

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"article5"
)

const (
	identA    = "identity--7c477306-5df9-4487-b023-958c6583ffef"
	identB    = "identity--2d1c6ab3-5e4e-48ac-a32b-f0c01c2836a8"
	indicator = "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"
	tlpGreen  = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
	tlpRed    = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
)

// indicatorJSON is a STIX 2.1 indicator of id at version modified.
func indicatorJSON(id, createdBy, modified, name string) string {
	return fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":%q,"created_by_ref":%q,"created":"2024-01-01T00:00:00.000Z","modified":%q,"name":%q,"pattern":"[ipv4-addr:value = '198.51.100.7']","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z"}`,
		id, createdBy, modified, name)
}

// identityID is the id of identityJSON(n).
func identityID(n int) string { return fmt.Sprintf("identity--00000000-0000-4000-8000-%012d", n) }

// identityJSON is a STIX 2.1 identity numbered n.
func identityJSON(n int) string {
	return fmt.Sprintf(`{"type":"identity","spec_version":"2.1","id":"identity--00000000-0000-4000-8000-%012d","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","name":"Org %d","identity_class":"organization"}`, n, n)
}

func testPing(t *testing.T, s article5.Store) {
	if err := s.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func testMultiVersion(t *testing.T, s article5.Store) {
	v2 := Object(t, indicatorJSON(indicator, identA, "2024-03-01T00:00:00.000Z", "v2"), "")
	v1 := Object(t, indicatorJSON(indicator, identA, "2024-02-01T00:00:00.000Z", "v1"), "")
	MustIngest(t, s, v2)
	res := MustIngest(t, s, v1) // an older version arriving later
	if len(res.Accepted) != 1 {
		t.Fatalf("older version: accepted %v, want it stored", res.Accepted)
	}
	v4 := Object(t, indicatorJSON(indicator, identA, "2024-05-01T00:00:00.000Z", "v4"), "")
	v3 := Object(t, indicatorJSON(indicator, identA, "2024-04-15T00:00:00.000Z", "v3"), "")
	MustIngest(t, s, v4, v3) // two versions in one batch, newest first

	got := versionsOf(MustVersions(t, s, indicator))
	want := []string{"2024-02-01T00:00:00.000Z", "2024-03-01T00:00:00.000Z", "2024-04-15T00:00:00.000Z", "2024-05-01T00:00:00.000Z"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("versions = %v, want oldest first %v", got, want)
	}
	latest := MustFind(t, s, article5.ObjectFilter{IDs: []string{indicator}})
	if len(latest.Objects) != 1 || latest.Objects[0].Version != "2024-05-01T00:00:00.000Z" {
		t.Fatalf("latest = %v, want only 2024-05-01", versionsOf(latest.Objects))
	}
	all := MustFind(t, s, article5.ObjectFilter{IDs: []string{indicator}, AllVersions: true})
	if len(all.Objects) != 4 {
		t.Fatalf("all versions = %v, want 4", versionsOf(all.Objects))
	}
}

func testSubMicrosecond(t *testing.T, s article5.Store) {
	// .029036Z and .0290360001Z are the same nanosecond; .029036001Z is one
	// nanosecond later. PostgreSQL timestamptz would merge all three.
	a := Object(t, indicatorJSON(indicator, identA, "2024-05-01T10:00:07.029036Z", "a"), "")
	b := Object(t, indicatorJSON(indicator, identA, "2024-05-01T10:00:07.0290360001Z", "b"), "")
	c := Object(t, indicatorJSON(indicator, identA, "2024-05-01T10:00:07.029036001Z", "c"), "")
	res := MustIngest(t, s, c, a, b)
	if len(res.Accepted) != 3 || len(res.Rejected) != 0 {
		t.Fatalf("accepted %v rejected %v, want three distinct versions", res.Accepted, res.Rejected)
	}
	vs := MustVersions(t, s, indicator)
	want := []string{a.Version, b.Version, c.Version}
	if fmt.Sprint(versionsOf(vs)) != fmt.Sprint(want) {
		t.Fatalf("versions = %v, want %v", versionsOf(vs), want)
	}
	if vs[2].VersionNsec != 29036001 || vs[0].VersionNsec != 29036000 {
		t.Fatalf("nanoseconds = %d, %d: lost below the microsecond", vs[0].VersionNsec, vs[2].VersionNsec)
	}
	latest := MustFind(t, s, article5.ObjectFilter{IDs: []string{indicator}})
	if len(latest.Objects) != 1 || latest.Objects[0].Version != c.Version {
		t.Fatalf("latest = %v, want %s", versionsOf(latest.Objects), c.Version)
	}
	if res := MustIngest(t, s, Object(t, indicatorJSON(indicator, identA, "2024-05-01T10:00:07.0290360001Z", "b"), "")); len(res.Unchanged) != 1 {
		t.Fatalf("re-sent .0290360001Z: %+v, want unchanged", res)
	}
}

func testUnversioned(t *testing.T, s article5.Store) {
	tlp := `{"type":"marking-definition","spec_version":"2.1","id":"` + tlpGreen + `","created":"2022-10-01T00:00:00.000Z","name":"TLP:GREEN","extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":{"extension_type":"property-extension","tlp_2_0":"green"}}}`
	dom := `{"type":"domain-name","spec_version":"2.1","id":"domain-name--3c10e93f-798e-5a26-a0c1-08156efab7f5","value":"example.com"}`
	m := Object(t, tlp, "2024-06-01T12:00:00.123456789Z")
	d := Object(t, dom, "2024-06-01T12:00:00.123456789Z")
	if m.Unversioned || m.Version != "2022-10-01T00:00:00.000Z" || !d.Unversioned {
		t.Fatalf("fixture: marking version %q unversioned %v; domain unversioned %v", m.Version, m.Unversioned, d.Unversioned)
	}
	if res := MustIngest(t, s, m, d); len(res.Accepted) != 2 {
		t.Fatalf("accepted %v, want both", res.Accepted)
	}
	vs := MustVersions(t, s, d.ID)
	if len(vs) != 1 || !vs[0].Unversioned || vs[0].Version != "2024-06-01T12:00:00.123456789Z" || vs[0].VersionNsec != 123456789 {
		t.Fatalf("domain-name stored as %+v, want one unversioned version at its date added", vs[0])
	}
	// Re-sent identical (a later date added): unchanged, for both.
	res := MustIngest(t, s, Object(t, tlp, "2024-06-09T00:00:00Z"), Object(t, dom, "2024-06-09T00:00:00Z"))
	if len(res.Unchanged) != 2 || len(res.Accepted) != 0 || res.Queued != 0 {
		t.Fatalf("re-sent: %+v, want two unchanged, nothing queued", res)
	}
	// New content of the SCO: a new version at its date added.
	d2 := Object(t, `{"type":"domain-name","spec_version":"2.1","id":"domain-name--3c10e93f-798e-5a26-a0c1-08156efab7f5","value":"example.com","resolves_to_refs":["ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd"]}`, "2024-06-09T00:00:00Z")
	if res := MustIngest(t, s, d2); len(res.Accepted) != 1 {
		t.Fatalf("new SCO content: %+v, want accepted", res)
	}
	latest := MustFind(t, s, article5.ObjectFilter{IDs: []string{d.ID}})
	if len(latest.Objects) != 1 || latest.Objects[0].Version != "2024-06-09T00:00:00Z" {
		t.Fatalf("latest SCO = %v, want the one added 2024-06-09", versionsOf(latest.Objects))
	}
}

func testSameVersionDifferent(t *testing.T, s article5.Store) {
	MustIngest(t, s, Object(t, indicatorJSON(indicator, identA, "2024-02-01T00:00:00.000Z", "first"), ""))
	other := Object(t, identityJSON(1), "")
	res := MustIngest(t, s, other, Object(t, indicatorJSON(indicator, identA, "2024-02-01T00:00:00.000Z", "changed"), ""))
	if len(res.Rejected) != 1 || res.Rejected[0].ID != indicator || res.Rejected[0].Index != 1 || res.Rejected[0].Reason != article5.ReasonVersionConflict {
		t.Fatalf("rejected %+v, want index 1 refused with the one generic reason", res.Rejected)
	}
	if len(res.Accepted) != 1 || res.Accepted[0].ID != other.ID {
		t.Fatalf("accepted %+v, want the identity", res.Accepted)
	}
	vs := MustVersions(t, s, indicator)
	if len(vs) != 1 || !strings.Contains(string(vs[0].Raw), `"first"`) {
		t.Fatalf("stored %s, want the first content kept", vs[0].Raw)
	}
}

// testCustody: the first version's submitter organisation is custodian;
// a reader of another organisation may not version it (one generic
// refusal), whatever created_by_ref it claims; one that may not read it is
// quarantined, answered as for a new object, and never versions it.
func testCustody(t *testing.T, s article5.Store) {
	ctx := context.Background()
	first := Object(t, indicatorJSON(indicator, identA, "2024-02-01T00:00:00.000Z", "by A"), "")
	MustIngestAs(t, s, identA, first)
	vs := MustVersions(t, s, indicator)
	if vs[0].Custodian != identA || vs[0].Submitter != "token--"+identA || vs[0].SubmitterOrg != identA {
		t.Fatalf("provenance %+v, want submitter and custodian %s", vs[0], identA)
	}
	// B reads it (not RED) but is not custodian: refused, naming nothing.
	forged := Object(t, indicatorJSON(indicator, identA, "2024-03-01T00:00:00.000Z", "by B claiming A"), "")
	res := MustIngestAs(t, s, identB, forged)
	if len(res.Rejected) != 1 || res.Rejected[0].Reason != article5.ReasonNotCustodian {
		t.Fatalf("rejected %+v, want the new version by another organisation refused", res.Rejected)
	}
	// A delegate of A may.
	ok := Object(t, indicatorJSON(indicator, identA, "2024-03-01T00:00:00.000Z", "by a delegate"), "")
	if res := MustIngestAs(t, s, identB, ok, identA); len(res.Accepted) != 1 {
		t.Fatalf("a delegate's version: %+v, want stored", res)
	}
	if n := len(MustVersions(t, s, indicator)); n != 2 {
		t.Fatalf("%d versions stored, want 2", n)
	}
	// A RED version now: C may read the older versions, so a version from
	// C is refused as from any reader (it knows the object exists).
	red := Object(t, strings.Replace(indicatorJSON(indicator, identA, "2024-04-01T00:00:00.000Z", "red"), `"pattern"`, `"object_marking_refs":["`+tlpRed+`"],"pattern"`, 1), "")
	MustIngestAs(t, s, identA, red)
	const identC = "identity--0c0c0c0c-0000-4000-8000-00000000000c"
	if res := MustIngestAs(t, s, identC, Object(t, indicatorJSON(indicator, identA, "2024-05-01T00:00:00.000Z", "C"), "")); len(res.Rejected) != 1 || res.Rejected[0].Reason != article5.ReasonNotCustodian {
		t.Fatalf("a reader of older versions: %+v", res)
	}
	// An object C may read no version of: its collision is quarantined and
	// answered as a new object's.
	const secret = "indicator--5ec2e7a0-0000-4000-8000-000000000005"
	MustIngestAs(t, s, identA, Object(t, strings.Replace(indicatorJSON(secret, identA, "2024-04-01T00:00:00.000Z", "secret"), `"pattern"`, `"object_marking_refs":["`+tlpRed+`"],"pattern"`, 1), ""))
	shadow := Object(t, indicatorJSON(secret, identA, "2024-05-01T00:00:00.000Z", "C's shadow"), "")
	res = MustIngestAs(t, s, identC, shadow)
	if len(res.Accepted) != 1 || len(res.Rejected) != 0 || len(res.Unchanged) != 0 {
		t.Fatalf("the unreadable collision: %+v, want it reported as stored", res)
	}
	if n := len(MustVersions(t, s, secret)); n != 1 {
		t.Fatalf("%d versions, want 1: a quarantined copy is no version", n)
	}
	q, err := s.FindQuarantined(ctx, secret, identC)
	if err != nil || len(q) != 1 || string(q[0].Raw) != string(shadow.Raw) || q[0].Submitter != "token--"+identC || q[0].Custodian != identC {
		t.Fatalf("quarantined for C: %+v, %v", q, err)
	}
	// The same again is unchanged (C reads its copy); other content under
	// that version is refused.
	if res := MustIngestAs(t, s, identC, shadow); len(res.Unchanged) != 1 {
		t.Fatalf("the same quarantined copy again: %+v, want unchanged", res)
	}
	other := Object(t, indicatorJSON(secret, identA, "2024-05-01T00:00:00.000Z", "C's other"), "")
	if res := MustIngestAs(t, s, identC, other); len(res.Rejected) != 1 || res.Rejected[0].Reason != article5.ReasonVersionConflict {
		t.Fatalf("other content under a quarantined version: %+v", res)
	}
	// A copy C may not read (RED, naming no one) is, for C, no copy:
	// sending it again and again is each time a new object's answer.
	redShadow := Object(t, strings.Replace(indicatorJSON(secret, identA, "2024-06-01T00:00:00.000Z", "C's red"), `"pattern"`, `"object_marking_refs":["`+tlpRed+`"],"pattern"`, 1), "")
	for range 2 {
		if res := MustIngestAs(t, s, identC, redShadow); len(res.Accepted) != 1 {
			t.Fatalf("an unreadable copy sent again: %+v", res)
		}
	}
	_, err = s.FindQuarantined(ctx, secret, identA)
	wantCode(t, err, article5.ENOTFOUND)
}

func testAtomic(t *testing.T, s article5.Store) {
	ctx := context.Background()
	MustIngest(t, s, Object(t, indicatorJSON(indicator, identA, "2024-02-01T00:00:00.000Z", "first"), ""))
	fresh := Object(t, identityJSON(7), "")
	res, err := s.IngestObjects(ctx, article5.IngestRequest{Objects: []*article5.StoredObject{fresh, Object(t, indicatorJSON(indicator, identA, "2024-02-01T00:00:00.000Z", "changed"), "")}, Atomic: true})
	wantCode(t, err, article5.ECONFLICT)
	var e *article5.Error
	if !asError(err, &e) || len(e.Details) != 1 || e.Details[0].Object != indicator {
		t.Fatalf("error details %+v, want one naming %s", err, indicator)
	}
	if res == nil || len(res.Rejected) != 1 || res.Rejected[0].Index != 1 || len(res.Accepted) != 0 || res.Queued != 0 {
		t.Fatalf("result %+v, want the rejection reported and nothing accepted", res)
	}
	_, err = s.FindObjectVersions(ctx, fresh.ID)
	wantCode(t, err, article5.ENOTFOUND)
	// A prior rejection alone refuses an atomic batch too.
	_, err = s.IngestObjects(ctx, article5.IngestRequest{Objects: []*article5.StoredObject{fresh}, Prior: []article5.Rejection{{ID: "indicator--x", Index: 1, Reason: "bad pattern"}}, Atomic: true})
	wantCode(t, err, article5.ECONFLICT)
	_, err = s.FindObjectVersions(ctx, fresh.ID)
	wantCode(t, err, article5.ENOTFOUND)
}

func testNonAtomic(t *testing.T, s article5.Store) {
	ctx := context.Background()
	MustIngest(t, s, Object(t, indicatorJSON(indicator, identA, "2024-02-01T00:00:00.000Z", "first"), ""))
	// The bundle: [0] an identity, [1] an invalid indicator (rejected by
	// the caller's validation: prior), [2] a changed version of a held
	// indicator. objs holds [0] and [2].
	prior := []article5.Rejection{{ID: "indicator--c4c3f8c6-2f5e-4a1b-9d4b-000000000005", Index: 1, Pointer: "/pattern", Reason: "pattern does not parse"}}
	fresh := Object(t, identityJSON(8), "")
	res, err := s.IngestObjects(ctx, article5.IngestRequest{Objects: []*article5.StoredObject{fresh, Object(t, indicatorJSON(indicator, identA, "2024-02-01T00:00:00.000Z", "changed"), "")}, Prior: prior})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rejected) != 2 || res.Rejected[0] != prior[0] || res.Rejected[1].Index != 2 || res.Rejected[1].ID != indicator {
		t.Fatalf("rejected %+v, want the prior rejection as given, then %s at bundle index 2", res.Rejected, indicator)
	}
	if len(res.Accepted) != 1 {
		t.Fatalf("result %+v, want the identity stored", res)
	}
	MustVersions(t, s, fresh.ID)
}

func testRevoked(t *testing.T, s article5.Store) {
	MustIngest(t, s, Object(t, indicatorJSON(indicator, identA, "2024-02-01T00:00:00.000Z", "live"), ""))
	rev := `{"type":"indicator","spec_version":"2.1","id":"` + indicator + `","created_by_ref":"` + identA + `","created":"2024-01-01T00:00:00.000Z","modified":"2024-03-01T00:00:00.000Z","revoked":true,"name":"live","pattern":"[ipv4-addr:value = '198.51.100.7']","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z"}`
	MustIngest(t, s, Object(t, rev, ""))
	vs := MustVersions(t, s, indicator)
	if len(vs) != 2 || vs[0].Revoked || !vs[1].Revoked {
		t.Fatalf("revoked flags %v/%v, want the revoked version kept and flagged", vs[0].Revoked, vs[len(vs)-1].Revoked)
	}
	latest := MustFind(t, s, article5.ObjectFilter{IDs: []string{indicator}})
	if len(latest.Objects) != 1 || !latest.Objects[0].Revoked {
		t.Fatalf("latest = %+v, want the revoked version", latest.Objects)
	}
}

func testRaw(t *testing.T, s article5.Store) {
	raw := "{ \"name\" : \"Ministry of Défense\",\n\t\"type\":\"identity\",   \"id\":\"identity--5b3c5a1e-2f0a-4c53-9b0e-3d5c0e3a9c11\",\r\n" +
		"\"identity_class\":\"organization\", \"spec_version\":\"2.1\",\"created\":\"2024-01-01T00:00:00.000Z\",\"modified\":\"2024-01-01T00:00:00.000Z\",\n" +
		"\"object_marking_refs\":[\"" + tlpGreen + "\"], \"x_note\": \"\\u00e9 \\\"quoted\\\"\"  }\n"
	o := Object(t, raw, "")
	MustIngest(t, s, o)
	vs := MustVersions(t, s, o.ID)
	if !bytes.Equal(vs[0].Raw, []byte(raw)) {
		t.Fatalf("raw = %q\nwant %q", vs[0].Raw, raw)
	}
	got := vs[0]
	if got.Type != "identity" || got.SpecVersion != "2.1" || got.SHA256 != o.SHA256 || fmt.Sprint(got.Markings) != fmt.Sprint([]string{tlpGreen}) {
		t.Fatalf("stored %+v, want the fields as given", got)
	}
	if got.Added.IsZero() || got.Added.Location() != time.UTC {
		t.Fatalf("Added = %v, want a UTC instant", got.Added)
	}
}

func testNotFound(t *testing.T, s article5.Store) {
	ctx := context.Background()
	_, err := s.FindObjectVersions(ctx, indicator)
	wantCode(t, err, article5.ENOTFOUND)
	_, err = s.FindCaseByID(ctx, "grouping--00000000-0000-4000-8000-000000000000")
	wantCode(t, err, article5.ENOTFOUND)
	_, err = s.FindAssessment(ctx, "grouping--00000000-0000-4000-8000-000000000000")
	wantCode(t, err, article5.ENOTFOUND)
	_, err = s.FindTokenByHash(ctx, strings.Repeat("0", 64))
	wantCode(t, err, article5.ENOTFOUND)
	_, err = s.ClaimJob(ctx, time.Minute, 10)
	wantCode(t, err, article5.ENOTFOUND)
	_, err = s.FindQuarantined(ctx, indicator, identA)
	wantCode(t, err, article5.ENOTFOUND)
	p := MustFind(t, s, article5.ObjectFilter{})
	if len(p.Objects) != 0 || p.Next != "" {
		t.Fatalf("empty store page = %+v", p)
	}
}

func testFilters(t *testing.T, s article5.Store) {
	ind := Object(t, indicatorJSON(indicator, identA, "2024-02-01T00:00:00.000Z", "i"), "")
	id1, id2 := Object(t, identityJSON(1), ""), Object(t, identityJSON(2), "")
	rel := Object(t, `{"type":"relationship","spec_version":"2.1","id":"relationship--44298a74-ba52-4f0c-87a3-1824e67d7fad","created":"2024-01-02T00:00:00.000Z","modified":"2024-01-02T00:00:00.000Z","relationship_type":"attributed-to","source_ref":"`+indicator+`","target_ref":"`+id1.ID+`"}`, "")
	MustIngest(t, s, ind, id1, id2, rel)
	for _, tc := range []struct {
		name string
		f    article5.ObjectFilter
		want []string
	}{
		{"all in order stored", article5.ObjectFilter{}, []string{ind.ID, id1.ID, id2.ID, rel.ID}},
		{"types", article5.ObjectFilter{Types: []string{"identity"}}, []string{id1.ID, id2.ID}},
		{"ids", article5.ObjectFilter{IDs: []string{rel.ID, ind.ID}}, []string{ind.ID, rel.ID}},
		{"ids and types", article5.ObjectFilter{IDs: []string{rel.ID, id2.ID}, Types: []string{"identity"}}, []string{id2.ID}},
		{"unknown type", article5.ObjectFilter{Types: []string{"malware"}}, []string{}},
	} {
		got := idsOf(MustFind(t, s, tc.f).Objects)
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%s: ids = %v, want %v", tc.name, got, tc.want)
		}
	}
	vs := MustVersions(t, s, rel.ID)
	if vs[0].SourceRef != indicator || vs[0].TargetRef != id1.ID {
		t.Fatalf("relationship refs = %q → %q", vs[0].SourceRef, vs[0].TargetRef)
	}
}

func testPaginationTies(t *testing.T, s article5.Store) {
	objs := make([]*article5.StoredObject, 120)
	for i := range objs {
		objs[i] = Object(t, identityJSON(1000+i), "")
	}
	MustIngest(t, s, objs...) // one call: one date added for all 120
	seen := map[string]bool{}
	var sizes []int
	cursor := ""
	var added time.Time
	for page := 0; page < 10; page++ {
		p := MustFind(t, s, article5.ObjectFilter{Limit: 50, Cursor: cursor})
		sizes = append(sizes, len(p.Objects))
		for _, o := range p.Objects {
			if seen[o.ID] {
				t.Fatalf("page %d repeats %s", page, o.ID)
			}
			seen[o.ID] = true
			if !added.IsZero() && !o.Added.Equal(added) {
				t.Fatalf("date added differs within one ingest: %v vs %v", o.Added, added)
			}
			added = o.Added
		}
		if p.Next == "" {
			break
		}
		cursor = p.Next
	}
	if fmt.Sprint(sizes) != "[50 50 20]" || len(seen) != 120 {
		t.Fatalf("pages %v, %d distinct ids; want [50 50 20] and 120", sizes, len(seen))
	}
	if p := MustFind(t, s, article5.ObjectFilter{AddedAfter: added}); len(p.Objects) != 0 {
		t.Fatalf("added_after their own instant gave %d objects, want none", len(p.Objects))
	}
}

func testAddedAfter(t *testing.T, s article5.Store) {
	r1 := MustIngest(t, s, Object(t, identityJSON(1), ""), Object(t, identityJSON(2), ""), Object(t, identityJSON(3), ""))
	time.Sleep(2 * time.Millisecond)
	MustIngest(t, s, Object(t, identityJSON(4), ""), Object(t, identityJSON(5), ""))
	t1 := MustVersions(t, s, r1.Accepted[0].ID)[0].Added
	t2 := MustVersions(t, s, "identity--00000000-0000-4000-8000-000000000004")[0].Added
	if !t2.After(t1) {
		t.Fatalf("second ingest added at %v, not after %v", t2, t1)
	}
	for _, tc := range []struct {
		name  string
		after time.Time
		want  int
	}{
		{"just before the first", t1.Add(-time.Nanosecond), 5},
		{"equal to the first", t1, 2},
		{"equal to the second", t2, 0},
	} {
		if n := len(MustFind(t, s, article5.ObjectFilter{AddedAfter: tc.after}).Objects); n != tc.want {
			t.Errorf("%s: %d objects, want %d", tc.name, n, tc.want)
		}
	}
}

func testBadCursor(t *testing.T, s article5.Store) {
	_, err := s.FindObjects(context.Background(), article5.ObjectFilter{Cursor: "not a cursor"})
	wantCode(t, err, article5.EINVALID)
	_, _, err = s.FindCases(context.Background(), article5.CaseFilter{Cursor: "not a cursor"})
	wantCode(t, err, article5.EINVALID)
}

func testConcurrentIngest(t *testing.T, s article5.Store) {
	const workers, batches, per = 6, 4, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers*batches)
	for w := 0; w < workers; w++ {
		objs := make([][]*article5.StoredObject, batches)
		for b := range objs {
			for i := 0; i < per; i++ {
				objs[b] = append(objs[b], Object(t, identityJSON(100000+w*1000+b*100+i), ""))
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, batch := range objs {
				if _, err := s.IngestObjects(context.Background(), article5.IngestRequest{Objects: batch}); err != nil {
					errs <- err
				}
				if _, err := s.FindObjects(context.Background(), article5.ObjectFilter{Limit: 10}); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent ingest: %v", err)
	}
	n, cursor := 0, ""
	for {
		p := MustFind(t, s, article5.ObjectFilter{Limit: 1000, Cursor: cursor})
		n += len(p.Objects)
		if cursor = p.Next; cursor == "" {
			break
		}
	}
	if n != workers*batches*per {
		t.Fatalf("%d objects stored, want %d", n, workers*batches*per)
	}
}

func testSourceRefs(t *testing.T, s article5.Store) {
	rel := func(id, src, tgt string) *article5.StoredObject {
		return Object(t, `{"type":"relationship","spec_version":"2.1","id":"`+id+`","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","relationship_type":"targets","source_ref":"`+src+`","target_ref":"`+tgt+`"}`, "")
	}
	a := "incident--0a0a0a0a-0000-4000-8000-000000000001"
	b := "incident--0b0b0b0b-0000-4000-8000-000000000002"
	loc := "location--0c0c0c0c-0000-4000-8000-000000000003"
	MustIngest(t, s,
		rel("relationship--10000000-0000-4000-8000-000000000001", a, loc),
		rel("relationship--10000000-0000-4000-8000-000000000002", b, loc),
		rel("relationship--10000000-0000-4000-8000-000000000003", a, b))
	page, err := s.FindObjects(context.Background(), article5.ObjectFilter{SourceRefs: []string{a}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range page.Objects {
		got = append(got, o.ID)
		if o.SourceRef != a {
			t.Errorf("%s has source %s, want %s", o.ID, o.SourceRef, a)
		}
	}
	if len(got) != 2 {
		t.Errorf("relationships from %s: %v, want 2", a, got)
	}
}
