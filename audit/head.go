package audit

import (
	"bytes"
	"crypto/rand"
	"errors"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"article5"
)

// TreeHead is the state of a log at some size: N entries whose Merkle tree
// hash (RFC 6962) is Hash, as of Time.
type TreeHead struct {
	N    int64
	Hash tlog.Hash
	Time time.Time // UTC; the newest entry time when made by Append
}

// timePrefix starts the line after tlog.FormatTree's three lines that
// carries the head's time. tlog.ParseTree ignores extra lines.
const timePrefix = "time "

// Text returns the head's note text: tlog.FormatTree's lines
// ("go.sum database tree", N, base64 hash), then "time <RFC 3339 UTC, ns>".
func (th TreeHead) Text() []byte {
	b := tlog.FormatTree(tlog.Tree{N: th.N, Hash: th.Hash})
	b = append(b, timePrefix...)
	b = th.Time.UTC().AppendFormat(b, time.RFC3339Nano)
	return append(b, '\n')
}

// NewNodeKey generates an Ed25519 key pair for the node called name (a
// host name such as "jp.article5.example") with note.GenerateKey. The
// signer key is secret; the verifier key ("<name>+<hash>+<key>") is what
// the partner is given out of band.
func NewNodeKey(name string) (signerKey, verifierKey string, err error) {
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		return "", "", article5.Internal("generate node key", err)
	}
	// GenerateKey does not check the name; NewVerifier does.
	if _, err := note.NewVerifier(vkey); err != nil {
		return "", "", article5.Invalid("invalid node key name", article5.Detail{Object: name, Message: "must be non-empty UTF-8 without spaces or '+'"})
	}
	return skey, vkey, nil
}

// NewSigner parses a signer key made by NewNodeKey. It returns EINVALID if
// the key is malformed.
func NewSigner(signerKey string) (note.Signer, error) {
	s, err := note.NewSigner(signerKey)
	if err != nil {
		return nil, article5.Errorf(article5.EINVALID, "malformed signer key")
	}
	return s, nil
}

// NewVerifiers parses verifier keys made by NewNodeKey into the set
// VerifyTreeHead accepts. It returns EINVALID naming a malformed key.
func NewVerifiers(verifierKeys ...string) (note.Verifiers, error) {
	vs := make([]note.Verifier, 0, len(verifierKeys))
	for _, k := range verifierKeys {
		v, err := note.NewVerifier(k)
		if err != nil {
			return nil, article5.Invalid("malformed verifier key", article5.Detail{Object: k, Message: "want <name>+<hash>+<key>"})
		}
		vs = append(vs, v)
	}
	return note.VerifierList(vs...), nil
}

// SignTreeHead signs th with signer and returns the signed note (sumdb note
// format: th.Text(), a blank line, the signature line). It returns
// EINVALID for a negative size and EINTERNAL if signing fails.
func SignTreeHead(th TreeHead, signer note.Signer) ([]byte, error) {
	if th.N < 0 {
		return nil, article5.Errorf(article5.EINVALID, "tree size %d is negative", th.N)
	}
	msg, err := note.Sign(&note.Note{Text: string(th.Text())}, signer)
	if err != nil {
		return nil, article5.Internal("sign tree head", err)
	}
	return msg, nil
}

// VerifyTreeHead opens a signed tree head made by SignTreeHead, requiring
// a valid signature by one of verifiers. It returns EFORBIDDEN if no known
// key signed it or a known key's signature is invalid (a forgery or an
// edited note), and EINVALID if msg is not a signed tree head.
func VerifyTreeHead(msg []byte, verifiers note.Verifiers) (TreeHead, error) {
	n, err := note.Open(msg, verifiers)
	if err != nil {
		var unverified *note.UnverifiedNoteError
		var invalid *note.InvalidSignatureError
		if errors.As(err, &unverified) || errors.As(err, &invalid) {
			return TreeHead{}, &article5.Error{Code: article5.EFORBIDDEN, Message: "tree head signature not valid for any trusted key", Err: err}
		}
		return TreeHead{}, &article5.Error{Code: article5.EINVALID, Message: "malformed signed tree head", Err: err}
	}
	text := []byte(n.Text)
	tree, err := tlog.ParseTree(text)
	if err != nil {
		return TreeHead{}, &article5.Error{Code: article5.EINVALID, Message: "malformed signed tree head", Err: err}
	}
	lines := bytes.SplitN(text, []byte("\n"), 5)
	if len(lines) < 4 || !bytes.HasPrefix(lines[3], []byte(timePrefix)) {
		return TreeHead{}, article5.Errorf(article5.EINVALID, "signed tree head has no time line")
	}
	t, err := time.Parse(time.RFC3339Nano, strings.TrimPrefix(string(lines[3]), timePrefix))
	if err != nil {
		return TreeHead{}, &article5.Error{Code: article5.EINVALID, Message: "signed tree head has a malformed time", Err: err}
	}
	return TreeHead{N: tree.N, Hash: tree.Hash, Time: t.UTC()}, nil
}
