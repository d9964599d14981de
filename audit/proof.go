package audit

import (
	"bytes"
	"context"
	"strconv"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"article5"
)

// InclusionProof proves that Entry is in the tree of TreeSize entries
// (RFC 6962 audit path, tlog.RecordProof).
type InclusionProof struct {
	Entry    Entry
	TreeSize int64
	Proof    tlog.RecordProof
}

// ConsistencyProof proves that the tree of OldSize entries is a prefix of
// the tree of NewSize entries (RFC 6962 consistency proof, tlog.TreeProof).
type ConsistencyProof struct {
	OldSize, NewSize int64
	Proof            tlog.TreeProof
}

const (
	inclusionHeader   = "article5 audit inclusion proof\n"
	leafHeader        = "article5 audit inclusion proof, entry withheld\n"
	consistencyHeader = "article5 audit consistency proof\n"
)

// ProveInclusion returns the proof that e (as stored, e.Index < treeSize)
// is in the tree of treeSize entries whose stored hashes r reads. It
// returns EINVALID for sizes out of range and EINTERNAL if r fails.
func ProveInclusion(ctx context.Context, r HashReader, e Entry, treeSize int64) (*InclusionProof, error) {
	if e.Index < 0 || e.Index >= treeSize {
		return nil, article5.Errorf(article5.EINVALID, "entry %d is not in a tree of %d entries", e.Index, treeSize)
	}
	p, err := tlog.ProveRecord(treeSize, e.Index, tlogReader(ctx, r))
	if err != nil {
		return nil, article5.Internal("prove inclusion", err)
	}
	return &InclusionProof{Entry: e, TreeSize: treeSize, Proof: p}, nil
}

// Check verifies the proof against a (verified) tree head of p.TreeSize
// entries. It returns EINVALID if the sizes differ and ECONFLICT if the
// entry is not in that tree (an edited entry or a forked log).
func (p *InclusionProof) Check(head TreeHead) error {
	if head.N != p.TreeSize {
		return article5.Errorf(article5.EINVALID, "inclusion proof is for a tree of %d entries, the head has %d", p.TreeSize, head.N)
	}
	if p.Entry.Index < 0 || p.Entry.Index >= head.N {
		return article5.Errorf(article5.EINVALID, "entry %d is not in a tree of %d entries", p.Entry.Index, head.N)
	}
	return p.Leaf().Check(head)
}

// Leaf returns p without its entry: the entry's index and leaf hash
// (Entry.RecordHash) with the same audit path. It is what a recipient who
// may not read the entry's line (whose By names a principal of another
// organisation, Entry.DisclosedTo) is given.
func (p *InclusionProof) Leaf() *LeafProof {
	return &LeafProof{Index: p.Entry.Index, LeafHash: p.Entry.RecordHash(), TreeSize: p.TreeSize, Proof: p.Proof}
}

// LeafProof proves that the leaf of hash LeafHash is entry Index of the
// tree of TreeSize entries (RFC 6962 audit path, tlog.RecordProof),
// without the entry's leaf data line: the entry's content is not
// disclosed, only that a leaf of this hash is at this index of the signed
// tree.
type LeafProof struct {
	Index    int64
	LeafHash tlog.Hash // tlog.RecordHash of the withheld leaf data line
	TreeSize int64
	Proof    tlog.RecordProof
}

// Check verifies the proof against a (verified) tree head of p.TreeSize
// entries. It returns EINVALID if the sizes differ or the index is out of
// range, and ECONFLICT if the leaf is not at p.Index of that tree.
func (p *LeafProof) Check(head TreeHead) error {
	if head.N != p.TreeSize {
		return article5.Errorf(article5.EINVALID, "inclusion proof is for a tree of %d entries, the head has %d", p.TreeSize, head.N)
	}
	if p.Index < 0 || p.Index >= head.N {
		return article5.Errorf(article5.EINVALID, "entry %d is not in a tree of %d entries", p.Index, head.N)
	}
	if err := tlog.CheckRecord(p.Proof, head.N, head.Hash, p.Index, p.LeafHash); err != nil {
		return &article5.Error{Code: article5.ECONFLICT, Message: "inclusion proof does not match the signed tree head", Err: err}
	}
	return nil
}

// MarshalText encodes the proof as lines: "article5 audit inclusion
// proof, entry withheld", "<index> <base64 leaf hash>", the tree size,
// then one base64 hash per line.
func (p *LeafProof) MarshalText() ([]byte, error) {
	b := []byte(leafHeader)
	b = strconv.AppendInt(b, p.Index, 10)
	b = append(b, ' ')
	b = append(b, p.LeafHash.String()...)
	b = append(b, '\n')
	b = strconv.AppendInt(b, p.TreeSize, 10)
	b = append(b, '\n')
	return appendHashes(b, p.Proof), nil
}

// UnmarshalText decodes MarshalText's form; EINVALID if malformed.
func (p *LeafProof) UnmarshalText(text []byte) error {
	lines, ok := proofLines(text, leafHeader)
	if !ok || len(lines) < 2 {
		return article5.Errorf(article5.EINVALID, "malformed inclusion proof of a withheld entry")
	}
	idx, leaf, ok := bytes.Cut(lines[0], []byte(" "))
	index, err := parseSize(idx)
	if !ok || err != nil {
		return article5.Errorf(article5.EINVALID, "malformed inclusion proof of a withheld entry: want \"<index> <base64 leaf hash>\"")
	}
	h, err := tlog.ParseHash(string(leaf))
	if err != nil {
		return article5.Invalid("malformed inclusion proof of a withheld entry", article5.Detail{Object: "leaf hash", Message: "want a base64 SHA-256 hash"})
	}
	size, err := parseSize(lines[1])
	if err != nil {
		return article5.Errorf(article5.EINVALID, "malformed inclusion proof: bad tree size")
	}
	hs, err := parseHashes(lines[2:])
	if err != nil {
		return err
	}
	*p = LeafProof{Index: index, LeafHash: h, TreeSize: size, Proof: hs}
	return nil
}

// ParseProof decodes either text form of an inclusion proof: an
// InclusionProof's (the entry's line included) or a LeafProof's (entry
// withheld). full is nil for the latter. EINVALID if text is neither.
func ParseProof(text []byte) (leaf *LeafProof, full *InclusionProof, err error) {
	if bytes.HasPrefix(text, []byte(leafHeader)) {
		leaf = new(LeafProof)
		if err := leaf.UnmarshalText(text); err != nil {
			return nil, nil, err
		}
		return leaf, nil, nil
	}
	full = new(InclusionProof)
	if err := full.UnmarshalText(text); err != nil {
		return nil, nil, err
	}
	return full.Leaf(), full, nil
}

// MarshalText encodes the proof as lines: "article5 audit inclusion
// proof", the entry's leaf data line, the tree size, then one base64 hash
// per line.
func (p *InclusionProof) MarshalText() ([]byte, error) {
	b := []byte(inclusionHeader)
	b = p.Entry.appendData(b)
	b = strconv.AppendInt(b, p.TreeSize, 10)
	b = append(b, '\n')
	return appendHashes(b, p.Proof), nil
}

// UnmarshalText decodes MarshalText's form; EINVALID if malformed.
func (p *InclusionProof) UnmarshalText(text []byte) error {
	lines, ok := proofLines(text, inclusionHeader)
	if !ok || len(lines) < 2 {
		return article5.Errorf(article5.EINVALID, "malformed inclusion proof")
	}
	e, err := ParseEntry(append(lines[0], '\n'))
	if err != nil {
		return err
	}
	size, err := parseSize(lines[1])
	if err != nil {
		return article5.Errorf(article5.EINVALID, "malformed inclusion proof: bad tree size")
	}
	hs, err := parseHashes(lines[2:])
	if err != nil {
		return err
	}
	*p = InclusionProof{Entry: e, TreeSize: size, Proof: hs}
	return nil
}

// ProveConsistency returns the proof that the tree of oldSize entries is a
// prefix of the tree of newSize entries whose stored hashes r reads
// (0 <= oldSize <= newSize). It returns EINVALID for sizes out of range
// and EINTERNAL if r fails.
func ProveConsistency(ctx context.Context, r HashReader, oldSize, newSize int64) (*ConsistencyProof, error) {
	if oldSize < 0 || oldSize > newSize {
		return nil, article5.Errorf(article5.EINVALID, "cannot prove a tree of %d entries extends one of %d", newSize, oldSize)
	}
	p := &ConsistencyProof{OldSize: oldSize, NewSize: newSize}
	if oldSize == 0 {
		return p, nil // the empty tree is a prefix of every tree
	}
	tp, err := tlog.ProveTree(newSize, oldSize, tlogReader(ctx, r))
	if err != nil {
		return nil, article5.Internal("prove consistency", err)
	}
	p.Proof = tp
	return p, nil
}

// emptyTreeHash is the RFC 6962 hash of the empty tree, SHA-256("").
var emptyTreeHash, _ = tlog.TreeHash(0, nil)

// CheckConsistency verifies that newHead extends oldHead by proof (both
// heads already verified). It returns EINVALID if the proof is for other
// sizes or the new head is smaller, and ECONFLICT if the new head does not
// extend the old one: a rewritten or forked history.
func CheckConsistency(oldHead, newHead TreeHead, proof *ConsistencyProof) error {
	if oldHead.N < 0 || oldHead.N > newHead.N {
		return article5.Errorf(article5.EINVALID, "new tree head (%d entries) is smaller than the old one (%d)", newHead.N, oldHead.N)
	}
	if proof.OldSize != oldHead.N || proof.NewSize != newHead.N {
		return article5.Errorf(article5.EINVALID, "consistency proof is for trees of %d and %d entries, the heads have %d and %d",
			proof.OldSize, proof.NewSize, oldHead.N, newHead.N)
	}
	if oldHead.N == 0 {
		if oldHead.Hash != emptyTreeHash || len(proof.Proof) != 0 {
			return article5.Errorf(article5.ECONFLICT, "the old tree head of 0 entries has a non-empty hash")
		}
		return nil
	}
	if err := tlog.CheckTree(proof.Proof, newHead.N, newHead.Hash, oldHead.N, oldHead.Hash); err != nil {
		return &article5.Error{Code: article5.ECONFLICT, Message: "the new tree head does not extend the old one", Err: err}
	}
	return nil
}

// CheckSignedConsistency verifies both signed tree heads against verifiers
// (VerifyTreeHead) and that the newer extends the older (CheckConsistency),
// returning the two heads. It is what `article5 audit consistency OLD NEW`
// and a witnessing partner run.
func CheckSignedConsistency(oldSigned, newSigned []byte, verifiers note.Verifiers, proof *ConsistencyProof) (oldHead, newHead TreeHead, err error) {
	if oldHead, err = VerifyTreeHead(oldSigned, verifiers); err != nil {
		return TreeHead{}, TreeHead{}, err
	}
	if newHead, err = VerifyTreeHead(newSigned, verifiers); err != nil {
		return TreeHead{}, TreeHead{}, err
	}
	if err := CheckConsistency(oldHead, newHead, proof); err != nil {
		return TreeHead{}, TreeHead{}, err
	}
	return oldHead, newHead, nil
}

// MarshalText encodes the proof as lines: "article5 audit consistency
// proof", "<old size> <new size>", then one base64 hash per line.
func (p *ConsistencyProof) MarshalText() ([]byte, error) {
	b := []byte(consistencyHeader)
	b = strconv.AppendInt(b, p.OldSize, 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, p.NewSize, 10)
	b = append(b, '\n')
	return appendHashes(b, p.Proof), nil
}

// UnmarshalText decodes MarshalText's form; EINVALID if malformed.
func (p *ConsistencyProof) UnmarshalText(text []byte) error {
	lines, ok := proofLines(text, consistencyHeader)
	if !ok || len(lines) < 1 {
		return article5.Errorf(article5.EINVALID, "malformed consistency proof")
	}
	oldS, newS, ok := bytes.Cut(lines[0], []byte(" "))
	if !ok {
		return article5.Errorf(article5.EINVALID, "malformed consistency proof: want \"<old size> <new size>\"")
	}
	o, err1 := parseSize(oldS)
	n, err2 := parseSize(newS)
	if err1 != nil || err2 != nil {
		return article5.Errorf(article5.EINVALID, "malformed consistency proof: bad tree size")
	}
	hs, err := parseHashes(lines[1:])
	if err != nil {
		return err
	}
	*p = ConsistencyProof{OldSize: o, NewSize: n, Proof: hs}
	return nil
}

func appendHashes(b []byte, hs []tlog.Hash) []byte {
	for _, h := range hs {
		b = append(b, h.String()...)
		b = append(b, '\n')
	}
	return b
}

// proofLines strips header and the final newline and splits text in lines.
func proofLines(text []byte, header string) ([][]byte, bool) {
	rest, ok := bytes.CutPrefix(text, []byte(header))
	if !ok {
		return nil, false
	}
	rest, ok = bytes.CutSuffix(rest, []byte("\n"))
	if !ok {
		return nil, false
	}
	return bytes.Split(rest, []byte("\n")), true
}

func parseSize(b []byte) (int64, error) {
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil || n < 0 || strconv.FormatInt(n, 10) != string(b) {
		return 0, strconv.ErrSyntax
	}
	return n, nil
}

func parseHashes(lines [][]byte) ([]tlog.Hash, error) {
	hs := make([]tlog.Hash, 0, len(lines))
	for i, l := range lines {
		h, err := tlog.ParseHash(string(l))
		if err != nil {
			return nil, article5.Invalid("malformed proof", article5.Detail{Object: "hash " + strconv.Itoa(i+1), Message: "want a base64 SHA-256 hash"})
		}
		hs = append(hs, h)
	}
	return hs, nil
}
