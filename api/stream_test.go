package api_test

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"article5"
	"article5/api"
)

// sseMessage is one server-sent event as a client parses it.
type sseMessage struct {
	ID, Event, Data string
}

// openStream connects to GET /api/v1/events/stream and returns the
// messages as they arrive; the channel closes when the stream ends.
func openStream(tb testing.TB, ctx context.Context, base, token string, hdr map[string]string) (<-chan sseMessage, *http.Response) {
	tb.Helper()
	req, err := http.NewRequestWithContext(ctx, "GET", base+"/api/v1/events/stream", nil)
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "text/event-stream")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { res.Body.Close() })
	out := make(chan sseMessage, 64)
	go func() {
		defer close(out)
		sc := bufio.NewScanner(res.Body)
		var m sseMessage
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if m.Data != "" {
					out <- m
				}
				m = sseMessage{}
			case strings.HasPrefix(line, "id: "):
				m.ID = line[4:]
			case strings.HasPrefix(line, "event: "):
				m.Event = line[7:]
			case strings.HasPrefix(line, "data: "):
				m.Data = line[6:]
			}
		}
	}()
	return out, res
}

// drain collects every message of a stream that ends by itself.
func drain(tb testing.TB, ch <-chan sseMessage) []sseMessage {
	tb.Helper()
	var all []sseMessage
	timeout := time.After(30 * time.Second)
	for {
		select {
		case m, ok := <-ch:
			if !ok {
				return all
			}
			all = append(all, m)
		case <-timeout:
			tb.Fatal("the stream did not end")
		}
	}
}

func TestEventStreamLive(t *testing.T) {
	e := MustEnv(t, 0)
	srv := httptest.NewServer(api.New(e.n, api.Options{StreamPoll: 10 * time.Millisecond}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ch, res := openStream(t, ctx, srv.URL, e.analyst, nil)
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("stream: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	// Evidence arrives after the client connected: its event is pushed.
	if r := e.ingest(t, MustExample(t, "dam-control"), ""); r.status != http.StatusOK {
		t.Fatalf("ingest: %d %s", r.status, r.body)
	}
	e.MustRunJobs(t)
	select {
	case m, ok := <-ch:
		if !ok {
			t.Fatal("the stream ended")
		}
		var ev article5.Event
		MustDecode(t, response{status: 200, body: []byte(m.Data)}, &ev)
		if m.Event != "assessed" || ev.Type != "assessed" || ev.Case != damCase || m.ID != ev.ID || ev.ID == "" {
			t.Errorf("message %+v, event %+v", m, ev)
		}
	case <-ctx.Done():
		t.Fatal("no event was pushed")
	}
}

func TestEventStreamResumesAndReleases(t *testing.T) {
	e := MustEnv(t, 0)
	for _, ex := range []string{"dam-control", "ddos-government"} {
		if r := e.ingest(t, MustExample(t, ex), ""); r.status != http.StatusOK {
			t.Fatalf("ingest %s: %d %s", ex, r.status, r.body)
		}
	}
	e.MustRunJobs(t)
	// e's server has Shutdown closed: a stream sends what exists and ends.
	srv := e.srv
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	var list struct{ Events []article5.Event }
	MustDecode(t, e.get(t, "/api/v1/events"), &list)
	ch, _ := openStream(t, ctx, srv.URL, e.analyst, nil)
	all := drain(t, ch)
	if len(all) < 2 || len(all) != len(list.Events) {
		t.Fatalf("stream sent %d events, the list has %d", len(all), len(list.Events))
	}
	for i, m := range all {
		if m.ID != list.Events[i].ID || m.Event != list.Events[i].Type {
			t.Errorf("message %d: %+v, list %+v", i, m, list.Events[i])
		}
	}

	// Last-Event-ID resumes after it; ?after is the same for a first connection.
	for _, hdr := range []map[string]string{{"Last-Event-ID": all[0].ID}, nil} {
		path := ""
		if hdr == nil {
			path = "?after=" + all[0].ID
		}
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/api/v1/events/stream"+path, nil)
		req.Header.Set("Authorization", "Bearer "+e.analyst)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body := readAll(t, res)
		if strings.Contains(body, "id: "+all[0].ID+"\n") || !strings.Contains(body, "id: "+all[1].ID+"\n") {
			t.Errorf("resume after %s (%v): %s", all[0].ID, hdr, body)
		}
	}

	// A recipient outside the holder's organisation sees only what
	// release control lets it: the same events as its list, no more.
	outsider := MustToken(t, e.db, &article5.Token{Name: "outsider", Party: article5.PartyUS, Org: "identity--0b3e6a2c-9a1f-4f0e-8d7c-6b5a4f3e2d10"})
	var olist struct{ Events []article5.Event }
	MustDecode(t, e.do(t, "GET", "/api/v1/events", outsider, "", nil), &olist)
	och, _ := openStream(t, ctx, srv.URL, outsider, nil)
	oall := drain(t, och)
	if len(oall) != len(olist.Events) || len(oall) >= len(all) {
		t.Errorf("outsider: stream %d, list %d, holder %d (want stream = list < holder)", len(oall), len(olist.Events), len(all))
	}

	// A bad Last-Event-ID is refused before the stream starts.
	_, bad := openStream(t, ctx, srv.URL, e.analyst, map[string]string{"Last-Event-ID": "yesterday"})
	if bad.StatusCode != http.StatusBadRequest {
		t.Errorf("bad Last-Event-ID: %d", bad.StatusCode)
	}
}

func readAll(tb testing.TB, res *http.Response) string {
	tb.Helper()
	defer res.Body.Close()
	var sb strings.Builder
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		sb.WriteString(sc.Text() + "\n")
	}
	return sb.String()
}
