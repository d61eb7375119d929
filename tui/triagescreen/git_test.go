package triagescreen

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/secui/secui/findings"
	"github.com/secui/secui/findings/gitrepo"
	"github.com/secui/secui/tui/internal/fixture"
)

// A real repository with two authors and a CODEOWNERS: the detail pane shows
// who last changed each finding's line and who owns its file.
func TestBlameAndOwnersInDetail(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", home)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	dir := t.TempDir()
	git := func(name, email, date string, args ...string) {
		t.Helper()
		c := exec.Command("git", args...)
		c.Dir = dir
		c.Env = append(os.Environ(), "GIT_AUTHOR_NAME="+name, "GIT_AUTHOR_EMAIL="+email, "GIT_AUTHOR_DATE="+date,
			"GIT_COMMITTER_NAME="+name, "GIT_COMMITTER_EMAIL="+email, "GIT_COMMITTER_DATE="+date)
		if out, err := c.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	put := func(p, s string) {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git("Ana", "ana@example.com", "2020-01-02T10:00:00Z", "init", "-q", "-b", "main")
	put("main.go", "package main\nvar key = \"old\"\nfunc main() {}\n")
	put(".github/CODEOWNERS", "*.go @acme/go-team\n/docs/ @acme/writers\n")
	git("Ana", "ana@example.com", "2020-01-02T10:00:00Z", "add", ".")
	git("Ana", "ana@example.com", "2020-01-02T10:00:00Z", "commit", "-q", "-m", "add main.go")
	put("main.go", "package main\nvar key = os.Getenv(\"KEY\")\nfunc main() {}\n")
	git("Bob", "bob@example.com", "2021-03-04T10:00:00Z", "commit", "-q", "-am", "read the key from the environment")
	repo, err := gitrepo.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	fs := fixture.Findings(2)
	fs[0].Severity, fs[1].Severity = findings.SevCritical, findings.SevHigh
	fs[0].Loc = findings.Location{Path: "main.go", InRepo: true, Line: 2, Col: 1}
	fs[1].Loc = findings.Location{Path: "main.go", InRepo: true, Line: 1, Col: 1}
	now := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	m := newModel(t, fs, 200, 50, func(o *Options) {
		o.Root, o.Repo = dir, repo
		o.Now = func() time.Time { return now }
	})
	waitFor := func(what string) string {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			s := screen(m)
			if strings.Contains(s, what) {
				return s
			}
			if time.Now().After(deadline) {
				t.Fatalf("no %q:\n%s", what, s)
			}
			m = run(t, m, m.blameCmd(m.det.Data().F)) // a slow machine: blame again
		}
	}
	s := waitFor(`blame Bob <bob@example.com>, 5 years ago (2021-03-04)`)
	if !strings.Contains(s, `"read the key`) || !strings.Contains(s, "owners @acme/go-team  (.github/CODEOWNERS:1 *.go)") {
		t.Fatalf("blame/owners of line 2:\n%s", s)
	}
	m = press(t, m, "j")
	waitFor(`blame Ana <ana@example.com>, 6 years ago (2020-01-02)`)
}
