package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"article5"
	"article5/node"
	"article5/taxii"
)

const partnerHelp = `Register the partner nodes this node pulls STIX objects from (docs/federation.md).

A partner is another node's TAXII 2.1 API root, the API token this node presents to it (an
API token the partner's operator made for this node's organisation), the CA bundle its TLS
certificate chains to, and the organisations it speaks for: the first --speaks-for is the
partner node's own organisation. What the partner sends is accepted only in the custody of
those organisations, or relayed by them. The token (and a client key, --cert/--key for mutual
TLS) is kept in the node's database sealed with the node's secret, and is never printed.
A sync also pushes to each partner what this node may release to it (article5 sync).

  article5 partner add jp https://jp-node.example --ca jp-ca.pem --token "$JP_TOKEN" \
      --speaks-for identity--… --data-dir ./node-us
  article5 partner list --data-dir ./node-us
  article5 partner head jp --data-dir ./node-us > jp.note    (the partner's witnessed signed tree head)
  article5 partner conflicts jp --data-dir ./node-us
  article5 partner remove jp --data-dir ./node-us`

var partnerName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

func newPartnerCmd(stdout io.Writer) *cobra.Command {
	cmd := &cobra.Command{Use: "partner", Short: "Register the partner nodes this node pulls from", Long: partnerHelp}
	cmd.AddCommand(newPartnerAddCmd(stdout), newPartnerListCmd(stdout), newPartnerRemoveCmd(stdout), newPartnerHeadCmd(stdout), newPartnerConflictsCmd(stdout))
	return cmd
}

func newPartnerAddCmd(stdout io.Writer) *cobra.Command {
	c := defaultServeConfig()
	var caFile, token, format, certFile, keyFile string
	var speaks, collections []string
	add := &cobra.Command{
		Use:   "add NAME URL",
		Short: "Register a partner node: its TAXII API root, CA, token and the organisations it speaks for",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := c.resolve(cmd, ""); err != nil {
				return err
			}
			name := args[0]
			if !partnerName.MatchString(name) {
				return usageError{fmt.Errorf("partner name %q: letters, digits, '.', '_' and '-', at most 64, starting with a letter or digit", name)}
			}
			root, err := taxii.PartnerAPIRoot(args[1])
			if err != nil {
				return usageError{err}
			}
			if token == "" {
				return usageError{fmt.Errorf("--token is required: the API token the partner made for this node")}
			}
			if len(speaks) == 0 {
				return usageError{fmt.Errorf("--speaks-for is required: the partner node's organisation (identity--…) first")}
			}
			for _, id := range speaks {
				if !strings.HasPrefix(id, "identity--") {
					return usageError{fmt.Errorf("--speaks-for must be STIX identity ids (identity--…), got %q", id)}
				}
			}
			p := &article5.Partner{Name: name, APIRoot: root, Token: token, SpeaksFor: speaks, Collections: collections}
			if caFile != "" {
				if p.CA, err = os.ReadFile(caFile); err != nil {
					return article5.Errorf(article5.EINVALID, "--ca %s: %v", caFile, err)
				}
				if _, err := taxii.PartnerClient(p); err != nil {
					return article5.Errorf(article5.EINVALID, "--ca %s: no PEM certificate", caFile)
				}
			}
			if err := readClientCert(p, certFile, keyFile); err != nil {
				return err
			}
			store, err := openWriteStore(cmd.Context(), c)
			if err != nil {
				return err
			}
			defer store.Close()
			if err := store.CreatePartner(cmd.Context(), p); err != nil {
				return err
			}
			if format == "json" {
				return writeJSON(stdout, partnerJSON(p, nil, time.Now()))
			}
			fmt.Fprintf(stdout, "partner %s at %s, speaking for %s\n", p.Name, p.APIRoot, strings.Join(p.SpeaksFor, ", "))
			return nil
		},
	}
	addStoreFlags(add, &c)
	add.Flags().StringVar(&caFile, "ca", "", "PEM file of the CAs (or the pinned certificate) the partner's TLS certificate must chain to; empty: the host's roots")
	add.Flags().StringVar(&token, "token", "", "the API token the partner made for this node (kept as a secret, never printed)")
	add.Flags().StringSliceVar(&speaks, "speaks-for", nil, "STIX identity id of an organisation the partner speaks for (repeatable); the first is the partner's own")
	add.Flags().StringSliceVar(&collections, "collection", nil, "a partner collection to pull, by id or alias (repeatable); default: all; pushes go to the first")
	addClientCertFlags(add, &certFile, &keyFile)
	addFormatFlag(add, &format)
	return add
}

func newPartnerRemoveCmd(stdout io.Writer) *cobra.Command {
	c := defaultServeConfig()
	rm := &cobra.Command{
		Use:   "remove NAME",
		Short: "Forget a partner and its cursors (what it sent stays)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := c.resolve(cmd, ""); err != nil {
				return err
			}
			store, err := openWriteStore(cmd.Context(), c)
			if err != nil {
				return err
			}
			defer store.Close()
			if err := store.DeletePartner(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "partner %s removed\n", args[0])
			return nil
		},
	}
	addStoreFlags(rm, &c)
	return rm
}

// partnerJSON is a partner as listed: never its token or CA.
func partnerJSON(p *article5.Partner, cursors []*article5.PartnerCursor, now time.Time) map[string]any {
	cols := []map[string]any{}
	for _, col := range p.PullCollections() {
		m := map[string]any{"collection": col, "added_after": "", "last_sync": nil, "lag_seconds": nil, "last_error": "", "pulled": 0, "errors": 0}
		for _, cur := range cursors {
			if cur.Partner != p.Name || cur.Collection != col {
				continue
			}
			m["added_after"], m["last_error"], m["pulled"], m["errors"] = cur.AddedAfter, cur.LastError, cur.Pulled, cur.Errors
			if !cur.LastAttempt.IsZero() {
				m["last_attempt"] = cur.LastAttempt
			}
			if !cur.LastSync.IsZero() {
				m["last_sync"] = cur.LastSync
				m["lag_seconds"] = int64(now.Sub(cur.LastSync).Seconds())
			}
		}
		cols = append(cols, m)
	}
	return map[string]any{"name": p.Name, "url": p.APIRoot, "speaks_for": p.SpeaksFor, "ca": len(p.CA) > 0, "created": p.Created, "collections": cols}
}

func newPartnerListCmd(stdout io.Writer) *cobra.Command {
	c := defaultServeConfig()
	var format string
	list := &cobra.Command{
		Use:   "list",
		Short: "List partners with, per collection, the last sync, cursor, lag and last error",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := c.resolve(cmd, ""); err != nil {
				return err
			}
			store, _, err := openStore(cmd.Context(), c)
			if err != nil {
				return err
			}
			defer store.Close()
			ps, err := store.FindPartners(cmd.Context())
			if err != nil {
				return err
			}
			cursors, err := store.FindPartnerCursors(cmd.Context(), "")
			if err != nil {
				return err
			}
			heads, err := store.FindPartnerHeads(cmd.Context(), "")
			if err != nil {
				return err
			}
			headOf := map[string]*article5.PartnerHead{}
			for _, h := range heads {
				headOf[h.Partner] = h
			}
			pushes, err := store.FindPartnerPushes(cmd.Context(), "")
			if err != nil {
				return err
			}
			now := time.Now().UTC()
			if format == "json" {
				out := []map[string]any{}
				for _, p := range ps {
					m := partnerJSON(p, cursors, now)
					m["log"] = witnessJSON(headOf[p.Name], now, false)
					m["push"] = pushJSON(p, pushes, now)
					out = append(out, m)
				}
				return writeJSON(stdout, map[string]any{"partners": out})
			}
			if len(ps) == 0 {
				fmt.Fprintln(stdout, "no partners")
				return nil
			}
			for i, p := range ps {
				if i > 0 {
					fmt.Fprintln(stdout)
				}
				m := partnerJSON(p, cursors, now)
				fmt.Fprintf(stdout, "%s  %s  speaks for %s\n", p.Name, p.APIRoot, strings.Join(p.SpeaksFor, ", "))
				tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "  COLLECTION\tLAST SYNC\tLAG\tADDED AFTER\tPULLED\tERRORS\tLAST ERROR")
				for _, col := range m["collections"].([]map[string]any) {
					last, lag := "never", "-"
					if t, ok := col["last_sync"].(time.Time); ok {
						last = t.Format(time.RFC3339)
						lag = (time.Duration(col["lag_seconds"].(int64)) * time.Second).String()
					}
					fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%v\t%v\t%s\n", col["collection"], last, lag, orDash(col["added_after"].(string)), col["pulled"], col["errors"], orDash(col["last_error"].(string)))
				}
				if err := tw.Flush(); err != nil {
					return err
				}
				fmt.Fprintln(stdout, witnessLine(headOf[p.Name]))
				writePushText(stdout, pushJSON(p, pushes, now))
			}
			return nil
		},
	}
	addStoreFlags(list, &c)
	addFormatFlag(list, &format)
	return list
}

const syncHelp = `Pull what the partner nodes added since the last sync, then push to each what this node
added since the last push that the partner may have (docs/federation.md).

For each partner (or only --partner), each of its collections is read from the cursor kept in
this node's database, page by page, and every page goes through the node's ingest as the
partner: custody and relay rules apply, so an object is accepted only in the custody of an
organisation the partner speaks for, or relayed from an organisation this node does not know;
a new version of an object in another custody, and a version modified more than 5 minutes
ahead of this node's clock, are refused. The cursor is kept after every page: a sync stopped
at any point resumes without loss. A sync with nothing new costs one request per collection.
Only one process of a node syncs at a time (a serve process may be doing it: --sync-every).

It takes the node's configuration as serve does (--config, --holder, …): release and custody
decisions depend on it.

After the pulls, each partner's signed tree head is fetched and witnessed (one request): it
must be signed by the partner's node key certified by its Party root (--trust), and extend the
head witnessed before (docs/federation.md, "Witnessing").

Pushing sends, to the partner's first collection, every version this node added since the
last push that TLP 2.0 lets reach the partner's organisation (or, for RED, that names an
organisation the partner speaks for), never what the partner or its organisations sent, with
node-local red_recipients (user and token ids) stripped. --no-push only pulls.

Exit status 0 when every collection was pulled and pushed (rejected objects are reported, not
errors), 3 when a pull or push failed or a partner's log is inconsistent with what was
witnessed (the cause is shown and kept for partner list).

  article5 sync --data-dir ./node-us --config node-us.yaml
  article5 sync --partner jp --format json`

func newSyncCmd(stdout, stderr io.Writer) *cobra.Command {
	c := defaultServeConfig()
	var configPath, only, format string
	var limit, pushBatch int
	var noPush bool
	cmd := &cobra.Command{
		Use:   "sync",
		Short: "Pull what partner nodes added since the last sync",
		Long:  syncHelp,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := c.resolve(cmd, configPath); err != nil {
				return err
			}
			store, err := openWriteStore(cmd.Context(), c)
			if err != nil {
				return err
			}
			defer store.Close()
			n, err := newNode(c, store, slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
			if err != nil {
				return err
			}
			if err := n.LoadCursors(cmd.Context()); err != nil {
				return err
			}
			reports, held, err := taxii.SyncAll(cmd.Context(), n, only, taxii.SyncOptions{Limit: limit, NoPush: noPush, PushBatch: pushBatch})
			if err != nil {
				return err
			}
			if !held {
				return article5.Errorf(article5.ECONFLICT, "another process of this node is syncing (lease %s); try again later", taxii.SyncLeaseName)
			}
			if format == "json" {
				if reports == nil {
					reports = []*taxii.SyncReport{}
				}
				if err := writeJSON(stdout, map[string]any{"partners": reports}); err != nil {
					return err
				}
			} else {
				writeSyncText(stdout, reports)
			}
			return syncFailure(reports)
		},
	}
	addStoreFlags(cmd, &c)
	f := cmd.Flags()
	f.StringVar(&configPath, "config", "", "the node's YAML configuration file (as for serve)")
	f.StringVar(&c.Holder, "holder", "", "STIX identity id of this node's organisation [ARTICLE5_HOLDER]")
	f.StringVar(&c.DefaultTLP, "default-tlp", c.DefaultTLP, "TLP level of unmarked objects [ARTICLE5_DEFAULT_TLP]")
	f.StringVar(&only, "partner", "", "sync only this partner")
	f.StringSliceVar(&c.Trust, "trust", nil, "a Party's public root key file, to witness partner logs with (repeat for each Party) [ARTICLE5_TRUST, comma-separated]")
	f.IntVar(&limit, "limit", 0, "objects per page asked of the partner (0: the partner's default)")
	addPushFlags(cmd, &noPush, &pushBatch)
	addFormatFlag(cmd, &format)
	return cmd
}

func writeSyncText(w io.Writer, reports []*taxii.SyncReport) {
	if len(reports) == 0 {
		fmt.Fprintln(w, "no partners")
	}
	for _, r := range reports {
		for _, c := range r.Collections {
			fmt.Fprintf(w, "%s/%s: %d accepted, %d unchanged, %d rejected, %d conflicts; added_after %s\n", r.Partner, c.Collection,
				len(c.Accepted), len(c.Unchanged), len(c.Rejected), len(c.Conflicts), orDash(c.Cursor))
			for _, cf := range c.Conflicts {
				fmt.Fprintf(w, "  conflict %s %s: held apart (partner conflicts %s)\n", cf.ID, cf.Version, r.Partner)
			}
			for _, rj := range c.Rejected {
				fmt.Fprintf(w, "  rejected %s %s: %s\n", rj.ID, rj.Pointer, rj.Reason)
			}
			if c.Error != "" {
				fmt.Fprintf(w, "  error: %s\n", c.Error)
			}
		}
		writeWitnessText(w, r)
		writePushReport(w, r)
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func syncFailure(reports []*taxii.SyncReport) error {
	for _, r := range reports {
		for _, c := range r.Collections {
			if c.Error != "" {
				return article5.Errorf(article5.EINTERNAL, "sync %s/%s: %s", r.Partner, c.Collection, c.Error)
			}
		}
		if r.Push != nil && r.Push.Error != "" {
			return article5.Errorf(article5.EINTERNAL, "push %s/%s: %s", r.Partner, r.Push.Collection, r.Push.Error)
		}
	}
	return witnessFailure(reports)
}

// runSyncEvery syncs every partner every d (a first time at once) until
// ctx ends, under the sync lease: one process of the node at a time; the
// others find it held and wait for the next tick. It logs what moved and
// every failed pull (the cursor keeps the error for partner list and
// /metrics).
func runSyncEvery(ctx context.Context, n *node.Node, d time.Duration, log *slog.Logger) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		reports, held, err := taxii.SyncAll(ctx, n, "", taxii.SyncOptions{})
		if err != nil && ctx.Err() == nil {
			log.Error("sync", "err", article5.ErrorMessage(err))
		}
		if held {
			for _, r := range reports {
				for _, c := range r.Collections {
					log.Info("sync", "partner", r.Partner, "collection", c.Collection, "accepted", len(c.Accepted),
						"unchanged", len(c.Unchanged), "rejected", len(c.Rejected), "conflicts", len(c.Conflicts), "added_after", c.Cursor, "error", c.Error)
				}
				if pr := r.Push; pr != nil {
					log.Info("push", "partner", r.Partner, "collection", pr.Collection, "sent", len(pr.Sent), "refused", len(pr.Refused),
						"withheld", pr.Withheld, "stripped", pr.Stripped, "error", pr.Error)
				}
			}
		}
		t.Reset(d)
	}
}
