package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"article5"
	"article5/api"
	"article5/node"
	"article5/release"
	"article5/stix"
)

// TestReadyzNamesTheNode: /readyz says which node answers (holder, Party,
// version, the name and hash of its log key), without authentication, so
// that a client can tell it reached the node it meant.
func TestReadyzNamesTheNode(t *testing.T) {
	db, docs := MustStore(t)
	key, err := db.AuditKey(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		party     article5.Party
		wantParty article5.Party
	}{
		{"a US node", article5.PartyUS, article5.PartyUS},
		{"a node without a configured Party is JP's", "", article5.PartyJP},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := &node.Node{Store: db, Doctrines: docs, Now: time.Now, Party: tc.party,
				Policy: release.Policy{Holder: holderOrg, Default: stix.TLPAmber}}
			srv := httptest.NewServer(api.New(n, api.Options{Limits: noQuotas, Version: "v9.8.7"}))
			defer srv.Close()
			res, err := http.Get(srv.URL + "/readyz")
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			var got map[string]string
			if err := json.NewDecoder(res.Body).Decode(&got); err != nil || res.StatusCode != http.StatusOK {
				t.Fatalf("readyz: %d %v", res.StatusCode, err)
			}
			want := map[string]string{"status": "ready", "holder": holderOrg, "party": string(tc.wantParty), "version": "v9.8.7", "node_key": api.NodeKeyID(key)}
			for k, v := range want {
				if got[k] != v {
					t.Errorf("readyz %s = %q, want %q", k, got[k], v)
				}
			}
			if got["node_key"] == key || len(got["node_key"]) >= len(key) {
				t.Errorf("readyz gives the whole key %q; want only its name and hash", got["node_key"])
			}
		})
	}
}

func TestNodeKeyID(t *testing.T) {
	for in, want := range map[string]string{
		"article5-node-1a2b3c4d+0badf00d+AQIDBA==": "article5-node-1a2b3c4d+0badf00d",
		"article5-node-1a2b3c4d+0badf00d\n":        "article5-node-1a2b3c4d+0badf00d",
		"article5-node-1a2b3c4d+0badf00d":          "article5-node-1a2b3c4d+0badf00d",
		"no-plus":                                  "no-plus",
	} {
		if got := api.NodeKeyID(in); got != want {
			t.Errorf("NodeKeyID(%q) = %q, want %q", in, got, want)
		}
	}
}
