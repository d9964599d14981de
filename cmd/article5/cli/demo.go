package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"article5"
	"article5/examples"
)

const demoFederationHelp = `Runs a consultation across two sovereign nodes on this machine, with the real
commands, and stops:

  1. each Party makes its root key; users and approver keys on each Party's node;
     each node's tree-head key certified by its Party's root ('audit key
     --public-out', 'party certify --role node', 'audit certificate install')
  2. a JP node and a US node start on loopback ('article5 serve', own database
     and keys, ports printed); each adds the other as a partner with a token
     the other made ('article5 partner add')
  3. JP receives evidence and opens a case, and holds two TLP:RED indicators
     (one for JP only, one naming the US organisation); the US node pulls
     ('article5 sync', which witnesses JP's signed tree head) and holds the
     consultation on the same assessment hash
  4. a request for information from US, answered on JP
  5. each Party's legal adviser records its position and its approver signs,
     each on its own node; both nodes pull (and push to) each other
  6. TLP at the boundary: the RED indicator for JP only is not on the US node,
     the one naming the US organisation is
  7. each node witnessed the other's log ('partner list'), and the head it
     witnessed verifies on the other node ('audit verify --witnessed')
  8. both nodes show the same determination id and assessment hash; the record
     exported from each verifies offline under both Parties' root keys

Everything is written under --dir (default: a temporary directory, removed at
the end). Exit status 0 when both nodes reach the same determination, both
records verify, TLP held at the boundary and each node witnessed the other's log.`

func newDemoCmd(stdout, stderr io.Writer) *cobra.Command {
	cmd := &cobra.Command{Use: "demo", Short: "Demonstrations on this machine"}
	var dir string
	var timeout time.Duration
	fed := &cobra.Command{
		Use:   "federation",
		Short: "A JP node and a US node on loopback consult on one case and reach the same signed determination",
		Long:  demoFederationHelp,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			keep := dir != ""
			if !keep {
				d, err := os.MkdirTemp("", "article5-federation-")
				if err != nil {
					return article5.Internal("demo directory", err)
				}
				dir = d
				defer os.RemoveAll(d)
			}
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return article5.Internal("demo directory", err)
			}
			d := &demo{dir: dir, keep: keep, out: stdout, errw: stderr}
			defer d.stop()
			return d.federation(ctx)
		},
	}
	fed.Flags().StringVar(&dir, "dir", "", "write keys, databases, logs and records here and keep them (default: a temporary directory, removed)")
	fed.Flags().DurationVar(&timeout, "timeout", 3*time.Minute, "give up after this long")
	cmd.AddCommand(fed)
	return cmd
}

// demo runs the federation demonstration: the article5 commands run in
// this process, the two nodes as child `article5 serve` processes.
type demo struct {
	dir   string
	keep  bool // dir is the user's, kept; else a temporary one, removed at the end
	out   io.Writer
	errw  io.Writer
	procs []*exec.Cmd
}

// Organisations of the demonstration (the examples' JP holder, a U.S. one).
const (
	demoJPOrg = "identity--169612a8-b4f8-4371-9087-e3ae6513ac57"
	demoUSOrg = "identity--0d1c6a5e-3c3a-4a7e-9b8e-2f1a6c0e7d21"
)

func (d *demo) path(name string) string { return filepath.Join(d.dir, name) }

func (d *demo) say(format string, args ...any) { fmt.Fprintf(d.out, format+"\n", args...) }

// run runs one article5 command in this process and returns its output.
func (d *demo) run(ctx context.Context, args ...string) (string, error) {
	var out, errb bytes.Buffer
	if err := Run(ctx, args, &out, &errb); err != nil {
		return "", fmt.Errorf("article5 %s: %w\n%s", strings.Join(args, " "), err, errb.String())
	}
	return out.String(), nil
}

func (d *demo) write(name, content string) error {
	if err := os.WriteFile(d.path(name), []byte(content), 0o600); err != nil {
		return article5.Internal("demo: write "+name, err)
	}
	return nil
}

// serve starts `article5 serve` for one node and returns its URL, read
// from the line it prints when listening.
func (d *demo) serve(ctx context.Context, name string) (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", article5.Internal("demo: find the article5 binary", err)
	}
	logf, err := os.Create(d.path(name + "-serve.log"))
	if err != nil {
		return "", article5.Internal("demo: serve log", err)
	}
	cmd := exec.Command(exe, "serve", "--data-dir", d.path(name), "--config", d.path(name+".yaml"), "--addr", "127.0.0.1:0", "--sync-every", "0")
	cmd.Stderr = logf
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		return "", article5.Internal("demo: serve output", err)
	}
	if err := cmd.Start(); err != nil {
		return "", article5.Internal("demo: start serve", err)
	}
	d.procs = append(d.procs, cmd)
	lines := make(chan string, 1)
	go func() {
		r := bufio.NewReader(pipe)
		line, _ := r.ReadString('\n')
		lines <- line
		_, _ = io.Copy(logf, r)
	}()
	select {
	case line := <-lines:
		_, addr, ok := strings.Cut(strings.TrimSpace(line), "listening on ")
		if !ok {
			return "", article5.Errorf(article5.EINTERNAL, "the %s node did not start (see %s): %q", name, d.path(name+"-serve.log"), line)
		}
		url, _, _ := strings.Cut(addr, " ")
		return url, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// stop ends the serve processes it started: an interrupt, then a kill
// after ten seconds.
func (d *demo) stop() {
	for _, p := range d.procs {
		_ = p.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = p.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = p.Process.Kill()
			<-done
		}
	}
	d.procs = nil
}

// status reads a case's consultation on a node as user's session; found
// is false while the node has no consultation of the case.
type demoStatus struct {
	State          string `json:"state"`
	AssessmentHash string `json:"assessment_hash"`
	Determination  *struct {
		ID      string `json:"id"`
		Outcome string `json:"outcome"`
	} `json:"determination"`
	RFIs []struct {
		ID     string `json:"id"`
		From   string `json:"from"`
		Answer string `json:"answer"`
	} `json:"rfis"`
}

func (d *demo) status(ctx context.Context, url, session, caseID string) (*demoStatus, bool) {
	out, err := d.run(ctx, "case", "status", "--server", url, "--session", session, "--format", "json", caseID)
	if err != nil {
		return nil, false
	}
	var s demoStatus
	if json.Unmarshal([]byte(out), &s) != nil {
		return nil, false
	}
	return &s, true
}

// await polls a case's consultation on a node until ok holds (every 200
// ms, bounded by ctx).
func (d *demo) await(ctx context.Context, what, url, session, caseID string, ok func(*demoStatus) bool) (*demoStatus, error) {
	for {
		if s, found := d.status(ctx, url, session, caseID); found && ok(s) {
			return s, nil
		}
		select {
		case <-ctx.Done():
			return nil, article5.Errorf(article5.EINTERNAL, "demo: gave up waiting for %s", what)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func (d *demo) federation(ctx context.Context) error {
	type user struct{ name, party, role, org, node string }
	users := []user{
		{"sato", "JP", "analyst", demoJPOrg, "jp"}, {"suzuki", "JP", "legal", demoJPOrg, "jp"}, {"tanaka", "JP", "approver", demoJPOrg, "jp"},
		{"miller", "US", "legal", demoUSOrg, "us"}, {"jones", "US", "approver", demoUSOrg, "us"},
	}
	trust := []string{"--trust", d.path("jp-root.pub"), "--trust", d.path("us-root.pub")}
	if d.keep {
		d.say("article5 federation demonstration in %s", d.dir)
	} else {
		d.say("article5 federation demonstration in %s (removed at the end: run with --dir DIR to keep its keys, databases, logs and records)", d.dir)
	}

	d.say("\n1. Root keys, users and approver keys, on each Party's own node")
	for _, p := range []string{"jp", "us"} {
		if err := d.write(p+"-root.pass", p+" root passphrase for the demonstration"); err != nil {
			return err
		}
		if _, err := d.run(ctx, "party", "init", "--party", strings.ToUpper(p), "--out", d.path(p+"-root"), "--passphrase-file", d.path(p+"-root.pass")); err != nil {
			return err
		}
	}
	for _, u := range users {
		if err := d.write(u.name+".pw", "password of "+u.name+", long enough"); err != nil {
			return err
		}
		if _, err := d.run(ctx, "user", "create", "--data-dir", d.path(u.node), "--name", u.name, "--party", u.party, "--role", u.role, "--org", u.org, "--password-file", d.path(u.name+".pw")); err != nil {
			return err
		}
		if u.role != "approver" {
			continue
		}
		if _, err := d.run(ctx, "key", "new", "--out", d.path(u.name), "--password-file", d.path(u.name+".pw")); err != nil {
			return err
		}
		if _, err := d.run(ctx, "party", "certify", "--root", d.path(u.node+"-root.key"), "--subject", d.path(u.name+".pub"), "--role", "approver",
			"--name", u.name, "--out", d.path(u.name+".cert"), "--passphrase-file", d.path(u.node+"-root.pass")); err != nil {
			return err
		}
		if _, err := d.run(ctx, append([]string{"key", "add", "--data-dir", d.path(u.node), "--user", u.name, "--key", d.path(u.name + ".key"), "--cert", d.path(u.name + ".cert")}, trust...)...); err != nil {
			return err
		}
		d.say("   %s node: %s (%s %s), key certified by the %s root", strings.ToUpper(u.node), u.name, u.party, u.role, u.party)
	}
	for _, n := range []struct{ name, party, holder, other string }{{"jp", "JP", demoJPOrg, demoUSOrg}, {"us", "US", demoUSOrg, demoJPOrg}} {
		conf := fmt.Sprintf("holder: %s\nparty: %s\nclients: {%s: [%s]}\ntrust: [%s, %s]\n", n.holder, n.party, n.holder, n.other, d.path("jp-root.pub"), d.path("us-root.pub"))
		if err := d.write(n.name+".yaml", conf); err != nil {
			return err
		}
	}
	d.say("   each node's tree-head key certified by its Party's root ('party certify --role node', offline):")
	for _, n := range []struct{ name, party string }{{"jp", "JP"}, {"us", "US"}} {
		line, err := d.certifyNode(ctx, n.name)
		if err != nil {
			return err
		}
		d.say("   %s node: %s", n.party, line)
	}
	tok := func(node, name, party, org string) (string, error) {
		out, err := d.run(ctx, "token", "create", "--data-dir", d.path(node), "--name", name, "--party", party, "--org", org)
		if err != nil {
			return "", err
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		return lines[len(lines)-1], nil
	}
	usOnJP, err := tok("jp", "us-node", "US", demoUSOrg)
	if err != nil {
		return err
	}
	jpOnUS, err := tok("us", "jp-node", "JP", demoJPOrg)
	if err != nil {
		return err
	}
	feed, err := tok("jp", "feed", "JP", demoJPOrg)
	if err != nil {
		return err
	}

	d.say("\n2. Two nodes on loopback, each with its own database and keys")
	jpURL, err := d.serve(ctx, "jp")
	if err != nil {
		return err
	}
	usURL, err := d.serve(ctx, "us")
	if err != nil {
		return err
	}
	for _, w := range []struct{ url, party string }{{jpURL, "JP"}, {usURL, "US"}} {
		if _, err := d.run(ctx, "wait", "--server", w.url, "--party", w.party, "--timeout", "30s"); err != nil {
			return err
		}
	}
	d.say("   JP node %s (data %s)\n   US node %s (data %s)", jpURL, d.path("jp"), usURL, d.path("us"))
	if _, err := d.run(ctx, "partner", "add", "us", usURL, "--token", jpOnUS, "--speaks-for", demoUSOrg, "--data-dir", d.path("jp")); err != nil {
		return err
	}
	if _, err := d.run(ctx, "partner", "add", "jp", jpURL, "--token", usOnJP, "--speaks-for", demoJPOrg, "--data-dir", d.path("us")); err != nil {
		return err
	}
	d.say("   each node pulls the other: partner 'us' on JP, partner 'jp' on US")
	sync := func(node string) error {
		out, err := d.run(ctx, "sync", "--data-dir", d.path(node), "--config", d.path(node+".yaml"))
		if err != nil {
			return err
		}
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			if !strings.HasPrefix(l, "  ") {
				d.say("   sync on %s: %s", strings.ToUpper(node), l)
			}
		}
		return nil
	}

	d.say("\n3. JP opens a case; the US node pulls it")
	evidence, err := examples.Read("winter-grid-deaths")
	if err != nil {
		return err
	}
	if err := os.WriteFile(d.path("winter-grid-deaths.json"), evidence, 0o600); err != nil {
		return article5.Internal("demo: evidence", err)
	}
	if _, err := d.run(ctx, "send", "--server", jpURL, "--token", feed, d.path("winter-grid-deaths.json")); err != nil {
		return err
	}
	for _, u := range users {
		url := jpURL
		if u.node == "us" {
			url = usURL
		}
		if _, err := d.run(ctx, "login", "--server", url, "--name", u.name, "--password-file", d.path(u.name+".pw"), "--session", d.path(u.name+".session")); err != nil {
			return err
		}
	}
	ses := func(name string) string { return d.path(name + ".session") }
	if err := d.write("red.json", demoRedBundle); err != nil {
		return err
	}
	if _, err := d.run(ctx, "send", "--server", jpURL, "--token", feed, d.path("red.json")); err != nil {
		return err
	}
	d.say("   JP also holds two TLP:RED indicators: %s for JP's organisation only,\n   %s naming the US organisation in red_recipients", demoRedJPOnly, demoRedToUS)
	out, err := d.run(ctx, "case", "open", "-q", "--server", jpURL, "--session", ses("sato"), "--name", "Sapporo winter blackout", "incident--8427b4e1-d27a-49ee-a651-76bc585ab6e3")
	if err != nil {
		return err
	}
	caseID := strings.TrimSpace(out)
	jp, err := d.await(ctx, "the case on JP", jpURL, ses("suzuki"), caseID, func(s *demoStatus) bool { return s.State == "in-consultation" })
	if err != nil {
		return err
	}
	d.say("   JP: case %s %s on assessment %s", caseID, jp.State, jp.AssessmentHash)
	if err := sync("us"); err != nil {
		return err
	}
	us, err := d.await(ctx, "the case to arrive on US", usURL, ses("miller"), caseID, func(s *demoStatus) bool { return s.State == "in-consultation" })
	if err != nil {
		return err
	}
	d.say("   US: case %s %s on assessment %s", caseID, us.State, us.AssessmentHash)

	d.say("\n4. A request for information from US, answered on JP")
	if _, err := d.run(ctx, "case", "rfi", "--server", usURL, "--session", ses("miller"), caseID, "--question", "Has Japan corroborated the attribution?"); err != nil {
		return err
	}
	if err := sync("jp"); err != nil {
		return err
	}
	jp, err = d.await(ctx, "the RFI on JP", jpURL, ses("suzuki"), caseID, func(s *demoStatus) bool { return len(s.RFIs) > 0 })
	if err != nil {
		return err
	}
	if _, err := d.run(ctx, "case", "answer", "--server", jpURL, "--session", ses("suzuki"), caseID, jp.RFIs[0].ID, "--answer", "Yes: two independent sources."); err != nil {
		return err
	}
	d.say("   JP answered %s from %s", jp.RFIs[0].ID, jp.RFIs[0].From)

	d.say("\n5. Each Party records and signs its position on its own node")
	for _, p := range []struct{ url, legal, approver, reasons string }{
		{jpURL, "suzuki", "tanaka", "Days without heating in winter, by a State organ. Deaths are only suspected: not yet on a par with a physical attack."},
		{usURL, "miller", "jones", "A use of force by State X; on the U.S. view it may be met in self-defence."},
	} {
		if _, err := d.run(ctx, "case", "position", "--server", p.url, "--session", ses(p.legal), caseID, "--tier", "use-of-force-possible", "--opinion", "agree", "--reasons", p.reasons); err != nil {
			return err
		}
		if _, err := d.run(ctx, "case", "sign", "--server", p.url, "--session", ses(p.approver), caseID, "--password-file", d.path(p.approver+".pw"), "--yes"); err != nil {
			return err
		}
		d.say("   %s recorded, %s signed on %s", p.legal, p.approver, p.url)
	}
	if err := sync("jp"); err != nil {
		return err
	}
	if err := sync("us"); err != nil {
		return err
	}

	d.say("\n6. TLP at the boundary: what the US node holds, asked as %s (US) on its API", "miller")
	for _, o := range []struct {
		id, what string
		want     bool
	}{{demoRedJPOnly, "TLP:RED, JP's organisation only", false}, {demoRedToUS, "TLP:RED, names the US organisation", true}} {
		held, err := d.holds(ctx, usURL, ses("miller"), o.id)
		if err != nil {
			return err
		}
		switch {
		case held != o.want:
			return article5.Errorf(article5.EINTERNAL, "demo: the US node holds %s (%s): %v, want %v", o.id, o.what, held, o.want)
		case held:
			d.say("   %s (%s): held, it crossed", o.id, o.what)
		default:
			d.say("   %s (%s): not found, it never crossed (pull or push)", o.id, o.what)
		}
	}

	d.say("\n7. Each node witnessed the other's signed tree heads")
	for _, w := range []struct{ node, partner, party, other string }{{"jp", "us", "JP", "US"}, {"us", "jp", "US", "JP"}} {
		line, err := d.witnessed(ctx, w.node, w.partner, w.other)
		if err != nil {
			return err
		}
		d.say("   %s witnessed %s's log: %s", w.party, w.other, line)
	}
	for _, w := range []struct{ node, partner, party, other string }{{"jp", "us", "JP", "US"}, {"us", "jp", "US", "JP"}} {
		head, err := d.run(ctx, "partner", "head", w.partner, "--data-dir", d.path(w.node))
		if err != nil {
			return err
		}
		note := d.path(w.partner + "-head-witnessed-by-" + w.node + ".note")
		if err := os.WriteFile(note, []byte(head), 0o600); err != nil {
			return article5.Internal("demo: head", err)
		}
		out, err := d.run(ctx, "audit", "verify", "--data-dir", d.path(w.partner), "--witnessed", note)
		if err != nil {
			return err
		}
		ext := "intact"
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(l, "extends the witnessed head") {
				ext, _, _ = strings.Cut(l, " (")
				ext += ", intact"
			}
		}
		d.say("   %s's log, checked by 'audit verify --witnessed' against the head %s witnessed: %s", w.other, w.party, ext)
	}

	d.say("\n8. The joint determination")
	concluded := func(s *demoStatus) bool { return s.Determination != nil && strings.HasPrefix(s.State, "concluded") }
	jp, err = d.await(ctx, "the determination on JP", jpURL, ses("suzuki"), caseID, concluded)
	if err != nil {
		return err
	}
	us, err = d.await(ctx, "the determination on US", usURL, ses("miller"), caseID, concluded)
	if err != nil {
		return err
	}
	d.say("   JP: %s %s, assessment %s", jp.Determination.ID, jp.Determination.Outcome, jp.AssessmentHash)
	d.say("   US: %s %s, assessment %s", us.Determination.ID, us.Determination.Outcome, us.AssessmentHash)
	for _, n := range []struct{ name, url, session string }{{"jp", jpURL, ses("suzuki")}, {"us", usURL, ses("miller")}} {
		rec, err := d.run(ctx, "case", "export", "--server", n.url, "--session", n.session, caseID)
		if err != nil {
			return err
		}
		file := d.path(n.name + "-record.json")
		if err := os.WriteFile(file, []byte(rec), 0o600); err != nil {
			return article5.Internal("demo: record", err)
		}
		if _, err := d.run(ctx, append([]string{"verify", file}, trust...)...); err != nil {
			return err
		}
		d.say("   %s: the record exported from the %s node verifies under both roots", file, strings.ToUpper(n.name))
	}
	if jp.Determination.ID != us.Determination.ID || jp.AssessmentHash != us.AssessmentHash || jp.Determination.Outcome != us.Determination.Outcome {
		return article5.Errorf(article5.EINTERNAL, "the nodes differ: JP %s on %s, US %s on %s", jp.Determination.ID, jp.AssessmentHash, us.Determination.ID, us.AssessmentHash)
	}
	d.say("\nsame determination on both nodes: %s (%s), assessment hash %s", jp.Determination.ID, jp.Determination.Outcome, jp.AssessmentHash)
	return nil
}

// The demonstration's TLP:RED indicators on JP: one for JP's organisation
// only, one naming the US organisation among its recipients.
const (
	demoRedJPOnly = "indicator--5b0e8c1e-2f3a-4d7e-9c61-0a4b7f2d9e11"
	demoRedToUS   = "indicator--5b0e8c1e-2f3a-4d7e-9c61-0a4b7f2d9e12"
)

// demoRedBundle holds the two TLP:RED indicators (TLP 2.0 RED marking,
// article5's extension naming the recipients).
var demoRedBundle = `{"type":"bundle","id":"bundle--5b0e8c1e-2f3a-4d7e-9c61-0a4b7f2d9e10","objects":[` +
	demoRedIndicator(demoRedJPOnly, "JP eyes only: the sensor that saw the intrusion", demoJPOrg) + "," +
	demoRedIndicator(demoRedToUS, "Shared with the U.S.: the command-and-control address", demoJPOrg, demoUSOrg) + "]}"

func demoRedIndicator(id, name string, recipients ...string) string {
	red, _ := json.Marshal(recipients)
	return `{"type":"indicator","spec_version":"2.1","id":"` + id + `","created":"2026-11-20T09:30:00.000Z","modified":"2026-11-20T09:30:00.000Z",` +
		`"created_by_ref":"` + demoJPOrg + `","name":"` + name + `","pattern":"[ipv4-addr:value = '198.51.100.7']","pattern_type":"stix","valid_from":"2026-11-20T09:30:00Z",` +
		`"object_marking_refs":["marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"],` +
		`"extensions":{"` + article5.ExtensionID + `":{"extension_type":"property-extension","red_recipients":` + string(red) + `}}}`
}

// certifyNode does what a node's operator does once: writes the node's
// tree-head public key, certifies it as a node key with the Party's root
// (offline, where the root key is) and installs the certificate on the
// node. It returns what 'audit certificate install' printed.
func (d *demo) certifyNode(ctx context.Context, node string) (string, error) {
	pub := d.path(node + "-node.pub")
	key, err := d.run(ctx, "audit", "key", "--data-dir", d.path(node), "--public-out", pub)
	if err != nil {
		return "", err
	}
	name, _, _ := strings.Cut(strings.TrimSpace(key), "+")
	cert := d.path(node + "-node.cert")
	if _, err := d.run(ctx, "party", "certify", "--root", d.path(node+"-root.key"), "--subject", pub, "--role", "node",
		"--name", name, "--days", "365", "--out", cert, "--passphrase-file", d.path(node+"-root.pass")); err != nil {
		return "", err
	}
	out, err := d.run(ctx, "audit", "certificate", "install", cert, "--trust", d.path("jp-root.pub"), "--trust", d.path("us-root.pub"), "--data-dir", d.path(node))
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(out), nil
}

// holds reports whether the node at url gives the object id to the user of
// session (GET /api/v1/objects/{id}: 200 held, 404 not, else an error).
func (d *demo) holds(ctx context.Context, url, session, id string) (bool, error) {
	data, err := os.ReadFile(session)
	if err != nil {
		return false, article5.Internal("demo: session", err)
	}
	var sf sessionFile
	if err := json.Unmarshal(data, &sf); err != nil {
		return false, article5.Internal("demo: session", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/api/v1/objects/"+id, nil)
	if err != nil {
		return false, article5.Internal("demo: request", err)
	}
	req.AddCookie(&http.Cookie{Name: "article5_session", Value: sf.Secret})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false, article5.Internal("demo: get "+id, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	switch resp.StatusCode {
	case http.StatusOK:
		return true, nil
	case http.StatusNotFound:
		return false, nil
	}
	return false, article5.Errorf(article5.EINTERNAL, "demo: GET %s/api/v1/objects/%s: %s", url, id, resp.Status)
}

// witnessed reads, from 'partner list --format json' on node, what it
// witnessed of partner's log, and fails unless a head of party was
// witnessed with no error and no inconsistency.
func (d *demo) witnessed(ctx context.Context, node, partner, party string) (string, error) {
	out, err := d.run(ctx, "partner", "list", "--data-dir", d.path(node), "--format", "json")
	if err != nil {
		return "", err
	}
	var list struct {
		Partners []struct {
			Name string `json:"name"`
			Log  struct {
				Size            *int64     `json:"size"`
				KeyID           string     `json:"key_id"`
				Party           string     `json:"party"`
				Witnessed       *time.Time `json:"witnessed"`
				Checks          int64      `json:"checks"`
				Inconsistencies int64      `json:"inconsistencies"`
				LastError       string     `json:"last_error"`
				ConflictOpen    bool       `json:"conflict_open"`
			} `json:"log"`
		} `json:"partners"`
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		return "", article5.Internal("demo: partner list", err)
	}
	for _, p := range list.Partners {
		if p.Name != partner {
			continue
		}
		l := p.Log
		if l.Size == nil || l.Witnessed == nil || l.Party != party || l.LastError != "" || l.Inconsistencies != 0 || l.ConflictOpen {
			return "", article5.Errorf(article5.EINTERNAL, "demo: the %s node did not witness %s's log: %+v", node, partner, l)
		}
		return fmt.Sprintf("%d entries, key %s of %s, %d checks, consistent (0 inconsistencies)", *l.Size, l.KeyID, l.Party, l.Checks), nil
	}
	return "", article5.Errorf(article5.EINTERNAL, "demo: the %s node has no partner %s", node, partner)
}
