package tui

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestScopeTriageEndToEnd drives the real binary in tmux on real ESLint
// output (NodeGoat): the triage form's "Applies to" turns one suppression
// into a rule scope, one ledger record for the rule's 1,100 findings.
func TestScopeTriageEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux not installed")
	}
	mod := moduleRoot(t)
	bin := filepath.Join(t.TempDir(), "secui")
	build := exec.Command("go", "build", "-o", bin, "./cmd/secui")
	build.Dir = mod
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	repo := filepath.Join(t.TempDir(), "nodegoat")
	if err := os.MkdirAll(repo, 0o755); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(mod, "cmd", "secui", "testdata", "eslint-nodegoat", "eslint.sarif"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(repo, "eslint.sarif"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	git(t, repo, "init", "-q", "-b", "main")
	home := t.TempDir()
	x := &tmux{t: t, session: fmt.Sprintf("secui-scope-e2e-%d", os.Getpid())}
	env := fmt.Sprintf("env HOME=%s XDG_CONFIG_HOME=%s/.config TERM=xterm-256color GIT_AUTHOR_NAME=E2E GIT_AUTHOR_EMAIL=e2e@example.com", home, home)
	x.run("new-session", "-d", "-s", x.session, "-x", "200", "-y", "50",
		fmt.Sprintf("cd %s && %s %s 2>%s/stderr.log", repo, env, bin, home))
	t.Cleanup(func() { _ = x.cmd("kill-server").Run() })

	x.waitFor("findings loaded", regexp.MustCompile(`\b2041\b`))
	x.keys("/")
	x.typ("rule:security/detect-object-injection")
	x.keys("Enter")
	x.waitFor("filtered", regexp.MustCompile(`\b1 of 1100\b|\b1100 of 2041\b|\b1100\b`))
	x.keys("s")
	x.waitText("Applies to")
	x.waitText("[this finding]")
	x.keys("Tab")
	x.typ("bracket access in vendored bootstrap, not our code")
	x.keys("Tab", "Tab", "Right")
	x.waitText("[this rule here]")
	x.keys("Right")
	x.waitText("one record for rule ESLint security/detect-object-injection, now and in later scans")
	x.keys("C-s")
	x.waitText("1100 suppressed hidden") // the flash may be gone by the capture
	ledger, err := os.ReadFile(filepath.Join(repo, ".secui", "ledger.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(ledger), "\n- id: "); n != 1 || !strings.Contains(string(ledger), "scope: rule") {
		t.Fatalf("%d records:\n%s", n, ledger)
	}
	x.keys("q")
	x.waitGone()
}
