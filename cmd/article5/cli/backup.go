package cli

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"article5"

	"github.com/spf13/cobra"
)

const backupHelp = `Make a consistent online backup of a node while it runs.

  article5 backup --data-dir ./node-jp --out backup.tar                  # SQLite
  article5 backup --database postgres://… --data-dir ./node-jp --out backup.tar

The tar holds:
  article5.db          the SQLite store, a transactionally consistent copy (VACUUM INTO:
                       writers wait for the copy, readers do not); it holds the node's
                       transparency-log key (node_keys) and cursor secrets (node_secrets)
  article5.pgdump      instead, for PostgreSQL: pg_dump's archive (custom format) of the
                       schema the store uses, one snapshot (pg_dump must be on PATH)
  login-device.key     the key of login device cookies, from --data-dir (SQLite; on
                       PostgreSQL the key is in the database, and so in the dump)
  article5-backup.json when and by which article5 the backup was made, of which store
  MANIFEST             the sha256 of each file, in the form 'sha256sum -c' checks

Restore it with 'article5 restore' (which checks the MANIFEST first), or by hand:
  mkdir check && tar -xf backup.tar -C check && (cd check && sha256sum -c MANIFEST)
The backup does not hold the node's configuration, TLS key, or the Parties' root keys:
keep those apart. See docs/operations.md for the restore drill.`

// backup file names inside the tar.
const (
	backupSQLite   = "article5.db"
	backupPostgres = "article5.pgdump"
	backupDevice   = "login-device.key"
	backupInfo     = "article5-backup.json"
	backupManifest = "MANIFEST"
)

// backupInfoV1 is article5-backup.json.
type backupInfoV1 struct {
	Format  string    `json:"format"` // "article5-backup/1"
	Created time.Time `json:"created"`
	Version string    `json:"article5"` // the article5 version that made it
	Store   string    `json:"store"`    // "sqlite" or "postgres"
	Files   []string  `json:"files"`    // the files besides this one and MANIFEST
}

// backuper is a store that can copy itself consistently to a file
// (sqlite.DB: VACUUM INTO; postgres.DB: pg_dump).
type backuper interface {
	Backup(ctx context.Context, path string) error
}

func newBackupCmd(stdout io.Writer) *cobra.Command {
	c := defaultServeConfig()
	var out, format string
	cmd := &cobra.Command{
		Use:   "backup --out FILE.tar",
		Short: "Make a consistent online backup of a node (its store, keys and secrets)",
		Long:  backupHelp,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := c.resolve(cmd, ""); err != nil {
				return err
			}
			if out == "" {
				return usageError{fmt.Errorf("--out is required")}
			}
			if _, err := os.Stat(out); err == nil {
				return article5.Errorf(article5.EINVALID, "--out %s already exists", out)
			}
			kind, name := "sqlite", backupSQLite
			if c.Database != "" {
				kind, name = "postgres", backupPostgres
			} else if _, err := os.Stat(filepath.Join(c.DataDir, "article5.db")); err != nil {
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
			if err := b.Backup(cmd.Context(), filepath.Join(tmpDir, name)); err != nil {
				return err
			}
			files := []string{name}
			var notes []string
			switch data, err := os.ReadFile(filepath.Join(c.DataDir, backupDevice)); {
			case err == nil:
				if err := os.WriteFile(filepath.Join(tmpDir, backupDevice), data, 0o600); err != nil {
					return article5.Internal("backup", err)
				}
				files = append(files, backupDevice)
			case errors.Is(err, os.ErrNotExist) && kind == "postgres":
				// serve on PostgreSQL keeps the key in the database: the dump holds it.
			case errors.Is(err, os.ErrNotExist):
				notes = append(notes, fmt.Sprintf("no %s in %s (serve makes it on first start): known login devices will not survive a restore", backupDevice, c.DataDir))
			default:
				return article5.Errorf(article5.EINVALID, "--data-dir %s: %v", c.DataDir, err)
			}
			info, _ := json.MarshalIndent(backupInfoV1{Format: "article5-backup/1", Created: time.Now().UTC(), Version: Build().Version, Store: kind, Files: files}, "", "  ")
			if err := os.WriteFile(filepath.Join(tmpDir, backupInfo), append(info, '\n'), 0o600); err != nil {
				return article5.Internal("backup", err)
			}
			files = append(files, backupInfo)
			manifest, err := writeBackupTar(out, tmpDir, files)
			if err != nil {
				return err
			}
			if format == "json" {
				return writeJSON(stdout, map[string]any{"out": out, "store": kind, "manifest": manifest, "notes": notes})
			}
			for _, n := range notes {
				fmt.Fprintln(stdout, "note:", n)
			}
			fmt.Fprintf(stdout, "backup of the %s store written to %s:\n%s", kind, out, manifest)
			return nil
		},
	}
	addStoreFlags(cmd, &c)
	cmd.Flags().StringVar(&out, "out", "", "the tar file to write (required; must not exist)")
	addFormatFlag(cmd, &format)
	return cmd
}

// writeBackupTar writes MANIFEST (the sha256 of each file, 'sha256sum'
// form) and the files of dir to the tar out, atomically: to a temporary
// file renamed when complete. It returns the MANIFEST.
func writeBackupTar(out, dir string, files []string) (string, error) {
	var manifest strings.Builder
	for _, name := range files {
		sum, err := fileSHA256(filepath.Join(dir, name))
		if err != nil {
			return "", article5.Internal("backup", err)
		}
		fmt.Fprintf(&manifest, "%s  %s\n", sum, name)
	}
	tmp := out + ".partial"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", article5.Errorf(article5.EINVALID, "--out %s: %v", out, err)
	}
	defer os.Remove(tmp)
	tw := tar.NewWriter(f)
	now := time.Now().Truncate(time.Second)
	if err := tw.WriteHeader(&tar.Header{Name: backupManifest, Mode: 0o644, Size: int64(manifest.Len()), ModTime: now}); err != nil {
		return "", article5.Internal("backup", err)
	}
	if _, err := io.WriteString(tw, manifest.String()); err != nil {
		return "", article5.Internal("backup", err)
	}
	for _, name := range files {
		if err := addTarFile(tw, filepath.Join(dir, name), name, now); err != nil {
			return "", err
		}
	}
	if err := tw.Close(); err != nil {
		return "", article5.Internal("backup", err)
	}
	if err := f.Sync(); err != nil {
		return "", article5.Internal("backup", err)
	}
	if err := f.Close(); err != nil {
		return "", article5.Internal("backup", err)
	}
	if err := os.Rename(tmp, out); err != nil {
		return "", article5.Internal("backup", err)
	}
	return manifest.String(), nil
}

// addTarFile adds the file at path to tw as name (mode 0600).
func addTarFile(tw *tar.Writer, path, name string, mod time.Time) error {
	fh, err := os.Open(path)
	if err != nil {
		return article5.Internal("backup", err)
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return article5.Internal("backup", err)
	}
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: st.Size(), ModTime: mod}); err != nil {
		return article5.Internal("backup", err)
	}
	if _, err := io.Copy(tw, fh); err != nil {
		return article5.Internal("backup", err)
	}
	return nil
}

// fileSHA256 returns the hex sha256 of the file at path.
func fileSHA256(path string) (string, error) {
	fh, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer fh.Close()
	h := sha256.New()
	if _, err := io.Copy(h, fh); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
