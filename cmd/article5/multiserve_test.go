package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"article5/internal/testdb"
)

// TestThreeServersOnePostgres runs the real binary as three `serve`
// processes on one fresh PostgreSQL database (docs/scaling-out.md) and
// drives load through all three: bundles whose cases queue re-assessment
// jobs, two webhook subscriptions to a receiver on loopback, and two event
// stream clients on each process. Half-way it kills, with SIGKILL, the
// process that holds the webhook dispatcher's lease, as soon as it also
// holds a re-assessment job (if that happens within a minute), and the clients of
// its streams reconnect to the others with Last-Event-ID. When the rest has
// settled it checks: every case is assessed and the queue is empty; no case
// was assessed by two jobs at once; each subscription got every event it
// subscribes to, under the event's id as the idempotency key, at most one
// of them twice (the delivery the kill interrupted), not once per process;
// every stream client saw every event, once; and `article5 audit verify`
// finds the log intact.
//
// Skipped without ARTICLE5_TEST_POSTGRES (CI sets it) and under -short.
func TestThreeServersOnePostgres(t *testing.T) {
	base := os.Getenv("ARTICLE5_TEST_POSTGRES")
	if base == "" {
		t.Skip("ARTICLE5_TEST_POSTGRES is not set: set it to a PostgreSQL URL whose role may create databases to run the three-server test")
	}
	if testing.Short() {
		t.Skip("builds the binary and runs three servers")
	}
	ctx := context.Background()
	dsn := freshDatabase(t, base)
	dir := t.TempDir()
	bin := filepath.Join(dir, "article5")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	run := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(bin, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("article5 %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	const org = "identity--5b2f3c1e-8b0a-4c51-9d35-2f0a1b3c4d5e"
	out := strings.Split(strings.TrimSpace(run("token", "create", "--database", dsn, "--name", "load", "--party", "JP", "--org", org)), "\n")
	token := out[len(out)-1]

	// The receiver: deliveries per subscription (path), by delivery id.
	rc := &hookReceiver{got: map[string]map[string]int{}}
	hookSrv := &http.Server{Handler: rc}
	hl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go hookSrv.Serve(hl)
	t.Cleanup(func() { hookSrv.Close() })
	subs := []string{"/a", "/b"}
	for _, p := range subs {
		run("webhook", "add", "--database", dsn, "--url", "http://"+hl.Addr().String()+p, "--party", "JP", "--org", org,
			"--events", "assessed,tier-changed", "--webhook-allow", "127.0.0.0/8")
	}

	// Three servers.
	procs := make([]*serveProc, 3)
	for i := range procs {
		procs[i] = startServeProc(t, bin, filepath.Join(dir, fmt.Sprintf("node%d", i)),
			"--database", dsn, "--holder", org, "--webhook-allow", "127.0.0.0/8",
			"--request-rate", "-1", "--ingest-rate", "-1", "--address-rate", "-1")
	}

	// Two stream clients on each; when their server dies they resume on
	// the next one alive.
	streamCtx, stopStreams := context.WithCancel(ctx)
	defer stopStreams()
	var streams []*sseClient
	var streamsDone sync.WaitGroup
	for i := range 2 * len(procs) {
		c := &sseClient{token: token, procs: procs, at: i % len(procs), seen: map[string]int{}}
		streams = append(streams, c)
		streamsDone.Go(func() { c.run(streamCtx) })
	}

	// Load through all three.
	names := []string{"ddos-government", "port-ransomware", "gnss-jamming", "dam-control", "hospital-series", "space-agency-espionage"}
	var cases []string
	var mu sync.Mutex // cases
	ingest := func(n int, alive []*serveProc) {
		t.Helper()
		var wg sync.WaitGroup
		for i := range n {
			data := copyOfExample(t, names[i%len(names)])
			p := alive[i%len(alive)]
			wg.Go(func() {
				id, err := p.ingest(token, data)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				cases = append(cases, id)
				mu.Unlock()
			})
		}
		wg.Wait()
		if t.Failed() {
			t.FailNow()
		}
	}
	ingest(12, procs)

	// The process holding the dispatcher's lease.
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var victim *serveProc
	waitUntil(t, time.Minute, "a process to hold the webhook lease", func() bool {
		var holder string
		err := conn.QueryRow(ctx, `SELECT holder FROM leases WHERE name = 'webhooks' AND lease_until > $1`, time.Now().UnixNano()).Scan(&holder)
		if err != nil {
			return false
		}
		for _, p := range procs {
			if p.holder == holder {
				victim = p
			}
		}
		return victim != nil
	})
	var alive []*serveProc
	for _, p := range procs {
		if p != victim {
			alive = append(alive, p)
		}
	}
	// Let it be busy: some events delivered, and, while the others take
	// more bundles, cases under its lease (any worker claims any case).
	waitUntil(t, time.Minute, "a first delivery", func() bool { return rc.total() > 0 })
	feedCtx, stopFeed := context.WithCancel(ctx)
	var fed sync.WaitGroup
	fed.Go(func() {
		for i := 0; i < 60 && feedCtx.Err() == nil; i++ {
			id, err := alive[i%len(alive)].ingest(token, copyOfExample(t, names[i%len(names)]))
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			cases = append(cases, id)
			mu.Unlock()
		}
	})
	deadline := time.Now().Add(time.Minute)
	for !victim.holdsJob(t) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	victim.kill(t)
	stopFeed()
	fed.Wait()
	ingest(12, alive)

	// Settled: every case assessed, the queue empty.
	waitUntil(t, 3*time.Minute, "every case assessed and the queue empty", func() bool {
		var queued, pending int
		if err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM case_queue), (SELECT count(*) FROM jobs WHERE NOT done)`).Scan(&queued, &pending); err != nil || queued+pending > 0 {
			return false
		}
		for _, c := range cases {
			if alive[0].status(token, "/api/v1/cases/"+c) != http.StatusOK {
				return false
			}
		}
		return true
	})
	// The events, as the load token sees them (the receiver's and the
	// streams' organisation: they see the same).
	events := alive[1].events(t, token)
	var want int
	for _, e := range events {
		if e.Type == "assessed" || e.Type == "tier-changed" {
			want++
		}
	}
	if want < len(cases) {
		t.Fatalf("%d assessed or tier-changed events for %d cases", want, len(cases))
	}
	waitUntil(t, 3*time.Minute, "every subscription to get every event", func() bool {
		for _, p := range subs {
			if rc.distinct(p) < want {
				return false
			}
		}
		return true
	})
	waitUntil(t, 3*time.Minute, "every stream client to see every event", func() bool {
		for _, c := range streams {
			if c.count() < len(events) {
				return false
			}
		}
		return true
	})
	stopStreams()
	streamsDone.Wait()
	t.Logf("%d cases, %d events (%d delivered per subscription); process %d killed", len(cases), len(events), want, slices.Index(procs, victim))

	t.Run("every webhook event delivered once per subscription, not once per process", func(t *testing.T) {
		for _, p := range subs {
			distinct, total, bad := rc.stats(p)
			if distinct != want {
				t.Errorf("%s: %d distinct events, want %d", p, distinct, want)
			}
			// The kill may interrupt one delivery per subscription after the
			// receiver took it: that one is delivered again, with the same id.
			if total > distinct+1 {
				t.Errorf("%s: %d deliveries of %d events: more than the one a kill may repeat", p, total, distinct)
			}
			if bad > 0 {
				t.Errorf("%s: %d deliveries whose %s header is not the body's id", p, bad, "X-Article5-Delivery")
			}
		}
	})
	t.Run("every stream client sees every event once", func(t *testing.T) {
		wantIDs := make([]string, len(events))
		for i, e := range events {
			wantIDs[i] = e.ID
		}
		for i, c := range streams {
			c.mu.Lock()
			got := slices.Clone(c.order)
			dup := 0
			for _, n := range c.seen {
				dup += n - 1
			}
			resumed := c.resumed
			c.mu.Unlock()
			if !slices.Equal(got, wantIDs) {
				t.Errorf("client %d saw %d events, want the %d listed, in order", i, len(got), len(wantIDs))
			}
			if dup > 0 {
				t.Errorf("client %d saw %d events twice", i, dup)
			}
			if i%len(procs) == slices.Index(procs, victim) && resumed == 0 {
				t.Errorf("client %d of the killed process never resumed elsewhere", i)
			}
		}
	})
	t.Run("no case assessed by two jobs at once", func(t *testing.T) {
		type span struct {
			proc     int
			job      string
			from, to time.Time
		}
		spans := map[string][]span{}
		for i, p := range procs {
			open := map[string]span{}
			for _, l := range p.logLines(t) {
				switch l.Msg {
				case "job claimed":
					for _, c := range l.Cases {
						open[l.Job+" "+c] = span{proc: i, job: l.Job, from: l.Time}
					}
				case "job done":
					for _, c := range l.Cases {
						s, ok := open[l.Job+" "+c]
						if !ok {
							t.Errorf("process %d: job %s done without a claim", i, l.Job)
							continue
						}
						delete(open, l.Job+" "+c)
						s.to = l.Time
						spans[c] = append(spans[c], s)
					}
				}
			}
			if p == victim {
				t.Logf("the killed process held %d case(s) under lease when it died; they were taken over", len(open))
			}
			for k, s := range open {
				if p != victim {
					t.Errorf("process %d left job %s claimed", i, k)
					continue
				}
				s.to = p.killed // it ran until the kill
				spans[strings.SplitN(k, " ", 2)[1]] = append(spans[strings.SplitN(k, " ", 2)[1]], s)
			}
		}
		for _, c := range cases {
			if len(spans[c]) == 0 {
				t.Errorf("case %s: no job ran it", c)
			}
		}
		for c, ss := range spans {
			slices.SortFunc(ss, func(a, b span) int { return a.from.Compare(b.from) })
			for i := 1; i < len(ss); i++ {
				if ss[i].from.Before(ss[i-1].to) {
					t.Errorf("case %s: job %s (process %d) began before job %s (process %d) finished", c, ss[i].job, ss[i].proc, ss[i-1].job, ss[i-1].proc)
				}
			}
		}
	})
	t.Run("audit verify", func(t *testing.T) {
		if out := run("audit", "verify", "--database", dsn); !strings.Contains(out, "intact") {
			t.Errorf("audit verify:\n%s", out)
		}
	})
}

// freshDatabase creates a database with a random name on the server of
// base, drops it at cleanup, and returns base's URL naming it (a fresh
// schema of base's database, when the role may not create databases).
func freshDatabase(t *testing.T, base string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to ARTICLE5_TEST_POSTGRES: %v", err)
	}
	defer conn.Close(ctx)
	b := make([]byte, 6)
	rand.Read(b)
	name := "a5multi_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, `CREATE DATABASE `+name); err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "42501" { // insufficient_privilege
			return testdb.SchemaURL(t, base, "a5multi")
		}
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), base)
		if err != nil {
			t.Errorf("drop database %s: %v", name, err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), `DROP DATABASE `+name+` WITH (FORCE)`); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// waitUntil polls cond until it holds, failing after timeout.
func waitUntil(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s after %v", what, timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// serveProc is one `article5 serve` process.
type serveProc struct {
	cmd    *exec.Cmd
	base   string // http://addr
	log    string // its stderr: the JSON log
	holder string // its lease holder id, from its log
	dead   atomic.Bool
	killed time.Time
}

func startServeProc(t *testing.T, bin, dataDir string, args ...string) *serveProc {
	t.Helper()
	addr := freePort(t)
	p := &serveProc{base: "http://" + addr, log: dataDir + ".log"}
	logf, err := os.Create(p.log)
	if err != nil {
		t.Fatal(err)
	}
	p.cmd = exec.Command(bin, append([]string{"serve", "--addr", addr, "--data-dir", dataDir}, args...)...)
	p.cmd.Stderr = logf
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	logf.Close()
	t.Cleanup(func() {
		if !p.dead.Load() {
			_ = p.cmd.Process.Signal(os.Interrupt)
			_ = p.cmd.Wait()
		}
	})
	waitUntil(t, time.Minute, "the server at "+addr, func() bool {
		for _, l := range p.logLines(t) {
			if l.Msg == "serving" {
				p.holder = l.Holder
			}
		}
		return p.holder != "" && p.status("", "/healthz") == http.StatusOK
	})
	return p
}

// holdsJob reports whether p's log shows a job claimed and not done.
func (p *serveProc) holdsJob(t *testing.T) bool {
	open := map[string]bool{}
	for _, l := range p.logLines(t) {
		switch l.Msg {
		case "job claimed":
			open[l.Job] = true
		case "job done":
			delete(open, l.Job)
		}
	}
	return len(open) > 0
}

func (p *serveProc) kill(t *testing.T) {
	t.Helper()
	p.dead.Store(true)
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = p.cmd.Wait()
	p.killed = time.Now()
}

func (p *serveProc) request(method, path, token string, body []byte) (*http.Response, error) {
	req, err := http.NewRequest(method, p.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/stix+json;version=2.1")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return http.DefaultClient.Do(req)
}

func (p *serveProc) status(token, path string) int {
	resp, err := p.request("GET", path, token, nil)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// ingest posts a bundle and returns the id of its grouping (its case).
func (p *serveProc) ingest(token string, data []byte) (string, error) {
	var b struct {
		Objects []struct{ ID, Type string } `json:"objects"`
	}
	if err := json.Unmarshal(data, &b); err != nil {
		return "", err
	}
	var c string
	for _, o := range b.Objects {
		if o.Type == "grouping" {
			c = o.ID
		}
	}
	resp, err := p.request("POST", "/api/v1/bundles", token, data)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(resp.Body)
		return "", fmt.Errorf("ingest at %s: %d %s", p.base, resp.StatusCode, msg)
	}
	return c, nil
}

type listedEvent struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

// events lists every event the token may see, in order.
func (p *serveProc) events(t *testing.T, token string) []listedEvent {
	t.Helper()
	var out []listedEvent
	after := ""
	for {
		resp, err := p.request("GET", "/api/v1/events?limit=1000&after="+url.QueryEscape(after), token, nil)
		if err != nil {
			t.Fatal(err)
		}
		var page struct {
			Events []listedEvent `json:"events"`
			Next   string        `json:"next"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("list events: %d %v", resp.StatusCode, err)
		}
		out = append(out, page.Events...)
		if page.Next == "" {
			return out
		}
		after = page.Next
	}
}

// logLine is what the test reads of a server's JSON log.
type logLine struct {
	Time   time.Time `json:"time"`
	Msg    string    `json:"msg"`
	Job    string    `json:"job"`
	Cases  []string  `json:"cases"`
	Holder string    `json:"holder"`
}

func (p *serveProc) logLines(t *testing.T) []logLine {
	data, err := os.ReadFile(p.log)
	if err != nil {
		t.Fatal(err)
	}
	var out []logLine
	for _, line := range bytes.Split(data, []byte("\n")) {
		var l logLine
		if json.Unmarshal(line, &l) == nil {
			out = append(out, l)
		}
	}
	return out
}

// hookReceiver counts deliveries per subscription (URL path) and
// delivery id, checking the id header against the body's id.
type hookReceiver struct {
	mu  sync.Mutex
	got map[string]map[string]int
	bad map[string]int
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var e struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(body, &e)
	id := r.Header.Get("X-Article5-Delivery")
	h.mu.Lock()
	if h.got[r.URL.Path] == nil {
		h.got[r.URL.Path] = map[string]int{}
	}
	h.got[r.URL.Path][id]++
	if id == "" || id != e.ID {
		if h.bad == nil {
			h.bad = map[string]int{}
		}
		h.bad[r.URL.Path]++
	}
	h.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (h *hookReceiver) stats(path string) (distinct, total, bad int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, n := range h.got[path] {
		distinct++
		total += n
	}
	return distinct, total, h.bad[path]
}

func (h *hookReceiver) distinct(path string) int {
	d, _, _ := h.stats(path)
	return d
}

func (h *hookReceiver) total() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, m := range h.got {
		for _, k := range m {
			n += k
		}
	}
	return n
}

// sseClient reads the event stream of one server, and when the stream
// ends resumes on the next server alive with Last-Event-ID.
type sseClient struct {
	token   string
	procs   []*serveProc
	at      int
	mu      sync.Mutex
	order   []string
	seen    map[string]int
	last    string
	resumed int // connections made after the first
}

func (c *sseClient) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.order)
}

func (c *sseClient) run(ctx context.Context) {
	for first := true; ctx.Err() == nil; first = false {
		p := c.procs[c.at]
		if p.dead.Load() {
			c.at = (c.at + 1) % len(c.procs)
			continue
		}
		if !first {
			c.mu.Lock()
			c.resumed++
			c.mu.Unlock()
		}
		c.read(ctx, p)
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (c *sseClient) read(ctx context.Context, p *serveProc) {
	req, err := http.NewRequestWithContext(ctx, "GET", p.base+"/api/v1/events/stream", nil)
	if err != nil {
		return
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	c.mu.Lock()
	if c.last != "" {
		req.Header.Set("Last-Event-ID", c.last)
	}
	c.mu.Unlock()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	id := ""
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "id: "):
			id = strings.TrimPrefix(line, "id: ")
		case line == "" && id != "":
			c.mu.Lock()
			c.seen[id]++
			if c.seen[id] == 1 {
				c.order = append(c.order, id)
			}
			c.last = id
			c.mu.Unlock()
			id = ""
		}
	}
}
