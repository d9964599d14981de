package cursor_test

import (
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"article5"
	"article5/cursor"
)

func mustKey(t *testing.T, created time.Time) cursor.Key {
	t.Helper()
	b := make([]byte, cursor.SecretSize)
	rand.Read(b)
	return cursor.Key{ID: cursor.KeyID(b), Secret: b, Created: created}
}

func mustSealer(t *testing.T, keys ...cursor.Key) *cursor.Sealer {
	t.Helper()
	s, err := cursor.New(keys, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSealOpen(t *testing.T) {
	s := mustSealer(t, mustKey(t, time.Unix(1, 0)))
	const pos = "c1.1700000000000000000.grouping--5a4c1a3e-0b8e-4f3c-9a55-1c0f6d1b8a11"
	tok := s.Seal("token--a", pos)
	if strings.Contains(tok, "grouping") || strings.Contains(tok, "1700000000") {
		t.Fatalf("the cursor shows its position: %s", tok)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(tok)
	if strings.Contains(string(raw), "grouping") {
		t.Fatal("the decoded cursor shows its position")
	}
	got, err := s.Open("token--a", tok)
	if err != nil || got != pos {
		t.Fatalf("Open = %q, %v; want %q", got, err, pos)
	}
	if again := s.Seal("token--a", pos); again != tok {
		t.Fatal("sealing is not deterministic")
	}
	if other := s.Seal("token--a", pos+"x"); other[:22] == tok[:22] {
		t.Fatal("two positions share a nonce")
	}
}

func TestOpenRefuses(t *testing.T) {
	k := mustKey(t, time.Unix(1, 0))
	s := mustSealer(t, k)
	tok := s.Seal("user--alice", "e1.42")
	flip := []byte(tok)
	flip[len(flip)-3] ^= 1
	cases := map[string]struct{ principal, token string }{
		"another principal":   {"user--mallory", tok},
		"no principal":        {"", tok},
		"tampered":            {"user--alice", string(flip)},
		"not base64":          {"user--alice", "c1.42.grouping--x"},
		"plain base64 cursor": {"user--alice", base64.RawURLEncoding.EncodeToString([]byte("c1.1.grouping--x"))},
		"empty":               {"user--alice", ""},
		"another node's key":  {"user--alice", mustSealer(t, mustKey(t, time.Unix(2, 0))).Seal("user--alice", "e1.42")},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := s.Open(c.principal, c.token)
			if article5.ErrorCode(err) != article5.EINVALID || err.Error() != cursor.ErrMalformed.Error() {
				t.Fatalf("Open = %v, want the one malformed-cursor refusal", err)
			}
		})
	}
}

// TestRotation: the newest key seals, older keys still open, and a key
// another process added is found by reloading.
func TestRotation(t *testing.T) {
	old := mustKey(t, time.Unix(1, 0))
	s1 := mustSealer(t, old)
	tokOld := s1.Seal("p", "x")
	fresh := mustKey(t, time.Unix(2, 0))
	s2, err := cursor.New([]cursor.Key{old, fresh}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s2.Open("p", tokOld); err != nil || got != "x" {
		t.Fatalf("an old cursor after rotation: %q, %v", got, err)
	}
	tokNew := s2.Seal("p", "y")
	if _, err := s1.Open("p", tokNew); err == nil {
		t.Fatal("a sealer without the new key opened its cursor")
	}
	reloads := 0
	s3, err := cursor.New([]cursor.Key{old}, func() ([]cursor.Key, error) {
		reloads++
		return []cursor.Key{old, fresh}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s3.Open("p", tokNew); err != nil || got != "y" || reloads != 1 {
		t.Fatalf("reload: %q, %v, %d reloads", got, err, reloads)
	}
	if _, err := cursor.New(nil, nil); err == nil {
		t.Fatal("a sealer without keys")
	}
	if _, err := cursor.New([]cursor.Key{{ID: "x", Secret: []byte("short")}}, nil); err == nil {
		t.Fatal("a short secret was taken")
	}
}
