package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"article5"
	"article5/taxii"
)

// addClientCertFlags adds partner add's mutual TLS flags.
func addClientCertFlags(cmd *cobra.Command, cert, key *string) {
	cmd.Flags().StringVar(cert, "cert", "", "PEM client certificate (chain) presented to the partner for mutual TLS; with --key")
	cmd.Flags().StringVar(key, "key", "", "PEM private key of --cert (kept as a secret, never printed)")
}

// readClientCert reads --cert and --key into p and checks that they make a
// pair.
func readClientCert(p *article5.Partner, certFile, keyFile string) error {
	if (certFile == "") != (keyFile == "") {
		return usageError{fmt.Errorf("--cert and --key go together")}
	}
	if certFile == "" {
		return nil
	}
	var err error
	if p.ClientCert, err = os.ReadFile(certFile); err != nil {
		return article5.Errorf(article5.EINVALID, "--cert %s: %v", certFile, err)
	}
	if p.ClientKey, err = os.ReadFile(keyFile); err != nil {
		return article5.Errorf(article5.EINVALID, "--key %s: %v", keyFile, err)
	}
	if _, err := taxii.PartnerClient(p); err != nil {
		return article5.Errorf(article5.EINVALID, "--cert %s, --key %s: not a PEM certificate and its private key", certFile, keyFile)
	}
	return nil
}

// addPushFlags adds sync's push flags.
func addPushFlags(cmd *cobra.Command, noPush *bool, batch *int) {
	cmd.Flags().BoolVar(noPush, "no-push", false, "only pull; push nothing to the partners")
	cmd.Flags().IntVar(batch, "push-batch", taxii.DefaultPushBatch, "object versions per push request (at most 1000)")
}

// pushJSON is what partner list shows of the pushes to p.
func pushJSON(p *article5.Partner, pushes []*article5.PartnerPush, now time.Time) map[string]any {
	m := map[string]any{"collection": p.PullCollections()[0], "last_push": nil, "lag_seconds": nil, "last_error": "", "pushed": 0, "refused": 0, "errors": 0}
	for _, x := range pushes {
		if x.Partner != p.Name {
			continue
		}
		m["collection"], m["last_error"], m["pushed"], m["refused"], m["errors"] = x.Collection, x.LastError, x.Pushed, x.Refused, x.Errors
		if !x.LastAttempt.IsZero() {
			m["last_attempt"] = x.LastAttempt
		}
		if !x.LastPush.IsZero() {
			m["last_push"] = x.LastPush
			m["lag_seconds"] = int64(now.Sub(x.LastPush).Seconds())
		}
	}
	return m
}

func writePushText(w io.Writer, m map[string]any) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  PUSH TO\tLAST PUSH\tLAG\tPUSHED\tREFUSED\tERRORS\tLAST ERROR")
	last, lag := "never", "-"
	if t, ok := m["last_push"].(time.Time); ok {
		last = t.Format(time.RFC3339)
		lag = (time.Duration(m["lag_seconds"].(int64)) * time.Second).String()
	}
	fmt.Fprintf(tw, "  %s\t%s\t%s\t%v\t%v\t%v\t%s\n", m["collection"], last, lag, m["pushed"], m["refused"], m["errors"], orDash(m["last_error"].(string)))
	_ = tw.Flush()
}

func writePushReport(w io.Writer, r *taxii.SyncReport) {
	pr := r.Push
	if pr == nil {
		return
	}
	fmt.Fprintf(w, "%s/%s: push: %d sent, %d refused by the partner, %d withheld (from the partner itself, or not releasable to it), %d stripped of node-local recipients\n", r.Partner, pr.Collection,
		len(pr.Sent), len(pr.Refused), pr.Withheld, pr.Stripped)
	for _, rf := range pr.Refused {
		fmt.Fprintf(w, "  refused %s: %s\n", rf.ID, rf.Reason)
	}
	if pr.Error != "" {
		fmt.Fprintf(w, "  error: %s\n", pr.Error)
	}
}

const partnerConflictsHelp = `List the versions a partner sent that this node holds apart in quarantine
(docs/federation.md): a version with the id and modified of a version held here but other
content (STIX 2.1 §3.6 says a new version needs a later modified), or one that collided with an
object the partner may not read. They are never versions of the held object and never evidence.

  article5 partner conflicts jp --data-dir ./node-us [--format json]`

func newPartnerConflictsCmd(stdout io.Writer) *cobra.Command {
	c := defaultServeConfig()
	var format string
	var limit int
	cmd := &cobra.Command{
		Use:   "conflicts NAME",
		Short: "List the versions a partner sent that are held apart in quarantine",
		Long:  partnerConflictsHelp,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := c.resolve(cmd, ""); err != nil {
				return err
			}
			store, _, err := openStore(cmd.Context(), c)
			if err != nil {
				return err
			}
			defer store.Close()
			ctx := cmd.Context()
			ps, err := store.FindPartners(ctx)
			if err != nil {
				return err
			}
			var p *article5.Partner
			for _, x := range ps {
				if x.Name == args[0] {
					p = x
				}
			}
			if p == nil {
				return article5.Errorf(article5.ENOTFOUND, "no partner %s", args[0])
			}
			// What the partner's node principal pulled in and what its
			// tokens pushed: its organisation's quarantine.
			qs, err := store.FindQuarantinedFor(ctx, p.Org(), article5.ObjectFilter{Limit: limit})
			if err != nil {
				return err
			}
			out := []map[string]any{}
			for _, q := range qs.Objects {
				m := map[string]any{"id": q.ID, "version": q.Version, "sha256": q.SHA256, "received": q.Added, "kind": "collision", "held_sha256": ""}
				if vs, err := store.FindObjectVersions(ctx, q.ID); err == nil {
					for _, v := range vs {
						if v.Version == q.Version {
							m["kind"], m["held_sha256"] = "conflict", v.SHA256
						}
					}
				} else if article5.ErrorCode(err) != article5.ENOTFOUND {
					return err
				}
				out = append(out, m)
			}
			if format == "json" {
				return writeJSON(stdout, map[string]any{"partner": p.Name, "quarantined": out})
			}
			if len(out) == 0 {
				fmt.Fprintf(stdout, "nothing from %s is held apart\n", p.Name)
				return nil
			}
			tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tVERSION\tKIND\tRECEIVED\tSHA256 (PARTNER'S)\tSHA256 (HELD)")
			for _, m := range out {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", m["id"], m["version"], m["kind"], m["received"].(time.Time).Format(time.RFC3339),
					shortHash(m["sha256"].(string)), orDash(shortHash(m["held_sha256"].(string))))
			}
			return tw.Flush()
		},
	}
	addStoreFlags(cmd, &c)
	addFormatFlag(cmd, &format)
	cmd.Flags().IntVar(&limit, "limit", 100, "at most this many (up to 1000), oldest first")
	return cmd
}

func shortHash(s string) string {
	if len(s) > 16 {
		return s[:16] + "…"
	}
	return strings.TrimSpace(s)
}
