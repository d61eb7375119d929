package ledger

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/secui/secui/findings"
)

func tempsIn(t *testing.T, dir string) []string {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	var out []string
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".ledger.yaml.tmp") {
			out = append(out, e.Name())
		}
	}
	return out
}

// A writer killed with SIGKILL between creating its temporary file and the
// rename leaves the temporary file behind; the next write removes it (and
// only it: fresh temporary files and look-alikes stay).
func TestStaleTempFromKilledWriteRemoved(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dir := t.TempDir()
	l, _ := Open(dir, "")
	fs := make([]*findings.Finding, 8000) // a big ledger: each write takes a while
	for i := range fs {
		fs[i] = mk(500000 + i)
	}
	if err := l.Decide(fs, suppress("A <a@example.com>")); err != nil {
		t.Fatal(err)
	}
	sdir := filepath.Join(dir, ".secui")
	var left []string
	for round := 0; round < 40 && len(left) == 0; round++ {
		c := child(dir, round*1000, 0)
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(5 * time.Second) // a timeout, not a date
		for time.Now().Before(deadline) && len(tempsIn(t, sdir)) == 0 {
		}
		c.Process.Signal(syscall.SIGKILL)
		c.Wait()
		left = tempsIn(t, sdir)
	}
	if len(left) == 0 {
		t.Fatal("never caught a write in flight: the test proves nothing")
	}
	t.Logf("SIGKILL left %v", left)
	// The leftovers are from a killed write "a while ago"; add a fresh one
	// and look-alikes that are not ours.
	old := time.Now().Add(-time.Minute)
	for _, n := range left {
		os.Chtimes(filepath.Join(sdir, n), old, old)
	}
	keep := []string{".ledger.yaml.tmp999", ".ledger.yaml.tmpfoo", "ledger.yaml.tmp123", ".other.yaml.tmp123"}
	for _, n := range keep {
		os.WriteFile(filepath.Join(sdir, n), []byte("x"), 0o644)
		if n != ".ledger.yaml.tmp999" {
			os.Chtimes(filepath.Join(sdir, n), old, old)
		}
	}
	os.Mkdir(filepath.Join(sdir, ".ledger.yaml.tmp77"), 0o755) // a directory: not ours
	os.Chtimes(filepath.Join(sdir, ".ledger.yaml.tmp77"), old, old)
	l2, err := Open(dir, "")
	if err != nil {
		t.Fatalf("ledger after kill -9: %v", err)
	}
	// The fresh one is touched just before the write: younger than StaleTempAge.
	os.Chtimes(filepath.Join(sdir, ".ledger.yaml.tmp999"), time.Now(), time.Now())
	start := time.Now()
	if err := l2.Decide([]*findings.Finding{mk(1)}, suppress("A <a@example.com>")); err != nil {
		t.Fatal(err)
	}
	t.Logf("decide took %v", time.Since(start))
	for _, n := range left {
		if _, err := os.Lstat(filepath.Join(sdir, n)); err == nil {
			t.Errorf("stale %s not removed", n)
		}
	}
	for _, n := range append(keep, ".ledger.yaml.tmp77") {
		if _, err := os.Lstat(filepath.Join(sdir, n)); err != nil {
			t.Errorf("%s removed: %v", n, err)
		}
	}
}

// A .secui directory that is a symlink out of the repository: nothing is
// read from or written there (no ledger, no lock, no .gitignore).
func TestLedgerSymlinkOutOfRepoRefused(t *testing.T) {
	repo, outside := t.TempDir(), t.TempDir()
	if err := os.Symlink(outside, filepath.Join(repo, ".secui")); err != nil {
		t.Skip("symlinks unsupported:", err)
	}
	os.WriteFile(filepath.Join(outside, "ledger.yaml"), []byte("version: 1\ndecisions: []\n"), 0o644)
	l, err := Open(repo, "")
	if err == nil || !strings.Contains(err.Error(), "symlink leads out of the repository") || l.Err() == nil {
		t.Fatalf("open through a symlink out: %v / %v", err, l.Err())
	}
	err = l.Decide([]*findings.Finding{mk(1)}, suppress("A <a@example.com>"))
	if err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("decide: %v", err)
	}
	ents, _ := os.ReadDir(outside)
	if len(ents) != 1 {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Fatalf("wrote outside the repository: %v", names)
	}
	// A symlink that stays inside the repository is fine.
	repo2 := t.TempDir()
	os.MkdirAll(filepath.Join(repo2, "config", "secui"), 0o755)
	os.Symlink(filepath.Join(repo2, "config", "secui"), filepath.Join(repo2, ".secui"))
	l2, err := Open(repo2, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := l2.Decide([]*findings.Finding{mk(1)}, suppress("A <a@example.com>")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(repo2, "config", "secui", "ledger.yaml")); err != nil {
		t.Fatal(err)
	}
}

// git's line-merge conflict markers are recognised with how to resolve them.
func TestConflictMarkersExplained(t *testing.T) {
	src := "version: 1\ndecisions:\n<<<<<<< HEAD\n- id: a000000000000001\n  state: open\n=======\n- id: a000000000000002\n  state: open\n>>>>>>> b\n"
	_, err := Parse(".secui/ledger.yaml", []byte(src))
	if err == nil {
		t.Fatal("markers parsed")
	}
	msg := err.Error()
	for _, want := range []string{".secui/ledger.yaml:3:1:", `"<<<<<<<"`, "1 conflicted block", "merge-driver --help", "git checkout -m -- .secui/ledger.yaml", "--ours"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
	if _, err := Parse("x", []byte("version: 1\ndecisions:\n- id: a000000000000001\n  state: open\n  note: \"<<<<<<< not a marker\"\n  time: 2026-11-28T09:00:00Z\n")); err != nil {
		t.Fatalf("a quoted marker inside a value: %v", err)
	}
}
