package cli

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"article5/internal/testdb"
)

const drillOrg = "identity--7c477306-5df9-4487-b023-958c6583ffef"

// freeAddr returns a loopback address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// serveOnce starts 'article5 serve' with args, waits until it answers
// ready, and stops it: it has published its newest signed tree head.
func serveOnce(t *testing.T, args ...string) {
	t.Helper()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	var out, errb bytes.Buffer
	go func() { done <- Run(ctx, append([]string{"serve", "--addr", addr}, args...), &out, &errb) }()
	for {
		select {
		case err := <-done:
			t.Fatalf("serve exited before it was ready: %v\n%s", err, errb.String())
		case <-time.After(25 * time.Millisecond):
		}
		if res, err := http.Get("http://" + addr + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				break
			}
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v\n%s", err, errb.String())
	}
}

// serveRefuses runs 'article5 serve' with args and returns what it said
// and its exit code; the test fails if the node starts answering instead.
func serveRefuses(t *testing.T, args ...string) (string, int) {
	t.Helper()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	var out, errb bytes.Buffer
	go func() { done <- Run(ctx, append([]string{"serve", "--addr", addr}, args...), &out, &errb) }()
	for {
		select {
		case err := <-done:
			return errb.String(), ExitCode(err)
		case <-time.After(25 * time.Millisecond):
		}
		if res, err := http.Get("http://" + addr + "/healthz"); err == nil {
			res.Body.Close()
			cancel()
			<-done
			t.Fatalf("serve started on a rolled-back log\n%s", errb.String())
		}
	}
}

// logSize reads the size of the store's newest signed head.
func logSize(t *testing.T, store ...string) int64 {
	t.Helper()
	head := MustCLI(t, append([]string{"audit", "head"}, store...)...)
	n, err := headSize([]byte(head))
	if err != nil {
		t.Fatalf("audit head: %v\n%s", err, head)
	}
	return n
}

// tarFiles returns the files of a tar by name, and their order.
func tarFiles(t *testing.T, path string) (map[string][]byte, []string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	files := map[string][]byte{}
	var order []string
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return files, order
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		files[h.Name] = data
		order = append(order, h.Name)
	}
}

// MustManifestChecks checks a backup's MANIFEST: one "<sha256>  <file>"
// line, sha256sum's form, for every other file of the tar, each right;
// and, where sha256sum is installed, 'sha256sum -c MANIFEST' passes on
// the extracted files.
func MustManifestChecks(t *testing.T, backup string, want ...string) {
	t.Helper()
	files, order := tarFiles(t, backup)
	if order[0] != "MANIFEST" {
		t.Errorf("the tar begins with %s, want MANIFEST", order[0])
	}
	line := regexp.MustCompile(`^([0-9a-f]{64})  (\S+)$`)
	listed := map[string]bool{}
	for _, l := range strings.Split(strings.TrimSuffix(string(files["MANIFEST"]), "\n"), "\n") {
		m := line.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("MANIFEST line %q is not in sha256sum form", l)
		}
		sum := sha256.Sum256(files[m[2]])
		if hex.EncodeToString(sum[:]) != m[1] {
			t.Errorf("MANIFEST: %s has sha256 %x, listed %s", m[2], sum, m[1])
		}
		listed[m[2]] = true
	}
	for name := range files {
		if name != "MANIFEST" && !listed[name] {
			t.Errorf("%s is in the backup but not in MANIFEST", name)
		}
	}
	for _, name := range want {
		if !listed[name] {
			t.Errorf("the backup lacks %s", name)
		}
	}
	if bin, err := exec.LookPath("sha256sum"); err == nil {
		dir := t.TempDir()
		for name, data := range files {
			if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		cmd := exec.Command(bin, "-c", "--strict", "MANIFEST")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("sha256sum -c MANIFEST: %v\n%s", err, out)
		}
	}
}

// rollbackDrill is the restore drill of docs/operations.md on one store
// (store: --data-dir, with --database for PostgreSQL): back up, make more
// changes, restore the old backup, see serve refuse, reconcile, see serve
// start and the log verify.
func rollbackDrill(t *testing.T, dataDir string, store []string, storeFile string) {
	withDir := append([]string{"--data-dir", dataDir}, store...)
	MustCLI(t, append([]string{"token", "create", "--name", "before", "--party", "JP", "--org", drillOrg}, withDir...)...)
	serveOnce(t, append([]string{"--holder", drillOrg}, withDir...)...)
	// SQLite keeps the login device key in the data dir; PostgreSQL in the
	// database, and so in the dump.
	keyFile := storeFile == "article5.db"
	var deviceKey []byte
	if keyFile {
		var err error
		if deviceKey, err = os.ReadFile(filepath.Join(dataDir, "login-device.key")); err != nil {
			t.Fatal(err)
		}
	}
	backup := filepath.Join(t.TempDir(), "backup.tar")
	MustCLI(t, append([]string{"backup", "--out", backup}, withDir...)...)
	if keyFile {
		MustManifestChecks(t, backup, storeFile, "login-device.key", "article5-backup.json")
	} else {
		MustManifestChecks(t, backup, storeFile, "article5-backup.json")
	}
	restored := logSize(t, withDir...)

	// More changes, which the node publishes.
	MustCLI(t, append([]string{"token", "create", "--name", "after", "--party", "JP", "--org", drillOrg}, withDir...)...)
	MustCLI(t, append([]string{"user", "create", "--name", "aiko", "--party", "JP", "--role", "legal", "--org", drillOrg, "--password-file", writeTemp(t, t.TempDir(), "a password long enough")}, withDir...)...)
	serveOnce(t, append([]string{"--holder", drillOrg}, withDir...)...)
	published := logSize(t, withDir...)
	if published <= restored {
		t.Fatalf("the changes after the backup logged nothing: %d, then %d entries", restored, published)
	}
	if keyFile {
		if err := os.WriteFile(filepath.Join(dataDir, "login-device.key"), bytes.Repeat([]byte{7}, 32), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	// Restore the old backup: the log goes back.
	out := MustCLI(t, append([]string{"restore", backup}, withDir...)...)
	if !strings.Contains(out, "serve will refuse to start") || !strings.Contains(out, "audit reconcile --accept-rollback") {
		t.Errorf("restore does not say that serve will refuse:\n%s", out)
	}
	if got, _ := os.ReadFile(filepath.Join(dataDir, "login-device.key")); keyFile && !bytes.Equal(got, deviceKey) {
		t.Error("restore did not put back the backup's login-device.key")
	}
	if n := logSize(t, withDir...); n != restored {
		t.Fatalf("after restore the log has %d entries, the backup %d", n, restored)
	}
	MustCLI(t, append([]string{"audit", "verify"}, withDir...)...)

	// serve refuses, naming both sizes and the command that reconciles;
	// so does an offline command that would write to the log.
	errOut, code := serveRefuses(t, append([]string{"--holder", drillOrg}, withDir...)...)
	for _, w := range []string{"has " + entries(restored), "head of " + entries(published), "article5 audit reconcile --accept-rollback"} {
		if !strings.Contains(errOut, w) {
			t.Errorf("serve's refusal lacks %q:\n%s", w, errOut)
		}
	}
	if code != ExitRefused {
		t.Errorf("serve on a rolled-back log: exit %d, want %d", code, ExitRefused)
	}
	if _, errOut, code := runCLI(t, append([]string{"token", "create", "--name", "late", "--party", "JP", "--org", drillOrg}, withDir...)...); code != ExitRefused || !strings.Contains(errOut, "rolled back") {
		t.Errorf("token create on a rolled-back log: exit %d\n%s", code, errOut)
	}
	if n := logSize(t, withDir...); n != restored {
		t.Fatalf("the refusals wrote to the log: %d entries, want %d", n, restored)
	}

	// Reconcile: without --accept-rollback it only explains.
	if _, errOut, code := runCLI(t, append([]string{"audit", "reconcile"}, withDir...)...); code != ExitInvalid || !strings.Contains(errOut, "--accept-rollback") {
		t.Errorf("reconcile without --accept-rollback: exit %d\n%s", code, errOut)
	}
	out = MustCLI(t, append([]string{"audit", "reconcile", "--accept-rollback"}, withDir...)...)
	if !strings.Contains(out, "reconciled") {
		t.Errorf("reconcile printed:\n%s", out)
	}
	abandoned, _ := filepath.Glob(filepath.Join(dataDir, "rolled-back-"+strconv.FormatInt(published, 10)+"-*.note"))
	if len(abandoned) != 1 {
		t.Fatalf("the abandoned head is not kept: %v", abandoned)
	}
	// The decision is in the log itself: one rollback entry naming the
	// abandoned head.
	proof := MustCLI(t, append([]string{"audit", "proof", strconv.FormatInt(restored, 10)}, withDir...)...)
	if !strings.Contains(proof, "\n"+strconv.FormatInt(restored, 10)+" rollback audit/rollback/"+strconv.FormatInt(published, 10)+"/") {
		t.Errorf("entry %d is not the rollback:\n%s", restored, proof)
	}
	if out := MustCLI(t, append([]string{"audit", "reconcile", "--accept-rollback"}, withDir...)...); !strings.Contains(out, "nothing to reconcile") {
		t.Errorf("a second reconcile:\n%s", out)
	}

	// serve starts again, and the log verifies; a partner holding the
	// abandoned head sees that the log does not extend it.
	serveOnce(t, append([]string{"--holder", drillOrg}, withDir...)...)
	MustCLI(t, append([]string{"token", "create", "--name", "later", "--party", "JP", "--org", drillOrg}, withDir...)...)
	if out := MustCLI(t, append([]string{"audit", "verify"}, withDir...)...); !strings.Contains(out, "intact") {
		t.Errorf("audit verify after reconcile:\n%s", out)
	}
	if out, _, code := runCLI(t, append([]string{"audit", "verify", "--witnessed", abandoned[0]}, withDir...)...); code != ExitRefused {
		t.Errorf("audit verify --witnessed <abandoned head>: exit %d, want %d\n%s", code, ExitRefused, out)
	}
}

// TestBackupRestoreRollbackDrill runs the drill on SQLite.
func TestBackupRestoreRollbackDrill(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "node")
	rollbackDrill(t, dir, nil, "article5.db")
	if aside, _ := filepath.Glob(filepath.Join(dir, "replaced-*", "article5.db")); len(aside) != 1 {
		t.Errorf("the replaced store is not kept aside: %v", aside)
	}
}

// TestPostgresBackupRestoreRollbackDrill runs the drill on PostgreSQL
// (pg_dump and pg_restore), in a schema of its own, when
// ARTICLE5_TEST_POSTGRES names a server.
func TestPostgresBackupRestoreRollbackDrill(t *testing.T) {
	base := os.Getenv("ARTICLE5_TEST_POSTGRES")
	if base == "" {
		t.Skip("ARTICLE5_TEST_POSTGRES is not set: set it to a PostgreSQL URL to run the PostgreSQL restore drill")
	}
	for _, tool := range []string{"pg_dump", "pg_restore"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	rollbackDrill(t, filepath.Join(t.TempDir(), "node"), []string{"--database", testdb.SchemaURL(t, base, "test_drill")}, "article5.pgdump")
}

// TestRestoreRefuses: a backup whose files do not match MANIFEST is
// refused (exit 4) before anything changes, and so is a restore over a
// data dir whose store looks in use, unless --force.
func TestRestoreRefuses(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "node")
	MustCLI(t, "token", "create", "--data-dir", dir, "--name", "t", "--party", "JP", "--org", drillOrg)
	backup := filepath.Join(t.TempDir(), "backup.tar")
	MustCLI(t, "backup", "--data-dir", dir, "--out", backup)
	before, err := os.ReadFile(filepath.Join(dir, "article5.db"))
	if err != nil {
		t.Fatal(err)
	}

	files, order := tarFiles(t, backup)
	files["article5.db"][len(files["article5.db"])/2] ^= 1
	altered := filepath.Join(t.TempDir(), "altered.tar")
	f, err := os.Create(altered)
	if err != nil {
		t.Fatal(err)
	}
	tw := tar.NewWriter(f)
	for _, name := range order {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(files[name]))})
		tw.Write(files[name])
	}
	tw.Close()
	f.Close()
	if out, errOut, code := runCLI(t, "restore", altered, "--data-dir", dir); code != ExitRefused || !strings.Contains(errOut, "article5.db has sha256") {
		t.Errorf("restore of an altered backup: exit %d, want %d\n%s%s", code, ExitRefused, out, errOut)
	}
	if after, _ := os.ReadFile(filepath.Join(dir, "article5.db")); !bytes.Equal(after, before) {
		t.Error("a refused restore changed the store")
	}

	if err := os.WriteFile(filepath.Join(dir, "article5.db-wal"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := runCLI(t, "restore", backup, "--data-dir", dir); code != ExitInvalid || !strings.Contains(errOut, "may still be running") {
		t.Errorf("restore beside a -wal file: exit %d\n%s", code, errOut)
	}
	MustCLI(t, "restore", backup, "--data-dir", dir, "--force")
	if _, err := os.Stat(filepath.Join(dir, "article5.db-wal")); err == nil {
		t.Error("the old -wal file was left beside the restored store")
	}
	if _, errOut, code := runCLI(t, "restore", backup, "--data-dir", dir, "--database", "postgres://x@127.0.0.1/x"); code != ExitInvalid || !strings.Contains(errOut, "SQLite") {
		t.Errorf("a SQLite backup restored into PostgreSQL: exit %d\n%s", code, errOut)
	}
}
