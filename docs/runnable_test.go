//go:build unix

package docs_test

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// runnableTimeout bounds the run of one page's blocks.
const runnableTimeout = 4 * time.Minute

// runnableFence opens a block the documentation test runs (docs/README.md,
// "Runnable examples").
var runnableFence = regexp.MustCompile("^```+\\s*sh\\s+runnable\\s*$")

// runnableBlocks returns the runnable blocks of a Markdown text, in order.
func runnableBlocks(text string) []string {
	var blocks []string
	var cur []string
	in := false
	for _, line := range strings.Split(text, "\n") {
		switch {
		case !in && runnableFence.MatchString(line):
			in, cur = true, nil
		case in && strings.TrimSpace(line) == "```":
			in = false
			blocks = append(blocks, strings.Join(cur, "\n"))
		case in:
			cur = append(cur, line)
		}
	}
	return blocks
}

func TestRunnableBlocksParse(t *testing.T) {
	text := "x\n```sh runnable\necho a\n```\n```sh\necho no\n```\n```sh runnable\necho b\necho c\n```\n"
	got := runnableBlocks(text)
	if len(got) != 2 || got[0] != "echo a" || got[1] != "echo b\necho c" {
		t.Fatalf("runnableBlocks = %q", got)
	}
}

// TestRunnableBlocks runs, page by page, every code block marked
// runnable: a freshly built article5 first on PATH, in a directory that
// shows the repository's files, with ARTICLE5_ADDR on a free loopback
// port. The README's tour ends in 'article5 verify' of a signed record.
func TestRunnableBlocks(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the documentation's commands against a real node; not with -short")
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash is not installed")
	}
	scripts := map[string][]string{}
	var order []string
	for _, page := range pages(t) {
		b, err := os.ReadFile(filepath.Join(root, page))
		if err != nil {
			t.Fatal(err)
		}
		if blocks := runnableBlocks(string(b)); len(blocks) > 0 {
			scripts[page] = blocks
			order = append(order, page)
		}
	}
	if len(scripts["README.md"]) == 0 {
		t.Fatal("README.md has no runnable blocks: the tour is not tested")
	}
	if tour := strings.Join(scripts["README.md"], "\n"); !strings.Contains(tour, "article5 verify ") {
		t.Error("README.md's tour does not verify a record with 'article5 verify'")
	}

	bin := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(bin, "article5"), "./cmd/article5")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	repo, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}

	for _, page := range order {
		t.Run(page, func(t *testing.T) {
			script := strings.Join(scripts[page], "\n")
			if strings.Contains(script, "curl ") {
				if _, err := exec.LookPath("curl"); err != nil {
					t.Skip("curl is not installed")
				}
			}
			runPage(t, bash, bin, repo, page, script)
		})
	}
}

// runPage runs one page's script and stops every process it started.
func runPage(t *testing.T, bash, bin, repo, page, script string) {
	base := t.TempDir()
	work := filepath.Join(base, "repo") // the repository's files, linked
	tmp := filepath.Join(base, "tmp")
	home := filepath.Join(base, "home")
	for _, d := range []string{work, tmp, home} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := os.ReadDir(repo)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() == ".git" {
			continue
		}
		if err := os.Symlink(filepath.Join(repo, e.Name()), filepath.Join(work, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()

	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(name, "ARTICLE5_") && !strings.HasPrefix(name, "ARTICLE5_TEST_"):
			continue // the reader's own settings would change what the blocks do
		case name == "PATH", name == "HOME", name == "TMPDIR", name == "XDG_CONFIG_HOME":
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"), "TMPDIR="+tmp,
		"ARTICLE5_ADDR="+addr)

	scriptFile := filepath.Join(base, "script.sh")
	if err := os.WriteFile(scriptFile, []byte("set -euo pipefail\n"+script+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Output goes to a file, not a pipe: a process left running in the
	// background must not hold the test.
	outFile := filepath.Join(base, "output")
	out, err := os.Create(outFile)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()

	ctx, cancel := context.WithTimeout(context.Background(), runnableTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bash, "-x", scriptFile)
	cmd.Dir = work
	cmd.Env = env
	cmd.Stdin = nil
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	runErr := cmd.Run()
	if cmd.Process != nil {
		// Everything the script started in the background is in its group.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	if runErr != nil {
		log, _ := os.ReadFile(outFile)
		if ctx.Err() != nil {
			t.Errorf("%s: the runnable blocks did not finish within %v", page, runnableTimeout)
		}
		t.Fatalf("%s: the runnable blocks failed: %v\n%s", page, runErr, tail(string(log), 6000))
	}
}

// tail returns the last n bytes of s.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
