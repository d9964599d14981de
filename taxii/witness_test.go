package taxii_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"article5"
	"article5/audit"
	"article5/sign"
	"article5/taxii"
)

// roots are the two Parties' root keys; trusted is what both nodes trust.
type roots struct {
	jp, us  *sign.RootKey
	trusted []sign.PublicRoot
}

func mustRoots(tb testing.TB) roots {
	tb.Helper()
	jp, err := sign.NewRootKey(article5.PartyJP)
	if err != nil {
		tb.Fatal(err)
	}
	us, err := sign.NewRootKey(article5.PartyUS)
	if err != nil {
		tb.Fatal(err)
	}
	return roots{jp: jp, us: us, trusted: []sign.PublicRoot{jp.Public(), us.Public()}}
}

// nodeCertificate certifies the tree-head key of f with root (role node,
// under the key's name), valid through 2023–2030.
func nodeCertificate(tb testing.TB, f *fedNode, root *sign.RootKey) []byte {
	tb.Helper()
	key, err := f.store.(audit.Store).AuditKey(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	name, pub, err := audit.VerifierPublicKey(key)
	if err != nil {
		tb.Fatal(err)
	}
	c, err := root.Certify(pub, sign.RoleNode, name, time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		tb.Fatal(err)
	}
	data, err := json.Marshal(c)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// witnessPair is pair with both nodes trusting both roots and JP's node
// key certified by JP's root.
func witnessPair(tb testing.TB, kind string) (jp, us *fedNode, p *article5.Partner, r roots) {
	tb.Helper()
	jp, us, p = pair(tb, kind)
	r = mustRoots(tb)
	jp.n.Roots, us.n.Roots = r.trusted, r.trusted
	jp.n.Party, us.n.Party = article5.PartyJP, article5.PartyUS
	if _, err := jp.n.InstallNodeCertificate(context.Background(), nodeCertificate(tb, jp, r.jp)); err != nil {
		tb.Fatal(err)
	}
	return jp, us, p, r
}

func mustSync(tb testing.TB, us *fedNode, opts taxii.SyncOptions) *taxii.SyncReport {
	tb.Helper()
	reports, held, err := taxii.SyncAll(context.Background(), us.n, "jp", opts)
	if err != nil || !held || len(reports) != 1 {
		tb.Fatalf("sync: held %v, %d reports, %v", held, len(reports), err)
	}
	return reports[0]
}

func mustHead(tb testing.TB, f *fedNode, partner string) *article5.PartnerHead {
	tb.Helper()
	hs, err := f.store.FindPartnerHeads(context.Background(), partner)
	if err != nil || len(hs) != 1 {
		tb.Fatalf("partner heads of %s: %d, %v", partner, len(hs), err)
	}
	return hs[0]
}

// TestWitnessOnSync: every sync fetches JP's signed tree head (one more
// request) and witnesses it: the first is taken as signed by JP's key
// certified by JP's root, each later one is proved to extend it. The head
// US keeps is one JP's own log verifies as extended (audit verify
// --witnessed on JP). A head whose key JP's root never certified, or no
// certificate at all, is not witnessed, with the reason kept.
func TestWitnessOnSync(t *testing.T) {
	for _, kind := range storeKinds() {
		t.Run(kind, func(t *testing.T) { testWitnessOnSync(t, kind) })
	}
}

func testWitnessOnSync(t *testing.T, kind string) {
	ctx := context.Background()
	jp, us, _, r := witnessPair(t, kind)
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	jp.post(t, jp.analyst, t0.Add(time.Second), fedIndicator("1", "2024-01-01T00:00:00.000Z", jpOrg, tlpGreen, ""))
	us.clock.Set(time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC))

	rep := mustSync(t, us, taxii.SyncOptions{})
	w := rep.Witness
	if w == nil || w.Error != "" || w.Inconsistent || w.Previous != -1 || w.Size == 0 || w.Party != article5.PartyJP {
		t.Fatalf("first witnessing: %+v", w)
	}
	h := mustHead(t, us, "jp")
	if h.Size != w.Size || h.Checks != 1 || h.LastError != "" || h.Party != article5.PartyJP || len(h.Certificate) == 0 {
		t.Fatalf("stored head %+v", h)
	}

	jp.post(t, jp.analyst, t0.Add(2*time.Second), fedIndicator("2", "2024-01-01T00:00:00.000Z", jpOrg, tlpGreen, ""),
		fedIndicator("3", "2024-01-01T00:00:00.000Z", jpOrg, tlpGreen, ""))
	w = mustSync(t, us, taxii.SyncOptions{}).Witness
	if w.Error != "" || w.Inconsistent || w.Previous != h.Size || w.Size <= h.Size {
		t.Fatalf("second witnessing (from %d): %+v", h.Size, w)
	}

	// Nothing new: one request for the collection and one for the head.
	before := jp.requests.Load()
	w = mustSync(t, us, taxii.SyncOptions{}).Witness
	if got := jp.requests.Load() - before; got != 2 {
		t.Fatalf("a sync with no change made %d requests, want 2", got)
	}
	if w.Error != "" || w.Inconsistent || w.Previous != w.Size {
		t.Fatalf("witnessing with no change: %+v", w)
	}

	// What US witnessed, checked on JP as audit verify --witnessed does.
	h = mustHead(t, us, "jp")
	a := jp.store.(audit.Store)
	key, err := a.AuditKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	vs, err := audit.NewVerifiers(key)
	if err != nil {
		t.Fatal(err)
	}
	cur, err := a.AuditHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	curHead, err := audit.VerifyTreeHead(cur, vs)
	if err != nil {
		t.Fatal(err)
	}
	proof, err := a.AuditConsistency(ctx, h.Size, curHead.N)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := audit.CheckSignedConsistency(h.Signed, cur, vs, proof); err != nil {
		t.Fatalf("JP's log does not extend the head US witnessed: %v", err)
	}

	t.Run("key certified by an untrusted root", func(t *testing.T) {
		other, err := sign.NewRootKey(article5.PartyJP)
		if err != nil {
			t.Fatal(err)
		}
		jp.n.Roots = append(jp.n.Roots, other.Public())
		defer func() { jp.n.Roots = r.trusted }()
		if _, err := jp.n.InstallNodeCertificate(ctx, nodeCertificate(t, jp, other)); err != nil {
			t.Fatal(err)
		}
		w := mustSync(t, us, taxii.SyncOptions{}).Witness
		if w.Inconsistent || !strings.Contains(w.Error, "not a trusted root") {
			t.Fatalf("witnessing a head of a key certified by a root US does not trust: %+v", w)
		}
		if h := mustHead(t, us, "jp"); !strings.Contains(h.LastError, "not a trusted root") || h.Inconsistencies != 0 {
			t.Fatalf("stored head %+v", h)
		}
	})

	t.Run("a node key certified as an approver", func(t *testing.T) {
		key, _ := jp.store.(audit.Store).AuditKey(ctx)
		name, pub, _ := audit.VerifierPublicKey(key)
		c, err := r.jp.Certify(pub, sign.RoleApprover, name, time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		data, _ := json.Marshal(c)
		if _, err := jp.n.InstallNodeCertificate(ctx, data); article5.ErrorCode(err) != article5.EFORBIDDEN {
			t.Fatalf("installing an approver certificate as the node's: %v", err)
		}
	})

	t.Run("another node's certificate", func(t *testing.T) {
		if _, err := jp.n.InstallNodeCertificate(ctx, nodeCertificate(t, us, r.us)); article5.ErrorCode(err) != article5.EINVALID ||
			!strings.Contains(article5.ErrorMessage(err), "another key") {
			t.Fatalf("installing US's certificate on JP: %v", err)
		}
	})

	// Certified again by JP's root: witnessed again, from the head kept.
	if _, err := jp.n.InstallNodeCertificate(ctx, nodeCertificate(t, jp, r.jp)); err != nil {
		t.Fatal(err)
	}
	w = mustSync(t, us, taxii.SyncOptions{}).Witness
	if w.Error != "" || w.Inconsistent || w.Previous < 0 {
		t.Fatalf("witnessing after the certificate is fixed: %+v", w)
	}
	if h := mustHead(t, us, "jp"); h.LastError != "" || h.Inconsistencies != 0 {
		t.Fatalf("stored head %+v", h)
	}
}

// TestWitnessWithoutCertificate: a partner whose node key has no
// certificate is not witnessed; the sync says why, and pulls as before.
func TestWitnessWithoutCertificate(t *testing.T) {
	jp, us, _ := pair(t, "sqlite")
	r := mustRoots(t)
	us.n.Roots = r.trusted
	jp.post(t, jp.analyst, time.Date(2024, 1, 1, 0, 0, 1, 0, time.UTC), fedIndicator("1", "2024-01-01T00:00:00.000Z", jpOrg, tlpGreen, ""))
	us.clock.Set(time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC))
	rep := mustSync(t, us, taxii.SyncOptions{})
	if rep.Failed() || len(rep.Collections[0].Accepted) != 1 {
		t.Fatalf("sync: %+v", rep.Collections[0])
	}
	if w := rep.Witness; w.Inconsistent || !strings.Contains(w.Error, "publishes no node certificate") {
		t.Fatalf("witness %+v", w)
	}
}
