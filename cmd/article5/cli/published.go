package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"article5"
	"article5/audit"
)

// The node keeps, outside its database, the newest signed tree head of its
// transparency log that it has published (served): <data-dir>/
// publishedHeadFile. A database restored from an older backup holds an
// older log; a partner who witnessed a newer head would see the restored
// node fork its log. So on start 'article5 serve' (and every offline
// command that writes to the log) compares the database's log with the
// published head and refuses while the log does not extend it, until the
// operator reconciles: 'article5 audit reconcile --accept-rollback' records
// the decision in the log itself and publishes the new head.
//
// The file is written atomically (a temporary file renamed) whenever serve
// finds a newer head, once a second, and when it stops; it is never part
// of a backup, and a restore leaves it in place.
const publishedHeadFile = "published-head.note"

// rolledBack marks the error of a log that does not extend the head the
// node published, which 'audit reconcile --accept-rollback' reconciles.
type rolledBack struct{ error }

func (r rolledBack) Unwrap() error { return r.error }

// logRolledBack is the error of a log that does not extend the head the
// node published: a failedCheck (exit 4) naming both sizes and the command
// that reconciles.
func logRolledBack(dataDir string, published, current audit.TreeHead, why string) error {
	return failedCheck{rolledBack{article5.Errorf(article5.ECONFLICT,
		"the transparency log in the store has %s, but this node has published a signed tree head of %s (%s) that it %s: "+
			"the store was rolled back (restored from an older backup?), and partners who saw the published head would see a fork. "+
			"Nothing is written until you reconcile: check the store ('article5 audit verify'), then run "+
			"'article5 audit reconcile --accept-rollback --data-dir %s' (with --database if you use one) to record the rollback in the log ('article5 audit reconcile --help' says what it records and what to tell partners)",
		entries(current.N), entries(published.N), filepath.Join(dataDir, publishedHeadFile), why, dataDir)}}
}

// entries says "1 entry", "2 entries".
func entries(n int64) string {
	if n == 1 {
		return "1 entry"
	}
	return fmt.Sprintf("%d entries", n)
}

// readPublished returns the published head file of dataDir, nil when
// there is none.
func readPublished(dataDir string) ([]byte, error) {
	data, err := os.ReadFile(filepath.Join(dataDir, publishedHeadFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, article5.Errorf(article5.EINVALID, "--data-dir %s: %v", dataDir, err)
	}
	return data, nil
}

// writePublished replaces the published head file of dataDir with signed,
// atomically.
func writePublished(dataDir string, signed []byte) error {
	return writeFileAtomic(filepath.Join(dataDir, publishedHeadFile), signed, 0o600)
}

// writeFileAtomic writes data to a temporary file beside path, syncs it and
// renames it over path, so that path holds the old or the new content,
// never a part. Run as root, the file gets the directory's owner.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return article5.Internal("write "+path, err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), mode)
	}
	if owner, ok := dirOwner(filepath.Dir(path)); err == nil && ok && os.Geteuid() == 0 {
		// Run as root on a service's data dir, the file stays the
		// service's (its dynamic user must read it).
		err = os.Chown(f.Name(), int(owner.Uid), int(owner.Gid))
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		return article5.Internal("write "+path, err)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		_ = d.Sync() // the rename itself survives a crash
		d.Close()
	}
	return nil
}

// publishedState compares the store's log with the head dataDir says the
// node published. It returns the newest signed head of the store, and nil
// when there is no published head or the log extends it (a consistency
// proof checked under the store's own key); else a failedCheck: the log is
// shorter or forks (logRolledBack), or the head was signed by another key
// (the data dir belongs to another store).
func publishedState(ctx context.Context, a audit.Store, dataDir string) (current []byte, err error) {
	current, err = a.AuditHead(ctx)
	if err != nil {
		return nil, err
	}
	published, err := readPublished(dataDir)
	if err != nil || published == nil {
		return current, err
	}
	return current, extends(ctx, a, dataDir, published, current)
}

// extends checks that the log whose newest signed head is current extends
// the head published (the node's own key signs both).
func extends(ctx context.Context, a audit.Store, dataDir string, published, current []byte) error {
	key, err := a.AuditKey(ctx)
	if err != nil {
		return err
	}
	vs, err := audit.NewVerifiers(key)
	if err != nil {
		return err
	}
	cur, err := audit.VerifyTreeHead(current, vs)
	if err != nil {
		return err
	}
	path := filepath.Join(dataDir, publishedHeadFile)
	pub, err := audit.VerifyTreeHead(published, vs)
	if article5.ErrorCode(err) == article5.EFORBIDDEN {
		return failedCheck{article5.Errorf(article5.ECONFLICT,
			"%s was signed by another key than the store's transparency log (%s): this data dir belongs to another node's store. "+
				"Point --data-dir and --database at the same node; if this data dir is now meant for this store, move %s aside",
			path, strings.TrimSpace(key), path)}
	}
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if cur.N < pub.N {
		return logRolledBack(dataDir, pub, cur, "does not reach")
	}
	p, err := a.AuditConsistency(ctx, pub.N, cur.N)
	if err != nil {
		return err
	}
	if err := audit.CheckConsistency(pub, cur, p); err != nil {
		return logRolledBack(dataDir, pub, cur, "does not extend (another history of the same size or longer)")
	}
	return nil
}

// checkLog refuses to go on (for a command about to write to the store's
// log) when the log does not extend the head the node published
// (publishedState). A store that keeps no log passes.
func checkLog(ctx context.Context, store article5.Store, dataDir string) error {
	a, ok := store.(audit.Store)
	if !ok {
		return nil
	}
	_, err := publishedState(ctx, a, dataDir)
	return err
}

// recordPublished writes the store's newest signed head to the published
// head file when it is newer than last (the size last written; -1: none
// yet), returning the size the file now holds.
func recordPublished(ctx context.Context, a audit.Store, dataDir string, last int64) (int64, error) {
	signed, err := a.AuditHead(ctx)
	if err != nil {
		return last, err
	}
	n, err := headSize(signed)
	if err != nil {
		return last, err
	}
	if n <= last {
		return last, nil
	}
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return last, article5.Errorf(article5.EINVALID, "--data-dir %s: %v", dataDir, err)
	}
	if err := writePublished(dataDir, signed); err != nil {
		return last, err
	}
	return n, nil
}

// headSize reads the tree size of a signed head without checking its
// signature (the store signed it; recordPublished only compares sizes).
func headSize(signed []byte) (int64, error) {
	var n int64
	if _, err := fmt.Sscanf(string(signed), "go.sum database tree\n%d\n", &n); err != nil {
		return 0, article5.Errorf(article5.EINVALID, "malformed signed tree head")
	}
	return n, nil
}

// recordHeads records the store's newest head every period until ctx
// ends (serve), and once more then, logging failures.
func recordHeads(ctx context.Context, a audit.Store, dataDir string, last int64, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	record := func(ctx context.Context) {
		n, err := recordPublished(ctx, a, dataDir, last)
		if err != nil {
			log.ErrorContext(ctx, "record the published tree head", "file", filepath.Join(dataDir, publishedHeadFile), "err", err)
		}
		last = n
	}
	for {
		select {
		case <-ctx.Done():
			final, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			record(final)
			cancel()
			return
		case <-t.C:
			record(ctx)
		}
	}
}

// openWriteStore opens the store for an offline command that writes to
// it (and so to its log): refused, like serve, while the log does not
// extend the head the node published (checkLog).
func openWriteStore(ctx context.Context, c serveConfig) (article5.Store, error) {
	store, _, err := openStore(ctx, c)
	if err != nil {
		return nil, err
	}
	if err := checkLog(ctx, store, c.DataDir); err != nil {
		store.Close()
		return nil, err
	}
	return store, nil
}
