package cli

import (
	"archive/tar"
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"article5"
	"article5/audit"
	"article5/postgres"

	"github.com/spf13/cobra"
)

const restoreHelp = `Restore a node from a backup made by 'article5 backup'. Stop the node first.

  article5 restore backup.tar --data-dir ./node-jp                       # SQLite
  article5 restore backup.tar --data-dir ./node-jp --database postgres://…

It checks every file of the tar against MANIFEST before it changes anything (exit 4 on a
mismatch). For SQLite it moves the data dir's article5.db (with any -wal and -shm files)
and login-device.key into <data-dir>/replaced-<time>/ and puts the backup's in their
place. For PostgreSQL it loads the dump with pg_restore in one transaction, replacing the
objects of the dumped schema. The data dir's published-head.note stays: if the node had
published a newer log than the backup holds, 'article5 serve' then refuses to start
until you reconcile ('article5 audit reconcile --accept-rollback'); restore says so.

A -wal file beside article5.db means the node may still be running: restore refuses
unless --force (after a crash, when you are sure it is stopped).`

// restoreView is what restore did.
type restoreView struct {
	Store     string   `json:"store"`               // "sqlite" or "postgres"
	Restored  []string `json:"restored"`            // the files of the backup put in place
	Replaced  string   `json:"replaced,omitempty"`  // where the files they replaced were moved
	LogSize   int64    `json:"log_size"`            // entries of the restored transparency log
	Reconcile string   `json:"reconcile,omitempty"` // why serve will refuse to start, if it will
	// Unpublished: the data dir records no published head, so nothing
	// can tell whether the restored log is older than one the node
	// published (restored into a new data dir?).
	Unpublished bool `json:"unpublished,omitempty"`
}

func newRestoreCmd(stdout io.Writer) *cobra.Command {
	c := defaultServeConfig()
	var force bool
	var format string
	cmd := &cobra.Command{
		Use:   "restore FILE.tar",
		Short: "Restore a node from a backup (checked against its MANIFEST first)",
		Long:  restoreHelp,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := c.resolve(cmd, ""); err != nil {
				return err
			}
			ctx := cmd.Context()
			if err := os.MkdirAll(c.DataDir, 0o750); err != nil {
				return article5.Errorf(article5.EINVALID, "--data-dir %s: %v", c.DataDir, err)
			}
			tmp, err := os.MkdirTemp(c.DataDir, ".restore-*")
			if err != nil {
				return article5.Errorf(article5.EINVALID, "--data-dir %s: %v", c.DataDir, err)
			}
			defer os.RemoveAll(tmp)
			files, err := extractBackup(args[0], tmp)
			if err != nil {
				return err
			}
			v := restoreView{Store: "sqlite"}
			switch {
			case files[backupSQLite] && c.Database != "":
				return usageError{fmt.Errorf("%s is a backup of a SQLite store: restore it without --database", args[0])}
			case files[backupPostgres] && c.Database == "":
				return usageError{fmt.Errorf("%s is a backup of a PostgreSQL store: give --database (ARTICLE5_DATABASE)", args[0])}
			case !files[backupSQLite] && !files[backupPostgres]:
				return article5.Errorf(article5.EINVALID, "%s holds no store (%s or %s)", args[0], backupSQLite, backupPostgres)
			}
			var put []string // files of tmp to move into the data dir
			if files[backupSQLite] {
				if !force {
					for _, f := range []string{"article5.db-wal", "article5.db-shm"} {
						if _, err := os.Stat(filepath.Join(c.DataDir, f)); err == nil {
							return article5.Errorf(article5.ECONFLICT, "%s exists: the node may still be running on this data dir. Stop it first (a node that stopped leaves no -wal file); after a crash, when you are sure it is stopped, pass --force",
								filepath.Join(c.DataDir, f))
						}
					}
				}
				put = append(put, backupSQLite)
			} else {
				v.Store = "postgres"
				if err := postgres.Restore(ctx, c.Database, filepath.Join(tmp, backupPostgres)); err != nil {
					return err
				}
				v.Restored = append(v.Restored, backupPostgres+" (into the database)")
			}
			if files[backupDevice] {
				put = append(put, backupDevice)
			}
			if v.Replaced, err = putInPlace(c.DataDir, tmp, put); err != nil {
				return err
			}
			v.Restored = append(v.Restored, put...)

			store, _, err := openStore(ctx, c)
			if err != nil {
				return err
			}
			defer store.Close()
			if a, ok := store.(audit.Store); ok {
				current, err := publishedState(ctx, a, c.DataDir)
				if isRollback(err) {
					v.Reconcile = article5.ErrorMessage(err)
				} else if err != nil {
					return err
				}
				published, err := readPublished(c.DataDir)
				if err != nil {
					return err
				}
				v.Unpublished = published == nil
				if v.LogSize, err = headSize(current); err != nil {
					return err
				}
			}
			if format == "json" {
				return writeJSON(stdout, v)
			}
			fmt.Fprintf(stdout, "restored the %s store from %s into %s: %s\n", v.Store, args[0], c.DataDir, strings.Join(v.Restored, ", "))
			if v.Replaced != "" {
				fmt.Fprintf(stdout, "the files replaced are in %s\n", v.Replaced)
			}
			fmt.Fprintf(stdout, "the restored transparency log has %s; check it with 'article5 audit verify'\n", entries(v.LogSize))
			if v.Unpublished {
				fmt.Fprintf(stdout, "note: %s holds no %s, so serve cannot tell whether this log is older than one the node published: "+
					"when restoring into a new data dir, copy the old one's %s here first (docs/operations.md)\n", c.DataDir, publishedHeadFile, publishedHeadFile)
			}
			if v.Reconcile != "" {
				fmt.Fprintf(stdout, "serve will refuse to start: %s\n", v.Reconcile)
			}
			return nil
		},
	}
	addStoreFlags(cmd, &c)
	cmd.Flags().BoolVar(&force, "force", false, "restore although a -wal file suggests the node is running (after a crash)")
	addFormatFlag(cmd, &format)
	return cmd
}

// extractBackup extracts the backup tar at path into dir and checks every
// file against MANIFEST: a failedCheck (exit 4) when a file is missing,
// extra or altered, EINVALID when the tar is not an article5 backup. It
// returns the names extracted.
func extractBackup(path, dir string) (map[string]bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, article5.Errorf(article5.EINVALID, "%s: %v", path, err)
	}
	defer f.Close()
	known := map[string]bool{backupSQLite: true, backupPostgres: true, backupDevice: true, backupInfo: true, backupManifest: true}
	got := map[string]bool{}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, article5.Errorf(article5.EINVALID, "%s is not a readable tar: %v", path, err)
		}
		if !known[h.Name] || h.Typeflag != tar.TypeReg || got[h.Name] {
			return nil, article5.Errorf(article5.EINVALID, "%s: %q is not a file of an article5 backup", path, h.Name)
		}
		got[h.Name] = true
		out, err := os.OpenFile(filepath.Join(dir, h.Name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, article5.Internal("restore", err)
		}
		_, err = io.Copy(out, tr)
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, article5.Errorf(article5.EINVALID, "%s: reading %s: %v", path, h.Name, err)
		}
	}
	if !got[backupManifest] {
		return nil, article5.Errorf(article5.EINVALID, "%s has no MANIFEST: not an article5 backup", path)
	}
	listed, err := readManifest(filepath.Join(dir, backupManifest))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for name := range got {
		if _, ok := listed[name]; !ok && name != backupManifest {
			return nil, failedCheck{article5.Errorf(article5.ECONFLICT, "%s: %s is not in MANIFEST", path, name)}
		}
	}
	for name, want := range listed {
		if !got[name] {
			return nil, failedCheck{article5.Errorf(article5.ECONFLICT, "%s: %s is in MANIFEST but not in the backup", path, name)}
		}
		sum, err := fileSHA256(filepath.Join(dir, name))
		if err != nil {
			return nil, article5.Internal("restore", err)
		}
		if sum != want {
			return nil, failedCheck{article5.Errorf(article5.ECONFLICT, "%s: %s has sha256 %s, MANIFEST says %s: the backup is damaged or altered", path, name, sum, want)}
		}
	}
	return got, nil
}

// readManifest reads a MANIFEST: lines "<sha256 hex>  <name>" (a '*'
// before the name, sha256sum's binary mark, is accepted).
func readManifest(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, article5.Internal("restore", err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		sum, name, ok := strings.Cut(sc.Text(), " ")
		name = strings.TrimPrefix(strings.TrimPrefix(name, " "), "*")
		if !ok || len(sum) != 64 || strings.Trim(sum, "0123456789abcdef") != "" || name == "" {
			return nil, article5.Errorf(article5.EINVALID, "MANIFEST line %d: want \"<sha256>  <file>\"", line)
		}
		out[name] = sum
	}
	if err := sc.Err(); err != nil {
		return nil, article5.Internal("restore", err)
	}
	return out, nil
}

// putInPlace moves the files names of src into dataDir. What they replace
// (and, for article5.db, its -wal and -shm files) is first moved into
// dataDir/replaced-<time>, which it returns ("" when nothing was
// replaced). Run as root, the files put in place get the data dir's owner
// (a service's dynamic user keeps access).
func putInPlace(dataDir, src string, names []string) (string, error) {
	var aside []string
	for _, n := range names {
		aside = append(aside, n)
		if n == backupSQLite {
			aside = append(aside, n+"-wal", n+"-shm")
		}
	}
	replaced := ""
	for _, n := range aside {
		old := filepath.Join(dataDir, n)
		if _, err := os.Lstat(old); errors.Is(err, os.ErrNotExist) {
			continue
		}
		if replaced == "" {
			replaced = filepath.Join(dataDir, "replaced-"+time.Now().UTC().Format("20060102T150405.000Z"))
			if err := os.Mkdir(replaced, 0o700); err != nil {
				return "", article5.Internal("restore", err)
			}
		}
		if err := os.Rename(old, filepath.Join(replaced, n)); err != nil {
			return "", article5.Internal("restore", err)
		}
	}
	owner, haveOwner := dirOwner(dataDir)
	for _, n := range names {
		dst := filepath.Join(dataDir, n)
		if err := os.Rename(filepath.Join(src, n), dst); err != nil {
			return replaced, article5.Internal("restore", err)
		}
		if haveOwner && os.Geteuid() == 0 {
			if err := os.Chown(dst, int(owner.Uid), int(owner.Gid)); err != nil {
				return replaced, article5.Internal("restore", err)
			}
		}
	}
	return replaced, nil
}

// dirOwner returns the owner of dir.
func dirOwner(dir string) (*syscall.Stat_t, bool) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, false
	}
	s, ok := st.Sys().(*syscall.Stat_t)
	return s, ok
}
