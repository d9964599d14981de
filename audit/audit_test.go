package audit_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"article5"
	"article5/audit"
)

var t0 = time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)

var kinds = []string{audit.KindSTIXObject, audit.KindCase, audit.KindPosition, audit.KindSignature, audit.KindDetermination,
	audit.KindUser, audit.KindRole, audit.KindKey, audit.KindDoctrine, audit.KindToken}

// testEntry returns the i-th test entry (Index unset): a distinct row per i.
func testEntry(i int) audit.Entry {
	ref := fmt.Sprintf("objects/indicator--%08d/2026-11-29T08:00:00Z", i)
	return audit.Entry{Kind: kinds[i%len(kinds)], Ref: ref, Digest: audit.Digest([]byte(ref)), Time: t0.Add(time.Duration(i) * time.Millisecond)}
}

// MustLog returns a log of n test entries appended in batches of up to 7.
func MustLog(tb testing.TB, n int) *audit.Log {
	tb.Helper()
	l := audit.NewLog()
	for i := 0; i < n; {
		var batch []audit.Entry
		for ; i < n && len(batch) < 7; i++ {
			batch = append(batch, testEntry(i))
		}
		if _, err := l.Append(batch...); err != nil {
			tb.Fatal(err)
		}
	}
	return l
}

// MustHead returns the head of the whole log.
func MustHead(tb testing.TB, l *audit.Log) audit.TreeHead {
	tb.Helper()
	th, err := l.TreeHead(l.N())
	if err != nil {
		tb.Fatal(err)
	}
	return th
}

// MustKey returns a signer and verifiers for a new node key.
func MustKey(tb testing.TB, name string) (note.Signer, note.Verifiers) {
	tb.Helper()
	skey, vkey, err := audit.NewNodeKey(name)
	if err != nil {
		tb.Fatal(err)
	}
	s, err := audit.NewSigner(skey)
	if err != nil {
		tb.Fatal(err)
	}
	v, err := audit.NewVerifiers(vkey)
	if err != nil {
		tb.Fatal(err)
	}
	return s, v
}

// MustSign signs th.
func MustSign(tb testing.TB, th audit.TreeHead, s note.Signer) []byte {
	tb.Helper()
	msg, err := audit.SignTreeHead(th, s)
	if err != nil {
		tb.Fatal(err)
	}
	return msg
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if !errors.Is(err, &article5.Error{Code: code}) {
		t.Fatalf("error = %v (code %q), want code %q", err, article5.ErrorCode(err), code)
	}
}

func TestEntryData(t *testing.T) {
	e := audit.Entry{Index: 42, Kind: audit.KindCase, Ref: "cases/3f0c", Digest: audit.Digest([]byte("x")), Time: time.Unix(1, 5).In(time.FixedZone("JST", 9*3600))}
	want := "42 case cases/3f0c 2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881 1000000005\n"
	if got := string(e.Data()); got != want {
		t.Fatalf("Data() = %q, want %q", got, want)
	}
	if e.RecordHash() != tlog.RecordHash([]byte(want)) {
		t.Fatal("RecordHash() is not tlog.RecordHash(Data())")
	}
	back, err := audit.ParseEntry(e.Data())
	if err != nil {
		t.Fatal(err)
	}
	if back.Index != e.Index || back.Kind != e.Kind || back.Ref != e.Ref || back.Digest != e.Digest || !back.Time.Equal(e.Time) {
		t.Fatalf("ParseEntry(Data()) = %+v, want %+v", back, e)
	}
	for _, bad := range []string{"", "42 case cases/3f0c - 1", "42 case cases/3f0c - 1\n\n", "042 case r - 1\n", "1 Case r - 1\n", "1 case r x 1\n", "1 case r - 1 extra more\n", "1 case r - 1 \n", "-1 case r - 1\n"} {
		if _, err := audit.ParseEntry([]byte(bad)); err == nil {
			t.Errorf("ParseEntry(%q) succeeded", bad)
		} else {
			wantCode(t, err, article5.EINVALID)
		}
	}
}

// TestEntryBy: the principal that made a change is an optional sixth leaf
// field; an entry without it encodes (and hashes) as before.
func TestEntryBy(t *testing.T) {
	e := audit.Entry{Index: 7, Kind: audit.KindSTIXObject, Ref: "objects/x/1", Digest: audit.Digest([]byte("x")), Time: time.Unix(1, 0),
		By: audit.ByOf("token--abc", "identity--def")}
	want := "7 stix-object objects/x/1 2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881 1000000000 token--abc@identity--def\n"
	if got := string(e.Data()); got != want {
		t.Fatalf("Data() = %q, want %q", got, want)
	}
	back, err := audit.ParseEntry(e.Data())
	if err != nil || back.By != e.By {
		t.Fatalf("ParseEntry(Data()) = %+v, %v; want By %q", back, err, e.By)
	}
	e.By = "with space"
	if err := e.Validate(); err == nil {
		t.Fatal("a By with a space validated")
	}
	if audit.ByOf("", "identity--x") != "" || audit.ByOf("user--1", "") != "user--1" {
		t.Fatal("ByOf edge cases")
	}
}

func TestAppendRejectsInvalidEntry(t *testing.T) {
	for name, edit := range map[string]func(*audit.Entry){
		"kind with capital":  func(e *audit.Entry) { e.Kind = "Case" },
		"empty kind":         func(e *audit.Entry) { e.Kind = "" },
		"ref with space":     func(e *audit.Entry) { e.Ref = "cases/a b" },
		"empty ref":          func(e *audit.Entry) { e.Ref = "" },
		"ref with newline":   func(e *audit.Entry) { e.Ref = "cases/a\n" },
		"short digest":       func(e *audit.Entry) { e.Digest = "abc" },
		"uppercase digest":   func(e *audit.Entry) { e.Digest = strings.ToUpper(e.Digest) },
		"zero time":          func(e *audit.Entry) { e.Time = time.Time{} },
		"time out of ns int": func(e *audit.Entry) { e.Time = time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC) },
	} {
		t.Run(name, func(t *testing.T) {
			l := MustLog(t, 3)
			bad := testEntry(4)
			edit(&bad)
			_, err := l.Append(testEntry(3), bad)
			wantCode(t, err, article5.EINVALID)
			if l.N() != 3 {
				t.Fatalf("log has %d entries after a failed append, want 3", l.N())
			}
		})
	}
}

// TestAppendAdapter appends through Append as a storage adapter would, in
// transactions of varying size against "tables" held in maps, and checks
// the result matches the in-memory Log and tlog's own tree hash.
func TestAppendAdapter(t *testing.T) {
	ctx := context.Background()
	entriesTable := map[int64]audit.Entry{}
	hashesTable := map[int64]tlog.Hash{}
	read := audit.HashReaderFunc(func(_ context.Context, idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			h, ok := hashesTable[x]
			if !ok {
				return nil, fmt.Errorf("no stored hash %d", x)
			}
			out[i] = h
		}
		return out, nil
	})
	var last audit.TreeHead
	next := 0
	for tx, size := range []int{1, 1, 2, 5, 0, 8, 13, 1, 100} {
		var batch []audit.Entry
		for range size {
			batch = append(batch, testEntry(next))
			next++
		}
		b, err := audit.Append(ctx, read, int64(len(entriesTable)), batch)
		if err != nil {
			t.Fatalf("tx %d: %v", tx, err)
		}
		if b.HashIndex != int64(len(hashesTable)) {
			t.Fatalf("tx %d: HashIndex = %d, want %d", tx, b.HashIndex, len(hashesTable))
		}
		for _, e := range b.Entries {
			entriesTable[e.Index] = e
		}
		for i, h := range b.Hashes {
			hashesTable[b.HashIndex+int64(i)] = h
		}
		last = b.Head
	}
	n := int64(len(entriesTable))
	if last.N != n || int64(len(hashesTable)) != tlog.StoredHashCount(n) {
		t.Fatalf("head N = %d, %d stored hashes; want %d and %d", last.N, len(hashesTable), n, tlog.StoredHashCount(n))
	}
	th, err := tlog.TreeHash(n, tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) { return read(ctx, idx) }))
	if err != nil || th != last.Hash {
		t.Fatalf("tlog.TreeHash = %v, %v; head hash %v", th, err, last.Hash)
	}
	l := MustLog(t, int(n))
	if h := MustHead(t, l); h != last {
		t.Fatalf("Log head %+v, adapter head %+v", h, last)
	}
	for i, h := range l.Hashes() {
		if hashesTable[int64(i)] != h {
			t.Fatalf("stored hash %d differs between Log and adapter", i)
		}
	}
}

func TestTreeHeadSignature(t *testing.T) {
	l := MustLog(t, 10)
	th := MustHead(t, l)
	signer, verifiers := MustKey(t, "jp.article5.example")
	msg := MustSign(t, th, signer)
	if !strings.HasPrefix(string(msg), "go.sum database tree\n10\n") {
		t.Fatalf("signed head does not use tlog.FormatTree:\n%s", msg)
	}
	got, err := audit.VerifyTreeHead(msg, verifiers)
	if err != nil {
		t.Fatal(err)
	}
	if got != th {
		t.Fatalf("VerifyTreeHead = %+v, want %+v", got, th)
	}

	t.Run("forged by another key with the same name", func(t *testing.T) {
		forger, _ := MustKey(t, "jp.article5.example")
		_, err := audit.VerifyTreeHead(MustSign(t, th, forger), verifiers)
		wantCode(t, err, article5.EFORBIDDEN)
	})
	t.Run("edited tree size", func(t *testing.T) {
		edited := strings.Replace(string(msg), "\n10\n", "\n11\n", 1)
		_, err := audit.VerifyTreeHead([]byte(edited), verifiers)
		wantCode(t, err, article5.EFORBIDDEN)
	})
	t.Run("signed by an unknown node", func(t *testing.T) {
		other, _ := MustKey(t, "us.article5.example")
		_, err := audit.VerifyTreeHead(MustSign(t, th, other), verifiers)
		wantCode(t, err, article5.EFORBIDDEN)
	})
	t.Run("not a note", func(t *testing.T) {
		_, err := audit.VerifyTreeHead([]byte("hello\n"), verifiers)
		wantCode(t, err, article5.EINVALID)
	})
	t.Run("bad keys", func(t *testing.T) {
		_, _, err := audit.NewNodeKey("bad name")
		wantCode(t, err, article5.EINVALID)
		_, err = audit.NewSigner("nonsense")
		wantCode(t, err, article5.EINVALID)
		_, err = audit.NewVerifiers("nonsense")
		wantCode(t, err, article5.EINVALID)
	})
}

func TestInclusionProof(t *testing.T) {
	l := MustLog(t, 37)
	for size := int64(1); size <= l.N(); size++ {
		head, err := l.TreeHead(size)
		if err != nil {
			t.Fatal(err)
		}
		for i := range size {
			p, err := l.InclusionProof(i, size)
			if err != nil {
				t.Fatalf("InclusionProof(%d, %d): %v", i, size, err)
			}
			if err := p.Check(head); err != nil {
				t.Fatalf("proof of %d in %d: %v", i, size, err)
			}
		}
	}
	head := MustHead(t, l)
	p, err := l.InclusionProof(20, head.N)
	if err != nil {
		t.Fatal(err)
	}
	text, err := p.MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	var back audit.InclusionProof
	if err := back.UnmarshalText(text); err != nil {
		t.Fatalf("UnmarshalText(%q): %v", text, err)
	}
	if err := back.Check(head); err != nil {
		t.Fatalf("decoded proof: %v", err)
	}

	t.Run("edited entry", func(t *testing.T) {
		q := back
		q.Entry.Digest = audit.Digest([]byte("forged"))
		wantCode(t, q.Check(head), article5.ECONFLICT)
	})
	t.Run("edited proof hash", func(t *testing.T) {
		q := back
		q.Proof = append(tlog.RecordProof(nil), back.Proof...)
		q.Proof[1][0] ^= 1
		wantCode(t, q.Check(head), article5.ECONFLICT)
	})
	t.Run("other tree size", func(t *testing.T) {
		small, _ := l.TreeHead(30)
		wantCode(t, back.Check(small), article5.EINVALID)
	})
	t.Run("entry outside the log", func(t *testing.T) {
		_, err := l.InclusionProof(37, 37)
		wantCode(t, err, article5.ENOTFOUND)
	})
	t.Run("malformed text", func(t *testing.T) {
		var q audit.InclusionProof
		wantCode(t, q.UnmarshalText([]byte(strings.Replace(string(text), "\n37\n", "\nx\n", 1))), article5.EINVALID)
		wantCode(t, q.UnmarshalText(text[:len(text)-5]), article5.EINVALID)
	})
}

func TestConsistencyProof(t *testing.T) {
	l := MustLog(t, 23)
	for o := range l.N() + 1 {
		for n := o; n <= l.N(); n++ {
			oh, _ := l.TreeHead(o)
			nh, _ := l.TreeHead(n)
			p, err := l.ConsistencyProof(o, n)
			if err != nil {
				t.Fatalf("ConsistencyProof(%d, %d): %v", o, n, err)
			}
			if err := audit.CheckConsistency(oh, nh, p); err != nil {
				t.Fatalf("consistency %d→%d: %v", o, n, err)
			}
		}
	}

	signer, verifiers := MustKey(t, "jp.article5.example")
	oldHead, _ := l.TreeHead(10)
	newHead := MustHead(t, l)
	oldSigned, newSigned := MustSign(t, oldHead, signer), MustSign(t, newHead, signer)
	p, _ := l.ConsistencyProof(10, 23)
	text, _ := p.MarshalText()
	var back audit.ConsistencyProof
	if err := back.UnmarshalText(text); err != nil {
		t.Fatalf("UnmarshalText(%q): %v", text, err)
	}
	if _, _, err := audit.CheckSignedConsistency(oldSigned, newSigned, verifiers, &back); err != nil {
		t.Fatal(err)
	}

	t.Run("rewritten history", func(t *testing.T) {
		// A second log shares the first 5 entries, then differs: its head
		// at 23, signed by the same key, must not extend the old head.
		forked := audit.NewLog()
		for i := range 23 {
			e := testEntry(i)
			if i == 5 {
				e.Digest = audit.Digest([]byte("rewritten"))
			}
			if _, err := forked.Append(e); err != nil {
				t.Fatal(err)
			}
		}
		forkedHead := MustHead(t, forked)
		fp, _ := forked.ConsistencyProof(10, 23)
		_, _, err := audit.CheckSignedConsistency(oldSigned, MustSign(t, forkedHead, signer), verifiers, fp)
		wantCode(t, err, article5.ECONFLICT)
	})
	t.Run("edited proof hash", func(t *testing.T) {
		q := back
		q.Proof = append(tlog.TreeProof(nil), back.Proof...)
		q.Proof[0][3] ^= 1
		wantCode(t, audit.CheckConsistency(oldHead, newHead, &q), article5.ECONFLICT)
	})
	t.Run("new head smaller", func(t *testing.T) {
		wantCode(t, audit.CheckConsistency(newHead, oldHead, &back), article5.EINVALID)
	})
	t.Run("forged new head", func(t *testing.T) {
		forger, _ := MustKey(t, "jp.article5.example")
		_, _, err := audit.CheckSignedConsistency(oldSigned, MustSign(t, newHead, forger), verifiers, &back)
		wantCode(t, err, article5.EFORBIDDEN)
	})
	t.Run("malformed text", func(t *testing.T) {
		var q audit.ConsistencyProof
		wantCode(t, q.UnmarshalText([]byte("article5 audit consistency proof\n10\n")), article5.EINVALID)
	})
}

// TestLegacyObjectDigestIsFields: LegacyObjectDigest's streaming form
// equals the fields encoding of every column (the form the log was written
// with before migration 0008).
func TestLegacyObjectDigestIsFields(t *testing.T) {
	o := &article5.StoredObject{ID: "indicator--x", Version: "2024-01-01T00:00:00.000Z", VersionSec: 1704067200, VersionNsec: 5,
		Added: time.Unix(1704067300, 7).UTC(), Type: "indicator", SpecVersion: "2.1", CreatedBy: "identity--y", Revoked: true,
		Markings: []string{"m1", "m2"}, SourceRef: "s", TargetRef: "t", SHA256: "ab", Raw: []byte(`{"a":1}`)}
	want := audit.FieldsDigestForTest("object", o.ID, o.Version, "1704067200", "5", "0", "1704067300", "7", o.Type, o.SpecVersion,
		o.CreatedBy, "1", "m1\nm2", "s", "t", "ab", `{"a":1}`)
	if got := audit.LegacyObjectDigest(o); got != want {
		t.Errorf("LegacyObjectDigest = %s, want %s", got, want)
	}
}

// TestObjectDigestIsFields: the digest ingest logs is the fields encoding
// of every column, raw by its hash.
func TestObjectDigestIsFields(t *testing.T) {
	o := &article5.StoredObject{ID: "indicator--x", Version: "2024-01-01T00:00:00.000Z", VersionSec: 1704067200, VersionNsec: 5,
		Added: time.Unix(1704067300, 7).UTC(), Type: "indicator", SpecVersion: "2.1", CreatedBy: "identity--y", Revoked: true,
		Markings: []string{"m1", "m2"}, SourceRef: "s", TargetRef: "t", SHA256: "ab", Raw: []byte(`{"a":1}`),
		Submitter: "token--z", SubmitterOrg: "identity--y", Custodian: "identity--y", RedRecipients: []string{"user--a"}}
	rawSum := sha256.Sum256(o.Raw)
	want := audit.FieldsDigestForTest("object/2", o.ID, o.Version, "1704067200", "5", "0", "1704067300", "7", o.Type, o.SpecVersion,
		o.CreatedBy, "1", "m1\nm2", "s", "t", "ab", "token--z", "identity--y", "identity--y", "0", ",user--a,", hex.EncodeToString(rawSum[:]))
	if got := audit.ObjectDigest(o); got != want {
		t.Errorf("ObjectDigest = %s, want %s", got, want)
	}
	if got := audit.ObjectDigestOf(o, ",user--a,", hex.EncodeToString(rawSum[:])); got != want {
		t.Errorf("ObjectDigestOf = %s, want %s", got, want)
	}
}

// TestCoveredObjectDigest: what the routine check (deep false) and the
// deep check find in one objects row.
func TestCoveredObjectDigest(t *testing.T) {
	green := "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
	raw := []byte(`{"type":"indicator","id":"indicator--x","object_marking_refs":["` + green + `"]}`)
	intact := func() *audit.CoveredObject {
		c := &audit.CoveredObject{StoredObject: article5.StoredObject{ID: "indicator--x", Version: "v", Type: "indicator",
			Markings: []string{green}, SHA256: "ab", Raw: raw, Submitter: "token--z"}, Rank: 1, Red: ",", RawSHA256: audit.RawSHA256(raw)}
		return c
	}
	logged := audit.ObjectDigest(&intact().StoredObject)
	legacy := audit.LegacyObjectDigest(&intact().StoredObject)
	for _, tc := range []struct {
		name          string
		edit          func(c *audit.CoveredObject)
		legacy        bool // the row was logged before raw_sha256 (RawSHA256 "")
		routine, deep bool // whether each check finds the row intact
	}{
		{"intact", func(c *audit.CoveredObject) {}, false, true, true},
		{"raw edited alone", func(c *audit.CoveredObject) { c.Raw = append([]byte(" "), raw...) }, false, true, false},
		{"raw edited, raw not read", func(c *audit.CoveredObject) { c.Raw = nil }, false, true, false},
		{"raw_sha256 edited", func(c *audit.CoveredObject) { c.RawSHA256 = audit.RawSHA256(nil) }, false, false, false},
		{"tlp_rank lowered", func(c *audit.CoveredObject) { c.Rank = 0 }, false, false, false},
		{"red edited", func(c *audit.CoveredObject) { c.Red = ",user--mallory," }, false, false, false},
		{"markings edited", func(c *audit.CoveredObject) { c.Markings = nil; c.Rank = -1 }, false, false, false},
		{"legacy row intact", func(c *audit.CoveredObject) { c.RawSHA256 = "" }, true, true, true},
		{"legacy row raw edited", func(c *audit.CoveredObject) { c.RawSHA256 = ""; c.Raw = append([]byte(" "), raw...) }, true, false, false},
		{"legacy row red edited", func(c *audit.CoveredObject) { c.RawSHA256 = ""; c.Red = ",user--mallory," }, true, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := logged
			if tc.legacy {
				want = legacy
			}
			for _, deep := range []bool{false, true} {
				c := intact()
				tc.edit(c)
				got := c.Digest(deep) == want
				if wantIntact := map[bool]bool{false: tc.routine, true: tc.deep}[deep]; got != wantIntact {
					t.Errorf("deep %v: intact %v, want %v (digest %s)", deep, got, wantIntact, c.Digest(deep))
				}
			}
		})
	}
}

// TestRecordHashIsTlogs: Entry.RecordHash is tlog.RecordHash of its data.
func TestRecordHashIsTlogs(t *testing.T) {
	for i := range 20 {
		e := testEntry(i)
		e.Index = int64(i)
		if i%2 == 1 {
			e.By = "token--x@identity--y"
		}
		if got, want := e.RecordHash(), tlog.RecordHash(e.Data()); got != want {
			t.Fatalf("entry %d: %v, want %v", i, got, want)
		}
	}
}
