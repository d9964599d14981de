package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"time"

	"article5"
	"article5/audit"

	"github.com/spf13/cobra"
)

const reconcileHelp = `Reconcile the transparency log with the newest signed tree head this node published.

The node keeps the newest head it has published in <data-dir>/published-head.note, outside
the store. After a restore from an older backup, the store's log is shorter than (or forks
from) that head: a partner who witnessed it would see a fork, so 'article5 serve' and the
offline commands that write to the store refuse to run. Once you have checked the store
('article5 audit verify'), accept the rollback:

  article5 audit reconcile --accept-rollback --data-dir ./node-jp [--database postgres://…]

It appends to the log one entry of kind "rollback" whose ref names the abandoned head
(audit/rollback/<size>/<hash>), signs the new head, keeps the abandoned head as
<data-dir>/rolled-back-<size>-<time>.note, and publishes the new head. Give both heads to
your partner: what they witnessed of the abandoned log will not verify against the new
one ('audit verify --witnessed'), and the rollback entry says why.

Exit 0 when reconciled or when there is nothing to reconcile; 2 without --accept-rollback
while the log does not extend the published head; 4 when the log is not intact.`

// rollbackRecorder is a store that records a rollback in its log
// (sqlstore.DB.AuditRecordRollback).
type rollbackRecorder interface {
	AuditRecordRollback(ctx context.Context, abandoned audit.TreeHead, by string) ([]byte, error)
}

func newAuditReconcileCmd(stdout io.Writer, withLog func(*cobra.Command, func(context.Context, audit.Store) error) error, c *serveConfig) *cobra.Command {
	var accept bool
	var format string
	cmd := &cobra.Command{
		Use:   "reconcile --accept-rollback",
		Short: "Accept that the log was rolled back (a restored backup): record it in the log and publish the new head",
		Long:  reconcileHelp,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return withLog(cmd, func(ctx context.Context, a audit.Store) error {
				published, err := readPublished(c.DataDir)
				if err != nil {
					return err
				}
				current, err := a.AuditHead(ctx)
				if err != nil {
					return err
				}
				if published == nil {
					return reconciled(stdout, format, "nothing to reconcile: no published head in "+c.DataDir, current, nil)
				}
				err = extends(ctx, a, c.DataDir, published, current)
				if err == nil {
					return reconciled(stdout, format, "nothing to reconcile: the log extends the published head", current, nil)
				}
				if !isRollback(err) {
					return err
				}
				if !accept {
					return usageError{fmt.Errorf("%v\nto accept the rollback, run again with --accept-rollback", article5.ErrorMessage(err))}
				}
				rep, err := a.AuditVerify(ctx)
				if err != nil {
					return err
				}
				if !rep.Intact() {
					for _, f := range rep.Faults {
						fmt.Fprintln(stdout, "FAULT", f.String())
					}
					return failedCheck{article5.Errorf(article5.ECONFLICT, "the log is not intact (%d faults): restore a backup whose log verifies before reconciling", len(rep.Faults))}
				}
				rec, ok := a.(rollbackRecorder)
				if !ok {
					return article5.Errorf(article5.EINTERNAL, "this store cannot record a rollback")
				}
				vs, err := nodeVerifiers(ctx, a)
				if err != nil {
					return err
				}
				abandoned, err := audit.VerifyTreeHead(published, vs)
				if err != nil {
					return err
				}
				signed, err := rec.AuditRecordRollback(ctx, abandoned, operatorName())
				if err != nil {
					return err
				}
				keep := filepath.Join(c.DataDir, fmt.Sprintf("rolled-back-%d-%s.note", abandoned.N, time.Now().UTC().Format("20060102T150405Z")))
				if err := writeFileAtomic(keep, published, 0o600); err != nil {
					return err
				}
				if err := writePublished(c.DataDir, signed); err != nil {
					return err
				}
				msg := fmt.Sprintf("reconciled: the rollback is recorded in the log, which continues from the restored %d entries; "+
					"the abandoned head of %d entries is kept in %s. Give both heads to your partner. The head now published:", curSize(current), abandoned.N, keep)
				return reconciled(stdout, format, msg, signed, published)
			})
		},
	}
	cmd.Flags().BoolVar(&accept, "accept-rollback", false, "record in the log that it was rolled back, and publish the new head")
	addFormatFlag(cmd, &format)
	return cmd
}

// isRollback reports whether err is the refusal of a log that does not
// extend the published head (logRolledBack), as opposed to one signed by
// another key, which no rollback entry could reconcile.
func isRollback(err error) bool {
	var r rolledBack
	return errors.As(err, &r)
}

// reconciled prints the outcome of reconcile: msg, and the head now
// published (and the abandoned one).
func reconciled(w io.Writer, format, msg string, head, abandoned []byte) error {
	if format == "json" {
		v := map[string]any{"message": msg, "head": string(head)}
		if abandoned != nil {
			v["abandoned_head"] = string(abandoned)
		}
		return writeJSON(w, v)
	}
	fmt.Fprintln(w, msg)
	_, err := w.Write(head)
	return err
}

// operatorName names the operator in the log entry: "operator:<login
// name>" of the user running the command, printable ASCII only.
func operatorName() string {
	name := "unknown"
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	name = strings.Map(func(r rune) rune {
		if r <= ' ' || r > '~' {
			return '_'
		}
		return r
	}, name)
	host, _ := os.Hostname()
	if host != "" {
		name += "@" + strings.Map(func(r rune) rune {
			if r <= ' ' || r > '~' {
				return '_'
			}
			return r
		}, host)
	}
	return "operator:" + name
}

// curSize is the size of a signed head, -1 if it does not parse.
func curSize(signed []byte) int64 {
	n, err := headSize(signed)
	if err != nil {
		return -1
	}
	return n
}
