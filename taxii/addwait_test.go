package taxii_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"article5/taxii"
)

// TestAddAndWait: a POST answered 503 is retried; a status that is
// pending is read again until it is complete, and the complete one is
// returned; one that never completes ends after MaxStatusPolls reads with
// an error.
func TestAddAndWait(t *testing.T) {
	var posts, reads atomic.Int64
	var never atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", taxii.MediaTAXII)
		switch {
		case r.Method == "POST" && posts.Add(1) == 1:
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`{"title":"busy"}`))
		case r.Method == "POST":
			w.WriteHeader(http.StatusAccepted)
			_, _ = w.Write([]byte(`{"id":"s1","status":"pending","total_count":2,"success_count":1,"pending_count":1}`))
		case r.URL.Path == "/taxii2/article5/status/s1/":
			st := map[string]any{"id": "s1", "status": "pending", "total_count": 2, "success_count": 1, "pending_count": 1}
			if reads.Add(1) >= 3 && !never.Load() {
				st = map[string]any{"id": "s1", "status": "complete", "total_count": 2, "success_count": 2,
					"successes": []map[string]string{{"id": "indicator--1", "version": "v"}, {"id": "indicator--2", "version": "v"}}}
			}
			_ = json.NewEncoder(w).Encode(st)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	c := &taxii.Client{APIRoot: srv.URL + "/taxii2/article5/", Sleep: noSleep}
	objs := []json.RawMessage{json.RawMessage(`{}`), json.RawMessage(`{}`)}
	st, err := c.AddAndWait(context.Background(), "all", objs)
	if err != nil || st.Status != "complete" || st.SuccessCount != 2 || posts.Load() != 2 || reads.Load() != 3 {
		t.Fatalf("status %+v, %v; %d posts, %d reads", st, err, posts.Load(), reads.Load())
	}
	never.Store(true)
	reads.Store(0)
	st, err = c.AddAndWait(context.Background(), "all", objs)
	if err == nil || st == nil || st.Status != "pending" || reads.Load() != taxii.MaxStatusPolls {
		t.Fatalf("a status that never completes: %+v, %v, %d reads", st, err, reads.Load())
	}
}
