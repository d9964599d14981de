// Package storetest is the one conformance suite of article5.Store: every
// storage adapter (sqlite always, postgres when a DSN is set) runs Run and
// must behave the same. It also holds the storage benchmarks' bodies.
//
// Objects are built by hand from real STIX 2.1 JSON (Object); the store is
// given the raw bytes, the version as a string and its instant as integers,
// as the ingest path does.
package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"article5"
)

// EvidenceOf is a case index naming the case's own grouping as its only
// evidence: what SaveAssessment needs of a case the suite makes by hand.
func EvidenceOf(c *article5.CaseSummary) article5.CaseIndex {
	return article5.CaseIndex{Case: c.ID, Evidence: []article5.ObjectRef{{ID: c.ID}}, Watched: []string{c.ID}}
}

// Revoker is implemented by stores that can revoke a token (both adapters
// do); the suite uses it to prove that a revoked token is not found.
type Revoker interface {
	RevokeToken(ctx context.Context, id string) error
}

// Object builds a StoredObject from raw STIX JSON: id, type, version
// (modified, else created), created_by_ref, revoked, markings and
// relationship refs are read from it; Raw is kept as given and SHA256 is
// the sha256 of its compact form (stable, which is all a store needs). An
// object with neither modified nor created is unversioned: its Version is
// dateAdded, as the ingest path sets it.
func Object(tb testing.TB, raw string, dateAdded string) *article5.StoredObject {
	tb.Helper()
	var m struct {
		ID                string   `json:"id"`
		Type              string   `json:"type"`
		Modified          string   `json:"modified"`
		Created           string   `json:"created"`
		CreatedByRef      string   `json:"created_by_ref"`
		SpecVersion       string   `json:"spec_version"`
		Revoked           bool     `json:"revoked"`
		ObjectMarkingRefs []string `json:"object_marking_refs"`
		SourceRef         string   `json:"source_ref"`
		TargetRef         string   `json:"target_ref"`
	}
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		tb.Fatalf("storetest: bad STIX JSON: %v\n%s", err, raw)
	}
	o := &article5.StoredObject{ID: m.ID, Type: m.Type, SpecVersion: m.SpecVersion, CreatedBy: m.CreatedByRef,
		Revoked: m.Revoked, Raw: []byte(raw), SourceRef: m.SourceRef, TargetRef: m.TargetRef}
	o.Version = m.Modified
	if o.Version == "" {
		o.Version = m.Created
	}
	if o.Version == "" {
		o.Version, o.Unversioned = dateAdded, true
	}
	o.VersionSec, o.VersionNsec = Instant(tb, o.Version)
	marks := append([]string{}, m.ObjectMarkingRefs...)
	sort.Strings(marks)
	o.Markings = marks
	var compact bytes.Buffer
	if err := json.Compact(&compact, []byte(raw)); err != nil {
		tb.Fatal(err)
	}
	sum := sha256.Sum256(compact.Bytes())
	o.SHA256 = hex.EncodeToString(sum[:])
	return o
}

// Instant parses an RFC 3339 UTC timestamp with any number of fractional
// digits into seconds and nanoseconds (digits past the ninth are dropped:
// the raw string keeps them).
func Instant(tb testing.TB, v string) (int64, int64) {
	tb.Helper()
	s := v
	if i := strings.IndexByte(s, '.'); i >= 0 {
		j := i + 1
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j-i-1 > 9 {
			s = s[:i+10] + s[j:]
		}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		tb.Fatalf("storetest: bad timestamp %q: %v", v, err)
	}
	return t.Unix(), int64(t.Nanosecond())
}

// MustIngest ingests objs (not atomic) and fails the test on error.
func MustIngest(tb testing.TB, s article5.Store, objs ...*article5.StoredObject) *article5.IngestResult {
	tb.Helper()
	res, err := s.IngestObjects(context.Background(), article5.IngestRequest{Objects: objs})
	if err != nil {
		tb.Fatalf("IngestObjects: %v", err)
	}
	return res
}

// orgAccess is the IngestAccess of a submitter of organisation org: it
// may read what is not TLP:RED, and version what is in the custody of org
// or of one of speaksFor.
type orgAccess struct {
	org       string
	speaksFor []string
}

func (a orgAccess) MayRead(o *article5.StoredObject) bool {
	return article5.MarkingRank(o.Markings) < 4
}
func (a orgAccess) MayVersion(c string) bool { return c == a.org || slices.Contains(a.speaksFor, c) }
func (a orgAccess) Standard(string) bool     { return false }

// MustIngestAs ingests objs as a token of organisation org ("token--<org>"),
// speaking for speaksFor, and fails the test on error.
func MustIngestAs(tb testing.TB, s article5.Store, org string, objs ...any) *article5.IngestResult {
	tb.Helper()
	var list []*article5.StoredObject
	var speaks []string
	for _, x := range objs {
		switch v := x.(type) {
		case *article5.StoredObject:
			c := *v
			c.Submitter, c.SubmitterOrg = "token--"+org, org
			list = append(list, &c)
		case string:
			speaks = append(speaks, v)
		}
	}
	res, err := s.IngestObjects(context.Background(), article5.IngestRequest{Objects: list, Access: orgAccess{org: org, speaksFor: speaks}})
	if err != nil {
		tb.Fatalf("IngestObjects as %s: %v", org, err)
	}
	return res
}

// MustVersions returns the stored versions of id and fails the test on error.
func MustVersions(tb testing.TB, s article5.Store, id string) []*article5.StoredObject {
	tb.Helper()
	vs, err := s.FindObjectVersions(context.Background(), id)
	if err != nil {
		tb.Fatalf("FindObjectVersions(%s): %v", id, err)
	}
	return vs
}

// MustFind returns a page of objects and fails the test on error.
func MustFind(tb testing.TB, s article5.Store, f article5.ObjectFilter) *article5.ObjectPage {
	tb.Helper()
	p, err := s.FindObjects(context.Background(), f)
	if err != nil {
		tb.Fatalf("FindObjects(%+v): %v", f, err)
	}
	return p
}

func wantCode(tb testing.TB, err error, code string) {
	tb.Helper()
	if !errors.Is(err, &article5.Error{Code: code}) {
		tb.Fatalf("error = %v (code %q), want code %q", err, article5.ErrorCode(err), code)
	}
}

func versionsOf(vs []*article5.StoredObject) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.Version
	}
	return out
}

func idsOf(vs []*article5.StoredObject) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.ID
	}
	return out
}

// Run runs the conformance suite. open returns a fresh, empty store for
// one subtest (and arranges its cleanup with t.Cleanup).
func Run(t *testing.T, open func(t *testing.T) article5.Store) {
	for _, tc := range []struct {
		name string
		run  func(t *testing.T, s article5.Store)
	}{
		{"Ping", testPing},
		{"MultipleVersionsKeptLatestIsGreatestModified", testMultiVersion},
		{"SubMicrosecondVersionsAreDistinct", testSubMicrosecond},
		{"UnversionedObjects", testUnversioned},
		{"SameVersionDifferentContentRejected", testSameVersionDifferent},
		{"CustodyAndQuarantine", testCustody},
		{"AtomicRefusalStoresNothing", testAtomic},
		{"NonAtomicStoresTheRestAndKeepsPriorRejections", testNonAtomic},
		{"RevokedKeptAndFlagged", testRevoked},
		{"RawKeptByteForByte", testRaw},
		{"NotFoundIsAnError", testNotFound},
		{"FindObjectsFilters", testFilters},
		{"FindRelationshipsBySource", testSourceRefs},
		{"PaginationTies", testPaginationTies},
		{"AddedAfterExclusive", testAddedAfter},
		{"MalformedCursorInvalid", testBadCursor},
		{"ConcurrentIngests", testConcurrentIngest},
		{"IngestQueuesTheCasesItChanges", testQueueFromIndex},
		{"QueueLeaseAndRedelivery", testJobLease},
		{"QueuedAgainWhileRunning", testRequeueWhileRunning},
		{"CaseClaimedOnce", testJobClaimedOnce},
		{"IndexRequeuesForObjectsStoredDuringTheWalk", testIndexRequeue},
		{"CasesReleasedInTheQuery", testCaseAudience},
		{"CaseAudienceAgreesWithTheRule", testCaseAudienceAgrees},
		{"ObjectsReleasedInTheQuery", testObjectAudience},
		{"ReleasedPagesAgreeWithTheRule", testReleasedPagesAgree},
		{"ProvenanceKept", testProvenance},
		{"NodeSecrets", testNodeSecrets},
		{"Organisations", testOrganisations},
		{"SaveAssessmentEvents", testSaveAssessment},
		{"FindCases", testFindCases},
		{"Tokens", testTokens},
		{"Users", testUsers},
		{"Sessions", testSessions},
		{"UserAdmin", testUserAdmin},
		{"Doctrines", testDoctrines},
		{"Webhooks", testWebhooks},
		{"Consultations", testConsultations},
		{"ConsultationLogBeforeBy", testConsultationLogBeforeBy},
		{"ApproverKeys", testApproverKeys},
		{"Partners", testPartners},
		{"PartnerHeads", testPartnerHeads},
		{"PartnerPushes", testPartnerPushes},
		{"ConcurrentWritersDoNotDeadlock", testConcurrentWriters},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			tc.run(t, s)
		})
	}
}

func asError(err error, target **article5.Error) bool { return errors.As(err, target) }
