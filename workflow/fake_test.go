package workflow_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"time"

	"article5"
	"article5/authz"
	"article5/workflow"
)

// fakeKeys is a stand-in for package sign: the key "key-JP" belongs to JP
// and "key-US" to US. A signature is "fake:<key>:<sha256 of the payload's
// JSON>". The verifier accepts a signature only if the fake signer made it,
// for a (party, assessment hash) pair it actually signed, with the key of
// the payload's party.
type fakeKeys struct {
	signed map[[2]string]bool // {party, assessment hash}
}

func newFakeKeys() *fakeKeys { return &fakeKeys{signed: map[[2]string]bool{}} }

func digest(p article5.PositionPayload) string {
	b, err := json.Marshal(p)
	if err != nil {
		panic(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// sign signs p with the key of party key (which may not be p's party).
func (k *fakeKeys) sign(key article5.Party, p article5.PositionPayload, at time.Time) (article5.PositionPayload, []byte) {
	p.KeyID = "key-" + string(key)
	p.SignedAt = at.UTC().Format("2006-01-02T15:04:05.000Z")
	k.signed[[2]string{string(key), p.AssessmentHash}] = true
	return p, []byte("fake:" + p.KeyID + ":" + digest(p))
}

func (k *fakeKeys) verify(p article5.PositionPayload, sig []byte) error {
	if p.KeyID != "key-"+string(p.Party) {
		return errors.New("key does not belong to the payload's party")
	}
	if !k.signed[[2]string{string(p.Party), p.AssessmentHash}] {
		return errors.New("the signer never signed this party and hash")
	}
	if string(sig) != "fake:"+p.KeyID+":"+digest(p) {
		return errors.New("bad signature")
	}
	return nil
}

var t0 = time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)

func user(party article5.Party, roles ...article5.Role) authz.User {
	id := string(party)
	for _, r := range roles {
		id += "-" + string(r)
	}
	return authz.User{ID: id, Party: party, Roles: roles}
}

func assessment(hash string) workflow.Assessment {
	return workflow.Assessment{
		Hash:           hash,
		EvidenceDigest: "sha256:evidence-" + hash,
		Doctrines:      []article5.DoctrineRef{{ID: "jp", Version: "1"}, {ID: "us", Version: "1"}},
	}
}

// mustOK fails the test if err is not nil.
func mustOK(tb interface {
	Helper()
	Fatal(...any)
}, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}
