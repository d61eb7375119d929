package gitrepo

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Helpers for tests on real repositories with several authors.

type person struct{ name, email string }

var (
	ana = person{"Ana Lima", "ana@example.com"}
	bob = person{"Bob Stone", "bob@example.org"}
)

// gitBy runs git in dir as who (author and committer) at date.
func gitBy(t testing.TB, dir string, who person, date time.Time, args ...string) string {
	t.Helper()
	if !HasGit() {
		t.Skip("git binary not available")
	}
	cmd := exec.Command("git", append([]string{"-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", "-c", "core.hooksPath=/dev/null"}, args...)...)
	cmd.Dir = dir
	d := date.Format(time.RFC3339)
	cmd.Env = append(os.Environ(),
		"GIT_AUTHOR_NAME="+who.name, "GIT_AUTHOR_EMAIL="+who.email, "GIT_AUTHOR_DATE="+d,
		"GIT_COMMITTER_NAME="+who.name, "GIT_COMMITTER_EMAIL="+who.email, "GIT_COMMITTER_DATE="+d,
		"GIT_CONFIG_NOSYSTEM=1", "HOME="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// commitBy stages everything and commits it as who at date; it returns the sha.
func commitBy(t testing.TB, dir string, who person, date time.Time, msg string) string {
	t.Helper()
	gitBy(t, dir, who, date, "add", "-A")
	gitBy(t, dir, who, date, "commit", "-q", "-m", msg)
	return gitBy(t, dir, who, date, "rev-parse", "HEAD")
}

func putFile(t testing.TB, dir, rel, content string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func utcDay(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, time.UTC) }

// initMainRepo makes an empty repository on branch main.
func initMainRepo(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	gitBy(t, dir, ana, utcDay(2020, 1, 1), "init", "-q")
	return dir
}

func openTestRepo(t testing.TB, dir string) *Repo {
	t.Helper()
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// bigHistory builds, with git fast-import, a repository whose big.txt has
// lines lines and is rewritten in commits commits (a share of its lines
// changes each time, line 1 never does), so blaming line 1 walks and diffs
// the whole history. It returns the repository directory.
func bigHistory(t testing.TB, lines, commits int) string {
	t.Helper()
	dir := initMainRepo(t)
	cmd := exec.Command("git", "fast-import", "--quiet")
	cmd.Dir = dir
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if out, err := os.CreateTemp(t.TempDir(), "fi"); err == nil {
		cmd.Stdout, cmd.Stderr = out, out
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(in, 1<<20)
	cur := make([]string, lines)
	for i := range cur {
		cur[i] = fmt.Sprintf("line %d of a long file, unchanged since the start", i+1)
	}
	var body strings.Builder
	for c := 0; c < commits; c++ {
		if c > 0 {
			for i := 1 + c%5; i < lines; i += 3 + c%4 {
				cur[i] = fmt.Sprintf("line %d rewritten in commit %d", i+1, c)
			}
		}
		body.Reset()
		for _, l := range cur {
			body.WriteString(l)
			body.WriteByte('\n')
		}
		msg := fmt.Sprintf("commit %d", c)
		ts := 1600000000 + c*3600
		fmt.Fprintf(w, "commit refs/heads/main\nauthor Ana Lima <ana@example.com> %d +0000\ncommitter Ana Lima <ana@example.com> %d +0000\ndata %d\n%s\n", ts, ts, len(msg), msg)
		fmt.Fprintf(w, "M 644 inline big.txt\ndata %d\n%s\n", body.Len(), body.String())
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	in.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("git fast-import: %v", err)
	}
	gitBy(t, dir, ana, utcDay(2020, 1, 1), "checkout", "-q", "-f", "main")
	return dir
}
