package cli

import (
	"encoding/base64"
	"time"

	"article5/audit"

	"golang.org/x/mod/sumdb/tlog"
)

// The JSON forms of `audit head`, `proof` and `consistency`. Hashes are
// base64 (standard encoding, as in the signed note's own text); times are
// RFC 3339 UTC. The signed note is included whole, so a program can store
// it and later pass it to `audit consistency` or `audit verify
// --witnessed` exactly as the text form.

// treeHeadJSON is a verified signed tree head.
type treeHeadJSON struct {
	TreeSize   int64  `json:"tree_size"`
	RootHash   string `json:"root_hash"`
	Time       string `json:"time"`
	SignedNote string `json:"signed_note"`
}

func headJSON(h audit.TreeHead, signed []byte) treeHeadJSON {
	return treeHeadJSON{
		TreeSize:   h.N,
		RootHash:   base64.StdEncoding.EncodeToString(h.Hash[:]),
		Time:       h.Time.UTC().Format(time.RFC3339Nano),
		SignedNote: string(signed),
	}
}

// entryJSON is one log entry (audit.Entry).
type entryJSON struct {
	Index  int64  `json:"index"`
	Kind   string `json:"kind"`
	Ref    string `json:"ref"`
	Digest string `json:"digest"`
	Time   string `json:"time"`
	By     string `json:"by,omitempty"`
}

// inclusionProofJSON is an inclusion proof checked against Head.
type inclusionProofJSON struct {
	Entry    entryJSON    `json:"entry"`
	TreeSize int64        `json:"tree_size"`
	Hashes   []string     `json:"hashes"`
	Head     treeHeadJSON `json:"head"`
	Checked  bool         `json:"checked"`
}

func inclusionJSON(p *audit.InclusionProof, h audit.TreeHead, signed []byte) inclusionProofJSON {
	e := p.Entry
	return inclusionProofJSON{
		Entry: entryJSON{Index: e.Index, Kind: e.Kind, Ref: e.Ref, Digest: e.Digest,
			Time: e.Time.UTC().Format(time.RFC3339Nano), By: e.By},
		TreeSize: p.TreeSize,
		Hashes:   hashesJSON(p.Proof),
		Head:     headJSON(h, signed),
		Checked:  true,
	}
}

// consistencyProofJSON proves that the tree of New extends the tree of Old.
type consistencyProofJSON struct {
	Old        treeHeadJSON `json:"old"`
	New        treeHeadJSON `json:"new"`
	Hashes     []string     `json:"hashes"`
	Consistent bool         `json:"consistent"`
}

func consistencyJSON(p *audit.ConsistencyProof, heads [2]audit.TreeHead, signed [2][]byte) consistencyProofJSON {
	return consistencyProofJSON{
		Old:        headJSON(heads[0], signed[0]),
		New:        headJSON(heads[1], signed[1]),
		Hashes:     hashesJSON(p.Proof),
		Consistent: true,
	}
}

func hashesJSON[P ~[]tlog.Hash](proof P) []string {
	out := make([]string, len(proof))
	for i, h := range proof {
		out[i] = base64.StdEncoding.EncodeToString(h[:])
	}
	return out
}
