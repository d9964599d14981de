package sign_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"article5"
	"article5/sign"
)

// t0 is the fixed signing time of the fixtures.
var t0 = time.Date(2026, 4, 19, 9, 30, 0, 123_000_000, time.UTC)

const (
	caseID   = "grouping--6b7c9a2e-1f0d-4c3b-9a8e-2d5f4c3b1a09"
	otherCas = "grouping--0e5d7c1a-3b2f-4e6d-8c9b-7a1f2e3d4c5b"
	assessID = "article5-assessment--3f1e2d4c-5b6a-5978-8c9d-0e1f2a3b4c5d"
)

func hexOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

var (
	hashA    = hexOf("assessment A")
	hashB    = hexOf("assessment B")
	evidence = hexOf("evidence")
	docs     = []article5.DoctrineRef{{ID: "jp", Version: "1", SHA256: hexOf("jp doctrine")}, {ID: "us", Version: "1", SHA256: hexOf("us doctrine")}}
)

// fixture holds both parties' roots, an untrusted JP root and one
// certified approver per party.
type fixture struct {
	jpRoot, usRoot, rogue *sign.RootKey
	roots                 []sign.PublicRoot
	jp, us                approver
}

type approver struct {
	priv ed25519.PrivateKey
	cert *sign.Certificate
}

func MustRoot(tb testing.TB, party article5.Party) *sign.RootKey {
	tb.Helper()
	r, err := sign.NewRootKey(party)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// MustApprover makes a key (unsealed: sealing is tested on its own) and
// certifies it with role under root, valid over [nb, na].
func MustApprover(tb testing.TB, root *sign.RootKey, role string, nb, na time.Time) approver {
	tb.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	cert, err := root.Certify(pub, role, "approver-"+string(root.Party()), nb, na)
	if err != nil {
		tb.Fatal(err)
	}
	return approver{priv: priv, cert: cert}
}

func newFixture(tb testing.TB) *fixture {
	tb.Helper()
	f := &fixture{jpRoot: MustRoot(tb, article5.PartyJP), usRoot: MustRoot(tb, article5.PartyUS), rogue: MustRoot(tb, article5.PartyJP)}
	f.roots = []sign.PublicRoot{f.jpRoot.Public(), f.usRoot.Public()}
	nb, na := t0.AddDate(-1, 0, 0), t0.AddDate(1, 0, 0)
	f.jp = MustApprover(tb, f.jpRoot, sign.RoleApprover, nb, na)
	f.us = MustApprover(tb, f.usRoot, sign.RoleApprover, nb, na)
	return f
}

func payload(party article5.Party, tier article5.Tier, a approver, hash, reasons string) article5.PositionPayload {
	return article5.PositionPayload{Purpose: article5.PositionPurpose, Case: caseID, AssessmentHash: hash, EvidenceDigest: evidence,
		Doctrines: docs, Party: party, Tier: tier, Opinion: "agree", ReasonsSHA256: sign.ReasonsSHA256(reasons),
		KeyID: sign.KeyID(a.priv.Public().(ed25519.PublicKey)), SignedAt: sign.FormatTime(t0)}
}

// MustSign signs p with a and returns the signed position.
func MustSign(tb testing.TB, a approver, p article5.PositionPayload, reasons string) sign.SignedPosition {
	tb.Helper()
	sig, _, err := sign.SignPosition(p, a.priv)
	if err != nil {
		tb.Fatal(err)
	}
	id, err := sign.PositionID(p)
	if err != nil {
		tb.Fatal(err)
	}
	return sign.SignedPosition{ID: id, Payload: p, Reasons: reasons, Signature: sig, Certificate: a.cert}
}

func assessment(tb testing.TB, caseRef, hash string) json.RawMessage {
	tb.Helper()
	b, err := json.Marshal(map[string]any{"type": "article5-assessment", "spec_version": "2.1", "id": assessID,
		"case_ref": caseRef, "evidence_digest": evidence, "assessment_hash": hash, "doctrines": docs, "findings": map[string]any{}})
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// record returns a fresh, valid record: JP and US both signed
// armed-attack-possible on hash A; the determination is concurred.
func (f *fixture) record(tb testing.TB) *sign.Record {
	tb.Helper()
	jp := MustSign(tb, f.jp, payload(article5.PartyJP, article5.TierArmedAttackPossible, f.jp, hashA, "JP reasons"), "JP reasons")
	us := MustSign(tb, f.us, payload(article5.PartyUS, article5.TierArmedAttackPossible, f.us, hashA, "US reasons"), "US reasons")
	r := &sign.Record{Case: caseID, Assessment: assessment(tb, caseID, hashA), Positions: []sign.SignedPosition{jp, us}}
	f.determine(tb, r)
	return r
}

// determine (re)computes r's determination from its positions.
func (f *fixture) determine(tb testing.TB, r *sign.Record) {
	tb.Helper()
	d, err := sign.NewDetermination(assessID, r.Positions)
	if err != nil {
		tb.Fatal(err)
	}
	r.Determination = d
}

func (f *fixture) revoke(tb testing.TB, root *sign.RootKey, a approver, at time.Time) sign.Revocation {
	tb.Helper()
	v, err := root.Revoke(a.cert.SubjectKeyID, "key rotated", at)
	if err != nil {
		tb.Fatal(err)
	}
	return *v
}

func TestVerifyRecordAccepts(t *testing.T) {
	f := newFixture(t)
	t.Run("concurred", func(t *testing.T) {
		v, err := sign.VerifyRecord(f.record(t), f.roots, t0)
		if err != nil {
			t.Fatal(err)
		}
		if v.Outcome != article5.Concurred || len(v.Positions) != 2 || v.AssessmentHash != hashA || len(v.Checks) < 5 {
			t.Fatalf("verdict = %+v", v)
		}
	})
	t.Run("diverged", func(t *testing.T) {
		r := f.record(t)
		r.Positions[1] = MustSign(t, f.us, payload(article5.PartyUS, article5.TierUseOfForcePossible, f.us, hashA, "US"), "US")
		f.determine(t, r)
		v, err := sign.VerifyRecord(r, f.roots, t0)
		if err != nil {
			t.Fatal(err)
		}
		if v.Outcome != article5.Diverged {
			t.Fatalf("outcome = %q, want diverged", v.Outcome)
		}
	})
	t.Run("signed before revocation", func(t *testing.T) {
		r := f.record(t)
		r.Revocations = []sign.Revocation{f.revoke(t, f.jpRoot, f.jp, t0.Add(time.Hour))}
		if _, err := sign.VerifyRecord(r, f.roots, t0.AddDate(5, 0, 0)); err != nil {
			t.Fatalf("a record signed before the revocation must keep verifying: %v", err)
		}
	})
	t.Run("rotated key", func(t *testing.T) {
		// The old JP key is revoked; a new one is certified and signs.
		r := f.record(t)
		next := MustApprover(t, f.jpRoot, sign.RoleApprover, t0.Add(-time.Minute), t0.AddDate(1, 0, 0))
		r.Positions[0] = MustSign(t, next, payload(article5.PartyJP, article5.TierArmedAttackPossible, next, hashA, "JP"), "JP")
		r.Revocations = []sign.Revocation{f.revoke(t, f.jpRoot, f.jp, t0.Add(-time.Minute))}
		f.determine(t, r)
		if _, err := sign.VerifyRecord(r, f.roots, t0); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("JSON round trip", func(t *testing.T) {
		b, err := json.Marshal(f.record(t))
		if err != nil {
			t.Fatal(err)
		}
		r, err := sign.ParseRecord(b)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sign.VerifyRecord(r, f.roots, t0); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("one position, no determination", func(t *testing.T) {
		r := f.record(t)
		r.Positions, r.Determination = r.Positions[:1], nil
		if _, err := sign.VerifyRecord(r, f.roots, t0); err != nil {
			t.Fatal(err)
		}
	})
}

func TestRefusals(t *testing.T) {
	f := newFixture(t)
	verify := func(r *sign.Record) error { _, err := sign.VerifyRecord(r, f.roots, t0); return err }
	jpPayload := func() article5.PositionPayload {
		return payload(article5.PartyJP, article5.TierArmedAttackPossible, f.jp, hashA, "JP reasons")
	}
	tests := []struct {
		name string
		run  func(t *testing.T) error
		code string
		msg  string
	}{
		{"forged signature (flipped byte)", func(t *testing.T) error {
			r := f.record(t)
			r.Positions[0].Signature[10] ^= 1
			return verify(r)
		}, article5.EFORBIDDEN, "does not verify"},
		{"signature replayed onto another case", func(t *testing.T) error {
			r := f.record(t)
			r.Positions[0].Payload.Case = otherCas
			return verify(r)
		}, article5.EFORBIDDEN, "replayed"},
		{"signed position from another case", func(t *testing.T) error {
			r := f.record(t)
			p := jpPayload()
			p.Case = otherCas
			r.Positions[0] = MustSign(t, f.jp, p, "JP reasons")
			return verify(r)
		}, article5.EFORBIDDEN, "replayed from another case"},
		{"signature replayed onto another assessment hash", func(t *testing.T) error {
			r := f.record(t)
			r.Positions[0].Payload.AssessmentHash = hashB
			return verify(r)
		}, article5.EFORBIDDEN, "does not verify"},
		{"signatures over a stale assessment", func(t *testing.T) error {
			r := f.record(t)
			r.Assessment = assessment(t, caseID, hashB) // the case was reassessed after both signed
			return verify(r)
		}, article5.EFORBIDDEN, "stale assessment"},
		{"payload with a different purpose (verify)", func(t *testing.T) error {
			r := f.record(t)
			r.Positions[0].Payload.Purpose = "article5/tree-head/v1"
			return verify(r)
		}, article5.EINVALID, "/purpose"},
		{"payload with a different purpose (sign)", func(t *testing.T) error {
			p := jpPayload()
			p.Purpose = "article5/tree-head/v1"
			_, _, err := sign.SignPosition(p, f.jp.priv)
			return err
		}, article5.EINVALID, "/purpose"},
		{"JP approver signing as US", func(t *testing.T) error {
			r := f.record(t)
			r.Positions[1] = MustSign(t, f.jp, payload(article5.PartyUS, article5.TierArmedAttackPossible, f.jp, hashA, "US"), "US")
			f.determine(t, r)
			return verify(r)
		}, article5.EFORBIDDEN, "certified for party JP, not US"},
		{"certificate of the other party's root claiming JP", func(t *testing.T) error {
			r := f.record(t)
			forged := MustApprover(t, f.usRoot, sign.RoleApprover, t0.AddDate(-1, 0, 0), t0.AddDate(1, 0, 0))
			forged.cert.Party = article5.PartyJP
			r.Positions[0] = MustSign(t, forged, payload(article5.PartyJP, article5.TierArmedAttackPossible, forged, hashA, "JP"), "JP")
			f.determine(t, r)
			return verify(r)
		}, article5.EFORBIDDEN, "issued by the US root"},
		{"uncertified key", func(t *testing.T) error {
			r := f.record(t)
			r.Positions[0].Certificate = nil
			return verify(r)
		}, article5.EFORBIDDEN, "not certified"},
		{"certificate for another key", func(t *testing.T) error {
			r := f.record(t)
			_, priv, _ := ed25519.GenerateKey(rand.Reader)
			k := approver{priv: priv, cert: f.jp.cert}
			r.Positions[0] = MustSign(t, k, payload(article5.PartyJP, article5.TierArmedAttackPossible, k, hashA, "JP"), "JP")
			f.determine(t, r)
			return verify(r)
		}, article5.EFORBIDDEN, "its certificate is for key"},
		{"certificate by an untrusted root", func(t *testing.T) error {
			r := f.record(t)
			k := MustApprover(t, f.rogue, sign.RoleApprover, t0.AddDate(-1, 0, 0), t0.AddDate(1, 0, 0))
			r.Positions[0] = MustSign(t, k, payload(article5.PartyJP, article5.TierArmedAttackPossible, k, hashA, "JP"), "JP")
			f.determine(t, r)
			return verify(r)
		}, article5.EFORBIDDEN, "not a trusted root"},
		{"certificate altered after issue", func(t *testing.T) error {
			r := f.record(t)
			c := *r.Positions[0].Certificate
			c.NotAfter = sign.FormatTime(t0.AddDate(50, 0, 0))
			r.Positions[0].Certificate = &c
			return verify(r)
		}, article5.EFORBIDDEN, "root's signature does not verify"},
		{"expired certificate", func(t *testing.T) error {
			r := f.record(t)
			k := MustApprover(t, f.jpRoot, sign.RoleApprover, t0.AddDate(-2, 0, 0), t0.AddDate(-1, 0, 0))
			r.Positions[0] = MustSign(t, k, payload(article5.PartyJP, article5.TierArmedAttackPossible, k, hashA, "JP"), "JP")
			f.determine(t, r)
			return verify(r)
		}, article5.EFORBIDDEN, "has expired"},
		{"node key signing a position", func(t *testing.T) error {
			r := f.record(t)
			k := MustApprover(t, f.jpRoot, sign.RoleNode, t0.AddDate(-1, 0, 0), t0.AddDate(1, 0, 0))
			r.Positions[0] = MustSign(t, k, payload(article5.PartyJP, article5.TierArmedAttackPossible, k, hashA, "JP"), "JP")
			f.determine(t, r)
			return verify(r)
		}, article5.EFORBIDDEN, `certified as "node"`},
		{"signature after revocation", func(t *testing.T) error {
			r := f.record(t)
			r.Revocations = []sign.Revocation{f.revoke(t, f.jpRoot, f.jp, t0.Add(-time.Hour))}
			return verify(r)
		}, article5.EFORBIDDEN, "was revoked"},
		{"revocation removed from the record still applies when passed", func(t *testing.T) error {
			r := f.record(t)
			v := f.revoke(t, f.jpRoot, f.jp, t0.Add(-time.Hour))
			return sign.VerifyPosition(r.Positions[0].Payload, r.Positions[0].Signature, r.Positions[0].Certificate, f.roots, []sign.Revocation{v})
		}, article5.EFORBIDDEN, "was revoked"},
		{"revocation by the other party's root", func(t *testing.T) error {
			r := f.record(t)
			v := f.revoke(t, f.usRoot, f.jp, t0.Add(time.Hour))
			r.Revocations = []sign.Revocation{v}
			return verify(r)
		}, article5.EFORBIDDEN, "claims party US, but the key is certified for JP"},
		{"wrong password unsealing", func(t *testing.T) error {
			_, sealed, err := sign.NewApproverKey([]byte("correct horse"))
			if err != nil {
				t.Fatal(err)
			}
			_, err = sign.Unseal(sealed, []byte("battery staple"))
			return err
		}, article5.EFORBIDDEN, "wrong password"},
		{"determination claiming concurred with different tiers", func(t *testing.T) error {
			r := f.record(t)
			r.Positions[1] = MustSign(t, f.us, payload(article5.PartyUS, article5.TierUseOfForcePossible, f.us, hashA, "US"), "US")
			r.Determination.PositionRefs[1] = r.Positions[1].ID
			r.Determination.Outcome = article5.Concurred
			return verify(r)
		}, article5.EFORBIDDEN, `claims "concurred"`},
		{"determination claiming diverged with equal tiers", func(t *testing.T) error {
			r := f.record(t)
			r.Determination.Outcome = article5.Diverged
			return verify(r)
		}, article5.EFORBIDDEN, `claims "diverged"`},
		{"determination without the US position", func(t *testing.T) error {
			r := f.record(t)
			r.Positions = r.Positions[:1]
			return verify(r)
		}, article5.EFORBIDDEN, "lacks US"},
		{"two JP positions", func(t *testing.T) error {
			r := f.record(t)
			r.Positions[1] = MustSign(t, f.jp, jpPayload(), "JP reasons")
			return verify(r)
		}, article5.EFORBIDDEN, "one position per party"},
		{"positions on different assessment hashes", func(t *testing.T) error {
			r := f.record(t)
			r.Positions[1] = MustSign(t, f.us, payload(article5.PartyUS, article5.TierArmedAttackPossible, f.us, hashB, "US"), "US")
			return verify(r)
		}, article5.EFORBIDDEN, "different assessment hashes"},
		{"reasons altered after signing", func(t *testing.T) error {
			r := f.record(t)
			r.Positions[0].Reasons = "JP reasons, improved"
			return verify(r)
		}, article5.EFORBIDDEN, "altered after signing"},
		{"signed in the future", func(t *testing.T) error {
			r := f.record(t)
			_, err := sign.VerifyRecord(r, f.roots, t0.Add(-time.Hour))
			return err
		}, article5.EFORBIDDEN, "after the verification time"},
		{"no trusted roots", func(t *testing.T) error {
			_, err := sign.VerifyRecord(f.record(t), nil, t0)
			return err
		}, article5.EINVALID, "no trusted root keys"},
		{"only the JP root trusted", func(t *testing.T) error {
			_, err := sign.VerifyRecord(f.record(t), f.roots[:1], t0)
			return err
		}, article5.EFORBIDDEN, "not a trusted root"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run(t)
			if err == nil {
				t.Fatal("accepted, want refusal")
			}
			t.Log(article5.ErrorMessage(err))
			if got := article5.ErrorCode(err); got != tt.code {
				t.Errorf("code = %q, want %q (%v)", got, tt.code, err)
			}
			if !strings.Contains(article5.ErrorMessage(err), tt.msg) {
				t.Errorf("message %q does not name the problem (%q)", article5.ErrorMessage(err), tt.msg)
			}
		})
	}
}

func TestValidatePayload(t *testing.T) {
	f := newFixture(t)
	good := payload(article5.PartyJP, article5.TierBelowThreshold, f.jp, hashA, "r")
	tests := []struct {
		name    string
		edit    func(p *article5.PositionPayload)
		pointer string
	}{
		{"purpose", func(p *article5.PositionPayload) { p.Purpose = "" }, "/purpose"},
		{"case", func(p *article5.PositionPayload) { p.Case = "incident--x" }, "/case"},
		{"assessment hash", func(p *article5.PositionPayload) { p.AssessmentHash = strings.ToUpper(hashA) }, "/assessment_hash"},
		{"evidence digest", func(p *article5.PositionPayload) { p.EvidenceDigest = "00" }, "/evidence_digest"},
		{"no doctrines", func(p *article5.PositionPayload) { p.Doctrines = nil }, "/doctrines"},
		{"doctrine hash", func(p *article5.PositionPayload) {
			p.Doctrines = []article5.DoctrineRef{{ID: "jp", Version: "1", SHA256: "x"}}
		}, "/doctrines/0/sha256"},
		{"party", func(p *article5.PositionPayload) { p.Party = "GB" }, "/party"},
		{"tier", func(p *article5.PositionPayload) { p.Tier = "armed-attack" }, "/tier"},
		{"opinion", func(p *article5.PositionPayload) { p.Opinion = "yes" }, "/opinion"},
		{"reasons hash", func(p *article5.PositionPayload) { p.ReasonsSHA256 = "" }, "/reasons_sha256"},
		{"key id", func(p *article5.PositionPayload) { p.KeyID = "rsa:00" }, "/key_id"},
		{"signed at without ms", func(p *article5.PositionPayload) { p.SignedAt = "2026-04-19T09:30:00Z" }, "/signed_at"},
		{"signed at not UTC", func(p *article5.PositionPayload) { p.SignedAt = "2026-04-19T09:30:00.000+09:00" }, "/signed_at"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := good
			tt.edit(&p)
			_, _, err := sign.SignPosition(p, f.jp.priv)
			var e *article5.Error
			if !errors.As(err, &e) || e.Code != article5.EINVALID {
				t.Fatalf("err = %v, want EINVALID", err)
			}
			if !strings.Contains(e.Error(), tt.pointer) {
				t.Errorf("%q does not name %s", e.Error(), tt.pointer)
			}
		})
	}
	t.Run("key id of another key", func(t *testing.T) {
		_, _, err := sign.SignPosition(good, f.us.priv)
		if article5.ErrorCode(err) != article5.EINVALID || !strings.Contains(article5.ErrorMessage(err), "/key_id") {
			t.Fatalf("err = %v, want EINVALID naming /key_id", err)
		}
	})
}

func TestSignPositionCanonical(t *testing.T) {
	f := newFixture(t)
	p := payload(article5.PartyJP, article5.TierBelowThreshold, f.jp, hashA, "r")
	sig, canonical, err := sign.SignPosition(p, f.jp.priv)
	if err != nil {
		t.Fatal(err)
	}
	// RFC 8785: members sorted by key, no whitespace.
	if !strings.HasPrefix(string(canonical), `{"assessment_hash":"`+hashA+`","case":"`) || strings.ContainsAny(string(canonical), " \n") {
		t.Errorf("canonical = %s", canonical)
	}
	if !ed25519.Verify(f.jp.priv.Public().(ed25519.PublicKey), canonical, sig) {
		t.Error("signature does not verify over the canonical payload")
	}
	if err := sign.VerifyPosition(p, sig, f.jp.cert, f.roots, nil); err != nil {
		t.Error(err)
	}
}

func TestKeyID(t *testing.T) {
	pub := make(ed25519.PublicKey, ed25519.PublicKeySize)
	sum := sha256.Sum256(pub)
	if got, want := sign.KeyID(pub), "ed25519:"+hex.EncodeToString(sum[:])[:32]; got != want {
		t.Fatalf("KeyID = %q, want %q", got, want)
	}
}

func TestPublicRootFile(t *testing.T) {
	root := MustRoot(t, article5.PartyUS)
	text, err := root.Public().MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	got, err := sign.ParsePublicRoot(text)
	if err != nil {
		t.Fatal(err)
	}
	if got.Party != article5.PartyUS || got.KeyID != root.KeyID() || !got.PublicKey.Equal(root.Public().PublicKey) {
		t.Fatalf("parsed %+v", got)
	}
	bad := strings.Replace(string(text), `"party": "US"`, `"party": "XX"`, 1)
	if _, err := sign.ParsePublicRoot([]byte(bad)); article5.ErrorCode(err) != article5.EINVALID || !strings.Contains(err.Error(), "/party") {
		t.Errorf("bad party: err = %v", err)
	}
	other := MustRoot(t, article5.PartyUS)
	bad = strings.Replace(string(text), root.KeyID(), other.KeyID(), 1)
	if _, err := sign.ParsePublicRoot([]byte(bad)); article5.ErrorCode(err) != article5.EINVALID || !strings.Contains(err.Error(), "/key_id") {
		t.Errorf("key id of another key: err = %v", err)
	}
}

// TestSealedKeys runs argon2id (64 MiB) a few times: the only slow test.
func TestSealedKeys(t *testing.T) {
	t.Run("approver key", func(t *testing.T) {
		pub, sealed, err := sign.NewApproverKey([]byte("correct horse"))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(sealed), hex.EncodeToString(pub)) {
			t.Error("sealed key holds the key in clear")
		}
		priv, err := sign.Unseal(sealed, []byte("correct horse"))
		if err != nil {
			t.Fatal(err)
		}
		if !priv.Public().(ed25519.PublicKey).Equal(pub) {
			t.Fatal("unsealed another key")
		}
		// Tampering with the stored parameters is refused like a wrong password.
		var doc map[string]any
		if err := json.Unmarshal(sealed, &doc); err != nil {
			t.Fatal(err)
		}
		doc["use"] = "root"
		b, _ := json.Marshal(doc)
		if _, err := sign.Unseal(b, []byte("correct horse")); article5.ErrorCode(err) != article5.EFORBIDDEN {
			t.Errorf("altered header: err = %v, want EFORBIDDEN", err)
		}
	})
	t.Run("root key file", func(t *testing.T) {
		root := MustRoot(t, article5.PartyJP)
		sealed, err := root.Seal([]byte("offline passphrase"))
		if err != nil {
			t.Fatal(err)
		}
		got, err := sign.OpenRootKey(sealed, []byte("offline passphrase"))
		if err != nil {
			t.Fatal(err)
		}
		if got.Party() != article5.PartyJP || got.KeyID() != root.KeyID() {
			t.Fatalf("opened %s %s, want JP %s", got.Party(), got.KeyID(), root.KeyID())
		}
		if _, err := sign.OpenRootKey(sealed, []byte("guess")); article5.ErrorCode(err) != article5.EFORBIDDEN {
			t.Errorf("wrong passphrase: err = %v, want EFORBIDDEN", err)
		}
	})
	t.Run("malformed", func(t *testing.T) {
		if _, err := sign.DecryptKey([]byte(`{"format":"other"}`), []byte("x")); article5.ErrorCode(err) != article5.EINVALID {
			t.Errorf("err = %v, want EINVALID", err)
		}
		if _, err := sign.EncryptKey(make(ed25519.PrivateKey, 3), []byte("x")); article5.ErrorCode(err) != article5.EINVALID {
			t.Errorf("short key: err = %v, want EINVALID", err)
		}
	})
}

func TestSTIXObjects(t *testing.T) {
	f := newFixture(t)
	r := f.record(t)
	op, err := r.Positions[0].Opinion(assessID)
	if err != nil {
		t.Fatal(err)
	}
	var o map[string]any
	if err := json.Unmarshal(op, &o); err != nil {
		t.Fatal(err)
	}
	if o["type"] != "opinion" || o["opinion"] != "agree" || o["id"] != r.Positions[0].ID {
		t.Errorf("opinion = %s", op)
	}
	det, err := r.Determination.Object(sign.FormatTime(t0))
	if err != nil {
		t.Fatal(err)
	}
	var d map[string]any
	if err := json.Unmarshal(det, &d); err != nil {
		t.Fatal(err)
	}
	if d["type"] != "article5-determination" || d["outcome"] != "concurred" || len(d["position_refs"].([]any)) != 2 {
		t.Errorf("determination = %s", det)
	}
}

func BenchmarkSignPosition(b *testing.B) {
	f := newFixture(b)
	p := payload(article5.PartyJP, article5.TierArmedAttackPossible, f.jp, hashA, "JP reasons")
	for b.Loop() {
		if _, _, err := sign.SignPosition(p, f.jp.priv); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyPosition(b *testing.B) {
	f := newFixture(b)
	p := payload(article5.PartyJP, article5.TierArmedAttackPossible, f.jp, hashA, "JP reasons")
	sig, _, err := sign.SignPosition(p, f.jp.priv)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := sign.VerifyPosition(p, sig, f.jp.cert, f.roots, nil); err != nil {
			b.Fatal(err)
		}
	}
}
