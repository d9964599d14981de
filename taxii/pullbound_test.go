package taxii_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"article5"
	"article5/taxii"
)

// TestPullEndsOnPagesThatDoNotMoveOn: a server that keeps saying more
// without moving the pass on — empty pages with ever new next tokens, or a
// page naming the token it was asked with — ends the pull with EINVALID
// after a bounded number of requests, instead of a loop.
func TestPullEndsOnPagesThatDoNotMoveOn(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		page       func(n int64, next string) string
		maxReqs    int64
	}{
		{"empty pages", "empty pages in a row", func(n int64, _ string) string {
			return fmt.Sprintf(`{"more":true,"next":"t%d","objects":[]}`, n)
		}, taxii.MaxEmptyPages + 1},
		{"its own next", "the next token it was asked with", func(n int64, next string) string {
			if next == "" {
				next = "same"
			}
			return `{"more":true,"next":"` + next + `","objects":[]}`
		}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var reqs atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := reqs.Add(1)
				w.Header().Set("Content-Type", taxii.MediaTAXII)
				fmt.Fprint(w, tc.page(n, r.URL.Query().Get("next")))
			}))
			defer srv.Close()
			c := &taxii.Client{APIRoot: srv.URL + root, HTTP: srv.Client(), Sleep: noSleep}
			_, err := c.Pull(context.Background(), "all", "", 0, func(*taxii.Page, string) error { return nil })
			if article5.ErrorCode(err) != article5.EINVALID || !strings.Contains(article5.ErrorMessage(err), tc.want) {
				t.Fatalf("pull: %v", err)
			}
			if got := reqs.Load(); got != tc.maxReqs {
				t.Fatalf("%d requests, want %d", got, tc.maxReqs)
			}
		})
	}
}
