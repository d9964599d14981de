package audit_test

import (
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"article5"
	"article5/audit"
)

// TestLeafProof: a proof without the entry's line (by leaf hash) checks
// against the same head as the full one, its text names neither the line
// nor who made the change, it round-trips through its text form and
// ParseProof, and an edited leaf hash, path or index does not check.
func TestLeafProof(t *testing.T) {
	l := audit.NewLog()
	var batch []audit.Entry
	for i := range 9 {
		e := testEntry(i)
		e.By = audit.ByOf("user--5b1e0c8e-0f4a-4a41-9d0c-3f1b7a4c2e11", "identity--7c477306-5df9-4487-b023-958c6583ffef")
		batch = append(batch, e)
	}
	if _, err := l.Append(batch...); err != nil {
		t.Fatal(err)
	}
	head := MustHead(t, l)
	full, err := l.InclusionProof(5, head.N)
	if err != nil {
		t.Fatal(err)
	}
	text, err := full.Leaf().MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	if s := string(text); !strings.HasPrefix(s, "article5 audit inclusion proof, entry withheld\n5 "+full.Entry.RecordHash().String()+"\n9\n") ||
		strings.Contains(s, "user--") || strings.Contains(s, full.Entry.Ref) {
		t.Fatalf("leaf proof text:\n%s", s)
	}
	leaf, none, err := audit.ParseProof(text)
	if err != nil || none != nil {
		t.Fatalf("ParseProof(leaf proof): %v, full %v", err, none)
	}
	if err := leaf.Check(head); err != nil {
		t.Fatalf("leaf proof: %v", err)
	}
	fullText, _ := full.MarshalText()
	if l2, f2, err := audit.ParseProof(fullText); err != nil || f2 == nil || f2.Entry != full.Entry || l2.LeafHash != leaf.LeafHash {
		t.Errorf("ParseProof(full proof): %v %+v", err, f2)
	}

	t.Run("edited leaf hash", func(t *testing.T) {
		q := *leaf
		q.LeafHash[0] ^= 1
		wantCode(t, q.Check(head), article5.ECONFLICT)
	})
	t.Run("edited path", func(t *testing.T) {
		q := *leaf
		q.Proof = append(tlog.RecordProof(nil), leaf.Proof...)
		q.Proof[0][0] ^= 1
		wantCode(t, q.Check(head), article5.ECONFLICT)
	})
	t.Run("other index", func(t *testing.T) {
		q := *leaf
		q.Index = 4
		wantCode(t, q.Check(head), article5.ECONFLICT)
	})
	t.Run("other tree size", func(t *testing.T) {
		small, _ := l.TreeHead(7)
		wantCode(t, leaf.Check(small), article5.EINVALID)
	})
	t.Run("malformed text", func(t *testing.T) {
		var q audit.LeafProof
		wantCode(t, q.UnmarshalText([]byte(strings.Replace(string(text), "\n5 ", "\n5", 1))), article5.EINVALID)
		wantCode(t, q.UnmarshalText(text[:len(text)-5]), article5.EINVALID)
		_, _, err := audit.ParseProof([]byte("not a proof\n"))
		wantCode(t, err, article5.EINVALID)
	})
}

// TestEntryDisclosedTo: an entry's line is disclosed to its author's
// organisation, and to everyone when no organisation made it.
func TestEntryDisclosedTo(t *testing.T) {
	const jp, us = "identity--jp", "identity--us"
	for _, c := range []struct {
		by       string
		jp, us   bool
		wantOrgs string
	}{
		{"user--1@" + jp, true, false, jp},
		{"partner--us@" + us, false, true, us},
		{"node", true, true, ""},
		{"node@identity--node", true, true, "identity--node"},
		{"", true, true, ""},
	} {
		e := audit.Entry{By: c.by}
		if e.DisclosedTo(jp) != c.jp || e.DisclosedTo(us) != c.us || e.ByOrg() != c.wantOrgs {
			t.Errorf("By %q: to JP %v, to US %v, org %q", c.by, e.DisclosedTo(jp), e.DisclosedTo(us), e.ByOrg())
		}
	}
}
