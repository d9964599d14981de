package cli

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"article5"

	"github.com/spf13/cobra"
)

const backupHelp = `Make a consistent online backup of a node's SQLite store while the node runs.

  article5 backup --data-dir ./node-jp --out backup.tar

The tar holds article5.db (a transactionally consistent copy, made with SQLite's
VACUUM INTO, so writers are not stopped) and MANIFEST (file size and sha256).
Restore: stop the node, extract article5.db into an empty data dir
(tar -xf backup.tar -C ./node-jp-restored), check the sha256 against MANIFEST,
and start 'article5 serve --data-dir ./node-jp-restored'.
For PostgreSQL use pg_dump / pg_restore (--database is refused here).`

// backuper is a store that can copy itself consistently to a file.
type backuper interface {
	Backup(ctx context.Context, path string) error
}

func newBackupCmd(stdout io.Writer) *cobra.Command {
	c := defaultServeConfig()
	var out string
	cmd := &cobra.Command{
		Use:   "backup --out FILE.tar",
		Short: "Make a consistent online backup of a node's SQLite store",
		Long:  backupHelp,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := c.resolve(cmd, ""); err != nil {
				return err
			}
			if c.Database != "" {
				return usageError{fmt.Errorf("backup copies the SQLite store; for PostgreSQL use pg_dump")}
			}
			if out == "" {
				return usageError{fmt.Errorf("--out is required")}
			}
			if _, err := os.Stat(filepath.Join(c.DataDir, "article5.db")); err != nil {
				return article5.Errorf(article5.ENOTFOUND, "no article5 store in --data-dir %s", c.DataDir)
			}
			store, _, err := openStore(cmd.Context(), c)
			if err != nil {
				return err
			}
			defer store.Close()
			b, ok := store.(backuper)
			if !ok {
				return article5.Errorf(article5.EINTERNAL, "this store cannot make backups")
			}
			tmpDir, err := os.MkdirTemp(filepath.Dir(out), ".article5-backup-*")
			if err != nil {
				return article5.Errorf(article5.EINVALID, "--out %s: cannot write beside it: %v", out, err)
			}
			defer os.RemoveAll(tmpDir)
			copyPath := filepath.Join(tmpDir, "article5.db")
			if err := b.Backup(cmd.Context(), copyPath); err != nil {
				return err
			}
			if err := writeBackupTar(out, copyPath); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "backup of %s written to %s\n", c.DataDir, out)
			return nil
		},
	}
	addStoreFlags(cmd, &c)
	cmd.Flags().StringVar(&out, "out", "", "the tar file to write (required)")
	return cmd
}

// writeBackupTar writes the tar atomically: to a temporary file, renamed
// when complete.
func writeBackupTar(out, dbPath string) error {
	db, err := os.Open(dbPath)
	if err != nil {
		return article5.Internal("backup", err)
	}
	defer db.Close()
	st, err := db.Stat()
	if err != nil {
		return article5.Internal("backup", err)
	}
	h := sha256.New()
	if _, err := io.Copy(h, db); err != nil {
		return article5.Internal("backup", err)
	}
	if _, err := db.Seek(0, io.SeekStart); err != nil {
		return article5.Internal("backup", err)
	}
	manifest := fmt.Sprintf("article5 backup\ncreated %s\narticle5.db %d bytes sha256 %s\n", time.Now().UTC().Format(time.RFC3339), st.Size(), hex.EncodeToString(h.Sum(nil)))
	tmp := out + ".partial"
	f, err := os.Create(tmp)
	if err != nil {
		return article5.Errorf(article5.EINVALID, "--out %s: %v", out, err)
	}
	defer os.Remove(tmp)
	tw := tar.NewWriter(f)
	now := time.Now().Truncate(time.Second)
	if err := tw.WriteHeader(&tar.Header{Name: "MANIFEST", Mode: 0o644, Size: int64(len(manifest)), ModTime: now}); err != nil {
		return article5.Internal("backup", err)
	}
	if _, err := io.WriteString(tw, manifest); err != nil {
		return article5.Internal("backup", err)
	}
	if err := tw.WriteHeader(&tar.Header{Name: "article5.db", Mode: 0o600, Size: st.Size(), ModTime: now}); err != nil {
		return article5.Internal("backup", err)
	}
	if _, err := io.Copy(tw, db); err != nil {
		return article5.Internal("backup", err)
	}
	if err := tw.Close(); err != nil {
		return article5.Internal("backup", err)
	}
	if err := f.Close(); err != nil {
		return article5.Internal("backup", err)
	}
	return os.Rename(tmp, out)
}
