package fix

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func gitFixture(t *testing.T) (*fixture, *Git) {
	t.Helper()
	fx := newFixture(t, map[string]string{"a.txt": src, "b.txt": "other\n"})
	gitRun(t, fx.dir, "init", "-q")
	gitRun(t, fx.dir, "add", ".")
	gitRun(t, fx.dir, "commit", "-q", "-m", "initial")
	g, err := OpenGit(fx.dir)
	if err != nil {
		t.Fatal(err)
	}
	return fx, g
}

// --commit commits exactly the fixed files, with the finding id, rule and
// "tool-proposed fix" in the message.
func TestCommitOnlyTheFix(t *testing.T) {
	fx, g := gitFixture(t)
	fx.write("untracked.txt", "scratch\n") // untracked: left alone
	fx.write("b.txt", "edited, not staged\n")
	p := fx.plan(sarif(hashed("a.txt", src), "", fix(change("a.txt",
		rp(`"startLine":2,"startColumn":13,"endColumn":23`, ptr("shell=False"))))), 0, Options{Git: g})
	if !p.OK() {
		t.Fatal(p.Refusal)
	}
	if err := g.ReadyToCommit(p.Paths()); err != nil {
		t.Fatal(err)
	}
	if err := p.Apply(fx.root); err != nil {
		t.Fatal(err)
	}
	when := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	h, err := g.Commit(p.Paths(), p.CommitMessage(), "Ada", "ada@example.com", when)
	if err != nil {
		t.Fatal(err)
	}
	if head := strings.TrimSpace(gitRun(t, fx.dir, "rev-parse", "HEAD")); head != h {
		t.Errorf("HEAD %s, commit %s", head, h)
	}
	if files := strings.TrimSpace(gitRun(t, fx.dir, "show", "--name-only", "--format=", "HEAD")); files != "a.txt" {
		t.Errorf("commit holds %q, want only a.txt", files)
	}
	msg := gitRun(t, fx.dir, "log", "-1", "--format=%an <%ae> %aI%n%B")
	for _, want := range []string{"Ada <ada@example.com> 2026-03-04T05:06:07+00:00", "fix: R1 in a.txt (tool-proposed fix)", "finding " + p.Finding, "Secui-Finding: " + p.Finding, "artifact-hash (sha-256)"} {
		if !strings.Contains(msg, want) {
			t.Errorf("commit message lacks %q:\n%s", want, msg)
		}
	}
	if st := gitRun(t, fx.dir, "status", "--porcelain"); !strings.Contains(st, " M b.txt") || !strings.Contains(st, "?? untracked.txt") {
		t.Errorf("status after the commit:\n%s", st)
	}
}

func TestReadyToCommitRefusals(t *testing.T) {
	fx, g := gitFixture(t)
	fx.write("b.txt", "staged\n")
	gitRun(t, fx.dir, "add", "b.txt")
	if err := g.ReadyToCommit([]string{"a.txt"}); err == nil || !strings.Contains(err.Error(), "other changes are staged (b.txt)") {
		t.Errorf("staged elsewhere: %v", err)
	}
	gitRun(t, fx.dir, "reset", "-q")
	fx.write("a.txt", src+"local edit\n")
	if err := g.ReadyToCommit([]string{"a.txt"}); err == nil || !strings.Contains(err.Error(), "a.txt has uncommitted changes") {
		t.Errorf("own uncommitted change: %v", err)
	}
	if err := os.WriteFile(filepath.Join(fx.dir, "new.txt"), []byte("n\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := g.ReadyToCommit([]string{"new.txt"}); err == nil || !strings.Contains(err.Error(), "not tracked") {
		t.Errorf("untracked target: %v", err)
	}
}
