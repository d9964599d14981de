package audit_test

import (
	"bytes"
	"strings"
	"testing"

	"article5"
	"article5/audit"
)

// TestNodeKeyCertifiable: a node key's Ed25519 public key and name come
// out of its verifier key (whatever its base64 holds, '+' included) and go
// back into the same verifier key, which verifies the heads the key
// signs; a malformed key is EINVALID.
func TestNodeKeyCertifiable(t *testing.T) {
	plus := 0
	for i := 0; i < 64 && plus < 3; i++ {
		skey, vkey, err := audit.NewNodeKey("node-jp.example")
		if err != nil {
			t.Fatal(err)
		}
		if strings.Count(vkey, "+") > 2 { // the base64 key holds a "+"
			plus++
		}
		name, pub, err := audit.VerifierPublicKey(vkey)
		if err != nil || name != "node-jp.example" || len(pub) != 32 {
			t.Fatalf("%s: %q %x %v", vkey, name, pub, err)
		}
		back, err := audit.NodeVerifierKey(name, pub)
		if err != nil || back != vkey {
			t.Fatalf("verifier key %q, want %q (%v)", back, vkey, err)
		}
		signer, err := audit.NewSigner(skey)
		if err != nil {
			t.Fatal(err)
		}
		signed, err := audit.SignTreeHead(audit.TreeHead{N: 0, Hash: audit.EmptyTreeHash()}, signer)
		if err != nil {
			t.Fatal(err)
		}
		vs, err := audit.NewVerifiers(back)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := audit.VerifyTreeHead(signed, vs); err != nil {
			t.Fatalf("a head signed by the key does not verify with the key rebuilt from its certificate: %v", err)
		}
		if !bytes.Contains(signed, []byte("node-jp.example")) {
			t.Fatalf("signed head %s", signed)
		}
	}
	if plus == 0 {
		t.Fatal("no key of 64 had a '+' in its base64: the case is not covered")
	}
	for _, bad := range []string{"", "name", "name+0000+AAAA", "a+b+c+d"} {
		if _, _, err := audit.VerifierPublicKey(bad); article5.ErrorCode(err) != article5.EINVALID {
			t.Fatalf("%q: %v", bad, err)
		}
	}
}
