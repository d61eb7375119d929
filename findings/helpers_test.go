package findings

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/secui/secui/internal/testutil"
)

func corpusDir(t testing.TB) string { return testutil.CorpusDir(t) }

func corpus(t testing.TB, rel string) string { return testutil.CorpusFile(t, rel) }

func mustLoad(t testing.TB, paths []string, opts Options) *Set {
	t.Helper()
	s, err := Load(context.Background(), paths, opts)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return s
}

// gitRepo makes a real git repository in a temp dir.
func gitRepo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if r, err := filepath.EvalSymlinks(dir); err == nil {
		dir = r
	}
	git(t, dir, "init", "-q", "-b", "main")
	git(t, dir, "config", "user.email", "dev@example.com")
	git(t, dir, "config", "user.name", "Dev")
	return dir
}

func git(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
