package assess_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"testing"

	"article5"
	"article5/assess"
	"article5/examples"
	"article5/stix"

	"github.com/gowebpki/jcs"
)

// referenceHashInput is the assessment hash input the way DESIGN.md §5
// defines it: jcs.Transform of json.Marshal of the whole.
func referenceHashInput(tb testing.TB, rep *article5.Report) ([]byte, error) {
	tb.Helper()
	whole, err := json.Marshal(map[string]any{
		"case": rep.Case, "evidence_digest": rep.EvidenceDigest, "doctrines": rep.Doctrines,
		"findings": assess.HashedFindingsOf(rep),
	})
	if err != nil {
		return nil, err
	}
	return jcs.Transform(whole)
}

// mustMatchReference fails unless HashInput (written directly, in blocks,
// on 1 and 3 goroutines) is byte-identical to referenceHashInput and
// AssessmentHash is its sha256.
func mustMatchReference(t *testing.T, name string, rep *article5.Report) {
	t.Helper()
	want, err := referenceHashInput(t, rep)
	if err != nil {
		t.Fatalf("%s: reference: %v", name, err)
	}
	for _, workers := range []int{1, 3} {
		got, err := assess.HashInput(context.Background(), rep, workers)
		if err != nil {
			t.Fatalf("%s: HashInput: %v", name, err)
		}
		if !bytes.Equal(got, want) {
			i := 0
			for i < len(got) && i < len(want) && got[i] == want[i] {
				i++
			}
			t.Fatalf("%s (workers %d): canonical bytes differ from jcs at byte %d:\n got  …%s\n want …%s", name, workers, i, excerpt(got, i), excerpt(want, i))
		}
		h, err := assess.AssessmentHash(context.Background(), rep, workers)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(want)
		if h != hex.EncodeToString(sum[:]) {
			t.Fatalf("%s: AssessmentHash is not the sha256 of the canonical bytes", name)
		}
	}
}

func excerpt(b []byte, i int) string {
	lo, hi := max(0, i-60), min(len(b), i+60)
	return string(b[lo:hi])
}

// TestCanonicalWriterMatchesJCS: the canonical JSON article5 writes
// directly for its hash input is byte-identical to jcs.Transform of
// json.Marshal — on every example, on large synthetic cases (so several
// blocks and windows of incidents), and on a report full of hostile
// strings, numbers and keys.
func TestCanonicalWriterMatchesJCS(t *testing.T) {
	for _, name := range examples.Names() {
		mustMatchReference(t, name, MustAssess(t, 0, MustExample(t, name)))
	}
	mustMatchReference(t, "synthetic 300", MustAssess(t, 0, MustParse(t, syntheticCase(t, 300))))
	mustMatchReference(t, "large 1500", MustAssess(t, 0, MustParse(t, LargeCase(1500))))
	mustMatchReference(t, "hostile", hostileReport())
	// The smallest report: one incident, nothing else set. (With no
	// incident at all, which Assess never reports, the hash input has
	// always held "incidents":[] where the marshalled projection has null.)
	mustMatchReference(t, "bare", &article5.Report{Incidents: []article5.IncidentReport{{}}})
}

// hostileStrings are strings whose canonical form differs from their
// json.Marshal form: control characters, HTML characters, line and
// paragraph separators, invalid UTF-8, characters on both sides of the
// surrogate range (UTF-16 order is not code point order there).
var hostileStrings = []string{
	"", "plain", "quote \" backslash \\ slash /", "\b\f\n\r\t\x00\x01\x1f\x7f",
	"<script>&amp;</script>", "line\u2028para\u2029", "bad \xff\xfe utf-8 \xc3", "surrogate \xed\xa0\x80 half",
	"\U0001F600 emoji", "\uE000 private", "\uFFFD replacement", "日本語", "Ω≈ç√",
}

// hostileNumbers are numbers whose ECMAScript form differs from Go's.
var hostileNumbers = []any{
	0.0, math.Copysign(0, -1), 1e21, 1e20, 1e-6, 1e-7, 0.1, 1.0 / 3, 5e-324, math.MaxFloat64, -2.5e-10, 123456789.125,
	int64(1<<53 + 1), int64(math.MaxInt64), int64(-1 << 62), int64(0), 7, -3, true, false, nil,
	[]string{"a", "\u2028"}, []string(nil), []string{}, article5.TierIndeterminate, article5.ScopeIn,
	map[string]any{"\U0001F600": 1, "\uE000": 2, "b": "x", "a": []string{"<"}},
	[]any{1, "x"}, map[string]int{"z": 1, "a": 2}, struct{ A, B int }{1, 2},
}

// hostileReport fills every hashed field of a report, several times over,
// with hostileStrings and hostileNumbers.
func hostileReport() *article5.Report {
	s := func(i int) string { return hostileStrings[i%len(hostileStrings)] }
	v := func(i int) any { return hostileNumbers[i%len(hostileNumbers)] }
	conf, t, f := 87, true, false
	assessment := func(i int) *article5.DoctrineAssessment {
		a := &article5.DoctrineAssessment{Severity: i % 11, Priority: article5.Priority{Score: float64(i) / 7, Level: s(i)},
			Tier: article5.Tier(s(i + 1)), TierOnKnownFacts: article5.Tier(s(i + 2)), TierRule: article5.Rule{Name: s(i + 3)},
			SelfDefenceAvailable: i%2 == 0, LeadIncident: s(i + 4)}
		a.UseOfForce.Met = i%3 == 0
		a.ArmedAttack.Met = i%3 == 1
		for k := 0; k < 9; k++ {
			a.UseOfForce.Factors = append(a.UseOfForce.Factors, article5.Factor{Name: s(i + k), Score: k - 2})
			a.ArmedAttack.Criteria = append(a.ArmedAttack.Criteria, article5.Criterion{Name: s(i + 2*k), Met: k%2 == 0})
		}
		a.Attribution = article5.Attribution{LegalBasis: s(i + 5), Sufficient: i%2 == 1}
		if i%2 == 0 {
			a.Attribution.Actor = &article5.Ref{ID: s(i + 6)}
			a.Attribution.State = &article5.Ref{ID: s(i + 7)}
			a.Attribution.Confidence = &conf
			a.Attribution.StateNexus = &t
		} else {
			a.Attribution.StateNexus = &f
		}
		for k := 0; k < len(hostileNumbers); k++ {
			c := article5.ChangeIf{Fact: s(i + k), Value: v(i + k), Tier: article5.Tier(s(k))}
			if k%3 == 0 {
				c.With = map[string]any{s(k): v(k + 1), s(k + 1): v(k + 2)}
			}
			if k%5 == 0 {
				c.With = map[string]any{}
			}
			a.ChangesIf = append(a.ChangesIf, c)
		}
		if i%2 == 0 {
			a.Cumulative = &article5.Cumulative{Enabled: true, Raised: i%4 == 0, Tier: article5.Tier(s(i)),
				Groups: []article5.CumulativeGroup{
					{Originator: article5.Ref{ID: s(i)}, Incidents: []string{s(i), s(i + 1)}, From: s(i + 2), To: s(i + 3),
						Facts: map[string]any{s(i): v(i), s(i + 1): v(i + 1), s(i + 8): v(i + 2)}, Tier: article5.Tier(s(i + 4))},
					{Originator: article5.Ref{ID: s(i + 1)}, Facts: nil},
				}}
		} else if i%3 == 0 {
			a.Cumulative = &article5.Cumulative{}
		}
		return a
	}
	scope := func(i int) article5.ScopeFinding {
		sf := article5.ScopeFinding{Value: article5.Scope(s(i)), Article: s(i + 1)}
		if i%2 == 0 {
			sf.Facility = s(i + 2)
			sf.Locations = []article5.LocationScope{{Location: s(i), Value: article5.Scope(s(i + 1))}, {Location: s(i + 3)}}
		} else {
			sf.Locations = []article5.LocationScope{}
		}
		return sf
	}
	rep := &article5.Report{Case: s(3), EvidenceDigest: s(4),
		Doctrines:   []article5.DoctrineRef{{ID: s(1), Version: s(2), SHA256: s(3)}, {ID: s(9), Version: s(8)}},
		Scope:       scope(0),
		Assessments: map[string]*article5.DoctrineAssessment{},
	}
	for k := 0; k < 6; k++ {
		rep.Assessments[s(k)] = assessment(k)
		rep.Divergence = append(rep.Divergence, article5.Divergence{Incident: s(k), Aspect: s(k + 1),
			Values: map[string]any{s(k): v(k), s(k + 2): v(k + 3)}})
	}
	rep.Divergence = append(rep.Divergence, article5.Divergence{Aspect: "nil values"})
	for i := 0; i < 3*128+5; i++ { // several blocks of incidents
		inc := article5.IncidentReport{ID: s(i), Scope: scope(i), Assessments: map[string]*article5.DoctrineAssessment{s(i): assessment(i), s(i + 5): assessment(i + 1)}}
		if i%7 == 0 {
			inc.Assessments = nil
		}
		rep.Incidents = append(rep.Incidents, inc)
	}
	return rep
}

// TestCanonicalWriterFailsOnNaN: a number JSON cannot hold fails the hash
// (EINTERNAL), as json.Marshal fails on it, rather than hashing something.
func TestCanonicalWriterFailsOnNaN(t *testing.T) {
	for _, x := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		rep := &article5.Report{Assessments: map[string]*article5.DoctrineAssessment{"jp": {Priority: article5.Priority{Score: x}}}}
		if _, err := assess.AssessmentHash(context.Background(), rep, 1); article5.ErrorCode(err) != article5.EINTERNAL {
			t.Errorf("priority %v: err %v, want EINTERNAL", x, err)
		}
		if _, err := referenceHashInput(t, rep); err == nil {
			t.Errorf("priority %v: the reference path accepted it", x)
		}
	}
}

// FuzzCanonicalString: any string, wherever it sits in the hashed
// findings (value, key, id), is written as jcs writes it.
func FuzzCanonicalString(f *testing.F) {
	for _, s := range hostileStrings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a := &article5.DoctrineAssessment{Tier: article5.Tier(s), ChangesIf: []article5.ChangeIf{{Fact: s, Value: s, With: map[string]any{s: s, "x" + s: 1}}}}
		a.UseOfForce.Factors = []article5.Factor{{Name: s, Score: 1}, {Name: "severity", Score: 2}}
		rep := &article5.Report{Case: s, Assessments: map[string]*article5.DoctrineAssessment{s: a, "jp": a},
			Incidents:  []article5.IncidentReport{{ID: s, Assessments: map[string]*article5.DoctrineAssessment{s: a}}},
			Divergence: []article5.Divergence{{Incident: s, Aspect: s, Values: map[string]any{s: s}}}}
		want, werr := referenceHashInput(t, rep)
		got, gerr := assess.HashInput(context.Background(), rep, 1)
		if (werr != nil) != (gerr != nil) {
			t.Fatalf("%q: reference error %v, direct error %v", s, werr, gerr)
		}
		if werr == nil && !bytes.Equal(got, want) {
			t.Fatalf("%q: got %s, want %s", s, got, want)
		}
	})
}

// TestPrecomputedObjectHashes: the evidence digest and assessment hash are
// the same whether each object's canonical sha256 is computed or given
// (all, some or none of them), as a node gives StoredObject.SHA256.
func TestPrecomputedObjectHashes(t *testing.T) {
	bundles := map[string][]*stix.Bundle{"large 400": {MustParse(t, LargeCase(400))}}
	for _, name := range examples.Names() {
		bundles[name] = []*stix.Bundle{MustExample(t, name)}
	}
	// The same objects twice: identical entries count once in the digest.
	bundles["two bundles"] = []*stix.Bundle{MustExample(t, "hospital-series"), MustExample(t, "hospital-series")}
	opts := assess.Options{Doctrines: MustDoctrines(t)}
	for name, bs := range bundles {
		t.Run(name, func(t *testing.T) {
			want, err := assess.Assess(context.Background(), opts, bs...)
			if err != nil {
				t.Fatal(err)
			}
			all, some := make([]assess.HashedBundle, len(bs)), make([]assess.HashedBundle, len(bs))
			for i, b := range bs {
				all[i] = assess.HashedBundle{Bundle: b, SHA256: make([]string, len(b.Objects))}
				some[i] = assess.HashedBundle{Bundle: b, SHA256: make([]string, len(b.Objects))}
				for j, o := range b.Objects {
					c, err := stix.Canonical(o)
					if err != nil {
						t.Fatal(err)
					}
					sum := sha256.Sum256(c)
					all[i].SHA256[j] = hex.EncodeToString(sum[:])
					if j%2 == 0 {
						some[i].SHA256[j] = all[i].SHA256[j]
					}
				}
			}
			if len(some) > 1 {
				some[1].SHA256 = nil
			}
			for label, hbs := range map[string][]assess.HashedBundle{"all given": all, "some given": some} {
				ev, err := assess.NewEvidenceHashed(hbs...)
				if err != nil {
					t.Fatal(err)
				}
				got, err := assess.AssessEvidence(context.Background(), opts, ev)
				if err != nil {
					t.Fatal(err)
				}
				if got.EvidenceDigest != want.EvidenceDigest || got.Hash != want.Hash {
					t.Errorf("%s: digest %s hash %s, computed gives %s %s", label, got.EvidenceDigest, got.Hash, want.EvidenceDigest, want.Hash)
				}
				var objs []*stix.Object
				var sums []string
				for _, hb := range hbs {
					objs = append(objs, hb.Bundle.Objects...)
					if hb.SHA256 == nil {
						sums = append(sums, make([]string, len(hb.Bundle.Objects))...)
					} else {
						sums = append(sums, hb.SHA256...)
					}
				}
				d, err := assess.EvidenceDigestHashed(context.Background(), objs, sums, 2)
				if err != nil || d != want.EvidenceDigest {
					t.Errorf("%s: EvidenceDigestHashed %s %v, want %s", label, d, err, want.EvidenceDigest)
				}
			}
		})
	}
}

// TestPrecomputedObjectHashesChecked: given hashes are used as given (a
// wrong one changes the digest) but must have the form of one, and one per
// object.
func TestPrecomputedObjectHashesChecked(t *testing.T) {
	b := MustExample(t, "dam-control")
	sums := make([]string, len(b.Objects))
	ev, err := assess.NewEvidenceHashed(assess.HashedBundle{Bundle: b, SHA256: sums})
	if err != nil {
		t.Fatal(err)
	}
	computed, err := ev.Digest(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	sums[0] = "0000000000000000000000000000000000000000000000000000000000000000"
	ev, err = assess.NewEvidenceHashed(assess.HashedBundle{Bundle: b, SHA256: sums})
	if err != nil {
		t.Fatal(err)
	}
	if wrong, _ := ev.Digest(context.Background(), 0); wrong == computed {
		t.Error("a different object hash left the evidence digest unchanged")
	}
	for _, bad := range [][]string{sums[1:], append([]string{"ABCDEF" + sums[0][6:]}, sums[1:]...), append([]string{"00"}, sums[1:]...)} {
		if _, err := assess.NewEvidenceHashed(assess.HashedBundle{Bundle: b, SHA256: bad}); article5.ErrorCode(err) != article5.EINTERNAL {
			t.Errorf("%d hashes, first %q: err %v, want EINTERNAL", len(bad), bad[0], err)
		}
		if len(bad) == len(b.Objects) {
			if _, err := assess.EvidenceDigestHashed(context.Background(), b.Objects, bad, 1); article5.ErrorCode(err) != article5.EINTERNAL {
				t.Errorf("EvidenceDigestHashed with %q: err %v, want EINTERNAL", bad[0], err)
			}
		}
	}
}
