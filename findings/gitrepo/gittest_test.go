package gitrepo

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/secui/secui/internal/testutil"
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

// bigHistory is testutil.LongHistory (shared with the console's tests).
func bigHistory(t testing.TB, lines, commits int) string {
	return testutil.LongHistory(t, lines, commits)
}
